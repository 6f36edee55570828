// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for capture-dns-message.h: the DNS queries a captured static
 * program sends to burrow-capture --seccomp's resolver, and the
 * resolv.conf it reads the nameservers from.  The same input is tried as
 * both, and as a socket address.  Besides memory safety it checks that a
 * query that parses has a name its wire form spells, label for label; that
 * its answers, built into buffers of exactly the size needed, are the
 * query's question with at most the one record, and read back as the same
 * query; and that every nameserver found is one is_server recognises. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture-dns-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define TTL 0x01020304u

static void
require (int         condition,
         const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-capture-dns: %s\n", what);
      abort ();
    }
}

static uint16_t
read_u16 (const uint8_t *at)
{
  return (uint16_t) (at[0] << 8 | at[1]);
}

/* The name is dotted host-name labels, and its wire form (no compression)
 * is exactly the bytes between the header and the type. */
static void
check_name (const uint8_t         *data,
            size_t                 size,
            const CaptureDnsQuery *query)
{
  const char *name = query->name;
  size_t length = strnlen (name, sizeof query->name);
  size_t at = CAPTURE_DNS_HEADER_SIZE;
  const char *label = name;

  require (query->question_end <= size, "the question ends past the input");
  require (length <= CAPTURE_DNS_MAX_NAME, "a name longer than 253 characters");
  for (size_t i = 0; i < length; i++)
    require (strchr ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
                     name[i]) != NULL, "a name character outside [A-Za-z0-9-_.]");
  require (length == 0 || (name[0] != '.' && name[length - 1] != '.'),
           "a leading or trailing dot");
  require (strstr (name, "..") == NULL, "an empty label");
  while (length > 0)
    {
      const char *dot = strchr (label, '.');
      size_t label_length = dot != NULL ? (size_t) (dot - label) : strlen (label);

      require (label_length >= 1 && label_length <= 63, "a label of 0 or over 63 bytes");
      require (at + 1 + label_length < size, "a label past the input");
      require (data[at] == label_length
               && memcmp (data + at + 1, label, label_length) == 0,
               "the name is not the question's labels");
      at += 1 + label_length;
      if (dot == NULL)
        break;
      label = dot + 1;
    }
  require (at + 5 <= size && data[at] == 0, "the name does not end with the root label");
  require (query->question_end == at + 5, "the question does not end after type and class");
  require (query->type == read_u16 (data + at + 1) && query->klass == read_u16 (data + at + 3),
           "type or class is not as sent");
  require (query->id == read_u16 (data) && query->flags == read_u16 (data + 2),
           "id or flags are not as sent");
  require ((query->flags & 0xf800) == 0, "a response or an opcode other than QUERY");
}

/* One answer, into a buffer of exactly the size it needs. */
static void
check_answer (const uint8_t         *data,
              const CaptureDnsQuery *query,
              const void            *address,
              size_t                 address_length)
{
  int with_record = address != NULL
                    && ((query->type == CAPTURE_DNS_TYPE_A && address_length == 4)
                        || (query->type == CAPTURE_DNS_TYPE_AAAA && address_length == 16));
  size_t needed = query->question_end + (with_record ? 12 + address_length : 0);
  uint8_t *out = malloc (needed);
  const uint8_t *record = out + query->question_end;
  CaptureDnsQuery again;

  require (out != NULL, "out of memory");
  require (capture_dns_build_answer (data, query, address, address_length, TTL, out,
                                     needed - 1) == 0, "an answer built into too small a buffer");
  require (capture_dns_build_answer (data, query, address, address_length, TTL, out,
                                     needed) == needed, "an answer of an unexpected length");
  require (read_u16 (out) == query->id, "the answer's id is not the query's");
  require (read_u16 (out + 2) == (0x8080 | (query->flags & 0x0100)),
           "the answer's flags are not QR, RA and the query's RD");
  require (read_u16 (out + 4) == 1 && read_u16 (out + 6) == (with_record ? 1 : 0)
           && read_u16 (out + 8) == 0 && read_u16 (out + 10) == 0,
           "the answer's counts are not 1, 0 or 1, 0, 0");
  require (memcmp (out + CAPTURE_DNS_HEADER_SIZE, data + CAPTURE_DNS_HEADER_SIZE,
                   query->question_end - CAPTURE_DNS_HEADER_SIZE) == 0,
           "the answer's question is not the query's");
  if (with_record)
    require (read_u16 (record) == 0xc00c && read_u16 (record + 2) == query->type
             && read_u16 (record + 4) == CAPTURE_DNS_CLASS_IN
             && read_u16 (record + 6) == TTL >> 16 && read_u16 (record + 8) == (TTL & 0xffff)
             && read_u16 (record + 10) == address_length
             && memcmp (record + 12, address, address_length) == 0,
             "the record is not the question's name, type, IN, TTL and address");

  /* An answer is a response with a record, so it is not a query; with QR
   * and ANCOUNT cleared it is the same query (with RA), the record past
   * the question unread. */
  out[2] &= 0x7f;
  out[6] = out[7] = 0;
  require (capture_dns_parse_query (out, needed, &again) == 0,
           "the answer does not read back as a query");
  require (again.id == query->id && again.flags == (0x0080 | (query->flags & 0x0100))
           && strcmp (again.name, query->name) == 0 && again.type == query->type
           && again.klass == query->klass && again.question_end == query->question_end,
           "the answer reads back as another query");
  free (out);
}

static void
check_query (const uint8_t *data,
             size_t         size)
{
  static const uint8_t v4[4] = { 198, 18, 0, 1 };
  static const uint8_t v6[16] = { 0xfd, 0x62, 0x75, 0x72, 0x72, 0x6f, 0x77, [15] = 1 };
  CaptureDnsQuery query;

  if (capture_dns_parse_query (data, size, &query) != 0)
    return;
  check_name (data, size, &query);
  check_answer (data, &query, v4, sizeof v4);
  check_answer (data, &query, v6, sizeof v6);
  check_answer (data, &query, NULL, 0);
  check_answer (data, &query, NULL, 4);
}

static socklen_t
length_of (const struct sockaddr_storage *address)
{
  return address->ss_family == AF_INET ? sizeof (struct sockaddr_in)
                                       : sizeof (struct sockaddr_in6);
}

/* The input as resolv.conf (cut at its first NUL), then as an address to
 * compare with the servers found. */
static void
check_resolv_conf (const uint8_t *data,
                   size_t         size)
{
  struct sockaddr_storage servers[CAPTURE_DNS_MAX_SERVERS + 1], untouched, address, plain;
  char *text = malloc (size + 1);
  socklen_t length, plain_length;
  size_t found;

  require (text != NULL, "out of memory");
  memcpy (text, data, size);
  text[size] = '\0';
  memset (&untouched, 0xa5, sizeof untouched);
  servers[CAPTURE_DNS_MAX_SERVERS] = untouched;
  found = capture_dns_parse_resolv_conf (text, servers, CAPTURE_DNS_MAX_SERVERS);
  free (text);
  require (found >= 1 && found <= CAPTURE_DNS_MAX_SERVERS, "not 1 to 8 servers");
  require (memcmp (&servers[CAPTURE_DNS_MAX_SERVERS], &untouched, sizeof untouched) == 0,
           "a server written past the maximum");
  for (size_t i = 0; i < found; i++)
    {
      const struct sockaddr_storage *server = &servers[i];

      require (server->ss_family == AF_INET || server->ss_family == AF_INET6,
               "a server neither IPv4 nor IPv6");
      require (server->ss_family == AF_INET
               ? ((const struct sockaddr_in *) server)->sin_port == htons (CAPTURE_DNS_PORT)
               : ((const struct sockaddr_in6 *) server)->sin6_port == htons (CAPTURE_DNS_PORT),
               "a server's port is not 53");
      require (capture_dns_is_server (servers, found, (const struct sockaddr *) server,
                                      length_of (server)) == 1,
               "a server found is not one of the servers");
    }

  /* Whatever is asked about, its plain form gets the same answer. */
  memset (&address, 0, sizeof address);
  memcpy (&address, data, size < sizeof address ? size : sizeof address);
  length = size < sizeof address ? (socklen_t) size : sizeof address;
  plain_length = capture_dns_plain_address ((const struct sockaddr *) &address, length, &plain);
  require (plain_length == 0 || plain_length == sizeof (struct sockaddr_in)
           || plain_length == sizeof (struct sockaddr_in6), "a plain address of odd length");
  if (plain_length == 0)
    {
      require (capture_dns_is_server (servers, found, (const struct sockaddr *) &address,
                                      length) == 0, "a server that is no address");
      return;
    }
  require (plain.ss_family == (plain_length == sizeof (struct sockaddr_in) ? AF_INET : AF_INET6),
           "a plain address's family disagrees with its length");
  require (plain.ss_family == AF_INET6
           ? !IN6_IS_ADDR_V4MAPPED (&((struct sockaddr_in6 *) &plain)->sin6_addr) : 1,
           "a plain address is IPv4-mapped");
  if (plain.ss_family == address.ss_family)
    require (memcmp (&plain, &address, plain_length) == 0, "a plain address changed");
  else
    require (((struct sockaddr_in *) &plain)->sin_port
             == ((struct sockaddr_in6 *) &address)->sin6_port
             && memcmp (&((struct sockaddr_in *) &plain)->sin_addr,
                        &((struct sockaddr_in6 *) &address)->sin6_addr.s6_addr[12], 4) == 0,
             "an IPv4-mapped address's plain form has another port or address");
  require (capture_dns_is_server (servers, found, (const struct sockaddr *) &address, length)
           == capture_dns_is_server (servers, found, (const struct sockaddr *) &plain,
                                     plain_length),
           "an address and its plain form are not the same server");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  check_query (data, size);
  check_resolv_conf (data, size);
  return 0;
}
