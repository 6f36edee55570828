// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-broker-client.h"

G_BEGIN_DECLS

#define BURROW_TYPE_PROFILES_PAGE (burrow_profiles_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowProfilesPage, burrow_profiles_page, BURROW, PROFILES_PAGE, AdwBin)

/* Connection Profiles: every profile with the state of its SSH session,
 * and what can be done with it (connect, test, edit, import …). */
void burrow_profiles_page_set_client (BurrowProfilesPage *self,
                                      BurrowBrokerClient *client);

G_END_DECLS
