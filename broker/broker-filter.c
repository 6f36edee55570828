// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-filter.h"

static void
describe_rule (GString          *out,
               guint             index,
               const BrokerRule *rule)
{
  g_string_append_printf (out, "rule %u (%s:%u)", index + 1, rule->file, rule->line);
}

/* The first condition the rule fails, in words; NULL when it matches. */
static char *
mismatch_reason (const BrokerRule        *rule,
                 const BrokerFilterQuery *query)
{
  if (!broker_rule_matches_application (rule, query->application))
    return g_strdup_printf ("application \"%s\" does not match \"%s\"",
                            query->application != NULL ? query->application : "",
                            rule->application);
  if (!broker_rule_matches_host (rule, query->host, query->address))
    {
      if (rule->host_block != NULL)
        return g_strdup_printf ("address %s is not in %s",
                                query->address != NULL ? query->address
                                : query->host != NULL ? query->host : "(unknown)",
                                rule->host);
      return g_strdup_printf ("host \"%s\" does not match \"%s\"",
                              query->host != NULL ? query->host
                              : query->address != NULL ? query->address : "", rule->host);
    }
  if (!broker_rule_matches_port (rule, query->port))
    return g_strdup_printf ("port %u is not in \"%s\"", query->port, rule->ports);
  return NULL;
}

int
broker_filter_evaluate (const BrokerConfig      *config,
                        const BrokerFilterQuery *query,
                        GString                 *explanation)
{
  for (guint i = 0; i < config->rules->len; i++)
    {
      const BrokerRule *rule = config->rules->pdata[i];
      g_autofree char *reason = mismatch_reason (rule, query);

      if (explanation != NULL)
        describe_rule (explanation, i, rule);
      if (reason == NULL)
        {
          if (explanation != NULL)
            g_string_append_printf (explanation, ": matches, action %s\n",
                                    broker_rule_action_to_string (rule->action));
          return (int) i;
        }
      if (explanation != NULL)
        g_string_append_printf (explanation, ": %s\n", reason);
    }
  if (explanation != NULL)
    g_string_append (explanation, "no rule matches: the connection goes DIRECT\n");
  return -1;
}

/* Whether a lookup of @name by @application should get a synthetic
 * address: a TUNNEL rule covers the name, for some port, before any rule
 * for every port of it decides otherwise.  Ports are not known at lookup
 * time; the connect is decided in full later.  Returns that rule's index
 * or -1. */
int
broker_filter_name_tunnelled (const BrokerConfig *config,
                              const char         *application,
                              const char         *name)
{
  for (guint i = 0; i < config->rules->len; i++)
    {
      const BrokerRule *rule = config->rules->pdata[i];

      if (!broker_rule_matches_application (rule, application)
          || rule->host_block != NULL
          || !broker_rule_matches_host (rule, name, NULL))
        continue;
      if (rule->action == BROKER_RULE_ACTION_TUNNEL)
        return (int) i;
      if (rule->port_list == NULL || broker_port_list_is_any (rule->port_list))
        return -1;
    }
  return -1;
}
