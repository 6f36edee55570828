// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-session"

#include "broker-session-worker-private.h"
#include "broker-handoff.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The channels of a connected session, its remote listeners, the keepalive
 * and the idle timeout: all on the worker's thread. */

/* Keepalive ticks per interval; the server is declared dead after this many
 * silent ticks, which is at most 3 intervals after it last spoke. */
#define TICKS_PER_INTERVAL 2
#define SILENT_TICKS_DEAD 5
/* Incoming forwarded channels taken per wakeup. */
#define ACCEPTS_PER_WAKEUP 64

/* A channel asked for before the session was up. */
typedef struct
{
  BrokerChannelMode mode;
  int fd;
  char *dst_host;
  guint16 dst_port;
  BrokerTraffic *tunnel;
  BrokerOpenReport *report;    /* or NULL */
} ChannelRequest;

static void
channel_request_free (ChannelRequest *request)
{
  if (request->fd >= 0)
    close (request->fd);
  g_clear_pointer (&request->tunnel, broker_traffic_unref);
  g_clear_pointer (&request->report, broker_open_report_free);
  g_free (request->dst_host);
  g_free (request);
}

static void
remote_forward_free (RemoteForward *forward)
{
  g_free (forward->address);
  g_free (forward->target_host);
  g_clear_pointer (&forward->tunnel, broker_traffic_unref);
  g_free (forward);
}

static void
global_request_free (GlobalRequest *request)
{
  g_free (request->address);
  g_free (request);
}

/* Letters about remote listeners, delivered like the state ones. */
typedef struct
{
  Mailbox *mailbox;
  BrokerTraffic *tunnel;
  guint16 bound;
  char *error;
  gboolean used;
} RemoteLetter;

static void
remote_letter_free (RemoteLetter *letter)
{
  g_atomic_rc_box_release (letter->mailbox);
  broker_traffic_unref (letter->tunnel);
  g_free (letter->error);
  g_free (letter);
}

static gboolean
deliver_remote (gpointer data)
{
  RemoteLetter *letter = data;

  if (!letter->mailbox->stopped && letter->mailbox->events.remote != NULL)
    letter->mailbox->events.remote (letter->tunnel, letter->bound, letter->error, letter->used,
                                    letter->mailbox->user_data);
  return G_SOURCE_REMOVE;
}

static void
post_remote (BrokerSessionWorker *self,
             RemoteForward       *forward,
             const char          *error,
             gboolean             used)
{
  RemoteLetter *letter = g_new0 (RemoteLetter, 1);

  letter->mailbox = g_atomic_rc_box_acquire (self->mailbox);
  letter->tunnel = broker_traffic_ref (forward->tunnel);
  letter->bound = forward->bound;
  letter->error = g_strdup (error);
  letter->used = used;
  broker_handoff_invoke (self->main_context, deliver_remote, letter,
                         (GDestroyNotify) remote_letter_free);
}

/* A connection handed over to the main thread. */
typedef struct
{
  Mailbox *mailbox;
  BrokerTraffic *tunnel;
  int fd;
  char *originator;
} IncomingLetter;

static void
incoming_letter_free (IncomingLetter *letter)
{
  g_atomic_rc_box_release (letter->mailbox);
  broker_traffic_unref (letter->tunnel);
  if (letter->fd >= 0)
    close (letter->fd);
  g_free (letter->originator);
  g_free (letter);
}

static gboolean
deliver_incoming (gpointer data)
{
  IncomingLetter *letter = data;

  if (!letter->mailbox->stopped && letter->mailbox->events.incoming != NULL)
    {
      letter->mailbox->events.incoming (letter->tunnel, letter->fd, letter->originator,
                                        letter->mailbox->user_data);
      letter->fd = -1;
    }
  return G_SOURCE_REMOVE;
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Host callbacks */

/* Bytes queued in libssh's output buffer (ssh_get_poll_flags() says
 * SSH_WRITE_PENDING after every write, queued or not). */
static gboolean
host_congested (gpointer owner)
{
  BrokerSessionWorker *self = owner;

  return (ssh_get_status (self->ssh) & SSH_WRITE_PENDING) != 0;
}

static void
host_window_wanted (gpointer       owner,
                    BrokerChannel *channel)
{
  BrokerSessionWorker *self = owner;

  g_ptr_array_add (self->window_waiters, channel);
}

static void
host_orphaned (gpointer    owner,
               ssh_channel channel)
{
  BrokerSessionWorker *self = owner;

  g_ptr_array_add (self->orphans, channel);
}

static void
host_blocked (gpointer       owner,
              BrokerChannel *channel)
{
  BrokerSessionWorker *self = owner;

  g_ptr_array_add (self->blocked, channel);
}

static void
host_wrote (gpointer owner)
{
  broker_session_worker_watch_socket (owner);
}

static void reap (BrokerSessionWorker *self);

static gboolean
on_reap (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;

  g_clear_pointer (&self->reap_source, g_source_unref);
  reap (self);
  return G_SOURCE_REMOVE;
}

static void
host_finished (gpointer       owner,
               BrokerChannel *channel)
{
  BrokerSessionWorker *self = owner;

  g_ptr_array_add (self->dead, channel);
  if (self->reap_source != NULL)
    return;
  self->reap_source = g_idle_source_new ();
  g_source_set_priority (self->reap_source, G_PRIORITY_HIGH);
  g_source_set_callback (self->reap_source, on_reap, self, NULL);
  g_source_attach (self->reap_source, self->context);
}

void
broker_session_worker_init_channels (BrokerSessionWorker *self)
{
  self->host.context = self->context;
  self->host.traffic = self->traffic;
  self->host.congested = host_congested;
  self->host.blocked = host_blocked;
  self->host.wrote = host_wrote;
  self->host.finished = host_finished;
  self->host.window_wanted = host_window_wanted;
  self->host.orphaned = host_orphaned;
  self->host.owner = self;
  self->channels = g_ptr_array_new ();
  self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) channel_request_free);
  self->dead = g_ptr_array_new ();
  self->blocked = g_ptr_array_new ();
  self->window_waiters = g_ptr_array_new ();
  self->orphans = g_ptr_array_new ();
  self->connects = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->remotes = g_ptr_array_new_with_free_func ((GDestroyNotify) remote_forward_free);
  g_queue_init (&self->requests);
}

/* Idle timeout */

static gboolean
on_idle_timeout (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;
  g_autofree char *reason = g_strdup_printf ("no channel for %u s (idle timeout)",
                                             self->params->idle_timeout);

  g_clear_pointer (&self->idle_source, g_source_unref);
  broker_session_worker_finish (self, BROKER_SESSION_DISCONNECTED, reason);
  return G_SOURCE_REMOVE;
}

/* Kept after its last channel closed for the idle timeout, unless remote
 * listeners or an explicit connect without any channel yet keep it. */
static void
update_idle (BrokerSessionWorker *self)
{
  gboolean idle = self->phase == PHASE_CONNECTED && self->had_channels &&
                  self->channels->len == 0 && self->remotes->len == 0;

  if (!idle)
    {
      clear_source (&self->idle_source);
      return;
    }
  if (self->idle_source != NULL)
    return;
  self->idle_source = g_timeout_source_new_seconds (MAX (self->params->idle_timeout, 1));
  if (self->params->idle_timeout == 0)
    {
      g_source_unref (self->idle_source);
      self->idle_source = g_idle_source_new ();
    }
  g_source_set_callback (self->idle_source, on_idle_timeout, self, NULL);
  g_source_attach (self->idle_source, self->context);
}

static void
reap (BrokerSessionWorker *self)
{
  for (guint i = 0; i < self->dead->len; i++)
    {
      BrokerChannel *channel = self->dead->pdata[i];
      GCancellable *connect = g_hash_table_lookup (self->connects, channel);

      if (connect != NULL)
        {
          g_cancellable_cancel (connect);
          g_hash_table_remove (self->connects, channel);
        }
      g_ptr_array_remove_fast (self->channels, channel);
      g_ptr_array_remove_fast (self->blocked, channel);
      g_ptr_array_remove_fast (self->window_waiters, channel);
      broker_channel_free (channel);
    }
  g_ptr_array_set_size (self->dead, 0);
  update_idle (self);
}

/* Outgoing channels */

static void
start_channel (BrokerSessionWorker *self,
               ChannelRequest      *request)
{
  BrokerChannel *channel;

  self->host.ssh = self->ssh;
  channel = broker_channel_new_outgoing (&self->host, request->mode, request->fd,
                                         request->dst_host, request->dst_port, request->tunnel);
  request->fd = -1;
  broker_channel_set_report (channel, g_steal_pointer (&request->report));
  self->had_channels = TRUE;
  g_ptr_array_add (self->channels, channel);
  update_idle (self);
  broker_channel_start (channel);
}

typedef struct
{
  BrokerSessionWorker *self;
  ChannelRequest *request;
} AddChannel;

static gboolean
add_channel_in_worker (gpointer data)
{
  AddChannel *add = data;
  BrokerSessionWorker *self = add->self;
  ChannelRequest *request = g_steal_pointer (&add->request);

  if (self->phase == PHASE_CONNECTED)
    {
      start_channel (self, request);
      channel_request_free (request);
    }
  else if (self->phase == PHASE_DONE)
    channel_request_free (request);   /* closes the fd: the application sees EOF */
  else
    g_ptr_array_add (self->waiting, request);
  return G_SOURCE_REMOVE;
}

static void
add_channel_free (AddChannel *add)
{
  g_clear_pointer (&add->request, channel_request_free);
  g_free (add);
}

void
broker_session_worker_add_channel (BrokerSessionWorker *self,
                                   BrokerChannelMode    mode,
                                   int                  fd,
                                   const char          *dst_host,
                                   guint16              dst_port,
                                   BrokerTraffic       *tunnel,
                                   BrokerOpenReport    *report)
{
  AddChannel *add = g_new0 (AddChannel, 1);

  add->self = self;
  add->request = g_new0 (ChannelRequest, 1);
  add->request->mode = mode;
  add->request->fd = fd;
  add->request->dst_host = g_strdup (dst_host);
  add->request->dst_port = dst_port;
  add->request->tunnel = tunnel != NULL ? broker_traffic_ref (tunnel) : NULL;
  add->request->report = report;
  broker_handoff_invoke (self->context, add_channel_in_worker, add,
                         (GDestroyNotify) add_channel_free);
}

/* Remote listeners: global requests, one at a time */

static gboolean
forward_is_queued (BrokerSessionWorker *self,
                   RemoteForward       *forward)
{
  for (GList *l = self->requests.head; l != NULL; l = l->next)
    if (((GlobalRequest *) l->data)->forward == forward)
      return TRUE;
  return FALSE;
}

static void queue_cancel (BrokerSessionWorker *self,
                          RemoteForward       *forward);

/* A listen answered after its tunnel was closed: undo it, then forget it. */
static void
drop_closed_forward (BrokerSessionWorker *self,
                     RemoteForward       *forward)
{
  if (forward->listening)
    queue_cancel (self, forward);
  g_ptr_array_remove (self->remotes, forward);
}

static void
run_requests (BrokerSessionWorker *self)
{
  GlobalRequest *request;

  while (self->phase == PHASE_CONNECTED && (request = g_queue_peek_head (&self->requests)))
    {
      RemoteForward *forward = request->forward;
      int bound = 0;
      int rc;

      if (forward != NULL)
        rc = ssh_channel_listen_forward (self->ssh, forward->address, forward->port, &bound);
      else
        rc = ssh_channel_cancel_forward (self->ssh, request->address, request->port);
      if (rc == SSH_AGAIN)
        return;
      g_queue_pop_head (&self->requests);
      if (forward != NULL && rc == SSH_OK)
        {
          forward->listening = TRUE;
          forward->bound = bound != 0 ? bound : forward->port;
          if (!forward->closed)
            post_remote (self, forward, NULL, FALSE);
        }
      else if (forward != NULL && !forward->closed)
        {
          g_autofree char *error =
            g_strdup_printf ("the SSH server refused to listen on %s:%u: %s", forward->address,
                             forward->port, ssh_get_error (self->ssh));

          post_remote (self, forward, error, FALSE);
        }
      if (forward != NULL && forward->closed)
        drop_closed_forward (self, forward);
      global_request_free (request);
    }
}

static void
queue_listen (BrokerSessionWorker *self,
              RemoteForward       *forward)
{
  GlobalRequest *request = g_new0 (GlobalRequest, 1);

  request->forward = forward;
  g_queue_push_tail (&self->requests, request);
  run_requests (self);
}

static void
queue_cancel (BrokerSessionWorker *self,
              RemoteForward       *forward)
{
  GlobalRequest *request = g_new0 (GlobalRequest, 1);

  request->address = g_strdup (forward->address);
  request->port = forward->bound;
  g_queue_push_tail (&self->requests, request);
}

typedef struct
{
  BrokerSessionWorker *self;
  RemoteForward *forward;
} AddRemote;

static gboolean
add_remote_in_worker (gpointer data)
{
  AddRemote *add = data;
  BrokerSessionWorker *self = add->self;
  RemoteForward *forward = g_steal_pointer (&add->forward);

  g_ptr_array_add (self->remotes, forward);
  self->had_remotes = TRUE;
  update_idle (self);
  if (self->phase == PHASE_CONNECTED)
    {
      queue_listen (self, forward);
      broker_session_worker_watch_socket (self);
    }
  return G_SOURCE_REMOVE;
}

static void
add_remote_free (AddRemote *add)
{
  g_clear_pointer (&add->forward, remote_forward_free);
  g_free (add);
}

void
broker_session_worker_add_remote (BrokerSessionWorker *self,
                                  const char          *address,
                                  guint16              port,
                                  const char          *target_host,
                                  guint16              target_port,
                                  BrokerRemoteFlags    flags,
                                  BrokerTraffic       *tunnel)
{
  AddRemote *add = g_new0 (AddRemote, 1);

  add->self = self;
  add->forward = g_new0 (RemoteForward, 1);
  add->forward->address = g_strdup (address);
  add->forward->port = port;
  add->forward->target_host = g_strdup (target_host);
  add->forward->target_port = target_port;
  add->forward->flags = flags;
  add->forward->tunnel = broker_traffic_ref (tunnel);
  broker_handoff_invoke (self->context, add_remote_in_worker, add,
                         (GDestroyNotify) add_remote_free);
}

/* Incoming forwarded-tcpip channels */

typedef struct
{
  BrokerSessionWorker *self;
  BrokerChannel *channel;
  GCancellable *cancellable;
} Connect;

static void
connected_locally (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Connect *connect = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (connect->cancellable))
    {
      g_object_unref (connect->cancellable);
      g_free (connect);
      return;
    }
  g_hash_table_remove (connect->self->connects, connect->channel);
  if (connection == NULL)
    {
      g_message ("remote tunnel: %s", error->message);
      broker_channel_abort (connect->channel);
    }
  else
    {
      fd = fcntl (g_socket_get_fd (g_socket_connection_get_socket (connection)),
                  F_DUPFD_CLOEXEC, 0);
      if (fd < 0 || !g_unix_set_fd_nonblocking (fd, TRUE, NULL))
        {
          if (fd >= 0)
            close (fd);
          broker_channel_abort (connect->channel);
        }
      else
        broker_channel_attach_fd (connect->channel, fd);
    }
  g_object_unref (connect->cancellable);
  g_free (connect);
}

static RemoteForward *
find_remote (BrokerSessionWorker *self,
             int                  port)
{
  for (guint i = 0; i < self->remotes->len; i++)
    {
      RemoteForward *forward = self->remotes->pdata[i];

      if (forward->listening && !forward->closed && forward->bound == port)
        return forward;
    }
  return NULL;
}

static void
connect_locally (BrokerSessionWorker *self,
                 BrokerChannel       *channel,
                 RemoteForward       *forward)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Connect *connect = g_new0 (Connect, 1);

  connect->self = self;
  connect->channel = channel;
  connect->cancellable = g_cancellable_new ();
  g_hash_table_insert (self->connects, channel, g_object_ref (connect->cancellable));
  g_socket_client_set_timeout (client, 10);
  g_socket_client_connect_to_host_async (client, forward->target_host, forward->target_port,
                                         connect->cancellable, connected_locally, connect);
}

/* An FTP data forward took its connection: nobody else may use it. */
static void
stop_one_shot (BrokerSessionWorker *self,
               RemoteForward       *forward)
{
  forward->closed = TRUE;
  queue_cancel (self, forward);
  post_remote (self, forward, NULL, TRUE);
  g_ptr_array_remove (self->remotes, forward);
  run_requests (self);
}

/* An FTP tunnel's control connection: its bytes are relayed on the main
 * thread, through a socket pair (never a listener others could reach). */
static void
hand_over (BrokerSessionWorker *self,
           BrokerChannel       *channel,
           RemoteForward       *forward,
           const char          *originator)
{
  IncomingLetter *letter;
  int pair[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
    {
      g_message ("remote tunnel: cannot make a socket pair: %s", g_strerror (errno));
      broker_channel_abort (channel);
      return;
    }
  broker_channel_attach_fd (channel, pair[0]);
  letter = g_new0 (IncomingLetter, 1);
  letter->mailbox = g_atomic_rc_box_acquire (self->mailbox);
  letter->tunnel = broker_traffic_ref (forward->tunnel);
  letter->fd = pair[1];
  letter->originator = g_strdup (originator);
  broker_handoff_invoke (self->main_context, deliver_incoming, letter,
                         (GDestroyNotify) incoming_letter_free);
}

static void
accept_incoming (BrokerSessionWorker *self)
{
  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++)
    {
      int port = 0;
      int originator_port = 0;
      char *originator = NULL;
      ssh_channel incoming = ssh_channel_open_forward_port (self->ssh, 0, &port, &originator,
                                                            &originator_port);
      RemoteForward *forward;
      BrokerChannel *channel;

      if (incoming == NULL)
        return;
      forward = find_remote (self, port);
      if (forward == NULL)
        {
          ssh_string_free_char (originator);
          ssh_channel_close (incoming);
          ssh_channel_free (incoming);
          continue;
        }
      self->host.ssh = self->ssh;
      channel = broker_channel_new_incoming (&self->host, incoming, forward->tunnel);
      self->had_channels = TRUE;
      g_ptr_array_add (self->channels, channel);
      if (forward->flags & BROKER_REMOTE_HAND_OVER)
        hand_over (self, channel, forward, originator);
      else
        connect_locally (self, channel, forward);
      ssh_string_free_char (originator);
      if (forward->flags & BROKER_REMOTE_ONE_SHOT)
        stop_one_shot (self, forward);
    }
}

/* Keepalive: libssh has none of its own.  A session channel that is opened
 * and closed again makes the server answer; any packet counts as a sign of
 * life. */

static void
continue_ping (BrokerSessionWorker *self)
{
  int rc;

  if (self->ping == NULL)
    return;
  rc = ssh_channel_open_session (self->ping);
  if (rc == SSH_AGAIN)
    return;
  if (rc == SSH_OK)
    ssh_channel_close (self->ping);
  ssh_channel_free (self->ping);
  self->ping = NULL;
}

static gboolean
on_keepalive_tick (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;

  if (self->received.in_packets != self->packets_seen)
    {
      self->packets_seen = self->received.in_packets;
      self->silent_ticks = 0;
      return G_SOURCE_CONTINUE;
    }
  if (++self->silent_ticks >= SILENT_TICKS_DEAD)
    {
      g_autofree char *reason =
        g_strdup_printf ("the SSH server %s:%u stopped answering (nothing for %.1f s, "
                         "keepalive every %u s)", self->params->host, self->params->port,
                         self->silent_ticks * self->params->keepalive / (double) TICKS_PER_INTERVAL,
                         self->params->keepalive);

      g_clear_pointer (&self->keepalive_source, g_source_unref);
      broker_session_worker_finish (self, BROKER_SESSION_FAILED, reason);
      return G_SOURCE_REMOVE;
    }
  if (self->ping == NULL)
    {
      self->ping = ssh_channel_new (self->ssh);
      continue_ping (self);
      broker_session_worker_watch_socket (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_keepalive (BrokerSessionWorker *self)
{
  if (self->params->keepalive == 0)
    return;
  self->packets_seen = self->received.in_packets;
  self->keepalive_source = g_timeout_source_new (self->params->keepalive * 1000 /
                                                 TICKS_PER_INTERVAL);
  g_source_set_callback (self->keepalive_source, on_keepalive_tick, self, NULL);
  g_source_attach (self->keepalive_source, self->context);
}

/* The session is up: start what waited for it. */
void
broker_session_worker_start_channels (BrokerSessionWorker *self)
{
  g_autoptr(GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) channel_request_free);
  for (guint i = 0; i < waiting->len; i++)
    start_channel (self, waiting->pdata[i]);
  for (guint i = 0; i < self->remotes->len; i++)
    queue_listen (self, self->remotes->pdata[i]);
  start_keepalive (self);
  update_idle (self);
}

static void
resume_blocked (BrokerSessionWorker *self)
{
  g_autoptr(GPtrArray) blocked = NULL;

  if (self->blocked->len == 0 || host_congested (self))
    return;
  blocked = g_steal_pointer (&self->blocked);
  self->blocked = g_ptr_array_new ();
  for (guint i = 0; i < blocked->len; i++)
    broker_channel_resume (blocked->pdata[i]);
}

/* Window updates from the server call no callback: look after each
 * batch of input. */
static void
resume_window_waiters (BrokerSessionWorker *self)
{
  for (guint i = self->window_waiters->len; i > 0; i--)
    {
      BrokerChannel *channel = self->window_waiters->pdata[i - 1];

      if (broker_channel_window_opened (channel) || !broker_channel_is_open (channel))
        g_ptr_array_remove_fast (self->window_waiters, channel);
    }
}

/* Channels given up while their open was pending: closed once the server
 * answered. */
static void
settle_orphans (BrokerSessionWorker *self,
                gboolean             refused)
{
  for (guint i = self->orphans->len; i > 0; i--)
    {
      ssh_channel channel = self->orphans->pdata[i - 1];
      int rc;

      if (!refused && !ssh_channel_is_open (channel))
        continue;
      rc = ssh_channel_open_forward (channel, "orphan", 1, "127.0.0.1", 0);

      if (rc == SSH_AGAIN)
        continue;
      if (rc == SSH_OK)
        ssh_channel_close (channel);
      ssh_channel_free (channel);
      g_ptr_array_remove_index_fast (self->orphans, i - 1);
    }
}

/* A refused open shows only as a new session error ("Channel opening
 * failure: channel N …", with a new N each time). */
static gboolean
server_refused_something (BrokerSessionWorker *self)
{
  const char *error = ssh_get_error (self->ssh);

  if (g_strcmp0 (error, self->last_error) == 0)
    return FALSE;
  g_free (self->last_error);
  self->last_error = g_strdup (error);
  return TRUE;
}

/* Continuing an open the server has not answered yet polls the session's
 * socket (libssh's channel_open()): with a thousand opens pending, a
 * thousand polls per wakeup. So only answered opens are continued: a
 * confirmation shows in the channel's state, a refusal as a new error. */
static void
continue_opens (BrokerSessionWorker *self,
                gboolean             refused)
{
  for (guint i = 0; i < self->channels->len; i++)
    {
      BrokerChannel *channel = self->channels->pdata[i];

      if (broker_channel_open_confirmed (channel)
          || (refused && broker_channel_is_opening (channel)))
        broker_channel_continue_open (channel);
    }
}

/* After libssh processed what arrived: channel opens, listeners, incoming
 * channels and the keepalive may have moved on. */
void
broker_session_worker_after_io (BrokerSessionWorker *self)
{
  gboolean refused = server_refused_something (self);

  continue_opens (self, refused);
  if (self->phase != PHASE_CONNECTED)
    return;
  run_requests (self);
  if (self->had_remotes)
    accept_incoming (self);
  continue_ping (self);
  settle_orphans (self, refused);
  resume_window_waiters (self);
  resume_blocked (self);
}

typedef struct
{
  BrokerSessionWorker *self;
  BrokerTraffic *tunnel;
  gboolean keep_channels;      /* only the listeners stop */
} CloseTunnel;

static void
close_tunnel_free (CloseTunnel *close_tunnel)
{
  broker_traffic_unref (close_tunnel->tunnel);
  g_free (close_tunnel);
}

static gboolean
close_tunnel_in_worker (gpointer data)
{
  CloseTunnel *close_tunnel = data;
  BrokerSessionWorker *self = close_tunnel->self;
  g_autoptr(GPtrArray) channels = g_ptr_array_copy (self->channels, NULL, NULL);

  for (guint i = 0; i < channels->len && !close_tunnel->keep_channels; i++)
    if (broker_channel_get_tunnel (channels->pdata[i]) == close_tunnel->tunnel)
      broker_channel_abort (channels->pdata[i]);
  for (guint i = self->waiting->len; i > 0 && !close_tunnel->keep_channels; i--)
    {
      ChannelRequest *request = self->waiting->pdata[i - 1];

      if (request->tunnel == close_tunnel->tunnel)
        g_ptr_array_remove_index (self->waiting, i - 1);
    }
  for (guint i = self->remotes->len; i > 0; i--)
    {
      RemoteForward *forward = self->remotes->pdata[i - 1];

      if (forward->tunnel != close_tunnel->tunnel || forward->closed)
        continue;
      forward->closed = TRUE;
      if (forward->listening && self->phase == PHASE_CONNECTED)
        queue_cancel (self, forward);
      if (!forward_is_queued (self, forward))
        g_ptr_array_remove_index (self->remotes, i - 1);
    }
  if (self->phase == PHASE_CONNECTED)
    {
      run_requests (self);
      broker_session_worker_watch_socket (self);
    }
  update_idle (self);
  return G_SOURCE_REMOVE;
}

static void
post_close_tunnel (BrokerSessionWorker *self,
                   BrokerTraffic       *tunnel,
                   gboolean             keep_channels)
{
  CloseTunnel *close_tunnel = g_new0 (CloseTunnel, 1);

  close_tunnel->self = self;
  close_tunnel->tunnel = broker_traffic_ref (tunnel);
  close_tunnel->keep_channels = keep_channels;
  broker_handoff_invoke (self->context, close_tunnel_in_worker,
                         close_tunnel, (GDestroyNotify) close_tunnel_free);
}

void
broker_session_worker_close_tunnel (BrokerSessionWorker *self,
                                    BrokerTraffic       *tunnel)
{
  post_close_tunnel (self, tunnel, FALSE);
}

void
broker_session_worker_stop_listening (BrokerSessionWorker *self,
                                      BrokerTraffic       *tunnel)
{
  post_close_tunnel (self, tunnel, TRUE);
}

/* The connection ended: close every channel (applications see EOF). */
void
broker_session_worker_drop_channels (BrokerSessionWorker *self)
{
  g_autoptr(GPtrArray) channels = g_ptr_array_copy (self->channels, NULL, NULL);

  for (guint i = 0; i < channels->len; i++)
    broker_channel_abort (channels->pdata[i]);
  g_ptr_array_set_size (self->waiting, 0);
  for (guint i = 0; i < self->orphans->len; i++)
    ssh_channel_free (self->orphans->pdata[i]);
  g_ptr_array_set_size (self->orphans, 0);
  if (self->ping != NULL)
    {
      ssh_channel_free (self->ping);
      self->ping = NULL;
    }
  g_queue_clear_full (&self->requests, (GDestroyNotify) global_request_free);
  clear_source (&self->keepalive_source);
  clear_source (&self->idle_source);
}

/* When the connection ends: every channel freed while the session still
 * holds them (ssh_disconnect() frees libssh's side). */
void
broker_session_worker_free_channels (BrokerSessionWorker *self)
{
  GHashTableIter iter;
  gpointer cancellable;

  broker_session_worker_drop_channels (self);
  clear_source (&self->reap_source);
  g_hash_table_iter_init (&iter, self->connects);
  while (g_hash_table_iter_next (&iter, NULL, &cancellable))
    g_cancellable_cancel (cancellable);
  reap (self);
  /* reap() arms the idle timeout of a session left without channels; this
   * one is ending, and the source would outlive the worker. */
  clear_source (&self->idle_source);
}

/* When the thread ends. */
void
broker_session_worker_fini_channels (BrokerSessionWorker *self)
{
  broker_session_worker_free_channels (self);
  g_clear_pointer (&self->channels, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->dead, g_ptr_array_unref);
  g_clear_pointer (&self->blocked, g_ptr_array_unref);
  g_clear_pointer (&self->window_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->orphans, g_ptr_array_unref);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->connects, g_hash_table_unref);
  g_clear_pointer (&self->remotes, g_ptr_array_unref);
}
