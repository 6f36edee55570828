// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-session"

#include "broker-session.h"

#include "broker-error.h"
#include "broker-host-keys.h"
#include "broker-keyring.h"
#include "broker-session-worker.h"
#include "broker-tunnel.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#define INTERFACE_VERSION 1
/* Reconnects on demand after a failure wait 1, 2, 4 … 60 s. */
#define BACKOFF_MAX_SECONDS 60

struct _BrokerSession
{
  BurrowDBusSession1Skeleton parent_instance;

  BrokerProfile *profile;
  BrokerConfig *config;
  BrokerSessionWorker *worker;
  BrokerTraffic *traffic;
  GPtrArray *remote_tunnels;   /* BrokerTunnel, not owned: they own us */
  GPtrArray *data_forwards;    /* DataForward: FTP tunnels' one-shot remote listeners */
  guint failures;
  guint generation;            /* counts workers started */
  gint64 next_attempt;         /* monotonic µs */
  guint publish_id;
  BrokerAgents *agents;
  BrokerSession *gateway;      /* the profile's gateway-profile's session */
  GCancellable *asking;        /* the question being asked, cancelled on stop */
  gint64 state_since;          /* monotonic µs of the last state change */
};

static void broker_session_iface_init (BurrowDBusSession1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BrokerSession, broker_session, BURROW_DBUS_TYPE_SESSION1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BURROW_DBUS_TYPE_SESSION1,
                                                      broker_session_iface_init))

static const char * const default_identities[] = {
  "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa", NULL
};

/* g_strv_builder_take() is newer than GLib 2.74. */
static void
add_expanded (GStrvBuilder *builder,
              const char   *path)
{
  g_autofree char *expanded = broker_host_keys_expand_path (path);

  g_strv_builder_add (builder, expanded);
}

static GStrv
expand_paths (const char * const *paths)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    add_expanded (builder, paths[i]);
  return g_strv_builder_end (builder);
}

/* The user's file first (where keys are saved), the configured ones, then
 * the system-wide file, as OpenSSH reads them. */
static GStrv
known_hosts_files (const BrokerConfig *config)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  add_expanded (builder, "~/.ssh/known_hosts");
  for (guint i = 0; i < config->known_hosts->len; i++)
    add_expanded (builder, config->known_hosts->pdata[i]);
  g_strv_builder_add (builder, "/etc/ssh/ssh_known_hosts");
  return g_strv_builder_end (builder);
}

static BrokerSessionParams *
params_for (const BrokerProfile *profile,
            const BrokerConfig  *config)
{
  BrokerSessionParams *params = broker_session_params_new ();
  const char * const *identities = (const char * const *) profile->identity_files;

  params->profile = g_strdup (profile->id);
  params->host = g_strdup (profile->host);
  params->port = profile->port;
  params->user = g_strdup (profile->user != NULL ? profile->user : g_get_user_name ());
  params->auth_methods = g_strdupv (profile->auth_methods);
  params->identity_files = expand_paths (identities[0] != NULL ? identities : default_identities);
  params->known_hosts = known_hosts_files (config);
  params->save_known_hosts = broker_host_keys_expand_path ("~/.ssh/known_hosts");
  params->ssh_dir = broker_host_keys_expand_path ("~/.ssh");
  params->policy = config->host_key_policy;
  params->keepalive = profile->keepalive_interval;
  params->idle_timeout = profile->idle_timeout;
  return params;
}

static void
set_state (BrokerSession      *self,
           BrokerSessionState  state,
           const char         *reason)
{
  BurrowDBusSession1 *iface = BURROW_DBUS_SESSION1 (self);

  g_autofree char *valid = g_utf8_make_valid (reason != NULL ? reason : "", -1);

  /* The reason first: a handler of notify::state reads it.  Valid UTF-8:
   * it may hold the SSH server's words. */
  burrow_dbus_session1_set_failure_reason (iface, valid);
  burrow_dbus_session1_set_state (iface, broker_session_state_to_string (state));
  self->state_since = g_get_monotonic_time ();
  if (state == BROKER_SESSION_CONNECTED)
    burrow_dbus_session1_set_connected_since (iface, g_get_real_time ());
}

static gboolean
publish_channels (gpointer user_data)
{
  BrokerSession *self = user_data;
  guint channels = broker_traffic_get_channels (self->traffic);

  if (burrow_dbus_session1_get_channel_count (BURROW_DBUS_SESSION1 (self)) != channels)
    burrow_dbus_session1_set_channel_count (BURROW_DBUS_SESSION1 (self), channels);
  return G_SOURCE_CONTINUE;
}

/* A one-shot listener on the SSH server for an FTP data channel. */
typedef struct
{
  BrokerTraffic *traffic;
  BrokerSessionForwardFunc func;
  gpointer user_data;
} DataForward;

static void
data_forward_free (DataForward *forward)
{
  broker_traffic_unref (forward->traffic);
  g_free (forward);
}

static DataForward *
find_data_forward (BrokerSession *self,
                   BrokerTraffic *traffic)
{
  for (guint i = 0; i < self->data_forwards->len; i++)
    {
      DataForward *forward = self->data_forwards->pdata[i];

      if (forward->traffic == traffic)
        return forward;
    }
  return NULL;
}

/* The connection ended: data forwards that were waiting for their
 * listener fail (their FTP control channel ends with the connection). */
static void
fail_data_forwards (BrokerSession *self)
{
  g_autoptr(GPtrArray) forwards = g_steal_pointer (&self->data_forwards);

  self->data_forwards = g_ptr_array_new_with_free_func ((GDestroyNotify) data_forward_free);
  for (guint i = 0; i < forwards->len; i++)
    {
      DataForward *forward = forwards->pdata[i];

      forward->func (0, "the SSH connection ended", FALSE, forward->user_data);
    }
}

static void
stop_worker (BrokerSession *self)
{
  g_cancellable_cancel (self->asking);
  g_clear_object (&self->asking);
  g_clear_pointer (&self->worker, broker_session_worker_stop);
  g_clear_handle_id (&self->publish_id, g_source_remove);
  publish_channels (self);
  if (self->data_forwards != NULL && self->data_forwards->len > 0)
    fail_data_forwards (self);
}

static void
note_failure (BrokerSession *self)
{
  guint delay = 1u << MIN (self->failures, 6);

  self->failures++;
  self->next_attempt = g_get_monotonic_time () + MIN (delay, BACKOFF_MAX_SECONDS) * G_USEC_PER_SEC;
}

static void
on_worker_state (BrokerSessionState  state,
                 const char         *reason,
                 const char         *fingerprint,
                 gpointer            user_data)
{
  BrokerSession *self = user_data;

  if (fingerprint != NULL)
    burrow_dbus_session1_set_host_key_fingerprint (BURROW_DBUS_SESSION1 (self), fingerprint);
  set_state (self, state, reason);
  if (state == BROKER_SESSION_CONNECTED)
    self->failures = 0;
  if (state == BROKER_SESSION_FAILED)
    note_failure (self);
  /* The connection is over: its thread goes; the next channel starts one. */
  if (state == BROKER_SESSION_FAILED || state == BROKER_SESSION_DISCONNECTED)
    stop_worker (self);
}

static void
on_worker_remote (BrokerTraffic *tunnel,
                  guint16        bound_port,
                  const char    *error,
                  gboolean       used,
                  gpointer       user_data)
{
  BrokerSession *self = user_data;
  DataForward *forward = find_data_forward (self, tunnel);

  if (forward != NULL)
    {
      BrokerSessionForwardFunc func = forward->func;
      gpointer func_data = forward->user_data;

      /* Answered once: a refusal or the connection ends it here. */
      if (error != NULL || used)
        g_ptr_array_remove (self->data_forwards, forward);
      func (bound_port, error, used, func_data);
      return;
    }
  for (guint i = 0; i < self->remote_tunnels->len; i++)
    if (broker_tunnel_get_traffic (self->remote_tunnels->pdata[i]) == tunnel)
      broker_tunnel_set_listener (self->remote_tunnels->pdata[i], bound_port, error);
}

/* A connection to a remote FTP tunnel, for its control relay. */
static void
on_worker_incoming (BrokerTraffic *tunnel,
                    int            fd,
                    const char    *originator,
                    gpointer       user_data)
{
  BrokerSession *self = user_data;

  for (guint i = 0; i < self->remote_tunnels->len; i++)
    if (broker_tunnel_get_traffic (self->remote_tunnels->pdata[i]) == tunnel)
      {
        broker_tunnel_take_incoming (self->remote_tunnels->pdata[i], fd, originator);
        return;
      }
  close (fd);
}

/* Questions from the worker: the keyring and the agent answer them here,
 * on the main thread, without blocking. */

typedef struct
{
  BrokerSession *self;
  guint generation;            /* of the worker that asked: answers go only to it */
  guint serial;
  BrokerQuestion *question;
  GCancellable *cancellable;
} Asking;

static void
asking_free (Asking *asking)
{
  g_object_unref (asking->self);
  g_clear_object (&asking->cancellable);
  broker_question_free (asking->question);
  g_free (asking);
}

static void
reply (Asking       *asking,
       BrokerAnswer *answer)
{
  BrokerSession *self = asking->self;

  if (self->worker != NULL && self->generation == asking->generation)
    broker_session_worker_answer (self->worker, asking->serial, answer);
  else
    broker_answer_free (answer);
  asking_free (asking);
}

static BrokerAnswer *
answer_from_error (GError *error)
{
  BrokerAnswer *answer = broker_answer_new ();

  if (g_error_matches (error, BROKER_ERROR, BROKER_ERROR_CANCELLED))
    answer->error = g_strdup ("the user declined");
  else
    answer->error = g_strdup (error->message);
  return answer;
}

static void
host_key_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Asking *asking = user_data;
  g_autoptr(GError) error = NULL;
  BrokerHostKeyAnswer decision;
  BrokerAnswer *answer;

  decision = broker_agents_confirm_host_key_finish (BROKER_AGENTS (source), result, &error);
  answer = error != NULL ? answer_from_error (error) : broker_answer_new ();
  answer->decision = decision;
  reply (asking, answer);
}

static void
password_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Asking *asking = user_data;
  g_autoptr(GError) error = NULL;
  gboolean remember = FALSE;
  char *password;
  BrokerAnswer *answer;

  password = broker_agents_request_password_finish (BROKER_AGENTS (source), result, &remember,
                                                    &error);
  answer = error != NULL ? answer_from_error (error) : broker_answer_new ();
  answer->secret = password;
  answer->remember = remember;
  reply (asking, answer);
}

static void
passphrase_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Asking *asking = user_data;
  g_autoptr(GError) error = NULL;
  gboolean remember = FALSE;
  char *passphrase;
  BrokerAnswer *answer;

  passphrase = broker_agents_request_passphrase_finish (BROKER_AGENTS (source), result, &remember,
                                                        &error);
  answer = error != NULL ? answer_from_error (error) : broker_answer_new ();
  answer->secret = passphrase;
  answer->remember = remember;
  reply (asking, answer);
}

static void
kbdint_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Asking *asking = user_data;
  g_autoptr(GError) error = NULL;
  gboolean remember = FALSE;
  GStrv answers;
  BrokerAnswer *answer;

  answers = broker_agents_keyboard_interactive_finish (BROKER_AGENTS (source), result, &remember,
                                                       &error);
  answer = error != NULL ? answer_from_error (error) : broker_answer_new ();
  answer->answers = answers;
  answer->remember = remember;
  reply (asking, answer);
}

static void
ask_agent (Asking *asking)
{
  BrokerSession *self = asking->self;
  BrokerQuestion *q = asking->question;

  if (self->agents == NULL)
    {
      BrokerAnswer *answer = broker_answer_new ();

      answer->error = g_strdup ("no agent is registered to ask the user");
      reply (asking, answer);
      return;
    }
  switch (q->kind)
    {
    case BROKER_QUESTION_HOST_KEY:
      broker_agents_confirm_host_key_async (self->agents, q->profile, q->host_port, q->key_type,
                                            q->fingerprint, asking->cancellable, host_key_done, asking);
      break;
    case BROKER_QUESTION_PASSWORD:
      broker_agents_request_password_async (self->agents, q->profile, q->prompt, TRUE,
                                            asking->cancellable, password_done, asking);
      break;
    case BROKER_QUESTION_PASSPHRASE:
      broker_agents_request_passphrase_async (self->agents, q->profile, q->prompt, TRUE,
                                              asking->cancellable, passphrase_done, asking);
      break;
    case BROKER_QUESTION_KEYBOARD_INTERACTIVE:
      broker_agents_keyboard_interactive_async (self->agents, q->profile, q->name, q->instruction,
                                                (const char * const *) q->prompts, q->echo,
                                                g_strv_length (q->prompts), q->can_remember,
                                                asking->cancellable, kbdint_done, asking);
      break;
    case BROKER_QUESTION_REMEMBER:
    case BROKER_QUESTION_FORGET:
    case BROKER_QUESTION_HOST_KEY_CHANGED:
    default:
      g_assert_not_reached ();
    }
}

static void
keyring_lookup_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Asking *asking = user_data;
  g_autoptr(GError) error = NULL;
  char *password = broker_keyring_lookup_finish (result, &error);
  BrokerAnswer *answer;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* The session stopped: nobody is to be asked any more. */
      asking_free (asking);
      return;
    }
  if (password == NULL)
    {
      if (error != NULL)
        g_message ("%s: %s", asking->question->profile, error->message);
      ask_agent (asking);
      return;
    }
  answer = broker_answer_new ();
  /* The keyring's copy lives in its locked memory, freed only by it. */
  if (asking->question->kind == BROKER_QUESTION_KEYBOARD_INTERACTIVE)
    answer->answers = g_strdupv ((char *[]) { password, NULL });
  else
    answer->secret = g_strdup (password);
  broker_keyring_password_free (password);
  answer->from_keyring = TRUE;
  reply (asking, answer);
}

/* Whether the keyring may answer @q before the user is asked. */
static gboolean
keyring_may_answer (const BrokerQuestion *q)
{
  if (q->retry)
    return FALSE;
  return q->kind == BROKER_QUESTION_PASSWORD || q->kind == BROKER_QUESTION_PASSPHRASE ||
         (q->kind == BROKER_QUESTION_KEYBOARD_INTERACTIVE && q->can_remember);
}

static void
look_in_keyring (Asking *asking)
{
  BrokerQuestion *q = asking->question;

  if (q->kind == BROKER_QUESTION_PASSPHRASE)
    broker_keyring_lookup_passphrase_async (q->prompt, asking->cancellable, keyring_lookup_done,
                                            asking);
  else
    broker_keyring_lookup_async (q->profile, q->host, q->user, asking->cancellable,
                                 keyring_lookup_done, asking);
}

static void
keyring_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree char *profile = user_data;
  g_autoptr(GError) error = NULL;

  if (!broker_keyring_store_finish (result, &error))
    g_message ("%s: %s", profile, error->message);
}

static void
forget_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree char *profile = user_data;
  g_autoptr(GError) error = NULL;

  if (!broker_keyring_clear_finish (result, &error))
    g_message ("%s: %s", profile, error->message);
  else
    g_message ("%s: the secret in the keyring was refused and is forgotten", profile);
}

static void
warned_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autofree char *profile = user_data;
  g_autoptr(GError) error = NULL;

  if (!broker_agents_host_key_changed_finish (BROKER_AGENTS (source), result, &error))
    g_message ("%s: the user could not be warned that the host key changed: %s", profile,
               error->message);
}

/* The connection fails anyway (the worker reports why): this only tells the
 * user, so it outlives the session's question and is never cancelled. */
static void
warn_host_key_changed (BrokerSession  *self,
                       BrokerQuestion *q)
{
  if (self->agents == NULL)
    {
      g_message ("%s: no agent to warn that the host key changed", q->profile);
      return;
    }
  broker_agents_host_key_changed_async (self->agents, q->profile, q->host_port, q->key_type,
                                        q->known_fingerprint, q->fingerprint, q->known_location,
                                        NULL, warned_done, g_strdup (q->profile));
}

/* REMEMBER or FORGET: the password, or a key's passphrase. */
static void
tell_keyring (BrokerQuestion *q)
{
  const char *path = q->identity_file;
  char *profile = g_strdup (q->profile);

  if (q->kind == BROKER_QUESTION_REMEMBER && path != NULL)
    broker_keyring_store_passphrase_async (path, q->secret, NULL, keyring_done, profile);
  else if (q->kind == BROKER_QUESTION_REMEMBER)
    broker_keyring_store_async (q->profile, q->host, q->user, q->secret, NULL, keyring_done,
                                profile);
  else if (path != NULL)
    broker_keyring_clear_passphrase_async (path, NULL, forget_done, profile);
  else
    broker_keyring_clear_async (q->profile, q->host, q->user, NULL, forget_done, profile);
}

static void
on_worker_ask (BrokerQuestion *question,
               guint           serial,
               gpointer        user_data)
{
  BrokerSession *self = user_data;
  Asking *asking;

  if (question->kind == BROKER_QUESTION_HOST_KEY_CHANGED)
    {
      warn_host_key_changed (self, question);
      broker_question_free (question);
      return;
    }

  if (question->kind == BROKER_QUESTION_REMEMBER || question->kind == BROKER_QUESTION_FORGET)
    {
      tell_keyring (question);
      broker_question_free (question);
      return;
    }
  asking = g_new0 (Asking, 1);
  asking->self = g_object_ref (self);
  asking->generation = self->generation;
  asking->serial = serial;
  asking->question = question;
  g_cancellable_cancel (self->asking);
  g_clear_object (&self->asking);
  self->asking = g_cancellable_new ();
  asking->cancellable = g_object_ref (self->asking);
  if (keyring_may_answer (question))
    look_in_keyring (asking);
  else
    ask_agent (asking);
}

static const BrokerSessionEvents worker_events = {
  .state = on_worker_state,
  .remote = on_worker_remote,
  .incoming = on_worker_incoming,
  .ask = on_worker_ask,
};

/* The session this one is reached through (gateway-profile). */
void
broker_session_set_gateway (BrokerSession *self,
                            BrokerSession *gateway)
{
  const char *path = NULL;

  g_set_object (&self->gateway, gateway);
  if (gateway != NULL)
    path = g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (gateway));
  burrow_dbus_session1_set_gateway (BURROW_DBUS_SESSION1 (self), path != NULL ? path : "/");
}

/* Where questions for the user go. */
void
broker_session_set_agents (BrokerSession *self,
                           BrokerAgents  *agents)
{
  g_set_object (&self->agents, agents);
}

static void
add_remote_to_worker (BrokerSession *self,
                      BrokerTunnel  *tunnel)
{
  const BrokerTunnelConfig *config = broker_tunnel_get_config (tunnel);
  const char *address = config->listen_address != NULL ?
                        config->listen_address :
                        broker_tunnel_default_listen_address (config->allow_relay);
  BrokerRemoteFlags flags = config->type == BROKER_TUNNEL_TYPE_FTP ? BROKER_REMOTE_HAND_OVER : 0;

  broker_session_worker_add_remote (self->worker, address, config->listen_port,
                                    config->dst_host, config->dst_port, flags,
                                    broker_tunnel_get_traffic (tunnel));
}

/* The transport through the gateway: one end of a socket pair carried in a
 * direct-tcpip channel of the gateway's session (which connects on demand,
 * through its own gateway if it has one), the other end is where this
 * session's SSH runs. */
static gboolean
connect_through_gateway (BrokerSession       *self,
                         BrokerSessionParams *params)
{
  int pair[2];

  if (self->gateway == NULL)
    {
      g_autofree char *reason =
        g_strdup_printf ("the gateway profile \"%s\" does not exist",
                         self->profile->gateway_profile);

      set_state (self, BROKER_SESSION_FAILED, reason);
      return FALSE;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
    {
      g_autofree char *reason = g_strdup_printf ("cannot make a socket pair: %s",
                                                 g_strerror (errno));

      set_state (self, BROKER_SESSION_FAILED, reason);
      return FALSE;
    }
  params->transport_fd = pair[1];
  params->via = g_strdup (self->profile->gateway_profile);
  broker_session_open_channel (self->gateway, BROKER_CHANNEL_DIRECT, pair[0],
                               self->profile->host, self->profile->port, NULL, NULL);
  return TRUE;
}

static void
start_worker (BrokerSession *self)
{
  g_autoptr(BrokerSessionParams) params = params_for (self->profile, self->config);

  if (self->profile->gateway_profile != NULL && !connect_through_gateway (self, params))
    return;
  set_state (self, BROKER_SESSION_CONNECTING, NULL);
  self->generation++;
  self->worker = broker_session_worker_start (g_steal_pointer (&params), self->traffic,
                                              &worker_events, self);
  for (guint i = 0; i < self->remote_tunnels->len; i++)
    add_remote_to_worker (self, self->remote_tunnels->pdata[i]);
  self->publish_id = g_timeout_add_seconds (1, publish_channels, self);
}

/* Opens the connection unless it is open or opening: callers share it.
 * Asked for explicitly, so no backoff applies. */
void
broker_session_connect (BrokerSession      *self,
                        const BrokerConfig *config)
{
  g_return_if_fail (BROKER_IS_SESSION (self));

  broker_session_set_config (self, config);
  if (self->worker != NULL)
    return;
  start_worker (self);
}

void
broker_session_disconnect (BrokerSession *self)
{
  g_return_if_fail (BROKER_IS_SESSION (self));

  stop_worker (self);
  set_state (self, BROKER_SESSION_DISCONNECTED, NULL);
}

/* The configuration the next connection uses. */
void
broker_session_set_config (BrokerSession      *self,
                           const BrokerConfig *config)
{
  BrokerProfile *profile = broker_config_find_profile (config, self->profile->id);

  if (profile != NULL && profile != self->profile)
    {
      broker_profile_unref (self->profile);
      self->profile = broker_profile_ref (profile);
    }
  if (config != self->config)
    {
      g_clear_pointer (&self->config, broker_config_unref);
      self->config = broker_config_ref ((BrokerConfig *) config);
    }
}

/* An application connected to one of the profile's tunnels: carry it,
 * connecting on demand.  While a failed connection backs off, the
 * application's connection is closed at once rather than left hanging. */
void
broker_session_open_channel (BrokerSession     *self,
                             BrokerChannelMode  mode,
                             int                fd,
                             const char        *dst_host,
                             guint16            dst_port,
                             BrokerTraffic     *tunnel,
                             BrokerOpenReport  *report)
{
  if (self->worker == NULL && g_get_monotonic_time () < self->next_attempt)
    {
      g_debug ("%s: not reconnecting yet (backoff)", self->profile->id);
      broker_open_report_send (report, FALSE, "the SSH connection failed a moment ago; "
                               "not trying again yet");
      broker_open_report_free (report);
      close (fd);
      return;
    }
  if (self->worker == NULL)
    start_worker (self);
  if (self->worker == NULL)
    {
      broker_open_report_free (report);
      close (fd);
      return;
    }
  broker_session_worker_add_channel (self->worker, mode, fd, dst_host, dst_port, tunnel, report);
}

/* A remote tunnel lives on the server: it needs the connection now. */
void
broker_session_add_remote (BrokerSession *self,
                           BrokerTunnel  *tunnel)
{
  g_ptr_array_add (self->remote_tunnels, tunnel);
  if (self->worker != NULL)
    add_remote_to_worker (self, tunnel);
  else
    start_worker (self);
}

/* Closes every channel counted by @traffic (a captured connection's). */
void
broker_session_close_traffic (BrokerSession *self,
                              BrokerTraffic *traffic)
{
  if (self->worker != NULL)
    broker_session_worker_close_tunnel (self->worker, traffic);
}

void
broker_session_close_tunnel (BrokerSession *self,
                             BrokerTunnel  *tunnel)
{
  g_ptr_array_remove (self->remote_tunnels, tunnel);
  broker_session_close_traffic (self, broker_tunnel_get_traffic (tunnel));
}

/* An FTP data forward: a listener on the SSH server's loopback, port
 * chosen by the server, whose first connection is relayed to
 * @target_host:@target_port here; then it stops.  @func is told the bound
 * port (or an error), then that it was used.  Needs a connected session:
 * it is the FTP control channel's. */
void
broker_session_add_data_forward (BrokerSession            *self,
                                 const char               *target_host,
                                 guint16                   target_port,
                                 BrokerTraffic            *traffic,
                                 BrokerSessionForwardFunc  func,
                                 gpointer                  user_data)
{
  DataForward *forward;

  if (self->worker == NULL)
    {
      func (0, "the SSH connection is not open", FALSE, user_data);
      return;
    }
  forward = g_new0 (DataForward, 1);
  forward->traffic = broker_traffic_ref (traffic);
  forward->func = func;
  forward->user_data = user_data;
  g_ptr_array_add (self->data_forwards, forward);
  broker_session_worker_add_remote (self->worker, "127.0.0.1", 0, target_host, target_port,
                                    BROKER_REMOTE_ONE_SHOT, traffic);
}

/* Stops a data forward's listener unless it was used; its func is not
 * called again.  Channels it carried go on. */
void
broker_session_remove_data_forward (BrokerSession *self,
                                    BrokerTraffic *traffic)
{
  DataForward *forward = find_data_forward (self, traffic);

  if (forward == NULL)
    return;
  g_ptr_array_remove (self->data_forwards, forward);
  if (self->worker != NULL)
    broker_session_worker_stop_listening (self->worker, traffic);
}

const BrokerProfile *
broker_session_get_profile (BrokerSession *self)
{
  return self->profile;
}

BrokerSession *
broker_session_get_gateway (BrokerSession *self)
{
  return self->gateway;
}

gint64
broker_session_unused_for (BrokerSession *self)
{
  if (self->worker != NULL || self->remote_tunnels->len > 0 || self->data_forwards->len > 0 ||
      g_strcmp0 (burrow_dbus_session1_get_state (BURROW_DBUS_SESSION1 (self)),
                 broker_session_state_to_string (BROKER_SESSION_DISCONNECTED)) != 0)
    return -1;
  return g_get_monotonic_time () - self->state_since;
}

static gboolean
handle_disconnect (BurrowDBusSession1    *iface,
                   GDBusMethodInvocation *invocation)
{
  broker_session_disconnect (BROKER_SESSION (iface));
  burrow_dbus_session1_complete_disconnect (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

BrokerSession *
broker_session_new (const BrokerProfile *profile,
                    const BrokerConfig  *config)
{
  BrokerSession *self = g_object_new (BROKER_TYPE_SESSION, NULL);
  BurrowDBusSession1 *iface = BURROW_DBUS_SESSION1 (self);

  self->profile = broker_profile_ref ((BrokerProfile *) profile);
  self->config = broker_config_ref ((BrokerConfig *) config);
  burrow_dbus_session1_set_version (iface, INTERFACE_VERSION);
  burrow_dbus_session1_set_profile (iface, profile->id);
  burrow_dbus_session1_set_host (iface, profile->host);
  burrow_dbus_session1_set_port (iface, profile->port);
  burrow_dbus_session1_set_user (iface, profile->user != NULL ? profile->user : g_get_user_name ());
  burrow_dbus_session1_set_gateway (iface, "/");
  set_state (self, BROKER_SESSION_DISCONNECTED, NULL);
  return self;
}

static void
broker_session_dispose (GObject *object)
{
  BrokerSession *self = BROKER_SESSION (object);

  stop_worker (self);
  g_clear_pointer (&self->profile, broker_profile_unref);
  g_clear_pointer (&self->config, broker_config_unref);
  g_clear_object (&self->agents);
  g_clear_object (&self->gateway);
  G_OBJECT_CLASS (broker_session_parent_class)->dispose (object);
}

static void
broker_session_finalize (GObject *object)
{
  BrokerSession *self = BROKER_SESSION (object);

  g_clear_pointer (&self->traffic, broker_traffic_unref);
  g_clear_pointer (&self->remote_tunnels, g_ptr_array_unref);
  g_clear_pointer (&self->data_forwards, g_ptr_array_unref);
  G_OBJECT_CLASS (broker_session_parent_class)->finalize (object);
}

static void
broker_session_class_init (BrokerSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = broker_session_dispose;
  G_OBJECT_CLASS (klass)->finalize = broker_session_finalize;
}

static void
broker_session_iface_init (BurrowDBusSession1Iface *iface)
{
  iface->handle_disconnect = handle_disconnect;
}

static void
broker_session_init (BrokerSession *self)
{
  self->traffic = broker_traffic_new ();
  self->remote_tunnels = g_ptr_array_new ();
  self->data_forwards = g_ptr_array_new_with_free_func ((GDestroyNotify) data_forward_free);
}
