/*
 * bench_cpu.c - vmfs-bench's CPU figures (issue 16): instructions per
 * second of a program run by the machine's CPU (vmfs_spawn + vmfs_exec +
 * vmfs_run: every load, store and block fetch through the machine)
 * against the same program run by Unicorn directly with plain memory and
 * no MMU, in the same run; qemu-x86_64 and native wall times alongside.
 *
 *   cpu       bench_sum (tools/bench_sum.c: static, no libc, write and
 *             exit_group only) against plain Unicorn under the minimal
 *             loader below (its PT_LOADs and a stack mapped with
 *             uc_mem_map, its two system calls served by a syscall hook)
 *   cpu_gzip  /usr/bin/gzip -c of a file of deterministic text (16 MiB,
 *             256 KiB with --quick) against the host's gzip natively: gzip
 *             is dynamic and opens, reads and maps files, which plain
 *             Unicorn would need a loader and file system calls for, so
 *             this row has no Unicorn ceiling (ratio against native,
 *             target 0: information only)
 *
 * What stays true: every side runs the same file with the same arguments
 * and an empty environment, and its output must equal the host's native
 * output byte for byte, else the figure fails; instructions are the
 * machine's count (vmfs_cpu_status.insns, one per instruction run), and
 * every other side's rate is that count over its own time (the program
 * is deterministic: the same instructions run everywhere); the machine's
 * time is vmfs_run's CPU time alone, Unicorn's uc_emu_start's CPU time
 * alone (both run in this thread; CPU time, not wall time, so that other
 * work on a shared host does not decide the ratio), native's and qemu's
 * the wall time of the whole process; the temporary file is removed.
 */
#include "bench.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_UNICORN   /* everything but the figures' fallbacks runs only with the CPU */
#include <unicorn/unicorn.h>

#define GZIP_PATH "/usr/bin/gzip"
#define QEMU_PATH "/usr/bin/qemu-x86_64"

/* A growing byte buffer: a program's output. */
struct obuf {
	char  *p;
	size_t len, cap;
};

static int obuf_add(struct obuf *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
	return 0;
}

static bool obuf_eq(const struct obuf *a, const struct obuf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/*
 * The calling thread's CPU time, in seconds: the clock of the machine's
 * and plain Unicorn's sides, which run in this thread (vmfs_run,
 * uc_emu_start), so that a host shared with other work slows neither.
 */
static double thread_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Run @argv on the host (empty environment, stdin /dev/null), its stdout
 * into @out, the wall time from fork to its exit into *@secs: 0, or -1
 * with bench_err (it did not exit 0).
 */
static int host_run(char *const argv[], struct obuf *out, double *secs)
{
	static char *const envp[] = { NULL };
	char buf[65536];
	int fds[2], status;
	double t0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return fail("pipe: %s", strerror(errno));
	t0 = now();
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return fail("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		if (obuf_add(out, buf, (size_t)n) < 0)
			break;
	close(fds[0]);
	waitpid(pid, &status, 0);
	*secs = now() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail("%s on the host: status %#x", argv[0], status);
	return 0;
}

/*
 * Run @path @argv on the machine's CPU to its exit: its stdout into @out,
 * vmfs_run's CPU time into *@secs, the instructions into *@insns.
 */
static int vmfs_side(const struct bench_cfg *cfg, const char *path, char *const argv[],
		     struct obuf *out, double *secs, uint64_t *insns, uint64_t *fetches)
{
	static const char *const envp[] = { NULL };
	struct vmfs_cpu_status st;
	char buf[65536], options[600];
	struct vm vm;
	int pid, err, rc = -1;
	double t0;

	snprintf(options, sizeof(options), "%s,mem=256M", cfg->options);
	if (vm_open_opts(options, &vm) < 0)
		return -1;
	pid = vm.pid;
	if ((err = vmfs_exec(vm.m, pid, path, (const char *const *)argv, envp, NULL)) < 0) {
		vfail("vmfs_exec", err);
		goto out;
	}
	t0 = thread_cpu_now();
	err = vmfs_run(vm.m, pid, 0, 0, &st);
	*secs = thread_cpu_now() - t0;
	if (err < 0) {
		vfail("vmfs_run", err);
		goto out;
	}
	if (st.stop_why != VMFS_CPU_STOP_EXIT || st.exit_code != 0) {
		fail("%s on the machine: stopped (%d) with status %#x", path, st.stop_why, st.exit_code);
		goto out;
	}
	*insns = st.insns;
	*fetches = st.fetches;
	for (uint64_t off = 0;;) {
		ssize_t n = vmfs_output(vm.m, pid, 1, off, buf, sizeof(buf));

		if (n < 0) {
			vfail("vmfs_output", n);
			goto out;
		}
		if (n == 0)
			break;
		if (obuf_add(out, buf, (size_t)n) < 0) {
			fail("out of memory");
			goto out;
		}
		off += (uint64_t)n;
	}
	rc = 0;
out:
	vm_close(&vm);
	return rc;
}

/* ---- the ceiling: plain Unicorn, no MMU ------------------------------------ */

#define UC_STACK_TOP  0x7ffff0000000ull
#define UC_STACK_SIZE (1 * MiB)
#define PAGE_DOWN(x)  ((x) & ~(uint64_t)4095)
#define PAGE_UP(x)    (((x) + 4095) & ~(uint64_t)4095)

struct uc_run {
	struct obuf *out;
	int          exit_code;
	bool         exited, bad_call;
};

/* bench_sum's two system calls: write(1, ...) and exit_group. */
static void uc_syscall(uc_engine *uc, void *data)
{
	struct uc_run *r = data;
	uint64_t nr, a1, a2, a3, ret = (uint64_t)-ENOSYS;

	uc_reg_read(uc, UC_X86_REG_RAX, &nr);
	uc_reg_read(uc, UC_X86_REG_RDI, &a1);
	uc_reg_read(uc, UC_X86_REG_RSI, &a2);
	uc_reg_read(uc, UC_X86_REG_RDX, &a3);
	if (nr == 1 && a1 == 1 && a3 <= 65536) {
		char buf[65536];

		if (uc_mem_read(uc, a2, buf, a3) == UC_ERR_OK && obuf_add(r->out, buf, a3) == 0)
			ret = a3;
		else
			ret = (uint64_t)-EFAULT;
	} else if (nr == 60 || nr == 231) {
		r->exited = true;
		r->exit_code = (int)a1;
		uc_emu_stop(uc);
		return;
	} else {
		r->bad_call = true;
		uc_emu_stop(uc);
	}
	uc_reg_write(uc, UC_X86_REG_RAX, &ret);
}

/* Map the static ELF @img (@len bytes) into @uc; its entry into *@entry. */
static int uc_load(uc_engine *uc, const unsigned char *img, size_t len, uint64_t *entry)
{
	const Elf64_Ehdr *eh = (const void *)img;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len)
		return fail("not a static x86-64 ELF program");
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + (size_t)i * sizeof(*ph));
		uint64_t start, end;
		uint32_t prot = 0;
		uc_err e;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_offset + ph->p_filesz > len || ph->p_filesz > ph->p_memsz)
			return fail("a PT_LOAD outside the file");
		start = PAGE_DOWN(ph->p_vaddr);
		end = PAGE_UP(ph->p_vaddr + ph->p_memsz);
		prot |= (ph->p_flags & PF_R) ? UC_PROT_READ : 0;
		prot |= (ph->p_flags & PF_W) ? UC_PROT_WRITE : 0;
		prot |= (ph->p_flags & PF_X) ? UC_PROT_EXEC : 0;
		if ((e = uc_mem_map(uc, start, end - start, UC_PROT_ALL)) != UC_ERR_OK)
			return fail("uc_mem_map of a PT_LOAD at %#" PRIx64 ": %s", start, uc_strerror(e));
		if (ph->p_filesz &&
		    (e = uc_mem_write(uc, ph->p_vaddr, img + ph->p_offset, ph->p_filesz)) != UC_ERR_OK)
			return fail("uc_mem_write: %s", uc_strerror(e));
		if ((e = uc_mem_protect(uc, start, end - start, prot)) != UC_ERR_OK)
			return fail("uc_mem_protect: %s", uc_strerror(e));
	}
	*entry = eh->e_entry;
	return 0;
}

/*
 * Run the static program @path with @argv on plain Unicorn: its stdout
 * into @out, uc_emu_start's CPU time into *@secs.
 */
static int unicorn_side(const char *path, char *const argv[], struct obuf *out, double *secs)
{
	struct uc_run r = { .out = out };
	unsigned char *img = NULL;
	uint64_t entry = 0, sp, words[16], strs[8];
	int argc = 0, rc = -1, fd;
	uc_engine *uc = NULL;
	uc_hook hh;
	struct stat sb;
	double t0;
	uc_err e;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) < 0)
		return fail("%s: %s", path, strerror(errno));
	img = malloc((size_t)sb.st_size);
	if (img == NULL || read(fd, img, (size_t)sb.st_size) != sb.st_size) {
		close(fd);
		free(img);
		return fail("%s: cannot be read", path);
	}
	close(fd);
	if ((e = uc_open(UC_ARCH_X86, UC_MODE_64, &uc)) != UC_ERR_OK) {
		free(img);
		return fail("uc_open: %s", uc_strerror(e));
	}
	if (uc_load(uc, img, (size_t)sb.st_size, &entry) < 0)
		goto out;
	if ((e = uc_mem_map(uc, UC_STACK_TOP - UC_STACK_SIZE, UC_STACK_SIZE,
			    UC_PROT_READ | UC_PROT_WRITE)) != UC_ERR_OK) {
		fail("uc_mem_map of the stack: %s", uc_strerror(e));
		goto out;
	}
	/* The strings at the top, then argc, argv, an empty envp and auxv. */
	sp = UC_STACK_TOP;
	for (argc = 0; argv[argc] != NULL && argc < 7; argc++) {
		size_t n = strlen(argv[argc]) + 1;

		sp -= n;
		strs[argc] = sp;
		uc_mem_write(uc, sp, argv[argc], n);
	}
	{
		size_t w = 0;

		words[w++] = (uint64_t)argc;
		for (int i = 0; i < argc; i++)
			words[w++] = strs[i];
		words[w++] = 0;          /* argv's end */
		words[w++] = 0;          /* envp's end */
		words[w++] = AT_NULL;
		words[w++] = 0;
		sp = (sp - w * 8) & ~(uint64_t)15;
		uc_mem_write(uc, sp, words, w * 8);
	}
	uc_reg_write(uc, UC_X86_REG_RSP, &sp);
	if ((e = uc_hook_add(uc, &hh, UC_HOOK_INSN, (void *)uc_syscall, &r, 1, 0,
			     UC_X86_INS_SYSCALL)) != UC_ERR_OK) {
		fail("uc_hook_add: %s", uc_strerror(e));
		goto out;
	}
	t0 = thread_cpu_now();
	e = uc_emu_start(uc, entry, 0, 0, 0);
	*secs = thread_cpu_now() - t0;
	if (e != UC_ERR_OK || !r.exited || r.bad_call || r.exit_code != 0) {
		fail("%s on plain Unicorn: %s%s, exit %d", path, uc_strerror(e),
		     r.bad_call ? ", a system call it does not serve" : "", r.exit_code);
		goto out;
	}
	rc = 0;
out:
	uc_close(uc);
	free(img);
	return rc;
}

/* qemu-x86_64 @argv: its wall time into *@secs, or -1 when absent; its output must be @want. */
static double qemu_side(char *const argv[], const struct obuf *want)
{
	char *qargv[8];
	struct obuf out = { 0 };
	double secs = -1;
	int i;

	if (access(QEMU_PATH, X_OK) < 0)
		return -1;
	qargv[0] = QEMU_PATH;
	for (i = 0; argv[i] != NULL && i < 6; i++)
		qargv[i + 1] = argv[i];
	qargv[i + 1] = NULL;
	if (host_run(qargv, &out, &secs) < 0 || !obuf_eq(&out, want))
		secs = -1;
	free(out.p);
	return secs;
}

/* Run qemu_side; into @buf "qemu-x86_64 X Minsn/s (Y s)" for @insns, or that it was not there. */
static void qemu_note(char *buf, size_t n, char *const argv[], const struct obuf *want,
		      uint64_t insns)
{
	double secs = qemu_side(argv, want);

	if (secs < 0)
		snprintf(buf, n, "qemu-x86_64 absent or failed");
	else
		snprintf(buf, n, "qemu-x86_64 %.0f Minsn/s (%.2f s)", insns / secs / 1e6, secs);
}
#endif /* HAVE_UNICORN */

int fig_cpu(const struct bench_cfg *cfg, struct sample *s)
{
#ifdef HAVE_UNICORN
	char nstr[24], qn[96], *argv[] = { BENCH_SUM_PATH, nstr, NULL };
	struct obuf native = { 0 }, vm = { 0 }, uc = { 0 };
	double t_native = 0, t_vmfs = 0, t_uc = 0;
	uint64_t insns = 0, fetches = 0;
	int rc = -1;

	snprintf(nstr, sizeof(nstr), "%u", cfg->quick ? 1u << 17 : 1u << 20);
	if (access(BENCH_SUM_PATH, X_OK) < 0)
		return fail("%s: %s", BENCH_SUM_PATH, strerror(errno));
	if (host_run(argv, &native, &t_native) < 0)
		goto out;
	if (vmfs_side(cfg, BENCH_SUM_PATH, argv, &vm, &t_vmfs, &insns, &fetches) < 0)
		goto out;
	if (!obuf_eq(&vm, &native)) {
		fail("bench_sum's output on the machine differs from the host's");
		goto out;
	}
	if (unicorn_side(BENCH_SUM_PATH, argv, &uc, &t_uc) < 0)
		goto out;
	if (!obuf_eq(&uc, &native)) {
		fail("bench_sum's output on plain Unicorn differs from the host's");
		goto out;
	}
	qemu_note(qn, sizeof(qn), argv, &native, insns);
	s->vmfs = insns / t_vmfs / 1e6;
	s->ceiling = insns / t_uc / 1e6;
	snprintf(s->note, sizeof(s->note),
		 "bench_sum %s: %" PRIu64 " instructions in %" PRIu64 " blocks; machine %.2f s, plain Unicorn %.2f s, "
		 "%s, native %.0f Minsn/s (%.3f s)", nstr, insns, fetches, t_vmfs, t_uc, qn,
		 insns / t_native / 1e6, t_native);
	rc = 0;
out:
	free(native.p);
	free(vm.p);
	free(uc.p);
	return rc;
#else
	(void)cfg;
	(void)s;
	return fail("built without the CPU (meson -Dcpu=disabled)");
#endif
}

#ifdef HAVE_UNICORN
/* @size bytes of deterministic text (words of a small vocabulary) into @path. */
static int write_text(const char *path, uint64_t size)
{
	static const char *const words[] = { "page", "frame", "fault", "swap", "clock", "dirty",
		"the", "of", "a", "mapping", "anon", "file", "zero", "lru", "young", "cold" };
	char buf[65536];
	uint64_t x = 42, done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return fail("%s: %s", path, strerror(errno));
	while (done < size) {
		size_t n = 0;

		while (n < sizeof(buf) - 32) {
			const char *w;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			w = words[(x >> 40) % 16];
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", w,
					      (x >> 20) % 11 == 0 ? ".\n" : " ");
		}
		if (n > size - done)
			n = (size_t)(size - done);
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return fail("%s: %s", path, strerror(errno));
		}
		done += n;
	}
	close(fd);
	return 0;
}
#endif

int fig_cpu_gzip(const struct bench_cfg *cfg, struct sample *s)
{
#ifdef HAVE_UNICORN
	const char *tmp = getenv("TMPDIR");
	char path[600], qn[96], *argv[] = { GZIP_PATH, "-c", path, NULL };
	uint64_t size = cfg->quick ? 256 * KiB : 16 * MiB, insns = 0, fetches = 0;
	struct obuf native = { 0 }, vm = { 0 };
	double t_native = 0, t_vmfs = 0;
	int fd, rc = -1;

	if (access(GZIP_PATH, X_OK) < 0)
		return fail("%s: %s", GZIP_PATH, strerror(errno));
	snprintf(path, sizeof(path), "%s/vmfs-bench-gzip.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return fail("mkstemp: %s", strerror(errno));
	close(fd);
	if (write_text(path, size) < 0)
		goto out;
	if (host_run(argv, &native, &t_native) < 0)
		goto out;
	if (vmfs_side(cfg, GZIP_PATH, argv, &vm, &t_vmfs, &insns, &fetches) < 0)
		goto out;
	if (!obuf_eq(&vm, &native)) {
		fail("gzip -c's output on the machine (%zu bytes) differs from the host's (%zu bytes)",
		     vm.len, native.len);
		goto out;
	}
	qemu_note(qn, sizeof(qn), argv, &native, insns);
	s->vmfs = insns / t_vmfs / 1e6;
	s->ceiling = insns / t_native / 1e6;
	snprintf(s->note, sizeof(s->note),
		 "gzip -c of %" PRIu64 " KiB of text: %" PRIu64 " instructions in %" PRIu64 " blocks; machine %.2f s, "
		 "native %.3f s (the ceiling: no plain-Unicorn run, gzip is dynamic and needs file "
		 "system calls), %s", size / KiB, insns, fetches, t_vmfs, t_native, qn);
	rc = 0;
out:
	unlink(path);
	free(native.p);
	free(vm.p);
	return rc;
#else
	(void)cfg;
	(void)s;
	return fail("built without the CPU (meson -Dcpu=disabled)");
#endif
}
