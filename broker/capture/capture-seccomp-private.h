// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* What capture-seccomp.c (the filter and the supervisor's loop) and
 * capture-seccomp-calls.c (the notified system calls) share. */

#include "capture-dns.h"

#include <linux/seccomp.h>

typedef struct
{
  int listener;                 /* the filter's notification fd */
  CaptureDns *dns;              /* NULL: names are not redirected */
} CaptureCalls;

/* Judges one notification: answers it at once, or on a thread of its own
 * when that may wait (a TCP connect; a blocking receive). */
void capture_seccomp_handle (const CaptureCalls         *calls,
                             const struct seccomp_notif *request);

/* A copy of the descriptor @number of @pidfd's process; @pidfd is closed.
 * -1 with errno when there is none (or @pidfd is -1). */
int capture_seccomp_copy_fd (int pidfd,
                             int number);
