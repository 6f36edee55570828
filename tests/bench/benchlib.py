# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of Burrow's benchmarks (tests/bench/).

A Bench owns everything one benchmark starts: a temporary directory with its
own HOME, a real OpenSSH sshd on 127.0.0.1 with its own keys and config, a
private D-Bus bus, burrow-broker on it, bench-tool servers, and `ssh -N -L`
clients.  Every process is stopped by its pid when the Bench closes, in the
reverse order of starting; sshd's session children are ended leaf first.
Nothing reads or writes the real ~/.ssh: the broker gets a throwaway HOME, and
the ssh client gets -F /dev/null, -i, UserKnownHostsFile and
GlobalKnownHostsFile explicitly (OpenSSH takes ~ from the password database).
Every wait is bounded.  Connections go to 127.0.0.1 only.
"""

import json
import os
import pwd
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SSHD = "/usr/sbin/sshd"
LOOPBACK = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = 1 << 30


class BenchError(Exception):
    """Something broke: a tunnel did not open, a process died, data was corrupted."""


class SetupError(Exception):
    """The machine lacks something (a tool, a build)."""


def say(*args):
    print(*args, flush=True)


def note(*args):
    print("  ..", *args, file=sys.stderr, flush=True)


# Build products

def build_dir():
    path = Path(os.environ.get("BURROW_BUILD_DIR") or REPO / "build-bench")
    if not path.is_absolute():
        path = REPO / path
    for exe in ("broker/burrow-broker", "broker/ctl/burrowctl"):
        if not os.access(path / exe, os.X_OK):
            raise SetupError(
                f"{path / exe} is missing: run ./dev bench, or "
                f"meson setup {path} -Dbuildtype=release && ninja -C {path} "
                f"(BURROW_BUILD_DIR names another build dir)")
    return path


def bench_tool(build):
    """Compiles tests/bench/bench-tool.c into the build dir when it changed."""
    source = REPO / "tests" / "bench" / "bench-tool.c"
    out = build / "tests" / "bench" / "bench-tool"
    newest = max(source.stat().st_mtime, (source.parent / "bench-stats.h").stat().st_mtime)
    if out.exists() and out.stat().st_mtime >= newest:
        return out
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise SetupError(f"no C compiler ({cc}) to build bench-tool")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    subprocess.run([cc, "-O2", "-Wall", "-Wextra", "-pthread", "-o", str(tmp), str(source)],
                   check=True)
    tmp.rename(out)
    return out


def check_tools():
    for tool, package in ((SSHD, "openssh-server"), ("ssh", "openssh-client"),
                          ("ssh-keygen", "openssh-client"), ("dbus-daemon", "dbus-daemon")):
        if shutil.which(tool) is None:
            raise SetupError(f"{tool} is not installed (package {package})")


# /proc

def cpu_seconds(pid):
    """utime + stime of the whole process (every thread), in seconds."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _parent_of(pid):
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2:].split()[1])


def descendants(pid):
    """The process tree under @pid, leaves first."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            parent = _parent_of(int(name))
            if parent is not None:
                children.setdefault(parent, []).append(int(name))
    order = []

    def walk(p):
        for child in children.get(p, []):
            walk(child)
            order.append(child)

    walk(pid)
    return order


def _gone(pid, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.01)
    return False


# Sockets

def free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0, proc=None):
    """Bounded wait for a listener on 127.0.0.1:port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def ssh_banner(port):
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as s:
            return s.recv(256).startswith(b"SSH-2.0-")
    except OSError:
        return False


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return f"fd limit (ulimit -n) {soft}: enough, left alone"
    new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    if new < wanted:
        raise SetupError(f"ulimit -n is {soft} (hard {hard}); {wanted} needed")
    return f"fd limit (ulimit -n) raised from {soft} to {new} for this run and its children"


def machine():
    """One line about what the figures were measured on."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    ssh = subprocess.run(["ssh", "-V"], stderr=subprocess.PIPE, text=True).stderr.strip()
    return (f"{os.cpu_count()} CPUs, kernel {os.uname().release}, {ssh}, "
            f"load average {load}")


# Statistics

def median(values):
    return statistics.median(values) if values else float("nan")


def fmt(value, digits=1):
    if value is None or value != value:
        return "-"
    return f"{value:.{digits}f}"


def table(headers, rows, aligns=None):
    """A plain-text table; first column left-aligned, the rest right."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(f"{c:{a}{w}}" for c, a, w in zip(row, aligns, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Bench:
    """One benchmark's world.  Use as a context manager."""

    def __init__(self, name, cipher=None, sshd_log_level="DEBUG1", keep=False):
        check_tools()
        self.name = name
        self.cipher = cipher
        self.sshd_log_level = sshd_log_level
        self.keep = keep
        self.build = build_dir()
        self.tool = bench_tool(self.build)
        self.broker_exe = self.build / "broker" / "burrow-broker"
        self.ctl_exe = self.build / "broker" / "ctl" / "burrowctl"
        self.dir = Path(tempfile.mkdtemp(prefix=f"burrow-bench-{name}-"))
        self.home = self.dir / "home"
        for sub in ("config", "data", "cache", "runtime"):
            (self.home / sub).mkdir(parents=True)
        (self.home / "runtime").chmod(0o700)
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.procs = []          # (label, Popen), stopped in reverse order
        self.trees = set()       # pids whose children are stopped first (leaf first)
        self.logs = {}
        self.sshd = None
        self.sshd_port = None
        self.broker = None
        self.bus_address = None

    # lifecycle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        for label, proc in reversed(self.procs):
            self._stop(label, proc)
        self.procs = []
        if self.keep:
            note(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _stop(self, label, proc):
        if proc.poll() is not None:
            return
        if proc is self.sshd or proc.pid in self.trees:
            # Sessions outlive the listener (sshd, an FTP server): end them leaf first.
            for child in descendants(proc.pid):
                try:
                    os.kill(child, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                if not _gone(child, 5):
                    try:
                        os.kill(child, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    _gone(child, 5)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            note(f"{label} (pid {proc.pid}) ignored SIGTERM, killing it")
            proc.kill()
            proc.wait(timeout=10)

    def spawn(self, label, argv, env=None, stdout=subprocess.DEVNULL, log=True, tree=False):
        """Starts @argv; with @tree its children (forked sessions) are stopped first."""
        err = subprocess.DEVNULL
        if log:
            path = self.dir / f"{label}.log"
            self.logs[label] = path
            err = open(path, "ab")
        proc = subprocess.Popen([str(a) for a in argv], env=env, stdout=stdout, stderr=err,
                                stdin=subprocess.DEVNULL)
        if log:
            err.close()
        self.procs.append((label, proc))
        if tree:
            self.trees.add(proc.pid)
        return proc

    def stop(self, proc):
        for i, (label, p) in enumerate(self.procs):
            if p is proc:
                self._stop(label, p)
                del self.procs[i]
                return

    def log_tail(self, label, lines=30):
        try:
            return "\n".join(self.logs[label].read_text(errors="replace").splitlines()[-lines:])
        except (KeyError, OSError):
            return "(no log)"

    def env(self):
        env = dict(os.environ)
        env.pop("SSH_AUTH_SOCK", None)
        env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / "config"),
                   XDG_DATA_HOME=str(self.home / "data"), XDG_CACHE_HOME=str(self.home / "cache"),
                   XDG_RUNTIME_DIR=str(self.home / "runtime"))
        if self.bus_address:
            env["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        return env

    # bench-tool servers and clients

    def serve(self, mode):
        proc = self.spawn(f"serve-{mode}", [self.tool, "serve", mode], stdout=subprocess.PIPE)
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        line = proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise BenchError(f"bench-tool serve {mode} did not start")
        return int(line)

    def run_tool_under(self, prefix, *args, timeout=600, env=None):
        """Runs a bench-tool client under a wrapper (@prefix: burrow-capture, proxychains4…;
        may be empty); its JSON result (ok false on a failure), with the client's standard
        error as "stderr" when it printed any."""
        argv = [str(a) for a in prefix] + [str(self.tool), *map(str, args)]
        try:
            done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, timeout=timeout, check=False, env=env)
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"{argv[0]} {args[0]} timed out after {timeout} s"}
        try:
            result = json.loads(done.stdout)
        except ValueError:
            result = {"ok": False, "error": f"{' '.join(argv[:len(prefix) + 2])} printed "
                                            f"{done.stdout[:200]!r} (exit {done.returncode})"}
        if done.stderr:
            result["stderr"] = done.stderr.decode(errors="replace")
        return result

    def run_tool(self, *args, timeout=600):
        """Runs a bench-tool client; its JSON result (ok false on a failure)."""
        try:
            out = subprocess.run([str(self.tool), *map(str, args)], stdout=subprocess.PIPE,
                                 timeout=timeout, check=False).stdout
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"bench-tool {args[0]} timed out after {timeout} s"}
        try:
            return json.loads(out)
        except ValueError:
            return {"ok": False, "error": f"bench-tool {args[0]} printed {out[:200]!r}"}

    # sshd

    def start_sshd(self):
        self.host_key = self.dir / "ssh_host_ed25519_key"
        self.client_key = self.dir / "client_ed25519"
        for key, comment in ((self.host_key, "burrow-bench-host"),
                             (self.client_key, "burrow-bench-client")):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                            "-f", str(key)], check=True)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        for _attempt in range(5):
            port = free_port()
            config = self.dir / "sshd_config"
            lines = [
                f"ListenAddress {LOOPBACK}", f"Port {port}", f'HostKey "{self.host_key}"',
                f'PidFile "{self.dir / "sshd.pid"}"',
                f'AuthorizedKeysFile "{self.client_key}.pub"',
                "StrictModes no", "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "UsePAM no",
                f"LogLevel {self.sshd_log_level}", "AllowTcpForwarding yes", "GatewayPorts no",
                "PermitUserRC no", "PrintMotd no", "PrintLastLog no", "MaxStartups 100",
            ]
            if self.cipher:
                lines.append(f"Ciphers {self.cipher}")
            config.write_text("\n".join(lines) + "\n")
            self.logs.pop("sshd", None)
            (self.dir / "sshd.log").unlink(missing_ok=True)
            proc = self.spawn("sshd", [SSHD, "-D", "-e", "-f", config])
            end = time.monotonic() + 10
            while time.monotonic() < end and proc.poll() is None:
                pid_file = self.dir / "sshd.pid"
                if (pid_file.exists() and pid_file.read_text().strip() == str(proc.pid)
                        and ssh_banner(port)):
                    self.sshd, self.sshd_port = proc, port
                    host_pub = (self.dir / "ssh_host_ed25519_key.pub").read_text().strip()
                    self.known_hosts = self.dir / "known_hosts"
                    self.known_hosts.write_text(f"[{LOOPBACK}]:{port} {host_pub}\n")
                    return port
                time.sleep(0.05)
            log = self.log_tail("sshd")
            self.stop(proc)
            if "Address already in use" not in log:
                raise BenchError(f"sshd did not start; its log:\n{log}")
        raise BenchError("sshd could not bind a port in 5 attempts")

    def negotiated_ciphers(self):
        """(client software, cipher) for every connection sshd saw, from its DEBUG1 log."""
        result, software = [], None
        for line in self.logs["sshd"].read_text(errors="replace").splitlines():
            if "remote software version" in line:
                software = line.rsplit("remote software version", 1)[1].strip()
            elif "kex: client->server cipher:" in line:
                cipher = line.split("kex: client->server cipher:", 1)[1].split()[0]
                result.append((software, cipher))
        return result

    def check_ciphers(self):
        """Every connection used self.cipher; returns 'software: cipher' lines."""
        seen = self.negotiated_ciphers()
        if self.cipher is None:
            return [f"{s}: {c}" for s, c in seen]
        if not seen:
            raise BenchError("no 'kex: client->server cipher' line in sshd's log (LogLevel DEBUG1?)")
        wrong = [f"{s}: {c}" for s, c in seen if c != self.cipher]
        if wrong:
            raise BenchError(f"connections negotiated another cipher: {wrong}")
        return sorted({f"{s}: {c}" for s, c in seen})

    # the broker on a private bus

    def start_bus(self):
        config = self.dir / "bus.conf"
        config.write_text(
            '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
            ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
            "<busconfig>\n  <type>session</type>\n"
            f"  <listen>unix:dir={self.dir}</listen>\n"
            '  <policy context="default">\n    <allow send_destination="*" eavesdrop="true"/>\n'
            '    <allow eavesdrop="true"/>\n    <allow own="*"/>\n  </policy>\n</busconfig>\n')
        proc = self.spawn("dbus-daemon", ["dbus-daemon", f"--config-file={config}", "--nofork",
                                          "--print-address=1"], stdout=subprocess.PIPE)
        ready, _, _ = select.select([proc.stdout], [], [], 10)
        line = proc.stdout.readline().decode().strip() if ready else ""
        if not line:
            raise BenchError("dbus-daemon did not print its address")
        self.bus_address = line
        return line

    def profile_xml(self, idle_timeout=3600, rules=()):
        """The user config: the "bench" profile, and a <filter-engine> with @rules (each
        a <rule …/> element) when there are any."""
        filters = ""
        if rules:
            filters = ("  <filter-engine>\n"
                       + "".join(f"    {rule}\n" for rule in rules) + "  </filter-engine>\n")
        return (
            "<secsh-broker>\n  <general>\n"
            '    <host-key-policy policy="strict"/>\n'
            f'    <known-hosts path="{self.known_hosts}"/>\n'
            "  </general>\n  <profiles>\n"
            f'    <profile id="bench" host="{LOOPBACK}" port="{self.sshd_port}" user="{self.user}">\n'
            f'      <identity-file path="{self.client_key}"/>\n'
            '      <keepalive-interval time="0"/>\n'
            f'      <idle-timeout time="{idle_timeout}"/>\n'
            "    </profile>\n  </profiles>\n" + filters + "</secsh-broker>\n")

    def start_broker(self, rules=()):
        """burrow-broker on the private bus, the "bench" profile connected; @rules as in
        profile_xml() (capture's filter rules)."""
        user_config = self.dir / "user-config.xml"
        user_config.write_text(self.profile_xml(rules=rules))
        env = self.env()
        env["BURROW_USER_CONFIG"] = str(user_config)
        env["BURROW_GLOBAL_CONFIG"] = str(self.dir / "no-global-config.xml")
        env["G_MESSAGES_DEBUG"] = ""
        self.broker = self.spawn("broker", [self.broker_exe], env=env)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            if self.broker.poll() is not None:
                raise BenchError(f"burrow-broker exited; its log:\n{self.log_tail('broker')}")
            if self.ctl("status", check=False).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise BenchError("burrow-broker did not answer `burrowctl status` in 10 s")
        self.ctl("connect", "bench", "--timeout", "10")
        return self.broker.pid

    def ctl(self, *args, check=True, timeout=30):
        result = subprocess.run([str(self.ctl_exe), *map(str, args)], env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise BenchError(f"burrowctl {' '.join(map(str, args))} failed ({result.returncode}):"
                             f"\n{result.stdout}{result.stderr}\nbroker log:\n"
                             f"{self.log_tail('broker')}")
        return result

    def burrow_forward(self, target_port, kind=None):
        """A Burrow local tunnel 127.0.0.1:P → 127.0.0.1:target over the profile's session
        (@kind "ftp": an FTP tunnel, which follows PASV/EPSV with data forwards)."""
        port = free_port()
        spec = f"{port}:{LOOPBACK}:{target_port}"
        self.ctl("forward", "--detach", "-L", f"{kind}/{spec}" if kind else spec, "bench")
        if not wait_port(port, proc=self.broker):
            raise BenchError(f"the Burrow tunnel on port {port} does not accept connections")
        return port

    # the OpenSSH client

    def ssh_argv(self, *extra):
        return ["ssh", "-F", "/dev/null", "-i", self.client_key, "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "ExitOnForwardFailure=yes",
                "-p", str(self.sshd_port), *extra, f"{self.user}@{LOOPBACK}"]

    def start_ssh(self, target_ports):
        """One `ssh -N -L` with a forward to each target; {target: local port}."""
        forwards, args = {}, []
        for target in target_ports:
            forwards[target] = free_port()
            args += ["-L", f"{forwards[target]}:{LOOPBACK}:{target}"]
        proc = self.spawn("ssh", self.ssh_argv("-N", *args), env=self.env())
        for port in forwards.values():
            if not wait_port(port, proc=proc):
                raise BenchError(f"ssh -N -L did not open port {port}; its log:\n"
                                 f"{self.log_tail('ssh')}")
        self.ssh = proc
        return forwards


def main_wrapper(run):
    """Exit 0 after measuring (whatever the figures), 1 when something broke, 2 on setup."""
    def on_term(_signum, _frame):
        raise KeyboardInterrupt

    # SIGTERM unwinds like Ctrl+C, so every process is still stopped by its pid.
    signal.signal(signal.SIGTERM, on_term)
    try:
        sys.exit(run())
    except SetupError as error:
        print(f"bench: cannot run: {error}", file=sys.stderr)
        sys.exit(2)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
