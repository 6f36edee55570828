// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-broker"

#include "config.h"

#include "broker-session-capture.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define FILE_NAME "60-burrow-capture.conf"
#define LIBRARY_NAME "libburrow-capture.so"
#define HEADER "# Written by burrow-broker: session-wide capture is on.\n"

#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

char *
broker_session_capture_file_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "environment.d", FILE_NAME, NULL);
}

static char *
readable_or_null (char *path)
{
  if (path != NULL && g_access (path, R_OK) == 0)
    return path;
  g_free (path);
  return NULL;
}

char *
broker_session_capture_library_path (void)
{
  const char *override = g_getenv ("BURROW_CAPTURE_LIBRARY");
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *directory = self != NULL ? g_path_get_dirname (self) : NULL;
  char *found = NULL;

  if (override != NULL && *override != '\0')
    return readable_or_null (g_canonicalize_filename (override, NULL));
  if (directory != NULL)
    found = readable_or_null (g_build_filename (directory, "capture", LIBRARY_NAME, NULL));
  if (found == NULL && directory != NULL)
    {
      g_autofree char *relative = g_build_filename (directory, CAPTURE_LIBRARY_FROM_LIBEXECDIR,
                                                    LIBRARY_NAME, NULL);

      found = readable_or_null (g_canonicalize_filename (relative, NULL));
    }
  if (found == NULL)
    found = readable_or_null (g_build_filename (CAPTURE_LIBRARY_DIR, LIBRARY_NAME, NULL));
  return found;
}

char *
broker_session_capture_render (const char *library)
{
  return g_strdup_printf (HEADER
                          "# <connection-capture enable-at-startup=\"YES\"/> in Burrow's configuration\n"
                          "# asks for it. Turn it off in Burrow (Connection Capture) rather than\n"
                          "# editing this file: the broker writes or removes it. See environment.d(5).\n"
                          "LD_PRELOAD=%s${LD_PRELOAD:+ $LD_PRELOAD}\n", library);
}

gboolean
broker_session_capture_is_ours (const char *text)
{
  return text != NULL && g_str_has_prefix (text, HEADER);
}

/* The file */

/* A new file, never replacing one that appeared meanwhile: written aside,
 * then linked into place (link() fails if the name exists). */
static gboolean
create_file (const char  *path,
             const char  *text,
             GError     **error)
{
  g_autofree char *aside = g_strdup_printf ("%s.burrow-new", path);
  gboolean done;

  if (!g_file_set_contents_full (aside, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return FALSE;
  done = link (aside, path) == 0;
  if (!done)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s",
                   g_strerror (saved));
    }
  g_unlink (aside);
  return done;
}

static gboolean
write_file (const char  *path,
            const char  *library,
            GError     **error)
{
  g_autofree char *wanted = broker_session_capture_render (library);
  g_autofree char *directory = g_path_get_dirname (path);
  g_autofree char *current = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean written;

  if (!g_file_get_contents (path, &current, NULL, &local_error)
      && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, G_FILE_ERROR, local_error->code, "%s; nothing written",
                   local_error->message);
      return FALSE;
    }
  g_clear_error (&local_error);
  if (current != NULL && g_str_equal (current, wanted))
    return TRUE;
  if (current != NULL && !broker_session_capture_is_ours (current))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                   "%s is not Burrow's; left alone (move it away to let Burrow write it)", path);
      return FALSE;
    }
  if (g_mkdir_with_parents (directory, 0755) < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot create %s: %s",
                   directory, g_strerror (saved));
      return FALSE;
    }
  /* Ours already: replaced whole.  None yet: created, never over another. */
  if (current != NULL)
    written = g_file_set_contents_full (path, wanted, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                        &local_error);
  else
    written = create_file (path, wanted, &local_error);
  if (!written)
    {
      g_set_error (error, G_FILE_ERROR, local_error->code, "cannot write %s: %s", path,
                   local_error->message);
      return FALSE;
    }
  g_message ("session-wide capture is on: %s sets LD_PRELOAD for programs of the "
             "session from the next login", path);
  return TRUE;
}

static gboolean
remove_file (const char  *path,
             GError     **error)
{
  g_autofree char *current = NULL;

  if (!g_file_get_contents (path, &current, NULL, NULL) || !broker_session_capture_is_ours (current))
    return TRUE;
  if (g_unlink (path) < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot remove %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  g_message ("session-wide capture is off: removed %s (programs already running stay "
             "captured until they exit)", path);
  return TRUE;
}

/* The running user manager */

typedef struct
{
  GDBusConnection *bus;
  char *library;                /* NULL: take it out */
} ManagerUpdate;

static void
manager_update_free (ManagerUpdate *update)
{
  g_object_unref (update->bus);
  g_free (update->library);
  g_free (update);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ManagerUpdate, manager_update_free)

/* LD_PRELOAD's value in a systemd environment block, or NULL. */
static const char *
find_preload (const char * const *environment)
{
  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    if (g_str_has_prefix (environment[i], "LD_PRELOAD="))
      return environment[i] + strlen ("LD_PRELOAD=");
  return NULL;
}

char *
broker_session_capture_edit_preload (const char *current,
                                     const char *library,
                                     gboolean    add)
{
  g_auto(GStrv) entries = g_strsplit_set (current != NULL ? current : "", " :", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  if (add)
    g_ptr_array_add (kept, (gpointer) library);
  for (guint i = 0; entries[i] != NULL; i++)
    if (*entries[i] != '\0' && !g_str_has_suffix (entries[i], "/" LIBRARY_NAME))
      g_ptr_array_add (kept, entries[i]);
  if (kept->len == 0)
    return NULL;
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (" ", (char **) kept->pdata);
}

static void
on_manager_called (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);

  if (reply == NULL)
    g_message ("session-wide capture: the user manager did not take LD_PRELOAD: %s",
               error->message);
}

static void
call_manager (GDBusConnection *bus,
              const char      *method,
              const char      *entry)
{
  const char *entries[] = { entry, NULL };

  g_dbus_connection_call (bus, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, method,
                          g_variant_new ("(^as)", entries), NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          -1, NULL, on_manager_called, NULL);
}

static void
on_environment (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ManagerUpdate) update = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                             &error);
  g_autoptr(GVariant) value = NULL;
  g_autofree const char **environment = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *entry = NULL;
  const char *current;

  if (reply == NULL)
    {
      /* No systemd user manager (or not on this bus): the file is all. */
      g_debug ("session-wide capture: no user manager to update: %s", error->message);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  environment = g_variant_get_strv (value, NULL);
  current = find_preload (environment);
  wanted = broker_session_capture_edit_preload (current, update->library,
                                                update->library != NULL);
  if (g_strcmp0 (current, wanted) == 0)
    return;
  if (wanted == NULL)
    {
      call_manager (update->bus, "UnsetEnvironment", "LD_PRELOAD");
      return;
    }
  entry = g_strconcat ("LD_PRELOAD=", wanted, NULL);
  call_manager (update->bus, "SetEnvironment", entry);
}

static void
update_manager (GDBusConnection *bus,
                const char      *library,
                GCancellable    *cancellable)
{
  ManagerUpdate *update = g_new0 (ManagerUpdate, 1);

  update->bus = g_object_ref (bus);
  update->library = g_strdup (library);
  g_dbus_connection_call (bus, SYSTEMD_NAME, SYSTEMD_PATH, "org.freedesktop.DBus.Properties",
                          "Get", g_variant_new ("(ss)", SYSTEMD_MANAGER, "Environment"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          cancellable, on_environment, update);
}

gboolean
broker_session_capture_write (const char  *library,
                              GError     **error)
{
  g_autofree char *path = broker_session_capture_file_path ();

  if (library != NULL)
    return write_file (path, library, error);
  return remove_file (path, error);
}

void
broker_session_capture_tell_manager (GDBusConnection *bus,
                                     const char      *library,
                                     GCancellable    *cancellable)
{
  if (bus != NULL)
    update_manager (bus, library, cancellable);
}
