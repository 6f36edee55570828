// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-service"

#include "config.h"

#include "broker-service.h"

#include "broker-caller-guard.h"
#include "broker-config-variant.h"
#include "broker-error.h"
#include "broker-capture-server.h"
#include "broker-capture-snapshot.h"
#include "broker-session-capture.h"
#include "broker-filter.h"
#include "broker-name.h"
#include "broker-sandbox.h"
#include "broker-session.h"

#define INTERFACE_VERSION 1

/* io.github.burrow.Burrow.Broker1 over a BrokerManager.  Handlers return at
 * once; anything touching files completes from the manager's callback. */
struct _BrokerService
{
  BurrowDBusBroker1Skeleton parent_instance;

  BrokerManager *manager;
  GDBusObjectManagerServer *objects;
  GHashTable *sessions;        /* id → BrokerSession: one per profile, "capture:…" per host,
                                * "sandbox:APP:…" per sandboxed application */
  GHashTable *tunnels;         /* BrokerTunnel → TunnelEntry */
  guint next_tunnel;
  BrokerAgents *agents;        /* created once the service is on a connection */
  guint next_session;
  BrokerCaptureServer *capture;
  BrokerConfig *no_rules;      /* what captured programs follow while capture is off */
  char *session_file_problem;  /* why the environment.d file is not as configured, or NULL */
  char *capture_library;       /* libburrow-capture.so's path, found once, or NULL */
  GCancellable *manager_update; /* the user manager's LD_PRELOAD update under way */
  GHashTable *connections;     /* BrokerCaptureConnection → its object skeleton */
  guint next_connection;
  guint tick_id;
  guint reap_id;               /* an idle that drops unused sessions */
};

static void broker_service_iface_init (BurrowDBusBroker1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BrokerService, broker_service, BURROW_DBUS_TYPE_BROKER1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BURROW_DBUS_TYPE_BROKER1,
                                                      broker_service_iface_init))

static BrokerConfig *
current_config (BrokerService *self)
{
  return broker_manager_get_config (self->manager);
}

static void
edit_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!broker_manager_edit_finish (BROKER_MANAGER (source), result, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
start_edit (BrokerService         *self,
            BrokerConfigEdit      *edit,
            GDBusMethodInvocation *invocation)
{
  broker_manager_edit_async (self->manager, edit, NULL, edit_done, g_object_ref (invocation));
}

static GVariant *
build_status (BrokerService *self)
{
  BrokerConfig *config = current_config (self);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  const char *files[] = {
    broker_manager_get_global_path (self->manager),
    broker_manager_get_user_path (self->manager),
    NULL
  };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) known_hosts = NULL;

  /* Not g_ptr_array_copy(): the copy would inherit the free function. */
  for (guint i = 0; i < config->known_hosts->len; i++)
    g_strv_builder_add (builder, config->known_hosts->pdata[i]);
  known_hosts = g_strv_builder_end (builder);
  g_variant_dict_insert (&dict, "version", "u", INTERFACE_VERSION);
  g_variant_dict_insert (&dict, "daemon-version", "s", PACKAGE_VERSION);
  g_variant_dict_insert (&dict, "config-files", "^as", files);
  g_variant_dict_insert (&dict, "config-errors", "^as", broker_manager_get_errors (self->manager));
  g_variant_dict_insert (&dict, "config-serial", "u", broker_manager_get_serial (self->manager));
  g_variant_dict_insert (&dict, "profiles", "u", config->profiles->len);
  g_variant_dict_insert (&dict, "rules", "u", config->rules->len);
  g_variant_dict_insert (&dict, "host-key-policy", "s",
                         broker_host_key_policy_to_string (config->host_key_policy));
  g_variant_dict_insert (&dict, "known-hosts", "^as", known_hosts);
  g_variant_dict_insert (&dict, "capture-enable-at-startup", "b",
                         config->capture_enable_at_startup);
  g_variant_dict_insert (&dict, "sessions", "u", g_hash_table_size (self->sessions));
  g_variant_dict_insert (&dict, "tunnels", "u", 0);
  return g_variant_dict_end (&dict);
}

static gboolean
handle_get_status (BurrowDBusBroker1     *iface,
                   GDBusMethodInvocation *invocation)
{
  burrow_dbus_broker1_complete_get_status (iface, invocation,
                                           build_status (BROKER_SERVICE (iface)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
reload_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!broker_manager_reload_finish (BROKER_MANAGER (source), result, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static gboolean
handle_reload (BurrowDBusBroker1     *iface,
               GDBusMethodInvocation *invocation)
{
  BrokerService *self = BROKER_SERVICE (iface);

  broker_manager_reload_async (self->manager, NULL, reload_done, g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_profiles (BurrowDBusBroker1     *iface,
                      GDBusMethodInvocation *invocation)
{
  BrokerConfig *config = current_config (BROKER_SERVICE (iface));
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  for (guint i = 0; i < config->profiles->len; i++)
    g_variant_builder_add_value (&builder, broker_profile_to_variant (config->profiles->pdata[i]));
  burrow_dbus_broker1_complete_list_profiles (iface, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_profile (BurrowDBusBroker1     *iface,
                    GDBusMethodInvocation *invocation,
                    const char            *id)
{
  BrokerProfile *profile = broker_config_find_profile (current_config (BROKER_SERVICE (iface)), id);

  if (profile == NULL)
    g_dbus_method_invocation_return_error (invocation, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                                           "there is no profile \"%s\"", id);
  else
    burrow_dbus_broker1_complete_get_profile (iface, invocation,
                                              broker_profile_to_variant (profile));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_save_profile (BurrowDBusBroker1     *iface,
                     GDBusMethodInvocation *invocation,
                     GVariant              *dict)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerProfile) profile = broker_profile_from_variant (dict, &error);

  if (profile == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    start_edit (BROKER_SERVICE (iface), broker_config_edit_new_save_profile (profile), invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_delete_profile (BurrowDBusBroker1     *iface,
                       GDBusMethodInvocation *invocation,
                       const char            *id)
{
  start_edit (BROKER_SERVICE (iface), broker_config_edit_new_delete_profile (id), invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_rules (BurrowDBusBroker1     *iface,
                   GDBusMethodInvocation *invocation)
{
  BrokerConfig *config = current_config (BROKER_SERVICE (iface));
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  for (guint i = 0; i < config->rules->len; i++)
    g_variant_builder_add_value (&builder, broker_rule_to_variant (config->rules->pdata[i]));
  burrow_dbus_broker1_complete_list_rules (iface, invocation, g_variant_builder_end (&builder));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_rules (BurrowDBusBroker1     *iface,
                  GDBusMethodInvocation *invocation,
                  GVariant              *list)
{
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_rule_unref);
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, list);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) dict = child;
      g_autoptr(GError) error = NULL;
      BrokerRule *rule = broker_rule_from_variant (dict, &error);

      if (rule == NULL)
        {
          g_dbus_method_invocation_return_error (invocation, BROKER_ERROR,
                                                 BROKER_ERROR_INVALID_ARGS, "rule %u: %s",
                                                 rules->len + 1, error->message);
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      g_ptr_array_add (rules, rule);
    }
  start_edit (BROKER_SERVICE (iface), broker_config_edit_new_set_rules (rules), invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_test_rule (BurrowDBusBroker1     *iface,
                  GDBusMethodInvocation *invocation,
                  GVariant              *query_dict)
{
  BrokerConfig *config = current_config (BROKER_SERVICE (iface));
  BrokerFilterQuery query = { NULL, NULL, 0 };
  g_autoptr(GString) explanation = g_string_new (NULL);
  GVariant *rule;
  int index;

  g_variant_lookup (query_dict, "application", "&s", &query.application);
  g_variant_lookup (query_dict, "host", "&s", &query.host);
  g_variant_lookup (query_dict, "port", "q", &query.port);
  g_variant_lookup (query_dict, "address", "&s", &query.address);
  index = broker_filter_evaluate (config, &query, explanation);
  if (index >= 0)
    rule = broker_rule_to_variant (config->rules->pdata[index]);
  else
    rule = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
  burrow_dbus_broker1_complete_test_rule (iface, invocation, index, rule, explanation->str);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void update_capture_files (BrokerService *self);

static gboolean
handle_get_capture_settings (BurrowDBusBroker1     *iface,
                             GDBusMethodInvocation *invocation)
{
  BrokerService *self = BROKER_SERVICE (iface);
  BrokerConfig *config = current_config (self);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *session_file = broker_session_capture_file_path ();
  g_variant_dict_insert (&dict, "enable-at-startup", "b", config->capture_enable_at_startup);
  g_variant_dict_insert (&dict, "session-file", "s", session_file);
  g_variant_dict_insert (&dict, "session-file-problem", "s",
                         self->session_file_problem != NULL ? self->session_file_problem : "");
  burrow_dbus_broker1_complete_get_capture_settings (iface, invocation, g_variant_dict_end (&dict));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_capture_settings (BurrowDBusBroker1     *iface,
                             GDBusMethodInvocation *invocation,
                             GVariant              *dict)
{
  BrokerService *self = BROKER_SERVICE (iface);
  gboolean enable = current_config (self)->capture_enable_at_startup;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned = value;

      if (!g_str_equal (key, "enable-at-startup") ||
          !g_variant_is_of_type (owned, G_VARIANT_TYPE_BOOLEAN))
        {
          g_dbus_method_invocation_return_error (invocation, BROKER_ERROR,
                                                 BROKER_ERROR_INVALID_ARGS,
                                                 "unknown capture setting \"%s\" of type %s", key,
                                                 g_variant_get_type_string (owned));
          return G_DBUS_METHOD_INVOCATION_HANDLED;
        }
      enable = g_variant_get_boolean (owned);
    }
  start_edit (self, broker_config_edit_new_set_capture (enable), invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_capture_active (BurrowDBusBroker1     *iface,
                           GDBusMethodInvocation *invocation,
                           gboolean               active)
{
  BrokerService *self = BROKER_SERVICE (iface);

  if (active != burrow_dbus_broker1_get_capture_active (iface))
    {
      g_message ("capture %s", active ? "active: the filter rules apply again"
                                      : "off: captured programs connect directly until it is "
                                        "on again");
      burrow_dbus_broker1_set_capture_active (iface, active);
      update_capture_files (self);
    }
  burrow_dbus_broker1_complete_set_capture_active (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static BrokerSession *ensure_session_for (BrokerService *self,
                                           BrokerProfile *profile,
                                           const char    *sandbox);

/* A gateway-profile is reached first; the loader refuses loops, so this
 * ends.  A sandbox's session goes through the sandbox's own session of the
 * gateway: no SSH connection of an unsandboxed program carries it. */
static void
update_gateway (BrokerService *self,
                BrokerSession *session,
                BrokerProfile *profile,
                const char    *sandbox)
{
  BrokerProfile *gateway = NULL;

  if (profile->gateway_profile != NULL)
    gateway = broker_config_find_profile (current_config (self), profile->gateway_profile);
  broker_session_set_gateway (session, gateway != NULL ? ensure_session_for (self, gateway, sandbox)
                                                       : NULL);
}

/* A sandbox's session connects @profile under an id of its own
 * (broker-sandbox.h), so that it is listed, asked for and remembered in
 * the keyring apart from the profile's: it authenticates on its own. */
static BrokerSession *
new_session (BrokerService *self,
             BrokerProfile *profile,
             const char    *id)
{
  g_autoptr(BrokerProfile) own = NULL;

  if (!g_str_equal (id, profile->id))
    own = broker_profile_new_for_host (profile, id, profile->host);
  return broker_session_new (own != NULL ? own : profile, current_config (self));
}

static void on_session_state (BrokerSession *session,
                              GParamSpec    *pspec,
                              BrokerService *self);

/* The session of @profile, for unsandboxed programs (@sandbox NULL) or
 * for one sandbox. */
static BrokerSession *
ensure_session_for (BrokerService *self,
                    BrokerProfile *profile,
                    const char    *sandbox)
{
  g_autofree char *id = broker_sandbox_session_id (sandbox, profile->id);
  BrokerSession *session = g_hash_table_lookup (self->sessions, id);
  g_autoptr(BurrowDBusObjectSkeleton) object = NULL;
  g_autofree char *path = NULL;

  if (session != NULL)
    {
      update_gateway (self, session, profile, sandbox);
      return session;
    }
  session = new_session (self, profile, id);
  broker_session_set_agents (session, broker_service_get_agents (self));
  path = g_strdup_printf (BROKER_OBJECT_MANAGER_PATH "/Session/%u", ++self->next_session);
  object = burrow_dbus_object_skeleton_new (path);
  burrow_dbus_object_skeleton_set_session1 (object, BURROW_DBUS_SESSION1 (session));
  broker_caller_guard_object (G_DBUS_OBJECT_SKELETON (object));
  if (self->objects != NULL)
    g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
  g_signal_connect_object (session, "notify::state", G_CALLBACK (on_session_state), self, 0);
  g_hash_table_insert (self->sessions, g_steal_pointer (&id), session);
  update_gateway (self, session, profile, sandbox);
  return session;
}

/* Sessions made on demand (hostname-from-app hosts, sandboxes, ad hoc
 * forwards) and those of deleted profiles are dropped once they have been
 * unused for their idle timeout again (at least a second: a captured
 * connect holds its session for a moment before it opens a channel), so
 * that a long-running broker does not pile them up.  A configured
 * profile's own session stays, listed. */
typedef enum { KEEP, NOT_YET, DROP } Disposal;

/* The sessions another session or a tunnel goes through. */
static GHashTable *
sessions_in_use (BrokerService *self)
{
  GHashTable *used = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (broker_session_get_gateway (value) != NULL)
      g_hash_table_add (used, broker_session_get_gateway (value));
  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, &value, NULL))
    g_hash_table_add (used, broker_tunnel_get_session (value));
  return used;
}

static Disposal
session_disposal (BrokerService *self,
                  GHashTable    *in_use,
                  const char    *id,
                  BrokerSession *session)
{
  gint64 unused_for = broker_session_unused_for (session);
  guint grace = MAX (broker_session_get_profile (session)->idle_timeout, 1);

  if (broker_config_find_profile (current_config (self), id) != NULL || unused_for < 0 ||
      g_hash_table_contains (in_use, session))
    return KEEP;
  return unused_for >= (gint64) grace * G_USEC_PER_SEC ? DROP : NOT_YET;
}

static void
drop_session (BrokerService *self,
              const char    *id,
              BrokerSession *session)
{
  const char *path = g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (session));

  g_debug ("session %s unused: dropped", id);
  g_signal_handlers_disconnect_by_data (session, self);
  if (self->objects != NULL && path != NULL)
    g_dbus_object_manager_server_unexport (self->objects, path);
  g_hash_table_remove (self->sessions, id);
}

/* One pass: drops every session unused past its grace; returns how many,
 * and in *@waiting whether some other is still within it. */
static guint
reap_pass (BrokerService *self,
           gboolean      *waiting)
{
  g_autoptr(GHashTable) in_use = sessions_in_use (self);
  g_autoptr(GPtrArray) unused = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer id, session;

  *waiting = FALSE;
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &id, &session))
    switch (session_disposal (self, in_use, id, session))
      {
      case DROP:
        g_ptr_array_add (unused, g_strdup (id));
        break;
      case NOT_YET:
        *waiting = TRUE;
        break;
      case KEEP:
        break;
      }
  for (guint i = 0; i < unused->len; i++)
    {
      BrokerSession *gone = g_hash_table_lookup (self->sessions, unused->pdata[i]);

      if (gone != NULL)
        drop_session (self, unused->pdata[i], gone);
    }
  return unused->len;
}

/* Every second while some session waits out its grace.  Dropping one may
 * leave its gateway unused: it goes in a later pass. */
static gboolean
reap_sessions (gpointer user_data)
{
  BrokerService *self = user_data;
  gboolean waiting = FALSE;
  guint passes = g_hash_table_size (self->sessions) + 1;

  while (passes-- > 0 && reap_pass (self, &waiting) > 0)
    ;
  if (waiting)
    return G_SOURCE_CONTINUE;
  self->reap_id = 0;
  return G_SOURCE_REMOVE;
}

static void
schedule_reap (BrokerService *self)
{
  if (self->reap_id == 0)
    self->reap_id = g_timeout_add_seconds (1, reap_sessions, self);
}

static void
on_session_state (BrokerSession *session,
                  GParamSpec    *pspec,
                  BrokerService *self)
{
  schedule_reap (self);
}

static BrokerSession *
ensure_session (BrokerService *self,
                BrokerProfile *profile)
{
  return ensure_session_for (self, profile, NULL);
}

/* Tunnels: the profiles' own, started when the profile connects, and the
 * ad-hoc ones of OpenTunnel(), which live until closed or until their
 * caller leaves the bus (unless detached). */

/* What the service keeps of each tunnel. */
typedef struct
{
  BrokerService *service;
  BrokerTunnel *tunnel;
  BurrowDBusObjectSkeleton *object;
  gboolean from_profile;
  guint owner_watch;           /* the caller of OpenTunnel(), unless detached */
} TunnelEntry;

static void
tunnel_entry_free (TunnelEntry *entry)
{
  if (entry->owner_watch != 0)
    g_bus_unwatch_name (entry->owner_watch);
  g_object_unref (entry->object);
  g_object_unref (entry->tunnel);
  g_free (entry);
}

static void
forget_tunnel (BrokerService *self,
               BrokerTunnel  *tunnel)
{
  TunnelEntry *entry = g_hash_table_lookup (self->tunnels, tunnel);

  if (entry == NULL)
    return;
  if (self->objects != NULL)
    g_dbus_object_manager_server_unexport (
      self->objects, g_dbus_object_get_object_path (G_DBUS_OBJECT (entry->object)));
  broker_tunnel_close (tunnel);
  g_signal_handlers_disconnect_by_data (tunnel, self);
  g_hash_table_remove (self->tunnels, tunnel);
}

static void
on_tunnel_closed (BrokerTunnel  *tunnel,
                  BrokerService *self)
{
  forget_tunnel (self, tunnel);
}

static TunnelEntry *
add_tunnel (BrokerService             *self,
            BrokerSession             *session,
            const BrokerTunnelConfig  *config,
            gboolean                   from_profile,
            GError                   **error)
{
  const char *session_path =
    g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (session));
  g_autofree char *path = NULL;
  TunnelEntry *entry;
  BrokerTunnel *tunnel;

  tunnel = broker_tunnel_new (session, session_path != NULL ? session_path : "/", config, error);
  if (tunnel == NULL)
    return NULL;
  entry = g_new0 (TunnelEntry, 1);
  entry->service = self;
  entry->tunnel = tunnel;
  entry->from_profile = from_profile;
  path = g_strdup_printf (BROKER_OBJECT_MANAGER_PATH "/Tunnel/%u", ++self->next_tunnel);
  entry->object = burrow_dbus_object_skeleton_new (path);
  burrow_dbus_object_skeleton_set_tunnel1 (entry->object, BURROW_DBUS_TUNNEL1 (tunnel));
  broker_caller_guard_object (G_DBUS_OBJECT_SKELETON (entry->object));
  if (self->objects != NULL)
    g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (entry->object));
  g_signal_connect (tunnel, "closed", G_CALLBACK (on_tunnel_closed), self);
  g_hash_table_insert (self->tunnels, tunnel, entry);
  return entry;
}

/* The tunnels the session's profile declares, as started. */
static GPtrArray *
profile_tunnels (BrokerService *self,
                 BrokerSession *session)
{
  GPtrArray *found = g_ptr_array_new ();
  GHashTableIter iter;
  TunnelEntry *entry;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->from_profile && broker_tunnel_get_session (entry->tunnel) == session)
      g_ptr_array_add (found, entry->tunnel);
  return found;
}

static void
start_profile_tunnel (BrokerService            *self,
                      BrokerSession            *session,
                      const BrokerProfile      *profile,
                      const BrokerTunnelConfig *config)
{
  g_autoptr(GError) error = NULL;

  if (add_tunnel (self, session, config, TRUE, &error) == NULL)
    g_message ("%s:%u: profile %s: %s", profile->file != NULL ? profile->file : "",
               config->line, profile->id, error->message);
}

static void
start_profile_tunnels (BrokerService *self,
                       BrokerSession *session)
{
  const BrokerProfile *profile = broker_session_get_profile (session);
  g_autoptr(GPtrArray) started = profile_tunnels (self, session);

  if (started->len > 0)
    return;
  for (guint i = 0; i < profile->tunnels->len; i++)
    start_profile_tunnel (self, session, profile, profile->tunnels->pdata[i]);
}

/* A connected profile follows its edited tunnels: one whose settings did
 * not change keeps listening and keeps its connections; one removed or
 * changed is closed with its connections (first, so that its port is
 * free again), and the new settings start listening.  A deleted
 * profile's tunnels close. */
static void
update_profile_tunnels (BrokerService *self,
                        BrokerSession *session)
{
  const char *id = broker_session_get_profile (session)->id;
  BrokerProfile *profile = broker_config_find_profile (current_config (self), id);
  g_autoptr(GPtrArray) started = profile_tunnels (self, session);
  g_autoptr(GPtrArray) wanted = g_ptr_array_new ();

  if (profile != NULL)
    g_ptr_array_extend (wanted, profile->tunnels, NULL, NULL);
  for (guint i = 0; i < started->len; i++)
    {
      const BrokerTunnelConfig *config = broker_tunnel_get_config (started->pdata[i]);
      guint index;

      if (g_ptr_array_find_with_equal_func (wanted, config,
                                            (GEqualFunc) broker_tunnel_config_equal, &index))
        g_ptr_array_remove_index (wanted, index);
      else
        forget_tunnel (self, started->pdata[i]);
    }
  for (guint i = 0; i < wanted->len; i++)
    start_profile_tunnel (self, session, profile, wanted->pdata[i]);
}

static void
update_all_profile_tunnels (BrokerService *self)
{
  g_autoptr(GHashTable) sessions = g_hash_table_new (NULL, NULL);
  g_autoptr(GList) keys = NULL;
  GHashTableIter iter;
  TunnelEntry *entry;

  g_hash_table_iter_init (&iter, self->tunnels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->from_profile)
      g_hash_table_add (sessions, broker_tunnel_get_session (entry->tunnel));
  keys = g_hash_table_get_keys (sessions);
  for (GList *l = keys; l != NULL; l = l->next)
    update_profile_tunnels (self, l->data);
}

static void
close_profile_tunnels (BrokerService *self,
                       BrokerSession *session)
{
  g_autoptr(GPtrArray) doomed = profile_tunnels (self, session);

  for (guint i = 0; i < doomed->len; i++)
    forget_tunnel (self, doomed->pdata[i]);
}

static void
on_tunnel_owner_vanished (GDBusConnection *connection,
                          const char      *name,
                          gpointer         user_data)
{
  TunnelEntry *entry = user_data;

  forget_tunnel (entry->service, entry->tunnel);
}

static gboolean
profile_matches (const BrokerProfile *profile,
                 const char          *host,
                 const char          *user,
                 guint16              port)
{
  const char *profile_user = profile->user != NULL ? profile->user : g_get_user_name ();

  return profile->gateway_profile == NULL && g_strcmp0 (profile->host, host) == 0 &&
         g_strcmp0 (profile_user, user) == 0 && profile->port == port;
}

/* "ssh-host" without a profile (burrowctl forward … user@host): a profile
 * for that server if there is one, so the connection is shared, else an
 * ad-hoc one that is never saved. */
static BrokerProfile *
find_or_make_profile (BrokerService  *self,
                      const char     *id,
                      GVariant       *spec,
                      BrokerProfile **adhoc,
                      GError        **error)
{
  BrokerConfig *config = current_config (self);
  const char *host = NULL;
  const char *user = g_get_user_name ();
  guint16 port = BROKER_PROFILE_DEFAULT_PORT;
  BrokerSession *session;
  g_autofree char *adhoc_id = NULL;

  if (*id != '\0')
    {
      BrokerProfile *profile = broker_config_find_profile (config, id);

      if (profile == NULL)
        g_set_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND, "there is no profile \"%s\"", id);
      return profile;
    }
  if (!g_variant_lookup (spec, "ssh-host", "&s", &host) || broker_name_problem (host) != NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                   "give a profile, or the SSH server as \"ssh-host\"");
      return NULL;
    }
  g_variant_lookup (spec, "ssh-user", "&s", &user);
  g_variant_lookup (spec, "ssh-port", "q", &port);
  for (guint i = 0; i < config->profiles->len; i++)
    if (profile_matches (config->profiles->pdata[i], host, user, port != 0 ? port : 22))
      return config->profiles->pdata[i];
  adhoc_id = g_strdup_printf ("%s@%s:%u", user, host, port != 0 ? port : 22);
  session = g_hash_table_lookup (self->sessions, adhoc_id);
  if (session != NULL)
    return (BrokerProfile *) broker_session_get_profile (session);
  *adhoc = broker_profile_new (adhoc_id);
  (*adhoc)->host = g_strdup (host);
  (*adhoc)->user = g_strdup (user);
  (*adhoc)->port = port != 0 ? port : 22;
  return *adhoc;
}

static gboolean
handle_open_tunnel (BurrowDBusBroker1     *iface,
                    GDBusMethodInvocation *invocation,
                    const char            *id,
                    GVariant              *spec)
{
  BrokerService *self = BROKER_SERVICE (iface);
  g_autoptr(BrokerTunnelConfig) config = NULL;
  g_autoptr(BrokerProfile) adhoc = NULL;
  BrokerProfile *profile;
  BrokerSession *session;
  TunnelEntry *entry;
  g_autoptr(GError) error = NULL;
  gboolean detach = FALSE;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  config = broker_tunnel_config_from_variant (spec, &error);
  if (config != NULL)
    profile = find_or_make_profile (self, id, spec, &adhoc, &error);
  if (config == NULL || profile == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  session = ensure_session (self, profile);
  entry = add_tunnel (self, session, config, FALSE, &error);
  if (entry == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_lookup (spec, "detach", "b", &detach);
  if (!detach && sender != NULL)
    entry->owner_watch = g_bus_watch_name_on_connection (
      g_dbus_method_invocation_get_connection (invocation), sender,
      G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, on_tunnel_owner_vanished, entry, NULL);
  burrow_dbus_broker1_complete_open_tunnel (
    iface, invocation, g_dbus_object_get_object_path (G_DBUS_OBJECT (entry->object)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_connect (BurrowDBusBroker1     *iface,
                GDBusMethodInvocation *invocation,
                const char            *id)
{
  BrokerService *self = BROKER_SERVICE (iface);
  BrokerConfig *config = current_config (self);
  BrokerProfile *profile = broker_config_find_profile (config, id);
  BrokerSession *session;

  if (profile == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                                             "there is no profile \"%s\"", id);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  session = ensure_session (self, profile);
  broker_session_connect (session, config);
  start_profile_tunnels (self, session);
  burrow_dbus_broker1_complete_connect (
    iface, invocation, g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (session)));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_disconnect (BurrowDBusBroker1     *iface,
                   GDBusMethodInvocation *invocation,
                   const char            *id)
{
  BrokerService *self = BROKER_SERVICE (iface);
  BrokerSession *session = g_hash_table_lookup (self->sessions, id);

  if (session == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                                             "profile \"%s\" has no session", id);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  close_profile_tunnels (self, session);
  broker_session_disconnect (session);
  burrow_dbus_broker1_complete_disconnect (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The agents live on the connection the service is exported on. */
static BrokerAgents *
ensure_agents (BrokerService   *self,
               GDBusConnection *connection)
{
  if (self->agents == NULL && connection != NULL)
    self->agents = broker_agents_new (connection);
  return self->agents;
}

/* (nullable): NULL until the service is exported on a connection. */
BrokerAgents *
broker_service_get_agents (BrokerService *self)
{
  GDBusInterfaceSkeleton *skeleton = G_DBUS_INTERFACE_SKELETON (self);

  g_return_val_if_fail (BROKER_IS_SERVICE (self), NULL);

  return ensure_agents (self, g_dbus_interface_skeleton_get_connection (skeleton));
}

static gboolean
handle_register_agent (BurrowDBusBroker1     *iface,
                       GDBusMethodInvocation *invocation,
                       const char            *path)
{
  BrokerService *self = BROKER_SERVICE (iface);
  BrokerAgents *agents = ensure_agents (self, g_dbus_method_invocation_get_connection (invocation));
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GError) error = NULL;

  if (sender == NULL)
    g_dbus_method_invocation_return_error (invocation, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                                           "an agent must be registered over the message bus");
  else if (!broker_agents_register (agents, sender, path, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    burrow_dbus_broker1_complete_register_agent (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unregister_agent (BurrowDBusBroker1     *iface,
                         GDBusMethodInvocation *invocation,
                         const char            *path)
{
  BrokerService *self = BROKER_SERVICE (iface);
  BrokerAgents *agents = ensure_agents (self, g_dbus_method_invocation_get_connection (invocation));
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GError) error = NULL;

  if (sender == NULL)
    g_dbus_method_invocation_return_error (invocation, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                                           "there is no agent at \"%s\"", path);
  else if (!broker_agents_unregister (agents, sender, path, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    burrow_dbus_broker1_complete_unregister_agent (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Profiles with connect-on-startup="YES": connected, their tunnels
 * listening, once the broker owns its name. */
void
broker_service_connect_startup_profiles (BrokerService *self)
{
  BrokerConfig *config = current_config (self);

  for (guint i = 0; i < config->profiles->len; i++)
    {
      BrokerProfile *profile = config->profiles->pdata[i];
      BrokerSession *session;

      if (!profile->connect_on_startup)
        continue;
      g_message ("%s: connecting on startup", profile->id);
      session = ensure_session (self, profile);
      broker_session_connect (session, config);
      start_profile_tunnels (self, session);
    }
}

/* Sessions appear on the bus below the object manager. */
void
broker_service_set_object_manager (BrokerService            *self,
                                   GDBusObjectManagerServer *objects)
{
  g_set_object (&self->objects, objects);
}

static void
sync_properties (BrokerService *self)
{
  BurrowDBusBroker1 *iface = BURROW_DBUS_BROKER1 (self);

  burrow_dbus_broker1_set_config_errors (iface, broker_manager_get_errors (self->manager));
  burrow_dbus_broker1_set_config_serial (iface, broker_manager_get_serial (self->manager));
}

static void
on_errors_changed (BrokerService *self)
{
  sync_properties (self);
}

static BrokerConfig *capture_get_config (gpointer owner);

/* The environment.d file as the configuration says; what went wrong is
 * kept for GetCaptureSettings (and so `burrowctl capture`). */
static void
write_session_file (BrokerService *self,
                    gboolean       enable,
                    const char    *library)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = g_steal_pointer (&self->session_file_problem);

  if (enable && library == NULL)
    self->session_file_problem =
      g_strdup ("libburrow-capture.so is nowhere to be found (set BURROW_CAPTURE_LIBRARY, "
                "or reinstall Burrow)");
  else if (!broker_session_capture_write (library, &error))
    self->session_file_problem = g_strdup (error->message);
  if (self->session_file_problem != NULL && g_strcmp0 (before, self->session_file_problem) != 0)
    g_message ("session-wide capture: %s", self->session_file_problem);
}

/* What captured programs read without asking: the rules' snapshot, and
 * the session's environment for session-wide capture.  Both are written
 * here, before a method that changed them answers: the caller may rely on
 * them at once (a captured program started next; `burrowctl capture on`
 * reporting whether the file is in place).  Both are small files, the
 * snapshot replaced by rename.  Only the broker that owns the bus name
 * (and so the capture socket) writes them. */
static void
update_capture_files (BrokerService *self)
{
  BrokerConfig *config = current_config (self);
  g_autofree char *snapshot = broker_capture_snapshot_default_path ();
  const char *library = config->capture_enable_at_startup ? self->capture_library : NULL;
  g_autoptr(GError) error = NULL;

  if (self->capture == NULL)
    return;
  if (!broker_capture_snapshot_write (capture_get_config (self), snapshot, &error))
    g_message ("capture: cannot write the rules for captured programs: %s", error->message);
  write_session_file (self, config->capture_enable_at_startup, library);
  if (config->capture_enable_at_startup && library == NULL)
    return;
  if (self->manager_update != NULL)
    g_cancellable_cancel (self->manager_update);
  g_clear_object (&self->manager_update);
  self->manager_update = g_cancellable_new ();
  broker_session_capture_tell_manager (g_dbus_interface_skeleton_get_connection (
                                         G_DBUS_INTERFACE_SKELETON (self)),
                                       library, self->manager_update);
}

static void
on_config_changed (BrokerService *self,
                   guint          serial)
{
  sync_properties (self);
  update_capture_files (self);
  update_all_profile_tunnels (self);
  schedule_reap (self);         /* a deleted profile's session may go */
  burrow_dbus_broker1_emit_config_changed (BURROW_DBUS_BROKER1 (self), serial);
}

BrokerService *
broker_service_new (BrokerManager *manager)
{
  BrokerService *self = g_object_new (BROKER_TYPE_SERVICE, NULL);
  BurrowDBusBroker1 *iface = BURROW_DBUS_BROKER1 (self);
  const char *files[] = {
    broker_manager_get_global_path (manager),
    broker_manager_get_user_path (manager),
    NULL
  };

  self->manager = g_object_ref (manager);
  burrow_dbus_broker1_set_version (iface, INTERFACE_VERSION);
  burrow_dbus_broker1_set_daemon_version (iface, PACKAGE_VERSION);
  burrow_dbus_broker1_set_config_files (iface, files);
  sync_properties (self);
  g_signal_connect_object (manager, "notify::errors", G_CALLBACK (on_errors_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "config-changed", G_CALLBACK (on_config_changed), self,
                           G_CONNECT_SWAPPED);
  return self;
}

static void
broker_service_dispose (GObject *object)
{
  BrokerService *self = BROKER_SERVICE (object);

  g_clear_pointer (&self->capture, broker_capture_server_free);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->reap_id, g_source_remove);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->tunnels, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->agents);
  g_clear_object (&self->objects);
  g_clear_object (&self->manager);
  g_clear_pointer (&self->no_rules, broker_config_unref);
  g_clear_pointer (&self->capture_library, g_free);
  g_clear_pointer (&self->session_file_problem, g_free);
  if (self->manager_update != NULL)
    g_cancellable_cancel (self->manager_update);
  g_clear_object (&self->manager_update);
  G_OBJECT_CLASS (broker_service_parent_class)->dispose (object);
}

static void
broker_service_class_init (BrokerServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = broker_service_dispose;
}

static void
broker_service_iface_init (BurrowDBusBroker1Iface *iface)
{
  iface->handle_get_status = handle_get_status;
  iface->handle_reload = handle_reload;
  iface->handle_list_profiles = handle_list_profiles;
  iface->handle_get_profile = handle_get_profile;
  iface->handle_save_profile = handle_save_profile;
  iface->handle_delete_profile = handle_delete_profile;
  iface->handle_list_rules = handle_list_rules;
  iface->handle_set_rules = handle_set_rules;
  iface->handle_test_rule = handle_test_rule;
  iface->handle_get_capture_settings = handle_get_capture_settings;
  iface->handle_set_capture_settings = handle_set_capture_settings;
  iface->handle_set_capture_active = handle_set_capture_active;
  iface->handle_connect = handle_connect;
  iface->handle_disconnect = handle_disconnect;
  iface->handle_open_tunnel = handle_open_tunnel;
  iface->handle_register_agent = handle_register_agent;
  iface->handle_unregister_agent = handle_unregister_agent;
}

static void
broker_service_init (BrokerService *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->connections = g_hash_table_new_full (NULL, NULL, g_object_unref, g_object_unref);
  self->tunnels = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) tunnel_entry_free);
  self->no_rules = broker_config_new ();
  burrow_dbus_broker1_set_capture_active (BURROW_DBUS_BROKER1 (self), TRUE);
}

/* Capture */

static BrokerConfig *
capture_get_config (gpointer owner)
{
  BrokerService *self = owner;

  if (!burrow_dbus_broker1_get_capture_active (BURROW_DBUS_BROKER1 (self)))
    return self->no_rules;
  return current_config (self);
}

/* A TUNNEL rule's connections ride its profile's shared session. */
/* hostname-from-app="YES": one shared session per destination host, made
 * from the rule's profile (if any) as a template. */
static BrokerSession *
session_for_host (BrokerService  *self,
                  BrokerProfile  *template_profile,
                  const char     *host,
                  const char     *sandbox)
{
  g_autofree char *id = g_strdup_printf ("capture:%s@%s",
                                         template_profile != NULL ? template_profile->id : "",
                                         host);
  g_autofree char *session_id = broker_sandbox_session_id (sandbox, id);
  BrokerSession *session = g_hash_table_lookup (self->sessions, session_id);
  g_autoptr(BrokerProfile) profile = NULL;

  if (session != NULL)
    return session;
  profile = broker_profile_new_for_host (template_profile, id, host);
  return ensure_session_for (self, profile, sandbox);
}

/* Sandboxed programs (Flatpak applications, told by the broker's capture
 * server from /proc/PID/root/.flatpak-info) never share an SSH connection
 * with unsandboxed ones: the session a profile gives them is
 * "sandbox:APP:ID", one per application id, ID being what unsandboxed
 * programs' session is called ("PROFILE" or "capture:TEMPLATE@HOST").
 * Two applications do not share either: each sandbox is its own level. */
static BrokerSession *
capture_get_session (gpointer           owner,
                     const BrokerRule  *rule,
                     const char        *host,
                     const char        *sandbox,
                     GError           **error)
{
  BrokerService *self = owner;
  BrokerProfile *profile;

  profile = rule->profile != NULL ? broker_config_find_profile (current_config (self), rule->profile)
                                  : NULL;
  if (rule->hostname_from_app && (profile != NULL || rule->profile == NULL))
    return session_for_host (self, profile, host, sandbox);
  if (profile == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                   "rule %s:%u tunnels through profile \"%s\", which does not exist",
                   rule->file, rule->line, rule->profile != NULL ? rule->profile : "");
      return NULL;
    }
  return ensure_session_for (self, profile, sandbox);
}

/* One timer for every listed connection: counters, ends, and taking the
 * finished ones off the bus. */
static gboolean
tick_connections (gpointer user_data)
{
  BrokerService *self = user_data;
  GHashTableIter iter;
  BrokerCaptureConnection *connection;
  GDBusObjectSkeleton *object;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &connection, (gpointer *) &object))
    if (broker_capture_connection_tick (connection))
      {
        if (self->objects != NULL)
          g_dbus_object_manager_server_unexport (self->objects,
                                                 g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));
        g_hash_table_iter_remove (&iter);
      }
  if (g_hash_table_size (self->connections) > 0)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  return G_SOURCE_REMOVE;
}

static void
capture_publish (gpointer                 owner,
                 BrokerCaptureConnection *connection)
{
  BrokerService *self = owner;
  g_autofree char *path = g_strdup_printf (BROKER_OBJECT_MANAGER_PATH "/Connection/%u",
                                           ++self->next_connection);
  BurrowDBusObjectSkeleton *object = burrow_dbus_object_skeleton_new (path);

  burrow_dbus_object_skeleton_set_connection1 (object, BURROW_DBUS_CONNECTION1 (connection));
  broker_caller_guard_object (G_DBUS_OBJECT_SKELETON (object));
  if (self->objects != NULL)
    g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (self->connections, g_object_ref (connection), object);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_connections, self);
}

static void
capture_failed (gpointer                 owner,
                BrokerCaptureConnection *connection,
                const char              *reason)
{
  BrokerService *self = owner;
  GDBusObject *object = g_hash_table_lookup (self->connections, connection);

  if (object != NULL)
    burrow_dbus_broker1_emit_capture_failed (BURROW_DBUS_BROKER1 (self),
                                             g_dbus_object_get_object_path (object),
                                             reason != NULL ? reason : "");
}

/* Once the bus name is ours: only one broker answers captured programs. */
void
broker_service_start_capture (BrokerService *self)
{
  BrokerCaptureHost host = {
    capture_get_config, capture_get_session, capture_publish, capture_failed, self
  };
  g_autofree char *path = broker_capture_server_default_path ();
  g_autoptr(GError) error = NULL;

  if (self->capture != NULL)
    return;
  self->capture = broker_capture_server_new (&host, path, &error);
  if (self->capture == NULL)
    g_message ("capture is off: %s", error->message);
  else
    g_message ("capture socket: %s", path);
  self->capture_library = broker_session_capture_library_path ();
  update_capture_files (self);
}
