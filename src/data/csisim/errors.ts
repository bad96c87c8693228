// Errors of the CSI simulator: a bad knob or argument names the knob and the value it got.
import { PoseEdgeError } from '../../errors.ts';

export class SynthConfigError extends PoseEdgeError {}
