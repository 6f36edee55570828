// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "burrow-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BurrowApplication) app = NULL;

  /* Before the first _(): GTK sets the locale only inside
   * g_application_run(), after the name below was looked up. */
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* What window lists and screen readers call the application. */
  g_set_application_name (_("Burrow"));

  app = burrow_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
