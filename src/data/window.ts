// The model's input window, the data contract every part shares (README, "Models and data"): raw CSI
// amplitudes [links][subcarriers][packets] = [3][114][10], row-major, float32 in files and int16 on the node.

export const LINKS = 3;
export const SUBCARRIERS = 114;
export const PACKETS = 10;
/** Values in one window: 3 * 114 * 10 = 3420. */
export const WINDOW_VALUES = LINKS * SUBCARRIERS * PACKETS;
/** The window's shape without the batch dimension. */
export const WINDOW_SHAPE: readonly number[] = [LINKS, SUBCARRIERS, PACKETS];
