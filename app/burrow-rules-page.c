// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-rules-page"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-list-box.h"
#include "burrow-rule-editor.h"
#include "burrow-rules-page.h"
#include "burrow-variant.h"
#include "burrow-window.h"

struct _BurrowRulesPage
{
  AdwBin parent_instance;

  BurrowBrokerClient *client;
  GCancellable *cancellable;
  GPtrArray *user_rules;       /* GVariant a{sv}, without origin and line */

  GtkListBox *list;
  AdwEntryRow *test_application_row;
  AdwEntryRow *test_host_row;
  GtkSpinButton *test_port_spin;
  GtkLabel *test_result_label;
};

G_DEFINE_FINAL_TYPE (BurrowRulesPage, burrow_rules_page, ADW_TYPE_BIN)

static GVariant *
user_rules_variant (BurrowRulesPage *self)
{
  return g_variant_new_array (G_VARIANT_TYPE_VARDICT, (GVariant **) self->user_rules->pdata,
                              self->user_rules->len);
}

/* "1. TUNNEL  .*\.example\.com" */
static char *
rule_title (GVariant *rule,
            guint     number)
{
  const char *host = burrow_variant_lookup_string (rule, "host", "");

  return g_strdup_printf ("%u. %s  %s", number,
                          burrow_variant_lookup_string (rule, "action", "DIRECT"),
                          *host != '\0' ? host : _("any host"));
}

/* "ports 80,443 · /usr/bin/curl · via gw · host name from application" */
static char *
rule_subtitle (GVariant *rule)
{
  const char *ports = burrow_variant_lookup_string (rule, "ports", "");
  const char *application = burrow_variant_lookup_string (rule, "application", "");
  const char *profile = burrow_variant_lookup_string (rule, "profile", "");
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (parts, *ports != '\0' ? g_strdup_printf (_("ports %s"), ports)
                                         : g_strdup (_("any port")));
  g_ptr_array_add (parts, g_strdup (*application != '\0' ? application : _("any application")));
  if (*profile != '\0')
    g_ptr_array_add (parts, g_strdup_printf (_("via %s"), profile));
  if (burrow_variant_lookup_boolean (rule, "hostname-from-app", FALSE))
    g_ptr_array_add (parts, g_strdup (_("host name from application")));
  if (burrow_variant_lookup_boolean (rule, "fallback-to-plain", FALSE))
    g_ptr_array_add (parts, g_strdup (_("fallback to plain")));
  if (burrow_variant_lookup_boolean (rule, "ftp", FALSE))
    g_ptr_array_add (parts, g_strdup (_("FTP")));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static void
add_button (AdwActionRow *row,
            const char   *icon,
            const char   *label,
            const char   *title,
            const char   *action,
            guint         index,
            gboolean      sensitive)
{
  g_autofree char *accessible = g_strdup_printf ("%s: %s", label, title);
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_uint32 (index));
  gtk_widget_set_sensitive (button, sensitive);
  adw_action_row_add_suffix (row, button);
}

/* @user_index: the rule's place among the user's rules, -1 for one of the
 * administrator's. */
static void
add_row (BurrowRulesPage *self,
         GVariant        *rule,
         guint            number,
         int              user_index)
{
  g_autofree char *title = rule_title (rule, number);
  g_autofree char *subtitle = rule_subtitle (rule);
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (row, subtitle);
  if (user_index < 0)
    {
      GtkWidget *label = gtk_label_new (_("Administrator's"));

      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (row, label);
    }
  else
    {
      guint i = (guint) user_index;

      add_button (row, "go-up-symbolic", _("Move Up"), title, "rules.move-up", i, i > 0);
      add_button (row, "go-down-symbolic", _("Move Down"), title, "rules.move-down", i,
                  i + 1 < self->user_rules->len);
      add_button (row, "document-edit-symbolic", _("Edit"), title, "rules.edit", i, TRUE);
      add_button (row, "user-trash-symbolic", _("Delete"), title, "rules.delete", i, TRUE);
    }
  gtk_list_box_append (self->list, GTK_WIDGET (row));
}

static void
show_rules (BurrowRulesPage *self,
            GVariant        *rules)
{
  g_autoptr(GPtrArray) global = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  GVariant *rule;
  guint number = 1;

  g_ptr_array_set_size (self->user_rules, 0);
  g_variant_iter_init (&iter, rules);
  while ((rule = g_variant_iter_next_value (&iter)) != NULL)
    {
      if (g_strcmp0 (burrow_variant_lookup_string (rule, "origin", "user"), "global") == 0)
        g_ptr_array_add (global, g_variant_ref (rule));
      else
        g_ptr_array_add (self->user_rules, burrow_rule_editor_strip_rule (rule));
      g_variant_unref (rule);
    }
  burrow_list_box_remove_all (self->list);
  for (guint i = 0; i < global->len; i++)
    add_row (self, global->pdata[i], number++, -1);
  for (guint i = 0; i < self->user_rules->len; i++)
    add_row (self, self->user_rules->pdata[i], number++, (int) i);
}

static void
on_rules_listed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GVariant) rules = NULL;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_list_rules_finish (BURROW_DBUS_BROKER1 (source), &rules, result,
                                                   &error))
    {
      /* Cancelled: the page is gone. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        burrow_window_toast_error (GTK_WIDGET (user_data), error);
      return;
    }
  show_rules (user_data, rules);
}

static void
reload (BurrowRulesPage *self)
{
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (broker == NULL)
    return;
  burrow_dbus_broker1_call_list_rules (broker, self->cancellable, on_rules_listed, self);
}

/* --------------------------------------------------------------- actions */

static void
on_rules_set (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BurrowRulesPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!burrow_dbus_broker1_call_set_rules_finish (BURROW_DBUS_BROKER1 (source), result, &error))
    {
      burrow_window_toast_error (GTK_WIDGET (self), error);
      reload (self);
    }
}

static void
send_rules (BurrowRulesPage *self)
{
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);

  if (broker != NULL)
    burrow_dbus_broker1_call_set_rules (broker, user_rules_variant (self), NULL, on_rules_set,
                                        g_object_ref (self));
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowRulesPage *self = BURROW_RULES_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);
  guint other = g_str_equal (action_name, "rules.move-up") ? index - 1 : index + 1;
  gpointer swap;

  if (index >= self->user_rules->len || other >= self->user_rules->len)
    return;
  swap = self->user_rules->pdata[index];
  self->user_rules->pdata[index] = self->user_rules->pdata[other];
  self->user_rules->pdata[other] = swap;
  send_rules (self);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  BurrowRulesPage *self = BURROW_RULES_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index >= self->user_rules->len)
    return;
  g_ptr_array_remove_index (self->user_rules, index);
  send_rules (self);
}

static void
open_editor (BurrowRulesPage *self,
             int              index)
{
  g_auto(GStrv) profile_ids = burrow_broker_client_dup_profile_ids (self->client);
  BurrowRuleEditor *editor;

  editor = burrow_rule_editor_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   self->client, user_rules_variant (self), index,
                                   (const char * const *) profile_ids);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_editor (BURROW_RULES_PAGE (widget), -1);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowRulesPage *self = BURROW_RULES_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index < self->user_rules->len)
    open_editor (self, (int) index);
}

static char *
describe_decision (gint32    index,
                   GVariant *rule,
                   const char *explanation)
{
  const char *action = burrow_variant_lookup_string (rule, "action", "");
  const char *profile = burrow_variant_lookup_string (rule, "profile", "");

  if (index < 0)
    return g_strdup_printf (_("No rule matches: the connection is made directly.\n%s"),
                            explanation);
  if (*profile != '\0')
    return g_strdup_printf (_("Rule %d decides: %s through “%s”.\n%s"), index + 1, action,
                            profile, explanation);
  return g_strdup_printf (_("Rule %d decides: %s.\n%s"), index + 1, action, explanation);
}

static void
on_tested (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BurrowRulesPage) self = user_data;
  g_autoptr(GVariant) rule = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *explanation = NULL;
  g_autofree char *text = NULL;
  gint32 index;

  if (!burrow_dbus_broker1_call_test_rule_finish (BURROW_DBUS_BROKER1 (source), &index, &rule,
                                                  &explanation, result, &error))
    text = burrow_broker_client_error_text (error);
  else
    text = describe_decision (index, rule, explanation);
  gtk_label_set_text (self->test_result_label, text);
}

static void
test_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  BurrowRulesPage *self = BURROW_RULES_PAGE (widget);
  BurrowDBusBroker1 *broker = burrow_broker_client_get_broker (self->client);
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->test_host_row));
  g_auto(GVariantDict) query = G_VARIANT_DICT_INIT (NULL);

  if (*host == '\0')
    {
      gtk_label_set_text (self->test_result_label, _("Enter a destination host to test."));
      return;
    }
  if (broker == NULL)
    return;
  g_variant_dict_insert (&query, "application", "s",
                         gtk_editable_get_text (GTK_EDITABLE (self->test_application_row)));
  g_variant_dict_insert (&query, "host", "s", host);
  g_variant_dict_insert (&query, "port", "q",
                         (guint16) gtk_spin_button_get_value_as_int (self->test_port_spin));
  gtk_label_set_text (self->test_result_label, _("Testing…"));
  burrow_dbus_broker1_call_test_rule (broker, g_variant_dict_end (&query), NULL, on_tested,
                                      g_object_ref (self));
}

/* ----------------------------------------------------------------- type */

static void
on_config_changed (BurrowBrokerClient *client,
                   gpointer            user_data)
{
  reload (user_data);
}

void
burrow_rules_page_set_client (BurrowRulesPage    *self,
                              BurrowBrokerClient *client)
{
  g_return_if_fail (BURROW_IS_RULES_PAGE (self));
  g_return_if_fail (self->client == NULL);

  self->client = g_object_ref (client);
  g_signal_connect_object (client, "ready", G_CALLBACK (on_config_changed), self, 0);
  g_signal_connect_object (client, "config-changed", G_CALLBACK (on_config_changed), self, 0);
  reload (self);
}

static void
burrow_rules_page_dispose (GObject *object)
{
  BurrowRulesPage *self = BURROW_RULES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), BURROW_TYPE_RULES_PAGE);

  G_OBJECT_CLASS (burrow_rules_page_parent_class)->dispose (object);
}

static void
burrow_rules_page_finalize (GObject *object)
{
  BurrowRulesPage *self = BURROW_RULES_PAGE (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->user_rules);

  G_OBJECT_CLASS (burrow_rules_page_parent_class)->finalize (object);
}

static void
burrow_rules_page_class_init (BurrowRulesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = burrow_rules_page_dispose;
  object_class->finalize = burrow_rules_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/burrow/Burrow/burrow-rules-page.ui");
  gtk_widget_class_bind_template_child (widget_class, BurrowRulesPage, list);
  gtk_widget_class_bind_template_child (widget_class, BurrowRulesPage, test_application_row);
  gtk_widget_class_bind_template_child (widget_class, BurrowRulesPage, test_host_row);
  gtk_widget_class_bind_template_child (widget_class, BurrowRulesPage, test_port_spin);
  gtk_widget_class_bind_template_child (widget_class, BurrowRulesPage, test_result_label);
  gtk_widget_class_install_action (widget_class, "rules.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "rules.edit", "u", edit_action);
  gtk_widget_class_install_action (widget_class, "rules.delete", "u", delete_action);
  gtk_widget_class_install_action (widget_class, "rules.move-up", "u", move_action);
  gtk_widget_class_install_action (widget_class, "rules.move-down", "u", move_action);
  gtk_widget_class_install_action (widget_class, "rules.test", NULL, test_action);
}

static void
burrow_rules_page_init (BurrowRulesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->user_rules = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}
