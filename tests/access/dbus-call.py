#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calls the broker's D-Bus methods as whoever runs it (another user, a
sandboxed application): argv[1] is the bus address; each further argument is a call,
"OBJECT-PATH INTERFACE METHOD [GVARIANT-TEXT-OF-THE-ARGUMENTS]", tab-separated.
Prints one line per call: "ok", or the D-Bus error name and its message.
A connection the bus refuses prints "no-bus: WHY" once and exits 0."""
import sys

from gi.repository import Gio, GLib

BROKER = "io.github.burrow.Burrow.Broker"
TIMEOUT_MS = 20000


def connect(address):
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
             | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
    return Gio.DBusConnection.new_for_address_sync(address, flags, None, None)


def call(connection, line):
    fields = line.split("\t")
    path, interface, method = fields[:3]
    params = GLib.Variant.parse(None, fields[3], None, None) if len(fields) > 3 else None
    try:
        connection.call_sync(BROKER, path, interface, method, params, None,
                             Gio.DBusCallFlags.NONE, TIMEOUT_MS, None)
        return "ok"
    except GLib.Error as error:
        name = Gio.DBusError.get_remote_error(error) or "local"
        message = error.message.removeprefix(f"GDBus.Error:{name}: ")
        return f"{name}: {message}"


def main():
    try:
        connection = connect(sys.argv[1])
    except GLib.Error as error:
        print(f"no-bus: {error.message}", flush=True)
        return 0
    for line in sys.argv[2:]:
        print(call(connection, line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
