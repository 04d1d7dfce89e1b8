/*
 * error.c - the thread-local failure message of the engine (see error.h).
 * Invariant: the buffer always holds a NUL-terminated string.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

/*
 * initial-exec: libvmfs is linked, not dlopen()ed late, so its 512 bytes fit
 * the static TLS surplus and every call avoids __tls_get_addr.
 */
static _Thread_local char errbuf[512] __attribute__((tls_model("initial-exec")));

int vm_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return err;
}

void vm_error_clear(void)
{
	if (errbuf[0])
		errbuf[0] = '\0';
}

const char *vm_error_msg(void)
{
	return errbuf;
}
