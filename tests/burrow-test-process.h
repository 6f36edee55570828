// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Process trees of the servers tests start (sshd forks a process per
 * connection that outlives the listener). */

/* The direct children of @parent now (GPid each). */
GArray   *burrow_test_process_children        (GPid parent);
/* TRUE once @pid is gone from /proc (reaped), within 5 s. */
gboolean  burrow_test_process_wait_reaped     (GPid pid);
/* For the caller's own child, which stays in /proc until the caller reaps
 * it: TRUE once it has exited and is reaped here, within 5 s. */
gboolean  burrow_test_process_reap_child      (GPid pid);
/* Ends @parent's descendants leaf first: SIGTERM, then SIGKILL if one
 * lingers.  @parent itself is left alone. */
void      burrow_test_process_end_descendants (GPid parent);
/* A child setup function (GSpawnChildSetupFunc): the server it runs gets
 * SIGTERM when the test that started it dies, so an aborted test leaves
 * nothing listening. */
void      burrow_test_process_die_with_parent (gpointer user_data);

/* The pid of @process (a GSubprocess still running), or 0. */
GPid      burrow_test_subprocess_pid          (GSubprocess *process);
/* TRUE once @process (NULL: none) and everything it forked are gone:
 * its descendants ended, then it gets SIGTERM, then SIGKILL after 5 s. */
gboolean  burrow_test_subprocess_stop         (GSubprocess *process);
/* Runs @argv (a full path first) to completion, its stdout discarded;
 * FALSE, with the command and its stderr in @error, unless it exits 0. */
gboolean  burrow_test_spawn_checked           (const char * const *argv,
                                               GError            **error);

G_END_DECLS
