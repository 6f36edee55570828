// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-profile-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-list-box.h"
#include "burrow-profile-editor.h"
#include "burrow-tunnel-editor.h"
#include "burrow-variant.h"

static const char * const tunnel_lists[] = { "local-tunnels", "remote-tunnels", "dynamic-tunnels" };
static const char * const tunnel_kinds[] = { "local", "remote", "dynamic" };

struct _BurrowProfileEditor
{
  AdwWindow parent_instance;

  BurrowBrokerClient *client;
  GVariant *base;              /* a{sv}: what the editor does not show is kept */
  gboolean is_new;
  GPtrArray *identities;       /* char * */
  GPtrArray *tunnels;          /* GVariant a{sv} with "kind" */
  GtkFileChooserNative *chooser;

  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkButton *save_button;
  AdwEntryRow *name_row;
  AdwEntryRow *id_row;
  AdwEntryRow *host_row;
  GtkSpinButton *port_spin;
  AdwEntryRow *user_row;
  AdwComboRow *gateway_row;
  GtkStringList *gateway_model;
  GtkCheckButton *publickey_check;
  GtkCheckButton *kbdint_check;
  GtkCheckButton *password_check;
  GtkListBox *identity_list;
  GtkSpinButton *keepalive_spin;
  GtkSpinButton *idle_spin;
  GtkSwitch *startup_switch;
  GtkListBox *tunnel_list;
};

G_DEFINE_FINAL_TYPE (BurrowProfileEditor, burrow_profile_editor, ADW_TYPE_WINDOW)

static void
show_error (BurrowProfileEditor *self,
            const char          *text)
{
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->error_revealer, text != NULL);
}

/* A row with a title, a subtitle and icon buttons for actions on item
 * @index. */
static GtkWidget *
item_row (const char *title,
          const char *subtitle,
          guint       index,
          const char *first_action,
          ...)
{
  GtkWidget *row = adw_action_row_new ();
  const char *action = first_action;
  va_list args;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  va_start (args, first_action);
  while (action != NULL)
    {
      const char *icon = va_arg (args, const char *);
      const char *label = va_arg (args, const char *);
      g_autofree char *accessible = g_strdup_printf ("%s %s", label, title);
      GtkWidget *button = gtk_button_new_from_icon_name (icon);

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_uint32 (index));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      action = va_arg (args, const char *);
    }
  va_end (args);
  return row;
}

static void
show_identities (BurrowProfileEditor *self)
{
  burrow_list_box_remove_all (self->identity_list);
  for (guint i = 0; i < self->identities->len; i++)
    gtk_list_box_append (self->identity_list,
                         item_row (self->identities->pdata[i], NULL, i,
                                   "editor.remove-identity", "user-trash-symbolic", _("Remove"),
                                   NULL));
}

/* "Local TCP 127.0.0.1:8080 → web.example:80" and the like. */
static char *
describe_tunnel (GVariant *tunnel)
{
  const char *kind = burrow_variant_lookup_string (tunnel, "kind", "local");
  const char *type = burrow_variant_lookup_string (tunnel, "type", "TCP");
  const char *address = burrow_variant_lookup_string (tunnel, "listen-address", "127.0.0.1");
  guint16 port = burrow_variant_lookup_uint16 (tunnel, "listen-port", 0);
  const char *dst_host = burrow_variant_lookup_string (tunnel, "dst-host", "");
  guint16 dst_port = burrow_variant_lookup_uint16 (tunnel, "dst-port", 0);

  if (g_str_equal (kind, "dynamic"))
    return g_strdup_printf (_("Dynamic (SOCKS) on %s:%u"), address, port);
  if (g_str_equal (kind, "remote"))
    return g_strdup_printf (_("Remote %s: server's %s:%u → %s:%u"), type, address, port,
                            dst_host, dst_port);
  return g_strdup_printf (_("Local %s: %s:%u → %s:%u"), type, address, port, dst_host, dst_port);
}

static void
show_tunnels (BurrowProfileEditor *self)
{
  burrow_list_box_remove_all (self->tunnel_list);
  for (guint i = 0; i < self->tunnels->len; i++)
    {
      g_autofree char *title = describe_tunnel (self->tunnels->pdata[i]);
      gboolean relay = burrow_variant_lookup_boolean (self->tunnels->pdata[i], "allow-relay", FALSE);

      gtk_list_box_append (self->tunnel_list,
                           item_row (title, relay ? _("Accepts connections from other hosts") : NULL,
                                     i,
                                     "editor.edit-tunnel", "document-edit-symbolic", _("Edit"),
                                     "editor.remove-tunnel", "user-trash-symbolic", _("Remove"),
                                     NULL));
    }
}

/* ----------------------------------------------------------------- load */

static void
load_methods (BurrowProfileEditor *self,
              GVariant            *profile)
{
  g_auto(GStrv) methods = burrow_variant_dup_strv (profile, "authentication-methods");

  if (profile == NULL || methods[0] == NULL)
    {
      gtk_check_button_set_active (self->publickey_check, TRUE);
      gtk_check_button_set_active (self->kbdint_check, TRUE);
      gtk_check_button_set_active (self->password_check, TRUE);
      return;
    }
  gtk_check_button_set_active (self->publickey_check,
                               g_strv_contains ((const char * const *) methods, "publickey"));
  gtk_check_button_set_active (self->kbdint_check,
                               g_strv_contains ((const char * const *) methods,
                                                "keyboard-interactive"));
  gtk_check_button_set_active (self->password_check,
                               g_strv_contains ((const char * const *) methods, "password"));
}

static void
load_tunnels (BurrowProfileEditor *self,
              GVariant            *profile)
{
  for (guint k = 0; k < G_N_ELEMENTS (tunnel_lists); k++)
    {
      g_autoptr(GVariant) list = burrow_variant_lookup_list (profile, tunnel_lists[k]);
      GVariantIter iter;
      GVariant *tunnel;

      g_variant_iter_init (&iter, list);
      while ((tunnel = g_variant_iter_next_value (&iter)) != NULL)
        {
          g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (tunnel);

          g_variant_dict_insert (&dict, "kind", "s", tunnel_kinds[k]);
          g_ptr_array_add (self->tunnels, g_variant_ref_sink (g_variant_dict_end (&dict)));
          g_variant_unref (tunnel);
        }
    }
}

static void
load_gateways (BurrowProfileEditor *self,
               const char * const  *profile_ids,
               const char          *own_id,
               const char          *gateway)
{
  guint selected = 0;

  gtk_string_list_append (self->gateway_model, _("None: connect directly"));
  for (guint i = 0; profile_ids != NULL && profile_ids[i] != NULL; i++)
    {
      if (g_strcmp0 (profile_ids[i], own_id) == 0)
        continue;
      gtk_string_list_append (self->gateway_model, profile_ids[i]);
      if (g_strcmp0 (profile_ids[i], gateway) == 0)
        selected = g_list_model_get_n_items (G_LIST_MODEL (self->gateway_model)) - 1;
    }
  adw_combo_row_set_selected (self->gateway_row, selected);
}

/* An id not taken yet: "web-copy", "web-copy-2" … */
static char *
fresh_id (const char         *base,
          const char * const *taken)
{
  g_autofree char *stem = g_strdup_printf ("%s-copy", base);
  char *id = g_strdup (stem);

  for (guint n = 2; taken != NULL && g_strv_contains (taken, id) && n < 10000; n++)
    {
      g_free (id);
      id = g_strdup_printf ("%s-%u", stem, n);
    }
  return id;
}

static void
load_profile (BurrowProfileEditor *self,
              GVariant            *profile,
              gboolean             duplicate,
              const char * const  *profile_ids)
{
  const char *id = burrow_variant_lookup_string (profile, "id", "");
  const char *name = burrow_variant_lookup_string (profile, "name", "");
  g_auto(GStrv) identities = burrow_variant_dup_strv (profile, "identity-files");
  g_autofree char *new_id = duplicate ? fresh_id (id, profile_ids) : NULL;
  g_autofree char *new_name = duplicate ? g_strdup_printf (_("%s (copy)"), name) : NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->id_row), duplicate ? new_id : id);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), duplicate ? new_name : name);
  gtk_editable_set_text (GTK_EDITABLE (self->host_row),
                         burrow_variant_lookup_string (profile, "host", ""));
  gtk_spin_button_set_value (self->port_spin, burrow_variant_lookup_uint16 (profile, "port", 22));
  gtk_editable_set_text (GTK_EDITABLE (self->user_row),
                         burrow_variant_lookup_string (profile, "user", ""));
  gtk_spin_button_set_value (self->keepalive_spin,
                             burrow_variant_lookup_uint32 (profile, "keepalive-interval", 0));
  gtk_spin_button_set_value (self->idle_spin,
                             burrow_variant_lookup_uint32 (profile, "idle-timeout", 0));
  gtk_switch_set_active (self->startup_switch,
                         burrow_variant_lookup_boolean (profile, "connect-on-startup", FALSE));
  for (guint i = 0; identities[i] != NULL; i++)
    g_ptr_array_add (self->identities, g_strdup (identities[i]));
  load_methods (self, profile);
  load_tunnels (self, profile);
}

/* ----------------------------------------------------------------- save */

static GVariant *
build_methods (BurrowProfileEditor *self)
{
  g_autoptr(GStrvBuilder) methods = g_strv_builder_new ();
  g_auto(GStrv) before = NULL;
  g_auto(GStrv) list = NULL;
  GVariant *base;

  if (gtk_check_button_get_active (self->publickey_check))
    g_strv_builder_add (methods, "publickey");
  if (gtk_check_button_get_active (self->kbdint_check))
    g_strv_builder_add (methods, "keyboard-interactive");
  if (gtk_check_button_get_active (self->password_check))
    g_strv_builder_add (methods, "password");
  /* Methods the editor has no switch for stay as they were. */
  base = g_variant_lookup_value (self->base, "authentication-methods",
                                 G_VARIANT_TYPE_STRING_ARRAY);
  before = base != NULL ? g_variant_dup_strv (base, NULL) : g_new0 (char *, 1);
  g_clear_pointer (&base, g_variant_unref);
  for (guint i = 0; before[i] != NULL; i++)
    if (g_str_equal (before[i], "gssapi-with-mic") || g_str_equal (before[i], "hostbased"))
      g_strv_builder_add (methods, before[i]);
  list = g_strv_builder_end (methods);
  return g_variant_new_strv ((const char * const *) list, -1);
}

static void
put_tunnels (BurrowProfileEditor *self,
             GVariantDict        *dict)
{
  for (guint k = 0; k < G_N_ELEMENTS (tunnel_lists); k++)
    {
      GVariantBuilder list;

      g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < self->tunnels->len; i++)
        {
          g_auto(GVariantDict) tunnel = G_VARIANT_DICT_INIT (self->tunnels->pdata[i]);
          g_autofree char *kind = NULL;

          g_variant_dict_lookup (&tunnel, "kind", "s", &kind);
          if (g_strcmp0 (kind, tunnel_kinds[k]) != 0)
            continue;
          g_variant_dict_remove (&tunnel, "kind");
          g_variant_builder_add_value (&list, g_variant_dict_end (&tunnel));
        }
      g_variant_dict_insert_value (dict, tunnel_lists[k], g_variant_builder_end (&list));
    }
}

static const char *
selected_gateway (BurrowProfileEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->gateway_row);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return "";
  return gtk_string_list_get_string (self->gateway_model, selected);
}

static GVariant *
build_profile (BurrowProfileEditor *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (self->base);

  g_variant_dict_insert (&dict, "id", "s", gtk_editable_get_text (GTK_EDITABLE (self->id_row)));
  g_variant_dict_insert (&dict, "name", "s", gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  g_variant_dict_insert (&dict, "host", "s", gtk_editable_get_text (GTK_EDITABLE (self->host_row)));
  g_variant_dict_insert (&dict, "port", "q",
                         (guint16) gtk_spin_button_get_value_as_int (self->port_spin));
  g_variant_dict_insert (&dict, "user", "s", gtk_editable_get_text (GTK_EDITABLE (self->user_row)));
  g_variant_dict_insert (&dict, "gateway-profile", "s", selected_gateway (self));
  g_variant_dict_insert_value (&dict, "authentication-methods", build_methods (self));
  g_variant_dict_insert_value (&dict, "identity-files",
                               g_variant_new_strv ((const char * const *) self->identities->pdata,
                                                   self->identities->len));
  g_variant_dict_insert (&dict, "keepalive-interval", "u",
                         (guint32) gtk_spin_button_get_value_as_int (self->keepalive_spin));
  g_variant_dict_insert (&dict, "idle-timeout", "u",
                         (guint32) gtk_spin_button_get_value_as_int (self->idle_spin));
  g_variant_dict_insert (&dict, "connect-on-startup", "b",
                         gtk_switch_get_active (self->startup_switch));
  put_tunnels (self, &dict);
  return g_variant_dict_end (&dict);
}

/* What can be said before asking the broker, said next to the form. */
static const char *
check_fields (BurrowProfileEditor *self)
{
  const char *id = gtk_editable_get_text (GTK_EDITABLE (self->id_row));
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->host_row));

  if (*id == '\0')
    return _("The profile needs an identifier: rules and other profiles name it by it.");
  for (const char *p = id; *p != '\0'; p++)
    if (g_ascii_isspace (*p))
      return _("The identifier cannot contain spaces.");
  if (*host == '\0')
    return _("The profile needs the host name or address of its SSH server.");
  if (!gtk_check_button_get_active (self->publickey_check) &&
      !gtk_check_button_get_active (self->kbdint_check) &&
      !gtk_check_button_get_active (self->password_check))
    return _("Check at least one authentication method.");
  return NULL;
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BurrowProfileEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (burrow_dbus_broker1_call_save_profile_finish (BURROW_DBUS_BROKER1 (source), result, &error))
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  text = burrow_broker_client_error_text (error);
  show_error (self, text);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (widget);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  const char *problem = check_fields (self);

  show_error (self, problem);
  if (problem != NULL)
    return;
  if (broker == NULL)
    {
      show_error (self, _("The broker is not running: nothing can be saved."));
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  burrow_dbus_broker1_call_save_profile (broker, build_profile (self), NULL, on_saved,
                                         g_object_ref (self));
}

/* ---------------------------------------------------- identities, tunnels */

static void
on_identity_chosen (GtkNativeDialog *chooser,
                    int              response,
                    gpointer         user_data)
{
  BurrowProfileEditor *self = user_data;
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL &&
      g_file_peek_path (file) != NULL)
    {
      g_ptr_array_add (self->identities, g_file_get_path (file));
      show_identities (self);
    }
  g_clear_object (&self->chooser);
}

/* GtkFileChooserNative: GtkFileDialog is GTK 4.10, and the native dialog
 * goes through the file-chooser portal inside a sandbox. */
static void
add_identity_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (widget);
  g_autofree char *ssh_dir = g_build_filename (g_get_home_dir (), ".ssh", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (ssh_dir);

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose an Identity File"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"),
                                               _("_Cancel"));
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_identity_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
remove_identity_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index < self->identities->len)
    g_ptr_array_remove_index (self->identities, index);
  show_identities (self);
}

static void
on_tunnel_done (BurrowTunnelEditor *editor,
                GVariant           *tunnel,
                gpointer            user_data)
{
  BurrowProfileEditor *self = user_data;
  int index = burrow_tunnel_editor_get_index (editor);

  if (index >= 0 && (guint) index < self->tunnels->len)
    {
      g_variant_unref (self->tunnels->pdata[index]);
      self->tunnels->pdata[index] = g_variant_ref_sink (tunnel);
    }
  else
    g_ptr_array_add (self->tunnels, g_variant_ref_sink (tunnel));
  show_tunnels (self);
}

static void
open_tunnel_editor (BurrowProfileEditor *self,
                    GVariant            *tunnel,
                    int                  index)
{
  BurrowTunnelEditor *editor = burrow_tunnel_editor_new (GTK_WINDOW (self), tunnel, index);

  g_signal_connect_object (editor, "done", G_CALLBACK (on_tunnel_done), self, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
add_tunnel_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  open_tunnel_editor (BURROW_PROFILE_EDITOR (widget), NULL, -1);
}

static void
edit_tunnel_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index < self->tunnels->len)
    open_tunnel_editor (self, self->tunnels->pdata[index], (int) index);
}

static void
remove_tunnel_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index < self->tunnels->len)
    g_ptr_array_remove_index (self->tunnels, index);
  show_tunnels (self);
}

/* ----------------------------------------------------------------- type */

/* The profile without what the broker sets itself and refuses to be
 * given. */
static GVariant *
dup_base (GVariant *profile)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (profile);

  g_variant_dict_remove (dict, "origin");
  g_variant_dict_remove (dict, "line");
  return g_variant_ref_sink (g_variant_dict_end (dict));
}

BurrowProfileEditor *
burrow_profile_editor_new (GtkWindow          *parent,
                           BurrowBrokerClient *client,
                           GVariant           *profile,
                           gboolean            duplicate,
                           const char * const *profile_ids)
{
  BurrowProfileEditor *self;
  const char *own_id = duplicate ? NULL : burrow_variant_lookup_string (profile, "id", NULL);

  self = g_object_new (BURROW_TYPE_PROFILE_EDITOR, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  self->is_new = profile == NULL || duplicate;
  self->base = dup_base (profile);
  gtk_window_set_title (GTK_WINDOW (self), self->is_new ? _("New Profile") : _("Edit Profile"));
  gtk_editable_set_editable (GTK_EDITABLE (self->id_row), self->is_new);
  load_gateways (self, profile_ids, own_id,
                 burrow_variant_lookup_string (profile, "gateway-profile", ""));
  if (profile != NULL)
    load_profile (self, profile, duplicate, profile_ids);
  else
    load_methods (self, NULL);
  show_identities (self);
  show_tunnels (self);
  /* Typing starts in the first field. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->name_row));
  return self;
}

static void
burrow_profile_editor_dispose (GObject *object)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_PROFILE_EDITOR);

  G_OBJECT_CLASS (burrow_profile_editor_parent_class)->dispose (object);
}

static void
burrow_profile_editor_finalize (GObject *object)
{
  BurrowProfileEditor *self = BURROW_PROFILE_EDITOR (object);

  g_clear_pointer (&self->base, g_variant_unref);
  g_ptr_array_unref (self->identities);
  g_ptr_array_unref (self->tunnels);

  G_OBJECT_CLASS (burrow_profile_editor_parent_class)->finalize (object);
}

static void
burrow_profile_editor_class_init (BurrowProfileEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_profile_editor_dispose;
  object_class->finalize = burrow_profile_editor_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-profile-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BurrowProfileEditor, name)
  BIND (error_revealer);
  BIND (error_label);
  BIND (save_button);
  BIND (name_row);
  BIND (id_row);
  BIND (host_row);
  BIND (port_spin);
  BIND (user_row);
  BIND (gateway_row);
  BIND (gateway_model);
  BIND (publickey_check);
  BIND (kbdint_check);
  BIND (password_check);
  BIND (identity_list);
  BIND (keepalive_spin);
  BIND (idle_spin);
  BIND (startup_switch);
  BIND (tunnel_list);
#undef BIND
  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "editor.add-identity", NULL, add_identity_action);
  gtk_widget_class_install_action (widget_class, "editor.remove-identity", "u",
                                   remove_identity_action);
  gtk_widget_class_install_action (widget_class, "editor.add-tunnel", NULL, add_tunnel_action);
  gtk_widget_class_install_action (widget_class, "editor.edit-tunnel", "u", edit_tunnel_action);
  gtk_widget_class_install_action (widget_class, "editor.remove-tunnel", "u",
                                   remove_tunnel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
burrow_profile_editor_init (BurrowProfileEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->identities = g_ptr_array_new_with_free_func (g_free);
  self->tunnels = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}
