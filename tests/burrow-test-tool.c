// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-tool.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void
burrow_test_tool_result_clear (BurrowTestToolResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

/* The tools must not go through a proxy or read the caller's settings. */
GStrv
burrow_test_tool_environment (void)
{
  const char *unset[] = { "ftp_proxy", "FTP_PROXY", "http_proxy", "HTTP_PROXY", "https_proxy",
                          "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
                          "CURL_HOME", "LFTP_HOME" };
  char **env = g_get_environ ();

  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    env = g_environ_unsetenv (env, unset[i]);
  return g_environ_setenv (env, "LC_ALL", "C", TRUE);
}

static int
open_output (const char *path)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

/* With @input (or NULL): written to stdin, which stays open until the
 * program exits (telnet quits at the end of its input, before the server
 * has answered, so it must end because the server closed). */
void
burrow_test_run_tool_with_input (BurrowTestToolResult *result,
                                 const char           *dir,
                                 const char * const   *argv,
                                 const char * const   *env,
                                 const char           *input,
                                 guint                 timeout_s)
{
  g_autofree char *out_path = g_build_filename (dir, "tool.out", NULL);
  g_autofree char *err_path = g_build_filename (dir, "tool.err", NULL);
  g_auto(GStrv) default_env = env == NULL ? burrow_test_tool_environment () : NULL;
  g_autoptr(GError) error = NULL;
  int out_fd = open_output (out_path);
  int err_fd = open_output (err_path);
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD;
  int in_fd = -1;
  GPid pid = 0;
  int status = 0;

  if (input == NULL)
    flags |= G_SPAWN_STDIN_FROM_DEV_NULL;
  g_spawn_async_with_pipes_and_fds (dir, argv,
                                    env != NULL ? env : (const char * const *) default_env,
                                    flags, NULL, NULL, -1, out_fd, err_fd, NULL, NULL, 0,
                                    &pid, input != NULL ? &in_fd : NULL, NULL, NULL, &error);
  close (out_fd);
  close (err_fd);
  g_assert_no_error (error);
  /* A few bytes: the pipe takes them at once. */
  if (input != NULL && write (in_fd, input, strlen (input)) != (ssize_t) strlen (input))
    g_test_message ("could not write the input: %s", g_strerror (errno));
  result->timed_out = FALSE;
  while (waitpid (pid, &status, WNOHANG) == 0)
    {
      if (g_get_monotonic_time () >= deadline)
        {
          result->timed_out = TRUE;
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          break;
        }
      g_usleep (20 * 1000);
    }
  if (in_fd >= 0)
    close (in_fd);
  result->status = WIFEXITED (status) && !result->timed_out ? WEXITSTATUS (status) : -1;
  g_file_get_contents (out_path, &result->out, NULL, NULL);
  g_file_get_contents (err_path, &result->err, NULL, NULL);
  if (result->out == NULL)
    result->out = g_strdup ("");
  if (result->err == NULL)
    result->err = g_strdup ("");
}

void
burrow_test_run_tool (BurrowTestToolResult *result,
                      const char           *dir,
                      const char * const   *argv,
                      const char * const   *env,
                      guint                 timeout_s)
{
  burrow_test_run_tool_with_input (result, dir, argv, env, NULL, timeout_s);
}

void
burrow_test_assert_tool_ok (BurrowTestToolResult *result,
                            const char           *what)
{
  if (result->status != 0)
    g_test_message ("%s exited with %d%s; its stdout:\n%s\nits stderr:\n%s", what,
                    result->status, result->timed_out ? " (killed: timed out)" : "", result->out,
                    result->err);
  g_assert_false (result->timed_out);
  g_assert_cmpint (result->status, ==, 0);
}

void
burrow_test_assert_contains (const char *text,
                             const char *needle)
{
  if (text == NULL || strstr (text, needle) == NULL)
    g_error ("expected \"%s\" in:\n%s", needle, text != NULL ? text : "(nothing)");
}
