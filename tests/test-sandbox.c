// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-sandbox.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Telling sandboxed programs by the .flatpak-info at their root: against
 * fake roots (temporary directories), and against this test's own process,
 * which runs unsandboxed. */

typedef struct
{
  char *root;
  char *info;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->root = g_dir_make_tmp ("burrow-sandbox-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->info = g_build_filename (fixture->root, ".flatpak-info", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_unlink (fixture->info);
  g_rmdir (fixture->info);
  g_assert_cmpint (g_rmdir (fixture->root), ==, 0);
  g_free (fixture->info);
  g_free (fixture->root);
}

static void
write_info (Fixture    *fixture,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fixture->info, text, -1, &error);
  g_assert_no_error (error);
}

static void
assert_sandbox (Fixture    *fixture,
                const char *expected)
{
  g_autofree char *sandbox = broker_sandbox_inspect_root (fixture->root);

  g_assert_cmpstr (sandbox, ==, expected);
}

static void
test_no_info (Fixture       *fixture,
              gconstpointer  data)
{
  assert_sandbox (fixture, NULL);
}

static void
test_flatpak_app (Fixture       *fixture,
                  gconstpointer  data)
{
  write_info (fixture,
              "[Application]\n"
              "name=org.example.Editor\n"
              "runtime=runtime/org.gnome.Platform/x86_64/45\n"
              "\n"
              "[Instance]\n"
              "instance-id=1234567\n");
  assert_sandbox (fixture, "org.example.Editor");
}

/* A sandbox that does not say which application it is: still a sandbox. */
static void
test_no_app_name (Fixture       *fixture,
                  gconstpointer  data)
{
  write_info (fixture, "[Runtime]\nruntime=runtime/org.gnome.Platform/x86_64/45\n");
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
}

static void
test_unparsable (Fixture       *fixture,
                 gconstpointer  data)
{
  write_info (fixture, "name=org.example.Editor without a group\n\x01\x02");
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
}

static void
test_empty_file (Fixture       *fixture,
                 gconstpointer  data)
{
  write_info (fixture, "");
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
}

/* A name that could pass for part of a session id ("sandbox:APP:ID") or a
 * path is no application id. */
static void
test_invalid_app_id (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *names[] = { "org.example:gateway", "../../etc", "org.example Editor", "", NULL };

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *text = g_strdup_printf ("[Application]\nname=%s\n", names[i]);

      write_info (fixture, text);
      assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
    }
}

/* Not a regular file: a directory, a FIFO (never opened for a blocking
 * read), a symbolic link (never followed) all mean a sandbox. */
static void
test_not_a_file (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *target = g_build_filename (fixture->root, "target", NULL);

  g_assert_cmpint (g_mkdir (fixture->info, 0700), ==, 0);
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
  g_assert_cmpint (g_rmdir (fixture->info), ==, 0);

  g_assert_cmpint (mkfifo (fixture->info, 0600), ==, 0);
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
  g_assert_cmpint (g_unlink (fixture->info), ==, 0);

  g_assert_true (g_file_set_contents (target, "[Application]\nname=org.example.Editor\n", -1,
                                      NULL));
  g_assert_cmpint (symlink (target, fixture->info), ==, 0);
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
  g_unlink (target);
}

static void
test_too_large (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new ("[Application]\nname=org.example.Editor\n");

  while (text->len <= 64 * 1024)
    g_string_append (text, "# padding padding padding padding padding padding padding\n");
  write_info (fixture, text->str);
  assert_sandbox (fixture, BROKER_SANDBOX_UNKNOWN_APP);
}

/* A root that cannot be opened (the process is gone): fail-closed. */
static void
test_missing_root (void)
{
  g_autofree char *sandbox = broker_sandbox_inspect_root ("/nonexistent/burrow-root");

  g_assert_cmpstr (sandbox, ==, BROKER_SANDBOX_UNKNOWN_APP);
}

/* This very process, through a socket pair (its peer is itself): not
 * sandboxed.  The test does not run in a Flatpak sandbox. */
static void
test_peer_unsandboxed (void)
{
  g_autofree char *sandbox = NULL;
  int pair[2];

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this test runs in a sandbox");
      return;
    }
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  sandbox = broker_sandbox_inspect_peer (pair[0], getpid ());
  g_assert_null (sandbox);
  close (pair[0]);
  close (pair[1]);
}

/* A pid that no longer names a process (a child that ended and was
 * reaped): what it was cannot be told, so it counts as a sandbox. */
static void
test_peer_gone (void)
{
  g_autofree char *sandbox = NULL;
  int pair[2];
  pid_t child = fork ();

  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    _exit (0);
  g_assert_cmpint (waitpid (child, NULL, 0), ==, child);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  sandbox = broker_sandbox_inspect_peer (pair[0], child);
  g_assert_cmpstr (sandbox, ==, BROKER_SANDBOX_UNKNOWN_APP);
  close (pair[0]);
  close (pair[1]);
}

static void
test_app_id_validity (void)
{
  g_assert_true (broker_sandbox_app_id_is_valid ("org.example.Editor"));
  g_assert_true (broker_sandbox_app_id_is_valid ("io.github.some_one.App-2"));
  g_assert_false (broker_sandbox_app_id_is_valid (""));
  g_assert_false (broker_sandbox_app_id_is_valid ("a:b"));
  g_assert_false (broker_sandbox_app_id_is_valid ("a/b"));
  g_assert_false (broker_sandbox_app_id_is_valid (BROKER_SANDBOX_UNKNOWN_APP));
}

static void
test_session_id (void)
{
  g_autofree char *plain = broker_sandbox_session_id (NULL, "gateway");
  g_autofree char *app = broker_sandbox_session_id ("org.example.Editor", "gateway");
  g_autofree char *other = broker_sandbox_session_id ("org.example.Viewer", "gateway");
  g_autofree char *host = broker_sandbox_session_id ("org.example.Editor",
                                                     "capture:template@db.example");
  g_autofree char *unknown = broker_sandbox_session_id (BROKER_SANDBOX_UNKNOWN_APP, "gateway");

  g_assert_cmpstr (plain, ==, "gateway");
  g_assert_cmpstr (app, ==, "sandbox:org.example.Editor:gateway");
  g_assert_cmpstr (other, ==, "sandbox:org.example.Viewer:gateway");
  g_assert_cmpstr (host, ==, "sandbox:org.example.Editor:capture:template@db.example");
  g_assert_cmpstr (unknown, ==, "sandbox:(unknown):gateway");
}

static void
add_root_test (const char *path,
               void      (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  add_root_test ("/broker/sandbox/no-info", test_no_info);
  add_root_test ("/broker/sandbox/flatpak-app", test_flatpak_app);
  add_root_test ("/broker/sandbox/no-app-name", test_no_app_name);
  add_root_test ("/broker/sandbox/unparsable", test_unparsable);
  add_root_test ("/broker/sandbox/empty-file", test_empty_file);
  add_root_test ("/broker/sandbox/invalid-app-id", test_invalid_app_id);
  add_root_test ("/broker/sandbox/not-a-file", test_not_a_file);
  add_root_test ("/broker/sandbox/too-large", test_too_large);
  g_test_add_func ("/broker/sandbox/missing-root", test_missing_root);
  g_test_add_func ("/broker/sandbox/peer-unsandboxed", test_peer_unsandboxed);
  g_test_add_func ("/broker/sandbox/peer-gone", test_peer_gone);
  g_test_add_func ("/broker/sandbox/app-id-validity", test_app_id_validity);
  g_test_add_func ("/broker/sandbox/session-id", test_session_id);
  return g_test_run ();
}
