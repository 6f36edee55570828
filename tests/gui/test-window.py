#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the built Burrow window from outside, over AT-SPI, and checks what a
# user would see: the window, its three page tabs, switching pages by clicking
# a tab, the main menu button, and a screenshot that is not blank.
#
# Run with /usr/bin/python3 (the python3 on PATH may lack gi), under Xvfb and a
# private D-Bus session: xvfb-run ... dbus-run-session -- meson test --suite gui.
# Output is TAP.  The bus, the accessibility bus, the throwaway HOME and the
# helpers are burrowgui's (tests/gui/burrowgui.py).

import os
import sys
import time

# Nothing written next to the sources.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import burrowgui as bg  # noqa: E402
from burrowgui import Atspi, extents, find_all, matches, on_screen, poll, walk  # noqa: E402

PAGES = ('Connection Profiles', 'Connection Capture', 'Filter Rules')
STARTUP_SECONDS = 15      # whole budget for burrow to start and lay out
SWITCH_SECONDS = 5        # budget for a page switch after a click
MIN_CHANGED_PIXELS = 100   # one changed glyph is more than this


# ------------------------------------------------------- window-specific queries

def shown_window(app, title):
    return bg.window(app, title, roles=(Atspi.Role.FRAME,))


PAGE_WIDGETS = {'Connection Profiles': 'BurrowProfilesPage',
                'Connection Capture': 'BurrowCapturePage',
                'Filter Rules': 'BurrowRulesPage'}


def page_labels(frame, page):
    """The title of one stack page: each page (a filler named after its
    widget type) opens with a group titled as its tab is."""
    pages = find_all(frame, Atspi.Role.FILLER, PAGE_WIDGETS[page])
    if not pages:
        return []
    return [a for a in walk(pages[0]) if matches(a, Atspi.Role.LABEL, page)]


def page_visible(frame, page):
    labels = page_labels(frame, page)
    return bool(labels) and all(on_screen(a) for a in labels)


# ------------------------------------------------------------------ steps

class Session:
    """What the steps share: the World burrow runs in, what was found of
    burrow, and where the screenshots go."""

    def __init__(self, world):
        self.world = world
        self.proc = None
        self.start_shot = os.path.join(world.screenshot_dir, 'window-start.png')
        self.end_shot = os.path.join(world.screenshot_dir, 'window.png')
        self.app = None
        self.frame = None
        self.profiles_title = None   # its rectangle while it was shown
        self.startup_end = None
        # A screenshot left by an earlier run must not stand in for this one.
        for path in (self.start_shot, self.end_shot):
            if os.path.exists(path):
                os.remove(path)

    def start(self):
        self.proc = self.world.start_app()
        # One budget for everything up to a laid-out window, not one per step.
        self.startup_end = time.monotonic() + STARTUP_SECONDS

    def startup_left(self):
        return max(0.0, self.startup_end - time.monotonic())


def step_app(s):
    s.app = s.world.find_app(s.startup_left())
    if s.app is None:
        return False, (f'no accessible application with pid {s.proc.pid} '
                       f'(burrow exit status: {s.proc.poll()}); '
                       f'on the desktop: {bg.describe_desktop()}')
    # Roles and names of this window do not change, so caching them halves
    # the round trips of each tree walk; states (selection) do change, and
    # nothing here runs the main loop that would keep them fresh in a cache.
    s.app.set_cache_mask(Atspi.Cache.ROLE | Atspi.Cache.NAME)
    name = s.app.get_name()
    return name == 'burrow', f'application name: {name!r}'


def step_frame(s):
    s.frame = poll(lambda: shown_window(s.app, 'Burrow'), s.startup_left())
    if s.frame is None:
        names = [bg.describe(a) for a in bg.top_levels(s.app)]
        return False, f'top-level accessibles: {names}'
    return True, None


def step_tab(page):
    def check(s):
        # The first layout may still be on its way: wait for it, bounded.
        tab = poll(lambda: bg.find(s.frame, Atspi.Role.PAGE_TAB, page),
                   s.startup_left())
        if tab is None:
            count = len(find_all(s.frame, Atspi.Role.PAGE_TAB, page))
            return False, f'{count} tab(s) named {page!r}, none on screen'
        return True, None
    return check


def step_menu_button(s):
    if bg.find(s.frame, Atspi.Role.PUSH_BUTTON, 'Main Menu') is None:
        return False, 'no "Main Menu" push button on screen'
    return True, None


def step_first_page(s):
    page = 'Connection Profiles'
    if not poll(lambda: page_visible(s.frame, page), SWITCH_SECONDS):
        return False, f'{page} page title not on screen'
    title = next((a for a in page_labels(s.frame, page) if a.get_name() == page), None)
    if title is None:
        return False, f'no {page!r} title label on the page'
    s.profiles_title = extents(title)
    # The reference for step_profiles_hidden: AT-SPI alone cannot tell.
    error = bg.save_screen(s.start_shot)
    return error is None, error


def step_click_rules_tab(s):
    tab = bg.find(s.frame, Atspi.Role.PAGE_TAB, 'Filter Rules')
    if tab is None:
        return False, 'no "Filter Rules" tab on screen to click'
    bg.click(tab)
    if not poll(lambda: bg.is_selected(tab), SWITCH_SECONDS):
        return False, f'tab not selected after {SWITCH_SECONDS} s'
    return True, None


def step_rules_page(s):
    visible = poll(lambda: page_visible(s.frame, 'Filter Rules'), SWITCH_SECONDS)
    if not visible:
        labels = [a.get_name() for a in page_labels(s.frame, 'Filter Rules')]
        return False, f'not all on screen: {labels}'
    return True, None


def step_profiles_hidden(s):
    """GTK 4.8 keeps reporting the last extents of a page the stack hid (and
    sets no SHOWING state, and its hit test is broken), so ask the switcher
    whether the page is still the selected one, and the screen whether the
    page's title is still drawn where it was."""
    tab = bg.find(s.frame, Atspi.Role.PAGE_TAB, 'Connection Profiles')
    if tab is None or bg.is_selected(tab):
        return False, 'the "Connection Profiles" tab is still selected'
    if s.profiles_title is None:
        return False, 'no rectangle of the Connection Profiles title to look at'
    error = bg.save_screen(s.end_shot)
    if error:
        return False, error
    geometry = bg.to_screen(s.profiles_title)[2]
    changed, error = bg.pixels_differing(s.start_shot, s.end_shot, geometry)
    if error:
        return False, error
    return changed > MIN_CHANGED_PIXELS, f'{changed} pixels changed in {geometry}'


def step_screenshot(s):
    if not os.path.exists(s.end_shot):
        error = bg.save_screen(s.end_shot)
        if error:
            return False, error
    count, error = bg.colour_count(s.end_shot)
    if error:
        return False, error
    return count > bg.MIN_SCREENSHOT_COLOURS, f'{s.end_shot}: {count} colours'


def step_still_running(s):
    # G_DEBUG=fatal-warnings from the test env makes any warning a crash.
    status = s.proc.poll()
    if status is not None:
        return False, f'burrow exited with status {status}'
    return True, None


STEPS = [
    ('burrow appears on the accessibility bus as "burrow"', step_app, bg.REQUIRED),
    ('a frame titled "Burrow" is on screen', step_frame, bg.REQUIRED),
] + [
    (f'page tab "{page}" is on screen', step_tab(page), None) for page in PAGES
] + [
    ('the "Main Menu" button is on screen', step_menu_button, None),
    ('the Connection Profiles page is shown first', step_first_page, None),
    ('clicking the "Filter Rules" tab selects it', step_click_rules_tab, None),
    ('the Filter Rules page title becomes visible', step_rules_page, None),
    ('the Connection Profiles page is no longer shown', step_profiles_hidden, None),
    ('the screenshot is not one flat colour', step_screenshot, None),
    ('burrow is still running (no crash, no fatal warning)', step_still_running, None),
]


def setup(world):
    # A missing display, bus or accessibility bus is the environment's
    # lack, not a Burrow failure: World.start() skips the test then.
    world.start()
    session = Session(world)
    session.start()
    return session


if __name__ == '__main__':
    sys.exit(bg.run_test(STEPS, setup, 'window'))
