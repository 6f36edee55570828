// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-agent.h"

#include <signal.h>
#include <string.h>

#define READY_POLLS 500        /* of 20 ms: 10 s */

static char *
read_file (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Nothing wakes a main loop when a file grows: look every 20 ms. */
static gboolean
agent_ready (BurrowTestAgent *agent)
{
  for (guint i = 0; i < READY_POLLS; i++)
    {
      g_autofree char *err = read_file (agent->err_path);

      if (strstr (err, "answering the broker's questions") != NULL)
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

BurrowTestAgent *
burrow_test_agent_start (BurrowTestBroker *broker,
                         const char       *dir,
                         const char       *script)
{
  BurrowTestAgent *agent = g_new0 (BurrowTestAgent, 1);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *ctl = burrow_test_build_path ("broker", "ctl", "burrowctl", NULL);
  g_autofree char *script_path = g_build_filename (dir, "agent-script", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (script_path, script, -1, NULL));
  agent->out_path = g_build_filename (dir, "agent-out", NULL);
  agent->err_path = g_build_filename (dir, "agent-err", NULL);
  g_assert_true (g_file_set_contents (agent->out_path, "", 0, NULL));
  g_assert_true (g_file_set_contents (agent->err_path, "", 0, NULL));
  g_subprocess_launcher_set_stdout_file_path (launcher, agent->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, agent->err_path);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                burrow_test_broker_get_address (broker), TRUE);
  agent->process = g_subprocess_launcher_spawn (launcher, &error, ctl, "agent", "--script",
                                                script_path, NULL);
  g_assert_no_error (error);
  g_assert_true (agent_ready (agent));
  return agent;
}

char *
burrow_test_agent_stop (BurrowTestAgent  *agent,
                        char            **err)
{
  char *out;
  char *said_err;

  g_subprocess_send_signal (agent->process, SIGTERM);
  g_subprocess_wait (agent->process, NULL, NULL);
  out = read_file (agent->out_path);
  said_err = read_file (agent->err_path);
  g_test_message ("agent said: %s%s", out, said_err);
  if (err != NULL)
    *err = said_err;
  else
    g_free (said_err);
  g_object_unref (agent->process);
  g_free (agent->out_path);
  g_free (agent->err_path);
  g_free (agent);
  return out;
}
