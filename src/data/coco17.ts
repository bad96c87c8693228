// The COCO-17 keypoint set every model here predicts: its order, short names, bones, and the torso that
// torso-PCK@20 measures against (right shoulder to left hip). One definition for the metrics, the label
// checks, the CSI simulator, the reports and the terminal view.

export const KEYPOINTS = 17;

/** Short names in COCO order (the long ones, `left_shoulder`..., are these with l_/r_ spelled out). */
export const COCO_NAMES = [
  'nose', 'l_eye', 'r_eye', 'l_ear', 'r_ear', 'l_shoulder', 'r_shoulder', 'l_elbow', 'r_elbow',
  'l_wrist', 'r_wrist', 'l_hip', 'r_hip', 'l_knee', 'r_knee', 'l_ankle', 'r_ankle',
] as const;

/** The bones (pairs of keypoint indices) drawn in reports and views. */
export const COCO_BONES: readonly (readonly [number, number])[] = [
  [0, 1], [0, 2], [1, 3], [2, 4], [5, 6], [5, 7], [7, 9], [6, 8], [8, 10], [5, 11], [6, 12], [11, 12], [11, 13], [13, 15], [12, 14], [14, 16],
];

/** torso-PCK@20's torso: from the right shoulder (6) to the left hip (11). */
export const TORSO_FROM = 6;
export const TORSO_TO = 11;
