// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "burrowctl agent": answers the broker's questions on a terminal or from a
 * script. */
int burrowctl_agent (int    argc,
                     char **argv);

G_END_DECLS
