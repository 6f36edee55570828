// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-config-document.h"

#include "broker-xml.h"

#include <string.h>

#define INDENT "  "

struct _BrokerConfigDocument
{
  xmlDoc *doc;
};

static const char empty_document[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<!-- Burrow connection broker: user configuration.  See burrowctl(1). -->\n"
  "<secsh-broker>\n"
  "</secsh-broker>\n";

/* An empty or missing file starts from a minimal document. */
BrokerConfigDocument *
broker_config_document_new (const char  *data,
                            gsize        length,
                            const char  *filename,
                            GError     **error)
{
  g_autoptr(BrokerConfigDocument) self = g_new0 (BrokerConfigDocument, 1);

  if (length == 0)
    {
      data = empty_document;
      length = strlen (empty_document);
    }
  self->doc = broker_xml_parse (data, length, filename, error);
  if (self->doc == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
broker_config_document_free (BrokerConfigDocument *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->doc, xmlFreeDoc);
  g_free (self);
}

static guint
node_depth (xmlNode *node)
{
  guint depth = 0;

  for (xmlNode *p = node; p != NULL && p->type == XML_ELEMENT_NODE; p = p->parent)
    depth++;
  return depth;
}

static char *
indent_string (guint depth)
{
  GString *text = g_string_new ("\n");

  for (guint i = 0; i < depth; i++)
    g_string_append (text, INDENT);
  return g_string_free (text, FALSE);
}

static gboolean
is_blank_text (xmlNode *node)
{
  return node != NULL && node->type == XML_TEXT_NODE && xmlIsBlankNode (node);
}

/* Appends @child on its own line, indented like its siblings, keeping the
 * parent's closing tag on its own line.  libxml2 merges adjacent text nodes,
 * so the blank before the closing tag is reused as the child's indentation
 * rather than inserting a second text node next to it. */
static xmlNode *
append_child (xmlNode *parent,
              xmlNode *child)
{
  guint depth = node_depth (parent);
  g_autofree char *inner = indent_string (depth);
  g_autofree char *outer = indent_string (depth - 1);

  if (is_blank_text (parent->last))
    xmlNodeSetContent (parent->last, (const xmlChar *) inner);
  else
    xmlAddChild (parent, xmlNewText ((const xmlChar *) inner));
  xmlAddChild (parent, child);
  xmlAddChild (parent, xmlNewText ((const xmlChar *) outer));
  return child;
}

/* Removes @node and the indentation in front of it. */
static void
remove_node (xmlNode *node)
{
  xmlNode *before = node->prev;

  if (is_blank_text (before))
    {
      xmlUnlinkNode (before);
      xmlFreeNode (before);
    }
  xmlUnlinkNode (node);
  xmlFreeNode (node);
}

static xmlNode *
find_child (xmlNode    *parent,
            const char *name)
{
  for (xmlNode *node = parent->children; node != NULL; node = node->next)
    if (broker_xml_is_element (node, name))
      return node;
  return NULL;
}

static xmlNode *
ensure_child (xmlNode    *parent,
              const char *name)
{
  xmlNode *child = find_child (parent, name);

  if (child != NULL)
    return child;
  return append_child (parent, xmlNewNode (NULL, (const xmlChar *) name));
}

static void
remove_children (xmlNode    *parent,
                 const char *name)
{
  xmlNode *node = parent->children;

  while (node != NULL)
    {
      xmlNode *next = node->next;

      if (broker_xml_is_element (node, name))
        remove_node (node);
      node = next;
    }
}

static void
set_attr (xmlNode    *node,
          const char *name,
          const char *value)
{
  if (value == NULL)
    xmlUnsetProp (node, (const xmlChar *) name);
  else
    xmlSetProp (node, (const xmlChar *) name, (const xmlChar *) value);
}

static void
set_uint_attr (xmlNode    *node,
               const char *name,
               guint       value)
{
  char text[16];

  g_snprintf (text, sizeof text, "%u", value);
  set_attr (node, name, text);
}

static void
set_bool_attr (xmlNode    *node,
               const char *name,
               gboolean    value)
{
  set_attr (node, name, value ? "YES" : "NO");
}

static xmlNode *
root_element (BrokerConfigDocument *self)
{
  return xmlDocGetRootElement (self->doc);
}

static xmlNode *
find_profile (BrokerConfigDocument *self,
              const char           *id)
{
  xmlNode *profiles = find_child (root_element (self), "profiles");

  if (profiles == NULL)
    return NULL;
  for (xmlNode *node = profiles->children; node != NULL; node = node->next)
    {
      g_autofree char *node_id = NULL;

      if (!broker_xml_is_element (node, "profile"))
        continue;
      node_id = broker_xml_get_attr (node, "id");
      if (g_strcmp0 (node_id, id) == 0)
        return node;
    }
  return NULL;
}

gboolean
broker_config_document_has_profile (BrokerConfigDocument *self,
                                    const char           *id)
{
  return find_profile (self, id) != NULL;
}

static void
write_tunnel (xmlNode                  *tunnels,
              const BrokerTunnelConfig *tunnel)
{
  xmlNode *node = xmlNewNode (NULL, (const xmlChar *) broker_tunnel_kind_element (tunnel->kind));

  if (tunnel->kind != BROKER_TUNNEL_KIND_DYNAMIC)
    set_attr (node, "type", broker_tunnel_type_to_string (tunnel->type));
  set_attr (node, "listen-address", tunnel->listen_address);
  set_uint_attr (node, "listen-port", tunnel->listen_port);
  if (tunnel->kind != BROKER_TUNNEL_KIND_DYNAMIC)
    {
      set_attr (node, "dst-host", tunnel->dst_host);
      set_uint_attr (node, "dst-port", tunnel->dst_port);
    }
  set_bool_attr (node, "allow-relay", tunnel->allow_relay);
  append_child (tunnels, node);
}

static void
write_tunnels (xmlNode             *profile_node,
               const BrokerProfile *profile)
{
  xmlNode *tunnels = find_child (profile_node, "tunnels");

  if (tunnels == NULL && profile->tunnels->len == 0)
    return;
  if (tunnels == NULL)
    tunnels = append_child (profile_node, xmlNewNode (NULL, (const xmlChar *) "tunnels"));
  for (BrokerTunnelKind kind = BROKER_TUNNEL_KIND_LOCAL; kind <= BROKER_TUNNEL_KIND_DYNAMIC; kind++)
    remove_children (tunnels, broker_tunnel_kind_element (kind));
  for (guint i = 0; i < profile->tunnels->len; i++)
    write_tunnel (tunnels, profile->tunnels->pdata[i]);
}

static void
write_auth_methods (xmlNode             *profile_node,
                    const BrokerProfile *profile)
{
  xmlNode *methods;

  remove_children (profile_node, "authentication-methods");
  methods = append_child (profile_node,
                          xmlNewNode (NULL, (const xmlChar *) "authentication-methods"));
  for (guint i = 0; profile->auth_methods[i] != NULL; i++)
    {
      xmlNode *method = xmlNewNode (NULL, (const xmlChar *) "auth-method");

      set_attr (method, "name", profile->auth_methods[i]);
      append_child (methods, method);
    }
}

static void
write_timer (xmlNode    *profile_node,
             const char *element,
             guint       seconds)
{
  xmlNode *node = find_child (profile_node, element);

  if (node == NULL)
    node = append_child (profile_node, xmlNewNode (NULL, (const xmlChar *) element));
  set_uint_attr (node, "time", seconds);
}

static void
write_profile_children (xmlNode             *node,
                        const BrokerProfile *profile)
{
  write_auth_methods (node, profile);
  remove_children (node, "identity-file");
  for (guint i = 0; profile->identity_files[i] != NULL; i++)
    {
      xmlNode *identity = xmlNewNode (NULL, (const xmlChar *) "identity-file");

      set_attr (identity, "path", profile->identity_files[i]);
      append_child (node, identity);
    }
  write_timer (node, "keepalive-interval", profile->keepalive_interval);
  write_timer (node, "idle-timeout", profile->idle_timeout);
  write_tunnels (node, profile);
}

void
broker_config_document_set_profile (BrokerConfigDocument *self,
                                    const BrokerProfile  *profile)
{
  xmlNode *node = find_profile (self, profile->id);

  if (node == NULL)
    {
      xmlNode *profiles = ensure_child (root_element (self), "profiles");

      node = append_child (profiles, xmlNewNode (NULL, (const xmlChar *) "profile"));
      set_attr (node, "id", profile->id);
    }
  set_attr (node, "name", profile->name);
  set_attr (node, "host", profile->host);
  set_uint_attr (node, "port", profile->port);
  set_attr (node, "user", profile->user);
  set_bool_attr (node, "connect-on-startup", profile->connect_on_startup);
  set_attr (node, "gateway-profile", profile->gateway_profile);
  write_profile_children (node, profile);
}

gboolean
broker_config_document_delete_profile (BrokerConfigDocument *self,
                                       const char           *id)
{
  xmlNode *node = find_profile (self, id);

  if (node == NULL)
    return FALSE;
  remove_node (node);
  return TRUE;
}

static void
write_rule (xmlNode          *engine,
            const BrokerRule *rule)
{
  xmlNode *node = xmlNewNode (NULL, (const xmlChar *) "rule");

  set_attr (node, "application", rule->application);
  set_attr (node, "host", rule->host);
  set_attr (node, "ports", rule->ports);
  set_attr (node, "action", broker_rule_action_to_string (rule->action));
  set_attr (node, "profile", rule->profile);
  set_bool_attr (node, "hostname-from-app", rule->hostname_from_app);
  set_bool_attr (node, "fallback-to-plain", rule->fallback_to_plain);
  /* Only when set: a file without it still loads in the product whose
   * format this is, which has no such attribute. */
  set_attr (node, "ftp", rule->ftp ? "YES" : NULL);
  append_child (engine, node);
}

void
broker_config_document_set_rules (BrokerConfigDocument *self,
                                  GPtrArray            *rules)
{
  xmlNode *engine = ensure_child (root_element (self), "filter-engine");

  remove_children (engine, "rule");
  for (guint i = 0; i < rules->len; i++)
    write_rule (engine, rules->pdata[i]);
}

void
broker_config_document_set_capture (BrokerConfigDocument *self,
                                    gboolean              enable_at_startup)
{
  xmlNode *capture = ensure_child (root_element (self), "connection-capture");

  set_bool_attr (capture, "enable-at-startup", enable_at_startup);
}

GBytes *
broker_config_document_to_bytes (BrokerConfigDocument *self)
{
  xmlChar *buffer = NULL;
  int length = 0;
  GBytes *bytes;

  /* No reformatting: the user's whitespace is part of what we keep. */
  xmlDocDumpMemoryEnc (self->doc, &buffer, &length, "UTF-8");
  bytes = g_bytes_new (buffer, length);
  xmlFree (buffer);
  return bytes;
}
