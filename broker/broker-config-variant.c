// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-config-variant.h"

#include "broker-error.h"
#include "broker-name.h"

#include <string.h>

static void
add_string (GVariantDict *dict,
            const char   *key,
            const char   *value)
{
  if (value != NULL)
    g_variant_dict_insert (dict, key, "s", value);
}

static GVariant *
tunnel_to_variant (const BrokerTunnelConfig *tunnel)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (tunnel->kind != BROKER_TUNNEL_KIND_DYNAMIC)
    {
      g_variant_dict_insert (&dict, "type", "s", broker_tunnel_type_to_string (tunnel->type));
      add_string (&dict, "dst-host", tunnel->dst_host);
      g_variant_dict_insert (&dict, "dst-port", "q", tunnel->dst_port);
    }
  add_string (&dict, "listen-address", tunnel->listen_address);
  g_variant_dict_insert (&dict, "listen-port", "q", tunnel->listen_port);
  g_variant_dict_insert (&dict, "allow-relay", "b", tunnel->allow_relay);
  return g_variant_dict_end (&dict);
}

static GVariant *
tunnels_to_variant (const BrokerProfile *profile,
                    BrokerTunnelKind     kind)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  for (guint i = 0; i < profile->tunnels->len; i++)
    {
      const BrokerTunnelConfig *tunnel = profile->tunnels->pdata[i];

      if (tunnel->kind == kind)
        g_variant_builder_add_value (&builder, tunnel_to_variant (tunnel));
    }
  return g_variant_builder_end (&builder);
}

GVariant *
broker_profile_to_variant (const BrokerProfile *profile)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  add_string (&dict, "id", profile->id);
  add_string (&dict, "name", profile->name);
  add_string (&dict, "host", profile->host);
  g_variant_dict_insert (&dict, "port", "q", profile->port);
  add_string (&dict, "user", profile->user);
  g_variant_dict_insert (&dict, "authentication-methods", "^as", profile->auth_methods);
  g_variant_dict_insert (&dict, "identity-files", "^as", profile->identity_files);
  g_variant_dict_insert (&dict, "connect-on-startup", "b", profile->connect_on_startup);
  g_variant_dict_insert (&dict, "keepalive-interval", "u", profile->keepalive_interval);
  g_variant_dict_insert (&dict, "idle-timeout", "u", profile->idle_timeout);
  add_string (&dict, "gateway-profile", profile->gateway_profile);
  g_variant_dict_insert_value (&dict, "local-tunnels",
                               tunnels_to_variant (profile, BROKER_TUNNEL_KIND_LOCAL));
  g_variant_dict_insert_value (&dict, "remote-tunnels",
                               tunnels_to_variant (profile, BROKER_TUNNEL_KIND_REMOTE));
  g_variant_dict_insert_value (&dict, "dynamic-tunnels",
                               tunnels_to_variant (profile, BROKER_TUNNEL_KIND_DYNAMIC));
  g_variant_dict_insert (&dict, "origin", "s", broker_config_origin_to_string (profile->origin));
  g_variant_dict_insert (&dict, "line", "u", profile->line);
  return g_variant_dict_end (&dict);
}

GVariant *
broker_rule_to_variant (const BrokerRule *rule)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  add_string (&dict, "application", rule->application);
  add_string (&dict, "host", rule->host);
  add_string (&dict, "ports", rule->ports);
  g_variant_dict_insert (&dict, "action", "s", broker_rule_action_to_string (rule->action));
  add_string (&dict, "profile", rule->profile);
  g_variant_dict_insert (&dict, "hostname-from-app", "b", rule->hostname_from_app);
  g_variant_dict_insert (&dict, "fallback-to-plain", "b", rule->fallback_to_plain);
  g_variant_dict_insert (&dict, "ftp", "b", rule->ftp);
  g_variant_dict_insert (&dict, "origin", "s", broker_config_origin_to_string (rule->origin));
  g_variant_dict_insert (&dict, "line", "u", rule->line);
  return g_variant_dict_end (&dict);
}

/* Keys a client may not set: the broker reports them. */
static gboolean
is_read_only_key (const char *key)
{
  return g_str_equal (key, "origin") || g_str_equal (key, "line");
}

static gboolean
check_type (const char  *key,
            GVariant    *value,
            const char  *type,
            GError     **error)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
    return TRUE;
  g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
               "\"%s\" must be of type %s, not %s", key, type, g_variant_get_type_string (value));
  return FALSE;
}

static gboolean
unknown_key (const char  *what,
             const char  *key,
             GError     **error)
{
  g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS, "unknown %s key \"%s\"", what, key);
  return FALSE;
}

static char *
dup_nonempty (GVariant *value)
{
  const char *text = g_variant_get_string (value, NULL);

  return *text != '\0' ? g_strdup (text) : NULL;
}

static gboolean
set_tunnel_key (BrokerTunnelConfig  *tunnel,
                const char          *key,
                GVariant            *value,
                GError             **error)
{
  if (g_str_equal (key, "type"))
    {
      if (!check_type (key, value, "s", error))
        return FALSE;
      if (!broker_tunnel_type_from_string (g_variant_get_string (value, NULL), &tunnel->type))
        {
          g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                       "tunnel type \"%s\": expected TCP or FTP", g_variant_get_string (value, NULL));
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (key, "listen-address") || g_str_equal (key, "dst-host"))
    {
      char **field = key[0] == 'l' ? &tunnel->listen_address : &tunnel->dst_host;

      if (!check_type (key, value, "s", error))
        return FALSE;
      g_free (*field);
      *field = dup_nonempty (value);
      return TRUE;
    }
  if (g_str_equal (key, "listen-port") || g_str_equal (key, "dst-port"))
    {
      if (!check_type (key, value, "q", error))
        return FALSE;
      *(key[0] == 'l' ? &tunnel->listen_port : &tunnel->dst_port) = g_variant_get_uint16 (value);
      return TRUE;
    }
  if (g_str_equal (key, "allow-relay"))
    {
      if (!check_type (key, value, "b", error))
        return FALSE;
      tunnel->allow_relay = g_variant_get_boolean (value);
      return TRUE;
    }
  return unknown_key ("tunnel", key, error);
}

static gboolean
add_tunnels (BrokerProfile     *profile,
             BrokerTunnelKind   kind,
             const char        *key,
             GVariant          *list,
             GError           **error)
{
  GVariantIter iter;
  GVariant *child;

  if (!check_type (key, list, "aa{sv}", error))
    return FALSE;
  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) dict = child;
      g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_config_new (kind);
      GVariantIter entries;
      const char *entry_key;
      GVariant *entry_value;

      g_variant_iter_init (&entries, dict);
      while (g_variant_iter_next (&entries, "{&sv}", &entry_key, &entry_value))
        {
          g_autoptr(GVariant) owned = entry_value;

          if (!set_tunnel_key (tunnel, entry_key, owned, error))
            return FALSE;
        }
      g_ptr_array_add (profile->tunnels, g_steal_pointer (&tunnel));
    }
  return TRUE;
}

/* Keys of Broker1.OpenTunnel() that are not the tunnel's own. */
static const char * const open_tunnel_keys[] = {
  "kind", "detach", "ssh-host", "ssh-user", "ssh-port", NULL
};

static gboolean
check_tunnel (const BrokerTunnelConfig  *tunnel,
              GError                   **error)
{
  const char *problem;

  if (tunnel->kind == BROKER_TUNNEL_KIND_DYNAMIC)
    return TRUE;
  if (tunnel->dst_host == NULL || tunnel->dst_port == 0)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "a %s tunnel needs \"dst-host\" and a non-zero \"dst-port\"",
                   broker_tunnel_kind_to_string (tunnel->kind));
      return FALSE;
    }
  problem = broker_name_problem (tunnel->dst_host);
  if (problem != NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS, "dst-host \"%s\": %s",
                   tunnel->dst_host, problem);
      return FALSE;
    }
  if (tunnel->kind == BROKER_TUNNEL_KIND_REMOTE && tunnel->listen_port == 0)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "a remote tunnel needs a non-zero \"listen-port\"");
      return FALSE;
    }
  return TRUE;
}

/* The spec of Broker1.OpenTunnel(): "kind" and the keys of a profile's
 * tunnel dictionaries. */
BrokerTunnelConfig *
broker_tunnel_config_from_variant (GVariant  *dict,
                                   GError   **error)
{
  g_autoptr(BrokerTunnelConfig) tunnel = NULL;
  const char *kind_name = NULL;
  BrokerTunnelKind kind = BROKER_TUNNEL_KIND_LOCAL;
  GVariantIter entries;
  const char *key;
  GVariant *value;

  if (!g_variant_lookup (dict, "kind", "&s", &kind_name) ||
      !(g_str_equal (kind_name, "local") || g_str_equal (kind_name, "remote") ||
        g_str_equal (kind_name, "dynamic")))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "\"kind\" must be \"local\", \"remote\" or \"dynamic\"");
      return NULL;
    }
  if (kind_name[0] == 'r')
    kind = BROKER_TUNNEL_KIND_REMOTE;
  else if (kind_name[0] == 'd')
    kind = BROKER_TUNNEL_KIND_DYNAMIC;
  tunnel = broker_tunnel_config_new (kind);
  g_variant_iter_init (&entries, dict);
  while (g_variant_iter_next (&entries, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!g_strv_contains (open_tunnel_keys, key) && !set_tunnel_key (tunnel, key, owned, error))
        return NULL;
    }
  if (!check_tunnel (tunnel, error))
    return NULL;
  return g_steal_pointer (&tunnel);
}

static gboolean
set_profile_string (BrokerProfile  *profile,
                    const char     *key,
                    GVariant       *value,
                    GError        **error)
{
  static const struct { const char *key; gsize offset; } fields[] = {
    { "name", G_STRUCT_OFFSET (BrokerProfile, name) },
    { "host", G_STRUCT_OFFSET (BrokerProfile, host) },
    { "user", G_STRUCT_OFFSET (BrokerProfile, user) },
    { "gateway-profile", G_STRUCT_OFFSET (BrokerProfile, gateway_profile) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (key, fields[i].key))
      {
        char **field = G_STRUCT_MEMBER_P (profile, fields[i].offset);

        if (!check_type (key, value, "s", error))
          return FALSE;
        g_free (*field);
        *field = dup_nonempty (value);
        return TRUE;
      }
  return unknown_key ("profile", key, error);
}

static const char * const tunnels_keys[] = { "local-tunnels", "remote-tunnels", "dynamic-tunnels" };

static gboolean
is_tunnels_key (const char       *key,
                BrokerTunnelKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (tunnels_keys); i++)
    if (g_str_equal (key, tunnels_keys[i]))
      {
        if (kind != NULL)
          *kind = i;
        return TRUE;
      }
  return FALSE;
}

/* Local, then remote, then dynamic tunnels, whatever order the dictionary has. */
static gboolean
add_all_tunnels (BrokerProfile  *profile,
                 GVariant       *dict,
                 GError        **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (tunnels_keys); i++)
    {
      g_autoptr(GVariant) list = g_variant_lookup_value (dict, tunnels_keys[i], NULL);

      if (list != NULL && !add_tunnels (profile, i, tunnels_keys[i], list, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
set_profile_key (BrokerProfile  *profile,
                 const char     *key,
                 GVariant       *value,
                 GError        **error)
{
  if (g_str_equal (key, "id"))
    return check_type (key, value, "s", error);
  if (g_str_equal (key, "port"))
    {
      if (!check_type (key, value, "q", error))
        return FALSE;
      profile->port = g_variant_get_uint16 (value);
      return TRUE;
    }
  if (g_str_equal (key, "authentication-methods") || g_str_equal (key, "identity-files"))
    {
      GStrv *field = key[0] == 'a' ? &profile->auth_methods : &profile->identity_files;

      if (!check_type (key, value, "as", error))
        return FALSE;
      g_strfreev (*field);
      *field = g_variant_dup_strv (value, NULL);
      return TRUE;
    }
  if (g_str_equal (key, "connect-on-startup"))
    {
      if (!check_type (key, value, "b", error))
        return FALSE;
      profile->connect_on_startup = g_variant_get_boolean (value);
      return TRUE;
    }
  if (g_str_equal (key, "keepalive-interval") || g_str_equal (key, "idle-timeout"))
    {
      if (!check_type (key, value, "u", error))
        return FALSE;
      *(key[0] == 'k' ? &profile->keepalive_interval : &profile->idle_timeout) =
        g_variant_get_uint32 (value);
      return TRUE;
    }
  if (is_tunnels_key (key, NULL))
    return TRUE; /* added afterwards, in a fixed order */
  return set_profile_string (profile, key, value, error);
}

/* Type-checks a client's dictionary.  The values themselves are validated
 * by the loader once the edit is applied to the document, so D-Bus and the
 * file share one set of rules. */
BrokerProfile *
broker_profile_from_variant (GVariant  *dict,
                             GError   **error)
{
  g_autoptr(BrokerProfile) profile = NULL;
  const char *id = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (!g_variant_lookup (dict, "id", "&s", &id) || *id == '\0')
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "a profile needs an \"id\" string");
      return NULL;
    }
  profile = broker_profile_new (id);
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!is_read_only_key (key) && !set_profile_key (profile, key, owned, error))
        return NULL;
    }
  if (!add_all_tunnels (profile, dict, error))
    return NULL;
  return g_steal_pointer (&profile);
}

static gboolean
set_rule_key (BrokerRule  *rule,
              const char  *key,
              GVariant    *value,
              GError     **error)
{
  static const struct { const char *key; gsize offset; } strings[] = {
    { "application", G_STRUCT_OFFSET (BrokerRule, application) },
    { "host", G_STRUCT_OFFSET (BrokerRule, host) },
    { "ports", G_STRUCT_OFFSET (BrokerRule, ports) },
    { "profile", G_STRUCT_OFFSET (BrokerRule, profile) },
  };
  static const struct { const char *key; gsize offset; } booleans[] = {
    { "hostname-from-app", G_STRUCT_OFFSET (BrokerRule, hostname_from_app) },
    { "fallback-to-plain", G_STRUCT_OFFSET (BrokerRule, fallback_to_plain) },
    { "ftp", G_STRUCT_OFFSET (BrokerRule, ftp) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (g_str_equal (key, strings[i].key))
      {
        char **field = G_STRUCT_MEMBER_P (rule, strings[i].offset);

        if (!check_type (key, value, "s", error))
          return FALSE;
        g_free (*field);
        *field = dup_nonempty (value);
        return TRUE;
      }
  if (g_str_equal (key, "action"))
    {
      if (!check_type (key, value, "s", error))
        return FALSE;
      if (!broker_rule_action_from_string (g_variant_get_string (value, NULL), &rule->action))
        {
          g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                       "action \"%s\": expected TUNNEL, DIRECT or BLOCK",
                       g_variant_get_string (value, NULL));
          return FALSE;
        }
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (booleans); i++)
    if (g_str_equal (key, booleans[i].key))
      {
        if (!check_type (key, value, "b", error))
          return FALSE;
        G_STRUCT_MEMBER (gboolean, rule, booleans[i].offset) = g_variant_get_boolean (value);
        return TRUE;
      }
  return unknown_key ("rule", key, error);
}

BrokerRule *
broker_rule_from_variant (GVariant  *dict,
                          GError   **error)
{
  g_autoptr(BrokerRule) rule = broker_rule_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (!g_variant_lookup (dict, "action", "&s", NULL))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "a rule needs an \"action\" string");
      return NULL;
    }
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!is_read_only_key (key) && !set_rule_key (rule, key, owned, error))
        return NULL;
    }
  return g_steal_pointer (&rule);
}
