// SPDX-License-Identifier: GPL-3.0-or-later
/* Imports an OpenSSH client configuration (ssh_config(5)) as Broker1
 * profile dictionaries.  Pure: the caller reads the file.
 *
 * The file is read in two passes.  The first splits it into blocks (the
 * lines before the first Host, then one per Host or Match line) of the
 * settings Burrow can use.  The second evaluates the file once for every
 * plain Host alias, as ssh does for the name given on its command line:
 * the blocks whose patterns match, in file order, the first value of a
 * setting winning, IdentityFile and the forwards adding up.  A ProxyJump
 * hop is evaluated the same way, with its user and port winning as ssh's
 * -l and -p do, and becomes the gateway profile.
 *
 * The values themselves are read by units of their own, pure as this one:
 * burrow-ssh-values (names and ports), burrow-ssh-hop (ProxyJump),
 * burrow-ssh-expansion (~ and % tokens) and burrow-ssh-forward (the
 * *Forward lines). */
#define G_LOG_DOMAIN "burrow-ssh-config"

#include "burrow-ssh-config.h"

#include "burrow-ssh-expansion.h"
#include "burrow-ssh-forward.h"
#include "burrow-ssh-hop.h"
#include "burrow-ssh-values.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define MAX_LIST 100         /* identity files and forwards per profile, as ssh */
#define MAX_MESSAGES 1000
#define MAX_ID_CHARS 64
/* Steps of pattern matching for the whole file: every profile evaluates
 * every Host line, and a crafted file could make that take hours. */
#define MAX_WORK 50000000

typedef enum
{
  KEYWORD_OTHER,
  KEYWORD_HOST,
  KEYWORD_MATCH,
  KEYWORD_INCLUDE,
  KEYWORD_HOST_NAME,
  KEYWORD_PORT,
  KEYWORD_USER,
  KEYWORD_IDENTITY_FILE,
  KEYWORD_PROXY_JUMP,
  KEYWORD_PROXY_COMMAND,
  KEYWORD_LOCAL_FORWARD,   /* the forwards in the order of BurrowSshForwardKind */
  KEYWORD_REMOTE_FORWARD,
  KEYWORD_DYNAMIC_FORWARD,
} Keyword;

/* A forward's keyword gives its kind. */
G_STATIC_ASSERT (KEYWORD_REMOTE_FORWARD - KEYWORD_LOCAL_FORWARD == BURROW_SSH_FORWARD_REMOTE);
G_STATIC_ASSERT (KEYWORD_DYNAMIC_FORWARD - KEYWORD_LOCAL_FORWARD == BURROW_SSH_FORWARD_DYNAMIC);

static const char * const keyword_names[] = {
  NULL, "Host", "Match", "Include", "HostName", "Port", "User", "IdentityFile", "ProxyJump",
  "ProxyCommand", "LocalForward", "RemoteForward", "DynamicForward",
};

typedef struct
{
  guint line;
  Keyword keyword;
  GStrv args;
} Entry;

typedef enum
{
  BLOCK_ALL,      /* before the first Host line */
  BLOCK_HOST,
  BLOCK_IGNORED,  /* Match, or a Host line that could not be read */
} BlockKind;

typedef struct
{
  BlockKind kind;
  GStrv patterns;      /* lower-case */
  GPtrArray *entries;  /* Entry *, the settings Burrow uses */
} Block;

typedef struct
{
  char *name;
  char *id;  /* claimed before any profile is built: aliases before jump hosts */
  guint line;
} Alias;

/* What a profile is evaluated for: an alias, or a ProxyJump hop. */
typedef struct
{
  const char *name;   /* matched against the Host patterns */
  const char *text;   /* the hop as written, NULL for an alias */
  const char *user;   /* the hop's: wins over User */
  guint16 port;       /* the hop's: wins over Port */
  const char *jump;   /* the hops before this one: win over ProxyJump */
  guint line;         /* the Host or ProxyJump line */
} Request;

typedef enum
{
  STATE_IN_PROGRESS,
  STATE_DONE,
  STATE_FAILED,
} State;

typedef struct
{
  State state;
  char *id;
  guint chain;  /* how many gateways are behind it */
} Resolution;

typedef enum
{
  OUTCOME_OK,
  OUTCOME_FAILED,
  OUTCOME_LOOP,
  OUTCOME_TOO_DEEP,  /* the chain from the top is too long: tried again later */
} Outcome;

typedef struct
{
  const char *home_dir;
  const char *user_name;
  GPtrArray *blocks;            /* Block * */
  GPtrArray *aliases;           /* Alias *, in file order */
  GHashTable *alias_by_name;    /* lower-case name → Alias * */
  GHashTable *resolutions;      /* request key → Resolution * */
  GHashTable *ids;              /* the ids given out */
  guint64 work;                 /* steps taken, up to MAX_WORK */
  gboolean full;                /* no more profiles: said so once */
  GArray *messages;             /* Message, in the order found */
  guint unlisted;               /* messages past MAX_MESSAGES */
  guint first_unlisted_line;
  BurrowSshConfigImport *result;
} Importer;

/* The first value of each setting, and the lists that add up. */
typedef struct
{
  const Entry *host_name;
  const Entry *port;
  const Entry *user;
  const Entry *proxy;      /* ProxyJump or ProxyCommand, whichever comes first */
  GPtrArray *identities;   /* const Entry *, at most MAX_LIST + 1 */
  GPtrArray *forwards;     /* likewise */
} Settings;

typedef struct
{
  Importer *importer;
  const Request *request;
  Alias *alias;            /* NULL for a jump host no Host line names */
  char *label;             /* "Host web", for messages */
  guint line;              /* the Host line, or the ProxyJump line of a hop */
  guint depth;             /* how many profiles wait for this one as a gateway */
  gboolean too_deep;
  guint chain;
  Settings settings;
  GVariantDict dict;
  char *host;
  char *user;
  guint16 port;
} Builder;

static void
entry_free (Entry *entry)
{
  g_strfreev (entry->args);
  g_free (entry);
}

static void
block_free (Block *block)
{
  g_strfreev (block->patterns);
  g_ptr_array_unref (block->entries);
  g_free (block);
}

static void
alias_free (Alias *alias)
{
  g_free (alias->name);
  g_free (alias->id);
  g_free (alias);
}

static void
resolution_free (Resolution *resolution)
{
  g_free (resolution->id);
  g_free (resolution);
}

void
burrow_ssh_config_import_free (BurrowSshConfigImport *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->profiles);
  g_ptr_array_unref (self->skipped);
  g_free (self);
}

/* Messages */

typedef struct
{
  guint line;
  char *text;
} Message;

static void
message_clear (Message *message)
{
  g_free (message->text);
}

static void
add_message (Importer   *self,
             guint       line,
             const char *reason)
{
  g_autofree char *text = g_strdup_printf (_("line %u: %s"), line, reason);
  /* The file's lines are checked, but a home directory need not be UTF-8. */
  Message message = { line, g_utf8_make_valid (text, -1) };

  g_array_append_val (self->messages, message);
}

static gint
compare_lines (gconstpointer a,
               gconstpointer b)
{
  const Message *first = a;
  const Message *second = b;

  return (first->line > second->line) - (first->line < second->line);
}

/* In line order: the profiles are built in an order of their own. */
static void
list_messages (Importer *self)
{
  g_array_sort (self->messages, compare_lines);  /* a stable sort */
  for (guint i = 0; i < self->messages->len; i++)
    g_ptr_array_add (self->result->skipped,
                     g_steal_pointer (&g_array_index (self->messages, Message, i).text));
  if (self->unlisted > 0)
    g_ptr_array_add (self->result->skipped,
                     g_strdup_printf (_("line %u: and %u more problems not listed here"),
                                      self->first_unlisted_line, self->unlisted));
}

G_GNUC_PRINTF (3, 4)
static void
skip (Importer   *self,
      guint       line,
      const char *format,
      ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  if (self->messages->len >= MAX_MESSAGES)
    {
      if (self->unlisted++ == 0)
        self->first_unlisted_line = line;
      return;
    }
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  add_message (self, line, reason);
}

/* Reading the lines */

static Keyword
keyword_from_string (const char *word)
{
  for (guint i = 1; i < G_N_ELEMENTS (keyword_names); i++)
    if (g_ascii_strcasecmp (word, keyword_names[i]) == 0)
      return i;
  return KEYWORD_OTHER;
}

/* "Keyword value", "Keyword=value" or "Keyword = value"; NULL for a blank
 * line or a comment. */
static char *
split_keyword (const char  *line,
               const char **rest)
{
  const char *start = line;
  const char *end;

  while (g_ascii_isspace (*start))
    start++;
  if (*start == '\0' || *start == '#')
    return NULL;
  for (end = start; *end != '\0' && !g_ascii_isspace (*end) && *end != '='; end++)
    ;
  *rest = end;
  while (g_ascii_isspace (**rest))
    (*rest)++;
  if (**rest == '=')
    (*rest)++;
  return g_strndup (start, end - start);
}

/* As OpenSSH's argv_split(): blanks separate, "…" and '…' quote, a
 * backslash escapes a quote, itself or a blank, and # starts a comment at
 * the beginning of an argument.  FALSE if a quote is not closed. */
static gboolean
split_arguments (const char *p,
                 GPtrArray  *args)
{
  while (TRUE)
    {
      g_autoptr(GString) arg = NULL;
      char quote = 0;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0' || *p == '#')
        return TRUE;
      arg = g_string_new (NULL);
      for (; *p != '\0' && (quote != 0 || !g_ascii_isspace (*p)); p++)
        {
          if (*p == '\\' && p[1] != '\0' && strchr ("\\\"' ", p[1]) != NULL)
            g_string_append_c (arg, *++p);
          else if (quote == 0 && (*p == '"' || *p == '\''))
            quote = *p;
          else if (*p == quote)
            quote = 0;
          else
            g_string_append_c (arg, *p);
        }
      if (quote != 0)
        return FALSE;
      g_ptr_array_add (args, g_string_free (g_steal_pointer (&arg), FALSE));
    }
}

static Block *
open_block (Importer  *self,
            BlockKind  kind)
{
  Block *block = g_new0 (Block, 1);

  block->kind = kind;
  block->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_ptr_array_add (self->blocks, block);
  return block;
}

static Block *
current_block (Importer *self)
{
  return self->blocks->pdata[self->blocks->len - 1];
}

/* A line that cannot be read may still be a Host or Match line; then the
 * settings under it must not join the block above. */
static gboolean
opens_block (const char *start,
             gsize       length)
{
  gsize i = 0;
  gsize word;

  while (i < length && g_ascii_isspace (start[i]))
    i++;
  word = i;
  while (i < length && !g_ascii_isspace (start[i]) && start[i] != '=')
    i++;
  return (i - word == 4 && g_ascii_strncasecmp (start + word, "host", 4) == 0) ||
         (i - word == 5 && g_ascii_strncasecmp (start + word, "match", 5) == 0);
}

static void
refuse_line (Importer   *self,
             guint       line,
             const char *start,
             gsize       length,
             const char *reason)
{
  if (opens_block (start, length))
    {
      open_block (self, BLOCK_IGNORED);
      skip (self, line, _("%s; ignored, and so are the settings under it"), reason);
    }
  else
    {
      skip (self, line, _("%s; ignored"), reason);
    }
}

static gboolean
is_pattern (const char *word)
{
  return word[0] == '!' || strpbrk (word, "*?") != NULL;
}

static void
add_alias (Importer   *self,
           const char *name,
           guint       line)
{
  g_autofree char *key = g_ascii_strdown (name, -1);
  Alias *alias;

  if (g_hash_table_contains (self->alias_by_name, key))
    return;
  alias = g_new0 (Alias, 1);
  alias->name = g_strdup (name);
  alias->line = line;
  g_ptr_array_add (self->aliases, alias);
  g_hash_table_insert (self->alias_by_name, g_steal_pointer (&key), alias);
}

static void
report_pattern (Importer   *self,
                guint       line,
                const char *pattern)
{
  /* Host * is where defaults go; nobody expects a profile of it. */
  if (strcmp (pattern, "*") != 0)
    skip (self, line, _("Host %s: a pattern names no single server"), pattern);
}

/* Longer names could not be matched against the patterns in bounded time,
 * and the broker takes no longer host name. */
static void
report_long_alias (Importer   *self,
                   guint       line,
                   const char *name)
{
  g_autofree char *start = g_utf8_substring (name, 0, 40);

  skip (self, line, _("Host %s…: the name is longer than 255 bytes; not imported"), start);
}

static void
read_host (Importer  *self,
           guint      line,
           GStrv      args)
{
  Block *block;

  if (args[0] == NULL)
    {
      open_block (self, BLOCK_IGNORED);
      skip (self, line, _("Host needs a name; the settings under it are not imported"));
      return;
    }
  block = open_block (self, BLOCK_HOST);
  block->patterns = g_new0 (char *, g_strv_length (args) + 1);
  for (guint i = 0; args[i] != NULL; i++)
    {
      block->patterns[i] = g_ascii_strdown (args[i], -1);
      if (is_pattern (args[i]))
        report_pattern (self, line, args[i]);
      else if (strlen (args[i]) > BURROW_SSH_MAX_NAME_BYTES)
        report_long_alias (self, line, args[i]);
      else
        add_alias (self, args[i], line);
    }
}

static void
read_setting (Importer *self,
              guint     line,
              Keyword   keyword,
              GStrv     args)
{
  g_autofree char *joined = g_strjoinv (" ", args);
  Block *block = current_block (self);
  Entry *entry;

  switch (keyword)
    {
    case KEYWORD_HOST:
      read_host (self, line, args);
      return;
    case KEYWORD_MATCH:
      open_block (self, BLOCK_IGNORED);
      skip (self, line, _("Match %s: only ssh can evaluate its conditions; the settings in "
                          "this block are not imported"), joined);
      return;
    case KEYWORD_INCLUDE:
      if (block->kind != BLOCK_IGNORED)
        skip (self, line, _("Include %s: other files are not read; import them on their own"),
              joined);
      return;
    case KEYWORD_OTHER:
      return;
    default:
      break;
    }
  if (block->kind == BLOCK_IGNORED)
    return;
  entry = g_new0 (Entry, 1);
  entry->line = line;
  entry->keyword = keyword;
  entry->args = g_strdupv (args);
  g_ptr_array_add (block->entries, entry);
}

static void
read_line (Importer   *self,
           guint       line,
           const char *start,
           gsize       length)
{
  g_autofree char *text = NULL;
  g_autofree char *keyword = NULL;
  g_autoptr(GPtrArray) args = NULL;
  const char *rest = NULL;

  if (length > 0 && start[length - 1] == '\r')
    length--;
  if (length > BURROW_SSH_CONFIG_MAX_LINE)
    {
      refuse_line (self, line, start, length, _("the line is longer than 4096 bytes"));
      return;
    }
  /* This also refuses NUL bytes; GVariant strings must be UTF-8. */
  if (!g_utf8_validate_len (start, length, NULL))
    {
      refuse_line (self, line, start, length, _("the line is not valid UTF-8"));
      return;
    }
  text = g_strndup (start, length);
  keyword = split_keyword (text, &rest);
  if (keyword == NULL)
    return;
  args = g_ptr_array_new_with_free_func (g_free);
  if (!split_arguments (rest, args))
    {
      refuse_line (self, line, start, length, _("a quote is not closed"));
      return;
    }
  g_ptr_array_add (args, NULL);
  read_setting (self, line, keyword_from_string (keyword), (GStrv) args->pdata);
}

static void
read_text (Importer   *self,
           const char *text,
           gsize       length)
{
  const char *end;
  guint line = 0;

  if (length == 0)
    return;  /* text may be NULL */
  end = text + length;
  for (const char *start = text; start < end;)
    {
      const char *newline = memchr (start, '\n', end - start);
      const char *stop = newline != NULL ? newline : end;

      read_line (self, ++line, start, stop - start);
      start = stop + 1;
    }
}

/* Ids */

/* Lower-case ASCII letters, digits, '.' and '_', every other run of
 * characters one '-': safe in the broker's file and on a command line. */
static char *
derive_id (const char *text)
{
  GString *id = g_string_new (NULL);

  for (const char *p = text; *p != '\0' && id->len < MAX_ID_CHARS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      char out = '-';

      if (c < 0x80 && (g_ascii_isalnum (c) || c == '.' || c == '_'))
        out = g_ascii_tolower (c);
      if (out == '-' && (id->len == 0 || id->str[id->len - 1] == '-'))
        continue;
      g_string_append_c (id, out);
    }
  while (id->len > 0 && id->str[id->len - 1] == '-')
    g_string_truncate (id, id->len - 1);
  if (id->len == 0)
    g_string_assign (id, "host");
  return g_string_free (id, FALSE);
}

static char *
claim_id (Importer   *self,
          const char *text)
{
  g_autofree char *base = derive_id (text);
  char *id = g_strdup (base);

  for (guint n = 2; g_hash_table_contains (self->ids, id); n++)
    {
      g_free (id);
      id = g_strdup_printf ("%s-%u", base, n);
    }
  g_hash_table_add (self->ids, g_strdup (id));
  return id;
}

/* Aliases get their ids before any jump host does, in file order.  Those
 * past the limit never get a profile. */
static void
claim_alias_ids (Importer *self)
{
  for (guint i = 0; i < self->aliases->len && i < BURROW_SSH_CONFIG_MAX_PROFILES; i++)
    {
      Alias *alias = self->aliases->pdata[i];

      alias->id = claim_id (self, alias->name);
    }
}

/* Evaluating the file for one name */

/* '*' and '?' as ssh's match_pattern(), without its backtracking, so that
 * no pattern takes more than length × length steps. */
static gboolean
glob_match (const char *pattern,
            const char *text,
            guint64    *work)
{
  const char *star = NULL;
  const char *resume = NULL;

  while (*text != '\0')
    {
      (*work)++;
      if (*pattern == '*')
        {
          star = pattern++;
          resume = text;
        }
      else if (*pattern != '\0' && (*pattern == '?' || *pattern == *text))
        {
          pattern++;
          text++;
        }
      else if (star != NULL)
        {
          pattern = star + 1;
          text = ++resume;
        }
      else
        {
          return FALSE;
        }
    }
  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

/* A negated pattern that matches rules the block out, as in ssh. */
static gboolean
block_applies (const Block *block,
               const char  *name,
               guint64     *work)
{
  gboolean applies = FALSE;

  if (block->kind != BLOCK_HOST)
    return block->kind == BLOCK_ALL;
  for (guint i = 0; block->patterns[i] != NULL; i++)
    {
      const char *pattern = block->patterns[i];
      gboolean negated = pattern[0] == '!';

      if (!glob_match (negated ? pattern + 1 : pattern, name, work))
        continue;
      if (negated)
        return FALSE;
      applies = TRUE;
    }
  return applies;
}

static void
take_first (const Entry **slot,
            const Entry  *entry)
{
  if (*slot == NULL)
    *slot = entry;
}

static void
take_one_more (GPtrArray   *list,
               const Entry *entry)
{
  if (list->len <= MAX_LIST)
    g_ptr_array_add (list, (gpointer) entry);
}

static void
collect_entry (Settings    *settings,
               const Entry *entry)
{
  switch (entry->keyword)
    {
    case KEYWORD_HOST_NAME:
      take_first (&settings->host_name, entry);
      break;
    case KEYWORD_PORT:
      take_first (&settings->port, entry);
      break;
    case KEYWORD_USER:
      take_first (&settings->user, entry);
      break;
    case KEYWORD_PROXY_JUMP:
    case KEYWORD_PROXY_COMMAND:
      take_first (&settings->proxy, entry);
      break;
    case KEYWORD_IDENTITY_FILE:
      take_one_more (settings->identities, entry);
      break;
    case KEYWORD_LOCAL_FORWARD:
    case KEYWORD_REMOTE_FORWARD:
    case KEYWORD_DYNAMIC_FORWARD:
      take_one_more (settings->forwards, entry);
      break;
    default:
      break;
    }
}

/* FALSE if the work allowed for the file runs out. */
static gboolean
collect_settings (Importer   *self,
                  const char *name,
                  Settings   *settings)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  settings->identities = g_ptr_array_new ();
  settings->forwards = g_ptr_array_new ();
  for (guint i = 0; i < self->blocks->len; i++)
    {
      Block *block = self->blocks->pdata[i];

      self->work++;
      if (self->work > MAX_WORK)
        return FALSE;
      if (!block_applies (block, lower, &self->work))
        continue;
      self->work += block->entries->len;
      for (guint j = 0; j < block->entries->len; j++)
        collect_entry (settings, block->entries->pdata[j]);
    }
  return TRUE;
}

/* Host, port and user */

static guint
builder_line (const Builder *self,
              const Entry   *entry)
{
  return entry != NULL ? entry->line : self->line;
}

static gboolean
has_one_value (Builder     *self,
               const Entry *entry)
{
  if (g_strv_length (entry->args) == 1)
    return TRUE;
  skip (self->importer, entry->line, _("%s: %s needs exactly one value; not imported"),
        self->label, keyword_names[entry->keyword]);
  return FALSE;
}

static gboolean
add_host (Builder *self)
{
  const Entry *entry = self->settings.host_name;
  g_autofree char *host = NULL;
  const char *problem;

  if (entry == NULL)
    host = g_strdup (self->request->name);
  else if (!has_one_value (self, entry))
    return FALSE;
  else if ((host = burrow_ssh_expand_host_name (entry->args[0], self->request->name)) == NULL)
    {
      skip (self->importer, entry->line,
            _("%s: HostName %s: only %%h and %%%% can be expanded; not imported"),
            self->label, entry->args[0]);
      return FALSE;
    }
  problem = burrow_ssh_name_problem (host);
  if (problem != NULL)
    {
      skip (self->importer, builder_line (self, entry),
            _("%s: the host name \"%s\" %s; not imported"), self->label, host, problem);
      return FALSE;
    }
  g_variant_dict_insert (&self->dict, "host", "s", host);
  self->host = g_steal_pointer (&host);
  return TRUE;
}

static gboolean
add_port (Builder *self)
{
  const Entry *entry = self->settings.port;

  if (self->request->port != 0)
    self->port = self->request->port;
  else if (entry == NULL)
    return TRUE;
  else if (!has_one_value (self, entry))
    return FALSE;
  else if (!burrow_ssh_parse_port (entry->args[0], &self->port))
    {
      skip (self->importer, entry->line,
            _("%s: Port %s: not a port number from 1 to 65535; not imported"),
            self->label, entry->args[0]);
      return FALSE;
    }
  g_variant_dict_insert (&self->dict, "port", "q", self->port);
  return TRUE;
}

static gboolean
add_user (Builder *self)
{
  const Entry *entry = self->settings.user;
  const char *problem;

  if (self->request->user != NULL)
    self->user = g_strdup (self->request->user);
  else if (entry == NULL)
    return TRUE;
  else if (!has_one_value (self, entry))
    return FALSE;
  else
    self->user = g_strdup (entry->args[0]);
  problem = burrow_ssh_name_problem (self->user);
  if (problem != NULL)
    {
      skip (self->importer, builder_line (self, entry),
            _("%s: the user name \"%s\" %s; not imported"), self->label, self->user, problem);
      return FALSE;
    }
  g_variant_dict_insert (&self->dict, "user", "s", self->user);
  return TRUE;
}

/* ProxyJump */

static Outcome resolve (Importer          *self,
                        const Request     *request,
                        guint              depth,
                        const Resolution **found);

static gboolean
report_gateway (Builder    *self,
                Outcome     outcome,
                const char *jump,
                const char *hop,
                guint       line)
{
  if (outcome == OUTCOME_TOO_DEEP)
    skip (self->importer, line, _("%s: ProxyJump %s: more than %u jump hosts in a row; not "
                                  "imported"), self->label, jump, BURROW_SSH_MAX_JUMP_HOPS);
  else if (outcome == OUTCOME_LOOP)
    skip (self->importer, line, _("%s: ProxyJump %s: the jump hosts form a loop; not imported"),
          self->label, jump);
  else if (outcome == OUTCOME_FAILED)
    skip (self->importer, line, _("%s: ProxyJump %s: the jump host %s is not imported, so "
                                  "neither is this one"), self->label, jump, hop);
  return outcome == OUTCOME_OK;
}

/* The last hop is the gateway; it reaches the server through the hops
 * before it, as ssh -J does. */
static gboolean
follow_jump (Builder    *self,
             const char *jump,
             guint       line)
{
  g_autofree char *problem = burrow_ssh_jump_check (jump);
  g_autofree char *before = NULL;
  g_auto(BurrowSshHop) hop = { 0 };
  const char *last = strrchr (jump, ',');
  const Resolution *gateway = NULL;
  Request next = { 0 };
  Outcome outcome;

  if (problem != NULL)
    {
      skip (self->importer, line, _("%s: ProxyJump %s: %s; not imported"), self->label, jump,
            problem);
      return FALSE;
    }
  before = last != NULL ? g_strndup (jump, last - jump) : NULL;
  next.text = last != NULL ? last + 1 : jump;
  g_free (burrow_ssh_hop_parse (next.text, &hop));
  next.name = hop.host;
  next.user = hop.user;
  next.port = hop.port;
  next.jump = before;
  next.line = line;
  outcome = resolve (self->importer, &next, self->depth + 1, &gateway);
  /* Too deep below a profile that is itself a gateway: the chain may be
   * short enough from elsewhere, so nothing is said or decided yet. */
  if (outcome == OUTCOME_TOO_DEEP && self->depth > 0)
    {
      self->too_deep = TRUE;
      return FALSE;
    }
  if (outcome == OUTCOME_OK && gateway->chain >= BURROW_SSH_MAX_JUMP_HOPS)
    outcome = OUTCOME_TOO_DEEP;
  if (!report_gateway (self, outcome, jump, next.text, line))
    return FALSE;
  self->chain = gateway->chain + 1;
  g_variant_dict_insert (&self->dict, "gateway-profile", "s", gateway->id);
  return TRUE;
}

/* ProxyJump and ProxyCommand share one slot: ssh uses whichever comes
 * first and ignores the other.  A command is never run. */
static gboolean
add_gateway (Builder *self)
{
  const Entry *entry = self->settings.proxy;

  if (self->request->jump != NULL)
    return follow_jump (self, self->request->jump, self->request->line);
  if (entry == NULL)
    return TRUE;
  if (entry->keyword == KEYWORD_PROXY_COMMAND)
    {
      if (g_strv_length (entry->args) != 1 || g_ascii_strcasecmp (entry->args[0], "none") != 0)
        skip (self->importer, entry->line,
              _("%s: ProxyCommand is not run by Burrow; the profile connects directly"),
              self->label);
      return TRUE;
    }
  if (!has_one_value (self, entry))
    return FALSE;
  if (g_ascii_strcasecmp (entry->args[0], "none") == 0)
    return TRUE;
  return follow_jump (self, entry->args[0], entry->line);
}

/* IdentityFile */

static void
add_identity (Builder                  *self,
              const BurrowSshExpansion *ex,
              const Entry              *entry,
              GPtrArray                *files)
{
  g_autofree char *problem = NULL;
  g_autofree char *path = NULL;

  /* ssh skips "none". */
  if (g_strv_length (entry->args) == 1 && g_ascii_strcasecmp (entry->args[0], "none") == 0)
    return;
  if (g_strv_length (entry->args) != 1)
    problem = g_strdup (_("needs exactly one value"));
  else
    path = burrow_ssh_expand_identity (ex, entry->args[0], &problem);
  if (path == NULL)
    {
      g_autofree char *joined = g_strjoinv (" ", entry->args);

      skip (self->importer, entry->line, _("%s: IdentityFile %s: %s; left out"),
            self->label, joined, problem);
      return;
    }
  if (!g_ptr_array_find_with_equal_func (files, path, g_str_equal, NULL))
    g_ptr_array_add (files, g_steal_pointer (&path));
}

static void
add_identities (Builder *self)
{
  Importer *importer = self->importer;
  GPtrArray *entries = self->settings.identities;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  BurrowSshExpansion ex = {
    .home_dir = importer->home_dir,
    .local_user = importer->user_name,
    .host = self->host,
    .remote_user = self->user != NULL ? self->user : importer->user_name,
    .alias = self->request->name,
  };

  g_snprintf (ex.port, sizeof ex.port, "%u", self->port != 0 ? self->port : 22);
  for (guint i = 0; i < entries->len && i < MAX_LIST; i++)
    add_identity (self, &ex, entries->pdata[i], files);
  if (entries->len > MAX_LIST)
    skip (importer, ((const Entry *) entries->pdata[MAX_LIST])->line,
          _("%s: more than %u IdentityFile lines; the rest are left out"), self->label,
          MAX_LIST);
  if (files->len == 0)
    return;
  g_ptr_array_add (files, NULL);
  g_variant_dict_insert_value (&self->dict, "identity-files",
                               g_variant_new_strv ((const char * const *) files->pdata, -1));
}

/* Forwards */

/* The forward in @taken that listens where @forward would, or NULL. */
static const BurrowSshForward *
find_clash (GArray                 *taken,
            const BurrowSshForward *forward)
{
  for (guint i = 0; i < taken->len; i++)
    {
      const BurrowSshForward *other = &g_array_index (taken, BurrowSshForward, i);

      if (burrow_ssh_forward_clashes (forward, other))
        return other;
    }
  return NULL;
}

static void
take_forward (Builder     *self,
              const Entry *entry,
              GArray      *taken)
{
  g_auto(BurrowSshForward) forward = { 0 };
  g_autofree char *problem = burrow_ssh_forward_parse (entry->keyword - KEYWORD_LOCAL_FORWARD,
                                                       (const char * const *) entry->args,
                                                       &forward);
  const BurrowSshForward *clash = NULL;
  g_autofree char *joined = NULL;

  forward.line = entry->line;
  if (problem == NULL && (clash = find_clash (taken, &forward)) != NULL)
    problem = g_strdup_printf (_("%s port %u is already used by the forward on line %u"),
                               burrow_ssh_forward_listen_address (&forward), forward.listen_port,
                               clash->line);
  if (problem == NULL)
    {
      g_array_append_val (taken, forward);
      memset (&forward, 0, sizeof forward);
      return;
    }
  joined = g_strjoinv (" ", entry->args);
  skip (self->importer, entry->line, _("%s: %s %s: %s; left out"), self->label,
        keyword_names[entry->keyword], joined, problem);
}

static void
insert_tunnels (Builder *self,
                GArray  *taken)
{
  for (guint kind = 0; kind < BURROW_SSH_FORWARD_KINDS; kind++)
    {
      GVariantBuilder list;
      gboolean any = FALSE;

      g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < taken->len; i++)
        {
          const BurrowSshForward *forward = &g_array_index (taken, BurrowSshForward, i);

          if (forward->kind != kind)
            continue;
          g_variant_builder_add_value (&list, burrow_ssh_forward_to_variant (forward));
          any = TRUE;
        }
      if (any)
        g_variant_dict_insert_value (&self->dict, burrow_ssh_forward_list_key (kind),
                                     g_variant_builder_end (&list));
      else
        g_variant_builder_clear (&list);
    }
}

static void
add_tunnels (Builder *self)
{
  GPtrArray *entries = self->settings.forwards;
  g_autoptr(GArray) taken = g_array_new (FALSE, TRUE, sizeof (BurrowSshForward));

  g_array_set_clear_func (taken, (GDestroyNotify) burrow_ssh_forward_clear);
  for (guint i = 0; i < entries->len && i < MAX_LIST; i++)
    take_forward (self, entries->pdata[i], taken);
  if (entries->len > MAX_LIST)
    skip (self->importer, ((const Entry *) entries->pdata[MAX_LIST])->line,
          _("%s: more than %u forwards; the rest are left out"), self->label, MAX_LIST);
  insert_tunnels (self, taken);
}

/* Profiles */

static Alias *
find_alias (Importer      *self,
            const Request *request)
{
  g_autofree char *key = NULL;

  if (request->user != NULL || request->port != 0 || request->jump != NULL)
    return NULL;
  key = g_ascii_strdown (request->name, -1);
  return g_hash_table_lookup (self->alias_by_name, key);
}

static char *
request_key (const Request *request)
{
  g_autofree char *name = g_ascii_strdown (request->name, -1);

  /* '\n' cannot occur in a line's values. */
  return g_strdup_printf ("%s\n%s\n%u\n%s", name, request->user != NULL ? request->user : "",
                          request->port, request->jump != NULL ? request->jump : "");
}

static char *
display_name (const Request *request)
{
  if (request->jump == NULL)
    return g_strdup (request->text);
  return g_strdup_printf (_("%s via %s"), request->text, request->jump);
}

static gboolean
builder_init (Builder       *self,
              Importer      *importer,
              const Request *request)
{
  memset (self, 0, sizeof *self);
  self->importer = importer;
  self->request = request;
  self->alias = find_alias (importer, request);
  self->line = self->alias != NULL ? self->alias->line : request->line;
  if (self->alias != NULL)
    self->label = g_strdup_printf (_("Host %s"), self->alias->name);
  else
    self->label = g_strdup_printf (_("jump host %s"), request->text);
  g_variant_dict_init (&self->dict, NULL);
  return collect_settings (importer, request->name, &self->settings);
}

static void
builder_clear (Builder *self)
{
  g_variant_dict_clear (&self->dict);
  g_clear_pointer (&self->settings.identities, g_ptr_array_unref);
  g_clear_pointer (&self->settings.forwards, g_ptr_array_unref);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->user, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Builder, builder_clear)

/* Ends the import: a message at @line, and no more profiles. */
static void
stop (Importer *self,
      guint     line)
{
  g_autofree char *reason = NULL;

  if (self->full)
    return;
  self->full = TRUE;
  if (self->work > MAX_WORK)
    reason = g_strdup (_("the file has too many Host patterns to evaluate; this host and the "
                         "rest are not imported"));
  else
    reason = g_strdup_printf (_("more than %u hosts; this one and the rest are not imported"),
                              BURROW_SSH_CONFIG_MAX_PROFILES);
  /* Listed even past MAX_MESSAGES: it explains every host missing. */
  add_message (self, line, reason);
}

static void
finish_profile (Builder    *self,
                Resolution *resolution)
{
  Importer *importer = self->importer;
  g_autofree char *name = NULL;
  g_autofree char *jump_id = NULL;

  if (self->alias != NULL)
    {
      if (self->alias->id == NULL)
        self->alias->id = claim_id (importer, self->alias->name);
      name = g_strdup (self->alias->name);
      resolution->id = g_strdup (self->alias->id);
    }
  else
    {
      name = display_name (self->request);
      jump_id = g_strconcat ("jump-", self->request->text, NULL);
      resolution->id = claim_id (importer, jump_id);
    }
  g_variant_dict_insert (&self->dict, "id", "s", resolution->id);
  g_variant_dict_insert (&self->dict, "name", "s", name);
  g_ptr_array_add (importer->result->profiles,
                   g_variant_ref_sink (g_variant_dict_end (&self->dict)));
  resolution->chain = self->chain;
  resolution->state = STATE_DONE;
}

/* Fills in @resolution: the profile is in the result, or it is not
 * imported and a message says why.  FALSE if it must be tried again. */
static gboolean
build_profile (Importer      *self,
               const Request *request,
               guint          depth,
               Resolution    *resolution)
{
  g_auto(Builder) builder = { 0 };

  if (!builder_init (&builder, self, request))
    {
      stop (self, builder.line);
      return TRUE;
    }
  builder.depth = depth;
  if (!add_host (&builder) || !add_port (&builder) || !add_user (&builder) ||
      !add_gateway (&builder))
    return !builder.too_deep;
  add_identities (&builder);
  add_tunnels (&builder);
  finish_profile (&builder, resolution);
  return TRUE;
}

/* Every alias or hop evaluated counts, imported or not. */
static gboolean
has_room (Importer      *self,
          const Request *request)
{
  if (!self->full && g_hash_table_size (self->resolutions) < BURROW_SSH_CONFIG_MAX_PROFILES)
    return TRUE;
  stop (self, request->line);
  return FALSE;
}

/* Each alias and hop is built once.  One being built is on the current
 * chain of gateways, so meeting it again closes a loop.  @depth is the
 * length of that chain, bounded so that the stack is. */
static Outcome
resolve (Importer          *self,
         const Request     *request,
         guint              depth,
         const Resolution **found)
{
  g_autofree char *key = request_key (request);
  Resolution *resolution = g_hash_table_lookup (self->resolutions, key);

  *found = NULL;
  if (resolution == NULL)
    {
      if (depth > BURROW_SSH_MAX_JUMP_HOPS)
        return OUTCOME_TOO_DEEP;
      if (!has_room (self, request))
        return OUTCOME_FAILED;
      resolution = g_new0 (Resolution, 1);
      g_hash_table_insert (self->resolutions, g_strdup (key), resolution);
      if (!build_profile (self, request, depth, resolution))
        {
          g_hash_table_remove (self->resolutions, key);
          return OUTCOME_TOO_DEEP;
        }
      if (resolution->state == STATE_IN_PROGRESS)
        resolution->state = STATE_FAILED;
    }
  *found = resolution;
  if (resolution->state == STATE_IN_PROGRESS)
    return OUTCOME_LOOP;
  return resolution->state == STATE_DONE ? OUTCOME_OK : OUTCOME_FAILED;
}

static void
import_aliases (Importer *self)
{
  for (guint i = 0; i < self->aliases->len && !self->full; i++)
    {
      const Alias *alias = self->aliases->pdata[i];
      Request request = { .name = alias->name, .line = alias->line };
      const Resolution *found;

      resolve (self, &request, 0, &found);
    }
}

static void
importer_clear (Importer *self)
{
  g_clear_pointer (&self->blocks, g_ptr_array_unref);
  g_clear_pointer (&self->alias_by_name, g_hash_table_unref);
  g_clear_pointer (&self->aliases, g_ptr_array_unref);
  g_clear_pointer (&self->resolutions, g_hash_table_unref);
  g_clear_pointer (&self->ids, g_hash_table_unref);
  g_clear_pointer (&self->messages, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Importer, importer_clear)

static void
importer_init (Importer              *self,
               BurrowSshConfigImport *result,
               const char            *home_dir,
               const char            *user_name)
{
  memset (self, 0, sizeof *self);
  self->home_dir = home_dir;
  self->user_name = user_name;
  self->result = result;
  self->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) block_free);
  self->aliases = g_ptr_array_new_with_free_func ((GDestroyNotify) alias_free);
  self->alias_by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->resolutions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) resolution_free);
  self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->messages = g_array_new (FALSE, FALSE, sizeof (Message));
  g_array_set_clear_func (self->messages, (GDestroyNotify) message_clear);
  open_block (self, BLOCK_ALL);
}

/**
 * burrow_ssh_config_import:
 * @text: the contents of an ssh_config file, not necessarily NUL-terminated
 * @length: its length in bytes
 * @home_dir: the importing user's home directory, for ~ and %d
 * @user_name: the importing user's name, for %u and %r
 *
 * Makes Burrow profiles of the plain Host aliases in @text.  Nothing is
 * read from disk and no command is run: Include is not followed, Match
 * blocks and ProxyCommand are reported in skipped.
 *
 * Returns: (transfer full): the profiles and what was not imported.
 */
BurrowSshConfigImport *
burrow_ssh_config_import (const char *text,
                          gsize       length,
                          const char *home_dir,
                          const char *user_name)
{
  BurrowSshConfigImport *result = NULL;
  g_auto(Importer) importer = { 0 };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (home_dir != NULL && user_name != NULL, NULL);

  result = g_new0 (BurrowSshConfigImport, 1);
  result->profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  result->skipped = g_ptr_array_new_with_free_func (g_free);
  importer_init (&importer, result, home_dir, user_name);
  if (length > BURROW_SSH_CONFIG_MAX_BYTES)
    {
      skip (&importer, 1, _("the file is larger than 1 MiB; nothing is imported"));
      list_messages (&importer);
      return result;
    }
  read_text (&importer, text, length);
  claim_alias_ids (&importer);
  import_aliases (&importer);
  list_messages (&importer);
  return result;
}
