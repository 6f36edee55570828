// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int burrowctl_cmd_forward (int    argc,
                           char **argv);
int burrowctl_cmd_tunnels (int    argc,
                           char **argv);

G_END_DECLS
