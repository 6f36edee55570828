// SPDX-License-Identifier: GPL-3.0-or-later
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "broker-host-keys.h"
#include "broker-keyring.h"
#include "burrow-test-agent.h"
#include "burrow-test-broker.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-sshd.h"
#include "burrow-test-tool.h"

/* Host-key questions and every authentication method that asks the user,
 * against real sshd servers: the broker (D-Bus activated) asks a real
 * "burrowctl agent --script", registered or started by the broker through
 * a stand-in for the GUI; passwords may be kept in a real keyring
 * (libsecret's file backend).  One broker for the file. */

#define PASSWORD "correct horse battery"
#define PASSPHRASE "open sesame"
#define KEYRING_PASSWORD "test keyring"

/* Every secret this file types or stores: none may show in the broker's
 * log (at debug level), a D-Bus signal, the configuration, known_hosts or
 * what an agent printed (the last test looks). */
static const char * const secrets[] = {
  PASSWORD, PASSPHRASE, KEYRING_PASSWORD, "wrong guess", "not it", "an old password",
};

typedef struct
{
  BurrowTestSshd *sshd;
  BurrowTestSshd *password_sshd;     /* NULL when not root */
  BurrowTestSshd *changed_sshd;      /* known_hosts records another key for it */
  char *changed_known_hosts;
  char *impostor_fingerprint;        /* what changed_known_hosts records */
  BurrowTestBroker *broker;
  char *home;
  char *dir;
  char *encrypted_key;
  char *log_path;                    /* the bus's and so the broker's stderr */
  GString *signals;                  /* every signal on the bus, printed */
  guint signal_count;
  GString *agents_said;
} World;

static World world;

static char *
read_file (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Nothing wakes a main loop when a file grows: look every 20 ms. */
static gboolean
file_says (const char *path,
           const char *needle)
{
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *text = read_file (path);

      if (strstr (text, needle) != NULL)
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

typedef BurrowTestAgent Agent;

static Agent *
agent_start (const char *script)
{
  return burrow_test_agent_start (world.broker, world.dir, script);
}

/* Stops the agent and returns what it printed; all it said is kept for
 * the last test. */
static char *
agent_stop (Agent *agent)
{
  g_autofree char *err = NULL;
  char *out = burrow_test_agent_stop (agent, &err);

  g_string_append_printf (world.agents_said, "%s%s", out, err);
  return out;
}

static void
run (BurrowTestCtlResult *result,
     const char * const  *args)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (world.broker), args);
}

static char *
profile (const char     *id,
         BurrowTestSshd *sshd,
         const char     *host,
         const char     *methods,
         const char     *identity)
{
  g_autoptr(GString) xml = g_string_new (NULL);
  g_auto(GStrv) names = g_strsplit (methods, ",", -1);

  g_string_append_printf (xml, "    <profile id=\"%s\" host=\"%s\" port=\"%u\" user=\"%s\">\n"
                          "      <authentication-methods>", id, host,
                          burrow_test_sshd_get_port (sshd), g_get_user_name ());
  for (guint i = 0; names[i] != NULL; i++)
    g_string_append_printf (xml, "<auth-method name=\"%s\"/>", names[i]);
  g_string_append (xml, "</authentication-methods>\n");
  if (identity != NULL)
    g_string_append_printf (xml, "      <identity-file path=\"%s\"/>\n", identity);
  g_string_append (xml, "    </profile>\n");
  return g_string_free (g_steal_pointer (&xml), FALSE);
}

/* Known hosts: the broker's own ~/.ssh/known_hosts only (policy "ask"),
 * plus the sshd's file for the password server, whose key is not what is
 * tested there, and a file that records another key for changed_sshd. */
static void
write_config (void)
{
  g_autofree char *key = profile ("key", world.sshd, "127.0.0.1", "publickey",
                                  burrow_test_sshd_get_client_key (world.sshd));
  g_autofree char *by_name = profile ("by-name", world.sshd, "localhost", "publickey",
                                      burrow_test_sshd_get_client_key (world.sshd));
  g_autofree char *encrypted = profile ("encrypted", world.sshd, "127.0.0.1", "publickey",
                                        world.encrypted_key);
  g_autofree char *changed = profile ("changed", world.changed_sshd, "127.0.0.1", "publickey",
                                      burrow_test_sshd_get_client_key (world.changed_sshd));
  g_autofree char *password = NULL;
  g_autofree char *kbdint = NULL;
  g_autofree char *known = g_strdup_printf ("    <known-hosts path=\"%s\"/>\n",
                                            world.changed_known_hosts);
  g_autofree char *xml = NULL;

  if (world.password_sshd != NULL)
    {
      g_autofree char *more = known;

      password = profile ("password", world.password_sshd, "127.0.0.1", "password", NULL);
      kbdint = profile ("kbdint", world.password_sshd, "127.0.0.1", "keyboard-interactive",
                        NULL);
      known = g_strdup_printf ("%s    <known-hosts path=\"%s\"/>\n", more,
                               burrow_test_sshd_get_known_hosts (world.password_sshd));
    }
  xml = g_strdup_printf ("<secsh-broker>\n"
                         "  <general>\n"
                         "    <host-key-policy policy=\"ask\"/>\n%s"
                         "  </general>\n"
                         "  <profiles>\n%s%s%s%s%s%s  </profiles>\n"
                         "</secsh-broker>\n",
                         known, key, by_name, encrypted, changed,
                         password != NULL ? password : "", kbdint != NULL ? kbdint : "");
  burrow_test_broker_write_user (world.broker, xml);
}

static void
connect_ok (const char *id)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, (const char *[]) { "connect", id, NULL });
  if (result.status != 0)
    g_error ("connect %s: %s", id, result.err);
  g_assert_nonnull (strstr (result.out, "connected to"));
}

static char *
connect_fails (const char *id)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, (const char *[]) { "connect", id, NULL });
  g_assert_cmpint (result.status, ==, 1);
  return g_steal_pointer (&result.err);
}

static void
disconnect (const char *id)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, (const char *[]) { "disconnect", id, NULL });
  g_assert_cmpint (result.status, ==, 0);
}

static char *
saved_known_hosts (void)
{
  g_autofree char *path = g_build_filename (world.home, ".ssh", "known_hosts", NULL);

  return read_file (path);
}

static void
test_no_agent (void)
{
  g_autofree char *err = connect_fails ("key");

  g_assert_nonnull (strstr (err, "no agent is registered"));
  g_assert_nonnull (strstr (err, burrow_test_sshd_get_host_key_fingerprint (world.sshd)));
}

static void
test_host_key_saved (void)
{
  Agent *agent = agent_start ("host-key save\n");
  g_autofree char *out = NULL;
  g_autofree char *known = NULL;
  g_autofree char *known_option = NULL;
  g_auto(GStrv) argv = NULL;
  int status = -1;

  connect_ok ("key");
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, burrow_test_sshd_get_host_key_fingerprint (world.sshd)));
  g_assert_nonnull (strstr (out, "→ save"));
  known = saved_known_hosts ();
  g_assert_nonnull (strstr (known, "[127.0.0.1]:"));

  /* OpenSSH accepts what was saved, strictly. */
  known_option = g_strdup_printf ("UserKnownHostsFile=%s/.ssh/known_hosts", world.home);
  argv = burrow_test_sshd_client_argv (world.sshd, NULL, (const char *[]) { "true", NULL });
  for (guint i = 0; argv[i] != NULL; i++)
    if (g_str_has_prefix (argv[i], "UserKnownHostsFile="))
      {
        g_free (argv[i]);
        argv[i] = g_strdup (known_option);
      }
  g_assert_true (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  /* The second connect is silent: an agent with nothing to say is not asked. */
  disconnect ("key");
  agent = agent_start ("");
  connect_ok ("key");
  g_free (out);
  out = agent_stop (agent);
  g_assert_cmpstr (out, ==, "");
  disconnect ("key");
}

static void
test_host_key_accept_once_and_reject (void)
{
  Agent *agent = agent_start ("host-key accept-once\nhost-key reject\n");
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *known = NULL;

  /* "localhost:port" is not recorded under that name. */
  connect_ok ("by-name");
  disconnect ("by-name");
  known = saved_known_hosts ();
  g_assert_null (strstr (known, "localhost"));
  err = connect_fails ("by-name");
  g_assert_nonnull (strstr (err, "was rejected"));
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, "→ accept-once"));
  g_assert_nonnull (strstr (out, "→ reject"));
}

/* No agent registered: the broker starts the GUI (here its stand-in, which
 * runs a scripted agent), and the user it asks lets the connect through. */
static void
test_activation (void)
{
  g_autofree char *ctl = burrow_test_build_path ("broker", "ctl", "burrowctl", NULL);
  g_autofree char *script = g_build_filename (world.dir, "activated-script", NULL);
  const char *command[] = { ctl, "agent", "--script", script, "--count=1", NULL };
  guint starts = burrow_test_broker_count_front_end_starts (world.broker);
  g_autofree char *out_path = burrow_test_broker_front_end_path (world.broker, ".out");

  g_assert_true (g_file_set_contents (script, "host-key accept-once\n", -1, NULL));
  burrow_test_broker_set_front_end (world.broker, "run", command);
  connect_ok ("by-name");
  disconnect ("by-name");
  g_assert_cmpuint (burrow_test_broker_count_front_end_starts (world.broker), ==, starts + 1);
  g_assert_true (file_says (out_path, "→ accept-once"));
  g_assert_true (file_says (out_path, burrow_test_sshd_get_host_key_fingerprint (world.sshd)));
  /* The agent left after its one answer; nothing is started any more. */
  burrow_test_broker_set_front_end (world.broker, NULL, NULL);
  burrow_test_broker_stop_front_end (world.broker);
}

static char *
read_sshd_log (BurrowTestSshd *sshd)
{
  return read_file (burrow_test_sshd_get_log (sshd));
}

/* A changed host key is refused before any authentication, the session
 * says why as before, and the agent is warned with both fingerprints and
 * where the recorded key is, without being asked anything. */
static void
test_host_key_changed (void)
{
  Agent *agent = agent_start ("");
  const char *offered = burrow_test_sshd_get_host_key_fingerprint (world.changed_sshd);
  g_autofree char *location = g_strdup_printf ("%s:1", world.changed_known_hosts);
  g_autofree char *line = g_strdup_printf ("host-key-changed profile=changed "
                                           "host=[127.0.0.1]:%u type=ssh-ed25519 known=%s "
                                           "offered=%s at=%s → warned\n",
                                           burrow_test_sshd_get_port (world.changed_sshd),
                                           world.impostor_fingerprint, offered, location);
  g_autofree char *heading = g_strdup_printf ("WARNING: the host key of [127.0.0.1]:%u (profile "
                                              "changed) has CHANGED.",
                                              burrow_test_sshd_get_port (world.changed_sshd));
  g_autofree char *err = connect_fails ("changed");
  g_autofree char *warning = NULL;
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;

  g_assert_nonnull (strstr (err, "has CHANGED"));
  g_assert_nonnull (strstr (err, offered));
  g_assert_nonnull (strstr (err, world.impostor_fingerprint));
  g_assert_nonnull (strstr (err, location));
  g_assert_true (file_says (agent->out_path, line));
  warning = read_file (agent->err_path);
  g_assert_nonnull (strstr (warning, heading));
  g_assert_nonnull (strstr (warning, offered));
  g_assert_nonnull (strstr (warning, world.impostor_fingerprint));
  out = agent_stop (agent);
  g_assert_cmpstr (out, ==, line);

  /* sshd saw the connection, and nothing of the authentication. */
  log = read_sshd_log (world.changed_sshd);
  g_assert_nonnull (strstr (log, "Connection from"));
  g_assert_null (strstr (log, "publickey"));
  g_assert_null (strstr (log, "password"));
  g_assert_null (strstr (log, "Accepted"));
}

static void
test_passphrase (void)
{
  Agent *agent = agent_start ("passphrase not it\npassphrase " PASSPHRASE "\n");
  g_autofree char *out = NULL;

  connect_ok ("encrypted");
  out = agent_stop (agent);
  /* Asked twice: the wrong one, then the right one. */
  g_assert_nonnull (strstr (out, world.encrypted_key));
  g_assert_nonnull (strstr (strstr (out, "passphrase") + 1, "passphrase"));
  g_assert_null (strstr (out, PASSPHRASE));
  disconnect ("encrypted");
}

static gboolean
needs_password_sshd (void)
{
  if (world.password_sshd == NULL)
    {
      g_test_skip ("password logins need root (a mount namespace for sshd)");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gboolean done;
  char *password;
  GError *error;
} KeyringCall;

static void
on_keyring (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KeyringCall *call = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == broker_keyring_lookup_async)
    call->password = broker_keyring_lookup_finish (result, &call->error);
  else
    broker_keyring_store_finish (result, &call->error);
  call->done = TRUE;
}

static gboolean
call_done (gpointer data)
{
  return ((KeyringCall *) data)->done;
}

/* A copy in ordinary memory: the keyring's own is freed by the keyring. */
static char *
keyring_lookup (const char *id)
{
  KeyringCall call = { 0 };
  char *copy;

  broker_keyring_lookup_async (id, "127.0.0.1", g_get_user_name (), NULL, on_keyring, &call);
  g_assert_true (burrow_test_wait_until (call_done, &call, 10000));
  g_assert_no_error (call.error);
  copy = g_strdup (call.password);
  broker_keyring_password_free (call.password);
  return copy;
}

static void
keyring_store (const char *id,
               const char *password)
{
  KeyringCall call = { 0 };

  broker_keyring_store_async (id, "127.0.0.1", g_get_user_name (), password, NULL, on_keyring,
                              &call);
  g_assert_true (burrow_test_wait_until (call_done, &call, 10000));
  g_assert_no_error (call.error);
}

static void
test_password_remembered (void)
{
  Agent *agent;
  g_autofree char *out = NULL;
  g_autofree char *stored = NULL;

  if (!needs_password_sshd ())
    return;
  agent = agent_start ("password wrong guess\npassword " PASSWORD " remember\n");
  connect_ok ("password");
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, "Password for"));
  g_assert_null (strstr (out, PASSWORD));
  stored = keyring_lookup ("password");
  g_assert_cmpstr (stored, ==, PASSWORD);
  disconnect ("password");

  /* Next time the keyring answers; the agent is not asked. */
  agent = agent_start ("");
  connect_ok ("password");
  g_free (out);
  out = agent_stop (agent);
  g_assert_cmpstr (out, ==, "");
  disconnect ("password");
}

/* libsecret's file backend reads its file once per process: the broker is
 * restarted (by D-Bus activation) to see what the test stored. */
static void
test_stored_password_refused (void)
{
  Agent *agent;
  g_autofree char *out = NULL;

  if (!needs_password_sshd ())
    return;
  keyring_store ("password", "an old password");
  burrow_test_broker_stop_daemon (world.broker);
  agent = agent_start ("password " PASSWORD " remember\n");
  connect_ok ("password");
  out = agent_stop (agent);
  /* Refused from the keyring, forgotten, and the user asked once. */
  g_assert_nonnull (strstr (out, "Password for"));
  g_assert_null (strstr (out, "an old password"));
  disconnect ("password");

  /* What the user gave replaced it: the next broker connects silently. */
  burrow_test_broker_stop_daemon (world.broker);
  agent = agent_start ("");
  connect_ok ("password");
  g_free (out);
  out = agent_stop (agent);
  g_assert_cmpstr (out, ==, "");
  disconnect ("password");
}

static void
test_keyboard_interactive (void)
{
  Agent *agent;
  g_autofree char *out = NULL;

  if (!needs_password_sshd ())
    return;
  agent = agent_start ("keyboard-interactive " PASSWORD "\n");
  connect_ok ("kbdint");
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, "keyboard-interactive"));
  g_assert_nonnull (strstr (out, "(hidden)"));
  g_assert_null (strstr (out, PASSWORD));
  disconnect ("kbdint");
}

/* PAM's "Password:" round is the profile's password: remembered, then
 * answered from the keyring without asking. */
static void
test_keyboard_interactive_remembered (void)
{
  Agent *agent;
  g_autofree char *out = NULL;

  if (!needs_password_sshd ())
    return;
  agent = agent_start ("keyboard-interactive " PASSWORD " remember\n");
  connect_ok ("kbdint");
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, "(1 answers, remember)"));
  g_assert_null (strstr (out, PASSWORD));
  disconnect ("kbdint");

  agent = agent_start ("");
  connect_ok ("kbdint");
  g_free (out);
  out = agent_stop (agent);
  g_assert_cmpstr (out, ==, "");
  disconnect ("kbdint");
}

static void
test_passphrase_remembered (void)
{
  Agent *agent = agent_start ("passphrase " PASSPHRASE " remember\n");
  g_autofree char *out = NULL;

  connect_ok ("encrypted");
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, "(answered, remember)"));
  g_assert_null (strstr (out, PASSPHRASE));
  disconnect ("encrypted");

  /* The key opens with the stored passphrase: nobody is asked. */
  agent = agent_start ("");
  connect_ok ("encrypted");
  g_free (out);
  out = agent_stop (agent);
  g_assert_cmpstr (out, ==, "");
  disconnect ("encrypted");
}

/* A stored passphrase that does not open the key is forgotten; one the
 * user gives without "remember" is not stored. */
static void
test_stored_passphrase_refused (void)
{
  g_autoptr(GSubprocess) tool = NULL;
  g_autoptr(GError) error = NULL;
  Agent *agent;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* secret-tool, a process of its own: this one's file backend has read the
   * keyring file before the broker wrote to it, and would refuse to. */
  tool = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "secret-tool", "store",
                           "--label=Burrow test", "xdg:schema", "io.github.burrow.Burrow.Passphrase",
                           "identity-file", world.encrypted_key, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (tool, "not the passphrase", NULL, NULL, NULL,
                                                &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (tool));
  burrow_test_broker_stop_daemon (world.broker);
  agent = agent_start ("passphrase " PASSPHRASE "\n");
  connect_ok ("encrypted");
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, world.encrypted_key));
  g_assert_nonnull (strstr (out, "(answered)"));
  disconnect ("encrypted");

  burrow_test_broker_stop_daemon (world.broker);
  agent = agent_start ("");
  err = connect_fails ("encrypted");
  g_free (out);
  out = agent_stop (agent);
  g_assert_nonnull (strstr (out, world.encrypted_key));
  g_assert_nonnull (strstr (err, "no passphrase"));
}

/* Fails naming @what and the line (never the secret) if @text holds one
 * of the secrets. */
static void
assert_no_secret (const char *what,
                  const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      const char *found = strstr (text, secrets[i]);
      guint line = 1;

      if (found == NULL)
        continue;
      for (const char *p = text; p < found; p++)
        line += *p == '\n';
      g_error ("%s, line %u, holds test secret number %u", what, line, i);
    }
}

/* The end of the broker's log, for a failed run, each secret replaced by
 * its number: this output must not hold one either. */
static void
print_log_redacted (void)
{
  g_autofree char *tail = burrow_test_read_log_tail (world.log_path);
  g_autoptr(GString) text = g_string_new (tail);

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_autofree char *mark = g_strdup_printf ("[test secret %u]", i);

      g_string_replace (text, secrets[i], mark, 0);
    }
  g_printerr ("the broker's log ends:\n%s\n", text->str);
}

static void
on_any_signal (GDBusConnection *connection,
               const char      *sender,
               const char      *path,
               const char      *interface_name,
               const char      *signal_name,
               GVariant        *parameters,
               gpointer         user_data)
{
  g_autofree char *text = g_variant_print (parameters, FALSE);

  world.signal_count++;
  g_string_append_printf (world.signals, "%s %s.%s %s\n", path, interface_name, signal_name, text);
}

/* The broker has logged at debug level into world.log_path all along, and
 * this connection has heard every signal on the bus.  After every password,
 * passphrase and keyboard-interactive answer above, none of them is in
 * either, nor in the files the broker writes or the agents' output. */
static void
test_no_secret_anywhere (void)
{
  g_autofree char *log = read_file (world.log_path);
  g_autofree char *config = burrow_test_broker_read_user (world.broker);
  g_autofree char *known_hosts = g_build_filename (world.home, ".ssh", "known_hosts", NULL);
  g_autofree char *known = read_file (known_hosts);

  for (guint i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_test_message ("%u signals, %zu bytes of broker log, %zu of agent output checked",
                  world.signal_count, strlen (log), world.agents_said->len);
  /* Not vacuous: the log is at debug level and covers the logins. */
  g_assert_cmpuint (world.signal_count, >, 10);
  burrow_test_assert_contains (log, "burrow-agents-DEBUG");
  burrow_test_assert_contains (log, "saved the host key");
  burrow_test_assert_contains (world.agents_said->str, "(answered)");
  assert_no_secret ("the broker's log", log);
  assert_no_secret ("the D-Bus signals", world.signals->str);
  assert_no_secret ("the user configuration", config);
  assert_no_secret ("known_hosts", known);
  assert_no_secret ("the agents' output", world.agents_said->str);
}

/* Every domain the broker logs in: debug messages of other programs (GLib's
 * own, the front end's) would go to the test's stdout. */
#define BROKER_LOG_DOMAINS "burrow-access burrow-agents burrow-broker burrow-channel " \
  "burrow-config burrow-ftp broker-ftp burrow-host-keys burrow-keyring burrow-manager " \
  "burrow-service burrow-session burrow-tunnel"

/* The bus daemon (and so every broker it activates) writes its stderr to
 * world.log_path, with the broker's debug messages on; the test's own
 * stderr stays. */
static void
start_broker_logged (void)
{
  int saved = dup (STDERR_FILENO);
  int log_fd;

  world.log_path = g_build_filename (world.dir, "broker.log", NULL);
  log_fd = open (world.log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (log_fd, >=, 0);
  g_assert_cmpint (saved, >=, 0);
  g_setenv ("G_MESSAGES_DEBUG", BROKER_LOG_DOMAINS, TRUE);
  dup2 (log_fd, STDERR_FILENO);
  world.broker = burrow_test_broker_new (TRUE);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (log_fd);
  g_unsetenv ("G_MESSAGES_DEBUG");
  world.signals = g_string_new (NULL);
  world.agents_said = g_string_new (NULL);
  g_dbus_connection_signal_subscribe (world.broker->connection, NULL, NULL, NULL, NULL, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_any_signal, NULL, NULL);
}

static void
make_encrypted_key (void)
{
  g_autofree char *pub = NULL;
  g_autofree char *authorized = NULL;
  g_autofree char *authorized_path = NULL;
  g_autofree char *line = NULL;
  g_autofree char *joined = NULL;
  int status = -1;
  const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", "encrypted",
                         "-f", NULL, NULL };

  world.encrypted_key = g_build_filename (world.dir, "encrypted", NULL);
  argv[9] = world.encrypted_key;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  pub = g_strconcat (world.encrypted_key, ".pub", NULL);
  g_assert_true (g_file_get_contents (pub, &line, NULL, NULL));
  /* sshd reads the client key's .pub as authorized_keys: add this one. */
  authorized_path = g_strconcat (burrow_test_sshd_get_client_key (world.sshd), ".pub", NULL);
  g_assert_true (g_file_get_contents (authorized_path, &authorized, NULL, NULL));
  joined = g_strconcat (authorized, line, NULL);
  g_assert_true (g_file_set_contents (authorized_path, joined, -1, NULL));
}

/* changed_sshd's key is recorded as another ed25519 key: it "changed". */
static void
record_impostor (void)
{
  g_autoptr(SshKey) impostor = NULL;
  g_autoptr(GError) error = NULL;

  world.changed_known_hosts = g_build_filename (world.dir, "changed_known_hosts", NULL);
  g_assert_cmpint (ssh_pki_generate (SSH_KEYTYPE_ED25519, 0, &impostor), ==, SSH_OK);
  g_assert_true (broker_host_keys_save (impostor, "127.0.0.1",
                                        burrow_test_sshd_get_port (world.changed_sshd),
                                        world.changed_known_hosts, &error));
  g_assert_no_error (error);
  world.impostor_fingerprint = broker_host_keys_fingerprint (impostor);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *keyring = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  world.sshd = burrow_test_sshd_start_or_skip ();
  if (world.sshd == NULL)
    return g_test_run ();
  world.password_sshd = burrow_test_sshd_start_with_password (PASSWORD, &error);
  if (world.password_sshd == NULL)
    g_test_message ("no password sshd: %s", error->message);
  g_clear_error (&error);
  world.changed_sshd = burrow_test_sshd_start (&error);
  g_assert_no_error (error);
  world.dir = g_dir_make_tmp ("burrow-test-auth-XXXXXX", &error);
  g_assert_no_error (error);
  world.home = g_build_filename (world.dir, "home", NULL);
  g_setenv ("HOME", world.home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
  /* The broker (activated on the test bus) inherits this keyring. */
  keyring = g_build_filename (world.dir, "keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", keyring, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", KEYRING_PASSWORD, TRUE);
  make_encrypted_key ();
  record_impostor ();
  start_broker_logged ();
  write_config ();

  g_test_add_func ("/broker/auth/no-agent", test_no_agent);
  g_test_add_func ("/broker/auth/host-key-saved", test_host_key_saved);
  g_test_add_func ("/broker/auth/host-key-accept-once-and-reject",
                   test_host_key_accept_once_and_reject);
  g_test_add_func ("/broker/auth/activation", test_activation);
  g_test_add_func ("/broker/auth/host-key-changed", test_host_key_changed);
  g_test_add_func ("/broker/auth/passphrase", test_passphrase);
  g_test_add_func ("/broker/auth/password-remembered", test_password_remembered);
  g_test_add_func ("/broker/auth/stored-password-refused", test_stored_password_refused);
  g_test_add_func ("/broker/auth/keyboard-interactive", test_keyboard_interactive);
  g_test_add_func ("/broker/auth/keyboard-interactive-remembered",
                   test_keyboard_interactive_remembered);
  g_test_add_func ("/broker/auth/stored-passphrase-refused", test_stored_passphrase_refused);
  g_test_add_func ("/broker/auth/passphrase-remembered", test_passphrase_remembered);
  g_test_add_func ("/broker/auth/no-secret-anywhere", test_no_secret_anywhere);
  status = g_test_run ();
  if (status != 0)
    print_log_redacted ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  burrow_test_sshd_stop (world.changed_sshd);
  burrow_test_sshd_stop (world.password_sshd);
  burrow_test_sshd_stop (world.sshd);
  g_free (world.changed_known_hosts);
  g_free (world.impostor_fingerprint);
  /* It holds a key, its passphrase's keyring and the agent's scripts. */
  burrow_test_remove_tree (world.dir);
  return status;
}
