/*
 * policy.c - the table of built-in replacement policies, found by name.
 *
 * The names are SPEC §1's (fifo, lru, clock, arc) and each maps to the ops
 * table its own file defines.  The table is constant, so the lookup needs
 * no lock.
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
