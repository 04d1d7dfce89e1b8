/*
 * vmfsctl_watch.c - vmfsctl watch: a terminal view of the machine, redrawn
 * every interval, as top(1) is for Linux.
 *
 * One view is read from the mount's files: config (frames, policy), vmstat
 * (nr_free_pages, pgfault, pgmajfault, pswpin, pswpout), counters
 * (cow_fault, clock_hand), meminfo (the LRU
 * lists, Cached, PageTables) and every live process's status (Name, VmRSS)
 * and stat (minflt, majflt).  Rates are the differences between two views
 * divided by the time between them; the first view has none yet ("-").
 *
 * What stays true:
 *   - the terminal is left as it was found, whichever way the view ends (q,
 *     Ctrl-C, SIGTERM or SIGHUP, a failure): it runs on the alternate screen
 *     with the cursor hidden and the terminal's modes changed only by
 *     clearing ICANON and ECHO; term_restore() undoes all three, and is the
 *     one way out once term_enter() has run;
 *   - signals only set a flag (watch_signal): the loop notices it at once,
 *     because poll(2) is interrupted (no SA_RESTART);
 *   - standard output not a terminal: one view, plain, and exit (nothing to
 *     restore), so a script or a test can read the figures;
 *   - nothing is written to the machine: watch only reads.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vmfsctl.h"

#define PROCS_MAX 4096

/* One process in a view. */
struct proc_view {
	int pid;
	char name[64];
	uint64_t rss_kb, minflt, majflt;
};

/* One view of the machine. */
struct view {
	double when;                     /* CLOCK_MONOTONIC seconds */
	uint64_t frames, free, cached_kb, pt_kb;
	uint64_t pgfault, pgmajfault, pswpin, pswpout, cow;
	char hand[32];                   /* the policy's clock hand: a frame, or "none" */
	uint64_t lru_kb[4];              /* Active(anon) Inactive(anon) Active(file) Inactive(file) */
	bool lru;                        /* meminfo has the lines */
	char policy[32];
	struct proc_view *procs;
	int nprocs;
};

static const char *const lru_keys[4] = {
	"Active(anon):", "Inactive(anon):", "Active(file):", "Inactive(file):",
};

static volatile sig_atomic_t watch_signal;

static void on_signal(int sig)
{
	watch_signal = sig;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * read_view - the figures of one view; @only > 0 keeps that process alone.
 * 0, or 1 after a message (a file that cannot be read, @only gone).
 */
static int read_view(struct view *v, int only)
{
	char *config = NULL, *vmstat = NULL, *meminfo = NULL, *counters = NULL;
	int *pids = NULL, n, rc = 1;

	memset(v, 0, sizeof(*v));
	v->when = now();
	if (!(config = slurp_or_fail("config", 0)) || !(vmstat = slurp_or_fail("vmstat", 0)) ||
	    !(meminfo = slurp_or_fail("meminfo", 0)) || !(counters = slurp_or_fail("counters", 0)))
		goto out;
	field_str(counters, "clock_hand", v->hand, sizeof(v->hand));
	if (!field_u64(counters, "cow_fault", &v->cow) || !strcmp(v->hand, "?")) {
		fail("counters not understood");
		goto out;
	}
	field_str(config, "policy", v->policy, sizeof(v->policy));
	if (!field_u64(config, "frames", &v->frames) || !field_u64(vmstat, "nr_free_pages", &v->free) ||
	    !field_u64(vmstat, "pgfault", &v->pgfault) || !field_u64(vmstat, "pgmajfault", &v->pgmajfault) ||
	    !field_u64(vmstat, "pswpin", &v->pswpin) || !field_u64(vmstat, "pswpout", &v->pswpout)) {
		fail("config or vmstat not understood");
		goto out;
	}
	field_u64(meminfo, "Cached:", &v->cached_kb);
	field_u64(meminfo, "PageTables:", &v->pt_kb);
	v->lru = true;
	for (int i = 0; i < 4; i++)
		v->lru = field_u64(meminfo, lru_keys[i], &v->lru_kb[i]) && v->lru;
	if (only && !pid_exists(only)) {
		fail("no process %d", only);
		goto out;
	}
	if ((n = live_pids(&pids)) < 0)
		goto out;
	if (n > PROCS_MAX)
		n = PROCS_MAX;
	if (!(v->procs = calloc((size_t)(n ? n : 1), sizeof(*v->procs)))) {
		fail("out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct proc_view *p = &v->procs[v->nprocs];
		char rel[32], *status = NULL, *stat = NULL;

		if (only && pids[i] != only)
			continue;
		snprintf(rel, sizeof(rel), "%d/status", pids[i]);
		if (slurp(rel, &status) == 0) {
			snprintf(rel, sizeof(rel), "%d/stat", pids[i]);
			if (slurp(rel, &stat) == 0 && field_u64(status, "VmRSS:", &p->rss_kb) &&
			    stat_faults(stat, &p->minflt, &p->majflt)) {
				p->pid = pids[i];
				status_name(status, p->name, sizeof(p->name));
				v->nprocs++;
			}
		}
		/* a process that ended since the readdir is simply not shown */
		free(stat);
		free(status);
	}
	rc = 0;
out:
	free(pids);
	free(counters);
	free(meminfo);
	free(vmstat);
	free(config);
	return rc;
}

/* rate - (now - before) / seconds as text, "-" without a previous view. */
static void rate(char *buf, size_t size, uint64_t cur, uint64_t prev, const struct view *p, const struct view *v)
{
	if (!p || v->when <= p->when || cur < prev)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.0f", (double)(cur - prev) / (v->when - p->when));
}

static const struct proc_view *find_proc(const struct view *v, int pid)
{
	for (int i = 0; v && i < v->nprocs; i++)
		if (v->procs[i].pid == pid)
			return &v->procs[i];
	return NULL;
}

/*
 * render - one view into @b, every line ended by @eol ("\033[K\n" on the
 * terminal: clear the rest of the line; "\n" plain), @cols wide, at most
 * @rows lines (0: no limit).  @p is the previous view or NULL.
 */
static void render(struct sbuf *b, const struct view *v, const struct view *p, double interval,
		   int cols, int rows, const char *eol)
{
	uint64_t used = v->frames > v->free ? v->frames - v->free : 0;
	int barw = cols - 30, lines = 0;
	char r1[32], r2[32], r3[32], r4[32], r5[32];

	if (barw < 10)
		barw = 10;
	if (barw > 100)
		barw = 100;
	sb_printf(b, "vmfsctl watch %s: policy %s, every %gs; q quits%s", mount_dir, v->policy, interval, eol);
	sb_printf(b, "memory [");
	int fill = v->frames ? (int)((used * (uint64_t)barw + v->frames / 2) / v->frames) : 0;

	for (int i = 0; i < barw; i++)
		sb_printf(b, "%c", i < fill ? '#' : '.');
	sb_printf(b, "] %3d%% used%s", v->frames ? (int)(used * 100 / v->frames) : 0, eol);
	sb_printf(b, "frames %" PRIu64 ": used %" PRIu64 ", free %" PRIu64 "; page cache %" PRIu64
		  ", page tables %" PRIu64 "%s", v->frames, used, v->free, v->cached_kb / 4, v->pt_kb / 4, eol);
	rate(r1, sizeof(r1), v->pgfault - v->pgmajfault, p ? p->pgfault - p->pgmajfault : 0, p, v);
	rate(r2, sizeof(r2), v->pgmajfault, p ? p->pgmajfault : 0, p, v);
	rate(r3, sizeof(r3), v->pswpin, p ? p->pswpin : 0, p, v);
	rate(r4, sizeof(r4), v->pswpout, p ? p->pswpout : 0, p, v);
	rate(r5, sizeof(r5), v->cow, p ? p->cow : 0, p, v);
	sb_printf(b, "faults/s: minor %s (COW %s), major %s; swap/s: in %s, out %s%s", r1, r5, r2, r3,
		  r4, eol);
	if (v->lru && (v->lru_kb[1] || v->lru_kb[3] || strcmp(v->policy, "linux") == 0 ||
		       strcmp(v->policy, "mglru") == 0))
		sb_printf(b, "lists (pages): active anon %" PRIu64 ", inactive anon %" PRIu64
			  ", active file %" PRIu64 ", inactive file %" PRIu64 "%s",
			  v->lru_kb[0] / 4, v->lru_kb[1] / 4, v->lru_kb[2] / 4, v->lru_kb[3] / 4, eol);
	else if (strcmp(v->hand, "none") != 0)
		sb_printf(b, "lists: policy %s keeps one circle; its hand rests on frame %s%s",
			  v->policy, v->hand, eol);
	else
		sb_printf(b, "lists: policy %s keeps no active/inactive lists (every resident page active)%s",
			  v->policy, eol);
	sb_printf(b, "%s%5s %-15s %8s %8s %8s %8s %8s%s", eol, "PID", "NAME", "RSS_KiB", "MINFLT/s", "MAJFLT/s",
		  "MINFLT", "MAJFLT", eol);
	lines = 7;
	for (int i = 0; i < v->nprocs; i++) {
		const struct proc_view *q = &v->procs[i], *pq = find_proc(p, q->pid);

		if (rows && lines >= rows - 1 && i < v->nprocs - 1) {
			sb_printf(b, "  ... %d more processes%s", v->nprocs - i, eol);
			break;
		}
		rate(r1, sizeof(r1), q->minflt, pq ? pq->minflt : 0, pq ? p : NULL, v);
		rate(r2, sizeof(r2), q->majflt, pq ? pq->majflt : 0, pq ? p : NULL, v);
		sb_printf(b, "%5d %-15.15s %8" PRIu64 " %8s %8s %8" PRIu64 " %8" PRIu64 "%s", q->pid, q->name,
			  q->rss_kb, r1, r2, q->minflt, q->majflt, eol);
		lines++;
	}
}

/* ---- the terminal ------------------------------------------------------------- */

struct term {
	bool tty_in;                     /* stdin is a terminal: its modes were changed */
	struct termios saved;
	struct sigaction old[4];
};

static const int watch_signals[4] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

static void out_str(const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(STDOUT_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* term_enter - the alternate screen, no cursor, no echo, keys one by one. */
static void term_enter(struct term *t)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(watch_signals[i], &sa, &t->old[i]);
	t->tty_in = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0;
	if (t->tty_in) {
		struct termios raw = t->saved;

		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	out_str("\033[?1049h\033[?25l\033[H\033[2J");
}

/* term_restore - undo term_enter: modes, cursor, the normal screen, the signals. */
static void term_restore(struct term *t)
{
	out_str("\033[?25h\033[?1049l");
	if (t->tty_in)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	for (int i = 0; i < 4; i++)
		sigaction(watch_signals[i], &t->old[i], NULL);
}

static void term_size(int *cols, int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/*
 * wait_key - wait up to @secs for a key: true for q.  A signal ends the
 * wait (the caller looks at watch_signal); so does the end of the interval.
 * Standard input at its end (not a terminal) is waited out without polling.
 */
static bool wait_key(double secs)
{
	double end = now() + secs;
	bool eof = false;

	while (!watch_signal) {
		double left = end - now();
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		char c;
		ssize_t r;

		if (left <= 0)
			return false;
		if (poll(eof ? NULL : &pfd, eof ? 0 : 1, (int)(left * 1000) + 1) <= 0)
			continue;   /* the time is up, or a signal (EINTR) */
		r = read(STDIN_FILENO, &c, 1);
		if (r == 1 && (c == 'q' || c == 'Q'))
			return true;
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			eof = true;
	}
	return false;
}

/* ---- the command ---------------------------------------------------------------- */

static bool parse_secs(const char *s, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(s, &end);
	return !errno && end != s && !*end && *secs >= 0.1 && *secs <= 3600;
}

int cmd_watch(const struct command *c, int argc, char **argv)
{
	struct view views[2] = { 0 };
	struct term t;
	struct sbuf b = { 0 };
	double interval = 1;
	int pid = 0, rc = 0, cur = 0, cols, rows;
	bool have_prev = false;

	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			help_command(c);
			return 0;
		}
		if (strcmp(s, "-n") == 0 || strcmp(s, "--interval") == 0) {
			if (i + 1 >= argc)
				return usage_error(c->name, "watch: %s needs SECS", s);
			s = argv[++i];
			if (!parse_secs(s, &interval))
				return usage_error(c->name, "watch: '%s' is not a number of seconds (0.1 to 3600)", s);
		} else if (strncmp(s, "-n", 2) == 0) {
			if (!parse_secs(s + 2, &interval))
				return usage_error(c->name, "watch: '%s' is not a number of seconds (0.1 to 3600)", s + 2);
		} else if (s[0] == '-') {
			return usage_error(c->name, "watch: unknown option '%s'", s);
		} else if (pid) {
			return usage_error(c->name, "watch: too many arguments (watch [PID] [-n SECS])");
		} else if ((rc = pid_arg(c, s, &pid))) {
			return rc;
		}
	}

	if (!isatty(STDOUT_FILENO)) {
		if (read_view(&views[0], pid))
			return 1;
		render(&b, &views[0], NULL, interval, 80, 0, "\n");
		free(views[0].procs);
		if (b.oom) {
			free(b.buf);
			return fail("out of memory");
		}
		fwrite(b.buf, 1, b.len, stdout);
		free(b.buf);
		return 0;
	}

	/* Read one view before touching the terminal: a bad mount or PID fails plainly. */
	if (read_view(&views[cur], pid))
		return 1;
	fflush(stdout);
	watch_signal = 0;
	term_enter(&t);
	for (;;) {
		b.len = 0;
		b.oom = false;
		term_size(&cols, &rows);
		sb_printf(&b, "\033[H");
		render(&b, &views[cur], have_prev ? &views[!cur] : NULL, interval, cols, rows, "\033[K\r\n");
		sb_printf(&b, "\033[J");
		if (!b.oom)
			out_str(b.buf);
		if (wait_key(interval) || (watch_signal && watch_signal != SIGWINCH))
			break;
		watch_signal = 0;   /* a resize: just redraw */
		cur = !cur;
		free(views[cur].procs);
		if (read_view(&views[cur], pid)) {
			/* the message is on stderr, under the view: restore, then say it again */
			term_restore(&t);
			free(views[0].procs);
			free(views[1].procs);
			free(b.buf);
			return read_view(&views[0], pid) ? 1 : fail("the view could not be read");
		}
		have_prev = true;
	}
	rc = watch_signal == SIGINT ? 130 : watch_signal == SIGTERM ? 143 : watch_signal == SIGHUP ? 129 : 0;
	term_restore(&t);
	free(views[0].procs);
	free(views[1].procs);
	free(b.buf);
	return rc;
}
