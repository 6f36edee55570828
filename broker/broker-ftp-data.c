// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-ftp"

#include "broker-ftp-data.h"

#include "broker-error.h"
#include "broker-ftp-rewriter.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/* Connections from somebody else are turned away; this many at most
 * before the forward gives up (an attacker racing the client). */
#define MAX_STRANGERS 8

struct _BrokerFtpData
{
  BrokerSession *session;
  BrokerTraffic *traffic;      /* a child of the tunnel's: the forward's key */
  BrokerFtpDataEvents events;
  gpointer user_data;
  char *target_host;
  guint16 target_port;
  guint expiry_id;
  gboolean spent;              /* done or failed was said */

  /* local */
  GSocket *listener;
  GSource *accept_source;
  GInetAddress *peer;
  char *address;
  guint16 port;
  guint strangers;

  /* remote */
  gboolean listening;
  gboolean creating;
  char *early_error;           /* refused before new_remote() returned */
};

/* The local data listeners by port, each to the address it is bound to,
 * so that capture can hand a captured FTP client's data connection to them
 * (main thread only). */
static GHashTable *local_ports;

static void
register_local_port (BrokerFtpData *self)
{
  if (local_ports == NULL)
    local_ports = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (local_ports, GUINT_TO_POINTER (self->port), self->address);
}

const char *
broker_ftp_data_get_local_address (guint16 port)
{
  return local_ports != NULL ? g_hash_table_lookup (local_ports, GUINT_TO_POINTER (port)) : NULL;
}

static void
stop_listening (BrokerFtpData *self)
{
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->listener != NULL)
    {
      g_socket_close (self->listener, NULL);
      /* Not another family's listener that took the same port number. */
      if (broker_ftp_data_get_local_address (self->port) == self->address)
        g_hash_table_remove (local_ports, GUINT_TO_POINTER (self->port));
    }
  g_clear_object (&self->listener);
  g_clear_handle_id (&self->expiry_id, g_source_remove);
}

static void
say_done (BrokerFtpData *self)
{
  self->spent = TRUE;
  stop_listening (self);
  self->events.done (self, self->user_data);
}

static gboolean
on_expired (gpointer user_data)
{
  BrokerFtpData *self = user_data;

  self->expiry_id = 0;
  g_debug ("data forward to %s:%u expired unused", self->target_host, self->target_port);
  if (self->listener == NULL)
    broker_session_remove_data_forward (self->session, self->traffic);
  if (self->listener == NULL && !self->listening)
    {
      self->spent = TRUE;
      self->events.failed (self, "the SSH server did not open the data listener in time",
                           self->user_data);
      return G_SOURCE_REMOVE;
    }
  say_done (self);
  return G_SOURCE_REMOVE;
}

static BrokerFtpData *
data_new (BrokerSession             *session,
          BrokerTraffic             *tunnel,
          const char                *target_host,
          guint16                    target_port,
          const BrokerFtpDataEvents *events,
          gpointer                   user_data)
{
  BrokerFtpData *self = g_new0 (BrokerFtpData, 1);

  self->session = g_object_ref (session);
  self->traffic = broker_traffic_new_child (tunnel);
  self->events = *events;
  self->user_data = user_data;
  self->target_host = g_strdup (target_host);
  self->target_port = target_port;
  self->expiry_id = g_timeout_add_seconds (BROKER_FTP_DATA_LIFETIME, on_expired, self);
  return self;
}

/* Local: a listener here */

static gboolean
from_peer (BrokerFtpData         *self,
           const struct sockaddr *address,
           socklen_t              length)
{
  g_autoptr(GInetAddress) inet = broker_ftp_address_from_native (address, length);

  return inet != NULL && g_inet_address_equal (inet, self->peer);
}

static gboolean
on_incoming (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  BrokerFtpData *self = user_data;
  struct sockaddr_storage address;
  socklen_t length = sizeof address;
  int fd = accept4 (g_socket_get_fd (socket), (struct sockaddr *) &address, &length,
                    SOCK_NONBLOCK | SOCK_CLOEXEC);

  if (fd < 0)
    {
      if (errno == EAGAIN || errno == ECONNABORTED || errno == EINTR)
        return G_SOURCE_CONTINUE;
      g_message ("FTP data forward: cannot accept: %s", g_strerror (errno));
      say_done (self);
      return G_SOURCE_REMOVE;
    }
  if (!from_peer (self, (struct sockaddr *) &address, length))
    {
      close (fd);
      g_message ("FTP data forward: turned away a connection from another address than the "
                 "FTP client's");
      if (++self->strangers < MAX_STRANGERS)
        return G_SOURCE_CONTINUE;
      say_done (self);
      return G_SOURCE_REMOVE;
    }
  broker_session_open_channel (self->session, BROKER_CHANNEL_DIRECT, fd, self->target_host,
                               self->target_port, self->traffic, NULL);
  say_done (self);
  return G_SOURCE_REMOVE;
}

static gboolean
listen_locally (BrokerFtpData  *self,
                const char     *bind_address,
                GError        **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (bind_address);
  g_autoptr(GSocketAddress) where = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  if (inet == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "not an IP address: %s",
                   bind_address);
      return FALSE;
    }
  where = g_inet_socket_address_new (inet, 0);
  self->listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL)
    return FALSE;
  g_socket_set_blocking (self->listener, FALSE);
  g_socket_set_listen_backlog (self->listener, MAX_STRANGERS);
  if (!g_socket_bind (self->listener, where, FALSE, error) ||
      !g_socket_listen (self->listener, error))
    return FALSE;
  bound = g_socket_get_local_address (self->listener, error);
  if (bound == NULL)
    return FALSE;
  self->address = g_inet_address_to_string (inet);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  register_local_port (self);
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, NULL);
  return TRUE;
}

BrokerFtpData *
broker_ftp_data_new_local (BrokerSession             *session,
                           BrokerTraffic             *tunnel,
                           const char                *bind_address,
                           const char                *peer_address,
                           const char                *target_host,
                           guint16                    target_port,
                           const BrokerFtpDataEvents *events,
                           gpointer                   user_data,
                           GError                   **error)
{
  g_autoptr(BrokerFtpData) self = data_new (session, tunnel, target_host, target_port, events,
                                            user_data);

  self->peer = broker_ftp_address_new (peer_address);
  if (self->peer == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "not an IP address: %s",
                   peer_address);
      return NULL;
    }
  if (!listen_locally (self, bind_address, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Remote: a listener on the SSH server */

static void
on_remote (guint16     bound_port,
           const char *error,
           gboolean    used,
           gpointer    user_data)
{
  BrokerFtpData *self = user_data;

  if (error != NULL && self->creating)
    {
      self->early_error = g_strdup (error);
      return;
    }
  if (error != NULL)
    {
      g_clear_handle_id (&self->expiry_id, g_source_remove);
      self->spent = TRUE;
      self->events.failed (self, error, self->user_data);
    }
  else if (used)
    say_done (self);
  else
    {
      self->listening = TRUE;
      self->address = g_strdup ("127.0.0.1");
      self->port = bound_port;
      self->events.ready (self, self->address, bound_port, self->user_data);
    }
}

/* The owner always hears from a remote forward after new_remote(). */
static gboolean
report_early_error (gpointer user_data)
{
  BrokerFtpData *self = user_data;

  self->expiry_id = 0;
  self->spent = TRUE;
  self->events.failed (self, self->early_error, self->user_data);
  return G_SOURCE_REMOVE;
}

BrokerFtpData *
broker_ftp_data_new_remote (BrokerSession             *session,
                            BrokerTraffic             *tunnel,
                            const char                *target_host,
                            guint16                    target_port,
                            const BrokerFtpDataEvents *events,
                            gpointer                   user_data)
{
  BrokerFtpData *self = data_new (session, tunnel, target_host, target_port, events, user_data);

  self->creating = TRUE;
  broker_session_add_data_forward (session, target_host, target_port, self->traffic, on_remote,
                                   self);
  self->creating = FALSE;
  if (self->early_error != NULL)
    {
      g_clear_handle_id (&self->expiry_id, g_source_remove);
      self->expiry_id = g_idle_add (report_early_error, self);
    }
  return self;
}

const char *
broker_ftp_data_get_address (BrokerFtpData *self)
{
  return self->address;
}

guint16
broker_ftp_data_get_port (BrokerFtpData *self)
{
  return self->port;
}

void
broker_ftp_data_free (BrokerFtpData *self)
{
  if (self == NULL)
    return;
  stop_listening (self);
  if (!self->spent && self->peer == NULL)
    broker_session_remove_data_forward (self->session, self->traffic);
  g_clear_object (&self->session);
  g_clear_pointer (&self->traffic, broker_traffic_unref);
  g_clear_object (&self->peer);
  g_free (self->target_host);
  g_free (self->address);
  g_free (self->early_error);
  g_free (self);
}
