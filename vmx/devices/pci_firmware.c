/* SPDX-License-Identifier: GPL-2.0-only */
/* BAR assignment, as firmware does it (pci_firmware.h). */
#include "pci_firmware.h"

struct bar_ref {
    struct pci_function *f;
    unsigned n;
    uint64_t size;
    bool io;
};

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Put one BAR at addr (both halves of a 64-bit one) through config writes. */
static void place(struct bar_ref *b, uint64_t addr)
{
    unsigned reg = PCI_BAR0 + 4 * b->n;
    pci_config_write(b->f, reg, 4, (uint32_t)addr);
    if (!b->io && (b->f->cfg[reg] & PCI_BAR_MEM64))
        pci_config_write(b->f, reg + 4, 4, (uint32_t)(addr >> 32));
}

int pci_firmware_assign(struct pci_host *h, const struct pci_window *w)
{
    struct bar_ref bars[256 * PCI_NUM_BARS];
    unsigned nbars = 0;
    for (unsigned devfn = 1; devfn < 256; devfn++) {     /* 00:00.0, the host bridge, has none */
        struct pci_function *f = h->fn[devfn];
        if (!f)
            continue;
        for (unsigned n = 0; n < PCI_NUM_BARS; n++)
            if (f->bar_size[n])
                bars[nbars++] = (struct bar_ref){ f, n, f->bar_size[n], (f->cfg[PCI_BAR0 + 4 * n] & PCI_BAR_IO) != 0 };
    }
    /* Largest first: each then lands aligned with no space lost between. */
    for (unsigned i = 1; i < nbars; i++)
        for (unsigned j = i; j > 0 && bars[j].size > bars[j - 1].size; j--) {
            struct bar_ref t = bars[j];
            bars[j] = bars[j - 1];
            bars[j - 1] = t;
        }
    uint64_t mem = w->mem_base, io = w->io_base;
    int r = 0;
    for (unsigned i = 0; i < nbars; i++) {
        uint64_t *next = bars[i].io ? &io : &mem, end = bars[i].io ? w->io_end : w->mem_end;
        uint64_t at = align_up(*next, bars[i].size);
        if (at + bars[i].size > end || at + bars[i].size < at) {
            r = -1;
            continue;
        }
        place(&bars[i], at);
        *next = at + bars[i].size;
    }
    for (unsigned devfn = 1; devfn < 256; devfn++) {
        struct pci_function *f = h->fn[devfn];
        if (f)
            pci_config_write(f, PCI_COMMAND, 2, pci_config_read(f, PCI_COMMAND, 2) | PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    }
    return r;
}
