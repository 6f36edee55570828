// SPDX-License-Identifier: GPL-3.0-or-later
#include <string.h>

#include "broker-config-document.h"
#include "broker-config-loader.h"
#include "broker-error.h"

#define FILENAME "broker-config.xml"

static const char original[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<!DOCTYPE secsh-broker SYSTEM \"ssh-broker-ng-config-1.dtd\">\n"
  "<!-- top comment: keep me -->\n"
  "<secsh-broker version=\"6.4\">\n"
  "  <general>\n"
  "    <crypto-lib mode=\"standard\" />\n"
  "  </general>\n"
  "  <profiles>\n"
  "    <!-- the office gateway -->\n"
  "    <profile id=\"office\" host=\"gw.example.com\" host-type=\"unix\">\n"
  "      <my-extension colour=\"blue\">text &amp; more</my-extension>\n"
  "      <tunnels>\n"
  "        <local-tunnel type=\"TCP\" listen-port=\"8080\" dst-host=\"intranet\" dst-port=\"80\"/>\n"
  "        <x11-forward state=\"on\"/>\n"
  "      </tunnels>\n"
  "    </profile>\n"
  "    <profile id=\"other\" host=\"other.example.com\"/>\n"
  "  </profiles>\n"
  "  <filter-engine>\n"
  "    <network id=\"lan\" address=\"127.0.0.0/8\"/>\n"
  "    <!-- rules below -->\n"
  "    <rule host=\".*\" ports=\"23\" action=\"TUNNEL\" hostname-from-app=\"YES\"/>\n"
  "  </filter-engine>\n"
  "  <logging><log-target file=\"/tmp/x\"/></logging>\n"
  "</secsh-broker>\n";

static BrokerConfigDocument *
open_document (const char *text)
{
  g_autoptr(GError) error = NULL;
  BrokerConfigDocument *document = broker_config_document_new (text, strlen (text), FILENAME,
                                                               &error);

  g_assert_no_error (error);
  return document;
}

static char *
dump (BrokerConfigDocument *document)
{
  g_autoptr(GBytes) bytes = broker_config_document_to_bytes (document);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static BrokerConfig *
load (const char *text)
{
  g_autoptr(GError) error = NULL;
  BrokerConfig *config = broker_config_loader_load (text, strlen (text), FILENAME,
                                                    BROKER_CONFIG_ORIGIN_USER, NULL, &error);

  g_assert_no_error (error);
  return config;
}

static void
assert_kept (const char *text)
{
  const char *kept[] = {
    "<!DOCTYPE secsh-broker SYSTEM \"ssh-broker-ng-config-1.dtd\">",
    "<!-- top comment: keep me -->",
    "<secsh-broker version=\"6.4\">",
    "<crypto-lib mode=\"standard\"/>",
    "<!-- the office gateway -->",
    "<network id=\"lan\" address=\"127.0.0.0/8\"/>",
    "<!-- rules below -->",
    "<logging><log-target file=\"/tmp/x\"/></logging>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    if (strstr (text, kept[i]) == NULL)
      g_error ("lost \"%s\" in:\n%s", kept[i], text);
}

static BrokerProfile *
make_profile (const char *id)
{
  BrokerProfile *profile = broker_profile_new (id);
  BrokerTunnelConfig *tunnel = broker_tunnel_config_new (BROKER_TUNNEL_KIND_LOCAL);
  BrokerTunnelConfig *socks = broker_tunnel_config_new (BROKER_TUNNEL_KIND_DYNAMIC);
  const char *methods[] = { "password", "publickey", NULL };
  const char *identities[] = { "~/.ssh/id_ed25519", "/keys/work key", NULL };

  profile->name = g_strdup ("Files & more");
  profile->host = g_strdup ("files.example.com");
  profile->port = 2022;
  profile->user = g_strdup ("bob");
  g_strfreev (profile->auth_methods);
  profile->auth_methods = g_strdupv ((char **) methods);
  g_strfreev (profile->identity_files);
  profile->identity_files = g_strdupv ((char **) identities);
  profile->connect_on_startup = TRUE;
  profile->keepalive_interval = 15;
  profile->idle_timeout = 60;
  profile->gateway_profile = g_strdup ("other");
  tunnel->type = BROKER_TUNNEL_TYPE_FTP;
  tunnel->listen_address = g_strdup ("127.0.0.1");
  tunnel->listen_port = 1234;
  tunnel->dst_host = g_strdup ("127.0.0.1");
  tunnel->dst_port = 21;
  g_ptr_array_add (profile->tunnels, tunnel);
  socks->listen_address = g_strdup ("::1");
  socks->listen_port = 1080;
  g_ptr_array_add (profile->tunnels, socks);
  return profile;
}

static void
assert_profile_equal (const BrokerProfile *a,
                      const BrokerProfile *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->host, ==, b->host);
  g_assert_cmpuint (a->port, ==, b->port);
  g_assert_cmpstr (a->user, ==, b->user);
  g_assert_true (g_strv_equal ((const char * const *) a->auth_methods,
                               (const char * const *) b->auth_methods));
  g_assert_true (g_strv_equal ((const char * const *) a->identity_files,
                               (const char * const *) b->identity_files));
  g_assert_cmpint (a->connect_on_startup, ==, b->connect_on_startup);
  g_assert_cmpuint (a->keepalive_interval, ==, b->keepalive_interval);
  g_assert_cmpuint (a->idle_timeout, ==, b->idle_timeout);
  g_assert_cmpstr (a->gateway_profile, ==, b->gateway_profile);
  g_assert_cmpuint (a->tunnels->len, ==, b->tunnels->len);
  for (guint i = 0; i < a->tunnels->len; i++)
    {
      const BrokerTunnelConfig *x = a->tunnels->pdata[i];
      const BrokerTunnelConfig *y = b->tunnels->pdata[i];

      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->type, ==, y->type);
      g_assert_cmpstr (x->listen_address, ==, y->listen_address);
      g_assert_cmpuint (x->listen_port, ==, y->listen_port);
      g_assert_cmpstr (x->dst_host, ==, y->dst_host);
      g_assert_cmpuint (x->dst_port, ==, y->dst_port);
      g_assert_cmpint (x->allow_relay, ==, y->allow_relay);
    }
}

/* Byte for byte, but for the blank libxml2 drops before "/>" in a tag. */
static void
test_untouched_round_trip (void)
{
  g_autoptr(BrokerConfigDocument) document = open_document (original);
  g_autofree char *text = dump (document);
  g_autoptr(GString) expected = g_string_new (original);

  g_string_replace (expected, "\" />", "\"/>", 0);
  g_assert_cmpstr (text, ==, expected->str);
}

static void
test_add_profile (void)
{
  g_autoptr(BrokerConfigDocument) document = open_document (original);
  g_autoptr(BrokerProfile) profile = make_profile ("files");
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *text = NULL;

  broker_config_document_set_profile (document, profile);
  text = dump (document);
  assert_kept (text);
  g_assert_nonnull (strstr (text, "\n    <profile id=\"files\""));
  g_assert_nonnull (strstr (text, "name=\"Files &amp; more\""));

  config = load (text);
  g_assert_cmpuint (config->profiles->len, ==, 3);
  assert_profile_equal (broker_config_find_profile (config, "files"), profile);
  /* The untouched profile is byte for byte what it was. */
  g_assert_nonnull (strstr (text, "<profile id=\"other\" host=\"other.example.com\"/>"));
}

static void
test_update_profile_keeps_unknown (void)
{
  g_autoptr(BrokerConfigDocument) document = open_document (original);
  g_autoptr(BrokerProfile) profile = make_profile ("office");
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *text = NULL;

  broker_config_document_set_profile (document, profile);
  text = dump (document);
  assert_kept (text);
  g_assert_nonnull (strstr (text, "host-type=\"unix\""));
  g_assert_nonnull (strstr (text, "<my-extension colour=\"blue\">text &amp; more</my-extension>"));
  g_assert_nonnull (strstr (text, "<x11-forward state=\"on\"/>"));
  g_assert_null (strstr (text, "listen-port=\"8080\""));

  config = load (text);
  g_assert_cmpuint (config->profiles->len, ==, 2);
  assert_profile_equal (broker_config_find_profile (config, "office"), profile);
}

static void
test_delete_profile (void)
{
  g_autoptr(BrokerConfigDocument) document = open_document (original);
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *text = NULL;

  g_assert_true (broker_config_document_has_profile (document, "other"));
  g_assert_true (broker_config_document_delete_profile (document, "other"));
  g_assert_false (broker_config_document_delete_profile (document, "other"));
  g_assert_false (broker_config_document_has_profile (document, "other"));
  text = dump (document);
  assert_kept (text);
  config = load (text);
  g_assert_cmpuint (config->profiles->len, ==, 1);
  g_assert_null (broker_config_find_profile (config, "other"));
}

static void
test_set_rules (void)
{
  g_autoptr(BrokerConfigDocument) document = open_document (original);
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_rule_unref);
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *text = NULL;
  BrokerRule *rule = broker_rule_new ();
  const BrokerRule *loaded;
  const char *marked;

  rule->application = g_strdup ("thunderbird");
  rule->host = g_strdup ("mail\\.example\\.com");
  rule->ports = g_strdup ("25,143,993");
  rule->action = BROKER_RULE_ACTION_TUNNEL;
  rule->profile = g_strdup ("office");
  rule->fallback_to_plain = TRUE;
  rule->ftp = TRUE;
  g_ptr_array_add (rules, rule);
  g_ptr_array_add (rules, broker_rule_new ());
  broker_config_document_set_rules (document, rules);
  text = dump (document);
  assert_kept (text);
  /* Written only where it is set: the product whose format this is has no
   * such attribute. */
  marked = strstr (text, " ftp=\"YES\"");
  g_assert_nonnull (marked);
  g_assert_null (strstr (marked + 1, " ftp="));

  config = load (text);
  g_assert_cmpuint (config->rules->len, ==, 2);
  loaded = config->rules->pdata[0];
  g_assert_cmpstr (loaded->application, ==, "thunderbird");
  g_assert_cmpstr (loaded->host, ==, "mail\\.example\\.com");
  g_assert_cmpstr (loaded->ports, ==, "25,143,993");
  g_assert_cmpint (loaded->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpstr (loaded->profile, ==, "office");
  g_assert_true (loaded->fallback_to_plain);
  g_assert_false (loaded->hostname_from_app);
  g_assert_true (loaded->ftp);
  g_assert_cmpint (((BrokerRule *) config->rules->pdata[1])->action, ==, BROKER_RULE_ACTION_DIRECT);
  g_assert_false (((BrokerRule *) config->rules->pdata[1])->ftp);
}

static void
test_set_capture (void)
{
  g_autoptr(BrokerConfigDocument) document = open_document (original);
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *text = NULL;

  broker_config_document_set_capture (document, TRUE);
  broker_config_document_set_capture (document, FALSE);
  broker_config_document_set_capture (document, TRUE);
  text = dump (document);
  assert_kept (text);
  g_assert_nonnull (strstr (text, "<connection-capture enable-at-startup=\"YES\"/>"));
  g_assert_null (strstr (strstr (text, "<connection-capture") + 1, "<connection-capture"));
  config = load (text);
  g_assert_true (config->capture_enable_at_startup);
}

static void
test_empty_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfigDocument) document = broker_config_document_new ("", 0, FILENAME, &error);
  g_autoptr(BrokerProfile) profile = make_profile ("first");
  g_autoptr(BrokerConfig) config = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_free (profile->gateway_profile);
  profile->gateway_profile = NULL;
  broker_config_document_set_profile (document, profile);
  text = dump (document);
  g_assert_true (g_str_has_prefix (text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  g_assert_nonnull (strstr (text, "\n  <profiles>\n    <profile id=\"first\""));
  config = load (text);
  assert_profile_equal (broker_config_find_profile (config, "first"), profile);
}

static void
test_broken_file_is_refused (void)
{
  g_autoptr(GError) error = NULL;
  const char broken[] = "<secsh-broker>\n<profiles>\n</secsh-broker>\n";
  g_autoptr(BrokerConfigDocument) document =
    broker_config_document_new (broken, strlen (broken), FILENAME, &error);

  g_assert_null (document);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, FILENAME ":3: "));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/writer/untouched-round-trip", test_untouched_round_trip);
  g_test_add_func ("/config/writer/add-profile", test_add_profile);
  g_test_add_func ("/config/writer/update-profile-keeps-unknown", test_update_profile_keeps_unknown);
  g_test_add_func ("/config/writer/delete-profile", test_delete_profile);
  g_test_add_func ("/config/writer/set-rules", test_set_rules);
  g_test_add_func ("/config/writer/set-capture", test_set_capture);
  g_test_add_func ("/config/writer/empty-file", test_empty_file);
  g_test_add_func ("/config/writer/broken-file-is-refused", test_broken_file_is_refused);
  return g_test_run ();
}
