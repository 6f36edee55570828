# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared harness of Burrow's end-to-end GUI tests.

A scenario test (tests/gui/test-*.py, run with /usr/bin/python3 by meson,
suite gui, under xvfb-run and dbus-run-session) drives the real `burrow`
window over AT-SPI against a real broker and real OpenSSH sshds:

    import burrowgui as bg

    def step_profile_listed(w):
        names = [p['id'] for p in w.list_profiles()]
        return 'one' in names, f'profiles: {names}'

    STEPS = [('the window appears', step_window, bg.REQUIRED),
             ('the profile is listed', step_profile_listed, None)]

    def setup(w):
        w.start(servers=['--key'])
        w.write_config(bg.config_xml(profiles=[bg.profile_xml(w.servers[0], 'one')]))
        w.start_app()

    sys.exit(bg.run_test(STEPS, setup))

World owns a throwaway HOME and XDG directories, a file-backed libsecret
keyring, its own dbus-daemon (the broker and the app are D-Bus-activated
from the build tree; org.a11y.Bus from the system), the AT-SPI bus found on
it, the SSH servers (burrow-gui-world) and the app; close() stops each of
them by its pid.  Every wait is bounded in time and attempts.  One World per
process: libatspi is initialised once, for the World's accessibility bus.
"""

import ctypes
import json
import os
import select
import shlex
import socket
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from xml.sax.saxutils import quoteattr

import gi

gi.require_version('Atspi', '2.0')
gi.require_version('Gio', '2.0')
from gi.repository import Atspi, Gio, GLib  # noqa: E402

POLL_INTERVAL = 0.1
DISPLAY_ATTEMPTS = 30      # at POLL_INTERVAL: ample for an Xvfb reset
BUS_START_SECONDS = 10
A11Y_BUS_SECONDS = 10      # org.a11y.Bus activation: at-spi-bus-launcher + its bus
SERVERS_START_SECONDS = 60  # each sshd is bounded by ~10 s; keys are made first
SERVER_COMMAND_SECONDS = 30
APP_START_SECONDS = 15     # whole budget for burrow to start and lay out
EXIT_SECONDS = 5           # how long a process gets to exit on SIGTERM
CALL_SECONDS = 10          # one D-Bus call
CTL_SECONDS = 30           # one burrowctl run
MAX_TREE_DEPTH = 40        # the window tree is ~25 deep today
MAX_TREE_NODES = 5000      # ~250 today; a bound, not a budget
MAX_PROCESSES = 200        # bound on a process tree walk
MIN_SCREENSHOT_COLOURS = 10
FOCUS_SECONDS = 1          # a click's focus change, where GTK reports it

APP_ID = 'io.github.burrow.Burrow'
BROKER_NAME = 'io.github.burrow.Burrow.Broker'
BROKER_PATH = '/io/github/burrow/Burrow/Broker'
BROKER_IFACE = 'io.github.burrow.Burrow.Broker1'
OBJECTS_PATH = '/io/github/burrow/Burrow'
SESSION_IFACE = 'io.github.burrow.Burrow.Session1'
A11Y_NAME = 'org.a11y.Bus'
KEYRING_PASSWORD = 'burrow gui test keyring'

REQUIRED = 'required'


class Skip(Exception):
    """The environment lacks something (display, dbus-daemon, sshd): the
    test is skipped, not failed."""


class HarnessError(Exception):
    """The harness could not set the world up: the test bails out."""


# ---------------------------------------------------------------- TAP output

class Tap:
    """Numbered TAP results with a fixed plan: steps that never ran (an
    earlier required step failed) are still reported, as failures."""

    def __init__(self, names):
        self.names = list(names)
        self.done = 0
        self.failed = 0
        print(f'1..{len(self.names)}', flush=True)

    def result(self, passed, diagnostic=None):
        name = self.names[self.done]
        self.done += 1
        if not passed:
            self.failed += 1
        print(f'{"ok" if passed else "not ok"} {self.done} - {name}', flush=True)
        if diagnostic:
            diag(diagnostic)

    def finish(self, reason):
        for _ in range(self.done, len(self.names)):
            self.result(False, reason)


def diag(text):
    for line in str(text).splitlines():
        print(f'# {line}', flush=True)


def skip_all(reason):
    print(f'1..0 # SKIP {reason}', flush=True)
    sys.exit(0)


def run_steps(tap, steps, context):
    """Runs steps, (name, function(context) -> (passed, detail), kind),
    in order; after a failed REQUIRED step the rest are reported as not
    run.  An exception in a step is that step's failure."""
    for _, step, kind in steps:
        try:
            passed, detail = step(context)
        except GLib.Error as error:
            passed, detail = False, f'GLib error: {error.message}'
        except Exception as error:  # a bug here still reports as a failure
            passed, detail = False, f'{type(error).__name__}: {error}'
        tap.result(passed, detail)
        if not passed and kind == REQUIRED:
            tap.finish('not run: an earlier required step failed')
            return


def run_test(steps, setup, name='gui'):
    """The whole of a scenario test's main(): a World set up by setup(world)
    (which calls world.start() first), the steps run as TAP against what
    setup returned (the World if None), everything stopped at the end, also
    on SIGTERM (meson's timeout).  Returns the exit status."""
    relax_own_fatal_warnings()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    world = None
    try:
        try:
            world = World(name)
            context = setup(world) or world
        except Skip as reason:
            skip_all(reason)
        except HarnessError as error:
            print(f'Bail out! {error}', flush=True)
            return 1
        tap = Tap(step_name for step_name, _, _ in steps)
        try:
            run_steps(tap, steps, context)
        except KeyboardInterrupt as why:
            tap.finish(f'not run: interrupted ({why})')
        return 1 if tap.failed else 0
    finally:
        if world is not None:
            world.close()


# ------------------------------------------------------------ bounded waiting

def poll(predicate, seconds):
    """Calls predicate until it returns something truthy or the time is up;
    returns its last value.  Bounded both in time and in attempts."""
    end = time.monotonic() + seconds
    value = None
    for _ in range(int(seconds / POLL_INTERVAL) + 1):
        value = predicate()
        if value or time.monotonic() >= end:
            break
        time.sleep(POLL_INTERVAL)
    return value


wait_for = poll


# ------------------------------------------------- this process, its children

def relax_own_fatal_warnings():
    # G_DEBUG=fatal-warnings is meant for burrow and the broker, which keep
    # it.  In this process libatspi warns whenever GTK 4.8 lacks the cache
    # object it asks a newly registered application for: a toolkit
    # diagnostic that must not abort the test (and orphan burrow) at random.
    GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_ERROR)


def raise_on_sigterm(signum, frame):
    # meson sends SIGTERM on timeout: turn it into an exception so the
    # finally blocks still stop every process.
    raise KeyboardInterrupt(f'signal {signum}')


def become_subreaper():
    """dbus-daemon does not stay the parent of what it activates (the
    broker, the app, at-spi-bus-launcher): they are orphaned at once.  As
    a subreaper this process inherits them instead of pid 1, so they stay
    in its tree, to be found and stopped, and it can reap them (pid 1 in a
    container may never do so)."""
    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)


def reap_orphans(keep=()):
    """Reaps the exited processes this subreaper inherited; keep: pids of
    children a Popen reaps itself."""
    for pid in descendants(os.getpid()):
        fields = _stat_fields(pid)
        if fields and fields[0] == 'Z' and fields[1] == os.getpid() and pid not in keep:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def die_with_parent():
    # If the test is killed outright, the kernel ends its children too.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


_held_display = None


def hold_display():
    """Opens a connection to the X display and keeps it for the life of the
    process: Xvfb (as xvfb-run starts it, without -noreset) resets whenever
    its last client leaves, and a client connecting during a reset is
    refused.  Without this hold, the app fails with "cannot open display"
    now and then.  Returns None, or why the display is unusable."""
    global _held_display
    if _held_display:
        return None
    if not os.environ.get('DISPLAY'):
        return 'no display'
    try:
        xlib = ctypes.CDLL('libX11.so.6')
    except OSError as error:
        return f'no libX11: {error}'
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    # Another client leaving may have started a reset just now: retry.
    for _ in range(DISPLAY_ATTEMPTS):
        _held_display = xlib.XOpenDisplay(None)
        if _held_display:
            return None
        time.sleep(POLL_INTERVAL)
    return f'cannot open X display {os.environ.get("DISPLAY")}'


def _stat_fields(pid):
    """(state, ppid) from /proc/PID/stat, or None once it is gone. COMM, in
    parentheses, may itself hold ')' and spaces."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rfind(')') + 2:].split()
    return fields[0], int(fields[1])


def pid_gone(pid):
    """Gone, or a zombie: it has exited, only its parent has yet to reap it."""
    fields = _stat_fields(pid)
    return fields is None or fields[0] in ('Z', 'X')


def descendants(pid):
    """pid's descendants now, parents before children; bounded."""
    children = {}
    for entry in os.listdir('/proc')[:100000]:
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields:
                children.setdefault(fields[1], []).append(int(entry))
    found, queue = [], [pid]
    while queue and len(found) < MAX_PROCESSES:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


def stop_pid(pid, label):
    """SIGTERM to pid, a bounded wait until it is gone, SIGKILL if not.
    For processes that are not our children (D-Bus-activated ones)."""
    if not pid or pid_gone(pid):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if poll(lambda: pid_gone(pid), EXIT_SECONDS):
            return
        diag(f'{label} (pid {pid}) ignored signal {sig.name}')


def stop_process(proc, label):
    """The same for our own child (a Popen), which is also reaped."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=EXIT_SECONDS)
        return
    except subprocess.TimeoutExpired:
        diag(f'{label} (pid {proc.pid}) ignored SIGTERM for {EXIT_SECONDS} s; killing it')
    proc.kill()
    try:
        proc.wait(timeout=EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        diag(f'{label} (pid {proc.pid}) survived SIGKILL')


class LineReader:
    """Lines from a pipe, each read within a time bound (no readline() that
    could block forever on a child that hangs)."""

    def __init__(self, fd):
        self.fd = fd
        self.buffer = b''

    def read_line(self, seconds):
        end = time.monotonic() + seconds
        while b'\n' not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        return line.decode()


def build_paths():
    """(build root, this directory in the build tree) from meson's test env."""
    build_root = os.environ.get('BURROW_BUILD_ROOT')
    if not build_root:
        raise HarnessError('BURROW_BUILD_ROOT is not set (run through meson test)')
    out_dir = os.path.join(os.environ.get('G_TEST_BUILDDIR',
                                          os.path.join(build_root, 'tests')), 'gui')
    os.makedirs(out_dir, exist_ok=True)
    return build_root, out_dir


# -------------------------------------------------------- broker configuration

def _yes_no(value):
    return 'YES' if value else 'NO'


def _attributes(attrs):
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = _yes_no(value)
        out.append(f'{key.replace("_", "-")}={quoteattr(str(value))}')
    return ' '.join(out)


def profile_xml(server, profile_id, name=None, methods=('publickey',),
                identity_files=None, extra='', **attrs):
    """A <profile> for one of World.servers: host, port and user from it,
    its client key as identity file unless identity_files says otherwise
    (an empty list: none).  extra is inserted inside the element (tunnels,
    keepalive-interval…); attrs become attributes (connect_on_startup=False
    gives connect-on-startup="NO")."""
    identity_files = [server.client_key] if identity_files is None else identity_files
    head = _attributes(dict(id=profile_id, name=name, host=server.host,
                            port=server.port, user=server.user, **attrs))
    lines = [f'    <profile {head}>']
    if methods:
        lines.append('      <authentication-methods>'
                     + ''.join(f'<auth-method name={quoteattr(m)}/>' for m in methods)
                     + '</authentication-methods>')
    lines += [f'      <identity-file path={quoteattr(path)}/>' for path in identity_files]
    if extra:
        lines.append(extra)
    lines.append('    </profile>')
    return '\n'.join(lines) + '\n'


def rule_xml(**attrs):
    """A filter <rule>: rule_xml(host='.*', ports='23', action='TUNNEL',
    profile='one', hostname_from_app=False)."""
    return f'    <rule {_attributes(attrs)}/>\n'


def config_xml(profiles=(), rules=(), host_key_policy='ask', known_hosts=(),
               capture_at_startup=None):
    """A whole user configuration.  Without known_hosts the broker keeps its
    default, ~/.ssh/known_hosts of the World's HOME: unknown to begin with,
    and where "save" puts a key.  Pass a server's known_hosts to have its
    key trusted already (then that file is where saves go)."""
    general = [f'    <host-key-policy policy={quoteattr(host_key_policy)}/>']
    general += [f'    <known-hosts path={quoteattr(path)}/>' for path in known_hosts]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<secsh-broker>\n',
             '  <general>\n', '\n'.join(general), '\n  </general>\n',
             '  <profiles>\n', ''.join(profiles), '  </profiles>\n']
    if capture_at_startup is not None:
        parts.append(f'  <connection-capture enable-at-startup='
                     f'"{_yes_no(capture_at_startup)}"/>\n')
    if rules:
        parts += ['  <filter-engine>\n', ''.join(rules), '  </filter-engine>\n']
    parts.append('</secsh-broker>\n')
    return ''.join(parts)


# ------------------------------------------------------------------- World

class World:
    """Everything one scenario runs against.  start() first; close() (or
    run_test) at the end stops all of it, each process by its pid."""

    def __init__(self, name='gui'):
        self.build_root, self.out_dir = build_paths()
        self.screenshot_dir = os.path.join(self.out_dir, 'screenshots')
        self.dir = tempfile.mkdtemp(prefix=f'burrow-{name}-')
        self.home = os.path.join(self.dir, 'home')
        self.xdg = {var: os.path.join(self.home, sub) for var, sub in (
            ('XDG_CONFIG_HOME', 'config'), ('XDG_DATA_HOME', 'data'),
            ('XDG_CACHE_HOME', 'cache'), ('XDG_STATE_HOME', 'state'),
            ('XDG_RUNTIME_DIR', 'runtime'))}
        for path in self.xdg.values():
            os.makedirs(path, mode=0o700)
        self.config_path = os.path.join(self.xdg['XDG_CONFIG_HOME'], 'burrow',
                                        'broker-config.xml')
        self.keyring_path = os.path.join(self.dir, 'keyring')
        self.services_dir = os.path.join(self.dir, 'services')
        self.app_exe = os.path.join(self.build_root, 'app', 'burrow')
        self.broker_exe = os.path.join(self.build_root, 'broker', 'burrow-broker')
        self.ctl_exe = os.path.join(self.build_root, 'broker', 'ctl', 'burrowctl')
        self.world_exe = os.path.join(self.out_dir, 'burrow-gui-world')
        # What meson's test env asks of the programs under test; the bus and
        # the AT-SPI services it activates run without it (see _service_env).
        self.g_debug = os.environ.get('G_DEBUG', '')
        self.bus_proc = None
        self.bus_address = None
        self.bus = None
        self.a11y_address = None
        self.world_proc = None
        self.world_reader = None
        self.servers = []
        self.app_proc = None
        self.started = False

    # ------------------------------------------------------------ set-up

    def env(self):
        """The environment of everything the World runs (app, burrowctl):
        the throwaway HOME and XDG dirs, the file keyring, the build tree's
        schemas, the World's buses."""
        env = dict(os.environ)
        # meson's test env disables the bridge for the C tests; here it is
        # the whole point.  GTK_A11Y=none would do the same.
        for var in ('NO_AT_BRIDGE', 'GTK_A11Y', 'SSH_AUTH_SOCK', 'BURROW_USER_CONFIG',
                    'SESSION_MANAGER', 'WAYLAND_DISPLAY'):
            env.pop(var, None)
        env.update(self.xdg)
        env.update(
            HOME=self.home,
            SECRET_BACKEND='file',
            SECRET_FILE_TEST_PATH=self.keyring_path,
            SECRET_FILE_TEST_PASSWORD=KEYRING_PASSWORD,
            GSETTINGS_SCHEMA_DIR=os.path.join(self.build_root, 'data'),
            GSETTINGS_BACKEND='memory',
            # Clicks go through XTest and screenshots read the X root
            # window, so the app must be an X client.
            GDK_BACKEND='x11',
            # Never the machine's /etc/burrow: an absent file is an empty one.
            BURROW_GLOBAL_CONFIG=os.path.join(self.dir, 'no-global-config.xml'))
        if self.bus_address:
            env['DBUS_SESSION_BUS_ADDRESS'] = self.bus_address
        if self.a11y_address:
            env['AT_SPI_BUS_ADDRESS'] = self.a11y_address
        return env

    def _service_env(self):
        # at-spi-bus-launcher and the registry are system components: a
        # warning of theirs must not abort them as G_DEBUG=fatal-warnings
        # would.  The broker and the app get G_DEBUG back in their Exec=.
        env = self.env()
        env.pop('G_DEBUG', None)
        return env

    def _exec_line(self, *argv):
        if self.g_debug:
            argv = ('/usr/bin/env', f'G_DEBUG={self.g_debug}') + argv
        return ' '.join(shlex.quote(a) for a in argv)

    def _write_files(self):
        os.makedirs(self.services_dir)
        services = {
            BROKER_NAME: self._exec_line(self.broker_exe),
            # The broker activates the GUI when it needs an agent.
            APP_ID: self._exec_line(self.app_exe, '--gapplication-service'),
        }
        for name, exec_line in services.items():
            with open(os.path.join(self.services_dir, f'{name}.service'), 'w') as f:
                f.write(f'[D-BUS Service]\nName={name}\nExec={exec_line}\n')
        # A private settings.ini turns animations off, so screenshots show a
        # settled frame rather than a transition.
        gtk_dir = os.path.join(self.xdg['XDG_CONFIG_HOME'], 'gtk-4.0')
        os.makedirs(gtk_dir)
        with open(os.path.join(gtk_dir, 'settings.ini'), 'w') as f:
            f.write('[Settings]\ngtk-enable-animations=0\n')
        # Ours first: the first directory with a name wins, so an installed
        # Burrow never stands in for the build tree's.  The standard ones
        # are for org.a11y.Bus.
        config = os.path.join(self.dir, 'bus.conf')
        with open(config, 'w') as f:
            f.write('<!DOCTYPE busconfig PUBLIC '
                    '"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                    ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                    '<busconfig>\n  <type>session</type>\n'
                    f'  <listen>unix:dir={self.dir}</listen>\n'
                    '  <auth>EXTERNAL</auth>\n'
                    f'  <servicedir>{self.services_dir}</servicedir>\n'
                    '  <standard_session_servicedirs/>\n'
                    '  <policy context="default">\n'
                    '    <allow send_destination="*" eavesdrop="true"/>\n'
                    '    <allow eavesdrop="true"/>\n    <allow own="*"/>\n'
                    '  </policy>\n</busconfig>\n')
        return config

    def _start_bus(self, config):
        if not shutil.which('dbus-daemon'):
            raise Skip('dbus-daemon is not installed (package dbus-daemon)')
        read_fd, write_fd = os.pipe()
        try:
            # Its stderr, and that of what it activates (broker, app), goes
            # to ours: meson's test log.
            self.bus_proc = subprocess.Popen(
                ['dbus-daemon', f'--config-file={config}', '--nofork',
                 f'--print-address={write_fd}'],
                env=self._service_env(), stdin=subprocess.DEVNULL,
                stdout=sys.stderr, stderr=sys.stderr, pass_fds=(write_fd,),
                preexec_fn=die_with_parent)
        finally:
            os.close(write_fd)
        try:
            address = LineReader(read_fd).read_line(BUS_START_SECONDS)
        finally:
            os.close(read_fd)
        if not address:
            raise HarnessError(f'dbus-daemon printed no address in {BUS_START_SECONDS} s '
                               f'(exit status {self.bus_proc.poll()})')
        self.bus_address = address.strip()
        self.bus = Gio.DBusConnection.new_for_address_sync(
            self.bus_address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def _start_a11y(self):
        """Asks the World's bus for the accessibility bus, which activates
        at-spi-bus-launcher, and pins its address for everyone.  GTK 4.8 and
        libatspi both take AT_SPI_BUS_ADDRESS before anything else; without
        it they read the AT_SPI_BUS property of the X root window first,
        which whichever launcher ran last on this display has set, maybe
        for another bus.  The app and the broker get it from their
        environment, activated services from the bus's activation
        environment."""
        try:
            reply = self.bus.call_sync(A11Y_NAME, '/org/a11y/bus', 'org.a11y.Bus',
                                       'GetAddress', None, GLib.VariantType('(s)'),
                                       Gio.DBusCallFlags.NONE, A11Y_BUS_SECONDS * 1000, None)
        except GLib.Error as error:
            raise Skip(f'accessibility bus unavailable: {error.message}')
        self.a11y_address = reply.unpack()[0]
        self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                  'UpdateActivationEnvironment',
                  GLib.Variant('(a{ss})', ({'AT_SPI_BUS_ADDRESS': self.a11y_address},)))
        # libatspi reads the address once, in Atspi.init(): one World per
        # process.
        if os.environ.get('AT_SPI_BUS_ADDRESS') and Atspi.is_initialized():
            raise HarnessError('libatspi is already bound to another World\'s bus')
        os.environ['AT_SPI_BUS_ADDRESS'] = self.a11y_address
        os.environ['DBUS_SESSION_BUS_ADDRESS'] = self.bus_address
        if Atspi.init() != 0:
            raise HarnessError('Atspi.init() failed')

    def start(self, servers=(), timeout=SERVERS_START_SECONDS):
        """Display, bus, accessibility bus, libatspi, then the SSH servers:
        servers are burrow-gui-world's options, e.g. ['--key'],
        ['--key', '--password', 'pw'], ['--key', '--count', '2'] (nothing:
        no servers).  Raises Skip when the environment cannot run the test."""
        if self.started:
            raise HarnessError('World.start() called twice')
        self.started = True
        problem = hold_display()
        if problem:
            raise Skip(problem)
        become_subreaper()
        self._start_bus(self._write_files())
        self._start_a11y()
        if servers:
            self.start_servers(list(servers), timeout)

    # ---------------------------------------------------------- SSH servers

    def start_servers(self, options, timeout=SERVERS_START_SECONDS):
        if not os.path.exists(self.world_exe):
            raise HarnessError(f'{self.world_exe} is missing (ninja builds it)')
        self.world_proc = subprocess.Popen(
            [self.world_exe, *options], env=self.env(), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=sys.stderr, preexec_fn=die_with_parent)
        self.world_reader = LineReader(self.world_proc.stdout.fileno())
        line = self.world_reader.read_line(timeout)
        if line is None:
            stop_process(self.world_proc, 'burrow-gui-world')
            status = self.world_proc.returncode
            if status == 77:
                raise Skip('burrow-gui-world cannot start the servers (see its stderr)')
            raise HarnessError(f'burrow-gui-world printed no servers in {timeout} s '
                               f'(exit status {status})')
        self.servers = [types.SimpleNamespace(**s) for s in json.loads(line)['servers']]
        for i, server in enumerate(self.servers):
            diag(f'server {i}: {server.user}@{server.host}:{server.port} '
                 f'{server.host_key_fingerprint} (pid {server.pid})')
        return self.servers

    def server_command(self, command, timeout=SERVER_COMMAND_SECONDS):
        """Sends one command line to burrow-gui-world; its JSON answer."""
        if self.world_proc is None or self.world_proc.poll() is not None:
            raise HarnessError('burrow-gui-world is not running')
        self.world_proc.stdin.write(f'{command}\n'.encode())
        self.world_proc.stdin.flush()
        line = self.world_reader.read_line(timeout)
        if line is None:
            raise HarnessError(f'no answer to {command!r} in {timeout} s')
        answer = json.loads(line)
        if answer.get('event') == 'error':
            raise HarnessError(f'{command!r}: {answer.get("message")}')
        return answer

    def rekey(self, index):
        """Restarts server index on its port with a fresh host key; returns
        the new fingerprint.  Its known_hosts file keeps the old key."""
        answer = self.server_command(f'rekey {index}')
        server = self.servers[index]
        server.host_key_fingerprint = answer['host_key_fingerprint']
        server.pid = answer['pid']
        return server.host_key_fingerprint

    # -------------------------------------------------------- configuration

    def write_config(self, xml):
        """Writes the user's broker-config.xml ($XDG_CONFIG_HOME/burrow/);
        a running broker needs reload() to see it."""
        os.makedirs(os.path.dirname(self.config_path), exist_ok=True)
        with open(self.config_path, 'w') as f:
            f.write(xml)
        return self.config_path

    def read_config(self):
        """The user's broker-config.xml as it is now, or None."""
        try:
            with open(self.config_path) as f:
                return f.read()
        except FileNotFoundError:
            return None

    # ---------------------------------------------------------------- D-Bus

    def call(self, name, path, iface, method, args=None, reply_type=None,
             timeout=CALL_SECONDS):
        """One D-Bus call on the World's bus; the reply unpacked to Python
        values (a tuple), or None.  Raises GLib.Error."""
        reply = self.bus.call_sync(name, path, iface, method, args,
                                   GLib.VariantType(reply_type) if reply_type else None,
                                   Gio.DBusCallFlags.NONE, int(timeout * 1000), None)
        return reply.unpack() if reply is not None else None

    def broker_call(self, method, args=None, reply_type=None, timeout=CALL_SECONDS):
        """A Broker1 method; the first call activates the broker."""
        return self.call(BROKER_NAME, BROKER_PATH, BROKER_IFACE, method, args,
                         reply_type, timeout)

    def get_status(self):
        return self.broker_call('GetStatus', None, '(a{sv})')[0]

    def list_profiles(self):
        return self.broker_call('ListProfiles', None, '(aa{sv})')[0]

    def list_rules(self):
        return self.broker_call('ListRules', None, '(aa{sv})')[0]

    def reload(self):
        self.broker_call('Reload')

    def connect(self, profile):
        """Broker1.Connect: the Session1 object path, at once."""
        return self.broker_call('Connect', GLib.Variant('(s)', (profile,)), '(o)')[0]

    def disconnect(self, profile):
        self.broker_call('Disconnect', GLib.Variant('(s)', (profile,)))

    def managed_objects(self):
        """{path: {interface: {property: value}}} under /io/github/burrow/Burrow."""
        return self.call(BROKER_NAME, OBJECTS_PATH, 'org.freedesktop.DBus.ObjectManager',
                         'GetManagedObjects', None, '(a{oa{sa{sv}}})')[0]

    def sessions(self):
        """{path: Session1 properties} of the broker's sessions now."""
        return {path: ifaces[SESSION_IFACE]
                for path, ifaces in self.managed_objects().items()
                if SESSION_IFACE in ifaces}

    def properties(self, path, iface=SESSION_IFACE):
        return self.call(BROKER_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll',
                         GLib.Variant('(s)', (iface,)), '(a{sv})')[0]

    def wait_session_state(self, path, states, seconds):
        """Polls the Session1 at path until its State is one of states;
        returns its properties then, or the last ones read (None if the
        object never answered)."""
        last = [None]

        def settled():
            try:
                last[0] = self.properties(path)
            except GLib.Error:
                return False
            return last[0].get('State') in states

        poll(settled, seconds)
        return last[0]

    def name_owner_pid(self, name):
        """The pid of the process owning name on the World's bus, or 0."""
        try:
            owner = self.call('org.freedesktop.DBus', '/org/freedesktop/DBus',
                              'org.freedesktop.DBus', 'GetNameOwner',
                              GLib.Variant('(s)', (name,)), '(s)')[0]
            return self.call('org.freedesktop.DBus', '/org/freedesktop/DBus',
                             'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                             GLib.Variant('(s)', (owner,)), '(u)')[0]
        except GLib.Error:
            return 0

    def broker_pid(self):
        return self.name_owner_pid(BROKER_NAME)

    def ctl(self, *args, timeout=CTL_SECONDS):
        """Runs the build tree's burrowctl on the World's bus; the
        CompletedProcess (returncode, stdout, stderr as text)."""
        return subprocess.run([self.ctl_exe, *map(str, args)], env=self.env(),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)

    # ----------------------------------------------------------------- app

    def start_app(self, *args, argv=None):
        """Starts build/app/burrow with args (argv: another program in its
        place, e.g. a fixture); its output goes to the test log."""
        argv = argv or [self.app_exe, *args]
        self.app_proc = subprocess.Popen(argv, env=self.env(),
                                         stdin=subprocess.DEVNULL, stdout=sys.stderr,
                                         stderr=sys.stderr, preexec_fn=die_with_parent)
        return self.app_proc

    def app_pid(self):
        """The pid of the running burrow: ours, or the one the broker had
        the bus activate (0 if none)."""
        if self.app_proc is not None and self.app_proc.poll() is None:
            return self.app_proc.pid
        return self.name_owner_pid(APP_ID)

    def find_app(self, seconds=APP_START_SECONDS):
        """burrow's accessible application (matched by pid: a second
        instance only activates the first over D-Bus and exits), waiting
        at most seconds; None if it has exited or did not appear."""
        def attempt():
            if self.app_proc is not None and self.app_proc.poll() is not None:
                return 'exited'
            pid = self.app_pid()
            return find_application(pid) if pid else None

        found = poll(attempt, seconds)
        return None if found == 'exited' else found

    def stop_app(self):
        """Stops burrow by its pid, ours or activated."""
        if self.app_proc is not None:
            stop_process(self.app_proc, 'burrow')
        stop_pid(self.name_owner_pid(APP_ID), 'burrow (activated)')

    # -------------------------------------------------------------- the end

    def _stop_servers(self):
        if self.world_proc is None:
            return
        # EOF on its stdin: it stops every sshd by pid and exits.
        try:
            self.world_proc.stdin.close()
        except OSError:
            pass
        try:
            self.world_proc.wait(timeout=SERVER_COMMAND_SECONDS)
        except subprocess.TimeoutExpired:
            stop_process(self.world_proc, 'burrow-gui-world')
        self.world_proc.stdout.close()

    def _peer_pids(self, bus):
        """The pids of every process connected to bus but this one."""
        def dbus(method, args, reply_type):
            return bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                 'org.freedesktop.DBus', method, args,
                                 GLib.VariantType(reply_type), Gio.DBusCallFlags.NONE,
                                 CALL_SECONDS * 1000, None).unpack()[0]
        pids = []
        try:
            names = dbus('ListNames', None, '(as)')
        except GLib.Error:
            return pids
        for name in names[:MAX_PROCESSES]:
            if not name.startswith(':'):
                continue
            try:
                pid = dbus('GetConnectionUnixProcessID', GLib.Variant('(s)', (name,)), '(u)')
            except GLib.Error:
                continue     # it has just left
            if pid != os.getpid() and pid not in pids:
                pids.append(pid)
        return pids

    def _stop_a11y(self):
        """The registry (on the accessibility bus), then at-spi-bus-launcher
        and the bus it runs.  dbus-daemon does not stay the parent of what
        it activates: these are found by the names they own, not as its
        children."""
        try:
            a11y = Gio.DBusConnection.new_for_address_sync(
                self.a11y_address,
                Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
                | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
            peers = self._peer_pids(a11y)
            a11y.close_sync(None)
        except GLib.Error:
            peers = []
        for pid in peers:
            stop_pid(pid, 'accessibility bus client')
        launcher = self.name_owner_pid(A11Y_NAME)
        if launcher:
            # Its bus first: the launcher may restart a bus that dies
            # before it does, or leave it orphaned.
            for pid in reversed(descendants(launcher)):
                stop_pid(pid, 'accessibility bus')
            stop_pid(launcher, 'at-spi-bus-launcher')

    def close(self):
        """Stops everything, each by its pid: the app (so it never sees the
        broker go first), the broker, the servers, what runs the
        accessibility bus, anything else still on the World's bus, the bus.
        Removes the throwaway directory."""
        try:
            if self.bus is not None:
                self.stop_app()
                stop_pid(self.broker_pid(), 'burrow-broker')
            elif self.app_proc is not None:
                stop_process(self.app_proc, 'burrow')
            self._stop_servers()
            if self.bus is not None:
                if self.a11y_address:
                    self._stop_a11y()
                for pid in self._peer_pids(self.bus):
                    stop_pid(pid, 'process on the World\'s bus')
            stop_process(self.bus_proc, 'dbus-daemon')
            # Whatever is left in this (subreaper's) tree, leaves first: a
            # child whose parent went first would be re-parented, then
            # found again as this process's own.
            for pid in reversed(descendants(os.getpid())):
                stop_pid(pid, 'left over')
            reap_orphans()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------- screenshots

    def screenshot(self, name):
        """Saves the screen as screenshots/NAME.png in the build tree's
        tests/gui; returns (path, error), error None when the image was
        saved and is not one flat colour."""
        return screenshot(os.path.join(self.screenshot_dir, f'{name}.png'))


# --------------------------------------------------------- AT-SPI queries

def walk(root):
    """Yields root's descendants (not root), depth-first, within fixed
    bounds.  Nodes that vanish while being read are skipped."""
    stack = [(root, 0)]
    for _ in range(MAX_TREE_NODES):
        if not stack:
            return
        node, depth = stack.pop()
        if node is not root:
            yield node
        if depth >= MAX_TREE_DEPTH:
            continue
        try:
            count = min(node.get_child_count(), MAX_TREE_NODES)
            children = [node.get_child_at_index(i) for i in range(count)]
        except GLib.Error:
            continue
        stack.extend((c, depth + 1) for c in reversed(children) if c)


def role_of(acc):
    try:
        return acc.get_role()
    except GLib.Error:
        return None


def name_of(acc):
    try:
        return acc.get_name()
    except GLib.Error:
        return None


def matches(acc, role=None, name=None):
    return ((role is None or role_of(acc) == role)
            and (name is None or name_of(acc) == name))


def find_all(root, role=None, name=None):
    return [acc for acc in walk(root) if matches(acc, role, name)]


def extents(acc):
    """Window-relative: GTK 4.8 cannot report screen coordinates and logs a
    warning when asked, which G_DEBUG=fatal-warnings turns into a crash."""
    try:
        return acc.get_extents(Atspi.CoordType.WINDOW)
    except GLib.Error:
        return None


def on_screen(acc):
    """Whether a user can see acc.  GTK 4.8 sets SHOWING only on the window
    and VISIBLE even on pages a stack hides; hidden widgets and the spare
    view switchers have a 0x0 allocation, shown ones do not.  (A page a
    stack hid after showing it keeps its last extents: compare pixels.)"""
    rect = extents(acc)
    return rect is not None and rect.width > 0 and rect.height > 0


def find(root, role, name=None):
    """The first on-screen accessible under root with this role (and name),
    or None."""
    return next((a for a in find_all(root, role, name) if on_screen(a)), None)


def wait_find(root, role, name=None, seconds=5):
    return poll(lambda: find(root, role, name), seconds)


def label_matches(name, label):
    """Button names as GTK 4.8 reports them: AdwMessageDialog's responses
    are named "<mnemonic label> <label>", e.g. "_Save Save"; plain buttons
    by their label, with or without the underscore."""
    if name is None:
        return False
    return name == label or name.replace('_', '') == label or name.endswith(' ' + label)


def find_button(root, label):
    """The on-screen push button whose label is label (see label_matches)."""
    return next((a for a in find_all(root, Atspi.Role.PUSH_BUTTON)
                 if label_matches(name_of(a), label) and on_screen(a)), None)


def top_levels(app):
    """The application's windows: its direct children, a bounded number."""
    try:
        count = min(app.get_child_count(), MAX_TREE_NODES)
        return [c for c in (app.get_child_at_index(i) for i in range(count)) if c]
    except GLib.Error:
        return []


# FILLER too: GTK 4.8 reports some AdwWindows (an editor opened from a
# popover menu) as fillers.  Only the application's own children are
# looked at, so a filler there is a window.
WINDOW_ROLES = (Atspi.Role.FRAME, Atspi.Role.DIALOG, Atspi.Role.ALERT, Atspi.Role.WINDOW,
                Atspi.Role.FILLER)


def window(app, title=None, roles=WINDOW_ROLES):
    """The app's on-screen top-level with this title (any, if None): the
    main window is a FRAME, dialogs (AdwMessageDialog, GtkDialog) DIALOG or
    ALERT, but a plain GtkWindow used as a dialog is a FRAME too."""
    return next((w for w in top_levels(app)
                 if role_of(w) in roles and (title is None or name_of(w) == title)
                 and on_screen(w)), None)


def wait_window(app, title=None, seconds=5, roles=WINDOW_ROLES):
    return poll(lambda: window(app, title, roles), seconds)


def find_application(pid):
    """The application on the accessibility bus with this pid, or None."""
    desktop = Atspi.get_desktop(0)
    for i in range(min(desktop.get_child_count(), MAX_TREE_NODES)):
        app = desktop.get_child_at_index(i)
        try:
            if app and app.get_process_id() == pid:
                return app
        except GLib.Error:
            continue
    return None


def describe_desktop():
    desktop = Atspi.get_desktop(0)
    apps = [desktop.get_child_at_index(i) for i in range(desktop.get_child_count())]
    return ', '.join(f'{name_of(a)!r} (pid {a.get_process_id()})' for a in apps if a)


def describe(acc):
    """'role "name" WxH+X+Y' of one accessible, for diagnostics."""
    rect = extents(acc)
    where = f'{rect.width}x{rect.height}+{rect.x}+{rect.y}' if rect else '?'
    try:
        role = acc.get_role_name()
    except GLib.Error:
        role = '?'
    return f'{role} {name_of(acc)!r} {where}'


def describe_tree(root, depth=3, on_screen_only=True):
    """root's subtree to depth, one indented line each, for a failure's
    diagnostic: what is there when the expected widget is not."""
    lines = []
    stack = [(root, 0)]
    while stack and len(lines) < 300:
        node, level = stack.pop()
        if node is not root and on_screen_only and not on_screen(node):
            continue
        lines.append('  ' * level + describe(node))
        if level < depth:
            try:
                count = min(node.get_child_count(), 100)
                kids = [node.get_child_at_index(i) for i in range(count)]
            except GLib.Error:
                continue
            stack.extend((k, level + 1) for k in reversed(kids) if k)
    return '\n'.join(lines)


def children_names(acc):
    """[(role name, name)] of acc's direct children."""
    out = []
    try:
        for i in range(min(acc.get_child_count(), MAX_TREE_NODES)):
            child = acc.get_child_at_index(i)
            if child:
                out.append((child.get_role_name(), name_of(child)))
    except GLib.Error:
        pass
    return out


def has_state(acc, state):
    try:
        return acc.get_state_set().contains(state)
    except GLib.Error:
        return False


def is_selected(acc):
    return has_state(acc, Atspi.StateType.SELECTED)


def is_checked(acc):
    return has_state(acc, Atspi.StateType.CHECKED)


def is_focused(acc):
    return has_state(acc, Atspi.StateType.FOCUSED)


def is_sensitive(acc):
    return has_state(acc, Atspi.StateType.SENSITIVE)


def interfaces(acc):
    try:
        return acc.get_interfaces()
    except GLib.Error:
        return []


def text_of(acc):
    """The text of a label, entry or text view; its name when it has no
    Text interface.  GTK 4.8 returns '' for get_text(0, -1): the end
    offset must be the character count.  (Password rows read back in
    clear text.)"""
    if 'Text' in interfaces(acc):
        try:
            return Atspi.Text.get_text(acc, 0, Atspi.Text.get_character_count(acc))
        except GLib.Error:
            pass
    return name_of(acc)


# --------------------------------------------------------------- input

def to_screen(rect):
    """The centre and geometry of rect (window coordinates) on the screen.
    With no window manager under Xvfb every window sits at the root
    origin, so window coordinates are screen coordinates up to the few
    pixels of client-side decoration margin: well inside any control."""
    return (rect.x + rect.width // 2, rect.y + rect.height // 2,
            f'{rect.width}x{rect.height}+{rect.x}+{rect.y}')


def click(acc):
    """A left click at acc's centre (grab_focus does not work on GTK 4.8).
    Returns False if acc has no extents to click at."""
    rect = extents(acc)
    if rect is None or rect.width <= 0 or rect.height <= 0:
        diag(f'cannot click {describe(acc)}: not on screen')
        return False
    x, y, _ = to_screen(rect)
    diag(f'clicking {describe(acc)} at ({x}, {y})')
    return Atspi.generate_mouse_event(x, y, 'b1c')


def scroll_to(win, acc):
    """Scrolls win (mouse wheel over its middle) until acc is inside it, a
    bounded number of steps; after each step it waits for the page to move
    (at most a second), so a slow redraw does not make it overshoot."""
    bounds = extents(win)

    def inside(rect):
        return rect.y >= 0 and rect.y + rect.height <= bounds.height

    for _ in range(40):
        rect = extents(acc)
        if rect is None or bounds is None:
            return False
        if inside(rect):
            return True
        button = 'b5c' if rect.y + rect.height > bounds.height else 'b4c'
        Atspi.generate_mouse_event(bounds.width // 2, bounds.height // 2, button)
        poll(lambda: (now := extents(acc)) is not None and now.y != rect.y, 1)
    rect = extents(acc)
    return rect is not None and inside(rect)


def click_scrolled(win, acc):
    return acc is not None and scroll_to(win, acc) and click(acc)


# ------------------------------------------------------------ page helpers
# What the scenario tests look for on a page, by what a user sees.

def labels(root):
    """The texts of root's on-screen labels."""
    return [text_of(a) for a in find_all(root, Atspi.Role.LABEL) if on_screen(a)]


def spin(root, label):
    """The on-screen spin button for label (GTK 4.8 names it "Port Port":
    its row's label, then its own)."""
    return next((a for a in find_all(root, Atspi.Role.SPIN_BUTTON)
                 if label_matches(name_of(a), label) and on_screen(a)), None)


def row_button(root, title, label):
    """The button labelled label in the list row titled title (a profile,
    a rule …)."""
    row = find(root, Atspi.Role.LIST_ITEM, title)
    return row and find_button(row, label)


def row_says(root, title, text):
    """Whether the list row titled title shows the label text."""
    row = find(root, Atspi.Role.LIST_ITEM, title)
    return row is not None and text in labels(row)


def fill(root, role, name, text, seconds=5):
    """Types text into the entry role/name under root, once it is there."""
    acc = wait_find(root, role, name, seconds)
    return acc is not None and set_text(acc, text)


def click_tab(win, name, seconds=5):
    """Selects the page named name with a click on its on-screen tab (the
    header's switcher, or the bottom bar's in a narrow window)."""
    tab = next((t for t in find_all(win, Atspi.Role.PAGE_TAB, name) if on_screen(t)), None)
    if tab is None or not click(tab):
        return False
    return bool(poll(lambda: is_selected(tab), seconds))


def shot(world, name):
    """A screenshot of the screen, named name; a failure is a diagnostic,
    not a test failure.  Returns whether it was taken."""
    _, error = world.screenshot(name)
    if error:
        diag(error)
    return error is None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Scenario:
    """What a scenario test's steps share: the World, the application and
    its main window once found, and lookups in that window.  A test's
    context subclasses it."""

    def __init__(self, world, wait=5):
        self.w = world
        self.app = None
        self.win = None
        self.wait = wait

    def row_of(self, title):
        return find(self.win, Atspi.Role.LIST_ITEM, title)

    def row_button(self, title, label):
        return row_button(self.win, title, label)

    def row_says(self, title, text):
        return row_says(self.win, title, text)

    def click_tab(self, name):
        return click_tab(self.win, name, self.wait)

    def shot(self, name):
        return shot(self.w, name)


KEYSYMS = {
    'Return': 0xff0d, 'Tab': 0xff09, 'Escape': 0xff1b, 'BackSpace': 0xff08,
    'Delete': 0xffff, 'Home': 0xff50, 'End': 0xff57, 'Left': 0xff51,
    'Up': 0xff52, 'Right': 0xff53, 'Down': 0xff54, 'space': 0x20,
}
CONTROL_L = 0xffe3


def press(key):
    """Presses and releases one key (a KEYSYMS name) in the focused widget."""
    return Atspi.generate_keyboard_event(KEYSYMS[key], None, Atspi.KeySynthType.SYM)


def press_ctrl(letter):
    """Ctrl+letter, e.g. press_ctrl('a') to select an entry's text."""
    keycode = _keycode(CONTROL_L)
    if not keycode:
        return False
    Atspi.generate_keyboard_event(keycode, None, Atspi.KeySynthType.PRESS)
    try:
        return Atspi.generate_keyboard_event(ord(letter), None, Atspi.KeySynthType.SYM)
    finally:
        Atspi.generate_keyboard_event(keycode, None, Atspi.KeySynthType.RELEASE)


def _keycode(keysym):
    """The X keycode of keysym on the held display (PRESS and RELEASE take
    keycodes, not keysyms)."""
    if not _held_display:
        return 0
    xlib = ctypes.CDLL('libX11.so.6')
    xlib.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XKeysymToKeycode.restype = ctypes.c_ubyte
    return xlib.XKeysymToKeycode(_held_display, keysym)


def type_text(text):
    """Types text into the focused widget, as key events."""
    return Atspi.generate_keyboard_event(0, text, Atspi.KeySynthType.STRING)


def set_text(acc, text, seconds=5):
    """Makes entry acc hold text as a user would: a click to focus it,
    Ctrl+A, then typing, so every signal a keystroke raises is raised (an
    AdwEntryRow shows its apply button).  True once the entry reads back
    text."""
    if not click(acc):
        return False
    # AdwEntryRow and AdwPasswordEntryRow never report FOCUSED on GTK 4.8
    # (their inner GtkText has the focus and no accessible of its own):
    # for an editable text, the read-back below is the proof instead.
    focused = poll(lambda: is_focused(acc), FOCUS_SECONDS)
    if not focused and not has_state(acc, Atspi.StateType.EDITABLE):
        diag(f'{describe(acc)} did not take the focus')
        return False
    press_ctrl('a')
    if text:
        type_text(text)
    else:
        press('BackSpace')
    return bool(poll(lambda: text_of(acc) == text, seconds))


def replace_text(acc, text, seconds=5):
    """Sets entry acc's text in one go over EditableText, which GTK 4.8
    entries (GtkEntry, AdwEntryRow, AdwPasswordEntryRow) implement: fast,
    but a programmatic change (AdwEntryRow does not offer to apply it)."""
    if 'EditableText' not in interfaces(acc):
        return False
    Atspi.EditableText.set_text_contents(acc, text)
    return bool(poll(lambda: text_of(acc) == text, seconds))


def toggle(acc, checked=True, seconds=5):
    """Clicks a switch or check button unless it already is checked (or
    not, as asked), then waits for its CHECKED state."""
    if is_checked(acc) != checked:
        click(acc)
    return bool(poll(lambda: is_checked(acc) == checked, seconds))


# ------------------------------------------------------------ screenshot

def run_tool(argv, ok_codes=(0,)):
    """Runs an ImageMagick tool; returns (stdout, stderr, error), error being
    None on success."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, None, str(error)
    if done.returncode not in ok_codes:
        return None, None, (f'{argv[0]} exited {done.returncode}: '
                            f'{done.stderr.strip()}')
    return done.stdout.strip(), done.stderr.strip(), None


def colour_count(path):
    out, _, error = run_tool(['identify', '-format', '%k', path])
    return (None, error) if error else (int(out), None)


def save_screen(path):
    """Saves the X root window to path; returns an error or None.  A file
    an earlier run left there is removed first, so it never stands in."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.remove(path)
    return run_tool(['import', '-window', 'root', path])[2]


def screenshot(path):
    """save_screen, then checks the image is not one flat colour (a blank
    or black screen): returns (path, error or None)."""
    error = save_screen(path)
    if error:
        return path, error
    count, error = colour_count(path)
    if error:
        return path, error
    if count <= MIN_SCREENSHOT_COLOURS:
        return path, f'{path}: only {count} colours'
    return path, None


def pixels_differing(path_a, path_b, geometry):
    """How many pixels differ between two screenshots inside geometry.
    compare exits 1 when they differ and prints the count on stderr."""
    _, count, error = run_tool(['compare', '-metric', 'AE',
                                f'{path_a}[{geometry}]', f'{path_b}[{geometry}]',
                                'null:'], ok_codes=(0, 1))
    return (None, error) if error else (int(float(count.split()[0])), None)
