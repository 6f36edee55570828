// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BURROW_TYPE_WINDOW (burrow_window_get_type ())

G_DECLARE_FINAL_TYPE (BurrowWindow, burrow_window, BURROW, WINDOW, AdwApplicationWindow)

BurrowWindow *burrow_window_new (GtkApplication *application);

G_END_DECLS
