// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The server side of a SOCKS handshake, for dynamic tunnels (ssh -D):
 * SOCKS4 and SOCKS4a CONNECT, and SOCKS5 (RFC 1928) CONNECT without
 * authentication, to an IPv4 or IPv6 address or a host name.  It is pure:
 * the caller reads from the client, feeds the bytes in, writes out what the
 * parser appends to @reply and opens the SSH channel.
 *
 *   BROKER_SOCKS_NEED_MORE  every byte was consumed; feed more.
 *   BROKER_SOCKS_REPLY      the SOCKS5 method choice (05 00) is in @reply:
 *                           send it, then feed the bytes not consumed.
 *   BROKER_SOCKS_REQUEST    a CONNECT request is complete: open a channel to
 *                           get_host():get_port(), then send what
 *                           broker_socks_reply() gives.  The bytes after the
 *                           request are not consumed: they are the
 *                           application's first data for the channel.
 *   BROKER_SOCKS_ERROR      refused: send @reply if it is not empty, then
 *                           close.  @error (BROKER_ERROR_INVALID_ARGS) says why.
 *
 * The input may be split anywhere; the result does not depend on how.  The
 * parser keeps at most one host name (255 bytes), never the whole input.
 * A SOCKS4 user id is read (at most 255 bytes) and ignored.  Port 0 is
 * refused, as are SOCKS5 host names with bytes outside printable ASCII or a
 * space.  Feeding after REQUEST or ERROR is an ERROR.
 *
 * A failed channel is answered "connection refused" (SOCKS5 REP 05, SOCKS4
 * 5B): it is what an SSH server's "connect failed" usually means.
 */
typedef enum
{
  BROKER_SOCKS_NEED_MORE,
  BROKER_SOCKS_REPLY,
  BROKER_SOCKS_REQUEST,
  BROKER_SOCKS_ERROR,
} BrokerSocksStatus;

typedef struct _BrokerSocks BrokerSocks;

BrokerSocks       *broker_socks_new         (void);
void               broker_socks_free        (BrokerSocks   *self);
BrokerSocksStatus  broker_socks_feed        (BrokerSocks   *self,
                                             const guint8  *data,
                                             gsize          len,
                                             gsize         *consumed,
                                             GByteArray    *reply,
                                             GError       **error);
/* 4 or 5 once the first byte is in (SOCKS4a is 4), else 0. */
guint              broker_socks_get_version (BrokerSocks   *self);
/* After REQUEST: the host name, or the address as text ("192.0.2.1",
 * "2001:db8::1", no brackets); NULL before. */
const char        *broker_socks_get_host    (BrokerSocks   *self);
/* After REQUEST: 1-65535; 0 before. */
guint16            broker_socks_get_port    (BrokerSocks   *self);
/* After REQUEST: appends the answer for the client once the channel opened
 * (@success) or failed. */
void               broker_socks_reply       (BrokerSocks   *self,
                                             gboolean       success,
                                             GByteArray    *reply);
/* The same for a request of SOCKS @version (4 or 5), once the parser is
 * gone. */
void               broker_socks_append_reply (guint         version,
                                              gboolean      success,
                                              GByteArray   *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerSocks, broker_socks_free)

G_END_DECLS
