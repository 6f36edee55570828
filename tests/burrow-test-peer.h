// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A TCP peer on 127.0.0.1 for tunnel tests, on threads of its own with
 * blocking sockets.  The first byte a client sends picks the service:
 *   'U'  upload: reads to EOF, then answers the SHA-256 (64 hex digits)
 *        of what followed the 'U' and closes (half-close is exercised);
 *   'D'  download: 8 bytes of big-endian length follow; sends that many
 *        bytes of burrow_test_peer_pattern() and closes;
 *   'E'  echo: sends back everything until EOF, then closes. */
typedef struct _BurrowTestPeer BurrowTestPeer;

BurrowTestPeer *burrow_test_peer_start (void);
/* The same, its sockets in the network namespace @netns_path (a
 * /proc/PID/ns/net), entered by a thread of its own; NULL with @error if
 * that cannot be. */
BurrowTestPeer *burrow_test_peer_start_in_netns (const char  *netns_path,
                                                 GError     **error);
guint16         burrow_test_peer_port  (BurrowTestPeer *self);
void            burrow_test_peer_stop  (BurrowTestPeer *self);

/* Deterministic bytes: offset @offset of the pattern stream. */
void            burrow_test_peer_pattern      (guint8 *buffer,
                                               gsize   len,
                                               guint64 offset);
char           *burrow_test_peer_pattern_hash (guint64 size);

/* Client side, blocking, bounded by a receive/send timeout of 30 s. */
int             burrow_test_connect    (guint16        port);
gboolean        burrow_test_socks5     (int            fd,
                                        const char    *host,
                                        guint16        port);
gboolean        burrow_test_socks4a    (int            fd,
                                        const char    *host,
                                        guint16        port);
/* Sends 'U' and @size pattern bytes, half-closes, and checks the answer. */
gboolean        burrow_test_upload     (int            fd,
                                        guint64        size);
/* Sends 'D' + size and checks the @size bytes that come back, then EOF. */
gboolean        burrow_test_download   (int            fd,
                                        guint64        size);
/* Picks the echo service ('E'); then echo_once as often as wanted. */
gboolean        burrow_test_echo_begin (int            fd);
gboolean        burrow_test_echo_once  (int            fd,
                                        const char    *message);
/* A free port on 127.0.0.1 (bound and released: use it at once). */
guint16         burrow_test_free_port  (void);
/* A socket listening on 127.0.0.1:@port (0: any), or -1. */
int             burrow_test_listen_loopback (guint16 port);
/* The local port of the socket @fd. */
guint16         burrow_test_local_port      (int     fd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestPeer, burrow_test_peer_stop)

G_END_DECLS
