/*
 * replay_main.c - run a fuzz target over files, without libFuzzer: the main
 * of every fuzz_NAME_replay program (see fuzz.h).
 *
 * Usage: fuzz_NAME_replay PATH...  Each PATH is a file, or a directory whose
 * regular files (not those starting with '.', nor README*) are run in name
 * order.  Each input is run once through LLVMFuzzerTestOneInput, after
 * LLVMFuzzerInitialize if the target has one.  The name of each input is
 * printed before it runs, so that when a target aborts (a FUZZ_CHECK, a
 * sanitizer report) the last line names the input.  Exit status 0 when
 * every input ran; 1 when a PATH cannot be read or holds no input at all (a
 * test that runs nothing must not pass).  Built with any C compiler.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Weak, so that targets without an initializer link too. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Read the whole file @path; NULL (reported) if it cannot be read. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap ? 2 * cap : 4096);

			if (!nb) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = cap ? 2 * cap : 4096;
		}
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = len;
	return buf;
}

/* Run one file.  0, or -1 if it cannot be read. */
static int run_file(const char *path)
{
	size_t size = 0;
	uint8_t *data = slurp(path, &size);

	if (!data)
		return -1;
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int skip_entry(const struct dirent *e)
{
	return e->d_name[0] != '.' && strncmp(e->d_name, "README", 6) != 0;
}

/* Run @path, a file or a directory of files; adds the inputs run to *count. */
static int run_path(const char *path, unsigned *count)
{
	struct dirent **names;
	struct stat st;
	int n, rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = run_file(path);
		*count += rc == 0;
		return rc;
	}
	n = scandir(path, &names, skip_entry, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];

		snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(full) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			rc = 1;
	if (count == 0) {
		fprintf(stderr, "replay: no input found\n");
		rc = 1;
	}
	printf("replay: %u inputs ran%s\n", count, rc ? ", some could not be read" : "");
	return rc;
}
