/*
 * exec.c - execve of a host ELF program into a process, as Linux 6.1's
 * load_elf_binary and create_elf_tables lay it out (fs/binfmt_elf.c,
 * fs/exec.c, arch/x86/mm/mmap.c), and brk (mm/mmap.c's brk).
 *
 *   do_execve ─► open_exec (program and PT_INTERP, resolved under root=
 *       │        as chroot does: ENOENT, ENOTDIR, ELOOP, EACCES, ENOEXEC,
 *       │        ELIBBAD for an interpreter that is not an x86-64 ELF file)
 *       │        elf_parse, check_loads (EINVAL), the strings (E2BIG)
 *       │        ── nothing has changed yet: every error above leaves the
 *       │           process as it was ──
 *       ├─ flush_old_exec: unmap everything (begin_new_exec)
 *       ├─ the stack: [stack] under STACK_TOP, argv/envp/execfn strings
 *       ├─ each PT_LOAD mapped privately from the host-file object (elf_map),
 *       │  bss anonymous (set_brk) and its partial page zeroed (padzero)
 *       ├─ PT_INTERP the same way, top-down below mmap_base (load_elf_interp)
 *       └─ create_elf_tables: platform, AT_RANDOM, auxv, envp, argv, argc
 *
 * The user space is the machine's (TASK_SIZE = user_top - one page, as
 * x86-64's TASK_SIZE_MAX leaves the last page out): STACK_TOP is TASK_SIZE,
 * ELF_ET_DYN_BASE is 2/3 of it, mmap_base TASK_SIZE less the stack gap (8
 * MiB rlimit + stack_guard_gap, clamped to [128 MiB, 5/6 TASK_SIZE]).  With
 * kernel.randomize_va_space 0 (aslr=0, the default) nothing is random, as
 * under setarch -R; otherwise (PF_RANDOMIZE) the stack top, mmap base and
 * PIE base get Linux's random offsets, and the brk too when it is 2
 * (aslr=1), drawn from splitmix64 of the machine's seed and the PID, as are
 * AT_RANDOM's 16 bytes.  The value is read once at the start of an exec.  A failure after the flush (out of memory) leaves
 * the process with what was made so far (Linux kills it then).  Called
 * with the machine lock held.
 */
#include "machine.h"
#include "elf.h"
#include "error.h"
#include "object.h"
#include "vmobj.h"
#include "uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif
#endif

#define STACK_EXPAND     131072ull                /* setup_arg_pages's stack_expand */
#define MAX_ARG_STRLEN   (32 * PAGE_SIZE)
#define STACK_RND_MASK   0x3fffffull              /* x86-64, in pages */
#define MMAP_RND_BITS    28
#define BRK_RND_RANGE    0x02000000ull
#define MINSIGSTKSZ_X86  2048                     /* x86 uapi MINSIGSTKSZ: no CPU, no xsave size */

enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
	AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
	AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
	AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51,
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t page_align(uint64_t a)
{
	return (a + PAGE_SIZE - 1) & PAGE_MASK;
}

/* A program file: its descriptor, resolved paths and headers. */
struct exec_file {
	int             fd;
	char            real[PATH_MAX];   /* as the process sees it, under root= */
	char            host[PATH_MAX];   /* as the host sees it */
	struct elf_info elf;
};

static int64_t fd_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const struct exec_file *f = arg;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vm_error(-EIO, "%s: read: %s", f->real, strerror(errno));
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (int64_t)done;
}

/*
 * Path resolution under root=DIR, as a process chrooted to it resolves
 * (fs/namei.c with current->fs->root): ".." at the root stays there, an
 * absolute symlink starts again at the root, a relative path starts at the
 * root (the process's working directory), at most 40 symlinks (ELOOP).
 * open_in_root_walk does it component by component; exec_open_in_root asks
 * the host's openat2 with RESOLVE_IN_ROOT first, which does the same in
 * the kernel, and walks where it is missing.  Both give the descriptor
 * and the file's canonical path as the process sees it (@inside: what the
 * object and maps are named) and as the host sees it (@host).
 */
#define MAXSYMLINKS 40

static int open_in_root_walk(int rootfd, const char *path, char *inside)
{
	char rest[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	const char *p = rest;
	size_t ilen = 0;
	int links = 0, fd;

	inside[0] = '\0';
	if (strlen(path) >= sizeof(rest))
		return -ENAMETOOLONG;
	memcpy(rest, path, strlen(path) + 1);
	for (;;) {
		const char *end;
		size_t clen;
		struct stat st;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = p + strcspn(p, "/");
		clen = (size_t)(end - p);
		if (clen == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (clen == 2 && p[0] == '.' && p[1] == '.') {   /* follow_dotdot: not above the root */
			while (ilen && inside[ilen - 1] != '/')
				ilen--;
			if (ilen)
				ilen--;
			inside[ilen] = '\0';
			p = end;
			continue;
		}
		if (ilen + 1 + clen >= PATH_MAX)
			return -ENAMETOOLONG;
		inside[ilen] = '/';
		memcpy(inside + ilen + 1, p, clen);
		inside[ilen + 1 + clen] = '\0';
		if (fstatat(rootfd, inside + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAXSYMLINKS)
				return -ELOOP;
			if ((n = readlinkat(rootfd, inside + 1, target, sizeof(target))) < 0)
				return -errno;
			if ((size_t)n >= sizeof(target) || (size_t)n + strlen(end) >= sizeof(next))
				return -ENAMETOOLONG;
			memcpy(next, target, (size_t)n);
			memcpy(next + n, end, strlen(end) + 1);
			memcpy(rest, next, strlen(next) + 1);
			p = rest;
			inside[ilen] = '\0';   /* the link's directory, or the root for an absolute one */
			if (rest[0] == '/')
				inside[ilen = 0] = '\0';
			continue;
		}
		ilen += 1 + clen;
		if (!S_ISDIR(st.st_mode) && *end)
			return -ENOTDIR;
		p = end;
	}
	fd = openat(rootfd, ilen ? inside + 1 : ".", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (!ilen)
		memcpy(inside, "/", 2);
	return fd < 0 ? -errno : fd;
}

/* The canonical host path of open @fd, and that path less @root into @inside: 0 or -1. */
static int fd_paths(int fd, const char *root, char *inside, char *host)
{
	char link[64];
	size_t rlen = strcmp(root, "/") ? strlen(root) : 0;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, host, PATH_MAX)) < 0 || n >= PATH_MAX)
		return -1;
	host[n] = '\0';
	if (host[0] != '/' || strncmp(host, root, rlen) || (host[rlen] && host[rlen] != '/'))
		return -1;
	snprintf(inside, PATH_MAX, "%s", host[rlen] ? host + rlen : "/");
	return 0;
}

int exec_open_in_root(const char *root, const char *path, bool try_openat2, char *inside, char *host)
{
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -ENOSYS;

	if (rootfd < 0)
		return -errno;
#if defined(SYS_openat2) && defined(RESOLVE_IN_ROOT)
	if (try_openat2) {
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd < 0)
			fd = -errno;
		else if (fd_paths(fd, root, inside, host) < 0) {   /* no /proc: walk */
			close(fd);
			fd = -ENOSYS;
		}
	}
#else
	(void)try_openat2;
#endif
	/* openat2 missing (or refused by a seccomp filter), or a rename raced it */
	if (fd == -ENOSYS || fd == -EPERM || fd == -EAGAIN) {
		fd = open_in_root_walk(rootfd, path, inside);
		if (fd >= 0)
			snprintf(host, PATH_MAX, "%s%s", strcmp(root, "/") ? root : "",
				 strcmp(inside, "/") || !strcmp(root, "/") ? inside : "");
	}
	close(rootfd);
	return fd;
}

/* open_exec + the ELF header checks: 0, or -ENOENT, -EACCES, -ENOEXEC, ... */
static int open_exec(const struct vmfs *m, const char *path, struct exec_file *f, const char *what)
{
	struct stat st;
	int rc;

	f->fd = -1;
	if (!path || !path[0])
		return vm_error(-ENOENT, "exec: empty %s path", what);
	if ((rc = exec_open_in_root(m->opt.root, path, true, f->real, f->host)) < 0)
		return vm_error(rc, "exec: %s '%s': %s", what, path, strerror(-rc));
	f->fd = rc;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111) ||
	    faccessat(AT_FDCWD, f->host, X_OK, AT_EACCESS) < 0) {
		close(f->fd);
		f->fd = -1;
		return vm_error(-EACCES, "exec: %s '%s' is not an executable regular file", what, path);
	}
	if ((rc = elf_parse(fd_read, f, (uint64_t)st.st_size, &f->elf)) < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", vm_error_msg());   /* vm_error writes where it points */
		close(f->fd);
		f->fd = -1;
		return vm_error(rc, "exec: %s '%s': %s", what, path, why);
	}
	return 0;
}

/* The checks load_elf_binary makes of each PT_LOAD (-EINVAL), made before anything changes. */
static int check_loads(const struct elf_info *e, uint64_t task_size, const char *path)
{
	bool any = false;

	for (int i = 0; i < e->phnum; i++) {
		const struct elf_phdr *h = &e->phdr[i];

		if (h->type != ELF_PT_LOAD)
			continue;
		any = true;
		if (h->filesz > h->memsz || h->memsz > task_size || h->vaddr >= task_size ||
		    task_size - h->memsz < h->vaddr)
			return vm_error(-EINVAL, "exec: '%s': PT_LOAD %d does not fit in user space", path, i);
	}
	if (!any)
		return vm_error(-EINVAL, "exec: '%s': no PT_LOAD (total_mapping_size 0)", path);
	return 0;
}

/* total_mapping_size: from the first PT_LOAD's page to the last one's end. */
static uint64_t total_mapping_size(const struct elf_info *e)
{
	int first = -1, last = -1;

	for (int i = 0; i < e->phnum; i++)
		if (e->phdr[i].type == ELF_PT_LOAD) {
			last = i;
			if (first < 0)
				first = i;
		}
	if (first < 0)
		return 0;
	return e->phdr[last].vaddr + e->phdr[last].memsz - (e->phdr[first].vaddr & PAGE_MASK);
}

/* maximum_alignment: the largest power-of-two p_align of the PT_LOADs, at least a page. */
static uint64_t maximum_alignment(const struct elf_info *e)
{
	uint64_t a = 0;

	for (int i = 0; i < e->phnum; i++) {
		uint64_t p = e->phdr[i].align;

		if (e->phdr[i].type == ELF_PT_LOAD && p && !(p & (p - 1)) && p > a)
			a = p;
	}
	return page_align(a);
}

static int make_prot(uint32_t pf)
{
	return (pf & ELF_PF_R ? PROT_READ : 0) | (pf & ELF_PF_W ? PROT_WRITE : 0) |
	       (pf & ELF_PF_X ? PROT_EXEC : 0);
}

/* One exec in progress. */
struct bprm {
	struct vmfs *m;
	struct mm   *mm;
	uint64_t     task_size;
	uint64_t     rng;
	uint64_t     p;          /* the lowest byte of the strings so far */
	bool         randomize;  /* PF_RANDOMIZE: randomize_va_space != 0 */
};

/*
 * elf_map: map @h of @o at @addr (page-aligned down) with @flags; with
 * @total, reserve that much first and unmap past the segment.  The address
 * it got; a segment with no file bytes maps nothing.
 */
static int elf_map(struct bprm *b, struct vmobj *o, uint64_t addr, const struct elf_phdr *h,
		   int prot, int flags, uint64_t total, uint64_t *out)
{
	uint64_t in = h->vaddr & ~PAGE_MASK, size = page_align(h->filesz + in);
	uint64_t off = h->offset - in, got;
	int rc;

	addr &= PAGE_MASK;
	if (!size) {
		*out = addr;
		return 0;
	}
	if (total) {
		total = page_align(total);
		if ((rc = do_mmap(b->m, b->mm->pid, addr, total, prot, flags, o->name, off, &got)) < 0)
			return rc;
		if (total > size && (rc = do_munmap(b->m, b->mm->pid, got + size, total - size)) < 0)
			return rc;
	} else if ((rc = do_mmap(b->m, b->mm->pid, addr, size, prot, flags, o->name, off, &got)) < 0) {
		return rc;
	}
	*out = got;
	return 0;
}

/* vm_brk_flags: anonymous rw memory over [start, start + len), fixed. */
static int vm_brk_flags(struct bprm *b, uint64_t start, uint64_t len, bool exec)
{
	if (!len)
		return 0;
	return do_mmap(b->m, b->mm->pid, start, len, PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0),
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL);
}

/* Write @len bytes at user address @va of the new image (copy_to_user): 0 or -EFAULT. */
static int put_user_bytes(struct bprm *b, uint64_t va, const void *buf, uint64_t len)
{
	struct vmfs_fault f;
	int64_t n = access_vm(b->m, b->mm->pid, va, (void *)buf, len, VMFS_ACCESS_WRITE, &f);

	if (n < 0 || (uint64_t)n != len)
		return vm_error(n < 0 && n != -EFAULT ? (int)n : -EFAULT,
				"exec: cannot write 0x%llx bytes at 0x%llx", (unsigned long long)len,
				(unsigned long long)va);
	return 0;
}

/* padzero: zero from @elf_bss to the end of its page. */
static int padzero(struct bprm *b, uint64_t elf_bss)
{
	static const uint8_t zeros[PAGE_SIZE];
	uint64_t n = elf_bss & ~PAGE_MASK;

	return n ? put_user_bytes(b, elf_bss, zeros, PAGE_SIZE - n) : 0;
}

/* What loading one ELF file left (load_elf_binary's figures). */
struct loaded {
	uint64_t load_bias, entry, phdr_addr;
	uint64_t start_code, end_code, start_data, end_data, elf_bss, elf_brk;
};

/* The main program's PT_LOADs (load_elf_binary's loop), bss and brk. */
static int load_program(struct bprm *b, const struct elf_info *e, struct vmobj *o, bool interp,
			struct loaded *l)
{
	uint64_t elf_bss = 0, elf_brk = 0, load_bias = 0, phdr_addr = 0;
	uint64_t start_code = UINT64_MAX, end_code = 0, start_data = 0, end_data = 0;
	bool first = true;
	int bss_prot = 0, rc;

	for (int i = 0; i < e->phnum; i++) {
		const struct elf_phdr *h = &e->phdr[i];
		int prot = make_prot(h->flags), flags = MAP_PRIVATE;
		uint64_t vaddr = h->vaddr, total = 0, got, k;

		if (h->type != ELF_PT_LOAD)
			continue;
		if (elf_brk > elf_bss) {
			/* A PT_LOAD with bss before this one: map it and clear its page. */
			uint64_t s = page_align(elf_bss + load_bias), t = page_align(elf_brk + load_bias);
			uint64_t nbyte = elf_bss & ~PAGE_MASK;

			if (t > s && (rc = vm_brk_flags(b, s, t - s, bss_prot & PROT_EXEC)) < 0)
				return rc;
			if (nbyte) {
				static const uint8_t zeros[PAGE_SIZE];

				nbyte = PAGE_SIZE - nbyte;
				if (nbyte > elf_brk - elf_bss)
					nbyte = elf_brk - elf_bss;
				put_user_bytes(b, elf_bss + load_bias, zeros, nbyte);   /* may fail: ignored, as Linux */
			}
		}
		if (!first) {
			flags |= MAP_FIXED;
		} else if (e->type == ELF_ET_EXEC) {
			flags |= MAP_FIXED_NOREPLACE;
		} else {
			if (interp) {
				uint64_t align = maximum_alignment(e);

				load_bias = b->task_size / 3 * 2;   /* ELF_ET_DYN_BASE */
				if (b->randomize)
					load_bias += (splitmix64(&b->rng) & ((1ull << MMAP_RND_BITS) - 1)) << PAGE_SHIFT;
				if (align)
					load_bias &= ~(align - 1);
				flags |= MAP_FIXED_NOREPLACE;
			} else {
				load_bias = 0;
			}
			load_bias = (load_bias - vaddr) & PAGE_MASK;
			total = total_mapping_size(e);
		}
		if ((rc = elf_map(b, o, load_bias + vaddr, h, prot, flags, total, &got)) < 0)
			return rc;
		if (first) {
			first = false;
			if (e->type == ELF_ET_DYN)
				load_bias += got - ((load_bias + vaddr) & PAGE_MASK);
		}
		if (h->offset <= e->phoff && e->phoff < h->offset + h->filesz)
			phdr_addr = e->phoff - h->offset + h->vaddr;
		k = h->vaddr;
		if ((h->flags & ELF_PF_X) && k < start_code)
			start_code = k;
		if (start_data < k)
			start_data = k;
		k = h->vaddr + h->filesz;
		if (k > elf_bss)
			elf_bss = k;
		if ((h->flags & ELF_PF_X) && end_code < k)
			end_code = k;
		if (end_data < k)
			end_data = k;
		k = h->vaddr + h->memsz;
		if (k > elf_brk) {
			bss_prot = prot;
			elf_brk = k;
		}
	}
	l->load_bias = load_bias;
	l->entry = e->entry + load_bias;
	l->phdr_addr = phdr_addr + load_bias;
	l->elf_bss = elf_bss + load_bias;
	l->elf_brk = elf_brk + load_bias;
	l->start_code = start_code + load_bias;
	l->end_code = end_code + load_bias;
	l->start_data = start_data + load_bias;
	l->end_data = end_data + load_bias;
	/* set_brk, before the interpreter, so that it does not land in the brk area */
	{
		uint64_t s = page_align(l->elf_bss), t = page_align(l->elf_brk);

		if (t > s && (rc = vm_brk_flags(b, s, t - s, bss_prot & PROT_EXEC)) < 0)
			return rc;
		b->mm->img.start_brk = b->mm->img.brk = t;
	}
	if (l->elf_bss != l->elf_brk && (rc = padzero(b, l->elf_bss)) < 0)
		return rc;
	return 0;
}

/* load_elf_interp: the interpreter's PT_LOADs, top-down; its load address. */
static int load_interp(struct bprm *b, const struct elf_info *e, struct vmobj *o, uint64_t no_base,
		       uint64_t *load_addr_out)
{
	uint64_t load_addr = 0, elf_bss = 0, last_bss = 0, total = total_mapping_size(e);
	bool load_addr_set = false;
	int bss_prot = 0, rc;

	for (int i = 0; i < e->phnum; i++) {
		const struct elf_phdr *h = &e->phdr[i];
		int type = MAP_PRIVATE, prot = make_prot(h->flags);
		uint64_t vaddr = h->vaddr, got, k;

		if (h->type != ELF_PT_LOAD)
			continue;
		if (e->type == ELF_ET_EXEC || load_addr_set)
			type |= MAP_FIXED;
		else if (no_base && e->type == ELF_ET_DYN)
			load_addr = -vaddr;
		if ((rc = elf_map(b, o, load_addr + vaddr, h, prot, type, total, &got)) < 0)
			return rc;
		total = 0;
		if (!load_addr_set && e->type == ELF_ET_DYN) {
			load_addr = got - (vaddr & PAGE_MASK);
			load_addr_set = true;
		}
		k = load_addr + h->vaddr;
		if (k >= b->task_size || h->memsz > b->task_size || b->task_size - h->memsz < k)
			return vm_error(-ENOMEM, "exec: interpreter PT_LOAD %d does not fit", i);
		k = load_addr + h->vaddr + h->filesz;
		if (k > elf_bss)
			elf_bss = k;
		k = load_addr + h->vaddr + h->memsz;
		if (k > last_bss) {
			last_bss = k;
			bss_prot = prot;
		}
	}
	if ((rc = padzero(b, elf_bss)) < 0)
		return rc;
	elf_bss = page_align(elf_bss);
	last_bss = page_align(last_bss);
	if (last_bss > elf_bss && (rc = vm_brk_flags(b, elf_bss, last_bss - elf_bss, bss_prot & PROT_EXEC)) < 0)
		return rc;
	*load_addr_out = load_addr;
	return 0;
}

/* The number of strings in NULL-terminated @v, and their bytes with NULs into *bytes; -E2BIG past a limit. */
static int64_t count_strings(const char *const *v, uint64_t *bytes, const char *what)
{
	int64_t n = 0;

	for (; v && v[n]; n++) {
		size_t len = strnlen(v[n], MAX_ARG_STRLEN) + 1;

		if (len > MAX_ARG_STRLEN)
			return vm_error(-E2BIG, "exec: %s[%lld] is longer than MAX_ARG_STRLEN (%llu)", what,
					(long long)n, (unsigned long long)MAX_ARG_STRLEN);
		*bytes += len;
		if (n >= 0x7fffffff)
			return vm_error(-E2BIG, "exec: more than MAX_ARG_STRINGS %s", what);
	}
	return n;
}

/* copy_strings: put @n strings of @v below b->p, the last highest. */
static int copy_strings(struct bprm *b, int64_t n, const char *const *v)
{
	int rc;

	while (n-- > 0) {
		size_t len = strlen(v[n]) + 1;

		b->p -= len;
		if ((rc = put_user_bytes(b, b->p, v[n], len)) < 0)
			return rc;
	}
	return 0;
}

/* mmap_base(): TASK_SIZE less the stack gap, clamped, less the random offset. */
static uint64_t mmap_base(bool randomize, uint64_t task_size, uint64_t rnd)
{
	uint64_t gap = STACK_RLIMIT, pad = (randomize ? STACK_RND_MASK << PAGE_SHIFT : 0) + STACK_GUARD_GAP;
	uint64_t gap_min = 128ull << 20, gap_max = task_size / 6 * 5;

	gap += pad;
	if (gap < gap_min)
		gap = gap_min;
	else if (gap > gap_max)
		gap = gap_max;
	return page_align(task_size - gap - rnd);
}

static void aux(uint64_t *auxv, uint32_t *n, uint64_t id, uint64_t val)
{
	auxv[(*n)++] = id;
	auxv[(*n)++] = val;
}

/* create_elf_tables: platform, random bytes, auxv, envp, argv, argc below b->p. */
static int create_elf_tables(struct bprm *b, const struct elf_info *e, const struct loaded *l,
			     uint64_t interp_load_addr, uint64_t execfn, int64_t argc,
			     const char *const *argv, int64_t envc, const char *const *envp,
			     uint64_t *sp_out)
{
	static const char platform[] = "x86_64";
	struct mm_image *img = &b->mm->img;
	uint64_t p = b->p, u_platform, u_rand, *auxv = img->saved_auxv, sp, items, *words, w = 0;
	uint8_t rnd[16];
	uint32_t n = 0;
	int rc;

	if (b->randomize)
		p -= splitmix64(&b->rng) % 8192;   /* arch_align_stack */
	p &= ~15ull;
	p -= sizeof(platform);
	u_platform = p;
	if ((rc = put_user_bytes(b, u_platform, platform, sizeof(platform))) < 0)
		return rc;
	for (int i = 0; i < 16; i += 8) {
		uint64_t r = splitmix64(&b->rng);

		memcpy(rnd + i, &r, 8);
	}
	p -= sizeof(rnd);
	u_rand = p;
	if ((rc = put_user_bytes(b, u_rand, rnd, sizeof(rnd))) < 0)
		return rc;
	memset(img->saved_auxv, 0, sizeof(img->saved_auxv));
	aux(auxv, &n, AT_MINSIGSTKSZ, MINSIGSTKSZ_X86);   /* ARCH_DLINFO, without AT_SYSINFO_EHDR: no vdso */
	aux(auxv, &n, AT_HWCAP, 0);
	aux(auxv, &n, AT_PAGESZ, PAGE_SIZE);
	aux(auxv, &n, AT_CLKTCK, 100);
	aux(auxv, &n, AT_PHDR, l->phdr_addr);
	aux(auxv, &n, AT_PHENT, ELF_PHDR_SIZE);
	aux(auxv, &n, AT_PHNUM, e->phnum);
	aux(auxv, &n, AT_BASE, interp_load_addr);
	aux(auxv, &n, AT_FLAGS, 0);
	aux(auxv, &n, AT_ENTRY, l->entry);
	aux(auxv, &n, AT_UID, getuid());
	aux(auxv, &n, AT_EUID, geteuid());
	aux(auxv, &n, AT_GID, getgid());
	aux(auxv, &n, AT_EGID, getegid());
	aux(auxv, &n, AT_SECURE, 0);
	aux(auxv, &n, AT_RANDOM, u_rand);
	aux(auxv, &n, AT_HWCAP2, 0);
	aux(auxv, &n, AT_EXECFN, execfn);
	aux(auxv, &n, AT_PLATFORM, u_platform);
	n += 2;   /* AT_NULL */
	img->auxv_words = n;
	items = (uint64_t)(argc + 1) + (uint64_t)(envc + 1) + 1;
	sp = (p - n * 8 - items * 8) & ~15ull;   /* STACK_ADD, STACK_ROUND */
	words = calloc(items + n, sizeof(*words));
	if (!words)
		return vm_error(-ENOMEM, "exec: out of memory for the stack tables");
	words[w++] = (uint64_t)argc;
	{
		uint64_t s = img->arg_start;

		for (int pass = 0; pass < 2; pass++) {
			const char *const *v = pass ? envp : argv;
			int64_t cnt = pass ? envc : argc;

			if (pass)
				img->arg_end = img->env_start = s;
			for (int64_t i = 0; i < cnt; i++) {
				words[w++] = s;
				s += strlen(v[i]) + 1;
			}
			words[w++] = 0;
		}
		img->env_end = s;
	}
	memcpy(words + w, auxv, n * 8);
	rc = put_user_bytes(b, sp, words, (items + n) * 8);
	free(words);
	if (rc < 0)
		return rc;
	*sp_out = sp;
	return 0;
}

/* The basename of @path, as Linux's __set_task_comm(kbasename(filename)). */
static void set_comm(struct mm *mm, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	memset(mm->comm, 0, COMM_LEN);
	strncpy(mm->comm, base, COMM_LEN - 1);
}

int do_execve(struct vmfs *m, int pid, const char *path, const char *const *argv,
	      const char *const *envp, struct vmfs_exec_info *info)
{
	static const char *const empty_argv[] = { "", NULL };
	struct mm *mm = mm_lookup(m, pid);
	struct exec_file *prog = NULL, *interp = NULL;
	struct vmobj *po = NULL, *io = NULL;
	uint64_t task_size = m->geom.user_top - PAGE_SIZE, strbytes, limit, ptr_size;
	uint64_t stack_top, stack_lo, interp_load = 0, entry, sp = 0, execfn;
	uint64_t randomize_va_space = m->opt.randomize_va_space;   /* snapshot_randomize_va_space */
	struct bprm b;
	struct loaded l;
	int64_t argc, envc;
	int rc;

	if (!mm)
		return -ESRCH;
	if (!path)
		return vm_error(-EFAULT, "exec: no path");
	prog = calloc(1, sizeof(*prog));
	interp = calloc(1, sizeof(*interp));
	if (!prog || !interp) {
		rc = vm_error(-ENOMEM, "exec: out of memory");
		goto out;
	}
	prog->fd = interp->fd = -1;
	/* The strings first, as do_execveat_common counts them: E2BIG. */
	strbytes = strlen(path) + 1;
	if ((argc = count_strings(argv, &strbytes, "argv")) < 0 ||
	    (envc = count_strings(envp, &strbytes, "envp")) < 0) {
		rc = (int)(argc < 0 ? argc : envc);
		goto out;
	}
	if (argc == 0) {   /* Linux 5.18+: an empty argv gets "" */
		argv = empty_argv;
		argc = 1;
		strbytes += 1;
	}
	limit = STACK_RLIMIT / 4;   /* bprm_stack_limits: min(rlimit/4, 3/4 _STK_LIM), at least ARG_MAX */
	ptr_size = (uint64_t)(argc + envc) * sizeof(uint64_t);
	if (limit <= ptr_size || strbytes > limit - ptr_size) {
		rc = vm_error(-E2BIG, "exec: %llu bytes of arguments and environment, over %llu",
			      (unsigned long long)(strbytes + ptr_size), (unsigned long long)limit);
		goto out;
	}
	if ((rc = open_exec(m, path, prog, "program")) < 0 ||
	    (rc = check_loads(&prog->elf, task_size, path)) < 0)
		goto out;
	if (prog->elf.interp >= 0) {
		/* open_exec's errors as they are; a bad interpreter is -ELIBBAD, as Linux */
		if ((rc = open_exec(m, prog->elf.interp_path, interp, "interpreter")) == -ENOEXEC ||
		    (rc == 0 && (rc = check_loads(&interp->elf, task_size, prog->elf.interp_path)) < 0)) {
			char why[256];

			snprintf(why, sizeof(why), "%s", vm_error_msg());
			rc = vm_error(-ELIBBAD, "%s (ELIBBAD)", why);
		}
		if (rc < 0)
			goto out;
	}
	if ((rc = object_host(m, prog->real, prog->fd, &po)) < 0 ||
	    (prog->elf.interp >= 0 && (rc = object_host(m, interp->real, interp->fd, &io)) < 0))
		goto out;

	/* The point of no return: begin_new_exec. */
	if ((rc = do_munmap(m, pid, 0, m->geom.user_top)) < 0)
		goto out;
	{
		uint32_t execs = mm->img.execs;   /* counts on (cpu.c) */

		memset(&mm->img, 0, sizeof(mm->img));
		mm->img.execs = execs;
	}
	b = (struct bprm){ .m = m, .mm = mm, .task_size = task_size,
			   .rng = m->opt.seed ^ ((uint64_t)pid << 32),
			   .randomize = randomize_va_space != 0 };
	stack_top = task_size;   /* STACK_TOP */
	mm->vmas.mmap_base = mmap_base(b.randomize, task_size, b.randomize ?
				       (splitmix64(&b.rng) & ((1ull << MMAP_RND_BITS) - 1)) << PAGE_SHIFT : 0);
	if (b.randomize)
		stack_top = page_align(stack_top) - ((splitmix64(&b.rng) & STACK_RND_MASK) << PAGE_SHIFT);
	/* The stack: strings from the top (execfn, envp, argv), then setup_arg_pages's 128 KiB. */
	b.p = stack_top - sizeof(uint64_t);
	stack_lo = (b.p - strbytes) & PAGE_MASK;
	stack_lo = stack_top - stack_lo + STACK_EXPAND > STACK_RLIMIT ? stack_top - STACK_RLIMIT
								     : stack_lo - STACK_EXPAND;
	if ((rc = do_mmap(m, pid, stack_lo, stack_top - stack_lo,
			  PROT_READ | PROT_WRITE | (prog->elf.exec_stack ? PROT_EXEC : 0),
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0, NULL)) < 0)
		goto out;
	vma_find(&mm->vmas, stack_lo)->growsdown = true;
	b.p -= strlen(path) + 1;
	execfn = b.p;
	if ((rc = put_user_bytes(&b, b.p, path, strlen(path) + 1)) < 0 ||
	    (rc = copy_strings(&b, envc, envp)) < 0 || (rc = copy_strings(&b, argc, argv)) < 0)
		goto out;
	mm->img.arg_start = b.p;

	if ((rc = load_program(&b, &prog->elf, po, prog->elf.interp >= 0, &l)) < 0)
		goto out;
	if (prog->elf.interp >= 0) {
		if ((rc = load_interp(&b, &interp->elf, io, l.load_bias, &interp_load)) < 0)
			goto out;
		entry = interp_load + interp->elf.entry;
	} else {
		entry = l.entry;
	}
	if ((rc = create_elf_tables(&b, &prog->elf, &l, interp_load, execfn, argc, argv, envc, envp, &sp)) < 0)
		goto out;
	mm->img.start_code = l.start_code;
	mm->img.end_code = l.end_code;
	mm->img.start_data = l.start_data;
	mm->img.end_data = l.end_data;
	mm->img.start_stack = sp;
	mm->img.entry = entry;
	mm->img.execs++;
	if (b.randomize && randomize_va_space > 1) {
		if (prog->elf.type == ELF_ET_DYN && prog->elf.interp < 0)
			mm->img.brk = mm->img.start_brk = task_size / 3 * 2;
		/* arch_randomize_brk: randomize_page(brk, 32 MiB) */
		mm->img.brk = mm->img.start_brk = mm->img.brk +
			((splitmix64(&b.rng) % (BRK_RND_RANGE >> PAGE_SHIFT)) << PAGE_SHIFT);
	}
	set_comm(mm, path);
	{
		char *name = strdup(argv[0][0] ? argv[0] : mm->comm);

		if (name) {
			free(mm->name);
			mm->name = name;
		}
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		info->entry = entry;
		info->sp = sp;
		info->prog_entry = l.entry;
		info->load_bias = l.load_bias;
		info->interp_base = interp_load;
		info->phdr = l.phdr_addr;
		info->start_brk = mm->img.start_brk;
		info->stack_top = stack_top;
		info->mmap_base = mm->vmas.mmap_base;
	}
	rc = 0;
out:
	if (po)
		vmobj_put(m, po);
	if (io)
		vmobj_put(m, io);
	if (prog && prog->fd >= 0)
		close(prog->fd);
	if (interp && interp->fd >= 0)
		close(interp->fd);
	free(prog);
	free(interp);
	return rc;
}

/* vm_start_gap: a stack's start less the guard gap below it. */
static uint64_t vm_start_gap(const struct vma *v)
{
	if (!v->growsdown)
		return v->start;
	return v->start > STACK_GUARD_GAP ? v->start - STACK_GUARD_GAP : 0;
}

int do_brk(struct vmfs *m, int pid, uint64_t brk, uint64_t *out)
{
	struct mm *mm = mm_lookup(m, pid);
	uint64_t newbrk, oldbrk, min_brk;
	struct vma *next;

	if (!mm)
		return -ESRCH;
	/* brk(): a request that cannot be met leaves brk where it was, and returns it. */
	*out = mm->img.brk;
	min_brk = mm->img.start_brk;
	if (brk < min_brk || !mm->img.start_brk)
		return 0;
	/* check_data_rlimit: RLIMIT_DATA is unlimited here */
	newbrk = page_align(brk);
	oldbrk = page_align(mm->img.brk);
	if (newbrk < brk || newbrk > m->geom.user_top)
		return 0;
	if (oldbrk == newbrk) {
		mm->img.brk = brk;
		*out = brk;
		return 0;
	}
	if (brk <= mm->img.brk) {
		/* Shrinking: munmap what is above the new break. */
		if (do_munmap(m, pid, newbrk, oldbrk - newbrk) < 0)
			return 0;
		mm->img.brk = brk;
		*out = brk;
		return 0;
	}
	/* Growing: the range and a guard gap before the next mapping must be free. */
	next = vma_find_after(&mm->vmas, oldbrk);
	if (next && newbrk + PAGE_SIZE > vm_start_gap(next))
		return 0;
	if (do_mmap(m, pid, oldbrk, newbrk - oldbrk, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0, NULL) < 0)
		return 0;
	mm->img.brk = brk;
	*out = brk;
	return 0;
}

int proc_auxv(struct vmfs *m, int pid, uint64_t *out, uint64_t max)
{
	const struct mm *mm = mm_lookup(m, pid);
	uint32_t n;

	if (!mm)
		return -ESRCH;
	n = mm->img.auxv_words;
	memcpy(out, mm->img.saved_auxv, (n < max ? n : max) * sizeof(*out));
	return (int)n;
}
