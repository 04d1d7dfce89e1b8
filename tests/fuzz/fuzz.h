/*
 * fuzz.h - what the fuzz targets of tests/fuzz/ share.
 *
 * Every target is one LLVMFuzzerTestOneInput() (libFuzzer's entry point)
 * that is linked two ways by tests/fuzz/meson.build:
 *
 *   fuzz_NAME          with clang's -fsanitize=fuzzer,address,undefined:
 *                      libFuzzer's own main, for scripts/fuzz.sh;
 *   fuzz_NAME_replay   with replay_main.c, any compiler: runs each file of
 *                      tests/fuzz/corpus/NAME once (test fuzz-replay-NAME),
 *                      so the corpora and every crash turned into a
 *                      regression input run in every build.
 *
 * What stays true in every target:
 *   - any byte string of any length is a valid input: a target never
 *     rejects an input by crashing, only by returning early;
 *   - a property that does not hold is reported by FUZZ_CHECK, which prints
 *     what was expected and aborts, so libFuzzer saves the input;
 *   - nothing outlives one input (machines are closed, memory freed), so
 *     LeakSanitizer sees a leak of the code under test as a crash and an
 *     input replays the same way alone or in a run of thousands.
 */
#ifndef VMFS_FUZZ_H
#define VMFS_FUZZ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libFuzzer's interface (LLVMFuzzerInitialize is optional). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Where FUZZ_CHECK reports: standard error as it was when fuzz_init() ran.
 * scripts/fuzz.sh runs libFuzzer with -close_fd_mask=2, which silences
 * the chatter of the code under test (vmfs-replay's parser reports every
 * malformed record) but keeps libFuzzer's and the sanitizers' reports on a
 * copy of the descriptor; this is the same for the targets' own reports.
 */
static int fuzz_report_fd = 2;

__attribute__((noreturn, format(printf, 4, 5)))
static inline void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	dprintf(fuzz_report_fd, "%s:%d: FUZZ_CHECK(%s) failed: ", file, line, cond);
	va_start(ap, fmt);
	vdprintf(fuzz_report_fd, fmt, ap);
	va_end(ap);
	dprintf(fuzz_report_fd, "\n");
	abort();
}

/* Check a property of the code under test; on failure say why and abort. */
#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

/*
 * What every LLVMFuzzerInitialize calls first (libFuzzer calls it before it
 * closes anything).  Keeps a copy of standard error for FUZZ_CHECK.  The
 * stores of libvmfs and vmfs-replay's parsed stream are files in $TMPDIR:
 * when it is not set, they go to /dev/shm (tmpfs), where creating and
 * syncing them costs no disk I/O.
 */
static inline void fuzz_init(void)
{
	struct stat st;
	int fd = dup(2);

	if (fd >= 0)
		fuzz_report_fd = fd;
	if (!getenv("TMPDIR") && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 0);
}

/* The LLVMFuzzerInitialize of a target that needs nothing but fuzz_init(). */
#define FUZZ_DEFAULT_INITIALIZE() \
	int LLVMFuzzerInitialize(int *argc, char ***argv) \
	{ \
		(void)argc; \
		(void)argv; \
		fuzz_init(); \
		return 0; \
	}

/*
 * Structured input: the bytes read as a stream of small decisions.  Past
 * the end every read gives 0, so a short input is a short run, never an
 * error.
 */
struct fuzz_in {
	const uint8_t *p;
	size_t         n;
};

static inline bool fuzz_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | (uint16_t)fuzz_u8(in) << 8);
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fuzz_u8(in) << (8 * i);
	return v;
}

/* A number below @n (@n <= 65536), 0 when @n is 0. */
static inline uint32_t fuzz_below(struct fuzz_in *in, uint32_t n)
{
	if (n <= 1)
		return 0;
	return n <= 256 ? fuzz_u8(in) % n : fuzz_u16(in) % n;
}

#endif /* VMFS_FUZZ_H */
