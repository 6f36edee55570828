// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "broker-caller-policy.h"
#include "broker-sandbox.h"
#include "burrow-dbus.h"

/* Who may call what: every method of every interface the broker exports,
 * as the introspection data generated from data/ lists them, against
 * each kind of caller. */

#define BROKER_UID 1000
#define OTHER_UID 1001

/* The methods that only read.  A method added to the D-Bus API is refused
 * to sandboxed strangers until it is put here and in the policy. */
static const char * const expected_read_only[] = {
  "io.github.burrow.Burrow.Broker1.GetStatus",
  "io.github.burrow.Burrow.Broker1.ListProfiles",
  "io.github.burrow.Burrow.Broker1.GetProfile",
  "io.github.burrow.Burrow.Broker1.ListRules",
  "io.github.burrow.Burrow.Broker1.TestRule",
  "io.github.burrow.Burrow.Broker1.GetCaptureSettings",
};

typedef void (*MethodCheck) (const char *interface_name,
                             const char *method_name);

static GDBusInterfaceInfo *
exported_interface (guint i)
{
  switch (i)
    {
    case 0: return burrow_dbus_broker1_interface_info ();
    case 1: return burrow_dbus_session1_interface_info ();
    case 2: return burrow_dbus_tunnel1_interface_info ();
    case 3: return burrow_dbus_connection1_interface_info ();
    default: return NULL;
    }
}

static guint
for_each_method (MethodCheck check)
{
  GDBusInterfaceInfo *info;
  guint count = 0;

  for (guint i = 0; (info = exported_interface (i)) != NULL; i++)
    for (guint m = 0; info->methods[m] != NULL; m++, count++)
      check (info->name, info->methods[m]->name);
  return count;
}

static gboolean
expected_to_be_read_only (const char *interface_name,
                          const char *method_name)
{
  g_autofree char *full = g_strdup_printf ("%s.%s", interface_name, method_name);

  return g_strv_contains (expected_read_only, full);
}

static void
check_own_user (const char *interface_name,
                const char *method_name)
{
  g_assert_cmpint (broker_caller_policy_judge (BROKER_UID, BROKER_UID, NULL, interface_name,
                                               method_name), ==, BROKER_CALLER_ALLOWED);
}

static void
check_burrow_flatpak (const char *interface_name,
                      const char *method_name)
{
  g_assert_cmpint (broker_caller_policy_judge (BROKER_UID, BROKER_UID, APP_ID, interface_name,
                                               method_name), ==, BROKER_CALLER_ALLOWED);
}

static void
check_other_user (const char *interface_name,
                  const char *method_name)
{
  const char *sandboxes[] = { NULL, APP_ID, "org.example.Other", BROKER_SANDBOX_UNKNOWN_APP };

  for (guint i = 0; i < G_N_ELEMENTS (sandboxes); i++)
    {
      g_assert_cmpint (broker_caller_policy_judge (BROKER_UID, OTHER_UID, sandboxes[i],
                                                   interface_name, method_name),
                       ==, BROKER_CALLER_REFUSED_OTHER_USER);
      g_assert_cmpint (broker_caller_policy_judge (0, BROKER_UID, sandboxes[i],
                                                   interface_name, method_name),
                       ==, BROKER_CALLER_REFUSED_OTHER_USER);
    }
}

static void
check_stranger (const char *interface_name,
                const char *method_name)
{
  const char *sandboxes[] = { "org.example.Other", "io.github.burrow.BurrowEvil",
                              "io.github.burrow", BROKER_SANDBOX_UNKNOWN_APP, "" };
  BrokerCallerVerdict expected = expected_to_be_read_only (interface_name, method_name)
    ? BROKER_CALLER_ALLOWED : BROKER_CALLER_REFUSED_SANDBOXED;

  g_assert_cmpint (broker_caller_method_is_read_only (interface_name, method_name), ==,
                   expected == BROKER_CALLER_ALLOWED);
  for (guint i = 0; i < G_N_ELEMENTS (sandboxes); i++)
    g_assert_cmpint (broker_caller_policy_judge (BROKER_UID, BROKER_UID, sandboxes[i],
                                                 interface_name, method_name), ==, expected);
}

static void
test_own_user_may_call_everything (void)
{
  g_assert_cmpuint (for_each_method (check_own_user), >=, 20);
}

static void
test_burrow_flatpak_may_call_everything (void)
{
  for_each_method (check_burrow_flatpak);
}

static void
test_other_user_may_call_nothing (void)
{
  for_each_method (check_other_user);
}

static void
test_strangers_may_only_read (void)
{
  for_each_method (check_stranger);
}

/* Every name on the list is a method the broker exports (no stale entry
 * that a renamed mutating method could fall back on). */
static void
test_read_only_list_is_current (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected_read_only); i++)
    {
      const char *full = expected_read_only[i];
      const char *dot = strrchr (full, '.');
      g_autofree char *interface_name = g_strndup (full, dot - full);
      gboolean found = FALSE;
      GDBusInterfaceInfo *info;

      for (guint n = 0; (info = exported_interface (n)) != NULL; n++)
        if (g_strcmp0 (info->name, interface_name) == 0)
          found = g_dbus_interface_info_lookup_method (info, dot + 1) != NULL;
      g_assert_true (found);
      g_assert_true (broker_caller_method_is_read_only (interface_name, dot + 1));
    }
}

static void
test_names_match_whole (void)
{
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow", "Broker1.GetStatus"));
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow.Broker", "1.GetStatus"));
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow.Broker1", "GetStatusX"));
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow.Broker1", "GetStat"));
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow.Broker1", ""));
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow.Session1", "GetStatus"));
  g_assert_false (broker_caller_method_is_read_only ("", "GetStatus"));
  g_assert_false (broker_caller_method_is_read_only ("io.github.burrow.Burrow.Broker1X", "GetStatus"));
}

static void
test_messages (void)
{
  g_autofree char *other = broker_caller_verdict_message (BROKER_CALLER_REFUSED_OTHER_USER,
                                                          BROKER_UID, NULL, "SetRules");
  g_autofree char *sandboxed = broker_caller_verdict_message (BROKER_CALLER_REFUSED_SANDBOXED,
                                                              BROKER_UID, "org.example.Other",
                                                              "SetRules");

  g_assert_cmpstr (other, ==, "this Burrow broker serves user 1000 only");
  g_assert_nonnull (strstr (sandboxed, "org.example.Other"));
  g_assert_nonnull (strstr (sandboxed, "SetRules"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/caller-policy/own-user", test_own_user_may_call_everything);
  g_test_add_func ("/caller-policy/burrow-flatpak", test_burrow_flatpak_may_call_everything);
  g_test_add_func ("/caller-policy/other-user", test_other_user_may_call_nothing);
  g_test_add_func ("/caller-policy/strangers-only-read", test_strangers_may_only_read);
  g_test_add_func ("/caller-policy/read-only-list-is-current", test_read_only_list_is_current);
  g_test_add_func ("/caller-policy/names-match-whole", test_names_match_whole);
  g_test_add_func ("/caller-policy/messages", test_messages);

  return g_test_run ();
}
