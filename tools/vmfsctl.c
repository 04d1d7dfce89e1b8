/*
 * vmfsctl - the shell's front end of a vmfs mount.
 *
 * Every command is a few opens, reads and writes of files under the
 * mountpoint (-m MOUNTPOINT, or $VMFS_MOUNT): what a user could do with
 * echo, cat and od, done once and printed for people.  vmfsctl never links
 * libvmfs and never talks to the daemon any other way, so anything it shows
 * can be checked with the same files (vmfs(1) describes them):
 *
 *   spawn, fork, kill, mmap, munmap, mprotect, reclaim, policy, sync,
 *   madvise, mlock, munlock, mlockall, munlockall, mincore, msync, mremap
 *                 one transaction on ctl or PID/ctl: open O_RDWR, write the
 *                 command, read the answer on the same open file
 *   run           spawn + exec on ctl and PID/ctl, then "run" on PID/ctl;
 *                 PID/stdout and PID/stderr copied from where the last
 *                 read ended, PID/stat's state and exit_code polled; our
 *                 stdin copied to PID/stdin (opened before the run,
 *                 O_NONBLOCK, so that output flows while the program
 *                 has not read), closed at our EOF
 *   ps            PID/status (Name, VmRSS, VmSwap) and PID/stat (minflt,
 *                 majflt) of every numeric directory
 *   maps          PID/maps, copied
 *   translate     the header of PID/pagetable (cr3, levels, level names),
 *                 then the walk done here, entry by entry, reading each
 *                 entry's 8 bytes from phys at table + 8 * index, and
 *                 PID/maps to tell an unallocated page from an uncached one
 *   stat          config, vmstat, meminfo, swaps and tlb (since 0.8)
 *   draw          pictures (vmfsctl_draw.c, vmfsctl_phys.c): translate's
 *                 walk, PID/pagetable as a tree, physical memory from
 *                 kpageflags, kpagecount and the pagemaps
 *   watch         a terminal view of config, vmstat, meminfo and every
 *                 process's status and stat (vmfsctl_watch.c)
 *
 * What stays true: a failed ctl command prints "vmfsctl: MESSAGE", where
 * MESSAGE is the answer's text after "error: ", and exits 1; so does any
 * other failure (no such process, a file that cannot be read).  Usage
 * errors exit 2.  Output goes to stdout only on success, so a script can
 * capture a PID or an address with $(...).  Every argument is passed to
 * the daemon as one word of the command, so an argument holding a space
 * or a control character is refused here rather than split there.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmfsctl.h"


const char *mount_dir;

/* ---- messages ------------------------------------------------------------- */

/* fail - "vmfsctl: MESSAGE" on stderr; returns 1, the exit status of a failure. */
int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("vmfsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* usage_error - a usage mistake in COMMAND (NULL: none yet); returns 2. */
int usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fputs("vmfsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (command)
		fprintf(stderr, "\nTry 'vmfsctl %s --help'.\n", command);
	else
		fputs("\nTry 'vmfsctl --help'.\n", stderr);
	return 2;
}

/* ---- files under the mount ------------------------------------------------ */

/* mnt_path - MOUNT/REL in @buf; false (and a message) if it does not fit. */
bool mnt_path(char *buf, size_t size, const char *rel)
{
	int n = snprintf(buf, size, "%s/%s", mount_dir, rel);

	if (n < 0 || (size_t)n >= size) {
		fail("%s/%s: path too long", mount_dir, rel);
		return false;
	}
	return true;
}

/* pid_exists - whether MOUNT/PID is there (a live process). */
bool pid_exists(int pid)
{
	char rel[32], path[4096];
	struct stat st;

	snprintf(rel, sizeof(rel), "%d", pid);
	return mnt_path(path, sizeof(path), rel) && stat(path, &st) == 0;
}

/*
 * open_failed - the message for an open of REL that failed with @err:
 * "no process PID" when PID's directory is gone, else the path and errno.
 * @pid is 0 for the machine's files.  Returns 1.
 */
int open_failed(const char *rel, int err, int pid)
{
	if (err == ENOENT && pid > 0 && !pid_exists(pid))
		return fail("no process %d", pid);
	return fail("%s/%s: %s", mount_dir, rel, strerror(err));
}

/*
 * slurp - read all of MOUNT/REL (text files show size 0: read to the end).
 * Returns 0 with a NUL-terminated malloc'd buffer in *out, or -errno.
 */
int slurp(const char *rel, char **out)
{
	size_t len;

	return slurp_len(rel, out, &len);
}

/* slurp_len - slurp, with the length in *len (binary files: kpageflags, pagemap). */
int slurp_len(const char *rel, char **out, size_t *lenp)
{
	char path[4096];
	size_t len = 0, cap = 8192;
	char *buf;
	int fd, err = 0;

	if (!mnt_path(path, sizeof(path), rel))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		/* whole words: kpageflags and pagemap refuse other lengths */
		n = read(fd, buf + len, (cap - len - 1) & ~(size_t)7);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	if (err) {
		free(buf);
		return -err;
	}
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
}

/* slurp_or_fail - slurp, with the message of open_failed on failure. */
char *slurp_or_fail(const char *rel, int pid)
{
	char *text = NULL;
	int rc = slurp(rel, &text);

	if (rc < 0) {
		open_failed(rel, -rc, pid);
		return NULL;
	}
	return text;
}

/* next_line - the line after the one @p is in, or NULL at the end of the text. */
const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p && p[1] ? p + 1 : NULL;
}

/*
 * field_at - the value after KEY in TEXT, where KEY starts a line and is
 * followed by blanks ("pgfault 7", "VmRSS:\t  4 kB", "policy lru"): its
 * first character after the blanks, or NULL if no line has KEY.
 */
static const char *field_at(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = *text ? text : NULL; line; line = next_line(line)) {
		if (strncmp(line, key, klen) != 0 || (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		return line + klen + strspn(line + klen, " \t");
	}
	return NULL;
}

/* field_u64 - the number after KEY in TEXT (see field_at).  False if absent. */
bool field_u64(const char *text, const char *key, uint64_t *val)
{
	const char *v = field_at(text, key);

	if (v)
		*val = strtoull(v, NULL, 10);
	return v != NULL;
}

/* field_str - the rest of KEY's line in TEXT into @buf (see field_at); "?" if absent. */
void field_str(const char *text, const char *key, char *buf, size_t size)
{
	const char *v = field_at(text, key);

	if (v)
		snprintf(buf, size, "%.*s", (int)strcspn(v, "\n"), v);
	else
		snprintf(buf, size, "?");
}

/* ---- the ctl transaction -------------------------------------------------- */

/*
 * ctl_tx - one transaction on MOUNT/REL: open it read-write, write CMD and a
 * newline in one write(2), read the answer from where the write left the
 * offset.  On success the answer (newline dropped) is in @answer and 0 is
 * returned.  On failure the message has been printed and 1 is returned:
 * the answer's "error: MESSAGE" when the daemon gave one, else the errno.
 */
static int ctl_tx(const char *rel, int pid, const char *cmd, char *answer, size_t anslen)
{
	char path[4096], line[CMD_MAX + 2];
	size_t len = 0;
	ssize_t w;
	int fd, werr = 0, n;

	if (!mnt_path(path, sizeof(path), rel))
		return 1;
	n = snprintf(line, sizeof(line), "%s\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(line))
		return fail("command too long (at most %d bytes)", CMD_MAX);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return open_failed(rel, errno, pid);
	do
		w = write(fd, line, (size_t)n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		werr = errno;
	else if (w != n)
		werr = EIO;
	while (len < anslen - 1) {
		ssize_t r = read(fd, answer + len, anslen - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	answer[len] = '\0';
	answer[strcspn(answer, "\n")] = '\0';
	if (strncmp(answer, "error: ", 7) == 0)
		return fail("%s", answer + 7);
	if (werr) {
		/* The write failed and the daemon said nothing (it always
		 * does): report the errno with the command's first word. */
		return fail("%.*s: %s", (int)strcspn(cmd, " "), cmd, strerror(werr));
	}
	return 0;
}

/* ---- arguments ------------------------------------------------------------ */

/* parse_pid - a PID: a positive decimal number, nothing else. */
bool parse_pid(const char *s, int *pid)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > INT32_MAX)
		return false;
	*pid = (int)v;
	return true;
}

/*
 * parse_addr - an address as the ctl grammar writes one: decimal or 0x
 * hexadecimal, optionally with K, M, G or T (powers of 1024); no overflow.
 */
bool parse_addr(const char *s, uint64_t *addr)
{
	static const char suffixes[] = "kmgt";
	char *end;
	uint64_t v;
	int shift = 0;

	const char *digits = s;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!isxdigit((unsigned char)digits[0]))
		return false;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno || end == digits)
		return false;
	if (*end) {
		const char *p = strchr(suffixes, tolower((unsigned char)*end));

		if (!p || end[1])
			return false;
		shift = 10 * (int)(p - suffixes + 1);
		if (v > (UINT64_MAX >> shift))
			return false;
	}
	*addr = v << shift;
	return true;
}

/* word_ok - an argument that is one word of a ctl command (no blanks or controls). */
static bool word_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

/*
 * exec_quotable - an argument exec takes as a quoted word ('...'): no quote
 * in it, no control character but a tab.
 */
static bool exec_quotable(const char *s)
{
	for (; *s; s++)
		if (*s == '\'' || (iscntrl((unsigned char)*s) && *s != '\t'))
			return false;
	return true;
}

/* ---- commands that are one transaction ------------------------------------ */


/* pid_arg - argv[0] as a PID, or a usage error (returns 2). */
int pid_arg(const struct command *c, const char *s, int *pid)
{
	if (!parse_pid(s, pid))
		return usage_error(c->name, "'%s' is not a PID", s);
	return 0;
}

/*
 * cmd_passthrough - the commands whose words go to a ctl file unchanged:
 * process commands (first argument a PID, the rest after the ctl verb) and
 * machine commands.  The answer is printed, except a bare "ok".
 */
static int cmd_passthrough(const struct command *c, int argc, char **argv)
{
	char rel[32], cmd[CMD_MAX + 1], answer[ANSWER_MAX];
	size_t len;
	int pid = 0, first = 0, rc;

	if (c->per_process) {
		if ((rc = pid_arg(c, argv[0], &pid)))
			return rc;
		first = 1;
		snprintf(rel, sizeof(rel), "%d/ctl", pid);
	} else {
		snprintf(rel, sizeof(rel), "ctl");
	}
	len = (size_t)snprintf(cmd, sizeof(cmd), "%s", c->ctl_verb);
	for (int i = first; i < argc; i++) {
		if (!word_ok(argv[i]))
			return usage_error(c->name, "'%s': an argument cannot be empty or hold blanks", argv[i]);
		if (len + 1 + strlen(argv[i]) >= sizeof(cmd))
			return fail("command too long (at most %d bytes)", CMD_MAX);
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %s", argv[i]);
	}
	if ((rc = ctl_tx(rel, pid, cmd, answer, sizeof(answer))))
		return rc;
	if (strcmp(answer, "ok") != 0)
		printf("%s\n", answer);
	return 0;
}

/*
 * spawn_exec - spawn NAME (argv[0]) and exec argv[2..] in it (argv[1] is
 * "--"); the PID into *@pid.  0, or 1 (printed; the process ended again)
 * or 2 (usage).
 */
static int spawn_exec(const struct command *c, int argc, char **argv, int *pid_out)
{
	char rel[32], cmd[CMD_MAX + 1], sp[CMD_MAX + 1], answer[ANSWER_MAX];
	size_t len;
	int pid, rc;

	if (!word_ok(argv[0]))
		return usage_error(c->name, "'%s': a name cannot be empty or hold blanks", argv[0]);
	len = (size_t)snprintf(cmd, sizeof(cmd), "exec");
	for (int i = 2; i < argc; i++) {
		/* exec takes a quoted word: an argument that is empty or holds blanks (since 0.7) */
		bool quote = !word_ok(argv[i]) || argv[i][0] == '\'';

		if (quote && !exec_quotable(argv[i]))
			return usage_error(c->name, "'%s': an argument cannot hold a control character, "
					   "nor a quote (') with blanks or first", argv[i]);
		if (len + 3 + strlen(argv[i]) >= sizeof(cmd))
			return fail("command too long (at most %d bytes)", CMD_MAX);
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, quote ? " '%s'" : " %s", argv[i]);
	}
	snprintf(sp, sizeof(sp), "spawn %s", argv[0]);
	if ((rc = ctl_tx("ctl", 0, sp, answer, sizeof(answer))))
		return rc;
	if (!parse_pid(answer, &pid))
		return fail("spawn answered '%s'", answer);
	snprintf(rel, sizeof(rel), "%d/ctl", pid);
	if ((rc = ctl_tx(rel, pid, cmd, answer, sizeof(answer)))) {
		ctl_tx(rel, pid, "exit", answer, sizeof(answer));
		return rc;
	}
	*pid_out = pid;
	return 0;
}

/* cmd_spawn - spawn NAME, and with "-- PATH [ARG...]" exec PATH in it. */
static int cmd_spawn(const struct command *c, int argc, char **argv)
{
	int pid = 0, rc;

	if (argc == 1)
		return cmd_passthrough(c, argc, argv);
	if (strcmp(argv[1], "--") || argc < 3)
		return usage_error(c->name, "after NAME comes -- PATH [ARG...]");
	if ((rc = spawn_exec(c, argc, argv, &pid)))
		return rc;
	printf("%d\n", pid);
	return 0;
}

/*
 * copy_new - the bytes of MOUNT/PID/NAME (stdout or stderr) from *@off on,
 * written to @fd; *@off moves past them.  False if the file cannot be read.
 */
static bool copy_new(int pid, const char *name, uint64_t *off, int fd)
{
	char rel[48], path[4096], buf[65536];
	ssize_t n;
	int in;

	snprintf(rel, sizeof(rel), "%d/%s", pid, name);
	if (!mnt_path(path, sizeof(path), rel) || (in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	while ((n = pread(in, buf, sizeof(buf), (off_t)*off)) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(fd, buf + done, (size_t)(n - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			done += w;
		}
		*off += (uint64_t)n;
	}
	close(in);
	return n == 0;
}

/* The state letter of PID/stat and its last field, exit_code (the wait status). */
static bool stat_state(int pid, char *state, int *exit_code)
{
	char rel[32], *text, *p, *last;

	snprintf(rel, sizeof(rel), "%d/stat", pid);
	if (slurp(rel, &text) < 0)
		return false;
	p = strrchr(text, ')');
	last = strrchr(text, ' ');
	if (!p || p[1] != ' ' || !p[2] || !last) {
		free(text);
		return false;
	}
	*state = p[2];
	*exit_code = atoi(last + 1);
	free(text);
	return true;
}

/*
 * Our standard input on its way to PID/stdin (@fd, O_NONBLOCK): what was
 * read and not yet taken, [off, len) of buf.  fd -1: done (EOF passed on,
 * or -n).
 */
struct feed {
	int     fd;
	bool    eof;         /* our stdin ended: close fd once buf is empty */
	size_t  off, len;
	char    buf[65536];
};

/*
 * feed_input - move what it can from our stdin to PID/stdin without
 * blocking on the program: a read only when buf is empty and stdin is
 * ready (poll, waiting up to @wait_ms for a user typing), a write that
 * takes what the pipe has room for.  False when PID/stdin fails (the
 * program no longer reads it: the rest of our input is dropped, as a
 * shell's pipe would drop it).
 */
static bool feed_input(struct feed *f, int wait_ms)
{
	if (f->fd < 0) {
		if (wait_ms)
			usleep((useconds_t)wait_ms * 1000);
		return true;
	}
	if (f->off == f->len && !f->eof) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

		if (poll(&p, 1, wait_ms) > 0) {
			ssize_t n = read(STDIN_FILENO, f->buf, sizeof(f->buf));

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				return true;
			f->off = 0;
			f->len = n > 0 ? (size_t)n : 0;
			f->eof = n <= 0;
		}
	} else if (wait_ms) {
		usleep((useconds_t)wait_ms * 1000);
	}
	while (f->off < f->len) {
		ssize_t w = write(f->fd, f->buf + f->off, f->len - f->off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return true;              /* full: the program reads meanwhile */
		if (w <= 0) {
			close(f->fd);
			f->fd = -1;
			return false;
		}
		f->off += (size_t)w;
	}
	if (f->eof) {                             /* the last close of PID/stdin: EOF */
		close(f->fd);
		f->fd = -1;
	}
	return true;
}

/*
 * cmd_run - run [--stop] [--keep] [-n] -- PROGRAM [ARG...]: spawn a process named
 * after PROGRAM, exec it, then (without --stop) `run` it, copying PID/stdout
 * and PID/stderr to ours as they grow until it is a zombie; then reap it
 * (without --keep) and exit with its status as a shell gives it.
 */
static int cmd_run(const struct command *c, int argc, char **argv)
{
	bool stop = false, keep = false, no_stdin = false;
	char rel[32], answer[ANSWER_MAX], name[16], **sp, path[4096];
	static struct feed feed;
	uint64_t out = 0, err = 0;
	int i, pid = 0, rc, code = 0;
	char state = 0;
	const char *base;

	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--stop"))
			stop = true;
		else if (!strcmp(argv[i], "--keep"))
			keep = true;
		else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--no-stdin"))
			no_stdin = true;
		else
			return usage_error(c->name, "unknown option '%s'", argv[i]);
	}
	if (i + 1 >= argc)
		return usage_error(c->name, "after the options comes -- PROGRAM [ARG...]");
	/* the process is named as Linux names it: the program's base name, 15 bytes */
	base = strrchr(argv[i + 1], '/') ? strrchr(argv[i + 1], '/') + 1 : argv[i + 1];
	snprintf(name, sizeof(name), "%s", *base ? base : "run");
	if (!(sp = malloc(sizeof(*sp) * (size_t)(argc - i + 1))))
		return fail("out of memory");
	sp[0] = name;
	for (int k = i; k < argc; k++)
		sp[1 + k - i] = argv[k];
	rc = spawn_exec(c, argc - i + 1, sp, &pid);
	free(sp);
	if (rc)
		return rc;
	if (stop) {
		printf("%d\n", pid);
		return 0;
	}
	/* our stdin to PID/stdin, opened before the run: the program never sees an early EOF */
	feed.fd = -1;
	snprintf(rel, sizeof(rel), "%d/stdin", pid);
	if (!no_stdin && (!mnt_path(path, sizeof(path), rel) ||
			  (feed.fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)) {
		rc = errno;
		snprintf(rel, sizeof(rel), "%d/ctl", pid);
		ctl_tx(rel, pid, "exit", answer, sizeof(answer));
		snprintf(rel, sizeof(rel), "%d/stdin", pid);
		return open_failed(rel, rc, pid);
	}
	snprintf(rel, sizeof(rel), "%d/ctl", pid);
	if ((rc = ctl_tx(rel, pid, keep ? "run keep" : "run", answer, sizeof(answer)))) {
		if (feed.fd >= 0)
			close(feed.fd);
		ctl_tx(rel, pid, "exit", answer, sizeof(answer));
		return rc;
	}
	fflush(stdout);
	for (;;) {
		bool done = stat_state(pid, &state, &code) && state == 'Z';

		if (!done && !pid_exists(pid))
			return fail("no process %d", pid);
		/* after the zombie is seen: its output is whole */
		copy_new(pid, "stdout", &out, STDOUT_FILENO);
		copy_new(pid, "stderr", &err, STDERR_FILENO);
		if (done)
			break;
		if (state == 'T')
			return fail("process %d was stopped (PID/ctl: run resumes it)", pid);
		feed_input(&feed, 5);      /* waits 5 ms: for our input, or between polls */
	}
	if (feed.fd >= 0)
		close(feed.fd);
	if (!keep)
		ctl_tx(rel, pid, "exit", answer, sizeof(answer));
	if (code & 0x7f)
		return 128 + (code & 0x7f);   /* killed by a signal, as a shell reports it */
	return (code >> 8) & 0xff;
}

/* cmd_kill - "exit" on each PID's ctl; goes on past a failure, exits 1 then. */
static int cmd_kill(const struct command *c, int argc, char **argv)
{
	char rel[32], answer[ANSWER_MAX];
	int status = 0, pid = 0, rc;

	for (int i = 0; i < argc; i++)
		if ((rc = pid_arg(c, argv[i], &pid)))
			return rc;
	for (int i = 0; i < argc; i++) {
		parse_pid(argv[i], &pid);
		snprintf(rel, sizeof(rel), "%d/ctl", pid);
		if (ctl_tx(rel, pid, "exit", answer, sizeof(answer)))
			status = 1;
	}
	return status;
}

/* ---- ps, maps ------------------------------------------------------------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * live_pids - the numeric names in the mount's root, sorted.  Returns the
 * count (the array in *out, malloc'd) or -1 after a message.
 */
int live_pids(int **out)
{
	DIR *d = opendir(mount_dir);
	struct dirent *de;
	int *pids = NULL, n = 0, cap = 0, pid = 0;

	if (!d)
		return -fail("%s: %s", mount_dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!parse_pid(de->d_name, &pid))
			continue;
		if (pid == (int)getpid())   /* the reader, listed on an empty machine (vmfs(1)) */
			continue;
		if (n == cap) {
			int *np = realloc(pids, (size_t)(cap = cap ? 2 * cap : 64) * sizeof(*pids));

			if (!np) {
				free(pids);
				closedir(d);
				return -fail("out of memory");
			}
			pids = np;
		}
		pids[n++] = pid;
	}
	closedir(d);
	if (n)
		qsort(pids, (size_t)n, sizeof(*pids), cmp_int);
	*out = pids;
	return n;
}

/*
 * stat_faults - minflt and majflt (fields 10 and 12) of a PID/stat line.
 * The name in parentheses may hold anything, so count from the last ')'.
 */
bool stat_faults(const char *text, uint64_t *minflt, uint64_t *majflt)
{
	const char *p = strrchr(text, ')');
	uint64_t f[10];

	/* after ')': state(3) ppid pgrp session tty_nr tpgid flags minflt(10) cminflt majflt(12) */
	if (!p || sscanf(p + 1, " %*c %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64,
			 &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8]) != 9)
		return false;
	*minflt = f[6];
	*majflt = f[8];
	return true;
}

/* status_name - the Name: line of PID/status, into @name. */
void status_name(const char *status, char *name, size_t size)
{
	const char *p = strstr(status, "Name:\t");

	snprintf(name, size, "?");
	if (p) {
		p += 6;
		snprintf(name, size, "%.*s", (int)strcspn(p, "\n"), p);
	}
}

static int cmd_ps(const struct command *c, int argc, char **argv)
{
	int *pids = NULL, n = live_pids(&pids), status = 0;

	(void)c, (void)argc, (void)argv;
	if (n < 0)
		return 1;
	printf("%5s %-15s %8s %8s %8s %8s\n", "PID", "NAME", "RSS_KiB", "SWAP_KiB", "MINFLT", "MAJFLT");
	for (int i = 0; i < n; i++) {
		char rel[32], name[256];
		char *st = NULL, *sta = NULL;
		uint64_t rss = 0, swap = 0, minflt = 0, majflt = 0;
		int r1, r2;

		snprintf(rel, sizeof(rel), "%d/status", pids[i]);
		r1 = slurp(rel, &sta);
		snprintf(rel, sizeof(rel), "%d/stat", pids[i]);
		r2 = r1 < 0 ? r1 : slurp(rel, &st);
		if (r1 == -ENOENT || r2 == -ENOENT) {
			/* it ended after the readdir: not a live process any more */
		} else if (r1 < 0 || r2 < 0) {
			status = fail("%s/%d: %s", mount_dir, pids[i], strerror(r1 < 0 ? -r1 : -r2));
		} else if (!field_u64(sta, "VmRSS:", &rss) || !field_u64(sta, "VmSwap:", &swap) ||
			   !stat_faults(st, &minflt, &majflt)) {
			status = fail("%s/%d: status or stat not understood", mount_dir, pids[i]);
		} else {
			status_name(sta, name, sizeof(name));
			printf("%5d %-15s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
			       pids[i], name, rss, swap, minflt, majflt);
		}
		free(st);
		free(sta);
	}
	free(pids);
	return status;
}

static int cmd_maps(const struct command *c, int argc, char **argv)
{
	char rel[32], *text;
	int pid = 0, rc;

	(void)argc;
	if ((rc = pid_arg(c, argv[0], &pid)))
		return rc;
	snprintf(rel, sizeof(rel), "%d/maps", pid);
	if (!(text = slurp_or_fail(rel, pid)))
		return 1;
	fputs(text, stdout);
	free(text);
	return 0;
}

/* ---- translate ------------------------------------------------------------ */


/*
 * pt_head_parse - "cr3 0x...: pgd at phys 0x...; 4 levels: pgd pud pmd pte; ..."
 * (fuse/procfmt.c, fmt_pid_pagetable).
 */
bool pt_head_parse(const char *text, struct pt_head *h)
{
	const char *p;
	int used = 0;

	if (sscanf(text, "cr3 0x%" SCNx64 ": %*s at phys 0x%" SCNx64 "; %d levels:%n",
		   &h->cr3, &h->top, &h->levels, &used) != 3 || !used ||
	    h->levels < 2 || h->levels > MAX_LEVELS)
		return false;
	p = text + used;
	for (int l = 0; l < h->levels; l++) {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ;\n");
		if (len == 0 || len >= sizeof(h->names[l]))
			return false;
		memcpy(h->names[l], p, len);
		h->names[l][len] = '\0';
		p += len;
	}
	return *p == ';';
}



void va_split(uint64_t addr, int levels, struct va_split *s)
{
	s->va_bits = 12 + 9 * levels > 64 ? 64 : 12 + 9 * levels;
	for (int l = 0; l < levels; l++) {
		s->shift[l] = PAGE_SHIFT + 9 * (levels - 1 - l);
		s->width[l] = l == 0 ? s->va_bits - s->shift[0] : 9;
		s->index[l] = (addr >> s->shift[l]) & ((UINT64_C(1) << s->width[l]) - 1);
	}
	s->user = !(addr >> (s->va_bits - 1) & 1);
	s->sign = s->va_bits < 64 ? addr >> s->va_bits : 0;
	s->canonical = s->va_bits == 64 ||
		s->sign == (s->user ? 0 : (UINT64_C(1) << (64 - s->va_bits)) - 1);
}

/* read_entry - the little-endian 64-bit word at @at in phys. */
int read_entry(int phys, uint64_t at, uint64_t *entry)
{
	unsigned char b[8];
	ssize_t n;

	do
		n = pread(phys, b, sizeof(b), (off_t)at);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(b))
		return n < 0 ? -errno : -EIO;
	*entry = 0;
	for (int i = 7; i >= 0; i--)
		*entry = *entry << 8 | b[i];
	return 0;
}

/* pte_flags - the entry's bits by name, in pagetable's order ("P RW US A D NX"). */
void pte_flags(uint64_t e, char *buf, size_t size)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ PTE_P, "P" }, { PTE_RW, "RW" }, { PTE_US, "US" }, { PTE_A, "A" },
		{ PTE_D, "D" }, { PTE_PS, "PS" }, { PTE_COW, "COW" }, { PTE_PROTNONE, "PROTNONE" },
		{ PTE_SWAP, "SWAP" }, { PTE_NX, "NX" },
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((e & bits[i].bit) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", bits[i].name);
	if (!len)
		snprintf(buf, size, "-");
}

/* pte_target - where an entry points: "table 0x...", "frame 0x...", "swap slot N", ... */
void pte_target(uint64_t e, bool leaf, char *buf, size_t size)
{
	uint64_t addr = e & PTE_PFN_MASK;

	if (e == 0)
		snprintf(buf, size, "(empty)");
	else if ((e & PTE_PROTNONE) && (e & PTE_PS) && !leaf)   /* a PROT_NONE huge leaf */
		snprintf(buf, size, "frame 0x%" PRIx64 " (not present: PROT_NONE)", addr);
	else if (e & PTE_P)   /* PS above the last level: a huge page's frame (issue 17) */
		snprintf(buf, size, "%s 0x%" PRIx64, leaf || (e & PTE_PS) ? "frame" : "table", addr);
	else if (leaf && (e & PTE_PROTNONE))
		snprintf(buf, size, "frame 0x%" PRIx64 " (not present: PROT_NONE)", addr);
	else if (leaf && (e & PTE_SWAP))
		snprintf(buf, size, "swap slot %" PRIu64, addr >> PAGE_SHIFT);
	else
		snprintf(buf, size, "(not present)");
}

/* binary - the low @width bits of @v as 0s and 1s. */
static void binary(uint64_t v, int width, char *buf)
{
	for (int i = 0; i < width; i++)
		buf[i] = (char)('0' + (v >> (width - 1 - i) & 1));
	buf[width] = '\0';
}

#define COLS (MAX_LEVELS + 2)

/*
 * print_split - the address as a table of its fields: the bit range, the
 * field's name, its bits, and the index each level takes from them.
 */
static void print_split(uint64_t addr, const struct pt_head *h, const struct va_split *s)
{
	char cell[4][COLS][72];
	int ncol = 0, width[COLS];
	static const char *const rows[4] = { "bits", "field", "binary", "index" };

	if (s->va_bits < 64) {
		snprintf(cell[0][ncol], sizeof(cell[0][0]), "63-%d", s->va_bits);
		snprintf(cell[1][ncol], sizeof(cell[0][0]), "sign");
		snprintf(cell[2][ncol], sizeof(cell[0][0]), "0x%0*" PRIx64, (64 - s->va_bits + 3) / 4, s->sign);
		cell[3][ncol][0] = '\0';
		ncol++;
	}
	for (int l = 0; l < h->levels; l++, ncol++) {
		snprintf(cell[0][ncol], sizeof(cell[0][0]), "%d-%d", s->shift[l] + s->width[l] - 1, s->shift[l]);
		snprintf(cell[1][ncol], sizeof(cell[0][0]), "%s", h->names[l]);
		binary(s->index[l], s->width[l], cell[2][ncol]);
		snprintf(cell[3][ncol], sizeof(cell[0][0]), "%" PRIu64, s->index[l]);
	}
	snprintf(cell[0][ncol], sizeof(cell[0][0]), "11-0");
	snprintf(cell[1][ncol], sizeof(cell[0][0]), "offset");
	binary(addr, PAGE_SHIFT, cell[2][ncol]);
	snprintf(cell[3][ncol], sizeof(cell[0][0]), "0x%" PRIx64, addr & 0xfff);
	ncol++;

	for (int col = 0; col < ncol; col++) {
		width[col] = 0;
		for (int r = 0; r < 4; r++)
			if ((int)strlen(cell[r][col]) > width[col])
				width[col] = (int)strlen(cell[r][col]);
	}
	for (int r = 0; r < 4; r++) {
		int pending = 0;   /* spaces owed before the next non-empty cell */

		printf("  %-6s", rows[r]);
		for (int col = 0; col < ncol; col++) {
			pending += 2;
			if (cell[r][col][0]) {
				printf("%*s%s", pending, "", cell[r][col]);
				pending = 0;
			}
			pending += width[col] - (int)strlen(cell[r][col]);
		}
		putchar('\n');
	}
}

/* print_walk - the entries read, one line per level, in aligned columns. */
static void print_walk(const struct pt_head *h, const struct walk_row *row, int nrows)
{
	enum { NCOL = 6 };
	static const char *const head[NCOL] = { "level", "table", "index", "entry", "flags", "points to" };
	char cell[MAX_LEVELS + 1][NCOL][64];
	int width[NCOL] = { 0 };

	for (int c = 0; c < NCOL; c++)
		snprintf(cell[0][c], sizeof(cell[0][c]), "%s", head[c]);
	for (int l = 0; l < nrows; l++) {
		char (*r)[64] = cell[l + 1];

		snprintf(r[0], 64, "%s", h->names[l]);
		snprintf(r[1], 64, "0x%" PRIx64, row[l].table);
		snprintf(r[2], 64, "%" PRIu64, row[l].index);
		snprintf(r[3], 64, "0x%016" PRIx64, row[l].entry);
		pte_flags(row[l].entry, r[4], 64);
		pte_target(row[l].entry, l == h->levels - 1, r[5], 64);
	}
	for (int l = 0; l <= nrows; l++)
		for (int c = 0; c < NCOL; c++)
			if ((int)strlen(cell[l][c]) > width[c])
				width[c] = (int)strlen(cell[l][c]);
	for (int l = 0; l <= nrows; l++) {
		/* index is a number: right-aligned; the last column is not padded */
		printf("  %-*s  %-*s  %*s  %-*s  %-*s  %s\n",
		       width[0], cell[l][0], width[1], cell[l][1], width[2], cell[l][2],
		       width[3], cell[l][3], width[4], cell[l][4], cell[l][5]);
	}
}

/*
 * find_vma - the mapping of PID/maps that holds ADDR: its permissions
 * ("rw-p") in @perms, and in @path its file ("" for anonymous memory).
 * False if no mapping does (or maps cannot be read).
 */
bool find_vma(int pid, uint64_t addr, char perms[8], char *path, size_t size)
{
	char rel[32], *text = NULL;
	bool found = false;

	snprintf(rel, sizeof(rel), "%d/maps", pid);
	if (slurp(rel, &text) < 0)
		return false;
	for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
		uint64_t start, end;
		int at = 0;

		/* START-END PERMS OFFSET DEV INODE [PATH] */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &start, &end, perms, &at) < 3 ||
		    !at || addr < start || addr >= end)
			continue;
		found = true;
		snprintf(path, size, "%s", line + at);
		while (*path && path[strlen(path) - 1] == ' ')
			path[strlen(path) - 1] = '\0';
	}
	free(text);
	return found;
}

/*
 * walk_verdict - translate's last line (and draw walk's), into @buf: which
 * of the three states the page is in (cached in a frame, uncached: mapped
 * but not in memory, or unallocated) and what an access would do.  One short line, so that `tail -n 1` has it.
 */
void walk_verdict(int pid, uint64_t addr, const struct pt_head *h, const struct va_split *s,
		  const struct walk_row *row, int nrows, char *buf, size_t size)
{
	const char *level = h->names[nrows - 1];
	bool leaf = nrows == h->levels;
	uint64_t e = row[nrows - 1].entry, frame = e & PTE_PFN_MASK, off = addr & 0xfff;
	char perms[8], path[4096];

	if (pt_huge(h, row, nrows)) {
		off = addr & ((UINT64_C(1) << s->shift[nrows - 1]) - 1);
		snprintf(buf, size, "cached: huge page (%s entry with PS) at frame 0x%" PRIx64
			 " + offset 0x%" PRIx64 " = physical address 0x%" PRIx64
			 "; the walk ends at the %s: PS is set%s", level, frame, off, frame + off, level,
			 (e & PTE_COW) ? "; copy-on-write" : !(e & PTE_RW) ? "; read-only" : "");
	} else if (!leaf && (e & PTE_PROTNONE) && (e & PTE_PS))
		snprintf(buf, size, "cached in the huge page at frame 0x%" PRIx64 ", but PROT_NONE: "
			 "P is clear, every access faults; the walk ends at the %s: PS is set",
			 frame, level);
	else if (leaf && (e & PTE_P))
		snprintf(buf, size, "cached: frame 0x%" PRIx64 " + offset 0x%" PRIx64 " = physical address 0x%" PRIx64 "%s",
			 frame, off, frame + off,
			 !(e & PTE_US) ? "; supervisor only" : (e & PTE_COW) ? "; copy-on-write" :
			 !(e & PTE_RW) ? "; read-only" : "");
	else if (leaf && (e & PTE_PROTNONE))
		snprintf(buf, size, "cached in frame 0x%" PRIx64 ", but PROT_NONE: P is clear, every access faults", frame);
	else if (leaf && (e & PTE_SWAP))
		snprintf(buf, size, "uncached: in swap slot %" PRIu64 "; an access reads it back", frame >> PAGE_SHIFT);
	else if (!s->user)
		snprintf(buf, size, "unallocated: no kernel page here (empty %s entry)", level);
	else if (find_vma(pid, addr, perms, path, sizeof(path)))
		snprintf(buf, size, "uncached: mapped %s%s%s, not in memory (empty %s entry); an access faults it in",
			 perms, *path ? " " : "", path, level);
	else
		snprintf(buf, size, "unallocated: no mapping here (empty %s entry); an access is a segfault", level);
}

/*
 * pt_head_read - the first line of PID/pagetable into @h; 0, or 1 after a
 * message (no such process, a line not understood).
 */
int pt_head_read(int pid, struct pt_head *h)
{
	char rel[32], *text;
	bool ok;

	snprintf(rel, sizeof(rel), "%d/pagetable", pid);
	if (!(text = slurp_or_fail(rel, pid)))
		return 1;
	ok = pt_head_parse(text, h);
	free(text);
	if (!ok)
		return fail("%s/%s: the first line is not understood", mount_dir, rel);
	return 0;
}

/*
 * pt_walk - the MMU's walk of the address @s splits, from cr3 down, each
 * entry read from @phys at table + 8 * index into @row.  It stops at the
 * leaf, at an entry that is not present, or at a huge-page entry (PS set
 * above the last level: fewer rows than levels, see pt_huge).  *nrows is
 * the entries read.  Returns 0, or -errno when a read failed (the failing
 * row is the last, its .at the address).
 */
int pt_walk(int phys, const struct pt_head *h, const struct va_split *s,
	    struct walk_row *row, int *nrows)
{
	uint64_t table = h->top;
	int rc;

	*nrows = 0;
	for (int l = 0; l < h->levels; l++) {
		struct walk_row *r = &row[(*nrows)++];

		r->table = table;
		r->index = s->index[l];
		r->at = table + 8 * s->index[l];
		if ((rc = read_entry(phys, r->at, &r->entry)) < 0)
			return rc;
		if (!(r->entry & PTE_P) || pt_huge(h, row, *nrows))
			break;
		table = r->entry & PTE_PFN_MASK;
	}
	return 0;
}

/* pt_huge - whether the walk in @row ended at a huge page: a present entry with PS above the leaf level. */
bool pt_huge(const struct pt_head *h, const struct walk_row *row, int nrows)
{
	uint64_t e = row[nrows - 1].entry;

	return nrows < h->levels && (e & PTE_P) && (e & PTE_PS);
}

static int cmd_translate(const struct command *c, int argc, char **argv)
{
	char rel[32], name[64] = "?", path[4096], *text;
	struct pt_head h;
	struct va_split s;
	struct walk_row row[MAX_LEVELS];
	uint64_t addr;
	int pid = 0, rc, phys, nrows = 0;

	(void)argc;
	if ((rc = pid_arg(c, argv[0], &pid)))
		return rc;
	if (!parse_addr(argv[1], &addr))
		return usage_error(c->name, "'%s' is not an address", argv[1]);

	if (pt_head_read(pid, &h))
		return 1;
	snprintf(rel, sizeof(rel), "%d/comm", pid);
	if (slurp(rel, &text) == 0) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, "\n"), text);
		free(text);
	}

	va_split(addr, h.levels, &s);
	printf("0x%" PRIx64 " in process %d (%s): %s; %d levels, %d-bit addresses\n", addr, pid, name,
	       !s.canonical ? "not canonical" : s.user ? "user half" : "kernel half", h.levels, s.va_bits);
	print_split(addr, &h, &s);
	if (!s.canonical) {
		printf("not canonical (bits 63-%d differ from bit %d): no walk; an access faults\n",
		       s.va_bits, s.va_bits - 1);
		return 0;
	}

	if (!mnt_path(path, sizeof(path), "phys"))
		return 1;
	if ((phys = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return open_failed("phys", errno, 0);
	rc = pt_walk(phys, &h, &s, row, &nrows);
	if (rc < 0) {
		close(phys);
		return fail("%s: reading 8 bytes at 0x%" PRIx64 ": %s", path, row[nrows - 1].at, strerror(-rc));
	}
	close(phys);

	printf("cr3 0x%" PRIx64 ": the %s table is at 0x%" PRIx64 "; entry at table + 8 * index in phys\n",
	       h.cr3, h.names[0], h.top);
	print_walk(&h, row, nrows);
	walk_verdict(pid, addr, &h, &s, row, nrows, path, sizeof(path));
	puts(path);
	return 0;
}

/* ---- stat ----------------------------------------------------------------- */

/* swap_used - the Used column (KiB) of swaps, summed, in pages; "none" without swap. */
static void swap_used(const char *swaps, char *buf, size_t size)
{
	uint64_t kib = 0, used;
	int n = 0;
	/* the first line is the header */
	for (const char *line = next_line(swaps); line; line = next_line(line))
		if (sscanf(line, "%*s %*s %*s %" SCNu64, &used) == 1) {
			kib += used;
			n++;
		}
	if (n)
		snprintf(buf, size, "%" PRIu64, kib / 4);
	else
		snprintf(buf, size, "none");
}

static int cmd_stat(const struct command *c, int argc, char **argv)
{
	static const struct { const char *key, *vmstat; } counters[] = {
		{ "free", "nr_free_pages" },
		{ "anon", "nr_anon_pages" },
		{ "swap_cached", "nr_swapcached" },
		{ "page_tables", "nr_page_table_pages" },
		{ "faults", "pgfault" },
		{ "major_faults", "pgmajfault" },
		{ "swap_in", "pswpin" },
		{ "swap_out", "pswpout" },
		{ "scanned", "pgscan_direct" },
		{ "evicted", "pgsteal_direct" },
		{ "oom_kills", "oom_kill" },
	};
	static const char *const config_keys[] = { "levels", "va_bits", "policy", "frames" };
	char value[256], swap[32];
	static const char *const tlb_keys[][2] = {   /* the tlb file's, since 0.8 */
		{ "tlb_4k", "used_4k" }, { "tlb_2m", "used_2m" }, { "tlb_1g", "used_1g" },
		{ "tlb_reach_kb", "reach_kb" },
	};
	char *config = NULL, *vmstat = NULL, *meminfo = NULL, *swaps = NULL, *tlb = NULL;
	uint64_t cached_kb = 0, v;
	int *pids = NULL, nprocs, status = 0;

	(void)c, (void)argc, (void)argv;
	if (!(config = slurp_or_fail("config", 0)) || !(vmstat = slurp_or_fail("vmstat", 0)) ||
	    !(meminfo = slurp_or_fail("meminfo", 0)) || !(swaps = slurp_or_fail("swaps", 0))) {
		free(meminfo);
		free(vmstat);
		free(config);
		return 1;
	}
	if ((nprocs = live_pids(&pids)) < 0)
		status = 1;
	free(pids);
	swap_used(swaps, swap, sizeof(swap));
	field_u64(meminfo, "Cached:", &cached_kb);   /* vmstat's nr_file_pages counts the swap cache too */

	for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
		field_str(config, config_keys[i], value, sizeof(value));
		printf("%-13s %s\n", config_keys[i], value);
	}
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (strcmp(counters[i].key, "faults") == 0)
			printf("%-13s %d\n", "processes", nprocs < 0 ? 0 : nprocs);
		if (strcmp(counters[i].key, "swap_cached") == 0) {
			printf("%-13s %" PRIu64 "\n", "page_cache", cached_kb / 4);
			printf("%-13s %s\n", "swap_used", swap);
		}
		if (field_u64(vmstat, counters[i].vmstat, &v))
			printf("%-13s %" PRIu64 "\n", counters[i].key, v);
		else
			status = fail("vmstat has no %s", counters[i].vmstat);
	}
	if (!(tlb = slurp_or_fail("tlb", 0)))
		status = 1;
	for (size_t i = 0; tlb && i < sizeof(tlb_keys) / sizeof(tlb_keys[0]); i++) {
		if (field_u64(tlb, tlb_keys[i][1], &v))
			printf("%-13s %" PRIu64 "\n", tlb_keys[i][0], v);
		else
			status = fail("tlb has no %s", tlb_keys[i][1]);
	}
	free(tlb);
	free(swaps);
	free(meminfo);
	free(vmstat);
	free(config);
	return status;
}

/* ---- the command table and help -------------------------------------------- */

static const struct command commands[] = {
	{ "ps", 0, 0, "",
	  "list processes: PID, name, RSS, swap, faults",
	  "One line per live process, in PID order: its name (PID/status), resident\n"
	  "memory and swap in KiB (VmRSS, VmSwap of PID/status), and its minor and\n"
	  "major faults (fields 10 and 12 of PID/stat).\n",
	  cmd_ps, NULL, false },
	{ "spawn", 1, 65, "NAME [-- PATH [ARG...]]",
	  "start a process (running a host program); prints its PID",
	  "Writes 'spawn NAME' to ctl and prints the new PID.  With -- PATH [ARG...],\n"
	  "then writes 'exec PATH [ARG...]' to PID/ctl: the process becomes the host\n"
	  "ELF program PATH with argv PATH ARG... (see exec); if that fails the new\n"
	  "process is ended again and vmfsctl exits 1.\n",
	  cmd_spawn, "spawn", false },
	{ "run", 2, 67, "[--stop] [--keep] [-n] -- PROGRAM [ARG...]",
	  "run a program on the machine's CPU; exits with its status",
	  "Spawns a process named after PROGRAM, execs PROGRAM [ARG...] in it and\n"
	  "writes 'run' to PID/ctl; copies PID/stdout and PID/stderr to its own as\n"
	  "they grow; when the program has exited (state Z in PID/stat), reaps it\n"
	  "and exits with its status: its exit code, or 128+N after signal N (139\n"
	  "for a segfault), as a shell reports it.  --stop only loads it: prints the\n"
	  "PID and leaves it stopped at its entry point (PID/regs; 'run' or 'step N'\n"
	  "on PID/ctl).  --keep runs it with 'run keep' and does not reap it: its\n"
	  "address space stays to inspect until 'vmfsctl kill PID'.  vmfsctl's own\n"
	  "standard input (a file, a pipe or the terminal) is copied to PID/stdin\n"
	  "as the program reads it, its end the program's end of file; -n\n"
	  "(--no-stdin) gives the program none (EOF at once); --stop gives none.\n",
	  cmd_run, "run", false },
	{ "exec", 2, 64, "PID PATH [ARG...]",
	  "make a process run a host ELF program",
	  "Writes 'exec PATH [ARG...]' to PID/ctl: the process's address space is\n"
	  "replaced by the program's image as Linux's execve lays it out (argv is\n"
	  "PATH ARG..., the environment empty).  PID/maps then reads like the\n"
	  "program's /proc/PID/maps at its entry point.\n",
	  cmd_passthrough, "exec", true },
	{ "brk", 2, 2, "PID ADDR",
	  "move a process's break; prints the new one",
	  "Writes 'brk ADDR' to PID/ctl and prints the break after it, which is\n"
	  "the old one when the request cannot be met (Linux's brk).\n",
	  cmd_passthrough, "brk", true },
	{ "mremap", 4, 6, "PID ADDR OLD_LEN NEW_LEN [FLAGS [NEW_ADDR]]",
	  "grow, shrink or move a mapping; prints its address",
	  "Writes 'mremap ADDR OLD_LEN NEW_LEN [FLAGS [NEW_ADDR]]' to PID/ctl and\n"
	  "prints the mapping's address after it.  FLAGS is a comma list of maymove,\n"
	  "fixed (move to NEW_ADDR) and dontunmap (leave the old mapping, empty);\n"
	  "a move carries the pages themselves (Linux's mremap).\n",
	  cmd_passthrough, "mremap", true },
	{ "fork", 1, 1, "PID",
	  "fork a process copy-on-write; prints the child",
	  "Writes 'fork' to PID/ctl and prints the child's PID.\n",
	  cmd_passthrough, "fork", true },
	{ "kill", 1, 64, "PID...",
	  "end processes",
	  "Writes 'exit' to each PID/ctl: the process ends, its memory and swap\n"
	  "are freed and its directory is gone.  Goes on past a failure, then\n"
	  "exits 1.\n",
	  cmd_kill, NULL, false },
	{ "mmap", 5, 7, "PID ADDR LEN PROT FLAGS [OBJECT [OFFSET]]",
	  "map memory; prints the address",
	  "Writes 'mmap ADDR LEN PROT FLAGS [OBJECT [OFFSET]]' to PID/ctl and prints\n"
	  "the start address.  ADDR 0 lets the machine choose (top-down, as Linux\n"
	  "does).  Numbers are decimal or 0x hex, ADDR, LEN and OFFSET may end in\n"
	  "K, M, G or T; PROT as maps prints it (rw-, r-x, r--, ---); FLAGS a comma\n"
	  "list of private or shared, and fixed or noreplace, and huge (MAP_HUGETLB,\n"
	  "2 MiB pages from the hugetlb pool) or huge1g (1 GiB pages).  OBJECT names\n"
	  "a file of MOUNTPOINT/objects/.\n",
	  cmd_passthrough, "mmap", true },
	{ "munmap", 3, 3, "PID ADDR LEN",
	  "unmap a range",
	  "Writes 'munmap ADDR LEN' to PID/ctl.  Mappings that straddle the range are\n"
	  "split; unmapping a hole is not an error.\n",
	  cmd_passthrough, "munmap", true },
	{ "mprotect", 4, 4, "PID ADDR LEN PROT",
	  "change the protection of a range",
	  "Writes 'mprotect ADDR LEN PROT' to PID/ctl.  The whole range must be\n"
	  "mapped.\n",
	  cmd_passthrough, "mprotect", true },
	/* madvise, mlock, mincore, msync (issue 14) */
	{ "madvise", 4, 4, "PID ADDR LEN ADVICE",
	  "advise the machine about a range (madvise)",
	  "Writes 'madvise ADDR LEN ADVICE' to PID/ctl.  ADVICE is one of normal,\n"
	  "random, sequential, willneed, dontneed, free, dontfork, dofork,\n"
	  "wipeonfork, keeponfork, cold, pageout, hugepage, nohugepage (Linux's\n"
	  "MADV_ names).\n",
	  cmd_passthrough, "madvise", true },
	{ "mlock", 3, 4, "PID ADDR LEN [onfault]",
	  "lock a range in memory",
	  "Writes 'mlock ADDR LEN [onfault]' to PID/ctl: the pages are faulted in\n"
	  "now (with onfault: as they are touched) and never evicted.\n",
	  cmd_passthrough, "mlock", true },
	{ "munlock", 3, 3, "PID ADDR LEN",
	  "unlock a range",
	  "Writes 'munlock ADDR LEN' to PID/ctl.\n",
	  cmd_passthrough, "munlock", true },
	{ "mlockall", 2, 2, "PID FLAGS",
	  "lock every mapping, now and/or to come",
	  "Writes 'mlockall FLAGS' to PID/ctl; FLAGS a comma list of current,\n"
	  "future and onfault.\n",
	  cmd_passthrough, "mlockall", true },
	{ "munlockall", 1, 1, "PID",
	  "unlock every mapping",
	  "Writes 'munlockall' to PID/ctl.\n",
	  cmd_passthrough, "munlockall", true },
	{ "mincore", 3, 3, "PID ADDR LEN",
	  "which pages of a range are in memory",
	  "Writes 'mincore ADDR LEN' to PID/ctl and prints one digit a page, 1 for a\n"
	  "page in memory (at most 512 pages).\n",
	  cmd_passthrough, "mincore", true },
	{ "msync", 4, 4, "PID ADDR LEN FLAGS",
	  "write a range's object pages back",
	  "Writes 'msync ADDR LEN FLAGS' to PID/ctl; FLAGS a comma list of async,\n"
	  "sync and invalidate.\n",
	  cmd_passthrough, "msync", true },
	{ "maps", 1, 1, "PID",
	  "print PID/maps",
	  "Copies PID/maps: one line per mapping, in Linux's format.\n",
	  cmd_maps, NULL, false },
	{ "translate", 2, 2, "PID ADDR",
	  "walk the page tables, level by level",
	  "Splits ADDR into its fields (sign bits, one index per level, the page\n"
	  "offset), then walks the process's page tables as the MMU does: from cr3\n"
	  "(the first line of PID/pagetable) it reads each entry from phys at\n"
	  "table + 8 * index and prints the level, the table's physical address,\n"
	  "the index, the entry's physical address, the raw entry, its bits by name\n"
	  "and what it points to, until a leaf or an entry that is not present.\n"
	  "The last line names the page's state: cached (the physical address),\n"
	  "uncached (mapped but not in memory, or in a swap slot) or unallocated.\n"
	  "The walk has no side effects: nothing is faulted in or marked accessed.\n",
	  cmd_translate, NULL, false },
	/* pictures (issue 19): vmfsctl_draw.c, vmfsctl_phys.c, vmfsctl_watch.c */
	{ "draw", 1, 70, "walk|tree|phys ARGS... [-o FILE] [-T svg|png|pdf]",
	  "draw a walk, the page-table tree or physical memory",
	  "draw walk PID ADDR... [-o FILE] [-T svg|png|pdf]\n"
	  "  The walk of each ADDR as translate does it: the address split into its\n"
	  "  index fields, one box per table visited (its frame, the entry used and\n"
	  "  its bits), arrows down to the frame and the byte, and where the walk\n"
	  "  stops (not present, swapped, PROT_NONE, a huge page, protection).\n"
	  "draw tree PID [--range A-B] [-o FILE] [-T svg|png|pdf]\n"
	  "  The page-table tree of PID/pagetable: non-empty entries only, upper\n"
	  "  tables with one entry collapsed into one box, leaf entries grouped by\n"
	  "  the mapping of PID/maps they fall in, shared frames (kpagecount > 1)\n"
	  "  marked.  --range keeps the entries that cover [A, B).\n"
	  "draw phys [--pid PID] [-o FILE]\n"
	  "  Physical memory as a grid of frames coloured by owner (a process, the\n"
	  "  page cache, page tables, the kernel image, the zero page, free), shared\n"
	  "  and dirty frames marked, a legend; --pid highlights one process.  Plain\n"
	  "  SVG only.\n"
	  "walk and tree are laid out by Graphviz's library; -T picks its output\n"
	  "format (default svg).  Without -o the picture goes to standard output.\n",
	  cmd_draw, NULL, false },
	{ "watch", 0, 3, "[PID] [-n SECS]",
	  "a terminal view of the machine, redrawn every second",
	  "Redraws every SECS seconds (default 1, -n 0.1 to 3600): free and used\n"
	  "frames with a bar, faults per second (minor, major, copy-on-write), swap\n"
	  "in and out per second, each process's RSS and faults (PID: that one\n"
	  "only), and the LRU lists of meminfo (Active, Inactive) when the policy\n"
	  "keeps them.  q or Ctrl-C ends it; the terminal is left as it was (the\n"
	  "alternate screen, the cursor and the terminal modes are restored).  When\n"
	  "standard output is not a terminal it prints one view and exits.\n",
	  cmd_watch, NULL, false },
	{ "stat", 0, 0, "",
	  "the machine's configuration and counters",
	  "One 'key value' line each.  levels, va_bits, policy (the current one)\n"
	  "and frames come from config.\n"
	  "In pages: free, anon, page_cache (meminfo's Cached: object pages and\n"
	  "shared memory), swap_used (swaps), swap_cached, page_tables.  Then the\n"
	  "number of processes and the counters since the mount: faults,\n"
	  "major_faults, swap_in, swap_out, scanned, evicted, oom_kills (vmstat's\n"
	  "pgfault, pgmajfault, pswpin, pswpout, pgscan_direct, pgsteal_direct,\n"
	  "oom_kill).  Last, from the tlb file: the TLB entries in use, summed over\n"
	  "the processes, of 4 KiB, 2 MiB and 1 GiB pages (tlb_4k, tlb_2m, tlb_1g)\n"
	  "and the memory they translate in KiB (tlb_reach_kb).\n",
	  cmd_stat, NULL, false },
	{ "reclaim", 1, 1, "N",
	  "evict up to N pages; prints how many",
	  "Writes 'reclaim N' to ctl, as memory pressure would, and prints the\n"
	  "number of pages evicted.\n",
	  cmd_passthrough, "reclaim", false },
	{ "policy", 1, 1, "NAME",
	  "set the replacement policy",
	  "Writes 'policy NAME' to ctl.\n",
	  cmd_passthrough, "policy", false },
	{ "sync", 0, 0, "",
	  "commit pending writes to the swap store",
	  "Writes 'sync' to ctl.\n",
	  cmd_passthrough, "sync", false },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void help_all(void)
{
	printf("Usage: vmfsctl [-m MOUNTPOINT] COMMAND [ARGS...]\n"
	       "       vmfsctl COMMAND --help\n\n"
	       "Drive a mounted vmfs machine through its files.  The mountpoint is\n"
	       "-m MOUNTPOINT, else $VMFS_MOUNT.\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char synopsis[64];

		snprintf(synopsis, sizeof(synopsis), "%s %s", commands[i].name, commands[i].args);
		if (strlen(synopsis) > 28)
			printf("  %s\n  %-28s %s\n", synopsis, "", commands[i].summary);
		else
			printf("  %-28s %s\n", synopsis, commands[i].summary);
	}
	printf("\nOptions:\n"
	       "  -m, --mount MOUNTPOINT       the mount to use (default $VMFS_MOUNT)\n"
	       "  -h, --help                   this help\n"
	       "  -V, --version                print the version\n\n"
	       "Exit status: 0 done, 1 failed (the message says why), 2 bad usage.\n"
	       "See vmfsctl(1), vmfs(1) and vmfs-tutorial(7).\n");
}

void help_command(const struct command *c)
{
	printf("Usage: vmfsctl [-m MOUNTPOINT] %s%s%s\n\n%s", c->name, *c->args ? " " : "", c->args, c->help);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c;
	char path[4096];
	struct stat st;
	int opt, nargs;

	opterr = 0;   /* the messages below say it the vmfsctl way */
	while ((opt = getopt_long(argc, argv, "+m:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			mount_dir = optarg;
			break;
		case 'h':
			help_all();
			return 0;
		case 'V':
			printf("vmfsctl %s\n", VMFSCTL_VERSION);
			return 0;
		default:
			if (optopt == 'm')
				return usage_error(NULL, "-m needs a MOUNTPOINT");
			if (optopt)
				return usage_error(NULL, "unknown option -%c", optopt);
			return usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(NULL, "no command");
	if (strcmp(argv[optind], "help") == 0) {
		if (optind + 1 >= argc) {
			help_all();
			return 0;
		}
		if (!(c = find_command(argv[optind + 1])))
			return usage_error(NULL, "no command '%s'", argv[optind + 1]);
		help_command(c);
		return 0;
	}
	if (!(c = find_command(argv[optind])))
		return usage_error(NULL, "no command '%s'", argv[optind]);
	argv += optind + 1;
	nargs = argc - optind - 1;
	if (nargs > 0 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		help_command(c);
		return 0;
	}
	if (nargs < c->min_args)
		return usage_error(c->name, "%s: missing arguments (%s %s)", c->name, c->name, c->args);
	if (nargs > c->max_args)
		return usage_error(c->name, "%s: too many arguments (%s %s)", c->name, c->name, c->args);

	if (!mount_dir || !*mount_dir)
		mount_dir = getenv("VMFS_MOUNT");
	if (!mount_dir || !*mount_dir)
		return usage_error(NULL, "no mount: give -m MOUNTPOINT or set VMFS_MOUNT");
	if (!mnt_path(path, sizeof(path), "ctl"))
		return 1;
	if (stat(path, &st) != 0)
		return fail("%s is not a vmfs mount (%s: %s)", mount_dir, path, strerror(errno));

	int status = c->fn(c, nargs, argv);

	if (fflush(stdout) != 0 || ferror(stdout))
		return fail("standard output: %s", strerror(errno));
	return status;
}
