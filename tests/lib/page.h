/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page size of the guest kernel (x86-64): defined here once for every
 * test and tool. A long, so that arithmetic on file offsets stays in long.
 */
#ifndef RSHMEM_PAGE_H
#define RSHMEM_PAGE_H

#define PAGE 4096L

#endif
