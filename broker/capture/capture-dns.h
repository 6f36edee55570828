// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The seccomp supervisor's resolver: where a captured program's DNS
 * queries to its nameservers go instead (capture-dns.c says how). */

#include <sys/socket.h>
#include <sys/types.h>

typedef struct _CaptureDns CaptureDns;

/* Reads /etc/resolv.conf and opens the endpoints (UDP and TCP on
 * 127.0.0.1, ports the kernel picks).  NULL with errno on failure.  It
 * lives as long as the process: its threads may still be answering. */
CaptureDns *capture_dns_new (void);
void capture_dns_free (CaptureDns *self);

/* For the supervisor's poll(): each is readable when there is work, then
 * capture_dns_serve_*() takes it without waiting. */
int  capture_dns_get_udp_fd (CaptureDns *self);
int  capture_dns_get_tcp_fd (CaptureDns *self);
void capture_dns_serve_udp  (CaptureDns *self);
void capture_dns_serve_tcp  (CaptureDns *self);

/* Whether a socket of @type (SOCK_DGRAM or SOCK_STREAM) and @family
 * sending to, or connecting to, @address is talking to a nameserver of
 * resolv.conf: then 1, with the endpoint to use in its place (in
 * @family's form) in @endpoint and @endpoint_length. */
int capture_dns_redirect (CaptureDns              *self,
                          int                      type,
                          int                      family,
                          const struct sockaddr   *address,
                          socklen_t                length,
                          struct sockaddr_storage *endpoint,
                          socklen_t               *endpoint_length);

/* @fd, this process's copy of a socket (of @type) of process @pid, has
 * just been connected or sent to the endpoint in place of @server: its
 * queries are then answered, and answers given to it look as if the first
 * nameserver it addressed sent them. */
void capture_dns_remember (CaptureDns            *self,
                           int                    fd,
                           int                    type,
                           pid_t                  pid,
                           const struct sockaddr *server,
                           socklen_t              length);

/* For a datagram received on @fd from @from: when @fd was redirected and
 * @from is the endpoint, puts the nameserver in its place and returns 1.
 * With @from NULL, only whether @fd was redirected. */
int capture_dns_restore_source (CaptureDns              *self,
                                int                      fd,
                                struct sockaddr_storage *from,
                                socklen_t               *from_length);
