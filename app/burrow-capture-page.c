// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-capture-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "burrow-capture-page.h"
#include "burrow-variant.h"
#include "burrow-window.h"

#define SINGLE_PROGRAM_COMMAND "burrow-capture firefox"

/* One captured connection's row. */
typedef struct
{
  AdwActionRow *row;
  GtkButton *close;
  BurrowDBusConnection1 *connection;
} ConnectionRow;

struct _BurrowCapturePage
{
  AdwBin parent_instance;

  BurrowBrokerClient *client;
  GCancellable *cancellable;
  GHashTable *rows;            /* object path → ConnectionRow */
  guint age_timer;
  gboolean updating;           /* switches set from the broker, not the user */

  GtkListBox *list;
  AdwActionRow *startup_row;
  GtkSwitch *startup_switch;
  GtkSwitch *active_switch;
};

G_DEFINE_FINAL_TYPE (BurrowCapturePage, burrow_capture_page, ADW_TYPE_BIN)

static void
connection_row_free (ConnectionRow *row)
{
  g_object_unref (row->connection);
  g_free (row);
}

/* ------------------------------------------------------------- the rows */

static char *
describe_age (gint64 started_us)
{
  gint64 seconds = MAX (0, (g_get_real_time () - started_us) / G_USEC_PER_SEC);
  /* A plain int, so that the format is one xgettext can read. */
  int age = (int) MIN (seconds, (gint64) G_MAXINT);

  if (age < 60)
    /* Translators: a connection's age in seconds */
    return g_strdup_printf (_("%d s"), age);
  if (age < 3600)
    /* Translators: a connection's age in minutes */
    return g_strdup_printf (_("%d min"), age / 60);
  /* Translators: a connection's age in hours */
  return g_strdup_printf (_("%d h"), age / 3600);
}

static char *
describe_decision (BurrowDBusConnection1 *connection)
{
  int rule = burrow_dbus_connection1_get_rule_index (connection);
  const char *action = burrow_dbus_connection1_get_action (connection);
  const char *profile = burrow_dbus_connection1_get_profile (connection);
  g_autofree char *by = rule >= 0 ? g_strdup_printf (_("rule %d"), rule + 1)
                                  : g_strdup (_("no rule"));

  if (profile != NULL && *profile != '\0')
    return g_strdup_printf (_("%s by %s via %s"), action, by, profile);
  return g_strdup_printf (_("%s by %s"), action, by);
}

static char *
describe_connection (BurrowDBusConnection1 *connection)
{
  g_autofree char *decision = describe_decision (connection);
  g_autofree char *bytes_in = g_format_size (burrow_dbus_connection1_get_bytes_in (connection));
  g_autofree char *bytes_out = g_format_size (burrow_dbus_connection1_get_bytes_out (connection));
  g_autofree char *age = describe_age (burrow_dbus_connection1_get_started (connection));
  const char *failure = burrow_dbus_connection1_get_failure (connection);

  if (failure != NULL && *failure != '\0')
    return g_strdup_printf (_("%s · %s: %s · %s"), decision,
                            burrow_dbus_connection1_get_state (connection), failure, age);
  /* Translators: decision · state · bytes in · bytes out · age */
  return g_strdup_printf (_("%s · %s · %s in, %s out · %s"), decision,
                          burrow_dbus_connection1_get_state (connection), bytes_in, bytes_out, age);
}

static char *
connection_title (BurrowDBusConnection1 *connection)
{
  g_autofree char *application = g_path_get_basename (burrow_dbus_connection1_get_application (connection));
  const char *host = burrow_dbus_connection1_get_host (connection);
  guint16 port = burrow_dbus_connection1_get_port (connection);

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("%s → [%s]:%u", application, host, port);
  return g_strdup_printf ("%s → %s:%u", application, host, port);
}

static void
update_connection_row (ConnectionRow *row)
{
  g_autofree char *subtitle = describe_connection (row->connection);
  gboolean closable = g_strcmp0 (burrow_dbus_connection1_get_action (row->connection), "TUNNEL") == 0 &&
                      g_strcmp0 (burrow_dbus_connection1_get_state (row->connection), "open") == 0;

  adw_action_row_set_subtitle (row->row, subtitle);
  gtk_widget_set_sensitive (GTK_WIDGET (row->close), closable);
}

static ConnectionRow *
add_connection_row (BurrowCapturePage     *self,
                    BurrowDBusConnection1 *connection,
                    int                    position)
{
  g_autofree char *title = connection_title (connection);
  g_autofree char *close_label = g_strdup_printf (_("Close %s"), title);
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection));
  ConnectionRow *row = g_new0 (ConnectionRow, 1);

  row->connection = g_object_ref (connection);
  row->row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row->row), FALSE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->row),
                               burrow_dbus_connection1_get_application (connection));
  row->close = GTK_BUTTON (gtk_button_new_from_icon_name ("window-close-symbolic"));
  gtk_widget_set_valign (GTK_WIDGET (row->close), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (row->close), "flat");
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->close), _("Close the connection"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->close), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  close_label, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row->close), "capture.close-connection");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row->close),
                                          g_variant_new_object_path (path));
  adw_action_row_add_suffix (row->row, GTK_WIDGET (row->close));
  gtk_list_box_insert (self->list, GTK_WIDGET (row->row), position);
  g_hash_table_insert (self->rows, g_strdup (path), row);
  update_connection_row (row);
  return row;
}

/* Rows follow the broker's objects: new ones on top, gone ones removed,
 * the others updated in place (so focus stays where it is). */
static void
update_connections (BurrowCapturePage *self)
{
  g_autolist (BurrowDBusConnection1) connections = burrow_broker_client_list_connections (self->client);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  ConnectionRow *row;
  const char *path;
  int position = 0;

  for (GList *l = connections; l != NULL; l = l->next, position++)
    {
      path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (l->data));
      g_hash_table_add (seen, (gpointer) path);
      row = g_hash_table_lookup (self->rows, path);
      if (row == NULL)
        add_connection_row (self, l->data, position);
      else
        update_connection_row (row);
    }
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, (gpointer *) &path, (gpointer *) &row))
    if (!g_hash_table_contains (seen, path))
      {
        gtk_list_box_remove (self->list, GTK_WIDGET (row->row));
        g_hash_table_iter_remove (&iter);
      }
}

static gboolean
tick_ages (gpointer user_data)
{
  BurrowCapturePage *self = user_data;
  GHashTableIter iter;
  ConnectionRow *row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    update_connection_row (row);
  return G_SOURCE_CONTINUE;
}

/* Ages tick only while someone can see them. */
static void
burrow_capture_page_map (GtkWidget *widget)
{
  BurrowCapturePage *self = BURROW_CAPTURE_PAGE (widget);

  GTK_WIDGET_CLASS (burrow_capture_page_parent_class)->map (widget);
  if (self->age_timer == 0)
    self->age_timer = g_timeout_add_seconds (1, tick_ages, self);
}

static void
burrow_capture_page_unmap (GtkWidget *widget)
{
  BurrowCapturePage *self = BURROW_CAPTURE_PAGE (widget);

  g_clear_handle_id (&self->age_timer, g_source_remove);
  GTK_WIDGET_CLASS (burrow_capture_page_parent_class)->unmap (widget);
}

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BurrowCapturePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_connection1_call_close_finish (BURROW_DBUS_CONNECTION1 (source), result, &error))
    burrow_window_toast_error (GTK_WIDGET (self), error);
}

static void
close_connection_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  BurrowCapturePage *self = BURROW_CAPTURE_PAGE (widget);
  ConnectionRow *row = g_hash_table_lookup (self->rows, g_variant_get_string (parameter, NULL));

  if (row != NULL)
    burrow_dbus_connection1_call_close (row->connection, NULL, on_closed, g_object_ref (self));
}

static void
copy_command_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), SINGLE_PROGRAM_COMMAND);
  burrow_window_toast (widget, _("Command copied"));
}

/* ------------------------------------------------------------- settings */

static void
show_settings (BurrowCapturePage *self,
               GVariant          *settings)
{
  const char *problem = burrow_variant_lookup_string (settings, "session-file-problem", "");
  const char *file = burrow_variant_lookup_string (settings, "session-file", "");
  g_autofree char *subtitle = NULL;

  self->updating = TRUE;
  gtk_switch_set_active (self->startup_switch,
                         burrow_variant_lookup_boolean (settings, "enable-at-startup", FALSE));
  self->updating = FALSE;
  if (*problem != '\0')
    subtitle = g_strdup_printf (_("Not in effect: %s"), problem);
  else if (*file != '\0')
    subtitle = g_strdup_printf (_("Capture every application of the desktop session, from the "
                                  "next login on (%s)"), file);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (self->startup_row, subtitle);
}

static void
on_settings_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GVariant) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_get_capture_settings_finish (BURROW_DBUS_BROKER1 (source),
                                                             &settings, result, &error))
    {
      /* Cancelled: the page is gone. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        burrow_window_toast_error (GTK_WIDGET (user_data), error);
      return;
    }
  show_settings (user_data, settings);
}

static void
reload_settings (BurrowCapturePage *self)
{
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (broker == NULL)
    return;
  self->updating = TRUE;
  gtk_switch_set_active (self->active_switch, burrow_dbus_broker1_get_capture_active (broker));
  self->updating = FALSE;
  burrow_dbus_broker1_call_get_capture_settings (broker, self->cancellable, on_settings_read, self);
}

static void
on_settings_written (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(BurrowCapturePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_set_capture_settings_finish (BURROW_DBUS_BROKER1 (source), result,
                                                            &error))
    burrow_window_toast_error (GTK_WIDGET (self), error);
  reload_settings (self);
}

static void
on_startup_switched (GObject    *object,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  BurrowCapturePage *self = user_data;
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  g_auto(GVariantDict) settings = G_VARIANT_DICT_INIT (NULL);

  if (self->updating || broker == NULL)
    return;
  g_variant_dict_insert (&settings, "enable-at-startup", "b",
                         gtk_switch_get_active (self->startup_switch));
  burrow_dbus_broker1_call_set_capture_settings (broker, g_variant_dict_end (&settings), NULL,
                                                 on_settings_written, g_object_ref (self));
}

static void
on_active_set (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BurrowCapturePage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_set_capture_active_finish (BURROW_DBUS_BROKER1 (source), result,
                                                          &error))
    burrow_window_toast_error (GTK_WIDGET (self), error);
  reload_settings (self);
}

static void
on_active_switched (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  BurrowCapturePage *self = user_data;
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (self->updating || broker == NULL)
    return;
  burrow_dbus_broker1_call_set_capture_active (broker, gtk_switch_get_active (self->active_switch),
                                               NULL, on_active_set, g_object_ref (self));
}

/* ----------------------------------------------------------------- type */

static void
on_config_changed (BurrowBrokerClient *client,
                   gpointer            user_data)
{
  reload_settings (user_data);
}

static void
on_ready (BurrowBrokerClient *client,
          gpointer            user_data)
{
  reload_settings (user_data);
  update_connections (user_data);
}

static void
on_connections_changed (BurrowBrokerClient *client,
                        gpointer            user_data)
{
  update_connections (user_data);
}

void
burrow_capture_page_set_client (BurrowCapturePage  *self,
                                BurrowBrokerClient *client)
{
  g_return_if_fail (BURROW_IS_CAPTURE_PAGE (self));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "ready", G_CALLBACK (on_ready), self, 0);
  g_signal_connect_object (client, "config-changed", G_CALLBACK (on_config_changed), self, 0);
  g_signal_connect_object (client, "connections-changed", G_CALLBACK (on_connections_changed),
                           self, 0);
  reload_settings (self);
  update_connections (self);
}

static void
burrow_capture_page_dispose (GObject *object)
{
  BurrowCapturePage *self = BURROW_CAPTURE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->age_timer, g_source_remove);
  g_clear_object (&self->client);
  g_hash_table_remove_all (self->rows);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_CAPTURE_PAGE);

  G_OBJECT_CLASS (burrow_capture_page_parent_class)->dispose (object);
}

static void
burrow_capture_page_finalize (GObject *object)
{
  BurrowCapturePage *self = BURROW_CAPTURE_PAGE (object);

  g_clear_object (&self->cancellable);
  g_hash_table_unref (self->rows);

  G_OBJECT_CLASS (burrow_capture_page_parent_class)->finalize (object);
}

static void
burrow_capture_page_class_init (BurrowCapturePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_capture_page_dispose;
  object_class->finalize = burrow_capture_page_finalize;
  widget_class->map = burrow_capture_page_map;
  widget_class->unmap = burrow_capture_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-capture-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowCapturePage, list);
  gtk_widget_class_bind_template_child (widget_class, BurrowCapturePage, startup_row);
  gtk_widget_class_bind_template_child (widget_class, BurrowCapturePage, startup_switch);
  gtk_widget_class_bind_template_child (widget_class, BurrowCapturePage, active_switch);
  gtk_widget_class_install_action (widget_class, "capture.close-connection", "o",
                                   close_connection_action);
  gtk_widget_class_install_action (widget_class, "capture.copy-command", NULL,
                                   copy_command_action);
}

static void
burrow_capture_page_init (BurrowCapturePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) connection_row_free);
  g_signal_connect (self->startup_switch, "notify::active", G_CALLBACK (on_startup_switched), self);
  g_signal_connect (self->active_switch, "notify::active", G_CALLBACK (on_active_switched), self);
}
