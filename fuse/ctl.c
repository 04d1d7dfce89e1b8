/*
 * ctl.c - the command language of the transaction files `ctl` and
 * `PID/ctl` (see ctl.h for the contract, vmfs(1) for the user's view).
 *
 * A command travels in three steps, and only the last touches the machine:
 *
 *   bytes --check_line()--> one clean line --tokenize()--> words
 *         --verb table + parse_*()--> struct ctl_cmd --ctl_exec()--> libvmfs
 *
 * What stays true here:
 *   - Everything before ctl_exec() is pure: it reads only its arguments,
 *     writes only @out and @err, allocates nothing and works on a bounded
 *     copy of the input, so no input (NULs, control bytes, 1 MiB of digits,
 *     a number one past 2^64) can crash it or leave anything half done.
 *   - Every refusal names what was wrong in one line; the caller turns it
 *     into `error: ...\n` and EINVAL.
 *   - Grammar: words are separated by spaces or tabs; numbers are decimal
 *     or 0x hex; byte quantities (ADDR, LEN, OFFSET) take a binary K, M, G
 *     or T suffix; counts (reclaim N) take none; PROT is three letters as
 *     in maps (`rw-`, `r-x`, `---`, `rwx`); FLAGS is a comma list of
 *     private, shared, fixed, noreplace, huge, huge1g with exactly one of
 *     private and shared (huge, huge1g: MAP_HUGETLB with 2 MiB or 1 GiB
 *     pages, since 0.8); ADVICE is madvise's name in lower case without MADV_ (free,
 *     dontneed, ...); mlockall's and msync's FLAGS are comma lists of
 *     current, future, onfault and of async, sync, invalidate; mremap's of
 *     maymove, fixed, dontunmap; exec's words (PATH, ARG) may be quoted:
 *     one that begins with ' runs to the next ', blanks and all (since
 *     0.7).  Nothing is accepted by guessing.
 */
#include "ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_WORDS (2 + CTL_EXEC_ARGS)   /* one more than the longest command (exec) has */

struct verb {
	const char     *name;
	enum ctl_op     op;
	enum ctl_scope  scope;
	int             min_args, max_args;
	const char     *usage;
};

static const struct verb verbs[] = {
	{ "spawn",    CTL_SPAWN,    CTL_MACHINE, 1, 1, "spawn NAME" },
	{ "reclaim",  CTL_RECLAIM,  CTL_MACHINE, 1, 1, "reclaim N" },
	{ "policy",   CTL_POLICY,   CTL_MACHINE, 1, 1, "policy NAME" },
	{ "sync",     CTL_SYNC,     CTL_MACHINE, 0, 0, "sync" },
	{ "mmap",     CTL_MMAP,     CTL_PROCESS, 4, 6, "mmap ADDR LEN PROT FLAGS [OBJECT [OFFSET]]" },
	{ "munmap",   CTL_MUNMAP,   CTL_PROCESS, 2, 2, "munmap ADDR LEN" },
	{ "mprotect", CTL_MPROTECT, CTL_PROCESS, 3, 3, "mprotect ADDR LEN PROT" },
	{ "fork",     CTL_FORK,     CTL_PROCESS, 0, 0, "fork" },
	{ "exit",     CTL_EXIT,     CTL_PROCESS, 0, 0, "exit" },
	/* madvise, mlock, mincore, msync (issue 14) */
	{ "madvise",    CTL_MADVISE,    CTL_PROCESS, 3, 3, "madvise ADDR LEN ADVICE" },
	{ "mlock",      CTL_MLOCK,      CTL_PROCESS, 2, 3, "mlock ADDR LEN [onfault]" },
	{ "munlock",    CTL_MUNLOCK,    CTL_PROCESS, 2, 2, "munlock ADDR LEN" },
	{ "mlockall",   CTL_MLOCKALL,   CTL_PROCESS, 1, 1, "mlockall FLAGS" },
	{ "munlockall", CTL_MUNLOCKALL, CTL_PROCESS, 0, 0, "munlockall" },
	{ "mincore",    CTL_MINCORE,    CTL_PROCESS, 2, 2, "mincore ADDR LEN" },
	{ "msync",      CTL_MSYNC,      CTL_PROCESS, 3, 3, "msync ADDR LEN FLAGS" },
	{ "exec",     CTL_EXEC,     CTL_PROCESS, 1, 1 + CTL_EXEC_ARGS, "exec PATH [ARG...]" },
	{ "brk",      CTL_BRK,      CTL_PROCESS, 1, 1, "brk ADDR" },
	{ "mremap",   CTL_MREMAP,   CTL_PROCESS, 3, 5, "mremap ADDR OLD_LEN NEW_LEN [FLAGS [NEW_ADDR]]" },
	/* the CPU (issue 16) */
	{ "run",      CTL_RUN,      CTL_PROCESS, 0, 1, "run [keep]" },
	{ "step",     CTL_STEP,     CTL_PROCESS, 1, 1, "step N" },
	{ "stop",     CTL_STOP,     CTL_PROCESS, 0, 0, "stop" },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

__attribute__((format(printf, 3, 4)))
static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- lines and words ---------------------------------------------------- */

/*
 * Copy the command into @line (CTL_LINE_MAX + 1 bytes) as a C string, after
 * checking its length, dropping one trailing newline and refusing NULs and
 * other control bytes (a newline inside means two commands in one write).
 */
static int check_line(const char *buf, size_t len, char *line, char *err, size_t errlen)
{
	if (len > CTL_LINE_MAX)
		return refuse(err, errlen, "command too long (%zu bytes; at most %d)",
			      len, CTL_LINE_MAX);
	if (len && buf[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\0')
			return refuse(err, errlen, "NUL byte in command at offset %zu", i);
		if (c == '\n')
			return refuse(err, errlen, "one command per write (newline at offset %zu)", i);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return refuse(err, errlen, "control byte 0x%02x in command at offset %zu", c, i);
	}
	memcpy(line, buf, len);
	line[len] = '\0';
	return 0;
}

/*
 * Split @line in place at spaces and tabs; returns the word count, or -1 if
 * there are more than @max words.  With @quotes a word that begins with a
 * single quote is what follows it up to the next one, blanks included (no
 * quote inside; a blank or the end after it): -2 when it is not so.
 */
static int tokenize(char *line, char **words, int max, bool quotes)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			return n;
		if (n == max)
			return -1;
		if (quotes && *p == '\'') {
			char *end = strchr(p + 1, '\'');

			if (!end || (end[1] && end[1] != ' ' && end[1] != '\t'))
				return -2;
			*end = '\0';
			words[n++] = p + 1;
			p = end + 1;
			continue;
		}
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
}

/* ---- values --------------------------------------------------------------- */

/*
 * A number as the options string has them too (one parser for both,
 * vmfs_parse_u64), with the refusal spelled out: @what names the argument.
 */
static int parse_number(const char *word, bool suffix, const char *what,
			uint64_t *out, char *err, size_t errlen)
{
	if (vmfs_parse_u64(word, suffix, out) == 0)
		return 0;
	return refuse(err, errlen, "bad %s '%.40s' (decimal or 0x hex, at most 64 bits%s)", what, word,
		      suffix ? ", optionally with a K, M, G or T suffix" : "");
}

/* PROT as maps prints it: r or -, w or -, x or -. */
static int parse_prot(const char *word, int *prot, char *err, size_t errlen)
{
	if (strlen(word) != 3 ||
	    (word[0] != 'r' && word[0] != '-') ||
	    (word[1] != 'w' && word[1] != '-') ||
	    (word[2] != 'x' && word[2] != '-'))
		return refuse(err, errlen, "bad protection '%.40s' (three letters as in maps: "
			      "r or -, w or -, x or -, e.g. rw- or r-x)", word);
	*prot = (word[0] == 'r' ? PROT_READ : 0) |
		(word[1] == 'w' ? PROT_WRITE : 0) |
		(word[2] == 'x' ? PROT_EXEC : 0);
	return 0;
}

/* FLAGS: a comma list of private, shared, fixed, noreplace, huge (MAP_HUGETLB,
 * 2 MiB pages) or huge1g (MAP_HUGETLB | MAP_HUGE_1GB; since 0.8); each at
 * most once, exactly one of private and shared, at most one of huge and
 * huge1g. */
static int parse_flags(const char *word, int *flags, char *err, size_t errlen)
{
	static const struct { const char *name; int flag; } names[] = {
		{ "private", MAP_PRIVATE }, { "shared", MAP_SHARED },
		{ "fixed", MAP_FIXED }, { "noreplace", MAP_FIXED_NOREPLACE },
		{ "huge", MAP_HUGETLB }, { "huge1g", MAP_HUGETLB | VMFS_MAP_HUGE_1GB },
	};
	int f = 0;
	const char *p = word;

	for (;;) {
		size_t n = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && !memcmp(p, names[i].name, n))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return refuse(err, errlen, "bad flag '%.*s' in '%.40s' (a comma list of "
				      "private, shared, fixed, noreplace, huge, huge1g)",
				      (int)(n > 20 ? 20 : n), p, word);
		if ((f & names[i].flag) && (names[i].flag & MAP_HUGETLB))
			return refuse(err, errlen, "flags '%.40s' give more than one of huge and huge1g",
				      word);
		if (f & names[i].flag)
			return refuse(err, errlen, "flag '%s' given twice", names[i].name);
		f |= names[i].flag;
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!(f & MAP_PRIVATE) == !(f & MAP_SHARED))
		return refuse(err, errlen, "flags '%.40s' need exactly one of private and shared", word);
	*flags = f;
	return 0;
}

struct flag_name {
	const char *name;
	int         flag;
};

/*
 * A comma list of the @n names of @names, each at most once, into the OR
 * of their flags (@what names the argument in a refusal).
 */
static int parse_flag_list(const char *word, const struct flag_name *names, size_t n,
			   const char *what, int *flags, char *err, size_t errlen)
{
	const char *p = word;
	int f = 0;

	for (;;) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < n; i++)
			if (strlen(names[i].name) == len && !memcmp(p, names[i].name, len))
				break;
		if (i == n)
			return refuse(err, errlen, "bad %s '%.*s' in '%.40s'", what,
				      (int)(len > 20 ? 20 : len), p, word);
		if (f & names[i].flag)
			return refuse(err, errlen, "%s '%s' given twice", what, names[i].name);
		f |= names[i].flag;
		if (!p[len])
			break;
		p += len + 1;
	}
	*flags = f;
	return 0;
}

/* ADVICE: madvise's name without MADV_, in lower case. */
static int parse_advice(const char *word, int *advice, char *err, size_t errlen)
{
	static const struct flag_name names[] = {
		{ "normal", VMFS_MADV_NORMAL }, { "random", VMFS_MADV_RANDOM },
		{ "sequential", VMFS_MADV_SEQUENTIAL }, { "willneed", VMFS_MADV_WILLNEED },
		{ "dontneed", VMFS_MADV_DONTNEED }, { "free", VMFS_MADV_FREE },
		{ "dontfork", VMFS_MADV_DONTFORK }, { "dofork", VMFS_MADV_DOFORK },
		{ "wipeonfork", VMFS_MADV_WIPEONFORK }, { "keeponfork", VMFS_MADV_KEEPONFORK },
		{ "cold", VMFS_MADV_COLD }, { "pageout", VMFS_MADV_PAGEOUT },
		{ "hugepage", VMFS_MADV_HUGEPAGE }, { "nohugepage", VMFS_MADV_NOHUGEPAGE },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(word, names[i].name)) {
			*advice = names[i].flag;
			return 0;
		}
	return refuse(err, errlen, "bad advice '%.40s' (normal, random, sequential, willneed, "
		      "dontneed, free, dontfork, dofork, wipeonfork, keeponfork, cold, pageout, "
		      "hugepage, nohugepage)", word);
}

static int parse_name(const char *word, const char *what, char *name, char *err, size_t errlen)
{
	size_t n = strlen(word);

	if (n > CTL_NAME_MAX)
		return refuse(err, errlen, "%s too long (%zu bytes; at most %d)", what, n, CTL_NAME_MAX);
	memcpy(name, word, n + 1);
	return 0;
}

/* ---- commands --------------------------------------------------------------- */

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < NVERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

/* The arguments of @v, already counted, into @c. */
static int parse_args(const struct verb *v, char **arg, int nargs, struct ctl_cmd *c,
		      char *err, size_t errlen)
{
	int rc = 0;

	switch (v->op) {
	case CTL_EXEC: {
		size_t at = 0;

		/* The words are pieces of one line: they fit in args together. */
		for (int i = 0; i < nargs; i++) {
			size_t l = strlen(arg[i]) + 1;

			memcpy(c->args + at, arg[i], l);
			at += l;
		}
		c->nargs = nargs;
		return 0;
	}
	case CTL_BRK:
		return parse_number(arg[0], false, "address", &c->addr, err, errlen);
	case CTL_RUN:
		if (nargs && strcmp(arg[0], "keep") != 0)
			return refuse(err, errlen, "run: '%s' is not keep", arg[0]);
		c->flags = nargs ? (int)VMFS_RUN_KEEP : 0;
		return 0;
	case CTL_STEP:
		if ((rc = parse_number(arg[0], false, "instruction count", &c->count, err, errlen)))
			return rc;
		return c->count ? 0 : refuse(err, errlen, "step: 0 instructions");
	case CTL_STOP:
		return 0;
	case CTL_SPAWN:
		return parse_name(arg[0], "process name", c->name, err, errlen);
	case CTL_POLICY:
		return parse_name(arg[0], "policy name", c->name, err, errlen);
	case CTL_RECLAIM:
		return parse_number(arg[0], false, "page count", &c->count, err, errlen);
	case CTL_SYNC:
	case CTL_FORK:
	case CTL_EXIT:
		return 0;
	case CTL_MMAP:
		if ((rc = parse_number(arg[0], true, "address", &c->addr, err, errlen)) ||
		    (rc = parse_number(arg[1], true, "length", &c->len, err, errlen)) ||
		    (rc = parse_prot(arg[2], &c->prot, err, errlen)) ||
		    (rc = parse_flags(arg[3], &c->flags, err, errlen)))
			return rc;
		if (nargs == 4) {
			c->flags |= MAP_ANONYMOUS;
			return 0;
		}
		if ((rc = parse_name(arg[4], "object name", c->name, err, errlen)))
			return rc;
		if (nargs == 6)
			rc = parse_number(arg[5], true, "offset", &c->offset, err, errlen);
		return rc;
	case CTL_MUNMAP:
	case CTL_MPROTECT:
		if ((rc = parse_number(arg[0], true, "address", &c->addr, err, errlen)) ||
		    (rc = parse_number(arg[1], true, "length", &c->len, err, errlen)))
			return rc;
		if (v->op == CTL_MPROTECT)
			rc = parse_prot(arg[2], &c->prot, err, errlen);
		return rc;
	case CTL_MADVISE:
	case CTL_MLOCK:
	case CTL_MUNLOCK:
	case CTL_MINCORE:
	case CTL_MSYNC:
		if ((rc = parse_number(arg[0], true, "address", &c->addr, err, errlen)) ||
		    (rc = parse_number(arg[1], true, "length", &c->len, err, errlen)))
			return rc;
		if (v->op == CTL_MADVISE)
			return parse_advice(arg[2], &c->flags, err, errlen);
		if (v->op == CTL_MLOCK && nargs == 3) {
			static const struct flag_name onfault[] = { { "onfault", VMFS_MLOCK_ONFAULT } };

			return parse_flag_list(arg[2], onfault, 1, "mlock flag", &c->flags, err, errlen);
		}
		if (v->op == CTL_MSYNC) {
			static const struct flag_name ms[] = {
				{ "async", MS_ASYNC }, { "sync", MS_SYNC }, { "invalidate", MS_INVALIDATE },
			};

			return parse_flag_list(arg[2], ms, 3, "msync flag (async, sync, invalidate)",
					       &c->flags, err, errlen);
		}
		if (v->op == CTL_MINCORE &&
		    (c->len > (uint64_t)CTL_MINCORE_MAX * VMFS_PAGE_SIZE))
			return refuse(err, errlen, "mincore answers for at most %d pages at a time",
				      CTL_MINCORE_MAX);
		return 0;
	case CTL_MLOCKALL: {
		static const struct flag_name mcl[] = {
			{ "current", VMFS_MCL_CURRENT }, { "future", VMFS_MCL_FUTURE },
			{ "onfault", VMFS_MCL_ONFAULT },
		};

		return parse_flag_list(arg[0], mcl, 3, "mlockall flag (current, future, onfault)",
				       &c->flags, err, errlen);
	}
	case CTL_MUNLOCKALL:
		return 0;
	case CTL_MREMAP: {
		static const struct flag_name mr[] = {
			{ "maymove", VMFS_MREMAP_MAYMOVE }, { "fixed", VMFS_MREMAP_FIXED },
			{ "dontunmap", VMFS_MREMAP_DONTUNMAP },
		};

		if ((rc = parse_number(arg[0], true, "address", &c->addr, err, errlen)) ||
		    (rc = parse_number(arg[1], true, "old length", &c->len, err, errlen)) ||
		    (rc = parse_number(arg[2], true, "new length", &c->new_len, err, errlen)))
			return rc;
		if (nargs >= 4 &&
		    (rc = parse_flag_list(arg[3], mr, 3, "mremap flag (maymove, fixed, dontunmap)",
					  &c->flags, err, errlen)))
			return rc;
		if (nargs == 5)
			rc = parse_number(arg[4], true, "new address", &c->new_addr, err, errlen);
		return rc;
	}
	}
	return refuse(err, errlen, "internal error: no parser for '%s'", v->name);
}

int ctl_parse(enum ctl_scope scope, const char *buf, size_t len,
	      struct ctl_cmd *out, char *err, size_t errlen)
{
	char line[CTL_LINE_MAX + 1];
	char *word[MAX_WORDS];
	struct ctl_cmd c;
	const struct verb *v;
	int n, rc;

	if (err && errlen)
		err[0] = '\0';
	if (!buf && len)
		return refuse(err, errlen, "no command");
	if ((rc = check_line(buf, len, line, err, errlen)))
		return rc;
	{       /* exec's words may be quoted (arguments with blanks) */
		const char *w = line + strspn(line, " \t");

		n = tokenize(line, word, MAX_WORDS, !strncmp(w, "exec", 4) && (w[4] == ' ' || w[4] == '\t'));
	}
	if (n == -2)
		return refuse(err, errlen, "a quoted word ('...') must end with a quote before a blank "
			      "or the end, and hold no quote");
	if (n < 0)
		return refuse(err, errlen, "too many words (a command has at most %d)", MAX_WORDS - 1);
	if (n == 0)
		return refuse(err, errlen, "empty command");
	v = find_verb(word[0]);
	if (!v)
		return refuse(err, errlen, "unknown command '%.40s' (%s)", word[0],
			      scope == CTL_MACHINE ? "this ctl takes spawn, reclaim, policy, sync"
						   : "PID/ctl takes mmap, munmap, mprotect, fork, exit, "
						     "madvise, mlock, munlock, mlockall, munlockall, mincore, "
						     "msync, exec, brk, mremap");
	if (v->scope != scope)
		return refuse(err, errlen, "'%s' is a %s", v->name,
			      v->scope == CTL_MACHINE ? "machine command: write it to the top-level ctl"
						      : "process command: write it to PID/ctl");
	if (n - 1 < v->min_args || n - 1 > v->max_args)
		return refuse(err, errlen, "%s arguments; usage: %s",
			      n - 1 < v->min_args ? "missing" : "too many", v->usage);
	memset(&c, 0, sizeof(c));
	c.op = v->op;
	if ((rc = parse_args(v, word + 1, n - 1, &c, err, errlen)))
		return rc;
	*out = c;
	return 0;
}

/* ---- execution ---------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static void answer_printf(char *answer, size_t anslen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(answer, anslen, fmt, ap);
	va_end(ap);
}

/* The error line for a failing libvmfs call; call it straight after the
 * call, before anything else can replace this thread's message. */
static int answer_error(int64_t rc, char *answer, size_t anslen)
{
	const char *msg = vmfs_errmsg();

	if (!msg || !*msg)
		msg = strerror((int)-rc);
	answer_printf(answer, anslen, "error: %s\n", msg);
	return (int)rc;
}

/*
 * The programs `run` started: one detached thread each, in vmfs_run until
 * the program exits, dies or is stopped.  The list of their PIDs is what
 * ctl_runners_stop stops; the threads' count falls to 0 when all are done.
 */
#define MAX_RUNNERS 256
static pthread_mutex_t runners_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t runners_done = PTHREAD_COND_INITIALIZER;
static int runner_pids[MAX_RUNNERS];
static int nrunners;

struct runner {
	vmfs    *m;
	int      pid;
	unsigned flags;
};

static void *runner_main(void *arg)
{
	struct runner *r = arg;

	/* waiting on PID/stdin, not returning: its sleepers stay S (since 0.7) */
	vmfs_run(r->m, r->pid, 0, r->flags | VMFS_RUN_WAIT, NULL);
	pthread_mutex_lock(&runners_lock);
	for (int i = 0; i < nrunners; i++)
		if (runner_pids[i] == r->pid) {
			runner_pids[i] = runner_pids[--nrunners];
			break;
		}
	pthread_cond_broadcast(&runners_done);
	pthread_mutex_unlock(&runners_lock);
	free(r);
	return NULL;
}

/* The state letter of @pid's CPU, or 0 with the error (and its message) in *@rc. */
static char cpu_state(vmfs *m, int pid, int64_t *rc)
{
	struct vmfs_cpu_status st;

	*rc = vmfs_cpu_status(m, pid, &st);
	return *rc < 0 ? 0 : st.state;
}

/* Whether a thread runs @pid (runners_lock held). */
static bool runner_has(int pid)
{
	for (int i = 0; i < nrunners; i++)
		if (runner_pids[i] == pid)
			return true;
	return false;
}

/* run: a thread for the program, answered once it runs (or has already ended). */
static int64_t runner_start(vmfs *m, int pid, unsigned flags)
{
	struct runner *r;
	pthread_attr_t a;
	pthread_t t;
	int64_t rc = 0;
	char s = cpu_state(m, pid, &rc);
	bool running;

	if (!s)
		return rc;
	if (s == 'S')
		return vmfs_run(m, pid, 0, flags, NULL);   /* its error: no program */
	if (s != 'T')
		return vmfs_run(m, pid, 0, flags, NULL);   /* its error: running, exited */
	if (!(r = malloc(sizeof(*r))))
		return -ENOMEM;
	*r = (struct runner){ m, pid, flags };
	pthread_mutex_lock(&runners_lock);
	if (nrunners == MAX_RUNNERS || runner_has(pid)) {
		pthread_mutex_unlock(&runners_lock);
		free(r);
		return nrunners == MAX_RUNNERS ? -EAGAIN : -EBUSY;
	}
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, runner_main, r) != 0) {
		pthread_attr_destroy(&a);
		pthread_mutex_unlock(&runners_lock);
		free(r);
		return -EAGAIN;
	}
	pthread_attr_destroy(&a);
	runner_pids[nrunners++] = pid;
	pthread_mutex_unlock(&runners_lock);
	/* answer when it runs: its state has left T, or its thread is done */
	do {
		usleep(100);
		pthread_mutex_lock(&runners_lock);
		running = runner_has(pid);
		pthread_mutex_unlock(&runners_lock);
	} while (running && cpu_state(m, pid, &rc) == 'T');
	return 0;
}

/* stop: asked, and answered once the program is no longer running. */
static int64_t stop_wait(vmfs *m, int pid)
{
	int64_t rc = vmfs_stop(m, pid);

	if (rc < 0)
		return rc;
	for (;;) {
		char s = cpu_state(m, pid, &rc);
		bool ran;

		pthread_mutex_lock(&runners_lock);
		ran = runner_has(pid);
		pthread_mutex_unlock(&runners_lock);
		/* its runner still there: asleep (on PID/stdin, say) in a run the stop ends */
		if (s != 'R' && !ran)
			break;
		usleep(200);
		vmfs_stop(m, pid);   /* a run started meanwhile */
	}
	return 0;
}

void ctl_runners_stop(vmfs *m)
{
	pthread_mutex_lock(&runners_lock);
	while (nrunners) {
		struct timespec t;

		/* again and again: a thread may not have reached its first slice */
		for (int i = 0; i < nrunners; i++)
			vmfs_stop(m, runner_pids[i]);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 10000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&runners_done, &runners_lock, &t);
	}
	pthread_mutex_unlock(&runners_lock);
}

int ctl_exec(vmfs *m, int pid, const struct ctl_cmd *c, char *answer, size_t anslen)
{
	int64_t rc;
	uint64_t start = 0;
	unsigned char vec[CTL_MINCORE_MAX];

	switch (c->op) {
	case CTL_SPAWN:
		rc = vmfs_spawn(m, c->name);
		break;
	case CTL_FORK:
		rc = vmfs_fork(m, pid);
		break;
	case CTL_RECLAIM:
		rc = vmfs_reclaim(m, c->count);
		break;
	case CTL_POLICY:
		rc = vmfs_set_policy(m, c->name, NULL, NULL);
		break;
	case CTL_SYNC:
		rc = vmfs_sync(m);
		break;
	case CTL_MMAP:
		rc = vmfs_mmap(m, pid, c->addr, c->len, c->prot, c->flags,
			       c->name[0] ? c->name : NULL, c->offset, &start);
		break;
	case CTL_MUNMAP:
		rc = vmfs_munmap(m, pid, c->addr, c->len);
		break;
	case CTL_MPROTECT:
		rc = vmfs_mprotect(m, pid, c->addr, c->len, c->prot);
		break;
	case CTL_EXIT:
		rc = vmfs_exit(m, pid);
		break;
	case CTL_MADVISE:
		rc = vmfs_madvise(m, pid, c->addr, c->len, c->flags);
		break;
	case CTL_MLOCK:
		rc = vmfs_mlock(m, pid, c->addr, c->len, (unsigned)c->flags);
		break;
	case CTL_MUNLOCK:
		rc = vmfs_munlock(m, pid, c->addr, c->len);
		break;
	case CTL_MLOCKALL:
		rc = vmfs_mlockall(m, pid, (unsigned)c->flags);
		break;
	case CTL_MUNLOCKALL:
		rc = vmfs_munlockall(m, pid);
		break;
	case CTL_MINCORE:
		rc = vmfs_mincore(m, pid, c->addr, c->len, vec);
		break;
	case CTL_MSYNC:
		rc = vmfs_msync(m, pid, c->addr, c->len, c->flags);
		break;
	case CTL_EXEC: {
		const char *argv[CTL_EXEC_ARGS + 2];
		const char *p = c->args;
		static const char *const envp[] = { NULL };

		for (int i = 0; i < c->nargs && i < CTL_EXEC_ARGS + 1; i++, p += strlen(p) + 1)
			argv[i] = p;
		argv[c->nargs < CTL_EXEC_ARGS + 1 ? c->nargs : CTL_EXEC_ARGS + 1] = NULL;
		rc = vmfs_exec(m, pid, argv[0], argv, envp, NULL);
		break;
	}
	case CTL_MREMAP:
		rc = vmfs_mremap(m, pid, c->addr, c->len, c->new_len, c->flags, c->new_addr, &start);
		break;
	case CTL_BRK:
		rc = vmfs_brk(m, pid, c->addr, &start);
		if (rc == 0)
			rc = 1;   /* answered below with the new break */
		break;
	case CTL_RUN:
		rc = runner_start(m, pid, (unsigned)c->flags);
		break;
	case CTL_STEP:
		rc = vmfs_step(m, pid, c->count, NULL);
		break;
	case CTL_STOP:
		rc = stop_wait(m, pid);
		break;
	default:
		answer_printf(answer, anslen, "error: internal error: bad command %d\n", (int)c->op);
		return -EINVAL;
	}
	if (rc < 0)
		return answer_error(rc, answer, anslen);

	switch (c->op) {
	case CTL_SPAWN:
	case CTL_FORK:
	case CTL_RECLAIM:
		answer_printf(answer, anslen, "%" PRId64 "\n", rc);
		break;
	case CTL_MMAP:
	case CTL_MREMAP:
	case CTL_BRK:
		answer_printf(answer, anslen, "0x%" PRIx64 "\n", start);
		break;
	case CTL_MINCORE: {
		/* one digit a page, mincore's vector as 0 and 1 */
		uint64_t pages = (c->len + VMFS_PAGE_SIZE - 1) / VMFS_PAGE_SIZE, i;

		for (i = 0; i < pages && i + 2 < anslen; i++)
			answer[i] = vec[i] & 1 ? '1' : '0';
		answer_printf(answer + i, anslen - i, "\n");
		break;
	}
	default:
		answer_printf(answer, anslen, "ok\n");
		break;
	}
	return 0;
}

int ctl_run(vmfs *m, enum ctl_scope scope, int pid, const char *buf, size_t len,
	    char *answer, size_t anslen)
{
	struct ctl_cmd c;
	char why[256];
	int rc;

	rc = ctl_parse(scope, buf, len, &c, why, sizeof(why));
	if (rc) {
		answer_printf(answer, anslen, "error: %s\n", why);
		return rc;
	}
	return ctl_exec(m, pid, &c, answer, anslen);
}
