// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Two SSH hops for gateway (ProxyJump-like) tests, built from real OpenSSH
 * sshd processes and a network namespace N of the helper's own:
 *
 *   test's namespace              │ namespace N (only lo, 127.0.0.1)
 *   127.0.0.1:OUTER ── accept ──► │ sshd -i (outer, one per connection)
 *                                 │   └─ direct-tcpip ─► 127.0.0.1:INNER  sshd -D (inner)
 *                                 │                      127.0.0.1:PEER   test peer
 *
 * The outer sshd runs in inetd mode inside N (nsenter), fed the connections
 * the helper accepts on 127.0.0.1 in the caller's namespace, so whatever it
 * connects to for a client is looked up in N.  The inner sshd and the peer
 * (burrow-test-peer.h: upload, download, echo) exist only in N.
 *
 * The inner port and the peer port are also held bound, never listening, on
 * 127.0.0.1 in the caller's namespace for the helper's lifetime: a connect()
 * to them from there is refused, whatever else runs on the machine.
 *
 * Both servers log in as root with the shared client key; each has its own
 * host key.  known_hosts holds "[127.0.0.1]:OUTER key" and
 * "[127.0.0.1]:INNER key" (the inner as named from inside N).
 *
 * Needs root (network namespaces), unshare, nsenter and ip; otherwise
 * burrow_test_hops_start() fails with G_IO_ERROR_NOT_SUPPORTED, and with
 * G_IO_ERROR_NOT_FOUND when sshd or ssh-keygen is missing, so the caller can
 * g_test_skip().  Start it from the test's main thread: the inner sshd gets
 * SIGTERM when the starting thread ends, the outer ones when the helper's
 * accept thread does. */
typedef struct _BurrowTestHops BurrowTestHops;

/* Blocks, bounded (about 10 s), until the inner sshd listens in N and the
 * outer port answers "SSH-2.0-". */
BurrowTestHops *burrow_test_hops_start                  (GError        **error);

/* Stops the outer sshd processes, the peer and the inner sshd (and every
 * process each forked) by pid: SIGTERM, bounded wait, SIGKILL.  Removes the
 * temp dir and frees.  NULL-safe. */
void            burrow_test_hops_stop                   (BurrowTestHops *self);

guint16         burrow_test_hops_get_outer_port         (BurrowTestHops *self);
/* The port the inner sshd listens on, on 127.0.0.1 inside N. */
guint16         burrow_test_hops_get_inner_port         (BurrowTestHops *self);
/* The peer's port, on 127.0.0.1 inside N. */
guint16         burrow_test_hops_get_peer_port          (BurrowTestHops *self);
/* The inner sshd's pid (its namespace is /proc/PID/ns/net); 0 once exited. */
GPid            burrow_test_hops_get_inner_pid          (BurrowTestHops *self);
const char     *burrow_test_hops_get_dir                (BurrowTestHops *self);
const char     *burrow_test_hops_get_client_key         (BurrowTestHops *self);
/* Both hosts' keys. */
const char     *burrow_test_hops_get_known_hosts        (BurrowTestHops *self);
/* The outer host's key only: the inner host is unknown. */
const char     *burrow_test_hops_get_outer_known_hosts  (BurrowTestHops *self);
const char     *burrow_test_hops_get_outer_fingerprint  (BurrowTestHops *self);
const char     *burrow_test_hops_get_inner_fingerprint  (BurrowTestHops *self);
/* sshd -e logs.  The inner logs at DEBUG1, so every authentication request
 * shows as "userauth-request"; the outer at VERBOSE, all connections in one
 * file. */
const char     *burrow_test_hops_get_outer_log          (BurrowTestHops *self);
const char     *burrow_test_hops_get_inner_log          (BurrowTestHops *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestHops, burrow_test_hops_stop)

G_END_DECLS
