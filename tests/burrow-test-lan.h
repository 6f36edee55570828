// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A small LAN of network namespaces for capture tests with real programs.
 *
 * The test process itself first moves into a network and a mount namespace
 * of its own (burrow_test_lan_isolate(), the "client"): the test bus, the
 * broker and every captured program live there, since the broker connects
 * the program's own socket to a loopback endpoint.  Three more namespaces
 * hang off it, made with `ip netns add`.  /run/netns and /etc/netns are
 * tmpfs mounts private to the test's mount namespace, so nothing of the
 * namespaces, nor GW's hosts file, outlives the test however it ends (the
 * servers die with it too); only the two directories, made empty if
 * missing, stay, as `ip netns add` leaves /run/netns.
 *
 *   client (the test)                 GW                          DEST
 *   lo: fake DNS 127.0.0.53:53
 *   lan-gw ───────── veth ─────────── lan-client
 *   10.200.0.1/24, fd00:200::1/64     10.200.0.2/24, fd00:200::2/64
 *                                     sshd 10.200.0.2:22
 *                                     /etc/hosts (/etc/netns/GW):
 *                                       web.corp.test  → 10.201.0.2
 *                                       web6.corp.test → fd00:201::2
 *                                     lan-dest ──── veth ──────── lan-gw
 *                                     10.201.0.1/24               10.201.0.2/24
 *                                     fd00:201::1/64              fd00:201::2/64
 *                                                                 httpd :80 (v4 and v6)
 *                                                                 ftpd :21 (anonymous)
 *   lan-host ─────── veth ─────────── HOST (telnet-host.lan.test)
 *   10.202.0.1/24                     lan-client 10.202.0.2/24
 *                                     sshd 10.202.0.2:22
 *                                     httpd 10.202.0.2:80 and :8081
 *                                     line service 127.0.0.1:23 only
 *
 * What makes a passing capture test mean something:
 * - the client has no route to DEST (10.201.0.0/24, fd00:201::/64), and
 *   GW forwards nothing (ip_forward is 0 in a new namespace): only GW's
 *   sshd reaches DEST, so a page from DEST came through the SSH tunnel;
 * - DEST's names resolve only in GW: the client's /etc/hosts (bind-mounted
 *   over the real one in the client's mount namespace) has localhost lines
 *   only, and its /etc/resolv.conf points at a fake DNS server on
 *   127.0.0.53 that logs every query and answers NXDOMAIN, except A for
 *   telnet-host.lan.test (the broker must find HOST's sshd by that name for
 *   hostname-from-app="YES"); nsswitch.conf says "hosts: files dns", so no
 *   other resolver (systemd-resolved, mDNS) answers or leaks a lookup;
 * - HOST's port-23 service listens on HOST's loopback only: from outside,
 *   only an SSH session to HOST itself with a channel to its localhost:23
 *   reaches it; GW has no route to HOST.  HOST hangs off the client, not
 *   off GW, because hostname-from-app needs the broker to reach HOST's
 *   sshd itself; DEST behind GW with GW forwarding only tcp/22 would need
 *   nft or iptables, which the test machines lack.
 *
 * Both sshd log in as the current user (root) with one client key; each has
 * its own host key.  known_hosts holds GW's key for "10.200.0.2" and HOST's
 * for "telnet-host.lan.test" and "10.202.0.2".  GW's sshd logs at DEBUG1,
 * so every direct-tcpip target shows in its log.
 *
 * Needs root, unshare(2) and mount(2) (CAP_SYS_ADMIN), ip (iproute2),
 * busybox, /usr/bin/python3 with pyftpdlib, sshd and ssh-keygen: otherwise
 * burrow_test_lan_isolate() or burrow_test_lan_start() fails with
 * G_IO_ERROR_NOT_SUPPORTED or G_IO_ERROR_NOT_FOUND, for g_test_skip().
 * Every server is tied to the thread that started it (PR_SET_PDEATHSIG):
 * start the LAN from the test's main thread. */

#define BURROW_TEST_LAN_CLIENT_ADDRESS   "10.200.0.1"
#define BURROW_TEST_LAN_GW_ADDRESS       "10.200.0.2"
#define BURROW_TEST_LAN_DEST_ADDRESS     "10.201.0.2"
#define BURROW_TEST_LAN_DEST_ADDRESS6    "fd00:201::2"
#define BURROW_TEST_LAN_DEST_NETWORK     "10.201.0.0/24"
#define BURROW_TEST_LAN_DEST_NETWORK6    "fd00:201::/64"
#define BURROW_TEST_LAN_HOST_ADDRESS     "10.202.0.2"
#define BURROW_TEST_LAN_HOST_NETWORK     "10.202.0.0/24"
#define BURROW_TEST_LAN_HOST_NAME        "telnet-host.lan.test"
#define BURROW_TEST_LAN_WEB_NAME         "web.corp.test"
#define BURROW_TEST_LAN_WEB6_NAME        "web6.corp.test"
#define BURROW_TEST_LAN_DNS_ADDRESS      "127.0.0.53"
/* /page.txt on DEST's and HOST's web servers. */
#define BURROW_TEST_LAN_DEST_BODY        "dest: served behind the gateway\n"
#define BURROW_TEST_LAN_HOST_BODY        "telnet-host: served on the LAN\n"
#define BURROW_TEST_LAN_HOST_PORT2       8081
/* On DEST's FTP server (pyftpdlib, anonymous, passive ports it picks). */
#define BURROW_TEST_LAN_FTP_FILE         "report.txt"
#define BURROW_TEST_LAN_FTP_BODY         "dest: fetched over FTP behind the gateway\n"
/* HOST's port-23 service: this banner, "you said: LINE" for each line,
 * "bye" and a close for "quit". */
#define BURROW_TEST_LAN_LINE_BANNER      "telnet-host: line service ready"

typedef enum
{
  BURROW_TEST_LAN_GW,
  BURROW_TEST_LAN_DEST,
  BURROW_TEST_LAN_HOST,
  BURROW_TEST_LAN_N_NODES
} BurrowTestLanNode;

typedef struct _BurrowTestLan BurrowTestLan;

/* Moves the calling process into a new network namespace and a new mount
 * namespace with / private, and brings lo up.  unshare(CLONE_NEWNS) needs
 * a process without threads: call it first thing in main(). */
gboolean        burrow_test_lan_isolate          (GError            **error);

/* Builds the namespaces, the resolver files, the keys and starts every
 * server; blocks, bounded (about 10 s per server), until each answers. */
BurrowTestLan  *burrow_test_lan_start            (GError            **error);
/* Stops every server by pid (SIGTERM, bounded wait, SIGKILL), deletes the
 * namespaces and the private mounts, removes the temp dir, frees.
 * NULL-safe. */
void            burrow_test_lan_stop             (BurrowTestLan      *self);

const char     *burrow_test_lan_get_dir          (BurrowTestLan      *self);
const char     *burrow_test_lan_get_client_key   (BurrowTestLan      *self);
const char     *burrow_test_lan_get_known_hosts  (BurrowTestLan      *self);
/* sshd's log on GW or HOST (NULL for DEST, which has none). */
const char     *burrow_test_lan_get_sshd_log     (BurrowTestLan      *self,
                                                  BurrowTestLanNode   node);
/* "ip netns exec NAME" followed by @argv: for burrow_test_run_tool(). */
GStrv           burrow_test_lan_node_argv        (BurrowTestLan      *self,
                                                  BurrowTestLanNode   node,
                                                  const char * const *argv);
/* Where the log ends now: for burrow_test_lan_dns_was_asked(). */
gsize           burrow_test_lan_dns_mark         (BurrowTestLan      *self);
/* Whether a query for @name (any type) reached the fake DNS server after
 * @since (a mark; 0: ever). */
gboolean        burrow_test_lan_dns_was_asked    (BurrowTestLan      *self,
                                                  const char         *name,
                                                  gsize               since);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestLan, burrow_test_lan_stop)

G_END_DECLS
