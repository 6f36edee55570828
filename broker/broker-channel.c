// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-channel"

#include "broker-channel.h"

#include "broker-socks.h"

#include <errno.h>
#include <libssh/callbacks.h>
#include <sys/socket.h>
#include <unistd.h>

/* Data the application has not taken yet is held here up to this much;
 * beyond it, it stays in libssh's buffer, whose SSH window then stops the
 * server from sending more. */
#define TO_APP_HIGH_WATER (256 * 1024)
/* Reads of libssh's buffer per wake-up; the second usually finds it empty. */
#define PULLS_PER_WAKEUP 8
#define READ_CHUNK (64 * 1024)
/* Reads per wakeup, so one busy channel cannot starve the others. */
#define READS_PER_WAKEUP 16

typedef enum
{
  STATE_OPENING,          /* direct-tcpip sent, waiting for the server */
  STATE_CONNECTING,       /* incoming channel, local connect under way */
  STATE_OPEN,
  STATE_DONE,
} State;

typedef struct
{
  GSource source;
  BrokerChannel *channel;
  gpointer tag;
  GIOCondition condition;      /* what the tag watches now */
} FdSource;

struct _BrokerChannel
{
  BrokerChannelHost host;
  BrokerChannelMode mode;
  State state;
  State state_before_done;
  int fd;
  ssh_channel channel;
  struct ssh_channel_callbacks_struct callbacks;
  char *dst_host;
  guint16 dst_port;
  BrokerTraffic *tunnel;

  FdSource *source;
  GByteArray *to_app;          /* from the server, waiting for the fd */
  GByteArray *to_server;       /* from the application, waiting for window */

  BrokerOpenReport *report;    /* told whether the open succeeded, or NULL */
  gboolean app_eof;            /* the application shut its sending side */
  gboolean sent_eof;           /* ...and the server was told */
  gboolean server_eof;         /* the server's side is done sending */
  gboolean app_shut;           /* ...and the application was told */
  gboolean held_in_libssh;     /* server data left in libssh's buffer */
  gboolean pulling;            /* reading that buffer ourselves */
  gboolean wait_window;        /* stopped reading: no SSH window */
  gboolean wait_congestion;    /* stopped reading: libssh's output is full */
  gboolean counted;            /* counted as an open channel */
  gboolean hung_up;            /* poll() said G_IO_HUP on the fd */
};

static void update_watch (BrokerChannel *self);

static void
clear_source (BrokerChannel *self)
{
  if (self->source == NULL)
    return;
  g_source_destroy ((GSource *) self->source);
  g_source_unref ((GSource *) self->source);
  self->source = NULL;
}
static void check_done   (BrokerChannel *self);

#define finish(self) finish_at ((self), G_STRLOC)

static void
finish_at (BrokerChannel *self,
           const char    *where)
{
  if (self->state == STATE_DONE)
    return;
  g_debug ("channel to %s:%u over (%s)", self->dst_host, self->dst_port, where);
  self->state_before_done = self->state;
  self->state = STATE_DONE;
  clear_source (self);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  if (self->state_before_done == STATE_OPENING && self->channel != NULL)
    {
      /* The server may still confirm it: it must then be closed, or sshd
       * keeps it (and its connection to the destination) open. */
      ssh_remove_channel_callbacks (self->channel, &self->callbacks);
      self->host.orphaned (self->host.owner, g_steal_pointer (&self->channel));
    }
  else if (self->channel != NULL && ssh_channel_is_open (self->channel))
    ssh_channel_close (self->channel);
  if (self->counted)
    {
      broker_traffic_channel_done (self->tunnel);
      broker_traffic_channel_done (self->host.traffic);
      self->counted = FALSE;
    }
  self->host.wrote (self->host.owner);
  self->host.finished (self->host.owner, self);
}

/* An error on either side: the application sees a reset or EOF. */
void
broker_channel_abort (BrokerChannel *self)
{
  finish (self);
}

static gboolean
wants_read (BrokerChannel *self)
{
  return self->state == STATE_OPEN && !self->app_eof && !self->wait_window &&
         !self->wait_congestion && self->to_server->len == 0;
}

/* poll() reports a hang-up whatever was asked for: an fd with nothing to
 * do after one is taken out of the poll set until it has something again,
 * or its source would fire without end. */
static void
update_watch (BrokerChannel *self)
{
  GIOCondition condition = 0;
  GSource *source = (GSource *) self->source;

  if (source == NULL)
    return;
  if (wants_read (self))
    condition |= G_IO_IN;
  /* Something to write, or to pull from libssh and write. */
  if (self->to_app->len > 0 || (self->held_in_libssh && self->state == STATE_OPEN))
    condition |= G_IO_OUT;
  if (self->hung_up && condition == 0)
    {
      if (self->source->tag != NULL)
        g_source_remove_unix_fd (source, self->source->tag);
      self->source->tag = NULL;
      return;
    }
  if (self->source->tag == NULL)
    self->source->tag = g_source_add_unix_fd (source, self->fd, condition);
  else if (condition != self->source->condition)
    g_source_modify_unix_fd (source, self->source->tag, condition);   /* it wakes the context */
  self->source->condition = condition;
}

/* Writes what the application can take now; FALSE on a broken connection. */
static gboolean
write_to_app (BrokerChannel *self,
              const guint8  *data,
              gsize          len,
              gsize         *written)
{
  ssize_t n = send (self->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

  *written = 0;
  if (n >= 0)
    {
      *written = n;
      return TRUE;
    }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

static void
count_in (BrokerChannel *self,
          gsize          bytes)
{
  broker_traffic_add_in (self->tunnel, bytes);
  broker_traffic_add_in (self->host.traffic, bytes);
}

static void
count_out (BrokerChannel *self,
           gsize          bytes)
{
  broker_traffic_add_out (self->tunnel, bytes);
  broker_traffic_add_out (self->host.traffic, bytes);
}

/* libssh hands over what the server sent; what is not accepted stays in its
 * buffer and is offered again (or pulled once the application drains). */
static int
on_channel_data (ssh_session  session,
                 ssh_channel  channel,
                 void        *data,
                 uint32_t     len,
                 int          is_stderr,
                 void        *user_data)
{
  BrokerChannel *self = user_data;
  gsize written = 0;
  gsize room;

  /* While pulling, libssh is reading packets inside ssh_channel_poll():
   * this data joins its buffer, which the pull reads right after. */
  if (self->pulling)
    return 0;
  if (self->state != STATE_OPEN || self->fd < 0)
    {
      self->held_in_libssh = TRUE;
      return 0;
    }
  if (self->to_app->len == 0 && !write_to_app (self, data, len, &written))
    {
      finish (self);
      return len;
    }
  room = self->to_app->len < TO_APP_HIGH_WATER ? TO_APP_HIGH_WATER - self->to_app->len : 0;
  room = MIN (room, len - written);
  g_byte_array_append (self->to_app, (const guint8 *) data + written, room);
  count_in (self, written + room);
  if (written + room < len)
    self->held_in_libssh = TRUE;
  update_watch (self);
  return written + room;
}

static void
on_channel_eof (ssh_session  session,
                ssh_channel  channel,
                void        *user_data)
{
  BrokerChannel *self = user_data;

  self->server_eof = TRUE;
  check_done (self);
}

static void
on_channel_close (ssh_session  session,
                  ssh_channel  channel,
                  void        *user_data)
{
  BrokerChannel *self = user_data;

  /* Nothing more comes from the server, and nothing more can be sent. */
  self->server_eof = TRUE;
  self->app_eof = TRUE;
  self->sent_eof = TRUE;
  g_byte_array_set_size (self->to_server, 0);
  check_done (self);
}

/* Out of SSH window: the worker resumes it once the server grants more
 * (window updates call no callback of libssh's). */
static void
wait_for_window (BrokerChannel *self)
{
  if (self->wait_window)
    return;
  self->wait_window = TRUE;
  self->host.window_wanted (self->host.owner, self);
}

gboolean
broker_channel_window_opened (BrokerChannel *self)
{
  if (self->state != STATE_OPEN || !self->wait_window ||
      ssh_channel_window_size (self->channel) == 0)
    return FALSE;
  self->wait_window = FALSE;
  broker_channel_resume (self);
  return TRUE;
}

static void
send_eof_if_due (BrokerChannel *self)
{
  if (self->app_eof && !self->sent_eof && self->to_server->len == 0)
    {
      self->sent_eof = TRUE;
      ssh_channel_send_eof (self->channel);
      self->host.wrote (self->host.owner);
    }
}

static void
shut_app_if_due (BrokerChannel *self)
{
  if (self->server_eof && !self->app_shut && self->to_app->len == 0 && !self->held_in_libssh)
    {
      self->app_shut = TRUE;
      shutdown (self->fd, SHUT_WR);
    }
}

static void
check_done (BrokerChannel *self)
{
  /* A pull in progress ends with its own check, once the bytes it read
   * are with the application. */
  if (self->state != STATE_OPEN || self->pulling)
    return;
  send_eof_if_due (self);
  shut_app_if_due (self);
  if (self->sent_eof && self->app_shut)
    finish (self);
  else
    update_watch (self);
}

/* Sends what fits in the SSH window; the rest waits for it to grow. */
static void
send_to_server (BrokerChannel *self,
                const guint8  *data,
                gsize          len)
{
  int written = ssh_channel_write (self->channel, data, len);

  if (written < 0)
    {
      finish (self);
      return;
    }
  count_out (self, written);
  if ((gsize) written < len)
    {
      g_byte_array_append (self->to_server, data + written, len - written);
      wait_for_window (self);
    }
}

static void
flush_to_server (BrokerChannel *self)
{
  g_autoptr(GByteArray) pending = NULL;

  if (self->to_server->len == 0 || self->wait_window || self->state != STATE_OPEN)
    return;
  pending = g_steal_pointer (&self->to_server);
  self->to_server = g_byte_array_new ();
  send_to_server (self, pending->data, pending->len);
}

static void
read_from_app (BrokerChannel *self)
{
  guint8 buffer[READ_CHUNK];

  for (guint i = 0; i < READS_PER_WAKEUP && wants_read (self); i++)
    {
      uint32_t window = ssh_channel_window_size (self->channel);
      ssize_t n;

      if (self->host.congested (self->host.owner))
        {
          self->wait_congestion = TRUE;
          self->host.blocked (self->host.owner, self);
          break;
        }
      if (window == 0)
        {
          wait_for_window (self);
          break;
        }
      n = recv (self->fd, buffer, MIN (window, sizeof buffer), MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        break;
      if (n < 0)
        {
          finish (self);
          return;
        }
      if (n == 0)
        self->app_eof = TRUE;
      else
        send_to_server (self, buffer, n);
      if (self->state == STATE_DONE)
        return;
    }
  self->host.wrote (self->host.owner);
  check_done (self);
}

/* One read of what libssh kept back, written to the application; FALSE
 * when the channel is over.  Reading lets libssh process more input, which
 * may join its buffer meanwhile: so after a read that got something, more
 * may be held. */
static gboolean
pull_once (BrokerChannel *self)
{
  int available;
  int n;
  gsize written = 0;
  guint old_len;

  self->held_in_libssh = FALSE;
  self->pulling = TRUE;
  available = ssh_channel_poll (self->channel, 0);
  if (available <= 0)
    {
      self->pulling = FALSE;
      return TRUE;
    }
  old_len = self->to_app->len;
  g_byte_array_set_size (self->to_app, old_len + available);
  n = ssh_channel_read_nonblocking (self->channel, self->to_app->data + old_len, available, 0);
  self->pulling = FALSE;
  g_byte_array_set_size (self->to_app, old_len + MAX (n, 0));
  if (n <= 0)
    return TRUE;
  self->held_in_libssh = TRUE;
  count_in (self, n);
  if (!write_to_app (self, self->to_app->data, self->to_app->len, &written))
    {
      finish (self);
      return FALSE;
    }
  g_byte_array_remove_range (self->to_app, 0, written);
  self->host.wrote (self->host.owner);
  return TRUE;
}

/* Takes everything libssh kept back once the application has room again,
 * a whole buffer per read: libssh grants the server a new window on every
 * read, so reading piecemeal would let its buffer grow past one window.
 * Until nothing is held, or the application is full again; the fd's
 * writability resumes it either way (update_watch()). */
static void
pull_from_libssh (BrokerChannel *self)
{
  for (guint i = 0; i < PULLS_PER_WAKEUP; i++)
    {
      if (!self->held_in_libssh || self->to_app->len > 0 || self->state != STATE_OPEN)
        return;
      if (!pull_once (self))
        return;
    }
}

static void
write_pending_to_app (BrokerChannel *self)
{
  gsize written = 0;

  if (self->to_app->len > 0 && !write_to_app (self, self->to_app->data, self->to_app->len, &written))
    {
      finish (self);
      return;
    }
  g_byte_array_remove_range (self->to_app, 0, written);
  if (self->to_app->len == 0)
    pull_from_libssh (self);
  check_done (self);
}

static gboolean
fd_source_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  FdSource *fd_source = (FdSource *) source;
  BrokerChannel *self = fd_source->channel;
  GIOCondition condition;

  if (fd_source->tag == NULL)
    return G_SOURCE_CONTINUE;
  condition = g_source_query_unix_fd (source, fd_source->tag);
  if (condition & G_IO_HUP)
    self->hung_up = TRUE;

  if (condition & G_IO_ERR)
    finish (self);
  else
    {
      if (condition & G_IO_OUT)
        write_pending_to_app (self);
      if (self->state == STATE_OPEN && (condition & (G_IO_IN | G_IO_HUP)))
        read_from_app (self);
      else
        update_watch (self);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_source_funcs = {
  .dispatch = fd_source_dispatch,
};

static void
watch_fd (BrokerChannel *self)
{
  self->source = (FdSource *) g_source_new (&fd_source_funcs, sizeof (FdSource));
  self->source->channel = self;
  self->source->tag = g_source_add_unix_fd ((GSource *) self->source, self->fd, 0);
  self->source->condition = 0;
  g_source_set_priority ((GSource *) self->source, G_PRIORITY_DEFAULT);
  /* No nested loops run here; this spares GLib removing and re-adding the
   * poll record around every dispatch (a walk of the whole poll list). */
  g_source_set_can_recurse ((GSource *) self->source, TRUE);
  g_source_attach ((GSource *) self->source, self->host.context);
  update_watch (self);
}

/* A SOCKS client's answer, or nothing for a plain connection. */
static gboolean
answer_socks (BrokerChannel *self,
              gboolean       success)
{
  g_autoptr(GByteArray) reply = NULL;
  gsize written = 0;

  if (self->mode == BROKER_CHANNEL_DIRECT)
    return TRUE;
  reply = g_byte_array_new ();
  broker_socks_append_reply (self->mode == BROKER_CHANNEL_SOCKS4 ? 4 : 5, success, reply);
  /* A few bytes into a fresh connection: they fit. */
  return write_to_app (self, reply->data, reply->len, &written) && written == reply->len;
}

static void
opened (BrokerChannel *self)
{
  g_debug ("channel to %s:%u open", self->dst_host, self->dst_port);
  broker_open_report_send (self->report, TRUE, NULL);
  self->state = STATE_OPEN;
  self->counted = TRUE;
  broker_traffic_channel_open (self->tunnel);
  broker_traffic_channel_open (self->host.traffic);
  if (!answer_socks (self, TRUE))
    {
      finish (self);
      return;
    }
  flush_to_server (self);
  if (self->state != STATE_OPEN)
    return;
  pull_from_libssh (self);
  check_done (self);
}

static void
refuse (BrokerChannel *self,
        const char    *why)
{
  g_debug ("channel to %s:%u refused: %s", self->dst_host, self->dst_port, why);
  broker_open_report_send (self->report, FALSE, why);
  if (self->fd >= 0)
    answer_socks (self, FALSE);
  finish (self);
}

void
broker_channel_continue_open (BrokerChannel *self)
{
  int rc;

  if (self->state != STATE_OPENING)
    return;
  rc = ssh_channel_open_forward (self->channel, self->dst_host, self->dst_port,
                                 "127.0.0.1", 0);
  if (rc == SSH_AGAIN)
    return;
  if (rc != SSH_OK)
    refuse (self, ssh_get_error (self->host.ssh));
  else
    opened (self);
}

static void
open_channel (BrokerChannel *self)
{
  self->channel = ssh_channel_new (self->host.ssh);
  if (self->channel == NULL)
    {
      refuse (self, "no channel");
      return;
    }
  ssh_set_channel_callbacks (self->channel, &self->callbacks);
  g_debug ("opening a channel to %s:%u", self->dst_host, self->dst_port);
  self->state = STATE_OPENING;
  update_watch (self);
  broker_channel_continue_open (self);
}

static BrokerChannel *
pump_new (const BrokerChannelHost *host,
             BrokerTraffic           *tunnel)
{
  BrokerChannel *self = g_new0 (BrokerChannel, 1);

  self->host = *host;
  self->fd = -1;
  self->tunnel = tunnel != NULL ? broker_traffic_ref (tunnel) : NULL;
  self->to_app = g_byte_array_new ();
  self->to_server = g_byte_array_new ();
  self->callbacks.userdata = self;
  self->callbacks.channel_data_function = on_channel_data;
  self->callbacks.channel_eof_function = on_channel_eof;
  self->callbacks.channel_close_function = on_channel_close;
  ssh_callbacks_init (&self->callbacks);
  return self;
}

/* @fd (non-blocking, taken) is an application's connection to a local or
 * dynamic tunnel. */
BrokerChannel *
broker_channel_new_outgoing (const BrokerChannelHost *host,
                             BrokerChannelMode        mode,
                             int                      fd,
                             const char              *dst_host,
                             guint16                  dst_port,
                             BrokerTraffic           *tunnel)
{
  BrokerChannel *self = pump_new (host, tunnel);

  self->mode = mode;
  self->fd = fd;
  self->dst_host = g_strdup (dst_host);
  self->dst_port = dst_port;
  return self;
}

/* @channel is a forwarded-tcpip channel the server opened (a remote tunnel);
 * the worker connects to the local target and attaches the fd. */
BrokerChannel *
broker_channel_new_incoming (const BrokerChannelHost *host,
                             ssh_channel              channel,
                             BrokerTraffic           *tunnel)
{
  BrokerChannel *self = pump_new (host, tunnel);

  self->channel = channel;
  self->state = STATE_CONNECTING;
  ssh_set_channel_callbacks (self->channel, &self->callbacks);
  return self;
}

/* The session is connected: begin. */
void
broker_channel_start (BrokerChannel *self)
{
  if (self->state == STATE_CONNECTING || self->state == STATE_DONE)
    return;
  watch_fd (self);
  open_channel (self);
}

void
broker_channel_attach_fd (BrokerChannel *self,
                          int            fd)
{
  if (self->state == STATE_DONE)
    {
      close (fd);
      return;
    }
  self->fd = fd;
  watch_fd (self);
  opened (self);
}

/* @report (taken) learns whether the open succeeded. */
void
broker_channel_set_report (BrokerChannel    *self,
                           BrokerOpenReport *report)
{
  g_clear_pointer (&self->report, broker_open_report_free);
  self->report = report;
}

gboolean
broker_channel_is_open (BrokerChannel *self)
{
  return self->state == STATE_OPEN;
}

gboolean
broker_channel_is_opening (BrokerChannel *self)
{
  return self->state == STATE_OPENING;
}

/* Opening, and the server's confirmation has arrived: continuing the open
 * now finishes it without touching the socket. */
gboolean
broker_channel_open_confirmed (BrokerChannel *self)
{
  return self->state == STATE_OPENING && ssh_channel_is_open (self->channel);
}

/* Reading was stopped (window or congestion): try again. */
void
broker_channel_resume (BrokerChannel *self)
{
  if (self->state != STATE_OPEN)
    return;
  self->wait_congestion = FALSE;
  flush_to_server (self);
  if (self->state != STATE_OPEN)
    return;
  check_done (self);
}

BrokerTraffic *
broker_channel_get_tunnel (BrokerChannel *self)
{
  return self->tunnel;
}

void
broker_channel_free (BrokerChannel *self)
{
  if (self == NULL)
    return;
  clear_source (self);
  if (self->fd >= 0)
    close (self->fd);
  if (self->channel != NULL)
    {
      ssh_remove_channel_callbacks (self->channel, &self->callbacks);
      ssh_channel_free (self->channel);
    }
  if (self->counted)
    {
      broker_traffic_channel_done (self->tunnel);
      broker_traffic_channel_done (self->host.traffic);
    }
  g_clear_pointer (&self->tunnel, broker_traffic_unref);
  g_clear_pointer (&self->report, broker_open_report_free);
  g_byte_array_unref (self->to_app);
  g_byte_array_unref (self->to_server);
  g_free (self->dst_host);
  g_free (self);
}
