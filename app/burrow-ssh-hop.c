// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-ssh-config"

#include "burrow-ssh-hop.h"

#include "burrow-ssh-values.h"

#include <glib/gi18n-lib.h>
#include <string.h>

void
burrow_ssh_hop_clear (BurrowSshHop *hop)
{
  g_clear_pointer (&hop->user, g_free);
  g_clear_pointer (&hop->host, g_free);
}

char *
burrow_ssh_hop_parse (const char   *text,
                      BurrowSshHop *hop)
{
  const char *at;
  const char *port = NULL;
  const char *problem;

  if (g_ascii_strncasecmp (text, "ssh://", 6) == 0)
    text += 6;
  at = strrchr (text, '@');
  if (at != NULL)
    {
      hop->user = g_strndup (text, at - text);
      text = at + 1;
    }
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        return g_strdup_printf (_("jump host \"%s\": a '[' without its ']'"), text);
      hop->host = g_strndup (text + 1, close - text - 1);
      port = close[1] == ':' ? close + 2 : NULL;
    }
  else
    {
      const char *colon = strchr (text, ':');

      hop->host = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
      port = colon != NULL ? colon + 1 : NULL;
    }
  if (port != NULL && !burrow_ssh_parse_port (port, &hop->port))
    return g_strdup_printf (_("jump host \"%s\": \"%s\" is not a port number from 1 to 65535"),
                            text, port);
  if ((problem = burrow_ssh_name_problem (hop->host)) != NULL)
    return g_strdup_printf (_("the host name \"%s\" %s"), hop->host, problem);
  if (hop->user != NULL && (problem = burrow_ssh_name_problem (hop->user)) != NULL)
    return g_strdup_printf (_("the user name \"%s\" %s"), hop->user, problem);
  return NULL;
}

char *
burrow_ssh_jump_check (const char *jump)
{
  g_auto(GStrv) hops = g_strsplit (jump, ",", -1);

  if (g_strv_length (hops) > BURROW_SSH_MAX_JUMP_HOPS)
    return g_strdup_printf (_("more than %u jump hosts"), BURROW_SSH_MAX_JUMP_HOPS);
  for (guint i = 0; hops[i] != NULL; i++)
    {
      g_auto(BurrowSshHop) hop = { 0 };
      char *problem = burrow_ssh_hop_parse (hops[i], &hop);

      if (problem != NULL)
        return problem;
    }
  return NULL;
}
