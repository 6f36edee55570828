// SPDX-License-Identifier: GPL-3.0-or-later
/* The user's file loaded over the global one (configs/merge/): profiles by
 * id, rules in order, the more secure host-key policy, and references from
 * the user's file into the global one. */
#include "broker-config-loader.h"
#include "broker-error.h"

#include <string.h>

static const char *
merge_path (const char *name)
{
  return g_test_get_filename (G_TEST_DIST, "configs", "merge", name, NULL);
}

static BrokerConfig *
try_load (const char          *name,
          BrokerConfigOrigin   origin,
          const BrokerConfig  *base,
          GError             **error)
{
  const char *path = merge_path (name);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &local_error);
  g_assert_no_error (local_error);
  return broker_config_loader_load (contents, length, path, origin, base, error);
}

static BrokerConfig *
load_global (const char *name)
{
  g_autoptr(GError) error = NULL;
  BrokerConfig *config = try_load (name, BROKER_CONFIG_ORIGIN_GLOBAL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

/* @base may be NULL: no global file. */
static BrokerConfig *
load_user (const char         *name,
           const BrokerConfig *base)
{
  g_autoptr(GError) error = NULL;
  BrokerConfig *config = try_load (name, BROKER_CONFIG_ORIGIN_USER, base, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static BrokerProfile *
assert_profile (const BrokerConfig *config,
                guint               index,
                const char         *id,
                BrokerConfigOrigin  origin,
                const char         *file)
{
  BrokerProfile *profile;

  g_assert_cmpuint (index, <, config->profiles->len);
  profile = config->profiles->pdata[index];
  g_assert_cmpstr (profile->id, ==, id);
  g_assert_cmpint (profile->origin, ==, origin);
  g_assert_cmpstr (profile->file, ==, merge_path (file));
  return profile;
}

static BrokerRule *
assert_rule (const BrokerConfig *config,
             guint               index,
             const char         *ports,
             BrokerConfigOrigin  origin,
             const char         *file)
{
  BrokerRule *rule;

  g_assert_cmpuint (index, <, config->rules->len);
  rule = config->rules->pdata[index];
  g_assert_cmpstr (rule->ports, ==, ports);
  g_assert_cmpint (rule->origin, ==, origin);
  g_assert_cmpstr (rule->file, ==, merge_path (file));
  return rule;
}

/* Global profiles first, in their order; a user profile with a global id
 * takes the global one's place; the user's other profiles follow. */
static void
test_profiles (void)
{
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = load_user ("user.xml", global);
  BrokerProfile *shared;

  g_assert_cmpuint (merged->profiles->len, ==, 4);
  assert_profile (merged, 0, "gateway", BROKER_CONFIG_ORIGIN_GLOBAL, "global.xml");
  shared = assert_profile (merged, 1, "shared", BROKER_CONFIG_ORIGIN_USER, "user.xml");
  assert_profile (merged, 2, "mail", BROKER_CONFIG_ORIGIN_GLOBAL, "global.xml");
  assert_profile (merged, 3, "inner", BROKER_CONFIG_ORIGIN_USER, "user.xml");

  /* The user's profile replaces the global one as a whole: nothing of the
   * global one (port 2200, user admin) shows through. */
  g_assert_cmpstr (shared->host, ==, "sshserver.example.com");
  g_assert_cmpuint (shared->port, ==, 22);
  g_assert_null (shared->user);
  g_assert_cmpuint (shared->line, ==, 9);
}

/* The global configuration is shared and immutable: merging leaves it be. */
static void
test_base_unchanged (void)
{
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = load_user ("user.xml", global);
  BrokerProfile *shared;

  g_assert_true (merged != global);
  g_assert_cmpuint (global->profiles->len, ==, 3);
  g_assert_cmpuint (global->rules->len, ==, 2);
  g_assert_cmpuint (global->known_hosts->len, ==, 1);
  shared = assert_profile (global, 1, "shared", BROKER_CONFIG_ORIGIN_GLOBAL, "global.xml");
  g_assert_cmpstr (shared->host, ==, "example.com");
  g_assert_cmpuint (shared->port, ==, 2200);
  g_assert_null (broker_config_find_profile (global, "inner"));
}

static void
test_rules (void)
{
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = load_user ("user.xml", global);
  BrokerRule *block;

  g_assert_cmpuint (merged->rules->len, ==, 4);
  assert_rule (merged, 0, "25", BROKER_CONFIG_ORIGIN_GLOBAL, "global.xml");
  block = assert_rule (merged, 1, NULL, BROKER_CONFIG_ORIGIN_GLOBAL, "global.xml");
  assert_rule (merged, 2, "143", BROKER_CONFIG_ORIGIN_USER, "user.xml");
  assert_rule (merged, 3, "23", BROKER_CONFIG_ORIGIN_USER, "user.xml");
  g_assert_cmpint (block->action, ==, BROKER_RULE_ACTION_BLOCK);
  g_assert_cmpuint (block->line, ==, 15);
  g_assert_cmpuint (broker_config_count_rules (merged, BROKER_CONFIG_ORIGIN_GLOBAL), ==, 2);
  g_assert_cmpuint (broker_config_count_rules (merged, BROKER_CONFIG_ORIGIN_USER), ==, 2);
}

/* The user's rules and gateways may name the administrator's profiles. */
static void
test_references_into_global (void)
{
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = load_user ("user.xml", global);
  BrokerRule *imap = assert_rule (merged, 2, "143", BROKER_CONFIG_ORIGIN_USER, "user.xml");
  BrokerProfile *inner = assert_profile (merged, 3, "inner", BROKER_CONFIG_ORIGIN_USER,
                                         "user.xml");
  BrokerProfile *gateway;

  g_assert_cmpstr (imap->profile, ==, "gateway");
  g_assert_cmpstr (inner->gateway_profile, ==, "gateway");
  gateway = broker_config_find_profile (merged, "gateway");
  g_assert_nonnull (gateway);
  g_assert_cmpint (gateway->origin, ==, BROKER_CONFIG_ORIGIN_GLOBAL);
}

/* ...but the user's file alone, without the global one, is incomplete. */
static void
test_references_need_global (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) alone = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s:", merge_path ("user.xml"));

  alone = try_load ("user.xml", BROKER_CONFIG_ORIGIN_USER, NULL, &error);
  g_assert_null (alone);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_nonnull (strstr (error->message, "\"gateway\""));
}

static void
test_missing_profile_in_both (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = NULL;
  g_autofree char *expected = NULL;

  merged = try_load ("user-missing-profile.xml", BROKER_CONFIG_ORIGIN_USER, global, &error);
  g_assert_null (merged);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  expected = g_strdup_printf ("%s:6: <rule profile=\"nowhere\">: no such profile",
                              merge_path ("user-missing-profile.xml"));
  g_assert_cmpstr (error->message, ==, expected);
}

/* The user's "hop" → global "outer" → the user's "hop" again. */
static void
test_gateway_loop_across_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) global = load_global ("loop-global.xml");
  g_autoptr(BrokerConfig) merged = NULL;
  g_autofree char *expected = NULL;

  merged = try_load ("loop-user.xml", BROKER_CONFIG_ORIGIN_USER, global, &error);
  g_assert_null (merged);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  expected = g_strdup_printf ("%s:6: profile \"hop\": its gateways form a loop "
                              "(hop → outer → hop)", merge_path ("loop-user.xml"));
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_known_hosts (void)
{
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = load_user ("user.xml", global);

  g_assert_cmpuint (merged->known_hosts->len, ==, 2);
  g_assert_cmpstr (merged->known_hosts->pdata[0], ==, "/etc/ssh/ssh_known_hosts");
  g_assert_cmpstr (merged->known_hosts->pdata[1], ==, "~/.ssh/known_hosts");
}

/* A setting the user's file does not mention stays as the global one has it. */
static void
test_unmentioned_settings (void)
{
  g_autoptr(BrokerConfig) global = load_global ("global.xml");
  g_autoptr(BrokerConfig) merged = load_user ("user.xml", global);

  g_assert_true (merged->capture_enable_at_startup);
  g_assert_cmpint (merged->host_key_policy, ==, BROKER_HOST_KEY_POLICY_ASK);
  g_assert_false (merged->host_key_policy_explicit);
}

typedef struct
{
  const char *global;           /* NULL: no global file at all */
  const char *user;
  BrokerHostKeyPolicy expected;
  gboolean explicit;
} PolicyCase;

static void
test_host_key_policy (gconstpointer data)
{
  const PolicyCase *policy_case = data;
  g_autoptr(BrokerConfig) global = NULL;
  g_autoptr(BrokerConfig) merged = NULL;

  if (policy_case->global != NULL)
    global = load_global (policy_case->global);
  merged = load_user (policy_case->user, global);
  g_assert_cmpstr (broker_host_key_policy_to_string (merged->host_key_policy), ==,
                   broker_host_key_policy_to_string (policy_case->expected));
  g_assert_cmpint (merged->host_key_policy_explicit, ==, policy_case->explicit);
}

/* The more secure of the two wins, whichever file says it. */
static const PolicyCase policy_cases[] = {
  { "policy-strict.xml", "policy-accept-unknown.xml", BROKER_HOST_KEY_POLICY_STRICT, TRUE },
  { "policy-accept-unknown.xml", "policy-strict.xml", BROKER_HOST_KEY_POLICY_STRICT, TRUE },
  { "policy-none.xml", "policy-accept-unknown.xml", BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, TRUE },
  { NULL, "policy-accept-unknown.xml", BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, TRUE },
  { "policy-strict.xml", "policy-none.xml", BROKER_HOST_KEY_POLICY_STRICT, TRUE },
  { "policy-ask.xml", "policy-accept-unknown.xml", BROKER_HOST_KEY_POLICY_ASK, TRUE },
  { "policy-accept-unknown.xml", "policy-ask.xml", BROKER_HOST_KEY_POLICY_ASK, TRUE },
  { "policy-strict.xml", "policy-strict.xml", BROKER_HOST_KEY_POLICY_STRICT, TRUE },
  { "policy-none.xml", "policy-none.xml", BROKER_HOST_KEY_POLICY_ASK, FALSE },
};

static const char * const policy_case_names[] = {
  "strict-over-accept-unknown",
  "accept-unknown-under-strict",
  "unset-global",
  "no-global-file",
  "unset-user",
  "ask-over-accept-unknown",
  "accept-unknown-under-ask",
  "both-strict",
  "neither-set",
};

int
main (int    argc,
      char **argv)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (policy_cases) == G_N_ELEMENTS (policy_case_names));

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/merge/profiles", test_profiles);
  g_test_add_func ("/config/merge/base-unchanged", test_base_unchanged);
  g_test_add_func ("/config/merge/rules", test_rules);
  g_test_add_func ("/config/merge/references-into-global", test_references_into_global);
  g_test_add_func ("/config/merge/references-need-global", test_references_need_global);
  g_test_add_func ("/config/merge/missing-profile-in-both", test_missing_profile_in_both);
  g_test_add_func ("/config/merge/gateway-loop-across-files", test_gateway_loop_across_files);
  g_test_add_func ("/config/merge/known-hosts", test_known_hosts);
  g_test_add_func ("/config/merge/unmentioned-settings", test_unmentioned_settings);
  for (gsize i = 0; i < G_N_ELEMENTS (policy_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/config/merge/host-key-policy/",
                                           policy_case_names[i], NULL);

      g_test_add_data_func (path, &policy_cases[i], test_host_key_policy);
    }

  return g_test_run ();
}
