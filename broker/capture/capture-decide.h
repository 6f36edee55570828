// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* One implementation of a captured connect's decision, shared by the
 * LD_PRELOAD library and the seccomp supervisor (capture-decide.c says
 * how it decides).  Internal to them (hidden symbols in the library). */

#include "capture-client.h"

#include <sys/types.h>

typedef struct
{
  int fd;                       /* the program's socket, as this process holds it */
  pid_t pid;                    /* the program, when this is its supervisor; else 0 */
  const char *executable;       /* the program's executable, or "" */
  /* The original connect(), made on @fd when the connect goes DIRECT. */
  int (*connect) (int, const struct sockaddr *, socklen_t);
} CaptureTarget;

/* Whether a connect of @fd to @address is the broker's business: a TCP
 * socket, not yet connected, to an IPv4 or IPv6 address that is neither
 * unspecified nor (unless -l) loopback. */
CAPTURE_INTERNAL int capture_wants_broker (int                    fd,
                                           const struct sockaddr *address,
                                           socklen_t              length);

/* The connect, decided and done: connect()'s result, errno set on -1. */
CAPTURE_INTERNAL int capture_decide (const CaptureTarget   *target,
                                     const struct sockaddr *address,
                                     socklen_t              length);

/* When @fd was tunnelled and is still connected to the same endpoint
 * (@real, from the real getpeername()): what the program asked for, into
 * @address and @length as getpeername() fills them; returns 1, else 0. */
CAPTURE_INTERNAL int capture_tunnelled_asked (int                            fd,
                                              const struct sockaddr_storage *real,
                                              socklen_t                      real_length,
                                              struct sockaddr               *address,
                                              socklen_t                     *length);
