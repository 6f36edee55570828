// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* LocalForward, RemoteForward and DynamicForward lines of an ssh_config
 * file, as Broker1 tunnel dictionaries.  Only listeners on this computer
 * are taken: a forward other hosts can use should be a decision made in
 * Burrow, with allow-relay.  Pure. */

typedef enum
{
  BURROW_SSH_FORWARD_LOCAL,
  BURROW_SSH_FORWARD_REMOTE,
  BURROW_SSH_FORWARD_DYNAMIC,
} BurrowSshForwardKind;

#define BURROW_SSH_FORWARD_KINDS 3

typedef struct
{
  BurrowSshForwardKind kind;
  char *listen_address;    /* NULL: the broker's default */
  guint16 listen_port;
  char *dst_host;          /* local and remote only */
  guint16 dst_port;
  guint line;              /* the caller's: where it is written */
} BurrowSshForward;

void        burrow_ssh_forward_clear          (BurrowSshForward           *forward);
/* LocalForward [BIND:]PORT HOST:HOSTPORT, RemoteForward likewise,
 * DynamicForward [BIND:]PORT, from the line's arguments, into @forward,
 * zeroed before.  Returns why not (translated), or NULL; @forward needs
 * clearing either way. */
char       *burrow_ssh_forward_parse          (BurrowSshForwardKind        kind,
                                               const char * const         *args,
                                               BurrowSshForward           *forward);
/* The address it listens on, the broker's default included. */
const char *burrow_ssh_forward_listen_address (const BurrowSshForward     *forward);
/* As the broker's listeners_clash(): local and dynamic forwards listen
 * here, remote ones at the server. */
gboolean    burrow_ssh_forward_clashes        (const BurrowSshForward     *forward,
                                               const BurrowSshForward     *other);
/* The profile dictionary's key for a list of this kind: "local-tunnels"… */
const char *burrow_ssh_forward_list_key       (BurrowSshForwardKind        kind);
/* The tunnel's a{sv} dictionary (floating). */
GVariant   *burrow_ssh_forward_to_variant     (const BurrowSshForward     *forward);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BurrowSshForward, burrow_ssh_forward_clear)

G_END_DECLS
