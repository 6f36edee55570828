// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-handoff.h"

#ifdef BROKER_HANDOFF_TSAN

/* What the receiving thread runs: @function and @notify each see the
 * sender's writes (broker-handoff.h). */
typedef struct
{
  GSourceFunc function;
  gpointer data;
  GDestroyNotify notify;
} Handoff;

static gboolean
run_handoff (gpointer user_data)
{
  Handoff *handoff = user_data;

  broker_handoff_receive (handoff);
  return handoff->function (handoff->data);
}

static void
free_handoff (gpointer user_data)
{
  Handoff *handoff = user_data;

  broker_handoff_receive (handoff);
  if (handoff->notify != NULL)
    handoff->notify (handoff->data);
  g_free (handoff);
}

#endif

/* g_main_context_invoke_full at the default priority, @data handed to
 * @context's thread. */
void
broker_handoff_invoke (GMainContext   *context,
                       GSourceFunc     function,
                       gpointer        data,
                       GDestroyNotify  notify)
{
#ifdef BROKER_HANDOFF_TSAN
  Handoff *handoff = g_new (Handoff, 1);

  handoff->function = function;
  handoff->data = data;
  handoff->notify = notify;
  broker_handoff_send (handoff);
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, run_handoff, handoff, free_handoff);
#else
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, notify);
#endif
}
