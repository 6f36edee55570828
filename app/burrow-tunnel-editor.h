// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BURROW_TYPE_TUNNEL_EDITOR (burrow_tunnel_editor_get_type ())

G_DECLARE_FINAL_TYPE (BurrowTunnelEditor, burrow_tunnel_editor, BURROW, TUNNEL_EDITOR, AdwWindow)

/* One tunnel of a profile: its kind (local, remote, dynamic), type (TCP or
 * FTP), ports and relay.  "done" hands the tunnel (a{sv}, the profile
 * dictionary's tunnel keys plus "kind") to the profile editor, which saves
 * it with the profile.  @index: which tunnel of the profile, -1 a new one. */
BurrowTunnelEditor *burrow_tunnel_editor_new       (GtkWindow          *parent,
                                                    GVariant           *tunnel,
                                                    int                 index);
int                 burrow_tunnel_editor_get_index (BurrowTunnelEditor *self);

G_END_DECLS
