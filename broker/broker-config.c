// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-config.h"

static const char * const policy_names[] = { "accept-unknown", "ask", "strict" };

const char *
broker_host_key_policy_to_string (BrokerHostKeyPolicy policy)
{
  return policy_names[policy];
}

gboolean
broker_host_key_policy_from_string (const char          *text,
                                    BrokerHostKeyPolicy *policy)
{
  for (guint i = 0; i < G_N_ELEMENTS (policy_names); i++)
    if (g_strcmp0 (text, policy_names[i]) == 0)
      {
        *policy = i;
        return TRUE;
      }
  return FALSE;
}

const char *
broker_config_origin_to_string (BrokerConfigOrigin origin)
{
  return origin == BROKER_CONFIG_ORIGIN_GLOBAL ? "global" : "user";
}

static void
broker_config_clear (BrokerConfig *self)
{
  g_ptr_array_unref (self->known_hosts);
  g_ptr_array_unref (self->profiles);
  g_ptr_array_unref (self->rules);
}

BrokerConfig *
broker_config_new (void)
{
  BrokerConfig *self = g_rc_box_new0 (BrokerConfig);

  self->host_key_policy = BROKER_HOST_KEY_POLICY_ASK;
  self->known_hosts = g_ptr_array_new_with_free_func (g_free);
  self->profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_profile_unref);
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_rule_unref);
  return self;
}

/* A shallow copy: profiles and rules are immutable and shared. */
BrokerConfig *
broker_config_copy (const BrokerConfig *self)
{
  BrokerConfig *copy = broker_config_new ();

  copy->host_key_policy = self->host_key_policy;
  copy->host_key_policy_explicit = self->host_key_policy_explicit;
  copy->capture_enable_at_startup = self->capture_enable_at_startup;
  for (guint i = 0; i < self->known_hosts->len; i++)
    g_ptr_array_add (copy->known_hosts, g_strdup (self->known_hosts->pdata[i]));
  for (guint i = 0; i < self->profiles->len; i++)
    g_ptr_array_add (copy->profiles, broker_profile_ref (self->profiles->pdata[i]));
  for (guint i = 0; i < self->rules->len; i++)
    g_ptr_array_add (copy->rules, broker_rule_ref (self->rules->pdata[i]));
  return copy;
}

BrokerConfig *
broker_config_ref (BrokerConfig *self)
{
  return g_rc_box_acquire (self);
}

void
broker_config_unref (BrokerConfig *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) broker_config_clear);
}

BrokerProfile *
broker_config_find_profile (const BrokerConfig *self,
                            const char         *id)
{
  for (guint i = 0; i < self->profiles->len; i++)
    {
      BrokerProfile *profile = self->profiles->pdata[i];

      if (g_strcmp0 (profile->id, id) == 0)
        return profile;
    }
  return NULL;
}

/* Adds @profile, or replaces the profile with the same id in place, so a
 * user's override keeps the global profile's position.  Takes a reference. */
void
broker_config_put_profile (BrokerConfig  *self,
                           BrokerProfile *profile)
{
  for (guint i = 0; i < self->profiles->len; i++)
    {
      BrokerProfile *existing = self->profiles->pdata[i];

      if (g_strcmp0 (existing->id, profile->id) == 0)
        {
          self->profiles->pdata[i] = broker_profile_ref (profile);
          broker_profile_unref (existing);
          return;
        }
    }
  g_ptr_array_add (self->profiles, broker_profile_ref (profile));
}

guint
broker_config_count_rules (const BrokerConfig *self,
                           BrokerConfigOrigin  origin)
{
  guint count = 0;

  for (guint i = 0; i < self->rules->len; i++)
    if (((BrokerRule *) self->rules->pdata[i])->origin == origin)
      count++;
  return count;
}
