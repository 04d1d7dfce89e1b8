/*
 * klog.c - the kernel log ring (see klog.h).
 * Invariant: ring[i % KLOG_LINES] for head-KLOG_LINES <= i < head are the
 * kept lines; each text is NUL-terminated and holds no newline.
 */
#include "klog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int klog_init(struct klog *k)
{
	k->ring = calloc(KLOG_LINES, sizeof(*k->ring));
	k->head = 0;
	return k->ring ? 0 : -ENOMEM;
}

void klog_free(struct klog *k)
{
	free(k->ring);
	k->ring = NULL;
}

void klog_add(struct klog *k, uint64_t ns, const char *fmt, ...)
{
	struct klog_line *l = &k->ring[k->head % KLOG_LINES];
	va_list ap;

	l->ns = ns;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	for (char *p = l->text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	k->head++;
}

size_t klog_read(const struct klog *k, char *buf, size_t len)
{
	uint64_t first = k->head > KLOG_LINES ? k->head - KLOG_LINES : 0;
	size_t total = 0;
	char line[KLOG_LINELEN + 32];

	for (uint64_t i = first; i < k->head; i++) {
		const struct klog_line *l = &k->ring[i % KLOG_LINES];
		int n = snprintf(line, sizeof(line), "[%5llu.%06llu] %s\n",
				 (unsigned long long)(l->ns / 1000000000u),
				 (unsigned long long)(l->ns / 1000u % 1000000u), l->text);

		if (buf && total < len) {
			size_t room = len - total;
			size_t c = (size_t)n < room ? (size_t)n : room;

			memcpy(buf + total, line, c);
		}
		total += (size_t)n;
	}
	if (buf && len)
		buf[total < len ? total : len - 1] = '\0';
	return total;
}
