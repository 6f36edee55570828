// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-application"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-agent.h"
#include "burrow-application.h"
#include "burrow-broker-client.h"
#include "burrow-window.h"

/* Started by the broker to ask a question (D-Bus activation, no window),
 * the application stays this long after its last dialog closed, so that
 * the next question of the same connect (a password after the host key)
 * finds it still there. */
#define INACTIVITY_TIMEOUT_MS (60 * 1000)

struct _BurrowApplication
{
  AdwApplication parent_instance;

  BurrowBrokerClient *client;
  BurrowAgent *agent;
};

G_DEFINE_FINAL_TYPE (BurrowApplication, burrow_application, ADW_TYPE_APPLICATION)

BurrowApplication *
burrow_application_new (void)
{
  return g_object_new (BURROW_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/burrow/Burrow",
                       NULL);
}

static void
burrow_application_activate (GApplication *app)
{
  GtkWindow *window;

  window = NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (BURROW_IS_WINDOW (l->data))
      window = l->data;
  if (window == NULL)
    window = GTK_WINDOW (burrow_window_new (BURROW_APPLICATION (app)));

  gtk_window_present (window);
}

static void
burrow_application_about_action (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  static const char *developers[] = { "The Burrow developers", NULL };
  GtkApplication *app = GTK_APPLICATION (user_data);

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", "Burrow",
                         "application-icon", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Tunnel TCP and FTP connections through SSH"),
                         "developer-name", _("The Burrow developers"),
                         "developers", developers,
                         "copyright", "© 2026 The Burrow developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/burrow-ssh/burrow",
                         "issue-url", "https://github.com/burrow-ssh/burrow/issues",
                         /* Translators: replace with your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
burrow_application_quit_action (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  g_autolist (GtkWindow) windows = NULL;

  /* Close the windows first: quitting alone would destroy them without a
   * close-request, and they save their state there. */
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    windows = g_list_prepend (windows, g_object_ref (l->data));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);

  g_application_quit (G_APPLICATION (app));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = burrow_application_about_action },
  { .name = "quit", .activate = burrow_application_quit_action },
};

static void
burrow_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (burrow_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close",
                                         (const char *[]) { "<Control>w", NULL });
}

/* The agent lives on the application's own bus connection, so the broker
 * can reach it whether or not a window is open. */
static gboolean
burrow_application_dbus_register (GApplication     *app,
                                  GDBusConnection  *connection,
                                  const char       *object_path,
                                  GError          **error)
{
  BurrowApplication *self = BURROW_APPLICATION (app);

  if (!G_APPLICATION_CLASS (burrow_application_parent_class)->dbus_register (app, connection,
                                                                               object_path, error))
    return FALSE;
  return burrow_agent_export (self->agent, connection, error);
}

static void
burrow_application_dbus_unregister (GApplication    *app,
                                    GDBusConnection *connection,
                                    const char      *object_path)
{
  BurrowApplication *self = BURROW_APPLICATION (app);

  burrow_agent_unexport (self->agent);
  G_APPLICATION_CLASS (burrow_application_parent_class)->dbus_unregister (app, connection,
                                                                          object_path);
}

BurrowBrokerClient *
burrow_application_get_client (BurrowApplication *self)
{
  g_return_val_if_fail (BURROW_IS_APPLICATION (self), NULL);

  /* Made on first use: a second instance that only forwards its
   * activation never talks to the broker. */
  if (self->client == NULL)
    self->client = burrow_broker_client_new ();
  return self->client;
}

static void
burrow_application_dispose (GObject *object)
{
  BurrowApplication *self = BURROW_APPLICATION (object);

  g_clear_object (&self->client);
  g_clear_object (&self->agent);

  G_OBJECT_CLASS (burrow_application_parent_class)->dispose (object);
}

static void
burrow_application_class_init (BurrowApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = burrow_application_dispose;
  app_class->activate = burrow_application_activate;
  app_class->startup = burrow_application_startup;
  app_class->dbus_register = burrow_application_dbus_register;
  app_class->dbus_unregister = burrow_application_dbus_unregister;
}

static void
burrow_application_init (BurrowApplication *self)
{
  self->agent = burrow_agent_new (GTK_APPLICATION (self));
  g_application_set_inactivity_timeout (G_APPLICATION (self), INACTIVITY_TIMEOUT_MS);
}
