// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Session-wide capture: <connection-capture enable-at-startup="YES"/>, the
 * seed's "Enable transparent tunneling at startup".
 *
 * The mechanism is the session's environment.  When on, the broker writes
 * $XDG_CONFIG_HOME/environment.d/60-burrow-capture.conf, which sets
 * LD_PRELOAD to libburrow-capture.so (keeping an LD_PRELOAD already there).
 * systemd's user manager reads environment.d at login, and the graphical
 * session (GNOME Shell and every program it starts, D-Bus activated
 * services, terminals and their shells) inherits it: from the next login
 * every dynamically linked program of the session is captured.  The broker
 * also puts the variable into the running user manager (SetEnvironment),
 * so services and D-Bus activated programs started from then on are
 * captured at once; programs already running, and those started by a
 * shell that was running before, keep the environment they have.
 *
 * When off, the file is removed (only if it is Burrow's: it starts with
 * Burrow's header) and the library is taken out of the user manager's
 * LD_PRELOAD.  The broker never captures itself (main.c drops the
 * variable first thing).
 */

/* The environment.d file. */
char    *broker_session_capture_file_path    (void);

/* Where libburrow-capture.so is: BURROW_CAPTURE_LIBRARY, next to the
 * broker in a build tree, relative to the broker where meson installs
 * both, or the configured path.  NULL when none is there. */
char    *broker_session_capture_library_path (void);

/* The file's text for @library.  Pure. */
char    *broker_session_capture_render       (const char *library);

/* LD_PRELOAD's list (separated by spaces or colons) with @library put
 * first (@add) or taken out, and any other libburrow-capture.so with it;
 * NULL when the list ends up empty.  Pure. */
char    *broker_session_capture_edit_preload (const char *current,
                                              const char *library,
                                              gboolean    add);

/* Whether @text is a file this broker wrote (its header). */
gboolean broker_session_capture_is_ours      (const char *text);

/* Writes the file for @library, or removes it (if it is Burrow's) for
 * NULL.  A few hundred bytes in the user's config directory; FALSE with
 * @error saying what is wrong with which file, and what the user can do. */
gboolean broker_session_capture_write        (const char      *library,
                                              GError         **error);

/* Puts @library into the running user manager's LD_PRELOAD, or takes
 * Burrow's out for NULL, on @bus (may be NULL); asynchronous.  The caller
 * cancels @cancellable at the next turn, so that one turn is never
 * overtaken by the one before (messages on one connection arrive in order:
 * a Set already sent is seen by the next Get). */
void     broker_session_capture_tell_manager (GDBusConnection *bus,
                                              const char      *library,
                                              GCancellable    *cancellable);

G_END_DECLS
