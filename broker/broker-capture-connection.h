// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "burrow-dbus.h"
#include "broker-session.h"
#include "broker-traffic.h"

G_BEGIN_DECLS

/* One connect() of a captured program, as io.github.burrow.Burrow.Connection1:
 * what was decided, and for a tunnel its state and bytes.  It stays listed
 * a few seconds after it is over (a DIRECT or BLOCK decision at once, a
 * tunnel once its channel closed), so a viewer sees it go: see _tick(). */
#define BROKER_TYPE_CAPTURE_CONNECTION (broker_capture_connection_get_type ())
G_DECLARE_FINAL_TYPE (BrokerCaptureConnection, broker_capture_connection, BROKER,
                      CAPTURE_CONNECTION, BurrowDBusConnection1Skeleton)

typedef struct
{
  const char *application;
  guint32 pid;
  const char *sandbox;         /* the sandboxed program's app id, or NULL */
  const char *host;            /* the name, or the address */
  const char *address;
  guint16 port;
} BrokerCaptureConnectionInfo;

BrokerCaptureConnection *broker_capture_connection_new        (const BrokerCaptureConnectionInfo *info);
void                     broker_capture_connection_decided    (BrokerCaptureConnection *self,
                                                               const char              *action,
                                                               int                      rule_index);
/* TUNNEL: the session and the counters of its channel; state "opening". */
void                     broker_capture_connection_tunnel     (BrokerCaptureConnection *self,
                                                               BrokerSession           *session,
                                                               const char              *profile,
                                                               BrokerTraffic           *traffic);
/* A failed TUNNEL: State "failed", and why. */
void                     broker_capture_connection_fail       (BrokerCaptureConnection *self,
                                                               const char              *reason);
/* "open", "failed" or "closed". */
void                     broker_capture_connection_set_state  (BrokerCaptureConnection *self,
                                                               const char              *state);
gboolean                 broker_capture_connection_tick       (BrokerCaptureConnection *self);

G_END_DECLS
