// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-open-report.h"
#include "broker-traffic.h"

#include <libssh/libssh.h>

G_BEGIN_DECLS

/* One application connection carried in one SSH channel: bytes pumped both
 * ways without blocking, half-close carried, nothing buffered lost on close.
 * Lives on its session worker's thread only (libssh objects are used there
 * and nowhere else). */
typedef struct _BrokerChannel BrokerChannel;

/* What the worker lends its channels. */
typedef struct
{
  ssh_session ssh;
  GMainContext *context;
  BrokerTraffic *traffic;               /* the session's counters */
  /* libssh's output buffer is full: stop reading applications. */
  gboolean (*congested) (gpointer owner);
  /* A channel stopped reading because of congestion: resume it later with
   * broker_channel_resume(). */
  void     (*blocked)   (gpointer owner, BrokerChannel *channel);
  /* Something was written to the SSH connection. */
  void     (*wrote)     (gpointer owner);
  /* The channel is over: free it with broker_channel_free() outside of any
   * libssh call. */
  void     (*finished)  (gpointer owner, BrokerChannel *channel);
  /* Out of SSH window: call broker_channel_window_opened() after libssh
   * processed input until it says TRUE. */
  void     (*window_wanted) (gpointer owner, BrokerChannel *channel);
  /* A channel whose open is still pending at the server, to be closed (or
   * freed) once the server answers. */
  void     (*orphaned)  (gpointer owner, ssh_channel channel);
  gpointer owner;
} BrokerChannelHost;

/* Whom the application expects an answer from once the channel opened or
 * failed: nobody, or a SOCKS client (its request already read, see
 * broker-socks-handshake.h). */
typedef enum
{
  BROKER_CHANNEL_DIRECT,                /* direct-tcpip to host:port */
  BROKER_CHANNEL_SOCKS4,                /* ...answered as SOCKS4 */
  BROKER_CHANNEL_SOCKS5,                /* ...answered as SOCKS5 */
} BrokerChannelMode;

BrokerChannel *broker_channel_new_outgoing (const BrokerChannelHost *host,
                                            BrokerChannelMode        mode,
                                            int                      fd,
                                            const char              *dst_host,
                                            guint16                  dst_port,
                                            BrokerTraffic           *tunnel);
BrokerChannel *broker_channel_new_incoming (const BrokerChannelHost *host,
                                            ssh_channel              channel,
                                            BrokerTraffic           *tunnel);
void           broker_channel_set_report   (BrokerChannel           *self,
                                            BrokerOpenReport        *report);
void           broker_channel_start        (BrokerChannel           *self);
void           broker_channel_attach_fd    (BrokerChannel           *self,
                                            int                      fd);
gboolean       broker_channel_is_opening   (BrokerChannel           *self);
gboolean       broker_channel_is_open      (BrokerChannel           *self);
gboolean       broker_channel_open_confirmed (BrokerChannel         *self);
void           broker_channel_continue_open (BrokerChannel          *self);
void           broker_channel_resume       (BrokerChannel           *self);
gboolean       broker_channel_window_opened (BrokerChannel          *self);
void           broker_channel_abort        (BrokerChannel           *self);
BrokerTraffic *broker_channel_get_tunnel   (BrokerChannel           *self);
void           broker_channel_free         (BrokerChannel           *self);

G_END_DECLS
