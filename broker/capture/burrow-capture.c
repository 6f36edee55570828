// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-capture [-D LEVEL] [-F] [-l] [--seccomp] COMMAND [ARGS…]
 *
 * Runs COMMAND with libburrow-capture.so preloaded, so that its TCP
 * connects (and those of every program it starts) follow the broker's
 * filter rules.  The library is looked for next to this program (a build
 * tree), then where `meson install` puts it relative to this program, then
 * at the configured install path; BURROW_CAPTURE_LIBRARY overrides all.
 *
 * A statically linked COMMAND (which LD_PRELOAD never reaches), or any
 * with --seccomp, runs under a seccomp filter instead, this process its
 * supervisor (capture-seccomp.c). */
#include "config.h"

#include "capture-seccomp.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIBRARY_NAME "libburrow-capture.so"

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: burrow-capture [-D LEVEL] [-F] [-l] [--seccomp] COMMAND [ARGS...]\n"
           "Run COMMAND with its TCP connections captured: each connect is matched\n"
           "against Burrow's filter rules and tunnelled, passed directly or blocked.\n"
           "\n"
           "  --seccomp capture with a seccomp filter and this process as its\n"
           "            supervisor instead of LD_PRELOAD; automatic for statically\n"
           "            linked programs.  Setuid programs then run without their\n"
           "            privileges.\n"
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

/* COMMAND as execvp() would find it (the same search, the same default
 * PATH), or NULL. */
static char *
find_command (const char *command)
{
  const char *path = getenv ("PATH");
  char candidate[PATH_MAX];

  if (strchr (command, '/') != NULL)
    return strdup (command);
  if (path == NULL || path[0] == '\0')
    path = "/bin:/usr/bin";     /* as execvp() */
  while (*path != '\0')
    {
      size_t length = strcspn (path, ":");

      snprintf (candidate, sizeof candidate, "%.*s%s%s", (int) length, path,
                length > 0 ? "/" : "", command);
      if (access (candidate, X_OK) == 0)
        return strdup (candidate);
      path += length;
      if (*path == ':')
        path++;
    }
  return NULL;
}

static int
is_setuid (const char *path)
{
  struct stat info;

  return stat (path, &info) == 0 && (info.st_mode & (S_ISUID | S_ISGID)) != 0;
}

/* --seccomp, or a statically linked COMMAND (not a setuid one: with
 * LD_PRELOAD it runs uncaptured, with seccomp unprivileged; the first is
 * what it would do without burrow-capture). */
static int
wants_seccomp (const char *command,
               int         asked,
               int         debug)
{
  char *path = find_command (command);
  int chosen = asked;

  if (path == NULL)
    return asked;
  if (asked && is_setuid (path))
    fprintf (stderr, "burrow-capture: %s is setuid or setgid: under --seccomp it runs "
             "without those privileges\n", path);
  else if (!asked && capture_seccomp_is_static (path) == 1)
    {
      if (is_setuid (path))
        fprintf (stderr, "burrow-capture: %s is statically linked and setuid: it runs "
                 "uncaptured (--seccomp captures it, without its privileges)\n", path);
      else
        chosen = 1;
      if (chosen && debug >= 2)
        fprintf (stderr, "burrow-capture: %s is statically linked: capturing with seccomp\n",
                 path);
    }
  free (path);
  return chosen;
}

/* LD_PRELOAD without @library (seccomp mode: one interception only). */
static int
remove_preload (const char *library)
{
  const char *old = getenv ("LD_PRELOAD");
  char *copy, *kept, *token, *save = NULL;
  size_t used = 0;
  int status;

  if (old == NULL || library == NULL)
    return 0;
  copy = strdup (old);
  kept = calloc (1, strlen (old) + 1);
  if (copy == NULL || kept == NULL)
    {
      free (copy);
      free (kept);
      return -1;
    }
  for (token = strtok_r (copy, " :", &save); token != NULL; token = strtok_r (NULL, " :", &save))
    if (strcmp (token, library) != 0)
      used += (size_t) sprintf (kept + used, "%s%s", used > 0 ? " " : "", token);
  status = used > 0 ? setenv ("LD_PRELOAD", kept, 1) : unsetenv ("LD_PRELOAD");
  free (copy);
  free (kept);
  return status;
}

enum
{
  OPTION_SECCOMP = 256,
};

int
main (int   argc,
      char *argv[])
{
  static const struct option options[] = {
    { "seccomp", no_argument, NULL, OPTION_SECCOMP },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *debug = "0";
  int fallback = 0, loopback = 0, seccomp = 0, option;
  char *library;

  /* '+': options end at COMMAND, whose own options stay its own. */
  while ((option = getopt_long (argc, argv, "+D:Flh", options, NULL)) != -1)
    switch (option)
      {
      case OPTION_SECCOMP:
        seccomp = 1;
        break;
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

  seccomp = wants_seccomp (argv[optind], seccomp, atoi (debug));
  library = find_library ();
  if (library == NULL && !seccomp)
    {
      fprintf (stderr, "burrow-capture: %s not found (looked next to this program and in %s; "
               "BURROW_CAPTURE_LIBRARY names it)\n", LIBRARY_NAME, CAPTURE_LIBRARY_DIR);
      return 127;
    }
  if ((seccomp ? remove_preload (library) : set_preload (library)) < 0
      || setenv ("BURROW_CAPTURE_DEBUG", debug, 1) < 0
      || setenv ("BURROW_CAPTURE_FALLBACK", fallback ? "1" : "0", 1) < 0
      || setenv ("BURROW_CAPTURE_LOOPBACK", loopback ? "1" : "0", 1) < 0)
    {
      perror ("burrow-capture");
      return 127;
    }
  free (library);

  if (seccomp)
    return capture_seccomp_run (argv + optind);
  execvp (argv[optind], argv + optind);
  fprintf (stderr, "burrow-capture: cannot run %s: %s\n", argv[optind], strerror (errno));
  return errno == ENOENT ? 127 : 126;
}
