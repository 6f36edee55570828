// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-capture-connection.h"
#include "broker-config.h"
#include "broker-session.h"

G_BEGIN_DECLS

/* The capture socket: captured programs (libburrow-capture.so) ask here
 * what to do with each TCP connect, passing their socket along.  A Unix
 * socket in $XDG_RUNTIME_DIR/burrow/ (directory 0700, socket 0600);
 * programs of other users are told to connect directly, untouched. */
typedef struct _BrokerCaptureServer BrokerCaptureServer;

/* What the server needs of the broker: the configuration in force, and
 * the shared session a TUNNEL rule's connections to @host ride (with
 * hostname-from-app="YES", a session to @host itself).  A sandboxed
 * program's (@sandbox, broker-sandbox.h) never ride an unsandboxed one's
 * session, nor another sandbox's. */
typedef struct
{
  BrokerConfig  *(*get_config)  (gpointer          owner);
  BrokerSession *(*get_session) (gpointer          owner,
                                 const BrokerRule *rule,
                                 const char       *host,
                                 const char       *sandbox,
                                 GError          **error);
  /* Lists a decided connect (Connection1); the owner takes it off once
   * broker_capture_connection_tick() says it is over. */
  void           (*publish)     (gpointer                 owner,
                                 BrokerCaptureConnection *connection);
  /* A TUNNEL connect failed (after publish): tells the desktop. */
  void           (*failed)      (gpointer                 owner,
                                 BrokerCaptureConnection *connection,
                                 const char              *reason);
  gpointer owner;
} BrokerCaptureHost;

/* The errno a BLOCK rule gives the program's connect(). */
#define BROKER_CAPTURE_BLOCK_ERRNO EACCES

char                *broker_capture_server_default_path (void);
BrokerCaptureServer *broker_capture_server_new          (const BrokerCaptureHost *host,
                                                         const char              *path,
                                                         GError                 **error);
void                 broker_capture_server_free         (BrokerCaptureServer     *self);

G_END_DECLS
