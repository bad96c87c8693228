#ifndef POSE_EDGE_VERSION_H
#define POSE_EDGE_VERSION_H
/* Reported in INFO; bump with any change visible on the wire or in behaviour. */
#define POSE_EDGE_FW_VERSION "0.1.0"
#endif
