// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "broker-error.h"
#include "burrow-dbus.h"
#include "burrow-test-broker.h"

#define OBJECT_PATH "/io/github/burrow/Burrow/Broker"
#define BUS_NAME "io.github.burrow.Burrow.Broker"

static const char user_config[] =
  "<?xml version=\"1.0\"?>\n"
  "<!-- my own notes: keep me -->\n"
  "<secsh-broker>\n"
  "  <profiles>\n"
  "    <profile id=\"web\" host=\"web.example.com\" user=\"alice\">\n"
  "      <my-extension colour=\"blue\"/>\n"
  "    </profile>\n"
  "    <profile id=\"jump\" host=\"jump.example.com\" port=\"2222\"/>\n"
  "  </profiles>\n"
  "  <filter-engine>\n"
  "    <rule host=\".*\" ports=\"23\" action=\"TUNNEL\" hostname-from-app=\"YES\"/>\n"
  "  </filter-engine>\n"
  "</secsh-broker>\n";

static const char global_config[] =
  "<secsh-broker>\n"
  "  <general><host-key-policy policy=\"strict\"/></general>\n"
  "  <profiles><profile id=\"corp\" host=\"gw.example.com\"/></profiles>\n"
  "  <filter-engine>\n"
  "    <rule host=\".*\\.corp\\.example\\.com\" action=\"TUNNEL\" profile=\"corp\"/>\n"
  "  </filter-engine>\n"
  "</secsh-broker>\n";

static BurrowTestBroker *shared_broker;

typedef struct
{
  BurrowTestBroker *broker;
  BurrowDBusBroker1 *proxy;
  guint changes;
  guint last_serial;
} Fixture;

static void
on_config_changed (BurrowDBusBroker1 *proxy,
                   guint              serial,
                   gpointer           user_data)
{
  Fixture *fixture = user_data;

  fixture->changes++;
  fixture->last_serial = serial;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->broker = shared_broker;
  burrow_test_broker_write_global (fixture->broker, global_config);
  burrow_test_broker_write_user (fixture->broker, user_config);
  /* The first call starts the broker through D-Bus activation. */
  fixture->proxy = burrow_dbus_broker1_proxy_new_sync (fixture->broker->connection,
                                                       G_DBUS_PROXY_FLAGS_NONE, BUS_NAME,
                                                       OBJECT_PATH, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->proxy, "config-changed", G_CALLBACK (on_config_changed), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->proxy);
  burrow_test_broker_stop_daemon (fixture->broker);
  fixture->broker = NULL;
}

static GVariant *
get_status (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GVariant *status = NULL;

  burrow_dbus_broker1_call_get_status_sync (fixture->proxy, &status, NULL, &error);
  g_assert_no_error (error);
  return status;
}

static GVariant *
list_profiles (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GVariant *profiles = NULL;

  burrow_dbus_broker1_call_list_profiles_sync (fixture->proxy, &profiles, NULL, &error);
  g_assert_no_error (error);
  return profiles;
}

static char *
profile_ids (Fixture *fixture)
{
  g_autoptr(GVariant) profiles = list_profiles (fixture);
  g_autoptr(GString) ids = g_string_new (NULL);

  for (gsize i = 0; i < g_variant_n_children (profiles); i++)
    {
      g_autoptr(GVariant) profile = g_variant_get_child_value (profiles, i);
      const char *id = NULL;

      g_assert_true (g_variant_lookup (profile, "id", "&s", &id));
      g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static void
test_activation_and_status (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GVariant) status = get_status (fixture);
  g_autofree const char **files = NULL;
  g_autofree const char **errors = NULL;
  const char *policy = NULL;
  guint version = 0, profiles = 0, rules = 0;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (fixture->proxy));

  g_assert_nonnull (owner);
  g_assert_true (g_variant_lookup (status, "version", "u", &version));
  g_assert_cmpuint (version, ==, 1);
  g_assert_true (g_variant_lookup (status, "config-files", "^a&s", &files));
  g_assert_cmpstr (files[0], ==, fixture->broker->global_path);
  g_assert_cmpstr (files[1], ==, fixture->broker->user_path);
  g_assert_true (g_variant_lookup (status, "config-errors", "^a&s", &errors));
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 0);
  g_assert_true (g_variant_lookup (status, "profiles", "u", &profiles));
  g_assert_cmpuint (profiles, ==, 3);
  g_assert_true (g_variant_lookup (status, "rules", "u", &rules));
  g_assert_cmpuint (rules, ==, 2);
  g_assert_true (g_variant_lookup (status, "host-key-policy", "&s", &policy));
  g_assert_cmpstr (policy, ==, "strict");

  g_assert_cmpuint (burrow_dbus_broker1_get_version (fixture->proxy), ==, 1);
  g_assert_cmpstr (burrow_dbus_broker1_get_daemon_version (fixture->proxy), !=, "");
}

static void
test_profiles (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GVariant) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = profile_ids (fixture);
  const char *user = NULL, *origin = NULL;
  guint16 port = 0;

  g_assert_cmpstr (ids, ==, "corp,web,jump");

  burrow_dbus_broker1_call_get_profile_sync (fixture->proxy, "jump", &profile, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (profile, "port", "q", &port));
  g_assert_cmpuint (port, ==, 2222);
  g_assert_true (g_variant_lookup (profile, "origin", "&s", &origin));
  g_assert_cmpstr (origin, ==, "user");
  g_clear_pointer (&profile, g_variant_unref);

  burrow_dbus_broker1_call_get_profile_sync (fixture->proxy, "web", &profile, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (profile, "user", "&s", &user));
  g_assert_cmpstr (user, ==, "alice");
  g_clear_pointer (&profile, g_variant_unref);

  burrow_dbus_broker1_call_get_profile_sync (fixture->proxy, "nope", &profile, NULL, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND);
}

static gboolean
changes_at_least_one (gpointer data)
{
  return ((Fixture *) data)->changes > 0;
}

static gboolean
has_config_errors (gpointer data)
{
  const char * const *errors = burrow_dbus_broker1_get_config_errors (data);

  return errors != NULL && errors[0] != NULL;
}

static gboolean
has_no_config_errors (gpointer data)
{
  return !has_config_errors (data);
}

static void
test_reload_broken_keeps_config (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("%s:4:", fixture->broker->user_path);
  g_autofree char *ids = NULL;
  const char * const *errors;

  burrow_test_broker_write_user (fixture->broker,
                                 "<secsh-broker>\n"
                                 "  <profiles>\n"
                                 "    <profile id=\"fresh\" host=\"fresh.example.com\"/>\n"
                                 "    <profile id=\"bad\" host=\"x.example.com\" port=\"99999\"/>\n"
                                 "  </profiles>\n"
                                 "</secsh-broker>\n");
  burrow_dbus_broker1_call_reload_sync (fixture->proxy, NULL, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_dbus_error_strip_remote_error (error);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_assert_nonnull (strstr (error->message, "99999"));

  /* Nothing of the broken file is taken; the last good configuration stays. */
  ids = profile_ids (fixture);
  g_assert_cmpstr (ids, ==, "corp,web,jump");
  g_assert_true (burrow_test_wait_until (has_config_errors, fixture->proxy, 5000));
  errors = burrow_dbus_broker1_get_config_errors (fixture->proxy);
  g_assert_nonnull (errors);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 1);
  g_assert_true (g_str_has_prefix (errors[0], expected));
  g_assert_cmpuint (fixture->changes, ==, 0);

  /* Fixed: the new file becomes active and the errors clear. */
  burrow_test_broker_write_user (fixture->broker,
                                 "<secsh-broker><profiles>"
                                 "<profile id=\"fresh\" host=\"fresh.example.com\"/>"
                                 "</profiles></secsh-broker>\n");
  g_clear_error (&error);
  burrow_dbus_broker1_call_reload_sync (fixture->proxy, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (changes_at_least_one, fixture, 5000));
  g_clear_pointer (&ids, g_free);
  ids = profile_ids (fixture);
  g_assert_cmpstr (ids, ==, "corp,fresh");
  g_assert_true (burrow_test_wait_until (has_no_config_errors, fixture->proxy, 5000));
  g_assert_cmpuint (fixture->last_serial, ==, burrow_dbus_broker1_get_config_serial (fixture->proxy));
}

static GVariant *
make_profile (const char *id,
              const char *host,
              guint16     port)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_auto(GVariantBuilder) tunnels = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_auto(GVariantDict) tunnel = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&tunnel, "type", "s", "FTP");
  g_variant_dict_insert (&tunnel, "listen-port", "q", (guint16) 1234);
  g_variant_dict_insert (&tunnel, "dst-host", "s", "127.0.0.1");
  g_variant_dict_insert (&tunnel, "dst-port", "q", (guint16) 21);
  g_variant_builder_add_value (&tunnels, g_variant_dict_end (&tunnel));
  g_variant_dict_insert (&dict, "id", "s", id);
  g_variant_dict_insert (&dict, "host", "s", host);
  g_variant_dict_insert (&dict, "port", "q", port);
  g_variant_dict_insert (&dict, "gateway-profile", "s", "jump");
  g_variant_dict_insert_value (&dict, "local-tunnels", g_variant_builder_end (&tunnels));
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static void
test_save_profile (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) fresh = make_profile ("ftp", "files.example.com", 22);
  g_autoptr(GVariant) bad = make_profile ("ftp", "files.example.com", 0);
  g_autoptr(GVariant) saved = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *ids = NULL;
  const char *gateway = NULL;

  burrow_dbus_broker1_call_save_profile_sync (fixture->proxy, fresh, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (changes_at_least_one, fixture, 5000));
  ids = profile_ids (fixture);
  g_assert_cmpstr (ids, ==, "corp,web,jump,ftp");
  burrow_dbus_broker1_call_get_profile_sync (fixture->proxy, "ftp", &saved, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (saved, "gateway-profile", "&s", &gateway));
  g_assert_cmpstr (gateway, ==, "jump");

  /* Written to the user's file, with the user's comment and unknown element kept. */
  before = burrow_test_broker_read_user (fixture->broker);
  g_assert_nonnull (strstr (before, "<!-- my own notes: keep me -->"));
  g_assert_nonnull (strstr (before, "<my-extension colour=\"blue\"/>"));
  g_assert_nonnull (strstr (before, "id=\"ftp\""));
  g_assert_nonnull (strstr (before, "type=\"FTP\""));

  /* An invalid profile is refused as a whole and the file is untouched. */
  burrow_dbus_broker1_call_save_profile_sync (fixture->proxy, bad, NULL, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "port"));
  after = burrow_test_broker_read_user (fixture->broker);
  g_assert_cmpstr (before, ==, after);
}

static void
test_save_profile_rejects_bad_arguments (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "id", "s", "x");
  g_variant_dict_insert (&dict, "hots", "s", "typo.example.com");
  burrow_dbus_broker1_call_save_profile_sync (fixture->proxy, g_variant_dict_end (&dict), NULL,
                                              &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "hots"));
}

static void
test_delete_profile (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *contents = NULL;

  burrow_dbus_broker1_call_delete_profile_sync (fixture->proxy, "corp", NULL, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_READ_ONLY);
  g_clear_error (&error);
  burrow_dbus_broker1_call_delete_profile_sync (fixture->proxy, "ghost", NULL, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  burrow_dbus_broker1_call_delete_profile_sync (fixture->proxy, "web", NULL, &error);
  g_assert_no_error (error);
  ids = profile_ids (fixture);
  g_assert_cmpstr (ids, ==, "corp,jump");
  contents = burrow_test_broker_read_user (fixture->broker);
  g_assert_null (strstr (contents, "id=\"web\""));
  g_assert_nonnull (strstr (contents, "<!-- my own notes: keep me -->"));
}

static GVariant *
make_rule (const char *host,
           const char *ports,
           const char *action,
           const char *profile)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "host", "s", host);
  g_variant_dict_insert (&dict, "ports", "s", ports);
  g_variant_dict_insert (&dict, "action", "s", action);
  if (profile != NULL)
    g_variant_dict_insert (&dict, "profile", "s", profile);
  return g_variant_dict_end (&dict);
}

static void
test_rules (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_auto(GVariantDict) query = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GVariant) rule = NULL;
  g_autofree char *explanation = NULL;
  const char *action = NULL;
  int index = -2;

  g_variant_builder_add_value (&builder, make_rule ("mail\\.example\\.com", "25,143", "TUNNEL",
                                                    "jump"));
  g_variant_builder_add_value (&builder, make_rule (".*", "6000-6010", "BLOCK", NULL));
  burrow_dbus_broker1_call_set_rules_sync (fixture->proxy, g_variant_builder_end (&builder), NULL,
                                           &error);
  g_assert_no_error (error);

  burrow_dbus_broker1_call_list_rules_sync (fixture->proxy, &rules, NULL, &error);
  g_assert_no_error (error);
  /* The global rule always stays in front of the user's. */
  g_assert_cmpuint (g_variant_n_children (rules), ==, 3);

  g_variant_dict_insert (&query, "application", "s", "/usr/bin/xterm");
  g_variant_dict_insert (&query, "host", "s", "display.example.com");
  g_variant_dict_insert (&query, "port", "q", (guint16) 6003);
  burrow_dbus_broker1_call_test_rule_sync (fixture->proxy, g_variant_dict_end (&query), &index,
                                           &rule, &explanation, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (index, ==, 2);
  g_assert_true (g_variant_lookup (rule, "action", "&s", &action));
  g_assert_cmpstr (action, ==, "BLOCK");
  g_assert_nonnull (strstr (explanation, "does not match"));

  /* A rule naming a missing profile is refused with the file and line. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&builder, make_rule (".*", "22", "TUNNEL", "missing"));
  burrow_dbus_broker1_call_set_rules_sync (fixture->proxy, g_variant_builder_end (&builder), NULL,
                                           &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "missing"));
}

/* @rule (floating) with "ftp" set. */
static GVariant *
with_ftp (GVariant *rule)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (rule);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (owned);

  g_variant_dict_insert (&dict, "ftp", "b", TRUE);
  return g_variant_dict_end (&dict);
}

/* SetRules keeps ftp="YES" in the file and ListRules reports it; on a BLOCK
 * rule it is refused, naming the file and line, and nothing is written. */
static void
test_rules_ftp (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GVariant) first = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *where = NULL;
  gboolean ftp = FALSE;

  g_variant_builder_add_value (&builder, with_ftp (make_rule ("files\\.example\\.com", "2121",
                                                              "TUNNEL", "jump")));
  burrow_dbus_broker1_call_set_rules_sync (fixture->proxy, g_variant_builder_end (&builder), NULL,
                                           &error);
  g_assert_no_error (error);
  contents = burrow_test_broker_read_user (fixture->broker);
  g_assert_nonnull (strstr (contents, "ports=\"2121\" action=\"TUNNEL\" profile=\"jump\" "
                                      "hostname-from-app=\"NO\" fallback-to-plain=\"NO\" "
                                      "ftp=\"YES\""));

  burrow_dbus_broker1_call_list_rules_sync (fixture->proxy, &rules, NULL, &error);
  g_assert_no_error (error);
  /* After the global rule. */
  g_assert_cmpuint (g_variant_n_children (rules), ==, 2);
  first = g_variant_get_child_value (rules, 0);
  g_assert_true (g_variant_lookup (first, "ftp", "b", &ftp));
  g_assert_false (ftp);
  g_clear_pointer (&first, g_variant_unref);
  first = g_variant_get_child_value (rules, 1);
  g_assert_true (g_variant_lookup (first, "ftp", "b", &ftp));
  g_assert_true (ftp);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&builder, with_ftp (make_rule (".*", "2121", "BLOCK", NULL)));
  burrow_dbus_broker1_call_set_rules_sync (fixture->proxy, g_variant_builder_end (&builder), NULL,
                                           &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_dbus_error_strip_remote_error (error);
  where = g_strdup_printf ("%s:", fixture->broker->user_path);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, "ftp=\"YES\" on a BLOCK rule"));
  g_clear_pointer (&contents, g_free);
  contents = burrow_test_broker_read_user (fixture->broker);
  g_assert_nonnull (strstr (contents, "ftp=\"YES\""));
  g_assert_null (strstr (contents, "BLOCK"));
}

static void
test_capture_settings (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) settings = NULL;
  g_autofree char *contents = NULL;
  gboolean enable = FALSE;

  g_variant_dict_insert (&dict, "enable-at-startup", "b", TRUE);
  burrow_dbus_broker1_call_set_capture_settings_sync (fixture->proxy, g_variant_dict_end (&dict),
                                                      NULL, &error);
  g_assert_no_error (error);
  burrow_dbus_broker1_call_get_capture_settings_sync (fixture->proxy, &settings, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (settings, "enable-at-startup", "b", &enable));
  g_assert_true (enable);
  contents = burrow_test_broker_read_user (fixture->broker);
  g_assert_nonnull (strstr (contents, "<connection-capture enable-at-startup=\"YES\"/>"));
}

static guint32
broker_pid (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (fixture->proxy));
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (fixture->broker->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionUnixProcessID", g_variant_new ("(s)", owner),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  return pid;
}

static gboolean
name_has_no_owner (gpointer data)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (data));

  return owner == NULL;
}

static void
test_sigterm (Fixture       *fixture,
              gconstpointer  data)
{
  guint32 pid = broker_pid (fixture);

  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  g_assert_true (burrow_test_wait_until (name_has_no_owner, fixture->proxy, 5000));
}

typedef struct
{
  Fixture *fixture;
  const char *ids;
} ExpectedIds;

static gboolean
profile_ids_are (gpointer data)
{
  ExpectedIds *expected = data;
  g_autofree char *ids = profile_ids (expected->fixture);

  return g_str_equal (ids, expected->ids);
}

/* SIGHUP reads the files again, as Reload does: a good file is taken, a
 * broken one changes nothing; the broker runs on either way. */
static void
test_sighup (Fixture       *fixture,
             gconstpointer  data)
{
  guint32 pid = broker_pid (fixture);
  ExpectedIds fresh = { fixture, "corp,fresh" };

  burrow_test_broker_write_user (fixture->broker,
                                 "<secsh-broker><profiles>"
                                 "<profile id=\"fresh\" host=\"fresh.example.com\"/>"
                                 "</profiles></secsh-broker>\n");
  g_assert_cmpint (kill ((pid_t) pid, SIGHUP), ==, 0);
  g_assert_true (burrow_test_wait_until (profile_ids_are, &fresh, 5000));

  burrow_test_broker_write_user (fixture->broker, "<secsh-broker><profiles>\n<profile/>\n");
  g_assert_cmpint (kill ((pid_t) pid, SIGHUP), ==, 0);
  g_assert_true (burrow_test_wait_until (has_config_errors, fixture->proxy, 5000));
  g_assert_true (profile_ids_are (&fresh));
  g_assert_cmpuint (broker_pid (fixture), ==, pid);
}

typedef struct
{
  GSubprocess *process;
  gboolean exited;
} Child;

static void
on_child_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Child *child = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  child->exited = TRUE;
}

static gboolean
child_exited (gpointer data)
{
  return ((Child *) data)->exited;
}

static GSubprocess *
spawn_broker (Fixture    *fixture,
              const char *option,
              GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autofree char *exe = burrow_test_build_path ("broker", "burrow-broker", NULL);

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                burrow_test_broker_get_address (fixture->broker), TRUE);
  return g_subprocess_launcher_spawn (launcher, error, exe, option, NULL);
}

static gboolean
owner_is_not (gpointer data)
{
  gpointer *pair = data;
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (pair[0]));

  return owner != NULL && g_strcmp0 (owner, pair[1]) != 0;
}

static void
test_replace (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first_owner = NULL;
  Child second = { NULL, FALSE };
  Child third = { NULL, FALSE };
  gpointer pair[2];

  g_assert_cmpuint (broker_pid (fixture), >, 0);
  first_owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (fixture->proxy));

  /* Without --replace a second broker gives up and says why. */
  second.process = spawn_broker (fixture, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (second.process, NULL, on_child_exited, &second);
  g_assert_true (burrow_test_wait_until (child_exited, &second, 10000));
  g_assert_cmpint (g_subprocess_get_exit_status (second.process), ==, 1);

  /* With --replace it takes the name over. */
  third.process = spawn_broker (fixture, "--replace", &error);
  g_assert_no_error (error);
  pair[0] = fixture->proxy;
  pair[1] = first_owner;
  g_assert_true (burrow_test_wait_until (owner_is_not, pair, 10000));
  g_subprocess_send_signal (third.process, SIGTERM);
  g_subprocess_wait_async (third.process, NULL, on_child_exited, &third);
  g_assert_true (burrow_test_wait_until (child_exited, &third, 10000));
  g_assert_true (g_subprocess_get_if_exited (third.process));
  g_assert_cmpint (g_subprocess_get_exit_status (third.process), ==, 0);
  g_clear_object (&second.process);
  g_clear_object (&third.process);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Maps io.github.burrow.Burrow.Error.* back to BROKER_ERROR codes. */
  (void) broker_error_quark ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/broker/dbus/activation-and-status", test_activation_and_status);
  ADD ("/broker/dbus/profiles", test_profiles);
  ADD ("/broker/dbus/reload-broken-keeps-config", test_reload_broken_keeps_config);
  ADD ("/broker/dbus/save-profile", test_save_profile);
  ADD ("/broker/dbus/save-profile-bad-arguments", test_save_profile_rejects_bad_arguments);
  ADD ("/broker/dbus/delete-profile", test_delete_profile);
  ADD ("/broker/dbus/rules", test_rules);
  ADD ("/broker/dbus/rules-ftp", test_rules_ftp);
  ADD ("/broker/dbus/capture-settings", test_capture_settings);
  ADD ("/broker/dbus/sigterm", test_sigterm);
  ADD ("/broker/dbus/sighup", test_sighup);
  ADD ("/broker/dbus/replace", test_replace);
#undef ADD

  shared_broker = burrow_test_broker_new (TRUE);
  status = g_test_run ();
  burrow_test_broker_free (shared_broker);
  return status;
}
