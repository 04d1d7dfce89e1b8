/*
 * cpu.h - the CPU of a process (cpu.c) and its system-call layer
 * (syscall.c): what the two share, and the engine calls libvmfs makes.
 *
 * A process gets a CPU (struct cpu, mm->cpu) the first time it is run,
 * stepped or its registers are read after an exec; it keeps it until it is
 * reaped (mm_destroy calls mm->cpu_free).  Its state is Linux's task state
 * letter: 'T' loaded or stopped (by vmfs_stop, or a step that ended),
 * 'R' running (inside vmfs_run), 'S' sleeping in wait4 or on a pipe (the
 * call made again when woken: cpu_woken), 'Z' exited and not yet reaped (exit
 * status, output and, with VMFS_RUN_KEEP, the address space are kept).
 * A zombie never runs again.  What stays true: a system call changes
 * nothing when it fails on a bad argument, and the CPU's shadow of the
 * mappings (cpu.c) is brought up to date before the program's next
 * instruction after any call that changed them (c->maps_changed).
 * Everything here runs with the machine lock held.
 */
#ifndef VMFS_CPU_H
#define VMFS_CPU_H

#include "machine.h"
#include "vmfs.h"

#include <stdbool.h>
#include <stdint.h>

/* Output a process wrote to fd 1 or 2, kept whole up to CPU_OUT_MAX bytes. */
#define CPU_OUT_MAX (64ull << 20)
struct cpu_out {
	char    *buf;
	uint64_t len, cap;
};

/*
 * The files of a program, as Linux's (since 0.7): a table of fds per
 * process (c->files, NULL a free fd, c->close_on_exec a bit per fd) whose
 * entries point to open files (struct cpu_file, Linux's struct file),
 * shared by the fds dup made and across fork, counted (f_count) and freed
 * with their last fd.  An open file is a host file opened read-only under
 * root= (its path as the machine names it, and its position, shared as
 * Linux shares f_pos), one end of a pipe, a captured output stream (what
 * is written goes to the capture of process out_pid, vmfs_output) or the
 * standard input (CPU_FILE_STDIN: the read end of a pipe whose writer is
 * the outside, c->input; EOF until given).  A pipe (Linux's pipe_inode_info) is a ring of
 * CPU_PIPE_SIZE bytes in host memory the machine owns, freed when its last
 * end is closed; its inode number is the machine's counter (m->pipe_ino).
 */
#define CPU_MAX_FILES 64
#define CPU_PIPE_SIZE (16 * 4096ull)   /* PIPE_DEF_BUFFERS pages */
#define CPU_PIPE_BUF  4096ull          /* writes up to this size are atomic */

enum cpu_file_kind {
	CPU_FILE_HOST, CPU_FILE_PIPE_R, CPU_FILE_PIPE_W, CPU_FILE_OUT, CPU_FILE_STDIN,
};

struct cpu_pipe {
	char    *buf;         /* CPU_PIPE_SIZE bytes */
	uint64_t head, len;   /* the bytes in it: [head, head + len) modulo the size */
	unsigned readers, writers;   /* open files of each end */
	uint64_t ino;
	bool     outside;     /* a process's standard input: c->input holds it too (since 0.7) */
};

struct cpu_file {
	unsigned         count;   /* fds referring to it, in every process */
	int              kind;    /* enum cpu_file_kind */
	unsigned         flags;   /* O_RDONLY or O_WRONLY, O_NONBLOCK */
	int              hostfd;  /* CPU_FILE_HOST, else -1 */
	char            *path;
	uint64_t         pos;
	struct cpu_pipe *pipe;    /* the pipe ends */
	int              out_pid, out_fd;   /* CPU_FILE_OUT: the capture c->out[out_fd - 1] */
};

/*
 * The shadow of one mapping in the Unicorn engine: [start, end), its bytes
 * at host (the CPU's own memory, uc_mem_map_ptr; since 0.7).
 */
struct cpu_region {
	uint64_t start, end;
	uint8_t *host;
};

struct cpu {
	void              *uc;          /* uc_engine * (NULL without Unicorn) */
	struct vmfs       *m;
	int                pid;
	char               state;       /* 'T', 'R', 'Z' */
	uint32_t           execs;       /* mm->img.execs this CPU was made for */
	int                exit_code;   /* with 'Z': Linux's wait status */
	int                stop_why;    /* VMFS_CPU_STOP_*: why the last run ended */
	bool               stop_req;    /* vmfs_stop asked */
	bool               keep;        /* keep the address space at exit */
	bool               halt;        /* stop the slice: exit, fault, bad instruction */
	bool               maps_changed;/* a call changed the mappings: resync the shadow */
	bool               restart;     /* the block hook refreshed code: run again from rip */
	int                signo;       /* a fatal signal the slice ended with */
	struct vmfs_fault  fault;       /* and the fault that raised it */
	uint64_t           insns;       /* instructions run (exact for completed slices) */
	uint64_t           fetches;     /* blocks fetched through the machine */
	struct cpu_region *reg;         /* the shadow's regions, sorted */
	uint64_t           nreg, capreg;
	struct cpu_out     out[2];      /* fd 1 and fd 2 */
	uint8_t            nosys_logged[512 / 8];   /* unknown calls logged once */
	uint64_t           budget;      /* instructions left in this slice */
	struct vmfs_regs   final;       /* the registers when the engine closed (exit) */
	uint64_t           clear_child_tid;   /* set_tid_address */
	uint64_t           random_ctr;  /* getrandom's stream */
	struct cpu_file   *files[CPU_MAX_FILES];   /* the fd table (NULL: a free fd; since 0.7) */
	uint64_t           close_on_exec;          /* FD_CLOEXEC: bit fd */
	struct cpu_pipe   *wait_pipe;   /* with 'S' on a pipe: which (NULL: in wait4) */
	uint64_t           wait_need;   /* a writer: the room it waits for; 0: a reader */
	uint64_t           io_done;     /* a pipe write that slept: the bytes written already */
	uint64_t           sigpipe_act; /* SIGPIPE's handler: 0 SIG_DFL, 1 SIG_IGN, else one (not run) */
	/*
	 * The standard input given from outside (vmfs_input; since 0.7): the
	 * pipe fd 0 of the program loaded reads (CPU_FILE_STDIN with ->pipe),
	 * whose write end "the outside" holds: closed until the first
	 * vmfs_input (reads see EOF, the empty stdin), open (one writer,
	 * input_open) until VMFS_INPUT_EOF (input_eof).  Its ring is
	 * allocated and its inode numbered when it opens.  NULL in a forked
	 * child (it shares its parent's fd 0).
	 */
	struct cpu_pipe   *input;
	bool               input_open, input_eof;
	/* processes (fork, wait4; since 0.6) */
	bool               blocked;     /* the call sleeps: state 'S', the call made again */
	bool               execed;      /* execve succeeded: the CPU starts the new program */
	bool               resume;      /* after the slice's stop, RIP is resume_ip */
	uint64_t           resume_ip;   /* (a hook's RIP write does not last: measured) */
	int64_t            wait_pid;    /* with 'S' in wait4: the pid argument it waits for */
	int                sched_last;  /* the run's root: the PID its last slice ran */
	int                run_root;    /* the PID whose run gave this process its slice */
	int                fork_pid;    /* a fork syscall.c made: cpu.c gives the child its CPU */
	uint64_t           fork_flags, fork_ctid;
	int                kill_pid, kill_sig;   /* a kill syscall.c accepted: cpu.c delivers it */
	/* the fast path (since 0.7) */
	struct mm         *mm;          /* the process's mm (mm->cpu is this CPU: it outlives it) */
	uint64_t           reg_hint[2]; /* the region of the last fetch [0] and load [1] */
};

/* wait4's condition for @mm (syscall.c): a child matching @pid (-1 any) is a zombie. */
struct mm *cpu_zombie_child(struct vmfs *m, const struct mm *mm, int64_t pid, bool *any);

/*
 * Whether @mm, sleeping (state 'S'), can be woken now (syscall.c): its
 * wait4 has a zombie child (or no child left), its pipe read has bytes
 * or no writer left, its pipe write has room or no reader left.
 */
bool cpu_woken(struct vmfs *m, const struct mm *mm);

/*
 * The system call the program made (syscall.c): @nr and the six argument
 * registers; returns the value for rax (-errno on failure).  It may set
 * c->halt (exit), c->maps_changed and write registers (arch_prctl).
 */
int64_t cpu_syscall(struct cpu *c, uint64_t nr, const uint64_t args[6]);

/*
 * vmfs_input (syscall.c): append up to @len bytes of @buf to @c's standard
 * input, opening it; VMFS_INPUT_EOF closes it once every byte went in.
 * The bytes taken, or -EAGAIN (full), -EPIPE (closed, or no reader left),
 * -EINVAL (a forked child, bad flags), -ENOMEM; a failure changes nothing.
 */
int64_t cpu_input_give(struct cpu *c, const void *buf, uint64_t len, unsigned flags);

/* Whether @c sleeps reading an open standard input that only the outside can fill. */
bool cpu_input_waiting(const struct cpu *c);

/* Close every file the program has open (exit_files; syscall.c). */
void cpu_files_close(struct cpu *c);

/* fork: @c's fd table becomes a copy of @parent's, sharing its open files (syscall.c). */
void cpu_files_dup(struct cpu *c, const struct cpu *parent);

/* A new program's standard streams: 0 empty, 1 and 2 captured (syscall.c); 0, -ENOMEM. */
int cpu_files_init(struct cpu *c);

/*
 * The open fds of @c, in order, the first @max into @fds: their count
 * (syscall.c, for cpu_fds).
 */
int cpu_files_list(const struct cpu *c, int *fds, uint64_t max);

/*
 * What fd @fd of @c names, as /proc/PID/fd/N's link: a host file's path in
 * the machine, "pipe:[INO]", "stdout:[PID]" or "stderr:[PID]" (the capture
 * of PID), "/dev/null" (the empty stdin); into @buf (@len bytes, cut and
 * NUL-terminated when @len > 0).  Its length, or -EBADF (syscall.c).
 */
int64_t cpu_file_link(const struct cpu *c, int fd, char *buf, uint64_t len);

/* Fd @fd of @c as /proc/PID/fdinfo/N shows it: 0 or -EBADF (syscall.c). */
int cpu_file_info(const struct cpu *c, int fd, struct vmfs_fd_info *info);

/* The libvmfs calls (cpu.c); -ENOSYS without Unicorn. */
/*
 * cpu_run_slice: run @pid at most one slice (the option slice=N's
 * instructions, m->opt.slice, and
 * *@left when not 0, which it lowers).  1 when it should be called again
 * (with CPU_RUN_CONT in @flags), 0 when the run ended (*@st, may be NULL,
 * says why), or -errno with nothing run.
 */
#define CPU_RUN_CONT    0x80000000u   /* a later slice of the same run */
#define CPU_RUN_LIMITED 0x40000000u   /* *@left counts: stop when it reaches 0 */
/*
 * With VMFS_RUN_WAIT in @flags, when every process of the run sleeps on
 * the standard input only the outside can fill, cpu_run_slice returns 2
 * having run nothing (the caller lets the lock go a moment and calls
 * again); without it the run ends (VMFS_CPU_STOP_INPUT, its root 'T').
 */
int cpu_run_slice(struct vmfs *m, int pid, uint64_t *left, unsigned flags,
		  struct vmfs_cpu_status *st);
int cpu_stop(struct vmfs *m, int pid);
int cpu_regs(struct vmfs *m, int pid, struct vmfs_regs *regs);
int cpu_status(struct vmfs *m, int pid, struct vmfs_cpu_status *st);
int64_t cpu_output(struct vmfs *m, int pid, int fd, uint64_t off, void *buf, uint64_t len);
/* vmfs_fds, vmfs_fd_link (since 0.7): the CPU made if need be, as for cpu_regs. */
int cpu_fds(struct vmfs *m, int pid, int *fds, uint64_t max);
int64_t cpu_fd_link(struct vmfs *m, int pid, int fd, char *buf, uint64_t len);
int cpu_fd_info(struct vmfs *m, int pid, int fd, struct vmfs_fd_info *info);
/* vmfs_input (since 0.7): the CPU made if need be. */
int64_t cpu_input(struct vmfs *m, int pid, const void *buf, uint64_t len, unsigned flags);

/*
 * Simulated CPU time: one instruction is one nanosecond (a 1 GHz CPU that
 * retires one instruction a cycle), the user time vmfs_cpu_status and
 * PID/stat's utime report; system calls take none (stime 0).  Never more
 * than the machine's clock (machine_now, the host's) has advanced since
 * the process started: the CPU runs well below 10^9 instructions a second.
 */
#define CPU_NS_PER_INSN 1u

/* Instructions a slice runs at most before the lock is let go: the option slice=N (options.h). */
#define CPU_SLICE ((uint64_t)OPT_DEFAULT_SLICE)

#endif
