/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <skerry/percpu.h>

#define FXSAVE_FCW_OFFSET   0
#define FXSAVE_MXCSR_OFFSET 24
#define FCW_RESET   0x037F
#define MXCSR_RESET 0x1F80

static inline void clts(void) { __asm__ volatile("clts" ::: "memory"); }
static inline void fxsave(struct fpu_state *s)  { __asm__ volatile("fxsave64 %0" : "=m"(*s)); }
static inline void fxrstor(struct fpu_state *s) { __asm__ volatile("fxrstor64 %0" ::"m"(*s)); }

void fpu_init_cpu(void)
{
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE | CR0_TS);
    this_cpu()->arch.fpu_owner = NULL;
    this_cpu()->arch.host_fpu_in_use = false;
}

void fpu_state_init(struct fpu_state *s)
{
    memset(s, 0, sizeof *s);
    uint16_t fcw = FCW_RESET;
    uint32_t mxcsr = MXCSR_RESET;
    memcpy(&s->fxsave_area[FXSAVE_FCW_OFFSET], &fcw, sizeof fcw);
    memcpy(&s->fxsave_area[FXSAVE_MXCSR_OFFSET], &mxcsr, sizeof mxcsr);
}

bool fpu_claim_for_host(void)
{
    struct arch_pcpu *a = &this_cpu()->arch;
    if (a->host_fpu_in_use)
        return false;                 /* TS clear yet #NM: not ours to fix */
    clts();
    if (a->fpu_owner)
        fxsave(a->fpu_owner);
    a->fpu_owner = NULL;
    a->host_fpu_in_use = true;
    return true;
}

void fpu_switch_to_guest(struct fpu_state *s)
{
    struct arch_pcpu *a = &this_cpu()->arch;
    if (a->fpu_owner == s && !a->host_fpu_in_use)
        return;
    clts();
    if (a->fpu_owner && a->fpu_owner != s)
        fxsave(a->fpu_owner);
    fxrstor(s);
    a->fpu_owner = s;
    a->host_fpu_in_use = false;
    write_cr0(read_cr0() | CR0_TS);
}

void fpu_switch_from_guest(struct fpu_state *s)
{
    uint64_t flags = irq_save();      /* an #NM claim must not interleave */
    struct arch_pcpu *a = &this_cpu()->arch;
    if (a->fpu_owner == s) {
        clts();
        fxsave(s);
        a->fpu_owner = NULL;
        write_cr0(read_cr0() | CR0_TS);
    }
    irq_restore(flags);
}

void fpu_release(struct fpu_state *s)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        if (pcpus[i].arch.fpu_owner == s)
            pcpus[i].arch.fpu_owner = NULL;
}
