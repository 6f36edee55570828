// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BROKER_NAME_MAX_BYTES 255

const char *broker_name_problem (const char *name);

G_END_DECLS
