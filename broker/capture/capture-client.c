// SPDX-License-Identifier: GPL-3.0-or-later
/* libburrow-capture.so: the settings and the broker's capture socket. */
#include "capture-client.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a question waits for the broker's answer: a first connect may
 * wait for an SSH connection, a host-key question or a password. */
#define VERDICT_TIMEOUT_MS (120 * 1000)

static CaptureSettings settings_;
static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

void
capture_say (int         level,
             const char *format,
             ...)
{
  char line[512];
  va_list args;
  int n;

  if (settings_.debug < level)
    return;
  n = snprintf (line, sizeof line, "burrow-capture[%ld]: ", (long) getpid ());
  va_start (args, format);
  vsnprintf (line + n, sizeof line - n, format, args);
  va_end (args);
  /* One write, so lines of several threads do not interleave. */
  strncat (line, "\n", sizeof line - strlen (line) - 1);
  (void) !write (STDERR_FILENO, line, strlen (line));
}

static int
env_flag (const char *name)
{
  const char *value = getenv (name);

  return value != NULL && value[0] != '\0' && strcmp (value, "0") != 0;
}

/* As the broker's broker_capture_snapshot_default_path(): GLib's
 * g_get_user_state_dir() is $XDG_STATE_HOME, else ~/.local/state. */
static void
find_rules (void)
{
  const char *override = getenv ("BURROW_CAPTURE_RULES");
  const char *state = getenv ("XDG_STATE_HOME");
  const char *home = getenv ("HOME");

  if (override != NULL && override[0] != '\0')
    snprintf (settings_.rules_path, sizeof settings_.rules_path, "%s", override);
  else if (state != NULL && state[0] != '\0')
    snprintf (settings_.rules_path, sizeof settings_.rules_path, "%s/burrow/capture-rules", state);
  else if (home != NULL && home[0] != '\0')
    snprintf (settings_.rules_path, sizeof settings_.rules_path,
              "%s/.local/state/burrow/capture-rules", home);
}

/* Another user's broker (a shell of `su` keeps the environment, and with
 * it LD_PRELOAD and XDG_RUNTIME_DIR): this process is none of its business
 * (the broker would pass it through), and could not reach its socket
 * anyway; so its connects pass through untouched: when the socket is
 * another user's, or lies behind a directory this process may not enter.
 * Unknown while there is no socket: then connects fail closed as usual. */
static int
others_broker (const char *socket_path)
{
  struct stat info;

  if (socket_path[0] == '\0')
    return 0;
  if (lstat (socket_path, &info) < 0)
    return errno == EACCES;
  return info.st_uid != getuid ();
}

static void
load_settings (void)
{
  const char *path = getenv ("BURROW_CAPTURE_SOCKET");
  const char *runtime = getenv ("XDG_RUNTIME_DIR");
  const char *debug = getenv ("BURROW_CAPTURE_DEBUG");

  settings_.connect = dlsym (RTLD_NEXT, "connect");
  settings_.getpeername = dlsym (RTLD_NEXT, "getpeername");
  settings_.getaddrinfo = dlsym (RTLD_NEXT, "getaddrinfo");
  settings_.gethostbyname = dlsym (RTLD_NEXT, "gethostbyname");
  settings_.gethostbyname2 = dlsym (RTLD_NEXT, "gethostbyname2");
  settings_.gethostbyname_r = dlsym (RTLD_NEXT, "gethostbyname_r");
  if (path != NULL && path[0] != '\0')
    snprintf (settings_.socket_path, sizeof settings_.socket_path, "%s", path);
  else if (runtime != NULL && runtime[0] != '\0')
    snprintf (settings_.socket_path, sizeof settings_.socket_path, "%s/burrow/capture", runtime);
  find_rules ();
  settings_.disabled = env_flag ("BURROW_CAPTURE_DISABLE") || others_broker (settings_.socket_path);
  settings_.loopback = env_flag ("BURROW_CAPTURE_LOOPBACK");
  settings_.fallback = env_flag ("BURROW_CAPTURE_FALLBACK");
  settings_.debug = debug != NULL ? atoi (debug) : 0;
}

const CaptureSettings *
capture_settings (void)
{
  pthread_once (&settings_once, load_settings);
  return &settings_;
}


/* @flags: 0, or SOCK_NONBLOCK for a message nobody waits for (a full
 * backlog then drops it instead of stalling the program). */
static int
open_broker (int flags)
{
  struct sockaddr_un where = { .sun_family = AF_UNIX };
  int s;

  if (settings_.socket_path[0] == '\0')
    {
      errno = ENOENT;
      return -1;
    }
  memcpy (where.sun_path, settings_.socket_path, sizeof where.sun_path);
  s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (s < 0)
    return -1;
  if (settings_.connect (s, (struct sockaddr *) &where, sizeof where) < 0)
    {
      int saved = errno;

      close (s);
      errno = saved;
      return -1;
    }
  return s;
}

static int
send_request (int                         s,
              const BurrowCaptureMessage *request,
              int                         fd)
{
  uint8_t frame[BURROW_CAPTURE_MAX_FRAME];
  size_t length = burrow_capture_message_encode (request, frame, sizeof frame);
  union
  {
    char buffer[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { frame, length };
  struct msghdr message = {
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.buffer, .msg_controllen = sizeof control.buffer,
  };
  struct cmsghdr *header = CMSG_FIRSTHDR (&message);
  ssize_t sent;

  if (length == 0)
    {
      errno = EINVAL;
      return -1;
    }
  if (fd >= 0)
    {
      header->cmsg_level = SOL_SOCKET;
      header->cmsg_type = SCM_RIGHTS;
      header->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (header), &fd, sizeof fd);
    }
  else
    {
      message.msg_control = NULL;
      message.msg_controllen = 0;
    }
  do
    sent = sendmsg (s, &message, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent < 0)
    return -1;
  if ((size_t) sent != length)
    {
      errno = EPROTO;
      return -1;
    }
  return 0;
}

static long
now_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

/* One frame, within VERDICT_TIMEOUT_MS; a signal does not cut it short. */
static int
receive_reply (int                   s,
               BurrowCaptureMessage *reply)
{
  uint8_t frame[BURROW_CAPTURE_MAX_FRAME];
  size_t have = 0;
  long deadline = now_ms () + VERDICT_TIMEOUT_MS;

  for (;;)
    {
      struct pollfd wait = { s, POLLIN, 0 };
      size_t consumed = 0;
      const char *why = NULL;
      long left = deadline - now_ms ();
      ssize_t n;
      int ready;

      switch (burrow_capture_message_decode (frame, have, reply, &consumed, &why))
        {
        case BURROW_CAPTURE_DECODE_OK:
          return 0;
        case BURROW_CAPTURE_DECODE_NEED_MORE:
          break;
        default:
          capture_say (1, "the broker's answer is not understood (%s)", why != NULL ? why : "version");
          errno = EPROTO;
          return -1;
        }
      if (left <= 0)
        {
          errno = ETIMEDOUT;
          return -1;
        }
      ready = poll (&wait, 1, (int) left);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        {
          if (ready == 0)
            errno = ETIMEDOUT;
          return -1;
        }
      n = recv (s, frame + have, sizeof frame - have, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ECONNRESET;
          return -1;
        }
      have += (size_t) n;
    }
}

/* One connection to the broker: @request (with @fd, or -1), and its
 * answer into @reply when there is one to wait for (NULL: told, not
 * asked; the socket is then non-blocking, so a busy broker never holds
 * the program up). */
static int
exchange (const BurrowCaptureMessage *request,
          int                         fd,
          BurrowCaptureMessage       *reply)
{
  int s = open_broker (reply == NULL ? SOCK_NONBLOCK : 0);
  int status;
  int saved;

  if (s < 0)
    return -1;
  status = send_request (s, request, fd);
  if (status == 0 && reply != NULL)
    status = receive_reply (s, reply);
  saved = errno;
  close (s);
  errno = saved;
  return status;
}

int
capture_tell (const BurrowCaptureMessage *message)
{
  return exchange (message, -1, NULL);
}

int
capture_ask (const BurrowCaptureMessage *request,
             int                         fd,
             BurrowCaptureMessage       *reply)
{
  return exchange (request, fd, reply);
}
