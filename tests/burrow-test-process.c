// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-process.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define EXIT_TIMEOUT_MS 5000

static GPid
read_parent_pid (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *stat = NULL;
  const char *end_of_comm;

  if (!g_file_get_contents (path, &stat, NULL, NULL)
      || (end_of_comm = strrchr (stat, ')')) == NULL
      || strlen (end_of_comm) < 5)
    return 0;

  return (GPid) g_ascii_strtoll (end_of_comm + 4, NULL, 10);
}

GArray *
burrow_test_process_children (GPid parent)
{
  GArray *children = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      GPid pid;

      if (!g_ascii_isdigit (name[0]) || read_parent_pid (name) != parent)
        continue;
      pid = (GPid) g_ascii_strtoll (name, NULL, 10);
      g_array_append_val (children, pid);
    }

  return children;
}

/* Gone from /proc means its parent has reaped it, not merely that it died. */
gboolean
burrow_test_process_wait_reaped (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d", (int) pid);

  for (guint waited_ms = 0; waited_ms < EXIT_TIMEOUT_MS; waited_ms += 10)
    {
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return TRUE;
      g_usleep (10 * 1000);
    }

  return FALSE;
}

gboolean
burrow_test_process_reap_child (GPid pid)
{
  for (guint waited_ms = 0; waited_ms < EXIT_TIMEOUT_MS; waited_ms += 10)
    {
      pid_t got = waitpid (pid, NULL, WNOHANG);

      if (got == pid || (got < 0 && errno == ECHILD))
        return TRUE;
      g_usleep (10 * 1000);
    }
  return FALSE;
}

/* Sessions sshd forked outlive its listener, and their orphans become
 * zombies that PID 1 here is slow to reap.  Ending them leaf first leaves
 * each parent alive to reap its child. */
void
burrow_test_process_end_descendants (GPid parent)
{
  g_autoptr(GArray) children = NULL;

  /* 0 means sshd is already gone: never let it select PID 1 and kthreadd. */
  if (parent <= 1)
    return;

  children = burrow_test_process_children (parent);
  for (guint i = 0; i < children->len; i++)
    {
      GPid child = g_array_index (children, GPid, i);

      burrow_test_process_end_descendants (child);
      kill (child, SIGTERM);
      if (!burrow_test_process_wait_reaped (child))
        {
          kill (child, SIGKILL);
          burrow_test_process_wait_reaped (child);
        }
    }
}

void
burrow_test_process_die_with_parent (G_GNUC_UNUSED gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

GPid
burrow_test_subprocess_pid (GSubprocess *process)
{
  const char *identifier = process != NULL ? g_subprocess_get_identifier (process) : NULL;

  return identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
}

/* GLib's worker thread reaps every GSubprocess; the identifier goes NULL
 * then. */
static gboolean
wait_subprocess_gone (GSubprocess *process)
{
  for (guint waited_ms = 0; waited_ms < EXIT_TIMEOUT_MS; waited_ms += 10)
    {
      if (g_subprocess_get_identifier (process) == NULL)
        return TRUE;
      g_usleep (10 * 1000);
    }
  return FALSE;
}

gboolean
burrow_test_subprocess_stop (GSubprocess *process)
{
  if (process == NULL || g_subprocess_get_identifier (process) == NULL)
    return TRUE;

  burrow_test_process_end_descendants (burrow_test_subprocess_pid (process));
  g_subprocess_send_signal (process, SIGTERM);
  if (wait_subprocess_gone (process))
    return TRUE;
  g_message ("pid %s ignored SIGTERM for %u ms, killing it",
             g_subprocess_get_identifier (process), EXIT_TIMEOUT_MS);
  g_subprocess_force_exit (process);
  return wait_subprocess_gone (process);
}

gboolean
burrow_test_spawn_checked (const char * const  *argv,
                           GError             **error)
{
  g_autofree char *err = NULL;
  g_autofree char *command = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, NULL,
                     &err, &status, error))
    return FALSE;
  if (g_spawn_check_wait_status (status, NULL))
    return TRUE;
  command = g_strjoinv (" ", (char **) argv);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s", command, err);
  return FALSE;
}
