/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmware-vmx: one virtual machine, run from its .vmx file until it powers
 * off.  It reads the configuration, builds the VM's domain through
 * /dev/vmkernel, loads the guest kernel, serves the guest's port and
 * MMIO accesses with the device models, and records the VM's life in
 * vmware.log beside the .vmx.
 *
 *   vmware-vmx [-s] /vmfs/volumes/datastore1/vm1/vm1.vmx
 *
 * -s also prints the log lines on standard error.  Exit status: 0 when
 * the guest powered off (or SIGTERM/SIGINT stopped it hard), 1 when the
 * VM could not be started or run, 2 when its domain ended on its own (a
 * triple fault).  A reset (by the guest, or SIGUSR1) starts the VM again
 * in a new process image (this one executes itself); SIGUSR2 presses the
 * VM's ACPI power button.  While it runs, its state file (vm_state.h)
 * says the VM is on; a second vmware-vmx for the same .vmx is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/vm_config.h"
#include "config/vmx_dict.h"
#include "core/linux_loader.h"
#include "core/vm.h"
#include "core/vm_devices.h"
#include "core/vm_log.h"
#include "core/vm_net.h"
#include "core/fd_io.h"
#include "core/vm_control.h"
#include "core/vm_run.h"
#include "core/vm_state.h"
#include "vmk.h"

#define MAX_IMAGE (512u << 20)

static struct vm_requests requests = { .control_fd = -1 };

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        requests.reset = 1;
    else if (sig == SIGUSR2)
        requests.button = 1;
    else
        requests.stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "Usage: vmware-vmx [-s] <config.vmx>\n"
                    "Runs the virtual machine the .vmx file describes until it powers off;\n"
                    "its log is vmware.log beside the .vmx (-s: on standard error too).\n");
}

/* A whole file into memory: its bytes, or NULL with err set. */
static uint8_t *read_file(const char *key, const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_IMAGE) {
        snprintf(err, errlen, "%s = \"%s\": %s", key, path,
                 fd < 0 ? strerror(errno) : !S_ISREG(st.st_mode) ? "not a regular file" : "larger than 512 MB");
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = buf ? fd_read_full(fd, buf, (size_t)st.st_size) : 0;
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        snprintf(err, errlen, "%s = \"%s\": could not read it", key, path);
        free(buf);
        return NULL;
    }
    *len = got;
    return buf;
}

static int load_config(const char *path, struct vm_config *cfg, char *err, size_t errlen)
{
    struct vmx_dict *dict = NULL;
    char why[512];
    if (vmx_dict_load(path, &dict, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    int r = vm_config_read(dict, path, cfg, why, sizeof why);
    if (r < 0)
        snprintf(err, errlen, "%s: %s", path, why);
    /* A NIC with no address gets one, written back as ESX does, so that
     * the guest sees the same MAC at every power-on. */
    bool changed = false;
    for (unsigned i = 0; r == 0 && i < VM_CONFIG_ETHERNET; i++) {
        struct vm_ethernet *e = &cfg->ethernet[i];
        if (!e->present || e->has_mac)
            continue;
        vm_net_generate_mac(path, i, e->mac);
        e->has_mac = true;
        char key[64], mac[24];
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1], e->mac[2], e->mac[3],
                 e->mac[4], e->mac[5]);
        snprintf(key, sizeof key, "ethernet%u.generatedAddress", i);
        changed |= vmx_dict_set(dict, key, mac) == 0;
        snprintf(key, sizeof key, "ethernet%u.generatedAddressOffset", i);
        changed |= vmx_dict_set(dict, key, "0") == 0;
    }
    if (changed && vmx_dict_save(dict, path, why, sizeof why) < 0)
        fprintf(stderr, "vmware-vmx: %s: could not record the generated MAC addresses: %s\n", path, why);
    if (r < 0)
        vmx_dict_free(dict);            /* else cfg->dict keeps it for the VM's life */
    return r;
}

/* Build, load and start the VM; then serve it until it ends. */
static int power_on(const struct vm_config *cfg, struct vm *vm, struct vm_devices *dev, char *err, size_t errlen)
{
    size_t klen = 0, ilen = 0;
    uint8_t *kernel = read_file("skerry.kernel", cfg->kernel, &klen, err, errlen), *initrd = NULL;
    if (!kernel || (cfg->initrd[0] && !(initrd = read_file("skerry.initrd", cfg->initrd, &ilen, err, errlen)))) {
        free(kernel);
        return -1;
    }
    long e = vmk_open();
    int r = -1;
    if (e < 0) {
        snprintf(err, errlen, "/dev/vmkernel: %s", vmk_strerror(e));
    } else if (vm_create(vm, cfg->display_name, (uint64_t)cfg->memsize_mb << 20, cfg->numvcpus, err, errlen) == 0) {
        vm_log("Domain %llu: %u MB of RAM, %u vCPU%s", (unsigned long long)vm->dom_id, cfg->memsize_mb,
               cfg->numvcpus, cfg->numvcpus > 1 ? "s" : "");
        struct linux_guest g = {
            .ram = vm->ram, .ram_size = vm->ram_size, .kernel = kernel, .kernel_len = klen, .initrd = initrd,
            .initrd_len = ilen, .cmdline = cfg->cmdline, .nr_vcpus = cfg->numvcpus, .pm1a_evt = ACPI_PM_EVT_BASE,
            .pm1a_cnt = ACPI_PM_CNT_BASE, .sci_irq = VM_SCI_IRQ, .s5_type = ACPI_PM_S5_TYPE,
            .reset_port = PCI_RESET_CONTROL, .reset_value = 0x06,
        };
        static uint8_t ssdt[4096];
        g.ssdt = ssdt;
        struct linux_entry ent;
        char why[256];
        if (vm_devices_init(dev, vm, cfg, err, errlen) < 0) {
            vm_destroy(vm);
        } else if (!(g.ssdt_len = vm_devices_pci_ssdt(dev, ssdt, sizeof ssdt))) {
            snprintf(err, errlen, "could not describe the VM's PCI bus in ACPI");
        } else if ((e = vm_devices_claim(dev)) != SK_OK) {
            snprintf(err, errlen, "could not claim the VM's ports and PCI hole: %s", vmk_strerror(e));
        } else if (linux_load(&g, &ent, why, sizeof why) < 0) {
            snprintf(err, errlen, "could not load the guest: %s", why);
        } else {
            vm_log("Guest kernel %s (Linux %s), initrd %s (%zu bytes), command line \"%s\"", cfg->kernel,
                   ent.version, cfg->initrd[0] ? cfg->initrd : "none", ilen, cfg->cmdline);
            if ((e = vm_start(vm, ent.rip, ent.cr3, ent.gdt, ent.gdt_limit, ent.rsi)) != SK_OK)
                snprintf(err, errlen, "could not start vCPU 0: %s", vmk_strerror(e));
            else
                r = 0;
        }
        if (r < 0 && vm->ram) {
            vm_devices_close(dev);
            vm_destroy(vm);
        }
    }
    free(kernel);
    free(initrd);
    return r;
}

/* Why the vmkernel ended the VM's domain: its "dom<id> <name>: ending:"
 * line in the vmkernel log (/proc/vmware/log), into vmware.log. */
static void log_vmkernel_reason(uint64_t dom_id)
{
    FILE *f = fopen("/proc/vmware/log", "r");
    char line[1024], mark[40], reason[1024] = "";
    snprintf(mark, sizeof mark, " dom%llu ", (unsigned long long)dom_id);
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, mark), *why = p ? strstr(p, ": ending: ") : NULL;
        if (why) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(reason, sizeof reason, "%s", why + strlen(": ending: "));
        }
    }
    if (f)
        fclose(f);
    if (reason[0])
        vm_log("The vmkernel ended the VM's domain %llu: %s", (unsigned long long)dom_id, reason);
}

int main(int argc, char **argv)
{
    int opt;
    bool to_stderr = false;
    while ((opt = getopt(argc, argv, "sh")) != -1) {
        if (opt == 's') {
            to_stderr = true;
        } else {
            usage();
            return opt == 'h' ? 0 : 1;
        }
    }
    if (optind != argc - 1) {
        usage();
        return 1;
    }
    const char *path = argv[optind];
    static struct vm_config cfg;
    char err[1024];
    if (load_config(path, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "vmware-vmx: %s\n", err);
        return 1;
    }
    if (vm_state_claim(path, err, sizeof err) < 0) {
        fprintf(stderr, "vmware-vmx: %s: %s\n", path, err);
        return 1;
    }
    char dir[VM_CONFIG_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    bool restarted = getenv("VMX_RESTARTED_AFTER_RESET") != NULL;
    unsetenv("VMX_RESTARTED_AFTER_RESET");
    if (vm_log_open(dir, restarted) < 0)
        fprintf(stderr, "vmware-vmx: %s/vmware.log: %s (logging to standard error)\n", dir, strerror(errno));
    vm_log_also_stderr(to_stderr);
    vm_log("VMX %s for \"%s\" (%s), pid %d", restarted ? "restarted after a reset" : "started",
           cfg.display_name, path, (int)getpid());
    vm_log("Config: memsize %u MB, numvcpus %u, guestOS %s", cfg.memsize_mb, cfg.numvcpus, cfg.guest_os);

    /* A restart after a reset comes here with the power signals blocked
     * (see below): one sent meanwhile is pending and arrives now. */
    struct sigaction sa = { .sa_handler = on_signal };
    sigset_t power_signals;
    sigemptyset(&power_signals);
    static const int handled[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
    for (unsigned i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        sigaction(handled[i], &sa, NULL);
        sigaddset(&power_signals, handled[i]);
    }
    sigprocmask(SIG_UNBLOCK, &power_signals, NULL);

    static struct vm vm;
    static struct vm_devices dev;
    if (power_on(&cfg, &vm, &dev, err, sizeof err) < 0) {
        vm_log("Power on failed: %s", err);
        if (!to_stderr)
            fprintf(stderr, "vmware-vmx: power on failed: %s\n", err);
        vm_log_close();
        vm_state_release(path);
        return 1;
    }
    requests.control_fd = vm_control_open(path, err, sizeof err);
    if (requests.control_fd < 0)
        vm_log("No control socket (getguestinfo, getheartbeat and soft power operations will fail): %s", err);
    vm_log("Powered on");
    enum vm_end end = vm_run(&vm, &dev, &requests);
    /* From here to the restart's exec, a stop must not be lost: it is
     * either seen below or kept pending across the exec. */
    sigprocmask(SIG_BLOCK, &power_signals, NULL);
    if (end == VM_END_RESET && requests.stop)
        end = VM_END_STOPPED;       /* told to stop while the guest reset: stop wins */
    vm_control_close(requests.control_fd, path);
    requests.control_fd = -1;
    static const char *const why[] = {
        [VM_END_POWEROFF] = "the guest powered off",
        [VM_END_RESET] = "the guest reset the machine",
        [VM_END_DIED] = "its domain ended in the vmkernel (a triple fault or another fatal guest error)",
        [VM_END_STOPPED] = "vmware-vmx was told to stop (power off hard)",
        [VM_END_RESET_HARD] = "vmware-vmx was told to reset it (reset hard)",
        [VM_END_ERROR] = "the vmkernel stopped serving it",
    };
    vm_log("Powering off: %s", why[end]);
    if (end == VM_END_DIED)
        log_vmkernel_reason(vm.dom_id);
    vm_devices_close(&dev);
    vm_destroy(&vm);
    vm_log("Powered off");
    vm_log_close();
    if (end == VM_END_RESET || end == VM_END_RESET_HARD) {
        vmk_close();
        setenv("VMX_RESTARTED_AFTER_RESET", "1", 1);
        /* A fresh VM, as a reset starts one.  By the program's own path, so
         * that the process keeps its name (vm_state checks it). */
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            execv(self, argv);
        }
        fprintf(stderr, "vmware-vmx: restarting after the reset failed: %s\n", strerror(errno));
        vm_state_release(path);
        return 1;
    }
    vm_state_release(path);
    return end == VM_END_DIED ? 2 : end == VM_END_ERROR ? 1 : 0;
}
