// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-profile.h"

/* The product's names for its methods, so its files load; "publickey" covers
 * ssh-agent keys and identity files alike. */
static const char * const known_auth_methods[] = {
  "publickey", "keyboard-interactive", "password", "gssapi-with-mic", "hostbased", NULL
};

static const char * const default_auth_methods[] = {
  "publickey", "keyboard-interactive", "password", NULL
};

static void
broker_profile_clear (BrokerProfile *self)
{
  g_free (self->id);
  g_free (self->name);
  g_free (self->host);
  g_free (self->user);
  g_strfreev (self->auth_methods);
  g_strfreev (self->identity_files);
  g_free (self->gateway_profile);
  g_ptr_array_unref (self->tunnels);
  g_free (self->file);
}

BrokerProfile *
broker_profile_new (const char *id)
{
  BrokerProfile *self = g_rc_box_new0 (BrokerProfile);

  self->id = g_strdup (id);
  self->port = BROKER_PROFILE_DEFAULT_PORT;
  self->auth_methods = g_strdupv ((GStrv) default_auth_methods);
  self->identity_files = g_new0 (char *, 1);
  self->keepalive_interval = BROKER_PROFILE_DEFAULT_KEEPALIVE;
  self->idle_timeout = BROKER_PROFILE_DEFAULT_IDLE_TIMEOUT;
  self->tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_tunnel_config_free);
  self->origin = BROKER_CONFIG_ORIGIN_USER;
  return self;
}

/* A profile for @host made from @template_profile (user, port,
 * authentication, keys, keepalive, idle timeout, gateway; no tunnels), or
 * from the defaults when it is NULL: hostname-from-app="YES" rules. */
BrokerProfile *
broker_profile_new_for_host (const BrokerProfile *template_profile,
                             const char          *id,
                             const char          *host)
{
  BrokerProfile *self = broker_profile_new (id);

  self->host = g_strdup (host);
  if (template_profile == NULL)
    return self;
  self->port = template_profile->port;
  self->user = g_strdup (template_profile->user);
  g_strfreev (self->auth_methods);
  self->auth_methods = g_strdupv (template_profile->auth_methods);
  g_strfreev (self->identity_files);
  self->identity_files = g_strdupv (template_profile->identity_files);
  self->keepalive_interval = template_profile->keepalive_interval;
  self->idle_timeout = template_profile->idle_timeout;
  self->gateway_profile = g_strdup (template_profile->gateway_profile);
  self->origin = template_profile->origin;
  self->file = g_strdup (template_profile->file);
  self->line = template_profile->line;
  return self;
}

BrokerProfile *
broker_profile_ref (BrokerProfile *self)
{
  return g_rc_box_acquire (self);
}

void
broker_profile_unref (BrokerProfile *self)
{
  g_rc_box_release_full (self, (GDestroyNotify) broker_profile_clear);
}

const char * const *
broker_profile_known_auth_methods (void)
{
  return known_auth_methods;
}

const char * const *
broker_profile_default_auth_methods (void)
{
  return default_auth_methods;
}

gboolean
broker_profile_is_known_auth_method (const char *name)
{
  return g_strv_contains (known_auth_methods, name);
}
