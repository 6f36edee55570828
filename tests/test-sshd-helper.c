// SPDX-License-Identifier: GPL-3.0-or-later
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <gio/gio.h>

#include "burrow-test-sshd.h"

/* ssh itself gives up after ConnectTimeout=5; this only catches a hang. */
#define CLIENT_TIMEOUT_S 30

typedef struct
{
  BurrowTestSshd *sshd;
  char *skip_reason;
} Fixture;

typedef struct
{
  int status;
  char *out;
  char *err;
} RunResult;

static void
fixture_set_up (Fixture                     *fixture,
                G_GNUC_UNUSED gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->sshd = burrow_test_sshd_start (&error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      fixture->skip_reason = g_strdup (error->message);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (fixture->sshd);
}

static void
fixture_tear_down (Fixture                     *fixture,
                   G_GNUC_UNUSED gconstpointer  user_data)
{
  g_clear_pointer (&fixture->sshd, burrow_test_sshd_stop);
  g_clear_pointer (&fixture->skip_reason, g_free);
}

static gboolean
skip_without_sshd (Fixture *fixture)
{
  g_autofree char *ssh = g_find_program_in_path ("ssh");

  if (fixture->sshd == NULL)
    g_test_skip (fixture->skip_reason);
  else if (ssh == NULL)
    g_test_skip ("ssh is not installed (package openssh-client)");
  else
    return FALSE;

  return TRUE;
}

static void
run_result_clear (RunResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunResult, run_result_clear)

static gboolean
cancel_on_timeout (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
on_done (G_GNUC_UNUSED GObject *source,
         GAsyncResult          *result,
         gpointer               user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Iterates @context until *@result is set, cancelling @cancellable after
 * CLIENT_TIMEOUT_S so a stuck client fails the test instead of hanging it. */
static void
iterate_bounded (GMainContext  *context,
                 GCancellable  *cancellable,
                 GAsyncResult **result)
{
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (CLIENT_TIMEOUT_S);

  g_source_set_callback (timeout, cancel_on_timeout, cancellable, NULL);
  g_source_attach (timeout, context);
  while (*result == NULL)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
}

static int
exit_status (GSubprocess *process,
             GError      *error)
{
  if (error != NULL)
    {
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  return g_subprocess_get_exit_status (process);
}

/* A bounded g_subprocess_communicate_utf8(). */
static void
run_bounded (const char * const *argv,
             RunResult          *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GSubprocess) process = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                     | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);

  g_main_context_push_thread_default (context);
  g_subprocess_communicate_utf8_async (process, NULL, cancellable, on_done, &result);
  iterate_bounded (context, cancellable, &result);
  g_main_context_pop_thread_default (context);

  g_subprocess_communicate_utf8_finish (process, result, &run->out, &run->err, &error);
  run->status = exit_status (process, error);
}

/* A bounded g_subprocess_wait(); returns the exit status. */
static int
wait_bounded (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, cancellable, on_done, &result);
  iterate_bounded (context, cancellable, &result);
  g_main_context_pop_thread_default (context);

  g_subprocess_wait_finish (process, result, &error);
  return exit_status (process, error);
}

static void
assert_process_gone (GPid pid)
{
  int saved_errno;

  g_assert_cmpint (kill (pid, 0), ==, -1);
  saved_errno = errno;
  g_assert_cmpint (saved_errno, ==, ESRCH);
}

static void
run_echo (const char * const *argv,
          RunResult          *run)
{
  g_autofree char *line = g_strjoinv (" ", (GStrv) argv);

  g_test_message ("Running: %s", line);
  run_bounded (argv, run);
  g_test_message ("ssh exited with %d, stderr: %s", run->status, run->err);
}

static void
test_accessors (Fixture                     *fixture,
                G_GNUC_UNUSED gconstpointer  user_data)
{
  BurrowTestSshd *sshd = fixture->sshd;
  g_autofree char *known_hosts = NULL;
  g_autofree char *log = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *listening = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (skip_without_sshd (fixture))
    return;

  port = burrow_test_sshd_get_port (sshd);
  g_assert_cmpuint (port, >=, 1024);
  g_assert_cmpstr (burrow_test_sshd_get_host (sshd), ==, "127.0.0.1");
  g_assert_cmpint (burrow_test_sshd_get_pid (sshd), >, 0);
  g_assert_true (g_file_test (burrow_test_sshd_get_dir (sshd), G_FILE_TEST_IS_DIR));
  g_assert_true (g_file_test (burrow_test_sshd_get_client_key (sshd), G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_str_has_prefix (burrow_test_sshd_get_host_key_fingerprint (sshd), "SHA256:"));

  g_file_get_contents (burrow_test_sshd_get_known_hosts (sshd), &known_hosts, NULL, &error);
  g_assert_no_error (error);
  prefix = g_strdup_printf ("[127.0.0.1]:%u ssh-ed25519 AAAA", port);
  g_assert_true (g_str_has_prefix (known_hosts, prefix));

  g_file_get_contents (burrow_test_sshd_get_log (sshd), &log, NULL, &error);
  g_assert_no_error (error);
  listening = g_strdup_printf ("Server listening on 127.0.0.1 port %u", port);
  g_assert_nonnull (strstr (log, listening));
}

/* The fingerprint the helper reports is the one of the key in known_hosts. */
static void
test_fingerprint_matches_known_hosts (Fixture                     *fixture,
                                      G_GNUC_UNUSED gconstpointer  user_data)
{
  const char *fingerprint;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;

  if (skip_without_sshd (fixture))
    return;

  fingerprint = burrow_test_sshd_get_host_key_fingerprint (fixture->sshd);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "ssh-keygen", "-l",
                              "-E", "sha256", "-f",
                              burrow_test_sshd_get_known_hosts (fixture->sshd), NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
  g_assert_nonnull (strstr (out, fingerprint));
}

static void
test_login (Fixture                     *fixture,
            G_GNUC_UNUSED gconstpointer  user_data)
{
  const char * const command[] = { "echo", "burrow-ok", NULL };
  g_auto(GStrv) argv = NULL;
  g_auto(RunResult) run = { 0, };
  g_autofree char *log = NULL;
  g_autofree char *accepted = NULL;

  if (skip_without_sshd (fixture))
    return;

  argv = burrow_test_sshd_client_argv (fixture->sshd, NULL, command);
  run_echo ((const char * const *) argv, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "burrow-ok\n");

  g_assert_true (g_file_get_contents (burrow_test_sshd_get_log (fixture->sshd), &log, NULL, NULL));
  accepted = g_strdup_printf ("Accepted publickey for %s from 127.0.0.1", g_get_user_name ());
  g_assert_nonnull (strstr (log, accepted));
}

/* A known_hosts entry for [127.0.0.1]:PORT holding a key sshd does not serve. */
static char *
write_wrong_known_hosts (BurrowTestSshd *sshd)
{
  const char *dir = burrow_test_sshd_get_dir (sshd);
  g_autofree char *key = g_build_filename (dir, "other_host_key", NULL);
  g_autofree char *public_path = g_strconcat (key, ".pub", NULL);
  g_autofree char *public_key = NULL;
  g_autofree char *line = NULL;
  char *path = g_build_filename (dir, "wrong_known_hosts", NULL);
  g_autoptr(GSubprocess) keygen = NULL;
  g_autoptr(GError) error = NULL;

  keygen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "ssh-keygen", "-q",
                             "-t", "ed25519", "-N", "", "-C", "other", "-f", key, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (keygen, NULL, &error);
  g_assert_no_error (error);

  g_file_get_contents (public_path, &public_key, NULL, &error);
  g_assert_no_error (error);
  line = g_strdup_printf ("[127.0.0.1]:%u %s", burrow_test_sshd_get_port (sshd), public_key);
  g_file_set_contents (path, line, -1, &error);
  g_assert_no_error (error);

  return path;
}

static void
test_wrong_host_key (Fixture                     *fixture,
                     G_GNUC_UNUSED gconstpointer  user_data)
{
  const char * const command[] = { "echo", "burrow-ok", NULL };
  g_autofree char *wrong = NULL;
  g_auto(GStrv) argv = NULL;
  g_auto(RunResult) run = { 0, };
  gboolean replaced = FALSE;

  if (skip_without_sshd (fixture))
    return;

  /* ssh takes an option's first value, so swap the helper's file out rather
   * than appending another -o. */
  wrong = write_wrong_known_hosts (fixture->sshd);
  argv = burrow_test_sshd_client_argv (fixture->sshd, NULL, command);
  for (guint i = 0; argv[i] != NULL; i++)
    {
      if (!g_str_has_prefix (argv[i], "UserKnownHostsFile="))
        continue;
      g_free (argv[i]);
      argv[i] = g_strdup_printf ("UserKnownHostsFile=\"%s\"", wrong);
      replaced = TRUE;
    }
  g_assert_true (replaced);

  run_echo ((const char * const *) argv, &run);
  g_assert_cmpint (run.status, ==, 255);
  g_assert_cmpstr (run.out, ==, "");
  g_assert_nonnull (strstr (run.err, "REMOTE HOST IDENTIFICATION HAS CHANGED"));
  g_assert_nonnull (strstr (run.err, "Host key verification failed"));
  /* ssh names the key it was really served: the helper's fingerprint. */
  g_assert_nonnull (strstr (run.err, burrow_test_sshd_get_host_key_fingerprint (fixture->sshd)));
}

/* Waits for the banner rather than just the TCP handshake: only then has sshd
 * forked the connection's process, so stop sees it and nothing is in flight. */
static gboolean
port_answers_ssh (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) input = NULL;
  g_autofree char *banner = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 2);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  if (connection == NULL)
    return FALSE;

  input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  banner = g_data_input_stream_read_line (input, NULL, NULL, NULL);

  return banner != NULL && g_str_has_prefix (banner, "SSH-2.0-");
}

static void
test_stop (Fixture                     *fixture,
           G_GNUC_UNUSED gconstpointer  user_data)
{
  g_autofree char *dir = NULL;
  GPid pid;

  if (skip_without_sshd (fixture))
    return;

  dir = g_strdup (burrow_test_sshd_get_dir (fixture->sshd));
  pid = burrow_test_sshd_get_pid (fixture->sshd);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  g_assert_true (port_answers_ssh (burrow_test_sshd_get_port (fixture->sshd)));

  g_clear_pointer (&fixture->sshd, burrow_test_sshd_stop);

  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  assert_process_gone (pid);

  burrow_test_sshd_stop (NULL);
}

/* The remote command runs on this machine, so the pid it writes is local.
 * Gives up when the client exits first (login failed). */
static GPid
wait_for_remote_pid (GSubprocess *client,
                     const char  *path)
{
  for (guint i = 0; i < CLIENT_TIMEOUT_S * 100; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL) && g_str_has_suffix (text, "\n"))
        return (GPid) g_ascii_strtoll (text, NULL, 10);
      if (g_subprocess_get_identifier (client) == NULL)
        break;
      g_usleep (10 * 1000);
    }

  return 0;
}

/* OpenSSH leaves a session running when its listener ends; stop must not. */
static void
test_stop_ends_sessions (Fixture                     *fixture,
                         G_GNUC_UNUSED gconstpointer  user_data)
{
  g_autofree char *pid_path = NULL;
  g_autofree char *command = NULL;
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) client = NULL;
  g_autoptr(GError) error = NULL;
  GPid remote;

  if (skip_without_sshd (fixture))
    return;

  pid_path = g_build_filename (burrow_test_sshd_get_dir (fixture->sshd), "session.pid", NULL);
  command = g_strdup_printf ("echo $$ > '%s' && exec sleep %d", pid_path, CLIENT_TIMEOUT_S);
  argv = burrow_test_sshd_client_argv (fixture->sshd, NULL,
                                       (const char * const []) { command, NULL });
  client = g_subprocess_newv ((const char * const *) argv,
                              G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);

  remote = wait_for_remote_pid (client, pid_path);
  g_assert_cmpint (remote, >, 0);
  g_assert_cmpint (kill (remote, 0), ==, 0);

  g_clear_pointer (&fixture->sshd, burrow_test_sshd_stop);

  assert_process_gone (remote);
  /* The session's end is the client's connection's end. */
  g_assert_cmpint (wait_bounded (client), ==, 255);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/test/sshd/accessors", test_accessors);
  ADD ("/test/sshd/fingerprint-matches-known-hosts", test_fingerprint_matches_known_hosts);
  ADD ("/test/sshd/login", test_login);
  ADD ("/test/sshd/wrong-host-key", test_wrong_host_key);
  ADD ("/test/sshd/stop", test_stop);
  ADD ("/test/sshd/stop-ends-sessions", test_stop_ends_sessions);

#undef ADD

  return g_test_run ();
}
