// SPDX-License-Identifier: GPL-3.0-or-later
/* The filter engine: rules in order, the first match wins, no match means
 * DIRECT; and the explanation "burrowctl explain" shows. */
#include "broker-filter.h"
#include "broker-error.h"

#include <string.h>

#define GLOBAL_FILE "/etc/burrow/broker-config.xml"
#define USER_FILE "/home/jdoe/.config/burrow/broker-config.xml"

/* Appends a compiled rule to @config; returns it, borrowed. */
static BrokerRule *
add_rule_from (BrokerConfig     *config,
               const char       *file,
               guint             line,
               const char       *application,
               const char       *host,
               const char       *ports,
               BrokerRuleAction  action)
{
  g_autoptr(BrokerRule) rule = broker_rule_new ();
  g_autoptr(GError) error = NULL;

  rule->application = g_strdup (application);
  rule->host = g_strdup (host);
  rule->ports = g_strdup (ports);
  rule->action = action;
  rule->hostname_from_app = action == BROKER_RULE_ACTION_TUNNEL;
  rule->file = g_strdup (file);
  rule->line = line;
  broker_rule_compile (rule, &error);
  g_assert_no_error (error);
  g_ptr_array_add (config->rules, broker_rule_ref (rule));
  return rule;
}

static BrokerRule *
add_rule (BrokerConfig     *config,
          guint             line,
          const char       *application,
          const char       *host,
          const char       *ports,
          BrokerRuleAction  action)
{
  return add_rule_from (config, GLOBAL_FILE, line, application, host, ports, action);
}

static int
evaluate (const BrokerConfig *config,
          const char         *application,
          const char         *host,
          guint16             port)
{
  BrokerFilterQuery query = { application, host, port };

  return broker_filter_evaluate (config, &query, NULL);
}

/* The explanation of one query, as text. */
static char *
explain (const BrokerConfig *config,
         const char         *application,
         const char         *host,
         guint16             port,
         int                *index)
{
  BrokerFilterQuery query = { application, host, port };
  GString *explanation = g_string_new (NULL);

  *index = broker_filter_evaluate (config, &query, explanation);
  return g_string_free (explanation, FALSE);
}

static void
test_no_rules (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  g_autofree char *text = NULL;
  int index = 0;

  text = explain (config, "/usr/bin/telnet", "example.com", 23, &index);
  g_assert_cmpint (index, ==, -1);
  g_assert_cmpstr (text, ==, "no rule matches: the connection goes DIRECT\n");
}

static void
test_first_match_wins (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, NULL, NULL, "23", BROKER_RULE_ACTION_TUNNEL);
  add_rule (config, 11, NULL, "example\\.com", NULL, BROKER_RULE_ACTION_BLOCK);
  add_rule (config, 12, NULL, NULL, "23", BROKER_RULE_ACTION_BLOCK);
  add_rule (config, 13, NULL, NULL, NULL, BROKER_RULE_ACTION_DIRECT);

  /* Rules 0, 1 and 2 all match; 0 comes first. */
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com", 23), ==, 0);
  /* Rules 1 and 3 match. */
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com", 80), ==, 1);
  /* Only the catch-all matches. */
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "host1234", 80), ==, 3);
}

static void
test_catch_all (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, NULL, NULL, NULL, BROKER_RULE_ACTION_BLOCK);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com", 23), ==, 0);
  g_assert_cmpint (evaluate (config, NULL, NULL, 1), ==, 0);
  g_assert_cmpint (evaluate (config, "", "", 65535), ==, 0);
}

/* Without a '/', the pattern is matched against the program's base name. */
static void
test_application_basename (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *telnet = add_rule (config, 10, "telnet", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);
  BrokerRule *glob = add_rule (config, 11, "tel*", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);
  BrokerRule *one = add_rule (config, 12, "ftp?", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);

  g_assert_true (broker_rule_matches_application (telnet, "/usr/bin/telnet"));
  g_assert_true (broker_rule_matches_application (telnet, "telnet"));
  g_assert_false (broker_rule_matches_application (telnet, "/usr/bin/telnet.netkit"));
  g_assert_false (broker_rule_matches_application (telnet, "/usr/bin/mytelnet"));
  g_assert_false (broker_rule_matches_application (telnet, "/opt/telnet/bin/ftp"));
  g_assert_false (broker_rule_matches_application (telnet, ""));
  g_assert_false (broker_rule_matches_application (telnet, NULL));

  g_assert_true (broker_rule_matches_application (glob, "/usr/bin/telnet"));
  g_assert_true (broker_rule_matches_application (glob, "/usr/local/bin/telnet-ssl"));
  g_assert_false (broker_rule_matches_application (glob, "/usr/bin/ftp"));

  g_assert_true (broker_rule_matches_application (one, "/usr/bin/ftps"));
  g_assert_false (broker_rule_matches_application (one, "/usr/bin/ftp"));
}

/* With a '/', it is matched against the whole path. */
static void
test_application_path (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *exact = add_rule (config, 10, "/usr/bin/telnet", NULL, NULL,
                                BROKER_RULE_ACTION_TUNNEL);
  BrokerRule *glob = add_rule (config, 11, "/usr/bin/tel*", NULL, NULL,
                               BROKER_RULE_ACTION_TUNNEL);
  BrokerRule *tree = add_rule (config, 12, "/opt/*", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);

  g_assert_true (broker_rule_matches_application (exact, "/usr/bin/telnet"));
  g_assert_false (broker_rule_matches_application (exact, "/usr/local/bin/telnet"));
  g_assert_false (broker_rule_matches_application (exact, "telnet"));

  g_assert_true (broker_rule_matches_application (glob, "/usr/bin/telnet"));
  g_assert_true (broker_rule_matches_application (glob, "/usr/bin/telnet-ssl"));
  g_assert_false (broker_rule_matches_application (glob, "/usr/local/bin/telnet"));

  /* A glob's '*' crosses '/': everything under /opt. */
  g_assert_true (broker_rule_matches_application (tree, "/opt/mail/bin/mail"));
  g_assert_false (broker_rule_matches_application (tree, "/usr/bin/mail"));
}

static void
test_application_in_filter (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, "/usr/bin/ftp", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);
  add_rule (config, 11, "telnet", NULL, "23", BROKER_RULE_ACTION_TUNNEL);

  g_assert_cmpint (evaluate (config, "/usr/bin/ftp", "example.com", 21), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/local/bin/ftp", "example.com", 21), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/local/bin/telnet", "example.com", 23), ==, 1);
  g_assert_cmpint (evaluate (config, "/usr/bin/nc", "example.com", 23), ==, -1);
  g_assert_cmpint (evaluate (config, NULL, "example.com", 23), ==, -1);
}

/* host="example\.com" is the whole name, in any case: a name that only
 * starts or ends with it is another host. */
static void
test_host_anchored (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *exact = add_rule (config, 10, NULL, "example\\.com", NULL, BROKER_RULE_ACTION_BLOCK);
  BrokerRule *either = add_rule (config, 11, NULL, "example\\.com|host1234", NULL,
                                 BROKER_RULE_ACTION_BLOCK);
  BrokerRule *domain = add_rule (config, 12, NULL, ".*\\.example\\.com", NULL,
                                 BROKER_RULE_ACTION_BLOCK);

  g_assert_true (broker_rule_matches_host (exact, "example.com", NULL));
  g_assert_true (broker_rule_matches_host (exact, "EXAMPLE.com", NULL));
  g_assert_false (broker_rule_matches_host (exact, "example.com.evil.net", NULL));
  g_assert_false (broker_rule_matches_host (exact, "www.example.com", NULL));
  g_assert_false (broker_rule_matches_host (exact, "notexample.com", NULL));
  g_assert_false (broker_rule_matches_host (exact, "exampleXcom", NULL));
  g_assert_false (broker_rule_matches_host (exact, NULL, NULL));

  /* The anchors bind the whole alternation, not its first and last branch. */
  g_assert_true (broker_rule_matches_host (either, "host1234", NULL));
  g_assert_true (broker_rule_matches_host (either, "Example.Com", NULL));
  g_assert_false (broker_rule_matches_host (either, "example.com.evil.net", NULL));
  g_assert_false (broker_rule_matches_host (either, "evil-host1234", NULL));

  g_assert_true (broker_rule_matches_host (domain, "www.example.com", NULL));
  g_assert_true (broker_rule_matches_host (domain, "MAIL.EXAMPLE.COM", NULL));
  g_assert_false (broker_rule_matches_host (domain, "example.com", NULL));
  g_assert_false (broker_rule_matches_host (domain, "www.example.com.evil.net", NULL));
}

static int
evaluate_resolved (const BrokerConfig *config,
                   const char         *name,
                   const char         *address,
                   guint16             port)
{
  BrokerFilterQuery query = { "/usr/bin/curl", name, port, address };

  return broker_filter_evaluate (config, &query, NULL);
}

/* host="127.64.0.0/10" is an address block: it matches the destination's
 * address, whatever name the application used. */
static void
test_host_block_ipv4 (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *block = add_rule (config, 10, NULL, "127.64.0.0/10", NULL, BROKER_RULE_ACTION_TUNNEL);

  g_assert_nonnull (block->host_block);
  g_assert_null (block->host_regex);
  g_assert_true (broker_rule_matches_host (block, NULL, "127.65.2.3"));
  g_assert_true (broker_rule_matches_host (block, NULL, "127.127.255.255"));
  g_assert_false (broker_rule_matches_host (block, NULL, "127.128.0.1"));
  g_assert_false (broker_rule_matches_host (block, NULL, "127.63.255.255"));
  /* The name does not count, the address does. */
  g_assert_true (broker_rule_matches_host (block, "intranet.example", "127.70.9.9"));
  g_assert_false (broker_rule_matches_host (block, "127.64.0.1.example", "127.1.0.1"));
  /* A literal address given as the host, with no address beside it. */
  g_assert_true (broker_rule_matches_host (block, "127.64.0.1", NULL));
  /* A name never resolved cannot be in a block. */
  g_assert_false (broker_rule_matches_host (block, "intranet.example", NULL));
  g_assert_false (broker_rule_matches_host (block, NULL, NULL));
  /* Another family is never inside. */
  g_assert_false (broker_rule_matches_host (block, NULL, "::1"));
  g_assert_false (broker_rule_matches_host (block, NULL, "2001:db8::127.65.2.3"));

  g_assert_cmpint (evaluate_resolved (config, "intranet.example", "127.80.30.40", 80), ==, 0);
  g_assert_cmpint (evaluate_resolved (config, "www.example", "127.1.2.7", 80), ==, -1);
}

static void
test_host_block_ipv6 (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *block = add_rule (config, 10, NULL, "2001:db8:1234::/48", NULL,
                                BROKER_RULE_ACTION_BLOCK);
  BrokerRule *one = add_rule (config, 11, NULL, "127.1.2.7/32", NULL, BROKER_RULE_ACTION_BLOCK);

  g_assert_true (broker_rule_matches_host (block, NULL, "2001:db8:1234::1"));
  g_assert_true (broker_rule_matches_host (block, NULL, "2001:DB8:1234:ffff::9"));
  g_assert_false (broker_rule_matches_host (block, NULL, "2001:db8:1235::1"));
  g_assert_false (broker_rule_matches_host (block, NULL, "127.0.0.1"));
  g_assert_true (broker_rule_matches_host (one, NULL, "127.1.2.7"));
  g_assert_false (broker_rule_matches_host (one, NULL, "127.1.2.8"));
}

/* A block with bits set after its prefix is a mistake the user is told of,
 * like a bad regular expression. */
static void
test_host_block_invalid (void)
{
  const char *bad[] = { "127.64.0.1/10", "127.64.0.0/33", "2001:db8::1/16", "127.64.0.0/-1",
                        "127.64.0.0/x" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(BrokerRule) rule = broker_rule_new ();
      g_autoptr(GError) error = NULL;

      rule->host = g_strdup (bad[i]);
      g_assert_false (broker_rule_compile (rule, &error));
      g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_assert_nonnull (strstr (error->message, "address block"));
    }
}

/* A regular expression looks at the name when the application gave one,
 * and at the address only when it did not. */
static void
test_host_regex_name_or_address (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *by_name = add_rule (config, 10, NULL, ".*\\.corp\\.example", NULL,
                                  BROKER_RULE_ACTION_TUNNEL);
  BrokerRule *by_address = add_rule (config, 11, NULL, "127\\.2\\.0\\..*", NULL,
                                     BROKER_RULE_ACTION_BLOCK);

  g_assert_true (broker_rule_matches_host (by_name, "git.corp.example", "127.2.0.5"));
  g_assert_false (broker_rule_matches_host (by_name, NULL, "127.2.0.5"));
  g_assert_true (broker_rule_matches_host (by_address, NULL, "127.2.0.5"));
  g_assert_false (broker_rule_matches_host (by_address, "git.corp.example", "127.2.0.5"));

  g_assert_cmpint (evaluate_resolved (config, "git.corp.example", "127.2.0.5", 22), ==, 0);
  g_assert_cmpint (evaluate_resolved (config, NULL, "127.2.0.5", 22), ==, 1);
  g_assert_cmpint (evaluate_resolved (config, "www.other.example", "127.2.0.5", 22), ==, -1);
}

/* The explanation names the address a block did not contain. */
static void
test_explanation_block (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  g_autoptr(GString) explanation = g_string_new (NULL);
  BrokerFilterQuery query = { "/usr/bin/curl", "www.example", 443, "127.2.0.9" };

  add_rule (config, 10, NULL, "127.64.0.0/10", NULL, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpint (broker_filter_evaluate (config, &query, explanation), ==, -1);
  g_assert_nonnull (strstr (explanation->str, "address 127.2.0.9 is not in 127.64.0.0/10"));
}

/* A lookup gets a synthetic address when a TUNNEL rule covers the name for
 * some port, unless an earlier rule for every port of it decides first. */
static void
test_name_tunnelled (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, NULL, "mail\\.corp\\.example", "25", BROKER_RULE_ACTION_BLOCK);
  add_rule (config, 11, NULL, "public\\.corp\\.example", NULL, BROKER_RULE_ACTION_DIRECT);
  add_rule (config, 12, "ssh", ".*\\.corp\\.example", NULL, BROKER_RULE_ACTION_BLOCK);
  add_rule (config, 13, NULL, "127.64.0.0/10", NULL, BROKER_RULE_ACTION_TUNNEL);
  add_rule (config, 14, NULL, ".*\\.corp\\.example", "80,443", BROKER_RULE_ACTION_TUNNEL);

  g_assert_cmpint (broker_filter_name_tunnelled (config, "/usr/bin/curl", "git.corp.example"), ==, 4);
  /* A port-limited rule before it does not decide every port. */
  g_assert_cmpint (broker_filter_name_tunnelled (config, "/usr/bin/curl", "mail.corp.example"), ==, 4);
  /* A rule for every port of the name comes first. */
  g_assert_cmpint (broker_filter_name_tunnelled (config, "/usr/bin/curl", "public.corp.example"), ==, -1);
  g_assert_cmpint (broker_filter_name_tunnelled (config, "/usr/bin/ssh", "git.corp.example"), ==, -1);
  /* An address block says nothing about names. */
  g_assert_cmpint (broker_filter_name_tunnelled (config, "/usr/bin/curl", "127.65.2.3.example"), ==, -1);
  g_assert_cmpint (broker_filter_name_tunnelled (config, "/usr/bin/curl", "www.example"), ==, -1);
}

/* PCRE's '$' also matches before a final newline; the anchor must not. */
static void
test_host_trailing_newline (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  BrokerRule *exact = add_rule (config, 10, NULL, "example\\.com", NULL, BROKER_RULE_ACTION_BLOCK);

  g_assert_false (broker_rule_matches_host (exact, "example.com\n", NULL));
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com\n", 23), ==, -1);
}

static void
test_host_in_filter (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, NULL, "example\\.com", NULL, BROKER_RULE_ACTION_TUNNEL);

  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com", 23), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "Example.COM", 23), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com.evil.net", 23), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "127.0.0.1", 23), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", NULL, 23), ==, -1);
}

static void
test_ports (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, NULL, NULL, "25,110", BROKER_RULE_ACTION_TUNNEL);
  add_rule (config, 11, NULL, NULL, "8000-8100", BROKER_RULE_ACTION_BLOCK);

  g_assert_cmpint (evaluate (config, "/usr/bin/mutt", "host1234", 25), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/bin/mutt", "host1234", 110), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/bin/mutt", "host1234", 111), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/curl", "host1234", 7999), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/curl", "host1234", 8000), ==, 1);
  g_assert_cmpint (evaluate (config, "/usr/bin/curl", "host1234", 8100), ==, 1);
  g_assert_cmpint (evaluate (config, "/usr/bin/curl", "host1234", 8101), ==, -1);
}

/* Every condition must hold: application, host and port together. */
static void
test_all_conditions (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();

  add_rule (config, 10, "telnet", "example\\.com", "23", BROKER_RULE_ACTION_TUNNEL);

  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com", 23), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/bin/nc", "example.com", 23), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "host1234", 23), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "example.com", 2323), ==, -1);
}

/* Each rule with its file and line, and the first condition it fails. */
static void
test_explanation_no_match (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  g_autofree char *text = NULL;
  int index = 0;

  add_rule (config, 10, "telnet", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);
  add_rule (config, 11, NULL, "example\\.com", NULL, BROKER_RULE_ACTION_BLOCK);
  add_rule_from (config, USER_FILE, 7, NULL, NULL, "25,110", BROKER_RULE_ACTION_TUNNEL);

  text = explain (config, "/usr/bin/ftp", "host1234", 21, &index);
  g_assert_cmpint (index, ==, -1);
  g_assert_cmpstr (text, ==,
                   "rule 1 (" GLOBAL_FILE ":10): "
                   "application \"/usr/bin/ftp\" does not match \"telnet\"\n"
                   "rule 2 (" GLOBAL_FILE ":11): "
                   "host \"host1234\" does not match \"example\\.com\"\n"
                   "rule 3 (" USER_FILE ":7): port 21 is not in \"25,110\"\n"
                   "no rule matches: the connection goes DIRECT\n");
}

/* The explanation stops at the rule that decides. */
static void
test_explanation_match (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  g_autofree char *text = NULL;
  int index = 0;

  add_rule (config, 10, NULL, NULL, "23", BROKER_RULE_ACTION_TUNNEL);
  add_rule_from (config, USER_FILE, 7, NULL, "host1234", NULL, BROKER_RULE_ACTION_BLOCK);
  add_rule_from (config, USER_FILE, 8, NULL, NULL, NULL, BROKER_RULE_ACTION_DIRECT);

  text = explain (config, "/usr/bin/ssh", "host1234", 22, &index);
  g_assert_cmpint (index, ==, 1);
  g_assert_cmpstr (text, ==,
                   "rule 1 (" GLOBAL_FILE ":10): port 22 is not in \"23\"\n"
                   "rule 2 (" USER_FILE ":7): matches, action BLOCK\n");
  g_assert_null (strstr (text, "DIRECT"));
}

/* Missing query fields are named as empty, not as "(null)". */
static void
test_explanation_empty_query (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  g_autofree char *text = NULL;
  int index = 0;

  add_rule (config, 10, "telnet", NULL, NULL, BROKER_RULE_ACTION_TUNNEL);
  add_rule (config, 11, NULL, "example\\.com", NULL, BROKER_RULE_ACTION_BLOCK);

  text = explain (config, NULL, NULL, 23, &index);
  g_assert_cmpint (index, ==, -1);
  g_assert_cmpstr (text, ==,
                   "rule 1 (" GLOBAL_FILE ":10): application \"\" does not match \"telnet\"\n"
                   "rule 2 (" GLOBAL_FILE ":11): host \"\" does not match \"example\\.com\"\n"
                   "no rule matches: the connection goes DIRECT\n");
}

/* The engine appends to what the caller has written already. */
static void
test_explanation_appends (void)
{
  g_autoptr(BrokerConfig) config = broker_config_new ();
  g_autoptr(GString) explanation = g_string_new ("query: example.com:23\n");
  BrokerFilterQuery query = { "/usr/bin/telnet", "example.com", 23 };

  add_rule (config, 10, NULL, NULL, "23", BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpint (broker_filter_evaluate (config, &query, explanation), ==, 0);
  g_assert_cmpstr (explanation->str, ==,
                   "query: example.com:23\n"
                   "rule 1 (" GLOBAL_FILE ":10): matches, action TUNNEL\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* One failing case must not hide the results of the ones after it. */
  g_test_set_nonfatal_assertions ();

  g_test_add_func ("/filter/no-rules", test_no_rules);
  g_test_add_func ("/filter/first-match-wins", test_first_match_wins);
  g_test_add_func ("/filter/catch-all", test_catch_all);
  g_test_add_func ("/filter/application/basename", test_application_basename);
  g_test_add_func ("/filter/application/path", test_application_path);
  g_test_add_func ("/filter/application/in-filter", test_application_in_filter);
  g_test_add_func ("/filter/host/anchored", test_host_anchored);
  g_test_add_func ("/filter/host/trailing-newline", test_host_trailing_newline);
  g_test_add_func ("/filter/host/in-filter", test_host_in_filter);
  g_test_add_func ("/filter/ports", test_ports);
  g_test_add_func ("/filter/all-conditions", test_all_conditions);
  g_test_add_func ("/filter/explanation/no-match", test_explanation_no_match);
  g_test_add_func ("/filter/explanation/match", test_explanation_match);
  g_test_add_func ("/filter/explanation/empty-query", test_explanation_empty_query);
  g_test_add_func ("/filter/explanation/appends", test_explanation_appends);
  g_test_add_func ("/filter/host/block-ipv4", test_host_block_ipv4);
  g_test_add_func ("/filter/host/block-ipv6", test_host_block_ipv6);
  g_test_add_func ("/filter/host/block-invalid", test_host_block_invalid);
  g_test_add_func ("/filter/host/regex-name-or-address", test_host_regex_name_or_address);
  g_test_add_func ("/filter/explanation/block", test_explanation_block);
  g_test_add_func ("/filter/name-tunnelled", test_name_tunnelled);

  return g_test_run ();
}
