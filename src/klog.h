/*
 * klog.h - the machine's kernel log (what `dmesg` would show).
 *
 * A ring of the most recent lines, each stamped with the time since the
 * machine opened.  klog_read() renders them oldest first in dmesg's form
 * "[SSSSS.UUUUUU] message\n".  Called with the machine lock held.
 */
#ifndef VMFS_KLOG_H
#define VMFS_KLOG_H

#include <stddef.h>
#include <stdint.h>

#define KLOG_LINES   1024
#define KLOG_LINELEN 200

struct klog_line {
	uint64_t ns;
	char     text[KLOG_LINELEN];
};

struct klog {
	struct klog_line *ring;   /* KLOG_LINES entries */
	uint64_t          head;   /* lines ever written */
};

int    klog_init(struct klog *k);
void   klog_free(struct klog *k);
void   klog_add(struct klog *k, uint64_t ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t klog_read(const struct klog *k, char *buf, size_t len);

#endif
