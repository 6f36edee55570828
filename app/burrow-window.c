// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-window"

#include "config.h"

#include "burrow-window.h"

struct _BurrowWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;

  AdwViewStack *stack;
  AdwViewSwitcherTitle *switcher_title;
};

G_DEFINE_FINAL_TYPE (BurrowWindow, burrow_window, ADW_TYPE_APPLICATION_WINDOW)

BurrowWindow *
burrow_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (BURROW_TYPE_WINDOW, "application", application, NULL);
}

/* The size is saved once, on close, rather than bound to default-width and
 * default-height: a binding would write to dconf on every resize step. */
static void
burrow_window_save_state (BurrowWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static void
burrow_window_restore_state (BurrowWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
burrow_window_close_request (GtkWindow *window)
{
  burrow_window_save_state (BURROW_WINDOW (window));

  return GTK_WINDOW_CLASS (burrow_window_parent_class)->close_request (window);
}

static void
burrow_window_dispose (GObject *object)
{
  BurrowWindow *self = BURROW_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_WINDOW);

  G_OBJECT_CLASS (burrow_window_parent_class)->dispose (object);
}

static void
burrow_window_finalize (GObject *object)
{
  BurrowWindow *self = BURROW_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (burrow_window_parent_class)->finalize (object);
}

static void
burrow_window_class_init (BurrowWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = burrow_window_dispose;
  object_class->finalize = burrow_window_finalize;
  window_class->close_request = burrow_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, switcher_title);
}

static void
burrow_window_init (BurrowWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  burrow_window_restore_state (self);
}
