/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the .vmx dictionary (vmx/config/vmx_dict.c). */
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../vmx/config/vmx_dict.h"

/* A VM as ESX 3.5 writes it, with a hand edit or two (odd spacing, a
 * trailing comment, a key this code does not know). */
static const char esx35_vmx[] =
    "#!/usr/bin/vmware\n"
    ".encoding = \"UTF-8\"\n"
    "config.version = \"8\"\n"
    "virtualHW.version = \"4\"\n"
    "floppy0.present = \"true\"\n"
    "nvram = \"web01.nvram\"\n"
    "deploymentPlatform = \"windows\"\n"
    "virtualHW.productCompatibility = \"hosted\"\n"
    "tools.upgrade.policy = \"useGlobal\"\n"
    "powerType.powerOff = \"default\"\n"
    "powerType.powerOn = \"default\"\n"
    "powerType.suspend = \"default\"\n"
    "powerType.reset = \"default\"\n"
    "\n"
    "displayName = \"web01\"\n"
    "extendedConfigFile = \"web01.vmxf\"\n"
    "memsize = \"512\"\n"
    "numvcpus=\"2\"\n"
    "scsi0.present = \"true\"\n"
    "scsi0.sharedBus = \"none\"\n"
    "scsi0.virtualDev = \"pvscsi\"\n"
    "scsi0:0.present = \"true\"\n"
    "scsi0:0.fileName = \"web01.vmdk\"\n"
    "scsi0:0.deviceType = \"scsi-hardDisk\"\n"
    "scsi0:0.redo = \"\"\n"
    "ide0:0.present = \"true\"\n"
    "ide0:0.clientDevice = \"TRUE\"\n"
    "ide0:0.deviceType = \"cdrom-raw\"\n"
    "ide0:0.startConnected = \"false\"\n"
    "floppy0.startConnected = \"FALSE\"\n"
    "floppy0.clientDevice = \"true\"\n"
    "ethernet0.present = \"true\"\n"
    "ethernet0.virtualDev = \"vmxnet3\"\n"
    "ethernet0.networkName = \"VM Network\"\n"
    "ethernet0.addressType = \"vpx\"\n"
    "ethernet0.generatedAddress = \"00:50:56:b4:1c:07\"\n"
    "  serial0.fileType   =   \"file\"   # captured by the system test\n"
    "serial0.fileName = \"/vmfs/volumes/datastore1/web01/serial.log\"\n"
    "guestOS = \"debian4-64\"\n"
    "uuid.location = \"56 4d 2a 3e 9b 47 d1 12-8c 5a 47 19 05 c8 66 b3\"\n"
    "uuid.bios = \"42 34 e6 5b 55 c3 41 46-c8 d4 a6 27 7e 95 81 44\"\n"
    "annotation = \"Web front end|0Aowner: ops|7Cnet team\"\n"
    "sched.cpu.shares = \"normal\"\n"
    "sched.mem.max = \"unlimited\"\n"
    "sched.swap.derivedName = \"/vmfs/volumes/47a0d56e-5b87c3d0-8a12-001a64b7c3d2/web01/web01-0e1c1bbf.vswp\"\n"
    "# hand edit below\n"
    "\tRemoteDisplay.vnc.enabled\t=\t\"TRUE\"\n"
    "RemoteDisplay.vnc.port = \"5901\"\n"
    "vmx.skerry.unknownKey = \"kept as it is |7c\"\n"
    "skerry.kernel = \"vmlinuz\"\n";

/* Whether name is set to want in d. */
static bool has(const struct vmx_dict *d, const char *name, const char *want)
{
    const char *v = vmx_dict_get(d, name);

    return v && !strcmp(v, want);
}

static struct vmx_dict *parse_ok(const char *text, size_t len)
{
    struct vmx_dict *d = NULL;
    char err[160] = "";

    if (vmx_dict_parse(text, len, &d, err, sizeof err) < 0)
        printf("note: unexpected parse error: %s\n", err);
    return d;
}

/* Write d into a fresh buffer (NUL-terminated); caller frees. */
static char *text_of(const struct vmx_dict *d, long *len)
{
    size_t size = vmx_dict_text_size(d);
    char *buf = malloc(size + 1);

    *len = vmx_dict_write(d, buf, size);
    buf[*len < 0 ? 0 : *len] = '\0';
    return buf;
}

static bool round_trips(const char *text, size_t len)
{
    struct vmx_dict *d = parse_ok(text, len);
    long n;
    char *out;
    bool same;

    if (!d)
        return false;
    out = text_of(d, &n);
    same = n == (long)len && !memcmp(out, text, len);
    free(out);
    vmx_dict_free(d);
    return same;
}

static void test_round_trip(void)
{
    static const char crlf[] = "a = \"1\"\r\n\r\n# c\r\nb = \"2\"\r\n";
    static const char bom[] = "\xEF\xBB\xBF.encoding = \"UTF-8\"\nx = \"y\"";
    static const char odd[] = "a=b\n b = c # trailing\nc = \"x|y|7c|7Z|\"\n\n\n#\n   \n\t# indented\n";
    struct vmx_dict *d;
    long n;
    char small[8];

    CHECK(round_trips(esx35_vmx, sizeof esx35_vmx - 1), "round trip: the ESX 3.5 file, byte for byte");
    CHECK(round_trips(crlf, sizeof crlf - 1), "round trip: CRLF line ends");
    CHECK(round_trips(bom, sizeof bom - 1), "round trip: UTF-8 BOM and no final newline");
    CHECK(round_trips(odd, sizeof odd - 1), "round trip: bare values, lone '|', blank and indented lines");
    CHECK(round_trips("", 0), "round trip: empty file");

    d = parse_ok(esx35_vmx, sizeof esx35_vmx - 1);
    CHECK(d != NULL, "parse: the ESX 3.5 file");
    if (!d)
        return;
    CHECK_EQ(vmx_dict_count(d), 47, "parse: 47 entries (comments and blank lines are not entries)");
    CHECK_EQ(vmx_dict_write(d, small, sizeof small), (unsigned long long)(long)-E2BIG,
             "write: a short buffer is refused");
    {
        const char *name, *value;

        CHECK(vmx_dict_entry(d, 0, &name, &value) && !strcmp(name, ".encoding") &&
                  !strcmp(value, "UTF-8"),
              "entries: in file order, first .encoding");
        CHECK(vmx_dict_entry(d, 46, &name, &value) && !strcmp(name, "skerry.kernel"),
              "entries: last skerry.kernel");
        CHECK(!vmx_dict_entry(d, 47, &name, &value), "entries: none past the count");
    }
    n = (long)vmx_dict_text_size(d);
    CHECK_EQ(n, sizeof esx35_vmx - 1, "write: text size is the file size");
    vmx_dict_free(d);
}

static const char typed[] = "a = \"1\"\nb = \"0\"\nc = \"yes\"\nd = \"-0x10\"\n"
                            "e = \"9223372036854775808\"\nf = \"-9223372036854775808\"\n"
                            "g = \"12k\"\nh = \"0x\"\nA = \"no\"\n";

static void test_lookup(void)
{
    struct vmx_dict *d = parse_ok(esx35_vmx, sizeof esx35_vmx - 1);
    long long i;
    bool b;

    if (!d)
        return;
    CHECK(has(d, "MEMSIZE", "512"), "get: names ignore case (MEMSIZE)");
    CHECK(has(d, "Scsi0:0.FILENAME", "web01.vmdk"), "get: scsi0:0.fileName in another case");
    CHECK(has(d, "serial0.filetype", "file"), "get: spaces around '=' and a trailing comment are not the value");
    CHECK(has(d, "remotedisplay.vnc.enabled", "TRUE"), "get: tab-separated line");
    CHECK(has(d, "annotation", "Web front end\nowner: ops|net team"), "get: |0A and |7C decoded");
    CHECK(has(d, "scsi0:0.redo", ""), "get: empty quoted value");
    CHECK(vmx_dict_get(d, "memsiz") == NULL, "get: no prefix match");
    CHECK(vmx_dict_get(d, "no.such.key") == NULL, "get: absent name is NULL");

    CHECK(vmx_dict_get_int(d, "memsize", 4, 65536, 256, &i) == 0 && i == 512, "get_int: memsize 512");
    CHECK(vmx_dict_get_int(d, "numvcpus", 1, 4, 1, &i) == 0 && i == 2, "get_int: numvcpus 2");
    CHECK_EQ(vmx_dict_get_int(d, "memsize", 4, 256, 0, &i), (unsigned long long)-ERANGE,
             "get_int: above max is ERANGE");
    CHECK_EQ(vmx_dict_get_int(d, "guestOS", 0, 10, 0, &i), (unsigned long long)-EINVAL,
             "get_int: debian4-64 is not a number");
    CHECK(vmx_dict_get_int(d, "cpuid.coresPerSocket", 1, 8, 1, &i) == 0 && i == 1,
          "get_int: absent gives the default");
    CHECK(vmx_dict_get_bool(d, "floppy0.present", false, &b) == 0 && b, "get_bool: \"true\"");
    CHECK(vmx_dict_get_bool(d, "ide0:0.clientDevice", false, &b) == 0 && b, "get_bool: \"TRUE\"");
    CHECK(vmx_dict_get_bool(d, "floppy0.startConnected", true, &b) == 0 && !b, "get_bool: \"FALSE\"");
    CHECK(vmx_dict_get_bool(d, "scsi1.present", false, &b) == 0 && !b, "get_bool: absent is the default");
    CHECK_EQ(vmx_dict_get_bool(d, "displayName", false, &b), (unsigned long long)-EINVAL,
             "get_bool: \"web01\" is not a boolean");
    vmx_dict_free(d);

    d = parse_ok(typed, sizeof typed - 1);
    if (!d)
        return;
    CHECK(vmx_dict_get_bool(d, "b", true, &b) == 0 && !b, "get_bool: \"0\"");
    CHECK(vmx_dict_get_bool(d, "c", false, &b) == 0 && b, "get_bool: \"yes\"");
    CHECK(vmx_dict_get_bool(d, "a", true, &b) == 0 && !b, "duplicate name: the later line wins (A = no)");
    CHECK(vmx_dict_get_int(d, "d", -100, 100, 0, &i) == 0 && i == -16, "get_int: -0x10 is -16");
    CHECK_EQ(vmx_dict_get_int(d, "e", INT64_MIN, INT64_MAX, 0, &i), (unsigned long long)-ERANGE,
             "get_int: 2^63 overflows");
    CHECK(vmx_dict_get_int(d, "f", INT64_MIN, INT64_MAX, 0, &i) == 0 && i == INT64_MIN,
          "get_int: -2^63 fits");
    CHECK_EQ(vmx_dict_get_int(d, "g", 0, 100000, 0, &i), (unsigned long long)-EINVAL,
             "get_int: trailing letters refused");
    CHECK_EQ(vmx_dict_get_int(d, "h", 0, 10, 0, &i), (unsigned long long)-EINVAL,
             "get_int: bare 0x refused");
    vmx_dict_free(d);
}

/* The original text with one substring replaced. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t head = (size_t)(at - text);
    char *out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);

    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

/* Whether setting name to value in text writes want. */
static bool set_gives(const char *text, const char *name, const char *value, const char *want)
{
    struct vmx_dict *d = parse_ok(text, strlen(text));
    char *got;
    long n;
    bool same;

    if (!d)
        return false;
    vmx_dict_set(d, name, value);
    got = text_of(d, &n);
    same = !strcmp(got, want);
    free(got);
    vmx_dict_free(d);
    return same;
}

static void test_set_remove(void)
{
    struct vmx_dict *d = parse_ok(esx35_vmx, sizeof esx35_vmx - 1);
    char *got;
    const char *want;
    long n;

    if (!d)
        return;
    CHECK_EQ(vmx_dict_set_int(d, "MemSize", 1024), 0, "set: existing name in another case");
    got = text_of(d, &n);
    {
        char *exp = replaced(esx35_vmx, "memsize = \"512\"", "memsize = \"1024\"");

        CHECK(!strcmp(got, exp), "set: only the value changes, the original spelling is kept");
        free(exp);
    }
    free(got);

    CHECK_EQ(vmx_dict_set(d, "serial0.fileType", "pipe"), 0, "set: a line with a comment");
    got = text_of(d, &n);
    CHECK(strstr(got, "\n  serial0.fileType   =   \"pipe\"   # captured by the system test\n") != NULL,
          "set: spacing and trailing comment kept");
    free(got);

    CHECK_EQ(vmx_dict_set(d, "annotation", "say \"hi\" | bye\x01\tend"), 0, "set: value with quote, bar, control");
    got = text_of(d, &n);
    CHECK(strstr(got, "\nannotation = \"say |22hi|22 |7C bye|01\tend\"\n") != NULL,
          "set: '\"', '|', 0x01 written as |22 |7C |01, tab kept");
    vmx_dict_free(d);
    d = parse_ok(got, (size_t)n);
    free(got);
    if (!d)
        return;
    CHECK(has(d, "annotation", "say \"hi\" | bye\x01\tend"), "set: escaped value reads back the same");
    CHECK(has(d, "vmx.skerry.unknownKey", "kept as it is |"), "unknown key: kept and decoded");

    CHECK_EQ(vmx_dict_set(d, "scsi0:1.fileName", "data.vmdk"), 0, "set: new name");
    got = text_of(d, &n);
    want = "\nscsi0:1.fileName = \"data.vmdk\"\n";
    CHECK(n > (long)strlen(want) && !strcmp(got + n - strlen(want), want),
          "set: new name appended last as name = \"value\"");
    CHECK(strstr(got, "vmx.skerry.unknownKey = \"kept as it is |7c\"\n") != NULL,
          "unknown key: written back untouched (lowercase escape too)");
    free(got);
    CHECK_EQ(vmx_dict_count(d), 48, "set: count grows by one");

    CHECK(vmx_dict_remove(d, "ETHERNET0.generatedAddress"), "remove: present name");
    CHECK(!vmx_dict_remove(d, "ethernet0.generatedAddress"), "remove: second time false");
    CHECK(vmx_dict_get(d, "ethernet0.generatedAddress") == NULL, "remove: gone");
    got = text_of(d, &n);
    CHECK(strstr(got, "generatedAddress") == NULL && strstr(got, "# hand edit below\n") != NULL,
          "remove: the line is gone, comments stay");
    free(got);
    CHECK_EQ(vmx_dict_count(d), 47, "remove: count shrinks");

    CHECK_EQ(vmx_dict_set(d, "bad name", "x"), (unsigned long long)-EINVAL, "set: space in name refused");
    CHECK_EQ(vmx_dict_set(d, "a=b", "x"), (unsigned long long)-EINVAL, "set: '=' in name refused");
    CHECK_EQ(vmx_dict_set(d, "", "x"), (unsigned long long)-EINVAL, "set: empty name refused");
    {
        char *big = malloc(VMX_DICT_MAX_LINE + 1);

        memset(big, 'x', VMX_DICT_MAX_LINE);
        big[VMX_DICT_MAX_LINE] = '\0';
        CHECK_EQ(vmx_dict_set(d, "displayName", big), (unsigned long long)-E2BIG, "set: over-long line refused");
        CHECK(has(d, "displayName", "web01"), "set: a refused set changes nothing");
        free(big);
    }
    vmx_dict_free(d);

    /* Duplicates: set changes the one VMware reads, remove drops all. */
    CHECK(set_gives("x = \"1\"\nX = \"2\"", "x", "3", "x = \"1\"\nX = \"3\""),
          "duplicate: set changes the later line");
    d = parse_ok("x = \"1\"\nX = \"2\"", 15);
    CHECK(d && vmx_dict_remove(d, "x") && vmx_dict_count(d) == 0, "duplicate: remove drops both");
    vmx_dict_free(d);

    /* No final newline, CRLF: an appended line starts its own line, same ends. */
    CHECK(set_gives("a = \"1\"\r\nb = \"2\"", "c", "3", "a = \"1\"\r\nb = \"2\"\r\nc = \"3\"\r\n"),
          "append: after an unterminated line, CRLF kept");

    d = vmx_dict_new();
    vmx_dict_set_bool(d, "floppy0.present", false);
    vmx_dict_set_int(d, "numvcpus", -1);
    got = text_of(d, &n);
    CHECK(!strcmp(got, "floppy0.present = \"FALSE\"\nnumvcpus = \"-1\"\n"), "new dictionary: typed setters");
    free(got);
    vmx_dict_free(d);
}

static void expect_error(const char *text, const char *want, const char *what)
{
    struct vmx_dict *d = (struct vmx_dict *)&d;   /* a marker parse must not touch */
    char err[160] = "";
    int rc = vmx_dict_parse(text, strlen(text), &d, err, sizeof err);

    CHECK(rc == -1 && d == (struct vmx_dict *)&d && !strcmp(err, want), "malformed: %s (%s)", what, err);
}

static void test_malformed(void)
{
    expect_error("a = \"1\"\n# ok\n\nb = \"2\"\nc = \"3\"\nd = \"4\"\ne \"5\"\n",
                 "line 7: expected '=' after name", "missing '='");
    expect_error("a = \"1\"\nfoo bar = \"x\"\n", "line 2: expected '=' after name", "space in name");
    expect_error("a = \"1\nb = \"2\"\n", "line 1: unterminated quoted value", "no closing quote");
    expect_error("a = \"1\"\nb = \"2\" x\n", "line 2: unexpected text after value", "text after value");
    expect_error("a = \"1\"\r\nb = \"2\"\"\r\n", "line 2: unexpected text after value", "second quote");
    expect_error("\n\n = \"x\"\n", "line 3: expected a name before '='", "no name");
    expect_error("a =\n", "line 1: expected a value after '='", "no value");
    expect_error("a = # c\n", "line 1: expected a value after '='", "comment as value");
    expect_error("a = x\"y\n", "line 1: '\"' inside an unquoted value", "quote in bare value");
    expect_error("x\"y = \"1\"\n", "line 1: invalid character 0x22 in name", "quote in name");
    expect_error("a = \"1\"\nb|c = \"1\"\n", "line 2: invalid character 0x7C in name", "bar in name");
    expect_error("a = \"|00\"\n", "line 1: escape |00 (NUL) in value", "|00");
    {
        static const char nul[] = "a = \"1\"\nb = \"x\0y\"\n";
        struct vmx_dict *d = NULL;
        char err[160] = "";

        CHECK(vmx_dict_parse(nul, sizeof nul - 1, &d, err, sizeof err) == -1 &&
                  !strcmp(err, "line 2: NUL byte in line") && d == NULL,
              "malformed: NUL byte inside the buffer");
    }
}

static void test_limits(void)
{
    size_t cap = 8u * VMX_DICT_MAX_ENTRIES * 16;
    char *buf = malloc(cap > VMX_DICT_MAX_SIZE + 2 ? cap : VMX_DICT_MAX_SIZE + 2);
    struct vmx_dict *d = NULL;
    char err[160] = "";
    size_t n = 0;

    /* One line exactly at the limit parses; one byte more does not. */
    n = (size_t)sprintf(buf, "a = \"1\"\nb = \"");
    memset(buf + n, 'v', VMX_DICT_MAX_LINE - 6);
    n += VMX_DICT_MAX_LINE - 6;
    buf[n++] = '"';
    buf[n++] = '\n';
    CHECK(vmx_dict_parse(buf, n, &d, err, sizeof err) == 0, "limits: a %u-byte line parses", VMX_DICT_MAX_LINE);
    vmx_dict_free(d);
    d = NULL;
    memmove(buf + 15, buf + 14, n - 14);
    buf[14] = 'v';
    CHECK(vmx_dict_parse(buf, n + 1, &d, err, sizeof err) == -1 &&
              !strcmp(err, "line 2: longer than 4096 bytes") && !d,
          "limits: one byte longer is refused");

    n = 0;
    for (unsigned i = 0; i <= VMX_DICT_MAX_ENTRIES; i++)
        n += (size_t)sprintf(buf + n, "k%u = \"%u\"\n", i, i);
    CHECK(vmx_dict_parse(buf, n, &d, err, sizeof err) == -1 &&
              !strcmp(err, "line 4097: more than 4096 entries") && !d,
          "limits: entry %u is refused (%s)", VMX_DICT_MAX_ENTRIES + 1, err);
    CHECK(vmx_dict_parse(buf, n - strlen("k4096 = \"4096\"\n"), &d, err, sizeof err) == 0,
          "limits: %u entries parse", VMX_DICT_MAX_ENTRIES);
    CHECK_EQ(vmx_dict_set(d, "one.more", "x"), (unsigned long long)-E2BIG, "limits: set past the entry limit");
    CHECK_EQ(vmx_dict_set(d, "K7", "changed"), 0, "limits: changing an existing entry still works");
    vmx_dict_free(d);
    d = NULL;

    memset(buf, '\n', VMX_DICT_MAX_LINES + 1);
    CHECK(vmx_dict_parse(buf, VMX_DICT_MAX_LINES + 1, &d, err, sizeof err) == -1 &&
              !strcmp(err, "line 16385: more than 16384 lines"),
          "limits: line count");
    memset(buf, '#', VMX_DICT_MAX_SIZE + 1);
    CHECK(vmx_dict_parse(buf, VMX_DICT_MAX_SIZE + 1, &d, err, sizeof err) == -1 &&
              !strcmp(err, "file larger than 1048576 bytes"),
          "limits: file size");
    free(buf);
}

static void test_files(void)
{
    char dir[] = "/tmp/vmx_dict_XXXXXX";
    char path[64], err[160] = "";
    struct vmx_dict *d = NULL, *again = NULL;
    struct stat st;
    long n;
    char *text;
    FILE *f;

    if (!mkdtemp(dir)) {
        CHECK(0, "files: mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/web01.vmx", dir);
    f = fopen(path, "w");
    fwrite(esx35_vmx, 1, sizeof esx35_vmx - 1, f);
    fclose(f);
    chmod(path, 0755);   /* ESX keeps .vmx files executable */

    CHECK(vmx_dict_load(path, &d, err, sizeof err) == 0, "load: the ESX 3.5 file");
    if (!d)
        return;
    vmx_dict_set(d, "memsize", "2048");
    CHECK(vmx_dict_save(d, path, err, sizeof err) == 0, "save: to the same path");
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0755, "save: permission bits kept");
    CHECK(vmx_dict_load(path, &again, err, sizeof err) == 0, "save: the saved file loads");
    if (again) {
        text = text_of(again, &n);
        char *want = replaced(esx35_vmx, "\"512\"", "\"2048\"");
        CHECK(!strcmp(text, want), "save: the file is the original with the one change");
        free(want);
        free(text);
        vmx_dict_free(again);
    }
    {
        char tmp[96];

        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        CHECK(access(tmp, F_OK) != 0, "save: no temporary file left behind");
    }
    snprintf(path, sizeof path, "%s/missing/x.vmx", dir);
    CHECK(vmx_dict_save(d, path, err, sizeof err) == -1 && strstr(err, "No such file") != NULL,
          "save: unwritable path is an error");
    snprintf(path, sizeof path, "%s/bad.vmx", dir);
    f = fopen(path, "w");
    fputs("a = \"1\"\nb \"2\"\n", f);
    fclose(f);
    again = NULL;
    CHECK(vmx_dict_load(path, &again, err, sizeof err) == -1 && strstr(err, "bad.vmx: line 2: expected '='"),
          "load: error names the file and line");
    unlink(path);
    snprintf(path, sizeof path, "%s/web01.vmx", dir);
    unlink(path);
    rmdir(dir);
    vmx_dict_free(d);
}

int main(void)
{
    test_round_trip();
    test_lookup();
    test_set_remove();
    test_malformed();
    test_limits();
    test_files();
    CHECK_DONE();
}
