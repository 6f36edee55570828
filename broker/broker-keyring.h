// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

/* SSH passwords and key passphrases in the user's keyring (Secret Service,
 * through libsecret), in the default collection:
 * - passwords: schema "io.github.burrow.Burrow.Password", attributes (all
 *   strings) "profile", "host", "user"; label "Burrow: USER@HOST (profile
 *   PROFILE)";
 * - passphrases: schema "io.github.burrow.Burrow.Passphrase", attribute
 *   "identity-file" (the key's path); label "Burrow: passphrase of the key
 *   PATH".
 *
 * Each kind has its own _async () calls; the _finish () calls are shared.  Every call is asynchronous and never
 * blocks the main thread; a keyring that is not available gives a
 * BROKER_ERROR_FAILED error, so that the caller can fall back to asking. */

const SecretSchema *broker_keyring_get_schema    (void);
const SecretSchema *broker_keyring_get_passphrase_schema (void);

void                broker_keyring_lookup_async  (const char           *profile,
                                                  const char           *host,
                                                  const char           *user,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void                broker_keyring_lookup_passphrase_async (const char    *identity_file,
                                                            GCancellable  *cancellable,
                                                            GAsyncReadyCallback callback,
                                                            gpointer       user_data);
/* The password (free it with broker_keyring_password_free ()), or NULL and
 * no error when none is stored. */
char               *broker_keyring_lookup_finish (GAsyncResult         *result,
                                                  GError              **error);

void                broker_keyring_store_async   (const char           *profile,
                                                  const char           *host,
                                                  const char           *user,
                                                  const char           *password,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void                broker_keyring_store_passphrase_async (const char     *identity_file,
                                                           const char     *passphrase,
                                                           GCancellable   *cancellable,
                                                           GAsyncReadyCallback callback,
                                                           gpointer        user_data);
gboolean            broker_keyring_store_finish  (GAsyncResult         *result,
                                                  GError              **error);

/* Forgets the password (one the server refused); TRUE also when nothing
 * was stored. */
void                broker_keyring_clear_async   (const char           *profile,
                                                  const char           *host,
                                                  const char           *user,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void                broker_keyring_clear_passphrase_async (const char     *identity_file,
                                                           GCancellable   *cancellable,
                                                           GAsyncReadyCallback callback,
                                                           gpointer        user_data);
gboolean            broker_keyring_clear_finish  (GAsyncResult         *result,
                                                  GError              **error);

/* Wipes the password's memory, then frees it. */
void                broker_keyring_password_free (char                 *password);

G_END_DECLS
