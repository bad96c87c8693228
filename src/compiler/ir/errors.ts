// Typed errors of the compiler front end. Each message names the ONNX node (or tensor), its op type and
// what exactly is unsupported, so a user can find the spot in Netron without reading our code.
import { PoseEdgeError } from '../../errors.ts';

/** Where an error happened: the model file (when known) and the ONNX node. */
export interface NodeRef {
  name: string;
  op: string;
}

export function describeNode(node: NodeRef): string {
  return `node "${node.name}" (${node.op})`;
}

/** An op, a domain, an attribute value or a model feature the compiler does not handle. */
export class UnsupportedOpError extends PoseEdgeError {}

/** A shape that is inconsistent, or dynamic in a way that cannot be resolved to static numbers. */
export class ShapeError extends PoseEdgeError {}

/** A graph that breaks the IR's own invariants (dangling tensor names, unsorted nodes, duplicate names). */
export class GraphError extends PoseEdgeError {}
