/*
 * api.c - libvmfs's public calls: each takes the machine lock, clears the
 * thread's error message, calls the engine and releases the lock.  This is
 * the only place the lock is taken (see src/machine.h, LOCKING); nothing
 * else happens here, so the API stays a thin, checkable shell.  The two
 * calls a policy makes from inside victim(), with the lock already held,
 * take no lock: they ask reclaim (src/vmscan.c) directly.  Every symbol
 * libvmfs exports is defined in this file.
 */
#include "vmfs.h"
#include "machine.h"
#include "error.h"
#include "vmscan.h"
#include "object.h"
#include "options.h"
#include "policy.h"
#include "pageflags.h"
#include "cpu.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VMFS_EXPORT __attribute__((visibility("default")))

#define LOCKED(m, expr) ({                          \
	__typeof__(expr) r_;                        \
	vm_error_clear();                           \
	pthread_mutex_lock(&(m)->lock);             \
	r_ = (expr);                                \
	pthread_mutex_unlock(&(m)->lock);           \
	r_; })

#define CHECK_M(m) do { if (!(m)) return vm_error(-EINVAL, "no machine (NULL)"); } while (0)

VMFS_EXPORT int vmfs_open(vmfs **m, const char *options)
{
	vm_error_clear();
	if (!m)
		return vm_error(-EINVAL, "vmfs_open: NULL result pointer");
	return machine_open(m, options);
}

/* void (the ABI): a close that could not write leaves vmfs_errmsg() saying so;
 * a program that must know calls vmfs_sync() first. */
VMFS_EXPORT void vmfs_close(vmfs *m)
{
	vm_error_clear();
	if (m)
		machine_close(m);
}

VMFS_EXPORT const char *vmfs_errmsg(void)
{
	return vm_error_msg();
}

VMFS_EXPORT int vmfs_spawn(vmfs *m, const char *name)
{
	CHECK_M(m);
	return LOCKED(m, mm_spawn(m, name));
}

VMFS_EXPORT int vmfs_fork(vmfs *m, int pid)
{
	CHECK_M(m);
	return LOCKED(m, mm_fork(m, pid));
}

VMFS_EXPORT int vmfs_exit(vmfs *m, int pid)
{
	CHECK_M(m);
	return LOCKED(m, mm_exit(m, pid));
}

VMFS_EXPORT int vmfs_pids(vmfs *m, int *pids, size_t max)
{
	CHECK_M(m);
	if (!pids && max)
		return vm_error(-EINVAL, "vmfs_pids: NULL buffer");
	return LOCKED(m, machine_pids(m, pids, max));
}

VMFS_EXPORT int vmfs_mmap(vmfs *m, int pid, uint64_t addr, uint64_t len, int prot,
			  int flags, const char *object, uint64_t offset, uint64_t *out)
{
	CHECK_M(m);
	return LOCKED(m, do_mmap(m, pid, addr, len, prot, flags, object, offset, out));
}

VMFS_EXPORT int vmfs_munmap(vmfs *m, int pid, uint64_t addr, uint64_t len)
{
	CHECK_M(m);
	return LOCKED(m, do_munmap(m, pid, addr, len));
}

VMFS_EXPORT int vmfs_mprotect(vmfs *m, int pid, uint64_t addr, uint64_t len, int prot)
{
	CHECK_M(m);
	return LOCKED(m, do_mprotect(m, pid, addr, len, prot));
}

VMFS_EXPORT int vmfs_exec(vmfs *m, int pid, const char *path, const char *const *argv,
			  const char *const *envp, struct vmfs_exec_info *info)
{
	CHECK_M(m);
	return LOCKED(m, do_execve(m, pid, path, argv, envp, info));
}

VMFS_EXPORT int vmfs_brk(vmfs *m, int pid, uint64_t addr, uint64_t *out)
{
	CHECK_M(m);
	if (!out)
		return vm_error(-EINVAL, "vmfs_brk: NULL out");
	return LOCKED(m, do_brk(m, pid, addr, out));
}

VMFS_EXPORT int vmfs_auxv(vmfs *m, int pid, uint64_t *out, size_t max)
{
	CHECK_M(m);
	if (!out && max)
		return vm_error(-EINVAL, "vmfs_auxv: NULL buffer");
	return LOCKED(m, proc_auxv(m, pid, out, max));
}

/*
 * vmfs_maps has two versions, as glibc versions a call whose struct grew.
 * Since 0.5 struct vmfs_map is larger (swap_pss and the fields after it);
 * a program built against 0.1-0.4 passes entries of the old size, which
 * ended with reserved[2] where swap_pss and pss_anon are now, and its
 * calls bind to vmfs_maps@VMFS_0.1: that fills only the old size of each
 * entry (its reserved[] zero).  A program built against this header binds
 * to vmfs_maps@@VMFS_0.5, the default.
 */
#define VMFS_MAP_SIZE_0_1 (offsetof(struct vmfs_map, swap_pss) + 2 * sizeof(uint64_t))

int vmfs_maps_0_5(vmfs *m, int pid, struct vmfs_map *maps, size_t max);
int vmfs_maps_0_1(vmfs *m, int pid, void *maps, size_t max);
__asm__(".symver vmfs_maps_0_5, vmfs_maps@@VMFS_0.5");
__asm__(".symver vmfs_maps_0_1, vmfs_maps@VMFS_0.1");

VMFS_EXPORT int vmfs_maps_0_5(vmfs *m, int pid, struct vmfs_map *maps, size_t max)
{
	CHECK_M(m);
	if (!maps && max)
		return vm_error(-EINVAL, "vmfs_maps: NULL buffer");
	return LOCKED(m, proc_maps(m, pid, maps, max));
}

VMFS_EXPORT int vmfs_maps_0_1(vmfs *m, int pid, void *maps, size_t max)
{
	struct vmfs_map *all = NULL;
	size_t room = 0;
	int n;

	CHECK_M(m);
	if (!maps && max)
		return vm_error(-EINVAL, "vmfs_maps: NULL buffer");
	/* Room for what there is (not for @max, which may be far more), again if it grew. */
	while ((n = LOCKED(m, proc_maps(m, pid, all, room))) > 0 && (size_t)n > room && room < max) {
		struct vmfs_map *bigger;

		room = (size_t)n < max ? (size_t)n : max;
		if (!(bigger = realloc(all, room * sizeof(*all)))) {
			free(all);
			return vm_error(-ENOMEM, "vmfs_maps: out of memory");
		}
		all = bigger;
	}
	for (size_t i = 0; n > 0 && i < (size_t)n && i < room; i++) {
		memset(&all[i].swap_pss, 0, 2 * sizeof(uint64_t));
		memcpy((char *)maps + i * VMFS_MAP_SIZE_0_1, &all[i], VMFS_MAP_SIZE_0_1);
	}
	free(all);
	return n;
}

VMFS_EXPORT ssize_t vmfs_access(vmfs *m, int pid, uint64_t addr, void *buf, size_t len,
				unsigned how, struct vmfs_fault *fault)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_access: NULL buffer");
	return LOCKED(m, access_vm(m, pid, addr, buf, len, how, fault));
}

VMFS_EXPORT ssize_t vmfs_accessv(vmfs *m, int pid, struct vmfs_iop *iop, size_t n)
{
	CHECK_M(m);
	if (!iop && n)
		return vm_error(-EINVAL, "vmfs_accessv: NULL batch");
	if (n == 0)
		return 0;
	return LOCKED(m, access_batch(m, pid, iop, n));
}

VMFS_EXPORT ssize_t vmfs_read(vmfs *m, int pid, uint64_t addr, void *buf, size_t len)
{
	return vmfs_access(m, pid, addr, buf, len, VMFS_ACCESS_READ, NULL);
}

VMFS_EXPORT ssize_t vmfs_write(vmfs *m, int pid, uint64_t addr, const void *buf, size_t len)
{
	return vmfs_access(m, pid, addr, (void *)buf, len, VMFS_ACCESS_WRITE, NULL);
}

VMFS_EXPORT ssize_t vmfs_read_with(vmfs *m, int pid, uint64_t addr, size_t len,
				   vmfs_span_fn fn, void *arg)
{
	CHECK_M(m);
	if (!fn)
		return vm_error(-EINVAL, "vmfs_read_with: NULL callback");
	if (len == 0)
		return 0;
	return LOCKED(m, read_spans(m, pid, addr, len, fn, arg));
}

VMFS_EXPORT int vmfs_translate(vmfs *m, int pid, uint64_t addr, struct vmfs_walk *walk)
{
	CHECK_M(m);
	if (!walk)
		return vm_error(-EINVAL, "vmfs_translate: NULL walk");
	return LOCKED(m, translate(m, pid, addr, walk));
}

VMFS_EXPORT ssize_t vmfs_phys_read(vmfs *m, uint64_t paddr, void *buf, size_t len)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_phys_read: NULL buffer");
	return LOCKED(m, phys_read(m, paddr, buf, len));
}

VMFS_EXPORT int vmfs_parse_u64(const char *s, int suffix, uint64_t *out)
{
	vm_error_clear();
	if (!s || !out)
		return vm_error(-EINVAL, "vmfs_parse_u64: NULL argument");
	return parse_u64(s, suffix != 0, out);
}

VMFS_EXPORT const char *vmfs_level_name(int levels, int level)
{
	static const char *const names[VMFS_MAX_LEVELS] = { "pgd", "p5d", "p4d", "pud", "pmd", "pte" };

	if (levels < 2 || levels > VMFS_MAX_LEVELS || level < 0 || level >= levels)
		return "?";
	if (level == 0)
		return "pgd";
	return names[VMFS_MAX_LEVELS - levels + level];
}

VMFS_EXPORT int vmfs_stat(vmfs *m, struct vmfs_stat *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_stat: NULL result");
	return LOCKED(m, machine_stat(m, st));
}

VMFS_EXPORT int vmfs_statx(vmfs *m, struct vmfs_stat *st, unsigned what)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_statx: NULL result");
	return LOCKED(m, machine_statx(m, st, what));
}

VMFS_EXPORT int vmfs_lru_stat(vmfs *m, struct vmfs_lru_stat *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_lru_stat: NULL result");
	return LOCKED(m, machine_lru_stat(m, st));
}

VMFS_EXPORT int vmfs_huge_stat(vmfs *m, struct vmfs_huge_stat *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_huge_stat: NULL result");
	return LOCKED(m, machine_huge_stat(m, st));
}

VMFS_EXPORT int vmfs_tlb_stat(vmfs *m, int pid, struct vmfs_tlb_stat *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_tlb_stat: NULL result");
	if (pid < 0)
		return vm_error(-EINVAL, "vmfs_tlb_stat: pid %d", pid);
	return LOCKED(m, machine_tlb_stat(m, pid, st));
}

VMFS_EXPORT int vmfs_buddyinfo(vmfs *m, struct vmfs_buddyinfo *bi)
{
	CHECK_M(m);
	if (!bi)
		return vm_error(-EINVAL, "vmfs_buddyinfo: NULL result");
	return LOCKED(m, machine_buddyinfo(m, bi));
}

VMFS_EXPORT int vmfs_proc_stat(vmfs *m, int pid, struct vmfs_proc_stat *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_proc_stat: NULL result");
	return LOCKED(m, proc_stat(m, pid, st));
}

VMFS_EXPORT int vmfs_set_policy(vmfs *m, const char *name, const struct vmfs_policy_ops *ops, void *arg)
{
	CHECK_M(m);
	return LOCKED(m, policy_set(m, name, ops, arg));
}

/* From a policy's victim(), lock held; rc == NULL: outside a machine. */
VMFS_EXPORT int vmfs_page_referenced(struct vmfs_reclaim *rc, uint64_t pfn, int clear)
{
	return rc ? reclaim_referenced(rc, pfn, clear) : 0;
}

VMFS_EXPORT int vmfs_page_evictable(struct vmfs_reclaim *rc, uint64_t pfn)
{
	return rc ? reclaim_evictable(rc, pfn) : 1;
}

VMFS_EXPORT int64_t vmfs_reclaim(vmfs *m, uint64_t n)
{
	CHECK_M(m);
	return LOCKED(m, reclaim_pages(m, n));
}

VMFS_EXPORT int vmfs_sync(vmfs *m)
{
	CHECK_M(m);
	return LOCKED(m, machine_sync(m));
}

VMFS_EXPORT ssize_t vmfs_pagemap(vmfs *m, int pid, uint64_t vpn, uint64_t *out, size_t n)
{
	CHECK_M(m);
	if (!out && n)
		return vm_error(-EINVAL, "vmfs_pagemap: NULL buffer");
	return LOCKED(m, proc_pagemap(m, pid, vpn, out, n));
}

VMFS_EXPORT ssize_t vmfs_pagetable(vmfs *m, int pid, struct vmfs_pt_entry *out, size_t max)
{
	CHECK_M(m);
	if (!out && max)
		return vm_error(-EINVAL, "vmfs_pagetable: NULL buffer");
	return LOCKED(m, proc_pagetable(m, pid, out, max));
}

VMFS_EXPORT size_t vmfs_swap_path(vmfs *m, char *buf, size_t len)
{
	if (!m)
		return 0;
	return LOCKED(m, machine_swap_path(m, buf, len));
}

VMFS_EXPORT int vmfs_sysctl(vmfs *m, const char *name, uint64_t *oldval, const uint64_t *newval)
{
	CHECK_M(m);
	return LOCKED(m, machine_sysctl(m, name, oldval, newval));
}

VMFS_EXPORT int vmfs_object_create(vmfs *m, const char *name, const void *data, uint64_t len)
{
	CHECK_M(m);
	return LOCKED(m, object_create(m, name, data, len));
}

VMFS_EXPORT ssize_t vmfs_object_read(vmfs *m, const char *name, uint64_t off, void *buf, size_t len)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_object_read: NULL buffer");
	return LOCKED(m, object_read(m, OBJ_NAMED(name), off, buf, len));
}

VMFS_EXPORT ssize_t vmfs_object_write(vmfs *m, const char *name, uint64_t off, const void *buf, size_t len)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_object_write: NULL buffer");
	return LOCKED(m, object_write(m, OBJ_NAMED(name), off, buf, len));
}

VMFS_EXPORT int vmfs_object_resize(vmfs *m, const char *name, uint64_t size)
{
	CHECK_M(m);
	return LOCKED(m, object_resize(m, OBJ_NAMED(name), size));
}

VMFS_EXPORT int vmfs_object_remove(vmfs *m, const char *name)
{
	CHECK_M(m);
	return LOCKED(m, object_remove(m, name));
}

VMFS_EXPORT int vmfs_object_chmod(vmfs *m, const char *name, unsigned mode)
{
	CHECK_M(m);
	return LOCKED(m, object_chmod(m, OBJ_NAMED(name), mode));
}

VMFS_EXPORT int vmfs_object_stat(vmfs *m, const char *name, struct vmfs_object_info *info)
{
	CHECK_M(m);
	if (!info)
		return vm_error(-EINVAL, "vmfs_object_stat: NULL result");
	return LOCKED(m, object_stat(m, OBJ_NAMED(name), info));
}

VMFS_EXPORT int vmfs_object_list(vmfs *m, struct vmfs_object_info *out, size_t max)
{
	CHECK_M(m);
	if (!out && max)
		return vm_error(-EINVAL, "vmfs_object_list: NULL buffer");
	return LOCKED(m, object_list(m, out, max));
}

VMFS_EXPORT int64_t vmfs_object_open(vmfs *m, const char *name)
{
	CHECK_M(m);
	return LOCKED(m, object_open(m, name));
}

VMFS_EXPORT int vmfs_object_close(vmfs *m, int64_t obj)
{
	CHECK_M(m);
	return LOCKED(m, object_close(m, obj));
}

VMFS_EXPORT ssize_t vmfs_object_pread(vmfs *m, int64_t obj, uint64_t off, void *buf, size_t len)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_object_pread: NULL buffer");
	return LOCKED(m, object_read(m, OBJ_OPEN(obj), off, buf, len));
}

VMFS_EXPORT ssize_t vmfs_object_pwrite(vmfs *m, int64_t obj, uint64_t off, const void *buf, size_t len)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_object_pwrite: NULL buffer");
	return LOCKED(m, object_write(m, OBJ_OPEN(obj), off, buf, len));
}

VMFS_EXPORT int vmfs_object_ftruncate(vmfs *m, int64_t obj, uint64_t size)
{
	CHECK_M(m);
	return LOCKED(m, object_resize(m, OBJ_OPEN(obj), size));
}

VMFS_EXPORT int vmfs_object_fchmod(vmfs *m, int64_t obj, unsigned mode)
{
	CHECK_M(m);
	return LOCKED(m, object_chmod(m, OBJ_OPEN(obj), mode));
}

VMFS_EXPORT int vmfs_object_fstat(vmfs *m, int64_t obj, struct vmfs_object_info *info)
{
	CHECK_M(m);
	if (!info)
		return vm_error(-EINVAL, "vmfs_object_fstat: NULL result");
	return LOCKED(m, object_stat(m, OBJ_OPEN(obj), info));
}

VMFS_EXPORT ssize_t vmfs_kpageflags(vmfs *m, uint64_t pfn, uint64_t *out, size_t n)
{
	CHECK_M(m);
	if (!out && n)
		return vm_error(-EINVAL, "vmfs_kpageflags: NULL buffer");
	return LOCKED(m, kpageflags_read(m, pfn, out, n));
}

VMFS_EXPORT ssize_t vmfs_kpagecount(vmfs *m, uint64_t pfn, uint64_t *out, size_t n)
{
	CHECK_M(m);
	if (!out && n)
		return vm_error(-EINVAL, "vmfs_kpagecount: NULL buffer");
	return LOCKED(m, kpagecount_read(m, pfn, out, n));
}

VMFS_EXPORT int vmfs_clear_refs(vmfs *m, int pid, int type)
{
	CHECK_M(m);
	return LOCKED(m, clear_refs_write(m, pid, type));
}

VMFS_EXPORT ssize_t vmfs_page_idle_get(vmfs *m, uint64_t pfn, uint64_t *bitmap, size_t nwords)
{
	CHECK_M(m);
	if (!bitmap && nwords)
		return vm_error(-EINVAL, "vmfs_page_idle_get: NULL bitmap");
	return LOCKED(m, page_idle_bitmap_read(m, pfn, bitmap, nwords));
}

VMFS_EXPORT ssize_t vmfs_page_idle_set(vmfs *m, uint64_t pfn, const uint64_t *bitmap, size_t nwords)
{
	CHECK_M(m);
	if (!bitmap && nwords)
		return vm_error(-EINVAL, "vmfs_page_idle_set: NULL bitmap");
	return LOCKED(m, page_idle_bitmap_write(m, pfn, bitmap, nwords));
}

VMFS_EXPORT size_t vmfs_kmsg(vmfs *m, char *buf, size_t len)
{
	if (!m)
		return 0;
	return LOCKED(m, klog_read(&m->klog, buf, len));
}

VMFS_EXPORT int vmfs_mremap(vmfs *m, int pid, uint64_t addr, uint64_t old_len, uint64_t new_len,
			    int flags, uint64_t new_addr, uint64_t *out)
{
	CHECK_M(m);
	return LOCKED(m, do_mremap(m, pid, addr, old_len, new_len, flags, new_addr, out));
}

VMFS_EXPORT int vmfs_madvise(vmfs *m, int pid, uint64_t addr, uint64_t len, int advice)
{
	CHECK_M(m);
	return LOCKED(m, do_madvise(m, pid, addr, len, advice));
}

VMFS_EXPORT int vmfs_mlock(vmfs *m, int pid, uint64_t addr, uint64_t len, unsigned flags)
{
	CHECK_M(m);
	return LOCKED(m, do_mlock(m, pid, addr, len, flags));
}

VMFS_EXPORT int vmfs_munlock(vmfs *m, int pid, uint64_t addr, uint64_t len)
{
	CHECK_M(m);
	return LOCKED(m, do_munlock(m, pid, addr, len));
}

VMFS_EXPORT int vmfs_mlockall(vmfs *m, int pid, unsigned flags)
{
	CHECK_M(m);
	return LOCKED(m, do_mlockall(m, pid, flags));
}

VMFS_EXPORT int vmfs_munlockall(vmfs *m, int pid)
{
	CHECK_M(m);
	return LOCKED(m, do_munlockall(m, pid));
}

VMFS_EXPORT int vmfs_mincore(vmfs *m, int pid, uint64_t addr, uint64_t len, unsigned char *vec)
{
	CHECK_M(m);
	return LOCKED(m, do_mincore(m, pid, addr, len, vec));
}

VMFS_EXPORT int vmfs_msync(vmfs *m, int pid, uint64_t addr, uint64_t len, int flags)
{
	CHECK_M(m);
	return LOCKED(m, do_msync(m, pid, addr, len, flags));
}

VMFS_EXPORT int vmfs_mlock_stat(vmfs *m, struct vmfs_mlock_stat *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_mlock_stat: NULL result pointer");
	return LOCKED(m, machine_mlock_stat(m, st));
}

/*
 * The CPU (since 0.6).  vmfs_run holds the lock one slice at a time
 * (cpu_run_slice: 1 while there is more to run), so vmfs_stop and the
 * other calls get in between slices: a mutex is not fair, and a runner
 * that took it straight back would starve them (measured: an unmount's
 * vmfs_sync waited for ever), so it sleeps a moment after each slice,
 * while a thread the unlock woke takes the lock (a slice is tens of
 * milliseconds; the pause is 0.1 % of it).
 */
static int run_slices(vmfs *m, int pid, uint64_t max, unsigned flags, struct vmfs_cpu_status *st)
{
	uint64_t left = max;
	int rc;

	if (flags & ~(VMFS_RUN_KEEP | VMFS_RUN_WAIT))
		return vm_error(-EINVAL, "vmfs_run: unknown flags 0x%x",
				flags & ~(VMFS_RUN_KEEP | VMFS_RUN_WAIT));
	if (max)
		flags |= CPU_RUN_LIMITED;
	do {
		rc = LOCKED(m, cpu_run_slice(m, pid, &left, flags, st));
		flags |= CPU_RUN_CONT;
		if (rc == 1)
			nanosleep(&(struct timespec){ 0, 20000 }, NULL);
		else if (rc == 2)    /* VMFS_RUN_WAIT: every process waits for input */
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	} while (rc == 1 || rc == 2);
	return rc;
}

VMFS_EXPORT int vmfs_run(vmfs *m, int pid, uint64_t max, unsigned flags, struct vmfs_cpu_status *st)
{
	CHECK_M(m);
	return run_slices(m, pid, max, flags, st);
}

VMFS_EXPORT int vmfs_step(vmfs *m, int pid, uint64_t n, struct vmfs_cpu_status *st)
{
	CHECK_M(m);
	if (!n)
		return vm_error(-EINVAL, "vmfs_step: 0 instructions");
	return run_slices(m, pid, n, 0, st);
}

VMFS_EXPORT int vmfs_stop(vmfs *m, int pid)
{
	CHECK_M(m);
	return LOCKED(m, cpu_stop(m, pid));
}

VMFS_EXPORT int vmfs_regs(vmfs *m, int pid, struct vmfs_regs *regs)
{
	CHECK_M(m);
	if (!regs)
		return vm_error(-EINVAL, "vmfs_regs: NULL regs");
	return LOCKED(m, cpu_regs(m, pid, regs));
}

VMFS_EXPORT int vmfs_cpu_status(vmfs *m, int pid, struct vmfs_cpu_status *st)
{
	CHECK_M(m);
	if (!st)
		return vm_error(-EINVAL, "vmfs_cpu_status: NULL status");
	return LOCKED(m, cpu_status(m, pid, st));
}

VMFS_EXPORT ssize_t vmfs_output(vmfs *m, int pid, int fd, uint64_t off, void *buf, size_t len)
{
	CHECK_M(m);
	if (!buf && len)
		return vm_error(-EINVAL, "vmfs_output: NULL buffer");
	return LOCKED(m, cpu_output(m, pid, fd, off, buf, len));
}

/* Files and pipes of the CPU's programs (since 0.7). */
VMFS_EXPORT int vmfs_fds(vmfs *m, int pid, int *fds, size_t max)
{
	CHECK_M(m);
	return LOCKED(m, cpu_fds(m, pid, fds, max));
}

VMFS_EXPORT ssize_t vmfs_fd_link(vmfs *m, int pid, int fd, char *buf, size_t len)
{
	CHECK_M(m);
	return LOCKED(m, cpu_fd_link(m, pid, fd, buf, len));
}

VMFS_EXPORT int vmfs_fd_info(vmfs *m, int pid, int fd, struct vmfs_fd_info *info)
{
	CHECK_M(m);
	if (!info)
		return vm_error(-EINVAL, "vmfs_fd_info: NULL info");
	return LOCKED(m, cpu_fd_info(m, pid, fd, info));
}

VMFS_EXPORT ssize_t vmfs_input(vmfs *m, int pid, const void *buf, size_t len, unsigned flags)
{
	CHECK_M(m);
	return LOCKED(m, cpu_input(m, pid, buf, len, flags));
}
