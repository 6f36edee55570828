// SPDX-License-Identifier: GPL-3.0-or-later
/* libburrow-capture.so: loaded with LD_PRELOAD (burrow-capture does it)
 * into every program the user wants captured.
 *
 * A TCP connect to an IPv4 or IPv6 address is asked about on the broker's
 * capture socket, with the program's socket passed along (SCM_RIGHTS).  The
 * broker answers DIRECT (this library makes the original connect), FAIL
 * (BLOCK, or a tunnel that could not be set up: the errno it gives), or
 * TUNNELLED: it has connected the socket to its capture endpoint and carries
 * the bytes through SSH.  Then getpeername() on the socket still gives the
 * address the program asked for.
 *
 * Passed through untouched: AF_UNIX and every other family, UDP and raw
 * sockets, loopback destinations (unless BURROW_CAPTURE_LOOPBACK=1, `-l`)
 * and the unspecified address.  No broker: the connect fails with
 * ECONNREFUSED (fail-closed) unless BURROW_CAPTURE_FALLBACK=1 (`-F`).
 *
 * Plain libc only: this code runs inside arbitrary programs, threaded ones
 * included, and after fork(); it keeps no connection to the broker open.
 */
#include "burrow-capture-protocol.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__ ((visibility ("default")))

/* How long a connect waits for the broker's verdict: a first connect may
 * wait for an SSH connection, a host-key question or a password. */
#define VERDICT_TIMEOUT_MS (120 * 1000)

typedef int (*ConnectFunc) (int, const struct sockaddr *, socklen_t);
typedef int (*GetpeernameFunc) (int, struct sockaddr *, socklen_t *);

static struct
{
  ConnectFunc connect;
  GetpeernameFunc getpeername;
  char socket_path[sizeof ((struct sockaddr_un *) 0)->sun_path];
  int loopback;       /* capture loopback destinations too */
  int fallback;       /* no broker: connect directly */
  int debug;          /* 0 quiet, 1 decisions, 2 more */
} settings;

static pthread_once_t settings_once = PTHREAD_ONCE_INIT;

/* Sockets connected through the broker, by fd: what the program asked for,
 * and the endpoint the socket really reached (so a reused fd number is
 * told apart without hooking close()). */
typedef struct
{
  int used;
  struct sockaddr_storage asked;
  socklen_t asked_length;
  struct sockaddr_storage endpoint;
  socklen_t endpoint_length;
} Tunnelled;

static pthread_mutex_t tunnelled_lock = PTHREAD_MUTEX_INITIALIZER;
static Tunnelled *tunnelled;
static size_t n_tunnelled;

static void
say (int         level,
     const char *format,
     ...)
{
  char line[512];
  va_list args;
  int n;

  if (settings.debug < level)
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

static void
load_settings (void)
{
  const char *path = getenv ("BURROW_CAPTURE_SOCKET");
  const char *runtime = getenv ("XDG_RUNTIME_DIR");
  const char *debug = getenv ("BURROW_CAPTURE_DEBUG");

  settings.connect = (ConnectFunc) dlsym (RTLD_NEXT, "connect");
  settings.getpeername = (GetpeernameFunc) dlsym (RTLD_NEXT, "getpeername");
  if (path != NULL && path[0] != '\0')
    snprintf (settings.socket_path, sizeof settings.socket_path, "%s", path);
  else if (runtime != NULL && runtime[0] != '\0')
    snprintf (settings.socket_path, sizeof settings.socket_path, "%s/burrow/capture", runtime);
  settings.loopback = env_flag ("BURROW_CAPTURE_LOOPBACK");
  settings.fallback = env_flag ("BURROW_CAPTURE_FALLBACK");
  settings.debug = debug != NULL ? atoi (debug) : 0;
}

static void
ensure_settings (void)
{
  pthread_once (&settings_once, load_settings);
}

/* Which connects are the broker's business */

static int
is_loopback (const struct sockaddr *address)
{
  if (address->sa_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) address;

      return (ntohl (in->sin_addr.s_addr) >> 24) == 127;
    }
  else
    {
      const struct in6_addr *in6 = &((const struct sockaddr_in6 *) address)->sin6_addr;

      if (IN6_IS_ADDR_V4MAPPED (in6))
        return in6->s6_addr[12] == 127;
      return IN6_IS_ADDR_LOOPBACK (in6);
    }
}

static int
is_unspecified (const struct sockaddr *address)
{
  if (address->sa_family == AF_INET)
    return ((const struct sockaddr_in *) address)->sin_addr.s_addr == htonl (INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED (&((const struct sockaddr_in6 *) address)->sin6_addr);
}

static int
is_stream (int fd)
{
  int type = 0;
  socklen_t length = sizeof type;

  return getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
}

/* A second connect() on a connected (or tunnelled) socket gets the kernel's
 * own answer, EISCONN. */
static int
is_connected (int fd)
{
  struct sockaddr_storage peer;
  socklen_t length = sizeof peer;

  return settings.getpeername (fd, (struct sockaddr *) &peer, &length) == 0;
}

static int
wants_broker (int                    fd,
              const struct sockaddr *address,
              socklen_t              length)
{
  if (address == NULL)
    return 0;
  if (address->sa_family == AF_INET)
    {
      if (length < sizeof (struct sockaddr_in))
        return 0;
    }
  else if (address->sa_family == AF_INET6)
    {
      if (length < sizeof (struct sockaddr_in6))
        return 0;
    }
  else
    return 0;
  if (is_unspecified (address) || (is_loopback (address) && !settings.loopback))
    return 0;
  return is_stream (fd) && !is_connected (fd);
}

/* Talking to the broker */

static int
open_broker (void)
{
  struct sockaddr_un where = { .sun_family = AF_UNIX };
  int s;

  if (settings.socket_path[0] == '\0')
    {
      errno = ENOENT;
      return -1;
    }
  memcpy (where.sun_path, settings.socket_path, sizeof where.sun_path);
  s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -1;
  if (settings.connect (s, (struct sockaddr *) &where, sizeof where) < 0)
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
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (header), &fd, sizeof fd);
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
          say (1, "the broker's answer is not understood (%s)", why != NULL ? why : "version");
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

static int
is_nonblocking (int fd)
{
  int flags = fcntl (fd, F_GETFL);

  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

static void
remember_tunnelled (int                    fd,
                    const struct sockaddr *asked,
                    socklen_t              asked_length)
{
  struct sockaddr_storage endpoint;
  socklen_t endpoint_length = sizeof endpoint;

  if (fd < 0 || settings.getpeername (fd, (struct sockaddr *) &endpoint, &endpoint_length) < 0)
    return;
  if (asked_length > sizeof (struct sockaddr_storage))
    asked_length = sizeof (struct sockaddr_storage);

  pthread_mutex_lock (&tunnelled_lock);
  if ((size_t) fd >= n_tunnelled)
    {
      size_t n = (size_t) fd + 64;
      Tunnelled *grown = realloc (tunnelled, n * sizeof *grown);

      if (grown == NULL)
        {
          pthread_mutex_unlock (&tunnelled_lock);
          return;
        }
      memset (grown + n_tunnelled, 0, (n - n_tunnelled) * sizeof *grown);
      tunnelled = grown;
      n_tunnelled = n;
    }
  tunnelled[fd].used = 1;
  memcpy (&tunnelled[fd].asked, asked, asked_length);
  tunnelled[fd].asked_length = asked_length;
  tunnelled[fd].endpoint = endpoint;
  tunnelled[fd].endpoint_length = endpoint_length;
  pthread_mutex_unlock (&tunnelled_lock);
}

/* The program's socket and what to do with it.  Returns connect()'s result. */
static int
ask_broker (int                    fd,
            const struct sockaddr *address,
            socklen_t              length)
{
  BurrowCaptureMessage request, reply;
  int nonblocking = is_nonblocking (fd);
  int s, status;

  burrow_capture_message_init (&request, BURROW_CAPTURE_CONNECT);
  burrow_capture_message_set_sockaddr (&request, address, length);
  request.flags = (nonblocking ? BURROW_CAPTURE_FLAG_NONBLOCKING : 0)
                  | (settings.loopback ? BURROW_CAPTURE_FLAG_LOOPBACK : 0)
                  | (settings.fallback ? BURROW_CAPTURE_FLAG_FALLBACK : 0);
  request.present |= BURROW_CAPTURE_HAS_FLAGS;

  s = open_broker ();
  if (s < 0)
    {
      if (settings.fallback)
        {
          say (1, "no broker at %s: connecting directly (-F)", settings.socket_path);
          return settings.connect (fd, address, length);
        }
      say (1, "no broker at %s: connect refused (fail-closed; -F connects directly)",
           settings.socket_path);
      errno = ECONNREFUSED;
      return -1;
    }
  status = send_request (s, &request, fd);
  if (status == 0)
    status = receive_reply (s, &reply);
  close (s);
  if (status < 0)
    {
      say (1, "the broker did not answer (%s): connect refused", strerror (errno));
      errno = ECONNREFUSED;
      return -1;
    }
  if (reply.type != BURROW_CAPTURE_VERDICT)
    {
      errno = (reply.present & BURROW_CAPTURE_HAS_ERRNO) ? (int) reply.error_number : EPROTO;
      return -1;
    }
  switch (reply.action)
    {
    case BURROW_CAPTURE_ACTION_DIRECT:
      say (2, "direct");
      return settings.connect (fd, address, length);
    case BURROW_CAPTURE_ACTION_TUNNELLED:
      say (2, "tunnelled");
      remember_tunnelled (fd, address, length);
      if (nonblocking)
        {
          /* Connected already; a program that waits for writability finds
           * it at once, and SO_ERROR is 0. */
          errno = EINPROGRESS;
          return -1;
        }
      return 0;
    default:
      say (1, "connect failed: %s", strerror ((int) reply.error_number));
      errno = (int) reply.error_number;
      return -1;
    }
}

EXPORT int
connect (int                    fd,
         const struct sockaddr *address,
         socklen_t              length)
{
  ensure_settings ();
  if (settings.connect == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  if (!wants_broker (fd, address, length))
    return settings.connect (fd, address, length);
  return ask_broker (fd, address, length);
}

EXPORT int
getpeername (int              fd,
             struct sockaddr *address,
             socklen_t       *length)
{
  struct sockaddr_storage real;
  socklen_t real_length = sizeof real;
  int found = 0;

  ensure_settings ();
  if (settings.getpeername == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  if (fd < 0 || settings.getpeername (fd, (struct sockaddr *) &real, &real_length) < 0)
    return settings.getpeername (fd, address, length);

  pthread_mutex_lock (&tunnelled_lock);
  if ((size_t) fd < n_tunnelled && tunnelled[fd].used
      && tunnelled[fd].endpoint_length == real_length
      && memcmp (&tunnelled[fd].endpoint, &real, real_length) == 0)
    {
      socklen_t n = tunnelled[fd].asked_length < *length ? tunnelled[fd].asked_length : *length;

      memcpy (address, &tunnelled[fd].asked, n);
      *length = tunnelled[fd].asked_length;
      found = 1;
    }
  pthread_mutex_unlock (&tunnelled_lock);
  if (found)
    return 0;
  return settings.getpeername (fd, address, length);
}
