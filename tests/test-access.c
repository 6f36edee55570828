// SPDX-License-Identifier: GPL-3.0-or-later
/* Who may use the broker (broker-caller-policy.h), against a real bus:
 * a dbus-daemon that, unlike a session bus, lets every user connect, so
 * that a second user (nobody) can try; sandboxed callers in bubblewrap
 * sandboxes that carry a /.flatpak-info as Flatpak's do; the capture
 * socket's directory, as the broker finds and leaves it.  Callers run
 * tests/access/dbus-call.py, which prints one line per call. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burrow-test-broker.h"
#include "burrow-test-peer.h"
#include "burrow-test-process.h"
#include "burrow-test-sandbox.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-tool.h"

#define BROKER_NAME "io.github.burrow.Burrow.Broker"
#define BROKER_PATH "/io/github/burrow/Burrow/Broker"
#define BROKER1 "io.github.burrow.Burrow.Broker1"
#define SESSION1 "io.github.burrow.Burrow.Session1"
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied: "
#define STRANGER "org.example.Sneaky"
#define TOOL_TIMEOUT_S 60
#define START_TIMEOUT_MS 20000

static const char user_config[] =
  "<secsh-broker>\n"
  "  <profiles>\n"
  "    <profile id=\"harness\" host=\"127.0.0.1\" port=\"%u\"/>\n"
  "  </profiles>\n"
  "  <filter-engine>\n"
  "    <rule host=\"tunnelled\\.test\" ports=\"80\" action=\"TUNNEL\" profile=\"harness\"/>\n"
  "    <rule host=\".*\" ports=\"9\" action=\"BLOCK\"/>\n"
  "  </filter-engine>\n"
  "</secsh-broker>\n";

static struct
{
  char *dir;                   /* 0755: nobody reaches the bus and the script */
  char *address;
  GPid bus_pid;
  GPid broker_pid;
  char *config_path;
  char *runtime_dir;
  char *capture_dir;
  char *log_path;
  char *script;
  char *ask_script;            /* capture-ask.py */
  char *session_path;          /* the harness profile's Session1 object */
  GDBusConnection *connection; /* this user's */
} world;

/* ---- the bus and the broker ---------------------------------------------- */

static void
write_bus_config (const char *path)
{
  g_autofree char *text = g_strdup_printf (
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:path=%s/bus</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow user=\"*\"/>\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n", world.dir);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gboolean
bus_listens (gpointer user_data)
{
  g_autofree char *socket = g_build_filename (world.dir, "bus", NULL);

  return g_file_test (socket, G_FILE_TEST_EXISTS);
}

static void
start_bus (void)
{
  g_autofree char *config = g_build_filename (world.dir, "bus.conf", NULL);
  g_autofree char *option = g_strdup_printf ("--config-file=%s", config);
  const char *argv[] = { "dbus-daemon", "--nofork", option, NULL };
  g_autoptr(GError) error = NULL;

  write_bus_config (config);
  g_spawn_async (world.dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                 burrow_test_process_die_with_parent, NULL, &world.bus_pid, &error);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (bus_listens, NULL, START_TIMEOUT_MS));
  world.address = g_strdup_printf ("unix:path=%s/bus", world.dir);
  world.connection = g_dbus_connection_new_for_address_sync (
    world.address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
broker_owns_name (gpointer user_data)
{
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    world.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "NameHasOwner", g_variant_new ("(s)", BROKER_NAME), G_VARIANT_TYPE ("(b)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static GStrv
broker_environment (void)
{
  g_autofree char *global = g_build_filename (world.dir, "no-global-config.xml", NULL);
  g_autofree char *config_home = g_build_filename (world.dir, "xdg-config", NULL);
  g_autofree char *state_home = g_build_filename (world.dir, "xdg-state", NULL);
  g_autofree char *rules = g_build_filename (state_home, "burrow", "capture-rules", NULL);
  GStrv env = g_get_environ ();

  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", world.address, TRUE);
  env = g_environ_setenv (env, "BURROW_USER_CONFIG", world.config_path, TRUE);
  env = g_environ_setenv (env, "BURROW_GLOBAL_CONFIG", global, TRUE);
  env = g_environ_setenv (env, "XDG_RUNTIME_DIR", world.runtime_dir, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config_home, TRUE);
  env = g_environ_setenv (env, "XDG_STATE_HOME", state_home, TRUE);
  env = g_environ_setenv (env, "BURROW_CAPTURE_RULES", rules, TRUE);
  env = g_environ_unsetenv (env, "BURROW_CAPTURE_SOCKET");
  return env;
}

/* The broker from the build tree, its output appended to world.log_path. */
static void
start_broker (void)
{
  g_autofree char *broker = burrow_test_build_path ("broker", "burrow-broker", NULL);
  const char *argv[] = { broker, NULL };
  g_auto(GStrv) env = broker_environment ();
  g_autoptr(GError) error = NULL;
  int log_fd = open (world.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint (log_fd, >=, 0);
  g_spawn_async_with_pipes_and_fds (world.dir, argv, (const char * const *) env,
                                    G_SPAWN_DO_NOT_REAP_CHILD, burrow_test_process_die_with_parent,
                                    NULL, -1, log_fd, log_fd, NULL, NULL, 0, &world.broker_pid,
                                    NULL, NULL, NULL, &error);
  close (log_fd);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (broker_owns_name, NULL, START_TIMEOUT_MS));
}

static void
stop_broker (void)
{
  if (world.broker_pid == 0)
    return;
  kill (world.broker_pid, SIGTERM);
  if (!burrow_test_process_reap_child (world.broker_pid))
    {
      kill (world.broker_pid, SIGKILL);
      burrow_test_process_reap_child (world.broker_pid);
    }
  world.broker_pid = 0;
}

static char *
read_config (void)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (world.config_path, &text, NULL, NULL));
  return text;
}

/* ---- callers --------------------------------------------------------------- */

typedef enum
{
  AS_THIS_USER,
  AS_NOBODY,
  IN_SANDBOX,
} Who;

/* Runs each of @calls (dbus-call.py's arguments) as @who (@app_id: the
 * sandbox's application); one answer per call. */
static GStrv
call_as (Who                 who,
         const char         *app_id,
         const char * const *calls)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(BurrowTestToolResult) result = { 0 };
  GStrv lines;

  if (who == IN_SANDBOX)
    burrow_test_sandbox_add_argv (argv, world.dir, app_id);
  if (who == AS_NOBODY)
    for (const char * const *p = (const char *[]) { "setpriv", "--reuid=nobody", "--regid=nogroup",
                                                     "--clear-groups", NULL }; *p != NULL; p++)
      g_ptr_array_add (argv, g_strdup (*p));
  g_ptr_array_add (argv, g_strdup ("/usr/bin/python3"));
  g_ptr_array_add (argv, g_strdup (world.script));
  g_ptr_array_add (argv, g_strdup (world.address));
  for (guint i = 0; calls[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (calls[i]));
  g_ptr_array_add (argv, NULL);
  burrow_test_run_tool (&result, world.dir, (const char * const *) argv->pdata, NULL,
                        TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "dbus-call.py");
  g_test_message ("answers:\n%s", result.out);
  g_assert_null (strstr (result.out, "no-bus:"));
  lines = g_strsplit (g_strchomp (result.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, g_strv_length ((char **) calls));
  return lines;
}

#define CALL(method, args) BROKER_PATH "\t" BROKER1 "\t" method "\t" args

static const char * const reads[] = {
  CALL ("GetStatus", "()"),
  CALL ("ListProfiles", "()"),
  CALL ("GetProfile", "('harness',)"),
  CALL ("ListRules", "()"),
  CALL ("GetCaptureSettings", "()"),
  NULL,
};

static const char * const writes[] = {
  CALL ("Reload", "()"),
  CALL ("SaveProfile", "({'id': <'planted'>, 'host': <'127.0.0.1'>},)"),
  CALL ("DeleteProfile", "('harness',)"),
  CALL ("SetRules", "(@aa{sv} [],)"),
  CALL ("SetCaptureSettings", "(@a{sv} {},)"),
  CALL ("Connect", "('harness',)"),
  CALL ("Disconnect", "('harness',)"),
  CALL ("OpenTunnel", "('harness', {'spec': <'-L 127.0.0.1:0:127.0.0.1:22'>})"),
  CALL ("RegisterAgent", "(objectpath '/org/example/Agent',)"),
  CALL ("UnregisterAgent", "(objectpath '/org/example/Agent',)"),
  CALL ("SetCaptureActive", "(true,)"),
  NULL,
};

static void
assert_all_ok (GStrv answers)
{
  for (guint i = 0; answers[i] != NULL; i++)
    g_assert_cmpstr (answers[i], ==, "ok");
}

/* Each answer refuses access, naming why. */
static void
assert_all_denied (GStrv       answers,
                   const char *reason)
{
  for (guint i = 0; answers[i] != NULL; i++)
    {
      g_assert_true (g_str_has_prefix (answers[i], ACCESS_DENIED));
      burrow_test_assert_contains (answers[i], reason);
    }
}

/* ---- tests ----------------------------------------------------------------- */

/* The user the broker runs as may do everything (the other tests would
 * prove nothing if everyone were refused). */
static void
test_own_user (void)
{
  g_auto(GStrv) answers = call_as (AS_THIS_USER, NULL, reads);

  assert_all_ok (answers);
}

/* A sandboxed application other than Burrow reads, and changes nothing:
 * not the configuration, not a session, no agent of its own (so no
 * host-key or password answer can come from it). */
static void
test_sandboxed_stranger (void)
{
  g_autofree char *before = read_config ();
  g_autofree char *after = NULL;
  g_autofree char *disconnect = g_strdup_printf ("%s\t" SESSION1 "\tDisconnect", world.session_path);
  const char *session_calls[] = { disconnect, NULL };
  g_auto(GStrv) read_answers = NULL;
  g_auto(GStrv) write_answers = NULL;
  g_auto(GStrv) session_answers = NULL;

  if (!burrow_test_sandbox_usable (world.dir))
    return;
  read_answers = call_as (IN_SANDBOX, STRANGER, reads);
  assert_all_ok (read_answers);
  write_answers = call_as (IN_SANDBOX, STRANGER, writes);
  assert_all_denied (write_answers, "the sandboxed application " STRANGER " may not call");
  session_answers = call_as (IN_SANDBOX, STRANGER, session_calls);
  assert_all_denied (session_answers, "may not call Disconnect");
  after = read_config ();
  g_assert_cmpstr (after, ==, before);
  g_assert_true (burrow_test_file_contains (world.log_path, "refused " BROKER1 ".SetRules from"));
}

/* Another user on the same bus gets nothing, not even a read. */
static void
test_other_user (void)
{
  g_autofree char *before = read_config ();
  g_autofree char *after = NULL;
  g_autofree char *reason = g_strdup_printf ("serves user %u only", (guint) getuid ());
  g_auto(GStrv) read_answers = NULL;
  g_auto(GStrv) write_answers = NULL;

  if (getuid () != 0)
    {
      g_test_skip ("becoming another user (setpriv) needs root");
      return;
    }
  read_answers = call_as (AS_NOBODY, NULL, reads);
  assert_all_denied (read_answers, reason);
  write_answers = call_as (AS_NOBODY, NULL, writes);
  assert_all_denied (write_answers, reason);
  after = read_config ();
  g_assert_cmpstr (after, ==, before);
}

/* Burrow's own front end, sandboxed by Flatpak, may change the
 * configuration. */
static void
test_burrow_flatpak (void)
{
  const char *save[] = { CALL ("SaveProfile", "({'id': <'from-flatpak'>, 'host': <'127.0.0.1'>},)"),
                         NULL };
  g_auto(GStrv) answers = NULL;
  g_autofree char *after = NULL;

  if (!burrow_test_sandbox_usable (world.dir))
    return;
  answers = call_as (IN_SANDBOX, APP_ID, save);
  assert_all_ok (answers);
  after = read_config ();
  burrow_test_assert_contains (after, "id=\"from-flatpak\"");
}

/* The directory the test made world-writable is private again, the socket
 * is the user's alone, and another user cannot connect to it. */
static void
test_capture_socket (void)
{
  g_autofree char *socket_path = g_build_filename (world.capture_dir, "capture", NULL);
  g_autofree char *script = g_strdup_printf (
    "import errno, socket, sys\n"
    "s = socket.socket(socket.AF_UNIX)\n"
    "try:\n"
    "    s.connect(sys.argv[1])\n"
    "    print('connected')\n"
    "except OSError as e:\n"
    "    print(errno.errorcode[e.errno])\n");
  g_auto(BurrowTestToolResult) result = { 0 };
  struct stat info;

  g_assert_cmpint (g_stat (world.capture_dir, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (socket_path, &info), ==, 0);
  g_assert_true (S_ISSOCK (info.st_mode));
  g_assert_cmpint (info.st_mode & 0077, ==, 0);
  if (getuid () != 0)
    {
      g_test_skip ("becoming another user (setpriv) needs root");
      return;
    }
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "setpriv", "--reuid=nobody", "--regid=nogroup",
                                           "--clear-groups", "/usr/bin/python3", "-c", script,
                                           socket_path, NULL },
                        NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "connect as nobody");
  g_assert_cmpstr (result.out, ==, "EACCES\n");
}

/* Runs capture-ask.py (@question, @argument) as @who against the capture
 * socket; its one line of answer. */
static char *
ask_capture (Who         who,
             const char *question,
             const char *argument)
{
  g_autofree char *socket_path = g_build_filename (world.capture_dir, "capture", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(BurrowTestToolResult) result = { 0 };

  if (who == AS_NOBODY)
    for (const char * const *p = (const char *[]) { "setpriv", "--reuid=nobody", "--regid=nogroup",
                                                     "--clear-groups", NULL }; *p != NULL; p++)
      g_ptr_array_add (argv, (char *) *p);
  for (const char * const *p = (const char *[]) { "/usr/bin/python3", world.ask_script,
                                                   socket_path, question, argument, NULL };
       *p != NULL; p++)
    g_ptr_array_add (argv, (char *) *p);
  g_ptr_array_add (argv, NULL);
  burrow_test_run_tool (&result, world.dir, (const char * const *) argv->pdata, NULL,
                        TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "capture-ask.py");
  return g_strdup (g_strchomp (result.out));
}

/* Modes loosened behind the broker's back (the directories searchable by
 * all, the socket writable by all): the socket's own check still keeps
 * another user's programs out of the rules.  Where this user's get a
 * synthetic address and a block, they get what they would get uncaptured:
 * no address, and "connect directly". */
static void
test_capture_socket_loosened (void)
{
  g_autofree char *socket_path = g_build_filename (world.capture_dir, "capture", NULL);
  g_autofree char *own_resolve = ask_capture (AS_THIS_USER, "resolve", "tunnelled.test");
  g_autofree char *own_connect = ask_capture (AS_THIS_USER, "connect", "9");
  g_autofree char *other_resolve = NULL;
  g_autofree char *other_connect = NULL;

  g_assert_true (g_str_has_prefix (own_resolve, "resolved 198.18."));
  g_assert_true (g_str_has_prefix (own_connect, "verdict fail "));
  if (getuid () != 0)
    {
      g_test_skip ("becoming another user (setpriv) needs root");
      return;
    }
  g_assert_cmpint (g_chmod (world.runtime_dir, 0711), ==, 0);
  g_assert_cmpint (g_chmod (world.capture_dir, 0711), ==, 0);
  g_assert_cmpint (g_chmod (socket_path, 0666), ==, 0);
  other_resolve = ask_capture (AS_NOBODY, "resolve", "tunnelled.test");
  other_connect = ask_capture (AS_NOBODY, "connect", "9");
  g_assert_cmpint (g_chmod (socket_path, 0600), ==, 0);
  g_assert_cmpint (g_chmod (world.capture_dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (world.runtime_dir, 0700), ==, 0);

  g_assert_cmpstr (other_resolve, ==, "resolved none");
  g_assert_cmpstr (other_connect, ==, "verdict direct");
}

/* A capture directory that belongs to someone else is not used: the broker
 * says so and runs on without a capture socket. */
static void
test_capture_directory_of_another_user (void)
{
  g_autofree char *socket_path = g_build_filename (world.capture_dir, "capture", NULL);
  struct passwd *nobody = getpwnam ("nobody");

  if (getuid () != 0 || nobody == NULL)
    {
      g_test_skip ("handing a directory to another user needs root and a user 'nobody'");
      return;
    }
  stop_broker ();
  g_unlink (socket_path);
  g_assert_cmpint (chown (world.capture_dir, nobody->pw_uid, nobody->pw_gid), ==, 0);
  start_broker ();
  g_assert_true (burrow_test_file_contains (world.log_path, "is not a directory of this user's"));
  g_assert_false (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (chown (world.capture_dir, getuid (), getgid ()), ==, 0);
}

/* ---- the world --------------------------------------------------------------- */

static void
make_world (void)
{
  g_autofree char *source = g_test_build_filename (G_TEST_DIST, "access", "dbus-call.py", NULL);
  g_autofree char *script_text = NULL;
  g_autofree char *config = g_strdup_printf (user_config, burrow_test_free_port ());
  g_autoptr(GError) error = NULL;

  world.dir = g_dir_make_tmp ("burrow-test-access-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (world.dir, 0755), ==, 0);
  world.script = g_build_filename (world.dir, "dbus-call.py", NULL);
  g_assert_true (g_file_get_contents (source, &script_text, NULL, NULL));
  g_assert_true (g_file_set_contents (world.script, script_text, -1, NULL));
  g_assert_cmpint (g_chmod (world.script, 0644), ==, 0);
  g_clear_pointer (&source, g_free);
  g_clear_pointer (&script_text, g_free);
  source = g_test_build_filename (G_TEST_DIST, "access", "capture-ask.py", NULL);
  world.ask_script = g_build_filename (world.dir, "capture-ask.py", NULL);
  g_assert_true (g_file_get_contents (source, &script_text, NULL, NULL));
  g_assert_true (g_file_set_contents (world.ask_script, script_text, -1, NULL));
  g_assert_cmpint (g_chmod (world.ask_script, 0644), ==, 0);
  world.config_path = g_build_filename (world.dir, "broker-config.xml", NULL);
  g_assert_true (g_file_set_contents (world.config_path, config, -1, NULL));
  world.log_path = g_build_filename (world.dir, "broker.log", NULL);
  world.runtime_dir = g_build_filename (world.dir, "runtime", NULL);
  world.capture_dir = g_build_filename (world.runtime_dir, "burrow", NULL);
  /* Left open on purpose: the broker must make it private. */
  g_assert_cmpint (g_mkdir_with_parents (world.capture_dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (world.runtime_dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (world.capture_dir, 0777), ==, 0);
  start_bus ();
  start_broker ();
}

/* A session object to try Session1 on: the profile's, connected by this
 * user to a closed port (it fails, and stays listed). */
static void
open_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
    world.connection, BROKER_NAME, BROKER_PATH, BROKER1, "Connect", g_variant_new ("(s)", "harness"),
    G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &world.session_path);
}

static void
end_world (void)
{
  stop_broker ();
  g_clear_object (&world.connection);
  if (world.bus_pid != 0)
    {
      kill (world.bus_pid, SIGTERM);
      burrow_test_process_reap_child (world.bus_pid);
    }
  if (world.log_path != NULL && g_test_failed ())
    {
      g_autofree char *log = burrow_test_read_log_tail (world.log_path);

      g_test_message ("broker log:\n%s", log);
    }
  burrow_test_remove_tree (world.dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/access/own-user", test_own_user);
  g_test_add_func ("/access/sandboxed-stranger", test_sandboxed_stranger);
  g_test_add_func ("/access/other-user", test_other_user);
  g_test_add_func ("/access/burrow-flatpak", test_burrow_flatpak);
  g_test_add_func ("/access/capture-socket", test_capture_socket);
  g_test_add_func ("/access/capture-socket-loosened", test_capture_socket_loosened);
  g_test_add_func ("/access/capture-directory-of-another-user",
                   test_capture_directory_of_another_user);

  make_world ();
  open_session ();
  status = g_test_run ();
  end_world ();
  return status;
}
