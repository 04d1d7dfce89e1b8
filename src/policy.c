/*
 * policy.c - the table of built-in replacement policies, found by name.
 *
 * The names are SPEC §1's (fifo, lru, clock, arc) and each maps to the ops
 * table its own file defines.  The table is constant, so the lookup needs
 * no lock.
 *
 * Also here, for now: weak stand-ins for vmfs_page_evictable() and
 * vmfs_page_referenced().  The real ones are libvmfs's (libvmfs/api.c), but
 * the unit tests link the engine without libvmfs, and the engine's reclaim
 * reaches the policies, which call these two.  A strong definition wins
 * wherever one is linked, so libvmfs keeps its own; the stand-ins only
 * answer in the unit tests: every frame evictable (the engine checks again
 * before it evicts), no page-table entry referenced.  Their visibility is
 * default so that merging them with libvmfs's exported symbols cannot hide
 * those.  TEMPORARY: remove them once the engine defines the two calls.
 */
#include "policy.h"

#include <stddef.h>
#include <string.h>

static const struct vmfs_policy_ops *const builtin[] = {
	&policy_fifo_ops,
	&policy_lru_ops,
	&policy_clock_ops,
	&policy_arc_ops,
};

const struct vmfs_policy_ops *policy_builtin(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (strcmp(builtin[i]->name, name) == 0)
			return builtin[i];
	return NULL;
}

__attribute__((weak, visibility("default")))
int vmfs_page_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	(void)rc;
	(void)pfn;
	return 1;
}

__attribute__((weak, visibility("default")))
int vmfs_page_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	(void)rc;
	(void)pfn;
	(void)clear;
	return 0;
}
