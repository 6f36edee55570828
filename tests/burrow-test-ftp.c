// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-test-ftp"

#include "burrow-test-ftp.h"

#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#define VSFTPD_PATH "/usr/sbin/vsftpd"
#define PYTHON_PATH "/usr/bin/python3"
#define HOSTILE_SCRIPT "ftp/hostile-ftp-server.py"
#define TRAP_ADDRESS "127.77.0.9"
#define MAX_START_ATTEMPTS 5
#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define PROBE_INTERVAL_MS 50
#define PROBE_TIMEOUT_S 2
#define EXIT_TIMEOUT_MS 5000
#define PASSIVE_PORTS 20
#define LOG_TAIL_BYTES 4096

struct _BurrowTestFtp
{
  const char *name;
  GPid pid;                    /* 0: not running (never started, or reaped) */
  guint16 port;
  guint16 pasv_min;            /* vsftpd, pyftpdlib: their passive range */
  guint16 trap_port;           /* hostile: the port its 227s name */
  char *dir;                   /* everything below is inside it */
  char *root;
  char *upload_dir;
  char *log;
  char *protocol_log;          /* vsftpd's own log */
  char *config;                /* vsftpd.conf */
  char *trap_count;            /* hostile */
  char *banner;                /* what the 220 must hold to be ours */
  GStrv behaviours;            /* hostile */
  char *file;                  /* hostile */
};

/* The kernel hands out a free port; the server may still lose it to someone
 * else before it binds, which the caller retries. */
static guint16
pick_free_port (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  guint16 port = 0;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0 &&
      getsockname (fd, (struct sockaddr *) &address, &length) == 0)
    port = ntohs (address.sin_port);
  if (fd >= 0)
    close (fd);
  return port;
}

static gboolean
make_dir (const char  *path,
          int          mode,
          GError     **error)
{
  /* chmod, not the mkdir mode: the umask must not take the upload
   * directory's write bits away. */
  if (g_mkdir (path, 0700) != 0 || g_chmod (path, mode) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static BurrowTestFtp *
ftp_new (const char  *name,
         GError     **error)
{
  g_autoptr(BurrowTestFtp) self = g_new0 (BurrowTestFtp, 1);
  g_autofree char *empty = NULL;

  self->name = name;
  /* The name lets `pgrep -f burrow-ftp` find a leaked server. */
  self->dir = g_dir_make_tmp ("burrow-ftp-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->root = g_build_filename (self->dir, "root", NULL);
  self->upload_dir = g_build_filename (self->root, "upload", NULL);
  self->log = g_build_filename (self->dir, "server.log", NULL);
  /* vsftpd's anonymous user must reach the served files; the upload
   * directory is writable by it (and, for vsftpd's chroot, the root is
   * not). */
  empty = g_build_filename (self->dir, "empty", NULL);
  if (g_chmod (self->dir, 0755) != 0 ||
      !make_dir (self->root, 0755, error) ||
      !make_dir (self->upload_dir, 0777, error) ||
      !make_dir (empty, 0755, error))
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
spawn_server (BurrowTestFtp       *self,
              const char * const  *argv,
              GError             **error)
{
  int log_fd;
  gboolean spawned;

  /* Each attempt starts the log afresh, so a failure is judged on that
   * attempt's lines only. */
  log_fd = g_open (self->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", self->log, g_strerror (saved_errno));
      return FALSE;
    }
  /* Not reaped by GLib: stop() waits for it by pid. */
  spawned = g_spawn_async_with_pipes_and_fds (self->dir, argv, NULL,
                                              G_SPAWN_DO_NOT_REAP_CHILD |
                                              G_SPAWN_STDIN_FROM_DEV_NULL,
                                              burrow_test_process_die_with_parent,
                                              NULL, -1, log_fd, log_fd, NULL, NULL, 0,
                                              &self->pid, NULL, NULL, NULL, error);
  close (log_fd);
  return spawned;
}

/* TRUE once the child is reaped (or was never there). */
static gboolean
reap (BurrowTestFtp *self,
      guint          timeout_ms)
{
  for (guint waited = 0; self->pid > 0; waited += 10)
    {
      int status;
      pid_t rc = waitpid (self->pid, &status, WNOHANG);

      if (rc == self->pid || (rc < 0 && errno == ECHILD))
        self->pid = 0;
      else if (waited >= timeout_ms)
        return FALSE;
      else
        g_usleep (10 * 1000);
    }
  return TRUE;
}

/* Reaps the child if it has exited. */
static gboolean
is_running (BurrowTestFtp *self)
{
  reap (self, 0);
  return self->pid > 0;
}

/* vsftpd forks a process per session that outlives its listener: those
 * first, leaf first, then the listener itself. */
static void
terminate (BurrowTestFtp *self)
{
  if (self->pid <= 0)
    return;
  burrow_test_process_end_descendants (self->pid);
  kill (self->pid, SIGTERM);
  if (reap (self, EXIT_TIMEOUT_MS))
    return;
  g_message ("%s (pid %d) ignored SIGTERM for %u ms, killing it", self->name,
             (int) self->pid, EXIT_TIMEOUT_MS);
  kill (self->pid, SIGKILL);
  if (!reap (self, EXIT_TIMEOUT_MS))
    g_warning ("%s (pid %d) survived SIGKILL", self->name, (int) self->pid);
}

void
burrow_test_ftp_stop (BurrowTestFtp *self)
{
  if (self == NULL)
    return;
  terminate (self);
  if (self->pid > 0)
    {
      g_warning ("leaking %s", self->dir);
      return;
    }
  if (self->dir != NULL)
    burrow_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->root);
  g_free (self->upload_dir);
  g_free (self->log);
  g_free (self->protocol_log);
  g_free (self->config);
  g_free (self->trap_count);
  g_free (self->banner);
  g_strfreev (self->behaviours);
  g_free (self->file);
  g_free (self);
}

gboolean
burrow_test_ftp_read_line (int      fd,
                           GString *line)
{
  g_string_truncate (line, 0);
  while (line->len < 4096)
    {
      char c;
      ssize_t n = recv (fd, &c, 1, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      if (c == '\n')
        return TRUE;
      if (c != '\r')
        g_string_append_c (line, c);
    }
  return FALSE;
}

/* Whether 127.0.0.1:@port answers with a greeting ending in a "220 " line
 * that holds @banner. */
static gboolean
greeting_answers (guint16     port,
                  const char *banner)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval timeout = { PROBE_TIMEOUT_S, 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ours = FALSE;
  g_autoptr(GString) line = g_string_new (NULL);

  if (fd < 0)
    return FALSE;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) == 0)
    {
      /* A multi-line greeting: "220-" lines, then the "220 " one. */
      for (guint i = 0; i < 64 && burrow_test_ftp_read_line (fd, line); i++)
        if (g_str_has_prefix (line->str, "220 "))
          {
            ours = strstr (line->str, banner) != NULL;
            break;
          }
      send (fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
    }
  close (fd);
  return ours;
}

static char *
read_log_tail (BurrowTestFtp *self)
{
  g_autofree char *text = burrow_test_ftp_read_log (self);
  gsize length = strlen (text);

  if (length > LOG_TAIL_BYTES)
    return g_strdup (text + length - LOG_TAIL_BYTES);
  return g_steal_pointer (&text);
}

static gboolean
lost_port_race (const char *log)
{
  return strstr (log, "Address already in use") != NULL ||
         strstr (log, "could not bind") != NULL ||
         strstr (log, "cannot listen") != NULL;
}

/* FALSE with *@retry set when the server lost its port and another one may
 * work. */
static gboolean
wait_ready (BurrowTestFtp  *self,
            gint64          deadline,
            gboolean       *retry,
            GError        **error)
{
  g_autofree char *log = NULL;

  *retry = FALSE;
  for (;;)
    {
      /* Alive after it answered: the port is its own, not a server that
       * held it while ours failed to bind. */
      if (greeting_answers (self->port, self->banner) && is_running (self))
        return TRUE;
      if (!is_running (self) || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (PROBE_INTERVAL_MS * 1000);
    }

  log = read_log_tail (self);
  if (self->pid == 0)
    {
      *retry = lost_port_race (log);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s on 127.0.0.1:%u exited during start-up; its log:\n%s",
                   self->name, self->port, log);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "%s on 127.0.0.1:%u did not greet with \"220 …%s…\" in time; its log:\n%s",
                   self->name, self->port, self->banner, log);
    }
  return FALSE;
}

typedef gboolean (*PrepareFunc) (BurrowTestFtp  *self,
                                 GPtrArray      *argv,
                                 GError        **error);

static gboolean
start_on_free_port (BurrowTestFtp  *self,
                    PrepareFunc     prepare,
                    GError        **error)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  gboolean retry = TRUE;

  for (guint attempt = 1; retry && attempt <= MAX_START_ATTEMPTS; attempt++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

      g_clear_error (error);
      self->port = pick_free_port ();
      self->pasv_min = pick_free_port ();
      self->trap_port = pick_free_port ();
      if (self->port == 0 || self->pasv_min == 0 || self->trap_port == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "No free port on 127.0.0.1");
          return FALSE;
        }
      /* The range must stay below 65536. */
      self->pasv_min = MIN (self->pasv_min, 65535 - PASSIVE_PORTS);
      if (!prepare (self, argv, error))
        return FALSE;
      g_ptr_array_add (argv, NULL);
      if (!spawn_server (self, (const char * const *) argv->pdata, error))
        return FALSE;
      if (wait_ready (self, deadline, &retry, error))
        return TRUE;
      terminate (self);
      g_debug ("%s attempt %u on port %u failed%s", self->name, attempt, self->port,
               retry ? ", retrying on another port" : "");
    }
  return FALSE;
}

/* As root: the anonymous user is chrooted into the root and writes to
 * upload/ only.  As another user vsftpd cannot switch users or chroot, so
 * it runs as the launching user (run_as_launching_user); anonymous logins
 * still land in anon_root.  Isolation (namespaces) and the seccomp sandbox
 * are off: they need privileges a container may not grant, and this
 * server is a test peer on loopback, not a thing to protect. */
static gboolean
prepare_vsftpd (BurrowTestFtp  *self,
                GPtrArray      *argv,
                GError        **error)
{
  g_autofree char *empty = g_build_filename (self->dir, "empty", NULL);
  g_autofree char *text = NULL;

  g_free (self->config);
  g_free (self->protocol_log);
  self->config = g_build_filename (self->dir, "vsftpd.conf", NULL);
  self->protocol_log = g_build_filename (self->dir, "vsftpd.log", NULL);
  text = g_strdup_printf (
    "listen=YES\n"
    "listen_ipv6=NO\n"
    "listen_address=127.0.0.1\n"
    "listen_port=%u\n"
    "background=NO\n"
    "seccomp_sandbox=NO\n"
    "isolate=NO\n"
    "isolate_network=NO\n"
    "%s"
    "secure_chroot_dir=%s\n"
    "ftpd_banner=%s\n"
    "anonymous_enable=YES\n"
    "local_enable=NO\n"
    "anon_root=%s\n"
    "write_enable=YES\n"
    "anon_upload_enable=YES\n"
    "anon_mkdir_write_enable=YES\n"
    "anon_other_write_enable=YES\n"
    "anon_umask=022\n"
    "pasv_enable=YES\n"
    "pasv_address=127.0.0.1\n"
    "pasv_min_port=%u\n"
    "pasv_max_port=%u\n"
    "port_enable=YES\n"
    "connect_from_port_20=NO\n"
    "pasv_promiscuous=NO\n"
    "port_promiscuous=NO\n"
    "ssl_enable=NO\n"
    "dirmessage_enable=NO\n"
    "hide_ids=YES\n"
    "use_localtime=NO\n"
    "idle_session_timeout=60\n"
    "data_connection_timeout=60\n"
    "accept_timeout=30\n"
    "connect_timeout=30\n"
    "xferlog_enable=YES\n"
    "xferlog_std_format=NO\n"
    "log_ftp_protocol=YES\n"
    "vsftpd_log_file=%s\n",
    self->port, geteuid () == 0 ? "" : "run_as_launching_user=YES\n", empty, self->banner,
    self->root, self->pasv_min, self->pasv_min + PASSIVE_PORTS - 1, self->protocol_log);
  if (!g_file_set_contents (self->config, text, -1, error))
    return FALSE;
  g_ptr_array_add (argv, g_strdup (VSFTPD_PATH));
  g_ptr_array_add (argv, g_strdup (self->config));
  return TRUE;
}

static gboolean
prepare_pyftpdlib (BurrowTestFtp  *self,
                   GPtrArray      *argv,
                   G_GNUC_UNUSED GError **error)
{
  g_ptr_array_add (argv, g_strdup (PYTHON_PATH));
  g_ptr_array_add (argv, g_strdup ("-m"));
  g_ptr_array_add (argv, g_strdup ("pyftpdlib"));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", self->port));
  g_ptr_array_add (argv, g_strdup ("-d"));
  g_ptr_array_add (argv, g_strdup (self->root));
  g_ptr_array_add (argv, g_strdup ("-w"));
  g_ptr_array_add (argv, g_strdup ("-r"));
  g_ptr_array_add (argv, g_strdup_printf ("%u-%u", self->pasv_min,
                                          self->pasv_min + PASSIVE_PORTS - 1));
  return TRUE;
}

static char *
hostile_script (void)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  const char *root = g_getenv ("BURROW_SOURCE_ROOT");

  if (srcdir != NULL)
    return g_build_filename (srcdir, HOSTILE_SCRIPT, NULL);
  if (root != NULL)
    return g_build_filename (root, "tests", HOSTILE_SCRIPT, NULL);
  return g_build_filename (".", HOSTILE_SCRIPT, NULL);
}

static gboolean
prepare_hostile (BurrowTestFtp  *self,
                 GPtrArray      *argv,
                 G_GNUC_UNUSED GError **error)
{
  g_ptr_array_add (argv, g_strdup (PYTHON_PATH));
  g_ptr_array_add (argv, hostile_script ());
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", self->port));
  g_ptr_array_add (argv, g_strdup ("--trap-port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", self->trap_port));
  g_ptr_array_add (argv, g_strdup ("--trap-address"));
  g_ptr_array_add (argv, g_strdup (TRAP_ADDRESS));
  g_ptr_array_add (argv, g_strdup ("--trap-count"));
  g_ptr_array_add (argv, g_strdup (self->trap_count));
  g_ptr_array_add (argv, g_strdup ("--file"));
  g_ptr_array_add (argv, g_strdup (self->file));
  for (guint i = 0; self->behaviours != NULL && self->behaviours[i] != NULL; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--behaviour"));
      g_ptr_array_add (argv, g_strdup (self->behaviours[i]));
    }
  return TRUE;
}

static gboolean
pyftpdlib_installed (void)
{
  const char *argv[] = { PYTHON_PATH, "-c", "import pyftpdlib", NULL };
  int status = 0;

  if (!g_file_test (PYTHON_PATH, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  return g_spawn_sync (NULL, (char **) argv, NULL,
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                       NULL, NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

BurrowTestFtp *
burrow_test_ftp_start (BurrowTestFtpKind   kind,
                       GError            **error)
{
  g_autoptr(BurrowTestFtp) self = NULL;
  gboolean vsftpd = kind == BURROW_TEST_FTP_VSFTPD;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (vsftpd && !g_file_test (VSFTPD_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s is not installed (package vsftpd)", VSFTPD_PATH);
      return NULL;
    }
  if (!vsftpd && !pyftpdlib_installed ())
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           PYTHON_PATH " cannot import pyftpdlib (package python3-pyftpdlib)");
      return NULL;
    }
  self = ftp_new (vsftpd ? "vsftpd" : "pyftpdlib", error);
  if (self == NULL)
    return NULL;
  /* vsftpd's greeting is ours to choose: the temp dir's name is unique. */
  self->banner = vsftpd ? g_path_get_basename (self->dir) : g_strdup ("pyftpdlib");
  if (!start_on_free_port (self, vsftpd ? prepare_vsftpd : prepare_pyftpdlib, error))
    return NULL;
  return g_steal_pointer (&self);
}

BurrowTestFtp *
burrow_test_ftp_start_hostile (const char * const  *behaviours,
                               const char          *file,
                               GError             **error)
{
  g_autoptr(BurrowTestFtp) self = NULL;
  g_autofree char *script = hostile_script ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (PYTHON_PATH, G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s or %s is missing", PYTHON_PATH, script);
      return NULL;
    }
  self = ftp_new ("hostile", error);
  if (self == NULL)
    return NULL;
  self->banner = g_strdup ("Ready.");
  self->trap_count = g_build_filename (self->dir, "trap-count", NULL);
  self->behaviours = g_strdupv ((char **) behaviours);
  self->file = g_strdup (file);
  if (!start_on_free_port (self, prepare_hostile, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
burrow_test_ftp_get_name (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

guint16
burrow_test_ftp_get_port (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

GPid
burrow_test_ftp_get_pid (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->pid;
}

const char *
burrow_test_ftp_get_root (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file != NULL ? NULL : self->root;
}

const char *
burrow_test_ftp_get_upload_dir (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->file != NULL ? NULL : self->upload_dir;
}

char *
burrow_test_ftp_read_log (BurrowTestFtp *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *paths[] = { self->log, self->protocol_log };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *contents = NULL;

      if (paths[i] != NULL && g_file_get_contents (paths[i], &contents, NULL, NULL))
        g_string_append (text, contents);
    }
  if (text->len == 0)
    g_string_append (text, "(no log)");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

const char *
burrow_test_ftp_get_trap_address (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return TRAP_ADDRESS;
}

guint16
burrow_test_ftp_get_trap_port (BurrowTestFtp *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->trap_count != NULL ? self->trap_port : 0;
}

guint
burrow_test_ftp_get_trap_count (BurrowTestFtp *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (self != NULL, 0);
  if (self->trap_count == NULL || !g_file_get_contents (self->trap_count, &text, NULL, NULL))
    return 0;
  return (guint) g_ascii_strtoull (text, NULL, 10);
}
