/*
 * serve.h - the libfuse session loop, configured from the command line the
 * one way both FUSE programs of the project use it: the vmfs daemon
 * (fuse/main.c) and the ceiling it is measured against
 * (tools/vmfs-fusebench.c), so that the comparison stays fair by
 * construction.  It holds no state.
 */
#ifndef VMFS_FUSE_SERVE_H
#define VMFS_FUSE_SERVE_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

/*
 * Serve @se until it exits: single-threaded with -s, else with
 * fuse_session_loop_mt, clone_fd, max_idle_threads and max_threads taken
 * from @opts (libfuse's defaults where they are unset).  libfuse's
 * result, or -ENOMEM.
 */
int fuse_serve(struct fuse_session *se, const struct fuse_cmdline_opts *opts);

#endif
