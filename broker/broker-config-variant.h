// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/* The D-Bus dictionaries of io.github.burrow.Burrow.Broker1 (see its XML):
 * keys are the configuration file's attribute names. */
GVariant      *broker_profile_to_variant   (const BrokerProfile *profile);
BrokerProfile *broker_profile_from_variant (GVariant            *dict,
                                            GError             **error);
GVariant      *broker_rule_to_variant      (const BrokerRule    *rule);
BrokerRule    *broker_rule_from_variant    (GVariant            *dict,
                                            GError             **error);
BrokerTunnelConfig *broker_tunnel_config_from_variant (GVariant  *dict,
                                                       GError   **error);

G_END_DECLS
