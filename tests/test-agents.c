// SPDX-License-Identifier: GPL-3.0-or-later
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker-agents.h"
#include "broker-error.h"
#include "broker-manager.h"
#include "broker-service.h"
#include "burrow-dbus.h"
#include "burrow-test-broker.h"

#define BUS_NAME "io.github.burrow.Burrow.Broker"
#define WAIT_MS 10000

/* The broker's side runs in this process: a BrokerService owning the
 * broker's name on a private bus, so that the real "burrowctl agent"
 * registers through RegisterAgent and this test asks through the
 * service's BrokerAgents. */
typedef struct
{
  BurrowTestBroker *bus;
  BrokerManager *manager;
  BrokerService *service;
  BrokerAgents *agents;
  guint owner_id;
  gboolean owned;
} Harness;

static Harness harness;
static GString *log_text;

/* What a test hands to agents: none of it may be printed or logged. */
static const char * const secrets[] = {
  "hunter2-secret", "second-secret", "third-secret", "correct horse battery", "k-i-secret",
  "only-one-secret", NULL
};

static GLogWriterOutput
record_log (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        if (fields[i].length < 0)
          g_string_append (log_text, fields[i].value);
        else
          g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, '\n');
      }
  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_no_secret (const char *text)
{
  for (guint i = 0; secrets[i] != NULL; i++)
    g_assert_null (strstr (text, secrets[i]));
}

/* ---- the agent process ---- */

typedef struct
{
  GDataInputStream *input;
  GInputStream *raw;   /* a terminal: read as it comes, prompts end no line */
  GString *text;
  gboolean done;
} Output;

typedef struct
{
  GSubprocess *process;
  int terminal;        /* the pty's master side, or -1 */
  char *dir;
  char *script_path;
  Output out;
  Output err;
  gboolean exited;
} AgentProcess;

static void
on_output_line (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Output *output = user_data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                    NULL);
  if (line == NULL)
    {
      output->done = TRUE;
      return;
    }
  g_string_append (output->text, line);
  g_string_append_c (output->text, '\n');
  g_data_input_stream_read_line_async (output->input, G_PRIORITY_DEFAULT, NULL, on_output_line,
                                       output);
}

static void
output_start (Output       *output,
              GInputStream *pipe)
{
  output->input = g_data_input_stream_new (pipe);
  output->text = g_string_new (NULL);
  g_data_input_stream_read_line_async (output->input, G_PRIORITY_DEFAULT, NULL, on_output_line,
                                       output);
}

static void
on_output_bytes (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Output *output = user_data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              NULL);

  /* EIO once the last holder of the terminal's other side is gone. */
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      output->done = TRUE;
      return;
    }
  g_string_append_len (output->text, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (output->raw, 4096, G_PRIORITY_DEFAULT, NULL, on_output_bytes,
                                   output);
}

static void
output_start_raw (Output *output,
                  int     fd)
{
  output->raw = g_unix_input_stream_new (fd, TRUE);
  output->text = g_string_new (NULL);
  g_input_stream_read_bytes_async (output->raw, 4096, G_PRIORITY_DEFAULT, NULL, on_output_bytes,
                                   output);
}

typedef struct
{
  Output *output;
  const char *needle;
  gsize from;
} Expect;

static gboolean
output_has (gpointer data)
{
  Expect *expect = data;

  return strstr (expect->output->text->str + expect->from, expect->needle) != NULL;
}

/* Waits until @needle shows up in what @output printed after its first
 * @from bytes. */
static void
wait_for_output_from (Output     *output,
                      const char *needle,
                      gsize       from)
{
  Expect expect = { output, needle, from };

  if (!burrow_test_wait_until (output_has, &expect, WAIT_MS))
    g_error ("no \"%s\" in:\n%s", needle, output->text->str + from);
}

static void
wait_for_output (Output     *output,
                 const char *needle)
{
  wait_for_output_from (output, needle, 0);
}

static gboolean
streams_done (gpointer data)
{
  AgentProcess *agent = data;

  return agent->out.done && agent->err.done;
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AgentProcess *agent = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  agent->exited = TRUE;
}

static gboolean
agent_exited (gpointer data)
{
  return ((AgentProcess *) data)->exited;
}

/* Starts "burrowctl agent --script" on the test bus and waits until it is
 * registered. */
static AgentProcess *
agent_spawn (const char *script,
             const char *extra)
{
  AgentProcess *agent = g_new0 (AgentProcess, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *ctl = burrow_test_build_path ("broker", "ctl", "burrowctl", NULL);
  g_autoptr(GError) error = NULL;

  agent->terminal = -1;
  agent->dir = g_dir_make_tmp ("burrow-test-agent-XXXXXX", &error);
  g_assert_no_error (error);
  agent->script_path = g_build_filename (agent->dir, "script", NULL);
  g_assert_true (g_file_set_contents (agent->script_path, script, -1, NULL));
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                burrow_test_broker_get_address (harness.bus), TRUE);
  agent->process = g_subprocess_launcher_spawn (launcher, &error, ctl, "agent", "--script",
                                                agent->script_path, extra, NULL);
  g_assert_no_error (error);
  output_start (&agent->out, g_subprocess_get_stdout_pipe (agent->process));
  output_start (&agent->err, g_subprocess_get_stderr_pipe (agent->process));
  g_subprocess_wait_async (agent->process, NULL, on_exited, agent);
  wait_for_output (&agent->err, "answering the broker's questions");
  g_assert_true (broker_agents_has_agent (harness.agents));
  return agent;
}

/* Starts "burrowctl agent" on a terminal of the test's own: a pty whose
 * other side the test reads (what the user sees) and writes (what the user
 * types). */
static AgentProcess *
agent_spawn_on_terminal (void)
{
  AgentProcess *agent = g_new0 (AgentProcess, 1);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *ctl = burrow_test_build_path ("broker", "ctl", "burrowctl", NULL);
  g_autoptr(GError) error = NULL;
  int user_side;

  agent->terminal = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (agent->terminal, >=, 0);
  g_assert_cmpint (grantpt (agent->terminal), ==, 0);
  g_assert_cmpint (unlockpt (agent->terminal), ==, 0);
  user_side = open (ptsname (agent->terminal), O_RDWR | O_NOCTTY);
  g_assert_cmpint (user_side, >=, 0);
  agent->dir = g_dir_make_tmp ("burrow-test-agent-XXXXXX", &error);
  g_assert_no_error (error);
  agent->script_path = g_build_filename (agent->dir, "unused", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_stdin_fd (launcher, user_side);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (user_side));
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                burrow_test_broker_get_address (harness.bus), TRUE);
  agent->process = g_subprocess_launcher_spawn (launcher, &error, ctl, "agent", NULL);
  g_assert_no_error (error);
  /* The launcher's copies of the terminal go with it: EOF comes at exit. */
  g_clear_object (&launcher);
  output_start_raw (&agent->out, agent->terminal);
  output_start (&agent->err, g_subprocess_get_stderr_pipe (agent->process));
  g_subprocess_wait_async (agent->process, NULL, on_exited, agent);
  wait_for_output (&agent->err, "answering the broker's questions");
  g_assert_true (broker_agents_has_agent (harness.agents));
  return agent;
}

static void
type_line (AgentProcess *agent,
           const char   *text)
{
  g_autofree char *line = g_strconcat (text, "\n", NULL);

  g_assert_cmpint (write (agent->terminal, line, strlen (line)), ==, (gssize) strlen (line));
}

static gboolean
no_agent (gpointer data)
{
  return !broker_agents_has_agent (harness.agents);
}

/* Waits for the process to end and its output to be read. */
static void
agent_reap (AgentProcess *agent)
{
  g_assert_true (burrow_test_wait_until (agent_exited, agent, WAIT_MS));
  g_assert_true (burrow_test_wait_until (streams_done, agent, WAIT_MS));
  assert_no_secret (agent->out.text->str);
  assert_no_secret (agent->err.text->str);
}

static void
agent_free (AgentProcess *agent)
{
  g_clear_object (&agent->out.raw);
  g_clear_object (&agent->out.input);
  g_clear_object (&agent->err.input);
  g_string_free (agent->out.text, TRUE);
  g_string_free (agent->err.text, TRUE);
  g_clear_object (&agent->process);
  g_remove (agent->script_path);
  g_rmdir (agent->dir);
  g_free (agent->script_path);
  g_free (agent->dir);
  g_free (agent);
}

/* SIGTERM: the agent unregisters and exits 0. */
static void
agent_stop (AgentProcess *agent)
{
  g_subprocess_send_signal (agent->process, SIGTERM);
  agent_reap (agent);
  g_assert_true (g_subprocess_get_if_exited (agent->process));
  g_assert_cmpint (g_subprocess_get_exit_status (agent->process), ==, 0);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AgentProcess, agent_free)

/* ---- requests ---- */

typedef struct
{
  gboolean done;
  GError *error;
  BrokerHostKeyAnswer answer;
  char *secret;
  gboolean remember;
  GStrv answers;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_error (&reply->error);
  g_clear_pointer (&reply->secret, broker_agents_secret_free);
  g_clear_pointer (&reply->answers, broker_agents_secrets_free);
  reply->done = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static gboolean
reply_done (gpointer data)
{
  return ((Reply *) data)->done;
}

static void
wait_reply (Reply *reply)
{
  g_assert_true (burrow_test_wait_until (reply_done, reply, WAIT_MS));
}

static void
on_host_key (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Reply *reply = user_data;

  reply->answer = broker_agents_confirm_host_key_finish (BROKER_AGENTS (source), result,
                                                         &reply->error);
  reply->done = TRUE;
}

static void
on_password (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Reply *reply = user_data;

  reply->secret = broker_agents_request_password_finish (BROKER_AGENTS (source), result,
                                                         &reply->remember, &reply->error);
  reply->done = TRUE;
}

static void
on_passphrase (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Reply *reply = user_data;

  reply->secret = broker_agents_request_passphrase_finish (BROKER_AGENTS (source), result,
                                                           &reply->remember, &reply->error);
  reply->done = TRUE;
}

static void
on_keyboard_interactive (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  Reply *reply = user_data;

  reply->answers = broker_agents_keyboard_interactive_finish (BROKER_AGENTS (source), result,
                                                              &reply->remember, &reply->error);
  reply->done = TRUE;
}

static void
ask_host_key (Reply        *reply,
              GCancellable *cancellable)
{
  broker_agents_confirm_host_key_async (harness.agents, "web", "127.0.0.1:2222", "ssh-ed25519",
                                        "SHA256:q5Hq3example", cancellable, on_host_key, reply);
}

static void
ask_password (Reply      *reply,
              const char *prompt,
              gboolean    can_remember)
{
  broker_agents_request_password_async (harness.agents, "web", prompt, can_remember, NULL,
                                        on_password, reply);
}

static const char * const two_prompts[] = { "Code: ", "Password: " };
static const gboolean two_echoes[] = { TRUE, FALSE };

static void
ask_keyboard_interactive (Reply *reply)
{
  broker_agents_keyboard_interactive_async (harness.agents, "web", "Two factors",
                                            "Enter both", two_prompts, two_echoes, 2, FALSE, NULL,
                                            on_keyboard_interactive, reply);
}

static void
on_host_key_changed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Reply *reply = user_data;

  broker_agents_host_key_changed_finish (BROKER_AGENTS (source), result, &reply->error);
  reply->done = TRUE;
}

static void
warn_host_key_changed (Reply *reply)
{
  broker_agents_host_key_changed_async (harness.agents, "web", "127.0.0.1:2222", "ssh-ed25519",
                                        "SHA256:recordedexample", "SHA256:offeredexample",
                                        "/home/u/.ssh/known_hosts:3", NULL, on_host_key_changed,
                                        reply);
}

#define ACTIVATING "no agent registered: starting io.github.burrow.Burrow to ask the user"

/* How often the broker started the GUI so far. */
static guint
count_activations (void)
{
  guint count = 0;

  for (const char *p = log_text->str; (p = strstr (p, ACTIVATING)) != NULL; p++)
    count++;
  return count;
}

/* ---- the tests ---- */

static void
test_new_destroy (void)
{
  BrokerAgents *agents = broker_agents_new (harness.bus->connection);
  const char *self = g_dbus_connection_get_unique_name (harness.bus->connection);
  g_autoptr(GError) error = NULL;

  g_assert_false (broker_agents_has_agent (agents));
  g_assert_true (broker_agents_register (agents, self, "/a", &error));
  g_assert_no_error (error);
  g_assert_true (broker_agents_has_agent (agents));
  g_assert_false (broker_agents_register (agents, self, "not a path", &error));
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (broker_agents_unregister (agents, self, "/b", &error));
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND);
  g_assert_finalize_object (agents);
}

static void
test_no_agent (void)
{
  const char *prompts[] = { "Code: " };
  gboolean echo[] = { TRUE };
  g_auto(Reply) host_key = { 0 };
  g_auto(Reply) password = { 0 };
  g_auto(Reply) passphrase = { 0 };
  g_auto(Reply) keyboard = { 0 };
  g_autofree char *name = NULL;
  guint activations = count_activations ();
  gint64 start = g_get_monotonic_time ();

  g_assert_false (broker_agents_has_agent (harness.agents));
  ask_host_key (&host_key, NULL);
  ask_password (&password, "Password for alice@web", TRUE);
  broker_agents_request_passphrase_async (harness.agents, "web", "/k/id_ed25519", TRUE, NULL,
                                          on_passphrase, &passphrase);
  broker_agents_keyboard_interactive_async (harness.agents, "web", "", "", prompts, echo, 1,
                                            FALSE, NULL, on_keyboard_interactive, &keyboard);
  /* Promptly: the bus has no service file for the GUI, so the one
   * activation started for all four fails at once. */
  g_assert_true (burrow_test_wait_until (reply_done, &keyboard, 2000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_true (host_key.done && password.done && passphrase.done);
  g_assert_cmpuint (count_activations (), ==, activations + 1);
  g_assert_error (host_key.error, BROKER_ERROR, BROKER_ERROR_NO_AGENT);
  g_assert_cmpint (host_key.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  g_assert_error (password.error, BROKER_ERROR, BROKER_ERROR_NO_AGENT);
  g_assert_null (password.secret);
  g_assert_error (passphrase.error, BROKER_ERROR, BROKER_ERROR_NO_AGENT);
  g_assert_error (keyboard.error, BROKER_ERROR, BROKER_ERROR_NO_AGENT);
  g_assert_null (keyboard.answers);
  g_assert_true (g_str_has_prefix (host_key.error->message,
                                   "no agent is registered and Burrow (io.github.burrow.Burrow) "
                                   "could not be started: "));
  g_assert_nonnull (strstr (host_key.error->message, "burrowctl agent"));
  name = g_dbus_error_encode_gerror (host_key.error);
  g_assert_cmpstr (name, ==, "io.github.burrow.Burrow.Error.NoAgent");
}

typedef struct
{
  gboolean done;
  GVariant *reply;
  GError *error;
} Call;

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
}

static gboolean
call_done (gpointer data)
{
  return ((Call *) data)->done;
}

/* The service answers from this thread's main context: never block it. */
static GVariant *
call_broker (GDBusConnection *connection,
             const char      *method,
             const char      *path,
             GError         **error)
{
  Call call = { FALSE, NULL, NULL };

  g_dbus_connection_call (connection, BUS_NAME, BROKER_OBJECT_PATH,
                          "io.github.burrow.Burrow.Broker1", method, g_variant_new ("(o)", path),
                          NULL, G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, on_call_done, &call);
  g_assert_true (burrow_test_wait_until (call_done, &call, WAIT_MS + 1000));
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.reply;
}

/* RegisterAgent and UnregisterAgent over the bus, from another connection. */
static void
test_register_over_dbus (void)
{
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  other = g_dbus_connection_new_for_address_sync (
    burrow_test_broker_get_address (harness.bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);

  reply = call_broker (other, "RegisterAgent", "/my/agent", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_true (broker_agents_has_agent (harness.agents));
  /* Only its owner unregisters it. */
  reply = call_broker (harness.bus->connection, "UnregisterAgent", "/my/agent", &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (broker_agents_has_agent (harness.agents));
  reply = call_broker (other, "UnregisterAgent", "/my/agent", &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_false (broker_agents_has_agent (harness.agents));

  /* Leaving the bus unregisters. */
  reply = call_broker (other, "RegisterAgent", "/my/agent", &error);
  g_assert_no_error (error);
  g_assert_true (broker_agents_has_agent (harness.agents));
  g_dbus_connection_close_sync (other, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
}

static void
test_host_key (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("host-key save\n"
                                               "host-key accept-once\n"
                                               "# comments and empty lines are skipped\n"
                                               "\n"
                                               "host-key reject\n", NULL);
  const BrokerHostKeyAnswer expected[] = {
    BROKER_HOST_KEY_ANSWER_SAVE, BROKER_HOST_KEY_ANSWER_ACCEPT_ONCE, BROKER_HOST_KEY_ANSWER_REJECT
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_auto(Reply) reply = { 0 };

      ask_host_key (&reply, NULL);
      wait_reply (&reply);
      g_assert_no_error (reply.error);
      g_assert_cmpint (reply.answer, ==, expected[i]);
    }
  wait_for_output (&agent->out, "host-key profile=web host=127.0.0.1:2222 type=ssh-ed25519 "
                   "SHA256:q5Hq3example → save\n");
  wait_for_output (&agent->out, "SHA256:q5Hq3example → accept-once\n");
  wait_for_output (&agent->out, "SHA256:q5Hq3example → reject\n");
  agent_stop (agent);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
}

/* An agent of this test's own that answers what burrowctl never would. */
static gboolean
on_odd_decision (BurrowDBusAgent1      *skeleton,
                 GDBusMethodInvocation *invocation,
                 const char            *request,
                 const char            *profile,
                 const char            *host,
                 const char            *key_type,
                 const char            *fingerprint,
                 gpointer               user_data)
{
  burrow_dbus_agent1_complete_confirm_host_key (skeleton, invocation, "maybe");
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
test_unknown_decision_rejects (void)
{
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(BurrowDBusAgent1) skeleton = burrow_dbus_agent1_skeleton_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Reply) reply = { 0 };

  other = g_dbus_connection_new_for_address_sync (
    burrow_test_broker_get_address (harness.bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (skeleton, "handle-confirm-host-key", G_CALLBACK (on_odd_decision), NULL);
  g_assert_true (g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (skeleton), other,
                                                   "/odd", &error));
  g_assert_true (broker_agents_register (harness.agents, g_dbus_connection_get_unique_name (other),
                                        "/odd", &error));
  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (skeleton));
  g_assert_true (broker_agents_unregister (harness.agents,
                                          g_dbus_connection_get_unique_name (other), "/odd",
                                          &error));
}

static void
test_password (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("password hunter2-secret remember\n"
                                               "password second-secret remember\n"
                                               "password third-secret\n", NULL);
  g_auto(Reply) reply = { 0 };

  ask_password (&reply, "Password for alice@web", TRUE);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.secret, ==, "hunter2-secret");
  g_assert_true (reply.remember);
  reply_clear (&reply);

  /* Remembering was not offered: not remembered, whatever the agent says. */
  ask_password (&reply, "Password for bob@web", FALSE);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.secret, ==, "second-secret");
  g_assert_false (reply.remember);
  reply_clear (&reply);

  ask_password (&reply, "Password for carol@web", TRUE);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.secret, ==, "third-secret");
  g_assert_false (reply.remember);

  wait_for_output (&agent->out, "password profile=web prompt=\"Password for alice@web\" "
                   "→ (answered, remember)\n");
  wait_for_output (&agent->out,
                   "password profile=web prompt=\"Password for bob@web\" → (answered)\n");
  wait_for_output (&agent->out,
                   "password profile=web prompt=\"Password for carol@web\" → (answered)\n");
  agent_stop (agent);
}

static void
test_passphrase (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("passphrase correct horse battery\n"
                                               "passphrase staple remember\n"
                                               "passphrase not offered remember\n", NULL);
  g_auto(Reply) reply = { 0 };

  broker_agents_request_passphrase_async (harness.agents, "web", "/keys/id_ed25519", TRUE, NULL,
                                          on_passphrase, &reply);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.secret, ==, "correct horse battery");
  g_assert_false (reply.remember);
  wait_for_output (&agent->out,
                   "passphrase profile=web file=\"/keys/id_ed25519\" → (answered)\n");
  reply_clear (&reply);

  broker_agents_request_passphrase_async (harness.agents, "web", "/keys/id_ed25519", TRUE, NULL,
                                          on_passphrase, &reply);
  wait_reply (&reply);
  g_assert_cmpstr (reply.secret, ==, "staple");
  g_assert_true (reply.remember);
  wait_for_output (&agent->out, "→ (answered, remember)\n");
  reply_clear (&reply);

  /* Remembering was not offered: not remembered, whatever the agent says. */
  broker_agents_request_passphrase_async (harness.agents, "web", "/keys/id_rsa", FALSE, NULL,
                                          on_passphrase, &reply);
  wait_reply (&reply);
  g_assert_cmpstr (reply.secret, ==, "not offered");
  g_assert_false (reply.remember);
  agent_stop (agent);
}

static void
test_keyboard_interactive (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("keyboard-interactive 123456\tk-i-secret\n"
                                               "keyboard-interactive only-one-secret\n"
                                               "keyboard-interactive pam-secret remember\n", NULL);
  g_auto(Reply) reply = { 0 };
  const char *password_prompt[] = { "Password: " };
  gboolean hidden[] = { FALSE };

  ask_keyboard_interactive (&reply);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpuint (g_strv_length (reply.answers), ==, 2);
  g_assert_cmpstr (reply.answers[0], ==, "123456");
  g_assert_cmpstr (reply.answers[1], ==, "k-i-secret");
  wait_for_output (&agent->out, "keyboard-interactive profile=web name=\"Two factors\" "
                   "instruction=\"Enter both\" prompts=\"Code: \"(echo),\"Password: \"(hidden) "
                   "→ (2 answers)\n");
  reply_clear (&reply);

  /* One answer to two prompts is no answer. */
  ask_keyboard_interactive (&reply);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_FAILED);
  g_assert_nonnull (strstr (reply.error->message, "1 answers to 2 prompts"));
  g_assert_null (reply.answers);
  reply_clear (&reply);

  /* One hidden password prompt: remembering may be offered. */
  broker_agents_keyboard_interactive_async (harness.agents, "web", "", "", password_prompt, hidden,
                                            1, TRUE, NULL, on_keyboard_interactive, &reply);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.answers[0], ==, "pam-secret");
  g_assert_true (reply.remember);
  wait_for_output (&agent->out, "→ (1 answers, remember)\n");
  agent_stop (agent);
}

static void
test_declined (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("cancel\nhost-key save\n", NULL);
  g_auto(Reply) reply = { 0 };
  g_autofree char *name = NULL;

  ask_password (&reply, "Password for alice@web", TRUE);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_CANCELLED);
  g_assert_null (reply.secret);
  name = g_dbus_error_encode_gerror (reply.error);
  g_assert_cmpstr (name, ==, "io.github.burrow.Burrow.Error.Cancelled");
  wait_for_output (&agent->out, "prompt=\"Password for alice@web\" → cancelled\n");
  reply_clear (&reply);

  /* The script expected a host key: declined, and said so. */
  ask_password (&reply, "Password for bob@web", TRUE);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_CANCELLED);
  wait_for_output (&agent->err, ":2: a host-key answer, but the broker asked a password question");
  reply_clear (&reply);

  /* Nothing left in the script. */
  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_CANCELLED);
  wait_for_output (&agent->err, "no answer left for a host-key request");
  agent_stop (agent);
}

/* The broker gives up on a question: the agent is told to close it. */
static void
test_cancel_reaches_agent (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("hold\nhost-key accept-once\n", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_auto(Reply) reply = { 0 };

  ask_host_key (&reply, cancellable);
  wait_for_output (&agent->out, "SHA256:q5Hq3example → (held, request ");
  g_assert_false (reply.done);
  g_cancellable_cancel (cancellable);
  wait_reply (&reply);
  g_assert_error (reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  wait_for_output (&agent->out, "SHA256:q5Hq3example → cancelled by the broker\n");
  reply_clear (&reply);

  /* Cancelled before it was asked: the agent never hears of it. */
  g_cancellable_cancel (cancelled);
  ask_host_key (&reply, cancelled);
  wait_reply (&reply);
  g_assert_error (reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  reply_clear (&reply);

  /* The agent goes on with the next line. */
  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_ACCEPT_ONCE);
  agent_stop (agent);
}

static void
test_agent_killed (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("host-key save\n", NULL);
  g_auto(Reply) reply = { 0 };

  g_subprocess_send_signal (agent->process, SIGKILL);
  agent_reap (agent);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_NO_AGENT);
}

/* A request open while its agent dies fails, and does not hang. */
static void
test_agent_dies_while_asked (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("hold\n", NULL);
  g_auto(Reply) reply = { 0 };

  ask_host_key (&reply, NULL);
  wait_for_output (&agent->out, "→ (held, request ");
  g_subprocess_send_signal (agent->process, SIGKILL);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_FAILED);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  agent_reap (agent);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
}

static void
test_most_recent_is_asked (void)
{
  g_autoptr(AgentProcess) first = agent_spawn ("host-key save\n", NULL);
  g_autoptr(AgentProcess) second = agent_spawn ("host-key reject\n", NULL);
  g_auto(Reply) reply = { 0 };

  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  reply_clear (&reply);
  agent_stop (second);

  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_SAVE);
  agent_stop (first);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
}

static void
test_count (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("host-key save\npassphrase third-secret\n",
                                               "--count=2");
  g_auto(Reply) reply = { 0 };

  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  reply_clear (&reply);
  broker_agents_request_passphrase_async (harness.agents, "web", "/keys/id_rsa", TRUE, NULL,
                                          on_passphrase, &reply);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.secret, ==, "third-secret");
  /* It leaves on its own, and unregisters on the way out. */
  agent_reap (agent);
  g_assert_true (g_subprocess_get_if_exited (agent->process));
  g_assert_cmpint (g_subprocess_get_exit_status (agent->process), ==, 0);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
}

/* The unique name of the bus connection process @pid holds, or NULL. */
static char *
unique_name_of (GDBusConnection *connection,
                const char      *pid)
{
  g_autoptr(GVariant) names = NULL;
  g_autofree const char **list = NULL;
  g_autoptr(GError) error = NULL;
  guint32 wanted = (guint32) g_ascii_strtoull (pid, NULL, 10);

  names = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "ListNames", NULL, G_VARIANT_TYPE ("(as)"),
                                       G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (names, "(^a&s)", &list);
  for (guint i = 0; list[i] != NULL; i++)
    {
      g_autoptr(GVariant) id = NULL;
      guint32 value = 0;

      if (list[i][0] != ':')
        continue;
      id = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                        "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                        "GetConnectionUnixProcessID",
                                        g_variant_new ("(s)", list[i]), G_VARIANT_TYPE ("(u)"),
                                        G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, NULL);
      if (id != NULL)
        g_variant_get (id, "(u)", &value);
      if (value == wanted)
        return g_strdup (list[i]);
    }
  return NULL;
}

/* Only the broker may ask the agent: a phishing peer is refused. */
static void
test_only_broker_asks (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("password hunter2-secret\n", NULL);
  g_autoptr(GDBusConnection) other = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_auto(Reply) answer = { 0 };

  other = g_dbus_connection_new_for_address_sync (
    burrow_test_broker_get_address (harness.bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  name = unique_name_of (other, g_subprocess_get_identifier (agent->process));
  g_assert_nonnull (name);
  reply = g_dbus_connection_call_sync (other, name, "/io/github/burrow/Burrow/Agent/ctl",
                                       "io.github.burrow.Burrow.Agent1", "RequestPassword",
                                       g_variant_new ("(sssb)", "1", "web", "Password", TRUE),
                                       G_VARIANT_TYPE ("(sb)"), G_DBUS_CALL_FLAGS_NONE, WAIT_MS,
                                       NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_assert_null (reply);

  /* The script's answer is still there for the broker. */
  ask_password (&answer, "Password for alice@web", FALSE);
  wait_reply (&answer);
  g_assert_no_error (answer.error);
  g_assert_cmpstr (answer.secret, ==, "hunter2-secret");
  agent_stop (agent);
}

/* On a terminal: questions asked there, hidden answers not echoed, a
 * cancelled question closed without eating the next answer. */
static void
test_terminal (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn_on_terminal ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_auto(Reply) reply = { 0 };
  gsize mark = 0;

  ask_host_key (&reply, NULL);
  wait_for_output_from (&agent->out, "the host key of 127.0.0.1:2222 is not known:", mark);
  wait_for_output_from (&agent->out, "ssh-ed25519 SHA256:q5Hq3example", mark);
  wait_for_output_from (&agent->out, "[s]ave, accept [o]nce, [r]eject? ", mark);
  type_line (agent, "maybe");
  wait_for_output_from (&agent->out, "Please answer s, o or r.", mark);
  type_line (agent, "o");
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_ACCEPT_ONCE);
  wait_for_output_from (&agent->out, "SHA256:q5Hq3example → accept-once", mark);
  reply_clear (&reply);

  mark = agent->out.text->len;
  ask_password (&reply, "Password for alice@web", TRUE);
  wait_for_output_from (&agent->out, "Password for alice@web: ", mark);
  type_line (agent, "hunter2-secret");
  wait_for_output_from (&agent->out, "Remember it in the keyring? [y/N] ", mark);
  type_line (agent, "y");
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.secret, ==, "hunter2-secret");
  g_assert_true (reply.remember);
  reply_clear (&reply);

  mark = agent->out.text->len;
  ask_keyboard_interactive (&reply);
  wait_for_output_from (&agent->out, "Two factors", mark);
  wait_for_output_from (&agent->out, "Code: ", mark);
  type_line (agent, "654321");
  wait_for_output_from (&agent->out, "654321", mark);
  wait_for_output_from (&agent->out, "Password: ", mark);
  type_line (agent, "k-i-secret");
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpstr (reply.answers[0], ==, "654321");
  g_assert_cmpstr (reply.answers[1], ==, "k-i-secret");
  reply_clear (&reply);

  mark = agent->out.text->len;
  broker_agents_request_passphrase_async (harness.agents, "web", "/keys/id_ed25519", TRUE,
                                          cancellable, on_passphrase, &reply);
  wait_for_output_from (&agent->out, "Passphrase for /keys/id_ed25519: ", mark);
  g_cancellable_cancel (cancellable);
  wait_reply (&reply);
  g_assert_error (reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_for_output_from (&agent->out, "→ cancelled by the broker", mark);
  reply_clear (&reply);

  /* Echo is back, and the next answer reaches the next question. */
  mark = agent->out.text->len;
  ask_host_key (&reply, NULL);
  wait_for_output_from (&agent->out, "[r]eject? ", mark);
  type_line (agent, "save");
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_SAVE);
  wait_for_output_from (&agent->out, "[r]eject? save", mark);

  agent_stop (agent);
}

/* The warning asks nothing: it takes no script line, and the agent prints
 * both fingerprints and where the recorded key is. */
static void
test_host_key_changed (void)
{
  g_autoptr(AgentProcess) agent = agent_spawn ("host-key reject\n", NULL);
  g_auto(Reply) reply = { 0 };

  warn_host_key_changed (&reply);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  wait_for_output (&agent->out, "host-key-changed profile=web host=127.0.0.1:2222 "
                   "type=ssh-ed25519 known=SHA256:recordedexample offered=SHA256:offeredexample "
                   "at=/home/u/.ssh/known_hosts:3 → warned\n");
  wait_for_output (&agent->err, "WARNING: the host key of 127.0.0.1:2222 (profile web) has "
                   "CHANGED.");
  wait_for_output (&agent->err, "recorded key:  SHA256:recordedexample "
                   "(/home/u/.ssh/known_hosts:3)");
  wait_for_output (&agent->err, "offered key:   ssh-ed25519 SHA256:offeredexample");
  reply_clear (&reply);

  /* The script's line is still there for the next question. */
  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_no_error (reply.error);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  agent_stop (agent);
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
}

static gboolean
front_end_gone (gpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = TRUE;

  reply = g_dbus_connection_call_sync (harness.bus->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner",
                                       g_variant_new ("(s)", "io.github.burrow.Burrow"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, WAIT_MS,
                                       NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return !owned;
}

static char *
read_front_end_file (const char *suffix)
{
  g_autofree char *path = burrow_test_broker_front_end_path (harness.bus, suffix);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* No agent: the broker starts the GUI (here its stand-in, which runs a
 * scripted "burrowctl agent"), waits until it registers and asks it; the
 * questions that arrive meanwhile wait for the same activation. */
static void
test_activation (void)
{
  g_autofree char *dir = g_dir_make_tmp ("burrow-test-agent-XXXXXX", NULL);
  g_autofree char *script = g_build_filename (dir, "script", NULL);
  g_autofree char *ctl = burrow_test_build_path ("broker", "ctl", "burrowctl", NULL);
  const char *command[] = { ctl, "agent", "--script", script, "--count=3", NULL };
  guint activations = count_activations ();
  guint starts = burrow_test_broker_count_front_end_starts (harness.bus);
  g_auto(Reply) host_key = { 0 };
  g_auto(Reply) password = { 0 };
  g_auto(Reply) warning = { 0 };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_true (g_file_set_contents (script, "host-key save\npassword hunter2-secret\n", -1,
                                      NULL));
  burrow_test_broker_set_front_end (harness.bus, "run", command);
  g_assert_false (broker_agents_has_agent (harness.agents));
  ask_host_key (&host_key, NULL);
  ask_password (&password, "Password for alice@web", TRUE);
  warn_host_key_changed (&warning);
  wait_reply (&host_key);
  wait_reply (&password);
  wait_reply (&warning);
  g_assert_no_error (host_key.error);
  g_assert_cmpint (host_key.answer, ==, BROKER_HOST_KEY_ANSWER_SAVE);
  g_assert_no_error (password.error);
  g_assert_cmpstr (password.secret, ==, "hunter2-secret");
  g_assert_no_error (warning.error);
  g_assert_cmpuint (count_activations (), ==, activations + 1);
  g_assert_cmpuint (burrow_test_broker_count_front_end_starts (harness.bus), ==, starts + 1);

  /* Its three answers given, the agent leaves, and the stand-in with it. */
  g_assert_true (burrow_test_wait_until (no_agent, NULL, WAIT_MS));
  g_assert_true (burrow_test_wait_until (front_end_gone, NULL, WAIT_MS));
  out = read_front_end_file (".out");
  err = read_front_end_file (".err");
  g_test_message ("the activated agent said:\n%s%s", out, err);
  g_assert_nonnull (strstr (out, "SHA256:q5Hq3example → save\n"));
  g_assert_nonnull (strstr (out, "prompt=\"Password for alice@web\" → (answered)\n"));
  g_assert_nonnull (strstr (out, "offered=SHA256:offeredexample at=/home/u/.ssh/known_hosts:3 "
                                 "→ warned\n"));
  assert_no_secret (out);
  assert_no_secret (err);
  burrow_test_broker_set_front_end (harness.bus, NULL, NULL);
  g_remove (script);
  g_rmdir (dir);
}

static void
ask_expecting_no_agent (const char *reason)
{
  g_auto(Reply) reply = { 0 };
  g_autofree char *expected = g_strdup_printf ("no agent is registered and Burrow "
                                               "(io.github.burrow.Burrow) %s", reason);

  ask_host_key (&reply, NULL);
  wait_reply (&reply);
  g_assert_error (reply.error, BROKER_ERROR, BROKER_ERROR_NO_AGENT);
  if (!g_str_has_prefix (reply.error->message, expected))
    g_error ("\"%s\" does not start with \"%s\"", reply.error->message, expected);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
}

/* The GUI fails before it takes its name: the bus says so at once. */
static void
test_activation_fails (void)
{
  gint64 start = g_get_monotonic_time ();

  burrow_test_broker_set_front_end (harness.bus, "fail", NULL);
  ask_expecting_no_agent ("could not be started: ");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  burrow_test_broker_set_front_end (harness.bus, NULL, NULL);
}

/* It takes its name, then leaves without registering an agent. */
static void
test_activation_front_end_leaves (void)
{
  const char *command[] = { "true", NULL };
  gint64 start = g_get_monotonic_time ();

  burrow_test_broker_set_front_end (harness.bus, "run", command);
  ask_expecting_no_agent ("left the bus without registering an agent");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  burrow_test_broker_set_front_end (harness.bus, NULL, NULL);
}

/* It runs, but no agent registers: the wait is bounded. */
static void
test_activation_timeout (void)
{
  gint64 start = g_get_monotonic_time ();
  gint64 waited;

  broker_agents_set_activation_timeout (harness.agents, 1);
  burrow_test_broker_set_front_end (harness.bus, "hold", NULL);
  ask_expecting_no_agent ("did not register an agent within 1 s");
  waited = g_get_monotonic_time () - start;
  g_assert_cmpint (waited, >=, G_USEC_PER_SEC / 2);
  g_assert_cmpint (waited, <, 5 * G_USEC_PER_SEC);
  broker_agents_set_activation_timeout (harness.agents, 30);
  burrow_test_broker_stop_front_end (harness.bus);
  burrow_test_broker_set_front_end (harness.bus, NULL, NULL);
}

static gboolean
front_end_started (gpointer data)
{
  return burrow_test_broker_count_front_end_starts (harness.bus) > GPOINTER_TO_UINT (data);
}

/* A question waiting for the GUI can be cancelled; with nothing left
 * waiting the activation ends, and the next question has one of its own. */
static void
test_activation_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint starts = burrow_test_broker_count_front_end_starts (harness.bus);
  guint activations = count_activations ();
  g_auto(Reply) reply = { 0 };

  burrow_test_broker_set_front_end (harness.bus, "hold", NULL);
  ask_host_key (&reply, cancellable);
  g_assert_true (burrow_test_wait_until (front_end_started, GUINT_TO_POINTER (starts), WAIT_MS));
  g_assert_false (reply.done);
  g_cancellable_cancel (cancellable);
  g_assert_true (burrow_test_wait_until (reply_done, &reply, 1000));
  g_assert_error (reply.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (reply.answer, ==, BROKER_HOST_KEY_ANSWER_REJECT);
  burrow_test_broker_stop_front_end (harness.bus);
  burrow_test_broker_set_front_end (harness.bus, NULL, NULL);

  /* The service is gone from the bus: NoAgent again, promptly. */
  ask_expecting_no_agent ("could not be started: ");
  g_assert_cmpuint (count_activations (), ==, activations + 2);
}

static void
test_usage (void)
{
  g_autofree char *dir = g_dir_make_tmp ("burrow-test-agent-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad", NULL);
  g_autofree char *good = g_build_filename (dir, "good", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  const char *help[] = { "agent", "--help", NULL };
  const char *bad_args[] = { "agent", "--script", bad, NULL };
  const char *missing_args[] = { "agent", "--script", missing, NULL };
  const char *good_args[] = { "agent", "--script", good, NULL };
  const char *extra_args[] = { "agent", "--script", good, "what", NULL };

  g_assert_true (g_file_set_contents (bad, "host-key save\nhost-key perhaps\n", -1, NULL));
  g_assert_true (g_file_set_contents (good, "host-key save\n", -1, NULL));
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, help);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "Usage:"));
    g_assert_nonnull (strstr (result.out, "--script"));
    g_assert_nonnull (strstr (result.out, "keyboard-interactive"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    g_autofree char *expected = g_strdup_printf ("%s:2: ", bad);

    burrow_test_run_ctl (&result, NULL, bad_args);
    g_assert_cmpint (result.status, ==, 1);
    g_assert_nonnull (strstr (result.err, expected));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, missing_args);
    g_assert_cmpint (result.status, ==, 1);
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, extra_args);
    g_assert_cmpint (result.status, ==, 2);
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    /* No bus at all. */
    burrow_test_run_ctl (&result, NULL, good_args);
    g_assert_cmpint (result.status, ==, 3);
    g_assert_nonnull (strstr (result.err, "cannot reach the broker"));
  }
  g_remove (bad);
  g_remove (good);
  g_rmdir (dir);
}

/* Last: nothing this process logged carries a secret. */
static void
test_no_secret_logged (void)
{
  g_assert_nonnull (strstr (log_text->str, "registered"));
  /* Debug messages are recorded too. */
  g_assert_nonnull (strstr (log_text->str, "asking agent"));
  assert_no_secret (log_text->str);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  harness.owned = TRUE;
}

static gboolean
name_owned (gpointer data)
{
  return harness.owned;
}

static void
harness_up (void)
{
  g_autoptr(GError) error = NULL;

  harness.bus = burrow_test_broker_new (FALSE);
  harness.manager = broker_manager_new (harness.bus->global_path, harness.bus->user_path);
  harness.service = broker_service_new (harness.manager);
  g_assert_null (broker_service_get_agents (harness.service));
  g_assert_true (g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (harness.service),
                                                   harness.bus->connection, BROKER_OBJECT_PATH,
                                                   &error));
  g_assert_no_error (error);
  harness.owner_id = g_bus_own_name_on_connection (harness.bus->connection, BUS_NAME,
                                                   G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired,
                                                   NULL, NULL, NULL);
  g_assert_true (burrow_test_wait_until (name_owned, NULL, WAIT_MS));
  harness.agents = broker_service_get_agents (harness.service);
  g_assert_nonnull (harness.agents);
}

static void
harness_down (void)
{
  g_bus_unown_name (harness.owner_id);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (harness.service));
  g_assert_finalize_object (harness.service);
  g_assert_finalize_object (harness.manager);
  g_clear_pointer (&harness.bus, burrow_test_broker_free);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  log_text = g_string_new (NULL);
  g_log_set_writer_func (record_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  (void) broker_error_quark ();
  harness_up ();

  g_test_add_func ("/broker/agents/new-destroy", test_new_destroy);
  g_test_add_func ("/broker/agents/no-agent", test_no_agent);
  g_test_add_func ("/broker/agents/register-over-dbus", test_register_over_dbus);
  g_test_add_func ("/broker/agents/host-key", test_host_key);
  g_test_add_func ("/broker/agents/unknown-decision-rejects", test_unknown_decision_rejects);
  g_test_add_func ("/broker/agents/password", test_password);
  g_test_add_func ("/broker/agents/passphrase", test_passphrase);
  g_test_add_func ("/broker/agents/keyboard-interactive", test_keyboard_interactive);
  g_test_add_func ("/broker/agents/declined", test_declined);
  g_test_add_func ("/broker/agents/cancel-reaches-agent", test_cancel_reaches_agent);
  g_test_add_func ("/broker/agents/agent-killed", test_agent_killed);
  g_test_add_func ("/broker/agents/agent-dies-while-asked", test_agent_dies_while_asked);
  g_test_add_func ("/broker/agents/most-recent-is-asked", test_most_recent_is_asked);
  g_test_add_func ("/broker/agents/count", test_count);
  g_test_add_func ("/broker/agents/only-broker-asks", test_only_broker_asks);
  g_test_add_func ("/broker/agents/terminal", test_terminal);
  g_test_add_func ("/broker/agents/host-key-changed", test_host_key_changed);
  g_test_add_func ("/broker/agents/activation", test_activation);
  g_test_add_func ("/broker/agents/activation-fails", test_activation_fails);
  g_test_add_func ("/broker/agents/activation-front-end-leaves",
                   test_activation_front_end_leaves);
  g_test_add_func ("/broker/agents/activation-timeout", test_activation_timeout);
  g_test_add_func ("/broker/agents/activation-cancelled", test_activation_cancelled);
  g_test_add_func ("/broker/agents/usage", test_usage);
  g_test_add_func ("/broker/agents/no-secret-logged", test_no_secret_logged);

  status = g_test_run ();
  harness_down ();
  g_string_free (log_text, TRUE);
  return status;
}
