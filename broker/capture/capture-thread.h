// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* The seccomp supervisor's threads: one per call or query that may wait,
 * detached, with a small stack. */

/* Runs @run (@data) on a new detached thread; 0, or -1 when none could
 * be started (then @run never runs). */
int capture_thread_start (void *(*run) (void *),
                          void  *data);
