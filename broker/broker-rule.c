// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-rule.h"

#include "broker-error.h"

#include <string.h>

static const char * const action_names[] = { "TUNNEL", "DIRECT", "BLOCK" };

static void
broker_rule_clear (BrokerRule *self)
{
  g_free (self->application);
  g_free (self->host);
  g_free (self->ports);
  g_free (self->profile);
  g_clear_pointer (&self->host_regex, g_regex_unref);
  g_clear_pointer (&self->application_pattern, g_pattern_spec_free);
  g_clear_pointer (&self->port_list, broker_port_list_free);
  g_free (self->file);
}

BrokerRule *
broker_rule_new (void)
{
  BrokerRule *self = g_rc_box_new0 (BrokerRule);

  self->action = BROKER_RULE_ACTION_DIRECT;
  self->origin = BROKER_CONFIG_ORIGIN_USER;
  return self;
}

BrokerRule *
broker_rule_ref (BrokerRule *self)
{
  return g_rc_box_acquire (self);
}

void
broker_rule_unref (BrokerRule *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) broker_rule_clear);
}

static gboolean
compile_host (BrokerRule  *self,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *anchored = NULL;

  if (self->host == NULL || *self->host == '\0')
    return TRUE;

  /* The whole name must match: host="example\.com" must not match
   * "example.com.attacker.net". */
  anchored = g_strdup_printf ("^(?:%s)$", self->host);
  self->host_regex = g_regex_new (anchored, G_REGEX_CASELESS | G_REGEX_DOLLAR_ENDONLY | G_REGEX_OPTIMIZE, 0,
                                  &local_error);
  if (self->host_regex == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "host \"%s\" is not a valid regular expression: %s",
                   self->host, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
compile_ports (BrokerRule  *self,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  self->port_list = broker_port_list_parse (self->ports, &local_error);
  if (self->port_list == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "ports \"%s\": %s", self->ports, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* Builds the matchers from the text fields; called once after parsing. */
gboolean
broker_rule_compile (BrokerRule  *self,
                     GError     **error)
{
  g_clear_pointer (&self->host_regex, g_regex_unref);
  g_clear_pointer (&self->application_pattern, g_pattern_spec_free);
  g_clear_pointer (&self->port_list, broker_port_list_free);

  if (!compile_host (self, error) || !compile_ports (self, error))
    return FALSE;
  if (self->application != NULL && *self->application != '\0')
    self->application_pattern = g_pattern_spec_new (self->application);
  return TRUE;
}

/* A pattern with a '/' is matched against the whole path, otherwise against
 * the program's base name, so application="telnet" and
 * application="/usr/bin/tel*" both do what they say. */
gboolean
broker_rule_matches_application (const BrokerRule *self,
                                 const char       *application)
{
  g_autofree char *basename = NULL;
  const char *subject;

  if (self->application_pattern == NULL)
    return TRUE;
  if (application == NULL || *application == '\0')
    return FALSE;

  if (strchr (self->application, '/') != NULL)
    subject = application;
  else
    subject = basename = g_path_get_basename (application);
  return g_pattern_spec_match_string (self->application_pattern, subject);
}

gboolean
broker_rule_matches_host (const BrokerRule *self,
                          const char       *host)
{
  if (self->host_regex == NULL)
    return TRUE;
  return host != NULL && g_regex_match (self->host_regex, host, 0, NULL);
}

gboolean
broker_rule_matches_port (const BrokerRule *self,
                          guint16           port)
{
  return self->port_list == NULL || broker_port_list_contains (self->port_list, port);
}

const char *
broker_rule_action_to_string (BrokerRuleAction action)
{
  return action_names[action];
}

gboolean
broker_rule_action_from_string (const char       *text,
                                BrokerRuleAction *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    if (text != NULL && g_ascii_strcasecmp (text, action_names[i]) == 0)
      {
        *action = i;
        return TRUE;
      }
  return FALSE;
}
