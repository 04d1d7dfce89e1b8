/*
 * machine.c - power-on and power-off of a machine, the kernel image, and the
 * read-only views: statistics, mapping lists, PIDs, physical memory.
 *
 * At open the kernel image is built once: its frames (beyond the data
 * frames) are filled with a recognisable banner, but for the last, the
 * shared zero page, which stays all zeros; and the kernel's own
 * tables map it supervisor-only at the start of the upper half.  Every
 * process's top table copies the kernel's top-level entries, so all
 * processes share the lower kernel tables, as Linux shares its kernel
 * page tables.  The views read tables and mappings without changing them.
 * Called with the machine lock held (except machine_open/close).
 */
#include "machine.h"
#include "huge_memory.h"
#include "error.h"
#include "object.h"
#include "vmobj.h"
#include "page.h"
#include "vmscan.h"

#include <stdbool.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Map the kernel image under m->kernel_pgd: P|RW, no US, shared by all. */
static int build_kernel(struct vmfs *m)
{
	const struct pt_geom *g = &m->geom;
	int64_t pgd = pt_alloc(&m->phys);

	if (pgd < 0)
		return -ENOMEM;
	m->kernel_pgd = (uint64_t)pgd;
	/* The zero page is the image's last page (Linux's empty_zero_page is
	 * in its .bss), left all zeros. */
	m->zero_pfn = m->phys.kernel_pages && !m->opt.no_zero_page ?
		      m->phys.nframes + m->phys.kernel_pages - 1 : NO_ZERO_PFN;
	for (uint64_t i = 0; i < m->phys.kernel_pages; i++) {
		uint64_t va = g->kernel_base + (i << PAGE_SHIFT);
		uint64_t kpfn = m->phys.nframes + i, *ptep;
		char *page = pfn_to_virt(&m->phys, kpfn);

		if (!is_zero_pfn(m, kpfn))
			snprintf(page, 64, "vmfs kernel image, page %llu\n", (unsigned long long)i);
		if (!(ptep = pte_alloc_kernel(m, va)))
			return -ENOMEM;
		set_pte_init(ptep, mk_pte(kpfn, PTE_P | PTE_RW | PTE_A | PTE_D));
	}
	return 0;
}

/*
 * root=DIR: an existing directory, made its canonical path (what exec's
 * resolution strips from a host path); -EINVAL naming the option if not.
 */
static int root_canonical(struct vm_options *opt)
{
	char canon[PATH_MAX];
	struct stat st;

	if (!realpath(opt->root, canon) || stat(canon, &st) < 0)
		return vm_error(-EINVAL, "option root=%s: %s", opt->root, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return vm_error(-EINVAL, "option root=%s: %s", opt->root, strerror(ENOTDIR));
	if (strlen(canon) >= sizeof(opt->root))
		return vm_error(-EINVAL, "option root=%s: %s", opt->root, strerror(ENAMETOOLONG));
	snprintf(opt->root, sizeof(opt->root), "%s", canon);
	return 0;
}

int machine_open(struct vmfs **out, const char *options)
{
	struct vm_options opt;
	struct vmfs *m;
	int rc;

	if ((rc = options_parse(options, &opt)) < 0)
		return rc;
	if ((rc = root_canonical(&opt)) < 0)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m)
		return vm_error(-ENOMEM, "out of memory");
	m->opt = opt;
	m->split_huge_pmd = split_huge_pmd;   /* walk_page_range's (pgtable.h) */
	vm_reserves_init(m);
	clock_gettime(CLOCK_MONOTONIC, &m->t0);
	m->boot_time = time(NULL);
	pt_geom_init(&m->geom, opt.levels);
	u64map_init(&m->pids);
	m->next_pid = 1;
	if (pthread_mutex_init(&m->lock, NULL)) {
		free(m);
		return vm_error(-ENOMEM, "cannot create the machine lock");
	}
	rc = klog_init(&m->klog);
	if (rc == 0)
		rc = phys_init(&m->phys, opt.frames, opt.kernel_bytes >> PAGE_SHIFT, !opt.contents_none);
	if (rc == 0)
		rc = build_kernel(m);
	if (rc == 0)
		rc = hugetlb_init(m);
	if (rc == 0) {
		rc = store_open(&m->store, opt.swap_path[0] ? opt.swap_path : NULL);
		swap_init(&m->swap, m->store, !opt.swap_none, opt.swap_slots);
		m->swap.no_bytes = opt.contents_none;
		if (rc == 0)
			rc = policy_set(m, opt.policy, NULL, NULL);
		if (rc < 0) {
			char why[512];

			snprintf(why, sizeof(why), "%s", vm_error_msg());
			machine_close(m);
			return vm_error(rc, "%s", why);
		}
	}
	if (rc < 0) {
		machine_close(m);
		if (rc == -E2BIG)
			return vm_error(-ENOMEM, "%llu frames (%llu MiB) of simulated memory do not fit in this host's memory",
					(unsigned long long)opt.frames, (unsigned long long)opt.frames / 256);
		return vm_error(-ENOMEM, "cannot allocate %llu frames of simulated memory",
				(unsigned long long)opt.frames);
	}
	klog_add(&m->klog, 0, "vmfs: %llu frames (%llu KiB), %d-level page tables, %d-bit addresses",
		 (unsigned long long)opt.frames, (unsigned long long)opt.frames * 4,
		 opt.levels, m->geom.va_bits);
	klog_add(&m->klog, 0, "vmfs: kernel image %llu KiB at 0x%llx, TLB %llu entries per process",
		 (unsigned long long)opt.kernel_bytes / 1024, (unsigned long long)m->geom.kernel_base,
		 (unsigned long long)opt.tlb);
	if (m->swap.enabled)
		klog_add(&m->klog, 0, "vmfs: swap on %s (%s), policy %s", store_path(m->store),
			 opt.swap_slots ? "limited" : "unlimited", opt.policy);
	else
		klog_add(&m->klog, 0, "vmfs: no swap (store %s), policy %s", store_path(m->store),
			 opt.policy);
	*out = m;
	return 0;
}

/*
 * Power off.  0, or the store's error when its final commit failed (the
 * thread's message says why; the store then holds what the last sync
 * wrote, see store_close): the machine is gone all the same.
 */
int machine_close(struct vmfs *m)
{
	int rc;

	/* A private store is removed below: deleting its rows one by one first is waste. */
	m->swap.keep_rows = m->store && store_is_private(m->store);
	while (m->procs)
		mm_exit(m, m->procs->pid);
	object_fini(m);
	if (m->pol && m->pol->release)
		m->pol->release(m->pol_state);
	swap_fini(&m->swap);
	rc = store_close(m->store);
	u64map_free(&m->pids);
	assert(m->nr_deposit == 0);   /* every huge leaf's table went with it */
	free(m->pt_deposit);
	hugetlb_free(m);
	phys_free(&m->phys);
	klog_free(&m->klog);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return rc;
}

int64_t phys_read(struct vmfs *m, uint64_t paddr, void *buf, uint64_t len)
{
	uint64_t size = phys_size(&m->phys);

	if (paddr >= size)
		return 0;
	if (len > size - paddr)
		len = size - paddr;
	if (len > INT64_MAX)
		len = INT64_MAX;
	if (!m->phys.contents && paddr < (m->phys.nframes << PAGE_SHIFT)) {
		/* contents=none: the data frames read as zeros (never touched on the host). */
		uint64_t data = (m->phys.nframes << PAGE_SHIFT) - paddr;

		data = data < len ? data : len;
		memset(buf, 0, data);
		memcpy((uint8_t *)buf + data, m->phys.ram + paddr + data, len - data);
		return (int64_t)len;
	}
	memcpy(buf, m->phys.ram + paddr, len);
	return (int64_t)len;
}

/*
 * The figures of @what (VMFS_STAT_*): the basic ones cost the same whatever
 * the machine holds; the TLB's add up every process, the pages' scan every
 * frame (and walk the reverse map of each object page for its dirty bits).
 */
int machine_statx(struct vmfs *m, struct vmfs_stat *st, unsigned what)
{
	memset(st, 0, sizeof(*st));
	st->levels = m->geom.levels;
	st->va_bits = m->geom.va_bits;
	st->frames = m->phys.nframes;
	st->kernel_pages = m->phys.kernel_pages;
	st->tlb_entries = m->opt.tlb;
	st->user_top = m->geom.user_top;
	st->kernel_base = m->geom.kernel_base;
	st->phys_size = phys_size(&m->phys);
	st->frames_free = m->phys.nfree;
	st->pagetable_pages = m->phys.pt_inuse;
	st->nr_processes = m->nr_procs;
	st->pgfault = m->cnt.pgfault;
	st->pgmajfault = m->cnt.pgmajfault;
	st->pgalloc = m->phys.pgalloc;
	st->pgfree = m->phys.pgfree;
	st->cow_fault = m->cnt.cow_fault;
	st->segfault = m->cnt.segfault;
	if (what & VMFS_STAT_TLB) {
		st->tlb_hit = m->cnt.tlb_hit;
		st->tlb_miss = m->cnt.tlb_miss;
		for (const struct mm *mm = m->procs; mm; mm = mm->next) {
			st->tlb_hit += mm->c.tlb_hit;
			st->tlb_miss += mm->c.tlb_miss;
		}
	}
	st->forks = m->cnt.forks;
	st->spawns = m->cnt.spawns;
	st->exits = m->cnt.exits;
	st->pswpin = m->cnt.pswpin;
	st->pswpout = m->cnt.pswpout;
	st->pgscan_direct = m->cnt.pgscan;
	st->pgsteal_direct = m->cnt.pgsteal;
	st->pgscan_anon = m->cnt.pgscan_anon;
	st->pgscan_file = m->cnt.pgscan_file;
	st->pgsteal_anon = m->cnt.pgsteal_anon;
	st->pgsteal_file = m->cnt.pgsteal_file;
	st->nr_vmscan_write = m->cnt.nr_vmscan_write;
	st->pgpgout = m->cnt.pgpgout;
	st->pgpgin = m->cnt.pgpgin;
	st->oom_kill = m->cnt.oom_kill;
	st->swap_total = m->swap.max_slots;
	st->swap_used = swap_used(&m->swap);
	for (uint64_t pfn = 0; (what & VMFS_STAT_PAGES) && pfn < m->phys.nframes; pfn++) {
		const struct frame *f = pfn_frame(&m->phys, pfn);

		st->swap_cached += f->swap != 0;
		if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
			st->anon_pages += 1ull << frame_order(f);   /* a huge page: all 512 */
		} else if ((f->flags & FRAME_KIND_MASK) == FRAME_CACHE) {
			st->file_pages++;
			st->shmem_pages += ((const struct vmobj *)f->mapping)->kind == VMOBJ_SHMEM;
			st->mapped_pages += f->mapcount > 0;
			if (((const struct vmobj *)f->mapping)->kind == VMOBJ_FILE)
				st->dirty_pages += page_dirty(m, pfn);   /* shmem is not "Dirty" */
		}
	}
	st->nr_objects = m->nobjs;
	st->boot_time = (uint64_t)m->boot_time;
	st->uptime_ns = machine_now(m);
	st->contents_none = !m->phys.contents;
	st->committed_as = m->committed;
	st->commit_limit = vm_commit_limit(m);
	st->drop_pagecache = m->cnt.drop_pagecache;
	st->drop_slab = m->cnt.drop_slab;
	st->zero_page = m->zero_pfn != NO_ZERO_PFN;
	st->zero_pfn = st->zero_page ? m->zero_pfn : 0;
	snprintf(st->policy, sizeof(st->policy), "%s", m->pol && m->pol->name ? m->pol->name : "?");
	return 0;
}

int machine_huge_stat(struct vmfs *m, struct vmfs_huge_stat *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < HUGE_MAX_HSTATE; i++) {
		const struct hstate *h = &m->hstates[i];

		st->pool[i].size = PAGE_SIZE << h->order;
		st->pool[i].nr = h->nr_huge_pages;
		st->pool[i].free = h->free_huge_pages;
		st->pool[i].resv = h->resv_huge_pages;
		st->pool[i].surplus = h->surplus_huge_pages;
		st->pool[i].boot = h->boot_huge_pages;
	}
	return 0;
}

int machine_tlb_stat(struct vmfs *m, int pid, struct vmfs_tlb_stat *st)
{
	memset(st, 0, sizeof(*st));
	if (pid && !mm_lookup(m, pid))
		return -ESRCH;
	st->size[0] = m->opt.tlb;
	tlb_huge_sizes(m->opt.tlb, &st->size[1]);
	for (const struct mm *mm = m->procs; mm; mm = mm->next) {
		uint64_t used[1 + TLB_HUGE_SETS];

		if (pid && mm->pid != pid)
			continue;
		tlb_used(&mm->tlb, used);
		for (int k = 0; k < 1 + TLB_HUGE_SETS; k++)
			st->used[k] += used[k];
	}
	st->reach = st->used[0] * PAGE_SIZE;
	for (int k = 0; k < TLB_HUGE_SETS; k++)
		st->reach += st->used[1 + k] << tlb_huge_shift(k);
	return 0;
}

int machine_buddyinfo(struct vmfs *m, struct vmfs_buddyinfo *bi)
{
	_Static_assert(VMFS_MAX_ORDER == MAX_ORDER, "buddyinfo's orders");
	memset(bi, 0, sizeof(*bi));
	for (unsigned o = 0; o < MAX_ORDER; o++)
		bi->nr_free[o] = m->phys.nr_free[o];
	bi->pcp = m->phys.pcp_count;
	return 0;
}

int machine_lru_stat(struct vmfs *m, struct vmfs_lru_stat *st)
{
	policy_hand_fn hand = m->pol_builtin ? policy_hand(m->pol) : NULL;

	memset(st, 0, sizeof(*st));
	st->clock_hand = hand ? hand(m->pol_state) : VMFS_NO_HAND;
	if (m->pol_lru_stat) {
		m->pol_lru_stat(m->pol_state, st);
		st->lists = 1;
		return 0;
	}
	/* No lists: every resident page is active, on the list Linux files it on. */
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		const struct frame *f = pfn_frame(&m->phys, pfn);

		if ((f->flags & FRAME_KIND_MASK) == FRAME_FREE ||
		    (f->flags & FRAME_KIND_MASK) == FRAME_HUGETLB)   /* never on an LRU */
			continue;
		if (page_swapbacked(f))
			st->nr_active_anon++;
		else
			st->nr_active_file++;
	}
	return 0;
}

int machine_stat(struct vmfs *m, struct vmfs_stat *st)
{
	return machine_statx(m, st, VMFS_STAT_ALL);
}

int proc_stat(struct vmfs *m, int pid, struct vmfs_proc_stat *st)
{
	struct mm *mm = mm_lookup(m, pid);

	if (!mm)
		return -ESRCH;
	memset(st, 0, sizeof(*st));
	st->pid = mm->pid;
	st->ppid = mm->ppid;
	memcpy(st->comm, mm->comm, sizeof(st->comm));
	snprintf(st->name, sizeof(st->name), "%s", mm->name);
	st->min_flt = mm->c.min_flt;
	st->maj_flt = mm->c.maj_flt;
	st->cow_flt = mm->c.cow_flt;
	st->segv = mm->c.segv;
	st->rss_anon = mm->c.rss_anon;
	st->rss_file = mm->c.rss_file;
	st->rss_shmem = mm->c.rss_shmem;
	st->swap = mm->c.swapents;
	st->pt_pages = mm->c.pt_pages;
	st->vm_pages = mm->vm_pages;
	st->nr_maps = mm->vmas.count;
	st->tlb_hit = mm->c.tlb_hit;
	st->tlb_miss = mm->c.tlb_miss;
	st->cr3 = mm->cr3;
	st->start_ns = mm->start_ns;
	st->rss_peak = mm->rss_peak;
	st->vm_peak = mm->vm_peak;
	st->start_code = mm->img.start_code;
	st->end_code = mm->img.end_code;
	st->start_data = mm->img.start_data;
	st->end_data = mm->img.end_data;
	st->start_brk = mm->img.start_brk;
	st->brk = mm->img.brk;
	st->start_stack = mm->img.start_stack;
	st->arg_start = mm->img.arg_start;
	st->arg_end = mm->img.arg_end;
	st->env_end = mm->img.env_end;
	st->pgtables_pages = mm_pgtables_pages(m, mm);
	st->hugetlb_pages = mm->c.hugetlb;
	st->locked_vm = mm->locked_vm;
	return 0;
}

int machine_mlock_stat(struct vmfs *m, struct vmfs_mlock_stat *st)
{
	memset(st, 0, sizeof(*st));
	for (uint64_t pfn = 0; pfn < m->phys.nframes; pfn++) {
		const struct frame *f = pfn_frame(&m->phys, pfn);
		unsigned fl = f->flags;
		uint64_t n = 1ull << frame_order(f);   /* a huge page's head: all its pages */

		st->mlocked += (fl & FRAME_MLOCKED) ? n : 0;
		st->lazyfree += (fl & FRAME_LAZYFREE) ? n : 0;
	}
	st->unevictable = st->mlocked;
	st->unevictable_pgs_mlocked = m->cnt.unevictable_pgs_mlocked;
	st->unevictable_pgs_munlocked = m->cnt.unevictable_pgs_munlocked;
	st->unevictable_pgs_cleared = m->cnt.unevictable_pgs_cleared;
	st->pglazyfree = m->cnt.pglazyfree;
	st->pglazyfreed = m->cnt.pglazyfreed;
	st->memlock = m->opt.memlock;
	st->thp_fault_alloc = m->cnt.thp_fault_alloc;
	st->thp_fault_fallback = m->cnt.thp_fault_fallback;
	st->thp_split_pmd = m->cnt.thp_split_pmd;
	st->thp_split_page = m->cnt.thp_split_page;
	st->nr_anon_transparent_hugepages = m->cnt.nr_anon_thp;
	return 0;
}

/* Linux keeps Pss in bytes with a 12-bit fraction until the sum (task_mmu.c). */
#define PSS_SHIFT 12

/*
 * shmem_swap_usage: the pages of @v's range of its shared-memory object
 * that are in swap.  A swapped shared page leaves no swap entry in the
 * tables (its object keeps the slot), so smaps counts it from the object,
 * in Swap only (SwapPss leaves shmem out, as smap_gather_stats does).
 */
static uint64_t shmem_swap_usage(const struct vma *v)
{
	uint64_t first = v->pgoff, n = (v->end - v->start) >> PAGE_SHIFT, swapped = 0;

	if (n <= vmobj_nr_pages(v->obj)) {
		for (uint64_t i = 0; i < n; i++) {
			const uint64_t *val = vmobj_lookup(v->obj, first + i);

			swapped += val && (*val & VMOBJ_SWAPPED);
		}
	} else {
		size_t it = 0;
		uint64_t pgoff, val;

		while (vmobj_next_page(v->obj, &it, &pgoff, &val))
			swapped += (val & VMOBJ_SWAPPED) && pgoff >= first && pgoff - first < n;
	}
	return swapped;
}

_Static_assert(VMA_ACCOUNT == VMFS_MAP_ACCOUNT, "vmfs_map.flags shows VM_ACCOUNT as it is kept");

/* Count the pages of one mapping for vmfs_maps. */
static int count_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	struct vmfs_map *o = arg;
	uint64_t e = *ptep;

	(void)mm;
	(void)va;
	if (pte_is_swap(e)) {
		/* smaps_pte_entry: SwapPss shares the slot among its swap entries
		 * (swp_swapcount: the swap cache's reference is not one) */
		uint64_t slot = pte_pfn(e), pfn, count = swap_refs(&m->swap, slot);

		if (count && swap_cache_find(&m->swap, slot, &pfn))
			count--;
		o->swap++;
		o->swap_pss += (PAGE_SIZE << PSS_SHIFT) / (count > 1 ? count : 1);
	} else if (pte_resident(e) && !is_zero_pfn(m, pte_pfn(e))) {
		/* (smaps_pte_entry counts no zero page: vm_normal_page has none;
		 * a page of a huge leaf counts as smaps_pmd_entry's, by its head) */
		const struct frame *f = pfn_frame(&m->phys, compound_head(&m->phys, pte_pfn(e)));
		bool dirty = (e & PTE_D) || (f->flags & FRAME_DIRTY);
		uint64_t share = (PAGE_SIZE << PSS_SHIFT) / (f->mapcount ? f->mapcount : 1);

		o->rss++;
		o->pss += share;
		if (dirty)
			o->pss_dirty += share;
		if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON) {
			o->anon++;
			if (f->flags & FRAME_HEAD)
				o->anon_huge++;   /* AnonHugePages: mapped by a huge leaf */
			o->pss_anon += share;   /* smaps_page_accumulate: PageAnon */
			/* smaps_account: !PageSwapBacked && !dirty && !PageDirty */
			if ((f->flags & FRAME_LAZYFREE) && !dirty)
				o->lazyfree++;
		}
		if ((e & PTE_A) || (f->flags & FRAME_YOUNG))   /* pte_young || page_is_young */
			o->referenced++;
		if (dirty)
			o->dirty++;
		if (f->mapcount > 1) {
			o->shared++;
			dirty ? o->shared_dirty++ : o->shared_clean++;
		} else {
			dirty ? o->private_dirty++ : o->private_clean++;
		}
	}
	return 0;
}

/*
 * smaps_hugetlb_range: a hugetlb leaf counts in Shared_Hugetlb or
 * Private_Hugetlb by its page's mapcount, in nothing else (not Rss).
 */
static int count_hugetlb(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level,
			 void *arg)
{
	struct vmfs_map *o = arg;
	uint64_t pages = 1ull << (pt_shift(&m->geom, level) - PAGE_SHIFT);

	(void)mm;
	(void)va;
	if (pfn_frame(&m->phys, pte_pfn(*ep))->mapcount >= 2)
		o->shared_hugetlb += pages;
	else
		o->private_hugetlb += pages;
	return 0;
}

static const struct mm_walk_ops count_ops = { .pte_entry = count_pte, .huge_ptes = true,
					      .hugetlb_entry = count_hugetlb };

int proc_maps(struct vmfs *m, int pid, struct vmfs_map *maps, uint64_t max)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t n = 0;

	if (!mm)
		return -ESRCH;
	for (const struct vma *v = mm->vmas.first; v && n < max; v = v->next, n++) {
		struct vmfs_map *o = &maps[n];

		memset(o, 0, sizeof(*o));
		o->start = v->start;
		o->end = v->end;
		o->prot = v->prot;
		o->flags = v->flags | (v->vm_flags & VM_LOCKED ? VMFS_MAP_LOCKED : 0) |
			   (v->vm_flags & VM_LOCKONFAULT ? VMFS_MAP_LOCKONFAULT : 0) |
			   (v->vm_flags & VM_DONTCOPY ? VMFS_MAP_DONTCOPY : 0) |
			   (v->vm_flags & VM_WIPEONFORK ? VMFS_MAP_WIPEONFORK : 0) |
			   (v->vm_flags & VM_HUGEPAGE ? VMFS_MAP_HUGEPAGE : 0) |
			   (v->vm_flags & VM_NOHUGEPAGE ? VMFS_MAP_NOHUGEPAGE : 0) |
			   (v->vm_flags & VM_HUGETLB ? VMFS_MAP_HUGETLB : 0);
		o->page_size = v->vm_flags & VM_HUGETLB ? PAGE_SIZE << m->hstates[v->hstate].order :
			       PAGE_SIZE;
		o->offset = v->obj ? v->pgoff << PAGE_SHIFT : 0;
		if (v->obj && v->obj->kind == VMOBJ_SHMEM)
			o->ino = (uint32_t)v->obj->id ? (uint32_t)v->obj->id : 1;
		o->nomaywrite = v->nomaywrite;
		if (v->growsdown)
			o->flags |= VMFS_MAP_GROWSDOWN;
		if (v->obj && v->obj->name) {
			snprintf(o->object, sizeof(o->object), "%s%s",
				 v->obj->kind == VMOBJ_HOST ? v->obj->path : v->obj->name,
				 v->obj->removed ? " (deleted)" : "");
			o->object_number = v->obj->sid;
			if (v->obj->kind == VMOBJ_HOST) {
				o->host_dev = v->obj->dev;
				o->host_ino = v->obj->ino;
			}
		}
		walk_page_range(m, mm, v->start, v->end, &count_ops, o);
		o->thp_eligible = !(v->vm_flags & VM_HUGETLB) && thp_vma_allowable(m, v, UINT64_MAX);
		if (v->obj && v->obj->kind == VMOBJ_SHMEM)
			o->swap += shmem_swap_usage(v);
		o->pss >>= PSS_SHIFT;
		o->pss_dirty >>= PSS_SHIFT;
		o->pss_anon >>= PSS_SHIFT;
		o->swap_pss >>= PSS_SHIFT;
	}
	return mm->vmas.count > INT32_MAX ? INT32_MAX : (int)mm->vmas.count;
}

int machine_pids(struct vmfs *m, int *pids, uint64_t max)
{
	uint64_t n = 0;

	for (const struct mm *mm = m->procs; mm && n < max; mm = mm->next)
		pids[n++] = mm->pid;
	return m->nr_procs > INT32_MAX ? INT32_MAX : (int)m->nr_procs;
}

struct pagemap_walk {
	uint64_t *out;
	uint64_t  vpn;   /* the page out[0] is for */
};

/* One /proc/PID/pagemap entry for the user page at @va (pagemap_pte_range). */
static int pagemap_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	const struct pagemap_walk *pw = arg;
	uint64_t e = *ptep, pm = 0;

	(void)mm;
	if (pte_resident(e) && is_zero_pfn(m, pte_pfn(e))) {
		/* The zero page: present, its PFN, no page (vm_normal_page):
		 * neither exclusively mapped nor a file page. */
		pm = VMFS_PM_PRESENT | (pte_pfn(e) & VMFS_PM_PFN_MASK);
	} else if (pte_resident(e)) {
		/* a page of a huge leaf: its own PFN, the head's mapcount */
		const struct frame *f = pfn_frame(&m->phys, compound_head(&m->phys, pte_pfn(e)));

		pm = VMFS_PM_PRESENT | (pte_pfn(e) & VMFS_PM_PFN_MASK);
		if ((f->flags & FRAME_KIND_MASK) == FRAME_CACHE)
			pm |= VMFS_PM_FILE;
		if (f->mapcount == 1)
			pm |= VMFS_PM_EXCLUSIVE;
		if (e & PTE_SOFT_DIRTY)
			pm |= VMFS_PM_SOFT_DIRTY;
	} else if (pte_is_swap(e)) {
		pm = VMFS_PM_SWAPPED | ((pte_pfn(e) << VMFS_PM_SWAP_SHIFT) & VMFS_PM_PFN_MASK);
		if (e & PTE_SWP_SOFT_DIRTY)
			pm |= VMFS_PM_SOFT_DIRTY;
	}
	pw->out[(va >> PAGE_SHIFT) - pw->vpn] = pm;
	return 0;
}

static const struct mm_walk_ops pagemap_ops = { .pte_entry = pagemap_pte, .huge_ptes = true };

/* vmfs_pagemap: one /proc/PID/pagemap entry per page (pagemap.rst). */
int64_t proc_pagemap(struct vmfs *m, int pid, uint64_t vpn, uint64_t *out, uint64_t n)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t top = m->geom.user_top >> PAGE_SHIFT;
	struct pagemap_walk pw = { out, vpn };

	if (!mm)
		return -ESRCH;
	if (vpn >= top)
		return 0;
	if (n > top - vpn)
		n = top - vpn;
	memset(out, 0, n * sizeof(*out));   /* the pages with no entry */
	walk_page_range(m, mm, vpn << PAGE_SHIFT, (vpn + n) << PAGE_SHIFT, &pagemap_ops, &pw);
	/* Every page of a VM_SOFTDIRTY mapping, present or not (pagemap_pte_hole too). */
	for (const struct vma *v = vma_find_after(&mm->vmas, vpn << PAGE_SHIFT);
	     v && v->start < (vpn + n) << PAGE_SHIFT; v = v->next) {
		uint64_t lo = v->start >> PAGE_SHIFT, hi = v->end >> PAGE_SHIFT;

		if (!v->soft_dirty)
			continue;
		for (uint64_t p = lo > vpn ? lo : vpn; p < hi && p < vpn + n; p++)
			out[p - vpn] |= VMFS_PM_SOFT_DIRTY;
	}
	return (int64_t)n;
}

struct pt_dump {
	struct vmfs_pt_entry *out;
	uint64_t max, count;
};

/* One entry of the dump, at any level. */
static int dump_entry(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ep, int level, void *arg)
{
	struct pt_dump *d = arg;
	uint64_t paddr = pt_paddr(&m->phys, ep);

	(void)mm;
	if (d->count < d->max)
		d->out[d->count] = (struct vmfs_pt_entry){
			.level = level, .index = (uint32_t)((paddr & (PAGE_SIZE - 1)) / sizeof(*ep)),
			.table = paddr & ~(uint64_t)(PAGE_SIZE - 1), .vaddr = va, .entry = *ep };
	d->count++;
	return 0;
}

static int dump_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	return dump_entry(m, mm, va, ptep, m->geom.levels - 1, arg);
}

/* A huge pmd leaf: one entry of the dump, at the pmd level, where its walk ends. */
static int dump_pmd(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *pmdp, void *arg)
{
	return dump_entry(m, mm, va, pmdp, m->geom.levels - 2, arg);
}

static const struct mm_walk_ops dump_ops = { .upper_entry = dump_entry, .pte_entry = dump_pte,
					     .pmd_entry = dump_pmd, .hugetlb_entry = dump_entry };

/* vmfs_pagetable: the user half's non-zero entries, depth first. */
int64_t proc_pagetable(struct vmfs *m, int pid, struct vmfs_pt_entry *out, uint64_t max)
{
	struct mm *mm = mm_lookup(m, pid);
	struct pt_dump d = { out, max, 0 };

	if (!mm)
		return -ESRCH;
	walk_page_range(m, mm, 0, m->geom.user_top, &dump_ops, &d);
	return (int64_t)d.count;
}

/* Write back and commit; a failure is also logged, as Linux logs a failed
 * writeback, since the caller may be the daemon at unmount with no one to
 * tell but the log. */
int machine_sync(struct vmfs *m)
{
	int rc = object_writeback(m);

	if (rc >= 0)
		rc = store_sync(m->store);
	if (rc < 0)
		klog_add(&m->klog, machine_now(m), "vmfs: sync failed: %s", vm_error_msg());
	return rc;
}

size_t machine_swap_path(struct vmfs *m, char *buf, size_t len)
{
	int n;

	if (!m->swap.enabled) {
		if (buf && len)
			buf[0] = '\0';
		return 0;
	}
	n = snprintf(buf, buf ? len : 0, "%s", store_path(m->store));
	return n < 0 ? 0 : (size_t)n;
}

int machine_sysctl(struct vmfs *m, const char *name, uint64_t *oldval, const uint64_t *newval)
{
	int rc;

	if (name && !strcmp(name, "vm.nr_hugepages")) {   /* hugetlb_sysctl_handler */
		struct hstate *h = &m->hstates[HSTATE_2M];

		if (newval && *newval > (m->phys.nframes >> HPAGE_PMD_ORDER))
			return vm_error(-EINVAL, "vm.nr_hugepages: %llu out of range (0 to %llu, "
					"the 2 MiB pages of the machine's memory)",
					(unsigned long long)*newval,
					(unsigned long long)(m->phys.nframes >> HPAGE_PMD_ORDER));
		if (oldval)
			*oldval = h->nr_huge_pages - h->surplus_huge_pages;
		return newval ? set_max_huge_pages(m, h, *newval) : 0;
	}

	if (name && !strcmp(name, "vm.drop_caches")) {
		if (newval && (*newval < 1 || *newval > 4))
			return vm_error(-EINVAL, "vm.drop_caches: %llu out of range (1 to 4)",
					(unsigned long long)*newval);
		if (oldval)
			*oldval = m->drop_caches;
		if (!newval)
			return 0;
		m->drop_caches = *newval;
		if (*newval & 1) {   /* drop_pagecache_sb over every object */
			object_drop_caches(m);
			m->cnt.drop_pagecache++;
		}
		if (*newval & 2)     /* drop_slab: nothing the machine keeps */
			m->cnt.drop_slab++;
		return 0;
	}
	rc = options_sysctl(&m->opt, name, oldval, newval);
	if (rc == 0 && newval && m->pol_swappiness && !strcmp(name, "vm.swappiness"))
		m->pol_swappiness(m->pol_state, newval, NULL);
	return rc;
}
