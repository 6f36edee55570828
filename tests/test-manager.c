// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <string.h>

#include "broker-error.h"
#include "broker-manager.h"
#include "broker-service.h"
#include "burrow-test-broker.h"

typedef struct
{
  char *dir;
  char *global_path;
  char *user_path;
  BrokerManager *manager;
  guint pending;
  guint changes;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("burrow-test-manager-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->global_path = g_build_filename (fixture->dir, "global.xml", NULL);
  fixture->user_path = g_build_filename (fixture->dir, "user", "broker-config.xml", NULL);
  fixture->manager = broker_manager_new (fixture->global_path, fixture->user_path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *user_dir = g_path_get_dirname (fixture->user_path);

  g_assert_finalize_object (fixture->manager);
  g_remove (fixture->user_path);
  g_rmdir (user_dir);
  g_remove (fixture->global_path);
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
  g_free (fixture->global_path);
  g_free (fixture->user_path);
}

static void
write_file (const char *path,
            const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gboolean
nothing_pending (gpointer data)
{
  return ((Fixture *) data)->pending == 0;
}

static void
wait_for_pending (Fixture *fixture)
{
  g_assert_true (burrow_test_wait_until (nothing_pending, fixture, 10000));
}

typedef struct
{
  Fixture *fixture;
  GError **error;
} Call;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Call *call = user_data;
  GAsyncReadyCallback tag = g_task_get_source_tag (G_TASK (result));

  if (tag == (gpointer) broker_manager_reload_async)
    broker_manager_reload_finish (BROKER_MANAGER (source), result, call->error);
  else
    broker_manager_edit_finish (BROKER_MANAGER (source), result, call->error);
  call->fixture->pending--;
  g_free (call);
}

static void
reload (Fixture  *fixture,
        GError  **error)
{
  Call *call = g_new0 (Call, 1);

  call->fixture = fixture;
  call->error = error;
  fixture->pending++;
  broker_manager_reload_async (fixture->manager, NULL, on_done, call);
}

static void
edit (Fixture          *fixture,
      BrokerConfigEdit *change,
      GError          **error)
{
  Call *call = g_new0 (Call, 1);

  call->fixture = fixture;
  call->error = error;
  fixture->pending++;
  broker_manager_edit_async (fixture->manager, change, NULL, on_done, call);
}

static void
on_config_changed (BrokerManager *manager,
                   guint          serial,
                   gpointer       user_data)
{
  ((Fixture *) user_data)->changes++;
}

static void
test_new_destroy (void)
{
  BrokerManager *manager = broker_manager_new ("/nonexistent/g.xml", "/nonexistent/u.xml");
  BrokerService *service = broker_service_new (manager);

  g_assert_cmpuint (broker_manager_get_serial (manager), ==, 0);
  g_assert_finalize_object (service);
  g_assert_finalize_object (manager);
}

static void
test_missing_files_are_empty (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BrokerConfig *config;

  reload (fixture, &error);
  wait_for_pending (fixture);
  g_assert_no_error (error);
  config = broker_manager_get_config (fixture->manager);
  g_assert_cmpuint (config->profiles->len, ==, 0);
  g_assert_cmpuint (broker_manager_get_serial (fixture->manager), ==, 1);
  g_assert_cmpuint (g_strv_length ((char **) broker_manager_get_errors (fixture->manager)), ==, 0);
}

static void
test_broken_reload_keeps_config (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("%s:2: ", fixture->global_path);
  const char * const *errors;

  write_file (fixture->user_path, "<secsh-broker><profiles><profile id=\"a\" host=\"a.example.com\"/>"
              "</profiles></secsh-broker>");
  reload (fixture, &error);
  wait_for_pending (fixture);
  g_assert_no_error (error);

  /* A broken global file is refused as well; the user's profile stays. */
  write_file (fixture->global_path, "<secsh-broker>\n<general><host-key-policy policy=\"lax\"/>"
              "</general></secsh-broker>");
  reload (fixture, &error);
  wait_for_pending (fixture);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, expected));
  errors = broker_manager_get_errors (fixture->manager);
  g_assert_cmpuint (g_strv_length ((char **) errors), ==, 1);
  g_assert_cmpstr (errors[0], ==, error->message);
  g_assert_nonnull (broker_config_find_profile (broker_manager_get_config (fixture->manager), "a"));
  g_assert_cmpuint (broker_manager_get_serial (fixture->manager), ==, 1);
}

static BrokerConfigEdit *
save_profile (const char *id)
{
  g_autoptr(BrokerProfile) profile = broker_profile_new (id);

  profile->host = g_strdup_printf ("%s.example.com", id);
  return broker_config_edit_new_save_profile (profile);
}

/* Edits queued back to back run one after the other, each on the file the
 * previous one wrote: none is lost. */
static void
test_edits_in_order (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GError) e4 = NULL;
  g_autofree char *contents = NULL;
  BrokerConfig *config;

  g_signal_connect (fixture->manager, "config-changed", G_CALLBACK (on_config_changed), fixture);
  edit (fixture, save_profile ("one"), &e1);
  edit (fixture, save_profile ("two"), &e2);
  edit (fixture, broker_config_edit_new_delete_profile ("one"), &e3);
  edit (fixture, save_profile ("three"), &e4);
  wait_for_pending (fixture);
  g_assert_no_error (e1);
  g_assert_no_error (e2);
  g_assert_no_error (e3);
  g_assert_no_error (e4);
  g_assert_cmpuint (fixture->changes, ==, 4);

  config = broker_manager_get_config (fixture->manager);
  g_assert_cmpuint (config->profiles->len, ==, 2);
  g_assert_cmpstr (((BrokerProfile *) config->profiles->pdata[0])->id, ==, "two");
  g_assert_cmpstr (((BrokerProfile *) config->profiles->pdata[1])->id, ==, "three");
  g_assert_true (g_file_get_contents (fixture->user_path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "id=\"one\""));
  g_assert_nonnull (strstr (contents, "id=\"three\""));
}

static void
test_refused_edit_leaves_file (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerProfile) profile = broker_profile_new ("loop");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char original[] = "<secsh-broker>\n  <!-- mine -->\n</secsh-broker>\n";

  write_file (fixture->user_path, original);
  profile->host = g_strdup ("loop.example.com");
  profile->gateway_profile = g_strdup ("loop");
  edit (fixture, broker_config_edit_new_save_profile (profile), &error);
  wait_for_pending (fixture);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "loop"));
  g_assert_true (g_file_get_contents (fixture->user_path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, original);
  /* A refused edit is the caller's error, not a broken file. */
  g_assert_cmpuint (g_strv_length ((char **) broker_manager_get_errors (fixture->manager)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broker/manager/new-destroy", test_new_destroy);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/broker/manager/missing-files-are-empty", test_missing_files_are_empty);
  ADD ("/broker/manager/broken-reload-keeps-config", test_broken_reload_keeps_config);
  ADD ("/broker/manager/edits-in-order", test_edits_in_order);
  ADD ("/broker/manager/refused-edit-leaves-file", test_refused_edit_leaves_file);
#undef ADD
  return g_test_run ();
}
