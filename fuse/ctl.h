/*
 * ctl.h - the command language of the mount's transaction files: the
 * top-level `ctl` (machine commands) and `PID/ctl` (process commands), as
 * SPEC section 3 and vmfs(1) define them.
 *
 * Parsing and execution are separate on purpose:
 *
 *   ctl_parse()  bytes -> struct ctl_cmd.  A pure function: no machine, no
 *                allocation, no global state; any byte string of any length
 *                gives either a command or an error message.  This is the
 *                surface a fuzzer hammers.
 *   ctl_exec()   struct ctl_cmd -> one libvmfs call -> the answer line.
 *   ctl_run()    both, as the daemon uses them for one write().
 *
 * What stays true:
 *   - A command that fails to parse never reaches libvmfs, so bad input
 *     changes nothing.  A command that parses makes exactly one libvmfs
 *     call, and libvmfs guarantees a failing call changes nothing either.
 *   - The answer is always one NUL-terminated line ending in '\n', at most
 *     CTL_ANSWER_MAX - 1 bytes: the result (`PID\n`, `0xADDR\n`, `ok\n`,
 *     a count) or `error: MESSAGE\n`.
 *   - Errors are negative errno values: -EINVAL for anything the parser
 *     refuses (syntax, numbers, overflow, unknown command, wrong file),
 *     otherwise what libvmfs returned (-ESRCH for a process that is gone).
 */
#ifndef VMFS_CTL_H
#define VMFS_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <vmfs.h>

#define CTL_LINE_MAX   4096   /* bytes in one command, trailing newline included */
#define CTL_NAME_MAX   255    /* bytes in a process, policy or object name */
#define CTL_ANSWER_MAX 600    /* "error: " + libvmfs's longest message + "\n" */

/* Which file a command was written to. */
enum ctl_scope {
	CTL_MACHINE,    /* MOUNTPOINT/ctl */
	CTL_PROCESS,    /* MOUNTPOINT/PID/ctl */
};

enum ctl_op {
	CTL_SPAWN = 1,  /* machine: spawn NAME */
	CTL_RECLAIM,    /* machine: reclaim N */
	CTL_POLICY,     /* machine: policy NAME */
	CTL_SYNC,       /* machine: sync */
	CTL_MMAP,       /* process: mmap ADDR LEN PROT FLAGS [OBJECT [OFFSET]] */
	CTL_MUNMAP,     /* process: munmap ADDR LEN */
	CTL_MPROTECT,   /* process: mprotect ADDR LEN PROT */
	CTL_FORK,       /* process: fork */
	CTL_EXIT,       /* process: exit */
	/* madvise, mlock, mincore, msync (issue 14) */
	CTL_MADVISE,    /* process: madvise ADDR LEN ADVICE */
	CTL_MLOCK,      /* process: mlock ADDR LEN [onfault] */
	CTL_MUNLOCK,    /* process: munlock ADDR LEN */
	CTL_MLOCKALL,   /* process: mlockall FLAGS */
	CTL_MUNLOCKALL, /* process: munlockall */
	CTL_MINCORE,    /* process: mincore ADDR LEN */
	CTL_MSYNC,      /* process: msync ADDR LEN FLAGS */
	CTL_EXEC,       /* process: exec PATH [ARG...] (since 0.5) */
	CTL_BRK,        /* process: brk ADDR (since 0.5) */
	CTL_MREMAP,     /* process: mremap ADDR OLD_LEN NEW_LEN [FLAGS [NEW_ADDR]] (since 0.5) */
};

#define CTL_EXEC_ARGS 62   /* ARGs of exec after PATH */

/* Pages mincore answers for at most: its answer is one digit a page on one line. */
#define CTL_MINCORE_MAX 512

/* One parsed command; only the fields its op uses are meaningful. */
struct ctl_cmd {
	enum ctl_op op;
	uint64_t addr;                  /* mmap, munmap, mprotect */
	uint64_t len;                   /* mmap, munmap, mprotect */
	uint64_t offset;                /* mmap of an object */
	uint64_t count;                 /* reclaim */
	uint64_t new_len, new_addr;     /* mremap (len is its OLD_LEN, flags VMFS_MREMAP_*) */
	int      prot;                  /* mmap, mprotect: PROT_* */
	int      flags;                 /* mmap: MAP_*, MAP_ANONYMOUS without an object;
					   madvise: VMFS_MADV_*; mlock: VMFS_MLOCK_ONFAULT;
					   mlockall: VMFS_MCL_*; msync: MS_* */
	char     name[CTL_NAME_MAX + 1];/* spawn, policy: the name; mmap: the object
					   ("" for anonymous memory) */
	int      nargs;                 /* exec: PATH and its ARGs, the argv */
	char     args[CTL_LINE_MAX + 1];/* exec: those words, each NUL-terminated, in order */
};

/*
 * ctl_parse - parse the @len bytes at @buf (not NUL-terminated; may hold
 * anything) as one command for a file of @scope.  One trailing newline is
 * allowed.  Returns 0 with @out filled, or -EINVAL with a one-line reason
 * (no newline) in @err (cut at @errlen - 1 bytes; @err may be NULL).
 */
int ctl_parse(enum ctl_scope scope, const char *buf, size_t len,
	      struct ctl_cmd *out, char *err, size_t errlen);

/*
 * ctl_exec - carry out @cmd on machine @m (@pid for process commands) and
 * write the answer line into @answer (@anslen bytes, CTL_ANSWER_MAX is
 * enough).  Returns 0 or the negative errno of the failing libvmfs call,
 * with `error: MESSAGE\n` in @answer.
 */
int ctl_exec(vmfs *m, int pid, const struct ctl_cmd *cmd,
	     char *answer, size_t anslen);

/* ctl_run - ctl_parse() then ctl_exec(); a parse error gives -EINVAL and
 * `error: REASON\n` in @answer. */
int ctl_run(vmfs *m, enum ctl_scope scope, int pid, const char *buf, size_t len,
	    char *answer, size_t anslen);

#endif
