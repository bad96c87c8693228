// Errors of the wire protocol (docs/protocol.md): a frame or message that cannot be encoded or decoded,
// and an ERROR message received from a node. The message always names the message type and sequence number.
import { PoseEdgeError } from '../../errors.ts';

export type ProtocolErrorKind =
  | 'framing'
  | 'oversize'
  | 'crc'
  | 'magic'
  | 'version'
  | 'length'
  | 'unknown-type'
  | 'encode'
  | 'node-error'
  | 'timeout';

export class ProtocolError extends PoseEdgeError {
  constructor(
    readonly kind: ProtocolErrorKind,
    message: string,
    /** For kind 'node-error': the node's ERROR code and its text (already escaped for a terminal). */
    readonly nodeError?: { code: number; text: string },
  ) {
    super(message);
  }
}
