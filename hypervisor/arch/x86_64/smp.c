/* SPDX-License-Identifier: GPL-2.0-only */
/* Starting the secondary CPUs, one at a time, with INIT-SIPI-SIPI. */
#include <string.h>
#include <arch/acpi_parse.h>
#include <arch/boot_layout.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/lapic.h>
#include <arch/pit.h>
#include <arch/platform.h>
#include <arch/trap.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/percpu.h>
#include <skerry/sched.h>

#define CPU_STACK_FRAMES 4
#define AP_START_TIMEOUT_MS 200

extern struct machine_topology machine;
extern char ap_trampoline_start[], ap_trampoline_end[];
extern uint64_t ap_boot_stack;
extern struct pcpu *ap_boot_pcpu;

_Noreturn void ap_main(struct pcpu *self);

_Noreturn void ap_main(struct pcpu *self)
{
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)self);
    fpu_init_cpu();
    idt_load();
    gdt_tss_init();
    cpu_local_init();
    __atomic_store_n(&self->online, true, __ATOMIC_RELEASE);
    sched_run_cpu();
}

static bool start_cpu(struct pcpu *cpu)
{
    void *stack = frames_alloc(CPU_STACK_FRAMES);
    if (!stack)
        return false;
    cpu->arch.stack_top = virt_to_phys(stack) + CPU_STACK_FRAMES * FRAME_SIZE;
    ap_boot_stack = cpu->arch.stack_top;
    ap_boot_pcpu = cpu;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    lapic_send_init(cpu->apic_id);
    pit_wait_us(10000);
    for (int attempt = 0; attempt < 2 && !cpu->online; attempt++) {
        lapic_send_startup(cpu->apic_id, AP_TRAMPOLINE_ADDR >> 12);
        pit_wait_us(200);
    }
    for (int ms = 0; ms < AP_START_TIMEOUT_MS; ms++) {
        if (__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE))
            return true;
        pit_wait_us(1000);
    }
    return false;
}

void smp_boot_secondary_cpus(void)
{
    size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
    memcpy((void *)(uintptr_t)AP_TRAMPOLINE_ADDR, ap_trampoline_start, len);
    struct pcpu *bsp = this_cpu();
    unsigned next = 1;
    for (unsigned i = 0; i < machine.nr_cpus; i++) {
        if (machine.cpu_apic_ids[i] == bsp->apic_id)
            continue;
        struct pcpu *cpu = &pcpus[next];
        cpu->self = cpu;
        cpu->id = next;
        cpu->apic_id = machine.cpu_apic_ids[i];
        if (start_cpu(cpu)) {
            log_info("cpu%u (APIC %u) is online", cpu->id, cpu->apic_id);
            next++;
        } else {
            log_err("CPU with APIC id %u did not start; continuing without it", cpu->apic_id);
        }
    }
    nr_cpus_online = next;
}
