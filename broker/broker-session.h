// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "burrow-dbus.h"
#include "broker-agents.h"
#include "broker-channel.h"
#include "broker-config.h"
#include "broker-tunnel.h"

G_BEGIN_DECLS

/* An FTP data forward's listener: @bound_port, or @error; later @used. */
typedef void (*BrokerSessionForwardFunc) (guint16     bound_port,
                                          const char *error,
                                          gboolean    used,
                                          gpointer    user_data);

#define BROKER_TYPE_SESSION (broker_session_get_type ())
G_DECLARE_FINAL_TYPE (BrokerSession, broker_session, BROKER, SESSION, BurrowDBusSession1Skeleton)

/* A profile's shared SSH connection as io.github.burrow.Burrow.Session1;
 * the connection itself runs in a BrokerSessionWorker. */
BrokerSession       *broker_session_new          (const BrokerProfile *profile,
                                                  const BrokerConfig  *config);
void                 broker_session_connect      (BrokerSession       *self,
                                                  const BrokerConfig  *config);
void                 broker_session_disconnect   (BrokerSession       *self);
void                 broker_session_set_config   (BrokerSession       *self,
                                                  const BrokerConfig  *config);
void                 broker_session_set_agents   (BrokerSession       *self,
                                                  BrokerAgents        *agents);
void                 broker_session_set_gateway  (BrokerSession       *self,
                                                  BrokerSession       *gateway);
const BrokerProfile *broker_session_get_profile  (BrokerSession       *self);
/* The gateway session set with broker_session_set_gateway(), or NULL. */
BrokerSession       *broker_session_get_gateway  (BrokerSession       *self);
/* How long (µs) it has been disconnected, with no SSH connection, remote
 * listener or FTP data listener of its own (dropping it would lose
 * nothing); -1 while it is in use. */
gint64               broker_session_unused_for   (BrokerSession       *self);
void                 broker_session_open_channel (BrokerSession       *self,
                                                  BrokerChannelMode    mode,
                                                  int                  fd,
                                                  const char          *dst_host,
                                                  guint16              dst_port,
                                                  BrokerTraffic       *tunnel,
                                                  BrokerOpenReport    *report);
void                 broker_session_add_remote   (BrokerSession       *self,
                                                  BrokerTunnel        *tunnel);
void                 broker_session_close_tunnel (BrokerSession       *self,
                                                  BrokerTunnel        *tunnel);
void                 broker_session_close_traffic (BrokerSession      *self,
                                                   BrokerTraffic      *traffic);
void                 broker_session_add_data_forward    (BrokerSession            *self,
                                                         const char               *target_host,
                                                         guint16                   target_port,
                                                         BrokerTraffic            *traffic,
                                                         BrokerSessionForwardFunc  func,
                                                         gpointer                  user_data);
void                 broker_session_remove_data_forward (BrokerSession            *self,
                                                         BrokerTraffic            *traffic);

G_END_DECLS
