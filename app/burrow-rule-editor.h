// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-broker-client.h"

G_BEGIN_DECLS

#define BURROW_TYPE_RULE_EDITOR (burrow_rule_editor_get_type ())

G_DECLARE_FINAL_TYPE (BurrowRuleEditor, burrow_rule_editor, BURROW, RULE_EDITOR, AdwWindow)

/* Every attribute of one user rule.  Fields are checked as they are typed;
 * saving replaces the user's rules (SetRules) with @user_rules where rule
 * @index (-1: a new one, added last) is the edited one, and what the broker
 * refuses is shown in the editor, which stays open. */
BurrowRuleEditor *burrow_rule_editor_new (GtkWindow          *parent,
                                          BurrowBrokerClient *client,
                                          GVariant           *user_rules,
                                          int                 index,
                                          const char * const *profile_ids);

/* Without "origin" and "line", which the broker sets and refuses. */
GVariant *burrow_rule_editor_strip_rule (GVariant *rule);

G_END_DECLS
