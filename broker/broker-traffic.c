// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-traffic.h"
#include "broker-handoff.h"

BrokerTraffic *
broker_traffic_new (void)
{
  return g_atomic_rc_box_new0 (BrokerTraffic);
}

BrokerTraffic *
broker_traffic_new_child (BrokerTraffic *parent)
{
  BrokerTraffic *self = broker_traffic_new ();

  self->parent = broker_traffic_ref (parent);
  return self;
}

BrokerTraffic *
broker_traffic_ref (BrokerTraffic *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
clear_parent (gpointer data)
{
  BrokerTraffic *self = data;

  broker_handoff_receive (self);   /* every other holder's last use */
  g_clear_pointer (&self->parent, broker_traffic_unref);
}

void
broker_traffic_unref (BrokerTraffic *self)
{
  broker_handoff_send (self);   /* to whichever thread drops the last reference */
  g_atomic_rc_box_release_full (self, clear_parent);
}

/* NULL-safe, so a channel may count into a tunnel, a session or both. */
void
broker_traffic_add_in (BrokerTraffic *self,
                       guint64        bytes)
{
  for (; self != NULL; self = self->parent)
    atomic_fetch_add_explicit (&self->bytes_in, bytes, memory_order_relaxed);
}

void
broker_traffic_add_out (BrokerTraffic *self,
                        guint64        bytes)
{
  for (; self != NULL; self = self->parent)
    atomic_fetch_add_explicit (&self->bytes_out, bytes, memory_order_relaxed);
}

void
broker_traffic_channel_open (BrokerTraffic *self)
{
  for (; self != NULL; self = self->parent)
    atomic_fetch_add_explicit (&self->channels, 1, memory_order_relaxed);
}

void
broker_traffic_channel_done (BrokerTraffic *self)
{
  for (; self != NULL; self = self->parent)
    atomic_fetch_sub_explicit (&self->channels, 1, memory_order_relaxed);
}

guint64
broker_traffic_get_in (BrokerTraffic *self)
{
  return atomic_load_explicit (&self->bytes_in, memory_order_relaxed);
}

guint64
broker_traffic_get_out (BrokerTraffic *self)
{
  return atomic_load_explicit (&self->bytes_out, memory_order_relaxed);
}

guint
broker_traffic_get_channels (BrokerTraffic *self)
{
  return atomic_load_explicit (&self->channels, memory_order_relaxed);
}
