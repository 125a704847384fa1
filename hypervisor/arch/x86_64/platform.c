/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <arch/acpi_parse.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/platform.h>
#include <arch/trap.h>
#include <arch/svm.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/panic.h>
#include <skerry/percpu.h>
#include <skerry/sched.h>
#include <skerry/time.h>

#define BDA_EBDA_SEGMENT 0x40E

struct machine_topology machine;
uint64_t machine_rsdp;

static void read_topology(void)
{
    uint16_t ebda_segment;
    memcpy(&ebda_segment, phys_read_identity(BDA_EBDA_SEGMENT, 2), 2);
    uint64_t ebda = (uint64_t)ebda_segment << 4;
    uint64_t rsdp = machine_rsdp = acpi_find_rsdp(phys_read_identity, ebda);
    if (!rsdp)
        panic("no ACPI RSDP found: the vmkernel needs ACPI to find CPUs and IOAPICs");
    uint64_t madt = acpi_find_table(phys_read_identity, rsdp, "APIC");
    const char *why = NULL;
    if (!madt || acpi_parse_madt(phys_read_identity, madt, &machine, &why) < 0)
        panic("cannot read the ACPI MADT: %s", why ? why : "table not found");
    log_info("ACPI: RSDP at %#llx, %u CPUs, %u IOAPICs, LAPIC at %#x", (unsigned long long)rsdp,
             machine.nr_cpus, machine.nr_ioapics, machine.lapic_address);
}

static void timer_interrupt(struct trap_frame *f)
{
    (void)f;
    sched_timer_tick();
}

static void kick_interrupt(struct trap_frame *f)
{
    (void)f;
}

void cpu_local_init(void)
{
    lapic_init();
    svm_cpu_init();
}

void platform_init(const struct boot_info *bi)
{
    (void)bi;
    read_topology();
    if (machine.nr_cpus > MAX_CPUS)
        machine.nr_cpus = MAX_CPUS;
    nr_cpus = machine.nr_cpus;
    for (unsigned i = 0; i < machine.nr_ioapics; i++) {
        unsigned pins = ioapic_init(machine.ioapics[i].address, machine.ioapics[i].gsi_base);
        log_info("IOAPIC %u at %#x: %u pins, GSI base %u, all masked", machine.ioapics[i].id,
                 machine.ioapics[i].address, pins, machine.ioapics[i].gsi_base);
    }
    irq_register(VECTOR_TIMER, timer_interrupt);
    irq_register(VECTOR_KICK, kick_interrupt);
    svm_check_support();
    cpu_local_init();
    lapic_calibrate();
    log_info("local APIC timer at %llu kHz, TSC at %llu kHz",
             (unsigned long long)lapic_timer_khz(), (unsigned long long)time_tsc_khz());
}

void platform_reset(void)
{
    outb(0x64, 0xFE);             /* pulse the reset line through the keyboard controller */
    outb(0xCF9, 0x02);
    outb(0xCF9, 0x06);            /* a hard reset through the reset control register */
}
