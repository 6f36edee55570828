// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-test-netns"

#include "burrow-test-netns.h"

#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define SSHD_PATH "/usr/sbin/sshd"
#define UNSHARE_PATH "/usr/bin/unshare"
#define NSENTER_PATH "/usr/bin/nsenter"
#define LOOPBACK "127.0.0.1"
#define READY_TIMEOUT_MS 10000
#define POLL_INTERVAL_MS 50
#define PROBE_TIMEOUT_S 2
#define MAX_PEER_ATTEMPTS 5
/* More live outer sshd processes than any test needs means something loops:
 * refuse rather than fork without end. */
#define MAX_OUTER_PROCESSES 64

struct _BurrowTestHops
{
  char *dir;
  char *client_key;
  char *authorized_keys;
  char *known_hosts;
  char *outer_known_hosts;

  /* The inner sshd; its pid names N. */
  GSubprocess *inner;
  guint16 inner_port;
  int inner_reservation;
  char *inner_config;
  char *inner_host_key;
  char *inner_log;
  char *inner_fingerprint;
  char *netns_path;            /* /proc/PID/ns/net of the inner sshd */

  BurrowTestPeer *peer;        /* listening in N */
  int peer_reservation;

  /* The outer: a listener here, one sshd -i in N per connection, spawned
   * and stopped by the accept thread (their PR_SET_PDEATHSIG parent). */
  int listen_fd;
  int wake[2];
  guint16 outer_port;
  GThread *accept_thread;
  char *outer_config;
  char *outer_host_key;
  char *outer_log;
  char *outer_fingerprint;
};

/* ---- files and tools ---------------------------------------------------- */

/* "[127.0.0.1]:PORT ssh-ed25519 AAAA… comment\n" */
static char *
known_hosts_line (const char  *private_key,
                  guint16      port,
                  GError     **error)
{
  g_autofree char *public_key = g_strconcat (private_key, ".pub", NULL);
  g_autofree char *key = NULL;

  if (!g_file_get_contents (public_key, &key, NULL, error))
    return NULL;

  return g_strdup_printf ("[" LOOPBACK "]:%u %s\n", port, g_strstrip (key));
}

/* ---- sockets ------------------------------------------------------------ */

/* Binds 127.0.0.1:@port (0: any) in the calling thread's namespace.  With
 * @backlog 0 it never listens: a connect() to it is refused, and without
 * SO_REUSEADDR nobody else can bind the port, nor get it as an ephemeral
 * source port.  Returns the fd, or -1 with errno set. */
static int
bind_loopback (guint16  port,
               int      backlog,
               guint16 *bound_port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int saved_errno;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    return -1;
  if (bind (fd, (struct sockaddr *) &address, sizeof address) != 0
      || (backlog > 0 && listen (fd, backlog) != 0)
      || getsockname (fd, (struct sockaddr *) &address, &length) != 0)
    {
      saved_errno = errno;
      close (fd);
      errno = saved_errno;
      return -1;
    }
  if (bound_port != NULL)
    *bound_port = ntohs (address.sin_port);

  return fd;
}

/* ---- set-up ------------------------------------------------------------- */

static gboolean
check_support (char   **ip_path,
               GError **error)
{
  g_autofree char *keygen = g_find_program_in_path ("ssh-keygen");

  *ip_path = burrow_test_find_ip ();

  if (geteuid () != 0 || *ip_path == NULL
      || !g_file_test (UNSHARE_PATH, G_FILE_TEST_IS_EXECUTABLE)
      || !g_file_test (NSENTER_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "two-hop topology needs root (network namespaces), "
                           UNSHARE_PATH ", " NSENTER_PATH " (util-linux) and ip (iproute2)");
      return FALSE;
    }
  if (!g_file_test (SSHD_PATH, G_FILE_TEST_IS_EXECUTABLE) || keygen == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           SSHD_PATH " or ssh-keygen is not installed "
                           "(packages openssh-server, openssh-client)");
      return FALSE;
    }
  /* sshd as root chroots its pre-auth child into /run/sshd. */
  if (g_mkdir_with_parents ("/run/sshd", 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create /run/sshd: %s", g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static BurrowTestHops *
hops_new (GError **error)
{
  g_autoptr(BurrowTestHops) self = g_new0 (BurrowTestHops, 1);

  self->inner_reservation = -1;
  self->peer_reservation = -1;
  self->listen_fd = -1;
  self->wake[0] = self->wake[1] = -1;
  /* The name lets `pgrep -f burrow-hops` find a leaked server: the config
   * paths are in sshd's command line. */
  self->dir = g_dir_make_tmp ("burrow-hops-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;

  self->client_key = g_build_filename (self->dir, "client_ed25519", NULL);
  self->authorized_keys = g_strconcat (self->client_key, ".pub", NULL);
  self->known_hosts = g_build_filename (self->dir, "known_hosts", NULL);
  self->outer_known_hosts = g_build_filename (self->dir, "known_hosts.outer-only", NULL);
  self->inner_config = g_build_filename (self->dir, "inner_sshd_config", NULL);
  self->inner_host_key = g_build_filename (self->dir, "inner_host_ed25519_key", NULL);
  self->inner_log = g_build_filename (self->dir, "inner-sshd.log", NULL);
  self->outer_config = g_build_filename (self->dir, "outer_sshd_config", NULL);
  self->outer_host_key = g_build_filename (self->dir, "outer_host_ed25519_key", NULL);
  self->outer_log = g_build_filename (self->dir, "outer-sshd.log", NULL);

  return g_steal_pointer (&self);
}

static gboolean
make_keys (BurrowTestHops  *self,
           GError         **error)
{
  if (!burrow_test_ssh_generate_key (self->outer_host_key, "burrow-test-outer-host", error)
      || !burrow_test_ssh_generate_key (self->inner_host_key, "burrow-test-inner-host", error)
      || !burrow_test_ssh_generate_key (self->client_key, "burrow-test-client", error))
    return FALSE;

  self->outer_fingerprint = burrow_test_ssh_fingerprint_of_private (self->outer_host_key, error);
  if (self->outer_fingerprint == NULL)
    return FALSE;
  self->inner_fingerprint = burrow_test_ssh_fingerprint_of_private (self->inner_host_key, error);
  return self->inner_fingerprint != NULL;
}

/* @listen is the inner's "ListenAddress/Port" lines; the outer runs in
 * inetd mode and has none. */
static gboolean
write_sshd_config (BurrowTestHops  *self,
                   const char      *path,
                   const char      *listen,
                   const char      *host_key,
                   const char      *log_level,
                   GError         **error)
{
  g_autofree char *text = burrow_test_sshd_config_text (listen, host_key, self->authorized_keys,
                                                         log_level);

  return g_file_set_contents (path, text, -1, error);
}

static gboolean
write_known_hosts (BurrowTestHops  *self,
                   GError         **error)
{
  g_autofree char *outer = known_hosts_line (self->outer_host_key, self->outer_port, error);
  g_autofree char *inner = NULL;
  g_autofree char *both = NULL;

  if (outer == NULL)
    return FALSE;
  inner = known_hosts_line (self->inner_host_key, self->inner_port, error);
  if (inner == NULL)
    return FALSE;
  both = g_strconcat (outer, inner, NULL);

  return g_file_set_contents (self->known_hosts, both, -1, error)
         && g_file_set_contents (self->outer_known_hosts, outer, -1, error);
}

static gboolean
spawn_inner (BurrowTestHops  *self,
             const char      *ip_path,
             GError         **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  if (!g_file_set_contents (self->inner_log, "", 0, error))
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->inner_log);
  g_subprocess_launcher_set_child_setup (launcher, burrow_test_process_die_with_parent, NULL,
                                         NULL);
  /* Without --fork, unshare and sh exec in place: the pid is sshd's, and
   * PR_SET_PDEATHSIG survives both execs.  sshd re-executes itself for each
   * connection and insists on an absolute path for that. */
  self->inner = g_subprocess_launcher_spawn (
    launcher, error, UNSHARE_PATH, "--net", "--", "/bin/sh", "-c",
    "\"$1\" link set lo up && exec " SSHD_PATH " -D -e -f \"$2\"",
    "sh", ip_path, self->inner_config, NULL);

  return self->inner != NULL;
}

/* N is fresh, so the port is free there: "Server listening" in the log is
 * proof enough that this sshd holds it. */
static gboolean
wait_inner_ready (BurrowTestHops  *self,
                  GError         **error)
{
  g_autofree char *needle = g_strdup_printf ("Server listening on " LOOPBACK " port %u.",
                                             self->inner_port);
  g_autofree char *log = NULL;
  gboolean exited = FALSE;

  for (guint i = 0; i < READY_TIMEOUT_MS / POLL_INTERVAL_MS; i++)
    {
      exited = g_subprocess_get_identifier (self->inner) == NULL;
      if (!exited && burrow_test_file_contains (self->inner_log, needle))
        {
          self->netns_path = g_strdup_printf ("/proc/%d/ns/net",
                                              (int) burrow_test_subprocess_pid (self->inner));
          return TRUE;
        }
      if (exited)
        break;
      g_usleep (POLL_INTERVAL_MS * 1000);
    }

  log = burrow_test_read_log_tail (self->inner_log);
  /* Root without CAP_SYS_ADMIN (a container) cannot make namespaces. */
  if (exited && strstr (log, "unshare failed") != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "cannot create a network namespace; unshare said:\n%s", log);
  else
    g_set_error (error, G_IO_ERROR, exited ? G_IO_ERROR_FAILED : G_IO_ERROR_TIMED_OUT,
                 "inner sshd on " LOOPBACK ":%u in its namespace %s; its log:\n%s",
                 self->inner_port, exited ? "exited during start-up" : "did not listen in time",
                 log);

  return FALSE;
}

static gboolean
start_inner (BurrowTestHops  *self,
             const char      *ip_path,
             GError         **error)
{
  g_autofree char *listen = NULL;

  self->inner_reservation = bind_loopback (0, 0, &self->inner_port);
  if (self->inner_reservation < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot reserve a port on " LOOPBACK ": %s", g_strerror (saved_errno));
      return FALSE;
    }
  listen = g_strdup_printf ("ListenAddress " LOOPBACK "\nPort %u\n", self->inner_port);

  return write_sshd_config (self, self->inner_config, listen, self->inner_host_key, "DEBUG1",
                            error)
         && spawn_inner (self, ip_path, error)
         && wait_inner_ready (self, error);
}

/* The peer's port number is also reserved here, so the test can show the
 * peer is out of reach but through the inner hop; a number already taken
 * here means another try. */
static gboolean
start_peer (BurrowTestHops  *self,
            GError         **error)
{
  for (guint attempt = 1; attempt <= MAX_PEER_ATTEMPTS; attempt++)
    {
      BurrowTestPeer *peer = burrow_test_peer_start_in_netns (self->netns_path, error);

      if (peer == NULL)
        return FALSE;
      self->peer_reservation = bind_loopback (burrow_test_peer_port (peer), 0, NULL);
      if (self->peer_reservation >= 0)
        {
          self->peer = peer;
          return TRUE;
        }
      g_debug ("peer port %u is taken outside N, attempt %u", burrow_test_peer_port (peer),
               attempt);
      burrow_test_peer_stop (peer);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
               "No peer port in N was free on " LOOPBACK " outside it after %u attempts",
               MAX_PEER_ATTEMPTS);
  return FALSE;
}

/* ---- the outer hop: accept here, sshd -i there ---------------------------- */

/* GLib has reaped them: forget them. */
static void
prune_exited (GPtrArray *processes)
{
  for (guint i = processes->len; i > 0; i--)
    if (g_subprocess_get_identifier (processes->pdata[i - 1]) == NULL)
      g_ptr_array_remove_index_fast (processes, i - 1);
}

/* The connection becomes sshd's stdin and stdout (inetd mode); nsenter
 * switches to N and execs sshd in place. */
static void
spawn_outer (BurrowTestHops *self,
             int             fd,
             GPtrArray      *processes)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *netns_arg = g_strdup_printf ("--net=%s", self->netns_path);
  int out = fcntl (fd, F_DUPFD_CLOEXEC, 3);
  GSubprocess *process;

  if (out < 0)
    {
      g_message ("outer hop: cannot duplicate a connection: %s", g_strerror (errno));
      close (fd);
      return;
    }
  g_subprocess_launcher_take_stdin_fd (launcher, fd);
  g_subprocess_launcher_take_stdout_fd (launcher, out);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->outer_log);
  g_subprocess_launcher_set_child_setup (launcher, burrow_test_process_die_with_parent, NULL,
                                         NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, NSENTER_PATH, netns_arg,
                                         SSHD_PATH, "-i", "-e", "-f", self->outer_config, NULL);
  if (process == NULL)
    {
      g_message ("outer hop: cannot start sshd -i: %s", error->message);
      return;
    }
  g_ptr_array_add (processes, process);
}

static void
accept_one (BurrowTestHops *self,
            GPtrArray      *processes)
{
  int fd = accept4 (self->listen_fd, NULL, NULL, SOCK_CLOEXEC);

  if (fd < 0)
    return;
  prune_exited (processes);
  if (processes->len >= MAX_OUTER_PROCESSES)
    {
      g_message ("outer hop: %u sshd processes alive, refusing a connection", processes->len);
      close (fd);
      return;
    }
  spawn_outer (self, fd, processes);
}

/* Runs until burrow_test_hops_stop() writes to the wake pipe; the sshd
 * processes it spawned die with it (PR_SET_PDEATHSIG names this thread),
 * but it stops them itself first so their own children are ended too. */
static gpointer
accept_loop (gpointer data)
{
  BurrowTestHops *self = data;
  g_autoptr(GPtrArray) processes = g_ptr_array_new_with_free_func (g_object_unref);
  struct pollfd fds[2] = { { self->listen_fd, POLLIN, 0 }, { self->wake[0], POLLIN, 0 } };

  for (;;)
    {
      int ready = poll (fds, G_N_ELEMENTS (fds), -1);

      if (ready < 0 && errno == EINTR)
        continue;
      if (ready < 0 || (fds[1].revents & POLLIN) != 0)
        break;
      if ((fds[0].revents & POLLIN) != 0)
        accept_one (self, processes);
    }

  for (guint i = 0; i < processes->len; i++)
    if (!burrow_test_subprocess_stop (processes->pdata[i]))
      g_message ("outer sshd (pid %s) survived SIGKILL",
                 g_subprocess_get_identifier (processes->pdata[i]));

  return NULL;
}

static gboolean
start_outer (BurrowTestHops  *self,
             GError         **error)
{
  if (!write_sshd_config (self, self->outer_config, "", self->outer_host_key, "VERBOSE", error)
      || !g_file_set_contents (self->outer_log, "", 0, error))
    return FALSE;

  self->listen_fd = bind_loopback (0, 128, &self->outer_port);
  if (self->listen_fd < 0 || pipe2 (self->wake, O_CLOEXEC) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot listen on " LOOPBACK " for the outer hop: %s",
                   g_strerror (saved_errno));
      return FALSE;
    }
  self->accept_thread = g_thread_new ("hops-outer-accept", accept_loop, self);

  return TRUE;
}

static gboolean
wait_outer_ready (BurrowTestHops  *self,
                  GError         **error)
{
  g_autofree char *log = NULL;

  for (guint i = 0; i < READY_TIMEOUT_MS / POLL_INTERVAL_MS; i++)
    {
      if (burrow_test_ssh_banner_answers (self->outer_port))
        return TRUE;
      g_usleep (POLL_INTERVAL_MS * 1000);
    }

  log = burrow_test_read_log_tail (self->outer_log);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "outer sshd -i behind " LOOPBACK ":%u did not answer with an SSH-2.0 banner "
               "in time; its log:\n%s", self->outer_port, log);
  return FALSE;
}

BurrowTestHops *
burrow_test_hops_start (GError **error)
{
  g_autoptr(BurrowTestHops) self = NULL;
  g_autofree char *ip_path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_support (&ip_path, error))
    return NULL;

  self = hops_new (error);
  if (self == NULL
      || !make_keys (self, error)
      || !start_inner (self, ip_path, error)
      || !start_peer (self, error)
      || !start_outer (self, error)
      || !write_known_hosts (self, error)
      || !wait_outer_ready (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
burrow_test_hops_stop (BurrowTestHops *self)
{
  if (self == NULL)
    return;

  if (self->accept_thread != NULL)
    {
      if (write (self->wake[1], "x", 1) != 1)
        g_message ("Cannot wake the outer hop's accept thread: %s", g_strerror (errno));
      g_thread_join (self->accept_thread);
    }
  if (self->listen_fd >= 0)
    close (self->listen_fd);
  for (guint i = 0; i < G_N_ELEMENTS (self->wake); i++)
    if (self->wake[i] >= 0)
      close (self->wake[i]);

  g_clear_pointer (&self->peer, burrow_test_peer_stop);
  if (self->peer_reservation >= 0)
    close (self->peer_reservation);

  if (!burrow_test_subprocess_stop (self->inner))
    {
      g_warning ("inner sshd (pid %s) survived SIGKILL; leaking %s",
                 g_subprocess_get_identifier (self->inner), self->dir);
      return;
    }
  g_clear_object (&self->inner);
  if (self->inner_reservation >= 0)
    close (self->inner_reservation);

  if (self->dir != NULL)
    burrow_test_remove_tree (self->dir);

  g_free (self->dir);
  g_free (self->client_key);
  g_free (self->authorized_keys);
  g_free (self->known_hosts);
  g_free (self->outer_known_hosts);
  g_free (self->inner_config);
  g_free (self->inner_host_key);
  g_free (self->inner_log);
  g_free (self->inner_fingerprint);
  g_free (self->netns_path);
  g_free (self->outer_config);
  g_free (self->outer_host_key);
  g_free (self->outer_log);
  g_free (self->outer_fingerprint);
  g_free (self);
}

/* ---- getters ------------------------------------------------------------ */

guint16
burrow_test_hops_get_outer_port (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->outer_port;
}

guint16
burrow_test_hops_get_inner_port (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->inner_port;
}

guint16
burrow_test_hops_get_peer_port (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return burrow_test_peer_port (self->peer);
}

GPid
burrow_test_hops_get_inner_pid (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return burrow_test_subprocess_pid (self->inner);
}

const char *
burrow_test_hops_get_dir (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dir;
}

const char *
burrow_test_hops_get_client_key (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_key;
}

const char *
burrow_test_hops_get_known_hosts (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->known_hosts;
}

const char *
burrow_test_hops_get_outer_known_hosts (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->outer_known_hosts;
}

const char *
burrow_test_hops_get_outer_fingerprint (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->outer_fingerprint;
}

const char *
burrow_test_hops_get_inner_fingerprint (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->inner_fingerprint;
}

const char *
burrow_test_hops_get_outer_log (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->outer_log;
}

const char *
burrow_test_hops_get_inner_log (BurrowTestHops *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->inner_log;
}
