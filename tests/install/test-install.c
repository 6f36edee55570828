// SPDX-License-Identifier: GPL-3.0-or-later
/* `meson install` gives a working product, wherever the tree ends up.
 *
 * The build directory is installed into a temporary DESTDIR, and the
 * prefix's tree is then moved to another directory of another depth, so
 * that nothing may rely on the configured paths: what is run below is the
 * moved tree.  On a private session bus (GTestDBus), with a throwaway HOME
 * and XDG directories:
 *
 * - the installed files are where they belong, libssh not among them;
 *   the autostart entry passes desktop-file-validate, the systemd units
 *   `systemd-analyze --user verify`;
 * - the autostart entry's Exec line (burrow-broker --login) and the login
 *   unit's ExecCondition= against configurations with and without
 *   something that wants the broker at login: a quiet exit with the bus
 *   name untouched, or a broker started (by the bus from the installed
 *   .service file, or in the --login process where the bus has none);
 * - the installed burrowctl has the bus start the installed broker;
 * - the installed burrow-capture preloads the installed capture library
 *   (not the build tree's) and the broker's BLOCK and DIRECT rules apply;
 *   with session-wide capture the broker names that library too.
 *
 * The tests share one installed tree and one bus, and run in the order
 * they are added (all at one level of the path: GTest runs a path's own
 * tests before those of the paths below it).  Every
 * address is on 127.0.0.1; every process started is stopped by its pid. */
#include "install-paths.h"

#include "burrow-test-broker.h"
#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-tool.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define TOOL_TIMEOUT_S 30
#define WAIT_MS 10000

typedef struct
{
  char *dir;
  char *stage;                  /* the DESTDIR: what lies outside the prefix stays */
  char *root;                   /* where the prefix's tree was moved */
  char *user_config;
  char *services;               /* the bus's service directory */
  GTestDBus *bus;
  GDBusConnection *connection;
  GSocket *closed;              /* bound, never listening: connects are refused */
  GSocket *blocked;             /* listening, behind a BLOCK rule */
  GSocket *direct;              /* listening, behind a DIRECT rule */
} World;

static World world;

/* Where the moved install has what the build configured at @configured. */
static char *
installed (const char *configured)
{
  if (g_str_has_prefix (configured, INSTALL_PREFIX "/"))
    return g_build_filename (world.root, configured + strlen (INSTALL_PREFIX), NULL);
  return g_build_filename (world.stage, configured, NULL);
}

static char *
installed_broker (void)
{
  return installed (INSTALL_LIBEXECDIR "/burrow-broker");
}

static char *
installed_library (void)
{
  return installed (INSTALL_CAPTURE_LIBRARY_DIR "/libburrow-capture.so");
}

/* The world */

static guint16
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  g_assert_nonnull (address);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

static GSocket *
loopback_socket (gboolean listening)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, any_port, FALSE, &error);
  g_assert_no_error (error);
  if (listening)
    g_socket_listen (socket, &error);
  g_assert_no_error (error);
  return socket;
}

/* meson install, then the prefix's tree moved to DIR/elsewhere/burrow. */
static void
install_and_move (void)
{
  const char *build_root = g_getenv ("BURROW_BUILD_ROOT");
  g_autofree char *from = g_build_filename (world.stage, INSTALL_PREFIX, NULL);
  g_autofree char *parent = g_build_filename (world.dir, "elsewhere", NULL);
  const char *argv[] = { INSTALL_MESON, "install", "-C", build_root, "--no-rebuild",
                         "--destdir", world.stage, NULL };
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir, argv, NULL, 120);
  burrow_test_assert_tool_ok (&result, "meson install --destdir");
  world.root = g_build_filename (parent, "burrow", NULL);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  if (g_rename (from, world.root) != 0)
    g_error ("cannot move %s to %s: %s", from, world.root, g_strerror (errno));
}

/* Nothing of the developer's or of other tests: HOME, the XDG directories
 * (the capture socket, the rules snapshot, environment.d), the
 * configuration files (the global one where the moved tree has it).  The
 * bus daemon, and so every broker it starts, inherits this. */
static void
isolate (void)
{
  const char *unset[] = { "BURROW_CAPTURE_LIBRARY", "BURROW_CAPTURE_SOCKET",
                          "BURROW_CAPTURE_RULES", "BURROW_CAPTURE_DISABLE", "LD_PRELOAD",
                          "BURROW_USER_CONFIG" };
  g_autofree char *home = g_build_filename (world.dir, "home", NULL);
  g_autofree char *runtime = g_build_filename (world.dir, "runtime", NULL);
  g_autofree char *config = g_build_filename (home, ".config", NULL);
  g_autofree char *state = g_build_filename (home, ".local", "state", NULL);
  g_autofree char *global = installed (INSTALL_SYSCONFDIR "/burrow/broker-config.xml");

  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_unsetenv (unset[i]);
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  g_setenv ("BURROW_GLOBAL_CONFIG", global, TRUE);
  /* The installed default: $XDG_CONFIG_HOME/burrow/broker-config.xml. */
  world.user_config = g_build_filename (config, "burrow", "broker-config.xml", NULL);
}

static void
world_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *runtime = NULL;

  world.dir = g_dir_make_tmp ("burrow-test-install-XXXXXX", &error);
  g_assert_no_error (error);
  world.stage = g_build_filename (world.dir, "stage", NULL);
  install_and_move ();
  isolate ();
  runtime = g_strdup (g_getenv ("XDG_RUNTIME_DIR"));
  world.closed = loopback_socket (FALSE);
  world.blocked = loopback_socket (TRUE);
  world.direct = loopback_socket (TRUE);

  world.services = g_build_filename (world.dir, "services", NULL);
  g_assert_cmpint (g_mkdir_with_parents (world.services, 0700), ==, 0);
  world.bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_add_service_dir (world.bus, world.services);
  g_test_dbus_up (world.bus);
  /* GTestDBus unsets it (so that nothing finds a bus there); the capture
   * socket is there, and DBUS_SESSION_BUS_ADDRESS names the bus anyway. */
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  world.connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (world.bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
}

static void stop_broker (void);

/* Stopping the bus ends any broker it started. */
static void
world_down (void)
{
  stop_broker ();
  g_dbus_connection_close_sync (world.connection, NULL, NULL);
  g_clear_object (&world.connection);
  g_test_dbus_down (world.bus);
  g_clear_object (&world.bus);
  g_clear_object (&world.closed);
  g_clear_object (&world.blocked);
  g_clear_object (&world.direct);
  burrow_test_remove_tree (world.dir);
  g_free (world.dir);
  g_free (world.stage);
  g_free (world.root);
  g_free (world.user_config);
  g_free (world.services);
}

/* The bus and the broker */

static void
write_user_config (const char *xml)
{
  g_autofree char *dir = g_path_get_dirname (world.user_config);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (world.user_config, xml, -1, NULL));
}

/* The pid of the process owning the broker's name, 0 if none. */
static guint32
broker_pid (void)
{
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GVariant) pid = NULL;
  const char *name = NULL;
  guint32 value = 0;

  owner = g_dbus_connection_call_sync (world.connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new ("(s)", BROKER_BUS_NAME),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       NULL);
  if (owner == NULL)
    return 0;
  g_variant_get (owner, "(&s)", &name);
  pid = g_dbus_connection_call_sync (world.connection, "org.freedesktop.DBus",
                                     "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                     "GetConnectionUnixProcessID", g_variant_new ("(s)", name),
                                     G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                     NULL);
  if (pid != NULL)
    g_variant_get (pid, "(u)", &value);
  return value;
}

static gboolean
broker_running (gpointer data)
{
  return broker_pid () != 0;
}

static gboolean
broker_gone (gpointer data)
{
  return broker_pid () == 0;
}

/* The owner of the broker's name runs the moved tree's broker. */
static guint32
assert_installed_broker_runs (void)
{
  guint32 pid = broker_pid ();
  g_autofree char *link = g_strdup_printf ("/proc/%u/exe", pid);
  g_autofree char *exe = NULL;
  g_autofree char *expected = installed_broker ();

  g_assert_cmpuint (pid, !=, 0);
  exe = g_file_read_link (link, NULL);
  g_assert_cmpstr (exe, ==, expected);
  return pid;
}

/* SIGTERM to the broker that owns the name (started by the bus: the bus
 * daemon reaps it), and a wait until it has left the bus and /proc. */
static void
stop_broker (void)
{
  guint32 pid = broker_pid ();

  if (pid == 0)
    return;
  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  g_assert_true (burrow_test_wait_until (broker_gone, NULL, WAIT_MS));
  g_assert_true (burrow_test_process_wait_reaped ((GPid) pid));
}

/* The installed files, read */

static GKeyFile *
load_key_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  GKeyFile *file = g_key_file_new ();

  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  return file;
}

/* @command as configured (an absolute program path, then arguments),
 * with the program where the moved tree has it. */
static GStrv
installed_command (const char *command)
{
  g_autoptr(GError) error = NULL;
  char **argv = NULL;
  char *program;

  g_shell_parse_argv (command, NULL, &argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (argv[0], INSTALL_PREFIX "/"));
  program = installed (argv[0]);
  g_free (argv[0]);
  argv[0] = program;
  return argv;
}

/* The autostart entry's Exec line. */
static GStrv
autostart_command (void)
{
  g_autofree char *path = installed (INSTALL_SYSCONFDIR "/xdg/autostart/burrow-broker.desktop");
  g_autoptr(GKeyFile) entry = load_key_file (path);
  g_autofree char *exec = g_key_file_get_string (entry, "Desktop Entry", "Exec", NULL);

  g_assert_nonnull (exec);
  g_assert_cmpstr (exec, ==, INSTALL_LIBEXECDIR "/burrow-broker --login");
  return installed_command (exec);
}

/* The login unit's ExecCondition=. */
static GStrv
login_condition (void)
{
  g_autofree char *path = installed (INSTALL_SYSTEMD_USER_UNIT_DIR "/burrow-broker-login.service");
  g_autoptr(GKeyFile) unit = load_key_file (path);
  g_autofree char *condition = g_key_file_get_string (unit, "Service", "ExecCondition", NULL);

  g_assert_nonnull (condition);
  return installed_command (condition);
}

static int
run_login_condition (void)
{
  g_auto(GStrv) argv = login_condition ();
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir, (const char * const *) argv, NULL, TOOL_TIMEOUT_S);
  g_test_message ("ExecCondition: %s", result.err);
  g_assert_false (result.timed_out);
  return result.status;
}

/* /install/layout */

static void
assert_file (const char *configured,
             GFileTest   test)
{
  g_autofree char *path = installed (configured);

  if (!g_file_test (path, test))
    g_error ("not installed: %s (at %s)", configured, path);
}

static void
assert_nothing_named (const char *dir,
                      const char *needle)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (strstr (name, needle) != NULL)
        g_error ("installed, and should not be: %s", path);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        assert_nothing_named (path, needle);
    }
}

static void
test_layout (void)
{
  g_autofree char *wants = installed (INSTALL_SYSTEMD_USER_UNIT_DIR
                                      "/graphical-session.target.wants/burrow-broker-login.service");
  g_autofree char *target = g_file_read_link (wants, NULL);

  assert_file (INSTALL_BINDIR "/burrow", G_FILE_TEST_IS_EXECUTABLE);
  assert_file (INSTALL_BINDIR "/burrowctl", G_FILE_TEST_IS_EXECUTABLE);
  assert_file (INSTALL_BINDIR "/burrow-capture", G_FILE_TEST_IS_EXECUTABLE);
  assert_file (INSTALL_LIBEXECDIR "/burrow-broker", G_FILE_TEST_IS_EXECUTABLE);
  assert_file (INSTALL_CAPTURE_LIBRARY_DIR "/libburrow-capture.so", G_FILE_TEST_IS_REGULAR);
  assert_file (INSTALL_DATADIR "/dbus-1/services/" BROKER_BUS_NAME ".service",
               G_FILE_TEST_IS_REGULAR);
  assert_file (INSTALL_SYSCONFDIR "/xdg/autostart/burrow-broker.desktop", G_FILE_TEST_IS_REGULAR);
  assert_file (INSTALL_SYSTEMD_USER_UNIT_DIR "/burrow-broker.service", G_FILE_TEST_IS_REGULAR);
  assert_file (INSTALL_SYSTEMD_USER_UNIT_DIR "/burrow-broker-login.service",
               G_FILE_TEST_IS_REGULAR);
  /* Enabled as `systemctl --user enable` would: a relative link. */
  g_assert_cmpstr (target, ==, "../burrow-broker-login.service");
  assert_file (INSTALL_SYSTEMD_USER_UNIT_DIR
               "/graphical-session.target.wants/burrow-broker-login.service",
               G_FILE_TEST_IS_REGULAR);
  /* libssh is in the broker, statically: none of it is installed. */
  assert_nothing_named (world.stage, "libssh");
  assert_nothing_named (world.root, "libssh");
}

/* /install/data-files */

static void
validate_desktop (const char *configured)
{
  g_autofree char *path = installed (configured);
  const char *argv[] = { "desktop-file-validate", path, NULL };
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir, argv, NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "desktop-file-validate");
  g_assert_cmpstr (result.out, ==, "");
}

/* systemd-analyze checks that the programs a unit runs exist: the units
 * are verified as copies whose paths point into the moved tree. */
static char *
unit_copy (const char *name)
{
  g_autofree char *configured = g_build_filename (INSTALL_SYSTEMD_USER_UNIT_DIR, name, NULL);
  g_autofree char *path = installed (configured);
  g_autofree char *dir = g_build_filename (world.dir, "units", NULL);
  g_autofree char *moved_prefix = g_strconcat ("=", world.root, "/", NULL);
  g_autofree char *text = NULL;
  g_autofree char *moved = NULL;
  g_auto(GStrv) parts = NULL;
  char *copy = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  parts = g_strsplit (text, "=" INSTALL_PREFIX "/", -1);
  moved = g_strjoinv (moved_prefix, parts);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (copy, moved, -1, NULL));
  return copy;
}

static void
test_data_files (void)
{
  g_autofree char *broker_unit = NULL;
  g_autofree char *login_unit = NULL;
  g_autofree char *analyze = g_find_program_in_path ("systemd-analyze");
  g_auto(BurrowTestToolResult) result = { 0 };

  validate_desktop (INSTALL_SYSCONFDIR "/xdg/autostart/burrow-broker.desktop");
  validate_desktop (INSTALL_DATADIR "/applications/" APP_ID ".desktop");
  if (analyze == NULL)
    {
      g_test_skip ("no systemd-analyze (package systemd) to verify the units");
      return;
    }
  broker_unit = unit_copy ("burrow-broker.service");
  login_unit = unit_copy ("burrow-broker-login.service");
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { analyze, "--user", "verify", broker_unit, login_unit,
                                           NULL },
                        NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "systemd-analyze --user verify");
  g_assert_cmpstr (result.err, ==, "");
}

/* /install/login-… */

static const char nothing_at_login[] =
  "<secsh-broker>\n"
  "  <profiles><profile id=\"later\" host=\"127.0.0.1\" port=\"22\"/></profiles>\n"
  "</secsh-broker>\n";

static const char session_capture[] =
  "<secsh-broker>\n"
  "  <connection-capture enable-at-startup=\"YES\"/>\n"
  "</secsh-broker>\n";

/* The autostart entry's command when nothing asks: it exits 0 at once and
 * the bus name stays unowned; the login unit is skipped. */
static void
test_login_nothing_asks (void)
{
  g_auto(GStrv) argv = autostart_command ();
  g_auto(BurrowTestToolResult) result = { 0 };

  write_user_config (nothing_at_login);
  burrow_test_run_tool (&result, world.dir, (const char * const *) argv, NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "burrow-broker --login");
  burrow_test_assert_contains (result.err, "nothing asks for the broker at login");
  g_assert_cmpuint (broker_pid (), ==, 0);
  g_assert_cmpint (run_login_condition (), ==, 1);
}

/* GSubprocess reaps its child on GLib's worker thread; the identifier
 * (the pid) is gone once it has. */
static gboolean
subprocess_exited (gpointer data)
{
  return g_subprocess_get_identifier (data) == NULL;
}

/* The library the environment.d file of session-wide capture puts first
 * in LD_PRELOAD (LD_PRELOAD=LIBRARY${LD_PRELOAD:+ $LD_PRELOAD}), or NULL. */
static char *
session_preload (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "environment.d",
                                            "60-burrow-capture.conf", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "LD_PRELOAD="))
      return g_strndup (lines[i] + strlen ("LD_PRELOAD="),
                        strcspn (lines[i] + strlen ("LD_PRELOAD="), "$"));
  return NULL;
}

static gboolean
session_file_written (gpointer data)
{
  g_autofree char *preload = session_preload ();

  return preload != NULL;
}

/* Session-wide capture asks for the broker at login.  The bus here has no
 * .service file for it (not installed where the bus looks): the --login
 * process becomes the broker.  With the library where the moved tree has
 * it, named in the session's environment.d file. */
static void
test_login_not_activatable (void)
{
  g_auto(GStrv) argv = autostart_command ();
  g_autofree char *log = g_build_filename (world.dir, "login-broker.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) login = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *preload = NULL;
  g_autofree char *library = installed_library ();
  g_autofree char *pid_text = NULL;

  write_user_config (session_capture);
  g_assert_cmpint (run_login_condition (), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, burrow_test_process_die_with_parent, NULL,
                                         NULL);
  login = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (broker_running, NULL, WAIT_MS));
  pid_text = g_strdup_printf ("%u", broker_pid ());
  g_assert_cmpstr (pid_text, ==, g_subprocess_get_identifier (login));
  assert_installed_broker_runs ();
  g_assert_true (burrow_test_wait_until (session_file_written, NULL, WAIT_MS));
  preload = session_preload ();
  g_assert_cmpstr (preload, ==, library);

  g_subprocess_send_signal (login, SIGTERM);
  g_assert_true (burrow_test_wait_until (subprocess_exited, login, WAIT_MS));
  g_assert_true (g_subprocess_get_if_exited (login));
  g_assert_cmpint (g_subprocess_get_exit_status (login), ==, 0);
  g_assert_true (burrow_test_wait_until (broker_gone, NULL, WAIT_MS));
  g_assert_true (burrow_test_file_contains (log, "the session bus cannot start"));
}

/* The installed .service file, into the bus's directory with Exec= where
 * the moved tree has the broker. */
static void
install_service_file (void)
{
  g_autofree char *name = g_strconcat (BROKER_BUS_NAME, ".service", NULL);
  g_autofree char *path = installed (INSTALL_DATADIR "/dbus-1/services/" BROKER_BUS_NAME
                                     ".service");
  g_autofree char *copy = g_build_filename (world.services, name, NULL);
  g_autoptr(GKeyFile) service = load_key_file (path);
  g_autofree char *exec = g_key_file_get_string (service, "D-BUS Service", "Exec", NULL);
  g_autofree char *bus_name = g_key_file_get_string (service, "D-BUS Service", "Name", NULL);
  g_autofree char *unit = g_key_file_get_string (service, "D-BUS Service", "SystemdService",
                                                 NULL);
  g_autofree char *broker = installed_broker ();
  g_autofree char *quoted = g_shell_quote (broker);

  g_assert_cmpstr (bus_name, ==, BROKER_BUS_NAME);
  g_assert_cmpstr (exec, ==, INSTALL_LIBEXECDIR "/burrow-broker");
  g_assert_cmpstr (unit, ==, "burrow-broker.service");
  g_key_file_set_string (service, "D-BUS Service", "Exec", quoted);
  g_assert_true (g_key_file_save_to_file (service, copy, NULL));
}

/* /install/on-demand: the installed burrowctl has the bus start the
 * installed broker. */
static void
test_on_demand (void)
{
  g_autofree char *burrowctl = installed (INSTALL_BINDIR "/burrowctl");
  g_auto(BurrowTestToolResult) result = { 0 };

  install_service_file ();
  write_user_config (nothing_at_login);
  g_assert_cmpuint (broker_pid (), ==, 0);
  burrow_test_run_tool (&result, world.dir, (const char *[]) { burrowctl, "status", NULL },
                        NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "installed burrowctl status");
  burrow_test_assert_contains (result.out, "configuration      ok");
  burrow_test_assert_contains (result.out, world.user_config);
  assert_installed_broker_runs ();
  stop_broker ();
}

/* A profile that connects on startup (to a port that refuses: the broker
 * tries, fails and goes on), and the rules /install/capture uses. */
static char *
startup_profile_config (void)
{
  return g_strdup_printf (
    "<secsh-broker>\n"
    "  <profiles>\n"
    "    <profile id=\"work\" host=\"127.0.0.1\" port=\"%u\" connect-on-startup=\"YES\"/>\n"
    "  </profiles>\n"
    "  <filter-engine>\n"
    "    <rule host=\"127\\.0\\.0\\.1\" ports=\"%u\" action=\"BLOCK\"/>\n"
    "    <rule host=\"127\\.0\\.0\\.1\" ports=\"%u\" action=\"DIRECT\"/>\n"
    "  </filter-engine>\n"
    "</secsh-broker>\n",
    socket_port (world.closed), socket_port (world.blocked), socket_port (world.direct));
}

/* A profile connects on startup: the --login process asks the bus, which
 * starts the installed broker from the installed .service file, and exits;
 * run again, it leaves the running broker alone. */
static void
test_login_activation (void)
{
  g_auto(GStrv) argv = autostart_command ();
  g_autofree char *config = startup_profile_config ();
  g_auto(BurrowTestToolResult) result = { 0 };
  guint32 pid;

  write_user_config (config);
  g_assert_cmpint (run_login_condition (), ==, 0);
  g_assert_cmpuint (broker_pid (), ==, 0);

  burrow_test_run_tool (&result, world.dir, (const char * const *) argv, NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "burrow-broker --login");
  burrow_test_assert_contains (result.err, "profile \"work\" connects on startup");
  burrow_test_assert_contains (result.err, "the session bus started " BROKER_BUS_NAME);
  pid = assert_installed_broker_runs ();

  burrow_test_tool_result_clear (&result);
  burrow_test_run_tool (&result, world.dir, (const char * const *) argv, NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "burrow-broker --login, again");
  burrow_test_assert_contains (result.err, "was running already");
  g_assert_cmpuint (broker_pid (), ==, pid);
}

/* /install/capture: the broker /install/login-activation started. */

static void
run_captured (BurrowTestToolResult *result,
              const char * const   *command)
{
  g_autofree char *launcher = installed (INSTALL_BINDIR "/burrow-capture");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, launcher);
  g_ptr_array_add (argv, (gpointer) "-l");
  for (guint i = 0; command[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) command[i]);
  g_ptr_array_add (argv, NULL);
  burrow_test_run_tool (result, world.dir, (const char * const *) argv->pdata, NULL,
                        TOOL_TIMEOUT_S);
}

static void
assert_connect (guint16     port,
                const char *expected)
{
  g_autofree char *check = g_build_filename (g_getenv ("BURROW_SOURCE_ROOT"), "tests", "capture",
                                             "connect-check.py", NULL);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "/usr/bin/python3", check, "errno", "127.0.0.1",
                                            port_text, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno under burrow-capture");
  g_assert_cmpstr (result.out, ==, expected);
}

static void
test_capture (void)
{
  g_autofree char *library = installed_library ();
  const char *build_root = g_getenv ("BURROW_BUILD_ROOT");
  g_auto(BurrowTestToolResult) result = { 0 };

  assert_installed_broker_runs ();
  /* What the captured program has loaded: the moved tree's library. */
  run_captured (&result, (const char *[]) { "cat", "/proc/self/maps", NULL });
  burrow_test_assert_tool_ok (&result, "cat /proc/self/maps under burrow-capture");
  burrow_test_assert_contains (result.out, library);
  g_assert_null (strstr (result.out, build_root));

  assert_connect (socket_port (world.blocked), "EACCES\n");
  assert_connect (socket_port (world.direct), "connected\n");
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/install/layout", test_layout);
  g_test_add_func ("/install/data-files", test_data_files);
  g_test_add_func ("/install/login-nothing-asks", test_login_nothing_asks);
  g_test_add_func ("/install/login-not-activatable", test_login_not_activatable);
  g_test_add_func ("/install/on-demand", test_on_demand);
  g_test_add_func ("/install/login-activation", test_login_activation);
  g_test_add_func ("/install/capture", test_capture);

  world_up ();
  status = g_test_run ();
  world_down ();
  return status;
}
