// SPDX-License-Identifier: GPL-3.0-or-later
/* The XML examples of the product manual pages Burrow re-creates, completed
 * into whole files under configs/seeds/, load to the model the pages
 * describe. */
#include "broker-config-loader.h"
#include "broker-filter.h"

static BrokerConfig *
load_seed (const char *name)
{
  const char *path = g_test_get_filename (G_TEST_DIST, "configs", "seeds", name, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  BrokerConfig *config;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  config = broker_config_loader_load (contents, length, path, BROKER_CONFIG_ORIGIN_USER,
                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
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

/* <rule host=".*" ports="23" action="TUNNEL" hostname-from-app="YES"
 *       fallback-to-plain="NO" /> */
static void
test_telnet_rule (void)
{
  g_autoptr(BrokerConfig) config = load_seed ("000-telnet-rule.xml");
  BrokerRule *rule;

  g_assert_cmpuint (config->profiles->len, ==, 0);
  g_assert_cmpuint (config->rules->len, ==, 1);
  rule = config->rules->pdata[0];
  g_assert_cmpstr (rule->host, ==, ".*");
  g_assert_cmpstr (rule->ports, ==, "23");
  g_assert_true (broker_port_list_contains (rule->port_list, 23));
  g_assert_false (broker_port_list_contains (rule->port_list, 22));
  g_assert_cmpint (rule->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_true (rule->hostname_from_app);
  g_assert_false (rule->fallback_to_plain);
  g_assert_null (rule->profile);
  g_assert_null (rule->application);
}

/* "ssh-capture telnet some-server.example.com": port 23 of any host is
 * tunnelled, whatever the application; other ports are left alone. */
static void
test_telnet_capture (void)
{
  g_autoptr(BrokerConfig) config = load_seed ("000-telnet-rule.xml");

  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "some-server.example.com", 23), ==, 0);
  g_assert_cmpint (evaluate (config, "/bin/bash", "host1234", 23), ==, 0);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "some-server.example.com", 22), ==, -1);
  g_assert_cmpint (evaluate (config, "/usr/bin/telnet", "127.0.0.1", 2323), ==, -1);
}

/* <profile id="id1" host="sshserver.example.com"> with
 * <local-tunnel type="FTP" listen-port="1234" dst-host="127.0.0.1"
 *               dst-port="21" allow-relay="NO" /> */
static void
test_ftp_tunnel (void)
{
  g_autoptr(BrokerConfig) config = load_seed ("002-ftp-tunnel.xml");
  BrokerProfile *profile;
  BrokerTunnelConfig *tunnel;

  g_assert_cmpuint (config->rules->len, ==, 0);
  g_assert_cmpuint (config->profiles->len, ==, 1);
  profile = broker_config_find_profile (config, "id1");
  g_assert_nonnull (profile);
  g_assert_cmpstr (profile->host, ==, "sshserver.example.com");
  g_assert_cmpuint (profile->port, ==, 22);
  g_assert_null (profile->gateway_profile);
  g_assert_cmpuint (profile->tunnels->len, ==, 1);

  tunnel = profile->tunnels->pdata[0];
  g_assert_cmpint (tunnel->kind, ==, BROKER_TUNNEL_KIND_LOCAL);
  g_assert_cmpint (tunnel->type, ==, BROKER_TUNNEL_TYPE_FTP);
  g_assert_cmpuint (tunnel->listen_port, ==, 1234);
  g_assert_cmpstr (tunnel->dst_host, ==, "127.0.0.1");
  g_assert_cmpuint (tunnel->dst_port, ==, 21);
  g_assert_false (tunnel->allow_relay);
  /* "ftp localhost 1234" must reach it, and only from this machine. */
  g_assert_cmpstr (tunnel->listen_address, ==, "127.0.0.1");
}

static void
assert_mail_rule (const BrokerConfig *config,
                  guint               index,
                  const char         *ports)
{
  BrokerRule *rule;

  g_assert_cmpuint (index, <, config->rules->len);
  rule = config->rules->pdata[index];
  g_assert_cmpstr (rule->ports, ==, ports);
  g_assert_cmpint (rule->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpstr (rule->profile, ==, "paper");
  g_assert_false (rule->hostname_from_app);
  g_assert_false (rule->fallback_to_plain);
}

/* Profile "paper" linked to host1234, capture on at startup, IMAP/POP/SMTP
 * through profile paper. */
static void
test_email_model (void)
{
  g_autoptr(BrokerConfig) config = load_seed ("000-email.xml");
  BrokerProfile *paper;

  g_assert_true (config->capture_enable_at_startup);
  g_assert_cmpuint (config->profiles->len, ==, 1);
  paper = broker_config_find_profile (config, "paper");
  g_assert_nonnull (paper);
  g_assert_cmpstr (paper->name, ==, "paper");
  g_assert_cmpstr (paper->host, ==, "host1234");
  g_assert_cmpuint (paper->port, ==, 22);

  g_assert_cmpuint (config->rules->len, ==, 3);
  assert_mail_rule (config, 0, "143,993");
  assert_mail_rule (config, 1, "110,995");
  assert_mail_rule (config, 2, "25,465,587");
}

/* Mail goes to the gateway of profile paper; nothing else is captured. */
static void
test_email_capture (void)
{
  static const struct { guint16 port; int rule; } cases[] = {
    { 143, 0 }, { 993, 0 }, { 110, 1 }, { 995, 1 }, { 25, 2 }, { 465, 2 }, { 587, 2 },
    { 80, -1 }, { 443, -1 }, { 22, -1 }, { 26, -1 },
  };
  g_autoptr(BrokerConfig) config = load_seed ("000-email.xml");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int index = evaluate (config, "/usr/bin/thunderbird", "mail.example.com",
                            cases[i].port);
      BrokerRule *rule;

      g_assert_cmpint (index, ==, cases[i].rule);
      if (index < 0)
        continue;
      rule = config->rules->pdata[index];
      g_assert_cmpstr (broker_config_find_profile (config, rule->profile)->host, ==, "host1234");
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/seeds/telnet/rule", test_telnet_rule);
  g_test_add_func ("/config/seeds/telnet/capture", test_telnet_capture);
  g_test_add_func ("/config/seeds/ftp/local-tunnel", test_ftp_tunnel);
  g_test_add_func ("/config/seeds/email/model", test_email_model);
  g_test_add_func ("/config/seeds/email/capture", test_email_capture);

  return g_test_run ();
}
