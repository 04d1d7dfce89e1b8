/*
 * error.h - how the engine reports failure.
 *
 * Every engine call that can fail returns 0 (or a count) on success and a
 * negative errno on failure, and on failure leaves a sentence for the caller's
 * thread saying why.  The sentence lives in thread-local storage, so threads
 * never see each other's messages and no lock is needed.  vmfs_errmsg()
 * returns it.
 */
#ifndef VMFS_ERROR_H
#define VMFS_ERROR_H

/* Record a message for this thread and return @err (a negative errno). */
int vm_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget this thread's message (at the start of every API call). */
void vm_error_clear(void);

/* This thread's message; "" if the last call did not fail. */
const char *vm_error_msg(void);

#endif
