/*
 * options.c - parse the options string (see options.h).
 *
 * Grammar: ITEM (',' ITEM)*, ITEM = KEY '=' VALUE; empty items are skipped
 * (so a trailing comma is harmless).  A key given twice takes the last value,
 * as mount(8) does; frames= and mem= name the same thing, so giving both is
 * an error.  swap=PATH names the SQLite file, swap=none turns swap off;
 * contents=none makes a machine whose data frames keep no bytes; root=DIR
 * takes an absolute path (machine_open checks that it is a directory).  Nothing
 * is written to the caller's struct until the whole string has been
 * accepted.
 *
 * The tunables (max_map_count, overcommit_memory, overcommit_ratio,
 * swappiness, randomize_va_space, read_ahead_kb, slice, cpu_tlb) are numbers that options_sysctl may also
 * change while the machine runs; one table (tunables[]) gives each its
 * option name, its sysctl name and its range (min..max; min is 0 but for
 * slice, whose 0 would never run anything), so that an option and a
 * sysctl write of the same value are accepted or refused alike.
 * kernel.randomize_va_space has no option of its own (aslr=0|1 sets 0 or
 * 2); vmfs.seed is the option seed=, which a sysctl reads but never
 * writes (-EACCES, as a 0444 file of /proc/sys refuses a write).
 */
#include "options.h"
#include "error.h"
#include "policy.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_u64(const char *s, bool suffix, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	unsigned base = 10;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -EINVAL;
	}
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	if (p == s || (base == 16 && p == s + 2))
		return -EINVAL;
	if (*p && suffix && !p[1]) {
		switch (*p) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		case 't': case 'T': mult = 1ull << 40; break;
		default: return -EINVAL;
		}
		p++;
	}
	if (*p)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static int bad(const char *key, const char *val, const char *why)
{
	return vm_error(-EINVAL, "option %s=%s: %s", key, val, why);
}

/* A number of struct vm_options that the running machine may change too. */
struct tunable {
	const char *option;     /* the option's key */
	const char *sysctl;     /* Linux's sysctl name */
	size_t      off;        /* of the uint64_t in struct vm_options */
	uint64_t    max;        /* the range is min..max */
	bool        readonly;   /* options_sysctl reads it, never writes it */
	uint64_t    min;
};

static const struct tunable tunables[] = {
	{ "max_map_count", "vm.max_map_count", offsetof(struct vm_options, max_map_count),
	  OPT_MAX_MAP_COUNT, false, 0 },
	{ "overcommit_memory", "vm.overcommit_memory",
	  offsetof(struct vm_options, overcommit_memory), 2, false, 0 },
	{ "overcommit_ratio", "vm.overcommit_ratio",
	  offsetof(struct vm_options, overcommit_ratio), OPT_MAX_OVERCOMMIT_RATIO, false, 0 },
	{ "swappiness", "vm.swappiness", offsetof(struct vm_options, swappiness),
	  OPT_MAX_SWAPPINESS, false, 0 },
	{ NULL, "kernel.randomize_va_space", offsetof(struct vm_options, randomize_va_space),
	  OPT_MAX_RANDOMIZE_VA_SPACE, false, 0 },
	{ "seed", "vmfs.seed", offsetof(struct vm_options, seed), UINT64_MAX, true, 0 },
	{ "read_ahead_kb", "vm.read_ahead_kb", offsetof(struct vm_options, read_ahead_kb),
	  OPT_MAX_READ_AHEAD_KB, false, 0 },
	{ "slice", "vmfs.slice", offsetof(struct vm_options, slice), OPT_MAX_SLICE, false, 1 },
	/* the CPU's fast path (since 0.7): 1 on, 0 every access through access_vm */
	{ "cpu_tlb", "vmfs.cpu_tlb", offsetof(struct vm_options, cpu_tlb), 1, false, 0 },
};

static const struct tunable *tunable_find(const char *name, bool sysctl)
{
	for (size_t i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++) {
		const char *n = sysctl ? tunables[i].sysctl : tunables[i].option;

		if (n && !strcmp(n, name))
			return &tunables[i];
	}
	return NULL;
}

static uint64_t *tunable_in(struct vm_options *o, const struct tunable *t)
{
	return (uint64_t *)(void *)((char *)o + t->off);
}

int options_sysctl(struct vm_options *o, const char *name, uint64_t *oldval,
		   const uint64_t *newval)
{
	const struct tunable *t = name ? tunable_find(name, true) : NULL;

	if (!t)
		return vm_error(-ENOENT, "no tunable '%s' (known: kernel.randomize_va_space, vm.drop_caches, vm.max_map_count, vm.overcommit_memory, vm.overcommit_ratio, vm.read_ahead_kb, vm.swappiness, vmfs.cpu_tlb, vmfs.seed, vmfs.slice)",
				name ? name : "(null)");
	if (newval && t->readonly)
		return vm_error(-EACCES, "%s: read-only (the option %s= sets it)", t->sysctl, t->option);
	if (newval && (*newval > t->max || *newval < t->min))
		return vm_error(-EINVAL, "%s: %llu out of range (%llu to %llu)", t->sysctl,
				(unsigned long long)*newval, (unsigned long long)t->min,
				(unsigned long long)t->max);
	if (oldval)
		*oldval = *tunable_in(o, t);
	if (newval)
		*tunable_in(o, t) = *newval;
	return 0;
}

/* Apply one key=value to @o.  0 or -EINVAL. */
static int apply(struct vm_options *o, bool *frames_seen, bool *mem_seen,
		 const char *key, const char *val)
{
	uint64_t v;
	bool is_size = !strcmp(key, "mem") || !strcmp(key, "kernel") || !strcmp(key, "swap_size");
	const struct tunable *t = tunable_find(key, false);

	if (!strcmp(key, "policy")) {
		if (!policy_builtin(val)) {
			char known[256], why[320];

			snprintf(why, sizeof(why), "unknown policy (known: %s)",
				 policy_known(known, sizeof(known)));
			return bad(key, val, why);
		}
		if (strlen(val) >= sizeof(o->policy))
			return bad(key, val, "too long");
		snprintf(o->policy, sizeof(o->policy), "%s", val);
		return 0;
	}
	if (!strcmp(key, "swap")) {
		if (!*val)
			return bad(key, val, "empty; give a file name or 'none'");
		if (strlen(val) >= sizeof(o->swap_path))
			return bad(key, "...", "file name too long");
		o->swap_none = !strcmp(val, "none");
		snprintf(o->swap_path, sizeof(o->swap_path), "%s", o->swap_none ? "" : val);
		return 0;
	}
	if (!strcmp(key, "zero_page")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return bad(key, val, "give 1 (a read of untouched anonymous memory maps the "
				   "shared zero page, as Linux) or 0 (it takes a frame)");
		o->no_zero_page = !strcmp(val, "0");
		return 0;
	}
	if (!strcmp(key, "memlock")) {
		/* RLIMIT_MEMLOCK: a size, or unlimited (RLIM_INFINITY). */
		if (!strcmp(val, "unlimited")) {
			o->memlock = OPT_MEMLOCK_UNLIMITED;
			return 0;
		}
		if (parse_u64(val, true, &v) < 0 || v == OPT_MEMLOCK_UNLIMITED)
			return bad(key, val, "not a size (a number with an optional K, M, G or T "
				   "suffix) nor 'unlimited'");
		o->memlock = v;
		return 0;
	}
	if (!strcmp(key, "aslr")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return bad(key, val, "give 0 (exec lays a program out as setarch -R) or 1 "
				   "(randomised stack, mmap base and brk)");
		/* Linux's randomize_va_space=2 (full); 0 off, as setarch -R */
		o->randomize_va_space = !strcmp(val, "1") ? OPT_MAX_RANDOMIZE_VA_SPACE : 0;
		return 0;
	}
	if (!strcmp(key, "root")) {
		if (val[0] != '/')
			return bad(key, val, "not an absolute path");
		if (strlen(val) >= sizeof(o->root))
			return bad(key, "...", "path too long");
		snprintf(o->root, sizeof(o->root), "%s", val);
		return 0;
	}
	if (!strcmp(key, "hugepages") || !strcmp(key, "hugepages_1g")) {
		bool gig = key[9] == '_';

		if (parse_u64(val, false, &v) < 0)
			return bad(key, val, "not a number");
		if (v > (OPT_MAX_FRAMES >> (gig ? 18 : 9)))
			return bad(key, val, gig ? "more 1 GiB pages than the largest machine holds"
					      : "more 2 MiB pages than the largest machine holds");
		*(gig ? &o->hugepages_1g : &o->hugepages) = v;
		return 0;
	}
	if (!strcmp(key, "contents")) {
		if (strcmp(val, "ram") && strcmp(val, "none"))
			return bad(key, val, "give 'ram' (pages keep their bytes) or 'none' (no bytes kept)");
		o->contents_none = !strcmp(val, "none");
		return 0;
	}
	if (strcmp(key, "frames") && strcmp(key, "mem") && strcmp(key, "levels") &&
	    strcmp(key, "tlb") && strcmp(key, "kernel") && strcmp(key, "swap_size") && !t)
		return vm_error(-EINVAL, "unknown option '%s' (known: frames, mem, levels, tlb, kernel, policy, swap, swap_size, max_map_count, contents, zero_page, overcommit_memory, overcommit_ratio, swappiness, memlock, aslr, seed, root, read_ahead_kb, slice, cpu_tlb, hugepages, hugepages_1g)", key);
	if (parse_u64(val, is_size, &v) < 0)
		return bad(key, val, is_size ? "not a size (a number with an optional K, M, G or T suffix)"
					     : "not a number");
	if (t) {
		char why[64];

		if (v > t->max || v < t->min) {
			snprintf(why, sizeof(why), "out of range (%llu to %llu)",
				 (unsigned long long)t->min, (unsigned long long)t->max);
			return bad(key, val, why);
		}
		*tunable_in(o, t) = v;
	} else if (!strcmp(key, "frames") || !strcmp(key, "mem")) {
		bool mem = key[0] == 'm';

		if (mem) {
			if (v % 4096)
				return bad(key, val, "not a multiple of the 4096-byte page");
			v /= 4096;
		}
		if (v < 1 || v > OPT_MAX_FRAMES)
			return bad(key, val, "out of range (1 frame to 4T)");
		if ((mem && *frames_seen) || (!mem && *mem_seen))
			return vm_error(-EINVAL, "options frames= and mem= both given; use one");
		*(mem ? mem_seen : frames_seen) = true;
		o->frames = v;
	} else if (!strcmp(key, "levels")) {
		if (v < 2 || v > 6)
			return bad(key, val, "page-table levels must be 2 to 6");
		o->levels = (int)v;
	} else if (!strcmp(key, "tlb")) {
		if (v > OPT_MAX_TLB)
			return bad(key, val, "at most 1048576 TLB entries");
		o->tlb = v;
	} else if (!strcmp(key, "swap_size")) {
		if (v % 4096 || v == 0)
			return bad(key, val, "must be a positive multiple of the 4096-byte page");
		o->swap_slots = v / 4096;
	} else {
		if (v % 4096)
			return bad(key, val, "not a multiple of the 4096-byte page");
		if (v > OPT_MAX_KERNEL)
			return bad(key, val, "kernel image larger than 4G");
		o->kernel_bytes = v;
	}
	return 0;
}

int options_parse(const char *str, struct vm_options *out)
{
	struct vm_options o = {
		.frames = OPT_DEFAULT_FRAMES,
		.levels = OPT_DEFAULT_LEVELS,
		.tlb = OPT_DEFAULT_TLB,
		.kernel_bytes = OPT_DEFAULT_KERNEL,
		.policy = OPT_DEFAULT_POLICY,
		.max_map_count = OPT_DEFAULT_MAX_MAP_COUNT,
		.overcommit_memory = OPT_DEFAULT_OVERCOMMIT_MEMORY,
		.overcommit_ratio = OPT_DEFAULT_OVERCOMMIT_RATIO,
		.swappiness = OPT_DEFAULT_SWAPPINESS,
		.memlock = OPT_DEFAULT_MEMLOCK,
		.root = "/",
		.read_ahead_kb = OPT_DEFAULT_READ_AHEAD_KB,
		.slice = OPT_DEFAULT_SLICE,
		.cpu_tlb = 1,
	};
	bool frames_seen = false, mem_seen = false;
	char *copy, *item, *save = NULL;
	int rc = 0;

	if (str && *str) {
		copy = strdup(str);
		if (!copy)
			return vm_error(-ENOMEM, "out of memory parsing options");
		for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(item, '=');

			if (!eq) {
				rc = vm_error(-EINVAL, "option '%s' has no value (expected key=value)", item);
				break;
			}
			*eq = '\0';
			rc = apply(&o, &frames_seen, &mem_seen, item, eq + 1);
			if (rc < 0)
				break;
		}
		free(copy);
		if (rc < 0)
			return rc;
	}
	/* The kernel image must fit in the upper half: 2^(va_bits-1) bytes. */
	if (o.levels == 2 && o.kernel_bytes > (1ull << 29))
		return vm_error(-EINVAL, "option kernel=: larger than the 512M kernel half of a 2-level machine");
	*out = o;
	return 0;
}
