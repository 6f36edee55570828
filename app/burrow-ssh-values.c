// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-ssh-config"

#include "burrow-ssh-values.h"

#include <glib/gi18n-lib.h>
#include <string.h>

const char *
burrow_ssh_name_problem (const char *name)
{
  if (*name == '\0')
    return _("is empty");
  if (strlen (name) > BURROW_SSH_MAX_NAME_BYTES)
    return _("is longer than 255 bytes");
  if (*name == '-')
    return _("starts with '-'");
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return _("contains a blank or a control character");
    }
  return NULL;
}

gboolean
burrow_ssh_parse_port (const char *text,
                       guint16    *port)
{
  guint64 number = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &number, NULL))
    return FALSE;
  *port = (guint16) number;
  return TRUE;
}
