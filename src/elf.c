/*
 * elf.c - the ELF reader (see elf.h): little-endian field loads from a
 * byte buffer, each bounds-checked against what was read, and the checks
 * of load_elf_binary / load_elf_phdrs.  Every failure is -ENOEXEC with the
 * reason; nothing is allocated.
 */
#include "elf.h"
#include "error.h"

#include <errno.h>
#include <string.h>

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int noexec(const char *why)
{
	return vm_error(-ENOEXEC, "not an x86-64 ELF program: %s", why);
}

/* Read exactly @len bytes at @off, or fail (-ENOEXEC if the file is shorter). */
static int read_exact(elf_read_fn read, void *arg, uint64_t off, void *buf, size_t len,
		      const char *what)
{
	int64_t n = read(arg, off, buf, len);

	if (n < 0)
		return (int)n;
	if ((uint64_t)n != len)
		return vm_error(-ENOEXEC, "not an x86-64 ELF program: %s past the end of the file", what);
	return 0;
}

static bool range_in(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

int elf_parse(elf_read_fn read, void *arg, uint64_t size, struct elf_info *out)
{
	uint8_t eh[ELF_EHDR_SIZE], ph[ELF_MAX_PHDRS * ELF_PHDR_SIZE];
	uint16_t phentsize;
	int rc;

	memset(out, 0, sizeof(*out));
	out->interp = -1;
	out->file_size = size;
	if (size < ELF_EHDR_SIZE)
		return noexec("shorter than an ELF header");
	if ((rc = read_exact(read, arg, 0, eh, sizeof(eh), "the ELF header")) < 0)
		return rc;
	if (memcmp(eh, "\177ELF", 4))
		return noexec("no ELF magic");
	if (eh[4] != 2)
		return noexec("not ELFCLASS64");
	if (eh[5] != 1)
		return noexec("not little-endian");
	if (eh[6] != 1)
		return noexec("ELF version is not 1");
	out->type = le16(eh + 16);
	out->machine = le16(eh + 18);
	out->entry = le64(eh + 24);
	out->phoff = le64(eh + 32);
	phentsize = le16(eh + 54);
	out->phnum = le16(eh + 56);
	if (out->type != ELF_ET_EXEC && out->type != ELF_ET_DYN)
		return noexec("e_type is neither ET_EXEC nor ET_DYN");
	if (out->machine != ELF_EM_X86_64)
		return noexec("e_machine is not EM_X86_64");
	if (phentsize != ELF_PHDR_SIZE)
		return noexec("e_phentsize is not sizeof(Elf64_Phdr)");
	if (out->phnum == 0 || out->phnum > ELF_MAX_PHDRS)
		return noexec("no program headers, or more than a page of them");
	if (!range_in(out->phoff, (uint64_t)out->phnum * ELF_PHDR_SIZE, size))
		return noexec("program headers outside the file");
	if ((rc = read_exact(read, arg, out->phoff, ph, (size_t)out->phnum * ELF_PHDR_SIZE,
			     "the program headers")) < 0)
		return rc;
	for (int i = 0; i < out->phnum; i++) {
		const uint8_t *p = ph + (size_t)i * ELF_PHDR_SIZE;
		struct elf_phdr *h = &out->phdr[i];

		h->type = le32(p);
		h->flags = le32(p + 4);
		h->offset = le64(p + 8);
		h->vaddr = le64(p + 16);
		h->paddr = le64(p + 24);
		h->filesz = le64(p + 32);
		h->memsz = le64(p + 40);
		h->align = le64(p + 48);
		if (h->type == ELF_PT_LOAD) {
			if (h->offset > UINT64_MAX - h->filesz || h->vaddr > UINT64_MAX - h->memsz)
				return noexec("a PT_LOAD's range wraps around");
			if ((h->offset ^ h->vaddr) & 4095)
				return noexec("a PT_LOAD's p_offset and p_vaddr differ modulo the page size");
		} else if (h->type == ELF_PT_INTERP && out->interp < 0) {   /* the first one counts */
			if (h->filesz < 2 || h->filesz > ELF_INTERP_MAX || !range_in(h->offset, h->filesz, size))
				return noexec("PT_INTERP's size or place is wrong");
			if ((rc = read_exact(read, arg, h->offset, out->interp_path, (size_t)h->filesz,
					     "PT_INTERP")) < 0)
				return rc;
			if (out->interp_path[h->filesz - 1] != '\0')
				return noexec("PT_INTERP is not NUL-terminated");
			out->interp = i;
		} else if (h->type == ELF_PT_GNU_STACK) {
			out->exec_stack = h->flags & ELF_PF_X;
		}
	}
	/* No PT_GNU_STACK: EXSTACK_DEFAULT, whose stack on x86-64 is not executable. */
	return 0;
}

int64_t elf_buf_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const struct elf_buf *b = arg;

	if (off >= b->len)
		return 0;
	if (len > b->len - off)
		len = b->len - off;
	memcpy(buf, b->data + off, len);
	return (int64_t)len;
}
