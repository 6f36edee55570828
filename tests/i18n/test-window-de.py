#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The built Burrow, unchanged, shows its window in German when the user's
# language is German: strings from the GtkBuilder templates (page tabs, the
# main menu button, a page title) and from C (a message the rules page sets),
# read over AT-SPI as a user would see them.
#
# The app looks its catalogue up where `meson install` puts it: LOCALEDIR in
# config.h, which main.c binds.  glibc has no variable to point gettext
# elsewhere (TEXTDOMAINDIR is gettext.sh's, for shell scripts), and the test
# must not write into the machine's LOCALEDIR.  So burrow runs in a private
# mount namespace (unshare, as root) in which an overlay adds the build's
# po/de/LC_MESSAGES/burrow.mo under LOCALEDIR; nothing outside that process
# sees it, and it goes with the process.  Without root or overlayfs the test
# is skipped.
#
# The locale: LANG=C.UTF-8 with LANGUAGE=de, LC_ALL and LC_MESSAGES unset.
# glibc ignores LANGUAGE only when the LC_MESSAGES locale is "C" (or POSIX);
# C.UTF-8 is built into glibc (2.35 and later), so no German locale needs to
# be generated (de_DE.UTF-8 would need the locales package and locale-gen).
# Real users have LANG=de_DE.UTF-8: gettext picks the catalogue the same way.
#
# Run with /usr/bin/python3 under Xvfb and a private D-Bus session, like the
# tests in tests/gui, whose harness (burrowgui.py) this uses.  Output is TAP.

import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'gui'))
import burrowgui as bg  # noqa: E402
from burrowgui import Atspi, poll  # noqa: E402

LANGUAGE = 'de'
STARTUP_SECONDS = 15
WAIT = 5
R = Atspi.Role

# English source strings the steps look for, each in its translation.
PAGES = ('Connection Profiles', 'Connection Capture', 'Filter Rules')
MAIN_MENU = 'Main Menu'
TEST_BUTTON = '_Test'
NO_HOST = 'Enter a destination host to test.'   # set from C: burrow-rules-page.c


def localedir(build_root):
    """LOCALEDIR as the build configured it (config.h)."""
    with open(os.path.join(build_root, 'config.h'), encoding='utf-8') as f:
        match = re.search(r'^#define LOCALEDIR "(.*)"$', f.read(), re.MULTILINE)
    if not match:
        raise bg.HarnessError('no LOCALEDIR in config.h')
    return match.group(1)


class Session:
    def __init__(self, world):
        self.world = world
        self.build_root = world.build_root
        self.mo = os.path.join(self.build_root, 'po', LANGUAGE, 'LC_MESSAGES', 'burrow.mo')
        self.catalogue = None
        self.argv = None
        self.app = None
        self.frame = None

    def tr(self, text):
        return self.catalogue.gettext(text)

    def tr_label(self, text):
        """A translated button label as AT-SPI names it: no mnemonic mark."""
        return self.tr(text).replace('_', '')

    def prepare(self):
        """The overlay that puts the build's catalogue under LOCALEDIR, and
        the command that runs burrow with it."""
        if os.geteuid() != 0:
            raise bg.Skip('a private mount namespace for LOCALEDIR needs root')
        unshare = shutil.which('unshare')
        if unshare is None:
            raise bg.Skip('unshare is not installed (package util-linux)')
        if not os.path.isfile(self.mo):
            raise bg.HarnessError(f'{self.mo} is missing (ninja builds it)')
        self.catalogue = gettext.translation('burrow', os.path.join(self.build_root, 'po'),
                                             languages=[LANGUAGE])
        target = localedir(self.build_root)
        # The overlay goes on LOCALEDIR or, where it does not exist (a
        # /usr/local prefix), on its nearest existing parent.
        base = target
        while not os.path.isdir(base):
            base = os.path.dirname(base)
        upper = os.path.join(self.world.dir, 'locale-overlay')
        where = os.path.join(upper, os.path.relpath(target, base), LANGUAGE, 'LC_MESSAGES')
        os.makedirs(where)
        shutil.copy(self.mo, os.path.join(where, 'burrow.mo'))
        mount = (f'mount -t overlay overlay -o lowerdir={shlex.quote(upper)}:{shlex.quote(base)} '
                 f'{shlex.quote(base)}')
        installed = os.path.join(target, LANGUAGE, 'LC_MESSAGES', 'burrow.mo')
        # unshare and sh exec: burrow keeps the pid the harness started.
        self.argv = [unshare, '--mount', '--propagation', 'private', '--', '/bin/sh', '-c',
                     f'{mount} && exec "$0" "$@"']
        probe = subprocess.run(self.argv[:-1] + [f'{mount} && cmp "$0" {shlex.quote(installed)}',
                                                 self.mo],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            raise bg.Skip(f'cannot overlay {base} in a mount namespace: '
                          f'{probe.stderr.strip() or probe.returncode}')
        bg.diag(f'{installed} is the build\'s catalogue, for burrow only')

    def start(self):
        self.world.start_app(argv=self.argv + [self.world.app_exe])


def german_environment():
    # Read by World.env() for everything it starts.
    for var in ('LC_ALL', 'LC_MESSAGES'):
        os.environ.pop(var, None)
    os.environ['LANG'] = 'C.UTF-8'
    os.environ['LANGUAGE'] = LANGUAGE


def labels(root):
    return [bg.text_of(a) for a in bg.find_all(root, R.LABEL) if bg.on_screen(a)]


# ------------------------------------------------------------------ steps

def step_catalogue(s):
    """The expectations are translations, not the English again (which a
    window without its catalogue would show)."""
    strings = PAGES + (MAIN_MENU, TEST_BUTTON, NO_HOST)
    same = [t for t in strings if s.tr(t) == t]
    return not same, f'not translated in {s.mo}: {same}' if same else None


def step_app(s):
    s.app = s.world.find_app(STARTUP_SECONDS)
    if s.app is None:
        return False, (f'no accessible application with pid {s.world.app_proc.pid} '
                       f'(exit status {s.world.app_proc.poll()}); '
                       f'on the desktop: {bg.describe_desktop()}')
    s.app.set_cache_mask(Atspi.Cache.ROLE | Atspi.Cache.NAME)
    return True, None


def step_frame(s):
    s.frame = poll(lambda: bg.window(s.app, 'Burrow', roles=(R.FRAME,)), STARTUP_SECONDS)
    if s.frame is None:
        return False, f'top-level accessibles: {[bg.describe(a) for a in bg.top_levels(s.app)]}'
    return True, None


def step_tabs(s):
    wanted = [s.tr(p) for p in PAGES]
    shown = poll(lambda: all(bg.find(s.frame, R.PAGE_TAB, t) for t in wanted), STARTUP_SECONDS)
    tabs = [bg.name_of(a) for a in bg.find_all(s.frame, R.PAGE_TAB) if bg.on_screen(a)]
    english = [p for p in PAGES if p in tabs]
    return bool(shown) and not english, f'tabs on screen: {tabs}; wanted {wanted}'


def step_main_menu(s):
    name = s.tr(MAIN_MENU)
    button = bg.find(s.frame, R.PUSH_BUTTON, name) or bg.find(s.frame, R.TOGGLE_BUTTON, name)
    if button is None:
        buttons = [bg.name_of(a) for a in bg.find_all(s.frame) if bg.role_of(a) in
                   (R.PUSH_BUTTON, R.TOGGLE_BUTTON) and bg.on_screen(a)]
        return False, f'no button named {name!r}; buttons: {buttons}'
    return True, None


def step_rules_page(s):
    tab = bg.find(s.frame, R.PAGE_TAB, s.tr('Filter Rules'))
    if tab is None or not bg.click(tab):
        return False, 'no Filter Rules tab to click'
    title = s.tr('Filter Rules')
    shown = poll(lambda: bg.is_selected(tab) and title in labels(s.frame), WAIT)
    return bool(shown), f'labels: {labels(s.frame)}'


def step_message_from_c(s):
    button = poll(lambda: bg.find_button(s.frame, s.tr_label(TEST_BUTTON)), WAIT)
    if button is None or not bg.click(button):
        return False, f'no {s.tr_label(TEST_BUTTON)!r} button on screen'
    said = poll(lambda: s.tr(NO_HOST) in labels(s.frame), WAIT)
    return bool(said), f'labels: {labels(s.frame)}'


def step_screenshot(s):
    path, error = s.world.screenshot('window-de')
    return error is None, error or path


def step_still_running(s):
    status = s.world.app_proc.poll()
    return status is None, f'burrow exited with status {status}' if status is not None else None


STEPS = [
    ('the build\'s German catalogue translates what the steps look for', step_catalogue,
     bg.REQUIRED),
    ('burrow appears on the accessibility bus', step_app, bg.REQUIRED),
    ('a frame titled "Burrow" is on screen', step_frame, bg.REQUIRED),
    ('the three page tabs carry their German names', step_tabs, None),
    ('the main menu button has its German name', step_main_menu, None),
    ('the Filter Rules page opens under its German title', step_rules_page, None),
    ('a message set from C is German: testing without a host', step_message_from_c, None),
    ('a screenshot of the German window is saved', step_screenshot, None),
    ('burrow is still running (no crash, no fatal warning)', step_still_running, None),
]


def setup(world):
    german_environment()
    world.start()
    session = Session(world)
    session.prepare()
    session.start()
    return session


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, 'window-de'))
