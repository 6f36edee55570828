// SPDX-License-Identifier: GPL-3.0-or-later
/* DNS messages for the seccomp supervisor's resolver (RFC 1035 §4). */
#include "capture-dns-message.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#define FLAG_QR 0x8000
#define FLAG_OPCODE 0x7800
#define FLAG_RD 0x0100
#define FLAG_RA 0x0080
#define MAX_LABEL 63

static uint16_t
read_u16 (const uint8_t *at)
{
  return (uint16_t) (at[0] << 8 | at[1]);
}

static uint8_t *
write_u16 (uint8_t *at,
           uint16_t value)
{
  at[0] = (uint8_t) (value >> 8);
  at[1] = (uint8_t) value;
  return at + 2;
}

static int
is_name_character (uint8_t c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_';
}

/* The question's name from @offset into @name; returns the offset past
 * it, or 0. */
static size_t
read_name (const uint8_t *message,
           size_t         length,
           size_t         offset,
           char          *name)
{
  size_t written = 0;

  for (;;)
    {
      uint8_t label;

      if (offset >= length)
        return 0;
      label = message[offset++];
      if (label == 0)
        break;
      if (label > MAX_LABEL || offset + label > length
          || written + (written > 0) + label > CAPTURE_DNS_MAX_NAME)
        return 0;
      if (written > 0)
        name[written++] = '.';
      for (uint8_t i = 0; i < label; i++)
        {
          if (!is_name_character (message[offset + i]))
            return 0;
          name[written++] = (char) message[offset + i];
        }
      offset += label;
    }
  name[written] = '\0';
  return offset;
}

int
capture_dns_parse_query (const uint8_t   *message,
                         size_t           length,
                         CaptureDnsQuery *query)
{
  size_t end;

  if (message == NULL || length < CAPTURE_DNS_HEADER_SIZE)
    return -1;
  memset (query, 0, sizeof *query);
  query->id = read_u16 (message);
  query->flags = read_u16 (message + 2);
  if ((query->flags & (FLAG_QR | FLAG_OPCODE)) != 0 || read_u16 (message + 4) != 1
      || read_u16 (message + 6) != 0 || read_u16 (message + 8) != 0)
    return -1;
  end = read_name (message, length, CAPTURE_DNS_HEADER_SIZE, query->name);
  if (end == 0 || end + 4 > length)
    return -1;
  query->type = read_u16 (message + end);
  query->klass = read_u16 (message + end + 2);
  query->question_end = end + 4;
  return 0;
}

static int
address_fits (const CaptureDnsQuery *query,
              size_t                 address_length)
{
  return (query->type == CAPTURE_DNS_TYPE_A && address_length == 4)
         || (query->type == CAPTURE_DNS_TYPE_AAAA && address_length == 16);
}

size_t
capture_dns_build_answer (const uint8_t         *message,
                          const CaptureDnsQuery *query,
                          const void            *address,
                          size_t                 address_length,
                          uint32_t               ttl,
                          uint8_t               *out,
                          size_t                 size)
{
  int with_record = address != NULL && address_fits (query, address_length);
  size_t question = query->question_end - CAPTURE_DNS_HEADER_SIZE;
  size_t record = with_record ? 12 + address_length : 0;
  uint8_t *at = out;

  if (size < CAPTURE_DNS_HEADER_SIZE + question + record)
    return 0;
  at = write_u16 (at, query->id);
  at = write_u16 (at, (uint16_t) (FLAG_QR | (query->flags & FLAG_RD) | FLAG_RA));
  at = write_u16 (at, 1);
  at = write_u16 (at, with_record ? 1 : 0);
  at = write_u16 (at, 0);
  at = write_u16 (at, 0);
  memcpy (at, message + CAPTURE_DNS_HEADER_SIZE, question);
  at += question;
  if (with_record)
    {
      at = write_u16 (at, 0xc000 | CAPTURE_DNS_HEADER_SIZE);   /* the question's name */
      at = write_u16 (at, query->type);
      at = write_u16 (at, CAPTURE_DNS_CLASS_IN);
      at = write_u16 (at, (uint16_t) (ttl >> 16));
      at = write_u16 (at, (uint16_t) ttl);
      at = write_u16 (at, (uint16_t) address_length);
      memcpy (at, address, address_length);
      at += address_length;
    }
  return (size_t) (at - out);
}

/* resolv.conf */

/* One "nameserver ADDRESS" line (@line, @length bytes, no newline) into
 * @server; returns 1, or 0 for any other line. */
static int
parse_nameserver (const char              *line,
                  size_t                   length,
                  struct sockaddr_storage *server)
{
  static const char keyword[] = "nameserver";
  char text[INET6_ADDRSTRLEN + 1];
  size_t start = sizeof keyword - 1, end;

  if (length <= start || memcmp (line, keyword, start) != 0 || (line[start] != ' '
                                                                && line[start] != '\t'))
    return 0;
  while (start < length && (line[start] == ' ' || line[start] == '\t'))
    start++;
  end = start;
  while (end < length && line[end] != ' ' && line[end] != '\t' && line[end] != '%'
         && line[end] != '#' && line[end] != ';')
    end++;
  if (end == start || end - start >= sizeof text)
    return 0;
  memcpy (text, line + start, end - start);
  text[end - start] = '\0';
  memset (server, 0, sizeof *server);
  if (inet_pton (AF_INET, text, &((struct sockaddr_in *) server)->sin_addr) == 1)
    {
      server->ss_family = AF_INET;
      ((struct sockaddr_in *) server)->sin_port = htons (CAPTURE_DNS_PORT);
      return 1;
    }
  if (inet_pton (AF_INET6, text, &((struct sockaddr_in6 *) server)->sin6_addr) == 1)
    {
      server->ss_family = AF_INET6;
      ((struct sockaddr_in6 *) server)->sin6_port = htons (CAPTURE_DNS_PORT);
      return 1;
    }
  return 0;
}

size_t
capture_dns_parse_resolv_conf (const char              *text,
                               struct sockaddr_storage *servers,
                               size_t                   max)
{
  size_t found = 0;

  while (text != NULL && *text != '\0' && found < max)
    {
      const char *newline = strchr (text, '\n');
      size_t length = newline != NULL ? (size_t) (newline - text) : strlen (text);

      found += parse_nameserver (text, length, &servers[found]);
      text += length + (newline != NULL);
    }
  if (found == 0 && max > 0)
    {
      struct sockaddr_in *loopback = (struct sockaddr_in *) &servers[0];

      memset (&servers[0], 0, sizeof servers[0]);
      loopback->sin_family = AF_INET;
      loopback->sin_port = htons (CAPTURE_DNS_PORT);
      loopback->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      found = 1;
    }
  return found;
}

socklen_t
capture_dns_plain_address (const struct sockaddr   *address,
                           socklen_t                length,
                           struct sockaddr_storage *out)
{
  const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) address;

  memset (out, 0, sizeof *out);
  if (address->sa_family == AF_INET && length >= sizeof (struct sockaddr_in))
    {
      memcpy (out, address, sizeof (struct sockaddr_in));
      return sizeof (struct sockaddr_in);
    }
  if (address->sa_family != AF_INET6 || length < sizeof (struct sockaddr_in6))
    return 0;
  if (IN6_IS_ADDR_V4MAPPED (&in6->sin6_addr))
    {
      struct sockaddr_in *in = (struct sockaddr_in *) out;

      in->sin_family = AF_INET;
      in->sin_port = in6->sin6_port;
      memcpy (&in->sin_addr, &in6->sin6_addr.s6_addr[12], 4);
      return sizeof (struct sockaddr_in);
    }
  memcpy (out, address, sizeof (struct sockaddr_in6));
  return sizeof (struct sockaddr_in6);
}

static int
same_endpoint (const struct sockaddr_storage *a,
               const struct sockaddr_storage *b)
{
  const struct sockaddr_in *a4 = (const struct sockaddr_in *) a, *b4 = (const struct sockaddr_in *) b;
  const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *) a;
  const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *) b;

  if (a->ss_family != b->ss_family)
    return 0;
  if (a->ss_family == AF_INET)
    return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
  return a6->sin6_port == b6->sin6_port
         && memcmp (&a6->sin6_addr, &b6->sin6_addr, sizeof a6->sin6_addr) == 0;
}

int
capture_dns_is_server (const struct sockaddr_storage *servers,
                       size_t                         n_servers,
                       const struct sockaddr         *address,
                       socklen_t                      length)
{
  struct sockaddr_storage plain, server;

  if (capture_dns_plain_address (address, length, &plain) == 0)
    return 0;
  for (size_t i = 0; i < n_servers; i++)
    if (capture_dns_plain_address ((const struct sockaddr *) &servers[i], sizeof servers[i],
                                   &server) > 0
        && same_endpoint (&plain, &server))
      return 1;
  return 0;
}
