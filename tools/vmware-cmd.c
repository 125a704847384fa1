/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmware-cmd: ESX 3's command-line power operations on registered VMs,
 * with its syntax, output lines and VMControl error wording, so that an
 * administrator's scripts run unchanged:
 *
 *   vmware-cmd -l                          the registered .vmx files
 *   vmware-cmd -s register <cfg>           register(<cfg>) = 1
 *   vmware-cmd -s unregister <cfg>         unregister(<cfg>) = 1
 *   vmware-cmd <cfg> getstate              getstate() = on | off
 *   vmware-cmd <cfg> start                 start() = 1
 *   vmware-cmd <cfg> stop [hard|soft|trysoft]    stop(hard) = 1
 *   vmware-cmd <cfg> reset [hard|soft|trysoft]   reset(hard) = 1
 *   vmware-cmd <cfg> getconfigfile | getpid
 *   vmware-cmd <cfg> getguestinfo <var>          getguestinfo(<var>) = <value>
 *   vmware-cmd <cfg> setguestinfo <var> <value>  setguestinfo(<var> <value>) = 1
 *   vmware-cmd <cfg> getheartbeat | gettoolslastactive
 *
 * The inventory is /etc/vmware/vm-list (`config "<path>"` lines; other
 * lines are kept).  A VM is on while a vmware-vmx runs it (vm_state.h);
 * start runs one in the background and returns once the VM is powered
 * on.  Soft operations go through VMware Tools in the guest (OS_Halt,
 * OS_Reboot); without them stop soft presses the VM's ACPI power button
 * and waits for the guest to power off, and soft reset is refused.  The
 * guestinfo variables, heartbeat and Tools' requests go over the running
 * VM's control socket (vmx/core/vm_control.h).  vSphere CLI connection options (-H, -O,
 * -U, -P) are accepted and ignored: the commands act on this host.
 * VMWARE_VM_LIST and VMWARE_VMX override the inventory and the program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../vmx/core/fd_io.h"
#include "../vmx/core/vm_state.h"

#define START_WAIT_S 120
#define STOP_WAIT_S 60
#define SOFT_WAIT_S 60
#define TRYSOFT_WAIT_S 20

/* VMControl error codes as ESX's vmware-cmd prints them. */
enum {
    VMC_UNKNOWN = 1,            /* "Unknown error" */
    VMC_BAD_STATE = 8,          /* "Invalid operation for virtual machine's current state" */
    VMC_NO_SUCH_VM = 11,        /* "No such virtual machine" */
    VMC_EXISTS = 20,            /* "Virtual machine already exists" */
    VMC_BAD_ARGS = 3,           /* "Invalid arguments" */
};

static bool quiet;

static int vmc_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vmc_error(int code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "VMControl error -%d: %s\n", code, msg);
    return code;
}

static void usage(void)
{
    fprintf(stderr,
            "Usage: vmware-cmd [-H host] [-U user] [-P password] [-q] -l\n"
            "       vmware-cmd -s register <config_file_path>\n"
            "       vmware-cmd -s unregister <config_file_path>\n"
            "       vmware-cmd <config_file_path> <operation> [args]\n"
            "Operations: getstate, start, stop [hard|soft|trysoft], reset [hard|soft|trysoft],\n"
            "            getconfigfile, getpid, getguestinfo <var>, setguestinfo <var> <value>,\n"
            "            getheartbeat, gettoolslastactive\n");
}

static const char *vm_list_path(void)
{
    const char *p = getenv("VMWARE_VM_LIST");
    return p && *p ? p : "/etc/vmware/vm-list";
}

/* ---- the inventory ---- */

struct inventory {
    char **lines;
    size_t n;
};

static void inventory_free(struct inventory *inv)
{
    for (size_t i = 0; i < inv->n; i++)
        free(inv->lines[i]);
    free(inv->lines);
    inv->lines = NULL;
    inv->n = 0;
}

static int inventory_load(struct inventory *inv)
{
    inv->lines = NULL;
    inv->n = 0;
    FILE *f = fopen(vm_list_path(), "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        char **grown = realloc(inv->lines, (inv->n + 1) * sizeof *grown);
        if (!grown) {
            free(line);
            fclose(f);
            return -1;
        }
        inv->lines = grown;
        inv->lines[inv->n++] = strdup(line);
    }
    free(line);
    fclose(f);
    return 0;
}

/* The path of a `config "<path>"` line, in buf; NULL for other lines. */
static const char *config_path(const char *line, char *buf, size_t cap)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "config", 6) != 0)
        return NULL;
    line += 6;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line != '"')
        return NULL;
    const char *end = strchr(line + 1, '"');
    if (!end || (size_t)(end - line - 1) >= cap)
        return NULL;
    memcpy(buf, line + 1, (size_t)(end - line - 1));
    buf[end - line - 1] = '\0';
    return buf;
}

/* Do two .vmx paths name the same file (through /vmfs/volumes/<label> links too)? */
static bool same_vm(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

/* The inventory line that registers cfg, or -1. */
static long inventory_find(const struct inventory *inv, const char *cfg)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < inv->n; i++)
        if (config_path(inv->lines[i], path, sizeof path) && same_vm(path, cfg))
            return (long)i;
    return -1;
}

static int inventory_save(const struct inventory *inv)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", vm_list_path());
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    snprintf(tmp, sizeof tmp, "%s.new", vm_list_path());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    for (size_t i = 0; i < inv->n; i++)
        fprintf(f, "%s\n", inv->lines[i]);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        unlink(tmp);
        return -1;
    }
    fclose(f);
    return rename(tmp, vm_list_path());
}

/* An absolute form of a path given on the command line. */
static void absolute(const char *in, char *out, size_t cap)
{
    char cwd[PATH_MAX];
    if (in[0] == '/' || !getcwd(cwd, sizeof cwd) || snprintf(out, cap, "%s/%s", cwd, in) >= (int)cap)
        snprintf(out, cap, "%s", in);       /* as given when it cannot be made absolute */
}

static int not_registered(const char *cfg)
{
    vmc_error(VMC_NO_SUCH_VM, "No such virtual machine: The config file %s is not registered.", cfg);
    fprintf(stderr, "Please register the config file on the server.  For example:\n"
                    "vmware-cmd -s register \"%s\"\n", cfg);
    return VMC_NO_SUCH_VM;
}

static int op_list(void)
{
    struct inventory inv;
    if (inventory_load(&inv) < 0)
        return vmc_error(VMC_UNKNOWN, "Unknown error: %s: %s", vm_list_path(), strerror(errno));
    char path[PATH_MAX];
    for (size_t i = 0; i < inv.n; i++)
        if (config_path(inv.lines[i], path, sizeof path))
            printf("%s\n", path);
    inventory_free(&inv);
    return 0;
}

static int op_register(const char *arg, bool add)
{
    char cfg[PATH_MAX];
    absolute(arg, cfg, sizeof cfg);
    struct inventory inv;
    if (inventory_load(&inv) < 0)
        return vmc_error(VMC_UNKNOWN, "Unknown error: %s: %s", vm_list_path(), strerror(errno));
    long at = inventory_find(&inv, cfg);
    int rc = 0;
    struct stat st;
    if (add && strchr(cfg, '"')) {
        rc = vmc_error(VMC_BAD_ARGS, "Invalid arguments: a config file path cannot hold '\"'");
    } else if (add && at >= 0) {
        rc = vmc_error(VMC_EXISTS, "Virtual machine already exists");
    } else if (add && (stat(cfg, &st) < 0 || !S_ISREG(st.st_mode))) {
        rc = vmc_error(VMC_NO_SUCH_VM, "No such virtual machine: The config file %s %s.", cfg,
                       errno == ENOENT || stat(cfg, &st) < 0 ? "does not exist" : "is not a regular file");
    } else if (!add && at < 0) {
        rc = not_registered(cfg);
    } else if (!add && vm_state_running(cfg)) {
        rc = vmc_error(VMC_BAD_STATE, "Invalid operation for virtual machine's current state: The virtual machine "
                                      "is powered on; power it off before unregistering it.");
    } else {
        if (add) {
            char line[PATH_MAX + 16];
            snprintf(line, sizeof line, "config \"%s\"", cfg);
            char **grown = realloc(inv.lines, (inv.n + 1) * sizeof *grown);
            if (grown) {
                inv.lines = grown;
                inv.lines[inv.n++] = strdup(line);
            }
        } else {
            free(inv.lines[at]);
            memmove(inv.lines + at, inv.lines + at + 1, (inv.n - (size_t)at - 1) * sizeof *inv.lines);
            inv.n--;
        }
        if (inventory_save(&inv) < 0)
            rc = vmc_error(VMC_UNKNOWN, "Unknown error: %s: %s", vm_list_path(), strerror(errno));
        else
            printf("%s(%s) = 1\n", add ? "register" : "unregister", arg);
    }
    inventory_free(&inv);
    return rc;
}

/* ---- power operations ---- */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    nanosleep(&ts, NULL);
}

/* Wait up to seconds for the VM to be off: true if it is. */
static bool wait_off(const char *cfg, int seconds)
{
    for (long waited = 0; waited <= seconds * 1000L; waited += 100) {
        if (!vm_state_running(cfg))
            return true;
        sleep_ms(100);
    }
    return !vm_state_running(cfg);
}

/* vmware.log beside the .vmx. */
static void log_path(const char *cfg, char *out, size_t cap)
{
    const char *slash = strrchr(cfg, '/');
    if (slash)
        snprintf(out, cap, "%.*s/vmware.log", (int)(slash - cfg), cfg);
    else
        snprintf(out, cap, "vmware.log");
}

/*
 * What vmware.log says of the run of vmware-vmx pid: whether it has
 * powered the VM on, and the reason it gives for a failed power-on (in
 * why).  Lines before its "VMX started ... pid <pid>" are an earlier run's.
 */
static bool log_says(const char *cfg, pid_t pid, char *why, size_t cap)
{
    char log[PATH_MAX], line[2048], mark[32];
    log_path(cfg, log, sizeof log);
    if (snprintf(why, cap, "see %s", log) >= (int)cap)
        snprintf(why, cap, "see its vmware.log");
    snprintf(mark, sizeof mark, ", pid %d", (int)pid);
    FILE *f = fopen(log, "r");
    bool ours = false, on = false;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strstr(line, "vmx| VMX ") && strstr(line, mark))
            ours = true;
        char *p = strstr(line, "vmx| Power on failed: ");
        if (ours && p)
            snprintf(why, cap, "%s", p + strlen("vmx| Power on failed: "));
        on |= ours && strstr(line, "vmx| Powered on") != NULL;
    }
    if (f)
        fclose(f);
    return on;
}

static int op_start(const char *cfg, const char *args)
{
    if (vm_state_running(cfg))
        return vmc_error(VMC_BAD_STATE, "Invalid operation for virtual machine's current state: The requested "
                                        "operation (\"start\") is not allowed: the virtual machine is on.");
    const char *vmx = getenv("VMWARE_VMX");
    if (!vmx || !*vmx)
        vmx = "vmware-vmx";
    pid_t child = fork();
    if (child < 0)
        return vmc_error(VMC_UNKNOWN, "Unknown error: fork: %s", strerror(errno));
    if (child == 0) {
        /* The VM outlives this command: its own session, no terminal. */
        setsid();
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        execlp(vmx, "vmware-vmx", cfg, (char *)NULL);
        _exit(127);
    }
    /* On once vmware.log says so; a vmware-vmx that exits first failed. */
    char why[1024];
    for (long waited = 0; waited < START_WAIT_S * 1000L; waited += 100) {
        int status;
        if (waitpid(child, &status, WNOHANG) == child) {
            log_says(cfg, child, why, sizeof why);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                snprintf(why, sizeof why, "cannot run %s", vmx);
            return vmc_error(VMC_UNKNOWN, "Unknown error: the virtual machine could not be powered on: %s", why);
        }
        if (log_says(cfg, child, why, sizeof why)) {
            printf("start(%s) = 1\n", args);
            return 0;
        }
        sleep_ms(100);
    }
    return vmc_error(VMC_UNKNOWN, "Unknown error: the virtual machine did not power on within %d s", START_WAIT_S);
}

static int signal_vm(const char *cfg, pid_t pid, int sig, const char *op)
{
    if (kill(pid, sig) < 0)
        return vmc_error(VMC_UNKNOWN, "Unknown error: %s: cannot signal vmware-vmx (pid %d): %s", op, (int)pid,
                         strerror(errno));
    (void)cfg;
    return 0;
}

/* vmc_error, or just its code when quietly. */
#define report(quietly, code, ...) ((quietly) ? (code) : vmc_error((code), __VA_ARGS__))

/* One request to the running VM's vmware-vmx (vm_control.h): 0 with the
 * reply's text in out, or the VMControl code, with the error printed
 * unless quietly. */
static int control_request(const char *cfg, const char *request, char *out, size_t cap, bool quietly)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char path[PATH_MAX];
    if (!vm_state_running(cfg))
        return report(quietly, VMC_BAD_STATE, "Invalid operation for virtual machine's current state: the "
                                              "virtual machine is off.");
    if (vm_state_socket(cfg, path, sizeof path) < 0 || strlen(path) >= sizeof sa.sun_path)
        return report(quietly, VMC_UNKNOWN, "Unknown error: %s: %s", cfg, strerror(errno));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = { .tv_sec = 10 };
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return report(quietly, VMC_UNKNOWN, "Unknown error: cannot reach the virtual machine's vmware-vmx at "
                                            "%s: %s", path, strerror(e));
    }
    char reply[9000];
    size_t got = 0;
    if (fd_write_full(fd, request, strlen(request)) == 0 && fd_write_full(fd, "\n", 1) == 0)
        got = fd_read_full(fd, reply, sizeof reply - 1);
    close(fd);
    reply[got] = '\0';
    if (!got || reply[got - 1] != '\n')
        return report(quietly, VMC_UNKNOWN, "Unknown error: vmware-vmx did not answer \"%s\"", request);
    reply[got - 1] = '\0';
    char *text = strchr(reply, ' ');
    int code = atoi(reply);
    text = text ? text + 1 : reply + strlen(reply);
    if (code != 0)
        return report(quietly, code, "%s", text);
    snprintf(out, cap, "%s", text);
    return 0;
}

static int control(const char *cfg, const char *request, char *out, size_t cap)
{
    return control_request(cfg, request, out, cap, false);
}

/* Whether VMware Tools run in the guest (gettoolslastactive 1). */
static bool tools_running(const char *cfg)
{
    char status[32];
    return control_request(cfg, "gettoolslastactive", status, sizeof status, true) == 0 &&
           strcmp(status, "1") == 0;
}

static int op_stop(const char *cfg, const char *mode)
{
    pid_t pid = vm_state_running(cfg);
    if (!pid)
        return vmc_error(VMC_BAD_STATE, "Invalid operation for virtual machine's current state: The requested "
                                        "operation (\"stop\") is not allowed: the virtual machine is off.");
    bool soft = strcmp(mode, "soft") == 0 || mode[0] == '\0', trysoft = strcmp(mode, "trysoft") == 0;
    bool tools = (soft || trysoft) && tools_running(cfg);
    if (soft || trysoft) {
        char none[8];
        /* VMware Tools shut the guest down; else its ACPI power button. */
        int rc = tools ? control(cfg, "tools OS_Halt", none, sizeof none) : signal_vm(cfg, pid, SIGUSR2, "stop");
        if (rc)
            return rc;
        if (wait_off(cfg, trysoft ? TRYSOFT_WAIT_S : SOFT_WAIT_S)) {
            printf("stop(%s) = 1\n", mode);
            return 0;
        }
        if (soft)
            return vmc_error(VMC_UNKNOWN, "Unknown error: the guest did not power off within %d s after %s; "
                                          "use \"stop hard\" or \"stop trysoft\"", SOFT_WAIT_S,
                             tools ? "VMware Tools were asked to shut it down"
                                   : "its ACPI power button was pressed (VMware Tools do not run in it)");
    }
    int rc = signal_vm(cfg, pid, SIGTERM, "stop");
    if (rc)
        return rc;
    if (!wait_off(cfg, STOP_WAIT_S))
        return vmc_error(VMC_UNKNOWN, "Unknown error: vmware-vmx (pid %d) did not power the VM off within %d s",
                         (int)pid, STOP_WAIT_S);
    printf("stop(%s) = 1\n", mode);
    return 0;
}

static int op_reset(const char *cfg, const char *mode)
{
    pid_t pid = vm_state_running(cfg);
    if (!pid)
        return vmc_error(VMC_BAD_STATE, "Invalid operation for virtual machine's current state: The requested "
                                        "operation (\"reset\") is not allowed: the virtual machine is off.");
    bool soft = strcmp(mode, "soft") == 0 || mode[0] == '\0';
    if ((soft || strcmp(mode, "trysoft") == 0) && tools_running(cfg)) {
        char none[8];
        int rc = control(cfg, "tools OS_Reboot", none, sizeof none);
        if (rc == 0)
            printf("reset(%s) = 1\n", mode);
        return rc;
    }
    if (soft)
        return vmc_error(VMC_UNKNOWN, "Unknown error: a soft reset asks VMware Tools in the guest, which do not "
                                      "run in it; use \"reset hard\" or \"reset trysoft\"");
    int rc = signal_vm(cfg, pid, SIGUSR1, "reset");
    if (rc == 0)
        printf("reset(%s) = 1\n", mode);
    return rc;
}

static int vm_op(const char *arg, const char *op, int argc, char **argv)
{
    char cfg[PATH_MAX];
    absolute(arg, cfg, sizeof cfg);
    struct inventory inv;
    if (inventory_load(&inv) < 0)
        return vmc_error(VMC_UNKNOWN, "Unknown error: %s: %s", vm_list_path(), strerror(errno));
    bool registered = inventory_find(&inv, cfg) >= 0;
    inventory_free(&inv);
    if (!registered)
        return not_registered(arg);
    const char *mode = argc > 0 ? argv[0] : "";
    bool power = !strcmp(op, "start") || !strcmp(op, "stop") || !strcmp(op, "reset");
    if (power && mode[0] && strcmp(mode, "hard") && strcmp(mode, "soft") && strcmp(mode, "trysoft"))
        return vmc_error(VMC_BAD_ARGS, "Invalid arguments: the power operation mode must be hard, soft or "
                                       "trysoft, not \"%s\"", mode);
    int nargs = !strcmp(op, "getguestinfo") ? 1 : !strcmp(op, "setguestinfo") ? 2 : 0;
    if ((power && argc > 1) || (!power && argc > nargs))
        return vmc_error(VMC_BAD_ARGS, "Invalid arguments: too many arguments to %s", op);
    if (!power && argc < nargs)
        return vmc_error(VMC_BAD_ARGS, "Invalid arguments: %s needs %s", op,
                         nargs == 1 ? "a variable name" : "a variable name and a value");
    char request[8300], reply[9000];
    if (!strcmp(op, "getheartbeat") || !strcmp(op, "gettoolslastactive") || !strcmp(op, "getguestinfo") ||
        !strcmp(op, "setguestinfo")) {
        if ((nargs >= 1 && (!argv[0][0] || strchr(argv[0], ' ') || strchr(argv[0], '\n'))) ||
            (nargs == 2 && strchr(argv[1], '\n')))
            return vmc_error(VMC_BAD_ARGS, "Invalid arguments: a guestinfo variable name is one word and values "
                                           "are one line");
        snprintf(request, sizeof request, "%s%s%s%s%s", op, nargs ? " " : "", nargs ? argv[0] : "",
                 nargs == 2 ? " " : "", nargs == 2 ? argv[1] : "");
        int rc = control(cfg, request, reply, sizeof reply);
        if (rc == 0)
            printf("%s(%s%s%s) = %s\n", op, nargs ? argv[0] : "", nargs == 2 ? " " : "", nargs == 2 ? argv[1] : "",
                   !strcmp(op, "setguestinfo") ? "1" : reply);
        return rc;
    }
    if (!strcmp(op, "getstate")) {
        printf("getstate() = %s\n", vm_state_running(cfg) ? "on" : "off");
        return 0;
    }
    if (!strcmp(op, "getconfigfile")) {
        printf("getconfigfile() = %s\n", arg);
        return 0;
    }
    if (!strcmp(op, "getpid")) {
        pid_t pid = vm_state_running(cfg);
        if (!pid)
            return vmc_error(VMC_BAD_STATE, "Invalid operation for virtual machine's current state: the virtual "
                                            "machine is off.");
        printf("getpid() = %d\n", (int)pid);
        return 0;
    }
    if (!strcmp(op, "start"))
        return op_start(cfg, mode);
    if (!strcmp(op, "stop"))
        return op_stop(cfg, mode);
    if (!strcmp(op, "reset"))
        return op_reset(cfg, mode);
    return vmc_error(VMC_BAD_ARGS, "Invalid arguments: unknown operation \"%s\"", op);
}

int main(int argc, char **argv)
{
    int opt;
    bool list = false;
    const char *server_op = NULL;
    /* vSphere CLI connection options are accepted: everything acts on this host. */
    while ((opt = getopt(argc, argv, "+H:O:U:P:h:qvls:")) != -1) {
        switch (opt) {
        case 'q':
            quiet = true;
            break;
        case 'l':
            list = true;
            break;
        case 's':
            server_op = optarg;
            break;
        case 'H': case 'O': case 'U': case 'P': case 'h': case 'v':
            break;
        default:
            usage();
            return VMC_BAD_ARGS;
        }
    }
    (void)quiet;
    if (list && optind == argc && !server_op)
        return op_list();
    if (server_op && optind == argc - 1) {
        if (!strcmp(server_op, "register"))
            return op_register(argv[optind], true);
        if (!strcmp(server_op, "unregister"))
            return op_register(argv[optind], false);
        return vmc_error(VMC_BAD_ARGS, "Invalid arguments: unknown server operation \"%s\"", server_op);
    }
    if (!list && !server_op && argc - optind >= 2)
        return vm_op(argv[optind], argv[optind + 1], argc - optind - 2, argv + optind + 2);
    usage();
    return VMC_BAD_ARGS;
}
