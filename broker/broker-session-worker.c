// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-session"

#include "broker-session-worker-private.h"
#include "broker-handoff.h"

#include "broker-error.h"
#include "broker-host-keys.h"

#include <glib-unix.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdbool.h>

static const char * const state_names[] = {
  "disconnected", "connecting", "waiting-for-user", "connected", "failed"
};

/* ssh_event_dopoll() passes per wakeup: enough to empty the socket. */
#define DRAIN_LIMIT 256

static void step (BrokerSessionWorker *self);

BrokerSessionParams *
broker_session_params_new (void)
{
  BrokerSessionParams *params = g_new0 (BrokerSessionParams, 1);

  params->timeout = 10;
  params->keepalive = 30;
  params->idle_timeout = 5;
  params->transport_fd = -1;
  params->policy = BROKER_HOST_KEY_POLICY_ASK;
  return params;
}

void
broker_session_params_free (BrokerSessionParams *params)
{
  if (params == NULL)
    return;
  g_free (params->profile);
  g_free (params->host);
  g_free (params->user);
  g_strfreev (params->auth_methods);
  g_strfreev (params->identity_files);
  g_strfreev (params->known_hosts);
  g_free (params->save_known_hosts);
  g_free (params->ssh_dir);
  g_free (params->via);
  if (params->transport_fd >= 0)
    close (params->transport_fd);
  g_free (params);
}

const char *
broker_session_state_to_string (BrokerSessionState state)
{
  return state_names[state];
}

typedef struct
{
  Mailbox *mailbox;
  BrokerSessionState state;
  char *reason;
  char *fingerprint;
} Letter;

static void
letter_free (Letter *letter)
{
  g_atomic_rc_box_release (letter->mailbox);
  g_free (letter->reason);
  g_free (letter->fingerprint);
  g_free (letter);
}

static gboolean
deliver (gpointer data)
{
  Letter *letter = data;
  Mailbox *mailbox = letter->mailbox;

  if (!mailbox->stopped)
    mailbox->events.state (letter->state, letter->reason, letter->fingerprint,
                           mailbox->user_data);
  return G_SOURCE_REMOVE;
}

void
broker_session_worker_post (BrokerSessionWorker *self,
                            BrokerSessionState   state,
                            const char          *reason,
                            const char          *fingerprint)
{
  Letter *letter = g_new0 (Letter, 1);

  letter->mailbox = g_atomic_rc_box_acquire (self->mailbox);
  letter->state = state;
  letter->reason = g_strdup (reason);
  letter->fingerprint = g_strdup (fingerprint);
  broker_handoff_invoke (self->main_context, deliver, letter, (GDestroyNotify) letter_free);
}

static void
clear_ssh_source (BrokerSessionWorker *self)
{
  if (self->ssh_source != NULL)
    {
      g_source_destroy (self->ssh_source);
      g_clear_pointer (&self->ssh_source, g_source_unref);
    }
}

/* A gateway's channel carries this session: its end of the socket pair is
 * shut, so the gateway sees EOF and closes the channel. */
static void
end_transport (BrokerSessionWorker *self)
{
  if (self->transport_fd >= 0)
    shutdown (self->transport_fd, SHUT_RDWR);
}

/* libssh may or may not close a descriptor given with SSH_OPTIONS_FD; its
 * copy is closed here unless it already was (then the number no longer
 * names this socket, which the original keeps alive until now). */
static void
release_transport (BrokerSessionWorker *self)
{
  struct stat ours, theirs;

  if (self->transport_fd < 0)
    return;
  if (self->transport_lib_fd >= 0 && fstat (self->transport_fd, &ours) == 0 &&
      fstat (self->transport_lib_fd, &theirs) == 0 && ours.st_dev == theirs.st_dev &&
      ours.st_ino == theirs.st_ino)
    close (self->transport_lib_fd);
  close (self->transport_fd);
  self->transport_fd = self->transport_lib_fd = -1;
}

/* The session is over: every channel closes, so applications see EOF. */
void
broker_session_worker_finish (BrokerSessionWorker *self,
                              BrokerSessionState   state,
                              const char          *reason)
{
  if (self->phase == PHASE_DONE)
    return;
  self->phase = PHASE_DONE;
  broker_session_worker_set_deadline (self, FALSE);
  clear_ssh_source (self);
  if (self->lost_source != NULL)
    {
      g_source_destroy (self->lost_source);
      g_clear_pointer (&self->lost_source, g_source_unref);
    }
  /* Channels go first: ssh_disconnect() frees libssh's channels with it. */
  broker_session_worker_free_channels (self);
  if (self->ssh != NULL && ssh_is_connected (self->ssh))
    ssh_disconnect (self->ssh);
  end_transport (self);
  if (state == BROKER_SESSION_FAILED)
    g_message ("%s: %s", self->params->profile, reason);
  else if (reason != NULL)
    g_message ("%s: disconnected: %s", self->params->profile, reason);
  broker_session_worker_post (self, state, reason, NULL);
}

void
broker_session_worker_fail (BrokerSessionWorker *self,
                            const char          *what)
{
  g_autofree char *reason = NULL;
  g_autofree char *via = NULL;

  if (self->params->via != NULL)
    via = g_strdup_printf (" (through gateway profile %s)", self->params->via);
  reason = g_strdup_printf ("%s %s@%s:%u%s: %s", what, self->params->user, self->params->host,
                            self->params->port, via != NULL ? via : "",
                            ssh_get_error (self->ssh));

  broker_session_worker_finish (self, BROKER_SESSION_FAILED, reason);
}

static gboolean
ssh_source_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs ssh_source_funcs = {
  .dispatch = ssh_source_dispatch,
};

static gboolean
on_socket_ready (gpointer user_data)
{
  step (user_data);
  return G_SOURCE_CONTINUE;
}

/* Waits for what libssh says it is waiting for: no busy polling.  One
 * source for the life of the connection, its condition updated. */
static gboolean
on_lost (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;

  g_clear_pointer (&self->lost_source, g_source_unref);
  broker_session_worker_fail (self, self->phase == PHASE_CONNECTED ? "lost the connection to" :
                                                                     "cannot connect to");
  return G_SOURCE_REMOVE;
}

/* libssh closed the socket, perhaps deep inside a call made by a channel:
 * the session fails from the main loop, never under a caller's feet. */
static void
schedule_lost (BrokerSessionWorker *self)
{
  if (self->lost_source != NULL)
    return;
  self->lost_source = g_idle_source_new ();
  g_source_set_priority (self->lost_source, G_PRIORITY_HIGH);
  g_source_set_callback (self->lost_source, on_lost, self, NULL);
  g_source_attach (self->lost_source, self->context);
}

/* Waits for what libssh is waiting for: no busy polling.  One source for
 * the life of the connection, its condition updated.  Writability only
 * matters while bytes are queued (ssh_get_poll_flags() asks for it after
 * every write, which would wake the loop for nothing). */
void
broker_session_worker_watch_socket (BrokerSessionWorker *self)
{
  GIOCondition condition = G_IO_IN;
  int fd = ssh_get_fd (self->ssh);
  gboolean queued;

  if (self->phase == PHASE_DONE)
    return;
  if (fd < 0)
    {
      schedule_lost (self);
      return;
    }
  queued = self->phase == PHASE_CONNECTED ? (ssh_get_status (self->ssh) & SSH_WRITE_PENDING) != 0 :
                                            (ssh_get_poll_flags (self->ssh) & SSH_WRITE_PENDING) != 0;
  if (queued)
    condition |= G_IO_OUT;
  if (self->phase == PHASE_WAITING)
    condition = 0;
  if (self->ssh_source == NULL)
    {
      self->ssh_source = g_source_new (&ssh_source_funcs, sizeof (GSource));
      /* No nested loops run here; this spares GLib removing and re-adding
       * the poll record around every dispatch. */
      g_source_set_can_recurse (self->ssh_source, TRUE);
      self->ssh_tag = g_source_add_unix_fd (self->ssh_source, fd, condition);
      self->ssh_condition = condition;
      g_source_set_callback (self->ssh_source, on_socket_ready, self, NULL);
      g_source_attach (self->ssh_source, self->context);
      return;
    }
  /* Modifying wakes the context even when nothing changes. */
  if (condition != self->ssh_condition)
    g_source_modify_unix_fd (self->ssh_source, self->ssh_tag, condition);
  self->ssh_condition = condition;
}


static void
step_connect (BrokerSessionWorker *self)
{
  int rc = ssh_connect (self->ssh);

  if (rc == SSH_AGAIN)
    broker_session_worker_watch_socket (self);
  else if (rc != SSH_OK)
    broker_session_worker_fail (self, "cannot connect to");
  else
    {
      self->phase = PHASE_HOST_KEY;
      step (self);
    }
}

/* libssh applies SSH_OPTIONS_TIMEOUT in blocking mode only.  Without a
 * deadline of the worker's own, a connect to a server whose packets are
 * dropped lasts until the kernel gives up on the SYN (about 2 minutes),
 * a handshake that stalls after it for ever, and the applications waiting
 * for the session wait as long; a connect still pending when the network
 * comes back then waits for the next SYN retransmission rather than
 * starting afresh. */
static gboolean
on_deadline (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;
  g_autofree char *reason = NULL;
  g_autofree char *via = NULL;

  g_clear_pointer (&self->deadline_source, g_source_unref);
  if (self->params->via != NULL)
    via = g_strdup_printf (" (through gateway profile %s)", self->params->via);
  reason = g_strdup_printf ("cannot connect to %s@%s:%u%s: no answer within %u s",
                            self->params->user, self->params->host, self->params->port,
                            via != NULL ? via : "", self->params->timeout);
  broker_session_worker_finish (self, BROKER_SESSION_FAILED, reason);
  return G_SOURCE_REMOVE;
}

/* Armed afresh (the full timeout) whenever the worker starts waiting for
 * the server before the session is up; disarmed while the user is asked,
 * once connected, and when done. */
void
broker_session_worker_set_deadline (BrokerSessionWorker *self,
                                    gboolean             armed)
{
  if (self->deadline_source != NULL)
    {
      g_source_destroy (self->deadline_source);
      g_clear_pointer (&self->deadline_source, g_source_unref);
    }
  if (!armed || self->params->timeout == 0)
    return;
  /* Milliseconds: a seconds source may fire up to a second late. */
  self->deadline_source = g_timeout_source_new (self->params->timeout * 1000);
  g_source_set_callback (self->deadline_source, on_deadline, self, NULL);
  g_source_attach (self->deadline_source, self->context);
}

/* The session is authenticated: channels may flow. */
/* libssh writes with blocking send()s: a server that stops reading must
 * not hold this thread (and so stop()) for ever. */
static void
bound_sends (BrokerSessionWorker *self)
{
  guint seconds = self->params->keepalive > 0 ? MAX (3 * self->params->keepalive, 10) : 60;
  struct timeval timeout = { seconds, 0 };

  setsockopt (ssh_get_fd (self->ssh), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

void
broker_session_worker_connected (BrokerSessionWorker *self)
{
  self->phase = PHASE_CONNECTED;
  broker_session_worker_set_deadline (self, FALSE);
  bound_sends (self);
  self->event = ssh_event_new ();
  ssh_event_add_session (self->event, self->ssh);
  g_message ("%s: connected to %s@%s:%u", self->params->profile, self->params->user,
             self->params->host, self->params->port);
  broker_session_worker_post (self, BROKER_SESSION_CONNECTED, NULL, NULL);
  broker_session_worker_start_channels (self);
  broker_session_worker_watch_socket (self);
}

/* Connected: process everything the server sent (libssh reads 4 KiB at a
 * time, so drain until it has nothing), then let the channels move on. */
static void
step_connected (BrokerSessionWorker *self)
{
  for (guint i = 0; i < DRAIN_LIMIT; i++)
    {
      int rc = ssh_event_dopoll (self->event, 0);

      if (rc == SSH_ERROR || !ssh_is_connected (self->ssh))
        {
          g_autofree char *reason = g_strdup_printf ("the connection to %s:%u was closed",
                                                     self->params->host, self->params->port);

          broker_session_worker_finish (self, BROKER_SESSION_FAILED, reason);
          return;
        }
      if (rc == SSH_AGAIN)
        break;
    }
  broker_session_worker_after_io (self);
  broker_session_worker_watch_socket (self);
}

static void
step (BrokerSessionWorker *self)
{
  switch (self->phase)
    {
    case PHASE_CONNECT:
      step_connect (self);
      break;
    case PHASE_HOST_KEY:
    case PHASE_AUTH_NONE:
    case PHASE_AUTH:
      broker_session_worker_step_auth (self);
      break;
    case PHASE_WAITING:
      /* Only a hang-up wakes this phase: the connection went while the
       * user was being asked. */
      broker_session_worker_fail (self, "the connection closed while waiting for the user:");
      break;
    case PHASE_CONNECTED:
      step_connected (self);
      break;
    case PHASE_DONE:
    default:
      break;
    }
}

static void
configure (BrokerSessionWorker *self)
{
  BrokerSessionParams *params = self->params;
  unsigned int port = params->port;
  long timeout = params->timeout;
  bool no = false;
  int nodelay = 1;

  ssh_options_set (self->ssh, SSH_OPTIONS_HOST, params->host);
  ssh_options_set (self->ssh, SSH_OPTIONS_PORT, &port);
  ssh_options_set (self->ssh, SSH_OPTIONS_USER, params->user);
  ssh_options_set (self->ssh, SSH_OPTIONS_TIMEOUT, &timeout);
  /* The profile is the configuration: no ~/.ssh/config, and libssh's own
   * lookups stay inside the directory the broker chose. */
  ssh_options_set (self->ssh, SSH_OPTIONS_PROCESS_CONFIG, &no);
  ssh_options_set (self->ssh, SSH_OPTIONS_SSH_DIR, params->ssh_dir);
  ssh_options_set (self->ssh, SSH_OPTIONS_KNOWNHOSTS, params->save_known_hosts);
  if (params->transport_fd >= 0)
    {
      /* libssh gets a copy; the worker keeps the original to end the
       * transport itself (see release_transport()). */
      self->transport_fd = g_steal_fd (&params->transport_fd);
      self->transport_lib_fd = fcntl (self->transport_fd, F_DUPFD_CLOEXEC, 0);
      ssh_options_set (self->ssh, SSH_OPTIONS_FD, &self->transport_lib_fd);
    }
  /* Small writes (an echo, a keystroke) must not wait for Nagle's
   * algorithm and a delayed ACK: 40 ms each. */
  ssh_options_set (self->ssh, SSH_OPTIONS_NODELAY, &nodelay);
  ssh_set_blocking (self->ssh, 0);
  ssh_set_counters (self->ssh, NULL, &self->received);
}

static gboolean
start_in_worker (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;

  self->ssh = ssh_new ();
  configure (self);
  broker_session_worker_post (self, BROKER_SESSION_CONNECTING, NULL, NULL);
  broker_session_worker_set_deadline (self, TRUE);
  step (self);
  return G_SOURCE_REMOVE;
}

static void
worker_free (BrokerSessionWorker *self)
{
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_main_context_unref (self->main_context);
  g_atomic_rc_box_release (self->mailbox);
  g_string_free (self->tried, TRUE);
  broker_session_params_free (self->params);
  broker_traffic_unref (self->traffic);
  g_free (self);
}

/* After stop() the thread tears the connection down and frees the worker
 * on its own: libssh's sends block (bounded by SO_SNDTIMEO), and the main
 * thread must never wait for them. */
static gpointer
run_thread (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  broker_session_worker_set_deadline (self, FALSE);
  clear_ssh_source (self);
  broker_session_worker_fini_channels (self);
  broker_session_worker_clear_secrets (self);
  if (self->ssh != NULL && ssh_is_connected (self->ssh))
    ssh_disconnect (self->ssh);
  end_transport (self);
  g_clear_pointer (&self->event, ssh_event_free);
  g_clear_pointer (&self->ssh, ssh_free);
  release_transport (self);
  g_main_context_pop_thread_default (self->context);
  worker_free (self);
  return NULL;
}

/* Takes ownership of @params.  @notify runs on the caller's thread-default
 * main context. */
BrokerSessionWorker *
broker_session_worker_start (BrokerSessionParams       *params,
                             BrokerTraffic             *traffic,
                             const BrokerSessionEvents *events,
                             gpointer                   user_data)
{
  BrokerSessionWorker *self = g_new0 (BrokerSessionWorker, 1);
  g_autofree char *name = g_strdup_printf ("ssh %s", params->profile);

  self->params = params;
  self->traffic = broker_traffic_ref (traffic);
  self->main_context = g_main_context_ref_thread_default ();
  self->mailbox = g_atomic_rc_box_new0 (Mailbox);
  self->mailbox->events = *events;
  self->mailbox->user_data = user_data;
  self->tried = g_string_new (NULL);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->transport_fd = self->transport_lib_fd = -1;
  broker_session_worker_init_channels (self);
  self->thread = g_thread_new (name, run_thread, self);
  broker_handoff_invoke (self->context, start_in_worker, self, NULL);
  return self;
}

static gboolean
quit_in_worker (gpointer user_data)
{
  BrokerSessionWorker *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* Ends the session: afterwards no notification is delivered and @self is
 * not to be used.  Returns at once; the worker's thread disconnects and
 * frees it. */
void
broker_session_worker_stop (BrokerSessionWorker *self)
{
  GThread *thread;

  if (self == NULL)
    return;
  self->mailbox->stopped = TRUE;
  thread = self->thread;
  broker_handoff_invoke (self->context, quit_in_worker, self, NULL);
  g_thread_unref (thread);
}
