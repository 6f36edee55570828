// SPDX-License-Identifier: GPL-3.0-or-later
/* Valid configuration files and the model they load to: defaults, every
 * field, the leniency the product's own files need (case, unknown elements,
 * its DOCTYPE line), and the example file that is installed. */
#include "broker-config-loader.h"
#include "broker-error.h"

#include <string.h>

static BrokerConfig *
load_path (const char *path)
{
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

/* Loads configs/valid/@name; the path stays valid until the test ends. */
static BrokerConfig *
load_valid (const char  *name,
            const char **path)
{
  *path = g_test_get_filename (G_TEST_DIST, "configs", "valid", name, NULL);
  return load_path (*path);
}

static void
assert_strv (GStrv               actual,
             const char * const *expected)
{
  g_autofree char *actual_text = g_strjoinv (",", actual);
  g_autofree char *expected_text = g_strjoinv (",", (GStrv) expected);

  g_assert_cmpstr (actual_text, ==, expected_text);
  g_assert_cmpuint (g_strv_length (actual), ==, g_strv_length ((GStrv) expected));
}

static BrokerProfile *
profile_at (const BrokerConfig *config,
            guint               index,
            const char         *id)
{
  BrokerProfile *profile;

  g_assert_cmpuint (index, <, config->profiles->len);
  profile = config->profiles->pdata[index];
  g_assert_cmpstr (profile->id, ==, id);
  g_assert_true (broker_config_find_profile (config, id) == profile);
  return profile;
}

static BrokerTunnelConfig *
tunnel_at (const BrokerProfile *profile,
           guint                index)
{
  g_assert_cmpuint (index, <, profile->tunnels->len);
  return profile->tunnels->pdata[index];
}

static BrokerRule *
rule_at (const BrokerConfig *config,
         guint               index)
{
  g_assert_cmpuint (index, <, config->rules->len);
  return config->rules->pdata[index];
}

static void
assert_tunnel (const BrokerTunnelConfig *tunnel,
               BrokerTunnelKind          kind,
               BrokerTunnelType          type,
               const char               *listen_address,
               guint16                   listen_port,
               const char               *dst_host,
               guint16                   dst_port,
               gboolean                  allow_relay)
{
  g_assert_cmpint (tunnel->kind, ==, kind);
  g_assert_cmpint (tunnel->type, ==, type);
  g_assert_cmpstr (tunnel->listen_address, ==, listen_address);
  g_assert_cmpuint (tunnel->listen_port, ==, listen_port);
  g_assert_cmpstr (tunnel->dst_host, ==, dst_host);
  g_assert_cmpuint (tunnel->dst_port, ==, dst_port);
  g_assert_cmpint (tunnel->allow_relay, ==, allow_relay);
}

static void
assert_default_profile_settings (const BrokerProfile *profile)
{
  static const char * const default_methods[] = {
    "publickey", "keyboard-interactive", "password", NULL
  };

  g_assert_cmpuint (profile->port, ==, 22);
  g_assert_null (profile->user);
  assert_strv (profile->auth_methods, default_methods);
  g_assert_cmpuint (g_strv_length (profile->identity_files), ==, 0);
  g_assert_false (profile->connect_on_startup);
  g_assert_cmpuint (profile->keepalive_interval, ==, 30);
  g_assert_cmpuint (profile->idle_timeout, ==, 5);
  g_assert_null (profile->gateway_profile);
}

static void
test_profile_defaults (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("defaults.xml", &path);
  BrokerProfile *plain, *named, *both;

  g_assert_cmpuint (config->profiles->len, ==, 4);
  plain = profile_at (config, 0, "plain");
  assert_default_profile_settings (plain);
  g_assert_null (plain->name);
  g_assert_cmpstr (plain->host, ==, "host1234");
  g_assert_cmpuint (plain->tunnels->len, ==, 0);
  g_assert_cmpint (plain->origin, ==, BROKER_CONFIG_ORIGIN_USER);
  g_assert_cmpstr (plain->file, ==, path);
  g_assert_cmpuint (plain->line, ==, 5);

  /* "By default, the profile name is assumed to be the host name" */
  named = profile_at (config, 1, "named");
  assert_default_profile_settings (named);
  g_assert_cmpstr (named->name, ==, "sshserver.example.com");
  g_assert_cmpstr (named->host, ==, "sshserver.example.com");

  both = profile_at (config, 2, "both");
  g_assert_cmpstr (both->name, ==, "example.com");
  g_assert_cmpstr (both->host, ==, "host1234");
}

static void
test_tunnel_defaults (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("defaults.xml", &path);
  BrokerProfile *relay = profile_at (config, 3, "relay");
  BrokerTunnelConfig *by_name, *empty_address;

  assert_default_profile_settings (relay);
  g_assert_cmpuint (relay->tunnels->len, ==, 6);
  assert_tunnel (tunnel_at (relay, 0), BROKER_TUNNEL_KIND_LOCAL, BROKER_TUNNEL_TYPE_TCP,
                 "127.0.0.1", 1234, "127.0.0.1", 21, FALSE);
  assert_tunnel (tunnel_at (relay, 1), BROKER_TUNNEL_KIND_LOCAL, BROKER_TUNNEL_TYPE_TCP,
                 "0.0.0.0", 1235, "127.0.0.1", 21, TRUE);
  /* A remote tunnel listens on the server: it may share a local port number. */
  assert_tunnel (tunnel_at (relay, 2), BROKER_TUNNEL_KIND_REMOTE, BROKER_TUNNEL_TYPE_TCP,
                 "127.0.0.1", 1234, "127.0.0.1", 22, FALSE);
  assert_tunnel (tunnel_at (relay, 3), BROKER_TUNNEL_KIND_DYNAMIC, BROKER_TUNNEL_TYPE_TCP,
                 "127.0.0.1", 1080, NULL, 0, FALSE);

  /* "localhost" is the loopback address, however the loader spells it. */
  by_name = tunnel_at (relay, 4);
  g_assert_true (g_strcmp0 (by_name->listen_address, "localhost") == 0 ||
                 g_strcmp0 (by_name->listen_address, "127.0.0.1") == 0);
  g_assert_false (by_name->allow_relay);
  empty_address = tunnel_at (relay, 5);
  g_assert_cmpstr (empty_address->listen_address, ==, "127.0.0.1");
  g_assert_cmpuint (tunnel_at (relay, 0)->line, ==, 10);
  g_assert_cmpuint (tunnel_at (relay, 3)->line, ==, 13);
}

static void
assert_rule_matches_anything (const BrokerRule *rule)
{
  g_assert_null (rule->host_regex);
  g_assert_null (rule->application_pattern);
  g_assert_nonnull (rule->port_list);
  g_assert_true (broker_port_list_is_any (rule->port_list));
  g_assert_true (broker_rule_matches_application (rule, "/usr/bin/telnet"));
  g_assert_true (broker_rule_matches_host (rule, "example.com", NULL));
  g_assert_true (broker_rule_matches_port (rule, 1));
  g_assert_true (broker_rule_matches_port (rule, 65535));
}

static void
test_rule_defaults (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("defaults.xml", &path);
  BrokerRule *bare, *blank;

  g_assert_cmpuint (config->rules->len, ==, 2);
  bare = rule_at (config, 0);
  g_assert_null (bare->application);
  g_assert_null (bare->host);
  g_assert_null (bare->ports);
  g_assert_null (bare->profile);
  g_assert_cmpint (bare->action, ==, BROKER_RULE_ACTION_DIRECT);
  g_assert_false (bare->hostname_from_app);
  g_assert_false (bare->fallback_to_plain);
  g_assert_false (bare->ftp);
  g_assert_cmpint (bare->origin, ==, BROKER_CONFIG_ORIGIN_USER);
  g_assert_cmpstr (bare->file, ==, path);
  g_assert_cmpuint (bare->line, ==, 20);
  assert_rule_matches_anything (bare);

  /* Empty attributes mean the same as absent ones. */
  blank = rule_at (config, 1);
  g_assert_cmpint (blank->action, ==, BROKER_RULE_ACTION_BLOCK);
  g_assert_null (blank->profile);
  assert_rule_matches_anything (blank);
}

static void
test_general_defaults (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("defaults.xml", &path);

  g_assert_cmpint (config->host_key_policy, ==, BROKER_HOST_KEY_POLICY_ASK);
  g_assert_false (config->host_key_policy_explicit);
  g_assert_cmpuint (config->known_hosts->len, ==, 0);
  g_assert_false (config->capture_enable_at_startup);
}

static void
test_empty_root (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("empty-root.xml", &path);

  g_assert_cmpuint (config->profiles->len, ==, 0);
  g_assert_cmpuint (config->rules->len, ==, 0);
  g_assert_cmpuint (config->known_hosts->len, ==, 0);
  g_assert_cmpint (config->host_key_policy, ==, BROKER_HOST_KEY_POLICY_ASK);
  g_assert_false (config->host_key_policy_explicit);
}

static void
test_full_general (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("full.xml", &path);

  g_assert_cmpint (config->host_key_policy, ==, BROKER_HOST_KEY_POLICY_STRICT);
  g_assert_true (config->host_key_policy_explicit);
  g_assert_cmpuint (config->known_hosts->len, ==, 2);
  g_assert_cmpstr (config->known_hosts->pdata[0], ==, "~/.ssh/known_hosts");
  g_assert_cmpstr (config->known_hosts->pdata[1], ==, "/etc/ssh/ssh_known_hosts");
  g_assert_true (config->capture_enable_at_startup);
}

static void
test_full_profile (void)
{
  static const char * const methods[] = {
    "password", "gssapi-with-mic", "hostbased", "publickey", NULL
  };
  static const char * const identities[] = {
    "~/.ssh/id_ed25519", "/home/jdoe/.ssh/id_rsa", NULL
  };
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("full.xml", &path);
  BrokerProfile *gw, *inner, *by_name;

  /* <profile-template> is not a profile. */
  g_assert_cmpuint (config->profiles->len, ==, 3);
  g_assert_null (broker_config_find_profile (config, "ignored"));

  gw = profile_at (config, 0, "gw");
  g_assert_cmpstr (gw->name, ==, "Gateway & relay of example.com");
  g_assert_cmpstr (gw->host, ==, "host1234");
  g_assert_cmpuint (gw->port, ==, 2222);
  g_assert_cmpstr (gw->user, ==, "jdoe");
  g_assert_true (gw->connect_on_startup);
  assert_strv (gw->auth_methods, methods);
  assert_strv (gw->identity_files, identities);
  g_assert_cmpuint (gw->keepalive_interval, ==, 0);
  g_assert_cmpuint (gw->idle_timeout, ==, 86400);
  g_assert_null (gw->gateway_profile);
  g_assert_cmpuint (gw->tunnels->len, ==, 0);
  g_assert_cmpstr (gw->file, ==, path);
  g_assert_cmpuint (gw->line, ==, 14);

  inner = profile_at (config, 1, "inner");
  g_assert_cmpstr (inner->host, ==, "sshserver.example.com");
  g_assert_cmpstr (inner->gateway_profile, ==, "gw");
  g_assert_false (inner->connect_on_startup);
  g_assert_cmpuint (inner->line, ==, 29);

  by_name = profile_at (config, 2, "host1234");
  g_assert_cmpstr (by_name->host, ==, "host1234");
  g_assert_cmpuint (by_name->line, ==, 41);
}

static void
test_full_tunnels (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("full.xml", &path);
  BrokerProfile *inner = profile_at (config, 1, "inner");

  /* <local> and <udp-tunnel> are skipped. */
  g_assert_cmpuint (inner->tunnels->len, ==, 5);
  assert_tunnel (tunnel_at (inner, 0), BROKER_TUNNEL_KIND_LOCAL, BROKER_TUNNEL_TYPE_TCP,
                 "127.0.0.1", 8080, "example.com", 80, FALSE);
  assert_tunnel (tunnel_at (inner, 1), BROKER_TUNNEL_KIND_LOCAL, BROKER_TUNNEL_TYPE_FTP,
                 "::1", 2121, "127.0.0.1", 21, FALSE);
  assert_tunnel (tunnel_at (inner, 2), BROKER_TUNNEL_KIND_REMOTE, BROKER_TUNNEL_TYPE_TCP,
                 "127.0.0.1", 8080, "127.0.0.1", 8080, FALSE);
  assert_tunnel (tunnel_at (inner, 3), BROKER_TUNNEL_KIND_DYNAMIC, BROKER_TUNNEL_TYPE_TCP,
                 "0.0.0.0", 1080, NULL, 0, TRUE);
  assert_tunnel (tunnel_at (inner, 4), BROKER_TUNNEL_KIND_REMOTE, BROKER_TUNNEL_TYPE_FTP,
                 "127.0.0.1", 2121, "127.0.0.1", 21, FALSE);

  g_assert_cmpuint (tunnel_at (inner, 0)->line, ==, 31);
  g_assert_cmpuint (tunnel_at (inner, 1)->line, ==, 32);
  g_assert_cmpuint (tunnel_at (inner, 2)->line, ==, 33);
  g_assert_cmpuint (tunnel_at (inner, 3)->line, ==, 34);
  g_assert_cmpuint (tunnel_at (inner, 4)->line, ==, 38);
}

static void
test_full_rules (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("full.xml", &path);
  BrokerRule *telnet, *ftp, *block, *direct;

  /* <network-rule> and the <rule> outside <filter-engine> are skipped. */
  g_assert_cmpuint (config->rules->len, ==, 4);

  telnet = rule_at (config, 0);
  g_assert_cmpstr (telnet->application, ==, "telnet");
  g_assert_cmpstr (telnet->host, ==, ".*");
  g_assert_cmpstr (telnet->ports, ==, "23");
  g_assert_cmpint (telnet->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_null (telnet->profile);
  g_assert_true (telnet->hostname_from_app);
  g_assert_true (telnet->fallback_to_plain);
  g_assert_false (telnet->ftp);
  g_assert_cmpstr (telnet->file, ==, path);
  g_assert_cmpuint (telnet->line, ==, 46);

  ftp = rule_at (config, 1);
  g_assert_cmpstr (ftp->application, ==, "/usr/bin/ftp*");
  g_assert_cmpstr (ftp->host, ==, "example\\.com");
  g_assert_cmpstr (ftp->ports, ==, "20-21, 990");
  g_assert_cmpint (ftp->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpstr (ftp->profile, ==, "inner");
  g_assert_false (ftp->hostname_from_app);
  g_assert_false (ftp->fallback_to_plain);
  g_assert_true (ftp->ftp);
  g_assert_true (broker_rule_matches_port (ftp, 20));
  g_assert_true (broker_rule_matches_port (ftp, 990));
  g_assert_false (broker_rule_matches_port (ftp, 22));
  g_assert_cmpuint (ftp->line, ==, 47);

  block = rule_at (config, 2);
  g_assert_cmpint (block->action, ==, BROKER_RULE_ACTION_BLOCK);
  g_assert_cmpuint (block->line, ==, 49);

  direct = rule_at (config, 3);
  g_assert_cmpint (direct->action, ==, BROKER_RULE_ACTION_DIRECT);
  g_assert_cmpuint (direct->line, ==, 50);
}

/* The product's files start with a DOCTYPE naming a DTD that is not here;
 * it must neither be fetched nor make the file fail. */
static void
test_tectia_doctype (void)
{
  const char *path;
  g_autoptr(BrokerConfig) config = load_valid ("tectia-doctype.xml", &path);
  BrokerProfile *profile = profile_at (config, 0, "id1");

  g_assert_cmpuint (config->profiles->len, ==, 1);
  g_assert_cmpstr (profile->host, ==, "sshserver.example.com");
  g_assert_cmpuint (profile->line, ==, 7);
}

static void
test_global_origin (void)
{
  static const char document[] =
    "<secsh-broker>\n"
    "  <profiles><profile id=\"paper\" host=\"host1234\" /></profiles>\n"
    "  <filter-engine><rule ports=\"25\" action=\"TUNNEL\" profile=\"paper\" /></filter-engine>\n"
    "</secsh-broker>\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) config = NULL;

  config = broker_config_loader_load (document, strlen (document), "/etc/burrow/broker-config.xml",
                                      BROKER_CONFIG_ORIGIN_GLOBAL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (profile_at (config, 0, "paper")->origin, ==, BROKER_CONFIG_ORIGIN_GLOBAL);
  g_assert_cmpint (rule_at (config, 0)->origin, ==, BROKER_CONFIG_ORIGIN_GLOBAL);
  g_assert_cmpuint (rule_at (config, 0)->line, ==, 3);
  g_assert_cmpuint (broker_config_count_rules (config, BROKER_CONFIG_ORIGIN_GLOBAL), ==, 1);
  g_assert_cmpuint (broker_config_count_rules (config, BROKER_CONFIG_ORIGIN_USER), ==, 0);
}

static void
assert_example_general (const BrokerConfig *config)
{
  g_assert_cmpint (config->host_key_policy, ==, BROKER_HOST_KEY_POLICY_ASK);
  g_assert_true (config->host_key_policy_explicit);
  g_assert_cmpuint (config->known_hosts->len, ==, 1);
  g_assert_cmpstr (config->known_hosts->pdata[0], ==, "~/.ssh/known_hosts");
  g_assert_true (config->capture_enable_at_startup);
}

static void
assert_example_profiles (const BrokerConfig *config)
{
  static const char * const methods[] = {
    "publickey", "keyboard-interactive", "password", NULL
  };
  static const char * const identities[] = { "~/.ssh/id_ed25519", NULL };
  BrokerProfile *paper = profile_at (config, 0, "paper");
  BrokerProfile *id1 = profile_at (config, 1, "id1");

  g_assert_cmpuint (config->profiles->len, ==, 2);
  g_assert_cmpstr (paper->name, ==, "paper");
  g_assert_cmpstr (paper->host, ==, "host1234");
  g_assert_cmpuint (paper->port, ==, 22);
  g_assert_false (paper->connect_on_startup);
  assert_strv (paper->auth_methods, methods);
  assert_strv (paper->identity_files, identities);
  g_assert_cmpuint (paper->keepalive_interval, ==, 30);
  g_assert_cmpuint (paper->idle_timeout, ==, 5);
  g_assert_cmpuint (paper->tunnels->len, ==, 0);

  assert_default_profile_settings (id1);
  g_assert_null (id1->name);
  g_assert_cmpstr (id1->host, ==, "sshserver.example.com");
  g_assert_cmpuint (id1->tunnels->len, ==, 1);
  assert_tunnel (tunnel_at (id1, 0), BROKER_TUNNEL_KIND_LOCAL, BROKER_TUNNEL_TYPE_FTP,
                 "127.0.0.1", 1234, "127.0.0.1", 21, FALSE);
}

static void
assert_example_rules (const BrokerConfig *config)
{
  BrokerRule *telnet = rule_at (config, 0);
  BrokerRule *mail = rule_at (config, 1);
  BrokerRule *files = rule_at (config, 2);

  g_assert_cmpuint (config->rules->len, ==, 3);
  g_assert_cmpstr (telnet->host, ==, ".*");
  g_assert_cmpstr (telnet->ports, ==, "23");
  g_assert_cmpint (telnet->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_true (telnet->hostname_from_app);
  g_assert_false (telnet->fallback_to_plain);
  g_assert_null (telnet->profile);
  g_assert_false (telnet->ftp);

  g_assert_cmpint (mail->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpstr (mail->profile, ==, "paper");
  g_assert_false (mail->hostname_from_app);
  for (guint i = 0; i < 7; i++)
    {
      static const guint16 ports[] = { 25, 110, 143, 465, 587, 993, 995 };

      g_assert_true (broker_rule_matches_port (mail, ports[i]));
    }
  g_assert_false (broker_rule_matches_port (mail, 23));
  g_assert_false (mail->ftp);

  g_assert_cmpint (files->action, ==, BROKER_RULE_ACTION_TUNNEL);
  g_assert_cmpstr (files->profile, ==, "paper");
  g_assert_true (files->ftp);
  g_assert_true (broker_rule_matches_port (files, 2121));
}

/* The file "make install" puts in the documentation must load as described. */
static void
test_installed_example (void)
{
  const char *path = g_test_get_filename (G_TEST_DIST, "..", "data", "examples",
                                          "broker-config.xml", NULL);
  g_autoptr(BrokerConfig) config = load_path (path);

  assert_example_general (config);
  assert_example_profiles (config);
  assert_example_rules (config);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/loader/profile-defaults", test_profile_defaults);
  g_test_add_func ("/config/loader/tunnel-defaults", test_tunnel_defaults);
  g_test_add_func ("/config/loader/rule-defaults", test_rule_defaults);
  g_test_add_func ("/config/loader/general-defaults", test_general_defaults);
  g_test_add_func ("/config/loader/empty-root", test_empty_root);
  g_test_add_func ("/config/loader/full/general", test_full_general);
  g_test_add_func ("/config/loader/full/profiles", test_full_profile);
  g_test_add_func ("/config/loader/full/tunnels", test_full_tunnels);
  g_test_add_func ("/config/loader/full/rules", test_full_rules);
  g_test_add_func ("/config/loader/tectia-doctype", test_tectia_doctype);
  g_test_add_func ("/config/loader/global-origin", test_global_origin);
  g_test_add_func ("/config/loader/installed-example", test_installed_example);

  return g_test_run ();
}
