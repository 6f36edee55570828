// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-access"

#include "config.h"

#include "broker-caller-guard.h"

#include <unistd.h>

#include "broker-caller-policy.h"
#include "broker-sandbox.h"

#define CREDENTIALS_TIMEOUT_MS 5000

typedef struct
{
  guint32 uid;
  guint32 pid;                 /* 0: the bus did not say */
} Credentials;

/* What the message bus knows of @sender's process. */
static gboolean
look_up_credentials (GDBusConnection  *connection,
                     const char       *sender,
                     Credentials      *credentials,
                     GError          **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) dict = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionCredentials",
                                       g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, CREDENTIALS_TIMEOUT_MS, NULL, error);
  if (reply == NULL)
    return FALSE;
  dict = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (dict, "UnixUserID", "u", &credentials->uid))
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                           "the message bus did not say which user is calling");
      return FALSE;
    }
  if (!g_variant_lookup (dict, "ProcessID", "u", &credentials->pid))
    credentials->pid = 0;
  return TRUE;
}

/* NULL (not sandboxed), an application id or BROKER_SANDBOX_UNKNOWN_APP. */
static char *
sandbox_of (guint32 pid)
{
  g_autofree char *root = NULL;

  if (pid == 0)
    return g_strdup (BROKER_SANDBOX_UNKNOWN_APP);
  root = g_strdup_printf ("/proc/%u/root", pid);
  return broker_sandbox_inspect_root (root);
}

static void
refuse (GDBusMethodInvocation *invocation,
        const char            *message)
{
  g_message ("refused %s.%s from %s: %s", g_dbus_method_invocation_get_interface_name (invocation),
             g_dbus_method_invocation_get_method_name (invocation),
             g_dbus_method_invocation_get_sender (invocation), message);
  g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.AccessDenied",
                                              message);
}

/* GDBusObjectSkeleton emits ::authorize-method in a thread of GLib's pool
 * and runs the method in the main context afterwards, so the round trip to
 * the bus here holds up no other call.  (It also means two calls a client
 * sends without waiting for the first reply may be handled out of order;
 * Burrow's clients wait.) */
static gboolean
on_authorize_method (GDBusObjectSkeleton    *object,
                     GDBusInterfaceSkeleton *interface,
                     GDBusMethodInvocation  *invocation,
                     gpointer                user_data)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  Credentials credentials = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *sandbox = NULL;
  g_autofree char *message = NULL;
  BrokerCallerVerdict verdict;

  if (sender == NULL)
    {
      refuse (invocation, "the broker answers over the message bus only");
      return FALSE;
    }
  if (!look_up_credentials (g_dbus_method_invocation_get_connection (invocation), sender,
                            &credentials, &error))
    {
      message = g_strdup_printf ("cannot tell who is calling: %s", error->message);
      refuse (invocation, message);
      return FALSE;
    }
  if (credentials.uid == getuid ())
    sandbox = sandbox_of (credentials.pid);
  verdict = broker_caller_policy_judge (getuid (), credentials.uid, sandbox,
                                        g_dbus_method_invocation_get_interface_name (invocation),
                                        method);
  if (verdict == BROKER_CALLER_ALLOWED)
    return TRUE;
  message = broker_caller_verdict_message (verdict, getuid (), sandbox, method);
  refuse (invocation, message);
  return FALSE;
}

void
broker_caller_guard_object (GDBusObjectSkeleton *object)
{
  g_return_if_fail (G_IS_DBUS_OBJECT_SKELETON (object));

  g_signal_connect (object, "authorize-method", G_CALLBACK (on_authorize_method), NULL);
}
