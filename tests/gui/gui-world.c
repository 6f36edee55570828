// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-gui-world: the SSH servers of a GUI test, for a test written in
 * Python (tests/gui/burrowgui.py) that cannot link tests/burrow-test-sshd.c.
 *
 *   burrow-gui-world [--key] [--password PW] [--count N]
 *
 * Each --key adds a key-only sshd, each --password PW one that also takes
 * the current user's password PW (needs root, unshare and openssl); --count
 * N starts N of each.  Without --key or --password: one key-only sshd.
 *
 * Prints one JSON line, {"servers": [{host, port, user, client_key,
 * host_key_fingerprint, known_hosts, log, pid, dir, password}, …]}, in the
 * order the options were given, then reads commands on stdin, one a line:
 *
 *   rekey N   restart server N (0-based) on its port with a fresh host key;
 *             answers {"event": "rekeyed", "server": N,
 *             "host_key_fingerprint": …, "pid": …}
 *   ping      answers {"event": "pong"}
 *
 * A command that fails answers {"event": "error", "command": …, "message": …}.
 * At EOF on stdin, SIGTERM or SIGINT it stops every server by its pid and
 * exits 0.  It exits 77 (skip) when OpenSSH or what password logins need is
 * missing, 1 on other start-up errors; the reason goes to stderr. */
#define G_LOG_DOMAIN "burrow-gui-world"

#include "burrow-test-sshd.h"

#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define EXIT_SKIP 77

typedef struct
{
  GPtrArray *passwords;         /* NULL for a key-only server, in order */
  int count;
  GPtrArray *servers;           /* BurrowTestSshd */
  GMainLoop *loop;
  GDataInputStream *input;
  GCancellable *cancellable;
} World;

static gboolean
add_key_server (const char  *option,
                const char  *value,
                gpointer     user_data,
                GError     **error)
{
  World *world = user_data;

  g_ptr_array_add (world->passwords, NULL);
  return TRUE;
}

static gboolean
add_password_server (const char  *option,
                     const char  *value,
                     gpointer     user_data,
                     GError     **error)
{
  World *world = user_data;

  g_ptr_array_add (world->passwords, g_strdup (value));
  return TRUE;
}

/* JSON strings: paths and fingerprints are ASCII today, but a TMPDIR may
 * hold anything; control characters and quotes are escaped, UTF-8 kept. */
static void
append_json_string (GString    *out,
                    const char *value)
{
  if (value == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

static void
append_member (GString    *out,
               const char *name,
               const char *value)
{
  g_string_append_printf (out, "\"%s\": ", name);
  append_json_string (out, value);
}

static void
append_server (GString        *out,
               BurrowTestSshd *sshd,
               const char     *password)
{
  g_string_append_c (out, '{');
  append_member (out, "host", burrow_test_sshd_get_host (sshd));
  g_string_append_printf (out, ", \"port\": %u, ", burrow_test_sshd_get_port (sshd));
  append_member (out, "user", g_get_user_name ());
  g_string_append (out, ", ");
  append_member (out, "client_key", burrow_test_sshd_get_client_key (sshd));
  g_string_append (out, ", ");
  append_member (out, "host_key_fingerprint", burrow_test_sshd_get_host_key_fingerprint (sshd));
  g_string_append (out, ", ");
  append_member (out, "known_hosts", burrow_test_sshd_get_known_hosts (sshd));
  g_string_append (out, ", ");
  append_member (out, "log", burrow_test_sshd_get_log (sshd));
  g_string_append_printf (out, ", \"pid\": %d, ", (int) burrow_test_sshd_get_pid (sshd));
  append_member (out, "dir", burrow_test_sshd_get_dir (sshd));
  g_string_append (out, ", ");
  append_member (out, "password", password);
  g_string_append_c (out, '}');
}

/* Our stdout is read line by line by the test: one line, flushed, per event. */
static void
print_line (GString *line)
{
  g_string_append_c (line, '\n');
  fputs (line->str, stdout);
  fflush (stdout);
}

static void
print_servers (World *world)
{
  g_autoptr(GString) out = g_string_new ("{\"servers\": [");

  for (guint i = 0; i < world->servers->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      append_server (out, world->servers->pdata[i],
                     world->passwords->pdata[i % world->passwords->len]);
    }
  g_string_append (out, "]}");
  print_line (out);
}

static void
print_error (const char *command,
             const char *message)
{
  g_autoptr(GString) out = g_string_new ("{\"event\": \"error\", ");

  append_member (out, "command", command);
  g_string_append (out, ", ");
  append_member (out, "message", message);
  g_string_append_c (out, '}');
  print_line (out);
}

static gboolean
start_servers (World   *world,
               GError **error)
{
  for (int copy = 0; copy < world->count; copy++)
    for (guint i = 0; i < world->passwords->len; i++)
      {
        const char *password = world->passwords->pdata[i];
        BurrowTestSshd *sshd;

        sshd = password != NULL ? burrow_test_sshd_start_with_password (password, error)
                                : burrow_test_sshd_start (error);
        if (sshd == NULL)
          return FALSE;
        g_ptr_array_add (world->servers, sshd);
      }
  return TRUE;
}

static void
rekey (World      *world,
       const char *command,
       const char *argument)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = NULL;
  guint64 index = 0;
  BurrowTestSshd *sshd;

  if (!g_ascii_string_to_unsigned (argument, 10, 0, world->servers->len - 1, &index, &error))
    {
      print_error (command, error->message);
      return;
    }
  sshd = world->servers->pdata[index];
  if (!burrow_test_sshd_rekey (sshd, &error))
    {
      print_error (command, error->message);
      return;
    }
  out = g_string_new (NULL);
  g_string_append_printf (out, "{\"event\": \"rekeyed\", \"server\": %u, ", (guint) index);
  append_member (out, "host_key_fingerprint", burrow_test_sshd_get_host_key_fingerprint (sshd));
  g_string_append_printf (out, ", \"pid\": %d}", (int) burrow_test_sshd_get_pid (sshd));
  print_line (out);
}

static void
run_command (World *world,
             char  *line)
{
  g_auto(GStrv) words = g_strsplit (g_strstrip (line), " ", 2);

  if (words[0] == NULL || *words[0] == '\0')
    return;
  if (g_str_equal (words[0], "ping") && words[1] == NULL)
    {
      g_autoptr(GString) pong = g_string_new ("{\"event\": \"pong\"}");

      print_line (pong);
    }
  else if (g_str_equal (words[0], "rekey") && words[1] != NULL)
    rekey (world, line, words[1]);
  else
    print_error (line, "unknown command (rekey N, ping)");
}

static void read_next_line (World *world);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  World *world = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL,
                                                     &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      /* EOF: the test has gone or is done with us. */
      if (error != NULL)
        g_message ("stdin: %s", error->message);
      g_main_loop_quit (world->loop);
      return;
    }
  run_command (world, line);
  read_next_line (world);
}

static void
read_next_line (World *world)
{
  g_data_input_stream_read_line_async (world->input, G_PRIORITY_DEFAULT, world->cancellable,
                                       on_line, world);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  World *world = user_data;

  g_main_loop_quit (world->loop);
  return G_SOURCE_CONTINUE;
}

static int
start_failed (GError *error)
{
  g_printerr ("burrow-gui-world: %s\n", error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    return EXIT_SKIP;
  return EXIT_FAILURE;
}

static gboolean
parse_options (World   *world,
               int     *argc,
               char  ***argv,
               GError **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- SSH servers for a GUI test");
  GOptionEntry entries[] = {
    { "key", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, add_key_server,
      "Add a key-only sshd", NULL },
    { "password", 0, 0, G_OPTION_ARG_CALLBACK, add_password_server,
      "Add an sshd that also takes the current user's password PW", "PW" },
    { "count", 0, 0, G_OPTION_ARG_INT, &world->count, "Start N of each (default 1)", "N" },
    { NULL }
  };
  GOptionGroup *group = g_option_group_new ("world", "", "", world, NULL);

  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (world->count < 1 || world->count > 16)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--count must be 1 to 16, not %d", world->count);
      return FALSE;
    }
  if (world->passwords->len == 0)
    g_ptr_array_add (world->passwords, NULL);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  World world = { 0 };

  signal (SIGPIPE, SIG_IGN);
  world.passwords = g_ptr_array_new_with_free_func (g_free);
  world.servers = g_ptr_array_new_with_free_func ((GDestroyNotify) burrow_test_sshd_stop);
  world.count = 1;
  if (!parse_options (&world, &argc, &argv, &error))
    {
      g_printerr ("burrow-gui-world: %s\n", error->message);
      return 2;
    }
  /* Before the servers: a signal during their start-up then quits as soon
   * as the loop runs, and they are still stopped. */
  world.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_quit_signal, &world);
  g_unix_signal_add (SIGINT, on_quit_signal, &world);

  if (!start_servers (&world, &error))
    {
      g_ptr_array_unref (world.servers);
      g_ptr_array_unref (world.passwords);
      return start_failed (error);
    }
  print_servers (&world);

  world.cancellable = g_cancellable_new ();
  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  world.input = g_data_input_stream_new (stdin_stream);
  read_next_line (&world);
  g_main_loop_run (world.loop);

  g_cancellable_cancel (world.cancellable);
  /* Stops each server by its pid (burrow_test_sshd_stop). */
  g_ptr_array_unref (world.servers);
  g_ptr_array_unref (world.passwords);
  g_clear_object (&world.input);
  g_clear_object (&world.cancellable);
  g_main_loop_unref (world.loop);
  return EXIT_SUCCESS;
}
