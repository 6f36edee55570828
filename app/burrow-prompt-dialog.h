// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define BURROW_TYPE_PROMPT_DIALOG (burrow_prompt_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BurrowPromptDialog, burrow_prompt_dialog, BURROW, PROMPT_DIALOG, AdwMessageDialog)

/* A question for secrets: a password, a key's passphrase or the rounds of
 * keyboard-interactive authentication, each prompt an entry.  Responses:
 * "cancel" and "ok". */
BurrowPromptDialog *burrow_prompt_dialog_new               (GtkWindow          *parent,
                                                            const char         *heading,
                                                            const char         *body);
void                burrow_prompt_dialog_add_prompt        (BurrowPromptDialog *self,
                                                            const char         *label,
                                                            gboolean            echo);
void                burrow_prompt_dialog_set_can_remember  (BurrowPromptDialog *self,
                                                            gboolean            can_remember);
gboolean            burrow_prompt_dialog_get_remember      (BurrowPromptDialog *self);
/* The answers in prompt order; the entries are emptied. */
GStrv               burrow_prompt_dialog_take_answers      (BurrowPromptDialog *self);

G_END_DECLS
