// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Removes every row of @list (gtk_list_box_remove_all is GTK 4.12); the
 * placeholder stays. */
void burrow_list_box_remove_all (GtkListBox *list);

G_END_DECLS
