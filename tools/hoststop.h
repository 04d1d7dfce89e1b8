/*
 * hoststop.h - run a host program and stop it at its entry point, as the
 * kernel leaves it right after execve, before any instruction of the
 * program or of its interpreter has run: what the machine's exec is
 * compared with (tests/exec/exec_stop.c prints its /proc files,
 * vmfs-bench's exec figure times it).
 *
 * What stays true: a stopped child is the caller's to end with
 * host_stop_kill(); every failure leaves no child behind.
 */
#ifndef HOSTSTOP_H
#define HOSTSTOP_H

#include <stddef.h>
#include <sys/types.h>

#define HOST_STOP_NOPTRACE (-77)   /* ptrace is not allowed here */

/*
 * fork; the child turns address-space randomisation off
 * (personality(ADDR_NO_RANDOMIZE), as setarch -R does), asks to be traced
 * (PTRACE_TRACEME) and execs @path with @argv and @envp (NULL: this
 * process's environment); the parent waits for the SIGTRAP of the exec.
 * The child's PID, stopped there; HOST_STOP_NOPTRACE when the child could
 * not be traced, -1 with why in @err (@errlen bytes) for any other
 * failure (fork, an exec that failed, a stop that was not the exec's).
 */
pid_t host_exec_stop(const char *path, char *const argv[], char *const envp[],
		     char *err, size_t errlen);

/* End a child host_exec_stop() left stopped, and reap it. */
void host_stop_kill(pid_t pid);

#endif /* HOSTSTOP_H */
