// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-open-report.h"
#include "broker-handoff.h"

struct _BrokerOpenReport
{
  GMainContext *context;       /* the asker's */
  BrokerOpenFunc func;
  gpointer user_data;
  gboolean sent;
};

typedef struct
{
  BrokerOpenFunc func;
  gpointer user_data;
  gboolean opened;
  char *why;
} Delivery;

/* Captures the calling thread's default main context. */
BrokerOpenReport *
broker_open_report_new (BrokerOpenFunc func,
                        gpointer       user_data)
{
  BrokerOpenReport *self = g_new0 (BrokerOpenReport, 1);

  self->context = g_main_context_ref_thread_default ();
  self->func = func;
  self->user_data = user_data;
  return self;
}

static gboolean
deliver (gpointer data)
{
  Delivery *delivery = data;

  delivery->func (delivery->opened, delivery->why, delivery->user_data);
  return G_SOURCE_REMOVE;
}

static void
delivery_free (Delivery *delivery)
{
  g_free (delivery->why);
  g_free (delivery);
}

/* The first report counts; later ones are ignored. */
void
broker_open_report_send (BrokerOpenReport *self,
                         gboolean          opened,
                         const char       *why)
{
  Delivery *delivery;

  if (self == NULL || self->sent)
    return;
  self->sent = TRUE;
  delivery = g_new0 (Delivery, 1);
  delivery->func = self->func;
  delivery->user_data = self->user_data;
  delivery->opened = opened;
  delivery->why = g_strdup (why);
  broker_handoff_invoke (self->context, deliver, delivery, (GDestroyNotify) delivery_free);
}

void
broker_open_report_free (BrokerOpenReport *self)
{
  if (self == NULL)
    return;
  broker_open_report_send (self, FALSE, "the SSH connection ended before the channel opened");
  g_main_context_unref (self->context);
  g_free (self);
}
