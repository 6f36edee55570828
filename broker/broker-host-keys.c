// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-host-keys"

#include "broker-host-keys.h"

#include "broker-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* known_hosts files are small; a huge one is not read whole. */
#define MAX_KNOWN_HOSTS_SIZE (16 * 1024 * 1024)

void
broker_host_key_result_free (BrokerHostKeyResult *self)
{
  if (self == NULL)
    return;
  g_free (self->host);
  g_free (self->key_type);
  g_free (self->fingerprint);
  g_free (self->known_fingerprint);
  g_free (self->known_key_type);
  g_free (self->known_file);
  g_free (self);
}

/* OpenSSH's spelling, so its entries and ours match each other. */
char *
broker_host_keys_host_string (const char *host,
                              guint16     port)
{
  if (port == 22 || port == 0)
    return g_strdup (host);
  return g_strdup_printf ("[%s]:%u", host, port);
}

/* "~/" is the user's home as GLib sees it ($HOME), not the password
 * database's, so tests and sandboxes never touch the real ~/.ssh. */
char *
broker_host_keys_expand_path (const char *path)
{
  if (g_str_equal (path, "~"))
    return g_strdup (g_get_home_dir ());
  if (g_str_has_prefix (path, "~/"))
    return g_build_filename (g_get_home_dir (), path + 2, NULL);
  return g_strdup (path);
}

char *
broker_host_keys_fingerprint (ssh_key key)
{
  unsigned char *hash = NULL;
  size_t length = 0;
  char *text;
  char *copy;

  if (ssh_get_publickey_hash (key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK)
    return g_strdup ("SHA256:?");
  text = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash (&hash);
  copy = g_strdup (text != NULL ? text : "SHA256:?");
  ssh_string_free_char (text);
  return copy;
}

static const char *
key_type_name (ssh_key key)
{
  return ssh_key_type_to_char (ssh_key_type (key));
}

static void
remember_conflict (BrokerHostKeyResult *result,
                   BrokerHostKeyStatus  status,
                   ssh_key              known,
                   const char          *file,
                   guint                line)
{
  /* A same-type mismatch is the one worth reporting: keep the first. */
  if (result->status == BROKER_HOST_KEY_CHANGED)
    return;
  result->status = status;
  g_free (result->known_fingerprint);
  g_free (result->known_key_type);
  g_free (result->known_file);
  result->known_fingerprint = broker_host_keys_fingerprint (known);
  result->known_key_type = g_strdup (key_type_name (known));
  result->known_file = g_strdup (file);
  result->known_line = line;
}

/* Returns TRUE when the file records this very key. */
static gboolean
check_line (BrokerHostKeyResult *result,
            ssh_key              key,
            const char          *text,
            const char          *file,
            guint                line)
{
  g_autoptr(SshKnownHostsEntry) entry = NULL;

  if (ssh_known_hosts_parse_line (result->host, text, &entry) != SSH_OK || entry == NULL)
    return FALSE;
  if (ssh_key_cmp (key, entry->publickey, SSH_KEY_CMP_PUBLIC) == 0)
    {
      result->status = BROKER_HOST_KEY_KNOWN;
      g_free (result->known_file);
      result->known_file = g_strdup (file);
      result->known_line = line;
      return TRUE;
    }
  remember_conflict (result, ssh_key_type (key) == ssh_key_type (entry->publickey) ?
                     BROKER_HOST_KEY_CHANGED : BROKER_HOST_KEY_OTHER_TYPE,
                     entry->publickey, file, line);
  return FALSE;
}

static gboolean
check_file (BrokerHostKeyResult  *result,
            ssh_key               key,
            const char           *path,
            GError              **error)
{
  g_autofree char *file = broker_host_keys_expand_path (path);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf st;

  if (g_stat (file, &st) != 0)
    return TRUE; /* an absent file records nothing */
  if (st.st_size > MAX_KNOWN_HOSTS_SIZE || !g_file_get_contents (file, &contents, NULL, NULL))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot read known hosts file %s",
                   file);
      return FALSE;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (check_line (result, key, lines[i], file, i + 1))
      return TRUE;
  return TRUE;
}

/* Looks the key up in every file, in order.  A match anywhere wins, so a
 * stale conflicting line in one file does not hide a good one in another. */
BrokerHostKeyResult *
broker_host_keys_check (ssh_key              key,
                        const char          *host,
                        guint16              port,
                        const char * const  *files,
                        GError             **error)
{
  g_autoptr(BrokerHostKeyResult) result = g_new0 (BrokerHostKeyResult, 1);

  result->status = BROKER_HOST_KEY_UNKNOWN;
  result->host = broker_host_keys_host_string (host, port);
  result->key_type = g_strdup (key_type_name (key));
  result->fingerprint = broker_host_keys_fingerprint (key);
  for (guint i = 0; files != NULL && files[i] != NULL; i++)
    {
      if (!check_file (result, key, files[i], error))
        return NULL;
      if (result->status == BROKER_HOST_KEY_KNOWN)
        {
          g_clear_pointer (&result->known_fingerprint, g_free);
          g_clear_pointer (&result->known_key_type, g_free);
          break;
        }
    }
  return g_steal_pointer (&result);
}

/* A changed key is never a question: answering "yes" is what an attacker
 * in the middle needs, so it is refused whatever the policy. */
BrokerHostKeyDecision
broker_host_keys_decide (BrokerHostKeyPolicy policy,
                         BrokerHostKeyStatus status)
{
  switch (status)
    {
    case BROKER_HOST_KEY_KNOWN:
      return BROKER_HOST_KEY_ACCEPT;
    case BROKER_HOST_KEY_UNKNOWN:
      if (policy == BROKER_HOST_KEY_POLICY_STRICT)
        return BROKER_HOST_KEY_REFUSE;
      return policy == BROKER_HOST_KEY_POLICY_ASK ? BROKER_HOST_KEY_ASK :
             BROKER_HOST_KEY_ACCEPT_WITHOUT_SAVING;
    case BROKER_HOST_KEY_CHANGED:
    case BROKER_HOST_KEY_OTHER_TYPE:
    default:
      return BROKER_HOST_KEY_REFUSE;
    }
}

void
broker_host_keys_set_refusal (const BrokerHostKeyResult  *result,
                              BrokerHostKeyPolicy         policy,
                              GError                    **error)
{
  if (result->status == BROKER_HOST_KEY_UNKNOWN)
    g_set_error (error, BROKER_ERROR, BROKER_ERROR_HOST_KEY_REFUSED,
                 "the host key of %s (%s %s) is not known and the host-key policy is %s: "
                 "add it to a known hosts file first", result->host, result->key_type,
                 result->fingerprint, broker_host_key_policy_to_string (policy));
  else if (result->status == BROKER_HOST_KEY_CHANGED)
    g_set_error (error, BROKER_ERROR, BROKER_ERROR_HOST_KEY_REFUSED,
                 "the host key of %s has CHANGED: the server offered %s %s, but %s:%u records "
                 "%s. This may be an attack. If the change is expected, remove that line",
                 result->host, result->key_type, result->fingerprint, result->known_file,
                 result->known_line, result->known_fingerprint);
  else if (result->status == BROKER_HOST_KEY_OTHER_TYPE)
    g_set_error (error, BROKER_ERROR, BROKER_ERROR_HOST_KEY_REFUSED,
                 "the server %s offered a %s key (%s), but %s:%u records a %s key (%s) for it. "
                 "This may be an attack. If the change is expected, remove that line",
                 result->host, result->key_type, result->fingerprint, result->known_file,
                 result->known_line, result->known_key_type, result->known_fingerprint);
}

static char *
entry_line (ssh_key     key,
            const char *host,
            guint16     port)
{
  g_autofree char *host_string = broker_host_keys_host_string (host, port);
  char *base64 = NULL;
  char *line;

  if (ssh_pki_export_pubkey_base64 (key, &base64) != SSH_OK)
    return NULL;
  line = g_strdup_printf ("%s %s %s\n", host_string, key_type_name (key), base64);
  ssh_string_free_char (base64);
  return line;
}

/* Appends to the file without rewriting it, starting on a line of its own. */
static gboolean
append_line (const char  *file,
             const char  *line,
             GError     **error)
{
  int fd = g_open (file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  gboolean needs_newline = FALSE;
  GStatBuf st;
  gboolean ok;

  if (fd < 0)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot open %s: %s", file,
                   g_strerror (errno));
      return FALSE;
    }
  if (g_stat (file, &st) == 0 && st.st_size > 0)
    {
      int reader = g_open (file, O_RDONLY | O_CLOEXEC, 0);
      char last = '\n';

      if (reader >= 0 && pread (reader, &last, 1, st.st_size - 1) == 1)
        needs_newline = last != '\n';
      if (reader >= 0)
        close (reader);
    }
  ok = (!needs_newline || write (fd, "\n", 1) == 1) &&
       write (fd, line, strlen (line)) == (ssize_t) strlen (line);
  if (!ok)
    g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot write %s: %s", file,
                 g_strerror (errno));
  return close (fd) == 0 && ok;
}

/* Saved in OpenSSH's format, so `ssh` accepts the entry too. */
gboolean
broker_host_keys_save (ssh_key      key,
                       const char  *host,
                       guint16      port,
                       const char  *file,
                       GError     **error)
{
  g_autofree char *path = broker_host_keys_expand_path (file);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *line = entry_line (key, host, port);

  if (line == NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot encode the host key of %s",
                   host);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  return append_line (path, line, error);
}
