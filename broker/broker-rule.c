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
  g_clear_object (&self->host_block);
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

/* "ADDRESS/LENGTH" with an IPv4 or IPv6 address is an address block. */
static gboolean
looks_like_block (const char *host)
{
  const char *slash = strchr (host, '/');
  g_autofree char *address = NULL;

  if (slash == NULL)
    return FALSE;
  address = g_strndup (host, slash - host);
  return g_hostname_is_ip_address (address);
}

/* GIO's own parser warns on a length like "-1", so the length is read here. */
static GInetAddressMask *
parse_block (const char  *text,
             GError     **error)
{
  const char *slash = strchr (text, '/');
  g_autofree char *address_text = g_strndup (text, slash - text);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (address_text);
  guint64 length = 0;

  if (!g_ascii_string_to_unsigned (slash + 1, 10, 0, 128, &length, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the prefix length must be a number from 0 to 32 (IPv4) or 128 (IPv6)");
      return NULL;
    }
  return g_inet_address_mask_new (address, (guint) length, error);
}

static gboolean
compile_block (BrokerRule  *self,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  self->host_block = parse_block (self->host, &local_error);
  if (self->host_block == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "host \"%s\" is not a valid address block (like 10.0.0.0/8 or fd00::/8, "
                   "with no bits set after the prefix): %s", self->host, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
compile_host (BrokerRule  *self,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *anchored = NULL;

  if (self->host == NULL || *self->host == '\0')
    return TRUE;
  if (looks_like_block (self->host))
    return compile_block (self, error);

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
  g_clear_object (&self->host_block);
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

static gboolean
block_contains (GInetAddressMask *block,
                const char       *address)
{
  g_autoptr(GInetAddress) parsed = address != NULL ? g_inet_address_new_from_string (address)
                                                   : NULL;

  return parsed != NULL && g_inet_address_mask_matches (block, parsed);
}

/* An address block is matched against the destination's address; a
 * regular expression against the name the application gave when there is
 * one, otherwise against the address.  Either may be NULL. */
gboolean
broker_rule_matches_host (const BrokerRule *self,
                          const char       *name,
                          const char       *address)
{
  const char *subject = name != NULL && *name != '\0' ? name : address;

  if (self->host_block != NULL)
    return block_contains (self->host_block,
                           address != NULL ? address : name);
  if (self->host_regex == NULL)
    return TRUE;
  return subject != NULL && g_regex_match (self->host_regex, subject, 0, NULL);
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
