// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A set of TCP ports written as "23", "25,110,143" or "8000-8100,22". */
typedef struct _BrokerPortList BrokerPortList;

BrokerPortList *broker_port_list_parse    (const char      *text,
                                           GError         **error);
gboolean        broker_port_list_contains (const BrokerPortList *self,
                                           guint16          port);
gboolean        broker_port_list_is_any   (const BrokerPortList *self);
char           *broker_port_list_to_string (const BrokerPortList *self);
void            broker_port_list_free     (BrokerPortList  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerPortList, broker_port_list_free)

G_END_DECLS
