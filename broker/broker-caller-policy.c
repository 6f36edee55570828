// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "broker-caller-policy.h"

#include <string.h>

/* "Interface.Method" of every method that changes nothing: it reports
 * state (profiles, rules, capture settings, status) or evaluates a rule
 * without applying it. */
static const char * const read_only_methods[] = {
  "io.github.burrow.Burrow.Broker1.GetStatus",
  "io.github.burrow.Burrow.Broker1.ListProfiles",
  "io.github.burrow.Burrow.Broker1.GetProfile",
  "io.github.burrow.Burrow.Broker1.ListRules",
  "io.github.burrow.Burrow.Broker1.TestRule",
  "io.github.burrow.Burrow.Broker1.GetCaptureSettings",
};

/* @entry ("Interface.Method") names @method_name of @interface_name: the
 * interface is everything before the last dot. */
static gboolean
entry_names (const char *entry,
             const char *interface_name,
             const char *method_name)
{
  const char *dot = strrchr (entry, '.');
  gsize length = (gsize) (dot - entry);

  return strlen (interface_name) == length && strncmp (entry, interface_name, length) == 0
         && strcmp (dot + 1, method_name) == 0;
}

gboolean
broker_caller_method_is_read_only (const char *interface_name,
                                   const char *method_name)
{
  g_return_val_if_fail (interface_name != NULL && method_name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (read_only_methods); i++)
    if (entry_names (read_only_methods[i], interface_name, method_name))
      return TRUE;
  return FALSE;
}

BrokerCallerVerdict
broker_caller_policy_judge (uid_t       broker_uid,
                            uid_t       caller_uid,
                            const char *sandbox,
                            const char *interface_name,
                            const char *method_name)
{
  if (caller_uid != broker_uid)
    return BROKER_CALLER_REFUSED_OTHER_USER;
  if (sandbox == NULL || strcmp (sandbox, APP_ID) == 0)
    return BROKER_CALLER_ALLOWED;
  if (broker_caller_method_is_read_only (interface_name, method_name))
    return BROKER_CALLER_ALLOWED;
  return BROKER_CALLER_REFUSED_SANDBOXED;
}

char *
broker_caller_verdict_message (BrokerCallerVerdict verdict,
                               uid_t               broker_uid,
                               const char         *sandbox,
                               const char         *method_name)
{
  switch (verdict)
    {
    case BROKER_CALLER_REFUSED_OTHER_USER:
      return g_strdup_printf ("this Burrow broker serves user %u only", (guint) broker_uid);
    case BROKER_CALLER_REFUSED_SANDBOXED:
      return g_strdup_printf ("the sandboxed application %s may not call %s: only Burrow "
                              "itself may change Burrow's settings and connections",
                              sandbox, method_name);
    case BROKER_CALLER_ALLOWED:
    default:
      g_return_val_if_reached (NULL);
    }
}
