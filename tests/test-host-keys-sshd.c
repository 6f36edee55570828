// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <stdbool.h>
#include <string.h>

#include "broker-host-keys.h"
#include "burrow-test-sshd.h"

/* Fetches the key a real sshd offers, with libssh, without authenticating.
 * Blocking is fine here: this is the test's own thread, not the broker's. */
static ssh_key
fetch_server_key (BurrowTestSshd *sshd)
{
  g_autoptr(SshSession) session = ssh_new ();
  unsigned int port = burrow_test_sshd_get_port (sshd);
  long timeout = 10;
  ssh_key key = NULL;

  ssh_options_set (session, SSH_OPTIONS_HOST, burrow_test_sshd_get_host (sshd));
  ssh_options_set (session, SSH_OPTIONS_PORT, &port);
  ssh_options_set (session, SSH_OPTIONS_TIMEOUT, &timeout);
  /* Never let libssh read the real ~/.ssh/config or known_hosts. */
  ssh_options_set (session, SSH_OPTIONS_SSH_DIR, burrow_test_sshd_get_dir (sshd));
  ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
  ssh_options_set (session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &(bool) { false });
  g_assert_cmpint (ssh_connect (session), ==, SSH_OK);
  g_assert_cmpint (ssh_get_server_publickey (session, &key), ==, SSH_OK);
  ssh_disconnect (session);
  return key;
}

static gboolean
run_ssh (BurrowTestSshd *sshd,
         const char     *known_hosts)
{
  const char *extra[] = { "echo", "saved-ok", NULL };
  g_auto(GStrv) argv = burrow_test_sshd_client_argv (sshd, NULL, extra);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  for (guint i = 0; argv[i] != NULL; i++)
    if (g_str_has_prefix (argv[i], "UserKnownHostsFile="))
      {
        g_free (argv[i]);
        argv[i] = g_strdup_printf ("UserKnownHostsFile=\"%s\"", known_hosts);
      }
  process = g_subprocess_newv ((const char * const *) argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  return g_subprocess_get_successful (process) && g_strcmp0 (out, "saved-ok\n") == 0;
}

static void
test_real_server_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowTestSshd) sshd = burrow_test_sshd_start (&error);
  g_autoptr(SshKey) key = NULL;
  g_autoptr(BrokerHostKeyResult) unknown = NULL;
  g_autoptr(BrokerHostKeyResult) known = NULL;
  g_autoptr(BrokerHostKeyResult) helper = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *fingerprint = NULL;
  const char *host;
  guint16 port;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  host = burrow_test_sshd_get_host (sshd);
  port = burrow_test_sshd_get_port (sshd);
  saved = g_build_filename (burrow_test_sshd_get_dir (sshd), "burrow_known_hosts", NULL);
  key = fetch_server_key (sshd);
  fingerprint = broker_host_keys_fingerprint (key);
  g_assert_cmpstr (fingerprint, ==, burrow_test_sshd_get_host_key_fingerprint (sshd));

  /* The known_hosts that OpenSSH's ssh-keyscan style entry made is understood. */
  helper = broker_host_keys_check (key, host, port,
                                   (const char *[]) { burrow_test_sshd_get_known_hosts (sshd),
                                                      NULL }, &error);
  g_assert_no_error (error);
  g_assert_cmpint (helper->status, ==, BROKER_HOST_KEY_KNOWN);

  unknown = broker_host_keys_check (key, host, port, (const char *[]) { saved, NULL }, &error);
  g_assert_no_error (error);
  g_assert_cmpint (unknown->status, ==, BROKER_HOST_KEY_UNKNOWN);
  g_assert_false (run_ssh (sshd, saved));

  g_assert_true (broker_host_keys_save (key, host, port, saved, &error));
  g_assert_no_error (error);
  known = broker_host_keys_check (key, host, port, (const char *[]) { saved, NULL }, &error);
  g_assert_no_error (error);
  g_assert_cmpint (known->status, ==, BROKER_HOST_KEY_KNOWN);

  /* OpenSSH's own client accepts what Burrow saved. */
  g_assert_true (run_ssh (sshd, saved));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/host-keys/real-server-key", test_real_server_key);
  return g_test_run ();
}
