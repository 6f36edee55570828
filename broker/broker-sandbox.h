// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Is a captured program sandboxed, and which application is it?  A process
 * whose root directory holds .flatpak-info is (Flatpak puts it there, read
 * only, for every application it runs; bubblewrap-based sandboxes that
 * imitate Flatpak do too).  The application id is the file's
 * [Application] name=.  The answer is a "sandbox": NULL for a program
 * that is not sandboxed, else the application id, or
 * BROKER_SANDBOX_UNKNOWN_APP when the sandbox does not say (or the broker
 * cannot look: fail-closed, such a program never shares with the
 * unsandboxed).  Sandboxed programs get SSH sessions of their own, one set
 * per sandbox: see broker_sandbox_session_id(). */

/* Not a valid application id, so no application can claim it. */
#define BROKER_SANDBOX_UNKNOWN_APP "(unknown)"

/* What .flatpak-info at @root says; @root stands for a process's root, as
 * /proc/PID/root (a parameter, so tests can point it at a directory). */
char     *broker_sandbox_inspect_root      (const char *root);
/* The same for the process at the other end of the connected Unix socket
 * @socket_fd, whose SO_PEERCRED pid is @pid. */
char     *broker_sandbox_inspect_peer      (int         socket_fd,
                                            pid_t       pid);
/* Letters, digits, '_', '-' and '.', as D-Bus names and Flatpak ids. */
gboolean  broker_sandbox_app_id_is_valid   (const char *app_id);
/* The id of the session carrying @sandbox's connections where an
 * unsandboxed program's session is @id: @id itself when @sandbox is NULL,
 * else "sandbox:APP:ID". */
char     *broker_sandbox_session_id        (const char *sandbox,
                                            const char *id);

G_END_DECLS
