// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-broker"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <sys/resource.h>
#include <stdlib.h>
#ifdef HAVE_LIBCRYPTO
#include <openssl/crypto.h>
#endif

#include "broker-caller-guard.h"
#include "broker-config-file.h"
#include "broker-login.h"
#include "broker-manager.h"
#include "broker-service.h"

typedef struct
{
  GMainLoop *loop;
  BrokerManager *manager;
  BrokerService *service;
  GDBusObjectManagerServer *objects;
  gboolean replace;
  gboolean name_acquired;
  int exit_status;
} Broker;

static void
on_bus_acquired (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  Broker *broker = user_data;
  g_autoptr(BurrowDBusObjectSkeleton) object = burrow_dbus_object_skeleton_new (BROKER_OBJECT_PATH);

  broker->objects = g_dbus_object_manager_server_new (BROKER_OBJECT_MANAGER_PATH);
  burrow_dbus_object_skeleton_set_broker1 (object, BURROW_DBUS_BROKER1 (broker->service));
  broker_caller_guard_object (G_DBUS_OBJECT_SKELETON (object));
  g_dbus_object_manager_server_export (broker->objects, G_DBUS_OBJECT_SKELETON (object));
  broker_service_set_object_manager (broker->service, broker->objects);
  g_dbus_object_manager_server_set_connection (broker->objects, connection);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  Broker *broker = user_data;

  broker->name_acquired = TRUE;
  g_message ("owning %s", name);
  broker_service_connect_startup_profiles (broker->service);
  broker_service_start_capture (broker->service);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Broker *broker = user_data;

  if (connection == NULL && broker->name_acquired)
    g_message ("the session bus went away, exiting");
  else if (connection == NULL)
    g_printerr ("burrow-broker: cannot connect to the session bus\n");
  else if (!broker->name_acquired)
    g_printerr ("burrow-broker: %s is owned by another broker (use --replace)\n", name);
  else
    g_message ("replaced by another broker, exiting");
  if (!broker->name_acquired)
    broker->exit_status = EXIT_FAILURE;
  g_main_loop_quit (broker->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Broker *broker = user_data;

  g_message ("exiting on signal");
  g_main_loop_quit (broker->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_hangup_reloaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!broker_manager_reload_finish (BROKER_MANAGER (source), result, &error))
    g_message ("SIGHUP: the configuration stays as it was: %s", error->message);
}

/* SIGHUP, as daemons take it: the configuration files are read again, as
 * by the Reload method (a file that does not load changes nothing). */
static gboolean
on_hangup_signal (gpointer user_data)
{
  Broker *broker = user_data;

  g_message ("reading the configuration again on SIGHUP");
  broker_manager_reload_async (broker->manager, NULL, on_hangup_reloaded, NULL);
  return G_SOURCE_CONTINUE;
}

/* The bus name is taken only once the configuration has been read, so the
 * first call of an activating client already sees it. */
static void
on_initial_load (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Broker *broker = user_data;
  g_autoptr(GError) error = NULL;
  GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;

  if (!broker_manager_reload_finish (BROKER_MANAGER (source), result, &error))
    g_message ("starting with an empty configuration: %s", error->message);
  if (broker->replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;
  g_bus_own_name (G_BUS_TYPE_SESSION, BROKER_BUS_NAME, flags,
                  on_bus_acquired, on_name_acquired, on_name_lost, broker, NULL);
}

static char *
config_path (const char *option,
             const char *env_name,
             char     *(*fallback) (void))
{
  if (option != NULL)
    return g_strdup (option);
  if (g_getenv (env_name) != NULL && *g_getenv (env_name) != '\0')
    return g_strdup (g_getenv (env_name));
  return fallback ();
}

/* Each tunnelled connection costs a descriptor; the default soft limit
 * (1024) is far below what the hard limit allows. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

/* At login (--login, --login-check) */

/* Whether the configuration asks for the broker at login, and why, for
 * the journal.  Read here, before any main loop, as `burrowctl check`
 * reads it: a configuration that does not load gives the broker nothing
 * to do at startup (it would run on an empty one), so it is a no. */
static gboolean
login_wanted (const char *global_path,
              const char *user_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) global = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *reason = NULL;

  global = broker_config_file_load (global_path, TRUE, BROKER_CONFIG_ORIGIN_GLOBAL, NULL, &error);
  if (global != NULL)
    config = broker_config_file_load (user_path, TRUE, BROKER_CONFIG_ORIGIN_USER, global, &error);
  if (config == NULL)
    {
      g_printerr ("burrow-broker: no start at login: the configuration does not load: %s\n",
                  error->message);
      return FALSE;
    }
  reason = broker_login_reason (config);
  if (reason == NULL)
    {
      g_message ("nothing asks for the broker at login: no profile connects on startup and "
                 "session-wide capture is off (%s, %s); its first client will start it",
                 global_path, user_path);
      return FALSE;
    }
  g_message ("the configuration asks for the broker at login: %s", reason);
  return TRUE;
}

/* --login: the session bus starts the broker, as for any client: where
 * systemd runs the session that is burrow-broker.service (SystemdService=),
 * elsewhere the bus runs the .service file's Exec=.  So the broker runs
 * where an on-demand start puts it, and one already running is left
 * alone.  A blocking call: this process does nothing else.  FALSE when the
 * bus has no .service file for the broker (installed where it does not
 * look): then this process becomes the broker. */
static gboolean
start_through_bus (int *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) reply = NULL;
  guint32 result = 0;

  *status = EXIT_FAILURE;
  if (bus != NULL)
    reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "StartServiceByName",
                                         g_variant_new ("(su)", BROKER_BUS_NAME, 0),
                                         G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                         NULL, &error);
  if (reply == NULL && g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN))
    {
      g_message ("the session bus cannot start %s (%s): running it here", BROKER_BUS_NAME,
                 error->message);
      return FALSE;
    }
  if (reply == NULL)
    {
      g_printerr ("burrow-broker: the session bus did not start %s: %s\n", BROKER_BUS_NAME,
                  error->message);
      return TRUE;
    }
  g_variant_get (reply, "(u)", &result);
  /* DBUS_START_REPLY_SUCCESS is 1, DBUS_START_REPLY_ALREADY_RUNNING 2. */
  g_message (result == 1 ? "the session bus started %s" : "%s was running already",
             BROKER_BUS_NAME);
  *status = EXIT_SUCCESS;
  return TRUE;
}

/* With session-wide capture the broker too starts with libburrow-capture.so
 * preloaded; its connects must not ask the broker itself.  The library
 * reads its settings at its first use, after this. */
static void
never_capture_self (void)
{
  g_setenv ("BURROW_CAPTURE_DISABLE", "1", TRUE);
  g_unsetenv ("LD_PRELOAD");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- Burrow SSH connection broker");
  g_autoptr(GError) error = NULL;
  g_autofree char *global_option = NULL;
  g_autofree char *user_option = NULL;
  g_autofree char *global_path = NULL;
  g_autofree char *user_path = NULL;
  gboolean version = FALSE;
  gboolean login = FALSE;
  gboolean login_check = FALSE;
  int status;
  Broker broker = { 0 };
  GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &broker.replace, "Replace a running broker", NULL },
    { "global-config", 0, 0, G_OPTION_ARG_FILENAME, &global_option,
      "The administrator's configuration (default $BURROW_GLOBAL_CONFIG or "
      SYSCONFDIR "/burrow/broker-config.xml)", "FILE" },
    { "user-config", 0, 0, G_OPTION_ARG_FILENAME, &user_option,
      "The user's configuration (default $BURROW_USER_CONFIG or "
      "$XDG_CONFIG_HOME/burrow/broker-config.xml)", "FILE" },
    { "login", 0, 0, G_OPTION_ARG_NONE, &login,
      "At login: have the session bus start the broker if the configuration asks for it "
      "(a profile that connects on startup, session-wide capture), else exit at once", NULL },
    { "login-check", 0, 0, G_OPTION_ARG_NONE, &login_check,
      "Exit 0 if the configuration asks for the broker at login, 1 if not "
      "(for systemd's ExecCondition=)", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

#ifdef HAVE_LIBCRYPTO
  /* Stopped sessions end on their own threads (broker-session-worker.c),
   * still disconnecting when main() returns.  OpenSSL's atexit cleanup
   * would free the locks they take for random bytes under them: a crash at
   * exit, found by ThreadSanitizer.  The process's end frees it all anyway.
   * Only OpenSSL's first initialisation can say so; nothing before main()
   * initialises it (libssh's constructor does not). */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);
#endif
  /* Every level on stderr (the journal, or the bus's log), debug messages
   * (G_MESSAGES_DEBUG) included: GLib would print those on stdout. */
  g_log_writer_default_set_use_stderr (TRUE);
  never_capture_self ();
  setlocale (LC_ALL, "");
  raise_fd_limit ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("burrow-broker: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("burrow-broker %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  global_path = config_path (global_option, "BURROW_GLOBAL_CONFIG",
                             broker_manager_default_global_path);
  user_path = config_path (user_option, "BURROW_USER_CONFIG", broker_manager_default_user_path);
  if (login_check)
    return login_wanted (global_path, user_path) ? EXIT_SUCCESS : 1;
  if (login && !login_wanted (global_path, user_path))
    return EXIT_SUCCESS;        /* the bus name untouched */
  if (login && start_through_bus (&status))
    return status;
  broker.loop = g_main_loop_new (NULL, FALSE);
  broker.manager = broker_manager_new (global_path, user_path);
  broker.service = broker_service_new (broker.manager);
  g_unix_signal_add (SIGTERM, on_quit_signal, &broker);
  g_unix_signal_add (SIGINT, on_quit_signal, &broker);
  g_unix_signal_add (SIGHUP, on_hangup_signal, &broker);
  broker_manager_reload_async (broker.manager, NULL, on_initial_load, &broker);

  g_main_loop_run (broker.loop);

  if (broker.objects != NULL)
    g_dbus_object_manager_server_set_connection (broker.objects, NULL);
  g_clear_object (&broker.objects);
  g_clear_object (&broker.service);
  g_clear_object (&broker.manager);
  g_main_loop_unref (broker.loop);
  return broker.exit_status;
}
