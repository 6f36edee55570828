// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-profiles-page"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-list-box.h"
#include "burrow-profile-editor.h"
#include "burrow-profiles-page.h"
#include "burrow-ssh-config.h"
#include "burrow-variant.h"
#include "burrow-window.h"

/* The widgets of one profile's row that change with its session. */
typedef struct
{
  AdwActionRow *row;
  GtkLabel *state;
  GtkSpinner *spinner;
  GtkButton *connect;
  char *address;               /* user@host:port */
  char *title;
} ProfileRow;

struct _BurrowProfilesPage
{
  AdwBin parent_instance;

  BurrowBrokerClient *client;
  GHashTable *rows;            /* id → ProfileRow */
  GHashTable *tests;           /* id → GUINT_TO_POINTER (was connected + 1) */

  GtkListBox *list;
  GtkButton *import_button;
};

G_DEFINE_FINAL_TYPE (BurrowProfilesPage, burrow_profiles_page, ADW_TYPE_BIN)

static void
profile_row_free (ProfileRow *row)
{
  g_free (row->address);
  g_free (row->title);
  g_free (row);
}

static void
toast (BurrowProfilesPage *self,
       const char         *text)
{
  burrow_window_toast (GTK_WIDGET (self), text);
}

/* ----------------------------------------------------------- session state */

static const char *
state_text (const char *state)
{
  if (g_strcmp0 (state, "connecting") == 0)
    return _("Connecting…");
  if (g_strcmp0 (state, "waiting-for-user") == 0)
    return _("Waiting for your answer…");
  if (g_strcmp0 (state, "connected") == 0)
    return _("Connected");
  if (g_strcmp0 (state, "failed") == 0)
    return _("Failed");
  return _("Disconnected");
}

static gboolean
state_is_open (const char *state)
{
  return g_strcmp0 (state, "connecting") == 0 || g_strcmp0 (state, "waiting-for-user") == 0 ||
         g_strcmp0 (state, "connected") == 0;
}

static void
update_row (BurrowProfilesPage *self,
            const char         *id,
            ProfileRow         *row)
{
  g_autoptr(BurrowDBusSession1) session = burrow_broker_client_dup_session (self->client, id);
  const char *state = session != NULL ? burrow_dbus_session1_get_state (session) : "disconnected";
  const char *reason = session != NULL ? burrow_dbus_session1_get_failure_reason (session) : "";
  gboolean busy = g_strcmp0 (state, "connecting") == 0 || g_strcmp0 (state, "waiting-for-user") == 0;
  g_autofree char *subtitle = NULL;
  g_autofree char *state_label = NULL;
  g_autofree char *button_label = NULL;

  /* Read out with the profile's name: every row has its own "Connect". */
  state_label = g_strdup_printf ("%s: %s", row->title, state_text (state));
  button_label = g_strdup_printf (state_is_open (state) ? _("Disconnect %s") : _("Connect %s"),
                                  row->title);
  gtk_label_set_text (row->state, state_text (state));
  gtk_spinner_set_spinning (row->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (row->spinner), busy);
  gtk_button_set_label (row->connect, state_is_open (state) ? _("_Disconnect") : _("_Connect"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row->connect),
                                  state_is_open (state) ? "profiles.disconnect" : "profiles.connect");
  /* After the label, which sets the button's name again. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->state), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  state_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->connect), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  button_label, -1);
  if (g_strcmp0 (state, "failed") == 0 && reason != NULL && *reason != '\0')
    subtitle = g_strdup_printf ("%s\n%s", row->address, reason);
  else
    subtitle = g_strdup (row->address);
  adw_action_row_set_subtitle (row->row, subtitle);
}

/* A test ends when its session settles: it says how, and closes what it
 * opened. */
static void
check_test (BurrowProfilesPage *self,
            const char         *id,
            gboolean            was_open)
{
  g_autoptr(BurrowDBusSession1) session = burrow_broker_client_dup_session (self->client, id);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  const char *state = session != NULL ? burrow_dbus_session1_get_state (session) : NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (state, "connected") == 0)
    text = g_strdup_printf (_("“%s” works: signed in, host key %s"), id,
                            burrow_dbus_session1_get_host_key_fingerprint (session));
  else if (g_strcmp0 (state, "failed") == 0)
    text = g_strdup_printf (_("“%s” failed: %s"), id,
                            burrow_dbus_session1_get_failure_reason (session));
  else
    return;
  toast (self, text);
  if (!was_open && broker != NULL)
    burrow_dbus_broker1_call_disconnect (broker, id, NULL, NULL, NULL);
  g_hash_table_remove (self->tests, id);
}

static void
update_rows (BurrowProfilesPage *self)
{
  g_autoptr(GPtrArray) tests = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *id;
  ProfileRow *row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &row))
    update_row (self, id, row);
  /* check_test() removes tests: walk a copy of their ids. */
  g_hash_table_iter_init (&iter, self->tests);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_ptr_array_add (tests, g_strdup (id));
  for (guint i = 0; i < tests->len; i++)
    {
      const char *test_id = tests->pdata[i];
      guint mark = GPOINTER_TO_UINT (g_hash_table_lookup (self->tests, test_id));

      check_test (self, test_id, mark == 2);
    }
}

/* ------------------------------------------------------------------ rows */

static GMenuModel *
row_menu (const char *id)
{
  static const struct { const char *label; const char *action; } items[] = {
    { N_("_Edit…"), "profiles.edit" },
    { N_("D_uplicate"), "profiles.duplicate" },
    { N_("_Test Connection"), "profiles.test" },
    { N_("_Delete"), "profiles.delete" },
  };
  GMenu *menu = g_menu_new ();

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_(items[i].label), NULL);

      g_menu_item_set_action_and_target_value (item, items[i].action, g_variant_new_string (id));
      g_menu_append_item (menu, item);
    }
  return G_MENU_MODEL (menu);
}

static char *
describe_address (GVariant *profile)
{
  const char *user = burrow_variant_lookup_string (profile, "user", "");
  const char *host = burrow_variant_lookup_string (profile, "host", "");
  const char *gateway = burrow_variant_lookup_string (profile, "gateway-profile", "");
  guint16 port = burrow_variant_lookup_uint16 (profile, "port", 22);
  g_autofree char *address = NULL;

  address = g_strdup_printf ("%s%s%s:%u", user, *user != '\0' ? "@" : "", host, port);
  if (*gateway == '\0')
    return g_steal_pointer (&address);
  return g_strdup_printf (_("%s via %s"), address, gateway);
}

static GtkWidget *
add_row (BurrowProfilesPage *self,
         GVariant           *profile)
{
  const char *id = burrow_variant_lookup_string (profile, "id", "");
  const char *name = burrow_variant_lookup_string (profile, "name", "");
  g_autoptr(GMenuModel) menu = row_menu (id);
  g_autofree char *menu_label = NULL;
  ProfileRow *row = g_new0 (ProfileRow, 1);
  GtkWidget *menu_button;

  row->address = describe_address (profile);
  row->title = g_strdup (*name != '\0' ? name : id);
  row->row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), *name != '\0' ? name : id);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row->row), FALSE);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row->row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row->row), "profiles.edit");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row->row), g_variant_new_string (id));

  row->spinner = GTK_SPINNER (gtk_spinner_new ());
  row->state = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (row->state), "dim-label");
  row->connect = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Connect")));
  gtk_widget_set_valign (GTK_WIDGET (row->connect), GTK_ALIGN_CENTER);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row->connect), g_variant_new_string (id));

  menu_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), menu);
  gtk_widget_set_valign (menu_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu_button, "flat");
  menu_label = g_strdup_printf (_("More for %s"), *name != '\0' ? name : id);
  gtk_widget_set_tooltip_text (menu_button, menu_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, menu_label, -1);

  adw_action_row_add_suffix (row->row, GTK_WIDGET (row->spinner));
  adw_action_row_add_suffix (row->row, GTK_WIDGET (row->state));
  adw_action_row_add_suffix (row->row, GTK_WIDGET (row->connect));
  adw_action_row_add_suffix (row->row, menu_button);
  gtk_list_box_append (self->list, GTK_WIDGET (row->row));
  g_hash_table_insert (self->rows, g_strdup (id), row);
  update_row (self, id, row);
  return GTK_WIDGET (row->row);
}

/* The rows follow the client's list of profiles. */
static void
show_profiles (BurrowProfilesPage *self)
{
  GVariant *profiles = burrow_broker_client_get_profiles (self->client);
  GVariantIter iter;
  GVariant *profile;

  g_hash_table_remove_all (self->rows);
  burrow_list_box_remove_all (self->list);
  if (profiles == NULL)
    return;
  g_variant_iter_init (&iter, profiles);
  while ((profile = g_variant_iter_next_value (&iter)) != NULL)
    {
      add_row (self, profile);
      g_variant_unref (profile);
    }
}

/* --------------------------------------------------------------- actions */

static void
on_connect_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(BurrowProfilesPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_connect_finish (BURROW_DBUS_BROKER1 (source), NULL, result, &error))
    burrow_window_toast_error (GTK_WIDGET (self), error);
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (widget);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (broker != NULL)
    burrow_dbus_broker1_call_connect (broker, g_variant_get_string (parameter, NULL), NULL,
                                      on_connect_done, g_object_ref (self));
}

static void
on_disconnect_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BurrowProfilesPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_disconnect_finish (BURROW_DBUS_BROKER1 (source), result, &error))
    burrow_window_toast_error (GTK_WIDGET (self), error);
}

static void
disconnect_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (widget);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (broker != NULL)
    burrow_dbus_broker1_call_disconnect (broker, g_variant_get_string (parameter, NULL), NULL,
                                         on_disconnect_done, g_object_ref (self));
}

/* Test Connection connects (the broker asks about an unknown host key as
 * it always does) and says how it went; a session it opened, it closes. */
static void
test_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(BurrowDBusSession1) session = burrow_broker_client_dup_session (self->client, id);
  gboolean was_open = session != NULL && state_is_open (burrow_dbus_session1_get_state (session));
  g_autofree char *text = NULL;

  if (g_hash_table_contains (self->tests, id))
    return;
  g_hash_table_insert (self->tests, g_strdup (id), GUINT_TO_POINTER (was_open ? 2 : 1));
  text = g_strdup_printf (_("Testing “%s”…"), id);
  toast (self, text);
  connect_action (widget, action_name, parameter);
}

static void
open_editor (BurrowProfilesPage *self,
             GVariant           *profile,
             gboolean            duplicate)
{
  g_auto(GStrv) ids = burrow_broker_client_dup_profile_ids (self->client);
  BurrowProfileEditor *editor;

  editor = burrow_profile_editor_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                      self->client, profile, duplicate,
                                      (const char * const *) ids);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_editor (BURROW_PROFILES_PAGE (widget), NULL, FALSE);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (widget);
  g_autoptr(GVariant) profile = burrow_broker_client_dup_profile (self->client,
                                                                  g_variant_get_string (parameter, NULL));

  if (profile != NULL)
    open_editor (self, profile, g_str_equal (action_name, "profiles.duplicate"));
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(BurrowProfilesPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_delete_profile_finish (BURROW_DBUS_BROKER1 (source), result, &error))
    burrow_window_toast_error (GTK_WIDGET (self), error);
}

static void
on_delete_response (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  BurrowProfilesPage *self = user_data;
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  const char *id = g_object_get_data (G_OBJECT (dialog), "profile-id");

  if (g_str_equal (response, "delete") && broker != NULL)
    burrow_dbus_broker1_call_delete_profile (broker, id, NULL, on_deleted, g_object_ref (self));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                   _("Delete Profile?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The profile “%s” will be removed from your configuration "
                                    "file. Its open connections are closed."), id);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  g_object_set_data_full (G_OBJECT (dialog), "profile-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---------------------------------------------------------------- import */

typedef struct
{
  BurrowProfilesPage *self;
  GPtrArray *pending;          /* GVariant a{sv}, in the order to save them */
  GPtrArray *imported;         /* char *: names */
  GPtrArray *skipped;          /* char *: reasons */
} Import;

static void
import_free (Import *import)
{
  g_object_unref (import->self);
  g_ptr_array_unref (import->pending);
  g_ptr_array_unref (import->imported);
  g_ptr_array_unref (import->skipped);
  g_free (import);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Import, import_free)

static void
show_import_summary (Import *import)
{
  BurrowProfilesPage *self = import->self;
  g_autoptr(GString) body = g_string_new (NULL);
  GtkWidget *dialog;

  if (import->imported->len == 0)
    g_string_append (body, _("No profile was imported."));
  else
    g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE, "Imported %u profile:",
                                               "Imported %u profiles:", import->imported->len),
                            import->imported->len);
  for (guint i = 0; i < import->imported->len; i++)
    g_string_append_printf (body, "\n  • %s", (char *) import->imported->pdata[i]);
  if (import->skipped->len > 0)
    g_string_append_printf (body, "\n\n%s", _("Not imported:"));
  for (guint i = 0; i < import->skipped->len; i++)
    g_string_append_printf (body, "\n  • %s", (char *) import->skipped->pdata[i]);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   _("Import from ~/.ssh/config"), body->str);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), TRUE);
}

static void save_next_import (Import *import);

static void
on_import_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Import *import = user_data;
  g_autoptr(GVariant) profile = g_ptr_array_steal_index (import->pending, 0);
  const char *id = burrow_variant_lookup_string (profile, "id", "");
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (burrow_dbus_broker1_call_save_profile_finish (BURROW_DBUS_BROKER1 (source), result, &error))
    g_ptr_array_add (import->imported, g_strdup (id));
  else
    {
      text = burrow_broker_client_error_text (error);
      g_ptr_array_add (import->skipped, g_strdup_printf ("%s: %s", id, text));
    }
  save_next_import (import);
}

/* One at a time, in the parser's order (a gateway before the profiles
 * that go through it), so each save is checked against the ones before. */
static void
save_next_import (Import *import)
{
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (import->self->client);

  if (import->pending->len == 0 || broker == NULL)
    {
      show_import_summary (import);
      import_free (import);
      return;
    }
  burrow_dbus_broker1_call_save_profile (broker, import->pending->pdata[0], NULL,
                                         on_import_saved, import);
}

static void
queue_imported_profiles (Import                *import,
                         BurrowSshConfigImport *parsed)
{
  g_auto(GStrv) existing = burrow_broker_client_dup_profile_ids (import->self->client);

  for (guint i = 0; i < parsed->skipped->len; i++)
    g_ptr_array_add (import->skipped, g_strdup (parsed->skipped->pdata[i]));
  for (guint i = 0; i < parsed->profiles->len; i++)
    {
      GVariant *profile = parsed->profiles->pdata[i];
      const char *id = burrow_variant_lookup_string (profile, "id", "");

      if (g_strv_contains ((const char * const *) existing, id))
        g_ptr_array_add (import->skipped,
                         g_strdup_printf (_("%s: a profile with this id exists already"), id));
      else
        g_ptr_array_add (import->pending, g_variant_ref (profile));
    }
}

static void
on_ssh_config_loaded (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(Import) import = user_data;
  g_autoptr(BurrowSshConfigImport) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      g_ptr_array_add (import->skipped, g_strdup (error->message));
      show_import_summary (import);
      return;
    }
  parsed = burrow_ssh_config_import (contents, length, g_get_home_dir (), g_get_user_name ());
  queue_imported_profiles (import, parsed);
  save_next_import (g_steal_pointer (&import));
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (widget);
  g_autofree char *path = g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Import *import = g_new0 (Import, 1);

  import->self = g_object_ref (self);
  import->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  import->imported = g_ptr_array_new_with_free_func (g_free);
  import->skipped = g_ptr_array_new_with_free_func (g_free);
  /* The button waits while the import runs: a second one would race it. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->import_button), FALSE);
  g_file_load_contents_async (file, NULL, on_ssh_config_loaded, import);
}

/* ---------------------------------------------------------------- client */

static void
on_sessions_changed (BurrowBrokerClient *client,
                     gpointer            user_data)
{
  update_rows (user_data);
}

static void
on_profiles_changed (BurrowBrokerClient *client,
                     gpointer            user_data)
{
  show_profiles (user_data);
}

void
burrow_profiles_page_set_client (BurrowProfilesPage *self,
                                 BurrowBrokerClient *client)
{
  g_return_if_fail (BURROW_IS_PROFILES_PAGE (self));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "profiles-changed", G_CALLBACK (on_profiles_changed), self, 0);
  g_signal_connect_object (client, "sessions-changed", G_CALLBACK (on_sessions_changed), self, 0);
  show_profiles (self);
}

static void
burrow_profiles_page_dispose (GObject *object)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (object);

  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_PROFILES_PAGE);

  G_OBJECT_CLASS (burrow_profiles_page_parent_class)->dispose (object);
}

static void
burrow_profiles_page_finalize (GObject *object)
{
  BurrowProfilesPage *self = BURROW_PROFILES_PAGE (object);

  g_hash_table_unref (self->rows);
  g_hash_table_unref (self->tests);

  G_OBJECT_CLASS (burrow_profiles_page_parent_class)->finalize (object);
}

static void
burrow_profiles_page_class_init (BurrowProfilesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_profiles_page_dispose;
  object_class->finalize = burrow_profiles_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-profiles-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowProfilesPage, list);
  gtk_widget_class_bind_template_child (widget_class, BurrowProfilesPage, import_button);
  gtk_widget_class_install_action (widget_class, "profiles.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "profiles.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "profiles.connect", "s", connect_action);
  gtk_widget_class_install_action (widget_class, "profiles.disconnect", "s", disconnect_action);
  gtk_widget_class_install_action (widget_class, "profiles.test", "s", test_action);
  gtk_widget_class_install_action (widget_class, "profiles.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "profiles.duplicate", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "profiles.delete", "s", delete_action);
}

static void
burrow_profiles_page_init (BurrowProfilesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) profile_row_free);
  self->tests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
