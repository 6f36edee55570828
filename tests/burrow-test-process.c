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
