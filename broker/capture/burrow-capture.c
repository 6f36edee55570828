// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-capture [-D LEVEL] [-F] [-l] COMMAND [ARGS…]
 *
 * Runs COMMAND with libburrow-capture.so preloaded, so that its TCP
 * connects (and those of every program it starts) follow the broker's
 * filter rules.  The library is looked for next to this program (a build
 * tree), then where `meson install` puts it relative to this program, then
 * at the configured install path; BURROW_CAPTURE_LIBRARY overrides all. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIBRARY_NAME "libburrow-capture.so"

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: burrow-capture [-D LEVEL] [-F] [-l] COMMAND [ARGS...]\n"
           "Run COMMAND with its TCP connections captured: each connect is matched\n"
           "against Burrow's filter rules and tunnelled, passed directly or blocked.\n"
           "\n"
           "  -D LEVEL  print decisions on standard error (1: failures and fallbacks,\n"
           "            2: every decision)\n"
           "  -F        when the broker cannot be reached, connect directly instead of\n"
           "            failing (the default is fail-closed: the connect is refused)\n"
           "  -l        capture connections to loopback addresses too\n"
           "  -h        show this help\n");
}

static int
readable (const char *path)
{
  return access (path, R_OK) == 0;
}

/* Where the library is, as an absolute path (the dynamic linker wants one
 * for programs started from other directories), or NULL. */
static char *
find_library (void)
{
  const char *override = getenv ("BURROW_CAPTURE_LIBRARY");
  char self[PATH_MAX];
  char candidate[PATH_MAX * 2];
  ssize_t n;

  if (override != NULL && override[0] != '\0')
    return readable (override) ? realpath (override, NULL) : NULL;

  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n > 0)
    {
      char *slash;

      self[n] = '\0';
      slash = strrchr (self, '/');
      if (slash != NULL)
        *slash = '\0';
      snprintf (candidate, sizeof candidate, "%s/%s", self, LIBRARY_NAME);
      if (readable (candidate))
        return realpath (candidate, NULL);
      snprintf (candidate, sizeof candidate, "%s/%s/%s", self, CAPTURE_LIBRARY_RELATIVE,
                LIBRARY_NAME);
      if (readable (candidate))
        return realpath (candidate, NULL);
    }
  snprintf (candidate, sizeof candidate, "%s/%s", CAPTURE_LIBRARY_DIR, LIBRARY_NAME);
  return readable (candidate) ? strdup (candidate) : NULL;
}

/* LD_PRELOAD with the library first, keeping what was there. */
static int
set_preload (const char *library)
{
  const char *old = getenv ("LD_PRELOAD");
  char *value;
  int status;

  if (old != NULL && strstr (old, library) != NULL)
    return 0;
  if (old == NULL || old[0] == '\0')
    return setenv ("LD_PRELOAD", library, 1);
  if (asprintf (&value, "%s %s", library, old) < 0)
    return -1;
  status = setenv ("LD_PRELOAD", value, 1);
  free (value);
  return status;
}

int
main (int   argc,
      char *argv[])
{
  const char *debug = "0";
  int fallback = 0, loopback = 0, option;
  char *library;

  /* '+': options end at COMMAND, whose own options stay its own. */
  while ((option = getopt (argc, argv, "+D:Flh")) != -1)
    switch (option)
      {
      case 'D':
        debug = optarg;
        break;
      case 'F':
        fallback = 1;
        break;
      case 'l':
        loopback = 1;
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (optind >= argc)
    {
      usage (stderr);
      return 2;
    }

  library = find_library ();
  if (library == NULL)
    {
      fprintf (stderr, "burrow-capture: %s not found (looked next to this program and in %s; "
               "BURROW_CAPTURE_LIBRARY names it)\n", LIBRARY_NAME, CAPTURE_LIBRARY_DIR);
      return 127;
    }
  if (set_preload (library) < 0
      || setenv ("BURROW_CAPTURE_DEBUG", debug, 1) < 0
      || setenv ("BURROW_CAPTURE_FALLBACK", fallback ? "1" : "0", 1) < 0
      || setenv ("BURROW_CAPTURE_LOOPBACK", loopback ? "1" : "0", 1) < 0)
    {
      perror ("burrow-capture");
      return 127;
    }
  free (library);

  execvp (argv[optind], argv + optind);
  fprintf (stderr, "burrow-capture: cannot run %s: %s\n", argv[optind], strerror (errno));
  return errno == ENOENT ? 127 : 126;
}
