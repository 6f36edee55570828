// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-ftp"

#include "broker-ftp-control.h"

#include "broker-ftp-data.h"
#include "broker-ftp-rewriter.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 16384
/* A side is not read while this much waits to be written to the other. */
#define MAX_OUTPUT (64 * 1024)

enum { CLIENT = BROKER_FTP_FROM_CLIENT, SERVER = BROKER_FTP_FROM_SERVER };

typedef struct
{
  int fd;
  GSource *source;
  GIOCondition watching;
  GByteArray *out;             /* to be written to this side */
  gboolean read_eof;           /* this side sent its EOF */
  gboolean shut;               /* its EOF was passed on to this side */
} Side;

/* A data forward and the rewriter event it answers. */
typedef struct
{
  BrokerFtpControl *control;
  guint id;
  gboolean passive;
  gboolean answered;
  BrokerFtpData *data;
} Forward;

struct _BrokerFtpControl
{
  BrokerSession *session;
  BrokerTraffic *tunnel;       /* data forwards count into it; the control
                                * connection's own channel counts itself */
  gboolean remote;
  char *server_host;
  char *client_address;
  char *data_address;
  char *peer_address;

  BrokerFtpRewriter *rewriter;
  Side sides[2];
  GPtrArray *forwards;         /* Forward */
  BrokerFtpControlFinished finished;
  gpointer user_data;
  guint finish_id;
};

static void update (BrokerFtpControl *self);
static void handle_events (BrokerFtpControl *self,
                           GPtrArray        *events);

static Side *
client_side (BrokerFtpControl *self)
{
  return &self->sides[CLIENT];
}

static Side *
server_side (BrokerFtpControl *self)
{
  return &self->sides[SERVER];
}

static void
forward_free (Forward *forward)
{
  g_clear_pointer (&forward->data, broker_ftp_data_free);
  g_free (forward);
}

static gboolean
on_finish (gpointer user_data)
{
  BrokerFtpControl *self = user_data;

  self->finish_id = 0;
  self->finished (self, self->user_data);
  return G_SOURCE_REMOVE;
}

/* The control connection is over: stop, and tell the owner from the main
 * loop (never from inside a callback that still uses @self). */
static void
finish (BrokerFtpControl *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->sides); i++)
    {
      Side *side = &self->sides[i];

      if (side->source != NULL)
        {
          g_source_destroy (side->source);
          g_clear_pointer (&side->source, g_source_unref);
        }
      side->watching = 0;
    }
  if (self->finish_id == 0)
    self->finish_id = g_idle_add (on_finish, self);
}

static gboolean
is_finished (BrokerFtpControl *self)
{
  return self->finish_id != 0;
}

/* Rewriter output and events */

static GPtrArray *
new_events (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
}

static void
forward_ready (BrokerFtpControl *self,
               Forward          *forward,
               const char       *address,
               guint16           port)
{
  g_autoptr(GPtrArray) events = new_events ();

  forward->answered = TRUE;
  if (forward->passive)
    broker_ftp_rewriter_passive_ready (self->rewriter, forward->id, address, port,
                                       server_side (self)->out, client_side (self)->out, events);
  else
    broker_ftp_rewriter_active_ready (self->rewriter, forward->id, address, port,
                                      server_side (self)->out, client_side (self)->out, events);
  handle_events (self, events);
}

static void
forward_failed (BrokerFtpControl *self,
                Forward          *forward,
                const char       *message)
{
  g_autoptr(GPtrArray) events = new_events ();

  g_message ("FTP tunnel: cannot open a data channel: %s", message);
  if (forward->answered)
    broker_ftp_rewriter_forward_done (self->rewriter, forward->id);
  else if (forward->passive)
    broker_ftp_rewriter_passive_failed (self->rewriter, forward->id, server_side (self)->out,
                                        client_side (self)->out, events);
  else
    broker_ftp_rewriter_active_failed (self->rewriter, forward->id, server_side (self)->out,
                                       client_side (self)->out, events);
  g_ptr_array_remove (self->forwards, forward);
  handle_events (self, events);
}

static void
on_data_ready (BrokerFtpData *data,
               const char    *address,
               guint16        port,
               gpointer       user_data)
{
  Forward *forward = user_data;
  BrokerFtpControl *self = forward->control;

  forward_ready (self, forward, address, port);
  update (self);
}

static void
on_data_failed (BrokerFtpData *data,
                const char    *message,
                gpointer       user_data)
{
  Forward *forward = user_data;
  BrokerFtpControl *self = forward->control;

  forward_failed (self, forward, message);
  update (self);
}

static void
on_data_done (BrokerFtpData *data,
              gpointer       user_data)
{
  Forward *forward = user_data;

  broker_ftp_rewriter_forward_done (forward->control->rewriter, forward->id);
  g_ptr_array_remove (forward->control->forwards, forward);
}

static const BrokerFtpDataEvents data_events = {
  .ready = on_data_ready,
  .failed = on_data_failed,
  .done = on_data_done,
};

/* A listener here whose connection, from @peer_address, goes through the
 * SSH session. */
static void
open_local (BrokerFtpControl *self,
            Forward          *forward,
            const char       *bind_address,
            const char       *peer_address,
            const char       *target_host,
            guint16           target_port)
{
  g_autoptr(GError) error = NULL;

  forward->data = broker_ftp_data_new_local (self->session, self->tunnel, bind_address,
                                             peer_address, target_host, target_port,
                                             &data_events, forward, &error);
  if (forward->data == NULL)
    forward_failed (self, forward, error->message);
  else
    forward_ready (self, forward, broker_ftp_data_get_address (forward->data),
                   broker_ftp_data_get_port (forward->data));
}

/* A listener on the SSH server whose connection is relayed from here. */
static void
open_remote (BrokerFtpControl *self,
             Forward          *forward,
             const char       *target_host,
             guint16           target_port)
{
  forward->data = broker_ftp_data_new_remote (self->session, self->tunnel, target_host,
                                              target_port, &data_events, forward);
}

static gboolean
is_ipv4 (const char *text)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (text);

  return inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4;
}

/* A local tunnel's passive forward listens where the client reached the
 * tunnel.  A 227 can only name IPv4: a PASV from ::1 gets a forward on
 * 127.0.0.1 (the client then comes from there), one from any other IPv6
 * address a 425. */
static void
open_passive_local (BrokerFtpControl     *self,
                    Forward              *forward,
                    const BrokerFtpEvent *event)
{
  g_autoptr(GInetAddress) client = g_inet_address_new_from_string (self->client_address);

  if (event->extended || is_ipv4 (self->data_address))
    open_local (self, forward, self->data_address, self->peer_address, self->server_host,
                event->port);
  else if (client != NULL && g_inet_address_get_is_loopback (client))
    open_local (self, forward, "127.0.0.1", "127.0.0.1", self->server_host, event->port);
  else
    forward_failed (self, forward, "a 227 reply cannot name an IPv6 address; use EPSV");
}

static void
open_forward (BrokerFtpControl     *self,
              const BrokerFtpEvent *event)
{
  Forward *forward = g_new0 (Forward, 1);

  forward->control = self;
  forward->id = event->id;
  forward->passive = event->kind == BROKER_FTP_EVENT_PASSIVE;
  g_ptr_array_add (self->forwards, forward);

  if (forward->passive && !self->remote)
    open_passive_local (self, forward, event);
  else if (forward->passive)
    open_remote (self, forward, self->server_host, event->port);
  else if (!self->remote)
    open_remote (self, forward, self->client_address, event->port);
  else
    open_local (self, forward, self->data_address, self->peer_address, self->client_address,
                event->port);
}

static void
handle_events (BrokerFtpControl *self,
               GPtrArray        *events)
{
  /* An answer given at once (a local forward) handles the events it
   * raises itself, before this goes on. */
  for (guint i = 0; i < events->len; i++)
    {
      const BrokerFtpEvent *event = events->pdata[i];

      switch (event->kind)
        {
        case BROKER_FTP_EVENT_PASSIVE:
        case BROKER_FTP_EVENT_ACTIVE:
          open_forward (self, event);
          break;
        case BROKER_FTP_EVENT_TLS:
          g_message ("FTP tunnel: the client switched to TLS; its data channels cannot be "
                     "followed any more");
          break;
        case BROKER_FTP_EVENT_REFUSED:
          g_message ("FTP tunnel: refused a data channel: %s", event->detail);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* Reading and writing */

static gboolean
write_out (BrokerFtpControl *self,
           Side             *side)
{
  while (side->out->len > 0)
    {
      ssize_t n = send (side->fd, side->out->data, side->out->len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return TRUE;
      if (n < 0)
        return FALSE;
      g_byte_array_remove_range (side->out, 0, n);
    }
  return TRUE;
}

static gboolean
read_in (BrokerFtpControl *self,
         Side             *side)
{
  guint8 buffer[READ_CHUNK];
  g_autoptr(GPtrArray) events = new_events ();
  g_autoptr(GError) error = NULL;
  BrokerFtpDirection from = side == client_side (self) ? BROKER_FTP_FROM_CLIENT :
                                                         BROKER_FTP_FROM_SERVER;
  ssize_t n = recv (side->fd, buffer, sizeof buffer, 0);

  if (n < 0)
    return errno == EAGAIN || errno == EINTR;
  if (n == 0)
    {
      side->read_eof = TRUE;
      return TRUE;
    }
  if (!broker_ftp_rewriter_feed (self->rewriter, from, buffer, n, server_side (self)->out,
                                 client_side (self)->out, events, &error))
    {
      g_message ("FTP tunnel: %s; closing the control connection", error->message);
      return FALSE;
    }
  handle_events (self, events);
  return TRUE;
}

static Side *
other_side (BrokerFtpControl *self,
            Side             *side)
{
  return side == client_side (self) ? server_side (self) : client_side (self);
}

static gboolean
on_ready (int          fd,
          GIOCondition condition,
          gpointer     user_data);

static void
watch (BrokerFtpControl *self,
       Side             *side,
       GIOCondition      condition)
{
  if (side->watching == condition)
    return;
  if (side->source != NULL)
    {
      g_source_destroy (side->source);
      g_clear_pointer (&side->source, g_source_unref);
    }
  side->watching = condition;
  if (condition == 0)
    return;
  side->source = g_unix_fd_source_new (side->fd, condition);
  g_source_set_callback (side->source, G_SOURCE_FUNC (on_ready), self, NULL);
  g_source_attach (side->source, NULL);
}

/* What each side waits for, and whether it is all over. */
static void
update (BrokerFtpControl *self)
{
  if (is_finished (self))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->sides); i++)
    {
      Side *side = &self->sides[i];
      Side *other = other_side (self, side);

      /* The other side's EOF goes on once everything before it has. */
      if (other->read_eof && side->out->len == 0 && !side->shut)
        {
          shutdown (side->fd, SHUT_WR);
          side->shut = TRUE;
        }
    }
  if (client_side (self)->read_eof && server_side (self)->read_eof &&
      client_side (self)->shut && server_side (self)->shut)
    {
      finish (self);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (self->sides); i++)
    {
      Side *side = &self->sides[i];
      Side *other = other_side (self, side);
      GIOCondition condition = 0;

      if (!side->read_eof && other->out->len < MAX_OUTPUT &&
          !broker_ftp_rewriter_get_held (self->rewriter, i))
        condition |= G_IO_IN;
      if (side->out->len > 0)
        condition |= G_IO_OUT;
      watch (self, side, condition);
    }
}

static gboolean
on_ready (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  BrokerFtpControl *self = user_data;
  Side *side = fd == client_side (self)->fd ? client_side (self) : server_side (self);
  gboolean ok = TRUE;

  if (condition & G_IO_OUT)
    ok = write_out (self, side);
  if (ok && (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && (side->watching & G_IO_IN))
    ok = read_in (self, side);
  else if (ok && (condition & G_IO_ERR))
    ok = FALSE;
  /* What was read may be for the other side already. */
  if (ok)
    ok = write_out (self, other_side (self, side));
  if (!ok)
    {
      finish (self);
      return G_SOURCE_REMOVE;
    }
  update (self);
  return G_SOURCE_CONTINUE;
}

BrokerFtpControl *
broker_ftp_control_new (const BrokerFtpControlSetup *setup,
                        int                          client_fd,
                        int                          server_fd,
                        BrokerFtpControlFinished     finished,
                        gpointer                     user_data)
{
  BrokerFtpRewriter *rewriter = broker_ftp_rewriter_new (setup->client_address);
  BrokerFtpControl *self;

  if (rewriter == NULL)
    return NULL;
  self = g_new0 (BrokerFtpControl, 1);
  self->session = g_object_ref (setup->session);
  self->tunnel = broker_traffic_ref (setup->tunnel);
  self->remote = setup->remote;
  self->server_host = g_strdup (setup->server_host);
  self->client_address = g_strdup (setup->client_address);
  self->data_address = g_strdup (setup->data_address);
  self->peer_address = g_strdup (setup->peer_address);
  self->rewriter = rewriter;
  self->forwards = g_ptr_array_new_with_free_func ((GDestroyNotify) forward_free);
  self->finished = finished;
  self->user_data = user_data;
  self->sides[CLIENT].fd = client_fd;
  self->sides[SERVER].fd = server_fd;
  for (guint i = 0; i < G_N_ELEMENTS (self->sides); i++)
    self->sides[i].out = g_byte_array_new ();
  update (self);
  return self;
}

void
broker_ftp_control_free (BrokerFtpControl *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->sides); i++)
    {
      Side *side = &self->sides[i];

      watch (self, side, 0);
      close (side->fd);
      g_byte_array_unref (side->out);
    }
  g_clear_handle_id (&self->finish_id, g_source_remove);
  /* Forwards not used yet go; data channels already carried go on. */
  g_ptr_array_unref (self->forwards);
  broker_ftp_rewriter_free (self->rewriter);
  broker_traffic_unref (self->tunnel);
  g_object_unref (self->session);
  g_free (self->server_host);
  g_free (self->client_address);
  g_free (self->data_address);
  g_free (self->peer_address);
  g_free (self);
}

/* The IP address of a socket's own (@peer FALSE) or its peer's end; an
 * IPv4-mapped one (a dual-stack listener's) as IPv4. */
char *
broker_ftp_socket_address (int      fd,
                           gboolean peer)
{
  struct sockaddr_storage native;
  socklen_t length = sizeof native;
  g_autoptr(GInetAddress) address = NULL;
  int rc = peer ? getpeername (fd, (struct sockaddr *) &native, &length) :
                  getsockname (fd, (struct sockaddr *) &native, &length);

  if (rc != 0 || (address = broker_ftp_address_from_native (&native, length)) == NULL)
    return NULL;
  return g_inet_address_to_string (address);
}

BrokerFtpControl *
broker_ftp_control_new_local (BrokerSession           *session,
                              BrokerTraffic           *tunnel,
                              int                      client_fd,
                              const char              *server_host,
                              guint16                  server_port,
                              BrokerOpenReport        *report,
                              BrokerFtpControlFinished finished,
                              gpointer                 user_data)
{
  g_autofree char *client = broker_ftp_socket_address (client_fd, TRUE);
  g_autofree char *here = broker_ftp_socket_address (client_fd, FALSE);
  BrokerFtpControlSetup setup = {
    .session = session,
    .tunnel = tunnel,
    .remote = FALSE,
    .server_host = server_host,
    .client_address = client,
    .data_address = here,
    .peer_address = client,
  };
  BrokerFtpControl *control = NULL;
  int pair[2] = { -1, -1 };

  if (client == NULL || here == NULL)
    g_message ("FTP: the client's connection is not an IP connection");
  else if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
    g_message ("FTP: cannot take a connection: %s", g_strerror (errno));
  else
    control = broker_ftp_control_new (&setup, client_fd, pair[1], finished, user_data);
  if (control == NULL)
    {
      close (client_fd);
      if (pair[0] >= 0)
        {
          close (pair[0]);
          close (pair[1]);
        }
      broker_open_report_free (report);
      return NULL;
    }
  broker_session_open_channel (session, BROKER_CHANNEL_DIRECT, pair[0], server_host, server_port,
                               tunnel, report);
  return control;
}
