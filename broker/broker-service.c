// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-service"

#include "config.h"

#include "broker-service.h"

#include "broker-config-variant.h"
#include "broker-error.h"
#include "broker-filter.h"
#include "broker-session.h"

#define INTERFACE_VERSION 1

/* io.github.burrow.Burrow.Broker1 over a BrokerManager.  Handlers return at
 * once; anything touching files completes from the manager's callback. */
struct _BrokerService
{
  BurrowDBusBroker1Skeleton parent_instance;

  BrokerManager *manager;
  GDBusObjectManagerServer *objects;
  GHashTable *sessions;        /* profile id → BrokerSession, one per profile */
  guint next_session;
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
  index = broker_filter_evaluate (config, &query, explanation);
  if (index >= 0)
    rule = broker_rule_to_variant (config->rules->pdata[index]);
  else
    rule = g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
  burrow_dbus_broker1_complete_test_rule (iface, invocation, index, rule, explanation->str);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_capture_settings (BurrowDBusBroker1     *iface,
                             GDBusMethodInvocation *invocation)
{
  BrokerConfig *config = current_config (BROKER_SERVICE (iface));
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "enable-at-startup", "b", config->capture_enable_at_startup);
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

static BrokerSession *
ensure_session (BrokerService *self,
                BrokerProfile *profile)
{
  BrokerSession *session = g_hash_table_lookup (self->sessions, profile->id);
  g_autoptr(BurrowDBusObjectSkeleton) object = NULL;
  g_autofree char *path = NULL;

  if (session != NULL)
    return session;
  session = broker_session_new (profile);
  path = g_strdup_printf (BROKER_OBJECT_MANAGER_PATH "/Session/%u", ++self->next_session);
  object = burrow_dbus_object_skeleton_new (path);
  burrow_dbus_object_skeleton_set_session1 (object, BURROW_DBUS_SESSION1 (session));
  if (self->objects != NULL)
    g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
  g_hash_table_insert (self->sessions, g_strdup (profile->id), session);
  return session;
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
  broker_session_disconnect (session);
  burrow_dbus_broker1_complete_disconnect (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
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

static void
on_config_changed (BrokerService *self,
                   guint          serial)
{
  sync_properties (self);
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

  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->objects);
  g_clear_object (&self->manager);
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
  iface->handle_connect = handle_connect;
  iface->handle_disconnect = handle_disconnect;
}

static void
broker_service_init (BrokerService *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}
