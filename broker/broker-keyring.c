// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-keyring"

#include "broker-keyring.h"

#include "broker-error.h"

/* Passwords are never logged: the g_debug () lines name the account only. */

const SecretSchema *
broker_keyring_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.burrow.Burrow.Password", SECRET_SCHEMA_NONE,
    {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* libsecret drops a request whose attributes are not UTF-8 with a warning and
 * never calls back, which would leave the caller waiting for ever: such
 * requests are refused here instead. */
static GHashTable *
build_attributes (const char  *profile,
                  const char  *host,
                  const char  *user,
                  GError     **error)
{
  if (!g_utf8_validate (profile, -1, NULL)
      || !g_utf8_validate (host, -1, NULL)
      || !g_utf8_validate (user, -1, NULL))
    {
      g_set_error_literal (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                           "the profile, host and user of a keyring entry must be UTF-8 text");
      return NULL;
    }
  return secret_attributes_build (broker_keyring_get_schema (),
                                  "profile", profile,
                                  "host", host,
                                  "user", user,
                                  NULL);
}

/* Cancellation stays G_IO_ERROR_CANCELLED so that callers can tell it apart;
 * anything else becomes BROKER_ERROR_FAILED, prefixed with what failed.
 * Takes @error. */
static GError *
wrap_error (GError     *error,
            const char *what)
{
  GError *wrapped;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  /* The bus's own words ("…was not provided by any .service files") do not
   * tell a user what is missing. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN))
    wrapped = g_error_new (BROKER_ERROR, BROKER_ERROR_FAILED,
                           "%s: no Secret Service (such as GNOME Keyring) is running", what);
  else
    {
      g_dbus_error_strip_remote_error (error);
      wrapped = g_error_new (BROKER_ERROR, BROKER_ERROR_FAILED, "%s: %s", what, error->message);
    }
  g_error_free (error);
  return wrapped;
}

/* A GTask for one call; NULL, with the task already answered, when the
 * arguments cannot be used.  Otherwise *attributes is set. */
static GTask *
start_task (gpointer              source_tag,
            const char           *profile,
            const char           *host,
            const char           *user,
            GCancellable         *cancellable,
            GAsyncReadyCallback   callback,
            gpointer              user_data,
            GHashTable          **attributes)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  *attributes = build_attributes (profile, host, user, &error);
  if (*attributes == NULL)
    {
      g_task_return_error (task, error);
      return NULL;
    }
  return g_steal_pointer (&task);
}

static void
on_lookup_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  /* Kept in locked memory that secret_password_free () wipes. */
  char *password = secret_password_lookup_nonpageable_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, wrap_error (error, "cannot read the keyring"));
      return;
    }
  g_task_return_pointer (task, password, (GDestroyNotify) secret_password_free);
}

void
broker_keyring_lookup_async (const char          *profile,
                             const char          *host,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile != NULL && host != NULL && user != NULL);

  task = start_task (broker_keyring_lookup_async, profile, host, user,
                     cancellable, callback, user_data, &attributes);
  if (task == NULL)
    return;
  g_debug ("looking up the password of %s@%s (profile %s)", user, host, profile);
  secret_password_lookupv (broker_keyring_get_schema (), attributes, cancellable,
                           on_lookup_done, g_steal_pointer (&task));
}

char *
broker_keyring_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == broker_keyring_lookup_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_store_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    {
      g_task_return_error (task, wrap_error (error, "cannot save the password in the keyring"));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* An existing item with the same attributes is replaced, not duplicated. */
void
broker_keyring_store_async (const char          *profile,
                            const char          *host,
                            const char          *user,
                            const char          *password,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile != NULL && host != NULL && user != NULL);
  g_return_if_fail (password != NULL);

  task = start_task (broker_keyring_store_async, profile, host, user,
                     cancellable, callback, user_data, &attributes);
  if (task == NULL)
    return;
  /* A non-UTF-8 "text/plain" secret would later read back as "none stored". */
  if (!g_utf8_validate (password, -1, NULL))
    {
      g_task_return_new_error (task, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                               "cannot save the password in the keyring: it is not UTF-8 text");
      return;
    }
  label = g_strdup_printf ("Burrow: %s@%s (profile %s)", user, host, profile);
  g_debug ("storing the password of %s@%s (profile %s)", user, host, profile);
  secret_password_storev (broker_keyring_get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                          label, password, cancellable, on_store_done, g_steal_pointer (&task));
}

gboolean
broker_keyring_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == broker_keyring_store_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_clear_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error only means that nothing was stored. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_task_return_error (task, wrap_error (error, "cannot remove the password from the keyring"));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
broker_keyring_clear_async (const char          *profile,
                            const char          *host,
                            const char          *user,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (profile != NULL && host != NULL && user != NULL);

  task = start_task (broker_keyring_clear_async, profile, host, user,
                     cancellable, callback, user_data, &attributes);
  if (task == NULL)
    return;
  g_debug ("forgetting the password of %s@%s (profile %s)", user, host, profile);
  secret_password_clearv (broker_keyring_get_schema (), attributes, cancellable,
                          on_clear_done, g_steal_pointer (&task));
}

gboolean
broker_keyring_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == broker_keyring_clear_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
broker_keyring_password_free (char *password)
{
  secret_password_free (password);
}
