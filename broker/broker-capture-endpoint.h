// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The capture endpoint: listeners on 127.0.0.1 and ::1 that a captured
 * program's own socket is connected to, so that its bytes reach the broker
 * with every TCP behaviour the program expects.  The broker makes that
 * connect itself, on a copy of the program's socket, and gets back its end
 * of the connection; connections to the endpoint that the broker did not
 * make are closed. */
typedef struct _BrokerCaptureEndpoint BrokerCaptureEndpoint;

/* The broker's end (@fd, to own), or -1 and why. */
typedef void (*BrokerCaptureJoinFunc) (int         fd,
                                       const char *error,
                                       gpointer    user_data);

/* 0, or the errno of a failed connect. */
typedef void (*BrokerCaptureConnectFunc) (int      error_number,
                                          gpointer user_data);

BrokerCaptureEndpoint *broker_capture_endpoint_new  (GError               **error);
/* Connects @socket_fd (a copy of a program's socket, taken) to @target, in
 * a thread (a blocking socket's connect blocks), for a DIRECT decision the
 * program cannot carry out itself. */
void                   broker_capture_connect_direct (int                      socket_fd,
                                                      GSocketAddress          *target,
                                                      BrokerCaptureConnectFunc func,
                                                      gpointer                 user_data);
void                   broker_capture_endpoint_join (BrokerCaptureEndpoint *self,
                                                     int                    socket_fd,
                                                     BrokerCaptureJoinFunc  func,
                                                     gpointer               user_data);
void                   broker_capture_endpoint_free (BrokerCaptureEndpoint *self);

G_END_DECLS
