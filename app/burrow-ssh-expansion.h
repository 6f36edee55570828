// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The expansions Burrow does for ssh_config values, no more than it can do
 * without running anything: ~, ~USER for the importing user, and some of
 * ssh's % tokens.  Pure. */

/* What the tokens of an IdentityFile stand for. */
typedef struct
{
  const char *home_dir;     /* ~ and %d */
  const char *local_user;   /* %u, and the only USER of ~USER */
  const char *host;         /* %h */
  const char *remote_user;  /* %r */
  const char *alias;        /* %n */
  char port[8];             /* %p */
} BurrowSshExpansion;

/* HostName knows only %h (@alias) and %%; NULL for any other token. */
char *burrow_ssh_expand_host_name (const char               *text,
                                   const char               *alias);
/* An IdentityFile value as an absolute path in UTF-8, or NULL and
 * @problem, translated. */
char *burrow_ssh_expand_identity  (const BurrowSshExpansion  *ex,
                                   const char                *path,
                                   char                     **problem);

G_END_DECLS
