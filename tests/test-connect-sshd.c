// SPDX-License-Identifier: GPL-3.0-or-later
#include <string.h>

#include "burrow-test-broker.h"
#include "burrow-test-sshd.h"

/* The broker, started by D-Bus activation, connects a profile to a real
 * sshd on 127.0.0.1; burrowctl drives it as a user would. */

static char *
profile_config (BurrowTestSshd *sshd)
{
  return g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"lab\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <authentication-methods><auth-method name=\"publickey\"/></authentication-methods>\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "    <profile id=\"lab-by-name\" host=\"localhost\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "  </profiles>\n"
    "</secsh-broker>\n",
    burrow_test_sshd_get_known_hosts (sshd), burrow_test_sshd_get_port (sshd),
    g_get_user_name (), burrow_test_sshd_get_client_key (sshd),
    burrow_test_sshd_get_port (sshd), g_get_user_name (), burrow_test_sshd_get_client_key (sshd));
}

static void
run (BurrowTestBroker    *broker,
     BurrowTestCtlResult *result,
     const char * const  *args)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (broker), args);
}

/* A profile with connect-on-startup="YES" is connected as soon as the
 * broker starts (here: activated by a plain "status"). */
static void
connects_on_startup (BurrowTestBroker *broker,
                     BurrowTestSshd   *sshd)
{
  g_autofree char *config = g_strdup_printf (
    "<secsh-broker>\n"
    "  <general><known-hosts path=\"%s\"/></general>\n"
    "  <profiles>\n"
    "    <profile id=\"early\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\"\n"
    "             connect-on-startup=\"YES\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "  </profiles>\n"
    "</secsh-broker>\n",
    burrow_test_sshd_get_known_hosts (sshd), burrow_test_sshd_get_port (sshd),
    g_get_user_name (), burrow_test_sshd_get_client_key (sshd));
  gboolean connected = FALSE;

  burrow_test_broker_write_user (broker, config);
  for (guint i = 0; i < 100 && !connected; i++)
    {
      g_auto(BurrowTestCtlResult) result = { 0 };

      run (broker, &result, (const char *[]) { "status", NULL });
      g_assert_cmpint (result.status, ==, 0);
      connected = strstr (result.out, "early: connected") != NULL;
      if (!connected)
        g_usleep (50 * 1000);
    }
  g_assert_true (connected);
  burrow_test_broker_stop_daemon (broker);
}

static void
test_connect_and_disconnect (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BurrowTestSshd) sshd = burrow_test_sshd_start (&error);
  g_autoptr(BurrowTestBroker) broker = NULL;
  g_autofree char *config = NULL;
  g_autofree char *home = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  /* The broker must never read the real ~/.ssh: give it a home of its own. */
  home = g_build_filename (burrow_test_sshd_get_dir (sshd), "home", NULL);
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
  broker = burrow_test_broker_new (TRUE);
  config = profile_config (sshd);
  burrow_test_broker_write_user (broker, config);

  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    run (broker, &result, (const char *[]) { "connect", "lab", NULL });
    g_assert_cmpstr (result.err, ==, "");
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "lab: connected to"));
    g_assert_nonnull (strstr (result.out, burrow_test_sshd_get_host_key_fingerprint (sshd)));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    run (broker, &result, (const char *[]) { "status", NULL });
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "lab: connected"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    /* A second connect shares the open session. */
    run (broker, &result, (const char *[]) { "connect", "lab", NULL });
    g_assert_cmpint (result.status, ==, 0);
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    run (broker, &result, (const char *[]) { "disconnect", "lab", NULL });
    g_assert_cmpint (result.status, ==, 0);
    g_clear_pointer (&result.out, g_free);
    g_clear_pointer (&result.err, g_free);
    run (broker, &result, (const char *[]) { "status", NULL });
    g_assert_nonnull (strstr (result.out, "lab: disconnected"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    /* "localhost" is not what known_hosts records ("[127.0.0.1]:port"):
     * strict refuses, naming the key, before authenticating. */
    run (broker, &result, (const char *[]) { "connect", "lab-by-name", NULL });
    g_assert_cmpint (result.status, ==, 1);
    g_assert_nonnull (strstr (result.err, "is not known"));
    g_assert_nonnull (strstr (result.err, burrow_test_sshd_get_host_key_fingerprint (sshd)));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    run (broker, &result, (const char *[]) { "connect", "nope", NULL });
    g_assert_cmpint (result.status, ==, 1);
    g_assert_nonnull (strstr (result.err, "no profile \"nope\""));
  }
  g_assert_false (g_file_test (home, G_FILE_TEST_EXISTS));
  burrow_test_broker_stop_daemon (broker);
  connects_on_startup (broker, sshd);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/connect/connect-and-disconnect", test_connect_and_disconnect);
  return g_test_run ();
}
