// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Ordered from least to most secure: when files merge, the larger value wins. */
typedef enum
{
  BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN,
  BROKER_HOST_KEY_POLICY_ASK,
  BROKER_HOST_KEY_POLICY_STRICT,
} BrokerHostKeyPolicy;

typedef enum
{
  BROKER_CONFIG_ORIGIN_GLOBAL,
  BROKER_CONFIG_ORIGIN_USER,
} BrokerConfigOrigin;

typedef struct _BrokerConfig BrokerConfig;
typedef struct _BrokerProfile BrokerProfile;
typedef struct _BrokerRule BrokerRule;
typedef struct _BrokerTunnelConfig BrokerTunnelConfig;

const char *broker_host_key_policy_to_string   (BrokerHostKeyPolicy  policy);
gboolean    broker_host_key_policy_from_string (const char          *text,
                                                BrokerHostKeyPolicy *policy);
const char *broker_config_origin_to_string     (BrokerConfigOrigin   origin);

G_END_DECLS
