// SPDX-License-Identifier: GPL-3.0-or-later
/* The broker's filter rules, as libburrow-capture.so reads them: see
 * capture-rules.h for the format and what it is for. */
#include "capture-rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  uint16_t first;
  uint16_t last;
} PortRange;

typedef enum
{
  HOST_ANY,
  HOST_REGEX,
  HOST_BLOCK,
  HOST_OPAQUE,
} HostKind;

typedef struct
{
  CaptureRuleAction action;
  int fallback;
  int opaque;                   /* an attribute only the broker understands */
  char *application;            /* NULL: any */
  HostKind host;
  regex_t regex;
  int block_family;             /* AF_INET or AF_INET6 */
  uint8_t block[16];
  unsigned block_length;        /* prefix length in bits */
  PortRange *ports;             /* NULL: any */
  size_t n_ports;
} Rule;

struct _CaptureRules
{
  Rule *rules;
  size_t n_rules;
};

typedef struct
{
  CaptureRules *rules;
  Rule *current;                /* the rule being read, or NULL between rules */
  unsigned line;
  char *error;
  size_t error_size;
} Parser;

static int
fail (Parser     *parser,
      const char *format,
      ...)
{
  va_list args;
  int n;

  if (parser->error == NULL || parser->error_size == 0)
    return -1;
  n = snprintf (parser->error, parser->error_size, "line %u: ", parser->line);
  if (n < 0 || (size_t) n >= parser->error_size)
    return -1;
  va_start (args, format);
  vsnprintf (parser->error + n, parser->error_size - n, format, args);
  va_end (args);
  return -1;
}

static void
rule_clear (Rule *rule)
{
  free (rule->application);
  free (rule->ports);
  if (rule->host == HOST_REGEX)
    regfree (&rule->regex);
}

void
capture_rules_free (CaptureRules *rules)
{
  if (rules == NULL)
    return;
  for (size_t i = 0; i < rules->n_rules; i++)
    rule_clear (&rules->rules[i]);
  free (rules->rules);
  free (rules);
}

size_t
capture_rules_count (const CaptureRules *rules)
{
  return rules->n_rules;
}

/* Reading */

static int
parse_action (const char        *word,
              CaptureRuleAction *action)
{
  static const char * const names[] = { "TUNNEL", "DIRECT", "BLOCK" };

  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp (word, names[i]) == 0)
      {
        *action = (CaptureRuleAction) i;
        return 0;
      }
  return -1;
}

static int
begin_rule (Parser     *parser,
            const char *value)
{
  char action[16];
  const char *space = value != NULL ? strchr (value, ' ') : NULL;
  size_t n = space != NULL ? (size_t) (space - value) : (value != NULL ? strlen (value) : 0);
  Rule *grown;
  Rule *rule;

  if (parser->current != NULL)
    return fail (parser, "a rule starts before the previous one ended");
  if (n == 0 || n >= sizeof action)
    return fail (parser, "\"rule\" needs an action");
  memcpy (action, value, n);
  action[n] = '\0';
  grown = realloc (parser->rules->rules, (parser->rules->n_rules + 1) * sizeof *grown);
  if (grown == NULL)
    return fail (parser, "out of memory");
  parser->rules->rules = grown;
  rule = &grown[parser->rules->n_rules++];
  memset (rule, 0, sizeof *rule);
  parser->current = rule;
  if (parse_action (action, &rule->action) < 0)
    return fail (parser, "unknown action \"%s\"", action);
  if (space != NULL && strcmp (space + 1, "fallback") != 0)
    return fail (parser, "after the action only \"fallback\" may follow");
  rule->fallback = space != NULL;
  return 0;
}

static int
set_application (Parser     *parser,
                 Rule       *rule,
                 const char *value)
{
  if (rule->application != NULL)
    return fail (parser, "two application lines in one rule");
  if (value == NULL || value[0] == '\0')
    return fail (parser, "an empty application pattern");
  rule->application = strdup (value);
  return rule->application != NULL ? 0 : fail (parser, "out of memory");
}

static int
set_regex (Parser     *parser,
           Rule       *rule,
           const char *value)
{
  if (value == NULL || value[0] == '\0')
    return fail (parser, "an empty host-regex");
  /* No REG_ICASE: it would follow the program's locale.  The broker
   * writes the pattern in lower case, and names are lowered here. */
  if (regcomp (&rule->regex, value, REG_EXTENDED | REG_NOSUB) != 0)
    {
      rule->host = HOST_OPAQUE;
      return 0;
    }
  rule->host = HOST_REGEX;
  return 0;
}

static int
set_block (Parser     *parser,
           Rule       *rule,
           const char *value)
{
  char address[INET6_ADDRSTRLEN];
  const char *slash = value != NULL ? strchr (value, '/') : NULL;
  char *end = NULL;
  unsigned long length;
  size_t n;

  if (slash == NULL || (n = (size_t) (slash - value)) == 0 || n >= sizeof address)
    return fail (parser, "host-block is not ADDRESS/LENGTH");
  memcpy (address, value, n);
  address[n] = '\0';
  if (inet_pton (AF_INET, address, rule->block) == 1)
    rule->block_family = AF_INET;
  else if (inet_pton (AF_INET6, address, rule->block) == 1)
    rule->block_family = AF_INET6;
  else
    return fail (parser, "host-block address \"%s\" is not IPv4 or IPv6", address);
  if (slash[1] < '0' || slash[1] > '9')
    return fail (parser, "host-block length is not a number");
  length = strtoul (slash + 1, &end, 10);
  if (*end != '\0' || length > (rule->block_family == AF_INET ? 32u : 128u))
    return fail (parser, "host-block length is out of range");
  rule->block_length = (unsigned) length;
  rule->host = HOST_BLOCK;
  return 0;
}

static int
parse_port (const char  *text,
            const char **end,
            uint16_t    *port)
{
  unsigned long value = 0;
  const char *p = text;

  if (*p < '0' || *p > '9')
    return -1;
  for (; *p >= '0' && *p <= '9' && p - text < 5; p++)
    value = value * 10 + (unsigned long) (*p - '0');
  if ((*p >= '0' && *p <= '9') || value == 0 || value > 65535)
    return -1;
  *end = p;
  *port = (uint16_t) value;
  return 0;
}

static int
set_ports (Parser     *parser,
           Rule       *rule,
           const char *value)
{
  const char *p = value;

  if (rule->ports != NULL)
    return fail (parser, "two ports lines in one rule");
  if (p == NULL || *p == '\0')
    return fail (parser, "an empty ports list");
  while (*p != '\0')
    {
      PortRange range;
      PortRange *grown;

      if (parse_port (p, &p, &range.first) < 0)
        return fail (parser, "a port is not a number from 1 to 65535");
      range.last = range.first;
      if (*p == '-' && (parse_port (p + 1, &p, &range.last) < 0 || range.last < range.first))
        return fail (parser, "a port range is not FIRST-LAST");
      if (*p != '\0' && *p++ != ',')
        return fail (parser, "ports are separated by ','");
      if (*p == '\0' && p[-1] == ',')
        return fail (parser, "the ports list ends with ','");
      grown = realloc (rule->ports, (rule->n_ports + 1) * sizeof *grown);
      if (grown == NULL)
        return fail (parser, "out of memory");
      rule->ports = grown;
      rule->ports[rule->n_ports++] = range;
    }
  return 0;
}

static int
set_host (Parser     *parser,
          Rule       *rule,
          const char *keyword,
          const char *value)
{
  if (rule->host != HOST_ANY)
    return fail (parser, "two host lines in one rule");
  if (strcmp (keyword, "host-regex") == 0)
    return set_regex (parser, rule, value);
  if (strcmp (keyword, "host-block") == 0)
    return set_block (parser, rule, value);
  if (value != NULL)
    return fail (parser, "host-opaque takes no value");
  rule->host = HOST_OPAQUE;
  return 0;
}

static int
rule_line (Parser     *parser,
           const char *keyword,
           const char *value)
{
  Rule *rule = parser->current;

  if (strcmp (keyword, "end") == 0)
    {
      parser->current = NULL;
      return value == NULL ? 0 : fail (parser, "\"end\" takes no value");
    }
  if (strcmp (keyword, "application") == 0)
    return set_application (parser, rule, value);
  if (strncmp (keyword, "host-", 5) == 0
      && (strcmp (keyword + 5, "regex") == 0 || strcmp (keyword + 5, "block") == 0
          || strcmp (keyword + 5, "opaque") == 0))
    return set_host (parser, rule, keyword, value);
  if (strcmp (keyword, "ports") == 0)
    return set_ports (parser, rule, value);
  /* An attribute of a newer broker: only the broker can judge this rule. */
  rule->opaque = 1;
  return 0;
}

/* One line without its "\n"; @line is writable scratch. */
static int
parse_line (Parser *parser,
            char   *line)
{
  char *space = strchr (line, ' ');
  const char *value = NULL;

  if (line[0] == '#' || line[0] == '\0')
    return 0;
  if (space != NULL)
    {
      *space = '\0';
      value = space + 1;
    }
  if (strcmp (line, "rule") == 0)
    return begin_rule (parser, value);
  if (parser->current == NULL)
    return fail (parser, "\"%s\" outside a rule", line);
  return rule_line (parser, line, value);
}

static int
check_magic (Parser     *parser,
             const char *text,
             size_t      length,
             size_t     *consumed)
{
  size_t n = strlen (CAPTURE_RULES_MAGIC);

  parser->line = 1;
  if (length <= n || memcmp (text, CAPTURE_RULES_MAGIC, n) != 0 || text[n] != '\n')
    return fail (parser, "not a Burrow capture-rules file of version 1");
  *consumed = n + 1;
  return 0;
}

CaptureRules *
capture_rules_parse (const char *text,
                     size_t      length,
                     char       *error,
                     size_t      error_size)
{
  Parser parser = { .error = error, .error_size = error_size };
  char *line = malloc (CAPTURE_RULES_MAX_LINE + 1);   /* not on a small thread stack */
  size_t at;

  if (error != NULL && error_size > 0)
    error[0] = '\0';
  parser.rules = calloc (1, sizeof *parser.rules);
  if (parser.rules == NULL || line == NULL)
    {
      fail (&parser, "out of memory");
      goto failed;
    }
  if (check_magic (&parser, text, length, &at) < 0)
    goto failed;
  while (at < length)
    {
      const char *newline = memchr (text + at, '\n', length - at);
      size_t n = newline != NULL ? (size_t) (newline - (text + at)) : length - at;

      parser.line++;
      if (newline == NULL)
        {
          fail (&parser, "the last line does not end with a newline");
          goto failed;
        }
      if (n > CAPTURE_RULES_MAX_LINE || memchr (text + at, '\0', n) != NULL)
        {
          fail (&parser, "the line is longer than %d bytes or holds a NUL",
                CAPTURE_RULES_MAX_LINE);
          goto failed;
        }
      memcpy (line, text + at, n);
      line[n] = '\0';
      if (parse_line (&parser, line) < 0)
        goto failed;
      at += n + 1;
    }
  if (parser.current != NULL)
    {
      fail (&parser, "the last rule has no \"end\"");
      goto failed;
    }
  free (line);
  return parser.rules;

  /* One way out for every refusal: plain C has no autoptr. */
failed:
  free (line);
  capture_rules_free (parser.rules);
  return NULL;
}

/* Matching */

static size_t
utf8_length (const char *s)
{
  unsigned char c = (unsigned char) *s;
  size_t n = 1;

  if (c >= 0xc0)
    while ((((unsigned char) s[n]) & 0xc0) == 0x80)
      n++;
  return n;
}

int
capture_glob_match (const char *pattern,
                    const char *subject)
{
  const char *star = NULL;      /* the last '*' seen, to retry from */
  const char *resume = NULL;    /* where the subject resumes after it */

  while (*subject != '\0')
    {
      if (*pattern == '*')
        {
          star = pattern++;
          resume = subject;
        }
      else if (*pattern == '?')
        {
          pattern++;
          subject += utf8_length (subject);
        }
      else if (*pattern != '\0' && *pattern == *subject)
        {
          pattern++;
          subject++;
        }
      else if (star != NULL)
        {
          pattern = star + 1;
          subject = resume += utf8_length (resume);
        }
      else
        return 0;
    }
  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

static int
application_matches (const Rule *rule,
                     const char *application)
{
  const char *slash;

  if (rule->application == NULL)
    return 1;
  if (application == NULL || application[0] == '\0')
    return 0;
  if (strchr (rule->application, '/') != NULL)
    return capture_glob_match (rule->application, application);
  slash = strrchr (application, '/');
  return capture_glob_match (rule->application, slash != NULL ? slash + 1 : application);
}

static int
port_matches (const Rule *rule,
              uint16_t    port)
{
  if (rule->ports == NULL)
    return 1;
  for (size_t i = 0; i < rule->n_ports; i++)
    if (port >= rule->ports[i].first && port <= rule->ports[i].last)
      return 1;
  return 0;
}

static int
block_contains (const Rule    *rule,
                int            family,
                const uint8_t *address)
{
  unsigned whole = rule->block_length / 8, rest = rule->block_length % 8;

  if (family != rule->block_family)
    return 0;
  if (memcmp (address, rule->block, whole) != 0)
    return 0;
  return rest == 0 || ((address[whole] ^ rule->block[whole]) & (0xff00 >> rest) & 0xff) == 0;
}

typedef struct
{
  int family;
  uint8_t bytes[16];
  uint16_t port;
  char text[INET6_ADDRSTRLEN];
} Destination;

static int
read_destination (const struct sockaddr *address,
                  Destination           *out)
{
  memset (out, 0, sizeof *out);
  out->family = address->sa_family;
  if (address->sa_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) address;

      memcpy (out->bytes, &in->sin_addr, 4);
      out->port = ntohs (in->sin_port);
    }
  else if (address->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) address;

      memcpy (out->bytes, &in6->sin6_addr, 16);
      out->port = ntohs (in6->sin6_port);
    }
  else
    return -1;
  return inet_ntop (out->family, out->bytes, out->text, sizeof out->text) != NULL ? 0 : -1;
}

/* 1: matches, 0: does not, -1: only the broker can tell. */
static int
host_matches (const Rule        *rule,
              const Destination *destination)
{
  switch (rule->host)
    {
    case HOST_ANY:
      return 1;
    case HOST_REGEX:
      /* inet_ntop() writes IPv6 in lower case. */
      return regexec (&rule->regex, destination->text, 0, NULL, 0) == 0;
    case HOST_BLOCK:
      return block_contains (rule, destination->family, destination->bytes);
    case HOST_OPAQUE:
    default:
      return -1;
    }
}

CaptureVerdict
capture_rules_decide (const CaptureRules    *rules,
                      const char            *application,
                      const struct sockaddr *address)
{
  CaptureVerdict verdict = { -1, CAPTURE_RULE_DIRECT, 0, 1 };
  Destination destination;

  if (read_destination (address, &destination) < 0)
    {
      verdict.certain = 0;
      return verdict;
    }
  for (size_t i = 0; i < rules->n_rules; i++)
    {
      const Rule *rule = &rules->rules[i];
      int host;

      if (!application_matches (rule, application) || !port_matches (rule, destination.port))
        continue;
      host = rule->opaque ? -1 : host_matches (rule, &destination);
      if (host == 0)
        continue;
      verdict.index = (int) i;
      verdict.action = rule->action;
      verdict.fallback = rule->fallback;
      verdict.certain = host == 1;
      return verdict;
    }
  return verdict;
}

/* ASCII only, whatever the program's locale. */
static void
ascii_lower (char       *out,
             const char *in,
             size_t      size)
{
  size_t i = 0;

  for (; in[i] != '\0' && i + 1 < size; i++)
    out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char) (in[i] - 'A' + 'a') : in[i];
  out[i] = '\0';
}

int
capture_rules_name_maybe_tunnelled (const CaptureRules *rules,
                                    const char         *application,
                                    const char         *raw_name)
{
  char name[256];

  /* A longer name is no host name: the broker's to judge. */
  if (strlen (raw_name) >= sizeof name)
    return 1;
  ascii_lower (name, raw_name, sizeof name);
  for (size_t i = 0; i < rules->n_rules; i++)
    {
      const Rule *rule = &rules->rules[i];

      if (!application_matches (rule, application) || rule->host == HOST_BLOCK)
        continue;
      if (rule->opaque || rule->host == HOST_OPAQUE)
        return 1;
      if (rule->host == HOST_REGEX && regexec (&rule->regex, name, 0, NULL, 0) != 0)
        continue;
      if (rule->action == CAPTURE_RULE_TUNNEL)
        return 1;
      if (rule->ports == NULL)
        return 0;
    }
  return 0;
}
