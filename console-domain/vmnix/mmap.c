// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap of /dev/vmkernel: memory the console was given through
 * capabilities (frames, an I/O-request channel's shared page), at its
 * physical address as the file offset.  The console is identity-mapped,
 * so a frame mapped into it with DOMAIN map_frame sits at that address.
 * Never the console's own RAM: that is what /dev/mem guards, and a frame
 * is never in it.
 */
#include <linux/fs.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include "vmnix.h"

int vmnix_mmap(struct file *file, struct vm_area_struct *vma)
{
    unsigned long len = vma->vm_end - vma->vm_start;
    unsigned long pfn = vma->vm_pgoff, i;

    if (!(vma->vm_flags & VM_SHARED))
        return -EINVAL;              /* a private copy of device-model memory means nothing */
    if (pfn + (len >> PAGE_SHIFT) < pfn)
        return -EINVAL;
    for (i = 0; i < len >> PAGE_SHIFT; i++)
        if (page_is_ram(pfn + i))
            return -EPERM;
    /* remap_pfn_range marks it VM_IO | VM_PFNMAP: no struct pages, never swapped. */
    return remap_pfn_range(vma, vma->vm_start, pfn, len, vma->vm_page_prot);
}
