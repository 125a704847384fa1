/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * boot_main(): the bootstrap CPU's path from the Multiboot entry to the
 * scheduler.  Each step is one call; the order matters and is explained
 * where it is not obvious.
 */
#include <string.h>
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/lapic.h>
#include <arch/pit.h>
#include <arch/platform.h>
#include <arch/trap.h>
#include <arch/uart16550.h>
#include <skerry/cmdline.h>
#include <skerry/crash_dump.h>
#include <skerry/domain_builder.h>
#include <skerry/heap.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/multiboot.h>
#include <skerry/panic.h>
#include <skerry/percpu.h>
#include <skerry/sched.h>
#include <skerry/time.h>
#include <skerry/version.h>

#define DEFAULT_HEAP_SIZE (32ull << 20)
#define DEFAULT_STATS_SECONDS 30                /* exit counts in the log */
#define DEFAULT_VMKERNEL_POOL (256ull << 20)   /* with a console: the rest is its */

struct pcpu pcpus[MAX_CPUS];
unsigned nr_cpus = 1;
unsigned nr_cpus_online = 1;
static struct boot_info boot_info;

static uint16_t log_port_from_cmdline(const char *cmdline)
{
    static const struct { const char *name; uint16_t port; } ports[] = {
        { "com1", COM1_PORT }, { "com2", COM2_PORT }, { "com3", COM3_PORT }, { "com4", COM4_PORT },
    };
    char value[16];
    if (cmdline_get(cmdline, "log", value, sizeof value))
        for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++)
            if (strcmp(value, ports[i].name) == 0)
                return ports[i].port;
    return COM2_PORT;
}

static void heap_setup(const char *cmdline)
{
    uint64_t size = cmdline_get_u64(cmdline, "heap", DEFAULT_HEAP_SIZE);
    void *heap = frames_alloc((size + FRAME_SIZE - 1) / FRAME_SIZE);
    if (!heap)
        panic("cannot reserve %llu bytes of vmkernel heap", (unsigned long long)size);
    heap_init(heap, size);
}

void boot_main(uint32_t magic, uint32_t info_pa)
{
    struct pcpu *bsp = &pcpus[0];
    bsp->self = bsp;
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)bsp);
    fpu_init_cpu();
    uart_init(COM1_PORT);

    const char *why = NULL;
    if (multiboot_parse(magic, info_pa, phys_read_identity, &boot_info, &why) < 0) {
        log_init(COM2_PORT);
        panic("cannot use the boot information: %s", why);
    }
    log_init(log_port_from_cmdline(boot_info.cmdline));
    if (cmdline_has_flag(boot_info.cmdline, "debug"))
        log_set_level(LOG_DEBUG);
    idt_init();
    idt_load();

    time_init();
    banner_print(SKERRY_PRODUCT " " SKERRY_VERSION " starting (TSC %llu kHz)\n",
                 (unsigned long long)time_tsc_khz());
    log_info("command line: %s", boot_info.cmdline);

    uint64_t pool = boot_modules_have_console(&boot_info)
                        ? cmdline_get_u64(boot_info.cmdline, "vmkernel_mem", DEFAULT_VMKERNEL_POOL)
                        : 0;
    memory_init(&boot_info, pool);
    heap_setup(boot_info.cmdline);
    crash_dump_boot(boot_info.cmdline);
    gdt_tss_init();

    platform_init(&boot_info);
    bsp->id = 0;
    bsp->apic_id = lapic_id();
    bsp->online = true;
    smp_boot_secondary_cpus();

    sched_set_stats_interval(cmdline_get_u64(boot_info.cmdline, "stats", DEFAULT_STATS_SECONDS) *
                             1000000000ull);
    domains_create_from_modules(&boot_info);
    banner_print(SKERRY_PRODUCT ": %u CPUs, %llu MiB free, log on %s\n", nr_cpus_online,
                 (unsigned long long)(memory_free_bytes() >> 20), "the log port");
    sched_run_cpu();
}
