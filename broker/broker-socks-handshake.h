// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A dynamic tunnel's client, until its SOCKS request is complete: read on
 * the main context, so that clients slow to name their destination (or
 * that never do) cost the session's worker, which pumps every other
 * channel's data, nothing.  A client has 10 seconds from its connect to
 * send the whole request; then it is closed. */
typedef struct _BrokerSocksHandshake BrokerSocksHandshake;

/* Called once: with the client's connection (taken), the SOCKS version
 * (4 or 5) and the destination when the request is complete, with @fd -1
 * when the client is gone (refused, hung up or too slow).  The bytes after
 * the request are still in the socket, unread.  Free @handshake here or
 * later; @host is its own. */
typedef void (*BrokerSocksHandshakeFunc) (BrokerSocksHandshake *handshake,
                                          int                   fd,
                                          guint                 version,
                                          const char           *host,
                                          guint16               port,
                                          gpointer              user_data);

/* @fd (non-blocking) is taken. */
BrokerSocksHandshake *broker_socks_handshake_new  (int                       fd,
                                                   BrokerSocksHandshakeFunc  func,
                                                   gpointer                  user_data);
/* Closes the client if it is still here; @func is not called. */
void                  broker_socks_handshake_free (BrokerSocksHandshake     *self);

G_END_DECLS
