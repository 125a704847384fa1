#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Drive a QEMU guest's serial console from a list of steps.

    serial_driver.py --dir DIR --steps FILE [--timeout S] -- qemu-system-x86_64 ARGS...

Starts QEMU with its first serial port on a Unix socket (added to ARGS; QEMU
waits for the driver to connect before the guest starts, so nothing is lost),
logs everything the guest prints to DIR/console.log and runs the steps, one a
line (blank lines and #-comments skipped):

  wait LABEL TIMEOUT REGEX     wait for REGEX in the output (Python syntax,
                               multi-line mode, searched from where the last
                               step stopped; output arrives piecemeal, so end
                               it with \n to wait for the whole line)
  cmd LABEL TIMEOUT COMMAND    type COMMAND into the guest's shell (one line,
                               run as `{ COMMAND ; } </dev/null`, so it must
                               not end in & or ;) and wait until it finishes
  send TEXT                    type TEXT and a newline, wait for nothing
  host LABEL TIMEOUT COMMAND   run COMMAND on the host (bash -c, in the
                               driver's environment) while the console keeps
                               being logged; its exit status and output
                               (stdout and stderr) are the step's result
  exit LABEL TIMEOUT           wait for QEMU to exit (after poweroff)

Results, for the test script to judge: DIR/LABEL.rc (0 = matched or the
command's exit status; 124 = timed out; 125 = skipped because an earlier
`wait` failed), DIR/LABEL.out (the matching line, or the command's output)
and DIR/LABEL.time (seconds since QEMU started).  A one-line summary per step
goes to stdout.  QEMU is killed at the end if it is still running, or when
the overall --timeout expires.

A command's output is framed by two echo lines whose text differs from what
is typed ("__SK""ERRY_..." echoes as "__SKERRY_..."), so the terminal's echo
of the typed line never matches.  Kernel messages that land in the middle of
the output stay in it; escape sequences and carriage returns are dropped.
"""
import argparse
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

ESCAPES = re.compile(rb"\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78DEHM])|\r")


class Console:
    def __init__(self, sock, log, deadline):
        self.sock = sock
        self.log = log
        self.deadline = deadline
        self.text = ""          # everything so far, cleaned
        self.pos = 0            # where the next search starts
        self.eof = False
        self.pending = b""      # an escape sequence cut off by recv()

    def _pump(self, until):
        """Read what arrives until `until` (absolute time); False at EOF."""
        timeout = max(0.0, min(until, self.deadline) - time.monotonic())
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return True
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return False
        self.log.write(data)
        self.log.flush()
        data = self.pending + data
        self.pending = b""
        esc = data.rfind(b"\x1b")
        if esc >= 0 and len(data) - esc < 16 and not ESCAPES.match(data, esc):
            data, self.pending = data[:esc], data[esc:]
        self.text += ESCAPES.sub(b"", data).decode("utf-8", "replace")
        return True

    def line_of(self, m):
        """The line holding match m, as far as it has arrived."""
        bol = self.text.rfind("\n", 0, m.start()) + 1
        eol = self.text.find("\n", m.end())
        return self.text[bol:eol if eol >= 0 else len(self.text)]

    def expect(self, regex, timeout):
        """Search for regex from self.pos; the match object, or None."""
        pat = re.compile(regex, re.M)
        until = time.monotonic() + timeout
        while True:
            m = pat.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            if self.eof or time.monotonic() >= min(until, self.deadline):
                return None
            self._pump(until)

    def send(self, text):
        self.sock.sendall(text.encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--steps", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = args.qemu[1:] if args.qemu[:1] == ["--"] else args.qemu
    if not qemu:
        ap.error("no QEMU command given")
    os.makedirs(args.dir, exist_ok=True)

    steps = []
    with open(args.steps) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, _, rest = line.partition(" ")
            if kind == "send":
                steps.append((kind, None, 0, rest))
            elif kind in ("wait", "cmd", "exit", "host"):
                parts = rest.split(None, 2)
                if len(parts) < 2 or (kind != "exit" and len(parts) < 3):
                    sys.exit(f"serial_driver.py: bad step: {line}")
                steps.append((kind, parts[0], float(parts[1]), parts[2] if len(parts) > 2 else ""))
            else:
                sys.exit(f"serial_driver.py: unknown step: {line}")

    tmp = tempfile.mkdtemp(prefix="skerry-serial-")
    path = os.path.join(tmp, "console.sock")
    # Right after the binary, so that it is COM1 even when ARGS add more ports.
    qemu[1:1] = ["-chardev", f"socket,id=skerrycon,path={path},server=on,wait=on",
                 "-serial", "chardev:skerrycon"]
    start = time.monotonic()
    deadline = start + args.timeout
    with open(os.path.join(args.dir, "qemu.out"), "wb") as qout:
        proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=qout, stderr=qout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            sock.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if proc.poll() is not None or time.monotonic() > start + 30:
                sys.exit(f"serial_driver.py: QEMU did not open its serial socket "
                         f"(see {args.dir}/qemu.out)")
            time.sleep(0.05)

    def result(label, rc, out, t0):
        for ext, val in (("rc", str(rc)), ("out", out), ("time", f"{t0:.2f}")):
            with open(os.path.join(args.dir, f"{label}.{ext}"), "w") as f:
                f.write(val + ("\n" if val and not val.endswith("\n") else ""))
        state = {0: "ok", 124: "TIMEOUT", 125: "skipped"}.get(rc, f"rc={rc}")
        print(f"{label}: {state} at {t0:.1f}s")

    with open(os.path.join(args.dir, "console.log"), "wb") as log:
        con = Console(sock, log, deadline)
        broken = False
        for n, (kind, label, timeout, arg) in enumerate(steps):
            if kind == "send":
                if not broken:
                    con.send(arg + "\n")
                continue
            if broken:
                result(label, 125, "", time.monotonic() - start)
                continue
            if kind == "wait":
                m = con.expect(arg, timeout)
                line = con.line_of(m) if m else ""
                result(label, 0 if m else 124, line, time.monotonic() - start)
                broken = m is None
            elif kind == "cmd":
                tag = f"{n}_{label}"
                con.send(f'echo "__SK""ERRY_BEGIN_{tag}"; {{ {arg} ; }} </dev/null; '
                         f'echo "__SK""ERRY_END_{tag} $?"\n')
                b = con.expect(rf"^__SKERRY_BEGIN_{tag}\n", timeout)
                e = b and con.expect(rf"^__SKERRY_END_{tag} (\d+)$", timeout)
                if e:
                    out = con.text[b.end():e.start()]
                    result(label, int(e.group(1)), out, time.monotonic() - start)
                else:
                    con.send("\x03\n")  # interrupt it, carry on with the next step
                    result(label, 124, con.text[b.end():] if b else "", time.monotonic() - start)
            elif kind == "host":
                t0 = time.monotonic()
                with tempfile.TemporaryFile() as out:
                    h = subprocess.Popen(["bash", "-c", arg], stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT)
                    until = t0 + timeout
                    while h.poll() is None and time.monotonic() < min(until, deadline):
                        if con.eof:
                            time.sleep(0.1)
                        else:
                            con._pump(min(time.monotonic() + 0.1, until))
                    if h.poll() is None:
                        h.kill()
                        h.wait()
                        rc = 124
                    else:
                        rc = h.returncode
                    out.seek(0)
                    text = out.read().decode("utf-8", "replace")
                result(label, rc, text, time.monotonic() - start)
            elif kind == "exit":
                until = time.monotonic() + timeout
                while proc.poll() is None and time.monotonic() < min(until, deadline):
                    if not con._pump(time.monotonic() + 0.1):
                        try:
                            proc.wait(max(0.0, min(until, deadline) - time.monotonic()))
                        except subprocess.TimeoutExpired:
                            pass
                result(label, 0 if proc.poll() is not None else 124, "",
                       time.monotonic() - start)
        # Whatever arrives in the next moment still belongs in the log.
        end = min(time.monotonic() + 0.5, deadline)
        while not con.eof and time.monotonic() < end:
            con._pump(end)
    if proc.poll() is not None:
        # Ended by itself: say how (a signal is a QEMU crash).
        rc = proc.returncode
        print(f"qemu: {'killed by signal ' + str(-rc) if rc < 0 else 'exit status ' + str(rc)} "
              f"at {time.monotonic() - start:.1f}s")
    else:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    sock.close()
    try:
        os.unlink(path)
        os.rmdir(tmp)
    except OSError:
        pass


if __name__ == "__main__":
    main()
