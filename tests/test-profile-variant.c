// SPDX-License-Identifier: GPL-3.0-or-later
#include <string.h>

#include "broker-config-loader.h"
#include "broker-config-variant.h"
#include "broker-error.h"

static const char config_text[] =
  "<secsh-broker>\n"
  "  <profiles>\n"
  "    <profile id=\"jump\" host=\"jump.example.com\"/>\n"
  "    <profile id=\"p\" name=\"Pretty\" host=\"h.example.com\" port=\"2200\" user=\"u\"\n"
  "             connect-on-startup=\"YES\" gateway-profile=\"jump\">\n"
  "      <authentication-methods><auth-method name=\"password\"/></authentication-methods>\n"
  "      <identity-file path=\"~/.ssh/id_rsa\"/>\n"
  "      <keepalive-interval time=\"10\"/><idle-timeout time=\"7\"/>\n"
  "      <tunnels>\n"
  "        <local-tunnel type=\"FTP\" listen-port=\"1234\" dst-host=\"127.0.0.1\" dst-port=\"21\"/>\n"
  "        <remote-tunnel listen-port=\"8022\" dst-host=\"localhost\" dst-port=\"22\"/>\n"
  "        <dynamic-tunnel listen-port=\"1080\" listen-address=\"0.0.0.0\" allow-relay=\"YES\"/>\n"
  "      </tunnels>\n"
  "    </profile>\n"
  "  </profiles>\n"
  "  <filter-engine>\n"
  "    <rule application=\"tel*\" host=\".*\" ports=\"23\" action=\"TUNNEL\" profile=\"p\"\n"
  "          hostname-from-app=\"YES\" fallback-to-plain=\"YES\" ftp=\"YES\"/>\n"
  "    <rule host=\"mail\" action=\"DIRECT\"/>\n"
  "  </filter-engine>\n"
  "</secsh-broker>\n";

static BrokerConfig *
load_config (void)
{
  g_autoptr(GError) error = NULL;
  BrokerConfig *config = broker_config_loader_load (config_text, strlen (config_text), "v.xml",
                                                    BROKER_CONFIG_ORIGIN_USER, NULL, &error);

  g_assert_no_error (error);
  return config;
}

static void
test_profile_round_trip (void)
{
  g_autoptr(BrokerConfig) config = load_config ();
  BrokerProfile *original = broker_config_find_profile (config, "p");
  g_autoptr(GVariant) variant = g_variant_ref_sink (broker_profile_to_variant (original));
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerProfile) copy = broker_profile_from_variant (variant, &error);
  g_autoptr(GVariant) again = NULL;

  g_assert_no_error (error);
  again = g_variant_ref_sink (broker_profile_to_variant (copy));
  /* Only origin and line (reported by the broker, not set by clients) may differ. */
  g_assert_cmpstr (copy->host, ==, "h.example.com");
  g_assert_cmpuint (copy->port, ==, 2200);
  g_assert_cmpuint (copy->tunnels->len, ==, 3);
  g_assert_cmpuint (((BrokerTunnelConfig *) copy->tunnels->pdata[2])->kind, ==,
                    BROKER_TUNNEL_KIND_DYNAMIC);
  {
    g_auto(GVariantDict) a = G_VARIANT_DICT_INIT (variant);
    g_auto(GVariantDict) b = G_VARIANT_DICT_INIT (again);
    g_autoptr(GVariant) va = NULL;
    g_autoptr(GVariant) vb = NULL;

    g_variant_dict_remove (&a, "line");
    g_variant_dict_remove (&b, "line");
    va = g_variant_ref_sink (g_variant_dict_end (&a));
    vb = g_variant_ref_sink (g_variant_dict_end (&b));
    g_assert_true (g_variant_equal (va, vb));
  }
}

static void
test_rule_round_trip (void)
{
  g_autoptr(BrokerConfig) config = load_config ();
  g_autoptr(GVariant) variant = g_variant_ref_sink (broker_rule_to_variant (config->rules->pdata[0]));
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerRule) copy = broker_rule_from_variant (variant, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (copy->application, ==, "tel*");
  g_assert_cmpstr (copy->host, ==, ".*");
  g_assert_cmpstr (copy->ports, ==, "23");
  g_assert_cmpint (copy->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpstr (copy->profile, ==, "p");
  g_assert_true (copy->hostname_from_app);
  g_assert_true (copy->fallback_to_plain);
  g_assert_true (copy->ftp);
}

/* ftp is in every rule's dictionary, FALSE unless the rule says YES, and a
 * client may leave it out. */
static void
test_rule_ftp_key (void)
{
  g_autoptr(BrokerConfig) config = load_config ();
  g_autoptr(GVariant) marked = g_variant_ref_sink (broker_rule_to_variant (config->rules->pdata[0]));
  g_autoptr(GVariant) plain = g_variant_ref_sink (broker_rule_to_variant (config->rules->pdata[1]));
  g_autoptr(GVariant) bare = g_variant_ref_sink (g_variant_new_parsed ("{'action': <'TUNNEL'>, "
                                                                       "'profile': <'p'>}"));
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerRule) copy = NULL;
  gboolean ftp = FALSE;

  g_assert_true (g_variant_lookup (marked, "ftp", "b", &ftp));
  g_assert_true (ftp);
  g_assert_true (g_variant_lookup (plain, "ftp", "b", &ftp));
  g_assert_false (ftp);
  copy = broker_rule_from_variant (bare, &error);
  g_assert_no_error (error);
  g_assert_false (copy->ftp);
}

static void
assert_profile_rejected (GVariant   *dict,
                         const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (dict);
  g_autoptr(BrokerProfile) profile = broker_profile_from_variant (owned, &error);

  g_assert_null (profile);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_profile_rejects (void)
{
  assert_profile_rejected (g_variant_new_parsed ("@a{sv} {'host': <'h'>}"), "id");
  assert_profile_rejected (g_variant_new_parsed ("{'id': <'x'>, 'port': <22>}"), "port");
  assert_profile_rejected (g_variant_new_parsed ("{'id': <'x'>, 'hostname': <'h'>}"), "hostname");
  assert_profile_rejected (g_variant_new_parsed ("{'id': <'x'>, 'local-tunnels': "
                                                 "<[{'type': <'UDP'>}]>}"), "UDP");
  assert_profile_rejected (g_variant_new_parsed ("{'id': <'x'>, 'local-tunnels': "
                                                 "<[{'color': <'red'>}]>}"), "color");
  assert_profile_rejected (g_variant_new_parsed ("{'id': <'x'>, 'connect-on-startup': <'yes'>}"),
                           "connect-on-startup");
}

static void
test_rule_rejects (void)
{
  const char *cases[][2] = {
    { "@a{sv} {'host': <'h'>}", "action" },
    { "{'action': <'MAYBE'>}", "MAYBE" },
    { "{'action': <'BLOCK'>, 'ports': <23>}", "ports" },
    { "{'action': <'BLOCK'>, 'hots': <'x'>}", "hots" },
    { "{'action': <'TUNNEL'>, 'ftp': <'YES'>}", "\"ftp\" must be of type b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) dict = g_variant_ref_sink (g_variant_new_parsed (cases[i][0]));
      g_autoptr(BrokerRule) rule = broker_rule_from_variant (dict, &error);

      g_assert_null (rule);
      g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
      g_assert_nonnull (strstr (error->message, cases[i][1]));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/variant/profile-round-trip", test_profile_round_trip);
  g_test_add_func ("/config/variant/rule-round-trip", test_rule_round_trip);
  g_test_add_func ("/config/variant/rule-ftp-key", test_rule_ftp_key);
  g_test_add_func ("/config/variant/profile-rejects", test_profile_rejects);
  g_test_add_func ("/config/variant/rule-rejects", test_rule_rejects);
  return g_test_run ();
}
