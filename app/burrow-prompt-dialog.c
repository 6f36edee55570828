// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-prompt-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-prompt-dialog.h"

struct _BurrowPromptDialog
{
  AdwMessageDialog parent_instance;

  GtkBox *entries;
  GtkCheckButton *remember;
  GPtrArray *editables;        /* GtkEditable, in prompt order */
};

G_DEFINE_FINAL_TYPE (BurrowPromptDialog, burrow_prompt_dialog, ADW_TYPE_MESSAGE_DIALOG)

BurrowPromptDialog *
burrow_prompt_dialog_new (GtkWindow  *parent,
                          const char *heading,
                          const char *body)
{
  /* The role is not inherited from AdwMessageDialog: without it a screen
   * reader would not announce a dialog. */
  return g_object_new (BURROW_TYPE_PROMPT_DIALOG,
                       "accessible-role", GTK_ACCESSIBLE_ROLE_DIALOG,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "heading", heading,
                       "body", body,
                       NULL);
}

/* A hidden answer gets a password entry, which keeps it out of the
 * clipboard and the accessibility tree's text. */
void
burrow_prompt_dialog_add_prompt (BurrowPromptDialog *self,
                                 const char         *label,
                                 gboolean            echo)
{
  GtkWidget *title;
  GtkWidget *entry;

  g_return_if_fail (BURROW_IS_PROMPT_DIALOG (self));

  title = gtk_label_new (label);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  if (echo)
    entry = gtk_entry_new ();
  else
    {
      entry = gtk_password_entry_new ();
      gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (entry), TRUE);
    }
  g_object_set (entry, "activates-default", TRUE, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, title, NULL, -1);
  gtk_box_append (self->entries, title);
  gtk_box_append (self->entries, entry);
  if (self->editables->len == 0)
    gtk_widget_grab_focus (entry);
  g_ptr_array_add (self->editables, entry);
}

void
burrow_prompt_dialog_set_can_remember (BurrowPromptDialog *self,
                                       gboolean            can_remember)
{
  g_return_if_fail (BURROW_IS_PROMPT_DIALOG (self));

  gtk_widget_set_visible (GTK_WIDGET (self->remember), can_remember);
}

gboolean
burrow_prompt_dialog_get_remember (BurrowPromptDialog *self)
{
  g_return_val_if_fail (BURROW_IS_PROMPT_DIALOG (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->remember)) &&
         gtk_check_button_get_active (self->remember);
}

GStrv
burrow_prompt_dialog_take_answers (BurrowPromptDialog *self)
{
  g_autoptr(GStrvBuilder) answers = g_strv_builder_new ();

  g_return_val_if_fail (BURROW_IS_PROMPT_DIALOG (self), NULL);

  for (guint i = 0; i < self->editables->len; i++)
    {
      GtkEditable *editable = self->editables->pdata[i];

      g_strv_builder_add (answers, gtk_editable_get_text (editable));
      gtk_editable_set_text (editable, "");
    }
  return g_strv_builder_end (answers);
}

static void
burrow_prompt_dialog_dispose (GObject *object)
{
  BurrowPromptDialog *self = BURROW_PROMPT_DIALOG (object);

  g_clear_pointer (&self->editables, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_PROMPT_DIALOG);

  G_OBJECT_CLASS (burrow_prompt_dialog_parent_class)->dispose (object);
}

static void
burrow_prompt_dialog_class_init (BurrowPromptDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_prompt_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-prompt-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowPromptDialog, entries);
  gtk_widget_class_bind_template_child (widget_class, BurrowPromptDialog, remember);
}

static void
burrow_prompt_dialog_init (BurrowPromptDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->editables = g_ptr_array_new ();
}
