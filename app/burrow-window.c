// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "burrow-capture-page.h"
#include "burrow-profiles-page.h"
#include "burrow-rules-page.h"
#include "burrow-window.h"

struct _BurrowWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  BurrowBrokerClient *client;

  AdwToastOverlay *toast_overlay;
  AdwViewStack *stack;
  AdwViewSwitcherTitle *switcher_title;
  GtkRevealer *config_error_revealer;
  GtkLabel *config_error_label;
  BurrowProfilesPage *profiles_page;
  BurrowCapturePage *capture_page;
  BurrowRulesPage *rules_page;
};

G_DEFINE_FINAL_TYPE (BurrowWindow, burrow_window, ADW_TYPE_APPLICATION_WINDOW)

void
burrow_window_toast (GtkWidget  *widget,
                     const char *text)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (BURROW_IS_WINDOW (root))
    adw_toast_overlay_add_toast (BURROW_WINDOW (root)->toast_overlay, adw_toast_new (text));
  else
    g_message ("%s", text);
}

void
burrow_window_toast_error (GtkWidget    *widget,
                           const GError *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  text = burrow_broker_client_error_text (error);
  burrow_window_toast (widget, text);
}

/* The broker keeps its last good configuration while the file on disk is
 * broken; the bar says why, with the file and line, until it is fixed. */
static void
update_config_errors (BurrowWindow *self)
{
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  const char * const *errors = broker != NULL ? burrow_dbus_broker1_get_config_errors (broker) : NULL;
  g_autofree char *joined = NULL;
  g_autofree char *text = NULL;

  if (errors == NULL || errors[0] == NULL)
    {
      gtk_revealer_set_reveal_child (self->config_error_revealer, FALSE);
      return;
    }
  joined = g_strjoinv ("\n", (char **) errors);
  text = g_strdup_printf (_("The configuration file has errors; Burrow keeps using the last good "
                            "configuration.\n%s"), joined);
  gtk_label_set_text (self->config_error_label, text);
  gtk_revealer_set_reveal_child (self->config_error_revealer, TRUE);
}

static void
on_config_changed (BurrowBrokerClient *client,
                   gpointer            user_data)
{
  update_config_errors (user_data);
}

/* The file of the first error: errors read "file:line: message". */
static char *
dup_config_error_file (BurrowWindow *self)
{
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  const char * const *errors = broker != NULL ? burrow_dbus_broker1_get_config_errors (broker) : NULL;
  const char *colon;

  if (errors == NULL || errors[0] == NULL || (colon = strchr (errors[0], ':')) == NULL)
    return NULL;
  return g_strndup (errors[0], colon - errors[0]);
}

static void
on_config_file_opened (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(BurrowWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    burrow_window_toast (GTK_WIDGET (self), error->message);
}

static void
open_config_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BurrowWindow *self = BURROW_WINDOW (widget);
  g_autofree char *path = dup_config_error_file (self);
  g_autofree char *uri = NULL;

  if (path == NULL)
    return;
  uri = g_filename_to_uri (path, NULL, NULL);
  if (uri == NULL)
    return;
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_config_file_opened,
                                           g_object_ref (self));
}

static void
on_reloaded (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BurrowWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (burrow_dbus_broker1_call_reload_finish (BURROW_DBUS_BROKER1 (source), result, &error))
    {
      burrow_window_toast (GTK_WIDGET (self), _("Configuration reloaded"));
      return;
    }
  text = burrow_broker_client_error_text (error);
  burrow_window_toast (GTK_WIDGET (self), text);
}

static void
reload_config_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BurrowWindow *self = BURROW_WINDOW (widget);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (broker == NULL)
    return;
  burrow_dbus_broker1_call_reload (broker, NULL, on_reloaded, g_object_ref (self));
}

static void
burrow_window_set_client (BurrowWindow       *self,
                          BurrowBrokerClient *client)
{
  self->client = g_object_ref (client);
  g_signal_connect_object (client, "config-changed", G_CALLBACK (on_config_changed), self,
                           0);
  g_signal_connect_object (client, "ready", G_CALLBACK (on_config_changed), self, 0);
  burrow_profiles_page_set_client (self->profiles_page, client);
  burrow_capture_page_set_client (self->capture_page, client);
  burrow_rules_page_set_client (self->rules_page, client);
  update_config_errors (self);
}

BurrowWindow *
burrow_window_new (BurrowApplication *application)
{
  BurrowWindow *self;

  g_return_val_if_fail (BURROW_IS_APPLICATION (application), NULL);

  self = g_object_new (BURROW_TYPE_WINDOW, "application", application, NULL);
  burrow_window_set_client (self, burrow_application_get_client (application));
  return self;
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
  g_clear_object (&self->client);

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

  g_type_ensure (BURROW_TYPE_PROFILES_PAGE);
  g_type_ensure (BURROW_TYPE_CAPTURE_PAGE);
  g_type_ensure (BURROW_TYPE_RULES_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, config_error_revealer);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, config_error_label);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, profiles_page);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, capture_page);
  gtk_widget_class_bind_template_child (widget_class, BurrowWindow, rules_page);
  gtk_widget_class_install_action (widget_class, "config.open", NULL, open_config_action);
  gtk_widget_class_install_action (widget_class, "config.reload", NULL, reload_config_action);
}

static void
burrow_window_init (BurrowWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  burrow_window_restore_state (self);
}
