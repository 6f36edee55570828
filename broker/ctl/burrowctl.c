// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "broker-error.h"
#include "burrowctl.h"

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage: burrowctl COMMAND [OPTIONS…]\n\n"
           "Talks to the Burrow connection broker (%s) on the session bus.\n\n"
           "Commands:\n", BROKER_BUS_NAME);
  for (const BurrowctlCommand *c = burrowctl_commands (); c->name != NULL; c++)
    fprintf (out, "  %-14s %s\n", c->name, c->summary);
  fprintf (out,
           "\nRun \"burrowctl COMMAND --help\" for a command's options.\n\n"
           "Exit status:\n"
           "  0  success\n"
           "  1  the broker refused the request, or the checked file is invalid\n"
           "  2  wrong usage\n"
           "  3  the broker could not be reached\n");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* Registers the D-Bus error names, so the broker's errors keep their codes. */
  (void) broker_error_quark ();
  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? BURROWCTL_EXIT_USAGE : BURROWCTL_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      printf ("burrowctl %s\n", PACKAGE_VERSION);
      return BURROWCTL_EXIT_OK;
    }
  for (const BurrowctlCommand *c = burrowctl_commands (); c->name != NULL; c++)
    if (g_str_equal (argv[1], c->name))
      {
        g_autofree char *prgname = g_strdup_printf ("burrowctl %s", c->name);

        /* A command's --help reads "Usage: burrowctl COMMAND …". */
        g_set_prgname (prgname);
        return c->run (argc - 1, argv + 1);
      }

  fprintf (stderr, "burrowctl: unknown command \"%s\"\n\n", argv[1]);
  print_usage (stderr);
  return BURROWCTL_EXIT_USAGE;
}
