// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "burrow-test-broker.h"

G_BEGIN_DECLS

/* "burrowctl agent --script" registered with a test broker: the user who
 * answers host-key questions and prompts as the script says.  What it
 * prints goes to files in the test's directory. */
typedef struct
{
  GSubprocess *process;
  char *out_path;
  char *err_path;
} BurrowTestAgent;

/* Starts it on @broker's bus, with @script written into @dir, and returns
 * once it answers (it says so on stderr; at most 10 s). */
BurrowTestAgent *burrow_test_agent_start (BurrowTestBroker  *broker,
                                          const char        *dir,
                                          const char        *script);
/* Stops it by its pid (SIGTERM, waited for), logs and returns what it
 * printed on stdout; @err (nullable) gets its stderr. */
char            *burrow_test_agent_stop  (BurrowTestAgent   *agent,
                                          char             **err);

G_END_DECLS
