// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What libburrow-capture.so's hooks share: the settings burrow-capture put
 * in the environment, the real libc functions, and one question to the
 * broker.  Internal to the library (hidden symbols). */

#include "burrow-capture-protocol.h"
#include "capture-rules.h"

#include <limits.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#define CAPTURE_INTERNAL __attribute__ ((visibility ("hidden")))
#define CAPTURE_EXPORT __attribute__ ((visibility ("default")))

typedef struct
{
  int (*connect) (int, const struct sockaddr *, socklen_t);
  int (*getpeername) (int, struct sockaddr *, socklen_t *);
  int (*getaddrinfo) (const char *, const char *, const struct addrinfo *, struct addrinfo **);
  struct hostent *(*gethostbyname) (const char *);
  struct hostent *(*gethostbyname2) (const char *, int);
  int (*gethostbyname_r) (const char *, struct hostent *, char *, size_t, struct hostent **,
                          int *);
  char socket_path[sizeof ((struct sockaddr_un *) 0)->sun_path];
  char rules_path[PATH_MAX];  /* the broker's rules snapshot, or "" */
  int disabled;       /* BURROW_CAPTURE_DISABLE: this is the broker itself */
  int loopback;       /* capture loopback destinations too (-l) */
  int fallback;       /* no broker: connect directly (-F) */
  int debug;          /* 0 quiet, 1 failures and fallbacks, 2 every decision */
} CaptureSettings;

/* Loaded once, thread-safely, on first use. */
CAPTURE_INTERNAL const CaptureSettings *capture_settings (void);

CAPTURE_INTERNAL void capture_say (int         level,
                                   const char *format,
                                   ...) __attribute__ ((format (printf, 2, 3)));

/* One question on a fresh connection to the capture socket, with @fd
 * passed along when >= 0.  Returns 0 with @reply filled, or -1 with errno:
 * ENOENT or ECONNREFUSED when there is no broker. */
CAPTURE_INTERNAL int capture_ask (const BurrowCaptureMessage *request,
                                  int                         fd,
                                  BurrowCaptureMessage       *reply);

/* One message the broker does not answer (a REPORT), on a fresh
 * connection; never waits for the broker.  Returns 0 or -1 with errno. */
CAPTURE_INTERNAL int capture_tell (const BurrowCaptureMessage *message);

/* The broker's rules snapshot (capture-rules.h), read again whenever the
 * file changes, for a connect of @program (an executable path; NULL or "":
 * unknown).  Returns 0 with @verdict filled, or -1 when there is no usable
 * snapshot (then only the broker can decide). */
CAPTURE_INTERNAL int capture_local_decide (const char            *program,
                                           const struct sockaddr *address,
                                           CaptureVerdict        *verdict);

/* 0 when the snapshot shows that no TUNNEL rule can cover @name looked up
 * by @program (an executable path; NULL: this process) (resolve it
 * normally, without asking); 1 when one may, or there is no snapshot. */
CAPTURE_INTERNAL int capture_local_name_maybe_tunnelled (const char *program,
                                                         const char *name);

/* This program's executable (/proc/self/exe), or "" when unknown. */
CAPTURE_INTERNAL const char *capture_executable (void);
