/* Per-op timing hooks for the host profile of docs/performance.md: the generated pose_model.c calls
 * POSE_MODEL_OP_BEGIN/END(index) around each op; the profile build defines them to these functions
 * (-include this header, -D the macros). */
#ifndef POSE_EDGE_PROFILE_HOOKS_H
#define POSE_EDGE_PROFILE_HOOKS_H
void pm_prof_begin(int index);
void pm_prof_end(int index);
#endif
