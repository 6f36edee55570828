// SPDX-License-Identifier: GPL-3.0-or-later
/* burrowctl connections [close ID]: the captured programs' connections. */
#include "config.h"

#include "burrowctl-connections.h"
#include "burrowctl.h"
#include "burrow-dbus.h"

#include <stdio.h>
#include <string.h>

static char *
age_text (gint64 started)
{
  gint64 seconds = (g_get_real_time () - started) / G_USEC_PER_SEC;

  if (seconds < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", MAX (seconds, 0));
  if (seconds < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", seconds / 60,
                            seconds % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", seconds / 3600,
                          seconds / 60 % 60);
}

static const char *
id_of (GDBusObject *object)
{
  const char *path = g_dbus_object_get_object_path (object);
  const char *slash = strrchr (path, '/');

  return slash != NULL ? slash + 1 : path;
}

static void
print_connection (const char            *id,
                  BurrowDBusConnection1 *connection)
{
  g_autofree char *age = age_text (burrow_dbus_connection1_get_started (connection));
  g_autofree char *destination = NULL;
  const char *host = burrow_dbus_connection1_get_host (connection);
  const char *address = burrow_dbus_connection1_get_address (connection);
  int rule = burrow_dbus_connection1_get_rule_index (connection);
  g_autofree char *rule_text = rule >= 0 ? g_strdup_printf ("%d", rule + 1) : g_strdup ("-");
  const char *profile = burrow_dbus_connection1_get_profile (connection);
  const char *sandbox = burrow_dbus_connection1_get_sandbox (connection);
  const char *failure = burrow_dbus_connection1_get_failure (connection);
  g_autofree char *application = NULL;

  if (g_strcmp0 (host, address) == 0)
    destination = g_strdup_printf ("%s:%u", host, burrow_dbus_connection1_get_port (connection));
  else
    destination = g_strdup_printf ("%s:%u (%s)", host, burrow_dbus_connection1_get_port (connection),
                                   address);
  if (sandbox != NULL && *sandbox != '\0')
    application = g_strdup_printf ("%s (sandbox %s)",
                                   burrow_dbus_connection1_get_application (connection), sandbox);
  else
    application = g_strdup (burrow_dbus_connection1_get_application (connection));
  printf ("%-4s %-7s %-6s %-7u %-4s %-10s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT
          " %6s  %s → %s%s%s\n",
          id, burrow_dbus_connection1_get_state (connection),
          burrow_dbus_connection1_get_action (connection),
          burrow_dbus_connection1_get_pid (connection), rule_text,
          *profile != '\0' ? profile : "-",
          burrow_dbus_connection1_get_bytes_in (connection),
          burrow_dbus_connection1_get_bytes_out (connection), age, application, destination,
          *failure != '\0' ? " — " : "", failure);
}

static int
list_connections (GDBusObjectManager *objects)
{
  g_autolist(GDBusObject) list = g_dbus_object_manager_get_objects (objects);
  guint count = 0;

  for (GList *l = list; l != NULL; l = l->next)
    {
      g_autoptr(BurrowDBusConnection1) connection = burrow_dbus_object_get_connection1 (l->data);

      if (connection == NULL)
        continue;
      if (count++ == 0)
        printf ("%-4s %-7s %-6s %-7s %-4s %-10s %10s %10s %6s  %s\n", "ID", "STATE", "ACTION",
                "PID", "RULE", "PROFILE", "IN", "OUT", "AGE", "APPLICATION → DESTINATION");
      print_connection (id_of (l->data), connection);
    }
  if (count == 0)
    printf ("no captured connections\n");
  return BURROWCTL_EXIT_OK;
}

static int
close_connection (GDBusObjectManager *objects,
                  const char         *id)
{
  g_autofree char *path = g_strdup_printf ("/io/github/burrow/Burrow/Connection/%s", id);
  g_autoptr(GDBusInterface) found = g_dbus_object_manager_get_interface (
    objects, path, "io.github.burrow.Burrow.Connection1");
  g_autoptr(GError) error = NULL;

  if (found == NULL)
    {
      fprintf (stderr, "burrowctl: there is no captured connection %s (see burrowctl "
               "connections)\n", id);
      return BURROWCTL_EXIT_FAILED;
    }
  if (!burrow_dbus_connection1_call_close_sync (BURROW_DBUS_CONNECTION1 (found), NULL, &error))
    return burrowctl_report_error (error);
  printf ("closed %s\n", id);
  return BURROWCTL_EXIT_OK;
}

int
burrowctl_cmd_connections (int    argc,
                           char **argv)
{
  g_autoptr(GDBusObjectManager) objects = NULL;
  int exit_status = burrowctl_parse_options (&argc, &argv, "[close ID]",
                                             "Lists the connections of captured programs "
                                             "(burrow-capture), or closes one.", NULL);

  if (exit_status >= 0)
    return exit_status;
  if (argc != 1 && !(argc == 3 && g_str_equal (argv[1], "close")))
    {
      fprintf (stderr, "burrowctl connections: expected no argument or \"close ID\"\n");
      return BURROWCTL_EXIT_USAGE;
    }
  objects = burrowctl_connect_objects (&exit_status);
  if (objects == NULL)
    return exit_status;
  if (argc == 3)
    return close_connection (objects, argv[2]);
  return list_connections (objects);
}
