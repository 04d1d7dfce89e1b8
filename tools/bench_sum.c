/*
 * bench_sum.c - the compute-bound program of vmfs-bench's cpu figure: a
 * static x86-64 program without libc (its own _start, two system calls:
 * write and exit_group), so that the same file runs on the machine's CPU,
 * on plain Unicorn under bench_cpu.c's minimal loader, under qemu-x86_64
 * and natively.
 *
 * bench_sum [N]: fills an array of N 32-bit ints (default 1M, at most
 * 8M; it lives in the bss) from a linear congruential generator, sums it,
 * sorts it with a quicksort (median of three, insertion sort below 16)
 * and prints one line, "n=N sum=S sorted=C\n", where C is a checksum of
 * the sorted array (sum of a[i] * (i + 1), modulo 2^64).
 *
 * What stays true: the output depends only on N, so that every runner of
 * the same N prints the same line; the program makes no other system call
 * and exits 0 (1 when the array did not come out sorted).
 */
#include <stddef.h>
#include <stdint.h>

#define MAX_N (8u << 20)

static int32_t a[MAX_N];

__asm__(".text\n.globl _start\n_start:\n\txor %ebp, %ebp\n\tmov %rsp, %rdi\n"
	"\tand $-16, %rsp\n\tcall start_c\n\thlt\n");

static long sys3(long nr, long a1, long a2, long a3)
{
	long ret;

	__asm__ __volatile__("syscall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
			     : "rcx", "r11", "memory");
	return ret;
}

static void insertion(int32_t *v, long lo, long hi)
{
	for (long i = lo + 1; i <= hi; i++) {
		int32_t x = v[i];
		long j = i - 1;

		while (j >= lo && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

static void swap(int32_t *v, long i, long j)
{
	int32_t t = v[i];

	v[i] = v[j];
	v[j] = t;
}

/* Quicksort of v[lo..hi]: recursion on the smaller side, a loop on the larger. */
static void quick(int32_t *v, long lo, long hi)
{
	while (hi - lo >= 16) {
		long mid = lo + (hi - lo) / 2, i = lo, j = hi;
		int32_t p;

		if (v[mid] < v[lo])
			swap(v, mid, lo);
		if (v[hi] < v[lo])
			swap(v, hi, lo);
		if (v[hi] < v[mid])
			swap(v, hi, mid);
		p = v[mid];
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i <= j)
				swap(v, i++, j--);
		}
		if (j - lo < hi - i) {
			quick(v, lo, j);
			lo = i;
		} else {
			quick(v, i, hi);
			hi = j;
		}
	}
	insertion(v, lo, hi);
}

/* Decimal of @x at @p, returning the end. */
static char *put_u(char *p, uint64_t x)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + x % 10);
	while ((x /= 10) != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static char *put_s(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

void start_c(long *sp) __attribute__((noreturn, used));
void start_c(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	uint64_t n = 1u << 20, sum = 0, chk = 0, x = 12345;
	char line[96], *p = line;
	int bad = 0;

	if (argc > 1) {
		n = 0;
		for (const char *s = argv[1]; *s >= '0' && *s <= '9'; s++)
			n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > MAX_N)
		n = MAX_N;
	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		a[i] = (int32_t)(x >> 33);
	}
	for (uint64_t i = 0; i < n; i++)
		sum += (uint64_t)(int64_t)a[i];
	quick(a, 0, (long)n - 1);
	for (uint64_t i = 0; i < n; i++) {
		chk += (uint64_t)(int64_t)a[i] * (i + 1);
		if (i > 0 && a[i - 1] > a[i])
			bad = 1;
	}
	p = put_s(p, "n=");
	p = put_u(p, n);
	p = put_s(p, " sum=");
	p = put_u(p, sum);
	p = put_s(p, " sorted=");
	p = put_u(p, chk);
	*p++ = '\n';
	sys3(1, 1, (long)line, p - line);
	for (;;)
		sys3(231, bad, 0, 0);
}
