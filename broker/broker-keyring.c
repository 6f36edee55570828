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

/* Key passphrases belong to the key file, whatever profile uses it. */
const SecretSchema *
broker_keyring_get_passphrase_schema (void)
{
  static const SecretSchema schema = {
    "io.github.burrow.Burrow.Passphrase", SECRET_SCHEMA_NONE,
    {
      { "identity-file", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* One keyring item: which schema, which attributes, how it is named in
 * messages ("the password of alice@host (profile p)"); or, when it cannot
 * be asked for, why. */
typedef struct
{
  const SecretSchema *schema;
  GHashTable *attributes;
  char *what;
  char *label;
  GError *error;
} Item;

static void
item_free (Item *item)
{
  g_clear_pointer (&item->attributes, g_hash_table_unref);
  g_free (item->what);
  g_free (item->label);
  g_clear_error (&item->error);
  g_free (item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Item, item_free)

/* libsecret drops a request whose attributes are not UTF-8 with a warning and
 * never calls back, which would leave the caller waiting for ever: such
 * requests are refused here instead. */
static Item *
password_item (const char *profile,
               const char *host,
               const char *user)
{
  Item *item = g_new0 (Item, 1);

  if (!g_utf8_validate (profile, -1, NULL)
      || !g_utf8_validate (host, -1, NULL)
      || !g_utf8_validate (user, -1, NULL))
    {
      g_set_error_literal (&item->error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                           "the profile, host and user of a keyring entry must be UTF-8 text");
      return item;
    }
  item->schema = broker_keyring_get_schema ();
  item->attributes = secret_attributes_build (item->schema,
                                              "profile", profile,
                                              "host", host,
                                              "user", user,
                                              NULL);
  item->what = g_strdup_printf ("the password of %s@%s (profile %s)", user, host, profile);
  item->label = g_strdup_printf ("Burrow: %s@%s (profile %s)", user, host, profile);
  return item;
}

static Item *
passphrase_item (const char *identity_file)
{
  Item *item = g_new0 (Item, 1);

  if (!g_utf8_validate (identity_file, -1, NULL))
    {
      g_set_error_literal (&item->error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                           "the key file of a keyring entry must be named in UTF-8 text");
      return item;
    }
  item->schema = broker_keyring_get_passphrase_schema ();
  item->attributes = secret_attributes_build (item->schema, "identity-file", identity_file, NULL);
  item->what = g_strdup_printf ("the passphrase of %s", identity_file);
  item->label = g_strdup_printf ("Burrow: passphrase of the key %s", identity_file);
  return item;
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

/* A GTask for one call on @item (taken): NULL, with the task already
 * answered, when the item cannot be asked for. */
static GTask *
start_task (gpointer              source_tag,
            Item                 *item,
            GCancellable         *cancellable,
            GAsyncReadyCallback   callback,
            gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (item->error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&item->error));
      item_free (item);
      return NULL;
    }
  g_task_set_task_data (task, item, (GDestroyNotify) item_free);
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
  char *secret = secret_password_lookup_nonpageable_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, wrap_error (error, "cannot read the keyring"));
      return;
    }
  g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
}

static void
lookup (Item                *item,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  GTask *task = start_task (broker_keyring_lookup_async, item, cancellable, callback,
                            user_data);

  if (task == NULL)
    return;
  g_debug ("looking up %s", item->what);
  secret_password_lookupv (item->schema, item->attributes, cancellable, on_lookup_done, task);
}

void
broker_keyring_lookup_async (const char          *profile,
                             const char          *host,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (profile != NULL && host != NULL && user != NULL);

  lookup (password_item (profile, host, user), cancellable, callback, user_data);
}

void
broker_keyring_lookup_passphrase_async (const char          *identity_file,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (identity_file != NULL);

  lookup (passphrase_item (identity_file), cancellable, callback, user_data);
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
      g_task_return_error (task, wrap_error (error, "cannot save the secret in the keyring"));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* An existing item with the same attributes is replaced, not duplicated. */
static void
store (Item                *item,
       const char          *secret,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  GTask *task = start_task (broker_keyring_store_async, item, cancellable, callback,
                            user_data);

  if (task == NULL)
    return;
  /* A non-UTF-8 "text/plain" secret would later read back as "none stored". */
  if (!g_utf8_validate (secret, -1, NULL))
    {
      g_task_return_new_error (task, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                               "cannot save %s in the keyring: it is not UTF-8 text", item->what);
      g_object_unref (task);
      return;
    }
  g_debug ("storing %s", item->what);
  secret_password_storev (item->schema, item->attributes, SECRET_COLLECTION_DEFAULT, item->label,
                          secret, cancellable, on_store_done, task);
}

void
broker_keyring_store_async (const char          *profile,
                            const char          *host,
                            const char          *user,
                            const char          *password,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (profile != NULL && host != NULL && user != NULL);
  g_return_if_fail (password != NULL);

  store (password_item (profile, host, user), password, cancellable, callback, user_data);
}

void
broker_keyring_store_passphrase_async (const char          *identity_file,
                                       const char          *passphrase,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (identity_file != NULL && passphrase != NULL);

  store (passphrase_item (identity_file), passphrase, cancellable, callback, user_data);
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
      g_task_return_error (task, wrap_error (error, "cannot remove the secret from the keyring"));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
clear (Item                *item,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  GTask *task = start_task (broker_keyring_clear_async, item, cancellable, callback,
                            user_data);

  if (task == NULL)
    return;
  g_debug ("forgetting %s", item->what);
  secret_password_clearv (item->schema, item->attributes, cancellable, on_clear_done, task);
}

void
broker_keyring_clear_async (const char          *profile,
                            const char          *host,
                            const char          *user,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (profile != NULL && host != NULL && user != NULL);

  clear (password_item (profile, host, user), cancellable, callback, user_data);
}

void
broker_keyring_clear_passphrase_async (const char          *identity_file,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (identity_file != NULL);

  clear (passphrase_item (identity_file), cancellable, callback, user_data);
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
