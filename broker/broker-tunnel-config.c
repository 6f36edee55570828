// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-tunnel-config.h"

static const char * const kind_names[] = { "local", "remote", "dynamic" };
static const char * const kind_elements[] = { "local-tunnel", "remote-tunnel", "dynamic-tunnel" };
static const char * const type_names[] = { "TCP", "FTP" };

BrokerTunnelConfig *
broker_tunnel_config_new (BrokerTunnelKind kind)
{
  BrokerTunnelConfig *self = g_new0 (BrokerTunnelConfig, 1);

  self->kind = kind;
  self->type = BROKER_TUNNEL_TYPE_TCP;
  return self;
}

BrokerTunnelConfig *
broker_tunnel_config_copy (const BrokerTunnelConfig *self)
{
  BrokerTunnelConfig *copy = g_memdup2 (self, sizeof *self);

  copy->listen_address = g_strdup (self->listen_address);
  copy->dst_host = g_strdup (self->dst_host);
  return copy;
}

/* The same settings; where in its file each stands does not count. */
gboolean
broker_tunnel_config_equal (const BrokerTunnelConfig *a,
                            const BrokerTunnelConfig *b)
{
  return a->kind == b->kind && a->type == b->type && a->listen_port == b->listen_port &&
         a->dst_port == b->dst_port && a->allow_relay == b->allow_relay &&
         g_strcmp0 (a->listen_address, b->listen_address) == 0 &&
         g_strcmp0 (a->dst_host, b->dst_host) == 0;
}

void
broker_tunnel_config_free (BrokerTunnelConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->listen_address);
  g_free (self->dst_host);
  g_free (self);
}

const char *
broker_tunnel_kind_to_string (BrokerTunnelKind kind)
{
  return kind_names[kind];
}

const char *
broker_tunnel_kind_element (BrokerTunnelKind kind)
{
  return kind_elements[kind];
}

gboolean
broker_tunnel_kind_from_element (const char       *element,
                                 BrokerTunnelKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_elements); i++)
    if (g_strcmp0 (element, kind_elements[i]) == 0 || g_strcmp0 (element, kind_names[i]) == 0)
      {
        *kind = i;
        return TRUE;
      }
  return FALSE;
}

const char *
broker_tunnel_type_to_string (BrokerTunnelType type)
{
  return type_names[type];
}

/* The seeds write "FTP"; older files of the same product write "ftp". */
gboolean
broker_tunnel_type_from_string (const char       *text,
                                BrokerTunnelType *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (text != NULL && g_ascii_strcasecmp (text, type_names[i]) == 0)
      {
        *type = i;
        return TRUE;
      }
  return FALSE;
}

/* allow-relay="NO" means only this machine may use the tunnel. */
const char *
broker_tunnel_default_listen_address (gboolean allow_relay)
{
  return allow_relay ? "0.0.0.0" : "127.0.0.1";
}

/* In a remote FTP tunnel, the FTP client's own address when the SSH server
 * did not say where a connection came from: the address the tunnel
 * listens on at the SSH server, or 127.0.0.1 when it listens on every
 * address. */
const char *
broker_tunnel_remote_client_address (const BrokerTunnelConfig *config)
{
  const char *address = config->listen_address;

  if (address == NULL || g_str_equal (address, "0.0.0.0") || g_str_equal (address, "::") ||
      g_str_equal (address, "localhost"))
    return "127.0.0.1";
  return address;
}
