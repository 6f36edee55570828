// SPDX-License-Identifier: GPL-3.0-or-later
/* What a captured connect does, whoever intercepted it: the LD_PRELOAD
 * library in the program itself (libburrow-capture.c), or the seccomp
 * supervisor holding a copy of the program's socket (capture-seccomp.c).
 *
 * A TCP connect to an IPv4 or IPv6 address is asked about on the broker's
 * capture socket, with the program's socket passed along (SCM_RIGHTS).  The
 * broker answers DIRECT (the original connect is made), FAIL (BLOCK, or a
 * tunnel that could not be set up: the errno it gives), or TUNNELLED: it
 * has connected the socket to its capture endpoint and carries the bytes
 * through SSH.
 *
 * Before asking, the broker's rules snapshot is read (capture-local.c): a
 * connect that a rule clearly sends DIRECT is made at once and only
 * reported to the broker afterwards (for the live view, without waiting),
 * so DIRECT costs no round trip and keeps working while the broker is
 * down.  Synthetic addresses always go to the broker.  No broker: the
 * connect fails with ECONNREFUSED (fail-closed) unless the snapshot's rule
 * allows fallback-to-plain or BURROW_CAPTURE_FALLBACK=1 (`-F`).
 *
 * Plain libc only: this code runs inside arbitrary programs, threaded ones
 * included, and after fork(); it keeps no connection to the broker open. */
#include "capture-decide.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* A thread may hold the table's lock (and be inside realloc()) when
 * another forks: the child would inherit it held and hang at its first
 * connect.  So fork() waits for it, as for the snapshot's lock. */
static void
tunnelled_before_fork (void)
{
  pthread_mutex_lock (&tunnelled_lock);
}

static void
tunnelled_after_fork (void)
{
  pthread_mutex_unlock (&tunnelled_lock);
}

__attribute__ ((constructor)) static void
guard_tunnelled_across_fork (void)
{
  pthread_atfork (tunnelled_before_fork, tunnelled_after_fork, tunnelled_after_fork);
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

  return capture_settings ()->getpeername (fd, (struct sockaddr *) &peer, &length) == 0;
}

int
capture_wants_broker (int                    fd,
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
  if (is_unspecified (address) || (is_loopback (address) && !capture_settings ()->loopback))
    return 0;
  return is_stream (fd) && !is_connected (fd);
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

  if (fd < 0
      || capture_settings ()->getpeername (fd, (struct sockaddr *) &endpoint, &endpoint_length) < 0)
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

/* Also as an IPv4-mapped address (a dual-stack program's IPv6 socket). */
static int
is_synthetic (const struct sockaddr *address)
{
  const struct in6_addr *in6 = &((const struct sockaddr_in6 *) address)->sin6_addr;

  if (address->sa_family == AF_INET)
    return burrow_capture_is_synthetic (AF_INET, (const uint8_t *)
                                        &((const struct sockaddr_in *) address)->sin_addr);
  if (IN6_IS_ADDR_V4MAPPED (in6))
    return burrow_capture_is_synthetic (AF_INET, in6->s6_addr + 12);
  return burrow_capture_is_synthetic (AF_INET6, in6->s6_addr);
}

/* On behalf of another process: the broker is told which. */
static void
set_program (BurrowCaptureMessage *message,
             const CaptureTarget  *target)
{
  if (target->pid > 0)
    {
      message->pid = (uint32_t) target->pid;
      message->present |= BURROW_CAPTURE_HAS_PID;
    }
}

static uint32_t
request_flags (int nonblocking)
{
  const CaptureSettings *settings = capture_settings ();

  return (nonblocking ? BURROW_CAPTURE_FLAG_NONBLOCKING : 0)
         | (settings->loopback ? BURROW_CAPTURE_FLAG_LOOPBACK : 0)
         | (settings->fallback ? BURROW_CAPTURE_FLAG_FALLBACK : 0);
}

/* DIRECT by the snapshot: the connect itself, then a word to the broker
 * for the live view (not waited for; lost if the broker is down). */
static int
connect_and_report (const CaptureTarget   *target,
                    const struct sockaddr *address,
                    socklen_t              length,
                    int                    rule_index)
{
  BurrowCaptureMessage report;
  int result = target->connect (target->fd, address, length);
  int saved = errno;

  capture_say (2, "direct (rule %d of the snapshot)", rule_index + 1);
  /* A connect that failed at once is no connection to list; a retry of
   * one in progress (EALREADY, EISCONN) was listed already. */
  if (result < 0 && saved != EINPROGRESS)
    {
      errno = saved;
      return result;
    }
  burrow_capture_message_init (&report, BURROW_CAPTURE_REPORT);
  burrow_capture_message_set_sockaddr (&report, address, length);
  report.flags = request_flags (is_nonblocking (target->fd));
  report.rule = (uint32_t) (rule_index + 1);
  report.present |= BURROW_CAPTURE_HAS_FLAGS | BURROW_CAPTURE_HAS_RULE;
  set_program (&report, target);
  /* For the live view, should the program be gone before the broker reads
   * /proc/PID/exe. */
  if (burrow_capture_executable_is_valid (target->executable, strlen (target->executable)))
    {
      strcpy (report.executable, target->executable);
      report.present |= BURROW_CAPTURE_HAS_EXECUTABLE;
    }
  (void) capture_tell (&report);
  errno = saved;
  return result;
}

/* No broker to ask: a TUNNEL rule with fallback-to-plain (as the snapshot
 * has it) or -F connects directly; everything else fails closed. */
static int
without_broker (const CaptureTarget   *target,
                const struct sockaddr *address,
                socklen_t              length,
                const CaptureVerdict  *verdict)
{
  const CaptureSettings *settings = capture_settings ();

  if (verdict != NULL && verdict->certain && verdict->action == CAPTURE_RULE_TUNNEL
      && verdict->fallback)
    {
      capture_say (1, "no broker at %s: connecting directly (rule %d allows fallback-to-plain)",
                   settings->socket_path, verdict->index + 1);
      return target->connect (target->fd, address, length);
    }
  if (settings->fallback)
    {
      capture_say (1, "no broker at %s: connecting directly (-F)", settings->socket_path);
      return target->connect (target->fd, address, length);
    }
  capture_say (1, "no broker at %s: connect refused (fail-closed; -F connects directly)",
               settings->socket_path);
  errno = ECONNREFUSED;
  return -1;
}

/* The program's socket and what to do with it.  Returns connect()'s result.
 * @verdict: what the snapshot says, or NULL. */
static int
ask_broker (const CaptureTarget   *target,
            const struct sockaddr *address,
            socklen_t              length,
            const CaptureVerdict  *verdict)
{
  BurrowCaptureMessage request, reply;
  int nonblocking = is_nonblocking (target->fd);

  burrow_capture_message_init (&request, BURROW_CAPTURE_CONNECT);
  burrow_capture_message_set_sockaddr (&request, address, length);
  request.flags = request_flags (nonblocking);
  request.present |= BURROW_CAPTURE_HAS_FLAGS;
  set_program (&request, target);

  if (capture_ask (&request, target->fd, &reply) < 0)
    {
      if (errno == ENOENT || errno == ECONNREFUSED)
        return without_broker (target, address, length, verdict);
      capture_say (1, "the broker did not answer (%s): connect refused", strerror (errno));
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
      capture_say (2, "direct");
      return target->connect (target->fd, address, length);
    case BURROW_CAPTURE_ACTION_TUNNELLED:
      capture_say (2, "tunnelled");
      remember_tunnelled (target->fd, address, length);
      if (nonblocking)
        {
          /* Connected already; a program that waits for writability finds
           * it at once, and SO_ERROR is 0. */
          errno = EINPROGRESS;
          return -1;
        }
      return 0;
    default:
      capture_say (1, "connect failed: %s", strerror ((int) reply.error_number));
      errno = (int) reply.error_number;
      return -1;
    }
}

static int
same_host (const struct sockaddr         *a,
           const struct sockaddr_storage *b)
{
  if (a->sa_family != b->ss_family)
    return 0;
  if (a->sa_family == AF_INET)
    return memcmp (&((const struct sockaddr_in *) a)->sin_addr,
                   &((const struct sockaddr_in *) b)->sin_addr, sizeof (struct in_addr)) == 0;
  return memcmp (&((const struct sockaddr_in6 *) a)->sin6_addr,
                 &((const struct sockaddr_in6 *) b)->sin6_addr, sizeof (struct in6_addr)) == 0;
}

/* Whether this process has (or had: closed sockets are not forgotten) a
 * tunnelled connection to @address's host.  Such a connect is the
 * broker's to decide whatever the snapshot says: a captured FTP client's
 * data connects go to its server's address, on a port only the broker
 * knows is one of its data listeners. */
static int
shares_tunnelled_host (const struct sockaddr *address)
{
  int found = 0;

  pthread_mutex_lock (&tunnelled_lock);
  for (size_t i = 0; i < n_tunnelled && !found; i++)
    found = tunnelled[i].used && same_host (address, &tunnelled[i].asked);
  pthread_mutex_unlock (&tunnelled_lock);
  return found;
}

/* The snapshot first; the broker when the snapshot cannot tell. */
int
capture_decide (const CaptureTarget   *target,
                const struct sockaddr *address,
                socklen_t              length)
{
  CaptureVerdict verdict;

  if (is_synthetic (address) || shares_tunnelled_host (address)
      || capture_local_decide (target->executable, address, &verdict) < 0)
    return ask_broker (target, address, length, NULL);
  if (verdict.certain && verdict.action == CAPTURE_RULE_DIRECT)
    return connect_and_report (target, address, length, verdict.index);
  return ask_broker (target, address, length, &verdict);
}


int
capture_tunnelled_asked (int                            fd,
                         const struct sockaddr_storage *real,
                         socklen_t                      real_length,
                         struct sockaddr               *address,
                         socklen_t                     *length)
{
  int found = 0;

  pthread_mutex_lock (&tunnelled_lock);
  if (fd >= 0 && (size_t) fd < n_tunnelled && tunnelled[fd].used
      && tunnelled[fd].endpoint_length == real_length
      && memcmp (&tunnelled[fd].endpoint, real, real_length) == 0)
    {
      socklen_t n = tunnelled[fd].asked_length < *length ? tunnelled[fd].asked_length : *length;

      memcpy (address, &tunnelled[fd].asked, n);
      *length = tunnelled[fd].asked_length;
      found = 1;
    }
  pthread_mutex_unlock (&tunnelled_lock);
  return found;
}
