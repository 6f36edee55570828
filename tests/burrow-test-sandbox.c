// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-sandbox.h"

#include "burrow-test-tool.h"

#define USABLE_TIMEOUT_S 30

static void
add_bind (GPtrArray  *argv,
          const char *how,
          const char *source,
          const char *target)
{
  g_ptr_array_add (argv, g_strdup (how));
  g_ptr_array_add (argv, g_strdup (source));
  g_ptr_array_add (argv, g_strdup (target));
}

/* The host's /bin, /lib… as they are: symbolic links into /usr (merged
 * /usr) or directories of their own. */
static void
add_root_directories (GPtrArray *argv)
{
  const char *names[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *target = g_file_read_link (names[i], NULL);

      if (target != NULL)
        {
          g_ptr_array_add (argv, g_strdup ("--symlink"));
          g_ptr_array_add (argv, g_steal_pointer (&target));
          g_ptr_array_add (argv, g_strdup (names[i]));
        }
      else if (g_file_test (names[i], G_FILE_TEST_IS_DIR))
        {
          add_bind (argv, "--ro-bind", names[i], names[i]);
        }
    }
}

/* In a sanitizer build (tests/meson.build sets their options): the
 * suppressions, which ThreadSanitizer reads at start-up and dies without,
 * and the report files' directory, writable, so that a sandboxed
 * burrow-capture runs and reports like any other program. */
static void
add_sanitizer_directories (GPtrArray *argv)
{
  g_autofree char *suppressions = NULL;
  g_autofree char *reports = NULL;

  if (g_getenv ("TSAN_OPTIONS") == NULL && g_getenv ("ASAN_OPTIONS") == NULL)
    return;
  suppressions = g_build_filename (g_getenv ("BURROW_SOURCE_ROOT"), "tests", "sanitizers", NULL);
  reports = g_build_filename (g_getenv ("BURROW_BUILD_ROOT"), "tests", NULL);
  add_bind (argv, "--ro-bind", suppressions, suppressions);
  add_bind (argv, "--bind", reports, reports);
}

void
burrow_test_sandbox_add_argv (GPtrArray  *argv,
                              const char *dir,
                              const char *app_id)
{
  g_autofree char *info = g_strdup_printf ("[Application]\nname=%s\n", app_id);
  g_autofree char *info_path = g_strdup_printf ("%s/flatpak-info-%s", dir, app_id);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (info_path, info, -1, &error);
  g_assert_no_error (error);
  g_ptr_array_add (argv, g_strdup ("bwrap"));
  g_ptr_array_add (argv, g_strdup ("--die-with-parent"));
  g_ptr_array_add (argv, g_strdup ("--tmpfs"));
  g_ptr_array_add (argv, g_strdup ("/"));
  add_bind (argv, "--ro-bind", "/usr", "/usr");
  add_root_directories (argv);
  add_bind (argv, "--ro-bind", "/etc", "/etc");
  g_ptr_array_add (argv, g_strdup ("--proc"));
  g_ptr_array_add (argv, g_strdup ("/proc"));
  g_ptr_array_add (argv, g_strdup ("--dev"));
  g_ptr_array_add (argv, g_strdup ("/dev"));
  add_bind (argv, "--bind", dir, dir);
  add_bind (argv, "--ro-bind", g_getenv ("BURROW_BUILD_ROOT"), g_getenv ("BURROW_BUILD_ROOT"));
  add_sanitizer_directories (argv);
  add_bind (argv, "--ro-bind", info_path, "/.flatpak-info");
  g_ptr_array_add (argv, g_strdup ("--"));
}

gboolean
burrow_test_sandbox_usable (const char *dir)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *bwrap = g_find_program_in_path ("bwrap");

  if (bwrap == NULL)
    {
      g_test_skip ("bubblewrap (bwrap) is not installed");
      return FALSE;
    }
  burrow_test_run_tool (&result, dir, (const char *[]) { "bwrap", "--ro-bind", "/", "/", "true", NULL },
                        NULL, USABLE_TIMEOUT_S);
  if (result.status != 0)
    {
      g_test_message ("bwrap: %s", result.err);
      g_test_skip ("bwrap cannot make a sandbox here");
      return FALSE;
    }
  return TRUE;
}
