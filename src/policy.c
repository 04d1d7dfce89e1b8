/*
 * policy.c - the table of built-in replacement policies, found by name, and
 * the switch of a machine's policy.
 *
 * The names are SPEC §1's (fifo, lru, clock, arc), then issue 18's in
 * alphabetical order, and each maps to the ops table its own file defines.
 * A name may carry the policy's parameters, NAME:KEY=VALUE:KEY=VALUE (no
 * commas, so it fits an options string): the lookup matches the NAME part
 * and the policy's init() receives the rest, "KEY=VALUE:KEY=VALUE" as a
 * const char * (NULL when there is none); the "known" lists of error
 * messages are built from the table (policy_known).  The table is
 * constant, so the lookup needs no lock; policy_set runs with the machine
 * lock held, and after it every tracked frame is known to the new policy
 * exactly once.
 */
#include "policy.h"
#include "error.h"
#include "machine.h"
#include "page.h"

#include <errno.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const struct vmfs_policy_ops *ops;
	policy_lru_stat_fn           lru_stat;   /* Linux's lists: meminfo's Active/Inactive */
	policy_swappiness_fn         swappiness; /* follows vm.swappiness */
	policy_hand_fn               hand;       /* a clock's hand */
} builtin[] = {
	{ &policy_fifo_ops, NULL, NULL, NULL },
	{ &policy_lru_ops, NULL, NULL, NULL },
	{ &policy_clock_ops, NULL, NULL, policy_clock_hand },
	{ &policy_arc_ops, NULL, NULL, NULL },
	{ &policy_2q_ops, NULL, NULL, NULL },
	{ &policy_car_ops, NULL, NULL, NULL },
	{ &policy_clockpro_ops, NULL, NULL, NULL },
	{ &policy_linux_ops, policy_linux_lru_stat, policy_linux_swappiness, NULL },
	{ &policy_lirs_ops, NULL, NULL, NULL },
	{ &policy_mglru_ops, policy_mglru_lru_stat, policy_mglru_swappiness, NULL },
	{ &policy_random_ops, NULL, NULL, NULL },
	{ &policy_s3fifo_ops, NULL, NULL, NULL },
	{ &policy_sieve_ops, NULL, NULL, policy_sieve_hand },
	{ &policy_wsclock_ops, NULL, NULL, policy_wsclock_hand },
};

#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

const struct vmfs_policy_ops *policy_builtin(const char *name)
{
	size_t len;

	if (!name)
		return NULL;
	len = strcspn(name, ":");
	for (size_t i = 0; i < NBUILTIN; i++)
		if (strlen(builtin[i].ops->name) == len && !strncmp(builtin[i].ops->name, name, len))
			return builtin[i].ops;
	return NULL;
}

policy_hand_fn policy_hand(const struct vmfs_policy_ops *ops)
{
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (builtin[i].ops == ops)
			return builtin[i].hand;
	return NULL;
}

policy_lru_stat_fn policy_lru_stat(const struct vmfs_policy_ops *ops)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		if (builtin[i].ops == ops)
			return builtin[i].lru_stat;
	return NULL;
}

static policy_swappiness_fn policy_swappiness(const struct vmfs_policy_ops *ops)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		if (builtin[i].ops == ops)
			return builtin[i].swappiness;
	return NULL;
}

/*
 * The built-in policies with a deactivate hook (policy.h); fifo and random
 * have no hot and cold, lirs only the reuse distances its paper changes on
 * references and evictions: none.
 */
static const struct {
	const struct vmfs_policy_ops *ops;
	policy_deactivate_fn          deactivate;
} deactivators[] = {
	{ &policy_lru_ops, policy_lru_deactivate },
	{ &policy_clock_ops, policy_clock_deactivate },
	{ &policy_arc_ops, policy_arc_deactivate },
	{ &policy_2q_ops, policy_2q_deactivate },
	{ &policy_car_ops, policy_car_deactivate },
	{ &policy_clockpro_ops, policy_clockpro_deactivate },
	{ &policy_linux_ops, policy_linux_deactivate },
	{ &policy_mglru_ops, policy_mglru_deactivate },
	{ &policy_s3fifo_ops, policy_s3fifo_deactivate },
	{ &policy_sieve_ops, policy_sieve_deactivate },
	{ &policy_wsclock_ops, policy_wsclock_deactivate },
};

policy_deactivate_fn policy_deactivate(const struct vmfs_policy_ops *ops)
{
	for (size_t i = 0; i < sizeof(deactivators) / sizeof(deactivators[0]); i++)
		if (deactivators[i].ops == ops)
			return deactivators[i].deactivate;
	return NULL;
}

policy_page_flags_fn policy_page_flags(const struct vmfs_policy_ops *ops)
{
	return ops == &policy_linux_ops ? policy_linux_page_flags : NULL;
}

const char *policy_params(const char *name)
{
	const char *colon = name ? strchr(name, ':') : NULL;

	return colon ? colon + 1 : NULL;
}

const char *policy_known(char *buf, size_t size)
{
	size_t off = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < NBUILTIN && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", builtin[i].ops->name);
	return buf;
}

int policy_set(struct vmfs *m, const char *name, const struct vmfs_policy_ops *ops, void *arg)
{
	void *state = NULL;
	char known[256];
	int rc;

	if (!ops) {
		ops = name ? policy_builtin(name) : NULL;
		if (!ops)
			return vm_error(-EINVAL, "unknown policy '%s' (known: %s)",
					name ? name : "(null)", policy_known(known, sizeof(known)));
		if (!arg)
			arg = (void *)policy_params(name);
	}
	if (!ops->loaded || !ops->accessed || !ops->removed || !ops->victim)
		return vm_error(-EINVAL, "policy '%s' lacks a callback (loaded, accessed, removed, victim)",
				ops->name ? ops->name : "?");
	if (ops->init && (rc = ops->init(&state, m->phys.nframes, arg)) < 0)
		return vm_error(rc, "policy '%s' failed to start", ops->name ? ops->name : "?");
	if (m->pol && m->pol->release)
		m->pol->release(m->pol_state);
	if (m->pol)   /* a switch at run time shows in the kernel log */
		klog_add(&m->klog, machine_now(m), "vmfs: policy %s", ops->name ? ops->name : "?");
	m->pol = ops;
	m->pol_state = state;
	m->pol_builtin = name && ops == policy_builtin(name);
	m->pol_lru_stat = m->pol_builtin ? policy_lru_stat(ops) : NULL;
	m->pol_swappiness = m->pol_builtin ? policy_swappiness(ops) : NULL;
	if (m->pol_swappiness) {
		uint64_t given;

		/* NAME:swappiness=N sets vm.swappiness; without it the policy takes it. */
		m->pol_swappiness(state, NULL, &given);
		if (given != UINT64_MAX)
			m->opt.swappiness = given;
		else
			m->pol_swappiness(state, &m->opt.swappiness, NULL);
	}
	m->pol_last = UINT64_MAX;
	/* Announce every resident page as if an access had just loaded it. */
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		if (pfn_frame(&m->phys, pfn)->flags & FRAME_TRACKED) {
			page_loaded(m, pfn);
			page_accessed(m, pfn);
		}
	}
	return 0;
}
