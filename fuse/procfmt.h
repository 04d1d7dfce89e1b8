/*
 * procfmt.h - the text of every generated file of the mount, in Linux 6.1's
 * procfs formats (fs/proc/task_mmu.c, fs/proc/array.c, fs/proc/meminfo.c,
 * mm/vmstat.c, mm/swapfile.c, fs/proc/stat.c, fs/proc/uptime.c), plus the
 * vmfs-only `pagetable`, `kmsg` and `config` views, and the snapshots of
 * libvmfs's lists they are made from.
 *
 * Each fmt_* function renders one whole file from libvmfs calls into an
 * sbuf and returns 0 or a negative errno (-ESRCH for a process that is
 * gone, -ENOMEM).  The daemon calls one at open() and serves reads from the
 * result, so every open sees one consistent snapshot.  Nothing here keeps
 * state between calls or touches FUSE.
 */
#ifndef VMFS_PROCFMT_H
#define VMFS_PROCFMT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <vmfs.h>

/*
 * The most memory one rendering may take, so that what the daemon holds
 * for an open file is bounded: its text (sbuf) stays under TEXT_MAX and
 * the list of the machine it is made from (snap_*) under SNAP_MAX, or the
 * rendering fails with -EFBIG (smaps of a process with 100,000 mappings,
 * say; maps of the same process, about 50 bytes a mapping, still fits).
 * 64 MiB holds smaps at Linux's default max_map_count, 65530 mappings; the
 * list of that many struct vmfs_map entries (504 bytes each since 0.5)
 * is half of SNAP_MAX, so maps of twice as many still renders.
 */
#define TEXT_MAX ((size_t)64 << 20)
#define SNAP_MAX ((size_t)128 << 20)

/* A growing text buffer; err is set (and stays) once an allocation fails or
 * the text would pass TEXT_MAX (-EFBIG). */
struct sbuf {
	char  *buf;
	size_t len, cap;
	int    err;
};

/* Room for @more bytes and a NUL after len; false (err set) when out of memory. */
bool sbuf_reserve(struct sbuf *s, size_t more);
void sbuf_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_put(struct sbuf *s, const void *data, size_t len);
void sbuf_free(struct sbuf *s);

/*
 * Snapshots: the whole of one of libvmfs's lists in a malloc'ed array (free
 * it; NULL when the list could not be had), its number of entries in *@n,
 * or a negative errno there (-ESRCH for a process that is gone, -ENOMEM,
 * -EFBIG past TEXT_MAX).
 * Each asks the list call again with a bigger buffer while the answer says
 * the list has grown past it, so the array is one answer of the machine.
 * The text ones count the terminating NUL in *@n; snap_swap_path gives ""
 * with swap=none.
 */
int                     *snap_pids(vmfs *m, ssize_t *n);
struct vmfs_map         *snap_maps(vmfs *m, int pid, ssize_t *n);
struct vmfs_object_info *snap_objects(vmfs *m, ssize_t *n);
struct vmfs_pt_entry    *snap_pagetable(vmfs *m, int pid, ssize_t *n);
char                    *snap_kmsg(vmfs *m, ssize_t *n);
char                    *snap_swap_path(vmfs *m, ssize_t *n);

/* Machine-wide files. */
int fmt_meminfo(vmfs *m, struct sbuf *out);
int fmt_vmstat(vmfs *m, struct sbuf *out);
int fmt_swaps(vmfs *m, struct sbuf *out);
int fmt_stat(vmfs *m, struct sbuf *out);      /* the top-level stat, with btime */
int fmt_uptime(vmfs *m, struct sbuf *out);
int fmt_kmsg(vmfs *m, struct sbuf *out);
int fmt_config(vmfs *m, struct sbuf *out);    /* the configuration, "key value" lines */
/* sys/vm/NAME: the tunable @name of vmfs_sysctl as Linux prints an int sysctl, "N\n". */
int fmt_sysctl(vmfs *m, const char *name, struct sbuf *out);

/*
 * Object mappings in maps and smaps show the file they map as stat(2) of
 * MOUNTPOINT/objects/NAME gives it: the mount's device, which main() sets
 * once mounted (from /proc/self/mountinfo; 0:0 until then, or if it is not
 * found there),
 * and the inode number OBJECT_INO | the object's number (vmfs_map's
 * object_number), which inode.c gives objects/NAME.
 */
#define OBJECT_INO ((uint64_t)1 << 61)
extern unsigned procfmt_dev_major, procfmt_dev_minor;

/* Per-process files. */
int fmt_pid_maps(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_smaps(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_smaps_rollup(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_stat(vmfs *m, int pid, struct sbuf *out);
/* stat for a reader not permitted to see the wait channel: wchan 0 (since 0.5) */
int fmt_pid_stat_noptrace(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_statm(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_status(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_comm(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_cmdline(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_auxv(vmfs *m, int pid, struct sbuf *out);
/* The CPU (since 0.6): regs (-EBUSY while it runs), stdout and stderr (fd 1 and 2). */
int fmt_pid_regs(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_stdout(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_stderr(vmfs *m, int pid, struct sbuf *out);

/*
 * PID/fdinfo/N (since 0.7): Linux's four lines for fd @fd of @pid (pos,
 * flags in octal with O_CLOEXEC, mnt_id 0: the machine has no mounts,
 * ino), from vmfs_fd_info.  0, -ESRCH, -EBADF.
 */
int fmt_pid_fdinfo(vmfs *m, int pid, int fd, struct sbuf *out);
int fmt_pid_pagetable(vmfs *m, int pid, struct sbuf *out);
/* pagetable for an opener who may not see physical addresses: all of them 0. */
int fmt_pid_pagetable_nopfn(vmfs *m, int pid, struct sbuf *out);

/*
 * What Linux's own tools read besides (issue 15): cpuinfo, loadavg,
 * sys/kernel/osrelease and pid_max at the top; environ, io, limits and
 * wchan in PID/.
 *
 * The reader: `self` names the process reading the mount, which is none of
 * the machine's, under its own PID (procps looks itself up by getpid()).
 * READER(pid) is the pid argument that makes a per-process fmt_* function
 * render that reader: a process with no memory of the machine, named
 * "reader", whose list of mappings is empty.
 */
#define READER(pid) (-(pid))
int fmt_cpuinfo(vmfs *m, struct sbuf *out);
int fmt_loadavg(vmfs *m, struct sbuf *out);
/* buddyinfo (mm/vmstat.c frag_show): one zone, Normal, its free blocks per order. */
int fmt_buddyinfo(vmfs *m, struct sbuf *out);
/* counters: the machine's own counters (cow_fault, segfault, tlb_hit, tlb_miss, clock_hand). */
int fmt_counters(vmfs *m, struct sbuf *out);
int fmt_tlb(vmfs *m, struct sbuf *out);
int fmt_osrelease(vmfs *m, struct sbuf *out);
int fmt_pid_max(vmfs *m, struct sbuf *out);
int fmt_pid_environ(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_io(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_limits(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_wchan(vmfs *m, int pid, struct sbuf *out);

/* PID/oom_score (issue 16): proc_oom_score's figure of the OOM killer's oom_badness. */
int fmt_pid_oom_score(vmfs *m, int pid, struct sbuf *out);

#endif
