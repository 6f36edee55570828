// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Programs run as Flatpak runs an application, with bubblewrap: a root of
 * its own (a tmpfs) with the system's /usr and /etc, /proc, /dev, @dir
 * (bound read-write), the build tree (read-only) and a /.flatpak-info that
 * names @app_id.  The network namespace stays the caller's. */

/* Appends "bwrap … --" to @argv; the .flatpak-info is written into @dir. */
void     burrow_test_sandbox_add_argv (GPtrArray  *argv,
                                       const char *dir,
                                       const char *app_id);
/* TRUE if bwrap can make a sandbox here; else the test is marked skipped
 * (with why) and FALSE returned. */
gboolean burrow_test_sandbox_usable   (const char *dir);

G_END_DECLS
