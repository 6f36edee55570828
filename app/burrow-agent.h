// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BURROW_TYPE_AGENT (burrow_agent_get_type ())

G_DECLARE_FINAL_TYPE (BurrowAgent, burrow_agent, BURROW, AGENT, GObject)

/* The front end's io.github.burrow.Burrow.Agent1: the broker's questions
 * (host keys, passwords, passphrases, keyboard-interactive rounds) and its
 * warnings (a changed host key) as dialogs.  Registered with the broker
 * whenever the broker is on the bus, so the broker's most recent agent is
 * this window's; with no window open the dialogs stand alone. */
BurrowAgent *burrow_agent_new      (GtkApplication   *application);
gboolean     burrow_agent_export   (BurrowAgent      *self,
                                    GDBusConnection  *connection,
                                    GError          **error);
void         burrow_agent_unexport (BurrowAgent      *self);

G_END_DECLS
