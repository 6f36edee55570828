// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-tunnel"

#include "broker-tunnel.h"

#include "broker-error.h"
#include "broker-ftp-control.h"
#include "broker-ftp-rewriter.h"
#include "broker-session.h"
#include "broker-socks-handshake.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#define INTERFACE_VERSION 1
/* A burst of connects is accepted at once instead of waiting in SYN
 * retries (a backlog of 128 turned 500 connects into 2-3 s here). */
#define LISTEN_BACKLOG 4096
#define ACCEPTS_PER_WAKEUP 64
#define ACCEPT_PAUSE_MS 100

struct _BrokerTunnel
{
  BurrowDBusTunnel1Skeleton parent_instance;

  BrokerSession *session;
  BrokerTunnelConfig *config;
  BrokerTraffic *traffic;
  GSocket *listener;
  GSource *accept_source;
  guint publish_id;
  guint pause_id;
  guint16 bound_port;          /* of the listener here */
  gboolean closed;

  /* dynamic */
  GHashTable *handshakes;      /* BrokerSocksHandshake set: requests being read */

  /* FTP */
  GPtrArray *controls;         /* BrokerFtpControl */
  GCancellable *cancellable;   /* connects to the FTP server (remote tunnels) */
};

enum
{
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void broker_tunnel_iface_init (BurrowDBusTunnel1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BrokerTunnel, broker_tunnel, BURROW_DBUS_TYPE_TUNNEL1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BURROW_DBUS_TYPE_TUNNEL1,
                                                      broker_tunnel_iface_init))

/* Counters move on the worker thread; they are published once a second,
 * and only when they changed, so a busy tunnel does not flood the bus. */
static gboolean
publish_counters (gpointer user_data)
{
  BrokerTunnel *self = user_data;
  BurrowDBusTunnel1 *iface = BURROW_DBUS_TUNNEL1 (self);
  guint64 in = broker_traffic_get_in (self->traffic);
  guint64 out = broker_traffic_get_out (self->traffic);
  guint channels = broker_traffic_get_channels (self->traffic);

  if (burrow_dbus_tunnel1_get_bytes_in (iface) != in)
    burrow_dbus_tunnel1_set_bytes_in (iface, in);
  if (burrow_dbus_tunnel1_get_bytes_out (iface) != out)
    burrow_dbus_tunnel1_set_bytes_out (iface, out);
  if (burrow_dbus_tunnel1_get_channel_count (iface) != channels)
    burrow_dbus_tunnel1_set_channel_count (iface, channels);
  return G_SOURCE_CONTINUE;
}

/* FTP tunnels: every control connection is relayed here, through a
 * BrokerFtpControl, and its data channels get forwards of their own. */

static void
on_control_finished (BrokerFtpControl *control,
                     gpointer          user_data)
{
  BrokerTunnel *self = user_data;

  g_ptr_array_remove (self->controls, control);
}

/* Takes both descriptors if it starts. */
static gboolean
start_control (BrokerTunnel                *self,
               const BrokerFtpControlSetup *setup,
               int                          client_fd,
               int                          server_fd)
{
  BrokerFtpControl *control = broker_ftp_control_new (setup, client_fd, server_fd,
                                                      on_control_finished, self);

  if (control == NULL)
    {
      g_message ("FTP tunnel: the client's address \"%s\" is not an IP address",
                 setup->client_address);
      return FALSE;
    }
  g_ptr_array_add (self->controls, control);
  return TRUE;
}

/* Local: the client connected here; the server is reached through a
 * channel of the tunnel's session. */
static void
accept_ftp_local (BrokerTunnel *self,
                  int           fd)
{
  BrokerFtpControl *control = broker_ftp_control_new_local (self->session, self->traffic, fd,
                                                            self->config->dst_host,
                                                            self->config->dst_port, NULL,
                                                            on_control_finished, self);

  if (control != NULL)
    g_ptr_array_add (self->controls, control);
}

/* Remote: the client's connection came through the SSH server, handed
 * over by the session; the server is connected to from here. */
typedef struct
{
  BrokerTunnel *self;
  int client_fd;
  char *client_address;
} ServerConnect;

static void
on_server_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ServerConnect *connect = user_data;
  BrokerTunnel *self = connect->self;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *here = NULL;
  g_autofree char *server = NULL;
  int server_fd = -1;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection != NULL)
    server_fd = fcntl (g_socket_get_fd (g_socket_connection_get_socket (connection)),
                       F_DUPFD_CLOEXEC, 0);
  if (server_fd >= 0)
    {
      here = broker_ftp_socket_address (server_fd, FALSE);
      server = broker_ftp_socket_address (server_fd, TRUE);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ;
  else if (connection == NULL)
    g_message ("FTP tunnel: cannot connect to the FTP server %s:%u: %s",
               self->config->dst_host, self->config->dst_port, error->message);
  else if (here == NULL || server == NULL || !g_unix_set_fd_nonblocking (server_fd, TRUE, NULL))
    g_message ("FTP tunnel: cannot use the connection to the FTP server: %s",
               g_strerror (errno));
  else
    {
      BrokerFtpControlSetup setup = {
        .session = self->session,
        .tunnel = self->traffic,
        .remote = TRUE,
        .server_host = self->config->dst_host,
        .client_address = connect->client_address,
        .data_address = here,
        .peer_address = server,
      };

      if (start_control (self, &setup, connect->client_fd, server_fd))
        connect->client_fd = server_fd = -1;
    }
  if (server_fd >= 0)
    close (server_fd);
  if (connect->client_fd >= 0)
    close (connect->client_fd);
  g_object_unref (connect->self);
  g_free (connect->client_address);
  g_free (connect);
}

/* A connection to a remote FTP tunnel, handed over by the session: @fd is
 * the client's side; @originator where the SSH server says it came from
 * (PORT and EPRT must name it). */
void
broker_tunnel_take_incoming (BrokerTunnel *self,
                             int           fd,
                             const char   *originator)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) address = originator != NULL ?
                                    broker_ftp_address_new (originator) : NULL;
  ServerConnect *connect;

  if (self->closed || self->config->type != BROKER_TUNNEL_TYPE_FTP)
    {
      close (fd);
      return;
    }
  connect = g_new0 (ServerConnect, 1);
  connect->self = g_object_ref (self);
  connect->client_fd = fd;
  connect->client_address = address != NULL ? g_inet_address_to_string (address) :
                            g_strdup (broker_tunnel_remote_client_address (self->config));
  g_socket_client_set_timeout (client, 10);
  g_socket_client_connect_to_host_async (client, self->config->dst_host, self->config->dst_port,
                                         self->cancellable, on_server_connected, connect);
}

/* Dynamic: the session gets the client once it has named its destination. */
static void
on_socks_request (BrokerSocksHandshake *handshake,
                  int                   fd,
                  guint                 version,
                  const char           *host,
                  guint16               port,
                  gpointer              user_data)
{
  BrokerTunnel *self = user_data;

  if (fd >= 0)
    broker_session_open_channel (self->session,
                                 version == 4 ? BROKER_CHANNEL_SOCKS4 : BROKER_CHANNEL_SOCKS5, fd,
                                 host, port, self->traffic, NULL);
  g_hash_table_remove (self->handshakes, handshake);
}

static void
accept_one (BrokerTunnel *self,
            int           fd)
{
  if (self->config->type == BROKER_TUNNEL_TYPE_FTP)
    accept_ftp_local (self, fd);
  else if (self->config->kind == BROKER_TUNNEL_KIND_DYNAMIC)
    g_hash_table_add (self->handshakes, broker_socks_handshake_new (fd, on_socks_request, self));
  else
    broker_session_open_channel (self->session, BROKER_CHANNEL_DIRECT, fd, self->config->dst_host,
                                 self->config->dst_port, self->traffic, NULL);
}

static void watch_listener (BrokerTunnel *self);

static gboolean
on_pause_over (gpointer user_data)
{
  BrokerTunnel *self = user_data;

  self->pause_id = 0;
  watch_listener (self);
  return G_SOURCE_REMOVE;
}

/* Out of file descriptors (or kernel memory): the pending connection stays
 * readable, so stop watching for a while instead of spinning. */
static void
pause_accepting (BrokerTunnel *self,
                 int           error)
{
  g_message ("tunnel on port %u: cannot accept: %s; pausing %u ms",
             burrow_dbus_tunnel1_get_listen_port (BURROW_DBUS_TUNNEL1 (self)), g_strerror (error),
             ACCEPT_PAUSE_MS);
  g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  self->pause_id = g_timeout_add (ACCEPT_PAUSE_MS, on_pause_over, self);
}

static gboolean
on_incoming (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  BrokerTunnel *self = user_data;
  int listen_fd = g_socket_get_fd (socket);

  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (fd >= 0)
        {
          accept_one (self, fd);
          continue;
        }
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        {
          pause_accepting (self, errno);
          return G_SOURCE_REMOVE;
        }
      break;   /* EAGAIN, or the connection went before it was taken */
    }
  return G_SOURCE_CONTINUE;
}

static void
watch_listener (BrokerTunnel *self)
{
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, NULL);
}

static gboolean
listen_locally (BrokerTunnel  *self,
                const char    *address,
                guint16        port,
                GError       **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) where = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) local_error = NULL;

  if (inet == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "cannot listen on \"%s\": not an IP address", address);
      return FALSE;
    }
  where = g_inet_socket_address_new (inet, port);
  self->listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &local_error);
  if (self->listener != NULL)
    {
      g_socket_set_listen_backlog (self->listener, LISTEN_BACKLOG);
      g_socket_set_blocking (self->listener, FALSE);
    }
  if (self->listener == NULL || !g_socket_bind (self->listener, where, TRUE, &local_error) ||
      !g_socket_listen (self->listener, &local_error))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot listen on %s:%u: %s",
                   address, port, local_error->message);
      return FALSE;
    }
  bound = g_socket_get_local_address (self->listener, NULL);
  self->bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  watch_listener (self);
  return TRUE;
}

/* Local and dynamic tunnels listen here, where the configuration says. */
static gboolean
listen_as_configured (BrokerTunnel  *self,
                      GError       **error)
{
  const BrokerTunnelConfig *config = self->config;
  const char *address = config->listen_address != NULL ?
                        config->listen_address :
                        broker_tunnel_default_listen_address (config->allow_relay);

  if (!listen_locally (self, address, config->listen_port, error))
    return FALSE;
  burrow_dbus_tunnel1_set_listen_address (BURROW_DBUS_TUNNEL1 (self), address);
  burrow_dbus_tunnel1_set_listen_port (BURROW_DBUS_TUNNEL1 (self), self->bound_port);
  return TRUE;
}

static void
set_properties (BrokerTunnel *self,
                const char   *session_path)
{
  BurrowDBusTunnel1 *iface = BURROW_DBUS_TUNNEL1 (self);
  const BrokerTunnelConfig *config = self->config;

  burrow_dbus_tunnel1_set_version (iface, INTERFACE_VERSION);
  burrow_dbus_tunnel1_set_session (iface, session_path);
  burrow_dbus_tunnel1_set_kind (iface, broker_tunnel_kind_to_string (config->kind));
  burrow_dbus_tunnel1_set_type_ (iface, broker_tunnel_type_to_string (config->type));
  burrow_dbus_tunnel1_set_destination_host (iface, config->dst_host != NULL ?
                                            config->dst_host : "");
  burrow_dbus_tunnel1_set_destination_port (iface, config->dst_port);
  burrow_dbus_tunnel1_set_allow_relay (iface, config->allow_relay);
  burrow_dbus_tunnel1_set_listen_address (
    iface, config->listen_address != NULL ?
           config->listen_address : broker_tunnel_default_listen_address (config->allow_relay));
  burrow_dbus_tunnel1_set_listen_port (iface, config->listen_port);
}

BrokerTunnel *
broker_tunnel_new (BrokerSession            *session,
                   const char               *session_path,
                   const BrokerTunnelConfig *config,
                   GError                  **error)
{
  g_autoptr(BrokerTunnel) self = g_object_new (BROKER_TYPE_TUNNEL, NULL);
  gboolean ftp = config->type == BROKER_TUNNEL_TYPE_FTP;

  if (ftp && config->kind == BROKER_TUNNEL_KIND_DYNAMIC)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "a dynamic tunnel cannot be of type FTP");
      return NULL;
    }
  self->session = g_object_ref (session);
  self->config = broker_tunnel_config_copy (config);
  self->traffic = broker_traffic_new ();
  set_properties (self, session_path);
  if (config->kind == BROKER_TUNNEL_KIND_REMOTE)
    broker_session_add_remote (session, self);
  else if (!listen_as_configured (self, error))
    return NULL;
  self->publish_id = g_timeout_add_seconds (1, publish_counters, self);
  return g_steal_pointer (&self);
}

const BrokerTunnelConfig *
broker_tunnel_get_config (BrokerTunnel *self)
{
  return self->config;
}

BrokerTraffic *
broker_tunnel_get_traffic (BrokerTunnel *self)
{
  return self->traffic;
}

BrokerSession *
broker_tunnel_get_session (BrokerTunnel *self)
{
  return self->session;
}

/* A remote tunnel's listener on the SSH server: up, or refused. */
void
broker_tunnel_set_listener (BrokerTunnel *self,
                            guint16       bound_port,
                            const char   *error)
{
  if (error != NULL)
    {
      g_message ("%s", error);
      return;
    }
  burrow_dbus_tunnel1_set_listen_port (BURROW_DBUS_TUNNEL1 (self), bound_port);
}

/* Stops listening and closes the tunnel's channels. */
void
broker_tunnel_close (BrokerTunnel *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_handle_id (&self->publish_id, g_source_remove);
  g_clear_handle_id (&self->pause_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_hash_table_remove_all (self->handshakes);
  g_ptr_array_set_size (self->controls, 0);
  broker_session_close_tunnel (self->session, self);
}

static gboolean
handle_close (BurrowDBusTunnel1     *iface,
              GDBusMethodInvocation *invocation)
{
  BrokerTunnel *self = BROKER_TUNNEL (iface);

  g_object_ref (self);
  broker_tunnel_close (self);
  burrow_dbus_tunnel1_complete_close (iface, invocation);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  g_object_unref (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
broker_tunnel_dispose (GObject *object)
{
  BrokerTunnel *self = BROKER_TUNNEL (object);

  if (self->session != NULL)
    broker_tunnel_close (self);
  g_clear_object (&self->listener);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (broker_tunnel_parent_class)->dispose (object);
}

static void
broker_tunnel_finalize (GObject *object)
{
  BrokerTunnel *self = BROKER_TUNNEL (object);

  g_clear_pointer (&self->config, broker_tunnel_config_free);
  g_clear_pointer (&self->traffic, broker_traffic_unref);
  g_clear_pointer (&self->controls, g_ptr_array_unref);
  g_clear_pointer (&self->handshakes, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (broker_tunnel_parent_class)->finalize (object);
}

static void
broker_tunnel_class_init (BrokerTunnelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = broker_tunnel_dispose;
  object_class->finalize = broker_tunnel_finalize;
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
broker_tunnel_iface_init (BurrowDBusTunnel1Iface *iface)
{
  iface->handle_close = handle_close;
}

static void
broker_tunnel_init (BrokerTunnel *self)
{
  self->controls = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_control_free);
  self->handshakes = g_hash_table_new_full (NULL, NULL,
                                            (GDestroyNotify) broker_socks_handshake_free, NULL);
  self->cancellable = g_cancellable_new ();
}
