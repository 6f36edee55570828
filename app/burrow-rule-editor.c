// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-rule-editor"

#include "config.h"

#include <glib/gi18n.h>

#include "broker-port-list.h"
#include "burrow-rule-editor.h"
#include "burrow-variant.h"

enum { ACTION_TUNNEL, ACTION_DIRECT, ACTION_BLOCK };

static const char * const actions[] = { "TUNNEL", "DIRECT", "BLOCK" };

struct _BurrowRuleEditor
{
  AdwWindow parent_instance;

  BurrowBrokerClient *client;
  GPtrArray *rules;            /* GVariant a{sv}: the user's rules */
  int index;

  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkButton *save_button;
  AdwEntryRow *application_row;
  AdwEntryRow *host_row;
  AdwEntryRow *ports_row;
  AdwComboRow *action_row;
  AdwComboRow *profile_row;
  GtkStringList *profile_model;
  GtkSwitch *hostname_switch;
  GtkSwitch *fallback_switch;
  GtkSwitch *ftp_switch;
};

G_DEFINE_FINAL_TYPE (BurrowRuleEditor, burrow_rule_editor, ADW_TYPE_WINDOW)

GVariant *
burrow_rule_editor_strip_rule (GVariant *rule)
{
  g_autoptr(GVariantDict) dict = g_variant_dict_new (rule);

  g_variant_dict_remove (dict, "origin");
  g_variant_dict_remove (dict, "line");
  return g_variant_ref_sink (g_variant_dict_end (dict));
}

static void
show_error (BurrowRuleEditor *self,
            const char       *text)
{
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_revealer_set_reveal_child (self->error_revealer, text != NULL);
}

static const char *
selected_profile (BurrowRuleEditor *self)
{
  guint selected = adw_combo_row_get_selected (self->profile_row);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return "";
  return gtk_string_list_get_string (self->profile_model, selected);
}

/* What is wrong with the form as it stands, or NULL; the field at fault is
 * marked. */
static char *
check_fields (BurrowRuleEditor *self)
{
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  const char *ports = gtk_editable_get_text (GTK_EDITABLE (self->ports_row));
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(BrokerPortList) port_list = NULL;
  g_autoptr(GError) error = NULL;
  char *problem = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->host_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->ports_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->profile_row), "error");
  if (*host != '\0' && (regex = g_regex_new (host, 0, 0, &error)) == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->host_row), "error");
      problem = g_strdup_printf (_("The host pattern is not a valid regular expression: %s"),
                                 error->message);
    }
  else if ((port_list = broker_port_list_parse (ports, &error)) == NULL)
    {
      /* The broker's own parser: the form refuses what the broker would. */
      gtk_widget_add_css_class (GTK_WIDGET (self->ports_row), "error");
      problem = g_strdup (error->message);
    }
  else if (adw_combo_row_get_selected (self->action_row) == ACTION_TUNNEL &&
           *selected_profile (self) == '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->profile_row), "error");
      problem = g_strdup (_("A TUNNEL rule needs the profile whose SSH server carries the "
                            "connections."));
    }
  return problem;
}

static void
on_field_changed (BurrowRuleEditor *self)
{
  g_autofree char *problem = check_fields (self);

  show_error (self, problem);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), problem == NULL);
}

static GVariant *
build_rule (BurrowRuleEditor *self)
{
  guint action = adw_combo_row_get_selected (self->action_row);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (self->index >= 0)
    g_variant_dict_init (&dict, self->rules->pdata[self->index]);
  g_variant_dict_insert (&dict, "application", "s",
                         gtk_editable_get_text (GTK_EDITABLE (self->application_row)));
  g_variant_dict_insert (&dict, "host", "s", gtk_editable_get_text (GTK_EDITABLE (self->host_row)));
  g_variant_dict_insert (&dict, "ports", "s",
                         gtk_editable_get_text (GTK_EDITABLE (self->ports_row)));
  g_variant_dict_insert (&dict, "action", "s", actions[MIN (action, G_N_ELEMENTS (actions) - 1)]);
  g_variant_dict_insert (&dict, "profile", "s", action == ACTION_TUNNEL ? selected_profile (self) : "");
  g_variant_dict_insert (&dict, "hostname-from-app", "b",
                         gtk_switch_get_active (self->hostname_switch));
  g_variant_dict_insert (&dict, "fallback-to-plain", "b",
                         gtk_switch_get_active (self->fallback_switch));
  g_variant_dict_insert (&dict, "ftp", "b",
                         action == ACTION_TUNNEL && gtk_switch_get_active (self->ftp_switch));
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

static GVariant *
build_rules (BurrowRuleEditor *self)
{
  g_autoptr(GVariant) rule = build_rule (self);
  GVariantBuilder rules;

  g_variant_builder_init (&rules, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->rules->len; i++)
    g_variant_builder_add_value (&rules, (int) i == self->index ? rule : self->rules->pdata[i]);
  if (self->index < 0)
    g_variant_builder_add_value (&rules, rule);
  return g_variant_builder_end (&rules);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BurrowRuleEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (burrow_dbus_broker1_call_set_rules_finish (BURROW_DBUS_BROKER1 (source), result, &error))
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
  BurrowRuleEditor *self = BURROW_RULE_EDITOR (widget);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  g_autofree char *problem = check_fields (self);

  show_error (self, problem);
  if (problem != NULL || broker == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  burrow_dbus_broker1_call_set_rules (broker, build_rules (self), NULL, on_saved,
                                      g_object_ref (self));
}

static void
load_profiles (BurrowRuleEditor   *self,
               const char * const *profile_ids,
               const char         *profile)
{
  guint selected = 0;

  gtk_string_list_append (self->profile_model, _("None"));
  for (guint i = 0; profile_ids != NULL && profile_ids[i] != NULL; i++)
    {
      gtk_string_list_append (self->profile_model, profile_ids[i]);
      if (g_strcmp0 (profile_ids[i], profile) == 0)
        selected = i + 1;
    }
  adw_combo_row_set_selected (self->profile_row, selected);
}

static guint
action_index (const char *action)
{
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_strcmp0 (actions[i], action) == 0)
      return i;
  return ACTION_TUNNEL;
}

static void
load_rule (BurrowRuleEditor *self,
           GVariant         *rule)
{
  gtk_editable_set_text (GTK_EDITABLE (self->application_row),
                         burrow_variant_lookup_string (rule, "application", ""));
  gtk_editable_set_text (GTK_EDITABLE (self->host_row),
                         burrow_variant_lookup_string (rule, "host", ""));
  gtk_editable_set_text (GTK_EDITABLE (self->ports_row),
                         burrow_variant_lookup_string (rule, "ports", ""));
  adw_combo_row_set_selected (self->action_row,
                              action_index (burrow_variant_lookup_string (rule, "action", "TUNNEL")));
  gtk_switch_set_active (self->hostname_switch,
                         burrow_variant_lookup_boolean (rule, "hostname-from-app", FALSE));
  gtk_switch_set_active (self->fallback_switch,
                         burrow_variant_lookup_boolean (rule, "fallback-to-plain", FALSE));
  gtk_switch_set_active (self->ftp_switch, burrow_variant_lookup_boolean (rule, "ftp", FALSE));
}

BurrowRuleEditor *
burrow_rule_editor_new (GtkWindow          *parent,
                        BurrowBrokerClient *client,
                        GVariant           *user_rules,
                        int                 index,
                        const char * const *profile_ids)
{
  g_autoptr(GVariant) rules = g_variant_ref_sink (user_rules);
  BurrowRuleEditor *self;
  GVariantIter iter;
  GVariant *rule;

  self = g_object_new (BURROW_TYPE_RULE_EDITOR, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  g_variant_iter_init (&iter, rules);
  while ((rule = g_variant_iter_next_value (&iter)) != NULL)
    g_ptr_array_add (self->rules, rule);
  self->index = index >= 0 && (guint) index < self->rules->len ? index : -1;
  rule = self->index >= 0 ? self->rules->pdata[self->index] : NULL;
  gtk_window_set_title (GTK_WINDOW (self), rule != NULL ? _("Edit Rule") : _("New Rule"));
  load_rule (self, rule);
  load_profiles (self, profile_ids, burrow_variant_lookup_string (rule, "profile", ""));
  g_signal_connect_object (self->host_row, "changed", G_CALLBACK (on_field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->ports_row, "changed", G_CALLBACK (on_field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->action_row, "notify::selected", G_CALLBACK (on_field_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->profile_row, "notify::selected", G_CALLBACK (on_field_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->host_row));
  return self;
}

static void
burrow_rule_editor_dispose (GObject *object)
{
  BurrowRuleEditor *self = BURROW_RULE_EDITOR (object);

  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_RULE_EDITOR);

  G_OBJECT_CLASS (burrow_rule_editor_parent_class)->dispose (object);
}

static void
burrow_rule_editor_finalize (GObject *object)
{
  BurrowRuleEditor *self = BURROW_RULE_EDITOR (object);

  g_ptr_array_unref (self->rules);

  G_OBJECT_CLASS (burrow_rule_editor_parent_class)->finalize (object);
}

static void
burrow_rule_editor_class_init (BurrowRuleEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_rule_editor_dispose;
  object_class->finalize = burrow_rule_editor_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-rule-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, BurrowRuleEditor, name)
  BIND (error_revealer);
  BIND (error_label);
  BIND (save_button);
  BIND (application_row);
  BIND (host_row);
  BIND (ports_row);
  BIND (action_row);
  BIND (profile_row);
  BIND (profile_model);
  BIND (hostname_switch);
  BIND (fallback_switch);
  BIND (ftp_switch);
#undef BIND
  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
burrow_rule_editor_init (BurrowRuleEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}
