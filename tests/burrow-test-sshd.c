// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-test-sshd"

#include "burrow-test-sshd.h"

#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define SSHD_PATH "/usr/sbin/sshd"
#define LOOPBACK "127.0.0.1"
#define MAX_START_ATTEMPTS 5
#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define PROBE_INTERVAL_MS 50
#define PROBE_TIMEOUT_S 2
#define EXIT_TIMEOUT_MS 5000

struct _BurrowTestSshd
{
  /* Only sshd's exit watch lives here, so waiting never runs the caller's
   * sources and never needs the caller's main loop. */
  GMainContext *context;
  GSubprocess *process;
  gboolean exited;
  guint16 port;
  char *dir;
  char *config;
  char *host_key;
  char *client_key;
  char *authorized_keys;
  char *known_hosts;
  char *pid_file;
  char *log;
  char *fingerprint;
  const char *log_level;       /* sshd's LogLevel, a static string */
  char *password;              /* set: password and PAM logins, in a mount namespace */
  char *shadow;
  char *pam_dir;
};

static gboolean
set_flag (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the private context until sshd's exit has been seen or @timeout_ms
 * have passed; doubles as the pause between readiness probes. */
static gboolean
wait_exited (BurrowTestSshd *self,
             guint           timeout_ms)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, self->context);
  while (!self->exited && !timed_out)
    g_main_context_iteration (self->context, TRUE);
  g_source_destroy (timeout);

  return self->exited;
}

static void
on_sshd_exited (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BurrowTestSshd *self = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  self->exited = TRUE;
}

#ifdef __linux__
/* From /proc/PID/stat, "PID (COMM) STATE PPID …"; COMM may hold ')'. */
#endif

/* TRUE once the process is gone.  If even SIGKILL does not end it, the pending
 * exit watch still points at @self, so the caller must not free it. */
static gboolean
terminate (BurrowTestSshd *self)
{
  if (self->process == NULL || self->exited)
    return TRUE;

#ifdef __linux__
  burrow_test_process_end_descendants (burrow_test_sshd_get_pid (self));
#endif
  g_subprocess_send_signal (self->process, SIGTERM);
  if (wait_exited (self, EXIT_TIMEOUT_MS))
    return TRUE;

  g_message ("sshd ignored SIGTERM for %u ms, killing it", EXIT_TIMEOUT_MS);
  g_subprocess_force_exit (self->process);
  return wait_exited (self, EXIT_TIMEOUT_MS);
}

/* No GLib call removes a tree; the dir only ever holds files, but a test may
 * have added a subdirectory.  Symlinks are unlinked, never followed. */
void
burrow_test_sshd_stop (BurrowTestSshd *self)
{
  if (self == NULL)
    return;

  if (!terminate (self))
    {
      g_warning ("sshd (pid %s) survived SIGKILL; leaking %s",
                 g_subprocess_get_identifier (self->process), self->dir);
      return;
    }

  if (self->dir != NULL)
    burrow_test_remove_tree (self->dir);

  g_clear_object (&self->process);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->dir);
  g_free (self->config);
  g_free (self->host_key);
  g_free (self->client_key);
  g_free (self->authorized_keys);
  g_free (self->password);
  g_free (self->shadow);
  g_free (self->pam_dir);
  g_free (self->known_hosts);
  g_free (self->pid_file);
  g_free (self->log);
  g_free (self->fingerprint);
  g_free (self);
}

/* Runs a short-lived tool (ssh-keygen) and returns its stdout. */
static gboolean
check_tools (GError **error)
{
  g_autofree char *keygen = g_find_program_in_path ("ssh-keygen");

  if (!g_file_test (SSHD_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not installed (package openssh-server)", SSHD_PATH);
      return FALSE;
    }
  if (keygen == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "ssh-keygen is not installed (package openssh-client)");
      return FALSE;
    }

  return TRUE;
}

/* sshd as root chroots its pre-auth child into /run/sshd and refuses to start
 * without it.  As another user it does not chroot, so a failure to create it
 * (no permission) does not matter then. */
static gboolean
ensure_privsep_dir (GError **error)
{
  int saved_errno;

  if (g_mkdir_with_parents ("/run/sshd", 0755) == 0)
    return TRUE;

  saved_errno = errno;
  if (geteuid () != 0)
    {
      g_debug ("Cannot create /run/sshd (%s); not needed as non-root",
               g_strerror (saved_errno));
      return TRUE;
    }

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Cannot create /run/sshd: %s", g_strerror (saved_errno));
  return FALSE;
}

static BurrowTestSshd *
sshd_new (GError **error)
{
  g_autoptr(BurrowTestSshd) self = g_new0 (BurrowTestSshd, 1);

  self->context = g_main_context_new ();
  self->log_level = "VERBOSE";
  /* The name lets `pgrep -f burrow-sshd` find a leaked server: the config
   * path is in sshd's command line. */
  self->dir = g_dir_make_tmp ("burrow-sshd-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;

  self->config = g_build_filename (self->dir, "sshd_config", NULL);
  self->host_key = g_build_filename (self->dir, "ssh_host_ed25519_key", NULL);
  self->client_key = g_build_filename (self->dir, "client_ed25519", NULL);
  self->authorized_keys = g_strconcat (self->client_key, ".pub", NULL);
  self->known_hosts = g_build_filename (self->dir, "known_hosts", NULL);
  self->pid_file = g_build_filename (self->dir, "sshd.pid", NULL);
  self->log = g_build_filename (self->dir, "sshd.log", NULL);

  return g_steal_pointer (&self);
}

static gboolean
make_keys (BurrowTestSshd  *self,
           GError         **error)
{
  g_autofree char *host_public = g_strconcat (self->host_key, ".pub", NULL);

  if (!burrow_test_ssh_generate_key (self->host_key, "burrow-test-host", error)
      || !burrow_test_ssh_generate_key (self->client_key, "burrow-test-client", error))
    return FALSE;

  self->fingerprint = burrow_test_ssh_fingerprint (host_public, error);
  return self->fingerprint != NULL;
}

/* The kernel hands out a free ephemeral (high) port; sshd may still lose it
 * to someone else before it binds, which the caller retries. */
static guint16
pick_free_port (GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL || !g_socket_bind (socket, any_port, FALSE, error))
    return 0;

  bound = g_socket_get_local_address (socket, error);
  if (bound == NULL)
    return 0;

  g_socket_close (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Paths are quoted: g_dir_make_tmp() honours $TMPDIR, which may hold spaces. */
static gboolean
write_config (BurrowTestSshd  *self,
              GError         **error)
{
  g_autofree char *text = NULL;

  text = g_strdup_printf ("ListenAddress " LOOPBACK "\n"
                          "Port %u\n"
                          "HostKey \"%s\"\n"
                          "PidFile \"%s\"\n"
                          "AuthorizedKeysFile \"%s\"\n"
                          "StrictModes no\n"
                          "PermitRootLogin %s\n"
                          "PubkeyAuthentication yes\n"
                          "PasswordAuthentication %s\n"
                          "KbdInteractiveAuthentication %s\n"
                          "UsePAM %s\n"
                          "LogLevel %s\n"
                          "AllowTcpForwarding yes\n"
                          "GatewayPorts no\n"
                          /* ~/.ssh/rc is the server-side way to read the
                           * real ~/.ssh; the motd makes output vary. */
                          "PermitUserRC no\n"
                          "PrintMotd no\n"
                          "PrintLastLog no\n"
                          "Subsystem sftp internal-sftp\n",
                          self->port, self->host_key, self->pid_file,
                          self->authorized_keys,
                          self->password != NULL ? "yes" : "prohibit-password",
                          self->password != NULL ? "yes" : "no",
                          self->password != NULL ? "yes" : "no",
                          self->password != NULL ? "yes" : "no",
                          self->log_level);

  return g_file_set_contents (self->config, text, -1, error);
}

static gboolean
write_known_hosts (BurrowTestSshd  *self,
                   GError         **error)
{
  g_autofree char *host_public = g_strconcat (self->host_key, ".pub", NULL);
  g_autofree char *key = NULL;
  g_autofree char *line = NULL;

  if (!g_file_get_contents (host_public, &key, NULL, error))
    return FALSE;

  line = g_strdup_printf ("[" LOOPBACK "]:%u %s\n", self->port, g_strstrip (key));
  return g_file_set_contents (self->known_hosts, line, -1, error);
}

static gboolean
spawn_sshd (BurrowTestSshd  *self,
            GError         **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  /* The launcher appends to the log; each attempt starts it afresh so a
   * failure is judged on that attempt's lines only. */
  if (!g_file_set_contents (self->log, "", 0, error))
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->log);
  g_subprocess_launcher_set_child_setup (launcher, burrow_test_process_die_with_parent, NULL,
                                         NULL);
  /* sshd re-executes itself for each connection and insists on an absolute
   * path for that. */
  if (self->password != NULL)
    /* The test's own /etc/shadow and PAM stack, seen by this sshd only. */
    self->process = g_subprocess_launcher_spawn (
      launcher, error, "/usr/bin/unshare", "--mount", "--propagation", "private", "--",
      "/bin/sh", "-c",
      "mount --bind \"$1\" /etc/shadow && mount --bind \"$2\" /etc/pam.d && "
      "exec " SSHD_PATH " -D -e -f \"$3\"",
      "sh", self->shadow, self->pam_dir, self->config, NULL);
  else
    self->process = g_subprocess_launcher_spawn (launcher, error, SSHD_PATH,
                                                 "-D", "-e", "-f", self->config, NULL);
  if (self->process == NULL)
    return FALSE;

  self->exited = FALSE;
  g_main_context_push_thread_default (self->context);
  g_subprocess_wait_async (self->process, NULL, on_sshd_exited, self);
  g_main_context_pop_thread_default (self->context);

  return TRUE;
}

/* sshd writes its PidFile only once its listener is bound, so a PidFile with
 * our child's pid proves the port is ours and not some other server's. */
static gboolean
pid_file_is_ours (BurrowTestSshd *self)
{
  g_autofree char *text = NULL;
  const char *identifier = g_subprocess_get_identifier (self->process);

  if (identifier == NULL || !g_file_get_contents (self->pid_file, &text, NULL, NULL))
    return FALSE;

  return g_ascii_strtoll (text, NULL, 10) == g_ascii_strtoll (identifier, NULL, 10);
}

static gboolean
lost_port_race (const char *log)
{
  return strstr (log, "Address already in use") != NULL
         || strstr (log, "Cannot bind any address") != NULL;
}

/* FALSE with *@retry set when sshd lost its port and another one may work. */
static gboolean
wait_ready (BurrowTestSshd  *self,
            gint64           deadline,
            gboolean        *retry,
            GError         **error)
{
  g_autofree char *log = NULL;

  *retry = FALSE;
  for (;;)
    {
      if (!self->exited && pid_file_is_ours (self) && burrow_test_ssh_banner_answers (self->port))
        return TRUE;
      if (self->exited || g_get_monotonic_time () >= deadline)
        break;
      wait_exited (self, PROBE_INTERVAL_MS);
    }

  log = burrow_test_read_log_tail (self->log);
  if (self->exited)
    {
      *retry = lost_port_race (log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "sshd on " LOOPBACK ":%u exited during start-up; its log:\n%s",
                   self->port, log);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "sshd on " LOOPBACK ":%u did not answer with an SSH-2.0 banner "
                   "in time; its log:\n%s", self->port, log);
    }

  return FALSE;
}

static gboolean
start_on_free_port (BurrowTestSshd  *self,
                    GError         **error)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  gboolean retry = TRUE;

  for (guint attempt = 1; retry && attempt <= MAX_START_ATTEMPTS; attempt++)
    {
      /* A retry means the last sshd has exited and its exit was seen. */
      g_clear_error (error);
      g_clear_object (&self->process);

      self->port = pick_free_port (error);
      if (self->port == 0
          || !write_config (self, error)
          || !write_known_hosts (self, error)
          || !spawn_sshd (self, error))
        return FALSE;

      if (wait_ready (self, deadline, &retry, error))
        return TRUE;
      g_debug ("sshd attempt %u on port %u failed%s", attempt, self->port,
               retry ? ", retrying on another port" : "");
    }

  return FALSE;
}

BurrowTestSshd *
burrow_test_sshd_start (GError **error)
{
  return burrow_test_sshd_start_with_log_level ("VERBOSE", error);
}

BurrowTestSshd *
burrow_test_sshd_start_with_log_level (const char  *log_level,
                                       GError     **error)
{
  g_autoptr(BurrowTestSshd) self = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_tools (error) || !ensure_privsep_dir (error))
    return NULL;

  self = sshd_new (error);
  if (self == NULL)
    return NULL;
  self->log_level = g_intern_string (log_level);
  if (!make_keys (self, error) || !start_on_free_port (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* The port is fixed here: a client's known_hosts names it.  sshd binds with
 * SO_REUSEADDR, so only another listener can take it; that is retried (it
 * may be the old sshd's socket still closing), without picking another. */
static gboolean
restart_on_same_port (BurrowTestSshd  *self,
                      GError         **error)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  gboolean retry = TRUE;

  for (guint attempt = 1; retry && attempt <= MAX_START_ATTEMPTS; attempt++)
    {
      g_clear_error (error);
      g_clear_object (&self->process);
      g_unlink (self->pid_file);
      if (!spawn_sshd (self, error))
        return FALSE;
      if (wait_ready (self, deadline, &retry, error))
        return TRUE;
      g_debug ("sshd restart %u on port %u failed", attempt, self->port);
      if (retry)
        g_usleep (PROBE_INTERVAL_MS * G_TIME_SPAN_MILLISECOND);
    }

  return FALSE;
}

gboolean
burrow_test_sshd_rekey (BurrowTestSshd  *self,
                        GError         **error)
{
  g_autofree char *host_public = NULL;
  char *fingerprint;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  host_public = g_strconcat (self->host_key, ".pub", NULL);
  if (!terminate (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "sshd (pid %s) survived SIGKILL", g_subprocess_get_identifier (self->process));
      return FALSE;
    }
  /* ssh-keygen asks before overwriting, and nobody would answer. */
  g_unlink (self->host_key);
  g_unlink (host_public);
  if (!burrow_test_ssh_generate_key (self->host_key, "burrow-test-host", error))
    return FALSE;
  fingerprint = burrow_test_ssh_fingerprint (host_public, error);
  if (fingerprint == NULL)
    return FALSE;
  g_free (self->fingerprint);
  self->fingerprint = fingerprint;

  return restart_on_same_port (self, error);
}

/* A copy of /etc/shadow where the current user's password is @password,
 * and a PAM stack of pam_unix alone. */
static gboolean
write_password_files (BurrowTestSshd  *self,
                      GError         **error)
{
  g_autofree char *shadow = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GString) copy = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  g_autofree char *pam = NULL;
  const char *argv[] = { "openssl", "passwd", "-6", "-salt", "burrowtest", self->password, NULL };
  int status = 0;

  if (!g_file_get_contents ("/etc/shadow", &shadow, NULL, error) ||
      !g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &hash, NULL,
                     &status, error) ||
      !g_spawn_check_wait_status (status, error))
    return FALSE;
  g_strstrip (hash);
  lines = g_strsplit (shadow, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);

      if (*lines[i] == '\0')
        continue;
      if (g_strv_length (fields) == 3 && g_str_equal (fields[0], g_get_user_name ()))
        g_string_append_printf (copy, "%s:%s:%s\n", fields[0], hash, fields[2]);
      else
        g_string_append_printf (copy, "%s\n", lines[i]);
    }
  self->shadow = g_build_filename (self->dir, "shadow", NULL);
  self->pam_dir = g_build_filename (self->dir, "pam.d", NULL);
  pam = g_build_filename (self->pam_dir, "sshd", NULL);
  g_mkdir (self->pam_dir, 0755);
  return g_file_set_contents (self->shadow, copy->str, -1, error) &&
         g_file_set_contents (pam,
                              "auth required pam_unix.so\n"
                              "account required pam_permit.so\n"
                              "session required pam_permit.so\n"
                              "password required pam_deny.so\n", -1, error);
}

/* Like burrow_test_sshd_start(), and the current user may also log in
 * with @password (password and keyboard-interactive through PAM).  Needs
 * root, for the mount namespace that gives sshd its own /etc/shadow;
 * otherwise G_IO_ERROR_NOT_SUPPORTED. */
BurrowTestSshd *
burrow_test_sshd_start_with_password (const char  *password,
                                      GError     **error)
{
  g_autoptr(BurrowTestSshd) self = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (geteuid () != 0 || !g_file_test ("/usr/bin/unshare", G_FILE_TEST_IS_EXECUTABLE) ||
      openssl == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "password logins need root (a mount namespace for sshd), unshare and openssl");
      return NULL;
    }
  if (!check_tools (error) || !ensure_privsep_dir (error))
    return NULL;
  self = sshd_new (error);
  if (self == NULL)
    return NULL;
  self->password = g_strdup (password);
  if (!make_keys (self, error) || !write_password_files (self, error) ||
      !start_on_free_port (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* Established TCP connections to sshd's port, counted from /proc/net/tcp
 * (IPv4: sshd listens on 127.0.0.1). */
guint
burrow_test_sshd_count_connections (BurrowTestSshd *self)
{
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *port = g_strdup_printf (":%04X", self->port);
  guint count = 0;

  if (!g_file_get_contents ("/proc/net/tcp", &table, NULL, NULL))
    return 0;
  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char local[64], remote[64], state[8];

      /* "  sl  local_address rem_address   st …"; 01 is ESTABLISHED */
      if (sscanf (lines[i], "%*s %63s %63s %7s", local, remote, state) == 3 &&
          g_str_has_suffix (remote, port) && g_str_equal (state, "01"))
        count++;
    }
  return count;
}

guint16
burrow_test_sshd_get_port (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

const char *
burrow_test_sshd_get_host (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return LOOPBACK;
}

GPid
burrow_test_sshd_get_pid (BurrowTestSshd *self)
{
  const char *identifier;

  g_return_val_if_fail (self != NULL, 0);
  identifier = self->exited ? NULL : g_subprocess_get_identifier (self->process);
  return identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
}

const char *
burrow_test_sshd_get_dir (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dir;
}

const char *
burrow_test_sshd_get_client_key (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_key;
}

const char *
burrow_test_sshd_get_known_hosts (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->known_hosts;
}

const char *
burrow_test_sshd_get_host_key_fingerprint (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->fingerprint;
}

const char *
burrow_test_sshd_get_log (BurrowTestSshd *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->log;
}

GStrv
burrow_test_sshd_client_argv (BurrowTestSshd     *self,
                              const char         *user,
                              const char * const *extra)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autofree char *known_hosts = NULL;
  g_autofree char *port = NULL;
  g_autofree char *destination = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  /* Quoted because ssh splits option values on spaces; see write_config(). */
  known_hosts = g_strdup_printf ("UserKnownHostsFile=\"%s\"", self->known_hosts);
  port = g_strdup_printf ("%u", self->port);
  destination = g_strdup_printf ("%s@" LOOPBACK, user != NULL ? user : g_get_user_name ());

  /* -F /dev/null also stops ssh from creating ~/.ssh. */
  builder = g_strv_builder_new ();
  g_strv_builder_add_many (builder,
                           "ssh", "-F", "/dev/null",
                           "-i", self->client_key,
                           "-o", "IdentitiesOnly=yes",
                           "-o", known_hosts,
                           "-o", "GlobalKnownHostsFile=/dev/null",
                           "-o", "StrictHostKeyChecking=yes",
                           "-o", "BatchMode=yes",
                           "-o", "ConnectTimeout=5",
                           "-p", port,
                           destination,
                           NULL);
  if (extra != NULL)
    g_strv_builder_addv (builder, (const char **) extra);

  return g_strv_builder_end (builder);
}

BurrowTestSshd *
burrow_test_sshd_start_or_skip (void)
{
  g_autoptr(GError) error = NULL;
  BurrowTestSshd *self = burrow_test_sshd_start (&error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return self;
}

void
burrow_test_sshd_use_home (BurrowTestSshd *self)
{
  g_autofree char *home = g_build_filename (burrow_test_sshd_get_dir (self), "home", NULL);

  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
}
