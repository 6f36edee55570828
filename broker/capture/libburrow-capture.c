// SPDX-License-Identifier: GPL-3.0-or-later
/* libburrow-capture.so: loaded with LD_PRELOAD (burrow-capture does it)
 * into every program the user wants captured.
 *
 * connect() goes through capture_decide() (capture-decide.c: the rules
 * snapshot, then the broker).  A tunnelled socket is connected to the
 * broker's capture endpoint; getpeername() on it still gives the address
 * the program asked for.
 *
 * Passed through untouched: AF_UNIX and every other family, UDP and raw
 * sockets, loopback destinations (unless BURROW_CAPTURE_LOOPBACK=1, `-l`),
 * the unspecified address, and every connect of the broker itself
 * (BURROW_CAPTURE_DISABLE=1).
 */
#include "capture-decide.h"

#include <errno.h>
#include <sys/socket.h>

CAPTURE_EXPORT int
connect (int                    fd,
         const struct sockaddr *address,
         socklen_t              length)
{
  const CaptureSettings *settings = capture_settings ();
  CaptureTarget target = { fd, 0, capture_executable (), settings->connect };

  if (settings->connect == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  if (settings->disabled || !capture_wants_broker (fd, address, length))
    return settings->connect (fd, address, length);
  return capture_decide (&target, address, length);
}

CAPTURE_EXPORT int
getpeername (int              fd,
             struct sockaddr *address,
             socklen_t       *length)
{
  const CaptureSettings *settings = capture_settings ();
  struct sockaddr_storage real;
  socklen_t real_length = sizeof real;

  if (settings->getpeername == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  if (fd < 0)
    return settings->getpeername (fd, address, length);
  if (settings->getpeername (fd, (struct sockaddr *) &real, &real_length) < 0)
    return -1;                  /* errno as the call set it */
  if (capture_tunnelled_asked (fd, &real, real_length, address, length))
    return 0;
  return settings->getpeername (fd, address, length);
}
