// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-channel.h"
#include "broker-question.h"
#include "broker-session-worker.h"
#include "broker-ssh-types.h"

G_BEGIN_DECLS

typedef enum
{
  PHASE_CONNECT,
  PHASE_HOST_KEY,
  PHASE_AUTH_NONE,
  PHASE_AUTH,
  PHASE_WAITING,               /* for the user's answer, through the main thread */
  PHASE_CONNECTED,
  PHASE_DONE,
} Phase;

/* Shared by the worker's letters and the main thread: stop() sets stopped
 * on the main thread, where every letter is delivered, so a notification
 * never reaches a caller that has gone.  The worker's thread takes a
 * reference for each letter while the main thread drops those of letters
 * delivered: an atomic rc-box. */
typedef struct
{
  gboolean stopped;
  BrokerSessionEvents events;
  gpointer user_data;
} Mailbox;

/* A remote tunnel's listener on the SSH server. */
typedef struct
{
  char *address;
  guint16 port;
  guint16 bound;
  char *target_host;
  guint16 target_port;
  BrokerTraffic *tunnel;
  gboolean listening;
  gboolean closed;             /* its tunnel went; waiting for a request to end */
  BrokerRemoteFlags flags;
} RemoteForward;

/* A global request (tcpip-forward and its cancel); libssh tracks one at a
 * time, so they run one after the other. */
typedef struct
{
  RemoteForward *forward;       /* listen; NULL: cancel */
  char *address;
  guint16 port;
} GlobalRequest;

struct _BrokerSessionWorker
{
  BrokerSessionParams *params;
  BrokerTraffic *traffic;
  GMainContext *main_context;
  Mailbox *mailbox;            /* atomic rc-box */

  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;

  ssh_session ssh;
  ssh_event event;
  int transport_fd;            /* a gateway's channel's socket pair end, or -1 */
  int transport_lib_fd;        /* the copy given to libssh */
  GSource *ssh_source;
  gpointer ssh_tag;
  GIOCondition ssh_condition;  /* what ssh_source watches now */
  Phase phase;
  guint method;                /* index into params->auth_methods */
  guint identity;              /* next identity file to try */
  gboolean tried_agent;
  GString *tried;              /* what authentication attempted, for the error */

  /* Questions for the user (broker-session-worker-auth.c). */
  Phase resume;                /* the phase an answer resumes */
  guint serial;                /* of the question asked last */
  BrokerAnswer *answer;        /* the answer to it, until used */
  ssh_key host_key;            /* waiting for the user's verdict */
  char *password;
  gboolean password_from_keyring;
  gboolean password_remember;
  gboolean keyring_refused;    /* the stored password was refused */
  guint password_attempts;
  guint kbdint_attempts;
  guint kbdint_rounds;
  gboolean kbdint_started;
  gboolean kbdint_from_keyring;  /* the answers sent are the stored password */
  gboolean kbdint_keyring_tried; /* the stored password is not offered twice */
  char *kbdint_remember;       /* the answer to remember once the server accepts */
  char *passphrase;
  gboolean passphrase_from_keyring;
  gboolean passphrase_remember;
  gboolean passphrase_keyring_refused;
  guint passphrase_attempts;
  ssh_key identity_key;        /* offered, the server's answer pending */

  /* Worker-thread state for channels (broker-session-worker-channels.c). */
  BrokerChannelHost host;
  GPtrArray *channels;         /* BrokerChannel, live */
  GPtrArray *waiting;          /* ChannelRequest, before the session is up */
  GPtrArray *dead;             /* BrokerChannel, to free */
  GPtrArray *blocked;          /* BrokerChannel, stopped by congestion */
  GPtrArray *window_waiters;   /* BrokerChannel, stopped by the SSH window */
  GPtrArray *orphans;          /* ssh_channel, given up while opening */
  char *last_error;            /* the session's error text, when looked at last */
  GHashTable *connects;        /* BrokerChannel → GCancellable (incoming, connecting) */
  GPtrArray *remotes;          /* RemoteForward */
  GQueue requests;             /* GlobalRequest */
  GSource *reap_source;
  GSource *idle_source;
  GSource *keepalive_source;
  struct ssh_counter_struct received;
  guint64 packets_seen;
  guint silent_ticks;
  ssh_channel ping;
  gboolean had_channels;
  gboolean had_remotes;        /* incoming channels may arrive */
  GSource *lost_source;        /* the connection broke inside a libssh call */
  GSource *deadline_source;    /* the server must answer before it fires */
};

void broker_session_worker_post           (BrokerSessionWorker *self,
                                           BrokerSessionState   state,
                                           const char          *reason,
                                           const char          *fingerprint);
void broker_session_worker_finish         (BrokerSessionWorker *self,
                                           BrokerSessionState   state,
                                           const char          *reason);
void broker_session_worker_watch_socket   (BrokerSessionWorker *self);
void broker_session_worker_fail           (BrokerSessionWorker *self,
                                           const char          *what);
void broker_session_worker_connected      (BrokerSessionWorker *self);
void broker_session_worker_set_deadline   (BrokerSessionWorker *self,
                                           gboolean             armed);

/* broker-session-worker-auth.c */
void broker_session_worker_step_auth      (BrokerSessionWorker *self);
void broker_session_worker_clear_secrets  (BrokerSessionWorker *self);

/* broker-session-worker-channels.c */
void broker_session_worker_init_channels  (BrokerSessionWorker *self);
void broker_session_worker_start_channels (BrokerSessionWorker *self);
void broker_session_worker_after_io       (BrokerSessionWorker *self);
void broker_session_worker_drop_channels  (BrokerSessionWorker *self);
void broker_session_worker_free_channels  (BrokerSessionWorker *self);
void broker_session_worker_fini_channels  (BrokerSessionWorker *self);

G_END_DECLS
