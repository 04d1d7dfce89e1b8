/*
 * test_exec.c - unit tests of the ELF reader (src/elf.c) and of exec and
 * brk (src/exec.c) on a real machine with the host's own programs.
 *
 * What is checked: the reader takes the host's /usr/bin/ls and refuses a
 * wrong magic, class, machine, e_phentsize, program headers past the end
 * and an unterminated PT_INTERP with -ENOEXEC; exec lays ls out at
 * Linux's addresses (PIE at 2/3 of the user space, ld.so below mmap_base,
 * the stack at the top, VM_GROWSDOWN), the stack at sp holds argc, argv,
 * envp and an auxv equal to saved_auxv; E2BIG, ENOENT, EACCES, ENOEXEC,
 * ELIBBAD (a PT_INTERP naming a text file) leave the old mappings; a fault just below the stack grows it (and
 * charges the page to committed memory), one past the rlimit does not; brk grows and shrinks, a grow into the stack's guard
 * gap fails and leaves the break; a host object refuses writes (EROFS).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "elf.h"
#include "error.h"
#include "machine.h"
#include "object.h"
#include "vmobj.h"

static uint8_t hdr[4096];
static struct elf_info info;

static void load_ls(void)
{
	FILE *f = fopen("/usr/bin/ls", "rb");

	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
}

static int parse(void)
{
	struct elf_buf b = { hdr, sizeof(hdr) };

	return elf_parse(elf_buf_read, &b, sizeof(hdr), &info);
}

static void test_elf_reader(void **state)
{
	uint64_t interp_end;

	(void)state;
	load_ls();
	assert_int_equal(parse(), 0);
	interp_end = info.phdr[info.interp].offset + info.phdr[info.interp].filesz;
	assert_int_equal(info.machine, ELF_EM_X86_64);
	assert_true(info.interp >= 0);
	assert_string_equal(info.interp_path, "/lib64/ld-linux-x86-64.so.2");
	hdr[0] = 0;
	assert_int_equal(parse(), -ENOEXEC);
	load_ls();
	hdr[4] = 1;                  /* ELFCLASS32 */
	assert_int_equal(parse(), -ENOEXEC);
	load_ls();
	hdr[18] = 3;                 /* EM_386 */
	assert_int_equal(parse(), -ENOEXEC);
	load_ls();
	hdr[54] = 32;                /* e_phentsize */
	assert_int_equal(parse(), -ENOEXEC);
	load_ls();
	hdr[32] = 0xf0;              /* e_phoff past the 4 KiB given */
	hdr[33] = 0x0f;
	assert_int_equal(parse(), -ENOEXEC);
	load_ls();
	hdr[interp_end - 1] = 'x';
	assert_int_equal(parse(), -ENOEXEC);
}

static struct vmfs *open_machine(void)
{
	struct vmfs *m;

	assert_int_equal(machine_open(&m, "frames=16384"), 0);
	return m;
}

static void test_exec_layout(void **state)
{
	const char *argv[] = { "/usr/bin/ls", "-l", NULL }, *envp[] = { "A=1", NULL };
	struct vmfs_exec_info in;
	struct vmfs *m = open_machine();
	int pid = mm_spawn(m, "t");
	struct mm *mm = mm_lookup(m, pid);
	uint64_t top = m->geom.user_top - PAGE_SIZE, w[64], words[4];
	struct vmfs_fault f;
	struct vma *stack;
	char s[16];
	int n;

	(void)state;
	assert_int_equal(do_execve(m, pid, "/usr/bin/ls", argv, envp, &in), 0);
	assert_int_equal(in.load_bias, (top / 3 * 2) & PAGE_MASK & ~0xfffull);
	assert_int_equal(in.stack_top, top);
	assert_int_equal(in.mmap_base, top - (128ull << 20));
	assert_true(in.interp_base < in.mmap_base && in.interp_base > in.mmap_base - (1ull << 20));
	assert_string_equal(mm->comm, "ls");
	stack = vma_find(&mm->vmas, in.sp);
	assert_non_null(stack);
	assert_true(stack->growsdown && stack->end == top);
	assert_int_equal(in.sp % 16, 0);
	/* argc, argv[0], argv[1], NULL */
	assert_int_equal(access_vm(m, pid, in.sp, words, 32, VMFS_ACCESS_READ, &f), 32);
	assert_int_equal(words[0], 2);
	assert_int_equal(words[3], 0);
	assert_int_equal(access_vm(m, pid, words[1], s, 12, VMFS_ACCESS_READ, &f), 12);
	assert_string_equal(s, "/usr/bin/ls");
	/* envp[0] "A=1", NULL, then the auxv as saved */
	assert_int_equal(access_vm(m, pid, in.sp + 32, words, 16, VMFS_ACCESS_READ, &f), 16);
	assert_int_equal(access_vm(m, pid, words[0], s, 4, VMFS_ACCESS_READ, &f), 4);
	assert_string_equal(s, "A=1");
	assert_int_equal(words[1], 0);
	n = proc_auxv(m, pid, w, 64);
	assert_true(n > 10 && n % 2 == 0);
	{
		uint64_t *st = calloc((size_t)n, 8);

		assert_int_equal(access_vm(m, pid, in.sp + 48, st, (uint64_t)n * 8, VMFS_ACCESS_READ, &f), n * 8);
		assert_memory_equal(st, w, (size_t)n * 8);
		free(st);
	}
	/* A fault a page below the stack grows it; one past 8 MiB does not. */
	{
		uint64_t lo = stack->start, committed = m->committed;
		char c = 1;

		assert_int_equal(access_vm(m, pid, lo - PAGE_SIZE, &c, 1, VMFS_ACCESS_WRITE, &f), 1);
		assert_int_equal(vma_find(&mm->vmas, lo - PAGE_SIZE), stack);
		assert_int_equal(m->committed, committed + 1);   /* acct_stack_growth charges it */
		assert_true(access_vm(m, pid, top - (9ull << 20), &c, 1, VMFS_ACCESS_WRITE, &f) < 0);
	}
	machine_close(m);
}

static void test_exec_errors(void **state)
{
	const char *big[] = { NULL, NULL };
	struct vmfs *m = open_machine();
	int pid = mm_spawn(m, "t");
	struct mm *mm = mm_lookup(m, pid);
	char *huge = malloc((300 << 10));
	uint64_t addr;
	char tmp[] = "/tmp/vmfs-exec-XXXXXX";
	int fd = mkstemp(tmp);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	fchmod(fd, 0755);
	close(fd);
	assert_int_equal(do_mmap(m, pid, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &addr), 0);
	memset(huge, 'x', (300 << 10) - 1);
	huge[(300 << 10) - 1] = '\0';
	big[0] = huge;
	assert_int_equal(do_execve(m, pid, "/usr/bin/ls", big, NULL, NULL), -E2BIG);
	assert_int_equal(do_execve(m, pid, "/nonexistent", NULL, NULL, NULL), -ENOENT);
	fd = open(tmp, O_RDONLY);
	fchmod(fd, 0644);
	close(fd);
	assert_int_equal(do_execve(m, pid, tmp, NULL, NULL, NULL), -EACCES);   /* no x bit */
	chmod(tmp, 0755);
	assert_int_equal(do_execve(m, pid, "/tmp", NULL, NULL, NULL), -EACCES);
	assert_int_equal(do_execve(m, pid, tmp, NULL, NULL, NULL), -ENOEXEC);
	/* A program whose PT_INTERP (a shorter path, NUL-padded) names that text file: ELIBBAD */
	{
		char prog[] = "/tmp/vmfs-exec-XXXXXX";
		FILE *in = fopen("/usr/bin/ls", "rb");
		int pfd = mkstemp(prog);
		char buf[65536];
		size_t k;
		uint64_t at;

		assert_non_null(in);
		assert_true(pfd >= 0);
		while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
			assert_int_equal(write(pfd, buf, k), (ssize_t)k);
		fclose(in);
		load_ls();
		assert_int_equal(parse(), 0);
		at = info.phdr[info.interp].offset;
		assert_true(strlen(tmp) < info.phdr[info.interp].filesz);
		memset(buf, 0, sizeof(buf));
		strcpy(buf, tmp);
		assert_int_equal(pwrite(pfd, buf, info.phdr[info.interp].filesz, (off_t)at),
				 (ssize_t)info.phdr[info.interp].filesz);
		fchmod(pfd, 0755);
		close(pfd);
		assert_int_equal(do_execve(m, pid, prog, NULL, NULL, NULL), -ELIBBAD);
		unlink(prog);
	}
	assert_int_equal(mm->vmas.count, 1);
	assert_int_equal(mm->vmas.first->start, addr);
	unlink(tmp);
	free(huge);
	machine_close(m);
}

static void test_brk(void **state)
{
	const char *argv[] = { "/usr/bin/ls", NULL };
	struct vmfs_exec_info in;
	struct vmfs *m = open_machine();
	int pid = mm_spawn(m, "t");
	struct vmobj *o;
	uint64_t b;

	(void)state;
	assert_int_equal(do_execve(m, pid, "/usr/bin/ls", argv, NULL, &in), 0);
	assert_int_equal(do_brk(m, pid, 0, &b), 0);
	assert_int_equal(b, in.start_brk);
	assert_int_equal(do_brk(m, pid, in.start_brk + 10000, &b), 0);
	assert_int_equal(b, in.start_brk + 10000);
	assert_non_null(vma_find(&mm_lookup(m, pid)->vmas, in.start_brk + 9999));
	assert_int_equal(do_brk(m, pid, in.interp_base, &b), 0);   /* into ld.so: refused */
	assert_int_equal(b, in.start_brk + 10000);
	assert_int_equal(do_brk(m, pid, in.start_brk, &b), 0);
	assert_null(vma_find(&mm_lookup(m, pid)->vmas, in.start_brk));
	o = object_lookup(m, "%2Fusr%2Fbin%2Fls");
	assert_non_null(o);
	assert_int_equal(object_write(m, OBJ_NAMED(o->name), 0, "x", 1), -EROFS);
	assert_int_equal(object_create(m, "%2Fetc", NULL, 0), -EINVAL);
	machine_close(m);
}

/* ---- root=DIR: exec resolves as a process chrooted there ---------------------------- */

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t k;

	assert_non_null(in);
	assert_non_null(out);
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, k, out), k);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, 0755), 0);
}

static char root_dir[64];

/* ROOT/usr/bin/ls, ROOT/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 copied from
 * the host, ROOT/lib64/ld-linux-x86-64.so.2 the host's absolute symlink to it,
 * and links that try to leave: up (relative ..), out (absolute), a loop. */
static void make_root(void)
{
	char p[256];
	static const char *const dirs[] = { "usr", "usr/bin", "lib", "lib/x86_64-linux-gnu", "lib64", "d" };

	snprintf(root_dir, sizeof(root_dir), "/tmp/vmfs-root-XXXXXX");
	assert_non_null(mkdtemp(root_dir));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root_dir, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/usr/bin/ls", root_dir);
	copy_file("/usr/bin/ls", p);
	snprintf(p, sizeof(p), "%s/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", root_dir);
	copy_file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", p);
	snprintf(p, sizeof(p), "%s/lib64/ld-linux-x86-64.so.2", root_dir);
	assert_int_equal(symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", p), 0);
	snprintf(p, sizeof(p), "%s/d/up", root_dir);       /* ../../../.. stops at the root */
	assert_int_equal(symlink("../../../../../usr/bin/ls", p), 0);
	snprintf(p, sizeof(p), "%s/d/out", root_dir);      /* the host has /bin/sh, the root not */
	assert_int_equal(symlink("/bin/sh", p), 0);
	snprintf(p, sizeof(p), "%s/d/loop", root_dir);
	assert_int_equal(symlink("loop", p), 0);
	snprintf(p, sizeof(p), "%s/d/bin", root_dir);      /* a directory through a link */
	assert_int_equal(symlink("../usr/bin", p), 0);
}

static void remove_root(void)
{
	static const char *const files[] = {
		"d/up", "d/out", "d/loop", "d/bin", "lib64/ld-linux-x86-64.so.2",
		"lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "usr/bin/ls", "d", "lib64",
		"lib/x86_64-linux-gnu", "lib", "usr/bin", "usr", "",
	};
	char p[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root_dir, files[i]);
		assert_int_equal(remove(p), 0);
	}
}

/* Both ways of resolving (openat2's RESOLVE_IN_ROOT and the walk) agree. */
static void test_open_in_root(void **state)
{
	static const struct { const char *path; int rc; const char *inside; } cases[] = {
		{ "/usr/bin/ls", 0, "/usr/bin/ls" },
		{ "usr/bin/ls", 0, "/usr/bin/ls" },                /* relative: from the root */
		{ "/../../../usr/./bin//ls", 0, "/usr/bin/ls" },   /* .. at the root stays */
		{ "/d/up", 0, "/usr/bin/ls" },
		{ "/d/bin/../bin/ls", 0, "/usr/bin/ls" },          /* .. after a link: its target's parent */
		{ "/lib64/ld-linux-x86-64.so.2", 0, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" },
		{ "/", 0, "/" },
		{ "/d/out", -ENOENT, NULL },
		{ "/bin/sh", -ENOENT, NULL },
		{ "/d/loop", -ELOOP, NULL },
		{ "/usr/bin/ls/x", -ENOTDIR, NULL },
	};
	char inside[PATH_MAX], host[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	make_root();
	for (int way = 0; way < 2; way++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int fd = exec_open_in_root(root_dir, cases[i].path, way == 0, inside, host);

			if (cases[i].rc) {
				if (fd != cases[i].rc)
					fail_msg("%s (way %d): %d, want %d", cases[i].path, way, fd, cases[i].rc);
				continue;
			}
			assert_true(fd >= 0);
			close(fd);
			assert_string_equal(inside, cases[i].inside);
			snprintf(want, sizeof(want), "%s%s", root_dir, strcmp(inside, "/") ? inside : "");
			assert_string_equal(host, want);
		}
	/* root "/": the host's own paths, as realpath gives them (/lib may be a link) */
	assert_non_null(realpath("/lib64/ld-linux-x86-64.so.2", want));
	for (int way = 0; way < 2; way++) {
		int fd = exec_open_in_root("/", "/lib64/ld-linux-x86-64.so.2", way == 0, inside, host);

		assert_true(fd >= 0);
		close(fd);
		assert_string_equal(inside, want);
		assert_string_equal(host, want);
	}
	remove_root();
}

/*
 * exec under root=DIR: the program and its PT_INTERP come from the root,
 * named as the process sees them; a link out of the root resolves inside
 * it; a root without the interpreter is ENOENT though the host has it; a
 * root that is not a directory fails the open.
 */
static void test_exec_root(void **state)
{
	const char *argv[] = { "ls", NULL };
	char opts[128], p[256];
	struct vmfs *m;
	struct vma *v;
	int pid, named = 0;

	(void)state;
	make_root();
	snprintf(opts, sizeof(opts), "frames=4096,root=%s", root_dir);
	assert_int_equal(machine_open(&m, opts), 0);
	pid = mm_spawn(m, "r");
	assert_int_equal(do_execve(m, pid, "/d/up", argv, NULL, NULL), 0);
	for (v = mm_lookup(m, pid)->vmas.first; v; v = v->next)
		if (v->obj) {
			assert_true(!strcmp(v->obj->path, "/usr/bin/ls") ||
				    !strcmp(v->obj->path, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
			named++;
		}
	assert_true(named >= 6);
	assert_non_null(object_lookup(m, "%2Fusr%2Fbin%2Fls"));
	assert_non_null(object_lookup(m, "%2Flib%2Fx86_64-linux-gnu%2Fld-linux-x86-64.so.2"));
	assert_int_equal(do_execve(m, pid, "/bin/sh", argv, NULL, NULL), -ENOENT);
	assert_int_equal(do_execve(m, pid, "/d/out", argv, NULL, NULL), -ENOENT);
	/* without the interpreter in the root: ENOENT, the old image stays */
	snprintf(p, sizeof(p), "%s/lib64/ld-linux-x86-64.so.2", root_dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(do_execve(m, pid, "/usr/bin/ls", argv, NULL, NULL), -ENOENT);
	assert_int_equal(symlink("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", p), 0);
	assert_int_equal(mm_lookup(m, pid)->vmas.first->obj, object_lookup(m, "%2Fusr%2Fbin%2Fls"));
	machine_close(m);

	assert_int_equal(machine_open(&m, "root=tmp"), -EINVAL);             /* not absolute */
	assert_int_equal(machine_open(&m, "root=/nonexistent-vmfs-root"), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "root=/nonexistent-vmfs-root: No such file"));
	snprintf(opts, sizeof(opts), "root=%s/usr/bin/ls", root_dir);
	assert_int_equal(machine_open(&m, opts), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "Not a directory"));
	snprintf(opts, sizeof(opts), "frames=4096,root=%s/d/../d/up/..", root_dir);
	assert_int_equal(machine_open(&m, opts), -EINVAL);   /* realpath: d/up is a file */
	snprintf(opts, sizeof(opts), "frames=4096,root=%s/d/bin/..", root_dir);   /* = ROOT/usr */
	assert_int_equal(machine_open(&m, opts), 0);
	snprintf(p, sizeof(p), "%s/usr", root_dir);
	assert_string_equal(m->opt.root, p);
	pid = mm_spawn(m, "r");
	assert_int_equal(do_execve(m, pid, "/bin/ls", argv, NULL, NULL), -ENOENT);   /* no /lib64 in ROOT/usr */
	machine_close(m);
	remove_root();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_reader),
		cmocka_unit_test(test_exec_layout),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_brk),
		cmocka_unit_test(test_open_in_root),
		cmocka_unit_test(test_exec_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
