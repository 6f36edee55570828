// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-test-blackhole"

#include "burrow-test-blackhole.h"

#include "burrow-test-peer.h"
#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SSHD_PATH "/usr/sbin/sshd"
#define UNSHARE_PATH "/usr/bin/unshare"
#define NSENTER_PATH "/usr/bin/nsenter"
#define SSH_PORT 22
#define READY_TIMEOUT_MS 10000
#define POLL_INTERVAL_MS 50
/* R's holder outlives any test run (meson's timeout is shorter); it is
 * stopped by pid long before. */
#define ROUTER_LIFETIME "900"

#define CLIENT_ADDRESS "198.51.100.1"
#define ROUTER_CLIENT_SIDE "198.51.100.2"
#define ROUTER_SERVER_SIDE "192.0.2.1"

struct _BurrowTestBlackhole
{
  char *dir;
  char *ip_path;
  char *host_key;
  char *client_key;
  char *authorized_keys;
  char *known_hosts;
  char *config;
  char *log;

  GSubprocess *router;         /* a sleep in R: R lives as long as it */
  GSubprocess *sshd;           /* in S: S lives as long as it */
  BurrowTestPeer *peer;        /* listening in S */
  gboolean cut;
};

/* ---- processes ---------------------------------------------------------- */

void
burrow_test_blackhole_stop (BurrowTestBlackhole *self)
{
  gboolean stopped;

  if (self == NULL)
    return;

  g_clear_pointer (&self->peer, burrow_test_peer_stop);
  stopped = burrow_test_subprocess_stop (self->sshd) && burrow_test_subprocess_stop (self->router);
  if (!stopped)
    g_warning ("a process of the blackhole helper survived SIGKILL; leaking %s", self->dir);
  else if (self->dir != NULL)
    burrow_test_remove_tree (self->dir);
  g_clear_object (&self->sshd);
  g_clear_object (&self->router);
  g_free (self->dir);
  g_free (self->ip_path);
  g_free (self->host_key);
  g_free (self->client_key);
  g_free (self->authorized_keys);
  g_free (self->known_hosts);
  g_free (self->config);
  g_free (self->log);
  g_free (self);
}

/* ---- namespaces ----------------------------------------------------------- */

static gboolean
same_namespace (const char *a,
                const char *b)
{
  struct stat sa, sb;

  return stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

static gboolean
check_support (BurrowTestBlackhole  *self,
               GError              **error)
{
  g_autofree char *keygen = g_find_program_in_path ("ssh-keygen");

  self->ip_path = burrow_test_find_ip ();
  if (geteuid () != 0 || self->ip_path == NULL
      || !g_file_test (UNSHARE_PATH, G_FILE_TEST_IS_EXECUTABLE)
      || !g_file_test (NSENTER_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "the blackhole topology needs root, ip (iproute2), "
                           UNSHARE_PATH " and " NSENTER_PATH);
      return FALSE;
    }
  if (!g_file_test (SSHD_PATH, G_FILE_TEST_IS_EXECUTABLE) || keygen == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "the blackhole topology needs " SSHD_PATH " and ssh-keygen "
                           "(packages openssh-server, openssh-client)");
      return FALSE;
    }
  /* A veth and a route go into the caller's namespace: never the machine's. */
  if (same_namespace ("/proc/self/ns/net", "/proc/1/ns/net"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the caller is still in the machine's network namespace; "
                           "call burrow_test_lan_isolate() first");
      return FALSE;
    }
  if (g_mkdir_with_parents ("/run/sshd", 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create /run/sshd: %s", g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static char *
netns_path (GSubprocess *process)
{
  return g_strdup_printf ("/proc/%d/ns/net", (int) burrow_test_subprocess_pid (process));
}

/* Runs ip in the caller's namespace (@process NULL) or in @process's; its
 * stderr in the error. */
static gboolean
run_ip (BurrowTestBlackhole  *self,
        GSubprocess          *process,
        GError              **error,
        const char           *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  if (process != NULL)
    {
      g_autofree char *path = netns_path (process);

      g_ptr_array_add (argv, g_strdup (NSENTER_PATH));
      g_ptr_array_add (argv, g_strdup_printf ("--net=%s", path));
    }
  g_ptr_array_add (argv, g_strdup (self->ip_path));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return burrow_test_spawn_checked ((const char * const *) argv->pdata, error);
}

/* R: a namespace that forwards, held by a sleep.  Without --fork, unshare
 * and sh exec in place, so the pid names R once the sleep runs (and
 * PR_SET_PDEATHSIG survives the execs). */
static gboolean
start_router (BurrowTestBlackhole  *self,
              GError              **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *comm = NULL;

  g_subprocess_launcher_set_child_setup (launcher, burrow_test_process_die_with_parent, NULL,
                                         NULL);
  self->router = g_subprocess_launcher_spawn (
    launcher, error, UNSHARE_PATH, "--net", "--", "/bin/sh", "-c",
    "echo 1 > /proc/sys/net/ipv4/ip_forward && exec sleep " ROUTER_LIFETIME, NULL);
  if (self->router == NULL)
    return FALSE;
  comm = g_strdup_printf ("/proc/%d/comm", (int) burrow_test_subprocess_pid (self->router));
  for (guint i = 0; i < READY_TIMEOUT_MS / POLL_INTERVAL_MS; i++)
    {
      g_autofree char *name = NULL;

      if (g_subprocess_get_identifier (self->router) == NULL)
        break;
      if (g_file_get_contents (comm, &name, NULL, NULL) && g_str_equal (name, "sleep\n"))
        return TRUE;
      g_usleep (POLL_INTERVAL_MS * 1000);
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "cannot make the router's network namespace (unshare --net)");
  return FALSE;
}

/* S: sshd in a namespace of its own, listening on every address S will
 * have; the log line proves it runs there. */
static gboolean
start_sshd (BurrowTestBlackhole  *self,
            GError              **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *listen = g_strdup_printf ("ListenAddress 0.0.0.0\nPort %u\n", SSH_PORT);
  g_autofree char *text = burrow_test_sshd_config_text (listen, self->host_key,
                                                        self->authorized_keys, "DEBUG1");
  g_autofree char *needle = g_strdup_printf ("Server listening on 0.0.0.0 port %u.", SSH_PORT);
  g_autofree char *log = NULL;

  if (!g_file_set_contents (self->config, text, -1, error)
      || !g_file_set_contents (self->log, "", 0, error))
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->log);
  g_subprocess_launcher_set_child_setup (launcher, burrow_test_process_die_with_parent, NULL,
                                         NULL);
  /* sshd re-executes itself for each connection: an absolute path. */
  self->sshd = g_subprocess_launcher_spawn (
    launcher, error, UNSHARE_PATH, "--net", "--", "/bin/sh", "-c",
    "\"$1\" link set lo up && exec " SSHD_PATH " -D -e -f \"$2\"",
    "sh", self->ip_path, self->config, NULL);
  if (self->sshd == NULL)
    return FALSE;
  for (guint i = 0; i < READY_TIMEOUT_MS / POLL_INTERVAL_MS; i++)
    {
      if (g_subprocess_get_identifier (self->sshd) == NULL)
        break;
      if (burrow_test_file_contains (self->log, needle))
        return TRUE;
      g_usleep (POLL_INTERVAL_MS * 1000);
    }
  log = burrow_test_read_log_tail (self->log);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "sshd in its namespace did not start; its log:\n%s", log);
  return FALSE;
}

/* Both links, the addresses, and the routes that make R the way between
 * the caller and S. */
static gboolean
link_up (BurrowTestBlackhole  *self,
         GError              **error)
{
  g_autofree char *router_pid = g_strdup_printf ("%d", (int) burrow_test_subprocess_pid (self->router));
  g_autofree char *sshd_pid = g_strdup_printf ("%d", (int) burrow_test_subprocess_pid (self->sshd));

  return run_ip (self, NULL, error, "link", "add", "fault0", "type", "veth", "peer", "name",
                 "fault1", "netns", router_pid, NULL)
         && run_ip (self, NULL, error, "addr", "add", CLIENT_ADDRESS "/24", "dev", "fault0",
                    NULL)
         && run_ip (self, NULL, error, "link", "set", "fault0", "up", NULL)
         && run_ip (self, self->router, error, "addr", "add", ROUTER_CLIENT_SIDE "/24", "dev",
                    "fault1", NULL)
         && run_ip (self, self->router, error, "link", "set", "fault1", "up", NULL)
         && run_ip (self, self->router, error, "link", "add", "fault2", "type", "veth", "peer",
                    "name", "fault3", "netns", sshd_pid, NULL)
         && run_ip (self, self->router, error, "addr", "add", ROUTER_SERVER_SIDE "/24", "dev",
                    "fault2", NULL)
         && run_ip (self, self->router, error, "link", "set", "fault2", "up", NULL)
         && run_ip (self, self->sshd, error, "addr", "add", BURROW_TEST_BLACKHOLE_HOST "/24",
                    "dev", "fault3", NULL)
         && run_ip (self, self->sshd, error, "link", "set", "fault3", "up", NULL)
         && run_ip (self, NULL, error, "route", "add", "192.0.2.0/24", "via",
                    ROUTER_CLIENT_SIDE, NULL)
         && run_ip (self, self->sshd, error, "route", "add", "198.51.100.0/24", "via",
                    ROUTER_SERVER_SIDE, NULL);
}

static gboolean
start_peer (BurrowTestBlackhole  *self,
            GError              **error)
{
  g_autofree char *path = netns_path (self->sshd);

  self->peer = burrow_test_peer_start_in_netns (path, error);
  return self->peer != NULL;
}

/* One try: the banner within 2 s (SO_SNDTIMEO bounds connect()). */
static gboolean
banner_answers (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (SSH_PORT) };
  struct timeval timeout = { 2, 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  char banner[8] = { 0 };
  gsize got = 0;

  inet_pton (AF_INET, BURROW_TEST_BLACKHOLE_HOST, &address.sin_addr);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) == 0)
    while (got < sizeof banner)
      {
        ssize_t n = recv (fd, banner + got, sizeof banner - got, 0);

        if (n <= 0)
          break;
        got += n;
      }
  close (fd);
  return got == sizeof banner && memcmp (banner, "SSH-2.0-", sizeof banner) == 0;
}

static gboolean
wait_reachable (BurrowTestBlackhole  *self,
                GError              **error)
{
  g_autofree char *log = NULL;

  for (guint i = 0; i < 5; i++)
    {
      if (banner_answers ())
        return TRUE;
      g_usleep (200 * 1000);
    }
  log = burrow_test_read_log_tail (self->log);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "sshd on " BURROW_TEST_BLACKHOLE_HOST ":%u does not answer through the router; "
               "its log:\n%s", SSH_PORT, log);
  return FALSE;
}

static gboolean
make_files (BurrowTestBlackhole  *self,
            GError              **error)
{
  g_autofree char *host_public = NULL;
  g_autofree char *key = NULL;
  g_autofree char *line = NULL;

  self->dir = g_dir_make_tmp ("burrow-blackhole-XXXXXX", error);
  if (self->dir == NULL)
    return FALSE;
  self->host_key = g_build_filename (self->dir, "ssh_host_ed25519_key", NULL);
  self->client_key = g_build_filename (self->dir, "client_ed25519", NULL);
  self->authorized_keys = g_strconcat (self->client_key, ".pub", NULL);
  self->known_hosts = g_build_filename (self->dir, "known_hosts", NULL);
  self->config = g_build_filename (self->dir, "sshd_config", NULL);
  self->log = g_build_filename (self->dir, "sshd.log", NULL);
  host_public = g_strconcat (self->host_key, ".pub", NULL);
  if (!burrow_test_ssh_generate_key (self->host_key, "burrow-test-host", error)
      || !burrow_test_ssh_generate_key (self->client_key, "burrow-test-client", error)
      || !g_file_get_contents (host_public, &key, NULL, error))
    return FALSE;
  line = g_strdup_printf (BURROW_TEST_BLACKHOLE_HOST " %s\n", g_strstrip (key));
  return g_file_set_contents (self->known_hosts, line, -1, error);
}

BurrowTestBlackhole *
burrow_test_blackhole_start (GError **error)
{
  g_autoptr(BurrowTestBlackhole) self = g_new0 (BurrowTestBlackhole, 1);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_support (self, error)
      || !make_files (self, error)
      || !start_router (self, error)
      || !start_sshd (self, error)
      || !link_up (self, error)
      || !start_peer (self, error)
      || !wait_reachable (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* More specific than the links' own routes, so they win; a blackhole
 * route discards what R would forward without a word (fib error EINVAL:
 * no ICMP is sent back). */
static gboolean
set_blackhole (BurrowTestBlackhole  *self,
               const char           *verb,
               GError              **error)
{
  return run_ip (self, self->router, error, "route", verb, "blackhole",
                 BURROW_TEST_BLACKHOLE_HOST "/32", NULL)
         && run_ip (self, self->router, error, "route", verb, "blackhole", CLIENT_ADDRESS "/32",
                    NULL);
}

gboolean
burrow_test_blackhole_cut (BurrowTestBlackhole  *self,
                           GError              **error)
{
  g_return_val_if_fail (self != NULL && !self->cut, FALSE);

  self->cut = TRUE;
  return set_blackhole (self, "add", error);
}

gboolean
burrow_test_blackhole_restore (BurrowTestBlackhole  *self,
                               GError              **error)
{
  g_return_val_if_fail (self != NULL && self->cut, FALSE);

  self->cut = FALSE;
  return set_blackhole (self, "del", error);
}

guint16
burrow_test_blackhole_get_port (BurrowTestBlackhole *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return SSH_PORT;
}

guint16
burrow_test_blackhole_get_peer_port (BurrowTestBlackhole *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return burrow_test_peer_port (self->peer);
}

const char *
burrow_test_blackhole_get_client_key (BurrowTestBlackhole *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_key;
}

const char *
burrow_test_blackhole_get_known_hosts (BurrowTestBlackhole *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->known_hosts;
}

const char *
burrow_test_blackhole_get_log (BurrowTestBlackhole *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->log;
}

GPid
burrow_test_blackhole_get_sshd_pid (BurrowTestBlackhole *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return burrow_test_subprocess_pid (self->sshd);
}
