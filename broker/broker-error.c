// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-error.h"

#include <gio/gio.h>

static const GDBusErrorEntry broker_error_entries[] = {
  { BROKER_ERROR_FAILED, "io.github.burrow.Burrow.Error.Failed" },
  { BROKER_ERROR_INVALID_CONFIG, "io.github.burrow.Burrow.Error.InvalidConfig" },
  { BROKER_ERROR_NOT_FOUND, "io.github.burrow.Burrow.Error.NotFound" },
  { BROKER_ERROR_READ_ONLY, "io.github.burrow.Burrow.Error.ReadOnly" },
  { BROKER_ERROR_INVALID_ARGS, "io.github.burrow.Burrow.Error.InvalidArgs" },
  { BROKER_ERROR_HOST_KEY_REFUSED, "io.github.burrow.Burrow.Error.HostKeyRefused" },
  { BROKER_ERROR_NO_AGENT, "io.github.burrow.Burrow.Error.NoAgent" },
  { BROKER_ERROR_CANCELLED, "io.github.burrow.Burrow.Error.Cancelled" },
};

/* Registered with GDBus so that the same GError reaches burrowctl and the GUI
 * with its code intact. */
GQuark
broker_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("broker-error-quark", &quark,
                                      broker_error_entries,
                                      G_N_ELEMENTS (broker_error_entries));
  return (GQuark) quark;
}
