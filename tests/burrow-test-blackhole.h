// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* An SSH server one router away, whose path can be cut so that every packet
 * is dropped (nothing refused, nothing answered), then restored: a network
 * outage as a client sees it.  Built from two network namespaces of the
 * helper's own, R (the router) and S (the server), hung off the caller's:
 *
 *   caller's namespace           R (forwards)                  S
 *   fault0 198.51.100.1/24 ─ veth ─ fault1 198.51.100.2/24
 *   192.0.2.0/24 via R              fault2 192.0.2.1/24 ─ veth ─ fault3 192.0.2.2/24
 *                                                                sshd 0.0.0.0:22
 *                                                                peer 127.0.0.1:PEER
 *
 * Addresses are the documentation ranges (RFC 5737), on links that exist
 * only in these namespaces.  Cutting adds blackhole routes to both ends in
 * R: R discards what it would forward, silently (no ICMP), as a dead link
 * or a dropping firewall would.  The endpoints' own routes are untouched,
 * so nothing fails locally either: connects and retransmissions simply go
 * unanswered.
 *
 * The caller must have left the machine's network namespace first
 * (burrow_test_lan_isolate()): a veth and a route are added to the
 * caller's namespace, and start refuses (G_IO_ERROR_FAILED) while it is
 * still the one PID 1 has.
 *
 * sshd logs in the current user (root) with the helper's client key and
 * logs at DEBUG1.  The peer (burrow-test-peer.h: upload, download, echo)
 * listens on S's loopback, so only S's sshd reaches it.
 *
 * Needs root, unshare, nsenter and ip; otherwise start fails with
 * G_IO_ERROR_NOT_SUPPORTED, and with G_IO_ERROR_NOT_FOUND when sshd or
 * ssh-keygen is missing, so the caller can g_test_skip().  Start it from
 * the test's main thread: sshd and the router's holder get SIGTERM when
 * the starting thread ends. */
typedef struct _BurrowTestBlackhole BurrowTestBlackhole;

#define BURROW_TEST_BLACKHOLE_HOST "192.0.2.2"

/* Blocks, bounded (about 10 s), until sshd answers "SSH-2.0-" through R. */
BurrowTestBlackhole *burrow_test_blackhole_start              (GError             **error);
/* Stops sshd, the peer and R's holder by pid (SIGTERM, bounded wait,
 * SIGKILL); the namespaces and their links go with them.  Removes the
 * temp dir and frees.  NULL-safe. */
void                 burrow_test_blackhole_stop               (BurrowTestBlackhole *self);

/* Drop everything between the caller and S, both ways. */
gboolean             burrow_test_blackhole_cut                (BurrowTestBlackhole *self,
                                                               GError             **error);
gboolean             burrow_test_blackhole_restore            (BurrowTestBlackhole *self,
                                                               GError             **error);

guint16              burrow_test_blackhole_get_port           (BurrowTestBlackhole *self);
guint16              burrow_test_blackhole_get_peer_port      (BurrowTestBlackhole *self);
const char          *burrow_test_blackhole_get_client_key     (BurrowTestBlackhole *self);
/* "192.0.2.2 ssh-ed25519 …" */
const char          *burrow_test_blackhole_get_known_hosts    (BurrowTestBlackhole *self);
const char          *burrow_test_blackhole_get_log            (BurrowTestBlackhole *self);
/* The sshd listener's pid; 0 once it has exited. */
GPid                 burrow_test_blackhole_get_sshd_pid       (BurrowTestBlackhole *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestBlackhole, burrow_test_blackhole_stop)

G_END_DECLS
