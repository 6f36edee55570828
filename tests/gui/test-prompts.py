#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The broker's questions as the user meets them, against a real broker and
# real OpenSSH sshds: with no window open, a connect makes the broker start
# Burrow, which shows only the host-key dialog; a password asked in a
# dialog and remembered in the keyring is not asked again after a
# disconnect; so are a key's passphrase and PAM's keyboard-interactive
# "Password:"; a server whose host key changed gets a warning with both
# fingerprints, and no connection.
#
# Password logins need root (sshd's own shadow file in a mount namespace):
# without it the test is skipped.  Run with /usr/bin/python3 under xvfb-run
# and dbus-run-session (meson test --suite gui).  Output is TAP.

import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowgui as bg  # noqa: E402
from burrowgui import Atspi, GLib, poll  # noqa: E402

R = Atspi.Role
PASSWORD = 'gui test horse battery'
PASSPHRASE = 'gui test key passphrase'
WAIT = 10
CONNECT_SECONDS = 30
NO_PROMPT_SECONDS = 5   # how long a prompt that must not come is waited for


class Ctx(bg.Scenario):
    def __init__(self, world):
        super().__init__(world, WAIT)
        self.key_server = next(s for s in world.servers if not getattr(s, 'password', None))
        self.pw_server = next(s for s in world.servers if getattr(s, 'password', None))
        self.old_fingerprint = self.pw_server.host_key_fingerprint


def activated_app(c):
    pid = c.w.name_owner_pid(bg.APP_ID)
    return bg.find_application(pid) if pid else None


def session_state(c, profile):
    return next((props.get('State') for props in c.w.sessions().values()
                 if props.get('Profile') == profile), None)


labels = bg.labels


# ------------------------------------------------------------------ steps

def step_activation(c):
    """No Burrow runs: the broker starts it for the question, and only the
    dialog appears."""
    if c.w.app_pid():
        return False, 'Burrow runs already'
    c.w.connect('background')
    c.app = poll(lambda: activated_app(c), WAIT)
    dialog = c.app and bg.wait_window(c.app, 'Unknown Host Key', WAIT)
    if dialog is None:
        return False, f'desktop: {bg.describe_desktop()}'
    c.shot('activated-host-key-dialog')
    main_window = bg.window(c.app, 'Burrow', roles=(R.FRAME,))
    text = ' '.join(labels(dialog))
    return main_window is None and c.key_server.host_key_fingerprint in text, \
        f'main window {main_window and bg.describe(main_window)}; dialog: {text}'


def step_activation_save(c):
    dialog = bg.window(c.app, 'Unknown Host Key')
    bg.click(bg.find_button(dialog, 'Save'))
    state = poll(lambda: session_state(c, 'background') == 'connected', CONNECT_SECONDS)
    return bool(state), f'state {session_state(c, "background")}'


def step_window(c):
    c.w.start_app()
    c.win = bg.wait_window(c.app, 'Burrow', WAIT)
    row = c.win and poll(lambda: c.row_button('Password sshd', 'Connect'), WAIT)
    return row is not None, c.win and bg.describe_tree(c.win, depth=6)


def step_foreign_caller(c):
    """Another program on the session bus cannot make Burrow ask the user
    for a password: refused, and no dialog."""
    try:
        c.w.call(bg.APP_ID, '/io/github/burrow/Burrow/Agent', 'io.github.burrow.Burrow.Agent1',
                 'RequestPassword', GLib.Variant('(sssb)', ('x1', 'pw', 'Password', True)),
                 '(sb)')
        return False, 'the call was answered'
    except GLib.Error as error:
        message = error.message
    refused = 'AccessDenied' in message and 'only the Burrow broker' in message
    time.sleep(1)
    shown = bg.window(c.app, 'Password Required')
    return refused and shown is None, f'{message}; dialog shown {shown is not None}'


def password_entry(dialog, label='Password'):
    return next((a for a in bg.find_all(dialog)
                 if bg.role_of(a) in (R.TEXT, R.PASSWORD_TEXT, R.ENTRY)
                 and bg.label_matches((bg.name_of(a) or '').strip(), label)
                 and bg.on_screen(a)), None)


def remember_box(dialog):
    return next((a for a in bg.find_all(dialog, R.CHECK_BOX)
                 if bg.label_matches(bg.name_of(a), 'Remember in keyring')
                 and bg.on_screen(a)), None)


def answer_remembered(c, dialog, label, secret, screenshot):
    """Types secret into the dialog's entry named label, ticks "Remember in
    keyring" and continues."""
    entry = password_entry(dialog, label)
    remember = remember_box(dialog)
    if entry is None or remember is None:
        return False, bg.describe_tree(dialog, depth=12)
    typed = bg.set_text(entry, secret)
    checked = bg.toggle(remember, True)
    c.shot(screenshot)
    bg.click(bg.find_button(dialog, 'Continue'))
    return bool(typed and checked), None


def reconnects_silently(c, title, dialog_title):
    """Disconnect, connect again: connected, and no dialog came."""
    bg.click(c.row_button(title, 'Disconnect'))
    if not poll(lambda: c.row_says(title, 'Disconnected'), WAIT):
        return False, 'did not disconnect'
    bg.click(c.row_button(title, 'Connect'))
    connected = poll(lambda: c.row_says(title, 'Connected'), CONNECT_SECONDS)
    asked = bg.window(c.app, dialog_title)
    return bool(connected) and asked is None, \
        f'connected {bool(connected)}, asked again {asked is not None}'


def step_password(c):
    bg.click(c.row_button('Password sshd', 'Connect'))
    key = bg.wait_window(c.app, 'Unknown Host Key', WAIT)
    if key is None:
        return False, 'no host-key dialog'
    bg.click(bg.find_button(key, 'Save'))
    dialog = bg.wait_window(c.app, 'Password Required', WAIT)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    entry = password_entry(dialog)
    remember = next((a for a in bg.find_all(dialog, R.CHECK_BOX)
                     if bg.label_matches(bg.name_of(a), 'Remember in keyring')), None)
    if entry is None or remember is None:
        return False, bg.describe_tree(dialog, depth=12)
    typed = bg.set_text(entry, PASSWORD)
    checked = bg.toggle(remember, True)
    c.shot('password-dialog')
    bg.click(bg.find_button(dialog, 'Continue'))
    connected = poll(lambda: c.row_says('Password sshd', 'Connected'), CONNECT_SECONDS)
    return bool(typed and checked and connected), f'state {session_state(c, "pw")}'


def step_remembered(c):
    return reconnects_silently(c, 'Password sshd', 'Password Required')


def step_passphrase(c):
    """The key server's host key was saved at the start: the passphrase is
    the only question."""
    bg.click(c.row_button('Encrypted key', 'Connect'))
    dialog = bg.wait_window(c.app, 'Key Passphrase Required', WAIT)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    names_key = any(c.encrypted_key in t for t in labels(dialog))
    ok, detail = answer_remembered(c, dialog, 'Passphrase', PASSPHRASE, 'passphrase-dialog')
    connected = poll(lambda: c.row_says('Encrypted key', 'Connected'), CONNECT_SECONDS)
    return bool(ok and names_key and connected), \
        detail or f'names the key {names_key}, state {session_state(c, "enc")}'


def step_passphrase_remembered(c):
    return reconnects_silently(c, 'Encrypted key', 'Key Passphrase Required')


def step_keyboard_interactive(c):
    """sshd's PAM asks "Password:" through keyboard-interactive: a dialog
    headed by the server's name (or a generic one), one hidden entry."""
    bg.click(c.row_button('PAM sshd', 'Connect'))

    def dialog():
        return next((t for t in bg.top_levels(c.app)
                     if password_entry(t, 'Password:') is not None), None)
    found = poll(dialog, WAIT)
    if found is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    ok, detail = answer_remembered(c, found, 'Password:', PASSWORD, 'keyboard-interactive-dialog')
    connected = poll(lambda: c.row_says('PAM sshd', 'Connected'), CONNECT_SECONDS)
    return bool(ok and connected), detail or f'state {session_state(c, "kbd")}'


def step_keyboard_interactive_remembered(c):
    bg.click(c.row_button('PAM sshd', 'Disconnect'))
    if not poll(lambda: c.row_says('PAM sshd', 'Disconnected'), WAIT):
        return False, 'did not disconnect'
    bg.click(c.row_button('PAM sshd', 'Connect'))
    connected = poll(lambda: c.row_says('PAM sshd', 'Connected'), CONNECT_SECONDS)
    asked = [bg.name_of(t) for t in bg.top_levels(c.app)
             if password_entry(t, 'Password:') is not None]
    return bool(connected) and not asked, f'connected {bool(connected)}, asked again {asked}'


def step_changed_key(c):
    bg.click(c.row_button('Password sshd', 'Disconnect'))
    poll(lambda: c.row_says('Password sshd', 'Disconnected'), WAIT)
    new = c.w.rekey(c.w.servers.index(c.pw_server))
    bg.click(c.row_button('Password sshd', 'Connect'))
    dialog = bg.wait_window(c.app, 'Host Key Changed', WAIT)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(c.app)]
    text = ' '.join(labels(dialog))
    c.shot('host-key-changed-dialog')
    buttons = [bg.name_of(b) for b in bg.find_all(dialog, R.PUSH_BUTTON) if bg.on_screen(b)]
    failed = poll(lambda: c.row_says('Password sshd', 'Failed'), WAIT)
    ok = (c.old_fingerprint in text and new in text and failed and
          not any('Save' in b or 'Accept' in b for b in buttons))
    bg.click(bg.find_button(dialog, 'Close'))
    return bool(ok), f'{text} buttons {buttons} failed {bool(failed)}'


def step_secret_kept_out(c):
    """The secrets are in no configuration file: the user file is the
    place to look."""
    text = c.w.read_config() or ''
    found = [name for name, secret in (('password', PASSWORD), ('passphrase', PASSPHRASE))
             if secret in text]
    return not found, f'in the configuration file: {found}' if found else None


STEPS = [
    ('with no window, a connect starts Burrow with only the host-key dialog',
     step_activation, bg.REQUIRED),
    ('Save in that dialog connects', step_activation_save, None),
    ('burrow then opens its window on the running instance', step_window, bg.REQUIRED),
    ('a program other than the broker cannot raise a password dialog', step_foreign_caller, None),
    ('a password typed in the dialog, with "Remember in keyring", connects', step_password, None),
    ('after a disconnect it connects again without asking', step_remembered, None),
    ('a key passphrase typed in its dialog, remembered, connects', step_passphrase, None),
    ('after a disconnect the key opens without asking', step_passphrase_remembered, None),
    ('a keyboard-interactive "Password:" in its dialog, remembered, connects',
     step_keyboard_interactive, None),
    ('after a disconnect keyboard-interactive signs in without asking',
     step_keyboard_interactive_remembered, None),
    ('a changed host key: a warning with both fingerprints, no way to accept, no connection',
     step_changed_key, None),
    ('no password or passphrase is written to the configuration', step_secret_kept_out, None),
]


def make_encrypted_key(world, server):
    """A key of its own with a passphrase, which the key server accepts
    (its sshd reads the client key's .pub as authorized_keys)."""
    path = os.path.join(world.dir, 'encrypted')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'encrypted',
                    '-f', path], check=True, timeout=30)
    with open(path + '.pub') as pub, open(server.client_key + '.pub', 'a') as authorized:
        authorized.write(pub.read())
    return path


def setup(world):
    world.start(servers=['--key', '--password', PASSWORD])
    ctx = Ctx(world)
    ctx.encrypted_key = make_encrypted_key(world, ctx.key_server)
    world.write_config(bg.config_xml(profiles=[
        bg.profile_xml(ctx.key_server, 'background', name='Background sshd'),
        bg.profile_xml(ctx.pw_server, 'pw', name='Password sshd', methods=('password',),
                       identity_files=[]),
        bg.profile_xml(ctx.key_server, 'enc', name='Encrypted key',
                       identity_files=[ctx.encrypted_key]),
        bg.profile_xml(ctx.pw_server, 'kbd', name='PAM sshd',
                       methods=('keyboard-interactive',), identity_files=[])]))
    return ctx


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, name='prompts'))
