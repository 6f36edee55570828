// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-broker.h"
#include "burrow-test-ssh-tools.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define BROKER_BUS_NAME "io.github.burrow.Burrow.Broker"
#define FRONT_END_BUS_NAME "io.github.burrow.Burrow"

/* Paths into the build tree, from the environment meson gives tests. */
char *
burrow_test_build_path (const char *first,
                        ...)
{
  const char *root = g_getenv ("BURROW_BUILD_ROOT");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_assert_nonnull (root);
  g_ptr_array_add (parts, (gpointer) root);
  va_start (args, first);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static char *
service_path (BurrowTestBroker *self,
              const char       *name)
{
  g_autofree char *file = g_strconcat (name, ".service", NULL);

  return g_build_filename (self->dir, "services", file, NULL);
}

/* The bus reads the directory again when a name it does not know is
 * started, so services may come and go while it runs; a file it has read
 * is not rewritten (it would notice only a newer mtime). */
static void
add_service (BurrowTestBroker *self,
             const char       *name,
             const char       *exec)
{
  g_autofree char *path = service_path (self, name);
  g_autofree char *contents = g_strdup_printf ("[D-BUS Service]\n"
                                               "Name=%s\n"
                                               "Exec=%s\n", name, exec);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

/* The service directory is the bus's even when empty, so that services
 * can be added later. */
static void
add_service_dir (BurrowTestBroker *self,
                 gboolean          activatable)
{
  g_autofree char *services = g_build_filename (self->dir, "services", NULL);
  g_autofree char *exec = burrow_test_build_path ("broker", "burrow-broker", NULL);

  g_assert_cmpint (g_mkdir_with_parents (services, 0700), ==, 0);
  if (activatable)
    add_service (self, BROKER_BUS_NAME, exec);
  g_test_dbus_add_service_dir (self->bus, services);
}

/* What the broker writes for captured programs (the rules snapshot, the
 * environment.d file of session-wide capture) goes to the test's own
 * directories, never the user's; captured programs the test starts
 * inherit the same variables. */
static void
set_user_dirs (BurrowTestBroker *self)
{
  g_autofree char *config = g_build_filename (self->dir, "xdg-config", NULL);
  g_autofree char *state = g_build_filename (self->dir, "xdg-state", NULL);
  g_autofree char *rules = g_build_filename (state, "burrow", "capture-rules", NULL);

  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  g_setenv ("BURROW_CAPTURE_RULES", rules, TRUE);
}

/* The activated broker inherits the bus daemon's environment: point it at
 * our configuration files before the bus starts. */
BurrowTestBroker *
burrow_test_broker_new (gboolean activatable)
{
  BurrowTestBroker *self = g_new0 (BurrowTestBroker, 1);
  g_autoptr(GError) error = NULL;

  self->dir = g_dir_make_tmp ("burrow-test-broker-XXXXXX", &error);
  g_assert_no_error (error);
  self->global_path = g_build_filename (self->dir, "global", "broker-config.xml", NULL);
  self->user_path = g_build_filename (self->dir, "user", "burrow", "broker-config.xml", NULL);
  g_setenv ("BURROW_GLOBAL_CONFIG", self->global_path, TRUE);
  g_setenv ("BURROW_USER_CONFIG", self->user_path, TRUE);
  set_user_dirs (self);

  self->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  add_service_dir (self, activatable);
  g_test_dbus_up (self->bus);
  self->connection = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (self->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  return self;
}

/* Stopping the bus ends the activated broker with it (it loses the bus and
 * exits), so no process outlives the test. */
void
burrow_test_broker_free (BurrowTestBroker *self)
{
  if (self == NULL)
    return;
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_test_dbus_down (self->bus);
  g_clear_object (&self->bus);
  burrow_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->global_path);
  g_free (self->user_path);
  g_free (self);
}

static void
write_file (const char *path,
            const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

void
burrow_test_broker_write_global (BurrowTestBroker *self,
                                 const char       *xml)
{
  write_file (self->global_path, xml);
}

void
burrow_test_broker_write_user (BurrowTestBroker *self,
                               const char       *xml)
{
  write_file (self->user_path, xml);
}

char *
burrow_test_broker_read_user (BurrowTestBroker *self)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (self->user_path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

const char *
burrow_test_broker_get_address (BurrowTestBroker *self)
{
  return g_test_dbus_get_bus_address (self->bus);
}

typedef struct
{
  gboolean timed_out;
} WaitState;

static gboolean
on_wait_timeout (gpointer user_data)
{
  ((WaitState *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

#define WAIT_POLL_MS 20

static gboolean
on_wait_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @done says so, at most
 * @timeout_ms; @done is asked after every event and every WAIT_POLL_MS. */
gboolean
burrow_test_wait_until (gboolean (*done) (gpointer),
                        gpointer  data,
                        guint     timeout_ms)
{
  WaitState state = { FALSE };
  guint timeout = g_timeout_add (timeout_ms, on_wait_timeout, &state);
  /* Conditions on files and processes raise no main-loop event. */
  guint tick = g_timeout_add (WAIT_POLL_MS, on_wait_tick, NULL);

  while (!done (data) && !state.timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!state.timed_out)
    g_source_remove (timeout);
  g_source_remove (tick);
  return done (data);
}

static GVariant *
call_bus (BurrowTestBroker *self,
          const char       *method,
          GVariant         *args,
          const char       *reply_type,
          GError          **error)
{
  return g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus",
                                      "/org/freedesktop/DBus", "org.freedesktop.DBus", method,
                                      args, G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE,
                                      -1, NULL, error);
}

/* The pid of the process owning @bus_name now, or 0 if none does. */
static guint32
owner_pid (BurrowTestBroker *self,
           const char       *bus_name)
{
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GVariant) pid = NULL;
  const char *name = NULL;
  guint32 value = 0;

  owner = call_bus (self, "GetNameOwner", g_variant_new ("(s)", bus_name), "(s)", NULL);
  if (owner == NULL)
    return 0;
  g_variant_get (owner, "(&s)", &name);
  pid = call_bus (self, "GetConnectionUnixProcessID", g_variant_new ("(s)", name), "(u)", NULL);
  if (pid == NULL)
    return 0;
  g_variant_get (pid, "(u)", &value);
  return value;
}

/* The pid of the broker owning the name now, or 0 if none does. */
guint32
burrow_test_broker_get_pid (BurrowTestBroker *self)
{
  return owner_pid (self, BROKER_BUS_NAME);
}

/* Stops the activated broker (SIGTERM) and waits, at most 5 s, until it has
 * left the bus, so the next call activates a fresh one. */
void
burrow_test_broker_stop_daemon (BurrowTestBroker *self)
{
  guint32 pid = burrow_test_broker_get_pid (self);

  if (pid == 0)
    return;
  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  for (guint i = 0; i < 500 && burrow_test_broker_get_pid (self) != 0; i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (burrow_test_broker_get_pid (self), ==, 0);
}

/* The GUI's stand-in, tests/agents/burrow-test-front-end.c: @mode and
 * @command say what each start does ("fail", "hold", or "run" @command);
 * @mode NULL takes the service away, so the bus knows no such name. */
void
burrow_test_broker_set_front_end (BurrowTestBroker   *self,
                                  const char         *mode,
                                  const char * const *command)
{
  g_autofree char *service = service_path (self, FRONT_END_BUS_NAME);
  g_autofree char *how = burrow_test_broker_front_end_path (self, NULL);
  g_autofree char *exe = burrow_test_build_path ("tests", "burrow-test-front-end", NULL);
  g_autofree char *quoted_exe = g_shell_quote (exe);
  g_autofree char *quoted_dir = g_shell_quote (self->dir);
  /* The bus splits Exec as a shell would ($TMPDIR may hold spaces). */
  g_autofree char *exec = g_strdup_printf ("%s %s", quoted_exe, quoted_dir);
  g_autoptr(GString) text = g_string_new (mode);

  if (mode == NULL)
    {
      g_assert_true (g_remove (service) == 0 || errno == ENOENT);
      return;
    }
  for (guint i = 0; command != NULL && command[i] != NULL; i++)
    g_string_append_printf (text, "\n%s", command[i]);
  g_string_append_c (text, '\n');
  g_assert_true (g_file_set_contents (how, text->str, -1, NULL));
  if (!g_file_test (service, G_FILE_TEST_EXISTS))
    add_service (self, FRONT_END_BUS_NAME, exec);
}

/* The stand-in's files: its instructions (@suffix NULL), and ".started"
 * (a pid a line), ".out" and ".err" (its command's). */
char *
burrow_test_broker_front_end_path (BurrowTestBroker *self,
                                   const char       *suffix)
{
  g_autofree char *name = g_strconcat ("front-end", suffix, NULL);

  return g_build_filename (self->dir, name, NULL);
}

/* How many times the bus started it. */
guint
burrow_test_broker_count_front_end_starts (BurrowTestBroker *self)
{
  g_autofree char *path = burrow_test_broker_front_end_path (self, ".started");
  g_autofree char *text = NULL;
  guint count = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p != '\0'; p++)
    count += *p == '\n';
  return count;
}

/* Ends the stand-in that owns the name now, if any, and waits (at most
 * 5 s) until it has left the bus. */
void
burrow_test_broker_stop_front_end (BurrowTestBroker *self)
{
  guint32 pid = owner_pid (self, FRONT_END_BUS_NAME);

  if (pid == 0)
    return;
  g_assert_cmpint (kill ((pid_t) pid, SIGTERM), ==, 0);
  for (guint i = 0; i < 500 && owner_pid (self, FRONT_END_BUS_NAME) != 0; i++)
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (owner_pid (self, FRONT_END_BUS_NAME), ==, 0);
}

void
burrow_test_ctl_result_clear (BurrowTestCtlResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

/* Runs the built burrowctl; @address is the bus to use, or NULL for none. */
void
burrow_test_run_ctl (BurrowTestCtlResult *result,
                     const char          *address,
                     const char * const  *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, burrow_test_build_path ("broker", "ctl", "burrowctl", NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                address != NULL ? address : "unix:path=/nonexistent/burrow-test-bus",
                                TRUE);
  /* GLib's part of --help ("Usage:") is translated too. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);
}

char *
burrow_test_connections_line (const char *address,
                              const char *needle)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *newest = NULL;

  burrow_test_run_ctl (&result, address, (const char *[]) { "connections", NULL });
  g_assert_cmpint (result.status, ==, 0);
  lines = g_strsplit (result.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL
        && (newest == NULL
            || g_ascii_strtoull (lines[i], NULL, 10) > g_ascii_strtoull (newest, NULL, 10)))
      newest = lines[i];
  if (newest != NULL)
    return g_strdup (newest);
  g_test_message ("burrowctl connections:\n%s", result.out);
  return NULL;
}
