#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The front end against a real broker and a real OpenSSH sshd, driven over
# AT-SPI as a user would: create a profile with a tunnel, add, reorder and
# test filter rules (and see both in the configuration file), connect a
# profile through the host-key dialog, and watch a connection made under
# burrow-capture appear in the Connection Capture list and close it there.
# Screenshots of every page and dialog go to the build tree's
# tests/gui/screenshots/.
#
# Run with /usr/bin/python3 under xvfb-run and dbus-run-session (meson test
# --suite gui).  Output is TAP.

import functools
import os
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowgui as bg  # noqa: E402
from burrowgui import Atspi, poll  # noqa: E402

R = Atspi.Role
WAIT = 10              # a dialog, a row, a state change
CONNECT_SECONDS = 30   # an SSH connection to 127.0.0.1
CLIENT_SECONDS = 20    # the captured client's whole run


class Ctx(bg.Scenario):
    def __init__(self, world):
        super().__init__(world, WAIT)
        self.tunnel_port = bg.free_port()
        self.http = None
        self.http_port = None
        self.client = None

    def config(self):
        return self.w.read_config() or ''


def button_starting(root, prefix):
    return next((a for a in bg.find_all(root, R.PUSH_BUTTON)
                 if (bg.name_of(a) or '').startswith(prefix) and bg.on_screen(a)), None)


labels, spin = bg.labels, bg.spin
fill = functools.partial(bg.fill, seconds=WAIT)


# ------------------------------------------------------------------ steps

def step_window(c):
    c.app = c.w.find_app()
    c.win = c.app and bg.wait_window(c.app, 'Burrow', WAIT)
    row = c.win and poll(lambda: c.row_button('Harness sshd', 'Connect'), WAIT)
    if row is None:
        return False, c.win and bg.describe_tree(c.win, depth=30)
    return c.shot('profiles'), None


def step_new_profile(c):
    bg.click(bg.find_button(c.win, 'Add Profile'))
    editor = bg.wait_window(c.app, 'New Profile', WAIT)
    if editor is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    ok = (fill(editor, R.TEXT, 'Name', 'Web via harness') and
          fill(editor, R.TEXT, 'Identifier', 'web') and
          fill(editor, R.TEXT, 'Host', '127.0.0.1') and
          fill(editor, R.TEXT, 'User', c.w.servers[0].user))
    port = spin(editor, 'Port')
    ok = ok and port is not None and bg.set_text(port, str(c.w.servers[0].port))
    return ok, bg.describe_tree(bg.find(editor, R.LIST_ITEM, 'Port'), depth=10) if not ok else None


def step_new_tunnel(c):
    editor = bg.window(c.app, 'New Profile')
    add = next((b for b in bg.find_all(editor, R.PUSH_BUTTON)
                if bg.label_matches(bg.name_of(b), 'Add Tunnel…')), None)
    bg.click_scrolled(editor, add)
    tunnel = bg.wait_window(c.app, 'New Tunnel', WAIT)
    if tunnel is None:
        return False, 'no "New Tunnel" window'
    ok = (bg.set_text(spin(tunnel, 'Listen Port'), str(c.tunnel_port)) and
          fill(tunnel, R.TEXT, 'Destination Host', '127.0.0.1') and
          bg.set_text(spin(tunnel, 'Destination Port'), '80'))
    bg.press('Tab')
    c.shot('tunnel-editor')
    bg.click(bg.find_button(tunnel, 'Save'))
    closed = poll(lambda: bg.window(c.app, 'New Tunnel') is None, WAIT)
    row = poll(lambda: bg.find(editor, R.LABEL,
                               f'Local TCP: 127.0.0.1:{c.tunnel_port} → 127.0.0.1:80'), WAIT)
    return bool(ok and closed and row), labels(editor)


def step_save_profile(c):
    editor = bg.window(c.app, 'New Profile')
    c.shot('profile-editor')
    bg.click(bg.find_button(editor, 'Save'))
    closed = poll(lambda: bg.window(c.app, 'New Profile') is None, WAIT)
    if not closed:
        return False, f'the editor stayed open: {labels(editor)}'
    listed = poll(lambda: c.row_button('Web via harness', 'Connect'), WAIT)
    text = c.config()
    ok = (listed is not None and 'id="web"' in text and
          f'listen-port="{c.tunnel_port}"' in text and 'dst-port="80"' in text)
    return ok, text


def step_editor_refuses(c):
    """What the broker refuses is said in the editor, which stays open."""
    bg.click(bg.find_button(c.win, 'Add Profile'))
    editor = bg.wait_window(c.app, 'New Profile', WAIT)
    ok = editor and fill(editor, R.TEXT, 'Identifier', 'nohost')
    bg.click(bg.find_button(editor, 'Save'))
    said = editor and poll(lambda: any('needs the host' in t for t in labels(editor)), WAIT)
    c.shot('profile-editor-error')
    bg.press('Escape')
    gone = poll(lambda: bg.window(c.app, 'New Profile') is None, WAIT)
    return bool(ok and said and gone and 'nohost' not in c.config()), \
        editor and labels(editor)


def add_rule(c, host, action_index, screenshot=None):
    """A rule through the editor: host pattern and the action's position in
    the combo (0 TUNNEL, 1 DIRECT, 2 BLOCK; chosen with the keyboard)."""
    bg.click(bg.find_button(c.win, 'Add Rule'))
    editor = bg.wait_window(c.app, 'New Rule', WAIT)
    if editor is None or not fill(editor, R.TEXT, 'Host Pattern', host):
        return False
    combo = next((a for a in bg.find_all(editor) if bg.on_screen(a) and
                  bg.role_of(a) in (R.COMBO_BOX, R.LIST_ITEM, R.PUSH_BUTTON) and
                  bg.name_of(a) == 'Action'), None)
    if combo is None:
        bg.diag(bg.describe_tree(editor, depth=14))
        return False
    bg.click(combo)
    time.sleep(0.5)
    for _ in range(action_index):
        bg.press('Down')
    bg.press('Return')
    time.sleep(0.5)
    if screenshot:
        c.shot(screenshot)
    bg.click(bg.find_button(editor, 'Save'))
    return bool(poll(lambda: bg.window(c.app, 'New Rule') is None, WAIT))


def rule_hosts(c):
    return [r.get('host') for r in c.w.list_rules()]


def step_rules(c):
    if not c.click_tab('Filter Rules'):
        return False, 'the Filter Rules tab did not select'
    ok = (add_rule(c, r'.*\.example\.test', 1, 'rule-editor') and
          add_rule(c, r'blocked\.test', 2))
    hosts = rule_hosts(c)
    actions = [r.get('action') for r in c.w.list_rules()]
    return ok and hosts == [r'.*\.example\.test', r'blocked\.test'] and \
        actions == ['DIRECT', 'BLOCK'], f'rules {list(zip(hosts, actions))}'


def step_reorder(c):
    up = poll(lambda: button_starting(c.win, 'Move Up: 2.'), WAIT)
    if up is None:
        return False, [bg.name_of(b) for b in bg.find_all(c.win, R.PUSH_BUTTON)]
    bg.click(up)
    moved = poll(lambda: rule_hosts(c) == [r'blocked\.test', r'.*\.example\.test'], WAIT)
    text = c.config()
    in_file = text.find('blocked') < text.find('example') and text.find('blocked') >= 0
    return bool(moved and in_file), text


def step_inline_validation(c):
    bg.click(bg.find_button(c.win, 'Add Rule'))
    editor = bg.wait_window(c.app, 'New Rule', WAIT)
    ok = editor and fill(editor, R.TEXT, 'Host Pattern', 'web(')
    said = editor and poll(lambda: any('not a valid regular expression' in t
                                       for t in labels(editor)), WAIT)
    save = editor and bg.find_button(editor, 'Save')
    blocked = save is not None and not bg.is_sensitive(save)
    c.shot('rule-editor-invalid')
    bg.press('Escape')
    gone = poll(lambda: bg.window(c.app, 'New Rule') is None, WAIT)
    return bool(ok and said and blocked and gone and len(c.w.list_rules()) == 2), \
        editor and labels(editor)


def step_test_box(c):
    ok = fill(c.win, R.TEXT, 'Destination Host', 'www.example.test')
    bg.click(bg.find_button(c.win, 'Test'))
    said = poll(lambda: any(t.startswith('Rule 2 decides: DIRECT') for t in labels(c.win)), WAIT)
    c.shot('rules')
    return bool(ok and said), [t for t in labels(c.win) if 'decides' in t or 'No rule' in t]


def step_connect(c):
    if not c.click_tab('Connection Profiles'):
        return False, 'the Connection Profiles tab did not select'
    bg.click(c.row_button('Harness sshd', 'Connect'))
    dialog = bg.wait_window(c.app, 'Unknown Host Key', WAIT)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    text = ' '.join(labels(dialog))
    c.shot('host-key-dialog')
    if c.w.servers[0].host_key_fingerprint not in text:
        return False, text
    bg.click(bg.find_button(dialog, 'Save'))
    connected = poll(lambda: c.row_says('Harness sshd', 'Connected'), CONNECT_SECONDS)
    return bool(connected), [s for s in c.w.sessions()]


def step_known_hosts(c):
    path = os.path.join(c.w.home, '.ssh', 'known_hosts')
    try:
        text = open(path).read()
    except OSError as error:
        return False, str(error)
    return f'[127.0.0.1]:{c.w.servers[0].port}' in text, text


# A server that greets each client and keeps the connection open until the
# client goes: the connection stays in the live list until it is closed.
SERVER = r'''
import socketserver, sys
class Greeter(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(b'hello through the tunnel\n')
        while self.request.recv(4096):
            pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(('127.0.0.1', int(sys.argv[1])), Greeter).serve_forever()
'''


def start_http(c):
    c.http_port = bg.free_port()
    c.http = subprocess.Popen(['/usr/bin/python3', '-c', SERVER, str(c.http_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              preexec_fn=bg.die_with_parent)
    return poll(lambda: _port_open(c.http_port), WAIT)


def _port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(('127.0.0.1', port)) == 0


# A client that sends a request, prints the first answer line and keeps the
# connection open until the far end closes it (the Close button).
CLIENT = r'''
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=%d)
print(s.recv(4096).decode().strip(), flush=True)
while s.recv(4096):
    pass
print('closed', flush=True)
''' % CLIENT_SECONDS


def connection_title(c):
    """The live list's row title for the client: "python3.11 → …" (the
    executable's name)."""
    suffix = f' → 127.0.0.1:{c.http_port}'
    return next((t for t in labels(c.win) if t.startswith('python3') and t.endswith(suffix)),
                None)


def step_capture_list(c):
    if not start_http(c):
        return False, 'the web server did not start'
    c.w.broker_call('SetRules', bg.GLib.Variant('(aa{sv})', ([
        {'host': bg.GLib.Variant('s', r'127\.0\.0\.1'),
         'ports': bg.GLib.Variant('s', str(c.http_port)),
         'action': bg.GLib.Variant('s', 'TUNNEL'),
         'profile': bg.GLib.Variant('s', 'harness')}],)))
    if not c.click_tab('Connection Capture'):
        return False, 'the Connection Capture tab did not select'
    capture = os.path.join(c.w.build_root, 'broker', 'capture', 'burrow-capture')
    c.client = subprocess.Popen([capture, '-l', '/usr/bin/python3', '-c', CLIENT, str(c.http_port)],
                                env=c.w.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, preexec_fn=bg.die_with_parent)
    row = poll(lambda: connection_title(c), WAIT)
    c.shot('capture')
    if row is None:
        if c.client.poll() is not None:
            out, err = c.client.communicate()
            return False, f'the client exited {c.client.returncode}: {out!r} {err[-800:]!r}'
        return False, (f'burrowctl connections: {c.w.ctl("connections").stdout!r}; labels: '
                       f'{[t for t in labels(c.win) if "python" in t or "captured" in t]}')
    detail = ' '.join(labels(c.win))
    return 'TUNNEL by rule 1 via harness' in detail, detail


def step_close_connection(c):
    title = connection_title(c)
    close = poll(lambda: bg.find_button(c.win, f'Close {title}'), WAIT)
    if close is None or not poll(lambda: bg.is_sensitive(close), WAIT):
        return False, 'no sensitive close button'
    bg.click(close)
    try:
        out, err = c.client.communicate(timeout=CLIENT_SECONDS)
    except subprocess.TimeoutExpired:
        bg.stop_process(c.client, 'captured client')
        return False, 'the client was not disconnected'
    return out.splitlines() == ['hello through the tunnel', 'closed'], \
        f'out {out!r} err {err[-500:]!r}'


def step_import(c):
    """Import from ~/.ssh/config: a plain host becomes a profile; a
    ProxyCommand host is imported connecting directly, and the summary
    says why."""
    server = c.w.servers[0]
    ssh_dir = os.path.join(c.w.home, '.ssh')
    os.makedirs(ssh_dir, exist_ok=True)
    with open(os.path.join(ssh_dir, 'config'), 'w') as f:
        f.write(f'Host imported\n  HostName 127.0.0.1\n  Port {server.port}\n'
                f'  User {server.user}\n\nHost viaproxy\n  HostName 127.0.0.1\n'
                f'  ProxyCommand nc %h %p\n')
    if not c.click_tab('Connection Profiles'):
        return False, 'the Connection Profiles tab did not select'
    bg.click(bg.find_button(c.win, 'Import…'))
    summary = bg.wait_window(c.app, 'Import from ~/.ssh/config', WAIT)
    if summary is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    text = ' '.join(labels(summary))
    c.shot('import-summary')
    bg.click(bg.find_button(summary, 'Close'))
    ids = [p['id'] for p in c.w.list_profiles()]
    ok = ('imported' in ids and 'viaproxy' in ids and 'ProxyCommand is not run' in text and
          f'port="{server.port}"' in c.config())
    return ok, f'profiles {ids}; summary: {text}'


def step_config_error(c):
    """A broken file: the bar names file and line, the broker keeps its
    configuration."""
    before = len(c.w.list_profiles())
    good = c.config()
    c.w.write_config(good.replace('</secsh-broker>', '<profile id="broken">\n</secsh-broker>'))
    try:
        c.w.reload()
    except bg.GLib.Error as error:
        bg.diag(f'Reload refused, as it should be: {error.message}')
    said = poll(lambda: any(c.w.config_path + ':' in t for t in labels(c.win)), WAIT)
    c.shot('config-error')
    kept = len(c.w.list_profiles()) == before
    c.w.write_config(good)
    c.w.reload()
    # GTK 4.8 keeps reporting a hidden revealer's child: the broker says
    # the errors are gone, the screenshots show the bar gone.
    gone = poll(lambda: not c.w.get_status().get('config-errors'), WAIT)
    c.shot('config-fixed')
    return bool(said and kept and gone), [t for t in labels(c.win) if 'error' in t.lower()]


def step_window_close_keeps_broker(c):
    broker = c.w.broker_pid()
    c.w.stop_app()
    time.sleep(1)
    return broker != 0 and c.w.broker_pid() == broker, f'broker pid {broker} → {c.w.broker_pid()}'


STEPS = [
    ('the window lists the configured profile', step_window, bg.REQUIRED),
    ('Add Profile opens the editor; the fields take text', step_new_profile, None),
    ('a local tunnel added in the tunnel editor is listed', step_new_tunnel, None),
    ('Save writes the profile and its tunnel to the configuration file', step_save_profile, None),
    ('a profile without a host is refused in the editor', step_editor_refuses, None),
    ('two rules added in the rule editor reach the broker', step_rules, None),
    ('Move Up reorders the rules, in the file too', step_reorder, None),
    ('an invalid host pattern is shown before saving, Save disabled', step_inline_validation, None),
    ('the test box names the deciding rule', step_test_box, None),
    ('Connect → host-key dialog with the fingerprint → Save → connected', step_connect, None),
    ('the saved key is in known_hosts', step_known_hosts, None),
    ('a connection made under burrow-capture is listed with its rule and profile',
     step_capture_list, None),
    ('its Close button ends it; the program sees the end', step_close_connection, None),
    ('Import from ~/.ssh/config adds its hosts and says what it skipped', step_import, None),
    ('a broken configuration file shows its file:line in the window', step_config_error, None),
    ('closing the window leaves the broker running', step_window_close_keeps_broker, None),
]


def setup(world):
    world.start(servers=['--key'])
    world.write_config(bg.config_xml(profiles=[
        bg.profile_xml(world.servers[0], 'harness', name='Harness sshd')]))
    world.start_app()
    ctx = Ctx(world)
    close = world.close

    def close_all():
        # What this test started itself, by pid, before the World goes.
        for proc, label in ((ctx.client, 'captured client'), (ctx.http, 'web server')):
            if proc is not None:
                bg.stop_process(proc, label)
        close()

    world.close = close_all
    return ctx


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, name='frontend'))
