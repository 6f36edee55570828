// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* DNS messages as burrow-capture's seccomp supervisor answers them: a
 * query's one question read, an answer with one synthetic address built,
 * and the nameservers of a resolv.conf.  Pure: bytes in, values out; plain
 * C and libc only.  The queries come from the captured program, so they
 * are untrusted input (fuzz target: tests/fuzz/fuzz-capture-dns.c). */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CAPTURE_DNS_HEADER_SIZE 12
#define CAPTURE_DNS_MAX_NAME 253
#define CAPTURE_DNS_TYPE_A 1
#define CAPTURE_DNS_TYPE_AAAA 28
#define CAPTURE_DNS_CLASS_IN 1
#define CAPTURE_DNS_PORT 53
#define CAPTURE_DNS_MAX_SERVERS 8

typedef struct
{
  uint16_t id;
  uint16_t flags;               /* the header's second word, as sent */
  char name[CAPTURE_DNS_MAX_NAME + 1];  /* dotted, no final dot; "" for the root */
  uint16_t type;
  uint16_t klass;
  size_t question_end;          /* offset just past the question */
} CaptureDnsQuery;

/* Reads @message as a standard query (QR 0, OPCODE 0, exactly one
 * question, no answer or authority records) whose name is made of
 * host-name labels (letters, digits, '-' and '_'; no compression).
 * Returns 0 with @query filled, or -1 for anything else: such a message
 * is relayed as it is, never answered here. */
int capture_dns_parse_query (const uint8_t   *message,
                             size_t           length,
                             CaptureDnsQuery *query);

/* Builds into @out the answer to @query (read from @message): one A or
 * AAAA record with @address (4 or 16 bytes) and @ttl when @address_length
 * fits the question's type, else no record (NOERROR, "no data": the name
 * exists, not with that type).  Returns the answer's length, or 0 when
 * @size is too small. */
size_t capture_dns_build_answer (const uint8_t         *message,
                                 const CaptureDnsQuery *query,
                                 const void            *address,
                                 size_t                 address_length,
                                 uint32_t               ttl,
                                 uint8_t               *out,
                                 size_t                 size);

/* The nameservers of @text (resolv.conf's "nameserver ADDRESS" lines,
 * IPv4 or IPv6), each with port 53, into @servers; as the C libraries do,
 * 127.0.0.1 when there is none.  Returns how many (1 to @max). */
size_t capture_dns_parse_resolv_conf (const char              *text,
                                      struct sockaddr_storage *servers,
                                      size_t                   max);

/* Whether @address (port included) is one of @servers; an IPv4-mapped
 * IPv6 address is the IPv4 one. */
int capture_dns_is_server (const struct sockaddr_storage *servers,
                           size_t                         n_servers,
                           const struct sockaddr         *address,
                           socklen_t                      length);

/* @address, with an IPv4-mapped IPv6 address made IPv4, into @out;
 * returns the length, 0 for a family other than AF_INET and AF_INET6. */
socklen_t capture_dns_plain_address (const struct sockaddr   *address,
                                     socklen_t                length,
                                     struct sockaddr_storage *out);
