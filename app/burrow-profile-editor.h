// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-broker-client.h"

G_BEGIN_DECLS

#define BURROW_TYPE_PROFILE_EDITOR (burrow_profile_editor_get_type ())

G_DECLARE_FINAL_TYPE (BurrowProfileEditor, burrow_profile_editor, BURROW, PROFILE_EDITOR, AdwWindow)

/* Every field of a profile, its tunnels included.  Saving goes to the
 * broker (SaveProfile); what the broker refuses is shown in the editor,
 * which stays open.  @profile NULL: a new profile; @duplicate: a new one
 * that starts as a copy of @profile.  @profile_ids: those that exist, for
 * the gateway choice and a fresh id. */
BurrowProfileEditor *burrow_profile_editor_new (GtkWindow          *parent,
                                                BurrowBrokerClient *client,
                                                GVariant           *profile,
                                                gboolean            duplicate,
                                                const char * const *profile_ids);

G_END_DECLS
