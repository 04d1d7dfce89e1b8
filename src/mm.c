/*
 * mm.c - processes: spawn, fork with copy-on-write, exit, and the PID table.
 * (What a process has resident is counted by rmap.c as entries come and go.)
 *
 * fork follows Linux's dup_mm/copy_page_range: the child gets a copy of
 * every mapping, then of every leaf entry inside them.  A private page ends
 * up mapped read-only in both with VMFS_PTE_COW set and its frame's mapcount
 * raised; the first write in either copies it (or takes it over when it has
 * become the last mapping, see memory.c do_wp_page).  Shared pages keep their
 * entries.  The child's entries start "old" (accessed bit clear), as Linux
 * makes them.  Only present subtrees are visited, so fork costs what the
 * page tables hold, not what the address space spans.
 *
 * Each of the child's mappings whose parent mapping has an anon_vma gets
 * one of its own, linked to the parent's (anon_vma_fork), which is what
 * keeps the child's mappings from merging where the parent's do (mmap.c).
 *
 * A huge pmd leaf (transparent huge pages, huge_memory.c) is copied whole
 * (copy_huge_pmd) and zapped whole (zap_huge_pmd) when the range covers
 * its 2 MiB; one only partly inside a zapped range is split first.
 *
 * A swap entry copied to the child adds a reference to its slot; exit and
 * munmap drop them, and a swap-cache page nobody refers to any more is
 * freed with its slot.
 *
 * madvise's fork bits are honoured as dup_mmap does: a VM_DONTCOPY mapping
 * is left out of the child, a VM_WIPEONFORK one is copied without its
 * pages (the child reads zeros), and the child's mappings lose VM_LOCKED
 * (mlock is not inherited; nor is mlockall's def_flags).  exit munlocks
 * every locked mapping before its pages go (exit_mmap).
 *
 * Invariants: an mm is in the PID map, the PID-ordered list and its
 * anon_vma's member list exactly while it lives; its counters equal what
 * its tables and mappings hold.
 */
#include "machine.h"
#include "error.h"
#include "huge_memory.h"
#include "hugetlb_vma.h"
#include "page.h"
#include "rmap.h"
#include "vmobj.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct mm *mm_lookup(struct vmfs *m, int pid)
{
	uint64_t *v;

	if (m->last_mm && m->last_mm->pid == pid)   /* calls come in runs per process */
		return m->last_mm;
	v = pid > 0 ? u64map_get(&m->pids, (uint64_t)pid) : NULL;
	if (!v) {
		vm_error(-ESRCH, "no process with PID %d", pid);
		return NULL;
	}
	m->last_mm = (struct mm *)(uintptr_t)*v;
	return m->last_mm;
}

/* Drop whatever the leaf entry at @ptep holds (zap_pte_range). */
static int zap_pte(struct vmfs *m, struct mm *mm, uint64_t va, uint64_t *ptep, void *arg)
{
	uint64_t e = *ptep;

	(void)arg;
	set_pte(mm, va, ptep, 0);
	if (pte_resident(e) && is_zero_pfn(m, pte_pfn(e))) {
		/* the zero page: no frame to let go */
	} else if (pte_resident(e)) {
		uint64_t pfn = pte_pfn(e);
		struct frame *f = pfn_frame(&m->phys, pfn);

		if (e & PTE_D)
			f->flags |= FRAME_DIRTY;   /* the frame outlives this entry's dirt */
		page_remove_rmap(m, mm, pfn);
		bool survives = f->refcount > 1;

		page_put(m, pfn);
		if (survives)
			try_free_swapcache(m, pfn);
	} else if (pte_is_swap(e)) {
		uint64_t slot = pte_pfn(e), pfn;

		mm->c.swapents--;
		if (swap_put(&m->swap, slot) == 1 && swap_cache_find(&m->swap, slot, &pfn))
			try_free_swapcache(m, pfn);
	}
	return 0;
}

void zap_range(struct vmfs *m, struct mm *mm, uint64_t start, uint64_t end)
{
	/* a huge leaf wholly inside goes whole (zap_huge_pmd); one partly inside is split */
	static const struct mm_walk_ops zap_ops = { .pte_entry = zap_pte, .free_empty = true,
						    .pmd_entry = zap_huge_pmd,
						    .hugetlb_entry = hugetlb_zap_entry };

	walk_page_range(m, mm, start, end, &zap_ops, NULL);
}

static bool name_ok(const char *name)
{
	size_t n = 0;

	if (!name)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++)
		if (*p < 0x20 || *p == 0x7f || n >= NAME_MAX_LEN)
			return false;
	return n > 0;
}

static void av_join(struct anon_vma *av, struct mm *mm)
{
	mm->av = av;
	mm->av_prev = NULL;
	mm->av_next = av->members;
	if (av->members)
		av->members->av_prev = mm;
	av->members = mm;
	av->refcount++;
}

static void av_leave(struct mm *mm)
{
	struct anon_vma *av = mm->av;

	if (mm->av_prev)
		mm->av_prev->av_next = mm->av_next;
	else
		av->members = mm->av_next;
	if (mm->av_next)
		mm->av_next->av_prev = mm->av_prev;
	mm->av = NULL;
	if (--av->refcount == 0)
		free(av);
}

static void free_vmas(struct vmfs *m, struct mm *mm)
{
	struct vma *v = mm->vmas.first;

	while (v) {
		struct vma *next = v->next;

		if (v->flags & VMA_ACCOUNT)
			vm_unacct_memory(m, (v->end - v->start) >> PAGE_SHIFT);
		if (v->obj) {
			vmobj_unlink_vma(v->obj, v);
			vmobj_put(m, v->obj);
		}
		hugetlb_vm_op_close(m, v);
		free(v);
		v = next;
	}
	vma_tree_init(&mm->vmas, m->geom.user_top);
	mm->vm_pages = 0;
}

/* Free everything of @mm and the mm itself; it must be unlinked already. */
static void mm_destroy(struct vmfs *m, struct mm *mm)
{
	if (mm->cpu)
		mm->cpu_free(mm->cpu);
	m->cnt.tlb_hit += mm->c.tlb_hit;   /* the machine's count keeps them */
	m->cnt.tlb_miss += mm->c.tlb_miss;
	if (mm->locked_vm && mm->cr3) {
		/* exit_mmap's munlock: the pages stay locked only if another process locks them. */
		for (struct vma *v = mm->vmas.first; v; v = v->next)
			v->vm_flags &= ~VM_LOCKED_MASK;
		for (struct vma *v = mm->vmas.first; v; v = v->next)
			mlock_range(m, mm, v->start, v->end, false);
		mm->locked_vm = 0;
	}
	if (mm->cr3) {
		zap_range(m, mm, 0, m->geom.user_top);
		pgd_free(m, mm);
		assert(mm->c.pt_pages == 0);
	}
	free_vmas(m, mm);
	if (mm->av)
		av_leave(mm);
	tlb_free(&mm->tlb);
	free(mm->name);
	free(mm);
}

/*
 * A new process with an empty user half and no top table yet, not yet
 * visible; room for its PID is made in the PID map, so that publishing it
 * cannot fail.
 */
static struct mm *mm_new(struct vmfs *m, const char *name)
{
	struct mm *mm;

	if (m->next_pid == INT32_MAX) {
		vm_error(-EAGAIN, "PIDs exhausted");
		return NULL;
	}
	mm = calloc(1, sizeof(*mm));
	if (!mm || !(mm->name = strdup(name)) || tlb_init(&mm->tlb, m->opt.tlb) < 0 ||
	    u64map_reserve(&m->pids) < 0) {
		if (mm)
			mm_destroy(m, mm);
		vm_error(-ENOMEM, "out of memory creating a process");
		return NULL;
	}
	vma_tree_init(&mm->vmas, m->geom.user_top);
	strncpy(mm->comm, name, COMM_LEN - 1);
	mm->start_ns = machine_now(m);
	return mm;
}

/*
 * Give @mm its top table, after every host allocation of spawn or fork (a
 * table taken and given back would still raise the pool's high-water mark).
 */
static int mm_alloc_pgd(struct vmfs *m, struct mm *mm)
{
	if (pgd_alloc(m, mm) < 0)
		return vm_error(-ENOMEM, "out of memory creating a process");
	return 0;
}

/* Make @mm visible under the next PID (mm_new made room for it). */
static int mm_publish(struct vmfs *m, struct mm *mm)
{
	mm->pid = m->next_pid;
	if (u64map_put(&m->pids, (uint64_t)mm->pid, (uint64_t)(uintptr_t)mm) < 0)
		return vm_error(-ENOMEM, "out of memory creating a process");
	m->next_pid++;
	mm->prev = m->procs_tail;
	mm->next = NULL;
	if (m->procs_tail)
		m->procs_tail->next = mm;
	else
		m->procs = mm;
	m->procs_tail = mm;
	m->nr_procs++;
	return mm->pid;
}

int mm_spawn(struct vmfs *m, const char *name)
{
	struct anon_vma *av;
	struct mm *mm;
	int rc;

	if (!name_ok(name))
		return vm_error(-EINVAL, "spawn: a name is 1 to %d printable bytes", NAME_MAX_LEN);
	av = calloc(1, sizeof(*av));
	if (!av)
		return vm_error(-ENOMEM, "out of memory creating a process");
	mm = mm_new(m, name);
	if (!mm || mm_alloc_pgd(m, mm) < 0) {
		if (mm)
			mm_destroy(m, mm);
		free(av);
		return -ENOMEM;
	}
	av->id = ++m->next_owner;
	av_join(av, mm);
	rc = mm_publish(m, mm);
	if (rc < 0) {
		mm_destroy(m, mm);
		return rc;
	}
	m->cnt.spawns++;
	return rc;
}

struct copy_ctx {
	struct mm        *dst;
	const struct vma *vma;
	uint64_t         *leaf;     /* the child's current leaf table */
	uint64_t          leaf_va;  /* the address it starts at, or 1 */
};

/* copy_pte: one entry of the parent into the child (copy_present_pte). */
static int copy_pte(struct vmfs *m, struct mm *src, uint64_t va, uint64_t *ptep, void *arg)
{
	struct copy_ctx *c = arg;
	uint64_t span = 1ull << pt_shift(&m->geom, m->geom.levels - 2);
	uint64_t e = *ptep, *dptep;

	if (c->leaf_va != (va & ~(span - 1))) {
		uint64_t *d = pte_alloc(m, c->dst, va);

		if (!d)
			return -ENOMEM;
		c->leaf = d - pt_index(&m->geom, va, m->geom.levels - 1);
		c->leaf_va = va & ~(span - 1);
	}
	dptep = &c->leaf[pt_index(&m->geom, va, m->geom.levels - 1)];
	if (pte_resident(e) && is_zero_pfn(m, pte_pfn(e))) {
		/* The zero page: the entry is copied, read-only and COW already
		 * (copy_present_pte finds no page to share). */
		e &= ~PTE_A;
	} else if (pte_resident(e)) {
		uint64_t pfn = pte_pfn(e);
		struct frame *f = pfn_frame(&m->phys, pfn);

		if (c->vma->flags & MAP_PRIVATE) {
			uint64_t wp = (e & ~PTE_RW) | PTE_COW;

			if (wp != e)
				set_pte(src, va, ptep, wp);
			e = wp;
		}
		get_page(m, pfn);
		if ((f->flags & FRAME_KIND_MASK) == FRAME_ANON)
			page_add_anon_rmap(m, c->dst, pfn);
		else
			page_add_file_rmap(m, c->dst, pfn);
		e &= ~PTE_A;
	} else if (pte_is_swap(e)) {
		swap_get(&m->swap, pte_pfn(e));
		c->dst->c.swapents++;
	}
	set_pte_init(dptep, e);   /* the child has not run: its TLB is empty */
	return 0;
}

/* copy_pmd_range's huge leaf: copy_huge_pmd, never split. */
static int copy_pmd(struct vmfs *m, struct mm *src, uint64_t va, uint64_t *pmdp, void *arg)
{
	const struct copy_ctx *c = arg;

	return copy_huge_pmd(m, src, c->dst, va, pmdp);
}

/* copy_hugetlb_page_range's step: a hugetlb leaf, never split. */
static int copy_hugetlb(struct vmfs *m, struct mm *src, uint64_t va, uint64_t *ep, int level,
			void *arg)
{
	const struct copy_ctx *c = arg;

	return copy_hugetlb_entry(m, src, c->dst, c->vma, va, ep, level);
}

static const struct mm_walk_ops copy_ops = { .pte_entry = copy_pte, .pmd_entry = copy_pmd,
					     .hugetlb_entry = copy_hugetlb };

int mm_fork(struct vmfs *m, int pid)
{
	struct mm *parent = mm_lookup(m, pid), *child;
	uint64_t charge = 0;
	int rc;

	if (!parent)
		return -ESRCH;
	/* dup_mmap: the child's VM_ACCOUNT mappings are charged again */
	for (const struct vma *v = parent->vmas.first; v; v = v->next)
		if ((v->flags & VMA_ACCOUNT) && !(v->vm_flags & VM_DONTCOPY))   /* (not copied) */
			charge += (v->end - v->start) >> PAGE_SHIFT;
	if ((rc = vm_enough_memory(m, parent, charge, 0, parent->vm_pages)) < 0)
		return rc;
	child = mm_new(m, parent->name);
	if (!child)
		return -ENOMEM;
	child->ppid = parent->pid;
	child->img = parent->img;
	child->vmas.mmap_base = parent->vmas.mmap_base;
	memcpy(child->comm, parent->comm, COMM_LEN);
	av_join(parent->av, child);
	for (const struct vma *v = parent->vmas.first; v; v = v->next) {
		struct vma *n;

		if (v->vm_flags & VM_DONTCOPY)
			continue;       /* MADV_DONTFORK: not in the child at all */
		if (!(n = malloc(sizeof(*n))))
			goto nomem;
		*n = *v;
		n->mm = child;
		n->vm_flags &= ~VM_LOCKED_MASK;   /* locks are not inherited (dup_mmap) */
		if (n->vm_flags & VM_WIPEONFORK) {
			/* dup_mmap: a wiped mapping starts with no anon_vma */
			n->anon_vma = 0;
			n->anon_vma_forked = false;
		} else if (n->anon_vma) {
			/* anon_vma_fork: the child's mapping gets an anon_vma of its
			 * own, its chain linking the parent's too (not singular) */
			n->anon_vma = ++m->next_anon_vma;
			n->anon_vma_forked = true;
		}
		if (n->obj) {
			vmobj_get(n->obj);
			vmobj_link_vma(n->obj, n);
		}
		hugetlb_dup_vma(n);
		vma_link(&child->vmas, n);
		child->vm_pages += (v->end - v->start) >> PAGE_SHIFT;
		if (n->flags & VMA_ACCOUNT)
			m->committed += (v->end - v->start) >> PAGE_SHIFT;
	}
	child->vm_peak = child->vm_pages;
	if (mm_alloc_pgd(m, child) < 0)
		goto nomem;
	for (const struct vma *v = parent->vmas.first; v; v = v->next) {
		struct copy_ctx c = { .dst = child, .vma = v, .leaf_va = 1 };

		/* MADV_WIPEONFORK: the child's copy starts empty (zeros); DONTFORK: none. */
		if (v->vm_flags & (VM_DONTCOPY | VM_WIPEONFORK))
			continue;
		if (walk_page_range(m, parent, v->start, v->end, &copy_ops, &c) < 0)
			goto nomem;
	}
	rc = mm_publish(m, child);
	if (rc < 0) {
		mm_destroy(m, child);
		return rc;
	}
	m->cnt.forks++;
	return rc;
nomem:
	mm_destroy(m, child);
	return vm_error(-ENOMEM, "fork: out of memory for the child's page tables");
}

int mm_exit(struct vmfs *m, int pid)
{
	struct mm *mm = mm_lookup(m, pid);

	if (!mm)
		return -ESRCH;
	u64map_del(&m->pids, (uint64_t)pid);
	if (m->last_mm == mm)
		m->last_mm = NULL;
	if (mm->prev)
		mm->prev->next = mm->next;
	else
		m->procs = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	else
		m->procs_tail = mm->prev;
	m->nr_procs--;
	mm_destroy(m, mm);
	m->cnt.exits++;
	return 0;
}
