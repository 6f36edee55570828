// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-session"

#include "broker-session.h"

#include "broker-host-keys.h"
#include "broker-session-worker.h"

#define INTERFACE_VERSION 1

struct _BrokerSession
{
  BurrowDBusSession1Skeleton parent_instance;

  BrokerProfile *profile;
  BrokerSessionWorker *worker;
};

static void broker_session_iface_init (BurrowDBusSession1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BrokerSession, broker_session, BURROW_DBUS_TYPE_SESSION1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BURROW_DBUS_TYPE_SESSION1,
                                                      broker_session_iface_init))

static const char * const default_identities[] = {
  "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa", NULL
};

/* g_strv_builder_take() is newer than GLib 2.74. */
static void
add_expanded (GStrvBuilder *builder,
              const char   *path)
{
  g_autofree char *expanded = broker_host_keys_expand_path (path);

  g_strv_builder_add (builder, expanded);
}

static GStrv
expand_paths (const char * const *paths)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    add_expanded (builder, paths[i]);
  return g_strv_builder_end (builder);
}

/* The user's file first (where keys are saved), the configured ones, then
 * the system-wide file, as OpenSSH reads them. */
static GStrv
known_hosts_files (const BrokerConfig *config)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  add_expanded (builder, "~/.ssh/known_hosts");
  for (guint i = 0; i < config->known_hosts->len; i++)
    add_expanded (builder, config->known_hosts->pdata[i]);
  g_strv_builder_add (builder, "/etc/ssh/ssh_known_hosts");
  return g_strv_builder_end (builder);
}

static BrokerSessionParams *
params_for (const BrokerProfile *profile,
            const BrokerConfig  *config)
{
  BrokerSessionParams *params = broker_session_params_new ();
  const char * const *identities = (const char * const *) profile->identity_files;

  params->profile = g_strdup (profile->id);
  params->host = g_strdup (profile->host);
  params->port = profile->port;
  params->user = g_strdup (profile->user != NULL ? profile->user : g_get_user_name ());
  params->auth_methods = g_strdupv (profile->auth_methods);
  params->identity_files = expand_paths (identities[0] != NULL ? identities : default_identities);
  params->known_hosts = known_hosts_files (config);
  params->save_known_hosts = broker_host_keys_expand_path ("~/.ssh/known_hosts");
  params->ssh_dir = broker_host_keys_expand_path ("~/.ssh");
  params->policy = config->host_key_policy;
  return params;
}

static void
set_state (BrokerSession      *self,
           BrokerSessionState  state,
           const char         *reason)
{
  BurrowDBusSession1 *iface = BURROW_DBUS_SESSION1 (self);

  burrow_dbus_session1_set_state (iface, broker_session_state_to_string (state));
  burrow_dbus_session1_set_failure_reason (iface, reason != NULL ? reason : "");
  if (state == BROKER_SESSION_CONNECTED)
    burrow_dbus_session1_set_connected_since (iface, g_get_real_time ());
}

static void
on_worker_notify (BrokerSessionState  state,
                  const char         *reason,
                  const char         *fingerprint,
                  gpointer            user_data)
{
  BrokerSession *self = user_data;

  if (fingerprint != NULL)
    burrow_dbus_session1_set_host_key_fingerprint (BURROW_DBUS_SESSION1 (self), fingerprint);
  set_state (self, state, reason);
}

static gboolean
is_active (BrokerSession *self)
{
  const char *state = burrow_dbus_session1_get_state (BURROW_DBUS_SESSION1 (self));

  return g_strcmp0 (state, "connecting") == 0 || g_strcmp0 (state, "connected") == 0 ||
         g_strcmp0 (state, "waiting-for-user") == 0;
}

/* Opens the connection unless it is open or opening: callers share it. */
void
broker_session_connect (BrokerSession      *self,
                        const BrokerConfig *config)
{
  g_return_if_fail (BROKER_IS_SESSION (self));

  if (is_active (self))
    return;
  g_clear_pointer (&self->worker, broker_session_worker_stop);
  if (self->profile->gateway_profile != NULL)
    {
      /* Said plainly until gateways (direct-tcpip transport) land. */
      set_state (self, BROKER_SESSION_FAILED,
                 "reaching a profile through gateway-profile is not implemented yet");
      return;
    }
  set_state (self, BROKER_SESSION_CONNECTING, NULL);
  self->worker = broker_session_worker_start (params_for (self->profile, config),
                                              on_worker_notify, self);
}

void
broker_session_disconnect (BrokerSession *self)
{
  g_return_if_fail (BROKER_IS_SESSION (self));

  g_clear_pointer (&self->worker, broker_session_worker_stop);
  set_state (self, BROKER_SESSION_DISCONNECTED, NULL);
}

static gboolean
handle_disconnect (BurrowDBusSession1    *iface,
                   GDBusMethodInvocation *invocation)
{
  broker_session_disconnect (BROKER_SESSION (iface));
  burrow_dbus_session1_complete_disconnect (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

BrokerSession *
broker_session_new (const BrokerProfile *profile)
{
  BrokerSession *self = g_object_new (BROKER_TYPE_SESSION, NULL);
  BurrowDBusSession1 *iface = BURROW_DBUS_SESSION1 (self);

  self->profile = broker_profile_ref ((BrokerProfile *) profile);
  burrow_dbus_session1_set_version (iface, INTERFACE_VERSION);
  burrow_dbus_session1_set_profile (iface, profile->id);
  burrow_dbus_session1_set_host (iface, profile->host);
  burrow_dbus_session1_set_port (iface, profile->port);
  burrow_dbus_session1_set_user (iface, profile->user != NULL ? profile->user : g_get_user_name ());
  burrow_dbus_session1_set_gateway (iface, "/");
  set_state (self, BROKER_SESSION_DISCONNECTED, NULL);
  return self;
}

static void
broker_session_dispose (GObject *object)
{
  BrokerSession *self = BROKER_SESSION (object);

  g_clear_pointer (&self->worker, broker_session_worker_stop);
  g_clear_pointer (&self->profile, broker_profile_unref);
  G_OBJECT_CLASS (broker_session_parent_class)->dispose (object);
}

static void
broker_session_class_init (BrokerSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = broker_session_dispose;
}

static void
broker_session_iface_init (BurrowDBusSession1Iface *iface)
{
  iface->handle_disconnect = handle_disconnect;
}

static void
broker_session_init (BrokerSession *self)
{
}
