/*
 * cpu.h - the CPU of a process (cpu.c) and its system-call layer
 * (syscall.c): what the two share, and the engine calls libvmfs makes.
 *
 * A process gets a CPU (struct cpu, mm->cpu) the first time it is run,
 * stepped or its registers are read after an exec; it keeps it until it is
 * reaped (mm_destroy calls mm->cpu_free).  Its state is Linux's task state
 * letter: 'T' loaded or stopped (by vmfs_stop, or a step that ended),
 * 'R' running (inside vmfs_run), 'S' sleeping in wait4 (made again when
 * woken), 'Z' exited and not yet reaped (exit
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
 * An open file of the program (fd 3 to CPU_MAX_FILES - 1): a host file
 * opened read-only under root=, its path as the machine names it (for its
 * host-file object when mapped) and the file position.
 */
#define CPU_MAX_FILES 64
struct cpu_file {
	int      hostfd;      /* -1: the fd is free */
	char    *path;
	uint64_t pos;
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
	struct cpu_file    files[CPU_MAX_FILES];   /* 0 to 2 unused: the standard streams */
	/* processes (fork, wait4; since 0.6) */
	int                out_pid;     /* fd 1 and 2 write to this process's capture (0: own) */
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
 * The system call the program made (syscall.c): @nr and the six argument
 * registers; returns the value for rax (-errno on failure).  It may set
 * c->halt (exit), c->maps_changed and write registers (arch_prctl).
 */
int64_t cpu_syscall(struct cpu *c, uint64_t nr, const uint64_t args[6]);

/* Close every file the program has open (exit_files; syscall.c). */
void cpu_files_close(struct cpu *c);

/* fork: @c's files become copies of @parent's (syscall.c); 0 or -ENOMEM, none kept. */
int cpu_files_dup(struct cpu *c, const struct cpu *parent);

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
int cpu_run_slice(struct vmfs *m, int pid, uint64_t *left, unsigned flags,
		  struct vmfs_cpu_status *st);
int cpu_stop(struct vmfs *m, int pid);
int cpu_regs(struct vmfs *m, int pid, struct vmfs_regs *regs);
int cpu_status(struct vmfs *m, int pid, struct vmfs_cpu_status *st);
int64_t cpu_output(struct vmfs *m, int pid, int fd, uint64_t off, void *buf, uint64_t len);

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
