// SPDX-License-Identifier: GPL-3.0-or-later
/* Session-wide capture's pure parts: the environment.d file's text, and
 * the user manager's LD_PRELOAD list with the library put in or taken out
 * (other preloaded libraries kept, in order). */
#include "broker-session-capture.h"

#define LIB "/usr/lib/x86_64-linux-gnu/burrow/libburrow-capture.so"

typedef struct
{
  const char *current;
  gboolean add;
  const char *expected;         /* NULL: LD_PRELOAD is unset */
} EditCase;

static const EditCase edit_cases[] = {
  { NULL, TRUE, LIB },
  { "", TRUE, LIB },
  { "/opt/a.so", TRUE, LIB " /opt/a.so" },
  { "/opt/a.so:/opt/b.so", TRUE, LIB " /opt/a.so /opt/b.so" },
  { LIB, TRUE, LIB },
  /* An older install's library is replaced, not kept beside. */
  { "/old/prefix/lib/burrow/libburrow-capture.so /opt/a.so", TRUE, LIB " /opt/a.so" },
  { LIB, FALSE, NULL },
  { LIB " /opt/a.so", FALSE, "/opt/a.so" },
  { "/opt/a.so:" LIB ":/opt/b.so", FALSE, "/opt/a.so /opt/b.so" },
  { "/opt/a.so", FALSE, "/opt/a.so" },
  { NULL, FALSE, NULL },
  /* Only a file named exactly so is Burrow's. */
  { "/opt/libburrow-capture.so.bak /opt/notlibburrow-capture.so", FALSE,
    "/opt/libburrow-capture.so.bak /opt/notlibburrow-capture.so" },
};

static void
test_edit_preload (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (edit_cases); i++)
    {
      const EditCase *c = &edit_cases[i];
      g_autofree char *got = broker_session_capture_edit_preload (c->current, LIB, c->add);

      g_test_message ("case %u: \"%s\" %s", i, c->current, c->add ? "add" : "remove");
      g_assert_cmpstr (got, ==, c->expected);
    }
}

/* The file sets LD_PRELOAD the way environment.d(5) expands it, and is
 * recognised as Burrow's; a user's own is not. */
static void
test_render (void)
{
  g_autofree char *text = broker_session_capture_render (LIB);

  g_assert_true (broker_session_capture_is_ours (text));
  g_assert_nonnull (g_strstr_len (text, -1, "\nLD_PRELOAD=" LIB "${LD_PRELOAD:+ $LD_PRELOAD}\n"));
  g_assert_false (broker_session_capture_is_ours ("LD_PRELOAD=/opt/a.so\n"));
  g_assert_false (broker_session_capture_is_ours (NULL));
}

/* Under $XDG_CONFIG_HOME, where systemd's user manager looks. */
static void
test_file_path (void)
{
  g_autofree char *path = broker_session_capture_file_path ();
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "environment.d",
                                                "60-burrow-capture.conf", NULL);

  g_assert_cmpstr (path, ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session-capture/edit-preload", test_edit_preload);
  g_test_add_func ("/session-capture/render", test_render);
  g_test_add_func ("/session-capture/file-path", test_file_path);
  return g_test_run ();
}
