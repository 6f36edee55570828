// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the tests' SSH servers share: keys, fingerprints, readiness. */

/* The last 4 KiB of a server's log @path (NULL allowed), or "(no log)",
 * for a failure message. */
char     *burrow_test_read_log_tail              (const char  *path);
/* Whether the file @path holds @needle. */
gboolean  burrow_test_file_contains              (const char  *path,
                                                  const char  *needle);
/* iproute2's ip, in PATH or where Debian puts it, or NULL. */
char     *burrow_test_find_ip                    (void);

/* Removes @path and everything below it (symlinks are not followed). */
void      burrow_test_remove_tree                (const char  *path);
/* An ed25519 key pair without a passphrase at @path and @path.pub. */
gboolean  burrow_test_ssh_generate_key           (const char  *path,
                                                  const char  *comment,
                                                  GError     **error);
/* "SHA256:…" of a public key file, as ssh-keygen -l prints it. */
char     *burrow_test_ssh_fingerprint            (const char  *public_key,
                                                  GError     **error);
char     *burrow_test_ssh_fingerprint_of_private (const char  *private_key,
                                                  GError     **error);
/* An sshd_config for the test servers in network namespaces: @listen
 * (ListenAddress/Port lines, or "" for inetd mode), public keys only
 * (@authorized_keys), forwarding allowed, no PID file, no user rc, no
 * motd.  Paths are quoted: g_dir_make_tmp() honours $TMPDIR, which may
 * hold spaces. */
char     *burrow_test_sshd_config_text           (const char  *listen,
                                                  const char  *host_key,
                                                  const char  *authorized_keys,
                                                  const char  *log_level);
/* Whether 127.0.0.1:@port answers with an "SSH-2.0-" banner (2 s at most). */
gboolean  burrow_test_ssh_banner_answers         (guint16      port);

G_END_DECLS
