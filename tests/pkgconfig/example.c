/*
 * example.c - a program outside the project that links libvmfs the way a
 * user would: only <vmfs.h>, found through pkg-config.  test_pkgconfig.sh
 * compiles it against an installed copy of the library and runs it.
 *
 * At every page-table depth 2..6 it spawns a process, maps memory, writes,
 * forks and sees copy-on-write keep parent and child apart, gets -EFAULT for
 * a write to a read-only page, and translates an address checking every
 * entry of the walk against simulated physical memory.  Exit status 0 when
 * all of that holds; the first failure is printed and exits 1.
 */
#define _DEFAULT_SOURCE        /* MAP_ANONYMOUS under -std=c11 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <vmfs.h>

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "example: levels %d: %s failed (line %d): %s\n", \
				levels, #cond, __LINE__, vmfs_errmsg());     \
			exit(1);                                             \
		}                                                            \
	} while (0)

static void check_walk(vmfs *m, int pid, uint64_t addr, int levels, unsigned char byte)
{
	struct vmfs_walk w;
	CHECK(vmfs_translate(m, pid, addr, &w) == 0);
	CHECK(w.levels == levels && w.depth == levels);
	CHECK(w.state == VMFS_WALK_PRESENT);
	for (int i = 0; i < w.depth; i++) {
		unsigned char raw[8];
		uint64_t entry = 0;
		CHECK(vmfs_phys_read(m, w.level[i].table + 8 * (uint64_t)w.level[i].index, raw, 8) == 8);
		for (int k = 7; k >= 0; k--)
			entry = entry << 8 | raw[k];
		CHECK(entry == w.level[i].entry);
		CHECK(entry & VMFS_PTE_P);
		if (i + 1 < w.depth)
			CHECK((entry & VMFS_PTE_PFN_MASK) == w.level[i + 1].table);
		printf("  %-4s table %#010" PRIx64 " [%3u] = %#018" PRIx64 "\n",
		       vmfs_level_name(levels, i), w.level[i].table, w.level[i].index, entry);
	}
	unsigned char c = 0;
	CHECK(vmfs_phys_read(m, w.paddr, &c, 1) == 1);
	CHECK(c == byte);
}

static void run(int levels)
{
	char opts[64];
	vmfs *m = NULL;
	snprintf(opts, sizeof(opts), "levels=%d,frames=256", levels);
	CHECK(vmfs_open(&m, opts) == 0);

	int parent = vmfs_spawn(m, "example");
	CHECK(parent == 1);
	uint64_t addr = 0;
	CHECK(vmfs_mmap(m, parent, 0, 2 * VMFS_PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, &addr) == 0);
	const char msg[] = "hello, vmfs";
	CHECK(vmfs_write(m, parent, addr + 42, msg, sizeof(msg)) == (ssize_t)sizeof(msg));

	int child = vmfs_fork(m, parent);
	CHECK(child == 2);
	char buf[sizeof(msg)];
	CHECK(vmfs_read(m, child, addr + 42, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	CHECK(memcmp(buf, msg, sizeof(msg)) == 0);
	CHECK(vmfs_write(m, child, addr + 42, "HELLO", 5) == 5);
	CHECK(vmfs_read(m, parent, addr + 42, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	CHECK(memcmp(buf, msg, sizeof(msg)) == 0);            /* COW kept the parent's */
	CHECK(vmfs_read(m, child, addr + 42, buf, 5) == 5);
	CHECK(memcmp(buf, "HELLO", 5) == 0);

	CHECK(vmfs_mprotect(m, parent, addr + VMFS_PAGE_SIZE, VMFS_PAGE_SIZE, PROT_READ) == 0);
	CHECK(vmfs_write(m, parent, addr + VMFS_PAGE_SIZE, "x", 1) == -EFAULT);

	printf("levels %d: %s at %#" PRIx64 "\n", levels, msg, addr + 42);
	check_walk(m, parent, addr + 42, levels, (unsigned char)msg[0]);
	check_walk(m, child, addr + 42, levels, 'H');
	CHECK(vmfs_exit(m, child) == 0);
	CHECK(vmfs_exit(m, parent) == 0);
	vmfs_close(m);
}

int main(void)
{
	for (int levels = 2; levels <= 6; levels++)
		run(levels);
	printf("example: ok\n");
	return 0;
}
