// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ProxyJump's hops, [ssh://][USER@]HOST[:PORT] separated by commas, HOST
 * an IPv6 address in brackets.  Pure. */

#define BURROW_SSH_MAX_JUMP_HOPS 31  /* the broker refuses gateway chains over 32 */

typedef struct
{
  char *user;     /* NULL when the hop names none */
  char *host;
  guint16 port;   /* 0 when the hop names none */
} BurrowSshHop;

void  burrow_ssh_hop_clear  (BurrowSshHop *hop);
/* Fills in @hop, zeroed before, as far as @text allows; returns why the
 * broker would not take it (translated), or NULL.  @hop needs clearing
 * either way. */
char *burrow_ssh_hop_parse  (const char   *text,
                             BurrowSshHop *hop);
/* Every hop of a ProxyJump value, and how many there are; why not, or
 * NULL. */
char *burrow_ssh_jump_check (const char   *jump);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BurrowSshHop, burrow_ssh_hop_clear)

G_END_DECLS
