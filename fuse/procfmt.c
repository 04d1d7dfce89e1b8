/*
 * procfmt.c - the text of the mount's generated files: Linux 6.1's procfs
 * formats, byte for byte where vmfs has the figure, and the value a fresh
 * Linux process or an idle one-CPU machine would show where it has not.
 *
 * The reference is the kernel's own code at v6.1: fs/proc/task_mmu.c
 * (show_map_vma, show_smap, __show_smap, show_smaps_rollup, task_mem,
 * task_statm), fs/proc/array.c (do_task_stat, proc_pid_status and its
 * task_* helpers), fs/proc/meminfo.c, mm/vmstat.c (vmstat_text), mm/swapfile.c
 * (swap_show), fs/proc/stat.c and fs/proc/uptime.c.  Where the kernel prints
 * a field only under a config option, we print what an x86_64 distribution
 * kernel (Debian 12's 6.1) prints: NUMA, ZSWAP, KSM, CMA, THP with PUD
 * splits, hugetlb, memory failure, balloon compaction, soft-dirty; no
 * HIGHMEM, no shadow call stack, no protection keys.
 *
 * What stays true in this file:
 *   1. Only libvmfs is called; nothing here keeps state between calls (the
 *      mount's device is set once, before serving, by main()), and a
 *      fmt_* function renders one whole file into its sbuf, returning 0,
 *      -ESRCH (the process is gone), -ENOMEM or -EFBIG (sbuf.err: past
 *      TEXT_MAX, the bound on what one open file holds).  Every list the
 *      machine gives (PIDs, mappings, objects, page-table entries, the log,
 *      the swap path) is taken whole by snap_list, the one loop that grows
 *      a buffer until the answer fits.
 *   2. Every number Linux prints in kB is computed from pages as
 *      pages << (12 - 10), never rounded, so readers that multiply back
 *      get the page counts exactly.
 *   3. Field order, labels, separators (tabs versus spaces) and minimum
 *      widths are the kernel's: seq_put_decimal_ull_width(..., 8) is
 *      "%8"PRIu64, seq_put_hex_ll(..., 8) is "%08"PRIx64, seq_pad pads to
 *      column 72 and adds one space, so a path starts at column 73.
 *
 * Choices where vmfs has no Linux counterpart (the man page repeats them):
 *   - maps: an object mapping is shown as the path /objects/NAME (the
 *     object's place in the mount) on the device and inode stat(2) of
 *     MOUNTPOINT/objects/NAME gives (the mount's device, procfmt_dev_*,
 *     set by main(); OBJECT_INO | the object's number), and " (deleted)"
 *     after a removed object, as Linux does for unlinked files, on the
 *     inode it had.  A host file exec mapped is shown by its host path on
 *     its own device and inode (vmfs_map.host_dev, host_ino), as Linux
 *     shows a file.  Shared anonymous memory is
 *     "/dev/zero (deleted)" on 00:01 as Linux shows it, with its own inode
 *     number (vmfs_map.ino: one per mmap, as Linux's shmem inodes) and the
 *     offset of vm_pgoff (0 at mmap, following splits); private anonymous memory has
 *     no name, device 00:00, inode 0; [heap] and [stack] are exec's.
 *   - VmFlags: rd/wr/ex from prot; mr mw me always, as mmap(2) sets them;
 *     sh and ms for shared mappings, except that a shared mapping of an
 *     object without write permission when it was made loses sh and mw
 *     (Linux clears VM_SHARED|VM_MAYWRITE for a read-only file; the
 *     engine keeps it, vmfs_map.nomaywrite); ac for the mappings the
 *     engine charged (VMFS_MAP_ACCOUNT: private writable, or made writable
 *     by mprotect, and still so after write is taken away); sd
 *     (VM_SOFTDIRTY) on every mapping, as a new x86 mapping has it;
 *     lo, lf, dc, wf from vmfs_map's VMFS_MAP_LOCKED, LOCKONFAULT,
 *     DONTCOPY, WIPEONFORK (mlock, madvise).  smaps's Locked is the
 *     mapping's Pss when it is locked, as Linux's pss_locked.
 *   - State is the CPU's (vmfs_cpu_status: R running, T loaded or
 *     stopped, Z exited and not reaped, with stat's exit_code its wait
 *     status); a process with no program is S (sleeping).
 *   - CPU time: utime is the CPU's simulated user time (an instruction
 *     a nanosecond, vmfs_cpu_status.utime_ns) in USER_HZ ticks; stime,
 *     cutime and cstime 0 (system calls take no simulated time; wait4
 *     does not add a child's times to its parent's).  No
 *     context switches, CPU 0, nice 0, priority 20, root's ids and
 *     capabilities, empty signal masks; process group and session are the
 *     oldest living ancestor's PID (a spawned process leads its own).
 *     The machine has one CPU; its whole uptime is idle time.
 *   - Memory: MemTotal is the data frames (frames=); page-table frames are
 *     reported as PageTables, beyond MemTotal, as the spec says.  The
 *     Active/Inactive lines, nr_*active*, pgactivate, pgdeactivate, pgrefill
 *     and workingset_* are vmfs_lru_stat's: the linux and mglru policies
 *     keep Linux's lists; under any other policy every resident page is
 *     "active" (Active(anon) = private anonymous + shared memory,
 *     Active(file) = object pages), the Inactive lines and the counters 0.
 *     Allocations count in the Normal zone (pgalloc_normal).
 *   - swaps: the store's SQLite file, type "file", priority -2 (the first
 *     swap area without a priority).  Size is swap_size= when given; with
 *     unlimited swap it is used + frames, i.e. the store always has room
 *     for one more machine's worth of pages, so SwapFree (and the Size
 *     column minus Used) equals the frame count.  With swap=none the file
 *     holds only the header and SwapTotal is 0.
 *   - The reader (issue 15): `self` names the process that reads the mount,
 *     which is none of the machine's; READER(pid) renders it as a process
 *     named "reader" with no memory (task_stat, call_maps).  cpuinfo is the
 *     one CPU of stat, which runs nothing (vendor vmfs, 0 MHz, no flags),
 *     loadavg 0.00 with the machine's process count and last PID, io's
 *     read_bytes the major faults' pages, limits a fresh Linux process's.
 *   - config has no Linux counterpart: vmfs_stat's configuration as
 *     "key value" lines, named after vmfs_open's options, so that no reader
 *     has to parse the boot lines of kmsg (which a policy change outdates
 *     and which rotate away).
 */
#include "procfmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#define KB(pages)   ((uint64_t)(pages) << (VMFS_PAGE_SHIFT - 10))
#define USER_HZ     100             /* clock ticks of /proc/PID/stat and /proc/stat */
#define NS_PER_SEC  UINT64_C(1000000000)
#define NS_PER_TICK (NS_PER_SEC / USER_HZ)

/* ---- the text buffer ----------------------------------------------------- */

bool sbuf_reserve(struct sbuf *s, size_t more)
{
	size_t cap;
	char *nbuf;

	if (s->err)
		return false;
	if (s->len + more + 1 <= s->cap)
		return true;
	if (more >= TEXT_MAX || s->len + more + 1 > TEXT_MAX) {
		s->err = -EFBIG;
		return false;
	}
	cap = s->cap ? s->cap : 4096;
	while (cap < s->len + more + 1)
		cap *= 2;
	nbuf = realloc(s->buf, cap);
	if (!nbuf) {
		s->err = -ENOMEM;
		return false;
	}
	s->buf = nbuf;
	s->cap = cap;
	return true;
}

void sbuf_put(struct sbuf *s, const void *data, size_t len)
{
	if (!sbuf_reserve(s, len))
		return;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
}

void sbuf_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_reserve(s, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

void sbuf_free(struct sbuf *s)
{
	free(s->buf);
	*s = (struct sbuf){ 0 };
}

static void sbuf_putc(struct sbuf *s, char c)
{
	sbuf_put(s, &c, 1);
}

/* seq_pad(m, ' ') after seq_setwidth(m, width) at @line: pad, then a space. */
static void sbuf_pad(struct sbuf *s, size_t line, size_t width)
{
	while (!s->err && s->len - line < width)
		sbuf_putc(s, ' ');
	sbuf_putc(s, ' ');
}

static int sbuf_result(const struct sbuf *s)
{
	return s->err ? s->err : 0;
}

/* ---- snapshots from libvmfs ------------------------------------------------ */

/*
 * One of libvmfs's list calls, all shaped alike: fill at most @max entries
 * of @buf (for process @pid, where the list is a process's) and return how
 * many entries there are, possibly more than @max, or a negative errno.
 */
typedef ssize_t (*list_call)(vmfs *m, int pid, void *buf, size_t max);

/*
 * The whole list in one malloc'ed array of entries of @size bytes: asked
 * first with room for @room entries, then again, with room to spare, while
 * the answer says the list grew past the buffer between the calls.
 */
static void *snap_list(vmfs *m, int pid, list_call call, size_t size, size_t room, ssize_t *n)
{
	void *buf = NULL;

	for (;;) {
		void *bigger;

		if (room > SNAP_MAX / size) {   /* the daemon's bound on one rendering */
			free(buf);
			*n = -EFBIG;
			return NULL;
		}
		bigger = realloc(buf, room * size);
		if (!bigger) {
			free(buf);
			*n = -ENOMEM;
			return NULL;
		}
		buf = bigger;
		*n = call(m, pid, buf, room);
		if (*n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)*n <= room)
			return buf;
		room = (size_t)*n + (size_t)*n / 4 + 16;
	}
}

static ssize_t call_pids(vmfs *m, int pid, void *buf, size_t max)
{
	(void)pid;
	return vmfs_pids(m, buf, max);
}

static ssize_t call_maps(vmfs *m, int pid, void *buf, size_t max)
{
	if (pid < 0)                    /* READER(): no memory of the machine */
		return 0;
	return vmfs_maps(m, pid, buf, max);
}

static ssize_t call_objects(vmfs *m, int pid, void *buf, size_t max)
{
	(void)pid;
	return vmfs_object_list(m, buf, max);
}

static ssize_t call_pagetable(vmfs *m, int pid, void *buf, size_t max)
{
	return vmfs_pagetable(m, pid, buf, max);
}

/* The text calls return the length without the NUL, as snprintf does. */
static ssize_t call_kmsg(vmfs *m, int pid, void *buf, size_t max)
{
	(void)pid;
	return (ssize_t)vmfs_kmsg(m, buf, max) + 1;
}

static ssize_t call_swap_path(vmfs *m, int pid, void *buf, size_t max)
{
	(void)pid;
	return (ssize_t)vmfs_swap_path(m, buf, max) + 1;
}

int *snap_pids(vmfs *m, ssize_t *n)
{
	return snap_list(m, 0, call_pids, sizeof(int), 64, n);
}

struct vmfs_map *snap_maps(vmfs *m, int pid, ssize_t *n)
{
	return snap_list(m, pid, call_maps, sizeof(struct vmfs_map), 16, n);
}

struct vmfs_object_info *snap_objects(vmfs *m, ssize_t *n)
{
	return snap_list(m, 0, call_objects, sizeof(struct vmfs_object_info), 16, n);
}

struct vmfs_pt_entry *snap_pagetable(vmfs *m, int pid, ssize_t *n)
{
	return snap_list(m, pid, call_pagetable, sizeof(struct vmfs_pt_entry), 256, n);
}

char *snap_kmsg(vmfs *m, ssize_t *n)
{
	return snap_list(m, 0, call_kmsg, 1, 65536, n);
}

char *snap_swap_path(vmfs *m, ssize_t *n)
{
	return snap_list(m, 0, call_swap_path, 1, 256, n);
}

/* What /proc/PID/status and stat need beyond vmfs_proc_stat. */
struct task {
	struct vmfs_proc_stat ps;
	uint64_t rss;            /* resident pages */
	uint64_t data_vm;        /* pages of private writable mappings (VmData) */
	uint64_t exec_vm;        /* pages of executable, not writable mappings */
	uint64_t stack_vm;       /* pages of VM_GROWSDOWN mappings (exec's stack) */
	uint64_t text;           /* bytes of the program's text, as task_mem() (exec) */
	int sid;                 /* process group and session: see leader_of() */
	char state;              /* its CPU's: R, S, T, Z (vmfs_cpu_status; S without a program) */
	int exit_code;           /* with Z: the wait status (stat's exit_code) */
	uint64_t utime_ns;       /* its CPU's user time (vmfs_cpu_status; since 0.7) */
};

/*
 * vmfs_proc_stat, and for READER(pid) the reader: no memory, no faults,
 * no parent, started when the machine booted.
 */
static int task_stat(vmfs *m, int pid, struct vmfs_proc_stat *ps)
{
	if (pid >= 0)
		return vmfs_proc_stat(m, pid, ps);
	memset(ps, 0, sizeof(*ps));
	ps->pid = -pid;
	snprintf(ps->comm, sizeof(ps->comm), "reader");
	snprintf(ps->name, sizeof(ps->name), "reader");
	return 0;
}

/*
 * A spawned process leads its own process group and session; a forked one
 * inherits its parent's, as after fork(2).  vmfs keeps neither, so they are
 * the oldest living ancestor's PID (PIDs grow down a fork chain, so the walk
 * ends).
 */
static int leader_of(vmfs *m, const struct vmfs_proc_stat *ps)
{
	struct vmfs_proc_stat cur = *ps, parent;

	while (cur.ppid > 0 && cur.ppid < cur.pid && vmfs_proc_stat(m, cur.ppid, &parent) == 0)
		cur = parent;
	return cur.pid;
}

static int load_task(vmfs *m, int pid, struct task *t)
{
	struct vmfs_map *maps;
	ssize_t n;
	int r;

	memset(t, 0, sizeof(*t));
	r = task_stat(m, pid, &t->ps);
	if (r < 0)
		return r;
	if (!(maps = snap_maps(m, pid, &n)))
		return (int)n;
	for (ssize_t i = 0; i < n; i++) {
		uint64_t pages = (maps[i].end - maps[i].start) >> VMFS_PAGE_SHIFT;
		bool shared = maps[i].flags & MAP_SHARED;
		bool stack = maps[i].flags & VMFS_MAP_GROWSDOWN;

		/* is_data_mapping(), is_exec_mapping(), is_stack_mapping() of mm/internal.h */
		if ((maps[i].prot & PROT_WRITE) && !shared && !stack)
			t->data_vm += pages;
		if ((maps[i].prot & PROT_EXEC) && !(maps[i].prot & PROT_WRITE) && !stack)
			t->exec_vm += pages;
		if (stack)
			t->stack_vm += pages;
	}
	free(maps);
	/* task_mem(): text = PAGE_ALIGN(end_code) - (start_code & PAGE_MASK), at most exec_vm */
	t->text = ((t->ps.end_code + VMFS_PAGE_SIZE - 1) & ~(uint64_t)(VMFS_PAGE_SIZE - 1)) -
		  (t->ps.start_code & ~(uint64_t)(VMFS_PAGE_SIZE - 1));
	if (t->ps.end_code <= t->ps.start_code)
		t->text = 0;
	if (t->text > t->exec_vm << VMFS_PAGE_SHIFT)
		t->text = t->exec_vm << VMFS_PAGE_SHIFT;
	t->rss = t->ps.rss_anon + t->ps.rss_file + t->ps.rss_shmem;
	t->sid = leader_of(m, &t->ps);
	t->state = 'S';
	{
		struct vmfs_cpu_status cs;

		if (pid >= 0 && vmfs_cpu_status(m, pid, &cs) == 0) {   /* ENOSYS: no CPU, S */
			t->state = cs.state;
			t->exit_code = cs.exit_code;
			t->utime_ns = cs.utime_ns;
		}
	}
	return 0;
}

/* Linux's get_task_state names, for status's State line. */
static const char *state_name(char s)
{
	switch (s) {
	case 'R': return "R (running)";
	case 'T': return "T (stopped)";
	case 'Z': return "Z (zombie)";
	default:  return "S (sleeping)";
	}
}

/* Render a file of process @pid that is made from its struct task by @put. */
static int fmt_task(vmfs *m, int pid, struct sbuf *out,
		    void (*put)(vmfs *m, const struct task *t, struct sbuf *out))
{
	struct task t;
	int r = load_task(m, pid, &t);

	if (r < 0)
		return r;
	put(m, &t, out);
	return sbuf_result(out);
}

/* Render a machine-wide file that is made from vmfs_stat's figures by @put. */
static int fmt_machine(vmfs *m, struct sbuf *out,
		       int (*put)(vmfs *m, const struct vmfs_stat *st, struct sbuf *out))
{
	struct vmfs_stat st;
	int r = vmfs_stat(m, &st);

	if (r == 0)
		r = put(m, &st, out);
	return r < 0 ? r : sbuf_result(out);
}

/* Swap in pages as /proc/swaps and /proc/meminfo show it; false with swap=none. */
static bool swap_area(vmfs *m, const struct vmfs_stat *st, uint64_t *total, uint64_t *used)
{
	char probe[2];

	*total = *used = 0;
	if (vmfs_swap_path(m, probe, sizeof(probe)) == 0)
		return false;
	*used = st->swap_used;
	*total = st->swap_total ? st->swap_total : st->swap_used + st->frames;
	return true;
}

/* ---- machine-wide files ------------------------------------------------------ */

static int put_meminfo(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	uint64_t swap_total, swap_used, file_lru, available;
	struct vmfs_lru_stat ls;
	struct vmfs_mlock_stat ms;
	struct vmfs_huge_stat hs;
	int r = vmfs_lru_stat(m, &ls);

	if (r < 0 || (r = vmfs_mlock_stat(m, &ms)) < 0 || (r = vmfs_huge_stat(m, &hs)) < 0)
		return r;
	swap_area(m, st, &swap_total, &swap_used);
	file_lru = ls.nr_active_file + ls.nr_inactive_file;
	available = st->frames_free + file_lru;            /* si_mem_available, no watermarks */
	/* hugetlb_total_pages(): every pool's pages, in 4 KiB pages */
	uint64_t hugetlb = hs.pool[0].nr * (hs.pool[0].size >> 12) + hs.pool[1].nr * (hs.pool[1].size >> 12);
	/* gigantic pages taken at boot come from memblock: never part of totalram */
	uint64_t totalram = st->frames - hs.pool[1].boot * (hs.pool[1].size >> 12);

	/* fs/proc/meminfo.c: show_val_kb() is "%-16s" label + "%8lu kB". */
	const struct { const char *fmt; uint64_t val; } lines[] = {
		{ "MemTotal:       %8" PRIu64 " kB\n", KB(totalram) },
		{ "MemFree:        %8" PRIu64 " kB\n", KB(st->frames_free) },
		{ "MemAvailable:   %8" PRIu64 " kB\n", KB(available) },
		{ "Buffers:        %8" PRIu64 " kB\n", 0 },
		{ "Cached:         %8" PRIu64 " kB\n", KB(st->file_pages) },
		{ "SwapCached:     %8" PRIu64 " kB\n", KB(st->swap_cached) },
		{ "Active:         %8" PRIu64 " kB\n", KB(ls.nr_active_anon + ls.nr_active_file) },
		{ "Inactive:       %8" PRIu64 " kB\n", KB(ls.nr_inactive_anon + ls.nr_inactive_file) },
		{ "Active(anon):   %8" PRIu64 " kB\n", KB(ls.nr_active_anon) },
		{ "Inactive(anon): %8" PRIu64 " kB\n", KB(ls.nr_inactive_anon) },
		{ "Active(file):   %8" PRIu64 " kB\n", KB(ls.nr_active_file) },
		{ "Inactive(file): %8" PRIu64 " kB\n", KB(ls.nr_inactive_file) },
		{ "Unevictable:    %8" PRIu64 " kB\n", KB(ms.unevictable) },
		{ "Mlocked:        %8" PRIu64 " kB\n", KB(ms.mlocked) },
		{ "SwapTotal:      %8" PRIu64 " kB\n", KB(swap_total) },
		{ "SwapFree:       %8" PRIu64 " kB\n", KB(swap_total - swap_used) },
		{ "Zswap:          %8" PRIu64 " kB\n", 0 },
		{ "Zswapped:       %8" PRIu64 " kB\n", 0 },
		{ "Dirty:          %8" PRIu64 " kB\n", KB(st->dirty_pages) },
		{ "Writeback:      %8" PRIu64 " kB\n", 0 },
		{ "AnonPages:      %8" PRIu64 " kB\n", KB(st->anon_pages) },
		{ "Mapped:         %8" PRIu64 " kB\n", KB(st->mapped_pages) },
		{ "Shmem:          %8" PRIu64 " kB\n", KB(st->shmem_pages) },
		{ "KReclaimable:   %8" PRIu64 " kB\n", 0 },
		{ "Slab:           %8" PRIu64 " kB\n", 0 },
		{ "SReclaimable:   %8" PRIu64 " kB\n", 0 },
		{ "SUnreclaim:     %8" PRIu64 " kB\n", 0 },
		{ "KernelStack:    %8" PRIu64 " kB\n", 0 },
		{ "PageTables:     %8" PRIu64 " kB\n", KB(st->pagetable_pages) },
		{ "SecPageTables:  %8" PRIu64 " kB\n", 0 },
		{ "NFS_Unstable:   %8" PRIu64 " kB\n", 0 },
		{ "Bounce:         %8" PRIu64 " kB\n", 0 },
		{ "WritebackTmp:   %8" PRIu64 " kB\n", 0 },
		/* vm_commit_limit() and vm_committed_as, the engine's */
		{ "CommitLimit:    %8" PRIu64 " kB\n", KB(st->commit_limit) },
		{ "Committed_AS:   %8" PRIu64 " kB\n", KB(st->committed_as) },
		{ "VmallocTotal:   %8" PRIu64 " kB\n", UINT64_C(34359738367) },  /* x86_64, 4 levels */
		{ "VmallocUsed:    %8" PRIu64 " kB\n", 0 },
		{ "VmallocChunk:   %8" PRIu64 " kB\n", 0 },
		{ "Percpu:         %8" PRIu64 " kB\n", 0 },
		{ "HardwareCorrupted: %5" PRIu64 " kB\n", 0 },
		{ "AnonHugePages:  %8" PRIu64 " kB\n", KB(ms.nr_anon_transparent_hugepages * 512) },
		{ "ShmemHugePages: %8" PRIu64 " kB\n", 0 },
		{ "ShmemPmdMapped: %8" PRIu64 " kB\n", 0 },
		{ "FileHugePages:  %8" PRIu64 " kB\n", 0 },
		{ "FilePmdMapped:  %8" PRIu64 " kB\n", 0 },
		{ "CmaTotal:       %8" PRIu64 " kB\n", 0 },
		{ "CmaFree:        %8" PRIu64 " kB\n", 0 },
		/* hugetlb_report_meminfo() */
		{ "HugePages_Total:   %5" PRIu64 "\n", hs.pool[0].nr },
		{ "HugePages_Free:    %5" PRIu64 "\n", hs.pool[0].free },
		{ "HugePages_Rsvd:    %5" PRIu64 "\n", hs.pool[0].resv },
		{ "HugePages_Surp:    %5" PRIu64 "\n", hs.pool[0].surplus },
		{ "Hugepagesize:   %8" PRIu64 " kB\n", hs.pool[0].size >> 10 },
		{ "Hugetlb:        %8" PRIu64 " kB\n", KB(hugetlb) },
		/* arch_report_meminfo(): all of simulated RAM mapped by 4k pages */
		{ "DirectMap4k:    %8" PRIu64 " kB\n", st->phys_size >> 10 },
		{ "DirectMap2M:    %8" PRIu64 " kB\n", 0 },
		{ "DirectMap1G:    %8" PRIu64 " kB\n", 0 },
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		sbuf_printf(out, lines[i].fmt, lines[i].val);
	return 0;
}

int fmt_meminfo(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_meminfo);
}

/*
 * mm/vmstat.c's vmstat_text of v6.1 in order, for the config named at the
 * top of this file.  Names vmfs has no figure for print 0.
 */
static const char *const vmstat_text[] = {
	/* enum zone_stat_item */
	"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
	"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable",
	"nr_zone_write_pending", "nr_mlock", "nr_bounce", "nr_zspages", "nr_free_cma",
	/* enum numa_stat_item */
	"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
	"numa_other",
	/* enum node_stat_item */
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
	"nr_unevictable", "nr_slab_reclaimable", "nr_slab_unreclaimable",
	"nr_isolated_anon", "nr_isolated_file", "workingset_nodes",
	"workingset_refault_anon", "workingset_refault_file",
	"workingset_activate_anon", "workingset_activate_file",
	"workingset_restore_anon", "workingset_restore_file",
	"workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages",
	"nr_dirty", "nr_writeback", "nr_writeback_temp", "nr_shmem",
	"nr_shmem_hugepages", "nr_shmem_pmdmapped", "nr_file_hugepages",
	"nr_file_pmdmapped", "nr_anon_transparent_hugepages", "nr_vmscan_write",
	"nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written",
	"nr_throttled_written", "nr_kernel_misc_reclaimable",
	"nr_foll_pin_acquired", "nr_foll_pin_released", "nr_kernel_stack",
	"nr_page_table_pages", "nr_sec_page_table_pages", "nr_swapcached",
	"pgpromote_success", "pgpromote_candidate",
	/* enum writeback_stat_item */
	"nr_dirty_threshold", "nr_dirty_background_threshold",
	/* enum vm_event_item */
	"pgpgin", "pgpgout", "pswpin", "pswpout",
	"pgalloc_dma", "pgalloc_dma32", "pgalloc_normal", "pgalloc_movable",
	"allocstall_dma", "allocstall_dma32", "allocstall_normal", "allocstall_movable",
	"pgskip_dma", "pgskip_dma32", "pgskip_normal", "pgskip_movable",
	"pgfree", "pgactivate", "pgdeactivate", "pglazyfree",
	"pgfault", "pgmajfault", "pglazyfreed",
	"pgrefill", "pgreuse", "pgsteal_kswapd", "pgsteal_direct",
	"pgdemote_kswapd", "pgdemote_direct", "pgscan_kswapd", "pgscan_direct",
	"pgscan_direct_throttle", "pgscan_anon", "pgscan_file", "pgsteal_anon",
	"pgsteal_file",
	"zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal",
	"kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly",
	"pageoutrun", "pgrotated", "drop_pagecache", "drop_slab", "oom_kill",
	"numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults",
	"numa_hint_faults_local", "numa_pages_migrated",
	"pgmigrate_success", "pgmigrate_fail", "thp_migration_success",
	"thp_migration_fail", "thp_migration_split",
	"compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
	"compact_stall", "compact_fail", "compact_success", "compact_daemon_wake",
	"compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
	"htlb_buddy_alloc_success", "htlb_buddy_alloc_fail",
	"cma_alloc_success", "cma_alloc_fail",
	"unevictable_pgs_culled", "unevictable_pgs_scanned",
	"unevictable_pgs_rescued", "unevictable_pgs_mlocked",
	"unevictable_pgs_munlocked", "unevictable_pgs_cleared",
	"unevictable_pgs_stranded",
	"thp_fault_alloc", "thp_fault_fallback", "thp_fault_fallback_charge",
	"thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_file_alloc",
	"thp_file_fallback", "thp_file_fallback_charge", "thp_file_mapped",
	"thp_split_page", "thp_split_page_failed", "thp_deferred_split_page",
	"thp_split_pmd", "thp_scan_exceed_none_pte", "thp_scan_exceed_swap_pte",
	"thp_scan_exceed_share_pte", "thp_split_pud", "thp_zero_page_alloc",
	"thp_zero_page_alloc_failed", "thp_swpout", "thp_swpout_fallback",
	"balloon_inflate", "balloon_deflate", "balloon_migrate",
	"swap_ra", "swap_ra_hit", "ksm_swpin_copy", "cow_ksm", "zswpin", "zswpout",
	"direct_map_level2_splits", "direct_map_level3_splits",
};

struct counter {
	const char *name;
	uint64_t val;
};

static int put_vmstat(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	struct vmfs_lru_stat ls;
	struct vmfs_mlock_stat ms;
	int r = vmfs_lru_stat(m, &ls);

	if (r < 0 || (r = vmfs_mlock_stat(m, &ms)) < 0)
		return r;
	uint64_t file_lru = ls.nr_active_file + ls.nr_inactive_file;
	uint64_t dirtyable = st->frames_free + file_lru;   /* global_dirtyable_memory() */
	const struct counter known[] = {
		{ "nr_free_pages", st->frames_free },
		{ "nr_zone_inactive_anon", ls.nr_inactive_anon },   /* one zone: the node's lists */
		{ "nr_zone_active_anon", ls.nr_active_anon },
		{ "nr_zone_inactive_file", ls.nr_inactive_file },
		{ "nr_zone_active_file", ls.nr_active_file },
		{ "nr_zone_write_pending", st->dirty_pages },
		{ "numa_hit", st->pgalloc },               /* one node: every allocation hits */
		{ "numa_local", st->pgalloc },
		{ "nr_inactive_anon", ls.nr_inactive_anon },
		{ "nr_active_anon", ls.nr_active_anon },
		{ "nr_inactive_file", ls.nr_inactive_file },
		{ "nr_active_file", ls.nr_active_file },
		{ "workingset_nodes", ls.workingset_nodes },
		{ "workingset_refault_anon", ls.workingset_refault_anon },
		{ "workingset_refault_file", ls.workingset_refault_file },
		{ "workingset_activate_anon", ls.workingset_activate_anon },
		{ "workingset_activate_file", ls.workingset_activate_file },
		{ "workingset_restore_anon", ls.workingset_restore_anon },
		{ "workingset_restore_file", ls.workingset_restore_file },
		{ "nr_anon_pages", st->anon_pages },
		{ "nr_mapped", st->mapped_pages },
		{ "nr_file_pages", st->file_pages + st->swap_cached },  /* swap cache included */
		{ "nr_dirty", st->dirty_pages },
		{ "nr_shmem", st->shmem_pages },
		{ "nr_vmscan_write", st->nr_vmscan_write },   /* pageout(): swap and object pages */
		{ "nr_page_table_pages", st->pagetable_pages },
		{ "nr_swapcached", st->swap_cached },
		{ "nr_dirty_threshold", dirtyable * 20 / 100 },       /* vm.dirty_ratio */
		{ "nr_dirty_background_threshold", dirtyable * 10 / 100 },
		{ "pgpgin", KB(st->pgpgin) },              /* faults', readahead's, WILLNEED's reads */
		{ "pgpgout", KB(st->pgpgout) },            /* sectors / 2: KiB written */
		{ "pswpin", st->pswpin },
		{ "pswpout", st->pswpout },
		{ "pgalloc_normal", st->pgalloc },
		{ "pgfree", st->pgfree },
		{ "pgactivate", ls.pgactivate },
		{ "pgdeactivate", ls.pgdeactivate },
		{ "pgrefill", ls.pgrefill },
		{ "pgfault", st->pgfault },
		{ "pgmajfault", st->pgmajfault },
		{ "pgsteal_direct", st->pgsteal_direct },
		{ "pgscan_direct", st->pgscan_direct },
		{ "pgscan_anon", st->pgscan_anon },
		{ "pgscan_file", st->pgscan_file },
		{ "pgsteal_anon", st->pgsteal_anon },
		{ "pgsteal_file", st->pgsteal_file },
		{ "drop_pagecache", st->drop_pagecache },
		{ "drop_slab", st->drop_slab },
		{ "oom_kill", st->oom_kill },
		/* mlock and MADV_FREE (issue 14) */
		{ "nr_mlock", ms.mlocked },
		{ "nr_zone_unevictable", ms.unevictable },
		{ "nr_unevictable", ms.unevictable },
		{ "unevictable_pgs_mlocked", ms.unevictable_pgs_mlocked },
		{ "unevictable_pgs_munlocked", ms.unevictable_pgs_munlocked },
		{ "unevictable_pgs_cleared", ms.unevictable_pgs_cleared },
		{ "pglazyfree", ms.pglazyfree },
		{ "pglazyfreed", ms.pglazyfreed },
		/* transparent huge pages (issue 17); nr_anon_transparent_hugepages
		 * counts huge pages, as vmstat_show prints it (divided by HPAGE_PMD_NR) */
		{ "nr_anon_transparent_hugepages", ms.nr_anon_transparent_hugepages },
		{ "thp_fault_alloc", ms.thp_fault_alloc },
		{ "thp_fault_fallback", ms.thp_fault_fallback },
		{ "thp_split_pmd", ms.thp_split_pmd },
		{ "thp_split_page", ms.thp_split_page },
	};

	for (size_t i = 0; i < sizeof(vmstat_text) / sizeof(vmstat_text[0]); i++) {
		uint64_t val = 0;

		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (!strcmp(known[k].name, vmstat_text[i]))
				val = known[k].val;
		sbuf_printf(out, "%s %" PRIu64 "\n", vmstat_text[i], val);
	}
	sbuf_printf(out, "nr_unstable 0\n");   /* deprecated, still printed by vmstat_show */
	return 0;
}

int fmt_vmstat(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_vmstat);
}

/* mangle_path(): the characters of @esc become \ooo octal escapes. */
static void put_mangled(struct sbuf *s, const char *path, const char *esc)
{
	for (const char *p = path; *p; p++) {
		if (strchr(esc, *p))
			sbuf_printf(s, "\\%03o", (unsigned char)*p);
		else
			sbuf_putc(s, *p);
	}
}

static int put_swaps(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	uint64_t total, used;
	char *path;
	size_t len, line;
	ssize_t n;

	sbuf_printf(out, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	if (!swap_area(m, st, &total, &used))
		return 0;
	if (!(path = snap_swap_path(m, &n)))
		return (int)n;

	/* swap_show(): "%*s%s\t%lu\t%s%lu\t%s%d\n" after the escaped path */
	line = out->len;
	put_mangled(out, path, " \t\n\\");
	free(path);
	len = out->len - line;
	uint64_t size_kb = KB(total), used_kb = KB(used);
	sbuf_printf(out, "%*s%s\t%" PRIu64 "\t%s%" PRIu64 "\t%s%d\n",
		    len < 40 ? (int)(40 - len) : 1, " ", "file\t",
		    size_kb, size_kb < 10000000 ? "\t" : "",
		    used_kb, used_kb < 10000000 ? "\t" : "", -2);
	return 0;
}

int fmt_swaps(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_swaps);
}

static int put_stat(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	uint64_t idle = st->uptime_ns / NS_PER_TICK;

	(void)m;
	/* fs/proc/stat.c show_stat(): user nice system idle iowait irq softirq steal guest guest_nice */
	sbuf_printf(out, "cpu  0 0 0 %" PRIu64 " 0 0 0 0 0 0\n", idle);
	sbuf_printf(out, "cpu0 0 0 0 %" PRIu64 " 0 0 0 0 0 0\n", idle);
	/* the sum, then one count per IRQ: the 16 legacy ISA lines, all quiet */
	sbuf_printf(out, "intr 0");
	for (int irq = 0; irq < 16; irq++)
		sbuf_printf(out, " 0");
	sbuf_printf(out, "\nctxt 0\nbtime %" PRIu64 "\nprocesses %" PRIu64
		    "\nprocs_running 0\nprocs_blocked 0\n",
		    st->boot_time, st->forks + st->spawns);
	/* the sum, then NR_SOFTIRQS (10) counts */
	sbuf_printf(out, "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
	return 0;
}

int fmt_stat(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_stat);
}

static int put_uptime(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	uint64_t sec = st->uptime_ns / NS_PER_SEC;
	uint64_t cs = st->uptime_ns % NS_PER_SEC / (NS_PER_SEC / 100);

	(void)m;
	/* one CPU, never busy: idle time is the uptime */
	sbuf_printf(out, "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 "\n", sec, cs, sec, cs);
	return 0;
}

int fmt_uptime(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_uptime);
}

int fmt_kmsg(vmfs *m, struct sbuf *out)
{
	ssize_t n;
	char *log = snap_kmsg(m, &n);

	if (!log)
		return (int)n;
	sbuf_put(out, log, (size_t)n - 1);
	free(log);
	return sbuf_result(out);
}

/*
 * config (vmfs only): the machine's configuration as it is now, one
 * "key value" line each, named as vmfs_open's options name them: levels,
 * va_bits, frames, policy (the current one, after `policy NAME` too), tlb
 * (entries per process), kernel (bytes of the kernel image), swap (the
 * store's path, with a newline in it shown as \012 as maps shows names;
 * "none" with swap=none), swap_size (bytes, 0 = unlimited),
 * max_map_count (as sys/vm/max_map_count shows it now), contents (ram
 * or none), zero_page (1 or 0), overcommit_memory, overcommit_ratio
 * and swappiness as sys/vm/ shows them now, aslr (0 when
 * sys/kernel/randomize_va_space is 0, else 1) and seed (the tunable
 * "vmfs.seed", the option seed=), then read_ahead_kb as
 * sys/vm/read_ahead_kb shows it now, then slice (the tunable "vmfs.slice",
 * the CPU's time slice in instructions), then cpu_tlb (the tunable
 * "vmfs.cpu_tlb" as it is now: the CPU's fast path, since 0.7), then
 * hugepages and hugepages_1g (the hugetlb pools now, since 0.8), then thp
 * (always, madvise or never: the tunable "vmfs.thp" as it is now, since 0.8).
 */
static int put_config(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	ssize_t n;
	uint64_t max_map_count, overcommit_memory, overcommit_ratio, swappiness;
	uint64_t randomize_va_space, seed, read_ahead_kb, slice, cpu_tlb, thp;
	int rc = vmfs_sysctl(m, "vm.max_map_count", &max_map_count, NULL);
	char *path;

	if (!rc)
		rc = vmfs_sysctl(m, "vm.overcommit_memory", &overcommit_memory, NULL);
	if (!rc)
		rc = vmfs_sysctl(m, "vm.overcommit_ratio", &overcommit_ratio, NULL);
	if (!rc)
		rc = vmfs_sysctl(m, "vm.swappiness", &swappiness, NULL);
	if (!rc)
		rc = vmfs_sysctl(m, "kernel.randomize_va_space", &randomize_va_space, NULL);
	if (!rc)
		rc = vmfs_sysctl(m, "vmfs.seed", &seed, NULL);
	if (!rc)
		rc = vmfs_sysctl(m, "vm.read_ahead_kb", &read_ahead_kb, NULL);
	if (!rc)
		rc = vmfs_sysctl(m, "vmfs.cpu_tlb", &cpu_tlb, NULL);
	path = rc ? NULL : snap_swap_path(m, &n);

	if (!path)
		return rc ? rc : (int)n;
	sbuf_printf(out, "levels %d\nva_bits %d\nframes %" PRIu64 "\npolicy %s\ntlb %" PRIu64
		    "\nkernel %" PRIu64 "\nswap ",
		    st->levels, st->va_bits, st->frames, st->policy, st->tlb_entries,
		    st->kernel_pages << VMFS_PAGE_SHIFT);
	if (path[0])
		put_mangled(out, path, "\n");
	else
		sbuf_printf(out, "none");
	sbuf_printf(out, "\nswap_size %" PRIu64 "\nmax_map_count %" PRIu64 "\ncontents %s\n"
		    "zero_page %d\novercommit_memory %" PRIu64 "\novercommit_ratio %" PRIu64
		    "\nswappiness %" PRIu64 "\naslr %d\nseed %" PRIu64 "\n",
		    path[0] ? st->swap_total << VMFS_PAGE_SHIFT : 0, max_map_count,
		    st->contents_none ? "none" : "ram", st->zero_page ? 1 : 0, overcommit_memory,
		    overcommit_ratio, swappiness, randomize_va_space ? 1 : 0, seed);
	sbuf_printf(out, "read_ahead_kb %" PRIu64 "\n", read_ahead_kb);
	if (vmfs_sysctl(m, "vmfs.slice", &slice, NULL) == 0)
		sbuf_printf(out, "slice %" PRIu64 "\n", slice);
	sbuf_printf(out, "cpu_tlb %" PRIu64 "\n", cpu_tlb);
	/* the pools as they are now (hugepages= at boot, vm.nr_hugepages since) */
	struct vmfs_huge_stat hs;

	if (vmfs_huge_stat(m, &hs) == 0)
		sbuf_printf(out, "hugepages %" PRIu64 "\nhugepages_1g %" PRIu64 "\n",
			    hs.pool[0].nr - hs.pool[0].surplus, hs.pool[1].nr - hs.pool[1].surplus);
	if (vmfs_sysctl(m, "vmfs.thp", &thp, NULL) == 0 && thp <= 2)
		sbuf_printf(out, "thp %s\n", (const char *const[]){ "always", "madvise", "never" }[thp]);
	free(path);
	return 0;
}

int fmt_config(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_config);
}

int fmt_sysctl(vmfs *m, const char *name, struct sbuf *out)
{
	uint64_t v;
	int rc = vmfs_sysctl(m, name, &v, NULL);

	if (rc)
		return rc;
	sbuf_printf(out, "%" PRIu64 "\n", v);
	return sbuf_result(out);
}

/* ---- /proc/PID/maps, smaps, smaps_rollup --------------------------------------- */

/* VM_* bits as include/linux/mm.h numbers them: VmFlags lists set bits in bit order. */
enum {
	VM_READ = 1u << 0, VM_WRITE = 1u << 1, VM_EXEC = 1u << 2, VM_SHARED = 1u << 3,
	VM_MAYREAD = 1u << 4, VM_MAYWRITE = 1u << 5, VM_MAYEXEC = 1u << 6,
	VM_MAYSHARE = 1u << 7, VM_GROWSDOWN = 1u << 8, VM_ACCOUNT = 1u << 20, VM_SOFTDIRTY = 1u << 27,
	/* mlock and madvise (issue 14) */
	VM_LOCKED = 1u << 13, VM_DONTCOPY = 1u << 17, VM_LOCKONFAULT = 1u << 19,
	VM_WIPEONFORK = 1u << 25,
	VM_HUGEPAGE = 1u << 29, VM_NOHUGEPAGE = 1u << 30,   /* MADV_HUGEPAGE, NOHUGEPAGE (issue 17) */
	VM_HUGETLB = 1u << 22,                               /* MAP_HUGETLB (issue 17) */
};

static const char vm_mnemonics[32][3] = {
	[0] = "rd", [1] = "wr", [2] = "ex", [3] = "sh", [4] = "mr", [5] = "mw",
	[6] = "me", [7] = "ms", [8] = "gd", [20] = "ac", [27] = "sd",
	[13] = "lo", [17] = "dc", [19] = "lf", [25] = "wf",
	[29] = "hg", [30] = "nh",
	[22] = "ht",
};

/* How one mapping appears in maps: the left columns, the name and its VmFlags. */
struct vma_view {
	unsigned flags;          /* VM_* */
	uint64_t pgoff;          /* bytes */
	unsigned major, minor;
	uint64_t ino;
	char name[300];          /* "" for none */
};

/* The mount's device (procfmt.h): set once by main(), read only after. */
unsigned procfmt_dev_major, procfmt_dev_minor;

static void view_vma(const struct vmfs_map *mp, struct vma_view *v)
{
	bool shared = mp->flags & MAP_SHARED;

	memset(v, 0, sizeof(*v));
	v->flags = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_SOFTDIRTY;
	v->flags |= (mp->prot & PROT_READ ? VM_READ : 0) | (mp->prot & PROT_WRITE ? VM_WRITE : 0) |
		    (mp->prot & PROT_EXEC ? VM_EXEC : 0);
	if (shared)
		v->flags |= VM_SHARED | VM_MAYSHARE;
	if (mp->flags & VMFS_MAP_ACCOUNT)
		v->flags |= VM_ACCOUNT;
	v->flags |= (mp->flags & VMFS_MAP_LOCKED ? VM_LOCKED : 0) |
		    (mp->flags & VMFS_MAP_LOCKONFAULT ? VM_LOCKONFAULT : 0) |
		    (mp->flags & VMFS_MAP_DONTCOPY ? VM_DONTCOPY : 0) |
		    (mp->flags & VMFS_MAP_WIPEONFORK ? VM_WIPEONFORK : 0) |
		    (mp->flags & VMFS_MAP_HUGEPAGE ? VM_HUGEPAGE : 0) |
		    (mp->flags & VMFS_MAP_NOHUGEPAGE ? VM_NOHUGEPAGE : 0) |
		    (mp->flags & VMFS_MAP_HUGETLB ? VM_HUGETLB : 0);

	if (mp->object[0]) {
		/* VM_MAYWRITE is the mapping's, fixed at mmap (since 0.5) */
		if (shared && mp->nomaywrite)
			v->flags &= ~(VM_SHARED | VM_MAYWRITE);
		/* the file stat(2) of objects/NAME shows: the mount's device, the
		 * inode number of the object's number (kept once it is removed) */
		v->pgoff = mp->offset;
		v->major = procfmt_dev_major;
		v->minor = procfmt_dev_minor;
		v->ino = OBJECT_INO | mp->object_number;
		if (mp->object[0] == '/' && mp->host_ino) {
			/* a host file (exec): its own device and inode, as stat(2) has them */
			v->major = major(mp->host_dev);
			v->minor = minor(mp->host_dev);
			v->ino = mp->host_ino;
		}
		/* a host file (exec) by its host path, as Linux shows a file */
		snprintf(v->name, sizeof(v->name), "%s%s", mp->object[0] == '/' ? "" : "/objects/",
			 mp->object);
	} else if (mp->flags & VMFS_MAP_HUGETLB) {
		/* hugetlb_file_setup's file on the internal hugetlbfs mount (Linux
		 * shows its device and inode; the machine has neither: 00:00 0) */
		snprintf(v->name, sizeof(v->name), "/anon_hugepage (deleted)");
	} else if (shared) {
		v->minor = 1;
		v->ino = mp->ino;         /* its shmem inode */
		v->pgoff = mp->offset;    /* vm_pgoff: 0 at mmap, then as split */
		snprintf(v->name, sizeof(v->name), "/dev/zero (deleted)");
	}
}

/* show_vma_header_prefix() and show_map_vma()'s name column. */
static void put_vma_header(struct sbuf *s, uint64_t start, uint64_t end, unsigned flags,
			   uint64_t pgoff, unsigned major, unsigned minor, uint64_t ino,
			   const char *name)
{
	size_t line = s->len;

	sbuf_printf(s, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ",
		    start, end,
		    flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
		    flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p',
		    pgoff, major, minor, ino);
	if (name && name[0]) {
		sbuf_pad(s, line, 25 + sizeof(void *) * 6 - 1);
		put_mangled(s, name, "\n");
	}
	sbuf_putc(s, '\n');
}

static void put_map_line(struct sbuf *s, const struct vmfs_map *mp, const struct vma_view *v)
{
	put_vma_header(s, mp->start, mp->end, v->flags, v->pgoff, v->major, v->minor, v->ino,
		       v->name);
}

/* struct mem_size_stats of task_mmu.c, in bytes (pss* with the 12-bit fraction dropped). */
struct mss {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, swap;
	uint64_t anon_huge;      /* AnonHugePages: anonymous pages mapped by huge pmd leaves */
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, swap_pss;
	uint64_t pss_locked;     /* the pss of VM_LOCKED mappings (smaps's Locked) */
	uint64_t shared_hugetlb, private_hugetlb;   /* smaps_hugetlb_range's */
};

static void mss_add(struct mss *a, const struct vmfs_map *mp)
{
	const uint64_t page = VMFS_PAGE_SIZE;
	bool shared = mp->flags & MAP_SHARED;

	a->resident += mp->rss * page;
	a->shared_clean += mp->shared_clean * page;
	a->shared_dirty += mp->shared_dirty * page;
	a->private_clean += mp->private_clean * page;
	a->private_dirty += mp->private_dirty * page;
	a->referenced += mp->referenced * page;
	a->anonymous += mp->anon * page;
	a->lazyfree += mp->lazyfree * page;
	a->anon_huge += mp->anon_huge * page;
	a->shared_hugetlb += mp->shared_hugetlb * page;
	a->private_hugetlb += mp->private_hugetlb * page;
	a->swap += mp->swap * page;
	a->swap_pss += mp->swap_pss;
	a->pss += mp->pss;
	a->pss_dirty += mp->pss_dirty;
	if (mp->flags & VMFS_MAP_LOCKED)
		a->pss_locked += mp->pss;
	/* smaps_page_accumulate, page by page: anonymous, else shmem
	 * (swap-backed: a shared anonymous mapping's pages), else file */
	a->pss_anon += mp->pss_anon;
	if (!mp->object[0] && shared)
		a->pss_shmem += mp->pss - mp->pss_anon;
	else
		a->pss_file += mp->pss - mp->pss_anon;
}

/* SEQ_PUT_DEC(str, val): seq_put_decimal_ull_width(m, str, val >> 10, 8) */
static void put_kb(struct sbuf *s, const char *label, uint64_t bytes)
{
	sbuf_printf(s, "%s%8" PRIu64 " kB\n", label, bytes >> 10);
}

/* __show_smap(): the lines smaps and smaps_rollup share. */
static void put_smap(struct sbuf *s, const struct mss *a, bool rollup)
{
	put_kb(s, "Rss:            ", a->resident);
	put_kb(s, "Pss:            ", a->pss);
	put_kb(s, "Pss_Dirty:      ", a->pss_dirty);
	if (rollup) {
		put_kb(s, "Pss_Anon:       ", a->pss_anon);
		put_kb(s, "Pss_File:       ", a->pss_file);
		put_kb(s, "Pss_Shmem:      ", a->pss_shmem);
	}
	put_kb(s, "Shared_Clean:   ", a->shared_clean);
	put_kb(s, "Shared_Dirty:   ", a->shared_dirty);
	put_kb(s, "Private_Clean:  ", a->private_clean);
	put_kb(s, "Private_Dirty:  ", a->private_dirty);
	put_kb(s, "Referenced:     ", a->referenced);
	put_kb(s, "Anonymous:      ", a->anonymous);
	put_kb(s, "LazyFree:       ", a->lazyfree);
	put_kb(s, "AnonHugePages:  ", a->anon_huge);
	put_kb(s, "ShmemPmdMapped: ", 0);
	put_kb(s, "FilePmdMapped:  ", 0);
	put_kb(s, "Shared_Hugetlb: ", a->shared_hugetlb);
	sbuf_printf(s, "Private_Hugetlb: %7" PRIu64 " kB\n", a->private_hugetlb >> 10);
	put_kb(s, "Swap:           ", a->swap);
	put_kb(s, "SwapPss:        ", a->swap_pss);
	put_kb(s, "Locked:         ", a->pss_locked);
}

static void put_vmflags(struct sbuf *s, unsigned flags)
{
	sbuf_printf(s, "VmFlags: ");
	for (unsigned bit = 0; bit < 32; bit++)
		if ((flags & (1u << bit)) && vm_mnemonics[bit][0])
			sbuf_printf(s, "%s ", vm_mnemonics[bit]);
	sbuf_putc(s, '\n');
}

/* maps, and with @smaps each mapping's figures after its line. */
static int fmt_vmas(vmfs *m, int pid, struct sbuf *out, bool smaps)
{
	ssize_t n;
	struct vmfs_map *maps = snap_maps(m, pid, &n);
	struct vmfs_proc_stat ps;

	if (!maps)
		return (int)n;
	if (vmfs_proc_stat(m, pid, &ps) < 0)
		memset(&ps, 0, sizeof(ps));   /* gone since: no [heap] or [stack] names */
	for (ssize_t i = 0; i < n; i++) {
		struct vma_view v;
		struct mss a = { 0 };

		view_vma(&maps[i], &v);
		/* show_map_vma: an anonymous mapping over the brk area is [heap], one
		 * holding the initial stack pointer [stack] (since 0.5; only after an
		 * exec, which sets them: a process never exec'd has neither) */
		if (!v.name[0] && ps.start_brk && maps[i].start <= ps.brk && maps[i].end >= ps.start_brk)
			snprintf(v.name, sizeof(v.name), "[heap]");
		else if (!v.name[0] && ps.start_stack && maps[i].start <= ps.start_stack &&
			 maps[i].end >= ps.start_stack)
			snprintf(v.name, sizeof(v.name), "[stack]");
		if (maps[i].flags & VMFS_MAP_GROWSDOWN)
			v.flags |= VM_GROWSDOWN;
		put_map_line(out, &maps[i], &v);
		if (!smaps)
			continue;
		mss_add(&a, &maps[i]);
		put_kb(out, "Size:           ", maps[i].end - maps[i].start);
		/* vma_kernel_pagesize, vma_mmu_pagesize: a hugetlb mapping's huge page */
		put_kb(out, "KernelPageSize: ", maps[i].page_size ? maps[i].page_size : VMFS_PAGE_SIZE);
		put_kb(out, "MMUPageSize:    ", maps[i].page_size ? maps[i].page_size : VMFS_PAGE_SIZE);
		put_smap(out, &a, false);
		sbuf_printf(out, "THPeligible:    %d\n", maps[i].thp_eligible ? 1 : 0);
		put_vmflags(out, v.flags);
	}
	free(maps);
	return sbuf_result(out);
}

int fmt_pid_maps(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_vmas(m, pid, out, false);
}

int fmt_pid_smaps(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_vmas(m, pid, out, true);
}

int fmt_pid_smaps_rollup(vmfs *m, int pid, struct sbuf *out)
{
	struct mss a = { 0 };
	ssize_t n;
	struct vmfs_map *maps = snap_maps(m, pid, &n);

	if (!maps)
		return (int)n;
	for (ssize_t i = 0; i < n; i++)
		mss_add(&a, &maps[i]);
	/* show_smaps_rollup(): first start to last end, flags 0, then "[rollup]" */
	put_vma_header(out, n ? maps[0].start : 0, n ? maps[n - 1].end : 0, 0, 0, 0, 0, 0,
		       "[rollup]");
	put_smap(out, &a, true);
	free(maps);
	return sbuf_result(out);
}

/* ---- /proc/PID/stat, statm, status, comm, cmdline --------------------------------- */

/*
 * do_task_stat(): pid (comm) state, then 49 numbers.  wchan (the 35th
 * field) is Linux 6.1's 0/1 flag, no longer an address: 1 for a task that
 * is not running (every process of the machine sleeps, state S) when the
 * reader is permitted (ptrace_may_access: here the mounter or root, who
 * own the machine's processes), else 0.
 */
static void put_task_stat(const struct task *t, struct sbuf *out, bool permitted)
{
	const struct vmfs_proc_stat *p = &t->ps;

	sbuf_printf(out, "%d (%s) %c %d %d %d 0 -1 %u", p->pid, p->comm, t->state, p->ppid, t->sid, t->sid,
		    0x00400000u /* PF_RANDOMIZE, as a user process */);
	sbuf_printf(out, " %" PRIu64 " 0 %" PRIu64 " 0", p->min_flt, p->maj_flt);
	/* utime in clock ticks of simulated time (an instruction a nanosecond,
	 * nsec_to_clock_t), stime cutime cstime 0, prio nice threads itreal */
	sbuf_printf(out, " %" PRIu64 " 0 0 0 20 0 1 0", t->utime_ns / NS_PER_TICK);
	sbuf_printf(out, " %" PRIu64, p->start_ns / NS_PER_TICK);
	sbuf_printf(out, " %" PRIu64 " %" PRIu64 " %" PRIu64,
		    p->vm_pages << VMFS_PAGE_SHIFT, t->rss, UINT64_MAX /* RLIM_INFINITY */);
	/* startcode endcode startstack (exec's, since 0.5; 0 before an exec) as
	 * do_task_stat shows them: 1 1 0 to a reader not permitted */
	sbuf_printf(out, " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 0",
		    permitted ? p->start_code : 1, permitted ? p->end_code : 1,
		    permitted ? p->start_stack : 0);                 /* ... esp eip */
	sbuf_printf(out, " 0 0 0 0 %d", permitted);            /* signal blocked sigignore sigcatch wchan */
	sbuf_printf(out, " 0 0 17 0 0 0 0 0 0");              /* nswap cnswap exit_signal cpu rt policy blkio gtime cgtime */
	/* start_data end_data start_brk arg_start arg_end env_start env_end (0s
	 * when not permitted), exit_code */
	if (permitted)
		sbuf_printf(out, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			    " %" PRIu64 " %d\n", p->start_data, p->end_data, p->start_brk, p->arg_start,
			    p->arg_end, p->arg_end, p->env_end, t->exit_code);
	else
		sbuf_printf(out, " 0 0 0 0 0 0 0 0\n");
}

static void put_pid_stat(vmfs *m, const struct task *t, struct sbuf *out)
{
	(void)m;
	put_task_stat(t, out, true);
}

static void put_pid_stat_noptrace(vmfs *m, const struct task *t, struct sbuf *out)
{
	(void)m;
	put_task_stat(t, out, false);
}

int fmt_pid_stat(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_stat);
}

int fmt_pid_stat_noptrace(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_stat_noptrace);
}

static void put_pid_statm(vmfs *m, const struct task *t, struct sbuf *out)
{
	(void)m;
	/* size resident shared text lib data dt (task_statm: text from exec's
	 * start_code/end_code, 0 before an exec; data is data_vm + stack_vm) */
	sbuf_printf(out, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " 0 %" PRIu64 " 0\n",
		    t->ps.vm_pages, t->rss, t->ps.rss_file + t->ps.rss_shmem,
		    t->text >> VMFS_PAGE_SHIFT, t->data_vm + t->stack_vm);
}

int fmt_pid_statm(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_statm);
}

/* proc_task_name(m, p, true): seq_escape_str(ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\") */
static void put_escaped_comm(struct sbuf *s, const char *comm)
{
	for (const char *c = comm; *c; c++) {
		if (*c == '\\')
			sbuf_printf(s, "\\\\");
		else if (*c == '\n')
			sbuf_printf(s, "\\n");
		else
			sbuf_putc(s, *c);
	}
}

/* RLIMIT_SIGPENDING of a fresh process: max_threads / 2, fork_init()'s way. */
static uint64_t sigpending_limit(vmfs *m)
{
	struct vmfs_stat st;
	uint64_t threads;

	if (vmfs_stat(m, &st) < 0)
		return 0;
	threads = st.frames * VMFS_PAGE_SIZE / (8 * 16384);   /* 16 KiB kernel stacks, 1/8 of RAM */
	if (threads < 20)
		threads = 20;
	return threads / 2;
}

static void put_pid_status(vmfs *m, const struct task *t, struct sbuf *out)
{
	const struct vmfs_proc_stat *p = &t->ps;
	uint64_t hwm = p->rss_peak > t->rss ? p->rss_peak : t->rss;
	uint64_t peak = p->vm_peak > p->vm_pages ? p->vm_peak : p->vm_pages;

	sbuf_printf(out, "Name:\t");
	put_escaped_comm(out, p->comm);
	/* task_state() */
	sbuf_printf(out, "\nUmask:\t%#04o\nState:\t%s\n", 022, state_name(t->state));
	sbuf_printf(out, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		    p->pid, p->pid, p->ppid);
	sbuf_printf(out, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t \n");
	sbuf_printf(out, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		    p->pid, p->pid, t->sid, t->sid);
	/* task_mem(): SEQ_PUT_DEC is "%8lu" after a tab */
	const struct { const char *label; uint64_t kb; } mem[] = {
		{ "VmPeak", KB(peak) }, { "VmSize", KB(p->vm_pages) }, { "VmLck", KB(p->locked_vm) },
		{ "VmPin", 0 }, { "VmHWM", KB(hwm) }, { "VmRSS", KB(t->rss) },
		{ "RssAnon", KB(p->rss_anon) }, { "RssFile", KB(p->rss_file) },
		{ "RssShmem", KB(p->rss_shmem) }, { "VmData", KB(t->data_vm) },
		{ "VmStk", KB(t->stack_vm) }, { "VmExe", t->text >> 10 },
		{ "VmLib", KB(t->exec_vm) - (t->text >> 10) },
		{ "VmPTE", KB(p->pgtables_pages) }, { "VmSwap", KB(p->swap) },
		{ "HugetlbPages", KB(p->hugetlb_pages) },
	};
	for (size_t i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
		sbuf_printf(out, "%s:\t%8" PRIu64 " kB\n", mem[i].label, mem[i].kb);
	sbuf_printf(out, "CoreDumping:\t0\nTHP_enabled:\t1\n");
	/* task_sig() */
	sbuf_printf(out, "Threads:\t1\nSigQ:\t0/%" PRIu64 "\n", sigpending_limit(m));
	sbuf_printf(out, "SigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\nSigIgn:\t%016x\n"
		    "SigCgt:\t%016x\n", 0, 0, 0, 0, 0);
	/* task_cap(): root's sets, CAP_LAST_CAP = 40 */
	sbuf_printf(out, "CapInh:\t%016x\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%016x\n",
		    0, "000001ffffffffff", "000001ffffffffff", "000001ffffffffff", 0);
	/* task_seccomp() */
	sbuf_printf(out, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		    "Speculation_Store_Bypass:\tnot vulnerable\n"
		    "SpeculationIndirectBranch:\tnot affected\n");
	/* task_cpus_allowed(), cpuset_task_status_allowed(): one CPU, node 0 of MAX_NUMNODES 1024 */
	sbuf_printf(out, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t");
	for (int word = 0; word < 31; word++)
		sbuf_printf(out, "00000000,");
	sbuf_printf(out, "00000001\nMems_allowed_list:\t0\n");
	sbuf_printf(out, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

int fmt_pid_status(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_status);
}

int fmt_pid_comm(vmfs *m, int pid, struct sbuf *out)
{
	struct vmfs_proc_stat ps;
	int r = task_stat(m, pid, &ps);

	if (r < 0)
		return r;
	sbuf_printf(out, "%s\n", ps.comm);
	return sbuf_result(out);
}

/* The whole name as the one argument, NUL-terminated as argv strings are. */
/*
 * The bytes [start, end) of @pid's memory, as access_remote_vm(FOLL_FORCE)
 * reads them for cmdline and environ: up to the first page that cannot be
 * read.
 */
static void put_user_range(vmfs *m, int pid, uint64_t start, uint64_t end, struct sbuf *out)
{
	char buf[4096];

	while (start < end) {
		size_t n = end - start < sizeof(buf) ? (size_t)(end - start) : sizeof(buf);
		ssize_t got = vmfs_access(m, pid, start, buf, n, VMFS_ACCESS_READ | VMFS_ACCESS_FORCE, NULL);

		if (got <= 0)
			return;
		sbuf_put(out, buf, (size_t)got);
		start += (uint64_t)got;
	}
}

int fmt_pid_cmdline(vmfs *m, int pid, struct sbuf *out)
{
	struct vmfs_proc_stat ps;
	int r = task_stat(m, pid, &ps);

	if (r < 0)
		return r;
	if (pid >= 0 && ps.arg_end > ps.arg_start)   /* after exec: argv on the stack (get_mm_cmdline) */
		put_user_range(m, pid, ps.arg_start, ps.arg_end, out);
	else
		sbuf_put(out, ps.name, strlen(ps.name) + 1);
	return sbuf_result(out);
}

/* auxv (proc_pid_auxv): the saved auxiliary vector, id/value words up to AT_NULL (since 0.5). */
int fmt_pid_auxv(vmfs *m, int pid, struct sbuf *out)
{
	uint64_t w[64];
	int n = pid < 0 ? 0 : vmfs_auxv(m, pid, w, 64);   /* the reader never exec'd */

	if (n < 0)
		return n;
	sbuf_put(out, w, (size_t)(n < 64 ? n : 64) * sizeof(w[0]));
	return sbuf_result(out);
}

/* ---- /proc/PID/pagetable (vmfs only) -------------------------------------------- */

static void put_pte_bits(struct sbuf *s, uint64_t e)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ VMFS_PTE_P, "P" }, { VMFS_PTE_RW, "RW" }, { VMFS_PTE_US, "US" },
		{ VMFS_PTE_A, "A" }, { VMFS_PTE_D, "D" }, { VMFS_PTE_PS, "PS" }, { VMFS_PTE_COW, "COW" },
		{ VMFS_PTE_PROTNONE, "PROTNONE" }, { VMFS_PTE_SWAP, "SWAP" },
		{ VMFS_PTE_NX, "NX" },
	};

	sbuf_putc(s, ' ');
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (e & bits[i].bit)
			sbuf_printf(s, " %s", bits[i].name);
}

/*
 * The format, one line per non-zero entry of the user half, depth first:
 *
 *   cr3 0x0000000000004010: pgd at phys 0x4010000; 4 levels: pgd pud pmd pte; ...
 *   pgd[0] @0x4010000 0x0000000004011067 va 0x0 -> table 0x4011000  P RW US A
 *     pud[0] @0x4011000 0x0000000004012067 va 0x0 -> table 0x4012000  P RW US A
 *       ...
 *         pte[16] @0x4013080 0x800000000000a067 va 0x10000 -> frame 0xa000  P RW US A D NX
 *         pte[17] @0x4013088 0x0000000000007800 va 0x11000 -> swap slot 7  SWAP
 *         pte[18] @0x4013090 0x800000000000b420 va 0x12000 -> frame 0xb000 PROTNONE  A PROTNONE NX
 *       pmd[512] @0x4012800 0x80000000002000e7 va 0x40000000 -> frame 0x200000  P RW US A D PS NX
 *
 * (the last: a huge pmd leaf, since 0.8, the first frame of its 2 MiB)
 *
 * Each level indents two more spaces.  "@ADDR" is the entry's physical
 * address (its table + 8 * index): `hexdump -s ADDR -n 8 phys` shows the
 * raw value printed next to it, little-endian.  "va" is the first virtual
 * address the entry covers; "table" is where the next level's table is, and
 * "frame" the physical address of the page.  The bit names follow
 * <vmfs.h>'s VMFS_PTE_*.
 *
 * Without @show_pfn (fmt_pid_pagetable_nopfn: an opener who is neither the
 * mounter nor root) every physical address reads as 0: cr3, the table
 * addresses, each entry's own address, and the frame or swap slot field of
 * each raw entry (VMFS_PTE_PFN_MASK), as pagemap hides frame numbers and
 * swap entries from such a reader; the levels, indices, virtual addresses
 * and flag bits are the same.
 */
static int pagetable(vmfs *m, int pid, bool show_pfn, struct sbuf *out)
{
	const uint64_t hide = show_pfn ? 0 : ~0ull;
	struct vmfs_proc_stat ps;
	struct vmfs_stat st;
	struct vmfs_pt_entry *pt;
	ssize_t n;
	int r = vmfs_stat(m, &st);

	if (r < 0 || (r = vmfs_proc_stat(m, pid, &ps)) < 0)
		return r;
	if (!(pt = snap_pagetable(m, pid, &n)))
		return (int)n;

	sbuf_printf(out, "cr3 0x%016" PRIx64 ": %s at phys 0x%" PRIx64 "; %d levels:",
		    ps.cr3 & ~hide, vmfs_level_name(st.levels, 0), (ps.cr3 << VMFS_PAGE_SHIFT) & ~hide,
		    st.levels);
	for (int l = 0; l < st.levels; l++)
		sbuf_printf(out, " %s", vmfs_level_name(st.levels, l));
	sbuf_printf(out, "; entry at table + 8 * index\n");

	for (ssize_t i = 0; i < n; i++) {
		const struct vmfs_pt_entry *e = &pt[i];
		uint64_t entry = e->entry & ~(VMFS_PTE_PFN_MASK & hide);
		uint64_t addr = entry & VMFS_PTE_PFN_MASK;
		/* a huge pmd leaf (PS, since 0.8) maps a frame too: the first of 512 */
		bool leaf = e->level == st.levels - 1 || (e->entry & VMFS_PTE_PS);

		sbuf_printf(out, "%*s%s[%u] @0x%" PRIx64 " 0x%016" PRIx64 " va 0x%" PRIx64 " -> ",
			    2 * e->level, "", vmfs_level_name(st.levels, e->level), e->index,
			    (e->table + 8 * (uint64_t)e->index) & ~hide, entry, e->vaddr);
		if (e->entry & VMFS_PTE_P)
			sbuf_printf(out, "%s 0x%" PRIx64, leaf ? "frame" : "table", addr);
		else if (e->entry & VMFS_PTE_PROTNONE)
			sbuf_printf(out, "frame 0x%" PRIx64 " PROTNONE", addr);
		else if (e->entry & VMFS_PTE_SWAP)
			sbuf_printf(out, "swap slot %" PRIu64, addr >> VMFS_PAGE_SHIFT);
		else
			sbuf_printf(out, "not present");
		put_pte_bits(out, entry);
		sbuf_putc(out, '\n');
	}
	free(pt);
	return sbuf_result(out);
}

int fmt_pid_pagetable(vmfs *m, int pid, struct sbuf *out)
{
	return pagetable(m, pid, true, out);
}

int fmt_pid_pagetable_nopfn(vmfs *m, int pid, struct sbuf *out)
{
	return pagetable(m, pid, false, out);
}

/* ---- what Linux's own tools read besides (issue 15) ---------------------------- */

/*
 * cpuinfo: x86's show_cpuinfo (arch/x86/kernel/cpu/proc.c) for the one CPU
 * that /proc/stat shows, which runs no instructions: vendor "vmfs", every
 * number that would describe silicon 0, no flags, 0 MHz and 0 bogomips.
 * What is the machine's: TLB size (its entries per process, as AMD's line
 * says it) and address sizes (physical: the bits that address all of phys;
 * virtual: va_bits).
 */
static int put_cpuinfo(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	int phys_bits = VMFS_PAGE_SHIFT;

	(void)m;
	while (phys_bits < 64 && (UINT64_C(1) << phys_bits) < st->phys_size)
		phys_bits++;
	sbuf_printf(out, "processor\t: 0\nvendor_id\t: vmfs\ncpu family\t: 0\nmodel\t\t: 0\n"
		    "model name\t: vmfs simulated machine (runs no instructions)\n"
		    "stepping\t: 0\ncpu MHz\t\t: 0.000\ncache size\t: 0 KB\n"
		    "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n"
		    "apicid\t\t: 0\ninitial apicid\t: 0\nfpu\t\t: no\nfpu_exception\t: no\n"
		    "cpuid level\t: 0\nwp\t\t: yes\nflags\t\t:\nbugs\t\t:\n"
		    "bogomips\t: 0.00\n");
	if (st->tlb_entries)
		sbuf_printf(out, "TLB size\t: %" PRIu64 " 4K pages\n", st->tlb_entries);
	sbuf_printf(out, "clflush size\t: 64\ncache_alignment\t: 64\n"
		    "address sizes\t: %d bits physical, %d bits virtual\npower management:\n\n",
		    phys_bits, st->va_bits);
	return 0;
}

int fmt_cpuinfo(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_cpuinfo);
}

/*
 * loadavg (fs/proc/loadavg.c): no process ever runs, so every average is
 * 0.00 and none is running; then the processes that exist and the last
 * PID handed out (PIDs are 1, 2, ... in order, never reused, so it is the
 * number of spawns and forks).
 */
static int put_loadavg(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	(void)m;
	sbuf_printf(out, "0.00 0.00 0.00 0/%" PRIu64 " %" PRIu64 "\n",
		    st->nr_processes, st->forks + st->spawns);
	return 0;
}

int fmt_loadavg(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_loadavg);
}

/*
 * counters: the machine's own figures that no Linux file has a name for,
 * "name value" a line as vmstat's: copy-on-write faults and segfaults
 * (vmfs_stat's cow_fault, segfault), the TLB's hits and misses summed over
 * the processes, and where the replacement policy's clock hand rests
 * (vmfs_lru_stat's clock_hand: a frame number, or "none").
 */
static int put_counters(vmfs *m, const struct vmfs_stat *st, struct sbuf *out)
{
	struct vmfs_lru_stat ls;
	int r = vmfs_lru_stat(m, &ls);

	if (r < 0)
		return r;
	sbuf_printf(out, "cow_fault %" PRIu64 "\nsegfault %" PRIu64 "\ntlb_hit %" PRIu64
		    "\ntlb_miss %" PRIu64 "\n", st->cow_fault, st->segfault, st->tlb_hit, st->tlb_miss);
	if (ls.clock_hand == VMFS_NO_HAND)
		sbuf_printf(out, "clock_hand none\n");
	else
		sbuf_printf(out, "clock_hand %" PRIu64 "\n", ls.clock_hand);
	return 0;
}

int fmt_counters(vmfs *m, struct sbuf *out)
{
	return fmt_machine(m, out, put_counters);
}

/*
 * buddyinfo (mm/vmstat.c frag_show_print): the machine is one node with one
 * zone, named Normal whatever its size; a line with the free blocks of
 * each order.  Frames on the pcp list are not counted, as in Linux.
 */
int fmt_buddyinfo(vmfs *m, struct sbuf *out)
{
	struct vmfs_buddyinfo bi;
	int r = vmfs_buddyinfo(m, &bi);

	if (r < 0)
		return r;
	sbuf_printf(out, "Node %d, zone %8s ", 0, "Normal");
	for (int o = 0; o < VMFS_MAX_ORDER; o++)
		sbuf_printf(out, "%6" PRIu64 " ", bi.nr_free[o]);
	sbuf_printf(out, "\n");
	return 0;
}

/*
 * tlb (since 0.8, the machine's own): the TLB of every process, its sets'
 * sizes per process and the entries in use summed over the processes, by
 * page size, and the memory those entries translate (vmfs_tlb_stat).
 */
int fmt_tlb(vmfs *m, struct sbuf *out)
{
	static const char *const sz[3] = { "4k", "2m", "1g" };
	struct vmfs_tlb_stat ts;
	int r = vmfs_tlb_stat(m, 0, &ts);

	if (r < 0)
		return r;
	for (int i = 0; i < 3; i++)
		sbuf_printf(out, "entries_%s %" PRIu64 "\n", sz[i], ts.size[i]);
	for (int i = 0; i < 3; i++)
		sbuf_printf(out, "used_%s %" PRIu64 "\n", sz[i], ts.used[i]);
	sbuf_printf(out, "reach_kb %" PRIu64 "\n", ts.reach >> 10);
	return 0;
}

/* sys/kernel/osrelease: the Linux whose semantics the machine follows. */
int fmt_osrelease(vmfs *m, struct sbuf *out)
{
	(void)m;
	sbuf_printf(out, "6.1.0-vmfs\n");
	return sbuf_result(out);
}

/* sys/kernel/pid_max: one more than the highest PID (mm.c stops at INT32_MAX). */
int fmt_pid_max(vmfs *m, struct sbuf *out)
{
	(void)m;
	sbuf_printf(out, "%d\n", INT32_MAX);
	return sbuf_result(out);
}

/* environ: the machine knows no environment; empty, as a kernel thread's. */
int fmt_pid_environ(vmfs *m, int pid, struct sbuf *out)
{
	struct vmfs_proc_stat ps;
	int r = task_stat(m, pid, &ps);

	if (r < 0)
		return r;
	/* after exec: envp's strings on the stack, [env_start = arg_end, env_end) */
	if (pid >= 0 && ps.env_end > ps.arg_end)
		put_user_range(m, pid, ps.arg_end, ps.env_end, out);
	return sbuf_result(out);
}

/*
 * io (proc_pid_io_accounting): no system calls, so no rchar, wchar, syscr,
 * syscw; read_bytes is what major faults read from the store, one page
 * each; write_bytes 0: the machine does not count who dirtied a page.
 */
static void put_pid_io(vmfs *m, const struct task *t, struct sbuf *out)
{
	(void)m;
	sbuf_printf(out, "rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: 0\nread_bytes: %" PRIu64
		    "\nwrite_bytes: 0\ncancelled_write_bytes: 0\n",
		    t->ps.maj_flt << VMFS_PAGE_SHIFT);
}

int fmt_pid_io(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_io);
}

/*
 * limits (proc_pid_limits): a fresh Linux process's, the machine having
 * none of its own: init's defaults (include/asm-generic/resource.h) with
 * RLIMIT_NPROC and RLIMIT_SIGPENDING as fork_init() sets them (max_threads
 * / 2), RLIMIT_NOFILE 1024/4096, RLIMIT_CORE 0 as systemd leaves it.
 */
static void put_limit(struct sbuf *s, const char *name, uint64_t soft, uint64_t hard,
		      const char *unit)
{
	char cur[24], max[24];

	snprintf(cur, sizeof(cur), "%" PRIu64, soft);
	snprintf(max, sizeof(max), "%" PRIu64, hard);
	sbuf_printf(s, "%-25s %-20s %-20s ", name, soft == UINT64_MAX ? "unlimited" : cur,
		    hard == UINT64_MAX ? "unlimited" : max);
	if (unit)
		sbuf_printf(s, "%-10s", unit);
	sbuf_putc(s, '\n');
}

/* RLIMIT_MEMLOCK: the machine's memlock= (UINT64_MAX: unlimited). */
static uint64_t memlock_limit(vmfs *m)
{
	struct vmfs_mlock_stat ls;

	return vmfs_mlock_stat(m, &ls) == 0 ? ls.memlock : 8u << 20;
}

static void put_pid_limits(vmfs *m, const struct task *t, struct sbuf *out)
{
	const uint64_t inf = UINT64_MAX, threads = sigpending_limit(m);

	(void)t;
	sbuf_printf(out, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	put_limit(out, "Max cpu time", inf, inf, "seconds");
	put_limit(out, "Max file size", inf, inf, "bytes");
	put_limit(out, "Max data size", inf, inf, "bytes");
	put_limit(out, "Max stack size", 8u << 20, inf, "bytes");
	put_limit(out, "Max core file size", 0, inf, "bytes");
	put_limit(out, "Max resident set", inf, inf, "bytes");
	put_limit(out, "Max processes", threads, threads, "processes");
	put_limit(out, "Max open files", 1024, 4096, "files");
	put_limit(out, "Max locked memory", memlock_limit(m), memlock_limit(m), "bytes");
	put_limit(out, "Max address space", inf, inf, "bytes");
	put_limit(out, "Max file locks", inf, inf, "locks");
	put_limit(out, "Max pending signals", threads, threads, "signals");
	put_limit(out, "Max msgqueue size", 819200, 819200, "bytes");
	put_limit(out, "Max nice priority", 0, 0, NULL);
	put_limit(out, "Max realtime priority", 0, 0, NULL);
	put_limit(out, "Max realtime timeout", inf, inf, "us");
}

int fmt_pid_limits(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_limits);
}

/* wchan (proc_pid_wchan): no kernel function to wait in: "0", no newline. */
static void put_pid_wchan(vmfs *m, const struct task *t, struct sbuf *out)
{
	(void)m;
	(void)t;
	sbuf_putc(out, '0');
}

int fmt_pid_wchan(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_wchan);
}

/* ---- the CPU (issue 16, since 0.6) ---------------------------------------------- */

/* regs (vmfs only): the registers, one "NAME 0xVALUE" line each, while not running. */
int fmt_pid_regs(vmfs *m, int pid, struct sbuf *out)
{
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
		"r12", "r13", "r14", "r15", "rip", "rflags", "fs_base", "gs_base",
	};
	struct vmfs_regs r;
	const uint64_t *w = &r.rax;
	int rc = pid < 0 ? -EINVAL : vmfs_regs(m, pid, &r);

	if (rc == -EINVAL || rc == -ENOSYS)   /* no program (or no CPU): nothing to show */
		return sbuf_result(out);
	if (rc < 0)
		return rc;                          /* -EBUSY while it runs */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sbuf_printf(out, "%-7s 0x%016" PRIx64 "\n", names[i], w[i]);
	return sbuf_result(out);
}

/* stdout, stderr (vmfs only): what the program wrote to fd 1 or 2, whole. */
static int put_output(vmfs *m, int pid, int fd, struct sbuf *out)
{
	char buf[65536];
	uint64_t off = 0;
	ssize_t n;

	if (pid < 0)
		return sbuf_result(out);
	while ((n = vmfs_output(m, pid, fd, off, buf, sizeof(buf))) > 0) {
		sbuf_put(out, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (n < 0 && n != -ENOSYS)
		return (int)n;
	return sbuf_result(out);
}

int fmt_pid_stdout(vmfs *m, int pid, struct sbuf *out)
{
	return put_output(m, pid, 1, out);
}

int fmt_pid_stderr(vmfs *m, int pid, struct sbuf *out)
{
	return put_output(m, pid, 2, out);
}

/* ---- PID/oom_score (issue 16) ------------------------------------------------ */

/*
 * oom_score, as Linux 6.1's proc_oom_score: (1000 + badness * 1000 /
 * totalpages) * 2 / 3 in signed arithmetic, badness being oom_badness's
 * RSS + swap entries + page-table pages (mm_pgtables_bytes: vmfs_proc_stat's
 * pgtables_pages) with oom_score_adj 0, totalpages the RAM and swap
 * (meminfo's MemTotal + SwapTotal, in pages); 0 for a zombie, which has
 * no mm (oom_badness's LONG_MIN).  So a process with no memory shows
 * 666, one as large as RAM and swap together 1333.
 */
static void put_pid_oom_score(vmfs *m, const struct task *t, struct sbuf *out)
{
	struct vmfs_stat st;
	uint64_t swap_total = 0, swap_used = 0;
	int64_t badness, total, points = 0;

	if (t->state != 'Z' && vmfs_stat(m, &st) == 0) {
		swap_area(m, &st, &swap_total, &swap_used);
		total = (int64_t)(st.frames + swap_total);
		badness = (int64_t)(t->rss + t->ps.swap + t->ps.pgtables_pages);
		points = (1000 + badness * 1000 / total) * 2 / 3;
	}
	sbuf_printf(out, "%" PRId64 "\n", points);
}

int fmt_pid_oom_score(vmfs *m, int pid, struct sbuf *out)
{
	return fmt_task(m, pid, out, put_pid_oom_score);
}

int fmt_pid_fdinfo(vmfs *m, int pid, int fd, struct sbuf *out)
{
	struct vmfs_fd_info fi;
	int rc = vmfs_fd_info(m, pid, fd, &fi);

	if (rc < 0)
		return rc == -EBADF ? -ENOENT : rc;     /* closed since the lookup */
	/* seq_show of fs/proc/fd.c: "pos:\t%lli\nflags:\t0%o\nmnt_id:\t%i\nino:\t%lu\n" */
	sbuf_printf(out, "pos:\t%llu\nflags:\t0%o\nmnt_id:\t0\nino:\t%llu\n",
		    (unsigned long long)fi.pos, fi.flags, (unsigned long long)fi.ino);
	return 0;
}
