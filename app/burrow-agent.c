// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-agent"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "burrow-agent.h"
#include "burrow-dbus.h"
#include "burrow-prompt-dialog.h"

#define AGENT_PATH "/io/github/burrow/Burrow/Agent"
#define BROKER_PATH "/io/github/burrow/Burrow/Broker"
#define BROKER_INTERFACE "io.github.burrow.Burrow.Broker1"
#define CANCELLED_ERROR "io.github.burrow.Burrow.Error.Cancelled"

typedef enum
{
  REQUEST_HOST_KEY,
  REQUEST_PASSWORD,
  REQUEST_PASSPHRASE,
  REQUEST_KEYBOARD_INTERACTIVE,
} RequestKind;

/* One question on screen: the dialog and the call that waits for it. */
typedef struct
{
  BurrowAgent *agent;
  RequestKind kind;
  char *id;
  GDBusMethodInvocation *invocation;
  GtkWindow *dialog;
} Request;

struct _BurrowAgent
{
  GObject parent_instance;

  GtkApplication *application;          /* unowned: it owns the agent */
  GDBusConnection *connection;
  BurrowDBusAgent1 *skeleton;
  guint broker_watch;
  char *broker_owner;          /* the broker's unique name: the only caller */
  GHashTable *requests;                 /* id → Request */
};

G_DEFINE_FINAL_TYPE (BurrowAgent, burrow_agent, G_TYPE_OBJECT)

static void
request_free (Request *request)
{
  g_free (request->id);
  g_clear_object (&request->invocation);
  g_free (request);
}

/* The broker may ask while no window is open (a captured program in the
 * background connects): the dialog then stands alone, and as a window of
 * the application it keeps the application running until answered. */
static GtkWindow *
dialog_parent (BurrowAgent *self)
{
  GtkWindow *window = gtk_application_get_active_window (self->application);

  return window != NULL && gtk_widget_get_visible (GTK_WIDGET (window)) ? window : NULL;
}

static void
show_dialog (BurrowAgent *self,
             GtkWindow   *dialog)
{
  gtk_window_set_application (dialog, self->application);
  gtk_window_present (dialog);
}

static Request *
start_request (BurrowAgent           *self,
               RequestKind            kind,
               const char            *id,
               GDBusMethodInvocation *invocation,
               GtkWindow             *dialog)
{
  Request *request = g_new0 (Request, 1);

  request->agent = self;
  request->kind = kind;
  request->id = g_strdup (id);
  request->invocation = g_object_ref (invocation);
  request->dialog = dialog;
  /* Ids are unique: the broker counts them. */
  g_hash_table_insert (self->requests, request->id, request);
  return request;
}

static void
decline (GDBusMethodInvocation *invocation)
{
  g_dbus_method_invocation_return_dbus_error (invocation, CANCELLED_ERROR,
                                              "the user declined to answer");
}

/* From a response: the message dialog closes itself after it. */
static void
finish_request (Request *request)
{
  g_hash_table_remove (request->agent->requests, request->id);
}

/* ------------------------------------------------------------ host keys */

static void
on_host_key_response (AdwMessageDialog *dialog,
                      const char       *response,
                      gpointer          user_data)
{
  Request *request = user_data;
  const char *decision = "reject";

  if (g_str_equal (response, "save"))
    decision = "save";
  else if (g_str_equal (response, "accept-once"))
    decision = "accept-once";
  burrow_dbus_agent1_complete_confirm_host_key (request->agent->skeleton,
                                                g_steal_pointer (&request->invocation), decision);
  finish_request (request);
}

static gboolean
on_confirm_host_key (BurrowDBusAgent1      *skeleton,
                     GDBusMethodInvocation *invocation,
                     const char            *id,
                     const char            *profile,
                     const char            *host,
                     const char            *key_type,
                     const char            *fingerprint,
                     gpointer               user_data)
{
  BurrowAgent *self = user_data;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  Request *request;

  body = g_strdup_printf (_("Burrow has not connected to %s (profile “%s”) before. Compare the "
                            "fingerprint with the one the server's administrator gives you "
                            "before you trust it.\n\nKey type: %s\nFingerprint: %s"),
                          host, profile, key_type, fingerprint);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (dialog_parent (self),
                                                       _("Unknown Host Key"), body));
  adw_message_dialog_add_responses (dialog,
                                    "reject", _("_Cancel"),
                                    "accept-once", _("Accept _Once"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  /* Return must not trust a key by accident. */
  adw_message_dialog_set_default_response (dialog, "reject");
  adw_message_dialog_set_close_response (dialog, "reject");
  request = start_request (self, REQUEST_HOST_KEY, id, invocation, GTK_WINDOW (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_host_key_response), request);
  show_dialog (self, GTK_WINDOW (dialog));
  return TRUE;
}

static gboolean
on_host_key_changed (BurrowDBusAgent1      *skeleton,
                     GDBusMethodInvocation *invocation,
                     const char            *id,
                     const char            *profile,
                     const char            *host,
                     const char            *key_type,
                     const char            *known_fingerprint,
                     const char            *offered_fingerprint,
                     const char            *known_hosts_location,
                     gpointer               user_data)
{
  BurrowAgent *self = user_data;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  body = g_strdup_printf (_("The server %s (profile “%s”) offered a host key that differs from the "
                            "one recorded for it. Someone may be intercepting the connection, or "
                            "the server was reinstalled. Burrow did not connect and sent no "
                            "credentials.\n\nRecorded key: %s\nOffered key (%s): %s\n\nIf the "
                            "administrator confirms the new key, remove the old one from %s and "
                            "connect again."),
                          host, profile, known_fingerprint, key_type, offered_fingerprint,
                          known_hosts_location);
  dialog = adw_message_dialog_new (dialog_parent (self), _("Host Key Changed"), body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  show_dialog (self, GTK_WINDOW (dialog));
  burrow_dbus_agent1_complete_host_key_changed (skeleton, invocation);
  return TRUE;
}

/* -------------------------------------------------------------- secrets */

static void
wipe_strv (GStrv strv)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    explicit_bzero (strv[i], strlen (strv[i]));
  g_strfreev (strv);
}

static void
complete_secret_request (Request            *request,
                         BurrowPromptDialog *dialog)
{
  BurrowDBusAgent1 *skeleton = request->agent->skeleton;
  GDBusMethodInvocation *invocation = g_steal_pointer (&request->invocation);
  GStrv answers = burrow_prompt_dialog_take_answers (dialog);
  gboolean remember = burrow_prompt_dialog_get_remember (dialog);

  switch (request->kind)
    {
    case REQUEST_PASSWORD:
      burrow_dbus_agent1_complete_request_password (skeleton, invocation, answers[0], remember);
      break;
    case REQUEST_PASSPHRASE:
      burrow_dbus_agent1_complete_request_passphrase (skeleton, invocation, answers[0], remember);
      break;
    case REQUEST_KEYBOARD_INTERACTIVE:
      burrow_dbus_agent1_complete_keyboard_interactive (skeleton, invocation,
                                                        (const char * const *) answers, remember);
      break;
    case REQUEST_HOST_KEY:
    default:
      g_assert_not_reached ();
    }
  wipe_strv (answers);
}

static void
on_secret_response (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  Request *request = user_data;

  if (g_str_equal (response, "ok"))
    complete_secret_request (request, BURROW_PROMPT_DIALOG (dialog));
  else
    decline (g_steal_pointer (&request->invocation));
  finish_request (request);
}

static void
ask_for_secrets (BurrowAgent           *self,
                 RequestKind            kind,
                 const char            *id,
                 GDBusMethodInvocation *invocation,
                 BurrowPromptDialog    *dialog)
{
  Request *request;

  request = start_request (self, kind, id, invocation, GTK_WINDOW (dialog));
  g_signal_connect (dialog, "response", G_CALLBACK (on_secret_response), request);
  show_dialog (self, GTK_WINDOW (dialog));
}

static gboolean
on_request_password (BurrowDBusAgent1      *skeleton,
                     GDBusMethodInvocation *invocation,
                     const char            *id,
                     const char            *profile,
                     const char            *prompt,
                     gboolean               can_remember,
                     gpointer               user_data)
{
  BurrowAgent *self = user_data;
  g_autofree char *body = NULL;
  BurrowPromptDialog *dialog;

  body = g_strdup_printf (_("Profile “%s”: %s"), profile, prompt);
  dialog = burrow_prompt_dialog_new (dialog_parent (self), _("Password Required"), body);
  burrow_prompt_dialog_add_prompt (dialog, _("Password"), FALSE);
  burrow_prompt_dialog_set_can_remember (dialog, can_remember);
  ask_for_secrets (self, REQUEST_PASSWORD, id, invocation, dialog);
  return TRUE;
}

static gboolean
on_request_passphrase (BurrowDBusAgent1      *skeleton,
                       GDBusMethodInvocation *invocation,
                       const char            *id,
                       const char            *profile,
                       const char            *identity_file,
                       gboolean               can_remember,
                       gpointer               user_data)
{
  BurrowAgent *self = user_data;
  g_autofree char *body = NULL;
  BurrowPromptDialog *dialog;

  body = g_strdup_printf (_("Profile “%s” signs in with the key %s, which is protected by a "
                            "passphrase."), profile, identity_file);
  dialog = burrow_prompt_dialog_new (dialog_parent (self), _("Key Passphrase Required"), body);
  burrow_prompt_dialog_add_prompt (dialog, _("Passphrase"), FALSE);
  burrow_prompt_dialog_set_can_remember (dialog, can_remember);
  ask_for_secrets (self, REQUEST_PASSPHRASE, id, invocation, dialog);
  return TRUE;
}

static gboolean
on_keyboard_interactive (BurrowDBusAgent1      *skeleton,
                         GDBusMethodInvocation *invocation,
                         const char            *id,
                         const char            *profile,
                         const char            *name,
                         const char            *instruction,
                         GVariant              *prompts,
                         gboolean               can_remember,
                         gpointer               user_data)
{
  BurrowAgent *self = user_data;
  g_autofree char *body = NULL;
  BurrowPromptDialog *dialog;
  GVariantIter iter;
  const char *prompt;
  gboolean echo;

  body = g_strdup_printf (_("Profile “%s”: the server asks:\n%s"), profile,
                          *instruction != '\0' ? instruction : "");
  dialog = burrow_prompt_dialog_new (dialog_parent (self),
                                     *name != '\0' ? name : _("Authentication Required"), body);
  g_variant_iter_init (&iter, prompts);
  while (g_variant_iter_next (&iter, "(&sb)", &prompt, &echo))
    burrow_prompt_dialog_add_prompt (dialog, prompt, echo);
  burrow_prompt_dialog_set_can_remember (dialog, can_remember);
  ask_for_secrets (self, REQUEST_KEYBOARD_INTERACTIVE, id, invocation, dialog);
  return TRUE;
}

/* The broker no longer needs the answer: the dialog goes, the pending
 * call is declined. */
static gboolean
on_cancel (BurrowDBusAgent1      *skeleton,
           GDBusMethodInvocation *invocation,
           const char            *id,
           gpointer               user_data)
{
  BurrowAgent *self = user_data;
  Request *request = g_hash_table_lookup (self->requests, id);

  if (request != NULL)
    {
      g_signal_handlers_disconnect_by_data (request->dialog, request);
      gtk_window_destroy (request->dialog);
      decline (g_steal_pointer (&request->invocation));
      finish_request (request);
    }
  burrow_dbus_agent1_complete_cancel (skeleton, invocation);
  return TRUE;
}

/* --------------------------------------------------------- registration */

static void
on_registered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_message ("cannot register with the broker as its agent: %s", error->message);
  else
    g_debug ("registered with the broker as its agent");
}

static void decline_all (BurrowAgent *self);

/* Every broker that appears is told, so a restarted broker has this agent
 * again; it alone may ask. */
static void
on_broker_appeared (GDBusConnection *connection,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  BurrowAgent *self = user_data;

  g_free (self->broker_owner);
  self->broker_owner = g_strdup (owner);
  g_dbus_connection_call (connection, owner, BROKER_PATH, BROKER_INTERFACE, "RegisterAgent",
                          g_variant_new ("(o)", AGENT_PATH), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, on_registered, NULL);
}

/* Its questions can no longer be answered: their dialogs go. */
static void
on_broker_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  BurrowAgent *self = user_data;

  g_clear_pointer (&self->broker_owner, g_free);
  decline_all (self);
}

/* Only the broker may ask: another program of the session could otherwise
 * raise a password dialog and read what the user types in it. */
static gboolean
on_authorize_method (GDBusInterfaceSkeleton *skeleton,
                     GDBusMethodInvocation  *invocation,
                     gpointer                user_data)
{
  BurrowAgent *self = user_data;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  if (self->broker_owner != NULL && g_strcmp0 (sender, self->broker_owner) == 0)
    return TRUE;
  g_message ("refused %s from %s: only the Burrow broker may ask this agent",
             g_dbus_method_invocation_get_method_name (invocation), sender);
  g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_ACCESS_DENIED,
                                                 "only the Burrow broker may ask this agent");
  return FALSE;
}

gboolean
burrow_agent_export (BurrowAgent      *self,
                     GDBusConnection  *connection,
                     GError          **error)
{
  g_return_val_if_fail (BURROW_IS_AGENT (self), FALSE);
  g_return_val_if_fail (self->connection == NULL, FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         AGENT_PATH, error))
    return FALSE;
  self->connection = g_object_ref (connection);
  self->broker_watch = g_bus_watch_name_on_connection (connection, BROKER_BUS_NAME,
                                                       G_BUS_NAME_WATCHER_FLAGS_AUTO_START,
                                                       on_broker_appeared, on_broker_vanished,
                                                       self, NULL);
  return TRUE;
}

static void
decline_all (BurrowAgent *self)
{
  GHashTableIter iter;
  Request *request;

  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &request))
    {
      g_signal_handlers_disconnect_by_data (request->dialog, request);
      gtk_window_destroy (request->dialog);
      decline (g_steal_pointer (&request->invocation));
      g_hash_table_iter_remove (&iter);
    }
}

void
burrow_agent_unexport (BurrowAgent *self)
{
  g_return_if_fail (BURROW_IS_AGENT (self));

  if (self->connection == NULL)
    return;
  decline_all (self);
  g_clear_handle_id (&self->broker_watch, g_bus_unwatch_name);
  g_clear_pointer (&self->broker_owner, g_free);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_clear_object (&self->connection);
}

BurrowAgent *
burrow_agent_new (GtkApplication *application)
{
  BurrowAgent *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  self = g_object_new (BURROW_TYPE_AGENT, NULL);
  self->application = application;
  return self;
}

static void
burrow_agent_dispose (GObject *object)
{
  BurrowAgent *self = BURROW_AGENT (object);

  burrow_agent_unexport (self);
  g_clear_object (&self->skeleton);

  G_OBJECT_CLASS (burrow_agent_parent_class)->dispose (object);
}

static void
burrow_agent_finalize (GObject *object)
{
  BurrowAgent *self = BURROW_AGENT (object);

  g_hash_table_unref (self->requests);

  G_OBJECT_CLASS (burrow_agent_parent_class)->finalize (object);
}

static void
burrow_agent_class_init (BurrowAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_agent_dispose;
  object_class->finalize = burrow_agent_finalize;
}

static void
burrow_agent_init (BurrowAgent *self)
{
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) request_free);
  self->skeleton = burrow_dbus_agent1_skeleton_new ();
  burrow_dbus_agent1_set_version (self->skeleton, 1);
  g_signal_connect (self->skeleton, "handle-confirm-host-key",
                    G_CALLBACK (on_confirm_host_key), self);
  g_signal_connect (self->skeleton, "handle-host-key-changed",
                    G_CALLBACK (on_host_key_changed), self);
  g_signal_connect (self->skeleton, "handle-request-password",
                    G_CALLBACK (on_request_password), self);
  g_signal_connect (self->skeleton, "handle-request-passphrase",
                    G_CALLBACK (on_request_passphrase), self);
  g_signal_connect (self->skeleton, "handle-keyboard-interactive",
                    G_CALLBACK (on_keyboard_interactive), self);
  g_signal_connect (self->skeleton, "handle-cancel", G_CALLBACK (on_cancel), self);
  g_signal_connect (self->skeleton, "g-authorize-method", G_CALLBACK (on_authorize_method), self);
}
