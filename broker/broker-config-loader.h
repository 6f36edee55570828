// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/* Parses and validates one configuration file and merges it over @base (the
 * global configuration when loading the user's file; NULL otherwise).
 * Pure: bytes in, a new BrokerConfig or a "file:line: message" error out. */
BrokerConfig *broker_config_loader_load (const char          *data,
                                         gsize                length,
                                         const char          *filename,
                                         BrokerConfigOrigin   origin,
                                         const BrokerConfig  *base,
                                         GError             **error);

G_END_DECLS
