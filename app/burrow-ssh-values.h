// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Single values of an ssh_config file, checked as the broker would check
 * them, for the importer (burrow-ssh-config.c).  Pure. */

#define BURROW_SSH_MAX_NAME_BYTES 255  /* the broker's limit for ids, hosts and users */

/* Why the broker would refuse @name as an id, a host or a user (its
 * broker_name_problem()), translated; NULL if it would not. */
const char *burrow_ssh_name_problem (const char *name);

/* A decimal port number from 1 to 65535. */
gboolean    burrow_ssh_parse_port   (const char *text,
                                     guint16    *port);

G_END_DECLS
