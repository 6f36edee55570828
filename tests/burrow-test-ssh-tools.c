// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-ssh-tools.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#define LOOPBACK "127.0.0.1"
#define PROBE_TIMEOUT_S 2

#define LOG_TAIL_BYTES 4096

char *
burrow_test_read_log_tail (const char *path)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (path == NULL || !g_file_get_contents (path, &text, &length, NULL))
    return g_strdup ("(no log)");
  if (length > LOG_TAIL_BYTES)
    return g_strdup (text + length - LOG_TAIL_BYTES);
  return g_steal_pointer (&text);
}

gboolean
burrow_test_file_contains (const char *path,
                           const char *needle)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

char *
burrow_test_find_ip (void)
{
  const char *fallbacks[] = { "/usr/sbin/ip", "/sbin/ip", "/bin/ip" };
  char *path = g_find_program_in_path ("ip");

  for (guint i = 0; path == NULL && i < G_N_ELEMENTS (fallbacks); i++)
    if (g_file_test (fallbacks[i], G_FILE_TEST_IS_EXECUTABLE))
      path = g_strdup (fallbacks[i]);
  return path;
}

void
burrow_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK)
      && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          burrow_test_remove_tree (child);
        }
      if (g_rmdir (path) != 0)
        g_message ("Cannot remove %s: %s", path, g_strerror (errno));
      return;
    }

  if (g_unlink (path) != 0 && errno != ENOENT)
    g_message ("Cannot remove %s: %s", path, g_strerror (errno));
}

static char *
run_tool (GError     **error,
          const char  *first_arg,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;

  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               error);
  if (process == NULL
      || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, error))
    return NULL;

  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s failed: %s", first_arg, err);
      return NULL;
    }

  return g_steal_pointer (&out);
}

gboolean
burrow_test_ssh_generate_key (const char  *path,
              const char  *comment,
              GError     **error)
{
  g_autofree char *out = NULL;

  out = run_tool (error, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                  "-f", path, NULL);
  return out != NULL;
}

/* "256 SHA256:abc… comment (ED25519)" → "SHA256:abc…" */
char *
burrow_test_ssh_fingerprint (const char  *public_key,
                  GError     **error)
{
  g_autofree char *out = NULL;
  g_auto(GStrv) fields = NULL;

  out = run_tool (error, "ssh-keygen", "-l", "-E", "sha256", "-f", public_key, NULL);
  if (out == NULL)
    return NULL;

  fields = g_strsplit (out, " ", 3);
  if (g_strv_length (fields) < 2 || !g_str_has_prefix (fields[1], "SHA256:"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Unexpected ssh-keygen -l output for %s: %s", public_key, out);
      return NULL;
    }

  return g_strdup (fields[1]);
}

char *
burrow_test_ssh_fingerprint_of_private (const char  *private_key,
                                        GError     **error)
{
  g_autofree char *public_key = g_strconcat (private_key, ".pub", NULL);

  return burrow_test_ssh_fingerprint (public_key, error);
}

gboolean
burrow_test_ssh_banner_answers (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string (LOOPBACK, port);
  g_autoptr(GSocketConnection) connection = NULL;
  char banner[256] = "";
  gsize length = 0;
  gssize got;
  GInputStream *input;

  /* A proxy from the environment must never see test traffic. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, PROBE_TIMEOUT_S);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  if (connection == NULL)
    return FALSE;

  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  while (length < sizeof banner - 1 && memchr (banner, '\n', length) == NULL)
    {
      got = g_input_stream_read (input, banner + length, sizeof banner - 1 - length,
                                 NULL, NULL);
      if (got <= 0)
        break;
      length += got;
    }
  banner[length] = '\0';

  return g_str_has_prefix (banner, "SSH-2.0-");
}

char *
burrow_test_sshd_config_text (const char *listen,
                              const char *host_key,
                              const char *authorized_keys,
                              const char *log_level)
{
  return g_strdup_printf ("%s"
                          "HostKey \"%s\"\n"
                          "PidFile none\n"
                          "AuthorizedKeysFile \"%s\"\n"
                          "StrictModes no\n"
                          "PermitRootLogin prohibit-password\n"
                          "PubkeyAuthentication yes\n"
                          "PasswordAuthentication no\n"
                          "KbdInteractiveAuthentication no\n"
                          "UsePAM no\n"
                          "LogLevel %s\n"
                          "AllowTcpForwarding yes\n"
                          "GatewayPorts no\n"
                          "PermitUserRC no\n"
                          "PrintMotd no\n"
                          "PrintLastLog no\n",
                          listen, host_key, authorized_keys, log_level);
}
