// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Exit codes, documented in burrowctl --help and the README. */
enum
{
  BURROWCTL_EXIT_OK = 0,
  BURROWCTL_EXIT_FAILED = 1,      /* the broker refused, or the file is invalid */
  BURROWCTL_EXIT_USAGE = 2,
  BURROWCTL_EXIT_NO_BROKER = 3,
};

typedef int (*BurrowctlCommandFunc) (int argc, char **argv);

typedef struct
{
  const char *name;
  const char *parameters;
  const char *summary;
  BurrowctlCommandFunc run;
} BurrowctlCommand;

const BurrowctlCommand *burrowctl_commands (void);

/* Shared by the commands (burrowctl-commands.c). */
typedef struct _BurrowDBusBroker1 BurrowDBusBroker1;

int                burrowctl_parse_options  (int          *argc,
                                             char       ***argv,
                                             const char   *parameters,
                                             const char   *summary,
                                             GOptionEntry *entries);
BurrowDBusBroker1 *burrowctl_connect_broker (void);
/* The broker's objects (sessions, tunnels, connections), or NULL with
 * *@exit_status set (and the reason printed). */
GDBusObjectManager *burrowctl_connect_objects (int *exit_status);
int                burrowctl_report_error   (GError       *error);

G_END_DECLS
