#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo (demo/burrow-demo, what `./dev demo` runs) as a test, with TAP.

1. A whole run: exit 0, and its output shows the real results: the page
   fetched by name is the one the web server serves (this run's token in
   it), both FTP downloads have the served file's checksum, the FTP
   server saw other data ports than curl was told (the tunnel rewrote
   them), the BLOCK rule refused a connect with EACCES and burrowctl lists
   it under rule 2.
2. Interrupted (SIGINT once step 2 has begun): exit 130, everything stopped.
3. A step that fails (a build directory whose burrow-broker exits at
   once): exit 1, the failure named, everything stopped.

After each: the work directory is gone and no process carries it in its
command line or environment.  Skips when the demo says something it needs
is missing (exit 2), e.g. unprivileged user namespaces.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SOURCE_ROOT = os.environ.get("BURROW_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_ROOT = os.environ.get("BURROW_BUILD_ROOT", os.path.join(SOURCE_ROOT, "build"))
DEMO = os.path.join(SOURCE_ROOT, "demo", "burrow-demo")
RUN_TIMEOUT_S = 150
STOP_TIMEOUT_S = 60

results = []


def tap(ok, name, detail=""):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} {name}", flush=True)
    if detail and not ok:
        for line in detail.rstrip("\n").splitlines():
            print(f"# {line}", flush=True)


def skip_all(reason):
    print("1..0 # SKIP " + reason.replace("\n", " "), flush=True)
    sys.exit(0)


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


class Demo:
    """The demo running with its output read line by line (bounded)."""

    def __init__(self, build_root=BUILD_ROOT):
        env = dict(os.environ, NO_COLOR="1")
        self.process = subprocess.Popen(
            [DEMO, "--no-pause", "--build-dir", build_root],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, text=True, errors="replace")
        self.lines = []
        self.seen = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self.seen:
                self.lines.append(line.rstrip("\n"))
                self.seen.notify_all()

    def wait_for_line(self, needle, timeout):
        deadline = time.monotonic() + timeout
        with self.seen:
            while not any(needle in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    return any(needle in line for line in self.lines)
                self.seen.wait(min(left, 0.5))
        return True

    def finish(self, timeout):
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            status = None
        self.reader.join(10)
        return status

    @property
    def text(self):
        return "\n".join(self.lines) + "\n"

    def work_dir(self):
        match = re.search(r"^Work directory: (\S+)$", self.text, re.M)
        return match.group(1) if match else None


def processes_mentioning(needle):
    """Pids of processes whose command line or environment holds needle."""
    found = []
    data = needle.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for name in ("cmdline", "environ"):
            try:
                with open(f"/proc/{entry}/{name}", "rb") as f:
                    if data in f.read():
                        found.append(int(entry))
                        break
            except OSError:
                pass
    return found


def check_nothing_left(demo):
    work = demo.work_dir()
    expect(work is not None, "the demo did not name its work directory")
    expect(not os.path.exists(work), f"{work} is still there")
    left = processes_mentioning(work)
    expect(not left, f"processes left running from {work}: {left}")


def lines_after(text, command):
    """The output lines of the first command shown as "$ COMMAND"."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == "$ " + command:
            out = []
            for following in lines[i + 1:]:
                if not following.startswith("    "):
                    break
                out.append(following[4:])
            return out
    raise Failure(f"the demo did not show `{command}`")


def check_page(text):
    match = re.search(r"^The page the web server serves: (.*Run ([0-9a-f]{12})\.)$", text, re.M)
    expect(match is not None, "the demo did not say which page the web server serves")
    body = match.group(1)
    fetched = lines_after(text, "cat hello.txt")
    expect(fetched == [body], f"fetched page {fetched!r}, served {body!r}")
    getent = lines_after(text, "burrow-capture getent hosts intranet.lan.test")
    expect(len(getent) == 1 and re.match(r"(198\.1[89]\.|fd62:7572:726f:7700:)", getent[0]),
           f"getent under capture gave {getent!r}, not a synthetic address")
    expect(re.search(r"target intranet\.lan\.test port 80$", text, re.M),
           "the gateway's sshd log shows no channel to intranet.lan.test:80")


def check_ftp(text):
    match = re.search(r"serves burrow-demo\.bin \(\d+ KiB, sha256 ([0-9a-f]{64})\)", text)
    expect(match is not None, "the demo did not give the served file's checksum")
    served = match.group(1)
    for mode in ("passive", "active"):
        shown = lines_after(text, f"sha256sum {mode}.bin")
        expect(shown == [f"{served}  {mode}.bin"], f"{mode}: sha256sum said {shown!r}, served {served}")
    told = re.search(r"^    < 227 Entering Passive Mode \(127,0,0,1,(\d+,\d+)\)", text, re.M)
    saw = re.search(r"^    -> 227 Entering passive mode \(127,0,0,1,(\d+,\d+)\)", text, re.M)
    expect(told and saw, "no 227 reply on both sides of the tunnel")
    expect(told.group(1) != saw.group(1), "curl was told the server's own passive port")
    sent = re.search(r"^    > PORT 127,0,0,1,(\d+,\d+)$", text, re.M)
    got = re.search(r"^    <- PORT 127,0,0,1,(\d+,\d+)$", text, re.M)
    expect(sent and got, "no PORT command on both sides of the tunnel")
    expect(sent.group(1) != got.group(1), "the server got curl's own PORT")


def check_block(text):
    expect(re.search(r"^    rule 2 \(.*\): matches, action BLOCK$", text, re.M),
           "burrowctl rules test did not pick rule 2")
    expect(re.search(r"^    burrow-capture\[\d+\]: connect failed: Permission denied$", text, re.M),
           "the blocked connect did not fail with EACCES")
    expect(re.search(r"^    curl: \(7\) Failed to connect to 198\.51\.100\.2 port 80", text, re.M),
           "curl did not fail to connect to 198.51.100.2")
    expect(re.search(r"^    \d+ +failed +BLOCK +\d+ +2 +- .*→ 198\.51\.100\.2:80$", text, re.M),
           "burrowctl connections does not list the BLOCK by rule 2")


def run_case(name, body):
    try:
        body()
        tap(True, name)
    except Failure as failure:
        tap(False, name, str(failure))


def test_whole_run():
    demo = Demo()
    status = demo.finish(RUN_TIMEOUT_S)
    if status == 2:
        skip_all("the demo cannot run here: " + demo.text.strip())

    def finished():
        expect(status == 0, f"exit status {status}; output:\n{demo.text}")
        expect(demo.lines and demo.lines[-1] == "Demo finished: every step worked.",
               "no closing line")
    run_case("whole run: exit 0", finished)
    run_case("whole run: the page fetched by name is the one served", lambda: check_page(demo.text))
    run_case("whole run: FTP passive and active, the served checksum, ports rewritten",
             lambda: check_ftp(demo.text))
    run_case("whole run: the BLOCK rule refused the connect", lambda: check_block(demo.text))
    run_case("whole run: nothing left behind", lambda: check_nothing_left(demo))


def test_interrupted():
    demo = Demo()

    def interrupted():
        expect(demo.wait_for_line("Step 2 of 4", RUN_TIMEOUT_S),
               f"step 2 never began; output:\n{demo.text}")
        demo.process.send_signal(signal.SIGINT)
        status = demo.finish(STOP_TIMEOUT_S)
        expect(status == 130, f"exit status {status} after SIGINT; output:\n{demo.text}")
        expect("Interrupted (SIGINT): stopping everything." in demo.lines, "no interruption notice")
        expect("  no process of the demo is left running" in demo.lines,
               f"the demo did not confirm its processes ended; output:\n{demo.text}")
        check_nothing_left(demo)
    run_case("interrupted in step 2: exit 130, nothing left behind", interrupted)


def test_failed_step():
    """A build directory whose broker exits at once: the set-up fails."""
    fake = tempfile.mkdtemp(prefix="burrow-demo-test-")
    try:
        for sub in ("broker/ctl", "broker/capture"):
            os.makedirs(os.path.join(fake, sub))
        for path in ("broker/ctl/burrowctl", "broker/capture/burrow-capture",
                     "broker/capture/libburrow-capture.so"):
            os.symlink(os.path.join(BUILD_ROOT, path), os.path.join(fake, path))
        broker = os.path.join(fake, "broker", "burrow-broker")
        with open(broker, "w") as f:
            f.write("#!/bin/sh\necho 'stand-in broker: refusing to start' >&2\nexit 1\n")
        os.chmod(broker, 0o755)

        demo = Demo(fake)

        def failed():
            status = demo.finish(RUN_TIMEOUT_S)
            expect(status == 1, f"exit status {status}; output:\n{demo.text}")
            expect(re.search(r"^\[FAILED\] Setting up.*: burrow-broker: it exited during start-up$",
                             demo.text, re.M), f"the failure is not named; output:\n{demo.text}")
            expect("  stand-in broker: refusing to start" in demo.lines, "the broker's log is not shown")
            expect(demo.lines[-1].startswith("The demo stopped:"), "no closing line")
            check_nothing_left(demo)
        run_case("a failed step: exit 1, named, nothing left behind", failed)
    finally:
        shutil.rmtree(fake, ignore_errors=True)


def main():
    test_whole_run()
    test_interrupted()
    test_failed_step()
    print(f"1..{len(results)}", flush=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
