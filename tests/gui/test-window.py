#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the built Burrow window from outside, over AT-SPI, and checks what a
# user would see: the window, its three page tabs, switching pages by clicking
# a tab, the main menu button, and a screenshot that is not blank.
#
# Run with /usr/bin/python3 (the python3 on PATH may lack gi), under Xvfb and a
# private D-Bus session: xvfb-run ... dbus-run-session -- meson test --suite gui.
# Output is TAP.

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version('Atspi', '2.0')
gi.require_version('Gio', '2.0')
from gi.repository import Atspi, Gio, GLib  # noqa: E402

PAGES = ('Connection Profiles', 'Connection Capture', 'Filter Rules')
STARTUP_SECONDS = 15      # whole budget for burrow to start and lay out
SWITCH_SECONDS = 5        # budget for a page switch after a click
POLL_INTERVAL = 0.1
DISPLAY_ATTEMPTS = 30     # at POLL_INTERVAL: ample for an Xvfb reset
EXIT_SECONDS = 5          # how long burrow gets to exit on SIGTERM
MAX_TREE_DEPTH = 40       # the window tree is ~25 deep today
MAX_TREE_NODES = 5000     # ~250 today; a bound, not a budget
MIN_SCREENSHOT_COLOURS = 10
MIN_CHANGED_PIXELS = 100   # one changed glyph is more than this


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


# ------------------------------------------------------------ bounded waiting

def poll(predicate, seconds):
    """Calls predicate until it returns something truthy or the time is up;
    returns its last value. Bounded both in time and in attempts."""
    end = time.monotonic() + seconds
    value = None
    for _ in range(int(seconds / POLL_INTERVAL) + 1):
        value = predicate()
        if value or time.monotonic() >= end:
            break
        time.sleep(POLL_INTERVAL)
    return value


# ---------------------------------------------------------- environment

def hold_display():
    """Opens a connection to the X display and keeps it: Xvfb (as xvfb-run
    starts it, without -noreset) resets whenever its last client leaves,
    and a client connecting during a reset is refused. Without this hold,
    the connection libatspi opens and closes in Atspi.init() is enough for
    burrow to fail with "cannot open display" now and then.
    Returns (connection, None) or (None, why the display is unusable)."""
    try:
        xlib = ctypes.CDLL('libX11.so.6')
    except OSError as error:
        return None, f'no libX11: {error}'
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    # Another client leaving may have started a reset just now: retry.
    for _ in range(DISPLAY_ATTEMPTS):
        connection = xlib.XOpenDisplay(None)
        if connection:
            return connection, None
        time.sleep(POLL_INTERVAL)
    return None, f'cannot open X display {os.environ.get("DISPLAY")}'


def a11y_bus_problem():
    """Returns why the accessibility bus cannot be used, or None. Asking
    org.a11y.Bus for its address also activates the bus if needed."""
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        # Without a session bus GIO would autolaunch a stray one.
        return 'no D-Bus session bus (run under dbus-run-session)'
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        bus.call_sync('org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus',
                      'GetAddress', None, GLib.VariantType('(s)'),
                      Gio.DBusCallFlags.NONE, 5000, None)
    except GLib.Error as error:
        return f'accessibility bus unreachable: {error.message}'
    return None


def build_paths():
    build_root = os.environ.get('BURROW_BUILD_ROOT')
    if not build_root:
        print('Bail out! BURROW_BUILD_ROOT is not set (run through meson test)',
              flush=True)
        sys.exit(1)
    out_dir = os.path.join(os.environ.get('G_TEST_BUILDDIR',
                                          os.path.join(build_root, 'tests')),
                           'gui')
    os.makedirs(out_dir, exist_ok=True)
    return build_root, out_dir


def child_environment(build_root, config_home):
    env = dict(os.environ)
    # meson's test env disables the bridge for the C tests; here it is the
    # whole point. GTK_A11Y=none would do the same.
    env.pop('NO_AT_BRIDGE', None)
    env.pop('GTK_A11Y', None)
    env['GSETTINGS_SCHEMA_DIR'] = os.path.join(build_root, 'data')
    env['GSETTINGS_BACKEND'] = 'memory'
    # Clicks go through XTest and the screenshot reads the X root window, so
    # the app must be an X client even where a Wayland display is around.
    env['GDK_BACKEND'] = 'x11'
    # A private settings.ini turns animations off, so the screenshot shows a
    # settled frame rather than a transition.
    env['XDG_CONFIG_HOME'] = config_home
    return env


def write_gtk_settings(config_home):
    gtk_dir = os.path.join(config_home, 'gtk-4.0')
    os.makedirs(gtk_dir, exist_ok=True)
    with open(os.path.join(gtk_dir, 'settings.ini'), 'w') as f:
        f.write('[Settings]\ngtk-enable-animations=0\n')


def die_with_parent():
    # If this script is killed outright, the kernel ends burrow too.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_burrow(build_root, env):
    # stdout goes to our stderr: our stdout is the TAP stream.
    return subprocess.Popen([os.path.join(build_root, 'app', 'burrow')],
                            env=env, stdin=subprocess.DEVNULL,
                            stdout=sys.stderr, stderr=sys.stderr,
                            preexec_fn=die_with_parent)


def stop_burrow(proc):
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=EXIT_SECONDS)
    except subprocess.TimeoutExpired:
        diag(f'burrow ignored SIGTERM for {EXIT_SECONDS} s; killing it')
        proc.kill()
        proc.wait(timeout=EXIT_SECONDS)


def relax_own_fatal_warnings():
    # G_DEBUG=fatal-warnings is meant for burrow, which keeps it. In this
    # process libatspi warns whenever GTK 4.8 lacks the cache object it asks
    # a newly registered application for: a toolkit diagnostic that must not
    # abort the test (and orphan burrow) at random.
    GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_ERROR)


def raise_on_sigterm(signum, frame):
    # meson sends SIGTERM on timeout: turn it into an exception so the
    # finally blocks still stop burrow.
    raise KeyboardInterrupt(f'signal {signum}')


# --------------------------------------------------------- AT-SPI queries

def walk(root):
    """Yields root's descendants (not root), depth-first, within fixed
    bounds. Nodes that vanish while being read are skipped."""
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
            count = node.get_child_count()
            children = [node.get_child_at_index(i) for i in range(count)]
        except GLib.Error:
            continue
        stack.extend((c, depth + 1) for c in reversed(children) if c)


def matches(acc, role, name):
    try:
        return acc.get_role() == role and acc.get_name() == name
    except GLib.Error:
        return False


def find_all(root, role, name):
    return [acc for acc in walk(root) if matches(acc, role, name)]


def extents(acc):
    # Window-relative: GTK 4.8 cannot report screen coordinates and logs a
    # warning when asked, which G_DEBUG=fatal-warnings turns into a crash.
    try:
        return acc.get_extents(Atspi.CoordType.WINDOW)
    except GLib.Error:
        return None


def on_screen(acc):
    """Whether a user can see acc. GTK 4.8 sets SHOWING only on the window
    and VISIBLE even on pages a stack hides; hidden widgets and the spare
    view switchers have a 0x0 allocation, shown ones do not."""
    rect = extents(acc)
    return rect is not None and rect.width > 0 and rect.height > 0


def top_levels(app):
    """The application's windows: its direct children, read at most a fixed
    number of them."""
    try:
        count = min(app.get_child_count(), MAX_TREE_NODES)
        return [c for c in (app.get_child_at_index(i) for i in range(count)) if c]
    except GLib.Error:
        return []


def shown_window(app, title):
    return next((w for w in top_levels(app)
                 if matches(w, Atspi.Role.FRAME, title) and on_screen(w)), None)


def shown(root, role, name):
    """The one on-screen accessible with this role and name, or None."""
    return next((a for a in find_all(root, role, name) if on_screen(a)), None)


def is_selected(acc):
    try:
        return acc.get_state_set().contains(Atspi.StateType.SELECTED)
    except GLib.Error:
        return False


def find_app(pid):
    """The application on the desktop that is our burrow process: a second
    instance would only activate the first one over D-Bus and exit."""
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        try:
            if app and app.get_process_id() == pid:
                return app
        except GLib.Error:
            continue
    return None


def page_labels(frame, page):
    """The status page's title and description of one stack page: the
    labels under the panel the AdwViewStack names after the page."""
    panels = find_all(frame, Atspi.Role.PANEL, page)
    if not panels:
        return []
    return [a for a in walk(panels[0]) if a.get_role() == Atspi.Role.LABEL]


def page_visible(frame, page):
    labels = page_labels(frame, page)
    return bool(labels) and all(on_screen(a) for a in labels)


def to_screen(rect):
    """The centre and geometry of rect (window coordinates) on the screen.
    With no window manager under Xvfb the window sits at the root origin,
    so window coordinates are screen coordinates up to the few pixels of
    client-side decoration margin: well inside a 194x34 tab."""
    return (rect.x + rect.width // 2, rect.y + rect.height // 2,
            f'{rect.width}x{rect.height}+{rect.x}+{rect.y}')


def click_centre(acc):
    x, y, _ = to_screen(extents(acc))
    diag(f'clicking at ({x}, {y})')
    Atspi.generate_mouse_event(x, y, 'b1c')


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


def screenshot(path):
    """Saves the X root window to path; returns an error or None."""
    return run_tool(['import', '-window', 'root', path])[2]


def colour_count(path):
    out, _, error = run_tool(['identify', '-format', '%k', path])
    return (None, error) if error else (int(out), None)


def pixels_differing(path_a, path_b, geometry):
    """How many pixels differ between two screenshots inside geometry.
    compare exits 1 when they differ and prints the count on stderr."""
    _, count, error = run_tool(['compare', '-metric', 'AE',
                                f'{path_a}[{geometry}]', f'{path_b}[{geometry}]',
                                'null:'], ok_codes=(0, 1))
    return (None, error) if error else (int(float(count.split()[0])), None)


# ------------------------------------------------------------------ steps

class Session:
    """What the steps share: the burrow process, what was found of it, and
    where the screenshots go."""

    def __init__(self, proc, out_dir):
        self.proc = proc
        self.start_shot = os.path.join(out_dir, 'window-start.png')
        self.end_shot = os.path.join(out_dir, 'window.png')
        self.app = None
        self.frame = None
        self.profiles_title = None   # its rectangle while it was shown
        # One budget for everything up to a laid-out window, not one per step.
        self.startup_end = time.monotonic() + STARTUP_SECONDS
        # A screenshot left by an earlier run must not stand in for this one.
        for path in (self.start_shot, self.end_shot):
            if os.path.exists(path):
                os.remove(path)

    def startup_left(self):
        return max(0.0, self.startup_end - time.monotonic())


def describe_desktop():
    desktop = Atspi.get_desktop(0)
    apps = [desktop.get_child_at_index(i) for i in range(desktop.get_child_count())]
    return ', '.join(f'{a.get_name()!r} (pid {a.get_process_id()})' for a in apps if a)


def wait_for_app(s):
    """Our burrow's accessible application; None once burrow has exited
    (no point in waiting on) or the startup budget is spent."""
    exited = object()

    def attempt():
        return exited if s.proc.poll() is not None else find_app(s.proc.pid)

    found = poll(attempt, s.startup_left())
    return None if found is exited else found


def step_app(s):
    s.app = wait_for_app(s)
    if s.app is None:
        return False, (f'no accessible application with pid {s.proc.pid} '
                       f'(burrow exit status: {s.proc.poll()}); '
                       f'on the desktop: {describe_desktop()}')
    # Roles and names of this window do not change, so caching them halves
    # the round trips of each tree walk; states (selection) do change, and
    # nothing here runs the main loop that would keep them fresh in a cache.
    s.app.set_cache_mask(Atspi.Cache.ROLE | Atspi.Cache.NAME)
    name = s.app.get_name()
    return name == 'burrow', f'application name: {name!r}'


def step_frame(s):
    s.frame = poll(lambda: shown_window(s.app, 'Burrow'), s.startup_left())
    if s.frame is None:
        names = [f'{a.get_role_name()} {a.get_name()!r}' for a in top_levels(s.app)]
        return False, f'top-level accessibles: {names}'
    return True, None


def step_tab(page):
    def check(s):
        # The first layout may still be on its way: wait for it, bounded.
        tab = poll(lambda: shown(s.frame, Atspi.Role.PAGE_TAB, page),
                   s.startup_left())
        if tab is None:
            count = len(find_all(s.frame, Atspi.Role.PAGE_TAB, page))
            return False, f'{count} tab(s) named {page!r}, none on screen'
        return True, None
    return check


def step_menu_button(s):
    if shown(s.frame, Atspi.Role.PUSH_BUTTON, 'Main Menu') is None:
        return False, 'no "Main Menu" push button on screen'
    return True, None


def step_first_page(s):
    page = 'Connection Profiles'
    if not poll(lambda: page_visible(s.frame, page), SWITCH_SECONDS):
        return False, f'{page} status text not on screen'
    title = next((a for a in page_labels(s.frame, page) if a.get_name() == page), None)
    if title is None:
        return False, f'no {page!r} title label on the page'
    s.profiles_title = extents(title)
    # The reference for step_profiles_hidden: AT-SPI alone cannot tell.
    error = screenshot(s.start_shot)
    return error is None, error


def step_click_rules_tab(s):
    tab = shown(s.frame, Atspi.Role.PAGE_TAB, 'Filter Rules')
    if tab is None:
        return False, 'no "Filter Rules" tab on screen to click'
    click_centre(tab)
    if not poll(lambda: is_selected(tab), SWITCH_SECONDS):
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
    tab = shown(s.frame, Atspi.Role.PAGE_TAB, 'Connection Profiles')
    if tab is None or is_selected(tab):
        return False, 'the "Connection Profiles" tab is still selected'
    if s.profiles_title is None:
        return False, 'no rectangle of the Connection Profiles title to look at'
    error = screenshot(s.end_shot)
    if error:
        return False, error
    geometry = to_screen(s.profiles_title)[2]
    changed, error = pixels_differing(s.start_shot, s.end_shot, geometry)
    if error:
        return False, error
    return changed > MIN_CHANGED_PIXELS, f'{changed} pixels changed in {geometry}'


def step_screenshot(s):
    if not os.path.exists(s.end_shot):
        error = screenshot(s.end_shot)
        if error:
            return False, error
    count, error = colour_count(s.end_shot)
    if error:
        return False, error
    return count > MIN_SCREENSHOT_COLOURS, f'{s.end_shot}: {count} colours'


def step_still_running(s):
    # G_DEBUG=fatal-warnings from the test env makes any warning a crash.
    status = s.proc.poll()
    if status is not None:
        return False, f'burrow exited with status {status}'
    return True, None


REQUIRED = 'required'
STEPS = [
    ('burrow appears on the accessibility bus as "burrow"', step_app, REQUIRED),
    ('a frame titled "Burrow" is on screen', step_frame, REQUIRED),
] + [
    (f'page tab "{page}" is on screen', step_tab(page), None) for page in PAGES
] + [
    ('the "Main Menu" button is on screen', step_menu_button, None),
    ('the Connection Profiles page is shown first', step_first_page, None),
    ('clicking the "Filter Rules" tab selects it', step_click_rules_tab, None),
    ('the Filter Rules status text becomes visible', step_rules_page, None),
    ('the Connection Profiles page is no longer shown', step_profiles_hidden, None),
    ('the screenshot is not one flat colour', step_screenshot, None),
    ('burrow is still running (no crash, no fatal warning)', step_still_running, None),
]


def run_steps(tap, session):
    for _, step, kind in STEPS:
        try:
            passed, detail = step(session)
        except GLib.Error as error:
            passed, detail = False, f'AT-SPI error: {error.message}'
        except Exception as error:  # a bug here still reports as a failure
            passed, detail = False, f'{type(error).__name__}: {error}'
        tap.result(passed, detail)
        if not passed and kind == REQUIRED:
            tap.finish('not run: an earlier required step failed')
            return


def main():
    relax_own_fatal_warnings()
    # A missing or unusable display or bus is the environment's lack, not a
    # Burrow failure: say so and skip.
    if not os.environ.get('DISPLAY'):
        skip_all('no display')
    # Held, never closed: exiting closes it, after burrow has gone.
    _held_display, problem = hold_display()
    problem = problem or a11y_bus_problem()
    if problem:
        skip_all(problem)
    build_root, out_dir = build_paths()
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    Atspi.init()

    tap = Tap(name for name, _, _ in STEPS)
    with tempfile.TemporaryDirectory(prefix='burrow-gui-') as config_home:
        write_gtk_settings(config_home)
        proc = start_burrow(build_root, child_environment(build_root, config_home))
        try:
            run_steps(tap, Session(proc, out_dir))
        finally:
            stop_burrow(proc)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
