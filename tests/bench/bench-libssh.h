// SPDX-License-Identifier: GPL-3.0-or-later
/* What the bare libssh bench programs (channel-floor.c, libssh-forward.c)
 * share: one authenticated session to the bench's sshd on 127.0.0.1,
 * host key checked against the bench's known_hosts, the bench's key.
 * Exits 2 (the machine lacks something) when that fails. */
#pragma once

#include <libssh/libssh.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static ssh_session
bench_connect_session (const char *program, int port, const char *keyfile,
                       const char *known_hosts, const char *user)
{
  ssh_session session = ssh_new ();
  ssh_key key = NULL;
  bool no = false;
  int on = 1;
  long timeout = 10;

  if (session == NULL
      || ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0
      || ssh_options_set (session, SSH_OPTIONS_HOST, "127.0.0.1") < 0
      || ssh_options_set (session, SSH_OPTIONS_PORT, &port) < 0
      || ssh_options_set (session, SSH_OPTIONS_USER, user) < 0
      || ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, known_hosts) < 0
      || ssh_options_set (session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0
      || ssh_options_set (session, SSH_OPTIONS_TIMEOUT, &timeout) < 0
      /* As the broker does: small packets leave at once. */
      || ssh_options_set (session, SSH_OPTIONS_NODELAY, &on) < 0)
    {
      fprintf (stderr, "%s: setting options failed\n", program);
      exit (2);
    }
  if (ssh_connect (session) != SSH_OK)
    {
      fprintf (stderr, "%s: connect: %s\n", program, ssh_get_error (session));
      exit (2);
    }
  if (ssh_session_is_known_server (session) != SSH_KNOWN_HOSTS_OK)
    {
      fprintf (stderr, "%s: host key not in %s\n", program, known_hosts);
      exit (2);
    }
  if (ssh_pki_import_privkey_file (keyfile, NULL, NULL, NULL, &key) != SSH_OK
      || ssh_userauth_publickey (session, NULL, key) != SSH_AUTH_SUCCESS)
    {
      fprintf (stderr, "%s: authentication with %s failed: %s\n", program, keyfile,
               ssh_get_error (session));
      exit (2);
    }
  ssh_key_free (key);
  return session;
}
