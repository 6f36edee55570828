// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "broker-error.h"
#include "burrow-dbus.h"
#include "burrowctl-agent.h"
#include "burrowctl.h"

#define AGENT_PATH "/io/github/burrow/Burrow/Agent/ctl"
#define BROKER_PATH "/io/github/burrow/Burrow/Broker"
#define BROKER_INTERFACE "io.github.burrow.Burrow.Broker1"

typedef enum
{
  KIND_HOST_KEY,
  KIND_PASSWORD,
  KIND_PASSPHRASE,
  KIND_KEYBOARD_INTERACTIVE,
  /* Script lines only. */
  KIND_CANCEL,
  KIND_HOLD,
  /* A warning: no script line answers it. */
  KIND_HOST_KEY_CHANGED,
} Kind;

#define N_SCRIPT_KINDS (KIND_HOLD + 1)

static const char * const kind_names[] = {
  "host-key", "password", "passphrase", "keyboard-interactive", "cancel", "hold",
  "host-key-changed",
};

/* One line of a --script file. */
typedef struct
{
  Kind kind;
  guint number;
  char *text;          /* the decision, password or passphrase */
  gboolean remember;
  GStrv answers;       /* keyboard-interactive */
} ScriptLine;

typedef struct _Agent Agent;

/* A question of the broker's, open until answered or cancelled. */
typedef struct
{
  Agent *agent;
  GDBusMethodInvocation *invocation;   /* completed exactly once */
  Kind kind;
  char *id;
  char *summary;       /* one line, never a secret */
  char *profile;
  char *host;
  char *key_type;
  char *fingerprint;
  char *known_fingerprint;
  char *known_location;
  char *prompt;
  gboolean can_remember;
  char *identity_file;
  char *name;
  char *instruction;
  GVariant *prompts;   /* a(sb) */
  gboolean shown;      /* on a terminal: the question was printed */
  guint step;          /* on a terminal: the prompt being answered */
  gboolean remembering; /* on a terminal: every answer typed, "remember?" asked */
  GPtrArray *answers;  /* on a terminal: what was typed so far */
} Request;

struct _Agent
{
  GMainLoop *loop;
  GDBusConnection *connection;
  BurrowDBusAgent1 *skeleton;
  char *broker_owner;  /* the unique name registered with, only it may ask */
  char *new_owner;     /* a restarted broker being registered with */
  guint broker_watch;
  guint signal_sources[2];
  const char *script_path;
  GQueue *script;      /* ScriptLine; NULL when asking on the terminal */
  GQueue pending;      /* Request; on a terminal the head is being asked */
  int count;
  int finished;
  GDataInputStream *input;
  GCancellable *reading;
  Request *asking;     /* whose answer the read in progress is */
  gboolean have_termios;
  struct termios saved_termios;
};

static void
secret_free (gpointer secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
secrets_free (GStrv secrets)
{
  if (secrets == NULL)
    return;
  for (guint i = 0; secrets[i] != NULL; i++)
    explicit_bzero (secrets[i], strlen (secrets[i]));
  g_strfreev (secrets);
}

static void
script_line_free (ScriptLine *line)
{
  secret_free (line->text);
  secrets_free (line->answers);
  g_free (line);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ScriptLine, script_line_free)

static void
request_free (Request *request)
{
  /* Never left unanswered: the broker would wait for its timeout. */
  if (request->invocation != NULL)
    g_dbus_method_invocation_return_error_literal (request->invocation, BROKER_ERROR,
                                                   BROKER_ERROR_CANCELLED, "the user declined");
  g_free (request->id);
  g_free (request->summary);
  g_free (request->profile);
  g_free (request->host);
  g_free (request->key_type);
  g_free (request->fingerprint);
  g_free (request->known_fingerprint);
  g_free (request->known_location);
  g_free (request->prompt);
  g_free (request->identity_file);
  g_free (request->name);
  g_free (request->instruction);
  g_clear_pointer (&request->prompts, g_variant_unref);
  g_ptr_array_unref (request->answers);
  g_free (request);
}

/* The broker's strings reach a terminal: no control characters. */
static void
append_escaped (GString    *out,
                const char *text,
                gboolean    quote)
{
  if (quote)
    g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (quote && (*p == '"' || *p == '\\'))
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  if (quote)
    g_string_append_c (out, '"');
}

static char *
escaped (const char *text)
{
  GString *out = g_string_new (NULL);

  append_escaped (out, text, FALSE);
  return g_string_free (out, FALSE);
}

static char *
describe (Request *request)
{
  GString *out = g_string_new (kind_names[request->kind]);

  g_string_append (out, " profile=");
  append_escaped (out, request->profile, FALSE);
  switch (request->kind)
    {
    case KIND_HOST_KEY:
      g_string_append (out, " host=");
      append_escaped (out, request->host, FALSE);
      g_string_append (out, " type=");
      append_escaped (out, request->key_type, FALSE);
      g_string_append_c (out, ' ');
      append_escaped (out, request->fingerprint, FALSE);
      break;
    case KIND_PASSWORD:
      g_string_append (out, " prompt=");
      append_escaped (out, request->prompt, TRUE);
      break;
    case KIND_PASSPHRASE:
      g_string_append (out, " file=");
      append_escaped (out, request->identity_file, TRUE);
      break;
    case KIND_KEYBOARD_INTERACTIVE:
      g_string_append (out, " name=");
      append_escaped (out, request->name, TRUE);
      g_string_append (out, " instruction=");
      append_escaped (out, request->instruction, TRUE);
      g_string_append (out, " prompts=");
      for (gsize i = 0; i < g_variant_n_children (request->prompts); i++)
        {
          const char *prompt;
          gboolean echo;

          g_variant_get_child (request->prompts, i, "(&sb)", &prompt, &echo);
          if (i > 0)
            g_string_append_c (out, ',');
          append_escaped (out, prompt, TRUE);
          g_string_append (out, echo ? "(echo)" : "(hidden)");
        }
      break;
    case KIND_HOST_KEY_CHANGED:
      g_string_append (out, " host=");
      append_escaped (out, request->host, FALSE);
      g_string_append (out, " type=");
      append_escaped (out, request->key_type, FALSE);
      g_string_append (out, " known=");
      append_escaped (out, request->known_fingerprint, FALSE);
      g_string_append (out, " offered=");
      append_escaped (out, request->fingerprint, FALSE);
      g_string_append (out, " at=");
      append_escaped (out, request->known_location, FALSE);
      break;
    case KIND_CANCEL:
    case KIND_HOLD:
    default:
      g_assert_not_reached ();
    }
  return g_string_free (out, FALSE);
}

/* Prints the request's line and forgets it; its invocation was completed. */
static void
finish_request (Request    *request,
                const char *outcome)
{
  Agent *agent = request->agent;

  printf ("%s → %s\n", request->summary, outcome);
  fflush (stdout);
  g_queue_remove (&agent->pending, request);
  if (agent->asking == request)
    agent->asking = NULL;
  request_free (request);
  agent->finished++;
  if (agent->count > 0 && agent->finished >= agent->count)
    g_main_loop_quit (agent->loop);
}

static void
decline (Request    *request,
         const char *outcome)
{
  g_dbus_method_invocation_return_error_literal (g_steal_pointer (&request->invocation),
                                                 BROKER_ERROR, BROKER_ERROR_CANCELLED,
                                                 "the user declined");
  finish_request (request, outcome);
}

static void
answer_host_key (Request    *request,
                 const char *decision)
{
  burrow_dbus_agent1_complete_confirm_host_key (request->agent->skeleton,
                                                g_steal_pointer (&request->invocation), decision);
  finish_request (request, decision);
}

static void
answer_password (Request    *request,
                 const char *password,
                 gboolean    remember)
{
  remember = remember && request->can_remember;
  burrow_dbus_agent1_complete_request_password (request->agent->skeleton,
                                                g_steal_pointer (&request->invocation),
                                                password, remember);
  finish_request (request, remember ? "(answered, remember)" : "(answered)");
}

static void
answer_passphrase (Request    *request,
                   const char *passphrase,
                   gboolean    remember)
{
  remember = remember && request->can_remember;
  burrow_dbus_agent1_complete_request_passphrase (request->agent->skeleton,
                                                  g_steal_pointer (&request->invocation),
                                                  passphrase, remember);
  finish_request (request, remember ? "(answered, remember)" : "(answered)");
}

static void
answer_keyboard_interactive (Request            *request,
                             const char * const *answers,
                             gboolean            remember)
{
  g_autofree char *outcome = NULL;

  remember = remember && request->can_remember;
  outcome = g_strdup_printf (remember ? "(%u answers, remember)" : "(%u answers)",
                             g_strv_length ((GStrv) answers));
  burrow_dbus_agent1_complete_keyboard_interactive (request->agent->skeleton,
                                                    g_steal_pointer (&request->invocation),
                                                    answers, remember);
  finish_request (request, outcome);
}

/* --script mode: the next line answers, whatever it is. */
static void
answer_from_script (Agent   *agent,
                    Request *request)
{
  g_autoptr(ScriptLine) line = g_queue_pop_head (agent->script);

  if (line == NULL)
    {
      fprintf (stderr, "burrowctl agent: %s: no answer left for a %s request\n",
               agent->script_path, kind_names[request->kind]);
      decline (request, "cancelled (the script has no answer left)");
      return;
    }
  if (line->kind == KIND_HOLD)
    {
      g_queue_push_tail (&agent->pending, request);
      printf ("%s → (held, request %s)\n", request->summary, request->id);
      fflush (stdout);
      return;
    }
  if (line->kind == KIND_CANCEL)
    {
      decline (request, "cancelled");
      return;
    }
  if (line->kind != request->kind)
    {
      fprintf (stderr, "burrowctl agent: %s:%u: a %s answer, but the broker asked a %s question\n",
               agent->script_path, line->number, kind_names[line->kind],
               kind_names[request->kind]);
      decline (request, "cancelled (not what the script expected)");
      return;
    }
  if (request->kind == KIND_HOST_KEY)
    answer_host_key (request, line->text);
  else if (request->kind == KIND_PASSWORD)
    answer_password (request, line->text, line->remember);
  else if (request->kind == KIND_PASSPHRASE)
    answer_passphrase (request, line->text, line->remember);
  else
    answer_keyboard_interactive (request, (const char * const *) line->answers, line->remember);
}

/* Echo off for hidden answers; ECHONL still ends the line on the screen. */
static void
set_echo (Agent   *agent,
          gboolean echo)
{
  struct termios attributes;

  if (!agent->have_termios)
    return;
  attributes = agent->saved_termios;
  if (!echo)
    {
      attributes.c_lflag &= ~(tcflag_t) ECHO;
      attributes.c_lflag |= ECHONL;
    }
  tcsetattr (STDIN_FILENO, TCSANOW, &attributes);
}

static guint
n_prompts (Request *request)
{
  return (guint) g_variant_n_children (request->prompts);
}

/* The text before the cursor for the request's current step. */
static char *
step_prompt (Request  *request,
             gboolean *echo)
{
  g_autofree char *text = NULL;
  const char *prompt;

  *echo = TRUE;
  if (request->remembering)
    return g_strdup ("Remember it in the keyring? [y/N] ");
  switch (request->kind)
    {
    case KIND_HOST_KEY:
      return g_strdup ("[s]ave, accept [o]nce, [r]eject? ");
    case KIND_PASSWORD:
      *echo = FALSE;
      text = escaped (request->prompt);
      return g_strdup_printf ("%s: ", text);
    case KIND_PASSPHRASE:
      *echo = FALSE;
      text = escaped (request->identity_file);
      return g_strdup_printf ("Passphrase for %s: ", text);
    case KIND_KEYBOARD_INTERACTIVE:
      g_variant_get_child (request->prompts, request->step, "(&sb)", &prompt, echo);
      return escaped (prompt);
    case KIND_CANCEL:
    case KIND_HOLD:
    case KIND_HOST_KEY_CHANGED:
    default:
      g_assert_not_reached ();
    }
}

static void
print_question (Request *request)
{
  g_autofree char *profile = escaped (request->profile);

  printf ("\n");
  if (request->kind == KIND_HOST_KEY)
    {
      g_autofree char *host = escaped (request->host);
      g_autofree char *key_type = escaped (request->key_type);
      g_autofree char *fingerprint = escaped (request->fingerprint);

      printf ("Profile %s: the host key of %s is not known:\n  %s %s\n", profile, host,
              key_type, fingerprint);
      return;
    }
  if (request->kind == KIND_PASSWORD)
    printf ("Profile %s needs a password.\n", profile);
  else if (request->kind == KIND_PASSPHRASE)
    printf ("Profile %s needs the passphrase of a key.\n", profile);
  else
    {
      g_autofree char *name = escaped (request->name);
      g_autofree char *instruction = escaped (request->instruction);

      printf ("Profile %s: the server asks:\n", profile);
      if (*name != '\0')
        printf ("%s\n", name);
      if (*instruction != '\0')
        printf ("%s\n", instruction);
    }
}

static void on_line (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data);

/* On a terminal: asks the head request's current step, one read at a time. */
static void
ask (Agent *agent)
{
  Request *request;

  while ((request = g_queue_peek_head (&agent->pending)) != NULL && agent->reading == NULL)
    {
      g_autofree char *prompt = NULL;
      gboolean echo = TRUE;

      if (!request->shown)
        print_question (request);
      request->shown = TRUE;
      if (request->kind == KIND_KEYBOARD_INTERACTIVE && n_prompts (request) == 0)
        {
          const char *none[] = { NULL };

          answer_keyboard_interactive (request, none, FALSE);
          continue;
        }
      /* Echo goes off before the prompt shows, so nothing typed early is echoed. */
      prompt = step_prompt (request, &echo);
      set_echo (agent, echo);
      printf ("%s", prompt);
      fflush (stdout);
      agent->asking = request;
      agent->reading = g_cancellable_new ();
      g_data_input_stream_read_line_async (agent->input, G_PRIORITY_DEFAULT, agent->reading,
                                           on_line, agent);
    }
}

static const char *
parse_decision (const char *answer)
{
  if (g_ascii_strcasecmp (answer, "s") == 0 || g_ascii_strcasecmp (answer, "save") == 0)
    return "save";
  if (g_ascii_strcasecmp (answer, "o") == 0 || g_ascii_strcasecmp (answer, "once") == 0 ||
      g_ascii_strcasecmp (answer, "accept-once") == 0)
    return "accept-once";
  if (g_ascii_strcasecmp (answer, "r") == 0 || g_ascii_strcasecmp (answer, "reject") == 0)
    return "reject";
  return NULL;
}

/* Every answer of @request is typed. */
static void
answer_secrets (Request  *request,
                gboolean  remember)
{
  if (request->kind == KIND_PASSWORD)
    answer_password (request, request->answers->pdata[0], remember);
  else if (request->kind == KIND_PASSPHRASE)
    answer_passphrase (request, request->answers->pdata[0], remember);
  else
    {
      g_ptr_array_add (request->answers, NULL);
      answer_keyboard_interactive (request, (const char * const *) request->answers->pdata,
                                   remember);
    }
}

/* Takes @line, the answer to @request's current step. */
static void
take_answer (Request *request,
             char    *line)
{
  const char *decision;

  if (request->kind == KIND_HOST_KEY)
    {
      decision = parse_decision (g_strstrip (line));
      g_free (line);
      if (decision == NULL)
        printf ("Please answer s, o or r.\n");
      else
        answer_host_key (request, decision);
      return;
    }
  if (request->remembering)
    {
      gboolean remember = g_ascii_tolower (*g_strstrip (line)) == 'y';

      g_free (line);
      answer_secrets (request, remember);
      return;
    }
  g_ptr_array_add (request->answers, line);
  request->step++;
  if (request->kind == KIND_KEYBOARD_INTERACTIVE && request->step < n_prompts (request))
    return;
  if (request->can_remember)
    request->remembering = TRUE;
  else
    answer_secrets (request, FALSE);
}

static void
decline_all (Agent      *agent,
             const char *outcome)
{
  Request *request;

  while ((request = g_queue_peek_head (&agent->pending)) != NULL)
    decline (request, outcome);
  if (agent->reading != NULL)
    g_cancellable_cancel (agent->reading);
}

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Agent *agent = user_data;
  g_autoptr(GError) error = NULL;
  Request *request = agent->asking;
  char *line;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    &error);
  g_clear_object (&agent->reading);
  agent->asking = NULL;
  set_echo (agent, TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      ask (agent);
      return;
    }
  if (line == NULL)
    {
      fprintf (stderr, "burrowctl agent: %s\n",
               error != NULL ? error->message : "the terminal was closed");
      decline_all (agent, "cancelled (no terminal)");
      g_main_loop_quit (agent->loop);
      return;
    }
  if (request != NULL)
    take_answer (request, line);
  else
    secret_free (line);
  ask (agent);
}

static void
receive (Agent   *agent,
         Request *request)
{
  request->summary = describe (request);
  if (agent->script != NULL)
    {
      answer_from_script (agent, request);
      return;
    }
  g_queue_push_tail (&agent->pending, request);
  ask (agent);
}

/* Anyone on the bus can call this object: only the broker may ask. */
static gboolean
from_broker (Agent                 *agent,
             GDBusMethodInvocation *invocation)
{
  if (agent->broker_owner != NULL &&
      g_strcmp0 (g_dbus_method_invocation_get_sender (invocation), agent->broker_owner) == 0)
    return TRUE;
  g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                 G_DBUS_ERROR_ACCESS_DENIED,
                                                 "only the Burrow broker may ask this agent");
  return FALSE;
}

static Request *
request_new (Agent                 *agent,
             GDBusMethodInvocation *invocation,
             Kind                   kind,
             const char            *id,
             const char            *profile)
{
  Request *request = g_new0 (Request, 1);

  request->agent = agent;
  request->invocation = invocation;
  request->kind = kind;
  request->id = g_strdup (id);
  request->profile = g_strdup (profile);
  request->answers = g_ptr_array_new_with_free_func (secret_free);
  return request;
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
  Request *request;

  if (!from_broker (user_data, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request = request_new (user_data, invocation, KIND_HOST_KEY, id, profile);
  request->host = g_strdup (host);
  request->key_type = g_strdup (key_type);
  request->fingerprint = g_strdup (fingerprint);
  receive (user_data, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The broker refused the connection already: warn, nothing to answer, in
 * script mode as on a terminal (a warning needs no script line). */
static void
warn_host_key_changed (Request *request)
{
  g_autofree char *profile = escaped (request->profile);
  g_autofree char *host = escaped (request->host);
  g_autofree char *key_type = escaped (request->key_type);
  g_autofree char *known = escaped (request->known_fingerprint);
  g_autofree char *offered = escaped (request->fingerprint);
  g_autofree char *location = escaped (request->known_location);

  fprintf (stderr,
           "\n"
           "WARNING: the host key of %s (profile %s) has CHANGED.\n"
           "Someone may be intercepting the connection, or the server was reinstalled.\n"
           "The broker refused to connect and sent no credentials.\n"
           "  recorded key:  %s (%s)\n"
           "  offered key:   %s %s\n"
           "If the administrator confirms the new key, remove the recorded one at %s\n"
           "and connect again.\n",
           host, profile, known, location, key_type, offered, location);
  burrow_dbus_agent1_complete_host_key_changed (request->agent->skeleton,
                                                g_steal_pointer (&request->invocation));
  finish_request (request, "warned");
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
  Agent *agent = user_data;
  Request *request;

  if (!from_broker (agent, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request = request_new (agent, invocation, KIND_HOST_KEY_CHANGED, id, profile);
  request->host = g_strdup (host);
  request->key_type = g_strdup (key_type);
  request->known_fingerprint = g_strdup (known_fingerprint);
  request->fingerprint = g_strdup (offered_fingerprint);
  request->known_location = g_strdup (known_hosts_location);
  request->summary = describe (request);
  warn_host_key_changed (request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
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
  Request *request;

  if (!from_broker (user_data, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request = request_new (user_data, invocation, KIND_PASSWORD, id, profile);
  request->prompt = g_strdup (prompt);
  request->can_remember = can_remember;
  receive (user_data, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
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
  Request *request;

  if (!from_broker (user_data, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request = request_new (user_data, invocation, KIND_PASSPHRASE, id, profile);
  request->identity_file = g_strdup (identity_file);
  request->can_remember = can_remember;
  receive (user_data, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
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
  Request *request;

  if (!from_broker (user_data, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  request = request_new (user_data, invocation, KIND_KEYBOARD_INTERACTIVE, id, profile);
  request->can_remember = can_remember;
  request->name = g_strdup (name);
  request->instruction = g_strdup (instruction);
  request->prompts = g_variant_ref (prompts);
  receive (user_data, request);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_cancel (BurrowDBusAgent1      *skeleton,
           GDBusMethodInvocation *invocation,
           const char            *id,
           gpointer               user_data)
{
  Agent *agent = user_data;
  Request *request = NULL;

  if (!from_broker (agent, invocation))
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  burrow_dbus_agent1_complete_cancel (skeleton, invocation);
  for (GList *l = agent->pending.head; l != NULL && request == NULL; l = l->next)
    if (g_str_equal (((Request *) l->data)->id, id))
      request = l->data;
  if (request == NULL)
    {
      g_autofree char *text = escaped (id);

      printf ("cancel request=%s (not open)\n", text);
      fflush (stdout);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  if (agent->asking == request)
    {
      /* The prompt's line is left open on the terminal. */
      printf ("\n");
      g_cancellable_cancel (agent->reading);
    }
  decline (request, "cancelled by the broker");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_registered_again (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Agent *agent = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      fprintf (stderr, "burrowctl agent: cannot register with the new broker: %s\n",
               error->message);
      g_clear_pointer (&agent->new_owner, g_free);
      return;
    }
  g_free (agent->broker_owner);
  agent->broker_owner = g_steal_pointer (&agent->new_owner);
  fprintf (stderr, "burrowctl agent: registered with the new broker\n");
}

/* A restarted broker does not know this agent: register again. */
static void
on_broker_appeared (GDBusConnection *connection,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  Agent *agent = user_data;

  if (g_strcmp0 (owner, agent->broker_owner) == 0 || g_strcmp0 (owner, agent->new_owner) == 0)
    return;
  g_free (agent->new_owner);
  agent->new_owner = g_strdup (owner);
  g_dbus_connection_call (connection, owner, BROKER_PATH, BROKER_INTERFACE, "RegisterAgent",
                          g_variant_new ("(o)", AGENT_PATH), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, on_registered_again, agent);
}

static void
on_broker_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  Agent *agent = user_data;

  if (agent->broker_owner == NULL)
    return;
  fprintf (stderr, "burrowctl agent: the broker left the bus; waiting for it to return\n");
  g_clear_pointer (&agent->broker_owner, g_free);
  decline_all (agent, "cancelled (the broker left)");
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Agent *agent = user_data;

  g_main_loop_quit (agent->loop);
  return G_SOURCE_CONTINUE;
}

static ScriptLine *
parse_script_line (char    *text,
                   GError **error)
{
  g_autoptr(ScriptLine) line = g_new0 (ScriptLine, 1);
  char *rest = strchr (text, ' ');
  guint kind;

  if (rest != NULL)
    *rest++ = '\0';
  for (kind = 0; kind < N_SCRIPT_KINDS; kind++)
    if (g_str_equal (text, kind_names[kind]))
      break;
  line->kind = (Kind) kind;
  if (kind == N_SCRIPT_KINDS)
    {
      g_autofree char *word = escaped (text);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unknown answer \"%s\"", word);
      return NULL;
    }
  if ((line->kind == KIND_CANCEL || line->kind == KIND_HOLD) && rest != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "\"%s\" takes nothing after it",
                   text);
      return NULL;
    }
  if ((line->kind == KIND_HOST_KEY || line->kind == KIND_PASSWORD ||
       line->kind == KIND_PASSPHRASE) && rest == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "\"%s\" needs an answer", text);
      return NULL;
    }
  if (line->kind == KIND_HOST_KEY && !g_str_equal (rest, "save") &&
      !g_str_equal (rest, "accept-once") && !g_str_equal (rest, "reject"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "host-key takes save, accept-once or reject");
      return NULL;
    }
  /* A secret may end in " remember"; a lone keyboard-interactive "remember" is an answer. */
  if ((line->kind == KIND_PASSWORD || line->kind == KIND_PASSPHRASE ||
       line->kind == KIND_KEYBOARD_INTERACTIVE) && rest != NULL &&
      g_str_has_suffix (rest, " remember"))
    {
      line->remember = TRUE;
      rest[strlen (rest) - strlen (" remember")] = '\0';
    }
  if (line->kind == KIND_KEYBOARD_INTERACTIVE)
    line->answers = rest != NULL ? g_strsplit (rest, "\t", -1) : g_new0 (char *, 1);
  else if (rest != NULL)
    line->text = g_strdup (rest);
  return g_steal_pointer (&line);
}

static GQueue *
load_script (const char  *path,
             GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  char **lines;
  GQueue *script;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  explicit_bzero (contents, length);
  script = g_queue_new ();
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      char *text = lines[i];
      gsize len = strlen (text);
      ScriptLine *line;

      if (len > 0 && text[len - 1] == '\r')
        text[len - 1] = '\0';
      if (*text == '\0' || *text == '#')
        continue;
      if ((line = parse_script_line (text, &local_error)) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%u: %s", path, i + 1,
                       local_error->message);
          g_queue_free_full (script, (GDestroyNotify) script_line_free);
          script = NULL;
          break;
        }
      line->number = i + 1;
      g_queue_push_tail (script, line);
    }
  secrets_free (lines);
  return script;
}

static int
report_error (GError *error)
{
  gboolean no_broker = g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
                       g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER);

  g_dbus_error_strip_remote_error (error);
  if (no_broker)
    {
      fprintf (stderr, "burrowctl: cannot reach the broker: %s\n", error->message);
      return BURROWCTL_EXIT_NO_BROKER;
    }
  fprintf (stderr, "burrowctl agent: %s\n", error->message);
  return BURROWCTL_EXIT_FAILED;
}

/* Registers with the broker (activating it) and learns its unique name. */
static gboolean
register_agent (Agent   *agent,
                GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) owner = NULL;

  reply = g_dbus_connection_call_sync (agent->connection, BROKER_BUS_NAME, BROKER_PATH,
                                       BROKER_INTERFACE, "RegisterAgent",
                                       g_variant_new ("(o)", AGENT_PATH), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  owner = g_dbus_connection_call_sync (agent->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new ("(s)", BROKER_BUS_NAME),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       error);
  if (owner == NULL)
    return FALSE;
  g_variant_get (owner, "(s)", &agent->broker_owner);
  return TRUE;
}

static gboolean
export_agent (Agent   *agent,
              GError **error)
{
  agent->skeleton = burrow_dbus_agent1_skeleton_new ();
  burrow_dbus_agent1_set_version (agent->skeleton, 1);
  g_signal_connect (agent->skeleton, "handle-confirm-host-key",
                    G_CALLBACK (on_confirm_host_key), agent);
  g_signal_connect (agent->skeleton, "handle-host-key-changed",
                    G_CALLBACK (on_host_key_changed), agent);
  g_signal_connect (agent->skeleton, "handle-request-password",
                    G_CALLBACK (on_request_password), agent);
  g_signal_connect (agent->skeleton, "handle-request-passphrase",
                    G_CALLBACK (on_request_passphrase), agent);
  g_signal_connect (agent->skeleton, "handle-keyboard-interactive",
                    G_CALLBACK (on_keyboard_interactive), agent);
  g_signal_connect (agent->skeleton, "handle-cancel", G_CALLBACK (on_cancel), agent);
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (agent->skeleton),
                                           agent->connection, AGENT_PATH, error);
}

static void
start_terminal (Agent *agent)
{
  g_autoptr(GInputStream) stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);

  agent->have_termios = tcgetattr (STDIN_FILENO, &agent->saved_termios) == 0;
  agent->input = g_data_input_stream_new (stdin_stream);
}

/* Nobody is left waiting: open questions are declined, the broker told. */
static void
stop (Agent *agent)
{
  decline_all (agent, "cancelled (burrowctl agent is exiting)");
  set_echo (agent, TRUE);
  if (agent->broker_owner != NULL)
    {
      g_autoptr(GVariant) reply = NULL;

      reply = g_dbus_connection_call_sync (agent->connection, agent->broker_owner, BROKER_PATH,
                                           BROKER_INTERFACE, "UnregisterAgent",
                                           g_variant_new ("(o)", AGENT_PATH), NULL,
                                           G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
    }
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (agent->skeleton));
  g_dbus_connection_flush_sync (agent->connection, NULL, NULL);
}

static int
serve (Agent *agent)
{
  g_autoptr(GError) error = NULL;

  agent->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (agent->connection == NULL)
    {
      fprintf (stderr, "burrowctl: cannot reach the broker: %s\n", error->message);
      return BURROWCTL_EXIT_NO_BROKER;
    }
  if (!export_agent (agent, &error))
    return report_error (error);
  if (!register_agent (agent, &error))
    return report_error (error);
  agent->broker_watch = g_bus_watch_name_on_connection (agent->connection, BROKER_BUS_NAME,
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                        on_broker_appeared, on_broker_vanished,
                                                        agent, NULL);
  agent->signal_sources[0] = g_unix_signal_add (SIGINT, on_quit_signal, agent);
  agent->signal_sources[1] = g_unix_signal_add (SIGTERM, on_quit_signal, agent);
  if (agent->script == NULL)
    start_terminal (agent);
  fprintf (stderr, "burrowctl agent: answering the broker's questions%s\n",
           agent->script == NULL ? " (Ctrl+C to stop)" : "");
  agent->loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (agent->loop);
  stop (agent);
  return BURROWCTL_EXIT_OK;
}

static void
agent_clear (Agent *agent)
{
  for (guint i = 0; i < G_N_ELEMENTS (agent->signal_sources); i++)
    if (agent->signal_sources[i] != 0)
      g_source_remove (agent->signal_sources[i]);
  if (agent->broker_watch != 0)
    g_bus_unwatch_name (agent->broker_watch);
  if (agent->script != NULL)
    g_queue_free_full (agent->script, (GDestroyNotify) script_line_free);
  g_clear_object (&agent->reading);
  g_clear_object (&agent->input);
  g_clear_object (&agent->skeleton);
  g_clear_object (&agent->connection);
  g_clear_pointer (&agent->broker_owner, g_free);
  g_clear_pointer (&agent->new_owner, g_free);
  g_clear_pointer (&agent->loop, g_main_loop_unref);
}

static const char agent_description[] =
  "On a terminal the questions are asked there: host keys are answered with [s]ave,\n"
  "accept [o]nce or [r]eject, passwords and hidden prompts are read without echo.\n"
  "Each question is also printed on standard output as one line, without secrets.\n"
  "A changed host key, which the broker refuses, is not asked about: a warning with\n"
  "both fingerprints goes to standard error and its line (\"host-key-changed … →\n"
  "warned\") to standard output; it takes no --script line but counts for --count.\n"
  "It serves until interrupted (Ctrl+C, SIGTERM) or until --count questions were\n"
  "answered.  The broker asks the most recently registered agent.\n"
  "\n"
  "A --script FILE answers the questions in order, one line each:\n"
  "  host-key save|accept-once|reject\n"
  "  password TEXT [remember]\n"
  "  passphrase TEXT\n"
  "  keyboard-interactive ANSWER1<TAB>ANSWER2…\n"
  "  cancel           decline the question\n"
  "  hold             leave it open until the broker cancels it\n"
  "Empty lines and lines starting with # are skipped.  A question of another kind\n"
  "than the next line is declined and reported on standard error.\n"
  "\n"
  "Exit status: 0 done; 1 the broker refused the agent, or the script is invalid;\n"
  "2 wrong usage; 3 the broker could not be reached.";

int
burrowctl_agent (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("");
  g_autoptr(GError) error = NULL;
  g_autofree char *script_path = NULL;
  Agent agent = { .pending = G_QUEUE_INIT };
  int status;
  GOptionEntry entries[] = {
    { "script", 0, 0, G_OPTION_ARG_FILENAME, &script_path,
      "Answer from FILE instead of asking on the terminal", "FILE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &agent.count, "Exit after N questions", "N" },
    { NULL }
  };

  g_option_context_set_summary (context, "Registers an agent with the broker and answers its "
                                "questions: host-key decisions,\npasswords, passphrases and "
                                "keyboard-interactive prompts.");
  g_option_context_set_description (context, agent_description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "burrowctl agent: %s\n", error->message);
      return BURROWCTL_EXIT_USAGE;
    }
  if (argc > 1 || agent.count < 0)
    {
      fprintf (stderr, "burrowctl agent: %s\n",
               argc > 1 ? "unexpected arguments" : "--count must not be negative");
      return BURROWCTL_EXIT_USAGE;
    }
  if (script_path != NULL && (agent.script = load_script (script_path, &error)) == NULL)
    {
      fprintf (stderr, "burrowctl agent: %s\n", error->message);
      return BURROWCTL_EXIT_FAILED;
    }
  if (script_path == NULL && !isatty (STDIN_FILENO))
    {
      fprintf (stderr, "burrowctl agent: standard input is not a terminal; answer with "
               "--script FILE\n");
      return BURROWCTL_EXIT_USAGE;
    }
  agent.script_path = script_path;
  status = serve (&agent);
  agent_clear (&agent);
  return status;
}
