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
