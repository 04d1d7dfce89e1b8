/*
 * uapi.h - where the engine takes its share of the public header.
 *
 * libvmfs/vmfs.h is the machine's uapi, as Linux's include/uapi/ is the
 * kernel's: the page-table entry bits (VMFS_PTE_*), the fault and walk
 * records, the pagemap bits, struct vmfs_page and the policy interface
 * (struct vmfs_policy_ops) are defined there once, for programs and for the
 * engine alike, and the engine fills those records directly.  The engine
 * includes vmfs.h only through this file, so that every use of the public
 * definitions inside src/ is marked as one.  Nothing in src/ exports a
 * symbol: libvmfs/ (api.c, libvmfs.sym) is the only public surface.
 */
#ifndef VMFS_UAPI_H
#define VMFS_UAPI_H

#include "vmfs.h"

#endif
