// SPDX-License-Identifier: GPL-3.0-or-later
/* Synthetic addresses: a name that a TUNNEL rule covers gets one from the
 * broker (198.18.0.0/15, fd62:7572:726f:7700::/64) instead of a DNS
 * lookup; the broker opens the channel by name when the program connects
 * to that address. */
#include "capture-synthetic.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

int
capture_name_may_be_synthetic (const char *program,
                               const char *name)
{
  unsigned char scratch[sizeof (struct in6_addr)];

  return name != NULL && name[0] != '\0' && strlen (name) <= BURROW_CAPTURE_MAX_NAME
         && inet_pton (AF_INET, name, scratch) != 1 && inet_pton (AF_INET6, name, scratch) != 1
         && !capture_settings ()->disabled && capture_local_name_maybe_tunnelled (program, name);
}

int
capture_ask_synthetic (const char              *name,
                       int                      family,
                       pid_t                    pid,
                       struct sockaddr_storage *address,
                       socklen_t               *length)
{
  BurrowCaptureMessage request, reply;

  if (family != AF_INET && family != AF_INET6)
    return 0;
  burrow_capture_message_init (&request, BURROW_CAPTURE_RESOLVE);
  memcpy (request.name, name, strlen (name) + 1);
  request.present |= BURROW_CAPTURE_HAS_NAME;
  request.query_family = family == AF_INET6 ? 6 : 4;
  request.present |= BURROW_CAPTURE_HAS_FAMILY;
  if (pid > 0)
    {
      request.pid = (uint32_t) pid;
      request.present |= BURROW_CAPTURE_HAS_PID;
    }
  if (capture_ask (&request, -1, &reply) < 0 || reply.type != BURROW_CAPTURE_RESOLVED
      || !(reply.present & BURROW_CAPTURE_HAS_ADDRESS)
      || burrow_capture_message_get_sockaddr (&reply, address, length) < 0
      || address->ss_family != family)
    return 0;
  capture_say (2, "%s: a synthetic address (a TUNNEL rule covers it)", name);
  return 1;
}
