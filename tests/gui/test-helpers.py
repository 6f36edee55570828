#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks burrowgui's AT-SPI helpers against the widgets Burrow's GUI is made
# of, on this GTK (4.8 on Debian 12): typing into a GtkEntry, an AdwEntryRow
# and an AdwPasswordEntryRow and reading them back, keys, a GtkSwitch and a
# GtkCheckButton, and an AdwMessageDialog's text and responses.  The
# widgets are widgets-fixture.py's, in the World's buses and HOME; what the
# user did is echoed in its "Result" label.
#
# Run with /usr/bin/python3 under xvfb-run and dbus-run-session (meson test
# --suite gui).  Output is TAP.

import os
import sys

# Nothing written next to the sources.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowgui as bg  # noqa: E402
from burrowgui import Atspi, poll  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'widgets-fixture.py')
WAIT_SECONDS = 5
R = Atspi.Role


class Fixture:
    def __init__(self, world):
        self.world = world
        self.app = None
        self.win = None
        self.result = None

    def result_is(self, text):
        return poll(lambda: bg.text_of(self.result) == text, WAIT_SECONDS)

    def result_detail(self):
        return f'Result: {bg.text_of(self.result)!r}'


def step_window(f):
    f.app = f.world.find_app()
    f.win = f.app and bg.wait_window(f.app, 'Widgets', WAIT_SECONDS)
    f.result = f.win and bg.wait_find(f.win, R.LABEL, 'Result')
    if f.result is None:
        return False, f'desktop: {bg.describe_desktop()}'
    return True, None


def step_entry_typing(f):
    entry = bg.find(f.win, R.TEXT, 'Plain entry')
    if not bg.set_text(entry, 'typed text'):
        return False, f'entry reads {bg.text_of(entry)!r}'
    bg.press('Return')
    return f.result_is('entry: typed text'), f.result_detail()


def step_entry_retyping(f):
    entry = bg.find(f.win, R.TEXT, 'Plain entry')
    ok = bg.set_text(entry, 'other')
    return ok, f'entry reads {bg.text_of(entry)!r}'


def step_entry_row(f):
    row = bg.find(f.win, R.TEXT, 'Host')
    if not bg.set_text(row, 'example.test'):
        return False, f'row reads {bg.text_of(row)!r}'
    bg.press('Return')
    return f.result_is('host: example.test'), f.result_detail()


def step_password_row(f):
    row = bg.find(f.win, R.TEXT, 'Password')
    ok = bg.set_text(row, 's3cret pw')
    return ok, f'row reads {bg.text_of(row)!r}'


def step_replace_text(f):
    entry = bg.find(f.win, R.TEXT, 'Plain entry')
    ok = bg.replace_text(entry, 'set at once')
    return ok, f'entry reads {bg.text_of(entry)!r}'


def step_switch(f):
    switch = bg.find(f.win, R.CHECK_BOX, 'Enabled')
    if switch is None:
        return False, bg.describe_tree(f.win, depth=8)
    on = bg.toggle(switch, True) and f.result_is('switch: True')
    off = bg.toggle(switch, False) and f.result_is('switch: False')
    return on and off, f.result_detail()


def step_check(f):
    check = bg.find(f.win, R.CHECK_BOX, 'Remember')
    ok = bg.toggle(check, True) and f.result_is('check: True')
    return ok, f.result_detail()


def open_dialog(f):
    bg.click(bg.find_button(f.win, 'Ask'))
    return bg.wait_window(f.app, 'Unknown Host Key', WAIT_SECONDS)


def step_dialog_text(f):
    dialog = open_dialog(f)
    if dialog is None:
        return False, [bg.describe(t) for t in bg.top_levels(f.app)]
    texts = [bg.text_of(a) for a in bg.find_all(dialog, R.LABEL) if bg.on_screen(a)]
    buttons = [bg.name_of(a) for a in bg.find_all(dialog, R.PUSH_BUTTON) if bg.on_screen(a)]
    ok = 'SHA256:fixture' in texts and len(buttons) == 2
    return ok, f'labels {texts}, buttons {buttons}'


def step_dialog_button(f):
    dialog = bg.window(f.app, 'Unknown Host Key')
    save = dialog and bg.find_button(dialog, 'Save')
    if save is None:
        return False, 'no "Save" button on screen'
    bg.click(save)
    gone = poll(lambda: bg.window(f.app, 'Unknown Host Key') is None, WAIT_SECONDS)
    return gone and f.result_is('dialog: save'), f.result_detail()


def step_dialog_escape(f):
    if open_dialog(f) is None:
        return False, 'the dialog did not open again'
    bg.press('Escape')
    return f.result_is('dialog: close'), f.result_detail()


def step_screenshot(f):
    path, error = f.world.screenshot('helpers-widgets')
    return error is None, error or path


STEPS = [
    ('the fixture window and its Result label are found', step_window, bg.REQUIRED),
    ('set_text types into a GtkEntry; Return activates it', step_entry_typing, None),
    ('set_text replaces what a GtkEntry held', step_entry_retyping, None),
    ('set_text types into an AdwEntryRow; Return applies it', step_entry_row, None),
    ('set_text types into an AdwPasswordEntryRow', step_password_row, None),
    ('replace_text sets a GtkEntry over EditableText', step_replace_text, None),
    ('toggle turns a GtkSwitch on and off', step_switch, None),
    ('toggle checks a GtkCheckButton', step_check, None),
    ('an AdwMessageDialog is found by its heading, with its body and two responses',
     step_dialog_text, None),
    ('find_button finds the "Save" response, a click answers it', step_dialog_button, None),
    ('Escape answers an AdwMessageDialog with "close"', step_dialog_escape, None),
    ('the screenshot is not one flat colour', step_screenshot, None),
]


def setup(world):
    try:
        import gi
        gi.require_version('Gtk', '4.0')
        gi.require_version('Adw', '1')
    except ValueError as error:
        raise bg.Skip(f'no GTK 4 or libadwaita bindings for Python: {error}')
    world.start()
    world.start_app(argv=['/usr/bin/python3', FIXTURE])
    return Fixture(world)


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, 'helpers'))
