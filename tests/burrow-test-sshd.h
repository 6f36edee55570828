// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A real OpenSSH sshd on 127.0.0.1 for integration tests, in its own temp dir
 * with its own host key, client key pair and known_hosts.  Logging in works as
 * the current user (root in CI; a non-root user works too, sshd then serves
 * only that user).
 *
 * sshd is tied to the thread that called burrow_test_sshd_start(): on Linux it
 * gets SIGTERM when that thread ends, so a test that aborts leaves no server
 * behind.  Start it from the test's main thread.
 *
 * Stopping it also ends the sessions it forked (OpenSSH would let them
 * outlive the listener), so clients still connected see their connection
 * close.  A connection still in its TCP handshake when stop runs can escape:
 * wait for the server's banner before stopping. */
typedef struct _BurrowTestSshd BurrowTestSshd;

/* Blocks (bounded, about 10 s at most) until the port answers "SSH-2.0-".
 * Errors are in G_IO_ERROR; G_IO_ERROR_NOT_FOUND means sshd or ssh-keygen is
 * not installed, so the caller can g_test_skip().  Other errors carry sshd's
 * log in the message. */
BurrowTestSshd *burrow_test_sshd_start                    (GError        **error);
/* Like burrow_test_sshd_start(), with sshd's LogLevel @log_level
 * ("VERBOSE" there): at "DEBUG1", every authentication request shows in
 * the log as "userauth-request". */
BurrowTestSshd *burrow_test_sshd_start_with_log_level     (const char     *log_level,
                                                           GError        **error);
/* For a test program's main(): the sshd, or NULL after g_test_skip() when
 * OpenSSH is not installed (then return g_test_run ()). */
BurrowTestSshd *burrow_test_sshd_start_or_skip            (void);
/* HOME becomes the sshd's directory's "home" (made, 0700) and ssh-agent is
 * forgotten: the broker and the clients never read the real ~ or agent. */
void            burrow_test_sshd_use_home                 (BurrowTestSshd *self);
BurrowTestSshd *burrow_test_sshd_start_with_password      (const char     *password,
                                                           GError        **error);

/* Gives the server a fresh host key, as a reinstalled server would have:
 * ends sshd and its sessions, makes a new host key, starts sshd again on
 * the same port (bounded, like start).  The fingerprint getter then returns
 * the new key's; the known_hosts file keeps the old key, as a client's
 * would.  The pid changes.  On error sshd may be left stopped. */
gboolean        burrow_test_sshd_rekey                    (BurrowTestSshd *self,
                                                           GError        **error);

/* Ends sshd's sessions, then sshd itself by its pid: SIGTERM, bounded wait,
 * SIGKILL if needed.  Removes the temp dir and frees.  NULL-safe. */
void            burrow_test_sshd_stop                     (BurrowTestSshd *self);

guint16         burrow_test_sshd_get_port                 (BurrowTestSshd *self);
/* Clients connected to it now (established TCP connections to its port). */
guint           burrow_test_sshd_count_connections        (BurrowTestSshd *self);
const char     *burrow_test_sshd_get_host                 (BurrowTestSshd *self);
/* 0 once sshd has exited. */
GPid            burrow_test_sshd_get_pid                  (BurrowTestSshd *self);
const char     *burrow_test_sshd_get_dir                  (BurrowTestSshd *self);
const char     *burrow_test_sshd_get_client_key           (BurrowTestSshd *self);
const char     *burrow_test_sshd_get_known_hosts          (BurrowTestSshd *self);
const char     *burrow_test_sshd_get_host_key_fingerprint (BurrowTestSshd *self);
const char     *burrow_test_sshd_get_log                  (BurrowTestSshd *self);

/* argv for the OpenSSH client that never reads the real ~/.ssh:
 * "ssh -F /dev/null -i KEY -o IdentitiesOnly=yes
 * -o UserKnownHostsFile="KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null
 * -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 -p PORT
 * USER@127.0.0.1" followed by @extra.  @user NULL means g_get_user_name().
 * ssh takes the first value of an option, so @extra cannot override these;
 * replace the element instead.  Free with g_strfreev(). */
GStrv           burrow_test_sshd_client_argv              (BurrowTestSshd     *self,
                                                           const char         *user,
                                                           const char * const *extra);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestSshd, burrow_test_sshd_stop)

G_END_DECLS
