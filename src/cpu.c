/*
 * cpu.c - the CPU of a process: Unicorn 2 runs its x86-64 user code, and
 * every load, store and instruction fetch of the program is made through
 * the machine (access.c's access_vm, as a user access), so permissions,
 * faults, the accessed and dirty bits, the TLB, the policy and the
 * counters see the program as they see any other access.
 *
 * The design is a shadow: each mapping of the process (each vma, never a
 * page: Unicorn 2.0.1 slows quadratically with regions and stops near
 * 4,096) is one Unicorn region, readable, writable and executable to
 * Unicorn, whose bytes are only a cache of the machine's:
 *
 *   load   UC_HOOK_MEM_READ, before it: access_vm(READ) of its bytes from
 *          the machine, written into the shadow, which the load then reads
 *   store  UC_HOOK_MEM_WRITE: the value, stored through access_vm(WRITE)
 *   fetch  UC_HOOK_BLOCK, before a translated block runs: access_vm(EXEC)
 *          of its bytes (NX enforced, counted as a fetch); if they differ
 *          from the shadow (first run, code changed, a page swapped in
 *          with new bytes), they are written to it, the block's
 *          translation dropped (uc_ctl_remove_cache) and the block run
 *          again from its start (uc_emu_stop from the hook stops before
 *          the stale block runs: measured)
 *   hole   UC_HOOK_MEM_*_UNMAPPED: the access made through the machine
 *          anyway, which refuses it (SIGSEGV) or grows the stack
 *   syscall  UC_HOOK_INSN(SYSCALL): syscall.c; rcx and r11 clobbered
 *          as the SYSCALL instruction does
 *
 * The fast path (since 0.7, option cpu_tlb=1, the default): a region's
 * bytes are host memory of the CPU's own (uc_mem_map_ptr, still one
 * region per vma), and a load, store or fetch that the process's TLB
 * serves is made by access_tlb (access.c), which is access_vm's TLB hit
 * alone (the same tlb_hit and access_bytes: bits checked, accessed and
 * dirty bits set, the hit counted, the policy's page_accessed), so
 * nothing the machine counts or shows differs from cpu_tlb=0, where every
 * access goes through access_vm (test_cpu's test_fast_path_same compares
 * the two).  Because the TLB is the machine's own, every flush the
 * machine makes where Linux calls flush_tlb_* (set_pte: munmap, mprotect,
 * reclaim and swap-out, clearing an accessed bit, clear_refs, COW, fork's
 * write-protect, exec's teardown) reaches the fast path with no hook of
 * its own.  A load's bytes go into the shadow only where they differ from
 * it (then through uc_mem_write, which drops translations made from the
 * old bytes), and a block's bytes are compared in place with the
 * shadow's; the region of the last fetch and of the last load is tried
 * first.  A miss, bits that refuse, a page-crossing access: access_vm.
 *
 * What stays true: the regions mirror the vmas exactly before each
 * instruction the program runs (cpu_sync after any call that may change
 * mappings, and at the start of every slice, since other calls run
 * between slices), and the translation cache of a range is dropped when
 * its mapping changes.  A fault the machine reports stops the CPU with
 * the signal recorded; access.c has logged Linux's segfault line, with
 * the ip and sp read here (cpu_ip_sp).  A process runs in slices of
 * slice=N instructions (m->opt.slice), counted exactly by a code hook, so that the
 * caller (libvmfs/api.c) lets the machine lock go between them.  Linux's
 * state letters: T (loaded, stopped), R (running), S (sleeping in wait4 or on a pipe),
 * Z (exited, not reaped).  A run of a PID gives its slices in turn to the
 * PID and the processes it forked (sched_pick, round robin); a sleeping
 * call is made again from its SYSCALL when the process is woken.
 * One Unicorn engine per process (about 3 MB), closed at exit; a fork's
 * child gets its own, with the parent's registers (cpu_fork).
 * Called with the machine lock held.
 */
#include "cpu.h"
#include "error.h"
#include "klog.h"
#include "oom.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#ifdef VMFS_HAVE_CPU
#include <sys/mman.h>
#include <unicorn/unicorn.h>

enum { H_READ, H_WRITE, H_UNMAPPED, H_BLOCK, H_CODE, H_SYSCALL, H_INTR, H_CPUID };

/* The registers of struct vmfs_regs, in its order, as Unicorn names them. */
static const int reg_ids[20] = {
	UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX,
	UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP, UC_X86_REG_RSP,
	UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
	UC_X86_REG_RIP, UC_X86_REG_RFLAGS, UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE,
};

static uint64_t reg_get(struct cpu *c, int id)
{
	uint64_t v = 0;

	uc_reg_read(c->uc, id, &v);
	return v;
}

static void reg_set(struct cpu *c, int id, uint64_t v)
{
	uc_reg_write(c->uc, id, &v);
}

/* mm->cpu_ip_sp: the registers for the segfault line. */
static void cpu_ip_sp(const struct cpu *c, uint64_t *ip, uint64_t *sp)
{
	if (c->uc) {
		*ip = reg_get((struct cpu *)c, UC_X86_REG_RIP);
		*sp = reg_get((struct cpu *)c, UC_X86_REG_RSP);
	} else {
		*ip = c->final.rip;
		*sp = c->final.rsp;
	}
}

static void regs_save(struct cpu *c, struct vmfs_regs *r)
{
	uint64_t *w = &r->rax;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 20; i++)
		w[i] = reg_get(c, reg_ids[i]);
}

/* Close the engine, keeping the registers (exit, or freeing). */
static void shadow_free(const struct cpu_region *r);

static void cpu_close_uc(struct cpu *c)
{
	if (!c->uc)
		return;
	regs_save(c, &c->final);
	uc_close(c->uc);
	c->uc = NULL;
	for (uint64_t k = 0; k < c->nreg; k++)
		shadow_free(&c->reg[k]);
	free(c->reg);
	c->reg = NULL;
	c->nreg = c->capreg = 0;
}

static void cpu_free(struct cpu *c)
{
	cpu_files_close(c);
	cpu_close_uc(c);
	free(c->out[0].buf);
	free(c->out[1].buf);
	free(c);
}

/* The host memory of a region (cpu_sync) goes back to the host. */
static void shadow_free(const struct cpu_region *r)
{
	if (r->host)
		munmap(r->host, r->end - r->start);
}

/*
 * Bring the shadow's regions in line with the vmas of @mm: a region that
 * is no longer exactly a vma goes, a vma with no region gets one (host
 * memory of its own, mapped with uc_mem_map_ptr), and the translations of
 * every range that changed are dropped.  0 or -ENOMEM.
 */
static int cpu_sync(struct cpu *c, struct mm *mm)
{
	uint64_t n = 0, i = 0;
	struct cpu_region *nr;
	const struct vma *v;

	for (v = mm->vmas.first; v; v = v->next)
		n++;
	nr = malloc((n ? n : 1) * sizeof(*nr));
	if (!nr)
		return vm_error(-ENOMEM, "cpu: out of memory for the shadow's regions");
	for (v = mm->vmas.first; v; v = v->next, i++)
		nr[i] = (struct cpu_region){ v->start, v->end, NULL };
	/* Unmap the regions that are not a vma any more (both lists sorted). */
	i = 0;
	for (uint64_t k = 0; k < c->nreg; k++) {
		struct cpu_region r = c->reg[k];

		while (i < n && nr[i].start < r.start)
			i++;
		if (i < n && nr[i].start == r.start && nr[i].end == r.end) {
			nr[i].host = r.host;      /* kept, with its bytes */
			continue;
		}
		uc_mem_unmap(c->uc, r.start, r.end - r.start);
		uc_ctl_remove_cache(c->uc, r.start, r.end);
		shadow_free(&r);
	}
	/* Map the vmas that have no region (no host memory yet). */
	for (uint64_t k = 0; k < n; k++) {
		void *host;

		if (nr[k].host)
			continue;
		host = mmap(NULL, nr[k].end - nr[k].start, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (host != MAP_FAILED &&
		    uc_mem_map_ptr(c->uc, nr[k].start, nr[k].end - nr[k].start, UC_PROT_ALL,
				   host) != UC_ERR_OK) {
			munmap(host, nr[k].end - nr[k].start);
			host = MAP_FAILED;
		}
		if (host == MAP_FAILED) {
			/* leave the shadow as the list says: drop what is not mapped */
			uint64_t kept = 0;

			for (uint64_t j = 0; j < n; j++)
				if (nr[j].host)
					nr[kept++] = nr[j];
			free(c->reg);
			c->reg = nr;
			c->nreg = c->capreg = kept;
			return vm_error(-ENOMEM, "cpu: Unicorn could not map a mapping");
		}
		nr[k].host = host;
		uc_ctl_remove_cache(c->uc, nr[k].start, nr[k].end);
	}
	free(c->reg);
	c->reg = nr;
	c->nreg = c->capreg = n;
	c->maps_changed = false;
	return 0;
}

/*
 * The shadow's bytes of [@addr, @addr + @len) when one region holds them,
 * or NULL.  The region found last for this kind of access (*@hint: code,
 * or data) is tried first.
 */
static uint8_t *shadow_at(struct cpu *c, uint64_t addr, uint64_t len, uint64_t *hint)
{
	uint64_t lo = 0, hi = c->nreg;
	const struct cpu_region *r;

	if (*hint < c->nreg && addr >= (r = &c->reg[*hint])->start && addr < r->end)
		return len <= r->end - addr ? r->host + (addr - r->start) : NULL;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		r = &c->reg[mid];
		if (addr >= r->end) {
			lo = mid + 1;
		} else if (addr < r->start) {
			hi = mid;
		} else {
			*hint = mid;
			return len <= r->end - addr ? r->host + (addr - r->start) : NULL;
		}
	}
	return NULL;
}

/* memcmp(...) == 0 for the few bytes of a load or a block, inlined: word by word. */
static inline bool bytes_equal(const uint8_t *a, const uint8_t *b, uint64_t n)
{
	uint64_t x, y;

	for (; n >= 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	for (; n; a++, b++, n--)
		if (*a != *b)
			return false;
	return true;
}

/*
 * The machine's @len bytes at @addr, which a load is about to read, into
 * the shadow.  With the fast path (cpu_tlb=1) only when they differ from
 * the shadow's, and then through uc_mem_write as always, which drops the
 * translations made from the old bytes; with cpu_tlb=0 always (as before
 * 0.7).
 */
static void shadow_put(struct cpu *c, uint64_t addr, const void *bytes, uint64_t len)
{
	const uint8_t *s = c->m->opt.cpu_tlb ? shadow_at(c, addr, len, &c->reg_hint[1]) : NULL;

	if (s && bytes_equal(s, bytes, len))
		return;
	uc_mem_write(c->uc, addr, bytes, len);
}

/* A fatal signal ends the slice; the process becomes a zombie when it returns. */
static void cpu_signal(struct cpu *c, int signo)
{
	if (!c->signo)
		c->signo = signo;
	c->halt = true;
	uc_emu_stop(c->uc);
}

static bool cpu_oom(struct cpu *c);

/*
 * An access the machine refused (access_vm's fault in c->fault).  True
 * when it is to be made again: it found no page, and the OOM killer
 * freed another process's memory (cpu_oom).
 */
static bool cpu_fault(struct cpu *c, int64_t rc)
{
	if (c->fault.si_code)
		cpu_signal(c, c->fault.signo ? c->fault.signo : VMFS_SIGSEGV);
	else if (rc == -ENOMEM)
		return cpu_oom(c);      /* no page for the fault: the OOM killer */
	else
		cpu_signal(c, VMFS_SIGSEGV);
	return false;
}

/*
 * The fast path (cpu_tlb=1): the access when the machine's TLB serves it
 * (access_tlb: exactly access_vm's hit).  False with nothing done.
 */
static bool cpu_access_tlb(struct cpu *c, uint64_t addr, void *buf, uint64_t size, unsigned how)
{
	return c->m->opt.cpu_tlb && access_tlb(c->m, c->mm, addr, buf, size, how) != NULL;
}

/*
 * One data access of the program through the machine: @how, @size bytes
 * at @addr, from or into @buf.  True if it was made whole.  A page-crossing
 * access whose second page faults faults there.
 */
static bool cpu_access(struct cpu *c, uint64_t addr, void *buf, uint64_t size, unsigned how)
{
	int64_t n;

	if (cpu_access_tlb(c, addr, buf, size, how))
		return true;
	n = access_vm(c->m, c->pid, addr, buf, size, how, &c->fault);

	if (n == (int64_t)size)
		return true;
	if (n >= 0)
		n = access_vm(c->m, c->pid, addr + (uint64_t)n, (uint8_t *)buf + n,
			      size - (uint64_t)n, how, &c->fault);
	if (n < 0 && cpu_fault(c, n))   /* the OOM killer freed memory: again */
		return cpu_access(c, addr, buf, size, how);
	return false;
}

static void hook_read(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
		      void *arg)
{
	struct cpu *c = arg;
	uint8_t b[16];

	(void)uc;
	(void)type;
	(void)value;
	if (c->halt || size <= 0 || size > (int)sizeof(b))
		return;
	if (cpu_access(c, addr, b, (uint64_t)size, VMFS_ACCESS_READ))
		shadow_put(c, addr, b, (uint64_t)size);
}

static void hook_write(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
		       void *arg)
{
	struct cpu *c = arg;
	uint8_t b[8];

	(void)uc;
	(void)type;
	if (c->halt || size <= 0 || size > (int)sizeof(b))
		return;
	memcpy(b, &value, (size_t)size);   /* x86 is little-endian, as the host */
	cpu_access(c, addr, b, (uint64_t)size, VMFS_ACCESS_WRITE);
}

/*
 * An access outside every region: made through the machine, which either
 * refuses it (the signal) or grows the stack below its mapping; then the
 * shadow gains the new region and Unicorn makes the access again.
 */
static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			  int64_t value, void *arg)
{
	struct cpu *c = arg;
	uint8_t b[16] = { 0 };
	unsigned how = type == UC_MEM_WRITE_UNMAPPED ? VMFS_ACCESS_WRITE :
		       type == UC_MEM_FETCH_UNMAPPED ? VMFS_ACCESS_EXEC : VMFS_ACCESS_READ;
	struct mm *mm;

	(void)uc;
	if (c->halt)
		return false;
	if (size <= 0 || size > (int)sizeof(b))
		size = 1;
	if (how == VMFS_ACCESS_WRITE)
		memcpy(b, &value, (size_t)size > sizeof(value) ? sizeof(value) : (size_t)size);
	if (!cpu_access(c, addr, b, (uint64_t)size, how))
		return false;
	mm = mm_lookup(c->m, c->pid);
	if (!mm || cpu_sync(c, mm) < 0) {
		cpu_signal(c, VMFS_SIGSEGV);
		return false;
	}
	return true;
}

/*
 * Before a translated block runs: fetch its bytes through the machine (an
 * instruction fetch, NX checked) and compare them with the shadow's, which
 * the block was translated from.
 */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *arg)
{
	struct cpu *c = arg;
	uint8_t mach[4096], shadow[4096];
	const uint8_t *sh, *mp;
	int64_t n;

	if (c->halt || c->restart)
		return;
	if (size == 0 || size > sizeof(mach))
		size = 1;
	c->fetches++;
	mp = c->m->opt.cpu_tlb ? access_tlb(c->m, c->mm, addr, NULL, size, VMFS_ACCESS_EXEC) : NULL;
	if (mp) {
		/* the fast path: the machine's bytes compared in place with the shadow's */
		if ((sh = shadow_at(c, addr, size, &c->reg_hint[0])) && bytes_equal(mp, sh, size))
			return;
		memcpy(mach, mp, size);
		n = size;
	} else {
		n = access_vm(c->m, c->pid, addr, mach, size, VMFS_ACCESS_EXEC, &c->fault);
	}
	if (n < 0) {
		if (cpu_fault(c, n)) {   /* the OOM killer freed memory: the block again */
			c->restart = true;
			uc_emu_stop(uc);
		}
		return;
	}
	/* the fast path reads the shadow where it lies; else (or across regions) uc_mem_read */
	if (!c->m->opt.cpu_tlb || !(sh = shadow_at(c, addr, (uint64_t)n, &c->reg_hint[0]))) {
		if (uc_mem_read(uc, addr, shadow, (size_t)n) != UC_ERR_OK)
			return;
		sh = shadow;
	}
	if (bytes_equal(mach, sh, (uint64_t)n)) {
		if ((uint64_t)n < size) {
			/* the block runs into a page the machine will not fetch */
			cpu_access(c, addr + (uint64_t)n, mach, 1, VMFS_ACCESS_EXEC);
			if (!c->halt)
				cpu_signal(c, VMFS_SIGSEGV);
		}
		return;
	}
	uc_mem_write(uc, addr, mach, (size_t)n);
	uc_ctl_remove_cache(uc, addr, addr + size);
	c->restart = true;
	uc_emu_stop(uc);
}

/* Each instruction: counted, and the slice ends when its budget is spent. */
static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *arg)
{
	struct cpu *c = arg;

	(void)addr;
	(void)size;
	if (c->halt || c->restart)
		return;
	if (c->budget == 0) {
		uc_emu_stop(uc);
		return;
	}
	c->budget--;
	c->insns++;
}

/*
 * A successful execve from the program: start_thread's registers at the
 * new entry (the slice stops; the next starts there), the shadow made
 * anew for the new mappings (a block whose bytes changed is translated
 * again, as always).  The files stay open, but those marked
 * close-on-exec (syscall.c closed them).
 */
static void cpu_exec_reset(struct cpu *c, struct mm *mm)
{
	for (int i = 0; i < 20; i++)      /* not RIP: written in the hook it runs on from there */
		if (reg_ids[i] != UC_X86_REG_RIP)
			reg_set(c, reg_ids[i], 0);
	reg_set(c, UC_X86_REG_RSP, mm->img.start_stack);
	reg_set(c, UC_X86_REG_RFLAGS, 0x202);
	c->execs = mm->img.execs;
	c->clear_child_tid = 0;
	c->resume = true;
	c->resume_ip = mm->img.entry;
	if (cpu_sync(c, mm) < 0)
		cpu_signal(c, 9);     /* as Linux's exec past the point of no return */
	uc_emu_stop(c->uc);
}

static int cpu_fork(struct cpu *parent, int child_pid);
static void cpu_kill(struct cpu *c, struct cpu *t, int signo);

/*
 * The CPU's part of a fork that syscall.c made (mm_fork): the child's CPU
 * (cpu_fork) and CLONE_CHILD_SETTID/CLEARTID.  The value for rax: the
 * child's PID, or -errno with the child gone.
 */
static uint64_t fork_finish(struct cpu *c, uint64_t ret)
{
	int pid = c->fork_pid, rc;
	struct vmfs_fault f;
	int32_t tid = pid;
	struct mm *cm;

	c->fork_pid = 0;
	if ((rc = cpu_fork(c, pid)) < 0) {
		mm_exit(c->m, pid);
		vm_error_clear();
		return (uint64_t)(int64_t)rc;
	}
	cm = mm_lookup(c->m, pid);
	cm->cpu->clear_child_tid = c->fork_flags & CLONE_CHILD_CLEARTID ? c->fork_ctid : 0;
	if (c->fork_flags & CLONE_CHILD_SETTID)   /* schedule_tail's put_user: a failure ignored */
		access_vm(c->m, pid, c->fork_ctid, &tid, sizeof(tid),
			  VMFS_ACCESS_WRITE | VMFS_ACCESS_KERNEL, &f);
	vm_error_clear();
	return ret;
}

static void hook_syscall(uc_engine *uc, void *arg)
{
	struct cpu *c = arg;
	uint64_t args[6], ret;
	struct mm *mm;

	(void)uc;
	if (c->halt)
		return;
	args[0] = reg_get(c, UC_X86_REG_RDI);
	args[1] = reg_get(c, UC_X86_REG_RSI);
	args[2] = reg_get(c, UC_X86_REG_RDX);
	args[3] = reg_get(c, UC_X86_REG_R10);
	args[4] = reg_get(c, UC_X86_REG_R8);
	args[5] = reg_get(c, UC_X86_REG_R9);
	ret = (uint64_t)cpu_syscall(c, reg_get(c, UC_X86_REG_RAX), args);
	if (c->fork_pid)
		ret = fork_finish(c, ret);
	if (c->kill_sig) {
		struct mm *t = mm_lookup(c->m, c->kill_pid);

		if (t && t->cpu)
			cpu_kill(c, t->cpu, c->kill_sig);
		c->kill_sig = 0;
	}
	if (c->blocked) {
		/*
		 * The call sleeps: made again when the process is woken.  In the
		 * hook RIP reads the SYSCALL's own address (measured), and after
		 * the stop it reads the next one's: cpu_slice puts it back.
		 */
		c->resume = true;
		c->resume_ip = reg_get(c, UC_X86_REG_RIP);
		uc_emu_stop(uc);
		return;
	}
	if (c->execed) {
		c->execed = false;
		if ((mm = mm_lookup(c->m, c->pid)))
			cpu_exec_reset(c, mm);
		return;
	}
	reg_set(c, UC_X86_REG_RAX, ret);
	/* SYSCALL put the return address in rcx (RIP reads the SYSCALL's own here) */
	reg_set(c, UC_X86_REG_RCX, reg_get(c, UC_X86_REG_RIP) + 2);
	reg_set(c, UC_X86_REG_R11, reg_get(c, UC_X86_REG_RFLAGS));
	if (c->maps_changed && (mm = mm_lookup(c->m, c->pid)) && cpu_sync(c, mm) < 0)
		cpu_signal(c, 9);
	if (c->halt)
		uc_emu_stop(uc);
}

/*
 * CPUID: Unicorn 2.0.1's leaf 1 lacks the FPU and MMX bits, and dynamic
 * glibc then refuses to start ("CPU ISA level is lower than required").
 * The hook answers leaf 1 itself (returning 1 skips Unicorn's model):
 * Unicorn's own answer, asked once of a scratch engine, with the two bits
 * set.  Other leaves are Unicorn's.
 */
static uint32_t cpuid1[4];

static int hook_cpuid(uc_engine *uc, void *arg)
{
	struct cpu *c = arg;
	uint64_t leaf = reg_get(c, UC_X86_REG_RAX) & 0xffffffffu;

	(void)uc;
	if (leaf != 1 || !cpuid1[0])
		return 0;
	reg_set(c, UC_X86_REG_RAX, cpuid1[0]);
	reg_set(c, UC_X86_REG_RBX, cpuid1[1]);
	reg_set(c, UC_X86_REG_RCX, cpuid1[2]);
	reg_set(c, UC_X86_REG_RDX, cpuid1[3] | 0x1u | 0x800000u);   /* FPU, MMX */
	return 1;
}

/*
 * Leaf 1 of Unicorn's model, asked of a scratch engine once per host
 * process (pthread_once: machines run in parallel, and this is the only
 * state cpu.c keeps outside a machine; written once, then only read).
 */
static pthread_once_t cpuid1_once = PTHREAD_ONCE_INIT;

static void cpuid1_probe(void)
{
	static const uint8_t code[] = { 0x0f, 0xa2 };   /* cpuid */
	uc_engine *uc;
	uint64_t v = 1;

	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		return;
	if (uc_mem_map(uc, 0x1000, 0x1000, UC_PROT_ALL) == UC_ERR_OK &&
	    uc_mem_write(uc, 0x1000, code, sizeof(code)) == UC_ERR_OK &&
	    uc_reg_write(uc, UC_X86_REG_RAX, &v) == UC_ERR_OK &&
	    uc_emu_start(uc, 0x1000, 0x1000 + sizeof(code), 0, 0) == UC_ERR_OK) {
		uint32_t r[4];

		uc_reg_read(uc, UC_X86_REG_EAX, &r[0]);
		uc_reg_read(uc, UC_X86_REG_EBX, &r[1]);
		uc_reg_read(uc, UC_X86_REG_ECX, &r[2]);
		uc_reg_read(uc, UC_X86_REG_EDX, &r[3]);
		memcpy(cpuid1, r, sizeof(r));
		if (!cpuid1[0])
			cpuid1[0] = 0x663;   /* never 0: 0 means "not probed" */
	}
	uc_close(uc);
}

/* A CPU exception the program did not handle: Linux's trap line and signal. */
static void hook_intr(uc_engine *uc, uint32_t intno, void *arg)
{
	struct cpu *c = arg;
	struct mm *mm = mm_lookup(c->m, c->pid);
	static const char *const name[] = { [0] = "divide error", [1] = "debug",
		[3] = "int3", [6] = "invalid opcode", [13] = "general protection" };
	int signo = intno == 0 ? 8 : intno == 1 || intno == 3 ? 5 : intno == 6 ? 4 : VMFS_SIGSEGV;

	(void)uc;
	if (mm)
		klog_add(&c->m->klog, machine_now(c->m),
			 "traps: %s[%d] trap %s ip:%llx sp:%llx error:0", mm->comm, mm->pid,
			 intno < 14 && name[intno] ? name[intno] : "exception",
			 (unsigned long long)reg_get(c, UC_X86_REG_RIP),
			 (unsigned long long)reg_get(c, UC_X86_REG_RSP));
	cpu_signal(c, signo);
}

/* A new engine for @mm, at its exec's entry with Linux's start_thread registers. */
static int cpu_open_uc(struct cpu *c, struct mm *mm)
{
	static const struct { int type; void *fn; uint64_t begin, end; int insn; } hooks[] = {
		[H_READ]     = { UC_HOOK_MEM_READ, (void *)hook_read, 1, 0, 0 },
		[H_WRITE]    = { UC_HOOK_MEM_WRITE, (void *)hook_write, 1, 0, 0 },
		[H_UNMAPPED] = { UC_HOOK_MEM_UNMAPPED, (void *)hook_unmapped, 1, 0, 0 },
		[H_BLOCK]    = { UC_HOOK_BLOCK, (void *)hook_block, 1, 0, 0 },
		[H_CODE]     = { UC_HOOK_CODE, (void *)hook_code, 1, 0, 0 },
		[H_SYSCALL]  = { UC_HOOK_INSN, (void *)hook_syscall, 1, 0, UC_X86_INS_SYSCALL },
		[H_INTR]     = { UC_HOOK_INTR, (void *)hook_intr, 1, 0, 0 },
		[H_CPUID]    = { UC_HOOK_INSN, (void *)hook_cpuid, 1, 0, UC_X86_INS_CPUID },
	};
	uc_engine *uc;

	pthread_once(&cpuid1_once, cpuid1_probe);
	if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
		return vm_error(-ENOMEM, "cpu: Unicorn could not open an engine");
	c->uc = uc;
	for (unsigned i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		uc_hook h;
		uc_err e = hooks[i].insn ?
			uc_hook_add(uc, &h, hooks[i].type, hooks[i].fn, c, hooks[i].begin,
				    hooks[i].end, hooks[i].insn) :
			uc_hook_add(uc, &h, hooks[i].type, hooks[i].fn, c, hooks[i].begin,
				    hooks[i].end);
		if (e != UC_ERR_OK) {
			uc_close(uc);
			c->uc = NULL;
			return vm_error(-ENOMEM, "cpu: Unicorn refused a hook: %s", uc_strerror(e));
		}
	}
	for (int i = 0; i < 20; i++)
		reg_set(c, reg_ids[i], 0);
	reg_set(c, UC_X86_REG_RIP, mm->img.entry);
	reg_set(c, UC_X86_REG_RSP, mm->img.start_stack);
	reg_set(c, UC_X86_REG_RFLAGS, 0x202);   /* start_thread: IF (and bit 1) */
	c->execs = mm->img.execs;
	if (cpu_sync(c, mm) < 0) {
		cpu_close_uc(c);
		return -ENOMEM;
	}
	return 0;
}

/* A new CPU for @mm at its exec's entry, state 'T', installed as mm->cpu. */
static int cpu_new(struct vmfs *m, struct mm *mm, struct cpu **out)
{
	struct cpu *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return vm_error(-ENOMEM, "cpu: out of memory");
	c->m = m;
	c->pid = mm->pid;
	c->mm = mm;
	c->state = 'T';
	if ((rc = cpu_files_init(c)) < 0 || (rc = cpu_open_uc(c, mm)) < 0) {
		cpu_free(c);
		return rc;
	}
	mm->cpu = c;
	mm->cpu_free = cpu_free;
	mm->cpu_ip_sp = cpu_ip_sp;
	*out = c;
	return 0;
}

/*
 * The CPU of @pid, made (or made anew after an exec) if need be: the mm,
 * or NULL with the error set (-ESRCH, -EINVAL never exec'd, -ENOMEM).
 */
static struct mm *cpu_get(struct vmfs *m, int pid, int *err)
{
	struct mm *mm = mm_lookup(m, pid);
	struct cpu *c;

	*err = -ESRCH;
	if (!mm)
		return NULL;
	c = mm->cpu;
	if (c && c->state == 'Z')
		return mm;
	if (c && c->execs == mm->img.execs)
		return mm;
	*err = vm_error(-EINVAL, "process %d has no program loaded (exec one first)", pid);
	if (!mm->img.execs)
		return NULL;
	if (c) {                 /* exec'd again since: a fresh CPU */
		cpu_free(c);
		mm->cpu = NULL;
	}
	mm->oom_skip = false;    /* a new program's memory: the OOM killer may choose it */
	if ((*err = cpu_new(m, mm, &c)) < 0)
		return NULL;
	return mm;
}

/*
 * fork: a CPU for the new process @child_pid (made by mm_fork) with the
 * registers of @parent (rax 0 in the child), sharing its open files (its
 * output going where the parent's goes).  0 or -errno (the caller ends the child).
 */
static int cpu_fork(struct cpu *parent, int child_pid)
{
	struct mm *mm = mm_lookup(parent->m, child_pid);
	struct cpu *c;
	int rc;

	if (!mm)
		return -ESRCH;
	if ((rc = cpu_new(parent->m, mm, &c)) < 0)
		return rc;
	/*
	 * copy_thread: the registers, one by one (uc_context_restore into
	 * another engine copies the parent's engine pointer too: measured, the
	 * child ran with the parent's hooks), the SSE registers and control
	 * words with them; rax 0 in the child.
	 */
	for (int i = 0; i < 20; i++)
		reg_set(c, reg_ids[i], reg_get(parent, reg_ids[i]));
	/* in the syscall hook RIP reads the SYSCALL's own address (measured) */
	reg_set(c, UC_X86_REG_RIP, reg_get(parent, UC_X86_REG_RIP) + 2);
	for (int r = UC_X86_REG_XMM0; r <= UC_X86_REG_XMM15; r++) {
		uint8_t x[16];

		if (uc_reg_read(parent->uc, r, x) == UC_ERR_OK)
			uc_reg_write(c->uc, r, x);
	}
	reg_set(c, UC_X86_REG_MXCSR, reg_get(parent, UC_X86_REG_MXCSR));
	reg_set(c, UC_X86_REG_FPCW, reg_get(parent, UC_X86_REG_FPCW));
	reg_set(c, UC_X86_REG_RAX, 0);
	c->keep = parent->keep;
	memcpy(c->nosys_logged, parent->nosys_logged, sizeof(c->nosys_logged));
	c->random_ctr = parent->random_ctr;
	c->sigpipe_act = parent->sigpipe_act;
	cpu_files_dup(c, parent);
	c->state = 'R';
	return 0;
}

static void status_fill(const struct cpu *c, struct vmfs_cpu_status *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	st->state = c->state;
	st->stop_why = c->stop_why;
	st->exit_code = c->exit_code;
	st->insns = c->insns;
	st->fetches = c->fetches;
	st->out_len[0] = c->out[0].len;
	st->out_len[1] = c->out[1].len;
	st->utime_ns = c->insns * CPU_NS_PER_INSN;   /* simulated time; stime_ns 0 */
}

/*
 * The program is done (exit: c->exit_code set by syscall.c; or a fatal
 * signal): a zombie.  Its engine closes (the registers kept); its address
 * space goes too, as Linux's exit_mm, unless the run asked to keep it.
 */
static void cpu_zombie(struct cpu *c)
{
	struct mm *mm;

	if (c->signo) {
		c->exit_code = c->signo;
		c->stop_why = VMFS_CPU_STOP_SIGNAL;
	} else {
		c->stop_why = VMFS_CPU_STOP_EXIT;
	}
	c->state = 'Z';
	cpu_files_close(c);
	cpu_close_uc(c);
	if (!c->keep)
		do_munmap(c->m, c->pid, 0, c->m->geom.user_top);
	if ((mm = mm_lookup(c->m, c->pid)))
		mm->oom_skip = true;    /* exit_mmap's MMF_OOM_SKIP: never a victim */
}

/* Is @mm @root or a descendant of it (by ppid)? */
static bool in_tree(struct vmfs *m, const struct mm *mm, int root)
{
	for (int depth = 0; mm && depth < 4096; depth++) {
		if (mm->pid == root)
			return true;
		if (mm->ppid <= 0 || mm->ppid >= mm->pid)   /* parents are older */
			return false;
		mm = mm_lookup(m, mm->ppid);
	}
	return false;
}

static void sched_park(struct vmfs *m, int root);

/*
 * forget_original_parent: the children of @mm, which exits, go to the
 * run's root @reaper (a child subreaper, PR_SET_CHILD_SUBREAPER), or to no
 * parent (ppid 0: the machine has no init) when the root itself exits;
 * then its tree stops first ('T', sched_park, while it is still a tree),
 * so that no orphan is left 'R' with no run to run it.
 */
static void reparent_children(struct vmfs *m, const struct mm *mm, int reaper)
{
	if (reaper == mm->pid)
		sched_park(m, mm->pid);
	for (struct mm *p = m->procs; p; p = p->next)
		if (p->ppid == mm->pid)
			p->ppid = reaper == mm->pid ? 0 : reaper;
}

/*
 * kill from @c (running) of @t with a signal whose default action is to
 * terminate: @t exits with it (a zombie at once, its children to @c's run
 * root; the caller itself at the end of the call).
 */
static void cpu_kill(struct cpu *c, struct cpu *t, int signo)
{
	struct mm *mm = mm_lookup(t->m, t->pid);

	if (!mm || t->state == 'Z')
		return;                   /* a zombie: nothing happens (as Linux) */
	if (t == c) {                     /* the caller itself: the slice ends */
		cpu_signal(c, signo);
		return;
	}
	t->signo = signo;
	reparent_children(t->m, mm, c->run_root);
	cpu_zombie(t);
}

/*
 * The OOM killer (oom.c) for @c, whose access found no page: the victim
 * out_of_memory chose is killed with SIGKILL and its memory freed.  A
 * victim with a program (running, stopped, sleeping or loaded and never
 * run) becomes a zombie with wait status 9, its address space gone even
 * under VMFS_RUN_KEEP (the oom_reaper's work), its children to its run's
 * root; a process with no program (a library caller's) keeps its PID,
 * its mappings gone, until vmfs_exit.  The faulting process itself: its
 * slice ends with SIGKILL.  Called where no walk or fault is in progress
 * (after access_vm returned).  True when the access is to be made again
 * (the victim was another process).
 */
static bool cpu_oom(struct cpu *c)
{
	struct mm *cur = mm_lookup(c->m, c->pid), *victim;
	int err;

	victim = cur ? out_of_memory(c->m, cur) : NULL;
	if (!victim || victim == cur) {
		c->keep = false;
		cpu_signal(c, 9);
		if (victim)
			victim->oom_skip = true;
		return false;
	}
	if (victim->img.execs && (!victim->cpu || victim->cpu->state != 'Z') &&
	    cpu_get(c->m, victim->pid, &err)) {
		struct cpu *t = victim->cpu;

		t->signo = 9;
		t->keep = false;
		reparent_children(c->m, victim, t->run_root ? t->run_root : victim->pid);
		cpu_zombie(t);
	}
	vm_error_clear();
	oom_reap(c->m, victim);
	return true;
}

/*
 * The next process of the run of @root to get a slice, round robin in PID
 * order after the last one: a member of the tree that is running ('R'), a
 * forked child not yet run or left stopped by an earlier run ('T'), or a
 * sleeper in wait4 or on a pipe ('S') whose condition holds now (cpu_woken).  NULL: none can run.
 */
static struct mm *sched_pick(struct vmfs *m, struct cpu *rc)
{
	struct mm *first = NULL, *after = NULL;

	for (struct mm *p = m->procs; p; p = p->next) {
		struct cpu *c = p->cpu;

		if (!c || c->state == 'Z' || c->execs != p->img.execs || !in_tree(m, p, rc->pid))
			continue;
		if (c->state == 'S' && !cpu_woken(m, p))
			continue;
		if (c->state == 'T' && p->pid == rc->pid)
			continue;
		if (!first)
			first = p;
		if (!after && p->pid > rc->sched_last)
			after = p;
	}
	return after ? after : first;
}

/* The run of @root returns (@why), its root stopped ('T') unless it exited: 0. */
static int run_return(struct vmfs *m, struct cpu *root, int why, struct vmfs_cpu_status *st)
{
	if (root->state == 'R' || root->state == 'S')
		root->state = 'T';
	root->stop_why = why;
	sched_park(m, root->pid);
	status_fill(root, st);
	return 0;
}

/*
 * Whether a process of the run of @root sleeps reading the standard input
 * the outside holds open (cpu_input_waiting): input (vmfs_input) can wake it.
 */
static bool input_wait(struct vmfs *m, const struct cpu *root)
{
	for (struct mm *p = m->procs; p; p = p->next)
		if (p->cpu && p->cpu->execs == p->img.execs && in_tree(m, p, root->pid) &&
		    cpu_input_waiting(p->cpu))
			return true;
	return false;
}

/* The run of @root ended: its other processes stop ('T') until it runs again. */
static void sched_park(struct vmfs *m, int root)
{
	for (struct mm *p = m->procs; p; p = p->next)
		if (p->pid != root && p->cpu && p->cpu->state == 'R' && in_tree(m, p, root))
			p->cpu->state = 'T';
}

/* One slice of @c (of @mm): at most c->budget instructions. */
static void cpu_slice(struct vmfs *m, struct mm *mm, struct cpu *c)
{
	c->halt = false;
	c->signo = 0;
	c->blocked = false;
	do {
		uc_err e;

		c->restart = false;
		e = uc_emu_start(c->uc, reg_get(c, UC_X86_REG_RIP), 0, 0, 0);
		if (e != UC_ERR_OK && !c->halt && !c->restart && !c->blocked) {
			if (e == UC_ERR_INSN_INVALID) {
				klog_add(&m->klog, machine_now(m),
					 "traps: %s[%d] trap invalid opcode ip:%llx sp:%llx error:0",
					 mm->comm, mm->pid,
					 (unsigned long long)reg_get(c, UC_X86_REG_RIP),
					 (unsigned long long)reg_get(c, UC_X86_REG_RSP));
				cpu_signal(c, 4);
			} else {
				cpu_signal(c, VMFS_SIGSEGV);
			}
		}
	} while (c->restart && !c->halt && !c->blocked && c->budget);
	if (c->resume && !c->halt)
		reg_set(c, UC_X86_REG_RIP, c->resume_ip);
	c->resume = false;
}

/*
 * A slice of the run of @pid: of @pid itself or of one of the processes
 * it forked (sched_pick), so that a run drives the whole tree until @pid
 * exits.  *@left counts the instructions of every process of the tree.
 */
int cpu_run_slice(struct vmfs *m, int pid, uint64_t *left, unsigned flags,
		  struct vmfs_cpu_status *st)
{
	struct mm *mm, *cur;
	struct cpu *root, *c;
	uint64_t before;
	int rc;

	if (!(mm = cpu_get(m, pid, &rc)))
		return rc;
	root = mm->cpu;
	if (root->state == 'Z' && (flags & CPU_RUN_CONT)) {   /* killed by its tree */
		sched_park(m, pid);
		status_fill(root, st);
		return 0;
	}
	if (root->state == 'Z')
		return vm_error(-ESRCH, "process %d has exited", pid);
	if (!(flags & CPU_RUN_CONT)) {
		if (root->state == 'R' || root->state == 'S')
			return vm_error(-EBUSY, "process %d is running", pid);
		root->state = 'R';
		root->stop_req = false;
		root->keep = flags & VMFS_RUN_KEEP;
	}
	if (root->stop_req) {
		root->state = 'T';
		root->stop_why = VMFS_CPU_STOP_STOP;
		root->stop_req = false;
		sched_park(m, pid);
		status_fill(root, st);
		return 0;
	}
	if (!(cur = sched_pick(m, root)) && input_wait(m, root)) {
		if (flags & VMFS_RUN_WAIT)
			return 2;           /* the caller waits for input, lock let go */
		return run_return(m, root, VMFS_CPU_STOP_INPUT, st);
	}
	if (!cur) {
		root->state = 'T';
		sched_park(m, pid);
		/* as Linux's hung task line, at once: nothing will ever wake it */
		klog_add(&m->klog, machine_now(m), "INFO: task %s:%d blocked with nothing of its "
			 "run to wake it: the run returns (EDEADLK)", mm->comm, pid);
		return vm_error(-EDEADLK, "process %d sleeps and nothing of its run can wake it", pid);
	}
	c = cur->cpu;
	c->run_root = pid;
	root->sched_last = cur->pid;
	c->state = 'R';
	if ((rc = cpu_sync(c, cur)) < 0) {
		if (c == root) {
			root->state = 'T';
			sched_park(m, pid);
			return rc;
		}
		cpu_signal(c, 9);     /* a child the shadow cannot follow: killed */
	} else {
		uint64_t slice = m->opt.slice;   /* slice=N, vmfs.slice */

		c->budget = *left && *left < slice ? *left : slice;
		before = c->insns;
		cpu_slice(m, cur, c);
		if (*left)
			*left -= c->insns - before;
	}
	if (c->halt) {
		reparent_children(m, cur, pid);
		cpu_zombie(c);
		if (c == root) {
			sched_park(m, pid);
			status_fill(c, st);
			return 0;
		}
	} else if (c->blocked) {
		c->state = 'S';
	}
	if (*left == 0 && (flags & CPU_RUN_LIMITED))
		return run_return(m, root, VMFS_CPU_STOP_LIMIT, st);
	return 1;
}

int cpu_stop(struct vmfs *m, int pid)
{
	struct mm *mm = mm_lookup(m, pid);

	if (!mm)
		return -ESRCH;
	if (mm->cpu && (mm->cpu->state == 'R' || mm->cpu->state == 'S'))
		mm->cpu->stop_req = true;
	return 0;
}

int cpu_regs(struct vmfs *m, int pid, struct vmfs_regs *regs)
{
	struct mm *mm;
	struct cpu *c;
	int rc;

	if (!(mm = cpu_get(m, pid, &rc)))
		return rc;
	c = mm->cpu;
	if (c->state == 'R')
		return vm_error(-EBUSY, "process %d is running: stop it first", pid);
	if (c->uc)
		regs_save(c, regs);
	else
		*regs = c->final;
	return 0;
}

int cpu_status(struct vmfs *m, int pid, struct vmfs_cpu_status *st)
{
	struct mm *mm = mm_lookup(m, pid);

	if (!mm)
		return -ESRCH;
	if (mm->cpu && (mm->cpu->state == 'Z' || mm->cpu->execs == mm->img.execs)) {
		status_fill(mm->cpu, st);
		return 0;
	}
	memset(st, 0, sizeof(*st));
	st->state = mm->img.execs ? 'T' : 'S';
	return 0;
}

int64_t cpu_output(struct vmfs *m, int pid, int fd, uint64_t off, void *buf, uint64_t len)
{
	struct mm *mm = mm_lookup(m, pid);
	const struct cpu_out *o;

	if (!mm)
		return -ESRCH;
	if (fd != 1 && fd != 2)
		return vm_error(-EINVAL, "output: fd %d is not 1 or 2", fd);
	if (!mm->cpu)
		return 0;
	o = &mm->cpu->out[fd - 1];
	if (off >= o->len)
		return 0;
	if (len > o->len - off)
		len = o->len - off;
	memcpy(buf, o->buf + off, len);
	return (int64_t)len;
}

/*
 * The CPU of @pid for vmfs_fds and vmfs_fd_link: made if need be, as for
 * vmfs_regs, so that a loaded program shows the standard streams it will
 * start with.  NULL with *@rc 0 for a process with no program (no fds).
 */
static struct cpu *files_cpu(struct vmfs *m, int pid, int *rc)
{
	struct mm *mm = cpu_get(m, pid, rc);

	if (mm)
		return mm->cpu;
	if (*rc == -EINVAL) {            /* never exec'd: no program, no files */
		vm_error_clear();
		*rc = 0;
	}
	return NULL;
}

int cpu_fds(struct vmfs *m, int pid, int *fds, uint64_t max)
{
	struct cpu *c;
	int rc;

	if (!fds && max)
		return vm_error(-EINVAL, "vmfs_fds: NULL fds with max %llu", (unsigned long long)max);
	if (!(c = files_cpu(m, pid, &rc)))
		return rc;
	return cpu_files_list(c, fds, max);
}

int64_t cpu_fd_link(struct vmfs *m, int pid, int fd, char *buf, uint64_t len)
{
	struct cpu *c;
	int rc;

	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_fd_link: NULL buffer of %llu bytes", (unsigned long long)len);
	if (!(c = files_cpu(m, pid, &rc)))
		return rc ? rc : vm_error(-EBADF, "process %d has no program, no fd %d", pid, fd);
	return cpu_file_link(c, fd, buf, len);
}

int cpu_fd_info(struct vmfs *m, int pid, int fd, struct vmfs_fd_info *info)
{
	struct cpu *c;
	int rc;

	if (!(c = files_cpu(m, pid, &rc)))
		return rc ? rc : vm_error(-EBADF, "process %d has no program, no fd %d", pid, fd);
	return cpu_file_info(c, fd, info);
}

/* vmfs_input: a process loaded and not exited; the CPU made if need be, as for vmfs_regs. */
int64_t cpu_input(struct vmfs *m, int pid, const void *buf, uint64_t len, unsigned flags)
{
	struct mm *mm;
	int rc;

	if (!(mm = cpu_get(m, pid, &rc)))
		return rc;
	if (mm->cpu->state == 'Z')
		return vm_error(-ESRCH, "process %d has exited: no input", pid);
	return cpu_input_give(mm->cpu, buf, len, flags);
}

#else /* !VMFS_HAVE_CPU */

static int no_cpu(void)
{
	return vm_error(-ENOSYS, "this libvmfs was built without the CPU (meson -Dcpu=disabled)");
}

int cpu_run_slice(struct vmfs *m, int pid, uint64_t *left, unsigned flags,
		  struct vmfs_cpu_status *st)
{
	(void)m, (void)pid, (void)left, (void)flags, (void)st;
	return no_cpu();
}

int cpu_stop(struct vmfs *m, int pid)
{
	(void)m, (void)pid;
	return no_cpu();
}

int cpu_regs(struct vmfs *m, int pid, struct vmfs_regs *regs)
{
	(void)m, (void)pid, (void)regs;
	return no_cpu();
}

int cpu_status(struct vmfs *m, int pid, struct vmfs_cpu_status *st)
{
	(void)m, (void)pid, (void)st;
	return no_cpu();
}

int64_t cpu_output(struct vmfs *m, int pid, int fd, uint64_t off, void *buf, uint64_t len)
{
	(void)m, (void)pid, (void)fd, (void)off, (void)buf, (void)len;
	return no_cpu();
}

int cpu_fds(struct vmfs *m, int pid, int *fds, uint64_t max)
{
	(void)m, (void)pid, (void)fds, (void)max;
	return no_cpu();
}

int64_t cpu_fd_link(struct vmfs *m, int pid, int fd, char *buf, uint64_t len)
{
	(void)m, (void)pid, (void)fd, (void)buf, (void)len;
	return no_cpu();
}

int cpu_fd_info(struct vmfs *m, int pid, int fd, struct vmfs_fd_info *info)
{
	(void)m, (void)pid, (void)fd, (void)info;
	return no_cpu();
}

int64_t cpu_input(struct vmfs *m, int pid, const void *buf, uint64_t len, unsigned flags)
{
	(void)m, (void)pid, (void)buf, (void)len, (void)flags;
	return no_cpu();
}

#endif
