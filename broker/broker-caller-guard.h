// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes every method call to @object's interfaces pass
 * broker-caller-policy.h first: the caller's user and process come from
 * the message bus (GetConnectionCredentials), its sandbox from the
 * process's root (broker-sandbox.h), as the desktop portals tell
 * applications apart.  A refused call gets
 * org.freedesktop.DBus.Error.AccessDenied and never reaches the handler. */
void broker_caller_guard_object (GDBusObjectSkeleton *object);

G_END_DECLS
