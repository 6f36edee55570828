// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether a channel opened, told once to whoever asked, on the thread (main
 * context) that asked, whichever thread the channel lives on.  It travels
 * with the channel request; dropped unanswered (the session ended or never
 * came up), it reports failure. */
typedef struct _BrokerOpenReport BrokerOpenReport;

typedef void (*BrokerOpenFunc) (gboolean    opened,
                                const char *why,
                                gpointer    user_data);

BrokerOpenReport *broker_open_report_new  (BrokerOpenFunc    func,
                                           gpointer          user_data);
void              broker_open_report_send (BrokerOpenReport *self,
                                           gboolean          opened,
                                           const char       *why);
void              broker_open_report_free (BrokerOpenReport *self);

G_END_DECLS
