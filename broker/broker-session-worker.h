// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-channel.h"
#include "broker-config-types.h"
#include "broker-question.h"

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
  guint timeout;              /* seconds the server has to connect and shake hands (the
                               * user's answers not counted); 0: no limit */
  guint keepalive;            /* seconds, 0 = off */
  guint idle_timeout;         /* seconds after the last channel closed */
  int transport_fd;           /* >= 0: a connected stream (a gateway's channel), taken */
  char *via;                  /* the gateway profile, for messages */
} BrokerSessionParams;

typedef enum
{
  BROKER_REMOTE_ONE_SHOT = 1 << 0,   /* an FTP data forward: one connection, then it stops */
  BROKER_REMOTE_HAND_OVER = 1 << 1,  /* connections go to the main thread (incoming) */
} BrokerRemoteFlags;

/* Called on the main context, never after broker_session_worker_stop(). */
typedef struct
{
  void (*state)  (BrokerSessionState  state,
                  const char         *reason,
                  const char         *fingerprint,
                  gpointer            user_data);
  /* A remote tunnel's listener: @error NULL when the server listens;
   * @used when a one-shot listener took its connection and stopped. */
  void (*remote) (BrokerTraffic      *tunnel,
                  guint16             bound_port,
                  const char         *error,
                  gboolean            used,
                  gpointer            user_data);
  /* A connection to a HAND_OVER listener: @fd (taken) is the end of a
   * socket pair whose other end is the channel; @originator the address
   * the SSH server says it came from. */
  void (*incoming) (BrokerTraffic    *tunnel,
                    int               fd,
                    const char       *originator,
                    gpointer          user_data);
  /* Takes @question; answer it with broker_session_worker_answer() and
   * @serial (REMEMBER and FORGET need no answer). */
  void (*ask)    (BrokerQuestion     *question,
                  guint               serial,
                  gpointer            user_data);
} BrokerSessionEvents;

/* One SSH connection, driven without blocking on a thread of its own: libssh
 * objects are only ever touched there (design.md, Concurrency). */
typedef struct _BrokerSessionWorker BrokerSessionWorker;

BrokerSessionParams *broker_session_params_new      (void);
void                 broker_session_params_free     (BrokerSessionParams *params);
const char          *broker_session_state_to_string (BrokerSessionState   state);

BrokerSessionWorker *broker_session_worker_start        (BrokerSessionParams       *params,
                                                         BrokerTraffic             *traffic,
                                                         const BrokerSessionEvents *events,
                                                         gpointer                   user_data);
void                 broker_session_worker_stop         (BrokerSessionWorker       *self);

/* From the main thread; carried out on the worker's thread.  @fd is taken
 * (closed when the channel ends or the session fails).  Channels wait for
 * the session to be connected. */
void                 broker_session_worker_add_channel  (BrokerSessionWorker       *self,
                                                         BrokerChannelMode          mode,
                                                         int                        fd,
                                                         const char                *dst_host,
                                                         guint16                    dst_port,
                                                         BrokerTraffic             *tunnel,
                                                         BrokerOpenReport          *report);
void                 broker_session_worker_add_remote   (BrokerSessionWorker       *self,
                                                         const char                *address,
                                                         guint16                    port,
                                                         const char                *target_host,
                                                         guint16                    target_port,
                                                         BrokerRemoteFlags          flags,
                                                         BrokerTraffic             *tunnel);
/* Stops @tunnel's remote listeners; the channels they carried go on. */
void                 broker_session_worker_stop_listening (BrokerSessionWorker     *self,
                                                           BrokerTraffic           *tunnel);
/* The user's answer to the question @serial; takes @answer. */
void                 broker_session_worker_answer       (BrokerSessionWorker       *self,
                                                         guint                      serial,
                                                         BrokerAnswer              *answer);
/* Closes @tunnel's channels and its listener on the server. */
void                 broker_session_worker_close_tunnel (BrokerSessionWorker       *self,
                                                         BrokerTraffic             *tunnel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerSessionParams, broker_session_params_free)

G_END_DECLS
