// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-login.h"

char *
broker_login_reason (const BrokerConfig *config)
{
  g_autoptr(GString) reason = g_string_new (NULL);

  if (config->capture_enable_at_startup)
    g_string_append (reason, "session-wide capture is on");
  for (guint i = 0; i < config->profiles->len; i++)
    {
      const BrokerProfile *profile = config->profiles->pdata[i];

      if (!profile->connect_on_startup)
        continue;
      if (reason->len > 0)
        g_string_append (reason, "; ");
      g_string_append_printf (reason, "profile \"%s\" connects on startup", profile->id);
    }
  if (reason->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&reason), FALSE);
}
