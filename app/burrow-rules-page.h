// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-broker-client.h"

G_BEGIN_DECLS

#define BURROW_TYPE_RULES_PAGE (burrow_rules_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowRulesPage, burrow_rules_page, BURROW, RULES_PAGE, AdwBin)

/* Filter Rules: the ordered rules (the user's can be moved, edited and
 * deleted), and a box that asks the broker which rule decides a given
 * destination. */
void burrow_rules_page_set_client (BurrowRulesPage    *self,
                                   BurrowBrokerClient *client);

G_END_DECLS
