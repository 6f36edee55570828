// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Synthetic addresses for names a TUNNEL rule covers: what a captured
 * program's name lookup gets instead of a DNS answer, and what turns its
 * connect to that address back into the name.  One address per name (case
 * and a final dot do not count) and family, for the broker's lifetime:
 * IPv4 from 198.18.0.0/15 (RFC 2544, never routed), IPv6 from
 * fd62:7572:726f:7700::/64 (the bases burrow-capture-protocol.h gives).
 * No I/O. */
typedef struct _BrokerCaptureNames BrokerCaptureNames;

BrokerCaptureNames *broker_capture_names_new          (void);
void                broker_capture_names_free         (BrokerCaptureNames *self);
/* NULL when the range is used up. */
GInetAddress       *broker_capture_names_address      (BrokerCaptureNames *self,
                                                       const char         *name,
                                                       GSocketFamily       family);
/* The name @address was handed out for, or NULL.  Here and in
 * _is_synthetic() an IPv4-mapped IPv6 address counts as its IPv4 one. */
const char         *broker_capture_names_lookup       (BrokerCaptureNames *self,
                                                       GInetAddress       *address);
gboolean            broker_capture_names_is_synthetic (GInetAddress       *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerCaptureNames, broker_capture_names_free)

G_END_DECLS
