// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

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

G_END_DECLS
