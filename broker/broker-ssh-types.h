// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <libssh/libssh.h>

G_BEGIN_DECLS

/* libssh objects belong to one thread (design.md, Concurrency); these names
 * only make their cleanup automatic: g_autoptr(SshKey) is an ssh_key. */
typedef struct ssh_key_struct SshKey;
typedef struct ssh_session_struct SshSession;
typedef struct ssh_knownhosts_entry SshKnownHostsEntry;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SshKey, ssh_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SshSession, ssh_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SshKnownHostsEntry, ssh_knownhosts_entry_free)

G_END_DECLS
