// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <stdio.h>

#include "broker-config-file.h"
#include "broker-error.h"
#include "broker-filter.h"
#include "burrow-dbus.h"
#include "burrowctl-agent.h"
#include "burrowctl-capture.h"
#include "burrowctl-connections.h"
#include "burrowctl-forward.h"
#include "burrowctl.h"

#define BROKER_OBJECT_PATH "/io/github/burrow/Burrow/Broker"

/* Parses a command's options; prints its --help.  Returns -1 to go on, or
 * the exit status. */
int
burrowctl_parse_options (int          *argc,
               char       ***argv,
               const char   *parameters,
               const char   *summary,
               GOptionEntry *entries)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      fprintf (stderr, "burrowctl %s: %s\n", (*argv)[0], error->message);
      return BURROWCTL_EXIT_USAGE;
    }
  return -1;
}

BurrowDBusBroker1 *
burrowctl_connect_broker (void)
{
  g_autoptr(GError) error = NULL;
  BurrowDBusBroker1 *proxy;

  proxy = burrow_dbus_broker1_proxy_new_for_bus_sync (G_BUS_TYPE_SESSION,
                                                      G_DBUS_PROXY_FLAGS_NONE,
                                                      BROKER_BUS_NAME, BROKER_OBJECT_PATH,
                                                      NULL, &error);
  if (proxy == NULL)
    fprintf (stderr, "burrowctl: cannot reach the broker: %s\n", error->message);
  return proxy;
}

int
burrowctl_report_error (GError *error)
{
  BrokerError code = error->domain == BROKER_ERROR ? error->code : BROKER_ERROR_FAILED;

  g_dbus_error_strip_remote_error (error);
  fprintf (stderr, "burrowctl: %s\n", error->message);
  if (error->domain == G_DBUS_ERROR && error->code == G_DBUS_ERROR_SERVICE_UNKNOWN)
    return BURROWCTL_EXIT_NO_BROKER;
  return code == BROKER_ERROR_INVALID_ARGS ? BURROWCTL_EXIT_USAGE : BURROWCTL_EXIT_FAILED;
}

static const char *
lookup_string (GVariant   *dict,
               const char *key,
               const char *fallback)
{
  const char *value = NULL;

  return g_variant_lookup (dict, key, "&s", &value) ? value : fallback;
}

static void
print_strv (const char         *label,
            const char * const *values)
{
  if (values == NULL || values[0] == NULL)
    {
      printf ("%-18s (none)\n", label);
      return;
    }
  for (guint i = 0; values[i] != NULL; i++)
    printf ("%-18s %s\n", i == 0 ? label : "", values[i]);
}

static void
print_sessions (void)
{
  g_autoptr(GDBusObjectManager) objects = NULL;
  g_autolist(GDBusObject) list = NULL;
  guint count = 0;

  objects = burrow_dbus_object_manager_client_new_for_bus_sync (
    G_BUS_TYPE_SESSION, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, BROKER_BUS_NAME,
    "/io/github/burrow/Burrow", NULL, NULL);
  if (objects == NULL)
    return;
  list = g_dbus_object_manager_get_objects (objects);
  for (GList *l = list; l != NULL; l = l->next)
    {
      g_autoptr(BurrowDBusSession1) session = burrow_dbus_object_get_session1 (l->data);
      const char *reason;

      if (session == NULL)
        continue;
      reason = burrow_dbus_session1_get_failure_reason (session);
      printf ("%-18s %s: %s %s@%s:%u%s%s\n", count++ == 0 ? "sessions" : "",
              burrow_dbus_session1_get_profile (session), burrow_dbus_session1_get_state (session),
              burrow_dbus_session1_get_user (session), burrow_dbus_session1_get_host (session),
              burrow_dbus_session1_get_port (session), reason != NULL && *reason ? " — " : "",
              reason != NULL ? reason : "");
    }
  if (count == 0)
    printf ("%-18s (none)\n", "sessions");
}

static int
cmd_status (int    argc,
            char **argv)
{
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  g_autoptr(GVariant) status = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **files = NULL;
  g_autofree const char **errors = NULL;
  guint serial = 0, profiles = 0, rules = 0;
  int exit_status = burrowctl_parse_options (&argc, &argv, "", "Shows the broker's state.", NULL);

  if (exit_status >= 0)
    return exit_status;
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!burrow_dbus_broker1_call_get_status_sync (broker, &status, NULL, &error))
    return burrowctl_report_error (error);

  g_variant_lookup (status, "config-files", "^a&s", &files);
  g_variant_lookup (status, "config-errors", "^a&s", &errors);
  g_variant_lookup (status, "config-serial", "u", &serial);
  g_variant_lookup (status, "profiles", "u", &profiles);
  g_variant_lookup (status, "rules", "u", &rules);
  printf ("%-18s %s\n", "broker", lookup_string (status, "daemon-version", "?"));
  printf ("%-18s %s\n", "configuration",
        errors != NULL && errors[0] != NULL ? "ERROR (running on the last good one)" : "ok");
  print_strv ("config files", files);
  print_strv ("config errors", errors);
  printf ("%-18s %u\n", "config serial", serial);
  printf ("%-18s %u\n", "profiles", profiles);
  printf ("%-18s %u\n", "rules", rules);
  printf ("%-18s %s\n", "host-key policy", lookup_string (status, "host-key-policy", "?"));
  print_sessions ();
  return BURROWCTL_EXIT_OK;
}

static int
cmd_reload (int    argc,
            char **argv)
{
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  g_autoptr(GError) error = NULL;
  int exit_status = burrowctl_parse_options (&argc, &argv, "",
                                   "Makes the broker re-read its configuration files.  If one "
                                   "is invalid, the broker keeps its\ncurrent configuration and "
                                   "the error is printed as FILE:LINE: MESSAGE.", NULL);

  if (exit_status >= 0)
    return exit_status;
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!burrow_dbus_broker1_call_reload_sync (broker, NULL, &error))
    return burrowctl_report_error (error);
  printf ("configuration reloaded\n");
  return BURROWCTL_EXIT_OK;
}

static void
print_tunnels (GVariant   *profile,
               const char *key,
               const char *flag)
{
  g_autoptr(GVariant) tunnels = g_variant_lookup_value (profile, key, G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *tunnel;

  if (tunnels == NULL)
    return;
  g_variant_iter_init (&iter, tunnels);
  while ((tunnel = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned = tunnel;
      guint16 listen_port = 0, dst_port = 0;

      g_variant_lookup (owned, "listen-port", "q", &listen_port);
      g_variant_lookup (owned, "dst-port", "q", &dst_port);
      printf ("  tunnel -%s %s/%s:%u", flag, lookup_string (owned, "type", "SOCKS"),
              lookup_string (owned, "listen-address", ""), listen_port);
      if (g_variant_lookup (owned, "dst-host", "&s", NULL))
        printf (":%s:%u", lookup_string (owned, "dst-host", ""), dst_port);
      printf ("\n");
    }
}

static void
print_profile (GVariant *profile,
               gboolean  details)
{
  guint16 port = 0;
  guint line = 0;

  g_variant_lookup (profile, "port", "q", &port);
  g_variant_lookup (profile, "line", "u", &line);
  printf ("%-16s %s%s%s:%u  (%s, line %u)\n", lookup_string (profile, "id", ""),
          lookup_string (profile, "user", ""), g_variant_lookup (profile, "user", "&s", NULL) ? "@" : "",
          lookup_string (profile, "host", ""), port, lookup_string (profile, "origin", ""), line);
  if (!details)
    return;

  g_autofree const char **methods = NULL;
  g_autofree const char **identities = NULL;
  guint keepalive = 0, idle = 0;

  g_variant_lookup (profile, "authentication-methods", "^a&s", &methods);
  g_variant_lookup (profile, "identity-files", "^a&s", &identities);
  g_variant_lookup (profile, "keepalive-interval", "u", &keepalive);
  g_variant_lookup (profile, "idle-timeout", "u", &idle);
  printf ("  name             %s\n", lookup_string (profile, "name", ""));
  printf ("  gateway-profile  %s\n", lookup_string (profile, "gateway-profile", "(none)"));
  printf ("  keepalive        %u s\n  idle-timeout     %u s\n", keepalive, idle);
  if (methods != NULL)
    for (guint i = 0; methods[i] != NULL; i++)
      printf ("  auth-method      %s\n", methods[i]);
  if (identities != NULL)
    for (guint i = 0; identities[i] != NULL; i++)
      printf ("  identity-file    %s\n", identities[i]);
  print_tunnels (profile, "local-tunnels", "L");
  print_tunnels (profile, "remote-tunnels", "R");
  print_tunnels (profile, "dynamic-tunnels", "D");
}

static int
show_profile (BurrowDBusBroker1 *broker,
              const char        *id)
{
  g_autoptr(GVariant) profile = NULL;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_get_profile_sync (broker, id, &profile, NULL, &error))
    return burrowctl_report_error (error);
  print_profile (profile, TRUE);
  return BURROWCTL_EXIT_OK;
}

static int
cmd_profiles (int    argc,
              char **argv)
{
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  g_autoptr(GVariant) profiles = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *profile;
  int exit_status = burrowctl_parse_options (&argc, &argv, "[show ID]",
                                   "Lists the connection profiles, or shows one in detail.", NULL);

  if (exit_status >= 0)
    return exit_status;
  if (argc > 1 && (argc != 3 || !g_str_equal (argv[1], "show")))
    {
      fprintf (stderr, "burrowctl profiles: expected \"show ID\"\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (argc == 3)
    return show_profile (broker, argv[2]);
  if (!burrow_dbus_broker1_call_list_profiles_sync (broker, &profiles, NULL, &error))
    return burrowctl_report_error (error);
  g_variant_iter_init (&iter, profiles);
  while ((profile = g_variant_iter_next_value (&iter)) != NULL)
    {
      print_profile (profile, FALSE);
      g_variant_unref (profile);
    }
  return BURROWCTL_EXIT_OK;
}

static void
print_rule (int       index,
            GVariant *rule)
{
  gboolean from_app = FALSE, fallback = FALSE, ftp = FALSE;
  guint line = 0;

  g_variant_lookup (rule, "hostname-from-app", "b", &from_app);
  g_variant_lookup (rule, "fallback-to-plain", "b", &fallback);
  g_variant_lookup (rule, "ftp", "b", &ftp);
  g_variant_lookup (rule, "line", "u", &line);
  printf ("%2d  %-6s app=%s host=%s ports=%s", index + 1, lookup_string (rule, "action", "?"),
          lookup_string (rule, "application", "*"), lookup_string (rule, "host", "*"),
          lookup_string (rule, "ports", "*"));
  if (g_variant_lookup (rule, "profile", "&s", NULL))
    printf (" profile=%s", lookup_string (rule, "profile", ""));
  if (from_app)
    printf (" hostname-from-app");
  if (fallback)
    printf (" fallback-to-plain");
  if (ftp)
    printf (" ftp");
  printf ("  (%s, line %u)\n", lookup_string (rule, "origin", ""), line);
}

static int
list_rules (void)
{
  g_autoptr(BurrowDBusBroker1) broker = burrowctl_connect_broker ();
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  GVariant *rule;
  int index = 0;

  if (broker == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!burrow_dbus_broker1_call_list_rules_sync (broker, &rules, NULL, &error))
    return burrowctl_report_error (error);
  if (g_variant_n_children (rules) == 0)
    printf ("no rules: every connection goes DIRECT\n");
  g_variant_iter_init (&iter, rules);
  while ((rule = g_variant_iter_next_value (&iter)) != NULL)
    {
      print_rule (index++, rule);
      g_variant_unref (rule);
    }
  return BURROWCTL_EXIT_OK;
}

static int
test_rule_with_broker (GVariant *query)
{
  g_autoptr(BurrowDBusBroker1) broker = burrowctl_connect_broker ();
  g_autoptr(GVariant) rule = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *explanation = NULL;
  int index = -1;

  if (broker == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!burrow_dbus_broker1_call_test_rule_sync (broker, query, &index, &rule, &explanation, NULL,
                                                &error))
    return burrowctl_report_error (error);
  printf ("%s", explanation);
  if (index >= 0)
    print_rule (index, rule);
  return BURROWCTL_EXIT_OK;
}

static int
cmd_rules (int    argc,
           char **argv)
{
  g_autofree char *application = NULL;
  g_autofree char *host = NULL;
  g_autofree char *address = NULL;
  g_autofree char *file = NULL;
  int port = 0;
  GOptionEntry entries[] = {
    { "app", 0, 0, G_OPTION_ARG_FILENAME, &application, "The application's executable path", "PATH" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "The destination host (name or address)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The destination port", "PORT" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      "The address HOST resolves to (for rules with an address block)", "ADDRESS" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &file,
      "Test against this file instead of the broker's configuration", "FILE" },
    { NULL }
  };
  int exit_status = burrowctl_parse_options (&argc, &argv,
                                             "[test --host HOST --port PORT [--app PATH]]",
                                             "Lists the filter rules in evaluation order, or "
                                             "tells which rule a connection would match and why.",
                                             entries);
  g_auto(GVariantDict) query = G_VARIANT_DICT_INIT (NULL);

  if (exit_status >= 0)
    return exit_status;
  if (argc == 1)
    return list_rules ();
  if (argc != 2 || !g_str_equal (argv[1], "test") || host == NULL || port < 1 || port > 65535)
    {
      fprintf (stderr, "burrowctl rules: expected \"test --host HOST --port PORT [--app PATH]\" "
               "with a port from 1 to 65535\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if (file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BrokerConfig) config = broker_config_file_load (file, FALSE,
                                                                BROKER_CONFIG_ORIGIN_USER, NULL,
                                                                &error);
      g_autoptr(GString) explanation = g_string_new (NULL);
      BrokerFilterQuery q = { application, host, (guint16) port, address };

      if (config == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return BURROWCTL_EXIT_FAILED;
        }
      broker_filter_evaluate (config, &q, explanation);
      printf ("%s", explanation->str);
      return BURROWCTL_EXIT_OK;
    }
  if (application != NULL)
    g_variant_dict_insert (&query, "application", "s", application);
  g_variant_dict_insert (&query, "host", "s", host);
  g_variant_dict_insert (&query, "port", "q", (guint16) port);
  if (address != NULL)
    g_variant_dict_insert (&query, "address", "s", address);
  return test_rule_with_broker (g_variant_dict_end (&query));
}

static int
cmd_check (int    argc,
           char **argv)
{
  g_autofree char *global = NULL;
  g_autoptr(BrokerConfig) base = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "global", 0, 0, G_OPTION_ARG_FILENAME, &global,
      "Check FILE as a user file merged over this global file", "GLOBAL" },
    { NULL }
  };
  int exit_status = burrowctl_parse_options (&argc, &argv, "FILE",
                                   "Validates a configuration file without a broker.  Errors are "
                                   "printed as FILE:LINE: MESSAGE\nand the exit status is 1.",
                                   entries);

  if (exit_status >= 0)
    return exit_status;
  if (argc != 2)
    {
      fprintf (stderr, "burrowctl check: expected one FILE\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if (global != NULL)
    base = broker_config_file_load (global, FALSE, BROKER_CONFIG_ORIGIN_GLOBAL, NULL, &error);
  if (global == NULL || base != NULL)
    config = broker_config_file_load (argv[1], FALSE, global != NULL ? BROKER_CONFIG_ORIGIN_USER :
                                      BROKER_CONFIG_ORIGIN_GLOBAL, base, &error);
  if (config == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return BURROWCTL_EXIT_FAILED;
    }
  printf ("%s: ok (%u profiles, %u rules)\n", argv[1], config->profiles->len, config->rules->len);
  return BURROWCTL_EXIT_OK;
}

typedef struct
{
  BurrowDBusSession1 *session;
  gboolean timed_out;
} ConnectWait;

static gboolean
connect_settled (ConnectWait *wait)
{
  const char *state = burrow_dbus_session1_get_state (wait->session);

  return g_strcmp0 (state, "connected") == 0 || g_strcmp0 (state, "failed") == 0 ||
         g_strcmp0 (state, "disconnected") == 0;
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  ((ConnectWait *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Follows the session's State until it settles, at most @seconds. */
static int
wait_for_session (BurrowDBusSession1 *session,
                  const char         *profile,
                  int                 seconds)
{
  ConnectWait wait = { session, FALSE };
  guint timeout = g_timeout_add_seconds (seconds, on_connect_timeout, &wait);
  const char *state;

  while (!connect_settled (&wait) && !wait.timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!wait.timed_out)
    g_source_remove (timeout);
  state = burrow_dbus_session1_get_state (session);
  if (g_strcmp0 (state, "connected") == 0)
    {
      printf ("%s: connected to %s@%s:%u (%s)\n", profile, burrow_dbus_session1_get_user (session),
              burrow_dbus_session1_get_host (session), burrow_dbus_session1_get_port (session),
              burrow_dbus_session1_get_host_key_fingerprint (session));
      return BURROWCTL_EXIT_OK;
    }
  if (wait.timed_out)
    fprintf (stderr, "burrowctl: %s: still %s after %d s\n", profile, state, seconds);
  else
    fprintf (stderr, "burrowctl: %s: %s\n", profile,
             burrow_dbus_session1_get_failure_reason (session));
  return BURROWCTL_EXIT_FAILED;
}

static int
cmd_connect (int    argc,
             char **argv)
{
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  g_autoptr(BurrowDBusSession1) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int seconds = 30;
  GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_INT, &seconds, "Wait at most this long (default 30)",
      "SECONDS" },
    { NULL }
  };
  int exit_status = burrowctl_parse_options (&argc, &argv, "PROFILE",
                                   "Opens the profile's shared SSH session and waits until it "
                                   "is connected or has failed.", entries);

  if (exit_status >= 0)
    return exit_status;
  if (argc != 2)
    {
      fprintf (stderr, "burrowctl connect: expected one PROFILE\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if (seconds < 1)
    {
      fprintf (stderr, "burrowctl connect: --timeout must be at least 1 second\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!burrow_dbus_broker1_call_connect_sync (broker, argv[1], &path, NULL, &error))
    return burrowctl_report_error (error);
  session = burrow_dbus_session1_proxy_new_sync (
    g_dbus_proxy_get_connection (G_DBUS_PROXY (broker)), G_DBUS_PROXY_FLAGS_NONE,
    BROKER_BUS_NAME, path, NULL, &error);
  if (session == NULL)
    return burrowctl_report_error (error);
  return wait_for_session (session, argv[1], seconds);
}

static int
cmd_disconnect (int    argc,
                char **argv)
{
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  g_autoptr(GError) error = NULL;
  int exit_status = burrowctl_parse_options (&argc, &argv, "PROFILE",
                                   "Closes the profile's SSH session and every channel on it.",
                                   NULL);

  if (exit_status >= 0)
    return exit_status;
  if (argc != 2)
    {
      fprintf (stderr, "burrowctl disconnect: expected one PROFILE\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!burrow_dbus_broker1_call_disconnect_sync (broker, argv[1], NULL, &error))
    return burrowctl_report_error (error);
  printf ("%s: disconnected\n", argv[1]);
  return BURROWCTL_EXIT_OK;
}

static const BurrowctlCommand commands[] = {
  { "status", "", "Show the broker's state and configuration errors", cmd_status },
  { "reload", "", "Re-read the configuration files", cmd_reload },
  { "profiles", "[show ID]", "List connection profiles, or show one", cmd_profiles },
  { "rules", "[test …]", "List filter rules, or test which one matches", cmd_rules },
  { "check", "FILE", "Validate a configuration file (no broker needed)", cmd_check },
  { "connect", "PROFILE", "Open a profile's SSH session and wait for it", cmd_connect },
  { "disconnect", "PROFILE", "Close a profile's SSH session", cmd_disconnect },
  { "forward", "-L|-R|-D SPEC… DEST", "Open tunnels like ssh -L/-R/-D, until interrupted",
    burrowctl_cmd_forward },
  { "tunnels", "", "List the broker's tunnels with their traffic", burrowctl_cmd_tunnels },
  { "connections", "[close ID]", "List captured programs' connections, or close one",
    burrowctl_cmd_connections },
  { "capture", "[on|off|suspend|resume]", "Show or set session-wide capture, or suspend it",
    burrowctl_cmd_capture },
  { "agent", "[--script FILE]", "Answer the broker's questions (host keys, passwords)",
    burrowctl_agent },
  { NULL }
};

GDBusObjectManager *
burrowctl_connect_objects (int *exit_status)
{
  g_autoptr(GDBusObjectManager) objects = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;

  objects = burrow_dbus_object_manager_client_new_for_bus_sync (
    G_BUS_TYPE_SESSION, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, BROKER_BUS_NAME,
    "/io/github/burrow/Burrow", NULL, &error);
  if (objects == NULL)
    {
      *exit_status = burrowctl_report_error (error);
      return NULL;
    }
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects));
  if (owner == NULL)
    {
      fprintf (stderr, "burrowctl: the broker is not running\n");
      *exit_status = BURROWCTL_EXIT_NO_BROKER;
      return NULL;
    }
  return g_steal_pointer (&objects);
}

const BurrowctlCommand *
burrowctl_commands (void)
{
  return commands;
}
