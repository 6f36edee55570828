// SPDX-License-Identifier: GPL-3.0-or-later
/* Whether a configuration asks for the broker at login (broker-login.h):
 * profiles with connect-on-startup, session-wide capture, and the global
 * and user files merged as the broker merges them. */
#include "broker-config-loader.h"
#include "broker-login.h"

#include <string.h>

static BrokerConfig *
load (const char         *xml,
      BrokerConfigOrigin  origin,
      const BrokerConfig *base)
{
  g_autoptr(GError) error = NULL;
  BrokerConfig *config = broker_config_loader_load (xml, strlen (xml), "test.xml", origin, base,
                                                    &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static char *
reason_for (const char *xml)
{
  g_autoptr(BrokerConfig) config = load (xml, BROKER_CONFIG_ORIGIN_USER, NULL);

  return broker_login_reason (config);
}

#define PROFILE(id, startup) \
  "<profile id=\"" id "\" host=\"127.0.0.1\" connect-on-startup=\"" startup "\"/>"

/* Profiles and tunnelling rules alone wait for their first client. */
static void
test_nothing_asks (void)
{
  g_autofree char *empty = reason_for ("<secsh-broker/>");
  g_autofree char *plain = reason_for (
    "<secsh-broker><profiles>" PROFILE ("a", "NO") "<profile id=\"b\" host=\"127.0.0.2\"/>"
    "</profiles><connection-capture enable-at-startup=\"NO\"/><filter-engine>"
    "<rule host=\".*\" ports=\"23\" action=\"TUNNEL\" profile=\"a\"/></filter-engine>"
    "</secsh-broker>");

  g_assert_null (empty);
  g_assert_null (plain);
}

static void
test_startup_profiles (void)
{
  g_autofree char *one = reason_for (
    "<secsh-broker><profiles>" PROFILE ("a", "NO") PROFILE ("work", "YES")
    "</profiles></secsh-broker>");
  g_autofree char *two = reason_for (
    "<secsh-broker><profiles>" PROFILE ("x", "YES") PROFILE ("a", "NO") PROFILE ("y", "yes")
    "</profiles></secsh-broker>");

  g_assert_cmpstr (one, ==, "profile \"work\" connects on startup");
  g_assert_cmpstr (two, ==,
                   "profile \"x\" connects on startup; profile \"y\" connects on startup");
}

static void
test_session_capture (void)
{
  g_autofree char *capture = reason_for (
    "<secsh-broker><connection-capture enable-at-startup=\"YES\"/></secsh-broker>");
  g_autofree char *both = reason_for (
    "<secsh-broker><profiles>" PROFILE ("work", "YES") "</profiles>"
    "<connection-capture enable-at-startup=\"YES\"/></secsh-broker>");

  g_assert_cmpstr (capture, ==, "session-wide capture is on");
  g_assert_cmpstr (both, ==, "session-wide capture is on; profile \"work\" connects on startup");
}

/* The administrator's file counts; the user's profile of the same id
 * replaces the global one, connect-on-startup with it. */
static void
test_global_and_user (void)
{
  g_autoptr(BrokerConfig) global = load (
    "<secsh-broker><profiles>" PROFILE ("office", "YES") "</profiles></secsh-broker>",
    BROKER_CONFIG_ORIGIN_GLOBAL, NULL);
  g_autoptr(BrokerConfig) user_empty = load ("<secsh-broker/>", BROKER_CONFIG_ORIGIN_USER, global);
  g_autoptr(BrokerConfig) user_off = load (
    "<secsh-broker><profiles>" PROFILE ("office", "NO") "</profiles></secsh-broker>",
    BROKER_CONFIG_ORIGIN_USER, global);
  g_autofree char *global_only = broker_login_reason (user_empty);
  g_autofree char *overridden = broker_login_reason (user_off);

  g_assert_cmpstr (global_only, ==, "profile \"office\" connects on startup");
  g_assert_null (overridden);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/broker/login/nothing-asks", test_nothing_asks);
  g_test_add_func ("/broker/login/startup-profiles", test_startup_profiles);
  g_test_add_func ("/broker/login/session-capture", test_session_capture);
  g_test_add_func ("/broker/login/global-and-user", test_global_and_user);

  return g_test_run ();
}
