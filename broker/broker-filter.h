// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/* What a captured connect is compared with. */
typedef struct
{
  const char *application;  /* executable path */
  const char *host;         /* name as the application gave it, or the address */
  guint16 port;
  const char *address;      /* the numeric address when known, or NULL */
} BrokerFilterQuery;

/* The filter engine: the rules in order, first match wins; no match means
 * DIRECT (the connect is left alone).  A rule's host is a regular
 * expression matched against the name when the application gave one, or
 * else the address; or an address block ("10.0.0.0/8") matched against the
 * address.  Returns the index of the matching
 * rule or -1, and appends why, rule by rule, to @explanation if not NULL. */
int broker_filter_evaluate (const BrokerConfig      *config,
                            const BrokerFilterQuery *query,
                            GString                 *explanation);

int broker_filter_name_tunnelled (const BrokerConfig *config,
                                  const char         *application,
                                  const char         *name);

G_END_DECLS
