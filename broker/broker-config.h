// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-types.h"
#include "broker-profile.h"
#include "broker-rule.h"

G_BEGIN_DECLS

/* The merged, validated configuration the broker runs on.  Immutable once
 * built: a new configuration replaces the old one as a whole. */
struct _BrokerConfig
{
  BrokerHostKeyPolicy host_key_policy;
  gboolean host_key_policy_explicit; /* set by a file, not the default */
  GPtrArray *known_hosts;            /* char *, paths as written ("~/" allowed) */
  GPtrArray *profiles;               /* BrokerProfile, file order, global first */
  GPtrArray *rules;                  /* BrokerRule, evaluation order */
  gboolean capture_enable_at_startup;
};

BrokerConfig  *broker_config_new            (void);
BrokerConfig  *broker_config_copy           (const BrokerConfig *self);
BrokerConfig  *broker_config_ref            (BrokerConfig       *self);
void           broker_config_unref          (BrokerConfig       *self);
BrokerProfile *broker_config_find_profile   (const BrokerConfig *self,
                                             const char         *id);
void           broker_config_put_profile    (BrokerConfig       *self,
                                             BrokerProfile      *profile);
guint          broker_config_count_rules    (const BrokerConfig *self,
                                             BrokerConfigOrigin  origin);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerConfig, broker_config_unref)

G_END_DECLS
