// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-broker-client"

#include "config.h"

#include "burrow-broker-client.h"

#define BROKER_OBJECT_PATH "/io/github/burrow/Burrow/Broker"
#define OBJECTS_PATH "/io/github/burrow/Burrow"

struct _BurrowBrokerClient
{
  GObject parent_instance;

  GCancellable *cancellable;
  BurrowDBusBroker1 *broker;
  GDBusObjectManager *objects;
  GVariant *profiles;          /* aa{sv} */
};

G_DEFINE_FINAL_TYPE (BurrowBrokerClient, burrow_broker_client, G_TYPE_OBJECT)

enum
{
  READY,
  CONFIG_CHANGED,
  PROFILES_CHANGED,
  SESSIONS_CHANGED,
  CONNECTIONS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
burrow_broker_client_is_ready (BurrowBrokerClient *self)
{
  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), FALSE);

  return self->broker != NULL && self->objects != NULL;
}

static void
on_profiles_listed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GVariant) profiles = NULL;
  g_autoptr(GError) error = NULL;
  BurrowBrokerClient *self;

  if (!burrow_dbus_broker1_call_list_profiles_finish (BURROW_DBUS_BROKER1 (source), &profiles,
                                                      result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("cannot list the profiles: %s", error->message);
      return;
    }
  self = user_data;
  g_clear_pointer (&self->profiles, g_variant_unref);
  self->profiles = g_steal_pointer (&profiles);
  g_signal_emit (self, signals[PROFILES_CHANGED], 0);
}

static void
refresh_profiles (BurrowBrokerClient *self)
{
  if (self->broker != NULL)
    burrow_dbus_broker1_call_list_profiles (self->broker, self->cancellable, on_profiles_listed,
                                            self);
}

/* The configuration changed: the profiles are read again, once for every
 * page. */
static void
emit_config_changed (BurrowBrokerClient *self)
{
  refresh_profiles (self);
  g_signal_emit (self, signals[CONFIG_CHANGED], 0);
}

static void
emit_ready_if_done (BurrowBrokerClient *self)
{
  if (!burrow_broker_client_is_ready (self))
    return;
  refresh_profiles (self);
  g_signal_emit (self, signals[READY], 0);
}

/* Which list an object belongs to decides which signal tells of it. */
static void
emit_for_object (BurrowBrokerClient *self,
                 GDBusObject        *object)
{
  BurrowDBusObject *burrow_object = BURROW_DBUS_OBJECT (object);

  if (burrow_dbus_object_peek_session1 (burrow_object) != NULL)
    g_signal_emit (self, signals[SESSIONS_CHANGED], 0);
  if (burrow_dbus_object_peek_connection1 (burrow_object) != NULL)
    g_signal_emit (self, signals[CONNECTIONS_CHANGED], 0);
}

static void
on_object_added_or_removed (GDBusObjectManager *manager,
                            GDBusObject        *object,
                            gpointer            user_data)
{
  emit_for_object (user_data, object);
}

static void
on_proxy_properties_changed (GDBusObjectManagerClient *manager,
                             GDBusObjectProxy         *object,
                             GDBusProxy               *interface,
                             GVariant                 *changed,
                             GStrv                     invalidated,
                             gpointer                  user_data)
{
  emit_for_object (user_data, G_DBUS_OBJECT (object));
}

/* The broker went away or came back: every list is to be read again. */
static void
on_name_owner_changed (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  BurrowBrokerClient *self = user_data;

  emit_config_changed (self);
  g_signal_emit (self, signals[SESSIONS_CHANGED], 0);
  g_signal_emit (self, signals[CONNECTIONS_CHANGED], 0);
}

static void
on_objects_ready (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *objects;
  BurrowBrokerClient *self;

  objects = burrow_dbus_object_manager_client_new_for_bus_finish (result, &error);
  if (objects == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("cannot follow the broker's objects: %s", error->message);
      return;
    }
  self = user_data;
  self->objects = objects;
  g_signal_connect_object (objects, "object-added",
                           G_CALLBACK (on_object_added_or_removed), self, 0);
  g_signal_connect_object (objects, "object-removed",
                           G_CALLBACK (on_object_added_or_removed), self, 0);
  g_signal_connect_object (objects, "interface-proxy-properties-changed",
                           G_CALLBACK (on_proxy_properties_changed), self, 0);
  emit_ready_if_done (self);
}

static void
on_config_changed (BurrowDBusBroker1 *broker,
                   guint              serial,
                   gpointer           user_data)
{
  emit_config_changed (user_data);
}

static void
on_config_errors_changed (GObject    *object,
                          GParamSpec *pspec,
                          gpointer    user_data)
{
  g_signal_emit (user_data, signals[CONFIG_CHANGED], 0);
}

static void
on_broker_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  BurrowDBusBroker1 *broker;
  BurrowBrokerClient *self;

  broker = burrow_dbus_broker1_proxy_new_for_bus_finish (result, &error);
  if (broker == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("cannot reach the broker: %s", error->message);
      return;
    }
  self = user_data;
  self->broker = broker;
  /* The broker answers slowly only when it is busy connecting: a question
   * to it is still answered long before the user gives up. */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (broker), 60 * 1000);
  g_signal_connect_object (broker, "config-changed", G_CALLBACK (on_config_changed), self, 0);
  g_signal_connect_object (broker, "notify::config-errors",
                           G_CALLBACK (on_config_errors_changed), self, 0);
  g_signal_connect_object (broker, "notify::g-name-owner",
                           G_CALLBACK (on_name_owner_changed), self, 0);
  emit_ready_if_done (self);
}

BurrowBrokerClient *
burrow_broker_client_new (void)
{
  BurrowBrokerClient *self = g_object_new (BURROW_TYPE_BROKER_CLIENT, NULL);

  burrow_dbus_broker1_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_NONE,
                                         BROKER_BUS_NAME, BROKER_OBJECT_PATH,
                                         self->cancellable, on_broker_ready, self);
  burrow_dbus_object_manager_client_new_for_bus (G_BUS_TYPE_SESSION,
                                                 G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                 BROKER_BUS_NAME, OBJECTS_PATH,
                                                 self->cancellable, on_objects_ready, self);
  return self;
}

BurrowDBusBroker1 *
burrow_broker_client_get_broker (BurrowBrokerClient *self)
{
  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  return self->broker;
}

GDBusObjectManager *
burrow_broker_client_get_objects (BurrowBrokerClient *self)
{
  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  return self->objects;
}

GVariant *
burrow_broker_client_get_profiles (BurrowBrokerClient *self)
{
  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  return self->profiles;
}

GVariant *
burrow_broker_client_dup_profile (BurrowBrokerClient *self,
                                  const char         *id)
{
  GVariantIter iter;
  GVariant *profile;

  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  if (self->profiles == NULL)
    return NULL;
  g_variant_iter_init (&iter, self->profiles);
  while ((profile = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *profile_id = NULL;

      if (g_variant_lookup (profile, "id", "&s", &profile_id) && g_strcmp0 (profile_id, id) == 0)
        return profile;
      g_variant_unref (profile);
    }
  return NULL;
}

GStrv
burrow_broker_client_dup_profile_ids (BurrowBrokerClient *self)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  GVariantIter iter;
  GVariant *profile;

  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  if (self->profiles != NULL)
    {
      g_variant_iter_init (&iter, self->profiles);
      while ((profile = g_variant_iter_next_value (&iter)) != NULL)
        {
          const char *id = NULL;

          if (g_variant_lookup (profile, "id", "&s", &id))
            g_strv_builder_add (ids, id);
          g_variant_unref (profile);
        }
    }
  return g_strv_builder_end (ids);
}

BurrowDBusSession1 *
burrow_broker_client_dup_session (BurrowBrokerClient *self,
                                  const char         *profile)
{
  g_autolist (GDBusObject) objects = NULL;

  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  if (self->objects == NULL)
    return NULL;
  objects = g_dbus_object_manager_get_objects (self->objects);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      BurrowDBusSession1 *session = burrow_dbus_object_peek_session1 (l->data);

      if (session != NULL && g_strcmp0 (burrow_dbus_session1_get_profile (session), profile) == 0)
        return g_object_ref (session);
    }
  return NULL;
}

static int
compare_started (gconstpointer a,
                 gconstpointer b)
{
  gint64 started_a = burrow_dbus_connection1_get_started ((BurrowDBusConnection1 *) a);
  gint64 started_b = burrow_dbus_connection1_get_started ((BurrowDBusConnection1 *) b);

  return started_a < started_b ? 1 : started_a > started_b ? -1 : 0;
}

GList *
burrow_broker_client_list_connections (BurrowBrokerClient *self)
{
  g_autolist (GDBusObject) objects = NULL;
  GList *connections = NULL;

  g_return_val_if_fail (BURROW_IS_BROKER_CLIENT (self), NULL);

  if (self->objects == NULL)
    return NULL;
  objects = g_dbus_object_manager_get_objects (self->objects);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      BurrowDBusConnection1 *connection = burrow_dbus_object_get_connection1 (l->data);

      if (connection != NULL)
        connections = g_list_prepend (connections, connection);
    }
  return g_list_sort (connections, compare_started);
}

char *
burrow_broker_client_error_text (const GError *error)
{
  g_autoptr(GError) copy = g_error_copy (error);

  g_dbus_error_strip_remote_error (copy);
  return g_strdup (copy->message);
}

static void
burrow_broker_client_dispose (GObject *object)
{
  BurrowBrokerClient *self = BURROW_BROKER_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->broker);
  g_clear_object (&self->objects);
  g_clear_pointer (&self->profiles, g_variant_unref);

  G_OBJECT_CLASS (burrow_broker_client_parent_class)->dispose (object);
}

static void
burrow_broker_client_finalize (GObject *object)
{
  BurrowBrokerClient *self = BURROW_BROKER_CLIENT (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (burrow_broker_client_parent_class)->finalize (object);
}

static void
burrow_broker_client_class_init (BurrowBrokerClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = burrow_broker_client_dispose;
  object_class->finalize = burrow_broker_client_finalize;

  signals[READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The configuration (profiles, rules, capture settings, errors) changed. */
  signals[CONFIG_CHANGED] = g_signal_new ("config-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  signals[PROFILES_CHANGED] = g_signal_new ("profiles-changed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
  signals[SESSIONS_CHANGED] = g_signal_new ("sessions-changed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
  signals[CONNECTIONS_CHANGED] = g_signal_new ("connections-changed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 0);
}

static void
burrow_broker_client_init (BurrowBrokerClient *self)
{
  self->cancellable = g_cancellable_new ();
}
