// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-types.h"

G_BEGIN_DECLS

typedef enum
{
  BROKER_TUNNEL_KIND_LOCAL,
  BROKER_TUNNEL_KIND_REMOTE,
  BROKER_TUNNEL_KIND_DYNAMIC,
} BrokerTunnelKind;

typedef enum
{
  BROKER_TUNNEL_TYPE_TCP,
  BROKER_TUNNEL_TYPE_FTP,
} BrokerTunnelType;

/* One <local-tunnel>, <remote-tunnel> or <dynamic-tunnel> of a profile. */
struct _BrokerTunnelConfig
{
  BrokerTunnelKind kind;
  BrokerTunnelType type;
  char *listen_address;
  guint16 listen_port;
  char *dst_host;          /* NULL for dynamic tunnels */
  guint16 dst_port;
  gboolean allow_relay;
  guint line;
};

BrokerTunnelConfig *broker_tunnel_config_new  (BrokerTunnelKind          kind);
BrokerTunnelConfig *broker_tunnel_config_copy (const BrokerTunnelConfig *self);
void                broker_tunnel_config_free (BrokerTunnelConfig       *self);
gboolean            broker_tunnel_config_equal (const BrokerTunnelConfig *a,
                                                const BrokerTunnelConfig *b);

const char *broker_tunnel_kind_to_string        (BrokerTunnelKind  kind);
const char *broker_tunnel_kind_element          (BrokerTunnelKind  kind);
gboolean    broker_tunnel_kind_from_element     (const char       *element,
                                                 BrokerTunnelKind *kind);
const char *broker_tunnel_type_to_string        (BrokerTunnelType  type);
gboolean    broker_tunnel_type_from_string      (const char       *text,
                                                 BrokerTunnelType *type);
const char *broker_tunnel_default_listen_address (gboolean         allow_relay);
const char *broker_tunnel_remote_client_address  (const BrokerTunnelConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerTunnelConfig, broker_tunnel_config_free)

G_END_DECLS
