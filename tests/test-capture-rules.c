// SPDX-License-Identifier: GPL-3.0-or-later
/* The rules snapshot captured programs decide with (capture-rules.h), and
 * the broker's rendering of it (broker-capture-snapshot.h).  The promise
 * tested here: whenever the library's verdict is certain it is the filter
 * engine's, for every rule set, address, port and program tried; and a
 * name the library resolves without asking is one the broker would not
 * have given a synthetic address. */
#include "broker-capture-snapshot.h"
#include "broker-filter.h"
#include "capture-rules.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>

/* Parsing */

typedef struct
{
  const char *text;
  const char *error;            /* NULL: accepted; else a part of the error */
} ParseCase;

static const ParseCase parse_cases[] = {
  { "burrow-capture-rules 1\n", NULL },
  { "burrow-capture-rules 1\n# comment\n\nrule DIRECT\nend\n", NULL },
  { "burrow-capture-rules 1\nrule TUNNEL fallback\nhost-regex ^(a.*)$\nports 1-2,5\nend\n", NULL },
  { "burrow-capture-rules 1\nrule BLOCK\nhost-block 2001:db8::/32\napplication /usr/bin/*\nend\n", NULL },
  { "burrow-capture-rules 1\nrule BLOCK\nhost-opaque\nend\n", NULL },
  { "burrow-capture-rules 1\nrule DIRECT\nfuture-attribute x\nend\n", NULL },
  { "burrow-capture-rules 2\n", "line 1: not a Burrow capture-rules file" },
  { "", "line 1:" },
  { "burrow-capture-rules 1", "line 1:" },
  { "burrow-capture-rules 1\nrule DIRECT\nend", "line 3: the last line does not end" },
  { "burrow-capture-rules 1\nrule DIRECT\n", "the last rule has no \"end\"" },
  { "burrow-capture-rules 1\nrule ALLOW\nend\n", "line 2: unknown action \"ALLOW\"" },
  { "burrow-capture-rules 1\nrule\nend\n", "line 2: \"rule\" needs an action" },
  { "burrow-capture-rules 1\nrule DIRECT maybe\nend\n", "only \"fallback\" may follow" },
  { "burrow-capture-rules 1\nrule DIRECT\nrule DIRECT\nend\n", "line 3: a rule starts before" },
  { "burrow-capture-rules 1\nports 22\n", "line 2: \"ports\" outside a rule" },
  { "burrow-capture-rules 1\nrule DIRECT\nports 0\nend\n", "line 3: a port is not a number" },
  { "burrow-capture-rules 1\nrule DIRECT\nports 65536\nend\n", "a port is not a number" },
  { "burrow-capture-rules 1\nrule DIRECT\nports 22,\nend\n", "ends with ','" },
  { "burrow-capture-rules 1\nrule DIRECT\nports 9-8\nend\n", "not FIRST-LAST" },
  { "burrow-capture-rules 1\nrule DIRECT\nports 22 23\nend\n", "separated by ','" },
  { "burrow-capture-rules 1\nrule DIRECT\nports 1\nports 2\nend\n", "two ports lines" },
  { "burrow-capture-rules 1\nrule DIRECT\nhost-block 127.64.0.0/33\nend\n", "out of range" },
  { "burrow-capture-rules 1\nrule DIRECT\nhost-block 127.64.0.0\nend\n", "not ADDRESS/LENGTH" },
  { "burrow-capture-rules 1\nrule DIRECT\nhost-block ::1/-1\nend\n", "not a number" },
  { "burrow-capture-rules 1\nrule DIRECT\nhost-block x/8\nend\n", "not IPv4 or IPv6" },
  { "burrow-capture-rules 1\nrule DIRECT\nhost-opaque\nhost-opaque\nend\n", "two host lines" },
  { "burrow-capture-rules 1\nrule DIRECT\napplication a\napplication b\nend\n", "two application" },
  { "burrow-capture-rules 1\nrule DIRECT\nend x\n", "\"end\" takes no value" },
};

static void
test_parse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *c = &parse_cases[i];
      char error[256];
      CaptureRules *rules = capture_rules_parse (c->text, strlen (c->text), error, sizeof error);

      g_test_message ("case %u: %s", i, c->text);
      if (c->error == NULL)
        {
          g_assert_nonnull (rules);
          g_assert_cmpstr (error, ==, "");
        }
      else
        {
          g_assert_null (rules);
          g_assert_nonnull (strstr (error, c->error));
        }
      capture_rules_free (rules);
    }
}

/* A NUL inside a line and a line over 4096 bytes refuse the file. */
static void
test_parse_limits (void)
{
  static const char with_nul[] = "burrow-capture-rules 1\nrule DIRECT\0\nend\n";
  g_autoptr(GString) long_line = g_string_new ("burrow-capture-rules 1\nrule DIRECT\napplication ");
  char error[256];

  g_assert_null (capture_rules_parse (with_nul, sizeof with_nul - 1, error, sizeof error));
  g_assert_nonnull (strstr (error, "NUL"));
  for (guint i = 0; i < CAPTURE_RULES_MAX_LINE; i++)
    g_string_append_c (long_line, 'a');
  g_string_append (long_line, "\nend\n");
  g_assert_null (capture_rules_parse (long_line->str, long_line->len, error, sizeof error));
  g_assert_nonnull (strstr (error, "line 3"));
}

/* Globs: the same answers as GPatternSpec, which the broker uses. */
static void
test_glob (void)
{
  static const char * const patterns[] = {
    "", "*", "?", "a", "a*", "*a", "a?c", "*.py", "/usr/bin/*", "te?net", "**", "*?*", "a*b*c",
    "ü?", "?ü", "*ü*", "?*?", "x*", "/usr/*/telnet",
  };
  static const char * const subjects[] = {
    "", "a", "ab", "abc", "aXbYc", "ac", "telnet", "/usr/bin/telnet", "/usr/local/bin/telnet",
    "run.py", ".py", "üx", "xü", "üü", "ü", "x", "xyz",
  };

  for (guint p = 0; p < G_N_ELEMENTS (patterns); p++)
    {
      GPatternSpec *spec = g_pattern_spec_new (patterns[p]);

      for (guint s = 0; s < G_N_ELEMENTS (subjects); s++)
        {
          gboolean expected = g_pattern_spec_match_string (spec, subjects[s]);

          g_test_message ("\"%s\" against \"%s\"", patterns[p], subjects[s]);
          g_assert_cmpint (capture_glob_match (patterns[p], subjects[s]), ==, expected);
        }
      g_pattern_spec_free (spec);
    }
}

/* Host patterns: a portable one matches what the broker's GRegex matches;
 * the rest are refused, never translated loosely. */
static const char * const host_patterns[] = {
  "Example\\.COM", "(WWW|mail)\\.Example\\.org", "HOST[0-9]+", "([a-z]+)\\.net", "(a|b)+",
  "example\\.com", ".*\\.example\\.com", "(www|mail)\\.example\\.org", "127\\.1\\..*",
  "host[0-9]+", "host[^0-9]", "[a-z]*", "a|b", "^a$", "a+b?c*", "2001:db8::.*", "192\\.0\\.2\\.[1-9]",
  ".*", "(a|)", "a{2}", "\\d+", "(?i)x", "a*?", "a++", "\\bword", "[[:alpha:]]+", "[\\d]",
  "a\\-b", "(", "x)", "*a", "a|*", "[]a]", "[", "a]", "tést", "\\.", "\\\\", "a\nb",
};
static const char * const host_subjects[] = {
  "example.com", "EXAMPLE.COM", "www.example.com", "example.com.attacker.net", "mail.example.org",
  "127.1.2.3", "127.11.2.3", "host12", "hostx", "host", "a", "b", "ab", "", "abc", "ac", "aac",
  "2001:db8::1", "2001:db9::1", "192.0.2.5", "192.0.2.0", "aa", "a-b", "x", ".", "\\", "tést",
  "word",
};

static void
test_portable_regex (void)
{
  guint translated = 0;

  for (guint p = 0; p < G_N_ELEMENTS (host_patterns); p++)
    {
      g_autofree char *anchored = g_strdup_printf ("^(?:%s)$", host_patterns[p]);
      g_autoptr(GRegex) pcre = g_regex_new (anchored, G_REGEX_CASELESS | G_REGEX_DOLLAR_ENDONLY
                                            | G_REGEX_OPTIMIZE, 0, NULL);
      g_autofree char *ere = broker_capture_snapshot_portable_regex (host_patterns[p]);
      regex_t posix;

      g_test_message ("pattern \"%s\": %s", host_patterns[p], ere != NULL ? ere : "opaque");
      if (ere == NULL)
        continue;
      /* The broker refuses what GRegex refuses: nothing to translate. */
      if (pcre == NULL)
        continue;
      g_assert_cmpint (regcomp (&posix, ere, REG_EXTENDED | REG_NOSUB), ==, 0);
      translated++;
      for (guint s = 0; s < G_N_ELEMENTS (host_subjects); s++)
        {
          gboolean expected = g_regex_match (pcre, host_subjects[s], 0, NULL);
          g_autofree char *lower = g_ascii_strdown (host_subjects[s], -1);

          /* The library lowers the subject, as the broker wrote the pattern. */
          g_test_message ("  against \"%s\"", host_subjects[s]);
          g_assert_cmpint (regexec (&posix, lower, 0, NULL, 0) == 0, ==, expected);
        }
      regfree (&posix);
    }
  /* The common forms are translated, not all left to the broker. */
  g_assert_cmpuint (translated, >=, 15);
  for (const char * const *p = (const char * const[]) { "\\d+", "(?i)x", "a*?", "a++", "\\bword",
                                                        "[[:alpha:]]+", "a{2}", "a\nb",
                                                        "([0-9a-f]*:*)*z|.*", "(a+)?",
                                                        NULL };
       *p != NULL; p++)
    g_assert_null (broker_capture_snapshot_portable_regex (*p));
}

/* The whole engine against the library's reading of the snapshot. */

typedef struct
{
  const char *application;
  const char *host;
  const char *ports;
  BrokerRuleAction action;
  gboolean fallback;
} RuleSpec;

static BrokerConfig *
config_of (const RuleSpec *specs,
           guint           n)
{
  BrokerConfig *config = broker_config_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BrokerRule) rule = broker_rule_new ();
      g_autoptr(GError) error = NULL;

      rule->application = g_strdup (specs[i].application);
      rule->host = g_strdup (specs[i].host);
      rule->ports = g_strdup (specs[i].ports);
      rule->action = specs[i].action;
      rule->fallback_to_plain = specs[i].fallback;
      rule->profile = g_strdup ("p");
      rule->file = g_strdup ("/test.xml");
      rule->line = i + 1;
      g_assert_true (broker_rule_compile (rule, &error));
      g_ptr_array_add (config->rules, g_steal_pointer (&rule));
    }
  return config;
}

static CaptureRules *
snapshot_of (const BrokerConfig *config)
{
  g_autofree char *text = broker_capture_snapshot_render (config);
  char error[256];
  CaptureRules *rules = capture_rules_parse (text, strlen (text), error, sizeof error);

  g_assert_cmpstr (error, ==, "");
  g_assert_nonnull (rules);
  g_assert_cmpuint (capture_rules_count (rules), ==, config->rules->len);
  return rules;
}

static gboolean
sockaddr_of (const char              *text,
             guint16                  port,
             struct sockaddr_storage *out)
{
  struct sockaddr_in *in = (struct sockaddr_in *) out;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) out;

  memset (out, 0, sizeof *out);
  if (inet_pton (AF_INET, text, &in->sin_addr) == 1)
    {
      in->sin_family = AF_INET;
      in->sin_port = htons (port);
      return TRUE;
    }
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons (port);
  return inet_pton (AF_INET6, text, &in6->sin6_addr) == 1;
}

static const RuleSpec rule_sets[][4] = {
  { { NULL, NULL, NULL, BROKER_RULE_ACTION_DIRECT } },
  { { "telnet", ".*", "23", BROKER_RULE_ACTION_TUNNEL, TRUE },
    { NULL, "127\\.64\\..*", NULL, BROKER_RULE_ACTION_BLOCK },
    { "/usr/bin/*", NULL, "80,443,8000-8100", BROKER_RULE_ACTION_DIRECT } },
  { { NULL, "127.64.0.0/10", "1-1024", BROKER_RULE_ACTION_DIRECT },
    { NULL, "2001:db8::/32", NULL, BROKER_RULE_ACTION_TUNNEL },
    { NULL, "\\d+\\..*", NULL, BROKER_RULE_ACTION_BLOCK },
    { "py*", NULL, NULL, BROKER_RULE_ACTION_TUNNEL, TRUE } },
  { { NULL, "127.0.0.5/32", NULL, BROKER_RULE_ACTION_BLOCK },
    { NULL, "2001:db8::1/128", "80", BROKER_RULE_ACTION_TUNNEL, TRUE },
    { NULL, "Mail\\.Example\\.ORG|127\\.0\\.0\\.[0-9]", "22,80", BROKER_RULE_ACTION_TUNNEL },
    { NULL, "2001:DB8::AB", NULL, BROKER_RULE_ACTION_DIRECT } },
  { { NULL, "(?i)host.*", "22", BROKER_RULE_ACTION_DIRECT },
    { NULL, "127\\.0\\.0\\.[1-5]", NULL, BROKER_RULE_ACTION_DIRECT },
    { "curl", "2001:db8::[0-9a-f]+", "80", BROKER_RULE_ACTION_DIRECT },
    { NULL, "127.0.0.0/8", NULL, BROKER_RULE_ACTION_TUNNEL } },
};

static const char * const addresses[] = {
  "127.0.0.1", "127.0.0.5", "127.0.0.9", "127.64.1.2", "127.128.0.1", "2001:db8::1",
  "2001:db8::ab", "2001:db9::1", "::1", "::ffff:127.0.0.1", "198.51.100.7",
};
static const guint16 ports[] = { 1, 22, 23, 80, 443, 1024, 1025, 8050, 65535 };
static const char * const applications[] = {
  NULL, "/usr/bin/telnet", "/usr/bin/curl", "/usr/local/bin/python3", "/opt/telnet",
};

/* Certain verdicts are the engine's; uncertain ones name an opaque rule at
 * or before the engine's.  Returns how many were certain. */
static guint
check_connects (const BrokerConfig *config,
                const CaptureRules *rules)
{
  guint certain = 0;

  for (guint a = 0; a < G_N_ELEMENTS (addresses); a++)
    for (guint p = 0; p < G_N_ELEMENTS (ports); p++)
      for (guint x = 0; x < G_N_ELEMENTS (applications); x++)
        {
          BrokerFilterQuery query = { applications[x], addresses[a], ports[p], addresses[a] };
          int expected = broker_filter_evaluate (config, &query, NULL);
          struct sockaddr_storage address;
          CaptureVerdict verdict;

          g_assert_true (sockaddr_of (addresses[a], ports[p], &address));
          verdict = capture_rules_decide (rules, applications[x], (struct sockaddr *) &address);
          g_test_message ("%s port %u by %s: engine %d, snapshot %d (%s)", addresses[a], ports[p],
                          applications[x], expected, verdict.index,
                          verdict.certain ? "certain" : "opaque");
          if (verdict.certain)
            {
              certain++;
              g_assert_cmpint (verdict.index, ==, expected);
              if (expected >= 0)
                {
                  const BrokerRule *rule = config->rules->pdata[expected];

                  g_assert_cmpint (verdict.action, ==, (int) rule->action);
                  g_assert_cmpint (verdict.fallback, ==, rule->fallback_to_plain);
                }
            }
          else
            g_assert_true (expected < 0 || verdict.index <= expected);
        }
  return certain;
}

/* Returns how many names the library resolved without asking. */
static guint
check_names (const BrokerConfig *config,
             const CaptureRules *rules)
{
  static const char * const names[] = {
    "example.com", "host1", "HOST2", "mail.example.org", "MAIL.EXAMPLE.ORG", "Mail.Example.Org",
    "12.example", "x", "INTRANET.corp",
  };
  guint unasked = 0;

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (guint x = 0; x < G_N_ELEMENTS (applications); x++)
      if (!capture_rules_name_maybe_tunnelled (rules, applications[x], names[n]))
        {
          g_test_message ("%s by %s: resolved without asking", names[n], applications[x]);
          g_assert_cmpint (broker_filter_name_tunnelled (config, applications[x], names[n]), <, 0);
          unasked++;
        }
  return unasked;
}

/* The rows of rule_sets end at an all-zero entry. */
static gboolean
spec_is_end (const RuleSpec *spec)
{
  return spec->application == NULL && spec->host == NULL && spec->ports == NULL
         && spec->action == 0 && !spec->fallback;
}

static void
test_same_decisions (void)
{
  guint certain = 0, unasked = 0;

  for (guint i = 0; i < G_N_ELEMENTS (rule_sets); i++)
    {
      guint n = 0;
      g_autoptr(BrokerConfig) config = NULL;
      CaptureRules *rules;

      while (n < G_N_ELEMENTS (rule_sets[i]) && !spec_is_end (&rule_sets[i][n]))
        n++;
      config = config_of (rule_sets[i], n);
      rules = snapshot_of (config);
      certain += check_connects (config, rules);
      unasked += check_names (config, rules);
      capture_rules_free (rules);
    }
  /* Most of them decided by the library alone, not left to the broker. */
  g_test_message ("%u certain verdicts, %u names resolved without asking", certain, unasked);
  g_assert_cmpuint (certain, >=, 1000);
  g_assert_cmpuint (unasked, >=, 10);
}

/* No rules: every connect is DIRECT, certainly; no name needs asking. */
static void
test_no_rules (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  CaptureRules *rules = snapshot_of (config);
  struct sockaddr_storage address;
  CaptureVerdict verdict;

  g_assert_true (sockaddr_of ("127.0.0.1", 80, &address));
  verdict = capture_rules_decide (rules, "/usr/bin/curl", (struct sockaddr *) &address);
  g_assert_true (verdict.certain);
  g_assert_cmpint (verdict.index, ==, -1);
  g_assert_cmpint (verdict.action, ==, CAPTURE_RULE_DIRECT);
  g_assert_false (capture_rules_name_maybe_tunnelled (rules, "/usr/bin/curl", "example.com"));
  capture_rules_free (rules);
}

/* The file a broker writes: 0600, replaced whole, and what render() says. */
static void
test_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("burrow-snapshot-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state", "burrow", "capture-rules", NULL);
  const RuleSpec spec = { "curl", "example\\.com", "443", BROKER_RULE_ACTION_TUNNEL };
  g_autoptr(BrokerConfig) config = config_of (&spec, 1);
  g_autofree char *expected = broker_capture_snapshot_render (config);
  g_autofree char *written = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf info;

  g_assert_true (broker_capture_snapshot_write (config, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, expected);
  g_assert_nonnull (strstr (written, "rule TUNNEL\napplication curl\n"
                                     "host-regex ^(example\\.com)$\nports 443\nend\n"));
  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
  /* The same rules again: the file is left as it is (a new file would
   * have come in by rename, with another inode). */
  {
    GStatBuf again;

    g_assert_true (broker_capture_snapshot_write (config, path, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_stat (path, &again), ==, 0);
    g_assert_cmpuint (again.st_ino, ==, info.st_ino);
  }
  /* Something else in the file, the same text open to others, a FIFO
   * (which a blocking read would wait on for ever): each is replaced by
   * the snapshot, 0600. */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (g_remove (path), ==, 0);
      if (i == 0)
        g_assert_true (g_file_set_contents (path, "stale\n", -1, NULL));
      else if (i == 1)
        g_assert_true (g_file_set_contents_full (path, expected, -1, G_FILE_SET_CONTENTS_NONE,
                                                 0644, NULL));
      else
        g_assert_cmpint (mkfifo (path, 0600), ==, 0);
      g_assert_true (broker_capture_snapshot_write (config, path, &error));
      g_assert_no_error (error);
      g_clear_pointer (&written, g_free);
      g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
      g_assert_cmpstr (written, ==, expected);
      g_assert_cmpint (g_stat (path, &info), ==, 0);
      g_assert_true (S_ISREG (info.st_mode));
      g_assert_cmpint (info.st_mode & 0777, ==, 0600);
    }
  g_assert_cmpint (g_remove (path), ==, 0);
  g_autofree char *parent = g_path_get_dirname (path);
  g_assert_cmpint (g_rmdir (parent), ==, 0);
  g_autofree char *grandparent = g_path_get_dirname (parent);
  g_assert_cmpint (g_rmdir (grandparent), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capture-rules/parse", test_parse);
  g_test_add_func ("/capture-rules/parse-limits", test_parse_limits);
  g_test_add_func ("/capture-rules/glob", test_glob);
  g_test_add_func ("/capture-rules/portable-regex", test_portable_regex);
  g_test_add_func ("/capture-rules/same-decisions", test_same_decisions);
  g_test_add_func ("/capture-rules/no-rules", test_no_rules);
  g_test_add_func ("/capture-rules/write", test_write);
  return g_test_run ();
}
