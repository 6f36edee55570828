// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/* Reading a configuration file from disk, size-capped before it is read.
 * Blocking: the broker calls it from a worker thread, burrowctl directly. */
gboolean      broker_config_file_read (const char          *path,
                                       gboolean             missing_ok,
                                       char               **contents,
                                       gsize               *length,
                                       GError             **error);
BrokerConfig *broker_config_file_load (const char          *path,
                                       gboolean             missing_ok,
                                       BrokerConfigOrigin   origin,
                                       const BrokerConfig  *base,
                                       GError             **error);

G_END_DECLS
