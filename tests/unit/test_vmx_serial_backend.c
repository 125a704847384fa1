/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the serial port backends (vmx/core/serial_backend.c)
 * over real files and sockets: a file, a pipe (a Unix socket) as server
 * and client, a telnet server on the loopback, and bad names. */
#define _GNU_SOURCE
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../vmx/core/serial_backend.h"

static char dir[] = "/tmp/skerry-serial-XXXXXX";

static void put_str(struct serial_backend *s, const char *text)
{
    for (; *text; text++)
        serial_backend_put(s, (uint8_t)*text);
    serial_backend_flush(s);
}

/* Input from s, waiting up to a second for some: the bytes read. */
static size_t input(struct serial_backend *s, uint8_t *buf, size_t room)
{
    for (int i = 0; i < 100; i++) {
        struct pollfd fds[2];
        unsigned n = serial_backend_fds(s, true, fds);
        poll(fds, n, 10);
        size_t got = serial_backend_input(s, buf, room);
        if (got)
            return got;
    }
    return 0;
}

/* Read what a peer gets within a second, NUL-terminated. */
static size_t peer_read(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (got < cap - 1 && poll(&p, 1, got ? 100 : 1000) > 0) {
        ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void test_file(void)
{
    struct vm_serial cfg = { .present = true, .type = VM_SERIAL_FILE };
    snprintf(cfg.file_name, sizeof cfg.file_name, "%s/serial0.log", dir);
    struct serial_backend s;
    char err[256], buf[64] = "";
    CHECK_EQ(serial_backend_open(&s, &cfg, 0, err, sizeof err), 0, "file: opens");
    put_str(&s, "line one\n");
    serial_backend_put(&s, 'x');
    struct pollfd fds[2];
    CHECK_EQ(serial_backend_fds(&s, true, fds), 0, "file: nothing to wait on");
    serial_backend_close(&s);
    int fd = open(cfg.file_name, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf - 1) == 10, "file: 10 bytes written");
    CHECK_STR_EQ(buf, "line one\nx", "file: the output, the last byte flushed at close");
    close(fd);
    snprintf(cfg.file_name, sizeof cfg.file_name, "%s/no/such/dir/log", dir);
    CHECK_EQ(serial_backend_open(&s, &cfg, 2, err, sizeof err), -1, "file: a bad path is refused");
    CHECK(strstr(err, "serial2.fileName") && strstr(err, "No such file"), "file: naming the key and why (%.100s)", err);
}

static void test_pipe_server(void)
{
    struct vm_serial cfg = { .present = true, .type = VM_SERIAL_PIPE, .server = true };
    snprintf(cfg.file_name, sizeof cfg.file_name, "%s/com1", dir);
    struct serial_backend s;
    char err[256], got[256];
    uint8_t buf[64];
    CHECK_EQ(serial_backend_open(&s, &cfg, 0, err, sizeof err), 0, "pipe server: opens");
    struct stat st;
    CHECK(stat(cfg.file_name, &st) == 0 && S_ISSOCK(st.st_mode), "pipe server: a socket at fileName");
    put_str(&s, "nobody listens\n");                      /* dropped, no harm */
    int c = unix_connect(cfg.file_name);
    CHECK(c >= 0, "pipe server: a client connects");
    CHECK(write(c, "hello", 5) == 5, "pipe server: the client sends");
    size_t n = input(&s, buf, sizeof buf);
    CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "pipe server: the guest gets its bytes (%zu)", n);
    put_str(&s, "from the guest\n");
    peer_read(c, got, sizeof got);
    CHECK_STR_EQ(got, "from the guest\n", "pipe server: the client gets the guest's output, not what came before");
    CHECK(write(c, "0123456789abcdefghijklmnopqrstuvwxyz0123", 40) == 40, "pipe server: 40 bytes sent");
    n = input(&s, buf, 16);
    CHECK_EQ(n, 16, "pipe server: no more than the UART has room for");
    n += input(&s, buf, 16) + input(&s, buf, 16);
    CHECK_EQ(n, 40, "pipe server: the rest follows as room frees");
    struct pollfd fds[2];
    CHECK_EQ(serial_backend_fds(&s, false, fds), 1, "pipe server: a full UART: the peer is not waited on");
    int c2 = unix_connect(cfg.file_name);
    input(&s, buf, sizeof buf);
    peer_read(c2, got, sizeof got);
    CHECK(strstr(got, "in use") != NULL, "pipe server: a second client is turned away");
    close(c2);
    close(c);
    input(&s, buf, sizeof buf);
    CHECK_EQ(s.fd, -1, "pipe server: the client's close is seen");
    c = unix_connect(cfg.file_name);
    CHECK(c >= 0 && write(c, "again", 5) == 5, "pipe server: another client connects");
    n = input(&s, buf, sizeof buf);
    CHECK(n == 5 && memcmp(buf, "again", 5) == 0, "pipe server: and is served");
    close(c);
    serial_backend_close(&s);
    CHECK(stat(cfg.file_name, &st) < 0, "pipe server: the socket is removed with the VM");

    /* A file that is not a socket is never replaced. */
    int fd = open(cfg.file_name, O_WRONLY | O_CREAT, 0644);
    close(fd);
    CHECK_EQ(serial_backend_open(&s, &cfg, 1, err, sizeof err), -1, "pipe server: a regular file at fileName: refused");
    CHECK(strstr(err, "serial1.fileName") && strstr(err, "cannot make the pipe"), "pipe server: saying why (%.100s)", err);
    CHECK(stat(cfg.file_name, &st) == 0 && S_ISREG(st.st_mode), "pipe server: and the file is left alone");
    unlink(cfg.file_name);
}

static void test_pipe_client(void)
{
    struct vm_serial cfg = { .present = true, .type = VM_SERIAL_PIPE, .server = false };
    snprintf(cfg.file_name, sizeof cfg.file_name, "%s/listener", dir);
    struct serial_backend s;
    char err[256], got[64];
    CHECK_EQ(serial_backend_open(&s, &cfg, 0, err, sizeof err), -1, "pipe client: nobody listens: refused");
    CHECK(strstr(err, "cannot connect to the pipe") != NULL, "pipe client: saying so (%.100s)", err);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", cfg.file_name);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 1) == 0, "pipe client: a listener");
    CHECK_EQ(serial_backend_open(&s, &cfg, 0, err, sizeof err), 0, "pipe client: connects");
    int c = accept(l, NULL, NULL);
    put_str(&s, "client out\n");
    peer_read(c, got, sizeof got);
    CHECK_STR_EQ(got, "client out\n", "pipe client: the listener gets the guest's output");
    close(c);
    close(l);
    serial_backend_close(&s);
    unlink(cfg.file_name);
}

static void test_telnet(void)
{
    unsigned port = 20000 + (unsigned)getpid() % 20000;
    struct vm_serial cfg = { .present = true, .type = VM_SERIAL_NETWORK, .server = true };
    snprintf(cfg.file_name, sizeof cfg.file_name, "telnet://127.0.0.1:%u", port);
    struct serial_backend s;
    char err[256], got[64];
    uint8_t buf[64];
    CHECK_EQ(serial_backend_open(&s, &cfg, 1, err, sizeof err), 0, "telnet: listens on %u", port);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&sin, sizeof sin) == 0, "telnet: a client connects");
    input(&s, buf, sizeof buf);
    size_t n = peer_read(c, got, sizeof got);
    static const uint8_t hello[] = { 255, 251, 1, 255, 251, 3, 255, 253, 3 };
    CHECK(n == sizeof hello && memcmp(got, hello, n) == 0, "telnet: WILL ECHO, WILL SGA, DO SGA (character mode)");
    static const uint8_t typed[] = { 'a', 255, 255, 'b', 255, 253, 1, 255, 250, 24, 0, 'x', 255, 240, 'c', 255, 241 };
    CHECK(write(c, typed, sizeof typed) == (ssize_t)sizeof typed, "telnet: the client types with commands between");
    n = input(&s, buf, sizeof buf);
    CHECK(n == 4 && memcmp(buf, "a\xff" "bc", 4) == 0, "telnet: the guest gets a, 0xFF, b, c (%zu bytes)", n);
    serial_backend_put(&s, 0xFF);
    serial_backend_put(&s, 'z');
    serial_backend_flush(&s);
    n = peer_read(c, got, sizeof got);
    CHECK(n == 3 && memcmp(got, "\xff\xffz", 3) == 0, "telnet: a 0xFF from the guest is doubled");
    close(c);
    serial_backend_close(&s);

    /* A command split across reads. */
    enum telnet_state st = TELNET_DATA;
    uint8_t part1[] = { 'q', 255 }, part2[] = { 251 }, part3[] = { 1, 'r' };
    CHECK_EQ(telnet_decode(&st, part1, 2), 1, "telnet: IAC at a read's end waits");
    CHECK_EQ(telnet_decode(&st, part2, 1), 0, "telnet: WILL");
    CHECK(telnet_decode(&st, part3, 2) == 1 && part3[0] == 'r', "telnet: its option is skipped, r kept");

    snprintf(cfg.file_name, sizeof cfg.file_name, "telnet://:http");
    CHECK_EQ(serial_backend_open(&s, &cfg, 3, err, sizeof err), -1, "network: a port that is not a number");
    CHECK(strstr(err, "serial3.fileName") != NULL, "network: named in the error (%.100s)", err);
    snprintf(cfg.file_name, sizeof cfg.file_name, "tcp://127.0.0.1:%u", port);
    cfg.server = false;
    CHECK_EQ(serial_backend_open(&s, &cfg, 0, err, sizeof err), -1, "network client: nobody listens: refused");
    CHECK(strstr(err, "cannot connect") != NULL, "network client: saying so (%.100s)", err);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_file();
    test_pipe_server();
    test_pipe_client();
    test_telnet();
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    CHECK_DONE();
}
