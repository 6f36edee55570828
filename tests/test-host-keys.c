// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <string.h>

#include "broker-error.h"
#include "broker-host-keys.h"

typedef struct
{
  char *dir;
  char *file;
  char *other_file;
  ssh_key server;      /* the key the "server" offers */
  ssh_key impostor;    /* another ed25519 key */
  ssh_key rsa;         /* a key of another type */
} Fixture;

static ssh_key
generate (enum ssh_keytypes_e type,
          int                 bits)
{
  ssh_key key = NULL;

  g_assert_cmpint (ssh_pki_generate (type, bits, &key), ==, SSH_OK);
  return key;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->dir = g_dir_make_tmp ("burrow-test-host-keys-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->file = g_build_filename (fixture->dir, "known_hosts", NULL);
  fixture->other_file = g_build_filename (fixture->dir, "other_known_hosts", NULL);
  fixture->server = generate (SSH_KEYTYPE_ED25519, 0);
  fixture->impostor = generate (SSH_KEYTYPE_ED25519, 0);
  fixture->rsa = generate (SSH_KEYTYPE_RSA, 2048);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *nested = g_build_filename (fixture->dir, "new", "dir", "known_hosts", NULL);
  g_autofree char *nested_dir = g_path_get_dirname (nested);
  g_autofree char *nested_parent = g_path_get_dirname (nested_dir);

  g_remove (nested);
  g_rmdir (nested_dir);
  g_rmdir (nested_parent);
  g_remove (fixture->file);
  g_remove (fixture->other_file);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  ssh_key_free (fixture->server);
  ssh_key_free (fixture->impostor);
  ssh_key_free (fixture->rsa);
  g_free (fixture->dir);
  g_free (fixture->file);
  g_free (fixture->other_file);
}

static BrokerHostKeyResult *
check (Fixture *fixture,
       ssh_key  key,
       guint16  port)
{
  const char *files[] = { fixture->other_file, fixture->file, NULL };
  g_autoptr(GError) error = NULL;
  BrokerHostKeyResult *result = broker_host_keys_check (key, "server.example.com", port, files,
                                                        &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static void
save (Fixture    *fixture,
      ssh_key     key,
      const char *file,
      guint16     port)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (broker_host_keys_save (key, "server.example.com", port, file, &error));
  g_assert_no_error (error);
}

static void
test_unknown_then_saved (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BrokerHostKeyResult) before = check (fixture, fixture->server, 2222);
  g_autoptr(BrokerHostKeyResult) after = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *fingerprint = broker_host_keys_fingerprint (fixture->server);

  g_assert_cmpint (before->status, ==, BROKER_HOST_KEY_UNKNOWN);
  g_assert_cmpstr (before->host, ==, "[server.example.com]:2222");
  g_assert_cmpstr (before->key_type, ==, "ssh-ed25519");
  g_assert_cmpstr (before->fingerprint, ==, fingerprint);
  g_assert_true (g_str_has_prefix (fingerprint, "SHA256:"));

  save (fixture, fixture->server, fixture->file, 2222);
  after = check (fixture, fixture->server, 2222);
  g_assert_cmpint (after->status, ==, BROKER_HOST_KEY_KNOWN);
  g_assert_cmpstr (after->known_file, ==, fixture->file);
  g_assert_cmpuint (after->known_line, ==, 1);

  /* OpenSSH's format: one line, "[host]:port type base64". */
  g_assert_true (g_file_get_contents (fixture->file, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "[server.example.com]:2222 ssh-ed25519 AAAA"));
  g_assert_true (g_str_has_suffix (contents, "\n"));
  g_assert_cmpuint (strchr (contents, '\n') - contents + 1, ==, strlen (contents));
}

static void
test_port_22_is_plain_host (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BrokerHostKeyResult) other_port = NULL;
  g_autoptr(BrokerHostKeyResult) result = NULL;
  g_autofree char *contents = NULL;

  save (fixture, fixture->server, fixture->file, 22);
  g_assert_true (g_file_get_contents (fixture->file, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "server.example.com ssh-ed25519 "));
  result = check (fixture, fixture->server, 22);
  g_assert_cmpint (result->status, ==, BROKER_HOST_KEY_KNOWN);
  /* The same host on another port is another entry, as in OpenSSH. */
  other_port = check (fixture, fixture->server, 2222);
  g_assert_cmpint (other_port->status, ==, BROKER_HOST_KEY_UNKNOWN);
}

static void
test_changed_key (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(BrokerHostKeyResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *offered = broker_host_keys_fingerprint (fixture->impostor);
  g_autofree char *known = broker_host_keys_fingerprint (fixture->server);
  g_autofree char *where = NULL;

  g_assert_true (g_file_set_contents (fixture->file, "# my hosts\n\n", -1, NULL));
  save (fixture, fixture->server, fixture->file, 2222);
  result = check (fixture, fixture->impostor, 2222);
  g_assert_cmpint (result->status, ==, BROKER_HOST_KEY_CHANGED);
  g_assert_cmpstr (result->fingerprint, ==, offered);
  g_assert_cmpstr (result->known_fingerprint, ==, known);
  g_assert_cmpuint (result->known_line, ==, 3);

  for (BrokerHostKeyPolicy policy = BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN;
       policy <= BROKER_HOST_KEY_POLICY_STRICT; policy++)
    g_assert_cmpint (broker_host_keys_decide (policy, result->status), ==, BROKER_HOST_KEY_REFUSE);

  broker_host_keys_set_refusal (result, BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_HOST_KEY_REFUSED);
  where = g_strdup_printf ("%s:3", fixture->file);
  g_assert_nonnull (strstr (error->message, offered));
  g_assert_nonnull (strstr (error->message, known));
  g_assert_nonnull (strstr (error->message, where));
}

static void
test_other_type (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(BrokerHostKeyResult) result = NULL;
  g_autoptr(GError) error = NULL;

  save (fixture, fixture->rsa, fixture->file, 2222);
  result = check (fixture, fixture->server, 2222);
  g_assert_cmpint (result->status, ==, BROKER_HOST_KEY_OTHER_TYPE);
  g_assert_cmpstr (result->known_key_type, ==, "ssh-rsa");
  g_assert_cmpint (broker_host_keys_decide (BROKER_HOST_KEY_POLICY_ASK, result->status), ==,
                   BROKER_HOST_KEY_REFUSE);
  broker_host_keys_set_refusal (result, BROKER_HOST_KEY_POLICY_ASK, &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_HOST_KEY_REFUSED);
  g_assert_nonnull (strstr (error->message, "ssh-rsa"));
  g_assert_nonnull (strstr (error->message, result->fingerprint));
  g_assert_nonnull (strstr (error->message, result->known_fingerprint));
}

/* A good entry in a later file wins over a stale one in an earlier file. */
static void
test_match_in_any_file (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(BrokerHostKeyResult) result = NULL;

  save (fixture, fixture->impostor, fixture->other_file, 2222);
  save (fixture, fixture->server, fixture->file, 2222);
  result = check (fixture, fixture->server, 2222);
  g_assert_cmpint (result->status, ==, BROKER_HOST_KEY_KNOWN);
  g_assert_cmpstr (result->known_file, ==, fixture->file);
  g_assert_null (result->known_fingerprint);
}

static void
test_save_appends_on_own_line (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(BrokerHostKeyResult) result = NULL;
  g_autofree char *nested = g_build_filename (fixture->dir, "new", "dir", "known_hosts", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_set_contents (fixture->file, "other.example.com ssh-ed25519 AAAAxx", -1,
                                      NULL));
  save (fixture, fixture->server, fixture->file, 2222);
  g_assert_true (g_file_get_contents (fixture->file, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "other.example.com ssh-ed25519 AAAAxx");
  g_assert_true (g_str_has_prefix (lines[1], "[server.example.com]:2222 "));

  /* Missing directories are created. */
  save (fixture, fixture->server, nested, 2222);
  g_assert_true (g_file_test (nested, G_FILE_TEST_IS_REGULAR));
}

static void
test_decide_table (void)
{
  const struct
  {
    BrokerHostKeyPolicy policy;
    BrokerHostKeyStatus status;
    BrokerHostKeyDecision expected;
  } table[] = {
    { BROKER_HOST_KEY_POLICY_STRICT, BROKER_HOST_KEY_KNOWN, BROKER_HOST_KEY_ACCEPT },
    { BROKER_HOST_KEY_POLICY_ASK, BROKER_HOST_KEY_KNOWN, BROKER_HOST_KEY_ACCEPT },
    { BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, BROKER_HOST_KEY_KNOWN, BROKER_HOST_KEY_ACCEPT },
    { BROKER_HOST_KEY_POLICY_STRICT, BROKER_HOST_KEY_UNKNOWN, BROKER_HOST_KEY_REFUSE },
    { BROKER_HOST_KEY_POLICY_ASK, BROKER_HOST_KEY_UNKNOWN, BROKER_HOST_KEY_ASK },
    { BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, BROKER_HOST_KEY_UNKNOWN,
      BROKER_HOST_KEY_ACCEPT_WITHOUT_SAVING },
    { BROKER_HOST_KEY_POLICY_STRICT, BROKER_HOST_KEY_CHANGED, BROKER_HOST_KEY_REFUSE },
    { BROKER_HOST_KEY_POLICY_ASK, BROKER_HOST_KEY_CHANGED, BROKER_HOST_KEY_REFUSE },
    { BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, BROKER_HOST_KEY_CHANGED, BROKER_HOST_KEY_REFUSE },
    { BROKER_HOST_KEY_POLICY_STRICT, BROKER_HOST_KEY_OTHER_TYPE, BROKER_HOST_KEY_REFUSE },
    { BROKER_HOST_KEY_POLICY_ASK, BROKER_HOST_KEY_OTHER_TYPE, BROKER_HOST_KEY_REFUSE },
    { BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN, BROKER_HOST_KEY_OTHER_TYPE, BROKER_HOST_KEY_REFUSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpint (broker_host_keys_decide (table[i].policy, table[i].status), ==,
                     table[i].expected);
}

static void
test_expand_path (void)
{
  g_autofree char *home = broker_host_keys_expand_path ("~/.ssh/known_hosts");
  g_autofree char *expected = g_build_filename (g_get_home_dir (), ".ssh", "known_hosts", NULL);
  g_autofree char *absolute = broker_host_keys_expand_path ("/etc/ssh/ssh_known_hosts");
  g_autofree char *other_user = broker_host_keys_expand_path ("~bob/known_hosts");

  g_assert_cmpstr (home, ==, expected);
  g_assert_cmpstr (absolute, ==, "/etc/ssh/ssh_known_hosts");
  g_assert_cmpstr (other_user, ==, "~bob/known_hosts");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/host-keys/decide-table", test_decide_table);
  g_test_add_func ("/broker/host-keys/expand-path", test_expand_path);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/broker/host-keys/unknown-then-saved", test_unknown_then_saved);
  ADD ("/broker/host-keys/port-22-is-plain-host", test_port_22_is_plain_host);
  ADD ("/broker/host-keys/changed-key", test_changed_key);
  ADD ("/broker/host-keys/other-type", test_other_type);
  ADD ("/broker/host-keys/match-in-any-file", test_match_in_any_file);
  ADD ("/broker/host-keys/save-appends-on-own-line", test_save_appends_on_own_line);
#undef ADD
  return g_test_run ();
}
