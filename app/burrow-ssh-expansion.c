// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-ssh-config"

#include "burrow-ssh-expansion.h"

#include <glib/gi18n-lib.h>
#include <string.h>

char *
burrow_ssh_expand_host_name (const char *text,
                             const char *alias)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p != '%')
        g_string_append_c (out, *p);
      else if (p[1] == '%')
        g_string_append_c (out, *++p);
      else if (p[1] == 'h')
        {
          g_string_append (out, alias);
          p++;
        }
      else
        return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static const char *
expansion_value (const BurrowSshExpansion *ex,
                 char                      token)
{
  switch (token)
    {
    case '%': return "%";
    case 'd': return ex->home_dir;
    case 'u': return ex->local_user;
    case 'h': return ex->host;
    case 'r': return ex->remote_user;
    case 'n': return ex->alias;
    case 'p': return ex->port;
    default: return NULL;
    }
}

static char *
expand_percent (const BurrowSshExpansion  *ex,
                const char                *text,
                char                     **problem)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      const char *value;

      if (*p != '%')
        {
          g_string_append_c (out, *p);
          continue;
        }
      if (*++p == '\0')
        {
          /* Translators: the character %, not a placeholder.
           * xgettext:no-c-format */
          *problem = g_strdup (_("a '%' ends the path"));
          return NULL;
        }
      value = expansion_value (ex, *p);
      if (value == NULL)
        {
          *problem = g_strdup_printf (_("%%%.*s is not expanded by Burrow"),
                                      (int) (g_utf8_next_char (p) - p), p);
          return NULL;
        }
      g_string_append (out, value);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A leading ~ or ~USER (the importing user only), then the % tokens. */
static char *
expand_tilde (const BurrowSshExpansion  *ex,
              const char                *path,
              char                     **problem)
{
  const char *slash = strchr (path, '/');
  gsize user_length = slash != NULL ? (gsize) (slash - path - 1) : strlen (path) - 1;
  g_autofree char *rest = NULL;

  if (user_length > 0 &&
      (strlen (ex->local_user) != user_length ||
       strncmp (path + 1, ex->local_user, user_length) != 0))
    {
      *problem = g_strdup_printf (_("~%.*s is not expanded by Burrow"), (int) user_length,
                                  path + 1);
      return NULL;
    }
  rest = expand_percent (ex, slash != NULL ? slash : "", problem);
  if (rest == NULL)
    return NULL;
  return g_build_filename (ex->home_dir, rest, NULL);
}

char *
burrow_ssh_expand_identity (const BurrowSshExpansion  *ex,
                            const char                *path,
                            char                     **problem)
{
  g_autofree char *expanded = NULL;

  if (strstr (path, "${") != NULL)
    {
      *problem = g_strdup (_("environment variables are not expanded by Burrow"));
      return NULL;
    }
  if (path[0] == '~')
    expanded = expand_tilde (ex, path, problem);
  else
    expanded = expand_percent (ex, path, problem);
  if (expanded == NULL)
    return NULL;
  if (expanded[0] != '/')
    *problem = g_strdup (_("a relative path; write it from ~/ or /"));
  else if (!g_utf8_validate (expanded, -1, NULL))
    *problem = g_strdup (_("the expanded path is not valid UTF-8"));
  else
    return g_steal_pointer (&expanded);
  return NULL;
}
