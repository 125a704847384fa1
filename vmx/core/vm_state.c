/* SPDX-License-Identifier: GPL-2.0-only */
/* Powered-on VMs' state files (vm_state.h). */
#include "vm_state.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *run_dir(void)
{
    const char *d = getenv("VMWARE_RUN_DIR");
    return d && *d ? d : "/var/run/vmware";
}

/* FNV-1a: a stable name for a path. */
static uint64_t hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

static int run_file(const char *vmx, const char *suffix, char *out, size_t cap)
{
    char real[PATH_MAX];
    if (!realpath(vmx, real))
        return -1;
    int n = snprintf(out, cap, "%s/vmx-%016llx.%s", run_dir(), (unsigned long long)hash(real), suffix);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int vm_state_file(const char *vmx, char *out, size_t cap)
{
    return run_file(vmx, "pid", out, cap);
}

int vm_state_socket(const char *vmx, char *out, size_t cap)
{
    return run_file(vmx, "ctl", out, cap);
}

/* Is pid a live vmware-vmx? */
static int is_vmx(pid_t pid)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(comm, sizeof comm, f))
        comm[0] = '\0';
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return strcmp(comm, "vmware-vmx") == 0;
}

static pid_t read_pid(const char *file)
{
    FILE *f = fopen(file, "r");
    long pid = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || pid > INT_MAX)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

pid_t vm_state_running(const char *vmx)
{
    char file[PATH_MAX];
    if (vm_state_file(vmx, file, sizeof file) < 0)
        return 0;
    pid_t pid = read_pid(file);
    return pid > 0 && is_vmx(pid) ? pid : 0;
}

int vm_state_claim(const char *vmx, char *err, size_t errlen)
{
    char file[PATH_MAX], real[PATH_MAX];
    if (vm_state_file(vmx, file, sizeof file) < 0 || !realpath(vmx, real))
        return errmsg(err, errlen, "%s: %s", vmx, strerror(errno));
    if (mkdir(run_dir(), 0755) < 0 && errno != EEXIST)
        return errmsg(err, errlen, "%s: %s", run_dir(), strerror(errno));
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dprintf(fd, "%d\n%s\n", (int)getpid(), real);
            close(fd);
            return 0;
        }
        if (errno != EEXIST)
            return errmsg(err, errlen, "%s: %s", file, strerror(errno));
        pid_t pid = read_pid(file);
        if (pid == getpid())
            return 0;                   /* this process again, after a guest reset */
        if (pid > 0 && is_vmx(pid))
            return errmsg(err, errlen, "the virtual machine is already powered on (vmware-vmx pid %d)", (int)pid);
        unlink(file);                   /* stale: its vmware-vmx is gone */
    }
    return errmsg(err, errlen, "%s: could not be taken", file);
}

void vm_state_release(const char *vmx)
{
    char file[PATH_MAX];
    if (vm_state_file(vmx, file, sizeof file) == 0 && read_pid(file) == getpid())
        unlink(file);
}
