// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* Synthetic addresses for names a TUNNEL rule covers, asked of the broker:
 * shared by the LD_PRELOAD library's getaddrinfo() (capture-resolve.c) and
 * the seccomp supervisor's DNS resolver (capture-dns.c). */

#include "capture-client.h"

#include <sys/types.h>

/* Whether @name is a name (not an address) that a TUNNEL rule may cover
 * when @program (an executable path; NULL: this process) looks it up, by
 * the rules snapshot: nothing asked of the broker. */
CAPTURE_INTERNAL int capture_name_may_be_synthetic (const char *program,
                                                    const char *name);

/* The broker's synthetic address for @name in @family (AF_INET or
 * AF_INET6), asked on behalf of @pid (0: this process).  Returns 1 with
 * @address and @length filled, or 0 to resolve @name normally (no TUNNEL
 * rule covers it, or no broker). */
CAPTURE_INTERNAL int capture_ask_synthetic (const char              *name,
                                            int                      family,
                                            pid_t                    pid,
                                            struct sockaddr_storage *address,
                                            socklen_t               *length);
