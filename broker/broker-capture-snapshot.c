// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-capture-snapshot.h"

#include "capture-rules.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longer values are left to the broker: the library reads lines of at
 * most CAPTURE_RULES_MAX_LINE bytes. */
#define MAX_VALUE (CAPTURE_RULES_MAX_LINE - 64)

char *
broker_capture_snapshot_default_path (void)
{
  const char *override = g_getenv ("BURROW_CAPTURE_RULES");

  if (override != NULL && *override != '\0')
    return g_strdup (override);
  return g_build_filename (g_get_user_state_dir (), "burrow", "capture-rules", NULL);
}

/* Characters both dialects read alike outside brackets.  Left out on
 * purpose: '{' '}' (PCRE takes a malformed count literally), '\' (checked
 * apart), '[' (checked apart), and everything PCRE gives a meaning POSIX
 * lacks. */
static gboolean
is_plain (char c)
{
  return g_ascii_isalnum (c) || strchr ("-_.:/@%=,~!#&;<>'\"` ", c) != NULL;
}

static gboolean
is_quantifier (char c)
{
  return c == '*' || c == '+' || c == '?';
}

/* "\." and its kind: a backslash before a metacharacter means that
 * character in both; any other escape (\d, \b, \w, \x…) is PCRE's own. */
static gboolean
is_escapable (char c)
{
  return c != '\0' && strchr (".*+?()[]|^$\\", c) != NULL;
}

/* A bracket expression of letters, digits and ". _ : -", maybe negated:
 * the same set in both dialects.  Returns the index after its ']', or 0. */
static gsize
bracket_end (const char *pattern,
             gsize       i)
{
  gsize j = i + 1;

  if (pattern[j] == '^')
    j++;
  if (pattern[j] == ']')
    return 0;
  for (; pattern[j] != ']'; j++)
    if (pattern[j] == '\0' || !(g_ascii_isalnum (pattern[j]) || strchr ("._:-", pattern[j])))
      return 0;
  return j + 1;
}

/* One step of the check: returns how far the item at @i reaches, or 0. */
static gsize
portable_item (const char *pattern,
               gsize       i)
{
  char c = pattern[i];

  if (c == '\\')
    return is_escapable (pattern[i + 1]) ? i + 2 : 0;
  if (c == '[')
    return bracket_end (pattern, i);
  if (c == '(')
    return pattern[i + 1] == '?' || pattern[i + 1] == ')' ? 0 : i + 1;
  if (is_quantifier (c))
    {
      /* Nothing to repeat, or a lazy/possessive suffix ("*?", "++"). */
      if (i == 0 || strchr ("(|", pattern[i - 1]) != NULL || is_quantifier (pattern[i + 1]))
        return 0;
      return i + 1;
    }
  if (c == ')' || c == '|' || c == '^' || c == '$' || is_plain (c))
    return i + 1;
  return 0;
}

/* A repeated group that holds a repeat ("(a*)*"): PCRE may give up on it
 * (its backtracking limit) where POSIX finds the match.  @quantified[d] is
 * whether the group open at depth d holds a quantifier. */
static gboolean
nested_repeat (const char *pattern,
               gsize       i,
               gboolean   *quantified,
               guint      *depth)
{
  char c = pattern[i];

  if (c == '(' && *depth < 63)
    quantified[++*depth] = FALSE;
  else if (c == '(')
    return TRUE;
  else if (is_quantifier (c) && *depth > 0)
    quantified[*depth] = TRUE;
  else if (c == ')' && *depth > 0)
    {
      gboolean inner = quantified[(*depth)--];

      if (inner && is_quantifier (pattern[i + 1]))
        return TRUE;
      quantified[*depth] |= inner;
    }
  return FALSE;
}

char *
broker_capture_snapshot_portable_regex (const char *pattern)
{
  g_autofree char *anchored = NULL;
  gboolean quantified[64] = { FALSE };
  guint depth = 0;
  gsize i = 0;

  if (pattern == NULL || *pattern == '\0' || strchr (pattern, '\n') != NULL)
    return NULL;
  while (pattern[i] != '\0')
    {
      gsize next = portable_item (pattern, i);

      if (next == 0 || nested_repeat (pattern, i, quantified, &depth))
        return NULL;
      i = next;
    }
  /* As broker_rule_compile() anchors it: the whole name must match.  In
   * lower case, matched against lower-cased names: REG_ICASE would follow
   * the captured program's locale (a Turkish one folds 'I' elsewhere). */
  anchored = g_strdup_printf ("^(%s)$", pattern);
  return g_ascii_strdown (anchored, -1);
}

static gboolean
has_newline (const char *text)
{
  return text != NULL && strpbrk (text, "\r\n") != NULL;
}

static void
render_host (GString          *out,
             const BrokerRule *rule)
{
  g_autofree char *portable = NULL;

  if (rule->host_block != NULL)
    {
      /* Not g_inet_address_mask_to_string(): it drops a full length. */
      g_autofree char *address = g_inet_address_to_string (
        g_inet_address_mask_get_address (rule->host_block));

      g_string_append_printf (out, "host-block %s/%u\n", address,
                              g_inet_address_mask_get_length (rule->host_block));
      return;
    }
  if (rule->host_regex == NULL)
    return;
  portable = broker_capture_snapshot_portable_regex (rule->host);
  if (portable != NULL && strlen (portable) <= MAX_VALUE)
    g_string_append_printf (out, "host-regex %s\n", portable);
  else
    g_string_append (out, "host-opaque\n");
}

static void
render_rule (GString          *out,
             guint             index,
             const BrokerRule *rule)
{
  if (has_newline (rule->file))
    g_string_append_printf (out, "# rule %u\n", index + 1);
  else
    g_string_append_printf (out, "# rule %u, %s:%u\n", index + 1, rule->file, rule->line);
  g_string_append_printf (out, "rule %s%s\n", broker_rule_action_to_string (rule->action),
                          rule->fallback_to_plain ? " fallback" : "");
  if (rule->application_pattern != NULL)
    {
      /* A keyword the library does not know: only the broker judges it. */
      if (has_newline (rule->application) || strlen (rule->application) > MAX_VALUE)
        g_string_append (out, "opaque-application\n");
      else
        g_string_append_printf (out, "application %s\n", rule->application);
    }
  render_host (out, rule);
  if (rule->port_list != NULL && !broker_port_list_is_any (rule->port_list))
    {
      g_autofree char *ports = broker_port_list_to_string (rule->port_list);

      g_string_append_printf (out, "ports %s\n", ports);
    }
  g_string_append (out, "end\n");
}

char *
broker_capture_snapshot_render (const BrokerConfig *config)
{
  GString *out = g_string_new (CAPTURE_RULES_MAGIC "\n");

  g_string_append (out, "# Written by burrow-broker whenever the rules in it change, for\n"
                        "# libburrow-capture.so. Do not edit: change the configuration.\n");
  for (guint i = 0; i < config->rules->len; i++)
    render_rule (out, i, config->rules->pdata[i]);
  return g_string_free (out, FALSE);
}

/* Whether @path is already the snapshot as it would be written: this
 * user's regular file, 0600, holding @text.  Opened without blocking and
 * without following a link, so that a FIFO or a link planted there is
 * replaced by the rename, not waited on. */
static gboolean
already_written (const char *path,
                 const char *text)
{
  gsize length = strlen (text);
  g_autofree char *current = NULL;
  struct stat info;
  gssize got;
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  if (fstat (fd, &info) < 0 || !S_ISREG (info.st_mode) || info.st_uid != getuid ()
      || (info.st_mode & 07777) != 0600 || (guint64) info.st_size != length)
    {
      close (fd);
      return FALSE;
    }
  current = g_malloc (length + 1);
  got = read (fd, current, length + 1);
  close (fd);
  return got == (gssize) length && memcmp (current, text, length) == 0;
}

static gboolean
write_text (const char  *path,
            const char  *text,
            GError     **error)
{
  g_autofree char *directory = g_path_get_dirname (path);

  /* Every configuration change comes here; the file changes only when
   * what captured programs read from it does. */
  if (already_written (path, text))
    return TRUE;
  if (g_mkdir_with_parents (directory, 0700) < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", directory, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

gboolean
broker_capture_snapshot_write (const BrokerConfig  *config,
                               const char          *path,
                               GError             **error)
{
  g_autofree char *text = broker_capture_snapshot_render (config);

  return write_text (path, text, error);
}
