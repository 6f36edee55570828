// SPDX-License-Identifier: GPL-3.0-or-later
/* Stands in for the GUI when the broker starts io.github.burrow.Burrow by
 * D-Bus activation in tests: the test bus runs "burrow-test-front-end DIR"
 * and it does what the first line of DIR/front-end says:
 *
 *   fail   exit 1 without taking the name (a front end that cannot start)
 *   hold   take the name and keep it until SIGTERM (one that never
 *          registers an agent)
 *   run    take the name, then run the command on the following lines (one
 *          argument a line) with its output in DIR/front-end.out and
 *          DIR/front-end.err, and exit when it does
 *
 * Like the GUI it takes the name first and registers an agent (through the
 * command, e.g. "burrowctl agent --script") after.  Every start appends its
 * pid to DIR/front-end.started. */
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <unistd.h>

#define FRONT_END_NAME "io.github.burrow.Burrow"

typedef struct
{
  GMainLoop *loop;
  const char *dir;
  GStrv command;               /* NULL: hold the name */
  GSubprocess *process;
  int status;
} FrontEnd;

static char *
path_in (FrontEnd   *self,
         const char *name)
{
  return g_build_filename (self->dir, name, NULL);
}

static void
record_start (FrontEnd *self)
{
  g_autofree char *path = path_in (self, "front-end.started");
  FILE *file = fopen (path, "a");

  if (file == NULL)
    return;
  fprintf (file, "%d\n", (int) getpid ());
  fclose (file);
}

static void
on_exited (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  FrontEnd *self = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  g_subprocess_wait_finish (process, result, NULL);
  self->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : 1;
  g_main_loop_quit (self->loop);
}

static void
run_command (FrontEnd *self)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *out = path_in (self, "front-end.out");
  g_autofree char *err = path_in (self, "front-end.err");
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_stdout_file_path (launcher, out);
  g_subprocess_launcher_set_stderr_file_path (launcher, err);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) self->command,
                                                &error);
  if (self->process == NULL)
    {
      g_printerr ("burrow-test-front-end: %s\n", error->message);
      self->status = 1;
      g_main_loop_quit (self->loop);
      return;
    }
  g_subprocess_wait_async (self->process, NULL, on_exited, self);
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  FrontEnd *self = user_data;

  record_start (self);
  if (self->command != NULL)
    run_command (self);
}

static void
on_name_lost (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  FrontEnd *self = user_data;

  g_printerr ("burrow-test-front-end: cannot own %s\n", name);
  self->status = 1;
  g_main_loop_quit (self->loop);
}

/* The command ends with it, so nothing outlives the test. */
static gboolean
on_sigterm (gpointer user_data)
{
  FrontEnd *self = user_data;

  if (self->process != NULL)
    g_subprocess_send_signal (self->process, SIGTERM);
  else
    g_main_loop_quit (self->loop);
  return G_SOURCE_CONTINUE;
}

/* The instructions: NULL for "fail", else the mode's word. */
static char *
read_instructions (FrontEnd *self)
{
  g_autofree char *path = path_in (self, "front-end");
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (g_strchomp (text), "\n", -1);
  if (lines[0] == NULL || g_str_equal (lines[0], "fail"))
    return NULL;
  if (g_str_equal (lines[0], "run") && lines[1] != NULL)
    self->command = g_strdupv (lines + 1);
  return g_strdup (lines[0]);
}

int
main (int   argc,
      char *argv[])
{
  FrontEnd self = { 0 };
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mode = NULL;
  guint owner;

  if (argc != 2)
    {
      g_printerr ("usage: burrow-test-front-end DIR\n");
      return 2;
    }
  self.dir = argv[1];
  mode = read_instructions (&self);
  if (mode == NULL || (!g_str_equal (mode, "hold") && self.command == NULL))
    return 1;
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("burrow-test-front-end: %s\n", error->message);
      return 1;
    }
  self.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_sigterm, &self);
  owner = g_bus_own_name_on_connection (connection, FRONT_END_NAME,
                                        G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_name_acquired,
                                        on_name_lost, &self, NULL);
  g_main_loop_run (self.loop);
  g_bus_unown_name (owner);
  g_clear_object (&self.process);
  g_strfreev (self.command);
  g_main_loop_unref (self.loop);
  return self.status;
}
