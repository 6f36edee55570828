// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-broker"

#include "broker-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Linux 6.5; glibc 2.36's headers do not name it yet. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* Flatpak's file is well under a kilobyte. */
#define MAX_INFO_SIZE (64 * 1024)
#define MAX_APP_ID_LENGTH 255

static char *
unknown_app (void)
{
  return g_strdup (BROKER_SANDBOX_UNKNOWN_APP);
}

gboolean
broker_sandbox_app_id_is_valid (const char *app_id)
{
  gsize length = strlen (app_id);

  if (length == 0 || length > MAX_APP_ID_LENGTH)
    return FALSE;
  for (const char *p = app_id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

char *
broker_sandbox_session_id (const char *sandbox,
                           const char *id)
{
  if (sandbox == NULL)
    return g_strdup (id);
  return g_strdup_printf ("sandbox:%s:%s", sandbox, id);
}

/* [Application] name= of the file's text.  A file that does not parse
 * still means a sandbox. */
static char *
app_id_of (const char *text,
           gsize       length)
{
  g_autoptr(GKeyFile) info = g_key_file_new ();
  g_autofree char *name = NULL;

  if (!g_key_file_load_from_data (info, text, length, G_KEY_FILE_NONE, NULL))
    return unknown_app ();
  name = g_key_file_get_string (info, "Application", "name", NULL);
  if (name == NULL || !broker_sandbox_app_id_is_valid (name))
    return unknown_app ();
  return g_steal_pointer (&name);
}

/* The whole of @fd if it is a regular file of a sane size, else NULL. */
static char *
read_info (int    fd,
           gsize *length)
{
  struct stat info;
  g_autofree char *text = NULL;
  gsize have = 0;

  if (fstat (fd, &info) < 0 || !S_ISREG (info.st_mode) || info.st_size > MAX_INFO_SIZE)
    return NULL;
  text = g_malloc (MAX_INFO_SIZE + 1);
  while (have <= MAX_INFO_SIZE)
    {
      ssize_t n = read (fd, text + have, MAX_INFO_SIZE + 1 - have);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      have += n;
    }
  if (have > MAX_INFO_SIZE)
    return NULL;
  *length = have;
  return g_steal_pointer (&text);
}

/* No symbolic link is followed: an absolute one would be resolved in the
 * broker's root, not the program's.  Non-blocking, so that a FIFO there
 * cannot stall the broker; anything but a regular file means a sandbox
 * the broker cannot identify. */
static char *
inspect_root_fd (int         root_fd,
                 const char *root)
{
  int fd = openat (root_fd, ".flatpak-info", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  g_autofree char *text = NULL;
  gsize length = 0;

  if (fd < 0 && errno == ENOENT)
    return NULL;
  if (fd < 0)
    {
      g_debug ("sandbox: %s/.flatpak-info: %s", root, g_strerror (errno));
      return unknown_app ();
    }
  text = read_info (fd, &length);
  close (fd);
  if (text == NULL)
    {
      g_debug ("sandbox: %s/.flatpak-info is not a readable file", root);
      return unknown_app ();
    }
  return app_id_of (text, length);
}

char *
broker_sandbox_inspect_root (const char *root)
{
  int root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  char *sandbox;

  if (root_fd < 0)
    {
      /* The process is gone, or the broker may not look (another user's,
       * or not dumpable): what it is cannot be told, so it shares with
       * nobody unsandboxed. */
      g_debug ("sandbox: cannot open %s: %s", root, g_strerror (errno));
      return unknown_app ();
    }
  sandbox = inspect_root_fd (root_fd, root);
  close (root_fd);
  return sandbox;
}

/* The process @pidfd stands for is still there (a signal 0 reaches it, or
 * would but for permission), so its pid has not been reused. */
static gboolean
still_running (int pidfd)
{
  return pidfd_send_signal (pidfd, 0, NULL, 0) == 0 || errno == EPERM;
}

/* SO_PEERCRED's pid is the process that connected, as the kernel recorded
 * it at connect().  /proc/PID/root is only that process's root while the
 * pid is not reused.  With SO_PEERPIDFD (Linux 6.5) that is certain: the
 * pidfd names the connecting process itself, and once /proc was read it
 * is checked to be still running, so the pid was still its own during the
 * read.  Without it (Debian 12's Linux 6.1), the pid could have been
 * reused only if the connecting process exited (a forked child may hold
 * the connection on) and the kernel went round the whole pid space before
 * the broker's main loop reached the accept: unlikely, not impossible.
 * When the pidfd cannot be had or the process ended, the program counts
 * as an unknown sandbox. */
char *
broker_sandbox_inspect_peer (int   socket_fd,
                             pid_t pid)
{
  g_autofree char *root = g_strdup_printf ("/proc/%d/root", (int) pid);
  int pidfd = -1;
  socklen_t length = sizeof pidfd;
  char *sandbox;

  if (getsockopt (socket_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length) < 0)
    {
      if (errno != ENOPROTOOPT)
        {
          g_debug ("sandbox: no pidfd for pid %d: %s", (int) pid, g_strerror (errno));
          return unknown_app ();
        }
      pidfd = -1;               /* an older kernel: the pid alone */
    }
  sandbox = broker_sandbox_inspect_root (root);
  if (pidfd >= 0 && !still_running (pidfd))
    {
      g_debug ("sandbox: pid %d ended while it was looked at", (int) pid);
      g_free (sandbox);
      sandbox = unknown_app ();
    }
  if (pidfd >= 0)
    close (pidfd);
  return sandbox;
}
