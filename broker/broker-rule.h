// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-types.h"
#include "broker-port-list.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  BROKER_RULE_ACTION_TUNNEL,
  BROKER_RULE_ACTION_DIRECT,
  BROKER_RULE_ACTION_BLOCK,
} BrokerRuleAction;

/* One <filter-engine><rule>.  Immutable once built; shared by reference. */
struct _BrokerRule
{
  char *application;          /* glob; NULL or "" = any application */
  char *host;                 /* regular expression, or an address block
                               * ("10.0.0.0/8", "fd00::/8"); NULL or "" = any */
  char *ports;                /* as written; NULL or "" = any port */
  BrokerRuleAction action;
  char *profile;
  gboolean hostname_from_app;
  gboolean fallback_to_plain;
  gboolean ftp;               /* TUNNEL only: carried through the FTP rewriter,
                               * as port 21 always is */

  GRegex *host_regex;         /* anchored, caseless */
  GInetAddressMask *host_block; /* when host is an address block */
  GPatternSpec *application_pattern;
  BrokerPortList *port_list;

  BrokerConfigOrigin origin;
  char *file;
  guint line;
};

BrokerRule *broker_rule_new     (void);
BrokerRule *broker_rule_ref     (BrokerRule  *self);
void        broker_rule_unref   (BrokerRule  *self);
gboolean    broker_rule_compile (BrokerRule  *self,
                                 GError     **error);

gboolean broker_rule_matches_application (const BrokerRule *self,
                                          const char       *application);
gboolean broker_rule_matches_host        (const BrokerRule *self,
                                          const char       *name,
                                          const char       *address);
gboolean broker_rule_matches_port        (const BrokerRule *self,
                                          guint16           port);

const char *broker_rule_action_to_string   (BrokerRuleAction  action);
gboolean    broker_rule_action_from_string (const char       *text,
                                            BrokerRuleAction *action);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerRule, broker_rule_unref)

G_END_DECLS
