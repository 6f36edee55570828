// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "burrow-dbus.h"

G_BEGIN_DECLS

#define BURROW_TYPE_BROKER_CLIENT (burrow_broker_client_get_type ())

G_DECLARE_FINAL_TYPE (BurrowBrokerClient, burrow_broker_client, BURROW, BROKER_CLIENT, GObject)

/* The front end's one link to the broker: the Broker1 proxy and the
 * objects (sessions, tunnels, captured connections) it exports.  Both are
 * made asynchronously; until "ready" the getters return NULL.  They follow
 * the broker across restarts (D-Bus activation starts it on first use). */
BurrowBrokerClient *burrow_broker_client_new           (void);
BurrowDBusBroker1  *burrow_broker_client_get_broker    (BurrowBrokerClient *self);
GDBusObjectManager *burrow_broker_client_get_objects   (BurrowBrokerClient *self);
gboolean            burrow_broker_client_is_ready      (BurrowBrokerClient *self);
/* Every profile (aa{sv}, as ListProfiles gives them), read once per
 * configuration change for every page; NULL until first read.
 * "profiles-changed" tells of a new list. */
GVariant           *burrow_broker_client_get_profiles  (BurrowBrokerClient *self);
/* The dictionary of profile @id (a new reference), or NULL. */
GVariant           *burrow_broker_client_dup_profile   (BurrowBrokerClient *self,
                                                        const char         *id);
/* The ids of every profile, in order; never NULL. */
GStrv               burrow_broker_client_dup_profile_ids (BurrowBrokerClient *self);
/* The Session1 of @profile, or NULL. */
BurrowDBusSession1 *burrow_broker_client_dup_session   (BurrowBrokerClient *self,
                                                        const char         *profile);
/* Every Connection1 object now, newest first. */
GList              *burrow_broker_client_list_connections (BurrowBrokerClient *self);

/* A message for the user: the broker's own text without the D-Bus error
 * name. */
char               *burrow_broker_client_error_text    (const GError       *error);

G_END_DECLS
