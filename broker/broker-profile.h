// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-types.h"
#include "broker-tunnel-config.h"

G_BEGIN_DECLS

#define BROKER_PROFILE_DEFAULT_PORT 22
#define BROKER_PROFILE_DEFAULT_KEEPALIVE 30
#define BROKER_PROFILE_DEFAULT_IDLE_TIMEOUT 5

/* A connection profile.  Immutable once loaded; shared by reference. */
struct _BrokerProfile
{
  char *id;
  char *name;
  char *host;
  guint16 port;
  char *user;                  /* NULL: the local user name */
  GStrv auth_methods;          /* in order of preference */
  GStrv identity_files;
  gboolean connect_on_startup;
  guint keepalive_interval;    /* seconds, 0 = off */
  guint idle_timeout;          /* seconds */
  char *gateway_profile;
  GPtrArray *tunnels;          /* BrokerTunnelConfig */

  BrokerConfigOrigin origin;
  char *file;
  guint line;
};

BrokerProfile *broker_profile_new   (const char          *id);
BrokerProfile *broker_profile_new_for_host (const BrokerProfile *template_profile,
                                           const char          *id,
                                           const char          *host);
BrokerProfile *broker_profile_ref   (BrokerProfile       *self);
void           broker_profile_unref (BrokerProfile       *self);

const char * const *broker_profile_known_auth_methods   (void);
const char * const *broker_profile_default_auth_methods (void);
gboolean            broker_profile_is_known_auth_method (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerProfile, broker_profile_unref)

G_END_DECLS
