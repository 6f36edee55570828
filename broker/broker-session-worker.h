// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-types.h"

G_BEGIN_DECLS

typedef enum
{
  BROKER_SESSION_DISCONNECTED,
  BROKER_SESSION_CONNECTING,
  BROKER_SESSION_WAITING_FOR_USER,
  BROKER_SESSION_CONNECTED,
  BROKER_SESSION_FAILED,
} BrokerSessionState;

/* What a worker needs to connect; copied, so the configuration may change
 * while it runs. */
typedef struct
{
  char *profile;
  char *host;
  guint16 port;
  char *user;
  GStrv auth_methods;
  GStrv identity_files;       /* paths, "~/" already expanded */
  GStrv known_hosts;          /* checked in order */
  char *save_known_hosts;     /* where a saved key goes */
  char *ssh_dir;              /* for libssh's own lookups: never the real ~ */
  BrokerHostKeyPolicy policy;
  guint timeout;              /* seconds for the TCP connect */
} BrokerSessionParams;

/* Called on the main context, never after broker_session_worker_stop(). */
typedef void (*BrokerSessionNotify) (BrokerSessionState  state,
                                     const char         *reason,
                                     const char         *fingerprint,
                                     gpointer            user_data);

/* One SSH connection, driven without blocking on a thread of its own: libssh
 * objects are only ever touched there (design.md, Concurrency). */
typedef struct _BrokerSessionWorker BrokerSessionWorker;

BrokerSessionParams *broker_session_params_new      (void);
void                 broker_session_params_free     (BrokerSessionParams *params);
const char          *broker_session_state_to_string (BrokerSessionState   state);

BrokerSessionWorker *broker_session_worker_start (BrokerSessionParams *params,
                                                  BrokerSessionNotify  notify,
                                                  gpointer             user_data);
void                 broker_session_worker_stop  (BrokerSessionWorker *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerSessionParams, broker_session_params_free)

G_END_DECLS
