/*
 * test_klog.c - unit tests of src/klog.c, the kernel log ring.
 *
 * Covered: each line rendered "[SSSSS.UUUUUU] text\n" as dmesg prints it
 * (seconds padded to five, microseconds to six, wider seconds not cut); the
 * ring keeping exactly the last KLOG_LINES lines, oldest first; klog_read's
 * snprintf-like truncation (it returns the full length whatever @len is,
 * NUL-terminates within @len, writes nothing for len 0 or a NULL buffer and
 * what it writes is a prefix of the whole); a newline inside a message
 * replaced so that one klog_add is one line; long messages cut to
 * KLOG_LINELEN - 1 bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "klog.h"

static int setup(void **state)
{
	struct klog *k = malloc(sizeof(*k));

	if (!k || klog_init(k) < 0) {
		free(k);
		return -1;
	}
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	klog_free(*state);
	free(*state);
	return 0;
}

/* The whole log as a malloc'd string. */
static char *read_all(const struct klog *k)
{
	size_t n = klog_read(k, NULL, 0);
	char *buf = malloc(n + 1);

	assert_non_null(buf);
	assert_int_equal(klog_read(k, buf, n + 1), n);
	assert_int_equal(strlen(buf), n);
	return buf;
}

static void test_empty(void **state)
{
	struct klog *k = *state;
	char buf[8] = "xxxxxxx";

	assert_int_equal(klog_read(k, NULL, 0), 0);
	assert_int_equal(klog_read(k, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_line_format(void **state)
{
	struct klog *k = *state;
	char *s;

	klog_add(k, 0, "boot");
	klog_add(k, 1234567891234ull, "pid %d: %s", 7, "hello");   /* 1234.567891 s */
	klog_add(k, 999ull, "sub-microsecond");                     /* 0.000000 */
	klog_add(k, 1000ull, "one microsecond");
	klog_add(k, 99999999999999ull, "five digits");              /* 99999.999999 */
	klog_add(k, 123456000000000ull, "six digits");              /* 123456.000000 */
	s = read_all(k);
	assert_string_equal(s,
		"[    0.000000] boot\n"
		"[ 1234.567891] pid 7: hello\n"
		"[    0.000000] sub-microsecond\n"
		"[    0.000001] one microsecond\n"
		"[99999.999999] five digits\n"
		"[123456.000000] six digits\n");
	free(s);
}

static void test_newline_replaced(void **state)
{
	struct klog *k = *state;
	char *s;

	klog_add(k, 0, "two\nlines");
	klog_add(k, 0, "%s", "\n\nlead and trail\n");
	s = read_all(k);
	assert_string_equal(s, "[    0.000000] two lines\n"
			       "[    0.000000]   lead and trail \n");
	free(s);
}

static void test_long_message_cut(void **state)
{
	struct klog *k = *state;
	char msg[KLOG_LINELEN * 2], *s;

	memset(msg, 'a', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	klog_add(k, 0, "%s", msg);
	s = read_all(k);
	/* 15 bytes of stamp, KLOG_LINELEN - 1 of text, the newline. */
	assert_int_equal(strlen(s), 15 + KLOG_LINELEN - 1 + 1);
	for (size_t i = 0; i < KLOG_LINELEN - 1; i++)
		assert_int_equal(s[15 + i], 'a');
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
}

static void test_ring_keeps_last_lines(void **state)
{
	struct klog *k = *state;
	const int extra = 37;
	char *s, *p;
	int n = 0;

	for (int i = 0; i < KLOG_LINES + extra; i++)
		klog_add(k, (uint64_t)i * 1000u, "line %d", i);
	s = read_all(k);
	/* Exactly KLOG_LINES lines, from `extra` to the last, in order. */
	for (p = s; *p; n++) {
		char want[64];
		char *nl = strchr(p, '\n');

		assert_non_null(nl);
		snprintf(want, sizeof(want), "[    0.%06d] line %d", (extra + n) % 1000000,
			 extra + n);
		assert_int_equal((size_t)(nl - p), strlen(want));
		assert_memory_equal(p, want, strlen(want));
		p = nl + 1;
	}
	assert_int_equal(n, KLOG_LINES);
	free(s);
}

static void test_read_truncation(void **state)
{
	struct klog *k = *state;
	char *full, buf[256];
	size_t total;

	klog_add(k, 1000000000ull, "first");
	klog_add(k, 2000000000ull, "second");
	full = read_all(k);
	total = strlen(full);
	assert_int_equal(total, 2 * 15 + 5 + 6 + 2);

	/* Every length from 1 to past the end: full length back, prefix, NUL inside. */
	for (size_t len = 1; len <= total + 2; len++) {
		memset(buf, '#', sizeof(buf));
		assert_int_equal(klog_read(k, buf, len), total);
		size_t got = len - 1 < total ? len - 1 : total;

		assert_int_equal(buf[got], '\0');
		assert_memory_equal(buf, full, got);
		/* Nothing written past @len. */
		for (size_t i = len; i < sizeof(buf); i++)
			assert_int_equal(buf[i], '#');
	}
	/* len 0 writes nothing at all, even the NUL. */
	memset(buf, '#', sizeof(buf));
	assert_int_equal(klog_read(k, buf, 0), total);
	assert_int_equal(buf[0], '#');
	free(full);
}

/* Truncation across the wrapped ring: the cut falls in the oldest kept line. */
static void test_read_truncation_wrapped(void **state)
{
	struct klog *k = *state;
	char *full, buf[40];

	for (int i = 0; i < KLOG_LINES + 3; i++)
		klog_add(k, 0, "wrapped %d", i);
	full = read_all(k);
	assert_int_equal(klog_read(k, buf, sizeof(buf)), strlen(full));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, full, sizeof(buf) - 1);
	assert_memory_equal(buf, "[    0.000000] wrapped 3\n[    0.000000] w", sizeof(buf) - 1);
	free(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newline_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_message_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring_keeps_last_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_truncation_wrapped, setup, teardown),
	};

	return cmocka_run_group_tests_name("klog", tests, NULL, NULL);
}
