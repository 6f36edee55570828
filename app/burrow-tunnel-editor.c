// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-tunnel-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-tunnel-editor.h"
#include "burrow-variant.h"

enum { KIND_LOCAL, KIND_REMOTE, KIND_DYNAMIC };

static const char * const kinds[] = { "local", "remote", "dynamic" };
static const char * const types[] = { "TCP", "FTP" };

struct _BurrowTunnelEditor
{
  AdwWindow parent_instance;

  int index;

  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  AdwComboRow *kind_row;
  AdwComboRow *type_row;
  AdwEntryRow *listen_address_row;
  GtkSpinButton *listen_port_spin;
  AdwEntryRow *dst_host_row;
  AdwActionRow *dst_port_row;
  GtkSpinButton *dst_port_spin;
  GtkSwitch *relay_switch;
};

G_DEFINE_FINAL_TYPE (BurrowTunnelEditor, burrow_tunnel_editor, ADW_TYPE_WINDOW)

enum { DONE, N_SIGNALS };
static guint signals[N_SIGNALS];

static guint
index_of (const char * const *names,
          guint               n_names,
          const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return 0;
}

/* A dynamic tunnel is a SOCKS proxy: no type, no destination. */
static void
update_for_kind (BurrowTunnelEditor *self)
{
  gboolean dynamic = adw_combo_row_get_selected (self->kind_row) == KIND_DYNAMIC;

  gtk_widget_set_visible (GTK_WIDGET (self->type_row), !dynamic);
  gtk_widget_set_visible (GTK_WIDGET (self->dst_host_row), !dynamic);
  gtk_widget_set_visible (GTK_WIDGET (self->dst_port_row), !dynamic);
}

static void
on_kind_selected (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  update_for_kind (user_data);
}

static const char *
check_fields (BurrowTunnelEditor *self)
{
  guint kind = adw_combo_row_get_selected (self->kind_row);
  const char *dst_host = gtk_editable_get_text (GTK_EDITABLE (self->dst_host_row));

  if (kind == KIND_REMOTE && gtk_spin_button_get_value_as_int (self->listen_port_spin) == 0)
    return _("A remote tunnel needs the port to listen on, on the SSH server.");
  if (kind == KIND_DYNAMIC)
    return NULL;
  if (*dst_host == '\0')
    return _("Name the destination host, as the SSH server resolves it.");
  if (gtk_spin_button_get_value_as_int (self->dst_port_spin) == 0)
    return _("Name the destination port.");
  return NULL;
}

static GVariant *
build_tunnel (BurrowTunnelEditor *self)
{
  guint kind = adw_combo_row_get_selected (self->kind_row);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "kind", "s", kinds[MIN (kind, G_N_ELEMENTS (kinds) - 1)]);
  g_variant_dict_insert (&dict, "listen-address", "s",
                         gtk_editable_get_text (GTK_EDITABLE (self->listen_address_row)));
  g_variant_dict_insert (&dict, "listen-port", "q",
                         (guint16) gtk_spin_button_get_value_as_int (self->listen_port_spin));
  g_variant_dict_insert (&dict, "allow-relay", "b", gtk_switch_get_active (self->relay_switch));
  if (kind != KIND_DYNAMIC)
    {
      guint type = adw_combo_row_get_selected (self->type_row);

      g_variant_dict_insert (&dict, "type", "s", types[MIN (type, G_N_ELEMENTS (types) - 1)]);
      g_variant_dict_insert (&dict, "dst-host", "s",
                             gtk_editable_get_text (GTK_EDITABLE (self->dst_host_row)));
      g_variant_dict_insert (&dict, "dst-port", "q",
                             (guint16) gtk_spin_button_get_value_as_int (self->dst_port_spin));
    }
  return g_variant_dict_end (&dict);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowTunnelEditor *self = BURROW_TUNNEL_EDITOR (widget);
  const char *problem = check_fields (self);

  gtk_label_set_text (self->error_label, problem != NULL ? problem : "");
  gtk_revealer_set_reveal_child (self->error_revealer, problem != NULL);
  if (problem != NULL)
    return;
  g_signal_emit (self, signals[DONE], 0, build_tunnel (self));
  gtk_window_close (GTK_WINDOW (self));
}

static void
load_tunnel (BurrowTunnelEditor *self,
             GVariant           *tunnel)
{
  adw_combo_row_set_selected (self->kind_row,
                              index_of (kinds, G_N_ELEMENTS (kinds),
                                        burrow_variant_lookup_string (tunnel, "kind", "local")));
  adw_combo_row_set_selected (self->type_row,
                              index_of (types, G_N_ELEMENTS (types),
                                        burrow_variant_lookup_string (tunnel, "type", "TCP")));
  gtk_editable_set_text (GTK_EDITABLE (self->listen_address_row),
                         burrow_variant_lookup_string (tunnel, "listen-address", "127.0.0.1"));
  gtk_spin_button_set_value (self->listen_port_spin,
                             burrow_variant_lookup_uint16 (tunnel, "listen-port", 0));
  gtk_editable_set_text (GTK_EDITABLE (self->dst_host_row),
                         burrow_variant_lookup_string (tunnel, "dst-host", ""));
  gtk_spin_button_set_value (self->dst_port_spin,
                             burrow_variant_lookup_uint16 (tunnel, "dst-port", 0));
  gtk_switch_set_active (self->relay_switch,
                         burrow_variant_lookup_boolean (tunnel, "allow-relay", FALSE));
}

BurrowTunnelEditor *
burrow_tunnel_editor_new (GtkWindow *parent,
                          GVariant  *tunnel,
                          int        index)
{
  BurrowTunnelEditor *self = g_object_new (BURROW_TYPE_TUNNEL_EDITOR,
                                           "transient-for", parent, NULL);

  self->index = index;
  gtk_window_set_title (GTK_WINDOW (self), index < 0 ? _("New Tunnel") : _("Edit Tunnel"));
  load_tunnel (self, tunnel);
  update_for_kind (self);
  g_signal_connect_object (self->kind_row, "notify::selected", G_CALLBACK (on_kind_selected),
                           self, 0);
  return self;
}

int
burrow_tunnel_editor_get_index (BurrowTunnelEditor *self)
{
  g_return_val_if_fail (BURROW_IS_TUNNEL_EDITOR (self), -1);

  return self->index;
}

static void
burrow_tunnel_editor_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BURROW_TYPE_TUNNEL_EDITOR);

  G_OBJECT_CLASS (burrow_tunnel_editor_parent_class)->dispose (object);
}

static void
burrow_tunnel_editor_class_init (BurrowTunnelEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_tunnel_editor_dispose;

  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_VARIANT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-tunnel-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BurrowTunnelEditor, name)
  BIND (error_revealer);
  BIND (error_label);
  BIND (kind_row);
  BIND (type_row);
  BIND (listen_address_row);
  BIND (listen_port_spin);
  BIND (dst_host_row);
  BIND (dst_port_row);
  BIND (dst_port_spin);
  BIND (relay_switch);
#undef BIND
  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
burrow_tunnel_editor_init (BurrowTunnelEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
