import { PoseEdgeError } from '../../errors.ts';

/** A bench step failed; the message names the model, file or program involved. */
export class BenchError extends PoseEdgeError {}
