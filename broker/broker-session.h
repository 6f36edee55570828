// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "burrow-dbus.h"
#include "broker-config.h"

G_BEGIN_DECLS

#define BROKER_TYPE_SESSION (broker_session_get_type ())
G_DECLARE_FINAL_TYPE (BrokerSession, broker_session, BROKER, SESSION, BurrowDBusSession1Skeleton)

/* A profile's shared SSH connection as io.github.burrow.Burrow.Session1;
 * the connection itself runs in a BrokerSessionWorker. */
BrokerSession *broker_session_new        (const BrokerProfile *profile);
void           broker_session_connect    (BrokerSession       *self,
                                          const BrokerConfig  *config);
void           broker_session_disconnect (BrokerSession       *self);

G_END_DECLS
