#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A window of the widgets Burrow's GUI is made of (GtkEntry, AdwEntryRow,
# AdwPasswordEntryRow, a GtkSwitch row, a GtkCheckButton, an
# AdwMessageDialog), for test-helpers.py: it checks that burrowgui's AT-SPI
# helpers can type into, read, toggle and answer them on this GTK.  What the
# user did is echoed in the "Result" label, which the test reads back.

import sys

import gi

gi.require_version('Gtk', '4.0')
gi.require_version('Adw', '1')
from gi.repository import Adw, Gio, Gtk  # noqa: E402


def build(app):
    win = Adw.ApplicationWindow(application=app, title='Widgets')
    win.set_default_size(600, 560)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6, margin_top=12,
                  margin_bottom=12, margin_start=12, margin_end=12)
    win.set_content(box)

    result = Gtk.Label(label='nothing yet')
    result.update_property([Gtk.AccessibleProperty.LABEL], ['Result'])

    entry = Gtk.Entry(placeholder_text='plain')
    entry.update_property([Gtk.AccessibleProperty.LABEL], ['Plain entry'])
    box.append(entry)

    group = Adw.PreferencesGroup(title='Rows')
    host = Adw.EntryRow(title='Host')
    password = Adw.PasswordEntryRow(title='Password')
    switch = Gtk.Switch(valign=Gtk.Align.CENTER)
    switch_row = Adw.ActionRow(title='Enabled', activatable_widget=switch)
    switch_row.add_suffix(switch)
    for row in (host, password, switch_row):
        group.add(row)
    box.append(group)

    check = Gtk.CheckButton(label='Remember')
    box.append(check)

    def show(text):
        result.set_label(text)

    entry.connect('activate', lambda e: show(f'entry: {e.get_text()}'))
    host.connect('apply', lambda r: show(f'host: {r.get_text()}'))
    host.set_show_apply_button(True)
    switch.connect('notify::active', lambda s, _: show(f'switch: {s.get_active()}'))
    check.connect('toggled', lambda c: show(f'check: {c.get_active()}'))

    def ask(_button):
        dialog = Adw.MessageDialog(transient_for=win, modal=True,
                                   heading='Unknown Host Key',
                                   body='SHA256:fixture')
        dialog.add_response('cancel', '_Cancel')
        dialog.add_response('save', '_Save')
        dialog.set_default_response('save')
        dialog.connect('response', lambda d, r: show(f'dialog: {r}'))
        dialog.present()

    button = Gtk.Button(label='_Ask', use_underline=True)
    button.connect('clicked', ask)
    box.append(button)
    box.append(result)
    win.present()


def main():
    app = Adw.Application(application_id='io.github.burrow.TestWidgets',
                          flags=Gio.ApplicationFlags.NON_UNIQUE)
    app.connect('activate', build)
    return app.run(sys.argv[:1])


if __name__ == '__main__':
    sys.exit(main())
