// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-application.h"

G_BEGIN_DECLS

#define BURROW_TYPE_WINDOW (burrow_window_get_type ())

G_DECLARE_FINAL_TYPE (BurrowWindow, burrow_window, BURROW, WINDOW, AdwApplicationWindow)

BurrowWindow *burrow_window_new  (BurrowApplication *application);
/* Shows @text as a toast in the window @widget is in (any widget of it);
 * a widget in no Burrow window logs it instead. */
void          burrow_window_toast (GtkWidget        *widget,
                                   const char       *text);
/* The same for a failed call: the broker's message, nothing for a call
 * that was cancelled (its widget went away). */
void          burrow_window_toast_error (GtkWidget    *widget,
                                         const GError *error);

G_END_DECLS
