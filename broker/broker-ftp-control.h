// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-session.h"
#include "broker-traffic.h"

G_BEGIN_DECLS

/*
 * One FTP control connection of an FTP tunnel, relayed on the main thread
 * (a few hundred bytes per transfer) through a BrokerFtpRewriter, opening
 * a BrokerFtpData for every data channel the rewriter announces:
 *
 *                     passive (PASV, EPSV)            active (PORT, EPRT)
 *   local tunnel   listener here on data_address  →   listener on the SSH server
 *                  through SSH to server_host:P       → client_address:C from here
 *   remote tunnel  listener on the SSH server     →   listener here on data_address
 *                  server_host:P from here            → through SSH to client_address:C
 *
 * Both descriptors are taken, non-blocking, unless it returns NULL (the
 * client's address is not an IP address).  "finished" is the owner's cue to
 * free it.
 */

typedef struct
{
  BrokerSession *session;
  BrokerTraffic *tunnel;
  gboolean remote;             /* a remote FTP tunnel */
  const char *server_host;     /* where the FTP server listens for data (its host) */
  const char *client_address;  /* the FTP client's own address: PORT/EPRT must name it */
  const char *data_address;    /* local data listeners bind here; replies name it */
  const char *peer_address;    /* who may connect to a local data listener */
} BrokerFtpControlSetup;

typedef struct _BrokerFtpControl BrokerFtpControl;

typedef void (*BrokerFtpControlFinished) (BrokerFtpControl *control,
                                          gpointer          user_data);

BrokerFtpControl *broker_ftp_control_new  (const BrokerFtpControlSetup *setup,
                                           int                          client_fd,
                                           int                          server_fd,
                                           BrokerFtpControlFinished     finished,
                                           gpointer                     user_data);
/* The common case: @client_fd is a client connected here (to a local FTP
 * tunnel, or a captured program), and the server is reached through a
 * direct-tcpip channel of @session to @server_host:@server_port; passive
 * data listeners go on the address the client reached, for that client
 * only.  Takes @client_fd and @report (told whether the channel opened);
 * NULL if it cannot start (logged; the report then says it failed). */
BrokerFtpControl *broker_ftp_control_new_local (BrokerSession           *session,
                                                BrokerTraffic           *tunnel,
                                                int                      client_fd,
                                                const char              *server_host,
                                                guint16                  server_port,
                                                BrokerOpenReport        *report,
                                                BrokerFtpControlFinished finished,
                                                gpointer                 user_data);
void              broker_ftp_control_free (BrokerFtpControl            *self);

/* A socket's own (@peer FALSE) or its peer's IP address as text; an
 * IPv4-mapped one as IPv4; NULL if not IP. */
char             *broker_ftp_socket_address (int                        fd,
                                             gboolean                   peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerFtpControl, broker_ftp_control_free)

G_END_DECLS
