/*
 * elf.h - a small ELF reader: what exec (exec.c) needs of a program file.
 *
 * It reads an ELF64 little-endian x86-64 file's header and program headers
 * through a read callback (the host file for exec, a buffer for the fuzzer)
 * and checks every field it hands on, as Linux 6.1's load_elf_binary and
 * load_elf_phdrs check them (fs/binfmt_elf.c): the magic, the class and
 * byte order, e_type ET_EXEC or ET_DYN, e_machine EM_X86_64, e_phentsize the
 * size of an Elf64_Phdr, 1 to 73 program headers (at most one page of them,
 * ELF_MIN_ALIGN), each inside the file; a PT_LOAD's offset and address
 * ranges do not wrap and its p_offset and p_vaddr agree modulo the page
 * size; the first PT_INTERP (later ones are ignored, as Linux does), 2 to
 * 4096 bytes, inside the file, NUL-terminated at its end (the path is up to
 * the first NUL; Linux gives -EIO for one past the end of the file, this
 * reader -ENOEXEC).  Anything else is -ENOEXEC
 * with the reason in the error message; the reader never reads outside
 * what the callback gives and never trusts a field it did not check.
 * It allocates nothing and keeps no state.
 */
#ifndef VMFS_ELF_H
#define VMFS_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_ET_EXEC     2
#define ELF_ET_DYN      3
#define ELF_EM_X86_64   62
#define ELF_PT_LOAD     1
#define ELF_PT_INTERP   3
#define ELF_PT_PHDR     6
#define ELF_PT_GNU_STACK 0x6474e551u
#define ELF_PF_X        1
#define ELF_PF_W        2
#define ELF_PF_R        4
#define ELF_EHDR_SIZE   64
#define ELF_PHDR_SIZE   56
#define ELF_MAX_PHDRS   (4096 / ELF_PHDR_SIZE)  /* load_elf_phdrs: at most ELF_MIN_ALIGN bytes */
#define ELF_INTERP_MAX  4096                    /* PATH_MAX */

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct elf_info {
	uint16_t        type;          /* ELF_ET_EXEC or ELF_ET_DYN */
	uint16_t        machine;
	uint64_t        entry;
	uint64_t        phoff;
	uint16_t        phnum;
	struct elf_phdr phdr[ELF_MAX_PHDRS];
	int             interp;        /* index of PT_INTERP in phdr, or -1 */
	char            interp_path[ELF_INTERP_MAX];  /* its bytes, NUL-terminated ("" if none) */
	bool            exec_stack;    /* PT_GNU_STACK with PF_X (none: EXSTACK_DEFAULT, no exec on x86-64) */
	uint64_t        file_size;
};

/*
 * Read @len bytes at @off of the file into @buf: the bytes read (fewer at
 * the end of the file), or -errno.
 */
typedef int64_t (*elf_read_fn)(void *arg, uint64_t off, void *buf, size_t len);

/*
 * Parse the file @read reads (@size bytes long) into @out.  0, -ENOEXEC
 * (not an ELF program this machine runs, or a malformed one), or the
 * callback's error.
 */
int elf_parse(elf_read_fn read, void *arg, uint64_t size, struct elf_info *out);

/* An elf_read_fn over a buffer: @arg is a struct elf_buf. */
struct elf_buf {
	const uint8_t *data;
	size_t         len;
};
int64_t elf_buf_read(void *arg, uint64_t off, void *buf, size_t len);

#endif
