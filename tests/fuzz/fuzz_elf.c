/*
 * fuzz_elf.c - fuzz the ELF reader (src/elf.c): elf_parse() on arbitrary
 * bytes, as exec reads a hostile program file.
 *
 * What is checked: elf_parse returns 0 or -ENOEXEC (a buffer never fails
 * to read), and on success everything it hands on is within what was
 * checked: ET_EXEC or ET_DYN, EM_X86_64, 1 to ELF_MAX_PHDRS headers inside
 * the file, each PT_LOAD's ranges not wrapping and its offset congruent to
 * its address modulo the page size, PT_INTERP (if any) the first PT_INTERP
 * header, its bytes NUL-terminated at its end.  The input cut one byte
 * short (the reader reads a heap copy, so ASan sees any read past its end)
 * gives 0 or -ENOEXEC too, and never parses where the whole input fails.
 */
#include "fuzz.h"

#include "elf.h"

#include <errno.h>

static struct elf_info info;   /* large: not on the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct elf_buf b = { .data = copy, .len = size };
	int rc, rc2;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rc = elf_parse(elf_buf_read, &b, size, &info);
	FUZZ_CHECK(rc == 0 || rc == -ENOEXEC, "elf_parse returned %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(info.type == ELF_ET_EXEC || info.type == ELF_ET_DYN, "e_type %u", info.type);
		FUZZ_CHECK(info.machine == ELF_EM_X86_64, "e_machine %u", info.machine);
		FUZZ_CHECK(info.phnum >= 1 && info.phnum <= ELF_MAX_PHDRS, "phnum %u", info.phnum);
		FUZZ_CHECK(info.phoff + (uint64_t)info.phnum * ELF_PHDR_SIZE <= size, "phdrs outside");
		for (int i = 0; i < info.phnum; i++) {
			const struct elf_phdr *h = &info.phdr[i];

			if (h->type != ELF_PT_LOAD)
				continue;
			FUZZ_CHECK(h->offset <= UINT64_MAX - h->filesz && h->vaddr <= UINT64_MAX - h->memsz,
				   "PT_LOAD %d wraps", i);
			FUZZ_CHECK(((h->offset ^ h->vaddr) & 4095) == 0, "PT_LOAD %d misaligned", i);
		}
		if (info.interp >= 0) {
			const struct elf_phdr *h = &info.phdr[info.interp];

			FUZZ_CHECK(info.interp < info.phnum && h->type == ELF_PT_INTERP, "interp index");
			FUZZ_CHECK(strlen(info.interp_path) + 1 <= h->filesz && h->filesz <= ELF_INTERP_MAX &&
				   info.interp_path[h->filesz - 1] == '\0', "interp path length");
			for (int i = 0; i < info.interp; i++)
				FUZZ_CHECK(info.phdr[i].type != ELF_PT_INTERP, "a later PT_INTERP taken");
		} else {
			FUZZ_CHECK(info.interp_path[0] == '\0', "interp path without PT_INTERP");
		}
	}
	/* The same file cut one byte short: never read past, never better. */
	if (size) {
		b.len = size - 1;
		rc2 = elf_parse(elf_buf_read, &b, size - 1, &info);
		FUZZ_CHECK(rc2 == 0 || rc2 == -ENOEXEC, "cut: elf_parse returned %d", rc2);
		FUZZ_CHECK(rc == 0 || rc2 != 0, "the cut file parses where the whole one does not");
	}
	free(copy);
	return 0;
}
