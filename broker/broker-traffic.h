// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <stdatomic.h>

G_BEGIN_DECLS

/* Counters a session's worker thread updates and the main thread reads to
 * publish (Tunnel1 and Session1 properties): atomics, no locks.  A child
 * (an FTP tunnel's data forward) is a key of its own for closing, and
 * counts into its parent as well. */
typedef struct _BrokerTraffic
{
  atomic_uint_fast64_t bytes_in;     /* from the far side */
  atomic_uint_fast64_t bytes_out;    /* to the far side */
  atomic_uint channels;              /* open now */
  struct _BrokerTraffic *parent;     /* counts there too; NULL for none */
} BrokerTraffic;

BrokerTraffic *broker_traffic_new          (void);
BrokerTraffic *broker_traffic_new_child    (BrokerTraffic *parent);
BrokerTraffic *broker_traffic_ref          (BrokerTraffic *self);
void           broker_traffic_unref        (BrokerTraffic *self);
void           broker_traffic_add_in       (BrokerTraffic *self,
                                            guint64        bytes);
void           broker_traffic_add_out      (BrokerTraffic *self,
                                            guint64        bytes);
void           broker_traffic_channel_open (BrokerTraffic *self);
void           broker_traffic_channel_done (BrokerTraffic *self);
guint64        broker_traffic_get_in       (BrokerTraffic *self);
guint64        broker_traffic_get_out      (BrokerTraffic *self);
guint          broker_traffic_get_channels (BrokerTraffic *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerTraffic, broker_traffic_unref)

G_END_DECLS
