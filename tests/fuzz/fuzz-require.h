// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <stdlib.h>

/* abort(), not g_assert: the fuzzer must stop here whatever G_DISABLE_ASSERT
 * says, and the message names both sides of the round trip. */
static inline void
fuzz_require_round_trip (const char *target,
                         gboolean    condition,
                         const char *what,
                         const char *input,
                         const char *printed)
{
  if (condition)
    return;
  g_printerr ("%s: %s\n  input:   \"%s\"\n  printed: \"%s\"\n",
              target, what, input, printed != NULL ? printed : "(none)");
  abort ();
}
