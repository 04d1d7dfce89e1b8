/*
 * serve.c - the libfuse session loop of both FUSE programs (see serve.h).
 */
#include "serve.h"

#include <errno.h>
#include <limits.h>

int fuse_serve(struct fuse_session *se, const struct fuse_cmdline_opts *opts)
{
	struct fuse_loop_config *lc;
	int rc;

	if (opts->singlethread)
		return fuse_session_loop(se);
	if (!(lc = fuse_loop_cfg_create()))
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(lc, (unsigned)opts->clone_fd);
	if (opts->max_idle_threads != UINT_MAX)                   /* else no limit */
		fuse_loop_cfg_set_idle_threads(lc, opts->max_idle_threads);
	if (opts->max_threads && opts->max_threads != UINT_MAX)   /* else libfuse's default */
		fuse_loop_cfg_set_max_threads(lc, opts->max_threads);
	rc = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return rc;
}

