// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <string.h>

#include "burrow-test-broker.h"

static char *
example_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", "examples", "broker-config.xml", NULL);
}

static void
test_check_accepts_example (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *path = example_path ();
  const char *args[] = { "check", path, NULL };

  burrow_test_run_ctl (&result, NULL, args);
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, "ok (2 profiles, 3 rules)"));
}

static void
test_check_names_the_line (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("burrowctl-check-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "broken.xml", NULL);
  g_autofree char *expected = g_strdup_printf ("%s:5: ", path);
  const char *args[] = { "check", path, NULL };

  g_assert_true (g_file_set_contents (path,
                                      "<secsh-broker>\n"
                                      "  <profiles>\n"
                                      "    <profile id=\"a\" host=\"a.example.com\"/>\n"
                                      "  </profiles>\n"
                                      "  <filter-engine><rule action=\"SOMETIMES\"/></filter-engine>\n"
                                      "</secsh-broker>\n", -1, NULL));
  burrow_test_run_ctl (&result, NULL, args);
  g_assert_cmpint (result.status, ==, 1);
  g_assert_true (g_str_has_prefix (result.err, expected));
  g_assert_nonnull (strstr (result.err, "SOMETIMES"));
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_usage (void)
{
  const char *commands[] = { "status", "reload", "profiles", "rules", "check", "connect",
                             "disconnect", "forward", "tunnels", "connections", "capture",
                             "agent", NULL };
  const char *none[] = { NULL };
  const char *unknown[] = { "frobnicate", NULL };
  const char *help[] = { "--help", NULL };
  const char *zero_timeout[] = { "connect", "--timeout", "0", "harness", NULL };

  for (guint i = 0; commands[i] != NULL; i++)
    {
      g_auto(BurrowTestCtlResult) result = { 0 };
      const char *args[] = { commands[i], "--help", NULL };
      g_autofree char *usage = g_strdup_printf ("Usage:\n  burrowctl %s [OPTION", commands[i]);

      burrow_test_run_ctl (&result, NULL, args);
      g_assert_cmpint (result.status, ==, 0);
      g_assert_nonnull (strstr (result.out, usage));
    }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    const char *args[] = { "rules", "--help", NULL };

    /* --app is optional, and the usage line says so. */
    burrow_test_run_ctl (&result, NULL, args);
    g_assert_nonnull (strstr (result.out, "[test --host HOST --port PORT [--app PATH]]"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, zero_timeout);
    g_assert_cmpint (result.status, ==, 2);
    g_assert_nonnull (strstr (result.err, "--timeout must be at least 1 second"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, help);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "Exit status"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, none);
    g_assert_cmpint (result.status, ==, 2);
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };

    burrow_test_run_ctl (&result, NULL, unknown);
    g_assert_cmpint (result.status, ==, 2);
    g_assert_nonnull (strstr (result.err, "frobnicate"));
  }
}

static void
test_no_broker (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  const char *args[] = { "status", NULL };

  burrow_test_run_ctl (&result, NULL, args);
  g_assert_cmpint (result.status, ==, 3);
  g_assert_nonnull (strstr (result.err, "cannot reach the broker"));
}

static const char user_config[] =
  "<secsh-broker>\n"
  "  <profiles>\n"
  "    <profile id=\"paper\" host=\"host1234\">\n"
  "      <tunnels><local-tunnel type=\"FTP\" listen-port=\"1234\" dst-host=\"127.0.0.1\" "
  "dst-port=\"21\"/></tunnels>\n"
  "    </profile>\n"
  "  </profiles>\n"
  "  <filter-engine>\n"
  "    <rule host=\".*\" ports=\"23\" action=\"TUNNEL\" hostname-from-app=\"YES\"/>\n"
  "    <rule application=\"thunderbird\" ports=\"143,993\" action=\"TUNNEL\" profile=\"paper\"/>\n"
  "    <rule host=\"files\\.example\\.com\" ports=\"2121\" action=\"TUNNEL\" profile=\"paper\" "
  "ftp=\"YES\"/>\n"
  "  </filter-engine>\n"
  "</secsh-broker>\n";

static void
test_with_broker (void)
{
  g_autoptr(BurrowTestBroker) broker = burrow_test_broker_new (TRUE);
  const char *address = NULL;

  burrow_test_broker_write_user (broker, user_config);
  address = burrow_test_broker_get_address (broker);
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    const char *args[] = { "status", NULL };

    burrow_test_run_ctl (&result, address, args);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "configuration      ok"));
    g_assert_nonnull (strstr (result.out, broker->user_path));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    const char *args[] = { "profiles", "show", "paper", NULL };

    burrow_test_run_ctl (&result, address, args);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "tunnel -L FTP/127.0.0.1:1234:127.0.0.1:21"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    const char *args[] = { "rules", NULL };

    /* Only the rule marked as FTP says so. */
    burrow_test_run_ctl (&result, address, args);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, " 2  TUNNEL app=thunderbird host=* ports=143,993 "
                              "profile=paper  (user, line 9)\n"));
    g_assert_nonnull (strstr (result.out, " 3  TUNNEL app=* host=files\\.example\\.com "
                              "ports=2121 profile=paper ftp  (user, line 10)\n"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    const char *args[] = { "rules", "test", "--app", "/usr/bin/thunderbird", "--host",
                           "imap.example.com", "--port", "993", NULL };

    burrow_test_run_ctl (&result, address, args);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "port 993 is not in \"23\""));
    g_assert_nonnull (strstr (result.out, "matches, action TUNNEL"));
    g_assert_nonnull (strstr (result.out, "profile=paper"));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    g_autofree char *expected = g_strdup_printf ("%s:3: ", broker->user_path);
    const char *args[] = { "reload", NULL };

    burrow_test_broker_write_user (broker, "<secsh-broker>\n<profiles>\n<profile id=\"x\"/>\n"
                                   "</profiles></secsh-broker>\n");
    burrow_test_run_ctl (&result, address, args);
    g_assert_cmpint (result.status, ==, 1);
    g_assert_nonnull (strstr (result.err, expected));
  }
  {
    g_auto(BurrowTestCtlResult) result = { 0 };
    const char *args[] = { "profiles", NULL };

    /* The broken file was not taken: the last good profiles are still there. */
    burrow_test_run_ctl (&result, address, args);
    g_assert_cmpint (result.status, ==, 0);
    g_assert_nonnull (strstr (result.out, "paper"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/burrowctl/check-accepts-example", test_check_accepts_example);
  g_test_add_func ("/burrowctl/check-names-the-line", test_check_names_the_line);
  g_test_add_func ("/burrowctl/usage", test_usage);
  g_test_add_func ("/burrowctl/no-broker", test_no_broker);
  g_test_add_func ("/burrowctl/with-broker", test_with_broker);
  return g_test_run ();
}
