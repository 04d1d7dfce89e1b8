/*
 * test_options.c - unit tests of src/options.c: parse_u64(), the one number
 * parser of the engine, and options_parse(), the machine's options string.
 *
 * parse_u64 is checked for decimal and 0x hex, the binary K/M/G/T suffixes
 * (and their refusal when not allowed), the exact 2^64 overflow edge reached
 * by digits and by suffixes, and junk.  options_parse is checked for its
 * defaults, frames= and mem= naming the same thing, every range limit, the
 * 2-level kernel-half rule, unknown keys, items without '=', both frames and
 * mem given, empty items, last-one-wins repeats, and the promise that a
 * rejected string leaves the output untouched and a message behind.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "options.h"

/* ---- parse_u64 ------------------------------------------------------------ */

struct num_case {
	const char *s;
	uint64_t    want;
};

static void expect_numbers(const struct num_case *c, size_t n, bool suffix)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0xdeadull;
		int rc = parse_u64(c[i].s, suffix, &v);

		if (rc != 0 || v != c[i].want)
			print_error("parse_u64(\"%s\", %d) = %d, %#llx; want 0, %#llx\n", c[i].s,
				    suffix, rc, (unsigned long long)v, (unsigned long long)c[i].want);
		assert_int_equal(rc, 0);
		assert_int_equal(v, c[i].want);
	}
}

/* Each string must give -EINVAL and leave *out alone. */
static void expect_rejected(const char *const *s, size_t n, bool suffix)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0x5a5a5a5a5a5a5a5aull;
		int rc = parse_u64(s[i], suffix, &v);

		if (rc != -EINVAL)
			print_error("parse_u64(\"%s\", %d) = %d, want -EINVAL\n",
				    s[i] ? s[i] : "(null)", suffix, rc);
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(v, 0x5a5a5a5a5a5a5a5aull);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_parse_decimal(void **state)
{
	static const struct num_case ok[] = {
		{ "0", 0 }, { "00", 0 }, { "1", 1 }, { "007", 7 }, { "4096", 4096 },
		{ "18446744073709551615", UINT64_MAX },
		{ "18446744073709551614", UINT64_MAX - 1 },
	};

	(void)state;
	expect_numbers(ok, N(ok), false);
	expect_numbers(ok, N(ok), true);
}

static void test_parse_hex(void **state)
{
	static const struct num_case ok[] = {
		{ "0x0", 0 }, { "0x1f", 31 }, { "0X1F", 31 }, { "0xDeadBeef", 0xdeadbeef },
		{ "0x00000000000000000001", 1 },   /* leading zeros never overflow */
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "0x1e", 30 },                    /* 'e' is a digit here, not a suffix */
	};

	(void)state;
	expect_numbers(ok, N(ok), false);
	expect_numbers(ok, N(ok), true);
}

static void test_parse_suffixes(void **state)
{
	static const struct num_case ok[] = {
		{ "1K", 1ull << 10 }, { "1k", 1ull << 10 }, { "2M", 2ull << 20 },
		{ "2m", 2ull << 20 }, { "3G", 3ull << 30 }, { "3g", 3ull << 30 },
		{ "4T", 4ull << 40 }, { "4t", 4ull << 40 }, { "0K", 0 },
		{ "0x10K", 16ull << 10 }, { "0xaM", 10ull << 20 },
		{ "16777215T", 16777215ull << 40 },                 /* 2^64 - 2^40 */
		{ "18014398509481983K", 18014398509481983ull << 10 },
	};

	(void)state;
	expect_numbers(ok, N(ok), true);
}

static void test_parse_overflow(void **state)
{
	static const char *const bad[] = {
		"18446744073709551616",             /* 2^64 */
		"18446744073709551620",
		"99999999999999999999",
		"184467440737095516150",
		"0x10000000000000000",              /* 2^64 */
		"0xfffffffffffffffff",
		"16777216T",                        /* 2^24 * 2^40 = 2^64 */
		"17179869184G",                     /* 2^34 * 2^30 */
		"17592186044416M",                  /* 2^44 * 2^20 */
		"18014398509481984K",               /* 2^54 * 2^10 */
		"0x1000000T",                       /* 2^24 T, hex */
	};

	(void)state;
	expect_rejected(bad, N(bad), true);
}

static void test_parse_junk(void **state)
{
	static const char *const bad[] = {
		NULL, "", "0x", "0X", "0xg", "0x 1", "x", "x1", "1x", "12a", "1f", " 1", "1 ",
		"-1", "+1", "1.5", "1,0", "K", "1KB", "1KK", "1E", "1P", "0xK", "1 K",
	};

	(void)state;
	expect_rejected(bad, N(bad), true);
	expect_rejected(bad, N(bad), false);
}

static void test_parse_suffix_not_allowed(void **state)
{
	static const char *const bad[] = { "1K", "1k", "2M", "3G", "4T", "0x10K", "0K" };

	(void)state;
	expect_rejected(bad, N(bad), false);
}

/* ---- options_parse ---------------------------------------------------------- */

static struct vm_options parse_ok(const char *s)
{
	struct vm_options o;
	int rc;

	memset(&o, 0xa5, sizeof(o));
	rc = options_parse(s, &o);
	if (rc)
		print_error("options_parse(\"%s\") = %d: %s\n", s ? s : "(null)", rc,
			    vm_error_msg());
	assert_int_equal(rc, 0);
	return o;
}

static void assert_defaults(const struct vm_options *o)
{
	assert_int_equal(o->frames, OPT_DEFAULT_FRAMES);
	assert_int_equal(o->levels, OPT_DEFAULT_LEVELS);
	assert_int_equal(o->tlb, OPT_DEFAULT_TLB);
	assert_int_equal(o->kernel_bytes, OPT_DEFAULT_KERNEL);
}

static void test_options_defaults(void **state)
{
	static const char *const empty[] = { NULL, "", ",", ",,,," };

	(void)state;
	for (size_t i = 0; i < N(empty); i++) {
		struct vm_options o = parse_ok(empty[i]);

		assert_defaults(&o);
	}
	/* The documented defaults: 64 MiB of frames, 4 levels, 64 TLB entries, 1 MiB kernel. */
	assert_int_equal(OPT_DEFAULT_FRAMES * 4096ull, 64ull << 20);
	assert_int_equal(OPT_DEFAULT_KERNEL, 1ull << 20);
}

static void test_options_frames_mem_equivalent(void **state)
{
	static const char *const same[] = {
		"frames=256", "frames=0x100", "mem=1M", "mem=1m", "mem=1048576",
		"mem=0x100000", "mem=1024K",
	};

	(void)state;
	for (size_t i = 0; i < N(same); i++) {
		struct vm_options o = parse_ok(same[i]);

		assert_int_equal(o.frames, 256);
		/* Only the frame count changes. */
		assert_int_equal(o.levels, OPT_DEFAULT_LEVELS);
		assert_int_equal(o.tlb, OPT_DEFAULT_TLB);
		assert_int_equal(o.kernel_bytes, OPT_DEFAULT_KERNEL);
	}
	assert_int_equal(parse_ok("mem=4K").frames, 1);
	assert_int_equal(parse_ok("frames=1").frames, 1);
	assert_int_equal(parse_ok("mem=4T").frames, OPT_MAX_FRAMES);
	assert_int_equal(parse_ok("frames=1073741824").frames, OPT_MAX_FRAMES);
}

static void test_options_ranges(void **state)
{
	(void)state;
	for (int l = 2; l <= 6; l++) {
		char s[32];

		snprintf(s, sizeof(s), "levels=%d", l);
		assert_int_equal(parse_ok(s).levels, l);
	}
	assert_int_equal(parse_ok("tlb=0").tlb, 0);
	assert_int_equal(parse_ok("tlb=1").tlb, 1);
	assert_int_equal(parse_ok("tlb=1048576").tlb, OPT_MAX_TLB);
	assert_int_equal(parse_ok("tlb=0x100000").tlb, OPT_MAX_TLB);
	assert_int_equal(parse_ok("kernel=0").kernel_bytes, 0);
	assert_int_equal(parse_ok("kernel=4096").kernel_bytes, 4096);
	assert_int_equal(parse_ok("kernel=2M").kernel_bytes, 2ull << 20);
	assert_int_equal(parse_ok("kernel=4G").kernel_bytes, OPT_MAX_KERNEL);
	assert_int_equal(parse_ok("kernel=0x100000000").kernel_bytes, OPT_MAX_KERNEL);
	/* The 512M kernel half of a 2-level machine is full, not overfull, at 512M. */
	assert_int_equal(parse_ok("levels=2,kernel=512M").kernel_bytes, 512ull << 20);
	assert_int_equal(parse_ok("kernel=512M,levels=2").kernel_bytes, 512ull << 20);
	assert_int_equal(parse_ok("levels=3,kernel=4G").kernel_bytes, OPT_MAX_KERNEL);
}

static void test_options_combined(void **state)
{
	struct vm_options o;

	(void)state;
	o = parse_ok(",frames=3,,levels=5,tlb=7,,kernel=8K,");
	assert_int_equal(o.frames, 3);
	assert_int_equal(o.levels, 5);
	assert_int_equal(o.tlb, 7);
	assert_int_equal(o.kernel_bytes, 8192);
	/* A key given twice takes the last value, as mount(8) does. */
	assert_int_equal(parse_ok("frames=1,frames=2").frames, 2);
	assert_int_equal(parse_ok("mem=4K,mem=8K").frames, 2);
	assert_int_equal(parse_ok("levels=6,levels=2").levels, 2);
}

/*
 * Every string here must be refused with -EINVAL, leave the output exactly as
 * it was, and leave a message for vm_error_msg().
 */
static void test_options_errors(void **state)
{
	static const char *const bad[] = {
		/* unknown keys (case and spaces matter) */
		"foo=1", "Frames=1", " frames=1", "frames =1", "=1", "frame=1", "levels=4,bogus=1",
		/* no '=' */
		"frames", "frames=1,levels", "levels,frames=1", "mem",
		/* values that are not numbers, or sizes where numbers are wanted */
		"frames=", "frames=x", "frames=16K", "levels=4K", "tlb=1K", "levels=0x",
		"mem=", "mem=1Q", "kernel=1MB", "frames=1=2", "frames=-1",
		/* frames / mem limits */
		"frames=0", "mem=0", "frames=1073741825", "mem=4398046515200",
		"frames=18446744073709551615", "mem=16777215T",
		/* mem not a page multiple */
		"mem=1", "mem=4097", "mem=6K", "mem=0x1001",
		/* both frames and mem, in either order */
		"frames=1,mem=4K", "mem=4K,frames=1", "frames=1,levels=3,mem=8K",
		/* levels */
		"levels=0", "levels=1", "levels=7", "levels=100", "levels=18446744073709551615",
		/* tlb */
		"tlb=1048577", "tlb=0x100001",
		/* kernel: page multiple, 4G at most, the 2-level half */
		"kernel=1", "kernel=4097", "kernel=4294971392", "kernel=5G", "kernel=1T",
		"levels=2,kernel=513M", "kernel=513M,levels=2", "levels=2,kernel=1G",
		/* an error after good items still refuses the whole string */
		"frames=5,levels=3,tlb=9,nope",
	};

	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		struct vm_options o, before;
		int rc;

		memset(&o, 0x5a, sizeof(o));
		before = o;
		vm_error_clear();
		rc = options_parse(bad[i], &o);
		if (rc != -EINVAL)
			print_error("options_parse(\"%s\") = %d, want -EINVAL\n", bad[i], rc);
		assert_int_equal(rc, -EINVAL);
		if (memcmp(&o, &before, sizeof(o)))
			print_error("options_parse(\"%s\") wrote the output on failure\n", bad[i]);
		assert_memory_equal(&o, &before, sizeof(o));
		if (!vm_error_msg()[0])
			print_error("options_parse(\"%s\") left no message\n", bad[i]);
		assert_true(strlen(vm_error_msg()) > 0);
	}
}

/* The message names what was wrong, so a user can fix the string. */
static void test_options_messages(void **state)
{
	struct vm_options o;

	(void)state;
	assert_int_equal(options_parse("frames=1,bogus=2", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "bogus"));
	assert_int_equal(options_parse("levels=9", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "levels"));
	assert_int_equal(options_parse("frames=1,mem=4K", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "mem"));
	assert_int_equal(options_parse("tlb", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "tlb"));
}

/* ---- max_map_count: an option and a sysctl, one range ---------------------------- */

/* Linux's default; 0 to 2^20 as an option and through options_sysctl alike. */
static void test_options_max_map_count(void **state)
{
	struct vm_options o, before;
	uint64_t v = 7, big = OPT_MAX_MAP_COUNT + 1ull, zero = 0, limit = OPT_MAX_MAP_COUNT;

	(void)state;
	assert_int_equal(options_parse(NULL, &o), 0);
	assert_int_equal(o.max_map_count, 65530);
	assert_int_equal(options_parse("max_map_count=0", &o), 0);
	assert_int_equal(o.max_map_count, 0);
	assert_int_equal(options_parse("max_map_count=1048576", &o), 0);
	assert_int_equal(o.max_map_count, 1ull << 20);
	assert_int_equal(options_parse("max_map_count=0x100,frames=8", &o), 0);
	assert_int_equal(o.max_map_count, 256);
	assert_int_equal(options_parse("max_map_count=1048577", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "max_map_count=1048577: out of range (0 to 1048576)"));
	assert_int_equal(options_parse("max_map_count=1M", &o), -EINVAL);   /* a count, not a size */
	assert_int_equal(options_parse("max_map_count=", &o), -EINVAL);
	assert_int_equal(o.max_map_count, 256);

	/* The sysctl reads and sets the same field, within the same range. */
	assert_int_equal(options_sysctl(&o, "vm.max_map_count", &v, NULL), 0);
	assert_int_equal(v, 256);
	before = o;
	assert_int_equal(options_sysctl(&o, "vm.max_map_count", &v, &big), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "vm.max_map_count"));
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(options_sysctl(&o, "max_map_count", NULL, &zero), -ENOENT);
	assert_int_equal(options_sysctl(&o, "vm.nothing", NULL, NULL), -ENOENT);
	assert_int_equal(options_sysctl(&o, NULL, NULL, NULL), -ENOENT);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(options_sysctl(&o, "vm.max_map_count", &v, &limit), 0);
	assert_int_equal(v, 256);   /* the old value */
	assert_int_equal(o.max_map_count, OPT_MAX_MAP_COUNT);
	assert_int_equal(options_sysctl(&o, "vm.max_map_count", NULL, &zero), 0);
	assert_int_equal(o.max_map_count, 0);
}

/* ---- aslr and seed: kernel.randomize_va_space and the read-only vmfs.seed -------- */

/* aslr=0|1 sets Linux's 0 or 2; the sysctl takes 0 to 2 and has no option
 * of its own; seed= is a number the sysctl reads but never writes. */
static void test_options_aslr_seed(void **state)
{
	struct vm_options o, before;
	uint64_t v = 9, one = 1, three = 3, seven = 7;

	(void)state;
	assert_int_equal(options_parse(NULL, &o), 0);
	assert_int_equal(o.randomize_va_space, 0);
	assert_int_equal(o.seed, 0);
	assert_int_equal(options_parse("aslr=1,seed=0x10", &o), 0);
	assert_int_equal(o.randomize_va_space, 2);
	assert_int_equal(o.seed, 16);
	assert_int_equal(options_parse("aslr=2", &o), -EINVAL);
	assert_int_equal(options_parse("randomize_va_space=1", &o), -EINVAL);
	assert_int_equal(options_parse("seed=1K", &o), -EINVAL);
	assert_int_equal(options_parse("seed=18446744073709551615", &o), 0);
	assert_true(o.seed == UINT64_MAX);
	assert_int_equal(options_parse("aslr=1,seed=5", &o), 0);

	assert_int_equal(options_sysctl(&o, "kernel.randomize_va_space", &v, NULL), 0);
	assert_int_equal(v, 2);
	assert_int_equal(options_sysctl(&o, "kernel.randomize_va_space", &v, &one), 0);
	assert_int_equal(o.randomize_va_space, 1);
	before = o;
	assert_int_equal(options_sysctl(&o, "kernel.randomize_va_space", NULL, &three), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "kernel.randomize_va_space: 3 out of range (0 to 2)"));
	assert_int_equal(options_sysctl(&o, "vmfs.seed", &v, NULL), 0);
	assert_int_equal(v, 5);
	assert_int_equal(options_sysctl(&o, "vmfs.seed", &v, &seven), -EACCES);
	assert_non_null(strstr(vm_error_msg(), "vmfs.seed: read-only"));
	assert_memory_equal(&o, &before, sizeof(o));
}

/* cpu_tlb=0|1 (since 0.7): the CPU's fast path, default 1; the tunable vmfs.cpu_tlb. */
static void test_options_cpu_tlb(void **state)
{
	struct vm_options o, before;
	uint64_t v = 9, zero = 0, two = 2;

	(void)state;
	assert_int_equal(options_parse(NULL, &o), 0);
	assert_int_equal(o.cpu_tlb, 1);
	assert_int_equal(options_parse("cpu_tlb=0", &o), 0);
	assert_int_equal(o.cpu_tlb, 0);
	assert_int_equal(options_parse("cpu_tlb=1", &o), 0);
	assert_int_equal(o.cpu_tlb, 1);
	before = o;
	assert_int_equal(options_parse("cpu_tlb=2", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "cpu_tlb"));
	assert_int_equal(options_parse("cpu_tlb=yes", &o), -EINVAL);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(options_sysctl(&o, "vmfs.cpu_tlb", &v, NULL), 0);
	assert_int_equal(v, 1);
	assert_int_equal(options_sysctl(&o, "vmfs.cpu_tlb", NULL, &two), -EINVAL);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(options_sysctl(&o, "vmfs.cpu_tlb", &v, &zero), 0);
	assert_int_equal(v, 1);
	assert_int_equal(o.cpu_tlb, 0);
}

/* root=DIR: an absolute path, default "/" (machine_open checks the directory). */
static void test_options_root(void **state)
{
	struct vm_options o;

	(void)state;
	assert_int_equal(options_parse(NULL, &o), 0);
	assert_string_equal(o.root, "/");
	assert_int_equal(options_parse("root=/srv/chroot,frames=8", &o), 0);
	assert_string_equal(o.root, "/srv/chroot");
	assert_int_equal(options_parse("root=srv", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "root=srv: not an absolute path"));
	assert_int_equal(options_parse("root=", &o), -EINVAL);
	assert_string_equal(o.root, "/srv/chroot");
}

/* slice=N: the CPU's time slice, 1 to 10^9 instructions (default 200000);
 * the tunable vmfs.slice takes the same range, 0 refused as out of it. */
static void test_options_slice(void **state)
{
	struct vm_options o, before;
	uint64_t v = 0, zero = 0, big = 1000000001, ten = 10;

	(void)state;
	assert_int_equal(options_parse(NULL, &o), 0);
	assert_int_equal(o.slice, 200000);
	assert_int_equal(options_parse("slice=1", &o), 0);
	assert_int_equal(o.slice, 1);
	assert_int_equal(options_parse("slice=1000000000", &o), 0);
	assert_int_equal(o.slice, 1000000000);
	before = o;
	assert_int_equal(options_parse("slice=0", &o), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "option slice=0: out of range (1 to 1000000000)"));
	assert_int_equal(options_parse("slice=1000000001", &o), -EINVAL);
	assert_int_equal(options_parse("slice=2k", &o), -EINVAL);
	assert_int_equal(options_parse("slice=", &o), -EINVAL);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(options_sysctl(&o, "vmfs.slice", &v, NULL), 0);
	assert_int_equal(v, 1000000000);
	assert_int_equal(options_sysctl(&o, "vmfs.slice", NULL, &zero), -EINVAL);
	assert_non_null(strstr(vm_error_msg(), "vmfs.slice: 0 out of range (1 to 1000000000)"));
	assert_int_equal(options_sysctl(&o, "vmfs.slice", NULL, &big), -EINVAL);
	assert_memory_equal(&o, &before, sizeof(o));
	assert_int_equal(options_sysctl(&o, "vmfs.slice", &v, &ten), 0);
	assert_int_equal(o.slice, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_decimal),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_parse_suffixes),
		cmocka_unit_test(test_parse_overflow),
		cmocka_unit_test(test_parse_junk),
		cmocka_unit_test(test_parse_suffix_not_allowed),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_options_frames_mem_equivalent),
		cmocka_unit_test(test_options_ranges),
		cmocka_unit_test(test_options_combined),
		cmocka_unit_test(test_options_errors),
		cmocka_unit_test(test_options_messages),
		cmocka_unit_test(test_options_max_map_count),
		cmocka_unit_test(test_options_aslr_seed),
		cmocka_unit_test(test_options_cpu_tlb),
		cmocka_unit_test(test_options_root),
		cmocka_unit_test(test_options_slice),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
