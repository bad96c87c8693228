// The pose-edge wire protocol (docs/protocol.md): pure codecs plus a streaming decoder.
export * from './errors.ts';
export * from './crc32.ts';
export * from './cobs.ts';
export * from './frame.ts';
export * from './messages.ts';
export * from './session.ts';
export * from './csi-recording.ts';
