// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-agents"

#include "broker-agents.h"

#include <string.h>

#include "broker-error.h"

#define AGENT_INTERFACE "io.github.burrow.Burrow.Agent1"

/* The user may take their time over a question, but a request nobody
 * answers for this long is abandoned and the agent told to close it. */
#define AGENT_TIMEOUT_MINUTES 10

/* A question that finds no agent starts the front end by D-Bus activation
 * (it registers an agent at start-up) and waits this long for it. */
#define FRONT_END_NAME "io.github.burrow.Burrow"
#define ACTIVATION_TIMEOUT_SECONDS 30
#define NO_AGENT_HINT "; run \"burrowctl agent\" to answer on a terminal"

typedef struct
{
  char *sender;
  char *path;
} Agent;

/* One question in flight: what to ask, which agent was asked and under
 * which id, so that it can be told to stop asking. */
typedef struct
{
  BrokerAgents *agents;
  char *id;
  char *sender;                /* NULL until an agent is asked */
  char *path;
  const char *method;
  GVariant *parameters;
  const GVariantType *reply_type;
  gboolean can_remember;
  guint n_prompts;
  GSource *cancelled;          /* while waiting for an agent to register */
} Request;

struct _BrokerAgents
{
  GObject parent_instance;

  GDBusConnection *connection;
  GPtrArray *agents;           /* Agent, the most recently registered last */
  GHashTable *watches;         /* sender → g_bus_watch_name id */
  guint next_request;

  /* Questions that found no agent, and the front end started for them. */
  GQueue waiting;              /* GTask, owned */
  GCancellable *activation;    /* set while activating: StartServiceByName */
  guint activation_timeout_id;
  guint owner_changed_id;      /* NameOwnerChanged of FRONT_END_NAME */
  guint activation_timeout;    /* seconds */
  guint dispatch_id;           /* idle: a new agent gets the waiting questions */
};

G_DEFINE_FINAL_TYPE (BrokerAgents, broker_agents, G_TYPE_OBJECT)

static void
agent_free (Agent *agent)
{
  g_free (agent->sender);
  g_free (agent->path);
  g_free (agent);
}

static void
stop_waiting (Request *request)
{
  if (request->cancelled == NULL)
    return;
  g_source_destroy (request->cancelled);
  g_clear_pointer (&request->cancelled, g_source_unref);
}

static void
request_free (Request *request)
{
  stop_waiting (request);
  g_clear_pointer (&request->parameters, g_variant_unref);
  g_object_unref (request->agents);
  g_free (request->id);
  g_free (request->sender);
  g_free (request->path);
  g_free (request);
}

static void
unwatch (gpointer id)
{
  g_bus_unwatch_name (GPOINTER_TO_UINT (id));
}

/* Overwritten first, so the secret does not linger in freed memory. */
void
broker_agents_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

void
broker_agents_secrets_free (GStrv secrets)
{
  if (secrets == NULL)
    return;
  for (guint i = 0; secrets[i] != NULL; i++)
    broker_agents_secret_free (secrets[i]);
  g_free (secrets);
}

/* The index of @sender's agent at @path (any of its agents if @path is
 * NULL), or -1. */
static int
find_agent (BrokerAgents *self,
            const char   *sender,
            const char   *path)
{
  for (guint i = 0; i < self->agents->len; i++)
    {
      Agent *agent = self->agents->pdata[i];

      if (g_str_equal (agent->sender, sender) && (path == NULL || g_str_equal (agent->path, path)))
        return (int) i;
    }
  return -1;
}

static void
forget_sender_if_unused (BrokerAgents *self,
                         const char   *sender)
{
  if (find_agent (self, sender, NULL) < 0)
    g_hash_table_remove (self->watches, sender);
}

static void
on_agent_vanished (GDBusConnection *connection,
                   const char      *name,
                   gpointer         user_data)
{
  BrokerAgents *self = user_data;
  g_autofree char *sender = g_strdup (name);
  int index;

  while ((index = find_agent (self, sender, NULL)) >= 0)
    {
      Agent *agent = self->agents->pdata[index];

      g_message ("agent %s at %s left the bus", agent->path, sender);
      g_ptr_array_remove_index (self->agents, index);
    }
  forget_sender_if_unused (self, sender);
}

static void     stop_activation  (BrokerAgents *self);
static gboolean dispatch_waiting (gpointer      user_data);

/* Registering the same agent again makes it the most recent one. */
gboolean
broker_agents_register (BrokerAgents *self,
                        const char   *sender,
                        const char   *path,
                        GError      **error)
{
  Agent *agent;
  int index;
  guint watch;

  g_return_val_if_fail (BROKER_IS_AGENTS (self), FALSE);
  g_return_val_if_fail (sender != NULL && path != NULL, FALSE);

  if (!g_dbus_is_name (sender) || !g_variant_is_object_path (path))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "cannot register an agent at \"%s\" of \"%s\"", path, sender);
      return FALSE;
    }
  index = find_agent (self, sender, path);
  if (index >= 0)
    {
      agent = g_ptr_array_steal_index (self->agents, index);
    }
  else
    {
      agent = g_new0 (Agent, 1);
      agent->sender = g_strdup (sender);
      agent->path = g_strdup (path);
    }
  g_ptr_array_add (self->agents, agent);
  /* A sender that is already gone is reported as vanished at once. */
  if (!g_hash_table_contains (self->watches, sender))
    {
      watch = g_bus_watch_name_on_connection (self->connection, sender,
                                              G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                              on_agent_vanished, self, NULL);
      g_hash_table_insert (self->watches, g_strdup (sender), GUINT_TO_POINTER (watch));
    }
  g_message ("agent %s at %s registered", path, sender);
  stop_activation (self);
  if (!g_queue_is_empty (&self->waiting) && self->dispatch_id == 0)
    self->dispatch_id = g_idle_add (dispatch_waiting, self);
  return TRUE;
}

gboolean
broker_agents_unregister (BrokerAgents *self,
                          const char   *sender,
                          const char   *path,
                          GError      **error)
{
  int index;

  g_return_val_if_fail (BROKER_IS_AGENTS (self), FALSE);
  g_return_val_if_fail (sender != NULL && path != NULL, FALSE);

  index = find_agent (self, sender, path);
  if (index < 0)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                   "there is no agent at \"%s\" of \"%s\"", path, sender);
      return FALSE;
    }
  g_ptr_array_remove_index (self->agents, index);
  forget_sender_if_unused (self, sender);
  g_message ("agent %s at %s unregistered", path, sender);
  return TRUE;
}

gboolean
broker_agents_has_agent (BrokerAgents *self)
{
  g_return_val_if_fail (BROKER_IS_AGENTS (self), FALSE);

  return self->agents->len > 0;
}

/* Tells the agent to close the question: nobody waits for the answer. */
static void
send_cancel (Request *request)
{
  g_debug ("telling agent %s at %s to cancel request %s", request->path, request->sender,
           request->id);
  g_dbus_connection_call (request->agents->connection, request->sender, request->path,
                          AGENT_INTERFACE, "Cancel", g_variant_new ("(s)", request->id), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
}

static GError *
translate_error (Request *request,
                 GError  *error)
{
  g_autoptr(GError) owned = error;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      send_cancel (request);
      return g_steal_pointer (&owned);
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      send_cancel (request);
      return g_error_new (BROKER_ERROR, BROKER_ERROR_FAILED,
                          "nobody answered the agent's question within %d minutes",
                          AGENT_TIMEOUT_MINUTES);
    }
  if (g_error_matches (error, BROKER_ERROR, BROKER_ERROR_CANCELLED))
    return g_error_new_literal (BROKER_ERROR, BROKER_ERROR_CANCELLED,
                                "the user declined to answer");
  g_dbus_error_strip_remote_error (error);
  return g_error_new (BROKER_ERROR, BROKER_ERROR_FAILED, "the agent %s at %s failed: %s",
                      request->path, request->sender, error->message);
}

/* The reply is parsed by the _finish function, in the caller's hands. */
static void
on_reply (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  GError *error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_debug ("request %s (%s) failed: %s", request->id, request->method, error->message);
      g_task_return_error (task, translate_error (request, error));
      return;
    }
  g_debug ("request %s (%s) answered", request->id, request->method);
  g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

/* Asks the most recently registered agent; there is one. */
static void
send_request (BrokerAgents *self,
              GTask        *task)
{
  Request *request = g_task_get_task_data (task);
  Agent *agent = self->agents->pdata[self->agents->len - 1];

  request->sender = g_strdup (agent->sender);
  request->path = g_strdup (agent->path);
  g_debug ("asking agent %s at %s: %s, request %s", request->path, request->sender,
           request->method, request->id);
  g_dbus_connection_call (self->connection, request->sender, request->path, AGENT_INTERFACE,
                          request->method, request->parameters, request->reply_type,
                          G_DBUS_CALL_FLAGS_NONE, AGENT_TIMEOUT_MINUTES * 60 * 1000,
                          g_task_get_cancellable (task), on_reply, task);
}

/* Activating the front end: questions that find no agent wait here, all of
 * them for one activation, until an agent registers (they are then asked),
 * the front end cannot be started, leaves the bus or does not register in
 * time (they fail with NoAgent), or they are cancelled. */

static void begin_request (BrokerAgents *self,
                           GTask        *task);

static void
stop_activation (BrokerAgents *self)
{
  if (self->activation == NULL)
    return;
  g_cancellable_cancel (self->activation);
  g_clear_object (&self->activation);
  g_clear_handle_id (&self->activation_timeout_id, g_source_remove);
  if (self->owner_changed_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->owner_changed_id);
  self->owner_changed_id = 0;
}

/* Taken first: a caller told of the failure may ask again, and that
 * question starts an activation of its own. */
static void
return_waiting (BrokerAgents *self,
                GError       *error)
{
  g_autoptr(GError) owned = error;
  GQueue waiting = self->waiting;
  GTask *task;

  g_queue_init (&self->waiting);
  stop_activation (self);
  while ((task = g_queue_pop_head (&waiting)) != NULL)
    {
      stop_waiting (g_task_get_task_data (task));
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

static void
fail_waiting (BrokerAgents *self,
              const char   *reason)
{
  g_message ("no agent is registered and %s %s", FRONT_END_NAME, reason);
  return_waiting (self, g_error_new (BROKER_ERROR, BROKER_ERROR_NO_AGENT,
                                     "no agent is registered and Burrow (%s) %s" NO_AGENT_HINT,
                                     FRONT_END_NAME, reason));
}

static void
on_service_started (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *reason = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  /* Cancelled: an agent registered, or the agents are gone. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply != NULL)
    {
      g_debug ("%s is on the bus; waiting for it to register an agent", FRONT_END_NAME);
      return;
    }
  g_dbus_error_strip_remote_error (error);
  reason = g_strdup_printf ("could not be started: %s", error->message);
  fail_waiting (user_data, reason);
}

/* The front end left the bus (or crashed) without registering an agent. */
static void
on_front_end_owner_changed (GDBusConnection *connection,
                            const char      *sender,
                            const char      *object_path,
                            const char      *interface,
                            const char      *signal,
                            GVariant        *parameters,
                            gpointer         user_data)
{
  const char *name = NULL;
  const char *old_owner = NULL;
  const char *new_owner = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (*old_owner != '\0' && *new_owner == '\0')
    fail_waiting (user_data, "left the bus without registering an agent");
}

static gboolean
on_activation_timeout (gpointer user_data)
{
  BrokerAgents *self = user_data;
  g_autofree char *reason = g_strdup_printf ("did not register an agent within %u s",
                                             self->activation_timeout);

  self->activation_timeout_id = 0;
  fail_waiting (self, reason);
  return G_SOURCE_REMOVE;
}

/* Subscribed before the start, so an owner that leaves at once is seen. */
static void
start_activation (BrokerAgents *self)
{
  g_message ("no agent registered: starting %s to ask the user", FRONT_END_NAME);
  self->activation = g_cancellable_new ();
  self->owner_changed_id =
    g_dbus_connection_signal_subscribe (self->connection, "org.freedesktop.DBus",
                                        "org.freedesktop.DBus", "NameOwnerChanged",
                                        "/org/freedesktop/DBus", FRONT_END_NAME,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_front_end_owner_changed,
                                        self, NULL);
  self->activation_timeout_id = g_timeout_add_seconds (self->activation_timeout,
                                                       on_activation_timeout, self);
  /* No call timeout: the bus's own and ours bound it. */
  g_dbus_connection_call (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", FRONT_END_NAME, 0), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, G_MAXINT, self->activation, on_service_started,
                          self);
}

/* An activation lasts only while a question waits for it. */
static gboolean
on_waiting_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  BrokerAgents *self = g_task_get_source_object (task);

  g_queue_remove (&self->waiting, task);
  stop_waiting (g_task_get_task_data (task));
  if (g_queue_is_empty (&self->waiting) && self->activation != NULL)
    {
      g_debug ("no question waits for %s any more", FRONT_END_NAME);
      stop_activation (self);
    }
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Takes @task. */
static void
wait_for_agent (BrokerAgents *self,
                GTask        *task)
{
  Request *request = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (cancellable != NULL)
    {
      request->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (request->cancelled,
                             (GSourceFunc) (void (*) (void)) on_waiting_cancelled, task, NULL);
      g_source_attach (request->cancelled, g_task_get_context (task));
    }
  g_queue_push_tail (&self->waiting, task);
  if (self->activation == NULL)
    start_activation (self);
}

/* After the RegisterAgent reply has gone: the agent is ready for them. */
static gboolean
dispatch_waiting (gpointer user_data)
{
  BrokerAgents *self = user_data;
  GQueue waiting = self->waiting;
  GTask *task;

  self->dispatch_id = 0;
  g_queue_init (&self->waiting);
  while ((task = g_queue_pop_head (&waiting)) != NULL)
    {
      stop_waiting (g_task_get_task_data (task));
      begin_request (self, task);
    }
  return G_SOURCE_REMOVE;
}

/* Takes @task: asks an agent now, or once one registers. */
static void
begin_request (BrokerAgents *self,
               GTask        *task)
{
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (self->agents->len > 0)
    send_request (self, task);
  else
    wait_for_agent (self, task);
}

static GTask *
new_request (BrokerAgents        *self,
             const char          *method,
             gpointer             source_tag,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Request *request = g_new0 (Request, 1);

  g_task_set_source_tag (task, source_tag);
  request->agents = g_object_ref (self);
  request->id = g_strdup_printf ("%u", ++self->next_request);
  request->method = method;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  return task;
}

/* Takes @task; @parameters start with the request's id. */
static void
ask (GTask              *task,
     GVariant           *parameters,
     const GVariantType *reply_type)
{
  Request *request = g_task_get_task_data (task);

  request->parameters = g_variant_ref_sink (parameters);
  request->reply_type = reply_type;
  begin_request (request->agents, task);
}

static GVariant *
finish_reply (BrokerAgents  *self,
              GAsyncResult  *result,
              gpointer       source_tag,
              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
broker_agents_confirm_host_key_async (BrokerAgents        *self,
                                      const char          *profile,
                                      const char          *host_port,
                                      const char          *key_type,
                                      const char          *fingerprint,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (BROKER_IS_AGENTS (self));
  g_return_if_fail (profile != NULL && host_port != NULL);
  g_return_if_fail (key_type != NULL && fingerprint != NULL);

  task = new_request (self, "ConfirmHostKey", broker_agents_confirm_host_key_async, cancellable,
                      callback, user_data);
  request = g_task_get_task_data (task);
  ask (task, g_variant_new ("(sssss)", request->id, profile, host_port, key_type, fingerprint),
       G_VARIANT_TYPE ("(s)"));
}

/* On error the answer is BROKER_HOST_KEY_ANSWER_REJECT. */
BrokerHostKeyAnswer
broker_agents_confirm_host_key_finish (BrokerAgents  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  const char *decision = NULL;

  reply = finish_reply (self, result, broker_agents_confirm_host_key_async, error);
  if (reply == NULL)
    return BROKER_HOST_KEY_ANSWER_REJECT;
  g_variant_get (reply, "(&s)", &decision);
  if (g_str_equal (decision, "save"))
    return BROKER_HOST_KEY_ANSWER_SAVE;
  if (g_str_equal (decision, "accept-once"))
    return BROKER_HOST_KEY_ANSWER_ACCEPT_ONCE;
  /* Anything the broker does not understand must not let a key in. */
  if (!g_str_equal (decision, "reject"))
    g_message ("an agent answered a host-key question with an unknown decision: rejecting");
  return BROKER_HOST_KEY_ANSWER_REJECT;
}

void
broker_agents_request_password_async (BrokerAgents        *self,
                                      const char          *profile,
                                      const char          *prompt,
                                      gboolean             can_remember,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (BROKER_IS_AGENTS (self));
  g_return_if_fail (profile != NULL && prompt != NULL);

  task = new_request (self, "RequestPassword", broker_agents_request_password_async, cancellable,
                      callback, user_data);
  request = g_task_get_task_data (task);
  request->can_remember = !!can_remember;
  ask (task, g_variant_new ("(sssb)", request->id, profile, prompt, request->can_remember),
       G_VARIANT_TYPE ("(sb)"));
}

/* The reply's last value, whether to remember the answer: honoured only
 * when remembering was offered. */
static gboolean
reply_remember (GAsyncResult *result,
                GVariant     *reply)
{
  Request *request = g_task_get_task_data (G_TASK (result));
  gboolean remember = FALSE;

  g_variant_get_child (reply, g_variant_n_children (reply) - 1, "b", &remember);
  return remember && request->can_remember;
}

/* A password or a passphrase, "(sb)".  The D-Bus reply's own copy of a
 * secret is beyond reach; the copy returned here is the caller's to wipe
 * (broker_agents_secret_free). */
static char *
finish_secret (BrokerAgents  *self,
               GAsyncResult  *result,
               gpointer       source_tag,
               gboolean      *remember,
               GError       **error)
{
  g_autoptr(GVariant) reply = finish_reply (self, result, source_tag, error);
  const char *secret = NULL;

  if (remember != NULL)
    *remember = reply != NULL && reply_remember (result, reply);
  if (reply == NULL)
    return NULL;
  g_variant_get_child (reply, 0, "&s", &secret);
  return g_strdup (secret);
}

char *
broker_agents_request_password_finish (BrokerAgents  *self,
                                       GAsyncResult  *result,
                                       gboolean      *remember,
                                       GError       **error)
{
  return finish_secret (self, result, broker_agents_request_password_async, remember, error);
}

void
broker_agents_request_passphrase_async (BrokerAgents        *self,
                                        const char          *profile,
                                        const char          *identity_file,
                                        gboolean             can_remember,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (BROKER_IS_AGENTS (self));
  g_return_if_fail (profile != NULL && identity_file != NULL);

  task = new_request (self, "RequestPassphrase", broker_agents_request_passphrase_async,
                      cancellable, callback, user_data);
  request = g_task_get_task_data (task);
  request->can_remember = !!can_remember;
  ask (task, g_variant_new ("(sssb)", request->id, profile, identity_file, request->can_remember),
       G_VARIANT_TYPE ("(sb)"));
}

char *
broker_agents_request_passphrase_finish (BrokerAgents  *self,
                                         GAsyncResult  *result,
                                         gboolean      *remember,
                                         GError       **error)
{
  return finish_secret (self, result, broker_agents_request_passphrase_async, remember, error);
}

/* @echo may be NULL: every answer is then hidden. */
void
broker_agents_keyboard_interactive_async (BrokerAgents        *self,
                                          const char          *profile,
                                          const char          *name,
                                          const char          *instruction,
                                          const char * const  *prompts,
                                          const gboolean      *echo,
                                          guint                n_prompts,
                                          gboolean             can_remember,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sb)"));
  GTask *task;
  Request *request;

  g_return_if_fail (BROKER_IS_AGENTS (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (prompts != NULL || n_prompts == 0);

  task = new_request (self, "KeyboardInteractive", broker_agents_keyboard_interactive_async,
                      cancellable, callback, user_data);
  request = g_task_get_task_data (task);
  request->n_prompts = n_prompts;
  request->can_remember = !!can_remember;
  for (guint i = 0; i < n_prompts; i++)
    g_variant_builder_add (&builder, "(sb)", prompts[i], echo != NULL && echo[i]);
  ask (task, g_variant_new ("(ssssa(sb)b)", request->id, profile, name != NULL ? name : "",
                            instruction != NULL ? instruction : "", &builder,
                            request->can_remember),
       G_VARIANT_TYPE ("(asb)"));
}

/* Exactly one answer per prompt, in order. */
GStrv
broker_agents_keyboard_interactive_finish (BrokerAgents  *self,
                                           GAsyncResult  *result,
                                           gboolean      *remember,
                                           GError       **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) answers = NULL;
  Request *request;

  if (remember != NULL)
    *remember = FALSE;
  reply = finish_reply (self, result, broker_agents_keyboard_interactive_async, error);
  if (reply == NULL)
    return NULL;
  request = g_task_get_task_data (G_TASK (result));
  answers = g_variant_get_child_value (reply, 0);
  if (g_variant_n_children (answers) != request->n_prompts)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED,
                   "the agent gave %" G_GSIZE_FORMAT " answers to %u prompts",
                   g_variant_n_children (answers), request->n_prompts);
      return NULL;
    }
  if (remember != NULL)
    *remember = reply_remember (result, reply);
  return g_variant_dup_strv (answers, NULL);
}

/* A changed host key was refused: the user is warned, nothing is asked.
 * @host_port as for broker_agents_confirm_host_key_async(); @known and
 * @offered are the fingerprints of the recorded and the offered key,
 * @known_location is "file:line" of the recorded one. */
void
broker_agents_host_key_changed_async (BrokerAgents        *self,
                                      const char          *profile,
                                      const char          *host_port,
                                      const char          *key_type,
                                      const char          *known,
                                      const char          *offered,
                                      const char          *known_location,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (BROKER_IS_AGENTS (self));
  g_return_if_fail (profile != NULL && host_port != NULL && key_type != NULL);
  g_return_if_fail (known != NULL && offered != NULL);
  g_return_if_fail (known_location != NULL);

  task = new_request (self, "HostKeyChanged", broker_agents_host_key_changed_async, cancellable,
                      callback, user_data);
  request = g_task_get_task_data (task);
  ask (task, g_variant_new ("(sssssss)", request->id, profile, host_port, key_type, known,
                            offered, known_location),
       G_VARIANT_TYPE_UNIT);
}

/* Whether an agent took the warning. */
gboolean
broker_agents_host_key_changed_finish (BrokerAgents  *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  g_autoptr(GVariant) reply = finish_reply (self, result, broker_agents_host_key_changed_async,
                                            error);

  return reply != NULL;
}

/* Tests shorten the wait for an activated front end to register an agent. */
void
broker_agents_set_activation_timeout (BrokerAgents *self,
                                      guint         seconds)
{
  g_return_if_fail (BROKER_IS_AGENTS (self));
  g_return_if_fail (seconds > 0);

  self->activation_timeout = seconds;
}

BrokerAgents *
broker_agents_new (GDBusConnection *connection)
{
  BrokerAgents *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (BROKER_TYPE_AGENTS, NULL);
  self->connection = g_object_ref (connection);
  return self;
}

static void
broker_agents_dispose (GObject *object)
{
  BrokerAgents *self = BROKER_AGENTS (object);

  /* Waiting questions hold a reference: only an explicit dispose gets here
   * with some. */
  g_clear_handle_id (&self->dispatch_id, g_source_remove);
  return_waiting (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "the broker is stopping"));
  g_hash_table_remove_all (self->watches);
  g_ptr_array_set_size (self->agents, 0);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (broker_agents_parent_class)->dispose (object);
}

static void
broker_agents_finalize (GObject *object)
{
  BrokerAgents *self = BROKER_AGENTS (object);

  g_hash_table_unref (self->watches);
  g_ptr_array_unref (self->agents);
  G_OBJECT_CLASS (broker_agents_parent_class)->finalize (object);
}

static void
broker_agents_class_init (BrokerAgentsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = broker_agents_dispose;
  object_class->finalize = broker_agents_finalize;
  /* Maps an agent's io.github.burrow.Burrow.Error.Cancelled to its code. */
  (void) broker_error_quark ();
}

static void
broker_agents_init (BrokerAgents *self)
{
  self->agents = g_ptr_array_new_with_free_func ((GDestroyNotify) agent_free);
  self->watches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, unwatch);
  g_queue_init (&self->waiting);
  self->activation_timeout = ACTIVATION_TIMEOUT_SECONDS;
}
