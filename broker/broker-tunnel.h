// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "burrow-dbus.h"
#include "broker-traffic.h"
#include "broker-tunnel-config.h"

G_BEGIN_DECLS

typedef struct _BrokerSession BrokerSession;

#define BROKER_TYPE_TUNNEL (broker_tunnel_get_type ())
G_DECLARE_FINAL_TYPE (BrokerTunnel, broker_tunnel, BROKER, TUNNEL, BurrowDBusTunnel1Skeleton)

/* A listening tunnel as io.github.burrow.Burrow.Tunnel1.  Local and dynamic
 * tunnels listen here and hand each connection to the session; a remote
 * tunnel's listener is on the SSH server.  Emits "closed" when Close() is
 * called; its owner then drops it. */
BrokerTunnel             *broker_tunnel_new          (BrokerSession            *session,
                                                      const char               *session_path,
                                                      const BrokerTunnelConfig *config,
                                                      GError                  **error);
const BrokerTunnelConfig *broker_tunnel_get_config   (BrokerTunnel             *self);
BrokerTraffic            *broker_tunnel_get_traffic  (BrokerTunnel             *self);
BrokerSession            *broker_tunnel_get_session  (BrokerTunnel             *self);
void                      broker_tunnel_take_incoming (BrokerTunnel            *self,
                                                       int                      fd,
                                                       const char              *originator);
void                      broker_tunnel_set_listener (BrokerTunnel             *self,
                                                      guint16                   bound_port,
                                                      const char               *error);
void                      broker_tunnel_close        (BrokerTunnel             *self);

G_END_DECLS
