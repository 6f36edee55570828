#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Proves burrowgui's World end to end with what the GUI has today (the window
# and its three tabs): a real sshd from burrow-gui-world, the user's config
# written and read back, the broker activated on the World's bus and asked
# over D-Bus and through burrowctl, burrow's window found over the World's
# accessibility bus, a session to the sshd followed through its Session1
# object, and a rekeyed sshd refused as a changed host key.
#
# Run with /usr/bin/python3 under xvfb-run and dbus-run-session (meson test
# --suite gui).  Output is TAP.  The real scenarios will replace it.

import os
import socket
import sys

# Nothing written next to the sources.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowgui as bg  # noqa: E402
from burrowgui import Atspi, diag  # noqa: E402

PROFILE = 'harness'
SETTLE_SECONDS = 20        # the broker's own connect timeouts are shorter
SETTLED = ('failed', 'connected', 'waiting-for-user')
BANNER_SECONDS = 5


class Harness:
    """What the steps share."""

    def __init__(self, world):
        self.world = world
        self.server = world.servers[0]
        self.app = None
        self.session = None
        self.trusted_fingerprint = None


def config(h, trusted):
    """One profile for the sshd; with trusted, its known_hosts (holding its
    key) is the broker's, else the broker's own, empty one."""
    known = [h.server.known_hosts] if trusted else []
    return bg.config_xml(profiles=[bg.profile_xml(h.server, PROFILE, name='Harness sshd')],
                         known_hosts=known)


def ssh_banner(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=BANNER_SECONDS) as sock:
            sock.settimeout(BANNER_SECONDS)
            return sock.recv(64).decode(errors='replace')
    except OSError as error:
        return f'({error})'


def step_server(h):
    s = h.server
    problems = []
    if s.host != '127.0.0.1' or not 0 < s.port < 65536:
        problems.append(f'address {s.host}:{s.port}')
    for what in ('client_key', 'known_hosts', 'log', 'dir'):
        if not os.path.exists(getattr(s, what)):
            problems.append(f'{what} {getattr(s, what)} missing')
    if not s.host_key_fingerprint.startswith('SHA256:'):
        problems.append(f'fingerprint {s.host_key_fingerprint!r}')
    if bg.pid_gone(s.pid):
        problems.append(f'pid {s.pid} not running')
    banner = ssh_banner(s.port)
    if not banner.startswith('SSH-2.0-'):
        problems.append(f'banner {banner!r}')
    return not problems, '; '.join(problems) or f'{s.user}@{s.host}:{s.port}, {banner.strip()}'


def step_private_buses(h):
    w = h.world
    inside = (w.bus_address.startswith(f'unix:path={w.dir}/')
              and f'path={w.dir}/' in w.a11y_address
              and os.environ.get('AT_SPI_BUS_ADDRESS') == w.a11y_address)
    return inside, f'bus {w.bus_address}\naccessibility bus {w.a11y_address}'


def step_config_round_trip(h):
    xml = config(h, trusted=False)
    path = h.world.write_config(xml)
    return h.world.read_config() == xml, path


def step_broker_status(h):
    status = h.world.get_status()
    diag(f'broker pid {h.world.broker_pid()}')
    ok = (not status['config-errors'] and status['profiles'] == 1
          and h.world.config_path in status['config-files'])
    return ok, (f"config files {status['config-files']}, errors {status['config-errors']}, "
                f"{status['profiles']} profile(s), policy {status['host-key-policy']}")


def step_list_profiles(h):
    profiles = h.world.list_profiles()
    mine = next((p for p in profiles if p.get('id') == PROFILE), None)
    if mine is None:
        return False, f'profiles: {profiles}'
    ok = (mine['host'] == h.server.host and mine['port'] == h.server.port
          and mine['user'] == h.server.user
          and mine['identity-files'] == [h.server.client_key]
          and mine['origin'] == 'user')
    return ok, f'{mine}'


def step_ctl_status(h):
    done = h.world.ctl('status')
    ok = done.returncode == 0 and h.world.config_path in done.stdout
    return ok, f'exit {done.returncode}\n{done.stdout}{done.stderr}'


def step_app_window(h):
    h.world.start_app()
    h.app = h.world.find_app()
    if h.app is None:
        return False, f'no burrow on the accessibility bus: {bg.describe_desktop()}'
    frame = bg.wait_window(h.app, 'Burrow', bg.APP_START_SECONDS,
                           roles=(Atspi.Role.FRAME,))
    if frame is None:
        return False, f'top levels: {[bg.describe(t) for t in bg.top_levels(h.app)]}'
    tabs = bg.wait_for(lambda: bg.find(frame, Atspi.Role.PAGE_TAB, 'Connection Profiles'), 5)
    return tabs is not None, bg.describe(frame)


def step_screenshot(h):
    path, error = h.world.screenshot('harness-window')
    return error is None, error or path


def step_connect_unknown_key(h):
    """Unknown host key, policy "ask": the broker needs an agent's answer.
    None is registered unless the GUI registers one (another change is
    adding that): "failed" (NoAgent) or "waiting-for-user" both settle."""
    h.session = h.world.connect(PROFILE)
    listed = h.session in h.world.sessions()
    props = h.world.wait_session_state(h.session, SETTLED, SETTLE_SECONDS)
    state = props and props.get('State')
    return listed and state in SETTLED, (
        f'{h.session} listed: {listed}; State {state!r}, '
        f'FailureReason {props and props.get("FailureReason")!r}')


def step_connect_trusted(h):
    """With the sshd's known_hosts as the broker's, the key is known and the
    client key needs no passphrase: nothing to ask, so "connected"."""
    h.world.disconnect(PROFILE)
    h.world.write_config(config(h, trusted=True))
    h.world.reload()
    path = h.world.connect(PROFILE)
    props = h.world.wait_session_state(path, ('connected', 'failed'), SETTLE_SECONDS)
    state = props and props.get('State')
    if state == 'connected':
        h.trusted_fingerprint = props.get('HostKeyFingerprint')
    return (state == 'connected'
            and props.get('HostKeyFingerprint') == h.server.host_key_fingerprint), (
        f'State {state!r}, HostKeyFingerprint {props and props.get("HostKeyFingerprint")!r}, '
        f'FailureReason {props and props.get("FailureReason")!r}')


def step_ctl_connections(h):
    done = h.world.ctl('connections')
    return done.returncode == 0, f'exit {done.returncode}\n{done.stdout}{done.stderr}'


def step_rekey(h):
    old = h.server.host_key_fingerprint
    new = h.world.rekey(0)
    banner = ssh_banner(h.server.port)
    return new != old and new.startswith('SHA256:') and banner.startswith('SSH-2.0-'), (
        f'{old} -> {new} on port {h.server.port} (pid {h.server.pid}), {banner.strip()}')


def step_changed_key_refused(h):
    """A changed key is refused without asking anyone."""
    h.world.disconnect(PROFILE)
    path = h.world.connect(PROFILE)
    props = h.world.wait_session_state(path, ('connected', 'failed'), SETTLE_SECONDS)
    state = props and props.get('State')
    reason = (props and props.get('FailureReason')) or ''
    return state == 'failed' and h.server.host_key_fingerprint in reason, (
        f'State {state!r}, FailureReason {reason!r}')


def step_still_running(h):
    status = h.world.app_proc.poll() if h.world.app_proc else 'never started'
    broker = h.world.broker_pid()
    return status is None and broker != 0, (
        f'burrow exit status {status}, broker pid {broker}')


STEPS = [
    ('burrow-gui-world describes a running key-only sshd', step_server, bg.REQUIRED),
    ('the bus and the accessibility bus are the World\'s own', step_private_buses, bg.REQUIRED),
    ('the user config written reads back the same', step_config_round_trip, bg.REQUIRED),
    ('the activated broker loaded the user config', step_broker_status, bg.REQUIRED),
    ('ListProfiles shows the profile for the sshd', step_list_profiles, None),
    ('burrowctl status talks to the World\'s broker', step_ctl_status, None),
    ('burrow\'s window "Burrow" is on screen', step_app_window, None),
    ('the screenshot of it is not one flat colour', step_screenshot, None),
    ('Connect with an unknown host key: a listed Session1 that settles',
     step_connect_unknown_key, None),
    ('Connect with the key pre-trusted: "connected"', step_connect_trusted, None),
    ('burrowctl connections runs', step_ctl_connections, None),
    ('rekey: a new host key on the same port', step_rekey, None),
    ('Connect after the rekey: refused as a changed key', step_changed_key_refused, None),
    ('burrow and the broker are still running', step_still_running, None),
]


def setup(world):
    world.start(servers=['--key'])
    return Harness(world)


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, 'harness'))
