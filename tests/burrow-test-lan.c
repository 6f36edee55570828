// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-test-lan"

#include "burrow-test-lan.h"

#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define SSHD_PATH "/usr/sbin/sshd"
#define PYTHON_PATH "/usr/bin/python3"
#define RUN_NETNS "/run/netns"
#define ETC_NETNS "/etc/netns"
#define READY_TIMEOUT_MS 10000
#define POLL_INTERVAL_MS 50
#define PROBE_TIMEOUT_MS 1000
#define EXIT_TIMEOUT_MS 5000

/* The fake DNS server: logs "NAME TYPE" per query, answers NXDOMAIN, or A
 * for the NAME=ADDRESS pairs it is given (NODATA for their other types). */
static const char dns_script[] =
  "import socket, sys\n"
  "address, log_path = sys.argv[1], sys.argv[2]\n"
  "table = dict(arg.split('=', 1) for arg in sys.argv[3:])\n"
  "server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
  "server.bind((address, 53))\n"
  "log = open(log_path, 'a', buffering=1)\n"
  "print('ready', flush=True)\n"
  "TYPES = {1: 'A', 28: 'AAAA'}\n"
  "while True:\n"
  "    query, peer = server.recvfrom(4096)\n"
  "    if len(query) < 17:\n"
  "        continue\n"
  "    labels, i = [], 12\n"
  "    while i < len(query) and query[i] != 0:\n"
  "        labels.append(query[i + 1:i + 1 + query[i]].decode('ascii', 'replace'))\n"
  "        i += 1 + query[i]\n"
  "    qtype = int.from_bytes(query[i + 1:i + 3], 'big')\n"
  "    end = i + 5\n"
  "    name = '.'.join(labels).lower()\n"
  "    print(name, TYPES.get(qtype, qtype), file=log)\n"
  "    answer = b''\n"
  "    if name in table and qtype == 1:\n"
  "        answer = bytes([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4])"
  " + socket.inet_aton(table[name])\n"
  "    flags = 0x8080 | ((query[2] & 1) << 8) | (0 if name in table else 3)\n"
  "    header = (query[:2] + flags.to_bytes(2, 'big') + bytes([0, 1, 0, 1 if answer else 0])"
  " + bytes(4))\n"
  "    server.sendto(header + query[12:end] + answer, peer)\n";

/* HOST's port-23 service, a line service a telnet client can talk to: it
 * ignores telnet negotiation (IAC sequences) and never starts any. */
static const char line_script[] =
  "import socket, sys, threading\n"
  "def strip(data):\n"
  "    out, i = bytearray(), 0\n"
  "    while i < len(data):\n"
  "        if data[i] == 255 and i + 1 < len(data):\n"
  "            i += 3 if 251 <= data[i + 1] <= 254 else 2\n"
  "            continue\n"
  "        out.append(data[i])\n"
  "        i += 1\n"
  "    return bytes(out)\n"
  "def serve(c):\n"
  "    c.sendall(sys.argv[3].encode() + b'\\r\\n')\n"
  "    pending = b''\n"
  "    while True:\n"
  "        data = c.recv(4096)\n"
  "        if not data:\n"
  "            break\n"
  "        pending += strip(data)\n"
  "        while b'\\n' in pending:\n"
  "            line, pending = pending.split(b'\\n', 1)\n"
  "            line = line.strip(b'\\r\\x00 ').decode('utf-8', 'replace')\n"
  "            if line == 'quit':\n"
  "                c.sendall(b'bye\\r\\n')\n"
  "                c.close()\n"
  "                return\n"
  "            c.sendall(('you said: %s\\r\\n' % line).encode())\n"
  "    c.close()\n"
  "server = socket.socket()\n"
  "server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
  "server.bind((sys.argv[1], int(sys.argv[2])))\n"
  "server.listen(16)\n"
  "print('ready', flush=True)\n"
  "while True:\n"
  "    c, _ = server.accept()\n"
  "    threading.Thread(target=serve, args=(c,), daemon=True).start()\n";

typedef struct
{
  char *what;
  GPid pid;
  char *log;
} Server;

struct _BurrowTestLan
{
  char *dir;
  char *ip_path;
  char *netns[BURROW_TEST_LAN_N_NODES];
  gboolean netns_added[BURROW_TEST_LAN_N_NODES];

  /* Mounts in the test's own mount namespace, undone in reverse. */
  GPtrArray *mounts;

  char *client_key;
  char *authorized_keys;
  char *known_hosts;
  char *dns_log;
  char *sshd_log[BURROW_TEST_LAN_N_NODES];

  GPtrArray *servers;          /* Server, in start order */
};

/* ---- isolation ---------------------------------------------------------- */

static gboolean
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what)
{
  /* Root without CAP_SYS_ADMIN (a container): a reason to skip. */
  GIOErrorEnum code = saved_errno == EPERM || saved_errno == ENOSYS
                      ? G_IO_ERROR_NOT_SUPPORTED : g_io_error_from_errno (saved_errno);

  g_set_error (error, G_IO_ERROR, code, "%s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
loopback_up (GError **error)
{
  struct ifreq request = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int saved_errno;

  if (fd < 0)
    return set_errno_error (error, errno, "socket()");
  g_strlcpy (request.ifr_name, "lo", sizeof request.ifr_name);
  if (ioctl (fd, SIOCGIFFLAGS, &request) == 0)
    {
      request.ifr_flags |= IFF_UP;
      if (ioctl (fd, SIOCSIFFLAGS, &request) == 0)
        {
          close (fd);
          return TRUE;
        }
    }
  saved_errno = errno;
  close (fd);
  return set_errno_error (error, saved_errno, "Cannot bring lo up");
}

gboolean
burrow_test_lan_isolate (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (geteuid () != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "network namespaces need root");
      return FALSE;
    }
  if (unshare (CLONE_NEWNET | CLONE_NEWNS) != 0)
    return set_errno_error (error, errno, "unshare(CLONE_NEWNET | CLONE_NEWNS)");
  /* Nothing mounted from here on may reach the machine's own namespace. */
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    return set_errno_error (error, errno, "Cannot make / private");

  return loopback_up (error);
}

/* ---- small tools -------------------------------------------------------- */

/* Runs ip (-n @netns unless NULL) with the NULL-terminated arguments; its
 * stderr in the error. */
static gboolean
run_ip (BurrowTestLan  *self,
        const char     *netns,
        GError        **error,
        const char     *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (argv, self->ip_path);
  if (netns != NULL)
    {
      g_ptr_array_add (argv, "-n");
      g_ptr_array_add (argv, (char *) netns);
    }
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return burrow_test_spawn_checked ((const char * const *) argv->pdata, error);
}

/* ---- set-up: support, mounts, resolver files ------------------------------ */

static gboolean
check_support (BurrowTestLan  *self,
               GError        **error)
{
  g_autofree char *keygen = g_find_program_in_path ("ssh-keygen");
  g_autofree char *busybox = g_find_program_in_path ("busybox");

  self->ip_path = burrow_test_find_ip ();

  if (geteuid () != 0 || self->ip_path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "the LAN topology needs root and ip (iproute2)");
      return FALSE;
    }
  if (!g_file_test (SSHD_PATH, G_FILE_TEST_IS_EXECUTABLE) || keygen == NULL || busybox == NULL
      || !g_file_test (PYTHON_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "the LAN topology needs " SSHD_PATH ", ssh-keygen, busybox and "
                           PYTHON_PATH " (packages openssh-server, openssh-client, "
                           "busybox-static, python3)");
      return FALSE;
    }
  /* sshd as root chroots its pre-auth child into /run/sshd. */
  if (g_mkdir_with_parents ("/run/sshd", 0755) != 0)
    return set_errno_error (error, errno, "Cannot create /run/sshd");

  return TRUE;
}

static gboolean
add_mount (BurrowTestLan  *self,
           const char     *source,
           const char     *target,
           const char     *type,
           unsigned long   flags,
           const char     *options,
           GError        **error)
{
  if (mount (source, target, type, flags, options) != 0)
    {
      g_autofree char *what = g_strdup_printf ("Cannot mount %s on %s", source, target);

      return set_errno_error (error, errno, what);
    }
  g_ptr_array_add (self->mounts, g_strdup (target));
  return TRUE;
}

/* A tmpfs of the test's own over @path: whatever `ip netns` puts there
 * lives only as long as the test's mount namespace.  An empty @path made
 * here is left behind, as `ip netns add` leaves /run/netns: removing it
 * would detach the same mount of a test running alongside. */
static gboolean
mount_private_dir (BurrowTestLan  *self,
                   const char     *path,
                   GError        **error)
{
  if (g_mkdir (path, 0755) != 0 && errno != EEXIST)
    {
      g_autofree char *what = g_strdup_printf ("Cannot create %s", path);

      return set_errno_error (error, errno, what);
    }

  return add_mount (self, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", error);
}

static gboolean
bind_file (BurrowTestLan  *self,
           const char     *name,
           const char     *contents,
           const char     *target,
           GError        **error)
{
  g_autofree char *path = g_build_filename (self->dir, name, NULL);

  return g_file_set_contents (path, contents, -1, error)
         && add_mount (self, path, target, NULL, MS_BIND, NULL, error);
}

/* The machine's nsswitch.conf with "hosts: files dns": no resolver module
 * (systemd-resolved, mDNS) may answer, or leak, a client-side lookup. */
static char *
nsswitch_contents (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out = g_string_new (NULL);

  if (g_file_get_contents ("/etc/nsswitch.conf", &text, NULL, NULL))
    {
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (*lines[i] != '\0' && !g_str_has_prefix (lines[i], "hosts:"))
          g_string_append_printf (out, "%s\n", lines[i]);
    }
  g_string_append (out, "hosts: files dns\n");
  return g_string_free (out, FALSE);
}

static gboolean
bind_resolver_files (BurrowTestLan  *self,
                     GError        **error)
{
  g_autofree char *nsswitch = nsswitch_contents ();

  return bind_file (self, "resolv.conf",
                    "nameserver " BURROW_TEST_LAN_DNS_ADDRESS "\n"
                    "options timeout:1 attempts:1\n", "/etc/resolv.conf", error)
         && bind_file (self, "hosts",
                       "127.0.0.1 localhost\n"
                       "::1 localhost ip6-localhost ip6-loopback\n", "/etc/hosts", error)
         && (!g_file_test ("/etc/nsswitch.conf", G_FILE_TEST_EXISTS)
             || bind_file (self, "nsswitch.conf", nsswitch, "/etc/nsswitch.conf", error));
}

/* ---- set-up: namespaces and links ----------------------------------------- */

static gboolean
add_namespaces (BurrowTestLan  *self,
                GError        **error)
{
  for (guint i = 0; i < BURROW_TEST_LAN_N_NODES; i++)
    {
      if (!run_ip (self, NULL, error, "netns", "add", self->netns[i], NULL))
        return FALSE;
      self->netns_added[i] = TRUE;
      if (!run_ip (self, self->netns[i], error, "link", "set", "lo", "up", NULL))
        return FALSE;
    }
  return TRUE;
}

/* One end of a veth pair: its addresses (IPv6 without duplicate address
 * detection, usable at once) and up.  @netns NULL: the test's own. */
static gboolean
configure_end (BurrowTestLan  *self,
               const char     *netns,
               const char     *device,
               const char     *address,
               const char     *address6,
               GError        **error)
{
  return run_ip (self, netns, error, "addr", "add", address, "dev", device, NULL)
         && (address6 == NULL
             || run_ip (self, netns, error, "addr", "add", address6, "dev", device, "nodad",
                        NULL))
         && run_ip (self, netns, error, "link", "set", device, "up", NULL);
}

static gboolean
add_links (BurrowTestLan  *self,
           GError        **error)
{
  const char *gw = self->netns[BURROW_TEST_LAN_GW];
  const char *dest = self->netns[BURROW_TEST_LAN_DEST];
  const char *host = self->netns[BURROW_TEST_LAN_HOST];

  return run_ip (self, NULL, error, "link", "add", "lan-gw", "type", "veth", "peer", "name",
                 "lan-client", "netns", gw, NULL)
         && configure_end (self, NULL, "lan-gw", BURROW_TEST_LAN_CLIENT_ADDRESS "/24",
                           "fd00:200::1/64", error)
         && configure_end (self, gw, "lan-client", BURROW_TEST_LAN_GW_ADDRESS "/24",
                           "fd00:200::2/64", error)
         && run_ip (self, gw, error, "link", "add", "lan-dest", "type", "veth", "peer", "name",
                    "lan-gw", "netns", dest, NULL)
         && configure_end (self, gw, "lan-dest", "10.201.0.1/24", "fd00:201::1/64", error)
         && configure_end (self, dest, "lan-gw", BURROW_TEST_LAN_DEST_ADDRESS "/24",
                           BURROW_TEST_LAN_DEST_ADDRESS6 "/64", error)
         && run_ip (self, NULL, error, "link", "add", "lan-host", "type", "veth", "peer", "name",
                    "lan-client", "netns", host, NULL)
         && configure_end (self, NULL, "lan-host", "10.202.0.1/24", NULL, error)
         && configure_end (self, host, "lan-client", BURROW_TEST_LAN_HOST_ADDRESS "/24", NULL,
                           error);
}

/* `ip netns exec GW` bind-mounts /etc/netns/GW/hosts over /etc/hosts for
 * what it runs: names only GW resolves. */
static gboolean
write_gw_hosts (BurrowTestLan  *self,
                GError        **error)
{
  g_autofree char *dir = g_build_filename (ETC_NETNS, self->netns[BURROW_TEST_LAN_GW], NULL);
  g_autofree char *path = g_build_filename (dir, "hosts", NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    return set_errno_error (error, errno, "Cannot create the GW's /etc/netns directory");

  return g_file_set_contents (path,
                              "127.0.0.1 localhost\n"
                              "::1 localhost\n"
                              BURROW_TEST_LAN_DEST_ADDRESS " " BURROW_TEST_LAN_WEB_NAME "\n"
                              BURROW_TEST_LAN_DEST_ADDRESS6 " " BURROW_TEST_LAN_WEB6_NAME "\n",
                              -1, error);
}

/* ---- set-up: keys and sshd configuration ---------------------------------- */

static char *
public_key_of (const char  *private_key,
               GError     **error)
{
  g_autofree char *path = g_strconcat (private_key, ".pub", NULL);
  g_autofree char *key = NULL;

  if (!g_file_get_contents (path, &key, NULL, error))
    return NULL;
  return g_strdup (g_strstrip (key));
}

static char *
host_key_path (BurrowTestLan     *self,
               BurrowTestLanNode  node)
{
  return g_strdup_printf ("%s/%s_host_ed25519_key", self->dir,
                          node == BURROW_TEST_LAN_GW ? "gw" : "host");
}

static gboolean
make_keys (BurrowTestLan  *self,
           GError        **error)
{
  g_autofree char *gw_key = host_key_path (self, BURROW_TEST_LAN_GW);
  g_autofree char *host_key = host_key_path (self, BURROW_TEST_LAN_HOST);
  g_autofree char *gw_public = NULL;
  g_autofree char *host_public = NULL;
  g_autofree char *known = NULL;

  if (!burrow_test_ssh_generate_key (gw_key, "burrow-lan-gw", error)
      || !burrow_test_ssh_generate_key (host_key, "burrow-lan-host", error)
      || !burrow_test_ssh_generate_key (self->client_key, "burrow-lan-client", error)
      || (gw_public = public_key_of (gw_key, error)) == NULL
      || (host_public = public_key_of (host_key, error)) == NULL)
    return FALSE;

  known = g_strdup_printf (BURROW_TEST_LAN_GW_ADDRESS " %s\n"
                           BURROW_TEST_LAN_HOST_NAME " %s\n"
                           BURROW_TEST_LAN_HOST_ADDRESS " %s\n",
                           gw_public, host_public, host_public);
  return g_file_set_contents (self->known_hosts, known, -1, error);
}

static char *
write_sshd_config (BurrowTestLan      *self,
                   BurrowTestLanNode   node,
                   const char         *address,
                   GError            **error)
{
  g_autofree char *host_key = host_key_path (self, node);
  g_autofree char *path = g_strdup_printf ("%s/%s_sshd_config", self->dir,
                                           node == BURROW_TEST_LAN_GW ? "gw" : "host");
  g_autofree char *listen = g_strdup_printf ("ListenAddress %s\nPort 22\n", address);
  g_autofree char *text = burrow_test_sshd_config_text (listen, host_key, self->authorized_keys,
                                                         "DEBUG1");

  if (!g_file_set_contents (path, text, -1, error))
    return NULL;
  return g_steal_pointer (&path);
}

/* ---- servers -------------------------------------------------------------- */

static gboolean
wait_exited (GPid  pid,
             guint timeout_ms)
{
  for (guint waited_ms = 0; waited_ms <= timeout_ms; waited_ms += 10)
    {
      pid_t got = waitpid (pid, NULL, WNOHANG);

      if (got == pid || (got < 0 && errno == ECHILD))
        return TRUE;
      g_usleep (10 * 1000);
    }
  return FALSE;
}

static void
stop_server (Server *server)
{
  if (server == NULL)
    return;
  if (server->pid > 0)
    {
      /* sshd's sessions outlive it unless ended first. */
      burrow_test_process_end_descendants (server->pid);
      kill (server->pid, SIGTERM);
      if (!wait_exited (server->pid, EXIT_TIMEOUT_MS))
        {
          g_message ("%s (pid %d) ignored SIGTERM for %u ms, killing it", server->what,
                     (int) server->pid, EXIT_TIMEOUT_MS);
          kill (server->pid, SIGKILL);
          waitpid (server->pid, NULL, 0);
        }
      server->pid = 0;
    }
  g_free (server->what);
  g_free (server->log);
  g_free (server);
}

/* Whether the server has exited (and is reaped now). */
static gboolean
server_exited (Server *server)
{
  if (server->pid > 0 && waitpid (server->pid, NULL, WNOHANG) == server->pid)
    server->pid = 0;
  return server->pid == 0;
}

/* Starts @argv in @node (-1: the test's own namespace), its stdout and
 * stderr in DIR/@what.log; it gets SIGTERM when the calling thread ends. */
static Server *
spawn_server (BurrowTestLan      *self,
              int                 node,
              const char         *what,
              const char * const *argv,
              GError            **error)
{
  g_autoptr(GPtrArray) full = g_ptr_array_new ();
  g_autofree char *log = g_strdup_printf ("%s/%s.log", self->dir, what);
  g_autofree Server *server = g_new0 (Server, 1);
  int fd;
  gboolean spawned;

  if (node >= 0)
    {
      g_ptr_array_add (full, self->ip_path);
      g_ptr_array_add (full, "netns");
      g_ptr_array_add (full, "exec");
      g_ptr_array_add (full, self->netns[node]);
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (char *) argv[i]);
  g_ptr_array_add (full, NULL);

  fd = g_open (log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_errno_error (error, errno, "Cannot create a server log");
      return NULL;
    }
  spawned = g_spawn_async_with_pipes_and_fds (self->dir, (const char * const *) full->pdata,
                                              NULL,
                                              G_SPAWN_DO_NOT_REAP_CHILD
                                              | G_SPAWN_STDIN_FROM_DEV_NULL,
                                              burrow_test_process_die_with_parent, NULL,
                                              -1, fd, fd, NULL, NULL, 0, &server->pid,
                                              NULL, NULL, NULL, error);
  close (fd);
  if (!spawned)
    return NULL;

  server->what = g_strdup (what);
  server->log = g_steal_pointer (&log);
  g_ptr_array_add (self->servers, server);
  return g_steal_pointer (&server);
}

typedef struct
{
  char *netns_path;            /* /run/netns/NAME */
  struct sockaddr_storage address;
  socklen_t length;
  gboolean answered;
} Probe;

static gboolean
tcp_answers (Probe *probe)
{
  int fd = socket (probe->address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct pollfd poll_fd = { fd, POLLOUT, 0 };
  int so_error = -1;
  socklen_t so_length = sizeof so_error;

  if (fd < 0)
    return FALSE;
  if (connect (fd, (struct sockaddr *) &probe->address, probe->length) == 0)
    so_error = 0;
  else if (errno == EINPROGRESS && poll (&poll_fd, 1, PROBE_TIMEOUT_MS) == 1)
    getsockopt (fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length);
  close (fd);
  return so_error == 0;
}

/* A thread may switch its own network namespace; the process stays. */
static gpointer
probe_in_netns (gpointer data)
{
  Probe *probe = data;
  int fd = open (probe->netns_path, O_RDONLY | O_CLOEXEC);

  if (fd >= 0 && setns (fd, CLONE_NEWNET) == 0)
    probe->answered = tcp_answers (probe);
  if (fd >= 0)
    close (fd);
  return NULL;
}

static gboolean
port_answers (BurrowTestLan      *self,
              BurrowTestLanNode   node,
              const char         *address,
              guint16             port)
{
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new_from_string (address,
                                                                                     port);
  Probe probe = { 0 };

  g_assert_nonnull (socket_address);
  probe.length = g_socket_address_get_native_size (socket_address);
  g_socket_address_to_native (socket_address, &probe.address, sizeof probe.address, NULL);
  probe.netns_path = g_build_filename (RUN_NETNS, self->netns[node], NULL);
  g_thread_join (g_thread_new ("lan-probe", probe_in_netns, &probe));
  g_free (probe.netns_path);
  return probe.answered;
}

typedef gboolean (*ReadyFunc) (BurrowTestLan *self,
                               Server        *server,
                               gconstpointer  data);

static gboolean
wait_ready (BurrowTestLan  *self,
            Server         *server,
            ReadyFunc       ready,
            gconstpointer   data,
            GError        **error)
{
  g_autofree char *log = NULL;
  gboolean exited = FALSE;

  for (guint waited_ms = 0; waited_ms < READY_TIMEOUT_MS; waited_ms += POLL_INTERVAL_MS)
    {
      exited = server_exited (server);
      if (!exited && ready (self, server, data))
        return TRUE;
      if (exited)
        break;
      g_usleep (POLL_INTERVAL_MS * 1000);
    }

  log = burrow_test_read_log_tail (server->log);
  g_set_error (error, G_IO_ERROR, exited ? G_IO_ERROR_FAILED : G_IO_ERROR_TIMED_OUT,
               "%s %s; its log:\n%s", server->what,
               exited ? "exited during start-up" : "was not ready in time", log);
  return FALSE;
}

static gboolean
log_says (BurrowTestLan *self,
          Server        *server,
          gconstpointer  needle)
{
  return burrow_test_file_contains (server->log, needle);
}

typedef struct
{
  BurrowTestLanNode node;
  const char *addresses[3];
  guint16 port;
} Listening;

static gboolean
all_answer (BurrowTestLan *self,
            Server        *server,
            gconstpointer  data)
{
  const Listening *listening = data;

  for (guint i = 0; i < G_N_ELEMENTS (listening->addresses) && listening->addresses[i]; i++)
    if (!port_answers (self, listening->node, listening->addresses[i], listening->port))
      return FALSE;
  return TRUE;
}

static gboolean
start_dns (BurrowTestLan  *self,
           GError        **error)
{
  g_autofree char *script = g_build_filename (self->dir, "fake-dns.py", NULL);
  Server *server;

  if (!g_file_set_contents (script, dns_script, -1, error)
      || !g_file_set_contents (self->dns_log, "", 0, error))
    return FALSE;
  server = spawn_server (self, -1, "fake-dns",
                         (const char *[]) { PYTHON_PATH, script, BURROW_TEST_LAN_DNS_ADDRESS,
                                            self->dns_log,
                                            BURROW_TEST_LAN_HOST_NAME "="
                                            BURROW_TEST_LAN_HOST_ADDRESS, NULL }, error);
  return server != NULL && wait_ready (self, server, log_says, "ready", error);
}

static gboolean
start_sshd (BurrowTestLan      *self,
            BurrowTestLanNode   node,
            const char         *address,
            GError            **error)
{
  g_autofree char *config = write_sshd_config (self, node, address, error);
  g_autofree char *ready = g_strdup_printf ("Server listening on %s port 22.", address);
  const char *what = node == BURROW_TEST_LAN_GW ? "gw-sshd" : "host-sshd";
  Server *server;

  if (config == NULL)
    return FALSE;
  /* sshd re-executes itself for each connection and insists on an
   * absolute path for that. */
  server = spawn_server (self, node, what,
                         (const char *[]) { SSHD_PATH, "-D", "-e", "-f", config, NULL }, error);
  if (server == NULL)
    return FALSE;
  self->sshd_log[node] = g_strdup (server->log);
  return wait_ready (self, server, log_says, ready, error);
}

static char *
web_root (BurrowTestLan  *self,
          const char     *name,
          const char     *body,
          GError        **error)
{
  g_autofree char *root = g_build_filename (self->dir, name, NULL);
  g_autofree char *page = g_build_filename (root, "page.txt", NULL);

  if (g_mkdir_with_parents (root, 0755) != 0)
    {
      set_errno_error (error, errno, "Cannot create a web root");
      return NULL;
    }
  if (!g_file_set_contents (page, body, -1, error))
    return NULL;
  return g_steal_pointer (&root);
}

static gboolean
start_httpd (BurrowTestLan      *self,
             BurrowTestLanNode   node,
             const char         *what,
             const char         *listen,
             const char         *root,
             const Listening    *listening,
             GError            **error)
{
  Server *server = spawn_server (self, node, what,
                                 (const char *[]) { "busybox", "httpd", "-f", "-p", listen,
                                                    "-h", root, NULL }, error);

  return server != NULL && wait_ready (self, server, all_answer, listening, error);
}

static gboolean
start_web_servers (BurrowTestLan  *self,
                   GError        **error)
{
  g_autofree char *dest_root = web_root (self, "www-dest", BURROW_TEST_LAN_DEST_BODY, error);
  g_autofree char *host_root = NULL;
  g_autofree char *host_listen2 = g_strdup_printf (BURROW_TEST_LAN_HOST_ADDRESS ":%u",
                                                   BURROW_TEST_LAN_HOST_PORT2);
  /* Every address of DEST, IPv4 and IPv6: busybox binds [::]:80. */
  Listening dest = { BURROW_TEST_LAN_DEST,
                     { BURROW_TEST_LAN_DEST_ADDRESS, BURROW_TEST_LAN_DEST_ADDRESS6, NULL }, 80 };
  Listening host = { BURROW_TEST_LAN_HOST, { BURROW_TEST_LAN_HOST_ADDRESS, NULL }, 80 };
  Listening host2 = { BURROW_TEST_LAN_HOST, { BURROW_TEST_LAN_HOST_ADDRESS, NULL },
                      BURROW_TEST_LAN_HOST_PORT2 };

  if (dest_root == NULL
      || (host_root = web_root (self, "www-host", BURROW_TEST_LAN_HOST_BODY, error)) == NULL)
    return FALSE;

  return start_httpd (self, BURROW_TEST_LAN_DEST, "dest-httpd", "80", dest_root, &dest, error)
         && start_httpd (self, BURROW_TEST_LAN_HOST, "host-httpd",
                         BURROW_TEST_LAN_HOST_ADDRESS ":80", host_root, &host, error)
         && start_httpd (self, BURROW_TEST_LAN_HOST, "host-httpd2", host_listen2, host_root,
                         &host2, error);
}

static gboolean
start_line_service (BurrowTestLan  *self,
                    GError        **error)
{
  g_autofree char *script = g_build_filename (self->dir, "line-service.py", NULL);
  Listening listening = { BURROW_TEST_LAN_HOST, { "127.0.0.1", NULL }, 23 };
  Server *server;

  if (!g_file_set_contents (script, line_script, -1, error))
    return FALSE;
  server = spawn_server (self, BURROW_TEST_LAN_HOST, "host-line-service",
                         (const char *[]) { PYTHON_PATH, script, "127.0.0.1", "23",
                                            BURROW_TEST_LAN_LINE_BANNER, NULL }, error);
  return server != NULL && wait_ready (self, server, all_answer, &listening, error);
}

/* DEST's FTP server: pyftpdlib, anonymous and read-only, serving a web
 * root's twin with BURROW_TEST_LAN_FTP_FILE. */
static gboolean
start_ftp (BurrowTestLan  *self,
           GError        **error)
{
  g_autofree char *root = g_build_filename (self->dir, "ftp-dest", NULL);
  g_autofree char *file = g_build_filename (root, BURROW_TEST_LAN_FTP_FILE, NULL);
  Listening listening = { BURROW_TEST_LAN_DEST, { BURROW_TEST_LAN_DEST_ADDRESS, NULL }, 21 };
  Server *server;

  if (g_mkdir_with_parents (root, 0755) != 0)
    {
      set_errno_error (error, errno, "Cannot create the FTP root");
      return FALSE;
    }
  if (!g_file_set_contents (file, BURROW_TEST_LAN_FTP_BODY, -1, error))
    return FALSE;
  server = spawn_server (self, BURROW_TEST_LAN_DEST, "dest-ftpd",
                         (const char *[]) { PYTHON_PATH, "-m", "pyftpdlib", "-i",
                                            BURROW_TEST_LAN_DEST_ADDRESS, "-p", "21", "-d",
                                            root, NULL }, error);
  return server != NULL && wait_ready (self, server, all_answer, &listening, error);
}

/* ---- life cycle ----------------------------------------------------------- */

static BurrowTestLan *
lan_new (GError **error)
{
  g_autoptr(BurrowTestLan) self = g_new0 (BurrowTestLan, 1);
  const char *suffixes[BURROW_TEST_LAN_N_NODES] = { "gw", "dest", "host" };

  self->mounts = g_ptr_array_new_with_free_func (g_free);
  self->servers = g_ptr_array_new ();
  for (guint i = 0; i < BURROW_TEST_LAN_N_NODES; i++)
    self->netns[i] = g_strdup_printf ("burrow-lan-%d-%s", (int) getpid (), suffixes[i]);
  self->dir = g_dir_make_tmp ("burrow-lan-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->client_key = g_build_filename (self->dir, "client_ed25519", NULL);
  self->authorized_keys = g_strconcat (self->client_key, ".pub", NULL);
  self->known_hosts = g_build_filename (self->dir, "known_hosts", NULL);
  self->dns_log = g_build_filename (self->dir, "dns-queries.log", NULL);
  return g_steal_pointer (&self);
}

BurrowTestLan *
burrow_test_lan_start (GError **error)
{
  g_autoptr(BurrowTestLan) self = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = lan_new (error);
  if (self == NULL
      || !check_support (self, error)
      || !mount_private_dir (self, RUN_NETNS, error)
      || !mount_private_dir (self, ETC_NETNS, error)
      || !bind_resolver_files (self, error)
      || !add_namespaces (self, error)
      || !add_links (self, error)
      || !write_gw_hosts (self, error)
      || !make_keys (self, error)
      || !start_dns (self, error)
      || !start_sshd (self, BURROW_TEST_LAN_GW, BURROW_TEST_LAN_GW_ADDRESS, error)
      || !start_sshd (self, BURROW_TEST_LAN_HOST, BURROW_TEST_LAN_HOST_ADDRESS, error)
      || !start_web_servers (self, error)
      || !start_ftp (self, error)
      || !start_line_service (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
burrow_test_lan_stop (BurrowTestLan *self)
{
  g_autoptr(GError) error = NULL;

  if (self == NULL)
    return;

  for (guint i = self->servers->len; i > 0; i--)
    stop_server (self->servers->pdata[i - 1]);
  for (guint i = 0; i < BURROW_TEST_LAN_N_NODES; i++)
    if (self->netns_added[i] && !run_ip (self, NULL, &error, "netns", "del", self->netns[i], NULL))
      {
        g_message ("%s", error->message);
        g_clear_error (&error);
      }
  /* /etc/netns/GW/hosts lives on the tmpfs: gone with it. */
  for (guint i = self->mounts->len; i > 0; i--)
    if (umount2 (self->mounts->pdata[i - 1], MNT_DETACH) != 0)
      g_message ("Cannot unmount %s: %s", (char *) self->mounts->pdata[i - 1],
                 g_strerror (errno));
  if (self->dir != NULL)
    burrow_test_remove_tree (self->dir);

  g_ptr_array_unref (self->servers);
  g_ptr_array_unref (self->mounts);
  for (guint i = 0; i < BURROW_TEST_LAN_N_NODES; i++)
    {
      g_free (self->netns[i]);
      g_free (self->sshd_log[i]);
    }
  g_free (self->dir);
  g_free (self->ip_path);
  g_free (self->client_key);
  g_free (self->authorized_keys);
  g_free (self->known_hosts);
  g_free (self->dns_log);
  g_free (self);
}

/* ---- getters and helpers -------------------------------------------------- */

const char *
burrow_test_lan_get_dir (BurrowTestLan *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dir;
}

const char *
burrow_test_lan_get_client_key (BurrowTestLan *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_key;
}

const char *
burrow_test_lan_get_known_hosts (BurrowTestLan *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->known_hosts;
}

const char *
burrow_test_lan_get_sshd_log (BurrowTestLan     *self,
                              BurrowTestLanNode  node)
{
  g_return_val_if_fail (self != NULL && node < BURROW_TEST_LAN_N_NODES, NULL);
  return self->sshd_log[node];
}

GStrv
burrow_test_lan_node_argv (BurrowTestLan      *self,
                           BurrowTestLanNode   node,
                           const char * const *argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (self != NULL && node < BURROW_TEST_LAN_N_NODES, NULL);
  g_strv_builder_add_many (builder, self->ip_path, "netns", "exec", self->netns[node], NULL);
  g_strv_builder_addv (builder, (const char **) argv);
  return g_strv_builder_end (builder);
}

/* What the fake DNS server was asked so far, one "NAME TYPE" line each
 * (lower case, e.g. "other.example.test AAAA"). */
static char *
dup_dns_log (BurrowTestLan *self)
{
  char *text = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  if (!g_file_get_contents (self->dns_log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

gsize
burrow_test_lan_dns_mark (BurrowTestLan *self)
{
  g_autofree char *text = dup_dns_log (self);

  return strlen (text);
}

gboolean
burrow_test_lan_dns_was_asked (BurrowTestLan *self,
                               const char    *name,
                               gsize          since)
{
  g_autofree char *text = dup_dns_log (self);
  g_autofree char *lower = g_ascii_strdown (name, -1);
  g_auto(GStrv) lines = g_strsplit (text + MIN (since, strlen (text)), "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], lower) && lines[i][strlen (lower)] == ' ')
      return TRUE;
  return FALSE;
}
