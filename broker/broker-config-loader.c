// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-config"

#include "broker-config-loader.h"

#include "broker-error.h"
#include "broker-name.h"
#include "broker-xml.h"

#include <gio/gio.h>
#include <string.h>

#define ROOT_ELEMENT "secsh-broker"
#define MAX_SECONDS (24 * 60 * 60)
#define MAX_GATEWAY_DEPTH 32

typedef struct
{
  const char *filename;
  BrokerConfigOrigin origin;
  BrokerHostKeyPolicy policy_floor; /* the global file's policy, if it set one */
  BrokerConfig *config;        /* the merged result being built */
  GHashTable *file_profiles;   /* id → BrokerProfile, this file's only */
  GError **error;
} Loader;

/* Values are quoted from the file: keep the message valid UTF-8 for D-Bus. */
static void
set_error (Loader     *loader,
           guint       line,
           const char *message)
{
  g_autofree char *valid = g_utf8_make_valid (message, -1);

  g_set_error (loader->error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
               "%s:%u: %s", loader->filename, line, valid);
}

G_GNUC_PRINTF (3, 4)
static gboolean
fail (Loader     *loader,
      xmlNode    *node,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  set_error (loader, broker_xml_line (node), message);
  return FALSE;
}

static gboolean
read_bool (Loader     *loader,
           xmlNode    *node,
           const char *attr,
           gboolean   *out)
{
  g_autofree char *value = broker_xml_get_attr (node, attr);

  if (value == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (value, "yes") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "no") == 0)
    *out = FALSE;
  else
    return fail (loader, node, "<%s %s=\"%s\">: expected YES or NO",
                 (const char *) node->name, attr, value);
  return TRUE;
}

static gboolean
read_uint (Loader     *loader,
           xmlNode    *node,
           const char *attr,
           guint       min,
           guint       max,
           guint      *out)
{
  g_autofree char *value = broker_xml_get_attr (node, attr);
  guint64 number = 0;

  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL))
    return fail (loader, node, "<%s %s=\"%s\">: expected a whole number from %u to %u",
                 (const char *) node->name, attr, value, min, max);
  *out = (guint) number;
  return TRUE;
}

static gboolean
read_port (Loader     *loader,
           xmlNode    *node,
           const char *attr,
           gboolean    required,
           guint16    *out)
{
  g_autofree char *value = broker_xml_get_attr (node, attr);
  guint port = 0;

  if (value == NULL)
    {
      if (required)
        return fail (loader, node, "<%s> needs a %s", (const char *) node->name, attr);
      return TRUE;
    }
  if (!read_uint (loader, node, attr, 1, 65535, &port))
    return FALSE;
  *out = (guint16) port;
  return TRUE;
}

static gboolean
is_clean_name (const char *value)
{
  return broker_name_problem (value) == NULL;
}

static gboolean
read_name (Loader     *loader,
           xmlNode    *node,
           const char *attr,
           gboolean    required,
           char      **out)
{
  g_autofree char *value = broker_xml_get_attr (node, attr);

  if (value == NULL || (*value == '\0' && !required))
    {
      if (required)
        return fail (loader, node, "<%s> needs %s %s", (const char *) node->name,
                     strchr ("aeiou", attr[0]) != NULL ? "an" : "a", attr);
      return TRUE;
    }
  if (!is_clean_name (value))
    return fail (loader, node, "<%s %s=\"%s\">: not a valid %s (no blanks or control "
                 "characters, not starting with '-', at most 255 bytes)",
                 (const char *) node->name, attr, value, attr);
  g_free (*out);
  *out = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_listen_address (Loader              *loader,
                     xmlNode             *node,
                     BrokerTunnelConfig  *tunnel)
{
  g_autofree char *value = broker_xml_get_attr (node, "listen-address");
  g_autoptr(GInetAddress) address = NULL;

  if (value == NULL || *value == '\0')
    {
      tunnel->listen_address = g_strdup (broker_tunnel_default_listen_address (tunnel->allow_relay));
      return TRUE;
    }
  if (g_strcmp0 (value, "localhost") == 0)
    {
      /* One spelling per address, so clashing listeners are recognised. */
      g_free (value);
      value = g_strdup ("127.0.0.1");
    }
  address = g_inet_address_new_from_string (value);
  if (address == NULL)
    return fail (loader, node, "<%s listen-address=\"%s\">: expected an IP address",
                 (const char *) node->name, value);
  /* A listener on a public address with allow-relay="NO" would contradict
   * itself; refuse rather than guess which one the user meant. */
  if (!tunnel->allow_relay && !g_inet_address_get_is_loopback (address))
    return fail (loader, node, "<%s listen-address=\"%s\">: other hosts could connect; "
                 "set allow-relay=\"YES\" or listen on a loopback address",
                 (const char *) node->name, value);
  tunnel->listen_address = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
read_tunnel_type (Loader             *loader,
                  xmlNode            *node,
                  BrokerTunnelConfig *tunnel)
{
  g_autofree char *type = broker_xml_get_attr (node, "type");

  if (type == NULL)
    return TRUE;
  if (tunnel->kind == BROKER_TUNNEL_KIND_DYNAMIC)
    return fail (loader, node, "<dynamic-tunnel> has no type (it is a SOCKS proxy)");
  if (!broker_tunnel_type_from_string (type, &tunnel->type))
    return fail (loader, node, "<%s type=\"%s\">: expected TCP or FTP",
                 (const char *) node->name, type);
  return TRUE;
}

static gboolean
read_tunnel_destination (Loader             *loader,
                         xmlNode            *node,
                         BrokerTunnelConfig *tunnel)
{
  g_autofree char *dst_host = broker_xml_get_attr (node, "dst-host");
  g_autofree char *dst_port = broker_xml_get_attr (node, "dst-port");

  if (tunnel->kind == BROKER_TUNNEL_KIND_DYNAMIC)
    {
      if (dst_host != NULL || dst_port != NULL)
        return fail (loader, node, "<dynamic-tunnel> has no destination: the application "
                     "names it through SOCKS");
      return TRUE;
    }
  return read_name (loader, node, "dst-host", TRUE, &tunnel->dst_host) &&
         read_port (loader, node, "dst-port", TRUE, &tunnel->dst_port);
}

static gboolean
is_any_address (const char *address)
{
  return g_strcmp0 (address, "0.0.0.0") == 0 || g_strcmp0 (address, "::") == 0;
}

/* Two listeners clash on the same port when they name the same address or
 * either listens on every address (the second bind would fail). */
static gboolean
listeners_clash (const BrokerTunnelConfig *a,
                 const BrokerTunnelConfig *b)
{
  gboolean same_side = (a->kind == BROKER_TUNNEL_KIND_REMOTE) ==
                       (b->kind == BROKER_TUNNEL_KIND_REMOTE);

  if (!same_side || a->listen_port != b->listen_port)
    return FALSE;
  return g_strcmp0 (a->listen_address, b->listen_address) == 0 ||
         is_any_address (a->listen_address) || is_any_address (b->listen_address);
}

static gboolean
check_tunnel_unique (Loader              *loader,
                     xmlNode             *node,
                     BrokerProfile       *profile,
                     BrokerTunnelConfig  *tunnel)
{
  for (guint i = 0; i < profile->tunnels->len; i++)
    {
      BrokerTunnelConfig *other = profile->tunnels->pdata[i];

      if (listeners_clash (other, tunnel))
        return fail (loader, node, "<%s>: %s port %u is already used by the tunnel on line %u",
                     (const char *) node->name, tunnel->listen_address,
                     tunnel->listen_port, other->line);
    }
  return TRUE;
}

static gboolean
load_tunnel (Loader           *loader,
             xmlNode          *node,
             BrokerTunnelKind  kind,
             BrokerProfile    *profile)
{
  g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_config_new (kind);

  tunnel->line = broker_xml_line (node);
  if (!read_tunnel_type (loader, node, tunnel) ||
      !read_bool (loader, node, "allow-relay", &tunnel->allow_relay) ||
      !read_listen_address (loader, node, tunnel) ||
      !read_port (loader, node, "listen-port", TRUE, &tunnel->listen_port) ||
      !read_tunnel_destination (loader, node, tunnel) ||
      !check_tunnel_unique (loader, node, profile, tunnel))
    return FALSE;
  g_ptr_array_add (profile->tunnels, g_steal_pointer (&tunnel));
  return TRUE;
}

/* Elements that may appear once in their parent.  The loader could merge
 * repeats, but an edit through D-Bus changes only the first one, and a
 * second block left in force would silently undo the edit. */
static gboolean
check_no_repeats (Loader             *loader,
                  xmlNode            *parent,
                  const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      xmlNode *first = NULL;

      for (xmlNode *node = parent->children; node != NULL; node = node->next)
        {
          if (!broker_xml_is_element (node, names[i]))
            continue;
          if (first != NULL)
            return fail (loader, node, "<%s> appears twice in <%s> (first on line %u)", names[i],
                         (const char *) parent->name, broker_xml_line (first));
          first = node;
        }
    }
  return TRUE;
}

static gboolean
load_tunnels (Loader        *loader,
              xmlNode       *tunnels,
              BrokerProfile *profile)
{
  for (xmlNode *node = tunnels->children; node != NULL; node = node->next)
    {
      BrokerTunnelKind kind;

      if (node->type != XML_ELEMENT_NODE ||
          !broker_tunnel_kind_from_element ((const char *) node->name, &kind) ||
          !g_str_has_suffix ((const char *) node->name, "-tunnel"))
        continue;
      if (!load_tunnel (loader, node, kind, profile))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_auth_methods (Loader        *loader,
                   xmlNode       *methods,
                   BrokerProfile *profile)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  for (xmlNode *node = methods->children; node != NULL; node = node->next)
    {
      g_autofree char *name = NULL;

      if (!broker_xml_is_element (node, "auth-method"))
        continue;
      name = broker_xml_get_attr (node, "name");
      if (name == NULL)
        return fail (loader, node, "<auth-method> needs a name");
      if (!broker_profile_is_known_auth_method (name))
        return fail (loader, node, "<auth-method name=\"%s\">: unknown method (expected "
                     "publickey, keyboard-interactive, password, gssapi-with-mic or hostbased)",
                     name);
      if (g_ptr_array_find_with_equal_func (seen, name, g_str_equal, NULL))
        return fail (loader, node, "<auth-method name=\"%s\"> is listed twice", name);
      g_strv_builder_add (builder, name);
      g_ptr_array_add (seen, g_steal_pointer (&name));
    }
  if (seen->len == 0)
    return fail (loader, methods, "<authentication-methods> lists no <auth-method>");
  g_strfreev (profile->auth_methods);
  profile->auth_methods = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
load_identity_file (Loader        *loader,
                    xmlNode       *node,
                    GStrvBuilder  *identities)
{
  g_autofree char *path = broker_xml_get_attr (node, "path");

  if (path == NULL || *path == '\0')
    return fail (loader, node, "<identity-file> needs a path");
  g_strv_builder_add (identities, path);
  return TRUE;
}

static gboolean
load_profile_child (Loader        *loader,
                    xmlNode       *node,
                    BrokerProfile *profile,
                    GStrvBuilder  *identities)
{
  if (broker_xml_is_element (node, "authentication-methods"))
    return load_auth_methods (loader, node, profile);
  if (broker_xml_is_element (node, "identity-file"))
    return load_identity_file (loader, node, identities);
  if (broker_xml_is_element (node, "keepalive-interval"))
    return read_uint (loader, node, "time", 0, MAX_SECONDS, &profile->keepalive_interval);
  if (broker_xml_is_element (node, "idle-timeout"))
    return read_uint (loader, node, "time", 0, MAX_SECONDS, &profile->idle_timeout);
  if (broker_xml_is_element (node, "tunnels"))
    return load_tunnels (loader, node, profile);
  return TRUE; /* unknown elements are kept in the file and ignored here */
}

static gboolean
load_profile_attributes (Loader        *loader,
                         xmlNode       *node,
                         BrokerProfile *profile)
{
  g_autofree char *name = broker_xml_get_attr (node, "name");

  profile->name = g_steal_pointer (&name);
  if (!read_name (loader, node, "host", FALSE, &profile->host) ||
      !read_port (loader, node, "port", FALSE, &profile->port) ||
      !read_name (loader, node, "user", FALSE, &profile->user) ||
      !read_bool (loader, node, "connect-on-startup", &profile->connect_on_startup) ||
      !read_name (loader, node, "gateway-profile", FALSE, &profile->gateway_profile))
    return FALSE;

  /* As in the seeds: "By default, the profile name is assumed to be the host
   * name of the destination server". */
  if (profile->host == NULL && profile->name != NULL && is_clean_name (profile->name))
    profile->host = g_strdup (profile->name);
  if (profile->host == NULL)
    return fail (loader, node, "profile \"%s\" has no host", profile->id);
  return TRUE;
}

static gboolean
load_profile (Loader  *loader,
              xmlNode *node)
{
  g_autofree char *id = NULL;
  g_autoptr(BrokerProfile) profile = NULL;
  g_autoptr(GStrvBuilder) identities = g_strv_builder_new ();
  BrokerProfile *twin;

  if (!read_name (loader, node, "id", TRUE, &id))
    return FALSE;
  twin = g_hash_table_lookup (loader->file_profiles, id);
  if (twin != NULL)
    return fail (loader, node, "profile id \"%s\" is already used on line %u", id, twin->line);

  profile = broker_profile_new (id);
  profile->origin = loader->origin;
  profile->file = g_strdup (loader->filename);
  profile->line = broker_xml_line (node);
  if (!load_profile_attributes (loader, node, profile) ||
      !check_no_repeats (loader, node, (const char *[]) { "authentication-methods", "tunnels",
                                                          "keepalive-interval", "idle-timeout",
                                                          NULL }))
    return FALSE;
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE &&
        !load_profile_child (loader, child, profile, identities))
      return FALSE;
  g_strfreev (profile->identity_files);
  profile->identity_files = g_strv_builder_end (identities);

  g_hash_table_insert (loader->file_profiles, g_strdup (id), broker_profile_ref (profile));
  broker_config_put_profile (loader->config, profile);
  return TRUE;
}

static gboolean
load_profiles (Loader  *loader,
               xmlNode *profiles)
{
  for (xmlNode *node = profiles->children; node != NULL; node = node->next)
    if (broker_xml_is_element (node, "profile") && !load_profile (loader, node))
      return FALSE;
  return TRUE;
}

static gboolean
check_rule_action (Loader     *loader,
                   xmlNode    *node,
                   BrokerRule *rule)
{
  g_autofree char *action = broker_xml_get_attr (node, "action");

  if (action == NULL)
    return fail (loader, node, "<rule> needs an action (TUNNEL, DIRECT or BLOCK)");
  if (!broker_rule_action_from_string (action, &rule->action))
    return fail (loader, node, "<rule action=\"%s\">: unknown action (expected TUNNEL, "
                 "DIRECT or BLOCK)", action);
  if (rule->action == BROKER_RULE_ACTION_TUNNEL && rule->profile == NULL &&
      !rule->hostname_from_app)
    return fail (loader, node, "a TUNNEL rule needs a profile or hostname-from-app=\"YES\"");
  /* Refused rather than ignored: the broker never relays a DIRECT or BLOCK
   * connection's bytes, so nothing could rewrite its data channels. */
  if (rule->ftp && rule->action != BROKER_RULE_ACTION_TUNNEL)
    return fail (loader, node, "ftp=\"YES\" on a %s rule: only a TUNNEL rule's connections "
                 "are relayed, so only they can be carried as FTP",
                 broker_rule_action_to_string (rule->action));
  return TRUE;
}

static gboolean
load_rule (Loader  *loader,
           xmlNode *node)
{
  g_autoptr(BrokerRule) rule = broker_rule_new ();
  g_autoptr(GError) local_error = NULL;

  rule->origin = loader->origin;
  rule->file = g_strdup (loader->filename);
  rule->line = broker_xml_line (node);
  rule->application = broker_xml_get_attr (node, "application");
  rule->host = broker_xml_get_attr (node, "host");
  rule->ports = broker_xml_get_attr (node, "ports");
  if (!read_name (loader, node, "profile", FALSE, &rule->profile) ||
      !read_bool (loader, node, "hostname-from-app", &rule->hostname_from_app) ||
      !read_bool (loader, node, "fallback-to-plain", &rule->fallback_to_plain) ||
      !read_bool (loader, node, "ftp", &rule->ftp) ||
      !check_rule_action (loader, node, rule))
    return FALSE;
  if (!broker_rule_compile (rule, &local_error))
    return fail (loader, node, "<rule>: %s", local_error->message);
  g_ptr_array_add (loader->config->rules, g_steal_pointer (&rule));
  return TRUE;
}

static gboolean
load_filter_engine (Loader  *loader,
                    xmlNode *engine)
{
  for (xmlNode *node = engine->children; node != NULL; node = node->next)
    if (broker_xml_is_element (node, "rule") && !load_rule (loader, node))
      return FALSE;
  return TRUE;
}

static gboolean
load_host_key_policy (Loader  *loader,
                      xmlNode *node)
{
  g_autofree char *value = broker_xml_get_attr (node, "policy");
  BrokerHostKeyPolicy policy;

  if (!broker_host_key_policy_from_string (value, &policy))
    return fail (loader, node, "<host-key-policy policy=\"%s\">: expected strict, ask or "
                 "accept-unknown", value != NULL ? value : "");
  /* Merging: the more secure of the global and the user's value wins. */
  loader->config->host_key_policy = MAX (loader->policy_floor, policy);
  loader->config->host_key_policy_explicit = TRUE;
  return TRUE;
}

static gboolean
load_known_hosts (Loader  *loader,
                  xmlNode *node)
{
  g_autofree char *path = broker_xml_get_attr (node, "path");

  if (path == NULL || *path == '\0')
    return fail (loader, node, "<known-hosts> needs a path");
  g_ptr_array_add (loader->config->known_hosts, g_steal_pointer (&path));
  return TRUE;
}

static gboolean
load_general (Loader  *loader,
              xmlNode *general)
{
  if (!check_no_repeats (loader, general, (const char *[]) { "host-key-policy", NULL }))
    return FALSE;
  for (xmlNode *node = general->children; node != NULL; node = node->next)
    {
      if (broker_xml_is_element (node, "host-key-policy") && !load_host_key_policy (loader, node))
        return FALSE;
      if (broker_xml_is_element (node, "known-hosts") && !load_known_hosts (loader, node))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_capture (Loader  *loader,
              xmlNode *node)
{
  return read_bool (loader, node, "enable-at-startup", &loader->config->capture_enable_at_startup);
}

static gboolean
load_root_child (Loader  *loader,
                 xmlNode *node)
{
  if (broker_xml_is_element (node, "general"))
    return load_general (loader, node);
  if (broker_xml_is_element (node, "profiles"))
    return load_profiles (loader, node);
  if (broker_xml_is_element (node, "filter-engine"))
    return load_filter_engine (loader, node);
  if (broker_xml_is_element (node, "connection-capture"))
    return load_capture (loader, node);
  return TRUE;
}

/* Looks up the node of this file's profile @id for an error position. */
static guint
profile_line (Loader     *loader,
              const char *id)
{
  BrokerProfile *profile = g_hash_table_lookup (loader->file_profiles, id);

  return profile != NULL ? profile->line : 1;
}

G_GNUC_PRINTF (3, 4)
static gboolean
fail_at_line (Loader     *loader,
              guint       line,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  set_error (loader, line, message);
  return FALSE;
}

static gboolean
check_gateway_chain (Loader        *loader,
                     BrokerProfile *start)
{
  g_autoptr(GString) chain = g_string_new (start->id);
  BrokerProfile *hop = start;

  for (guint depth = 0; hop->gateway_profile != NULL; depth++)
    {
      BrokerProfile *next = broker_config_find_profile (loader->config, hop->gateway_profile);

      if (next == NULL)
        return fail_at_line (loader, profile_line (loader, hop->id),
                             "profile \"%s\": gateway-profile \"%s\" does not exist",
                             hop->id, hop->gateway_profile);
      g_string_append_printf (chain, " → %s", next->id);
      if (next == start || depth >= MAX_GATEWAY_DEPTH)
        return fail_at_line (loader, start->line, "profile \"%s\": its gateways form a loop (%s)",
                             start->id, chain->str);
      hop = next;
    }
  return TRUE;
}

static gboolean
check_references (Loader *loader)
{
  GPtrArray *profiles = loader->config->profiles;
  GPtrArray *rules = loader->config->rules;

  for (guint i = 0; i < profiles->len; i++)
    {
      BrokerProfile *profile = profiles->pdata[i];

      if (profile->origin == loader->origin && !check_gateway_chain (loader, profile))
        return FALSE;
    }
  for (guint i = 0; i < rules->len; i++)
    {
      BrokerRule *rule = rules->pdata[i];

      if (rule->origin == loader->origin && rule->profile != NULL &&
          broker_config_find_profile (loader->config, rule->profile) == NULL)
        return fail_at_line (loader, rule->line, "<rule profile=\"%s\">: no such profile",
                             rule->profile);
    }
  return TRUE;
}

static gboolean
load_document (Loader *loader,
               xmlDoc *doc)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  if (root == NULL || !broker_xml_is_element (root, ROOT_ELEMENT))
    return fail_at_line (loader, root != NULL ? broker_xml_line (root) : 1,
                         "the root element must be <" ROOT_ELEMENT ">, not <%s>",
                         root != NULL ? (const char *) root->name : "");
  if (!check_no_repeats (loader, root, (const char *[]) { "general", "profiles", "filter-engine",
                                                          "connection-capture", NULL }))
    return FALSE;
  for (xmlNode *node = root->children; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE && !load_root_child (loader, node))
      return FALSE;
  return check_references (loader);
}

BrokerConfig *
broker_config_loader_load (const char          *data,
                           gsize                length,
                           const char          *filename,
                           BrokerConfigOrigin   origin,
                           const BrokerConfig  *base,
                           GError             **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  g_autoptr(GHashTable) file_profiles = NULL;
  Loader loader = { filename, origin, BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, NULL, NULL, error };

  /* A missing or empty file is an empty configuration, not an error. */
  if (length == 0)
    return base != NULL ? broker_config_copy (base) : broker_config_new ();

  doc = broker_xml_parse (data, length, filename, error);
  if (doc == NULL)
    return NULL;

  config = base != NULL ? broker_config_copy (base) : broker_config_new ();
  file_profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) broker_profile_unref);
  loader.config = config;
  if (base != NULL && base->host_key_policy_explicit)
    loader.policy_floor = base->host_key_policy;
  loader.file_profiles = file_profiles;
  if (!load_document (&loader, doc))
    return NULL;
  return g_steal_pointer (&config);
}
