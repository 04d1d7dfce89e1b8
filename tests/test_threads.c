/*
 * test_threads.c - many threads hammer one machine through the public API.
 *
 * Roles, one thread each unless noted:
 *   owner (2)   spawns its own process, maps, writes a pattern, reads it back
 *               (and a word of each page as one vmfs_accessv batch),
 *               forks, checks the child sees the pattern and that writes on
 *               either side stay on that side, exits the child and itself;
 *   sharer (2)  writes and verifies its own pages of one process that all
 *               sharers and the chaos thread use;
 *   chaos       forks and exits that shared process, maps, unmaps and
 *               mprotects in its own region of it: only "no crash, sensible
 *               return codes" there, but the sharers' pages must keep their
 *               contents through every fork (copy-on-write under contention);
 *   observer    vmfs_stat, vmfs_pids, vmfs_maps, vmfs_proc_stat,
 *               vmfs_translate, vmfs_phys_read and vmfs_kmsg on whatever is
 *               alive, checking only that answers are well-formed;
 *   faulter     segfaults and bad arguments in its own process, checking that
 *               vmfs_errmsg() is per thread;
 *   reclaimer   (pressure mode only) vmfs_reclaim, vmfs_sync and
 *               vmfs_set_policy through every built-in policy, while the
 *               others fault pages in and out.
 * Pressure mode (--frames N, a few dozen): far fewer frames than the
 * threads' pages, so every role runs under eviction and swap-in, and
 * everything above must still hold, contents included.
 * What stays true: every result a thread can predict from its own actions is
 * checked; when all threads are done and every process has exited, the
 * machine has all its frames and (under pressure, after some swapping) all
 * its swap slots back, and its major faults are its swap-ins.  The run is
 * bounded by --seconds (default 2) and must be clean under ThreadSanitizer
 * (-Db_sanitize=thread).  Prints "N passed, N failed" (checks) last and
 * exits 1 on any failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "vmfs.h"
#include "splitmix.h"

#define PAGE          4096u
#define RW            (PROT_READ | PROT_WRITE)
#define ANON_PRIV     (MAP_PRIVATE | MAP_ANONYMOUS)
#define NSHARERS      2
#define NOWNERS       2
#define SHARER_PAGES  16
#define SHARE_BASE    0x10000000ull                 /* sharer k: + k * 64 pages */
#define CHAOS_BASE    0x20000000ull                 /* the chaos thread's region */
#define CHAOS_PAGES   64
#define OWNER_PAGES   8
#define FRAMES        8192                          /* default: never short */

static vmfs *machine;
static uint64_t frames = FRAMES;
static int shared_pid;
static atomic_bool stop;
static atomic_long passed, failed;

struct thread {
	pthread_t tid;
	char name[16];
	int index;
	uint64_t rng;
	void *(*fn)(void *);
};

static uint64_t rnd(struct thread *t, uint64_t n)
{
	return splitmix64_below(&t->rng, n);
}

#define CHECK(t, cond, ...) check((t), (cond), #cond, __LINE__, __VA_ARGS__)

static bool check(struct thread *t, bool ok, const char *expr, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static bool check(struct thread *t, bool ok, const char *expr, int line, const char *fmt, ...)
{
	if (ok) {
		atomic_fetch_add_explicit(&passed, 1, memory_order_relaxed);
		return true;
	}
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line per failure, and not too many of them */
	if (atomic_fetch_add(&failed, 1) < 20)
		fprintf(stderr, "FAIL [%s] line %d: %s: %s (errmsg: %s)\n", t->name, line,
			expr, msg, vmfs_errmsg());
	return false;
}

static bool running(void)
{
	return !atomic_load_explicit(&stop, memory_order_relaxed);
}

static void fill(unsigned char *buf, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)((seed * 2654435761u + i * 31u) >> 5);
}

/* ---- owner: a process of its own, forks and COW ------------------------------- */

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static void *owner(void *arg)
{
	struct thread *t = arg;
	const size_t len = OWNER_PAGES * PAGE;
	unsigned char *want = xmalloc(len), *got = xmalloc(len), *other = xmalloc(len),
		*orig = xmalloc(len);
	for (uint32_t iter = 0; running(); iter++) {
		int pid = vmfs_spawn(machine, t->name);
		if (!CHECK(t, pid > 0, "spawn = %d", pid))
			break;
		uint64_t addr = 0;
		int rc = vmfs_mmap(machine, pid, 0, len, RW, ANON_PRIV, NULL, 0, &addr);
		CHECK(t, rc == 0 && addr % PAGE == 0 && addr != 0, "mmap = %d at %#" PRIx64, rc, addr);
		fill(orig, len, iter * 4 + (uint32_t)t->index);
		memcpy(want, orig, len);
		CHECK(t, vmfs_write(machine, pid, addr, want, len) == (ssize_t)len, "write");
		CHECK(t, vmfs_read(machine, pid, addr, got, len) == (ssize_t)len, "read");
		CHECK(t, !memcmp(want, got, len), "pattern read back");
		{       /* a word of each page, backwards, as one batch */
			struct vmfs_iop iop[OWNER_PAGES];
			uint64_t words[OWNER_PAGES], w;

			for (size_t i = 0; i < OWNER_PAGES; i++) {
				size_t off = (OWNER_PAGES - 1 - i) * PAGE + (i * 8) % PAGE;

				iop[i] = (struct vmfs_iop){ .addr = addr + off, .buf = &words[i],
							    .len = 8, .how = VMFS_ACCESS_READ };
			}
			CHECK(t, vmfs_accessv(machine, pid, iop, OWNER_PAGES) == OWNER_PAGES, "accessv");
			for (size_t i = 0; i < OWNER_PAGES; i++) {
				memcpy(&w, want + iop[i].addr - addr, 8);
				CHECK(t, words[i] == w && iop[i].res == 8, "accessv word %zu", i);
			}
		}

		int child = vmfs_fork(machine, pid);
		if (CHECK(t, child > pid, "fork = %d", child)) {
			CHECK(t, vmfs_read(machine, child, addr, got, len) == (ssize_t)len, "child read");
			CHECK(t, !memcmp(want, got, len), "child sees the pattern");
			fill(other, len / 2, iter * 4 + 2);
			CHECK(t, vmfs_write(machine, child, addr, other, len / 2) == (ssize_t)(len / 2),
			      "child write");
			CHECK(t, vmfs_read(machine, pid, addr, got, len) == (ssize_t)len, "parent read");
			CHECK(t, !memcmp(want, got, len), "parent unchanged by the child's write");
			/* the parent writes the second half: the child keeps the old one */
			fill(want + len / 2, len / 2, iter * 4 + 3);
			CHECK(t, vmfs_write(machine, pid, addr + len / 2, want + len / 2, len / 2) ==
			      (ssize_t)(len / 2), "parent write");
			CHECK(t, vmfs_read(machine, child, addr, got, len) == (ssize_t)len, "child read");
			CHECK(t, !memcmp(got, other, len / 2), "child keeps its own write");
			CHECK(t, !memcmp(got + len / 2, orig + len / 2, len / 2),
			      "child keeps the old second half");
			CHECK(t, vmfs_exit(machine, child) == 0, "exit child");
			CHECK(t, vmfs_exit(machine, child) == -ESRCH, "exit child twice");
		}
		CHECK(t, vmfs_read(machine, pid, addr, got, len) == (ssize_t)len, "read");
		CHECK(t, !memcmp(want, got, len), "parent pattern after the child exited");
		CHECK(t, vmfs_mprotect(machine, pid, addr, PAGE, PROT_READ) == 0, "mprotect");
		CHECK(t, vmfs_write(machine, pid, addr, want, 1) == -EFAULT, "write read-only");
		CHECK(t, vmfs_munmap(machine, pid, addr, len) == 0, "munmap");
		CHECK(t, vmfs_read(machine, pid, addr, got, 1) == -EFAULT, "read unmapped");
		CHECK(t, vmfs_exit(machine, pid) == 0, "exit");
	}
	free(want);
	free(got);
	free(other);
	free(orig);
	return NULL;
}

/* ---- sharer: disjoint pages of one process ----------------------------------- */

static void *sharer(void *arg)
{
	struct thread *t = arg;
	const size_t len = SHARER_PAGES * PAGE;
	unsigned char *want = xmalloc(len), *got = xmalloc(len);
	uint64_t base = SHARE_BASE + (uint64_t)t->index * 64 * PAGE;
	fill(want, len, 0);       /* what main wrote */
	for (uint32_t iter = 1; running(); iter++) {
		CHECK(t, vmfs_read(machine, shared_pid, base, got, len) == (ssize_t)len,
		      "read my pages");
		CHECK(t, !memcmp(want, got, len), "my pages kept what I wrote (iter %u)", iter);
		/* a random run of bytes, often short */
		size_t off = rnd(t, len - 1);
		size_t n = 1 + rnd(t, rnd(t, 2) ? len - off : 64);
		if (n > len - off)
			n = len - off;
		fill(want + off, n, iter * 8 + (uint32_t)t->index);
		CHECK(t, vmfs_write(machine, shared_pid, base + off, want + off, n) == (ssize_t)n,
		      "write %zu bytes at +%zu", n, off);
	}
	free(want);
	free(got);
	return NULL;
}

/* ---- chaos: fork/exit/mmap/munmap/mprotect on the shared process -------------- */

static void *chaos(void *arg)
{
	struct thread *t = arg;
	unsigned char buf[64];
	while (running()) {
		uint64_t a = CHAOS_BASE + rnd(t, CHAOS_PAGES) * PAGE;
		uint64_t n = 1 + rnd(t, 8);
		if (a + n * PAGE > CHAOS_BASE + CHAOS_PAGES * PAGE)
			n = (CHAOS_BASE + CHAOS_PAGES * PAGE - a) / PAGE;
		int rc;
		uint64_t out = 0;
		switch (rnd(t, 6)) {
		case 0: {
			int child = vmfs_fork(machine, shared_pid);
			if (!CHECK(t, child > shared_pid, "fork = %d", child))
				break;
			ssize_t r = vmfs_read(machine, child, SHARE_BASE, buf, sizeof(buf));
			CHECK(t, r == (ssize_t)sizeof(buf), "child read = %zd", r);
			r = vmfs_write(machine, child, a, buf, sizeof(buf));
			CHECK(t, r == (ssize_t)sizeof(buf) || r == -EFAULT, "child write = %zd", r);
			CHECK(t, vmfs_exit(machine, child) == 0, "exit child");
			break;
		}
		case 1:
			rc = vmfs_mmap(machine, shared_pid, a, n * PAGE, (int)rnd(t, 8),
				       (rnd(t, 3) ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS |
				       MAP_FIXED, NULL, 0, &out);
			CHECK(t, rc == 0 && out == a, "mmap fixed = %d", rc);
			break;
		case 2:
			rc = vmfs_mmap(machine, shared_pid, a, n * PAGE, RW,
				       ANON_PRIV | MAP_FIXED_NOREPLACE, NULL, 0, &out);
			CHECK(t, (rc == 0 && out == a) || rc == -EEXIST, "mmap noreplace = %d", rc);
			break;
		case 3:
			rc = vmfs_munmap(machine, shared_pid, a, n * PAGE);
			CHECK(t, rc == 0, "munmap = %d", rc);
			break;
		case 4:
			rc = vmfs_mprotect(machine, shared_pid, a, n * PAGE, (int)rnd(t, 8));
			CHECK(t, rc == 0 || rc == -ENOMEM, "mprotect = %d", rc);
			break;
		default: {
			ssize_t r = vmfs_write(machine, shared_pid, a, buf, sizeof(buf));
			CHECK(t, r == (ssize_t)sizeof(buf) || r == -EFAULT, "write = %zd", r);
			r = vmfs_access(machine, shared_pid, a, buf, sizeof(buf),
					VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL);
			CHECK(t, r == (ssize_t)sizeof(buf) || r == -EFAULT, "force read = %zd", r);
			break;
		}
		}
	}
	return NULL;
}

/* ---- observer: read-only calls on whatever is alive --------------------------- */

static void *observer(void *arg)
{
	struct thread *t = arg;
	struct vmfs_map *maps = xmalloc(256 * sizeof(*maps));
	char log[8192];
	int pids[64];
	while (running()) {
		struct vmfs_stat st;
		CHECK(t, vmfs_stat(machine, &st) == 0, "stat");
		CHECK(t, st.frames == frames && st.frames_free <= st.frames, "frames %" PRIu64
		      " free %" PRIu64, st.frames, st.frames_free);
		int n = vmfs_pids(machine, pids, 64);
		CHECK(t, n >= 1, "pids = %d", n);      /* the shared process lives throughout */
		for (int i = 1; i < n && i < 64; i++)
			CHECK(t, pids[i] > pids[i - 1], "pids ascending");
		for (int i = 0; i < n && i < 64 && running(); i++) {
			int pid = pids[i];
			int k = vmfs_maps(machine, pid, maps, 256);
			CHECK(t, k >= 0 || k == -ESRCH, "maps = %d", k);
			for (int j = 1; j < k && j < 256; j++)
				CHECK(t, maps[j].start >= maps[j - 1].end, "maps sorted");
			struct vmfs_proc_stat ps;
			int rc = vmfs_proc_stat(machine, pid, &ps);
			CHECK(t, rc == 0 || rc == -ESRCH, "proc_stat = %d", rc);
			if (rc == 0)
				CHECK(t, ps.pid == pid, "proc_stat pid");
			struct vmfs_walk w;
			rc = vmfs_translate(machine, pid, SHARE_BASE + rnd(t, 256) * PAGE, &w);
			CHECK(t, rc == 0 || rc == -ESRCH, "translate = %d", rc);
			if (rc == 0 && w.state == VMFS_WALK_PRESENT) {
				unsigned char c;
				CHECK(t, vmfs_phys_read(machine, w.paddr, &c, 1) == 1, "phys_read");
			}
		}
		size_t len = vmfs_kmsg(machine, log, sizeof(log));
		CHECK(t, strlen(log) == (len < sizeof(log) ? len : sizeof(log) - 1), "kmsg length");
	}
	free(maps);
	return NULL;
}

/* ---- faulter: segfaults and per-thread error messages ------------------------ */

static void *faulter(void *arg)
{
	struct thread *t = arg;
	int pid = vmfs_spawn(machine, t->name);
	if (!CHECK(t, pid > 0, "spawn = %d", pid))
		return NULL;
	unsigned char c = 0;
	while (running()) {
		uint64_t segv_before = 0;
		struct vmfs_proc_stat ps;
		if (vmfs_proc_stat(machine, pid, &ps) == 0)
			segv_before = ps.segv;
		CHECK(t, vmfs_read(machine, pid, 0x12345000 + rnd(t, 1 << 20), &c, 1) == -EFAULT,
		      "read unmapped");
		CHECK(t, vmfs_proc_stat(machine, pid, &ps) == 0 && ps.segv == segv_before + 1,
		      "segv counter");
		int rc = vmfs_mmap(machine, pid, 0x1001, PAGE, RW, ANON_PRIV | MAP_FIXED, NULL, 0, NULL);
		CHECK(t, rc == -EINVAL, "unaligned mmap = %d", rc);
		const char *msg = vmfs_errmsg();
		CHECK(t, msg && strstr(msg, "0x1001") != NULL, "my own error message: %s", msg);
		vmfs *bad = NULL;
		CHECK(t, vmfs_open(&bad, "levels=9") == -EINVAL, "bad open");
		CHECK(t, strlen(vmfs_errmsg()) > 0, "open error message");
	}
	CHECK(t, vmfs_exit(machine, pid) == 0, "exit");
	return NULL;
}

/* ---- reclaimer: reclaim, sync and policy changes under the others' feet ------- */

static void *reclaimer(void *arg)
{
	static const char *const policies[] = { "fifo", "lru", "clock", "arc", "2q", "car",
		"clockpro", "linux", "lirs", "mglru", "random", "s3fifo", "sieve", "wsclock" };
	struct thread *t = arg;
	for (unsigned i = 0; running(); i++) {
		uint64_t n = 1 + rnd(t, 8);
		int64_t got = vmfs_reclaim(machine, n);
		CHECK(t, got >= 0 && (uint64_t)got <= n, "reclaim(%" PRIu64 ") = %" PRId64, n, got);
		if (i % 16 == 0)
			CHECK(t, vmfs_sync(machine) == 0, "sync");
		if (i % 64 == 0) {
			const char *name = policies[(i / 64) % 4];
			CHECK(t, vmfs_set_policy(machine, name, NULL, NULL) == 0, "set_policy %s", name);
		}
	}
	return NULL;
}

/* ---- main ---------------------------------------------------------------------- */

static void setup_shared(void)
{
	static unsigned char pattern[SHARER_PAGES * PAGE];
	struct thread t = { .name = "main" };
	shared_pid = vmfs_spawn(machine, "shared");
	CHECK(&t, shared_pid > 0, "spawn = %d", shared_pid);
	fill(pattern, sizeof(pattern), 0);
	for (int k = 0; k < NSHARERS; k++) {
		uint64_t base = SHARE_BASE + (uint64_t)k * 64 * PAGE;
		CHECK(&t, vmfs_mmap(machine, shared_pid, base, sizeof(pattern), RW,
				    ANON_PRIV | MAP_FIXED, NULL, 0, NULL) == 0, "mmap");
		CHECK(&t, vmfs_write(machine, shared_pid, base, pattern, sizeof(pattern)) ==
		      (ssize_t)sizeof(pattern), "write");
	}
	CHECK(&t, vmfs_mmap(machine, shared_pid, CHAOS_BASE, CHAOS_PAGES * PAGE, RW,
			    ANON_PRIV | MAP_FIXED, NULL, 0, NULL) == 0, "mmap chaos region");
}

int main(int argc, char **argv)
{
	double seconds = 2;
	uint64_t seed = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--frames"))
			frames = strtoull(argv[i + 1], NULL, 0);
	}
	bool pressure = frames < FRAMES;
	printf("seed %" PRIu64 ", %.1f seconds, %" PRIu64 " frames%s\n", seed, seconds, frames,
	       pressure ? " (pressure)" : "");

	char opts[64];
	snprintf(opts, sizeof(opts), "frames=%" PRIu64 ",tlb=8", frames);
	int rc = vmfs_open(&machine, opts);
	if (rc) {
		printf("vmfs_open = %d: %s\n0 passed, 1 failed\n", rc, vmfs_errmsg());
		return 1;
	}
	setup_shared();

	struct thread threads[NOWNERS + NSHARERS + 4];
	int nt = 0;
	for (int k = 0; k < NOWNERS; k++)
		threads[nt++] = (struct thread){ .index = k, .fn = owner };
	for (int k = 0; k < NSHARERS; k++)
		threads[nt++] = (struct thread){ .index = k, .fn = sharer };
	threads[nt++] = (struct thread){ .fn = chaos };
	threads[nt++] = (struct thread){ .fn = observer };
	threads[nt++] = (struct thread){ .fn = faulter };
	if (pressure)
		threads[nt++] = (struct thread){ .fn = reclaimer };
	static const char *role[] = { "owner", "owner", "sharer", "sharer", "chaos",
				      "observer", "faulter", "reclaimer" };
	for (int i = 0; i < nt; i++) {
		snprintf(threads[i].name, sizeof(threads[i].name), "%s%d", role[i], threads[i].index);
		threads[i].rng = seed * 1000003u + (uint64_t)i;
		if (pthread_create(&threads[i].tid, NULL, threads[i].fn, &threads[i])) {
			perror("pthread_create");
			return 2;
		}
	}
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&ts, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < nt; i++)
		pthread_join(threads[i].tid, NULL);

	/* every process gone: every frame back */
	struct thread t = { .name = "main" };
	CHECK(&t, vmfs_exit(machine, shared_pid) == 0, "exit shared");
	struct vmfs_stat st;
	CHECK(&t, vmfs_stat(machine, &st) == 0, "stat");
	CHECK(&t, st.nr_processes == 0, "%" PRIu64 " processes left", st.nr_processes);
	CHECK(&t, st.frames_free == frames, "frames_free %" PRIu64, st.frames_free);
	CHECK(&t, st.pgalloc == st.pgfree, "pgalloc %" PRIu64 " pgfree %" PRIu64, st.pgalloc,
	      st.pgfree);
	CHECK(&t, st.swap_used == 0 && st.swap_cached == 0, "swap_used %" PRIu64 " swap_cached %"
	      PRIu64, st.swap_used, st.swap_cached);
	CHECK(&t, st.pgmajfault == st.pswpin, "pgmajfault %" PRIu64 " pswpin %" PRIu64,
	      st.pgmajfault, st.pswpin);
	CHECK(&t, st.oom_kill == 0, "oom_kill %" PRIu64, st.oom_kill);
	if (pressure)
		CHECK(&t, st.pswpout > 0 && st.pswpin > 0, "pressure: pswpout %" PRIu64 " pswpin %"
		      PRIu64, st.pswpout, st.pswpin);
	printf("forks %" PRIu64 ", spawns %" PRIu64 ", segfaults %" PRIu64 ", cow faults %" PRIu64
	       "\n", st.forks, st.spawns, st.segfault, st.cow_fault);
	printf("evicted %" PRIu64 " (%" PRIu64 " written), read back %" PRIu64 ", policy %s\n",
	       st.pgsteal_direct, st.pswpout, st.pswpin, st.policy);
	vmfs_close(machine);

	long p = atomic_load(&passed), f = atomic_load(&failed);
	printf("%ld passed, %ld failed\n", p, f);
	return f ? 1 : 0;
}
