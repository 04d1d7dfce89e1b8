/*
 * fuzz_options.c - fuzz the machine's options string (src/options.c):
 * options_parse() and parse_u64() on arbitrary bytes.
 *
 * The input, cut at its first NUL as a C string, is parsed as an options
 * string and as a number (with and without size suffixes).  What is checked:
 *   - options_parse either returns 0 with every field in its documented
 *     range (frames 1..2^30, levels 2..6, tlb <= 2^20, kernel a page
 *     multiple up to 4G and up to 512M with 2 levels, a built-in policy, a
 *     swap path that is "" with swap=none, swap_size in whole pages, an
 *     absolute root), or
 *     -EINVAL (-ENOMEM) with a message and the output untouched;
 *   - an accepted string means the same with a trailing comma, and the
 *     options printed back as key=value items parse to the same options;
 *   - parse_u64 agrees with a reference written here from its contract
 *     (decimal or 0x hex, one optional K/M/G/T, nothing else, no overflow);
 *   - a small accepted configuration with a private store opens through
 *     vmfs_open as a machine with exactly those settings, which runs
 *     (unless root= names no directory: then a clear -EINVAL).
 */
#include "fuzz.h"

#include "error.h"
#include "options.h"
#include "policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <vmfs.h>


/* parse_u64's contract, written independently: 0 or -EINVAL. */
static int reference_u64(const char *s, bool suffix, uint64_t *out)
{
	size_t n = strlen(s), start = 0, end = n;
	unsigned base = 10;
	unsigned __int128 v = 0, mult = 1;
	bool big = false;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		start = 2;
	}
	if (suffix && end > start) {
		switch (s[end - 1]) {
		case 'k': case 'K': mult = 1ull << 10; end--; break;
		case 'm': case 'M': mult = 1ull << 20; end--; break;
		case 'g': case 'G': mult = 1ull << 30; end--; break;
		case 't': case 'T': mult = 1ull << 40; end--; break;
		}
	}
	if (end == start)
		return -EINVAL;
	for (size_t i = start; i < end; i++) {
		const char *digits = "0123456789abcdef";
		const char *d = s[i] ? strchr(digits, s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]) : NULL;

		if (!d || (unsigned)(d - digits) >= base)
			return -EINVAL;
		if (!big)
			v = v * base + (unsigned)(d - digits);
		big |= v > UINT64_MAX;
	}
	v *= mult;
	if (big || v > UINT64_MAX)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

static void check_u64(const char *s, bool suffix)
{
	uint64_t got = 0x5a5a5a5a5a5a5a5aull, want = got;
	int rc = parse_u64(s, suffix, &got), ref = reference_u64(s, suffix, &want);

	FUZZ_CHECK(rc == ref && got == want,
		   "parse_u64(\"%.80s\", %d) = %d, %#" PRIx64 "; the contract says %d, %#" PRIx64,
		   s, suffix, rc, got, ref, want);
}

/* A built-in policy, by its NAME part (parameters are the policy's to judge, at open). */
static bool is_policy(const char *name)
{
	return policy_builtin(name) != NULL;
}

static void check_ranges(const struct vm_options *o, const char *s)
{
	FUZZ_CHECK(o->frames >= 1 && o->frames <= OPT_MAX_FRAMES, "\"%.80s\": frames %" PRIu64, s,
		   o->frames);
	FUZZ_CHECK(o->levels >= 2 && o->levels <= 6, "\"%.80s\": levels %d", s, o->levels);
	FUZZ_CHECK(o->tlb <= OPT_MAX_TLB, "\"%.80s\": tlb %" PRIu64, s, o->tlb);
	FUZZ_CHECK(o->kernel_bytes % 4096 == 0 && o->kernel_bytes <= OPT_MAX_KERNEL &&
		   (o->levels > 2 || o->kernel_bytes <= (1ull << 29)),
		   "\"%.80s\": kernel %" PRIu64 " with %d levels", s, o->kernel_bytes, o->levels);
	FUZZ_CHECK(memchr(o->policy, 0, sizeof(o->policy)) && is_policy(o->policy),
		   "\"%.80s\": policy \"%.16s\"", s, o->policy);
	FUZZ_CHECK(memchr(o->swap_path, 0, sizeof(o->swap_path)), "\"%.80s\": swap path unterminated",
		   s);
	FUZZ_CHECK(!o->swap_none || !o->swap_path[0], "\"%.80s\": swap=none with path \"%.80s\"",
		   s, o->swap_path);
	FUZZ_CHECK(!strchr(o->swap_path, ','), "\"%.80s\": a comma in swap path \"%.80s\"", s,
		   o->swap_path);
	FUZZ_CHECK(o->swap_slots <= UINT64_MAX / 4096, "\"%.80s\": swap_slots %" PRIu64, s,
		   o->swap_slots);
	FUZZ_CHECK(memchr(o->root, 0, sizeof(o->root)) && o->root[0] == '/',
		   "\"%.80s\": root \"%.80s\" not an absolute path", s, o->root);
}

static bool same_options(const struct vm_options *a, const struct vm_options *b)
{
	return a->frames == b->frames && a->levels == b->levels && a->tlb == b->tlb &&
	       a->kernel_bytes == b->kernel_bytes && !strcmp(a->policy, b->policy) &&
	       a->swap_none == b->swap_none && !strcmp(a->swap_path, b->swap_path) &&
	       a->swap_slots == b->swap_slots && a->memlock == b->memlock;
}

/* @o as an options string; the swap path is the only free text, and it
 * holds no comma (check_ranges). */
static char *print_options(const struct vm_options *o)
{
	size_t cap = 256 + sizeof(o->swap_path);
	char *s = malloc(cap);
	int n;

	FUZZ_CHECK(s, "out of memory");
	n = snprintf(s, cap, "frames=%" PRIu64 ",levels=%d,tlb=%#" PRIx64 ",kernel=%" PRIu64
		     ",policy=%s", o->frames, o->levels, o->tlb, o->kernel_bytes, o->policy);
	if (o->swap_none || o->swap_path[0])
		n += snprintf(s + n, cap - (size_t)n, ",swap=%s", o->swap_none ? "none" : o->swap_path);
	if (o->swap_slots)
		n += snprintf(s + n, cap - (size_t)n, ",swap_size=%" PRIu64 "K", o->swap_slots * 4);
	if (o->memlock == OPT_MEMLOCK_UNLIMITED)
		snprintf(s + n, cap - (size_t)n, ",memlock=unlimited");
	else
		snprintf(s + n, cap - (size_t)n, ",memlock=%" PRIu64, o->memlock);
	return s;
}

/*
 * A small configuration that was accepted opens as a machine that is what
 * the options say, and runs: a process writes two pages and reads them
 * back (or, with one frame and at most one swap slot, runs out of memory).  Only with a
 * private store: the string comes from the fuzzer, and a machine empties
 * the file that swap=PATH names.
 */
static void check_machine(const struct vm_options *o, const char *s)
{
	/* swap_total is "the slots swap_size= allows", even with swap=none
	 * (vmfs.h: then vmfs_swap_path() says there is no swap at all). */
	static const char bytes[2 * 4096] = "written through a machine the options made";
	static const char zeros[sizeof(bytes)];
	char got[sizeof(bytes)];
	uint64_t mmc = 0;
	struct vmfs_stat st;
	vmfs *m;
	int pid, rc;
	ssize_t n;

	if (o->swap_path[0] || o->frames > 256 || o->kernel_bytes > (16u << 20) || o->tlb > 4096)
		return;
	rc = vmfs_open(&m, s);
	if (rc == -EINVAL && (policy_params(o->policy) || strcmp(o->root, "/"))) {
		/*
		 * The policy's init() refused its parameters, or root=DIR names
		 * no directory of this host (whichever vmfs_open met first): a
		 * clear error, no machine.
		 */
		FUZZ_CHECK((policy_params(o->policy) && strstr(vmfs_errmsg(), "failed to start")) ||
			   (strcmp(o->root, "/") && strstr(vmfs_errmsg(), "option root=")),
			   "\"%.80s\": vmfs_open: %s", s, vmfs_errmsg());
		return;
	}
	FUZZ_CHECK(rc == 0, "\"%.80s\" parsed, but vmfs_open: %d %s", s, rc, vmfs_errmsg());
	FUZZ_CHECK(vmfs_stat(m, &st) == 0 && st.frames == o->frames && st.levels == o->levels &&
		   st.tlb_entries == o->tlb && st.kernel_pages * 4096 == o->kernel_bytes &&
		   !strncmp(st.policy, o->policy, strcspn(o->policy, ":")) && st.swap_total == o->swap_slots &&
		   st.frames_free == o->frames && (vmfs_swap_path(m, NULL, 0) == 0) == o->swap_none,
		   "\"%.80s\": the machine has %" PRIu64 " frames, %d levels, tlb %" PRIu64 ", %" PRIu64
		   " kernel pages, policy %s, %" PRIu64 " swap slots", s, st.frames, st.levels,
		   st.tlb_entries, st.kernel_pages, st.policy, st.swap_total);
	FUZZ_CHECK(vmfs_sysctl(m, "vm.max_map_count", &mmc, NULL) == 0 && mmc == o->max_map_count,
		   "\"%.80s\": the machine's vm.max_map_count is %" PRIu64, s, mmc);
	{
		struct vmfs_mlock_stat ls;

		FUZZ_CHECK(vmfs_mlock_stat(m, &ls) == 0 && ls.memlock == o->memlock,
			   "\"%.80s\": the machine's memlock is %" PRIu64, s, ls.memlock);
	}
	pid = vmfs_spawn(m, "options");
	FUZZ_CHECK(pid == 1, "\"%.80s\": spawn %d", s, pid);
	rc = vmfs_mmap(m, pid, 0x10000, sizeof(bytes), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL);
	if (o->max_map_count == 0) {
		/* No mapping allowed at all (Linux allows the sysctl 0 too). */
		FUZZ_CHECK(rc == -ENOMEM, "\"%.80s\": max_map_count=0, but mmap gave %d", s, rc);
		vmfs_close(m);
		return;
	}
	if (o->overcommit_memory == 2 && st.commit_limit <= 2) {
		/*
		 * vm.overcommit_memory 2 (OVERCOMMIT_NEVER) with a CommitLimit
		 * (frames * ratio / 100 + swap) of two pages or less: the two
		 * private writable pages do not fit below it (util.c,
		 * vm_enough_memory), as on Linux.
		 */
		FUZZ_CHECK(rc == -ENOMEM && strstr(vmfs_errmsg(), "CommitLimit"),
			   "\"%.80s\": CommitLimit %" PRIu64 ", but mmap gave %d", s, st.commit_limit, rc);
		vmfs_close(m);
		return;
	}
	FUZZ_CHECK(rc == 0, "\"%.80s\": mmap %s", s, vmfs_errmsg());
	/* One frame and fewer than two swap slots: the second page, or the
	 * first read back (which keeps its slot), may find nothing to evict. */
	bool tight = o->frames == 1 && (o->swap_none || (o->swap_slots && o->swap_slots < 2));

	n = vmfs_write(m, pid, 0x10000, bytes, sizeof(bytes));
	FUZZ_CHECK(n == (ssize_t)sizeof(bytes) || (tight && (n == -ENOMEM || n == 4096)),
		   "\"%.80s\": write %zd %s", s, n, vmfs_errmsg());
	if (n == (ssize_t)sizeof(bytes)) {
		/* contents=none keeps no bytes: every read sees zeros (phys.h). */
		memset(got, 0xa5, sizeof(got));
		n = vmfs_read(m, pid, 0x10000, got, sizeof(got));
		FUZZ_CHECK((n == (ssize_t)sizeof(got) || (tight && (n == -ENOMEM || n == 4096))) &&
			   !memcmp(got, o->contents_none ? zeros : bytes, n > 0 ? (size_t)n : 0),
			   "\"%.80s\": read back %zd bytes, or other bytes", s, n);
	}
	vmfs_close(m);
}

static void check_options(const char *s)
{
	struct vm_options o, untouched, again;
	size_t len = strlen(s);
	char *comma;
	int rc;

	memset(&o, 0xa5, sizeof(o));
	untouched = o;
	vm_error_clear();
	rc = options_parse(s, &o);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM, "\"%.80s\": returned %d", s, rc);
		FUZZ_CHECK(!memcmp(&o, &untouched, sizeof(o)), "\"%.80s\": refused (%d) but changed the "
			   "output", s, rc);
		FUZZ_CHECK(vm_error_msg()[0], "\"%.80s\": refused (%d) without a message", s, rc);
		return;
	}
	check_ranges(&o, s);

	/* A trailing comma is an empty item, and empty items are skipped. */
	comma = malloc(len + 2);
	FUZZ_CHECK(comma, "out of memory");
	memcpy(comma, s, len);
	memcpy(comma + len, ",", 2);
	memset(&again, 0, sizeof(again));
	rc = options_parse(comma, &again);
	FUZZ_CHECK(rc == 0 && same_options(&o, &again), "\"%.80s\" accepted, with a trailing comma "
		   "%d or different", s, rc);
	free(comma);

	/* What was accepted, printed back, means the same. */
	char *printed = print_options(&o);

	memset(&again, 0, sizeof(again));
	rc = options_parse(printed, &again);
	FUZZ_CHECK(rc == 0 && same_options(&o, &again), "\"%.80s\" accepted, printed back as "
		   "\"%.200s\": %d (%s) or different", s, printed, rc, vm_error_msg());
	free(printed);
	check_machine(&o, s);
}

FUZZ_DEFAULT_INITIALIZE()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s, "out of memory");
	memcpy(s, data, size);
	s[size] = '\0';
	check_options(s);
	check_u64(s, false);
	check_u64(s, true);
	free(s);
	return 0;
}
