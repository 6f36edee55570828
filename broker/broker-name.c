// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-name.h"

#include <string.h>

/* Host names, user names and profile ids end up on command lines, in
 * known_hosts and in D-Bus strings: no blanks, no control characters,
 * nothing an option parser could mistake.  The configuration loader and
 * the tunnel-spec parser share this one rule.  Returns why @name is unfit,
 * or NULL. */
const char *
broker_name_problem (const char *name)
{
  if (name == NULL || *name == '\0')
    return "is empty";
  if (strlen (name) > BROKER_NAME_MAX_BYTES)
    return "is longer than 255 bytes";
  if (*name == '-')
    return "starts with '-'";
  if (!g_utf8_validate (name, -1, NULL))
    return "is not valid UTF-8";
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return "contains a blank or a control character";
    }
  return NULL;
}
