// SPDX-License-Identifier: GPL-3.0-or-later
/* burrowctl capture [on|off|suspend|resume]: session-wide capture (the
 * configuration's <connection-capture enable-at-startup="…"/>), and
 * Broker1.SetCaptureActive for the running broker. */
#include "config.h"

#include "burrowctl-capture.h"
#include "burrowctl.h"
#include "burrow-dbus.h"

#include <stdio.h>

/* What keeps the session's environment.d file from being as configured,
 * on standard error; FALSE when nothing does. */
static gboolean
report_session_file_problem (GVariant *settings)
{
  const char *problem = "";

  g_variant_lookup (settings, "session-file-problem", "&s", &problem);
  if (*problem == '\0')
    return FALSE;
  fprintf (stderr, "burrowctl: session-wide capture: %s\n", problem);
  return TRUE;
}

static int
show (BurrowDBusBroker1 *broker)
{
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GError) error = NULL;
  gboolean enabled = FALSE;
  const char *file = NULL;

  if (!burrow_dbus_broker1_call_get_capture_settings_sync (broker, &settings, NULL, &error))
    return burrowctl_report_error (error);
  g_variant_lookup (settings, "enable-at-startup", "b", &enabled);
  printf ("session-wide capture: %s\n", enabled ? "on" : "off");
  if (enabled && g_variant_lookup (settings, "session-file", "&s", &file))
    printf ("session environment: %s\n", file);
  report_session_file_problem (settings);
  printf ("capture now: %s\n", burrow_dbus_broker1_get_capture_active (broker)
                               ? "active (the filter rules apply)"
                               : "suspended (captured programs connect directly)");
  return BURROWCTL_EXIT_OK;
}

static int
set_active (BurrowDBusBroker1 *broker,
            gboolean           active)
{
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_set_capture_active_sync (broker, active, NULL, &error))
    return burrowctl_report_error (error);
  printf (active ? "capture now: active (the filter rules apply)\n"
                 : "capture now: suspended until `burrowctl capture resume` or the broker "
                   "restarts (captured programs connect directly)\n");
  return BURROWCTL_EXIT_OK;
}

static int
set (BurrowDBusBroker1 *broker,
     gboolean           enable)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) settings = NULL;

  g_variant_dict_insert (&dict, "enable-at-startup", "b", enable);

  if (!burrow_dbus_broker1_call_set_capture_settings_sync (broker, g_variant_dict_end (&dict),
                                                           NULL, &error) ||
      !burrow_dbus_broker1_call_get_capture_settings_sync (broker, &settings, NULL, &error))
    return burrowctl_report_error (error);
  if (report_session_file_problem (settings))
    {
      fprintf (stderr, "burrowctl: the setting is saved (%s); fix the above and run "
                       "`burrowctl capture %s` again\n", enable ? "on" : "off",
               enable ? "on" : "off");
      return BURROWCTL_EXIT_FAILED;
    }
  if (enable)
    printf ("session-wide capture: on; programs of the session are captured from the next "
            "login (services and D-Bus activated programs from now)\n");
  else
    printf ("session-wide capture: off; programs already running stay captured until they "
            "exit\n");
  return BURROWCTL_EXIT_OK;
}

int
burrowctl_cmd_capture (int    argc,
                       char **argv)
{
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  static const char * const verbs[] = { "on", "off", "suspend", "resume", NULL };
  int exit_status = burrowctl_parse_options (
    &argc, &argv, "[on|off|suspend|resume]",
    "Shows capture's state.  on/off: session-wide capture, every program of\n"
    "the session started with libburrow-capture.so preloaded, through\n"
    "~/.config/environment.d/60-burrow-capture.conf (read at login; saved).\n"
    "suspend/resume: captured programs connect directly, or follow the rules\n"
    "again (this broker only, not saved).", NULL);

  if (exit_status >= 0)
    return exit_status;
  if (argc > 2 || (argc == 2 && !g_strv_contains (verbs, argv[1])))
    {
      fprintf (stderr, "burrowctl capture: expected no argument, on, off, suspend or resume\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (argc == 1)
    return show (broker);
  if (g_str_equal (argv[1], "suspend") || g_str_equal (argv[1], "resume"))
    return set_active (broker, g_str_equal (argv[1], "resume"));
  return set (broker, g_str_equal (argv[1], "on"));
}
