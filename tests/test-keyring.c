// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <string.h>

#include "broker-error.h"
#include "broker-keyring.h"

/* libsecret's file backend (SECRET_BACKEND=file, set in main ()) stands in
 * for a Secret Service, so no daemon is needed.  libsecret picks and caches
 * its backend once per process, so every test shares one keyring file and
 * uses accounts of its own. */

#define TIMEOUT_SECONDS 30

typedef struct
{
  GMainLoop *loop;
  GAsyncResult *result;
  gboolean timed_out;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_null (fixture->result);
  g_main_loop_unref (fixture->loop);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
  g_main_loop_quit (fixture->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Fixture *fixture = user_data;

  fixture->timed_out = TRUE;
  g_main_loop_quit (fixture->loop);
  return G_SOURCE_REMOVE;
}

/* The result of the call just started; the test fails if none comes in time. */
static GAsyncResult *
wait_for_result (Fixture *fixture)
{
  guint timeout_id = g_timeout_add_seconds (TIMEOUT_SECONDS, on_timeout, fixture);

  g_main_loop_run (fixture->loop);
  g_assert_false (fixture->timed_out);
  g_source_remove (timeout_id);
  return g_steal_pointer (&fixture->result);
}

static char *
lookup (Fixture     *fixture,
        const char  *profile,
        const char  *host,
        const char  *user,
        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  broker_keyring_lookup_async (profile, host, user, NULL, on_done, fixture);
  result = wait_for_result (fixture);
  return broker_keyring_lookup_finish (result, error);
}

static void
assert_lookup (Fixture    *fixture,
               const char *profile,
               const char *host,
               const char *user,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *password = lookup (fixture, profile, host, user, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, expected);
  broker_keyring_password_free (password);
}

static void
store (Fixture    *fixture,
       const char *profile,
       const char *host,
       const char *user,
       const char *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  broker_keyring_store_async (profile, host, user, password, NULL, on_done, fixture);
  result = wait_for_result (fixture);
  g_assert_true (broker_keyring_store_finish (result, &error));
  g_assert_no_error (error);
}

static void
clear (Fixture    *fixture,
       const char *profile,
       const char *host,
       const char *user)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  broker_keyring_clear_async (profile, host, user, NULL, on_done, fixture);
  result = wait_for_result (fixture);
  g_assert_true (broker_keyring_clear_finish (result, &error));
  g_assert_no_error (error);
}

/* The items libsecret holds for one account, straight from libsecret. */
static GList *
search (Fixture    *fixture,
        const char *profile,
        const char *host,
        const char *user)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GList *items;

  secret_password_search (broker_keyring_get_schema (), SECRET_SEARCH_ALL, NULL,
                          on_done, fixture,
                          "profile", profile, "host", host, "user", user, NULL);
  result = wait_for_result (fixture);
  items = secret_password_search_finish (result, &error);
  g_assert_no_error (error);
  return items;
}

/* A key's passphrase: its own item, found by the key file alone. */
static char *
lookup_passphrase (Fixture    *fixture,
                   const char *identity_file)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *secret;
  char *copy;

  broker_keyring_lookup_passphrase_async (identity_file, NULL, on_done, fixture);
  result = wait_for_result (fixture);
  secret = broker_keyring_lookup_finish (result, &error);
  g_assert_no_error (error);
  copy = g_strdup (secret);
  broker_keyring_password_free (secret);
  return copy;
}

static void
test_passphrase (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GAsyncResult) stored = NULL;
  g_autoptr(GAsyncResult) cleared = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *other = NULL;
  g_autofree char *gone = NULL;
  GList *items;

  store (fixture, "keys", "keys.example.com", "erin", "erin's password");
  broker_keyring_store_passphrase_async ("/home/erin/.ssh/id_ed25519", "erin's passphrase", NULL,
                                         on_done, fixture);
  stored = wait_for_result (fixture);
  g_assert_true (broker_keyring_store_finish (stored, &error));
  g_assert_no_error (error);

  found = lookup_passphrase (fixture, "/home/erin/.ssh/id_ed25519");
  g_assert_cmpstr (found, ==, "erin's passphrase");
  other = lookup_passphrase (fixture, "/home/erin/.ssh/id_rsa");
  g_assert_null (other);
  /* Not a password of any account, and the password is not a passphrase. */
  items = search (fixture, "keys", "keys.example.com", "erin");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
  assert_lookup (fixture, "keys", "keys.example.com", "erin", "erin's password");

  broker_keyring_clear_passphrase_async ("/home/erin/.ssh/id_ed25519", NULL, on_done, fixture);
  cleared = wait_for_result (fixture);
  g_assert_true (broker_keyring_clear_finish (cleared, &error));
  g_assert_no_error (error);
  gone = lookup_passphrase (fixture, "/home/erin/.ssh/id_ed25519");
  g_assert_null (gone);
  assert_lookup (fixture, "keys", "keys.example.com", "erin", "erin's password");
}

static void
test_schema (void)
{
  const SecretSchema *schema = broker_keyring_get_schema ();

  g_assert_cmpstr (schema->name, ==, "io.github.burrow.Burrow.Password");
  g_assert_cmpstr (schema->attributes[0].name, ==, "profile");
  g_assert_cmpstr (schema->attributes[1].name, ==, "host");
  g_assert_cmpstr (schema->attributes[2].name, ==, "user");
  g_assert_null (schema->attributes[3].name);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (schema->attributes[i].type, ==, SECRET_SCHEMA_ATTRIBUTE_STRING);

  schema = broker_keyring_get_passphrase_schema ();
  g_assert_cmpstr (schema->name, ==, "io.github.burrow.Burrow.Passphrase");
  g_assert_cmpstr (schema->attributes[0].name, ==, "identity-file");
  g_assert_null (schema->attributes[1].name);
}

static void
test_lookup_nothing_stored (Fixture       *fixture,
                            gconstpointer  data)
{
  assert_lookup (fixture, "empty", "nowhere.example.com", "nobody", NULL);
}

static void
test_store_then_lookup (Fixture       *fixture,
                        gconstpointer  data)
{
  store (fixture, "work", "ssh.example.com", "alice", "correct horse battery staple");
  assert_lookup (fixture, "work", "ssh.example.com", "alice", "correct horse battery staple");
}

static void
test_other_accounts_do_not_see_it (Fixture       *fixture,
                                   gconstpointer  data)
{
  store (fixture, "mine", "mine.example.com", "bob", "bob's password");
  assert_lookup (fixture, "theirs", "mine.example.com", "bob", NULL);
  assert_lookup (fixture, "mine", "theirs.example.com", "bob", NULL);
  assert_lookup (fixture, "mine", "mine.example.com", "carol", NULL);
  assert_lookup (fixture, "mine", "mine.example.com", "bob", "bob's password");
}

static void
test_store_replaces (Fixture       *fixture,
                     gconstpointer  data)
{
  GList *items;

  store (fixture, "replace", "replace.example.com", "dave", "first");
  store (fixture, "replace", "replace.example.com", "dave", "second");
  assert_lookup (fixture, "replace", "replace.example.com", "dave", "second");

  items = search (fixture, "replace", "replace.example.com", "dave");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);
}

static void
test_label (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *label = NULL;
  GList *items;

  store (fixture, "labelled", "label.example.com", "erin", "secret");
  items = search (fixture, "labelled", "label.example.com", "erin");
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_object_get (items->data, "label", &label, NULL);
  g_assert_cmpstr (label, ==, "Burrow: erin@label.example.com (profile labelled)");
  g_list_free_full (items, g_object_unref);
}

static void
test_clear_then_lookup (Fixture       *fixture,
                        gconstpointer  data)
{
  store (fixture, "clear", "clear.example.com", "frank", "to be forgotten");
  store (fixture, "clear", "clear.example.com", "grace", "to be kept");
  clear (fixture, "clear", "clear.example.com", "frank");
  assert_lookup (fixture, "clear", "clear.example.com", "frank", NULL);
  assert_lookup (fixture, "clear", "clear.example.com", "grace", "to be kept");
}

static void
test_clear_nothing_stored (Fixture       *fixture,
                           gconstpointer  data)
{
  clear (fixture, "never", "never.example.com", "heidi");
  clear (fixture, "never", "never.example.com", "heidi");
}

static void
assert_not_in_file (const char *path,
                    const char *text)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 0);
  g_assert_null (memmem (contents, length, text, strlen (text)));
}

static void
test_file_has_no_clear_text (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *password = "Xq7-unmistakable-password-9Zk";
  const char *path = g_getenv ("SECRET_FILE_TEST_PATH");
  g_autofree char *backup = g_strconcat (path, "~", NULL);

  store (fixture, "file", "file.example.com", "ivan", "an older password");
  store (fixture, "file", "file.example.com", "ivan", password);
  assert_not_in_file (path, password);
  /* libsecret keeps the previous version of the file as FILE~. */
  if (g_file_test (backup, G_FILE_TEST_EXISTS))
    assert_not_in_file (backup, "an older password");
  /* The lookup still finds it, so the bytes checked are the right file's. */
  assert_lookup (fixture, "file", "file.example.com", "ivan", password);
}

static void
test_not_utf8 (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  /* libsecret itself would only warn and never call back. */
  password = lookup (fixture, "bad", "bad\xff.example.com", "judy", &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  g_assert_null (password);
  g_clear_error (&error);

  broker_keyring_store_async ("bad", "bad.example.com", "judy", "pass\xffword", NULL,
                              on_done, fixture);
  result = wait_for_result (fixture);
  g_assert_false (broker_keyring_store_finish (result, &error));
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *password;

  store (fixture, "cancel", "cancel.example.com", "mallory", "never read");
  g_cancellable_cancel (cancellable);
  broker_keyring_lookup_async ("cancel", "cancel.example.com", "mallory", cancellable,
                               on_done, fixture);
  result = wait_for_result (fixture);
  password = broker_keyring_lookup_finish (result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (password);
}

/* In a subprocess, as libsecret's choice of backend is made once: the
 * Secret Service backend on a private bus where nothing provides
 * org.freedesktop.secrets. */
static void
run_without_service (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  char *password;

  g_setenv ("SECRET_BACKEND", "service", TRUE);
  g_test_dbus_up (bus);
  fixture_set_up (&fixture, NULL);
  password = lookup (&fixture, "down", "down.example.com", "oscar", &error);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "cannot read the keyring: no Secret Service (such as GNOME Keyring) is running");
  g_assert_null (password);
  fixture_tear_down (&fixture, NULL);
  g_test_dbus_down (bus);
}

static void
test_no_service (void)
{
  if (g_test_subprocess ())
    {
      run_without_service ();
      return;
    }
  g_test_trap_subprocess (NULL, (TIMEOUT_SECONDS + 10) * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* The keyring file and whatever libsecret left beside it (a "~" backup). */
static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("burrow-test-keyring-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "keyring", NULL);
  int status;

  /* Before anything touches libsecret. */
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", file, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "burrow-test-keyring-master-password", TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/keyring/schema", test_schema);
  g_test_add_func ("/broker/keyring/no-service", test_no_service);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/broker/keyring/lookup-nothing-stored", test_lookup_nothing_stored);
  ADD ("/broker/keyring/store-then-lookup", test_store_then_lookup);
  ADD ("/broker/keyring/other-accounts-do-not-see-it", test_other_accounts_do_not_see_it);
  ADD ("/broker/keyring/store-replaces", test_store_replaces);
  ADD ("/broker/keyring/label", test_label);
  ADD ("/broker/keyring/clear-then-lookup", test_clear_then_lookup);
  ADD ("/broker/keyring/clear-nothing-stored", test_clear_nothing_stored);
  ADD ("/broker/keyring/file-has-no-clear-text", test_file_has_no_clear_text);
  ADD ("/broker/keyring/not-utf8", test_not_utf8);
  ADD ("/broker/keyring/cancelled", test_cancelled);
  ADD ("/broker/keyring/passphrase", test_passphrase);
#undef ADD
  g_assert_nonnull (dir);
  status = g_test_run ();
  remove_dir (dir);
  return status;
}
