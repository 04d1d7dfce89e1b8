/*
 * fuzz_ctl.c - fuzz the command language of the mount's ctl files
 * (fuse/ctl.c): ctl_parse() on arbitrary bytes, and ctl_run() of each line
 * on a small machine.
 *
 * The whole input is first one write to each ctl file (both scopes): the
 * parser is pure, so it must give the same answer twice, refuse with one
 * line that fits the caller's buffer (whatever its size, even NULL), and
 * what it accepts must print back as a command that parses to the same
 * struct ctl_cmd.
 *
 * Then, if any line is a command, the input is a script: one write per
 * line (its newline included; at most 64 lines) to a fresh machine of 16
 * frames that already has a process with written memory and two objects,
 * "lib" (0644) and "ro" (0444), to map.  Machine
 * commands go to ctl; process commands (those that parse as such) go to the
 * ctl of the newest live process, or of the last one when none is left.
 * After each write (and a program `run` started, stopped):
 *   - the answer is one line, "error: ..." exactly when the call failed;
 *   - a failing command changed nothing that the mount shows: the PIDs, every
 *     process's maps, the policy and the objects are as before;
 *   - a command that succeeded did what it says: spawn and fork answer a new
 *     PID that is listed (a child with its parent's maps), exit removes the
 *     PID, mmap answers the start of a mapping with the asked protection
 *     (at the address with fixed), munmap leaves nothing in its range,
 *     mprotect leaves the whole range mapped with the new protection,
 *     policy is the one stat shows, reclaim answers at most N.
 */
#include "fuzz.h"
#include "ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <vmfs.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_LINES  64      /* commands run from one input */
#define MAX_PIDS   64
#define MAX_MAPS   128
#define PAGE       4096u

/* ---- the parser alone ------------------------------------------------------- */

/* exec's words, the same in @a and @b (a quoted word comes back the same). */
static bool same_args(const struct ctl_cmd *a, const struct ctl_cmd *b)
{
	const char *p = a->args, *q = b->args;

	if (a->op != CTL_EXEC)
		return true;
	if (a->nargs != b->nargs)
		return false;
	for (int i = 0; i < a->nargs; i++, p += strlen(p) + 1, q += strlen(q) + 1)
		if (strcmp(p, q))
			return false;
	return true;
}

static bool same_cmd(const struct ctl_cmd *a, const struct ctl_cmd *b)
{
	return a->op == b->op && a->addr == b->addr && a->len == b->len &&
	       a->offset == b->offset && a->count == b->count && a->prot == b->prot &&
	       a->flags == b->flags && !strcmp(a->name, b->name) && same_args(a, b);
}

static void prot_word(int prot, char out[4])
{
	out[0] = prot & PROT_READ ? 'r' : '-';
	out[1] = prot & PROT_WRITE ? 'w' : '-';
	out[2] = prot & PROT_EXEC ? 'x' : '-';
	out[3] = '\0';
}

/* @c as a command line, in the grammar's spelling. */
static int print_cmd(const struct ctl_cmd *c, char *buf, size_t len)
{
	char prot[4];

	prot_word(c->prot, prot);
	switch (c->op) {
	case CTL_SPAWN:
		return snprintf(buf, len, "spawn %s\n", c->name);
	case CTL_RECLAIM:
		return snprintf(buf, len, "reclaim %" PRIu64 "\n", c->count);
	case CTL_POLICY:
		return snprintf(buf, len, "policy %s\n", c->name);
	case CTL_SYNC:
		return snprintf(buf, len, "sync\n");
	case CTL_FORK:
		return snprintf(buf, len, "fork\n");
	case CTL_EXIT:
		return snprintf(buf, len, "exit\n");
	case CTL_BRK:
		return snprintf(buf, len, "brk %#" PRIx64 "\n", c->addr);
	case CTL_RUN:
		return snprintf(buf, len, c->flags & VMFS_RUN_KEEP ? "run keep\n" : "run\n");
	case CTL_STEP:
		return snprintf(buf, len, "step %" PRIu64 "\n", c->count);
	case CTL_STOP:
		return snprintf(buf, len, "stop\n");
	case CTL_EXEC: {
		int n = snprintf(buf, len, "exec");
		const char *p = c->args;

		/* a word that is empty or holds a blank is quoted (since 0.7) */
		for (int i = 0; i < c->nargs && n >= 0 && (size_t)n < len; i++, p += strlen(p) + 1) {
			bool q = !*p || strpbrk(p, " \t");

			FUZZ_CHECK(!q || !strchr(p, '\''), "exec parsed a word that cannot be quoted: %s", p);
			n += snprintf(buf + n, len - (size_t)n, q ? " '%s'" : " %s", p);
		}
		return n;
	}
	case CTL_MUNMAP:
		return snprintf(buf, len, "munmap %#" PRIx64 " %" PRIu64 "\n", c->addr, c->len);
	case CTL_MPROTECT:
		return snprintf(buf, len, "mprotect %" PRIu64 "\t%#" PRIx64 " %s", c->addr, c->len, prot);
	case CTL_MADVISE: {
		static const char *const names[] = {
			[VMFS_MADV_NORMAL] = "normal", [VMFS_MADV_RANDOM] = "random",
			[VMFS_MADV_SEQUENTIAL] = "sequential", [VMFS_MADV_WILLNEED] = "willneed",
			[VMFS_MADV_DONTNEED] = "dontneed", [VMFS_MADV_FREE] = "free",
			[VMFS_MADV_DONTFORK] = "dontfork", [VMFS_MADV_DOFORK] = "dofork",
			[VMFS_MADV_WIPEONFORK] = "wipeonfork", [VMFS_MADV_KEEPONFORK] = "keeponfork",
			[VMFS_MADV_COLD] = "cold", [VMFS_MADV_PAGEOUT] = "pageout",
			[VMFS_MADV_HUGEPAGE] = "hugepage", [VMFS_MADV_NOHUGEPAGE] = "nohugepage",
		};

		FUZZ_CHECK(c->flags >= 0 && c->flags <= VMFS_MADV_PAGEOUT && names[c->flags],
			   "parsed an unknown advice %d", c->flags);
		return snprintf(buf, len, "madvise %#" PRIx64 " %" PRIu64 " %s\n", c->addr, c->len,
				names[c->flags]);
	}
	case CTL_MLOCK:
		return snprintf(buf, len, "mlock %#" PRIx64 " %" PRIu64 "%s\n", c->addr, c->len,
				c->flags ? " onfault" : "");
	case CTL_MUNLOCK:
		return snprintf(buf, len, "munlock %#" PRIx64 " %" PRIu64 "\n", c->addr, c->len);
	case CTL_MREMAP:
		if (!c->flags)
			return snprintf(buf, len, "mremap %#" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
					c->addr, c->len, c->new_len);
		return snprintf(buf, len, "mremap %#" PRIx64 " %" PRIu64 " %" PRIu64 " %s%s%s %#" PRIx64
				"\n", c->addr, c->len, c->new_len,
				c->flags & VMFS_MREMAP_DONTUNMAP ? "dontunmap," : "",
				c->flags & VMFS_MREMAP_FIXED ? "fixed," : "",
				c->flags & VMFS_MREMAP_MAYMOVE ? "maymove" : "", c->new_addr);
	case CTL_MINCORE:
		return snprintf(buf, len, "mincore %#" PRIx64 " %" PRIu64 "\n", c->addr, c->len);
	case CTL_MUNLOCKALL:
		return snprintf(buf, len, "munlockall\n");
	case CTL_MLOCKALL:
		return snprintf(buf, len, "mlockall %s%s%s\n",
				c->flags & VMFS_MCL_ONFAULT ? "onfault," : "",
				c->flags & VMFS_MCL_FUTURE ? "future" : "current",
				(c->flags & (VMFS_MCL_FUTURE | VMFS_MCL_CURRENT)) ==
				(VMFS_MCL_FUTURE | VMFS_MCL_CURRENT) ? ",current" : "");
	case CTL_MSYNC:
		return snprintf(buf, len, "msync %#" PRIx64 " %" PRIu64 " %s%s%s\n", c->addr, c->len,
				c->flags & MS_INVALIDATE ? "invalidate," : "",
				c->flags & MS_SYNC ? "sync," : "", c->flags & MS_ASYNC ? "async" : "");
	case CTL_MMAP: {
		char flags[64] = "";

		/* shared or private last, to show that the order is free */
		if (c->flags & MAP_FIXED)
			strcat(flags, "fixed,");
		if (c->flags & MAP_FIXED_NOREPLACE)
			strcat(flags, "noreplace,");
		strcat(flags, c->flags & MAP_SHARED ? "shared" : "private");
		if (!c->name[0])
			return snprintf(buf, len, "mmap %#" PRIx64 " %" PRIu64 " %s %s\n", c->addr,
					c->len, prot, flags);
		return snprintf(buf, len, "mmap %#" PRIx64 " %" PRIu64 " %s %s %s %#" PRIx64 "\n",
				c->addr, c->len, prot, flags, c->name, c->offset);
	}
	}
	FUZZ_CHECK(0, "parsed an unknown op %d", (int)c->op);
	return -1;
}

static void check_parse(enum ctl_scope scope, const uint8_t *data, size_t size)
{
	struct ctl_cmd c, again;
	char err[256], err2[256], tiny[8], line[CTL_LINE_MAX + 2 * CTL_NAME_MAX + 128];
	int rc, rc2;

	memset(err, 'X', sizeof(err));
	rc = ctl_parse(scope, (const char *)data, size, &c, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "ctl_parse returned %d", rc);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "error message not terminated");
	FUZZ_CHECK(!strchr(err, '\n'), "error message with a newline: %s", err);
	FUZZ_CHECK(rc == 0 ? !err[0] : err[0] != '\0', "rc %d with message \"%s\"", rc, err);

	/* Pure: the same input gives the same answer, whatever the buffer. */
	rc2 = ctl_parse(scope, (const char *)data, size, &again, err2, sizeof(err2));
	FUZZ_CHECK(rc2 == rc && !strcmp(err, err2) && (rc || same_cmd(&c, &again)),
		   "parsed twice: %d \"%s\", then %d \"%s\"", rc, err, rc2, err2);
	for (size_t n = 0; n <= sizeof(tiny); n += 4) {
		memset(tiny, 'X', sizeof(tiny));
		rc2 = ctl_parse(scope, (const char *)data, size, &again, n ? tiny : NULL, n);
		FUZZ_CHECK(rc2 == rc, "with a %zu-byte error buffer: %d, else %d", n, rc2, rc);
		FUZZ_CHECK(!n || (memchr(tiny, '\0', n) && !strncmp(tiny, err, strlen(tiny))),
			   "a %zu-byte error buffer holds a cut that is not \"%s\"", n, err);
	}
	if (rc)
		return;

	/* What it accepts, printed back, means the same. */
	int n = print_cmd(&c, line, sizeof(line));

	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(line), "printed command too long");
	memset(err, 0, sizeof(err));
	rc2 = ctl_parse(scope, line, (size_t)n, &again, err, sizeof(err));
	FUZZ_CHECK(rc2 == 0 && same_cmd(&c, &again), "accepted, printed back as \"%s\": %d %s%s",
		   line, rc2, err, rc2 ? "" : "(a different command)");
}

/* ---- what the mount shows ---------------------------------------------------- */

struct view {
	int npids;
	int pids[MAX_PIDS];
	int nmaps[MAX_PIDS];
	struct vmfs_map *maps[MAX_PIDS];
	char policy[16];
	uint64_t nr_objects;
};

static void view_take(vmfs *m, struct view *v)
{
	struct vmfs_stat st;

	memset(v, 0, sizeof(*v));
	v->npids = vmfs_pids(m, v->pids, MAX_PIDS);
	FUZZ_CHECK(v->npids >= 0 && v->npids <= MAX_PIDS, "vmfs_pids: %d", v->npids);
	for (int i = 0; i < v->npids; i++) {
		v->maps[i] = calloc(MAX_MAPS, sizeof(struct vmfs_map));
		FUZZ_CHECK(v->maps[i], "out of memory");
		v->nmaps[i] = vmfs_maps(m, v->pids[i], v->maps[i], MAX_MAPS);
		FUZZ_CHECK(v->nmaps[i] >= 0, "vmfs_maps(%d): %d", v->pids[i], v->nmaps[i]);
		if (v->nmaps[i] > MAX_MAPS)
			v->nmaps[i] = MAX_MAPS;
	}
	FUZZ_CHECK(vmfs_stat(m, &st) == 0, "vmfs_stat failed");
	memcpy(v->policy, st.policy, sizeof(v->policy));
	v->nr_objects = st.nr_objects;
}

static void view_free(struct view *v)
{
	for (int i = 0; i < v->npids; i++)
		free(v->maps[i]);
}

static bool same_map(const struct vmfs_map *a, const struct vmfs_map *b)
{
	return a->start == b->start && a->end == b->end && a->prot == b->prot &&
	       a->flags == b->flags && a->offset == b->offset && !strcmp(a->object, b->object);
}

/* Index of @pid in @v, or -1. */
static int view_find(const struct view *v, int pid)
{
	for (int i = 0; i < v->npids; i++)
		if (v->pids[i] == pid)
			return i;
	return -1;
}

static bool same_maps(const struct view *a, int i, const struct view *b, int j)
{
	if (a->nmaps[i] != b->nmaps[j])
		return false;
	for (int k = 0; k < a->nmaps[i]; k++)
		if (!same_map(&a->maps[i][k], &b->maps[j][k]))
			return false;
	return true;
}

/*
 * A child's maps after fork: its parent's but those marked MADV_DONTFORK,
 * and without the locks (mlock is not inherited).
 */
static bool forked_maps(const struct view *a, int i, const struct view *b, int j)
{
	const int unlocked = ~(VMFS_MAP_LOCKED | VMFS_MAP_LOCKONFAULT);
	int k = 0;

	for (int p = 0; p < a->nmaps[i]; p++) {
		struct vmfs_map want = a->maps[i][p];

		if (want.flags & VMFS_MAP_DONTCOPY)
			continue;
		want.flags &= unlocked;
		if (k == b->nmaps[j] || !same_map(&want, &b->maps[j][k]))
			return false;
		k++;
	}
	return k == b->nmaps[j];
}

static void check_unchanged(const struct view *a, const struct view *b, const char *line)
{
	FUZZ_CHECK(a->npids == b->npids && !memcmp(a->pids, b->pids, sizeof(int) * (size_t)a->npids),
		   "'%s' failed but the PIDs changed (%d before, %d after)", line, a->npids, b->npids);
	for (int i = 0; i < a->npids; i++)
		FUZZ_CHECK(same_maps(a, i, b, i), "'%s' failed but the maps of %d changed", line,
			   a->pids[i]);
	FUZZ_CHECK(!strcmp(a->policy, b->policy) && a->nr_objects == b->nr_objects,
		   "'%s' failed but policy or objects changed", line);
}

/* The protection of every byte of [addr, end) in map list @maps, or -1 when
 * some byte is unmapped or the protection varies. */
static int range_prot(const struct vmfs_map *maps, int n, uint64_t addr, uint64_t end)
{
	int prot = -1;

	for (int k = 0; k < n && addr < end; k++) {
		if (maps[k].end <= addr)
			continue;
		if (maps[k].start > addr || (prot >= 0 && maps[k].prot != prot))
			return -1;
		prot = maps[k].prot;
		addr = maps[k].end;
	}
	return addr >= end ? prot : -1;
}

static bool range_empty(const struct vmfs_map *maps, int n, uint64_t addr, uint64_t end)
{
	for (int k = 0; k < n; k++)
		if (maps[k].start < end && maps[k].end > addr)
			return false;
	return true;
}

/* A successful command did what it says. */
static void check_done(const struct ctl_cmd *c, int pid, const char *answer,
		       const struct view *a, const struct view *b, const char *line)
{
	int i = view_find(b, pid);
	uint64_t end = c->addr + ((c->len + PAGE - 1) & ~(uint64_t)(PAGE - 1));
	char *stop;

	switch (c->op) {
	case CTL_SPAWN:
	case CTL_FORK: {
		long child = strtol(answer, &stop, 10);
		int j = view_find(b, (int)child);

		FUZZ_CHECK(*stop == '\n' && child > 0 && view_find(a, (int)child) < 0 && j >= 0,
			   "'%s' answered '%s': not a new PID that is listed", line, answer);
		FUZZ_CHECK(child > a->pids[a->npids ? a->npids - 1 : 0] || !a->npids,
			   "'%s': PID %ld is not above every PID before", line, child);
		if (c->op == CTL_SPAWN)
			FUZZ_CHECK(b->nmaps[j] == 0, "'%s': a new process with %d maps", line, b->nmaps[j]);
		else
			FUZZ_CHECK(forked_maps(a, view_find(a, pid), b, j),
				   "'%s': the child's maps are not its parent's", line);
		break;
	}
	case CTL_EXEC:   /* test_exec and the exec unit test check what exec makes */
	case CTL_RUN:    /* test_cpu and fuse-cpu check what a program does */
	case CTL_STEP:
	case CTL_STOP:
		break;
	case CTL_MREMAP: {   /* the answer is where the mapping is now: NEW_LEN bytes there */
		uint64_t start = strtoull(answer, &stop, 16);
		uint64_t nlen = (c->new_len + PAGE - 1) & ~(uint64_t)(PAGE - 1);

		FUZZ_CHECK(!strncmp(answer, "0x", 2) && *stop == '\n', "'%s' answered '%s'", line,
			   answer);
		FUZZ_CHECK(!(c->flags & VMFS_MREMAP_FIXED) || start == c->new_addr,
			   "'%s': fixed, but moved to %#" PRIx64, line, start);
		FUZZ_CHECK(i >= 0 && !range_empty(b->maps[i], b->nmaps[i], start, start + nlen),
			   "'%s': nothing mapped at %#" PRIx64, line, start);
		break;
	}
	case CTL_BRK:   /* the answer is the break, new or (a refused change) as it was */
		(void)strtoull(answer, &stop, 16);
		FUZZ_CHECK(!strncmp(answer, "0x", 2) && *stop == '\n' && !stop[1],
			   "'%s' answered '%s'", line, answer);
		break;
	case CTL_EXIT:
		FUZZ_CHECK(view_find(b, pid) < 0 && b->npids == a->npids - 1,
			   "'%s' succeeded but PID %d is still listed", line, pid);
		break;
	case CTL_MMAP: {
		uint64_t start = strtoull(answer, &stop, 16);
		uint64_t mend = start + (end - c->addr);

		FUZZ_CHECK(!strncmp(answer, "0x", 2) && *stop == '\n', "'%s' answered '%s'", line,
			   answer);
		FUZZ_CHECK(!(c->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) || start == c->addr,
			   "'%s': fixed, but placed at %#" PRIx64, line, start);
		FUZZ_CHECK(i >= 0 && range_prot(b->maps[i], b->nmaps[i], start, mend) == c->prot,
			   "'%s': [%#" PRIx64 ", %#" PRIx64 ") is not mapped with the protection asked",
			   line, start, mend);
		break;
	}
	case CTL_MUNMAP:
		FUZZ_CHECK(i >= 0 && range_empty(b->maps[i], b->nmaps[i], c->addr, end),
			   "'%s': something is still mapped in the range", line);
		break;
	case CTL_MPROTECT:   /* (length 0 succeeds and changes nothing) */
		FUZZ_CHECK(i >= 0 && (end == c->addr ||
				      range_prot(b->maps[i], b->nmaps[i], c->addr, end) == c->prot),
			   "'%s': the range is not all mapped with the new protection", line);
		break;
	case CTL_POLICY:
		FUZZ_CHECK(!strcmp(b->policy, c->name), "'%s': stat says policy %s", line, b->policy);
		break;
	case CTL_RECLAIM: {
		unsigned long long n = strtoull(answer, &stop, 10);

		FUZZ_CHECK(*stop == '\n' && n <= c->count, "'%s' answered '%s'", line, answer);
		break;
	}
	case CTL_SYNC:
		break;
	case CTL_MLOCK:
	case CTL_MUNLOCK: {
		/* every mapping meeting the page-rounded range is (un)locked */
		uint64_t s = c->addr & ~(uint64_t)(PAGE - 1);

		for (int k = 0; i >= 0 && k < b->nmaps[i]; k++)
			if (b->maps[i][k].end > s && b->maps[i][k].start < end)
				FUZZ_CHECK(!(b->maps[i][k].flags & VMFS_MAP_LOCKED) == (c->op == CTL_MUNLOCK),
					   "'%s': the mapping at %#" PRIx64 " is not as asked", line,
					   b->maps[i][k].start);
		break;
	}
	case CTL_MINCORE: {
		size_t pages = (size_t)((c->len + PAGE - 1) / PAGE);

		FUZZ_CHECK(strlen(answer) == pages + 1 && strspn(answer, "01") == pages,
			   "'%s' answered '%s'", line, answer);
		break;
	}
	case CTL_MADVISE:
	case CTL_MLOCKALL:
	case CTL_MUNLOCKALL:
	case CTL_MSYNC:
		break;
	}
	if (c->op != CTL_SPAWN && c->op != CTL_FORK && c->op != CTL_MMAP && c->op != CTL_RECLAIM &&
	    c->op != CTL_MINCORE && c->op != CTL_BRK && c->op != CTL_MREMAP)
		FUZZ_CHECK(!strcmp(answer, "ok\n"), "'%s' answered '%s'", line, answer);
}

/*
 * The other calls whose failure may change the mappings, as Linux's: mlock
 * and munlock over a hole (ENOMEM: the part before it changed; also a
 * populate that failed), madvise over a hole or onto a mapping it refuses
 * (ENOMEM, EINVAL: what came before advised) (libvmfs(3), MADVISE, MLOCK).
 */
static bool partly_done(const char *buf, size_t len, int rc)
{
	if (len >= 5 && (!memcmp(buf, "mlock", 5) || (len >= 7 && !memcmp(buf, "munlock", 7))))
		return rc == -ENOMEM;
	return len >= 7 && !memcmp(buf, "madvise", 7) && (rc == -ENOMEM || rc == -EINVAL);
}

/* ---- running a script ----------------------------------------------------- */

/* A machine with something in it: process 1 with two written pages and a
 * mapping of lib, and the objects lib and ro. */
static vmfs *machine(void)
{
	static const char bytes[3 * PAGE] = "the process that was there first";
	char tmp[16];
	vmfs *m;
	uint64_t at;
	int pid;

	FUZZ_CHECK(vmfs_open(&m, "frames=16,levels=4,tlb=4") == 0, "vmfs_open: %s", vmfs_errmsg());
	FUZZ_CHECK(vmfs_object_create(m, "lib", bytes, 3 * PAGE - 100) == 0 &&
		   vmfs_object_create(m, "ro", bytes, PAGE) == 0 &&
		   vmfs_object_chmod(m, "ro", 0444) == 0, "objects: %s", vmfs_errmsg());
	pid = vmfs_spawn(m, "init");
	FUZZ_CHECK(pid == 1, "spawn: %d", pid);
	FUZZ_CHECK(vmfs_mmap(m, pid, 0x10000, 2 * PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, &at) == 0 &&
		   vmfs_write(m, pid, 0x10000, bytes, 2 * PAGE) == 2 * PAGE &&
		   vmfs_mmap(m, pid, 0, 3 * PAGE, PROT_READ, MAP_SHARED, "lib", 0, &at) == 0 &&
		   vmfs_read(m, pid, at, tmp, sizeof(tmp)) == (ssize_t)sizeof(tmp),
		   "setup: %s", vmfs_errmsg());
	return m;
}

/* The process that process commands go to: the newest live one, else @last. */
static int current_pid(vmfs *m, int last)
{
	int pids[MAX_PIDS];
	int n = vmfs_pids(m, pids, MAX_PIDS);

	if (n <= 0)
		return last;
	return pids[(n < MAX_PIDS ? n : MAX_PIDS) - 1];
}

#define FUZZ_STEP_MAX 100000   /* instructions a `step` may run here */

static void run_line(vmfs *m, int *pid, const char *buf, size_t len)
{
	char answer[CTL_ANSWER_MAX], shown[96];
	enum ctl_scope scope = CTL_MACHINE;
	struct ctl_cmd c;
	struct view a, b;
	int rc;

	if (ctl_parse(CTL_MACHINE, buf, len, &c, NULL, 0) != 0 &&
	    ctl_parse(CTL_PROCESS, buf, len, &c, NULL, 0) == 0)
		scope = CTL_PROCESS;
	/*
	 * `step N` runs N instructions before it answers: a program exec'd
	 * from the host that never ends (yes) would hold one input for as
	 * long as N says.  Steps past FUZZ_STEP_MAX are parsed (above, and by
	 * check_parse) but not run; test_cpu and fuse-cpu run long ones.
	 */
	if (scope == CTL_PROCESS && c.op == CTL_STEP && c.count > FUZZ_STEP_MAX)
		return;
	*pid = current_pid(m, *pid);
	snprintf(shown, sizeof(shown), "%.*s", (int)(len < 80 ? len : 80), buf);
	shown[strcspn(shown, "\n")] = '\0';

	view_take(m, &a);
	memset(answer, 'X', sizeof(answer));
	rc = ctl_run(m, scope, *pid, buf, len, answer, sizeof(answer));
	ctl_runners_stop(m);   /* a program `run` started stops before the view */
	view_take(m, &b);

	FUZZ_CHECK(memchr(answer, '\0', sizeof(answer)), "'%s': answer not terminated", shown);
	size_t alen = strlen(answer);

	FUZZ_CHECK(alen > 0 && answer[alen - 1] == '\n' && strchr(answer, '\n') == answer + alen - 1,
		   "'%s': the answer '%s' is not one line", shown, answer);
	FUZZ_CHECK(rc <= 0, "'%s': ctl_run returned %d", shown, rc);
	FUZZ_CHECK((rc < 0) == !strncmp(answer, "error: ", 7), "'%s': %d with answer '%s'", shown,
		   rc, answer);
	/* A failed command changes nothing, but for mprotect's ENOMEM and EACCES:
	 * as Linux's, it changes the mappings before the hole or the mapping
	 * that refuses (libvmfs(3), vmfs_mprotect). */
	if (rc < 0) {
		if (!(len >= 8 && !memcmp(buf, "mprotect", 8) && (rc == -ENOMEM || rc == -EACCES)) &&
		    !partly_done(buf, len, rc))
			check_unchanged(&a, &b, shown);
	} else {
		check_done(&c, *pid, answer, &a, &b, shown);
	}
	view_free(&a);
	view_free(&b);
}

/* The bytes from @p up to and with the next newline, or to @end. */
static size_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
}

/* Whether any of the lines run would parse as a command of either file. */
static bool any_command(const char *p, const char *end)
{
	struct ctl_cmd c;

	for (int lines = 0; p < end && lines < MAX_LINES; lines++) {
		size_t len = line_len(p, end);

		if (ctl_parse(CTL_MACHINE, p, len, &c, NULL, 0) == 0 ||
		    ctl_parse(CTL_PROCESS, p, len, &c, NULL, 0) == 0)
			return true;
		p += len;
	}
	return false;
}

FUZZ_DEFAULT_INITIALIZE()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	vmfs *m;
	int pid = 1;

	check_parse(CTL_MACHINE, data, size);
	check_parse(CTL_PROCESS, data, size);
	if (size > 8 * CTL_LINE_MAX)
		return 0;

	/* A machine costs milliseconds: only when some line is a command. */
	if (!any_command(p, end))
		return 0;
	m = machine();
	for (int lines = 0; p < end && lines < MAX_LINES; lines++) {
		size_t len = line_len(p, end);

		run_line(m, &pid, p, len);
		p += len;
	}
	vmfs_close(m);
	return 0;
}
