// SPDX-License-Identifier: GPL-3.0-or-later
/* A stand-in for libFuzzer's main(): runs LLVMFuzzerTestOneInput once over
 * every file named on the command line, directories recursively, so the
 * seed corpus and saved crash inputs run as an ordinary test with gcc,
 * valgrind or a debugger, no clang needed. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static gboolean run_path (const char *path,
                          guint      *count);

static gboolean
run_file (const char *path,
          guint      *count)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *data = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  /* An exact-size copy without the NUL g_file_get_contents adds, as
   * libFuzzer passes it: reading past the end must be a sanitizer report,
   * not luck. */
  data = g_malloc (MAX (length, 1));
  memcpy (data, contents, length);
  g_printerr ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  LLVMFuzzerTestOneInput (data, length);
  (*count)++;
  return TRUE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Sorted, so a run is reproducible; hidden files (.gitkeep) are skipped. */
static gboolean
run_directory (const char *path,
               guint      *count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    if (!run_path (names->pdata[i], count))
      return FALSE;
  return TRUE;
}

static gboolean
run_path (const char *path,
          guint      *count)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_directory (path, count);
  return run_file (path, count);
}

int
main (int   argc,
      char *argv[])
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    {
      /* libFuzzer's options (-runs=, -max_total_time=) mean nothing here;
       * ignoring them lets scripts call either kind of binary alike. */
      if (argv[i][0] == '-')
        continue;
      if (!run_path (argv[i], &count))
        return 1;
    }
  if (count == 0)
    {
      g_printerr ("usage: %s FILE-OR-DIRECTORY...: no input ran\n", argv[0]);
      return 1;
    }
  g_printerr ("%u inputs ran without a failure\n", count);
  return 0;
}
