// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-capture-connection.h"

#include "broker-error.h"

#define INTERFACE_VERSION 1
/* How long a finished connection stays listed. */
#define LINGER_SECONDS 5

struct _BrokerCaptureConnection
{
  BurrowDBusConnection1Skeleton parent_instance;

  BrokerSession *session;      /* TUNNEL */
  BrokerTraffic *traffic;      /* TUNNEL */
  gboolean was_open;
  gint64 ended;                /* monotonic µs when it was over, or 0 */
};

static void broker_capture_connection_iface_init (BurrowDBusConnection1Iface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BrokerCaptureConnection, broker_capture_connection,
                               BURROW_DBUS_TYPE_CONNECTION1_SKELETON,
                               G_IMPLEMENT_INTERFACE (BURROW_DBUS_TYPE_CONNECTION1,
                                                      broker_capture_connection_iface_init))

void
broker_capture_connection_set_state (BrokerCaptureConnection *self,
                                     const char              *state)
{
  BurrowDBusConnection1 *iface = BURROW_DBUS_CONNECTION1 (self);

  if (g_strcmp0 (burrow_dbus_connection1_get_state (iface), state) != 0)
    burrow_dbus_connection1_set_state (iface, state);
  if (g_str_equal (state, "open"))
    self->was_open = TRUE;
  else if (!g_str_equal (state, "opening") && self->ended == 0)
    self->ended = g_get_monotonic_time ();
}

void
broker_capture_connection_fail (BrokerCaptureConnection *self,
                                const char              *reason)
{
  burrow_dbus_connection1_set_failure (BURROW_DBUS_CONNECTION1 (self),
                                       reason != NULL ? reason : "");
  broker_capture_connection_set_state (self, "failed");
}

static void
publish_counters (BrokerCaptureConnection *self)
{
  BurrowDBusConnection1 *iface = BURROW_DBUS_CONNECTION1 (self);
  guint64 in = broker_traffic_get_in (self->traffic);
  guint64 out = broker_traffic_get_out (self->traffic);

  if (burrow_dbus_connection1_get_bytes_in (iface) != in)
    burrow_dbus_connection1_set_bytes_in (iface, in);
  if (burrow_dbus_connection1_get_bytes_out (iface) != out)
    burrow_dbus_connection1_set_bytes_out (iface, out);
}

/* Called about once a second by whoever lists it (one timer for all, not
 * one each: capture may decide a thousand connects a second).  Publishes
 * the counters (they move on the session's thread), notices a tunnel whose
 * channel is gone, and returns TRUE once the connection has been over for
 * LINGER_SECONDS: time to take it off the bus. */
gboolean
broker_capture_connection_tick (BrokerCaptureConnection *self)
{
  if (self->traffic != NULL && (self->ended == 0 || self->was_open))
    publish_counters (self);
  if (self->traffic != NULL && self->was_open && self->ended == 0
      && broker_traffic_get_channels (self->traffic) == 0)
    broker_capture_connection_set_state (self, "closed");
  return self->ended != 0
         && g_get_monotonic_time () - self->ended >= LINGER_SECONDS * G_USEC_PER_SEC;
}

BrokerCaptureConnection *
broker_capture_connection_new (const BrokerCaptureConnectionInfo *info)
{
  BrokerCaptureConnection *self = g_object_new (BROKER_TYPE_CAPTURE_CONNECTION, NULL);
  BurrowDBusConnection1 *iface = BURROW_DBUS_CONNECTION1 (self);

  burrow_dbus_connection1_set_version (iface, INTERFACE_VERSION);
  burrow_dbus_connection1_set_application (iface, info->application != NULL ? info->application : "");
  burrow_dbus_connection1_set_pid (iface, info->pid);
  burrow_dbus_connection1_set_sandbox (iface, info->sandbox != NULL ? info->sandbox : "");
  burrow_dbus_connection1_set_host (iface, info->host);
  burrow_dbus_connection1_set_address (iface, info->address);
  burrow_dbus_connection1_set_port (iface, info->port);
  burrow_dbus_connection1_set_session (iface, "/");
  burrow_dbus_connection1_set_profile (iface, "");
  burrow_dbus_connection1_set_rule_index (iface, -1);
  burrow_dbus_connection1_set_started (iface, g_get_real_time ());
  burrow_dbus_connection1_set_state (iface, "opening");
  return self;
}

/* @rule_index: in Broker1.ListRules(), or -1 for none. */
void
broker_capture_connection_decided (BrokerCaptureConnection *self,
                                   const char              *action,
                                   int                      rule_index)
{
  burrow_dbus_connection1_set_action (BURROW_DBUS_CONNECTION1 (self), action);
  burrow_dbus_connection1_set_rule_index (BURROW_DBUS_CONNECTION1 (self), rule_index);
}

void
broker_capture_connection_tunnel (BrokerCaptureConnection *self,
                                  BrokerSession           *session,
                                  const char              *profile,
                                  BrokerTraffic           *traffic)
{
  const char *path = g_dbus_interface_skeleton_get_object_path (G_DBUS_INTERFACE_SKELETON (session));

  g_set_object (&self->session, session);
  self->traffic = broker_traffic_ref (traffic);
  burrow_dbus_connection1_set_session (BURROW_DBUS_CONNECTION1 (self), path != NULL ? path : "/");
  burrow_dbus_connection1_set_profile (BURROW_DBUS_CONNECTION1 (self), profile != NULL ? profile : "");
}

static gboolean
handle_close (BurrowDBusConnection1 *iface,
              GDBusMethodInvocation *invocation)
{
  BrokerCaptureConnection *self = BROKER_CAPTURE_CONNECTION (iface);

  if (self->traffic == NULL || !g_str_equal (burrow_dbus_connection1_get_state (iface), "open"))
    {
      g_dbus_method_invocation_return_error (invocation, BROKER_ERROR, BROKER_ERROR_FAILED,
                                             "only an open tunnelled connection can be closed "
                                             "(this one is %s)",
                                             burrow_dbus_connection1_get_state (iface));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  broker_session_close_traffic (self->session, self->traffic);
  broker_capture_connection_set_state (self, "closed");
  burrow_dbus_connection1_complete_close (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
broker_capture_connection_finalize (GObject *object)
{
  BrokerCaptureConnection *self = BROKER_CAPTURE_CONNECTION (object);

  g_clear_pointer (&self->traffic, broker_traffic_unref);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (broker_capture_connection_parent_class)->finalize (object);
}

static void
broker_capture_connection_class_init (BrokerCaptureConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = broker_capture_connection_finalize;
}

static void
broker_capture_connection_iface_init (BurrowDBusConnection1Iface *iface)
{
  iface->handle_close = handle_close;
}

static void
broker_capture_connection_init (BrokerCaptureConnection *self)
{
}
