// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The importer's bounds: a larger file imports nothing, a longer line is
 * left out, and profiles past the limit are left out. */
#define BURROW_SSH_CONFIG_MAX_BYTES    (1024 * 1024)
#define BURROW_SSH_CONFIG_MAX_LINE     4096
#define BURROW_SSH_CONFIG_MAX_PROFILES 1000

/* What burrow_ssh_config_import() makes of an OpenSSH client configuration.
 *
 * profiles: GVariant * (a{sv}, not floating), Broker1 "Profile dictionaries"
 *   ready for SaveProfile: id, name and host always; port, user,
 *   identity-files, gateway-profile, local-tunnels, remote-tunnels and
 *   dynamic-tunnels only when the file gives them.  In file order, except
 *   that a jump host comes before the first profile that names it as its
 *   gateway-profile, so saving them in order never refers ahead.
 * skipped: char *, one "line N: …" sentence per thing not imported, in
 *   valid UTF-8, translated. */
typedef struct
{
  GPtrArray *profiles;
  GPtrArray *skipped;
} BurrowSshConfigImport;

BurrowSshConfigImport *burrow_ssh_config_import      (const char            *text,
                                                       gsize                  length,
                                                       const char            *home_dir,
                                                       const char            *user_name);
void                   burrow_ssh_config_import_free (BurrowSshConfigImport *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowSshConfigImport, burrow_ssh_config_import_free)

G_END_DECLS
