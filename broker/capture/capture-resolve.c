// SPDX-License-Identifier: GPL-3.0-or-later
/* libburrow-capture.so: name resolution.
 *
 * A name that a TUNNEL rule covers gets a synthetic address from the broker
 * (198.18.0.0/15, fd62:7572:726f:7700::/64) instead of a DNS lookup: no
 * query for it leaves the machine, and a name only the SSH server's side
 * can resolve still works, since the broker opens the channel by name when
 * the program connects to that address.  Every other name, and every
 * lookup when the broker cannot be reached, goes to the C library as if the
 * library were not there; a name the rules snapshot shows no TUNNEL rule
 * can cover goes there without asking the broker.
 *
 * Hooked: getaddrinfo, gethostbyname, gethostbyname2, gethostbyname_r.
 * Results are built the way glibc builds them (one block per addrinfo with
 * its address; the canonical name apart), so glibc's freeaddrinfo frees
 * them. */
#include "capture-synthetic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
synthetic_address (const char              *name,
                   int                      family,
                   struct sockaddr_storage *address,
                   socklen_t               *length)
{
  return capture_name_may_be_synthetic (NULL, name)
         && capture_ask_synthetic (name, family, 0, address, length);
}

/* getaddrinfo */

static int
service_port (const char            *service,
              const struct addrinfo *hints,
              uint16_t              *port)
{
  char *end = NULL;
  unsigned long number;
  struct servent entry, *found = NULL;
  char buffer[1024];

  *port = 0;
  if (service == NULL)
    return 0;
  number = strtoul (service, &end, 10);
  if (end != service && *end == '\0' && number <= 65535)
    {
      *port = (uint16_t) number;
      return 0;
    }
  if (hints != NULL && (hints->ai_flags & AI_NUMERICSERV))
    return EAI_NONAME;
  getservbyname_r (service, hints != NULL && hints->ai_socktype == SOCK_DGRAM ? "udp" : "tcp",
                   &entry, buffer, sizeof buffer, &found);
  if (found == NULL)
    return EAI_SERVICE;
  *port = ntohs ((uint16_t) found->s_port);
  return 0;
}

static struct addrinfo *
new_entry (const struct sockaddr_storage *address,
           socklen_t                      length,
           uint16_t                       port,
           int                            socktype,
           int                            protocol)
{
  struct addrinfo *entry = calloc (1, sizeof *entry + sizeof (struct sockaddr_storage));

  if (entry == NULL)
    return NULL;
  entry->ai_family = address->ss_family;
  entry->ai_socktype = socktype;
  entry->ai_protocol = protocol;
  entry->ai_addrlen = length;
  entry->ai_addr = (struct sockaddr *) (entry + 1);
  memcpy (entry->ai_addr, address, length);
  if (address->ss_family == AF_INET)
    ((struct sockaddr_in *) entry->ai_addr)->sin_port = htons (port);
  else
    ((struct sockaddr_in6 *) entry->ai_addr)->sin6_port = htons (port);
  return entry;
}

/* Entries for each address (IPv4 first) and each socket type asked for. */
static int
build_addrinfo (const char                    *name,
                const struct sockaddr_storage *addresses,
                const socklen_t               *lengths,
                size_t                         n_addresses,
                uint16_t                       port,
                const struct addrinfo         *hints,
                struct addrinfo              **result)
{
  static const int kinds[][2] = {
    { SOCK_STREAM, IPPROTO_TCP }, { SOCK_DGRAM, IPPROTO_UDP }, { SOCK_RAW, 0 },
  };
  struct addrinfo *first = NULL, **next = &first;

  for (size_t a = 0; a < n_addresses; a++)
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
      {
        struct addrinfo *entry;

        if (hints != NULL && hints->ai_socktype != 0 && hints->ai_socktype != kinds[i][0])
          continue;
        if (hints != NULL && hints->ai_protocol != 0 && hints->ai_protocol != kinds[i][1])
          continue;
        entry = new_entry (&addresses[a], lengths[a], port, kinds[i][0], kinds[i][1]);
        if (entry == NULL)
          {
            freeaddrinfo (first);
            return EAI_MEMORY;
          }
        *next = entry;
        next = &entry->ai_next;
      }
  if (first == NULL)
    return EAI_SOCKTYPE;
  if (hints != NULL && (hints->ai_flags & AI_CANONNAME))
    first->ai_canonname = strdup (name);
  *result = first;
  return 0;
}

CAPTURE_EXPORT int
getaddrinfo (const char             *node,
             const char             *service,
             const struct addrinfo  *hints,
             struct addrinfo       **result)
{
  const CaptureSettings *settings = capture_settings ();
  int family = hints != NULL ? hints->ai_family : AF_UNSPEC;
  struct sockaddr_storage addresses[2];
  socklen_t lengths[2] = { 0, 0 };
  size_t n = 0;
  uint16_t port = 0;

  if (settings->getaddrinfo == NULL)
    return EAI_SYSTEM;
  if (node == NULL || (hints != NULL && (hints->ai_flags & AI_NUMERICHOST))
      || service_port (service, hints, &port) != 0
      || !synthetic_address (node, family == AF_UNSPEC ? AF_INET : family, &addresses[0],
                             &lengths[0]))
    return settings->getaddrinfo (node, service, hints, result);
  n = 1;
  /* Either family, as the C library would answer: a program that keeps
   * only IPv6 answers (curl -6) finds one too. */
  if (family == AF_UNSPEC && capture_ask_synthetic (node, AF_INET6, 0, &addresses[1], &lengths[1]))
    n = 2;
  return build_addrinfo (node, addresses, lengths, n, port, hints, result);
}

/* gethostbyname and friends */

/* Lays a one-address hostent out in @buffer; ERANGE if it does not fit. */
static int
fill_hostent (const char                    *name,
              const struct sockaddr_storage *address,
              struct hostent                *entry,
              char                          *buffer,
              size_t                         size)
{
  size_t name_length = strlen (name) + 1;
  size_t address_length = address->ss_family == AF_INET ? 4 : 16;
  size_t pointers = 3 * sizeof (char *);   /* aliases {NULL}, addresses {a, NULL} */
  size_t pad = (sizeof (char *) - ((uintptr_t) buffer % sizeof (char *))) % sizeof (char *);
  char **slots;
  char *bytes;

  if (size < pad + pointers + 16 + name_length)
    return ERANGE;
  slots = (char **) (buffer + pad);
  bytes = (char *) (slots + 3);
  if (address->ss_family == AF_INET)
    memcpy (bytes, &((const struct sockaddr_in *) address)->sin_addr, 4);
  else
    memcpy (bytes, &((const struct sockaddr_in6 *) address)->sin6_addr, 16);
  memcpy (bytes + 16, name, name_length);
  slots[0] = NULL;            /* no aliases */
  slots[1] = bytes;
  slots[2] = NULL;
  entry->h_name = bytes + 16;
  entry->h_aliases = &slots[0];
  entry->h_addrtype = address->ss_family;
  entry->h_length = (int) address_length;
  entry->h_addr_list = &slots[1];
  return 0;
}

static __thread struct hostent static_entry;
static __thread char static_buffer[sizeof (char *) * 4 + 16 + BURROW_CAPTURE_MAX_NAME + 1];

static struct hostent *
synthetic_hostent (const char *name,
                   int         family)
{
  struct sockaddr_storage address;
  socklen_t length;

  if (!synthetic_address (name, family, &address, &length)
      || fill_hostent (name, &address, &static_entry, static_buffer, sizeof static_buffer) != 0)
    return NULL;
  return &static_entry;
}

CAPTURE_EXPORT struct hostent *
gethostbyname (const char *name)
{
  const CaptureSettings *settings = capture_settings ();
  struct hostent *entry = synthetic_hostent (name, AF_INET);

  if (entry != NULL)
    return entry;
  return settings->gethostbyname != NULL ? settings->gethostbyname (name) : NULL;
}

CAPTURE_EXPORT struct hostent *
gethostbyname2 (const char *name,
                int         family)
{
  const CaptureSettings *settings = capture_settings ();
  struct hostent *entry = family == AF_INET || family == AF_INET6
                          ? synthetic_hostent (name, family) : NULL;

  if (entry != NULL)
    return entry;
  return settings->gethostbyname2 != NULL ? settings->gethostbyname2 (name, family) : NULL;
}

CAPTURE_EXPORT int
gethostbyname_r (const char      *name,
                 struct hostent  *entry,
                 char            *buffer,
                 size_t           size,
                 struct hostent **result,
                 int             *h_errnop)
{
  const CaptureSettings *settings = capture_settings ();
  struct sockaddr_storage address;
  socklen_t length;
  int status;

  if (!synthetic_address (name, AF_INET, &address, &length))
    {
      if (settings->gethostbyname_r == NULL)
        return ENOSYS;
      return settings->gethostbyname_r (name, entry, buffer, size, result, h_errnop);
    }
  status = fill_hostent (name, &address, entry, buffer, size);
  *result = status == 0 ? entry : NULL;
  if (status != 0 && h_errnop != NULL)
    *h_errnop = NETDB_INTERNAL;
  return status;
}
