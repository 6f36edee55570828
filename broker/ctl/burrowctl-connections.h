// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int burrowctl_cmd_connections (int    argc,
                               char **argv);

G_END_DECLS
