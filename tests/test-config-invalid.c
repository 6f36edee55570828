// SPDX-License-Identifier: GPL-3.0-or-later
/* Every way a configuration file can be wrong, one file per case under
 * configs/invalid/, so "burrowctl check" can be tried on each by hand.  Each
 * must be refused with BROKER_ERROR_INVALID_CONFIG and a message that starts
 * with "<path>:<line>: " and says what is wrong. */
#include "broker-config-loader.h"
#include "broker-error.h"
#include "broker-xml.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  const char *file;       /* under configs/invalid/ */
  guint line;             /* where the message must point */
  const char *substring;  /* what the message must say */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* Not well-formed XML */
  { "01-unclosed-root.xml", 7, "not well-formed XML" },
  { "02-mismatched-tag.xml", 6, "not well-formed XML" },
  { "03-duplicate-attribute.xml", 5, "redefined" },
  { "04-garbage-after-root.xml", 8, "Extra content" },
  { "05-unquoted-attribute.xml", 5, "not well-formed XML" },
  { "06-invalid-utf8.xml", 5, "not well-formed XML" },
  { "07-undeclared-entity.xml", 5, "&nbsp;" },
  /* An external DTD is never loaded, so its entities are unknown: a
   * reference to one must be refused, not dropped from the value. */
  { "08-undeclared-entity-with-doctype.xml", 6, "foo" },
  { "09-nul-byte.xml", 5, "not well-formed XML" },
  { "10-no-root-element.xml", 4, "not well-formed XML" },
  { "11-wrong-root.xml", 3, "the root element must be <secsh-broker>, not <ssh-broker>" },

  /* Entity declarations, internal or external, are refused */
  { "12-internal-entity.xml", 4, "entity declarations are not allowed" },
  { "13-external-entity.xml", 4, "entity declarations are not allowed" },
  { "14-parameter-entity.xml", 4, "entity declarations are not allowed" },
  { "15-billion-laughs.xml", 4, "entity declarations are not allowed" },

  /* Profiles */
  { "16-profile-missing-id.xml", 5, "<profile> needs a" },
  { "17-profile-empty-id.xml", 5, "not a valid id" },
  { "18-profile-duplicate-id.xml", 7, "profile id \"a\" is already used on line 5" },
  { "19-profile-no-host.xml", 6, "profile \"b\" has no host" },
  { "20-profile-name-not-host.xml", 5, "profile \"a\" has no host" },
  { "21-profile-port-zero.xml", 5,
    "<profile port=\"0\">: expected a whole number from 1 to 65535" },
  { "22-profile-port-too-large.xml", 5,
    "<profile port=\"65536\">: expected a whole number from 1 to 65535" },
  { "23-profile-port-suffix.xml", 5,
    "<profile port=\"22x\">: expected a whole number from 1 to 65535" },
  { "24-profile-port-negative.xml", 5,
    "<profile port=\"-22\">: expected a whole number from 1 to 65535" },
  { "25-profile-port-empty.xml", 5,
    "<profile port=\"\">: expected a whole number from 1 to 65535" },
  { "26-profile-user-blank.xml", 5, "<profile user=\"john smith\">: not a valid user" },
  { "27-profile-user-control.xml", 5, "not a valid user" },
  /* U+0085 is a control character too, if not an ASCII one. */
  { "28-profile-user-c1-control.xml", 5, "not a valid user" },
  { "29-profile-user-dash.xml", 5, "not a valid user" },
  { "30-profile-host-blank.xml", 5, "not a valid host" },
  { "31-profile-host-tab.xml", 5, "not a valid host" },
  { "32-profile-host-dash.xml", 5, "not a valid host" },
  { "33-profile-host-too-long.xml", 5, "not a valid host" },
  { "34-profile-connect-on-startup.xml", 5,
    "<profile connect-on-startup=\"maybe\">: expected YES or NO" },
  { "35-auth-method-unknown.xml", 8, "<auth-method name=\"kerberos\">: unknown method" },
  { "36-auth-method-duplicate.xml", 9, "<auth-method name=\"password\"> is listed twice" },
  { "37-auth-method-no-name.xml", 7, "<auth-method> needs a name" },
  { "38-auth-methods-empty.xml", 6, "<authentication-methods> lists no <auth-method>" },
  { "39-identity-file-no-path.xml", 6, "<identity-file> needs a path" },
  { "40-identity-file-empty-path.xml", 6, "<identity-file> needs a path" },
  { "41-keepalive-not-number.xml", 6,
    "<keepalive-interval time=\"thirty\">: expected a whole number from 0 to 86400" },
  { "42-keepalive-too-large.xml", 6, "expected a whole number from 0 to 86400" },
  { "43-idle-timeout-not-number.xml", 6, "<idle-timeout time=\"5m\">: expected a whole number" },
  { "44-idle-timeout-too-large.xml", 6, "expected a whole number from 0 to 86400" },
  { "45-gateway-missing.xml", 6, "profile \"b\": gateway-profile \"nowhere\" does not exist" },
  { "46-gateway-self.xml", 6, "profile \"b\": its gateways form a loop (b → b)" },
  { "47-gateway-loop-two.xml", 5, "profile \"a\": its gateways form a loop (a → b → a)" },
  { "48-gateway-loop-three.xml", 5, "profile \"a\": its gateways form a loop (a → b → c → a)" },
  { "49-gateway-bad-name.xml", 5, "not a valid gateway-profile" },

  /* Tunnels */
  { "50-tunnel-type-udp.xml", 7, "<local-tunnel type=\"UDP\">: expected TCP or FTP" },
  { "51-tunnel-no-listen-port.xml", 7, "<local-tunnel> needs a listen-port" },
  { "52-tunnel-listen-port-zero.xml", 7,
    "<remote-tunnel listen-port=\"0\">: expected a whole number" },
  { "53-tunnel-bad-dst-port.xml", 7, "<local-tunnel dst-port=\"ftp\">: expected a whole number" },
  { "54-tunnel-no-dst-port.xml", 7, "<remote-tunnel> needs a dst-port" },
  { "55-tunnel-no-dst-host.xml", 7, "<local-tunnel> needs a dst-host" },
  { "56-tunnel-bad-dst-host.xml", 7, "not a valid dst-host" },
  { "57-tunnel-listen-address-not-ip.xml", 7,
    "<local-tunnel listen-address=\"host1234\">: expected an IP address" },
  { "58-tunnel-public-without-relay.xml", 7, "other hosts could connect" },
  { "59-tunnel-public-default-relay.xml", 7, "other hosts could connect" },
  { "60-tunnel-bad-allow-relay.xml", 7,
    "<local-tunnel allow-relay=\"sometimes\">: expected YES or NO" },
  { "61-dynamic-tunnel-dst-host.xml", 7, "<dynamic-tunnel> has no destination" },
  { "62-dynamic-tunnel-type.xml", 7, "<dynamic-tunnel> has no type" },
  { "63-tunnel-same-port.xml", 8, "127.0.0.1 port 1234 is already used by the tunnel on line 7" },
  { "64-tunnel-same-port-dynamic.xml", 8, "port 1080 is already used by the tunnel on line 7" },
  /* localhost is 127.0.0.1, and a loopback listener cannot share its port
   * with a 0.0.0.0 one on Linux (EADDRINUSE): both would fail at startup. */
  { "65-tunnel-same-port-localhost.xml", 8, "is already used by the tunnel on line 7" },
  { "66-tunnel-same-port-wildcard.xml", 8, "is already used by the tunnel on line 7" },

  /* Filter rules */
  { "67-rule-no-action.xml", 9, "<rule> needs an action" },
  { "68-rule-unknown-action.xml", 8, "<rule action=\"ALLOW\">: unknown action" },
  { "69-rule-missing-profile.xml", 9, "<rule profile=\"nowhere\">: no such profile" },
  { "70-rule-tunnel-without-profile.xml", 8, "a TUNNEL rule needs a profile or hostname-from-app" },
  { "71-rule-tunnel-hostname-from-app-no.xml", 8,
    "a TUNNEL rule needs a profile or hostname-from-app" },
  { "72-rule-bad-regex.xml", 8, "host \"(\" is not a valid regular expression" },
  { "73-rule-ports-letters.xml", 8, "<rule>: ports \"abc\": 'abc' is not a port number" },
  { "74-rule-ports-zero.xml", 8, "<rule>: ports \"0\": '0' is not a port number" },
  { "75-rule-ports-too-large.xml", 8, "<rule>: ports \"70000\": '70000' is not a port number" },
  { "76-rule-ports-reversed-range.xml", 8,
    "<rule>: ports \"90-80\": port range '90-80' ends before it starts" },
  { "77-rule-ports-empty-item.xml", 8, "<rule>: ports \"1,,2\": '' is not a port number" },
  { "78-rule-ports-open-range.xml", 8, "<rule>: ports \"8000-\": '' is not a port number" },
  { "79-rule-bad-hostname-from-app.xml", 8,
    "<rule hostname-from-app=\"true\">: expected YES or NO" },
  { "80-rule-bad-fallback.xml", 8, "<rule fallback-to-plain=\"1\">: expected YES or NO" },
  { "81-rule-bad-profile-name.xml", 8, "not a valid profile" },
  { "91-rule-bad-ftp.xml", 8, "<rule ftp=\"maybe\">: expected YES or NO" },
  /* Refused, not ignored: a user who marks a DIRECT or BLOCK rule as FTP
   * expects something of it that the broker cannot do. */
  { "92-rule-ftp-direct.xml", 7,
    "ftp=\"YES\" on a DIRECT rule: only a TUNNEL rule's connections are relayed, "
    "so only they can be carried as FTP" },
  { "93-rule-ftp-block.xml", 5, "ftp=\"YES\" on a BLOCK rule" },

  /* General settings and connection capture */
  { "82-host-key-policy-unknown.xml", 6,
    "<host-key-policy policy=\"paranoid\">: expected strict, ask or accept-unknown" },
  { "83-host-key-policy-missing.xml", 5, "<host-key-policy policy=\"\">: expected strict" },
  { "84-known-hosts-no-path.xml", 6, "<known-hosts> needs a path" },
  { "85-connection-capture-bad.xml", 5,
    "<connection-capture enable-at-startup=\"on\">: expected YES or NO" },
  /* An <!ATTLIST> default would hand <rule> an action the file never wrote. */
  { "86-dtd-attlist-default.xml", 1, "declarations inside <!DOCTYPE" },
  { "87-namespace-name-markup.xml", 4, "a namespace name may not contain" },
  { "88-two-filter-engines.xml", 5, "<filter-engine> appears twice in <secsh-broker> (first on line 3)" },
  { "89-repeated-keepalive.xml", 6, "<keepalive-interval> appears twice in <profile> (first on line 5)" },
  /* Written over several lines as in the seeds: the line with "<rule", not
   * the line where libxml2 finished reading the tag. */
  { "90-multiline-rule.xml", 4, "<rule hostname-from-app=\"MAYBE\">: expected YES or NO" },
};

static void
assert_has_substring (const char *text,
                      const char *substring)
{
  if (strstr (text, substring) == NULL)
    g_test_message ("\"%s\" does not contain \"%s\"", text, substring);
  g_assert_nonnull (strstr (text, substring));
}

/* Loads @data as the user's file @path and checks it is refused at @line. */
static void
assert_refused (const char *data,
                gsize       length,
                const char *path,
                guint       line,
                const char *substring)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s:%u: ", path, line);
  g_autofree char *head = NULL;

  config = broker_config_loader_load (data, length, path, BROKER_CONFIG_ORIGIN_USER, NULL, &error);
  g_assert_null (config);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  if (error == NULL)
    return; /* already reported; assertions are non-fatal here */

  head = g_strndup (error->message, strlen (prefix));
  g_assert_cmpstr (head, ==, prefix);
  assert_has_substring (error->message, substring);
}

static void
test_invalid_case (gconstpointer data)
{
  const InvalidCase *test_case = data;
  const char *path = g_test_get_filename (G_TEST_DIST, "configs", "invalid",
                                          test_case->file, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 0);
  assert_refused (contents, length, path, test_case->line, test_case->substring);
}

/* A comment pads a well-formed document to exactly @size bytes. */
static char *
padded_document (gsize size)
{
  static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<secsh-broker>\n<!-- ";
  static const char tail[] = " -->\n</secsh-broker>\n";
  gsize padding = size - strlen (head) - strlen (tail);
  GString *document = g_string_sized_new (size);

  g_string_append (document, head);
  for (gsize i = 0; i < padding; i++)
    g_string_append_c (document, (i + 1) % 80 == 0 ? '\n' : 'x');
  g_string_append (document, tail);
  g_assert_cmpuint (document->len, ==, size);
  return g_string_free (document, FALSE);
}

/* Writes @size bytes to a temporary file and reads them back, as the
 * broker does; returns the file's path.  The caller removes @dir. */
static char *
write_temp_document (const char  *dir,
                     gsize        size,
                     char       **contents,
                     gsize       *length)
{
  g_autofree char *document = padded_document (size);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "broker-config.xml", NULL);

  g_file_set_contents (path, document, size, &error);
  g_assert_no_error (error);
  g_file_get_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("burrow-test-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_no_error (error);
  path = write_temp_document (dir, BROKER_XML_MAX_SIZE + 1, &contents, &length);
  g_assert_cmpuint (length, ==, 1024 * 1024 + 1);
  assert_refused (contents, length, path, 1, "larger than 1048576 bytes");
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The cap is inclusive: a file of exactly 1 MiB still loads. */
static void
test_size_limit_inclusive (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("burrow-test-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  gsize length = 0;

  g_assert_no_error (error);
  path = write_temp_document (dir, BROKER_XML_MAX_SIZE, &contents, &length);
  config = broker_config_loader_load (contents, length, path, BROKER_CONFIG_ORIGIN_USER,
                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
assert_empty_config (const BrokerConfig *config)
{
  g_assert_nonnull (config);
  if (config == NULL)
    return;
  g_assert_cmpuint (config->profiles->len, ==, 0);
  g_assert_cmpuint (config->rules->len, ==, 0);
  g_assert_cmpuint (config->known_hosts->len, ==, 0);
  g_assert_cmpint (config->host_key_policy, ==, BROKER_HOST_KEY_POLICY_ASK);
  g_assert_false (config->host_key_policy_explicit);
  g_assert_false (config->capture_enable_at_startup);
}

/* A missing file reads as zero bytes: an empty configuration, not an error. */
static void
test_empty_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) from_empty = NULL;
  g_autoptr(BrokerConfig) from_null = NULL;

  from_empty = broker_config_loader_load ("", 0, "empty.xml", BROKER_CONFIG_ORIGIN_USER,
                                          NULL, &error);
  g_assert_no_error (error);
  assert_empty_config (from_empty);

  from_null = broker_config_loader_load (NULL, 0, "missing.xml", BROKER_CONFIG_ORIGIN_GLOBAL,
                                         NULL, &error);
  g_assert_no_error (error);
  assert_empty_config (from_null);
}

/* An empty user file over a global one leaves the global one as it is. */
static void
test_empty_file_over_base (void)
{
  static const char global[] =
    "<secsh-broker>\n"
    "  <profiles><profile id=\"paper\" host=\"host1234\" /></profiles>\n"
    "</secsh-broker>\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) base = NULL;
  g_autoptr(BrokerConfig) merged = NULL;

  base = broker_config_loader_load (global, strlen (global), "global.xml",
                                    BROKER_CONFIG_ORIGIN_GLOBAL, NULL, &error);
  g_assert_no_error (error);
  merged = broker_config_loader_load ("", 0, "user.xml", BROKER_CONFIG_ORIGIN_USER, base, &error);
  g_assert_no_error (error);
  g_assert_nonnull (merged);
  g_assert_true (merged != base);
  g_assert_cmpuint (merged->profiles->len, ==, 1);
  g_assert_true (merged->profiles->pdata[0] == base->profiles->pdata[0]);
}

/* "NN-short-name.xml" → "/config/invalid/short-name" */
static char *
case_path (const char *file)
{
  const char *dash = strchr (file, '-');
  g_autofree char *name = g_strndup (dash + 1, strlen (dash + 1) - strlen (".xml"));

  return g_strconcat ("/config/invalid/", name, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* One refused case must not hide the results of the ones after it; every
   * helper returns early where a failed assertion would leave it a NULL. */
  g_test_set_nonfatal_assertions ();

  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = case_path (invalid_cases[i].file);

      g_test_add_data_func (path, &invalid_cases[i], test_invalid_case);
    }
  g_test_add_func ("/config/invalid/too-large", test_too_large);
  g_test_add_func ("/config/invalid/size-limit-inclusive", test_size_limit_inclusive);
  g_test_add_func ("/config/invalid/empty-file-is-empty-config", test_empty_file);
  g_test_add_func ("/config/invalid/empty-file-over-base", test_empty_file_over_base);

  return g_test_run ();
}
