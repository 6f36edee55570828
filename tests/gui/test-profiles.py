#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Managing profiles and rules in the window, against a real broker and a
# real OpenSSH sshd, driven over AT-SPI as a user would: Test Connection
# (the host-key question, then a toast, and the session closed again),
# Duplicate, editing and removing a tunnel, Delete with its confirmation,
# invalid ports refused in the rule editor, the window operated with the
# keyboard alone, and the view switcher moving to a bottom bar when the
# window is narrow.  Every change is checked in the configuration file.
#
# Run with /usr/bin/python3 under xvfb-run and dbus-run-session (meson test
# --suite gui).  Output is TAP.

import functools
import os
import shutil
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
MAX_TABS = 40          # Tab presses to reach a control
NARROW = (360, 640)    # a phone-sized window
WIDE = (900, 640)


class Ctx(bg.Scenario):
    def __init__(self, world):
        super().__init__(world, WAIT)
        self.tunnel_port = bg.free_port()

    def config(self):
        return self.w.read_config() or ''


def menu_items(root):
    """The names of an open popover menu's items, in order."""
    return [bg.name_of(a) for a in bg.walk(root)
            if bg.role_of(a) == R.MENU_ITEM and bg.on_screen(a)]


def row_menu(c, title, item):
    """Opens the "More for TITLE" menu of a profile row and picks item with
    the keyboard (the menu opens with its first item selected).  GTK 4.8
    reports a popover's items at the wrong place on screen, so they are
    not clicked."""
    more = poll(lambda: next((a for a in bg.find_all(c.win) if bg.name_of(a) == f'More for {title}'
                              and bg.on_screen(a)), None), WAIT)
    if more is None or not bg.click(more):
        return False
    names = poll(lambda: menu_items(c.win), WAIT) or []
    index = next((i for i, n in enumerate(names) if bg.label_matches(n, item)), None)
    if index is None:
        bg.diag(f'no {item!r} in the menu {names}')
        bg.press('Escape')
        return False
    time.sleep(0.3)
    for _ in range(index):
        bg.press('Down')
    bg.press('Return')
    return True


def toast_says(c, prefix):
    return next((t for t in labels(c.win) if t and t.startswith(prefix)), None)


def session_state(c, profile):
    return next((props.get('State') for props in c.w.sessions().values()
                 if props.get('Profile') == profile), None)


def focused(root):
    """The on-screen accessible that has the keyboard focus, if it says so
    (buttons, tabs and check boxes do on GTK 4.8; entry rows do not)."""
    return next((a for a in bg.walk(root) if bg.is_focused(a) and bg.on_screen(a)), None)


def tab_to(root, wanted, seen):
    """Presses Tab until the focused control is wanted(acc); the names of
    the controls passed on the way are added to seen."""
    for _ in range(MAX_TABS):
        bg.press('Tab')
        time.sleep(0.15)
        acc = focused(root)
        if acc is None:
            continue
        seen.append((bg.role_of(acc).value_nick, bg.name_of(acc) or ''))
        if wanted(acc):
            return acc
    return None


def xdotool(*args):
    return subprocess.run(['xdotool', *args], capture_output=True, text=True, timeout=10)


def resize(c, size):
    found = xdotool('search', '--name', '^Burrow$')
    ids = found.stdout.split()
    if found.returncode != 0 or not ids:
        return False
    for wid in ids:
        xdotool('windowsize', wid, str(size[0]), str(size[1]))
    return bool(poll(lambda: (r := bg.extents(c.win)) is not None and
                     abs(r.width - size[0]) < 40, WAIT))


def bottom_tabs(c):
    """The view switcher's tabs in the lower half of the window: the
    bottom bar's."""
    bounds = bg.extents(c.win)
    if bounds is None:
        return []
    return [t for t in bg.find_all(c.win, R.PAGE_TAB)
            if bg.on_screen(t) and bg.extents(t).y > bounds.height // 2]


labels, spin = bg.labels, bg.spin
fill = functools.partial(bg.fill, seconds=WAIT)


# ------------------------------------------------------------------ steps

def step_window(c):
    c.app = c.w.find_app()
    c.win = c.app and bg.wait_window(c.app, 'Burrow', WAIT)
    row = c.win and poll(lambda: c.row_button('Harness sshd', 'Connect'), WAIT)
    return row is not None, c.win and bg.describe_tree(c.win, depth=30)


def step_test_connection(c):
    """Test Connection asks to verify the unknown host key, says how it
    went in a toast, and closes the session it opened."""
    if not row_menu(c, 'Harness sshd', 'Test Connection'):
        return False, 'no Test Connection in the row menu'
    dialog = bg.wait_window(c.app, 'Unknown Host Key', WAIT)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    fingerprint = c.w.servers[0].host_key_fingerprint
    shows_key = any(fingerprint in t for t in labels(dialog))
    bg.click(bg.find_button(dialog, 'Save'))
    said = poll(lambda: toast_says(c, '“harness” works'), CONNECT_SECONDS)
    c.shot('test-connection-toast')
    closed = poll(lambda: session_state(c, 'harness') in (None, 'disconnected'), WAIT)
    return bool(shows_key and said and fingerprint in (said or '') and closed), \
        f'key shown {shows_key}, toast {said!r}, state {session_state(c, "harness")}'


def step_duplicate(c):
    if not row_menu(c, 'Harness sshd', 'Duplicate'):
        return False, 'no Duplicate in the row menu'
    editor = bg.wait_window(c.app, 'New Profile', WAIT)
    if editor is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    name = bg.find(editor, R.TEXT, 'Name')
    ident = bg.find(editor, R.TEXT, 'Identifier')
    values = (name and bg.text_of(name), ident and bg.text_of(ident))
    bg.click(bg.find_button(editor, 'Save'))
    closed = poll(lambda: bg.window(c.app, 'New Profile') is None, WAIT)
    listed = poll(lambda: c.row_button('Harness sshd (copy)', 'Connect'), WAIT)
    text = c.config()
    ok = (values == ('Harness sshd (copy)', 'harness-copy') and closed and listed and
          'id="harness-copy"' in text and 'id="harness"' in text and
          text.count(f'listen-port="{c.tunnel_port}"') == 2)
    return bool(ok), f'fields {values}, closed {bool(closed)}, listed {bool(listed)}\n{text}'


def tunnel_title(c, dst_port):
    return f'Local TCP: 127.0.0.1:{c.tunnel_port} → 127.0.0.1:{dst_port}'


def open_editor(c, title):
    if not row_menu(c, title, 'Edit…'):
        return None
    return bg.wait_window(c.app, 'Edit Profile', WAIT)


def save_editor(c, editor):
    bg.click(bg.find_button(editor, 'Save'))
    return bool(poll(lambda: bg.window(c.app, 'Edit Profile') is None, WAIT))


def step_edit_tunnel(c):
    editor = open_editor(c, 'Harness sshd (copy)')
    if editor is None:
        return False, 'no Edit Profile window'
    edit = poll(lambda: bg.find_button(editor, f'Edit {tunnel_title(c, 80)}'), WAIT)
    if not bg.click_scrolled(editor, edit):
        return False, labels(editor)
    tunnel = bg.wait_window(c.app, 'Edit Tunnel', WAIT)
    if tunnel is None:
        return False, 'no Edit Tunnel window'
    ok = bg.set_text(spin(tunnel, 'Destination Port'), '8080')
    bg.press('Tab')
    bg.click(bg.find_button(tunnel, 'Save'))
    updated = poll(lambda: bg.find(editor, R.LABEL, tunnel_title(c, 8080)), WAIT)
    c.shot('profile-editor-tunnel-edited')
    saved = save_editor(c, editor)
    text = c.config()
    copy = text[text.find('id="harness-copy"'):]
    return bool(ok and updated and saved and 'dst-port="8080"' in copy), text


def step_remove_tunnel(c):
    editor = open_editor(c, 'Harness sshd (copy)')
    if editor is None:
        return False, 'no Edit Profile window'
    remove = poll(lambda: bg.find_button(editor, f'Remove {tunnel_title(c, 8080)}'), WAIT)
    if not bg.click_scrolled(editor, remove):
        return False, labels(editor)
    gone = poll(lambda: bg.find(editor, R.LABEL, tunnel_title(c, 8080)) is None, WAIT)
    saved = save_editor(c, editor)
    text = c.config()
    copy = text[text.find('id="harness-copy"'):]
    copy = copy[:copy.find('</profile>')]
    return bool(gone and saved and '-tunnel' not in copy and 'dst-port="80"' in text), text


def step_delete(c):
    if not row_menu(c, 'Harness sshd (copy)', 'Delete'):
        return False, 'no Delete in the row menu'
    dialog = bg.wait_window(c.app, 'Delete Profile?', WAIT)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    c.shot('delete-profile-dialog')
    bg.click(bg.find_button(dialog, 'Delete'))
    gone = poll(lambda: c.row_of('Harness sshd (copy)') is None, WAIT)
    text = c.config()
    return bool(gone and 'harness-copy' not in text and 'id="harness"' in text), text


def choose_direct(editor):
    """DIRECT in the Action combo (the second entry), with the keyboard:
    a TUNNEL rule would also need a profile."""
    combo = next((a for a in bg.find_all(editor) if bg.on_screen(a) and
                  bg.role_of(a) in (R.COMBO_BOX, R.LIST_ITEM, R.PUSH_BUTTON) and
                  bg.name_of(a) == 'Action'), None)
    if combo is None or not bg.click(combo):
        return False
    time.sleep(0.5)
    bg.press('Down')
    bg.press('Return')
    time.sleep(0.5)
    return True


def step_invalid_ports(c):
    """The rule editor checks ports with the broker's own parser: the
    message shows and Save stays disabled until they are valid."""
    if not c.click_tab('Filter Rules'):
        return False, 'the Filter Rules tab did not select'
    bg.click(bg.find_button(c.win, 'Add Rule'))
    editor = bg.wait_window(c.app, 'New Rule', WAIT)
    if editor is None:
        return False, 'no New Rule window'
    ok = fill(editor, R.TEXT, 'Host Pattern', r'intranet\.test') and \
        choose_direct(editor) and fill(editor, R.TEXT, 'Ports', '80,70000')
    save = bg.find_button(editor, 'Save')
    said = poll(lambda: next((t for t in labels(editor) if '70000' in t), None), WAIT)
    refused = save is not None and not bg.is_sensitive(save)
    c.shot('rule-editor-invalid-ports')
    fixed = fill(editor, R.TEXT, 'Ports', '80,8000-8080')
    allowed = poll(lambda: bg.is_sensitive(save), WAIT)
    cleared = not any('70000' in t for t in labels(editor))
    bg.press('Escape')
    closed = poll(lambda: bg.window(c.app, 'New Rule') is None, WAIT)
    return bool(ok and said and refused and fixed and allowed and cleared and closed and
                not c.w.list_rules()), f'message {said!r}, refused {refused}, ' \
        f'allowed after fixing {bool(allowed)}, cleared {cleared}'


def step_keyboard(c):
    """With the keyboard alone: Tab reaches the page switcher and Space
    selects Connection Profiles; Tab reaches Add Profile, Return opens the
    editor, typing fills it, Escape closes it unsaved.  Every control the
    focus passes has a name."""
    seen = []
    tab = tab_to(c.win, lambda a: bg.role_of(a) == R.PAGE_TAB and
                 bg.name_of(a) == 'Connection Profiles', seen)
    if tab is None:
        return False, f'Tab never reached the Connection Profiles tab: {seen}'
    bg.press('space')
    selected = poll(lambda: bg.is_selected(tab), WAIT)
    add = tab_to(c.win, lambda a: bg.label_matches(bg.name_of(a), 'Add Profile'), seen)
    if add is None:
        return False, f'Tab never reached Add Profile: {seen}'
    bg.press('Return')
    editor = bg.wait_window(c.app, 'New Profile', WAIT)
    if editor is None:
        return False, 'Return did not open the editor'
    time.sleep(0.5)
    bg.type_text('Typed only')
    name = bg.find(editor, R.TEXT, 'Name')
    typed = poll(lambda: name is not None and bg.text_of(name) == 'Typed only', WAIT)
    bg.press('Escape')
    closed = poll(lambda: bg.window(c.app, 'New Profile') is None, WAIT)
    unnamed = [s for s in seen if not s[1].strip()]
    return bool(selected and typed and closed and not unnamed and
                'Typed only' not in c.config()), \
        f'selected {bool(selected)}, typed {bool(typed)}, closed {bool(closed)}, ' \
        f'unnamed {unnamed}, focus passed {seen}'


def step_narrow(c):
    """A phone-sized window moves the page switcher to a bottom bar, which
    switches pages."""
    if shutil.which('xdotool') is None:
        return False, 'xdotool is missing (./dev installs it)'
    before = bottom_tabs(c)
    if not resize(c, NARROW):
        return False, f'the window did not become {NARROW[0]} wide'
    tabs = poll(lambda: len(bottom_tabs(c)) == 3 and bottom_tabs(c), WAIT)
    c.shot('narrow')
    rules = next((t for t in tabs or [] if bg.name_of(t) == 'Filter Rules'), None)
    switched = rules is not None and bg.click(rules) and poll(lambda: bg.is_selected(rules), WAIT)
    c.shot('narrow-rules')
    resize(c, WIDE)
    return bool(not before and tabs and switched), \
        f'before {len(before)} bottom tabs, after {[bg.name_of(t) for t in tabs or []]}, ' \
        f'switched {bool(switched)}'


STEPS = [
    ('the window lists the configured profile', step_window, bg.REQUIRED),
    ('Test Connection asks about the host key, says it works, closes again',
     step_test_connection, None),
    ('Duplicate opens the editor filled as a copy; Save adds it', step_duplicate, None),
    ("a tunnel's Edit button changes it, in the file too", step_edit_tunnel, None),
    ("a tunnel's Remove button removes it, in the file too", step_remove_tunnel, None),
    ('Delete asks first, then removes the profile from the file', step_delete, None),
    ('invalid ports are refused in the rule editor before saving', step_invalid_ports, None),
    ('the keyboard alone switches pages and opens, fills and closes the editor',
     step_keyboard, None),
    ('a narrow window has the page switcher at the bottom', step_narrow, None),
]


def setup(world):
    world.start(servers=['--key'])
    ctx = Ctx(world)
    tunnel = (f'      <tunnels><local-tunnel listen-port="{ctx.tunnel_port}" '
              f'dst-host="127.0.0.1" dst-port="80"/></tunnels>')
    world.write_config(bg.config_xml(profiles=[
        bg.profile_xml(world.servers[0], 'harness', name='Harness sshd', extra=tunnel)]))
    world.start_app()
    return ctx


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, name='profiles'))
