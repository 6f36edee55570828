// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-application"

#include "config.h"

#include <glib/gi18n.h>

#include "burrow-application.h"
#include "burrow-window.h"

struct _BurrowApplication
{
  AdwApplication parent_instance;
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

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (burrow_window_new (GTK_APPLICATION (app)));

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

static void
burrow_application_class_init (BurrowApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = burrow_application_activate;
  app_class->startup = burrow_application_startup;
}

static void
burrow_application_init (BurrowApplication *self)
{
}
