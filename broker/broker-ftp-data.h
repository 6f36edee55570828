// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-session.h"
#include "broker-traffic.h"

G_BEGIN_DECLS

/*
 * One FTP data forward, opened for one PASV/EPSV reply or PORT/EPRT command
 * and closed after its first connection or BROKER_FTP_DATA_LIFETIME seconds,
 * whichever comes first.  The connection it carried goes on after that.
 *
 *   local   a listener here (on @bind_address, port chosen by the kernel)
 *           whose connection, if it comes from @peer_address, is carried
 *           through the session to @target_host:@target_port.
 *   remote  a listener on the SSH server's loopback whose connection is
 *           relayed to @target_host:@target_port from here.
 *
 * A local forward listens when it is made (get_address, get_port); a
 * remote one says once where it listens (ready) or why it could not
 * (failed).  Then it says once that it is spent (done: used or expired).
 * After failed or done nothing more is said; free it then, or any time
 * before.
 */

#define BROKER_FTP_DATA_LIFETIME 30

typedef struct _BrokerFtpData BrokerFtpData;

typedef struct
{
  /* remote only */
  void (*ready)  (BrokerFtpData *data,
                  const char    *address,
                  guint16        port,
                  gpointer       user_data);
  void (*failed) (BrokerFtpData *data,
                  const char    *message,
                  gpointer       user_data);
  void (*done)   (BrokerFtpData *data,
                  gpointer       user_data);
} BrokerFtpDataEvents;

BrokerFtpData *broker_ftp_data_new_local  (BrokerSession             *session,
                                           BrokerTraffic             *tunnel,
                                           const char                *bind_address,
                                           const char                *peer_address,
                                           const char                *target_host,
                                           guint16                    target_port,
                                           const BrokerFtpDataEvents *events,
                                           gpointer                   user_data,
                                           GError                   **error);
BrokerFtpData *broker_ftp_data_new_remote (BrokerSession             *session,
                                           BrokerTraffic             *tunnel,
                                           const char                *target_host,
                                           guint16                    target_port,
                                           const BrokerFtpDataEvents *events,
                                           gpointer                   user_data);
void           broker_ftp_data_free       (BrokerFtpData             *self);
const char    *broker_ftp_data_get_address (BrokerFtpData            *self);
guint16        broker_ftp_data_get_port    (BrokerFtpData            *self);
/* The address a local data listener on @port is bound to, or NULL. */
const char    *broker_ftp_data_get_local_address (guint16             port);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerFtpData, broker_ftp_data_free)

G_END_DECLS
