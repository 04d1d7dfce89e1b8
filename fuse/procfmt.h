/*
 * procfmt.h - the text of every generated file of the mount, in Linux 6.1's
 * procfs formats (fs/proc/task_mmu.c, fs/proc/array.c, fs/proc/meminfo.c,
 * mm/vmstat.c, mm/swapfile.c, fs/proc/stat.c, fs/proc/uptime.c), plus the
 * vmfs-only `pagetable` and `kmsg` views.
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
#include <stddef.h>
#include <vmfs.h>

/* A growing text buffer; err is set (and stays) once an allocation fails. */
struct sbuf {
	char  *buf;
	size_t len, cap;
	int    err;
};

void sbuf_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_put(struct sbuf *s, const void *data, size_t len);
void sbuf_free(struct sbuf *s);

/* Machine-wide files. */
int fmt_meminfo(vmfs *m, struct sbuf *out);
int fmt_vmstat(vmfs *m, struct sbuf *out);
int fmt_swaps(vmfs *m, struct sbuf *out);
int fmt_stat(vmfs *m, struct sbuf *out);      /* the top-level stat, with btime */
int fmt_uptime(vmfs *m, struct sbuf *out);
int fmt_kmsg(vmfs *m, struct sbuf *out);

/* Per-process files. */
int fmt_pid_maps(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_smaps(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_smaps_rollup(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_stat(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_statm(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_status(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_comm(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_cmdline(vmfs *m, int pid, struct sbuf *out);
int fmt_pid_pagetable(vmfs *m, int pid, struct sbuf *out);

#endif
