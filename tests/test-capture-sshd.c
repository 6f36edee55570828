// SPDX-License-Identifier: GPL-3.0-or-later
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <glib/gstdio.h>

#include "burrow-test-broker.h"
#include "burrow-test-netns.h"
#include "burrow-test-peer.h"
#include "burrow-test-process.h"
#include "burrow-test-sandbox.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-tool.h"

/* Transparent capture with real programs: burrow-capture runs curl, bash and
 * Python with libburrow-capture.so, and the broker decides each connect.
 *
 * The topology is burrow-test-netns.h's: an sshd on 127.0.0.1 whose
 * connections live in a network namespace N of the test's own.  A web
 * server (busybox httpd) runs only inside N, on 127.0.0.1:HIDDEN; here
 * that port is held bound and never listens, so a connect to it from here
 * that is not tunnelled is refused.  Two more web servers run here:
 * DIRECT_PORT (a DIRECT rule) and BLOCKED_PORT (a BLOCK rule), each
 * reachable directly, so only the broker's decision explains a failure.
 * Two FTP servers run inside N: on 127.0.0.1:21, and on 127.0.0.2:FTP_PORT
 * with its passive data port fixed (FTP_DATA_PORT) for a rule marked
 * ftp="YES"; here those ports are held, never listening (FTP_DATA_PORT on
 * 127.0.0.1 too, so that no data listener of the broker's gets it).
 * Every destination is on loopback, so burrow-capture runs with -l. */

#define TOOL_TIMEOUT_S 60
#define HIDDEN_BODY "hidden: served inside the namespace"
#define OWN_BODY "own: a host with its own sshd"
#define HERE_BODY "here: served in the test's namespace"

typedef struct
{
  BurrowTestHops *hops;
  BurrowTestBroker *broker;
  char *dir;
  char *socket_path;
  guint16 hidden_port;         /* httpd inside N */
  int hidden_holder;           /* the same port here: bound, not listening */
  guint16 own_port;            /* another httpd inside N: hostname-from-app */
  int own_holder;
  char *known_hosts;           /* the hops' file, and the outer sshd as "localhost" */
  guint16 direct_port;         /* httpd here */
  guint16 blocked_port;        /* httpd here */
  guint16 fallback_port;       /* httpd here, for a fallback-to-plain rule */
  guint16 dead_port;           /* an "SSH server" here that refuses: held, never listening */
  int dead_holder;
  GPid servers[7];
  char *ftp_root;              /* both pyftpdlib's */
  guint16 ftp_port;            /* pyftpdlib inside N on 127.0.0.2 */
  guint16 ftp_data_port;       /* its one passive port */
  int ftp_holders[3];          /* those ports here, see above */
} World;

static World world;

/* ---- servers ------------------------------------------------------------ */

static GPid
start_httpd (const char *netns,
             guint16     port,
             const char *root)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  if (netns != NULL)
    {
      g_ptr_array_add (argv, "nsenter");
      g_ptr_array_add (argv, (char *) netns);
    }
  g_ptr_array_add (argv, "busybox");
  g_ptr_array_add (argv, "httpd");
  g_ptr_array_add (argv, "-f");
  g_ptr_array_add (argv, "-p");
  g_ptr_array_add (argv, listen);
  g_ptr_array_add (argv, "-h");
  g_ptr_array_add (argv, (char *) root);
  g_ptr_array_add (argv, NULL);
  g_spawn_async (root, (char **) argv->pdata, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                 burrow_test_process_die_with_parent, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

/* pyftpdlib inside N on @address:@port, serving @root; its passive data
 * connections on @data_port alone, or on any port for 0. */
static GPid
start_ftpd (const char *netns,
            const char *address,
            guint16     port,
            guint16     data_port,
            const char *root)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *range = g_strdup_printf ("%u-%u", data_port, data_port);
  const char *argv[] = { "nsenter", netns, "/usr/bin/python3", "-m", "pyftpdlib", "-i",
                         address, "-p", port_text, "-d", root,
                         data_port != 0 ? "-r" : NULL, range, NULL };   /* ends early for 0 */
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async (root, (char **) argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL |
                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 burrow_test_process_die_with_parent, NULL, &pid, &error);
  g_assert_no_error (error);
  return pid;
}

static void
stop_server (GPid pid)
{
  if (pid <= 0)
    return;
  burrow_test_process_end_descendants (pid);
  kill (pid, SIGTERM);
  if (!burrow_test_process_reap_child (pid))
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
}

static char *
web_root (const char *name,
          const char *body)
{
  g_autofree char *root = g_build_filename (world.dir, name, NULL);
  g_autofree char *file = g_build_filename (root, "page.txt", NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (root, 0755);
  g_file_set_contents (file, body, -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&root);
}

/* The port of @loopback (127.x.y.z) stays ours here, never listening:
 * connect() to it is refused. */
static int
hold_port (const char *loopback,
           guint16     port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (inet_pton (AF_INET, loopback, &address.sin_addr), ==, 1);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  return fd;
}

/* ---- running programs --------------------------------------------------- */

static GStrv
capture_environment (const char *socket_path)
{
  GStrv env = burrow_test_tool_environment ();

  env = g_environ_setenv (env, "BURROW_CAPTURE_SOCKET", socket_path, TRUE);
  /* The build tree's launcher finds the library next to itself. */
  return g_environ_unsetenv (env, "LD_PRELOAD");
}

static char *
capture_launcher (void)
{
  return burrow_test_build_path ("broker", "capture", "burrow-capture", NULL);
}

static char *
url (guint16 port)
{
  return g_strdup_printf ("http://127.0.0.1:%u/page.txt", port);
}

/* burrow-capture [@options…] -- @argv…, against @socket_path. */
static void
run_captured_at (BurrowTestToolResult *result,
                 const char           *socket_path,
                 const char * const   *options,
                 const char * const   *argv)
{
  g_autofree char *launcher = capture_launcher ();
  g_auto(GStrv) env = capture_environment (socket_path);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  g_ptr_array_add (all, launcher);
  for (guint i = 0; options != NULL && options[i] != NULL; i++)
    g_ptr_array_add (all, (char *) options[i]);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (all, (char *) argv[i]);
  g_ptr_array_add (all, NULL);
  burrow_test_run_tool (result, world.dir, (const char * const *) all->pdata,
                        (const char * const *) env, TOOL_TIMEOUT_S);
}

static void
run_captured (BurrowTestToolResult *result,
              const char * const   *argv)
{
  run_captured_at (result, world.socket_path, (const char *[]) { "-l", NULL }, argv);
}

static char *
connect_check (void)
{
  return g_build_filename (g_getenv ("BURROW_SOURCE_ROOT"), "tests", "capture",
                           "connect-check.py", NULL);
}

/* ---- the world ---------------------------------------------------------- */

/* With @ftp_marked the rule for the FTP server on 127.0.0.2 says ftp="YES"
 * and no rule covers that address's other ports: its data connects reach
 * the data listeners through the broker alone.  Without, every port of
 * 127.0.0.2 is tunnelled (the server's own passive port must be). */
static void
write_config (gboolean ftp_marked)
{
  g_autofree char *xml = g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"gateway\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "    <profile id=\"template\" host=\"template.invalid\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "      <idle-timeout time=\"1\"/>\n"
    "    </profile>\n"
    "    <profile id=\"dead\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\"/>\n"
    "  </profiles>\n"
    "  <filter-engine>\n"
    "    <rule host=\"127\\.0\\.0\\.1\" ports=\"%u\" action=\"TUNNEL\" profile=\"dead\""
    " fallback-to-plain=\"YES\"/>\n"
    "    <rule host=\"localhost\" ports=\"%u\" action=\"TUNNEL\" hostname-from-app=\"YES\""
    " profile=\"template\"/>\n"
    "    <rule host=\"localhost\" action=\"TUNNEL\" profile=\"gateway\"/>\n"
    "    <rule host=\"127\\.0\\.0\\.2\" ports=\"%u\" action=\"TUNNEL\" profile=\"gateway\"%s/>\n"
    "%s"
    "    <rule host=\"127\\.0\\.0\\.1\" ports=\"%u\" action=\"BLOCK\"/>\n"
    "    <rule host=\"127.0.0.0/8\" ports=\"%u\" action=\"DIRECT\"/>\n"
    "    <rule host=\"127\\.0\\.0\\.1\" action=\"TUNNEL\" profile=\"gateway\"/>\n"
    "  </filter-engine>\n"
    "</secsh-broker>\n",
    world.known_hosts, burrow_test_hops_get_outer_port (world.hops),
    g_get_user_name (), burrow_test_hops_get_client_key (world.hops),
    burrow_test_hops_get_outer_port (world.hops), g_get_user_name (),
    burrow_test_hops_get_client_key (world.hops), world.dead_port, g_get_user_name (),
    world.fallback_port, world.own_port, world.ftp_port,
    ftp_marked ? " ftp=\"YES\"" : "",
    ftp_marked ? "" : "    <rule host=\"127\\.0\\.0\\.2\" action=\"TUNNEL\" profile=\"gateway\"/>\n",
    world.blocked_port, world.direct_port);

  burrow_test_broker_write_user (world.broker, xml);
}

/* The hops' known hosts, plus the outer sshd's key under the name
 * "localhost", as a user who once connected with ssh would have it. */
static char *
write_known_hosts (void)
{
  g_autofree char *text = NULL;
  g_autofree char *outer = g_strdup_printf ("[127.0.0.1]:%u ",
                                            burrow_test_hops_get_outer_port (world.hops));
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (world.dir, "known_hosts", NULL);

  g_file_get_contents (burrow_test_hops_get_known_hosts (world.hops), &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0')
        continue;
      g_string_append_printf (out, "%s\n", lines[i]);
      if (g_str_has_prefix (lines[i], outer))
        g_string_append_printf (out, "[localhost]:%u %s\n",
                                burrow_test_hops_get_outer_port (world.hops),
                                lines[i] + strlen (outer));
    }
  g_file_set_contents (path, out->str, -1, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
socket_exists (gpointer user_data)
{
  return g_file_test (world.socket_path, G_FILE_TEST_EXISTS);
}

static gboolean
hidden_server_up (gpointer user_data)
{
  const char *netns = user_data;
  g_autofree char *address = url (world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "nsenter", netns, "busybox", "wget", "-q", "-O", "-",
                                           address, NULL }, NULL, 10);
  return result.status == 0 && strstr (result.out, HIDDEN_BODY) != NULL;
}

/* An FTP server inside N, to wait for. */
typedef struct
{
  const char *netns;
  const char *address;
  guint16 port;
} FtpProbe;

static gboolean
ftp_server_up (gpointer user_data)
{
  const FtpProbe *probe = user_data;
  g_autofree char *script = g_strdup_printf ("import socket; s = socket.create_connection("
                                             "('%s', %u), 2); print(s.recv(3).decode())",
                                             probe->address, probe->port);
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "nsenter", probe->netns, "/usr/bin/python3", "-c",
                                           script, NULL }, NULL, 10);
  return result.status == 0 && g_str_has_prefix (result.out, "220");
}

static void
start_broker (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "status", NULL });
  g_assert_cmpint (result.status, ==, 0);
  g_assert_true (burrow_test_wait_until (socket_exists, NULL, 10000));
}

static void
build_world (void)
{
  g_autofree char *netns = g_strdup_printf ("--net=/proc/%d/ns/net",
                                            (int) burrow_test_hops_get_inner_pid (world.hops));
  g_autofree char *hidden_root = web_root ("hidden", HIDDEN_BODY "\n");
  g_autofree char *here_root = web_root ("here", HERE_BODY "\n");
  g_autofree char *own_root = web_root ("own", OWN_BODY "\n");
  g_autofree char *home = g_build_filename (world.dir, "home", NULL);

  world.hidden_port = burrow_test_free_port ();
  world.hidden_holder = hold_port ("127.0.0.1", world.hidden_port);
  world.direct_port = burrow_test_free_port ();
  world.blocked_port = burrow_test_free_port ();
  world.servers[0] = start_httpd (netns, world.hidden_port, hidden_root);
  world.servers[1] = start_httpd (NULL, world.direct_port, here_root);
  world.servers[2] = start_httpd (NULL, world.blocked_port, here_root);
  world.fallback_port = burrow_test_free_port ();
  world.servers[6] = start_httpd (NULL, world.fallback_port, here_root);
  world.dead_port = burrow_test_free_port ();
  world.dead_holder = hold_port ("127.0.0.1", world.dead_port);
  world.own_port = burrow_test_free_port ();
  world.own_holder = hold_port ("127.0.0.1", world.own_port);
  world.servers[3] = start_httpd (netns, world.own_port, own_root);
  world.known_hosts = write_known_hosts ();
  world.ftp_root = web_root ("ftp", HIDDEN_BODY " over FTP\n");
  world.servers[4] = start_ftpd (netns, "127.0.0.1", 21, 0, world.ftp_root);
  world.ftp_port = burrow_test_free_port ();
  world.ftp_data_port = burrow_test_free_port ();
  world.ftp_holders[0] = hold_port ("127.0.0.2", world.ftp_port);
  world.ftp_holders[1] = hold_port ("127.0.0.2", world.ftp_data_port);
  world.ftp_holders[2] = hold_port ("127.0.0.1", world.ftp_data_port);
  world.servers[5] = start_ftpd (netns, "127.0.0.2", world.ftp_port, world.ftp_data_port,
                                 world.ftp_root);
  g_assert_true (burrow_test_wait_until (ftp_server_up,
                                         &(FtpProbe) { netns, "127.0.0.1", 21 }, 10000));
  g_assert_true (burrow_test_wait_until (ftp_server_up,
                                         &(FtpProbe) { netns, "127.0.0.2", world.ftp_port },
                                         10000));
  g_assert_true (burrow_test_wait_until (hidden_server_up, netns, 10000));

  /* Never the real ~/.ssh, nor an agent. */
  g_mkdir_with_parents (home, 0700);
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
  /* The broker (activated by the test bus) inherits this. */
  g_setenv ("BURROW_CAPTURE_SOCKET", world.socket_path, TRUE);
  world.broker = burrow_test_broker_new (TRUE);
  write_config (TRUE);
  start_broker ();
}

/* ---- tests -------------------------------------------------------------- */

/* Without capture, the hidden server cannot be reached from here, and the
 * other two can: what the later tests rely on. */
static void
test_topology (void)
{
  g_autofree char *hidden = url (world.hidden_port);
  g_autofree char *direct = url (world.direct_port);
  g_autofree char *blocked = url (world.blocked_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "curl", "-sS", "--max-time", "10", hidden, NULL },
                        NULL, TOOL_TIMEOUT_S);
  g_assert_cmpint (result.status, ==, 7);   /* couldn't connect */
  burrow_test_tool_result_clear (&result);
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "curl", "-sS", "--max-time", "10", direct, NULL },
                        NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "curl (direct, uncaptured)");
  burrow_test_tool_result_clear (&result);
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "curl", "-sS", "--max-time", "10", blocked, NULL },
                        NULL, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "curl (blocked port, uncaptured)");
}

/* A TUNNEL rule: curl reaches the server that exists only behind sshd. */
static void
test_curl_tunnel (void)
{
  g_autofree char *hidden = url (world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", hidden, NULL });
  burrow_test_assert_tool_ok (&result, "captured curl");
  g_assert_cmpstr (result.out, ==, HIDDEN_BODY "\n");
}

static void
test_curl_direct_rule (void)
{
  g_autofree char *direct = url (world.direct_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", direct, NULL });
  burrow_test_assert_tool_ok (&result, "captured curl, DIRECT rule");
  g_assert_cmpstr (result.out, ==, HERE_BODY "\n");
}

/* BLOCK: the server is there, the connect fails with EACCES. */
static void
test_block_rule (void)
{
  g_autofree char *blocked = url (world.blocked_port);
  g_autofree char *check = connect_check ();
  g_autofree char *port = g_strdup_printf ("%u", world.blocked_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", blocked, NULL });
  g_assert_cmpint (result.status, ==, 7);
  g_assert_cmpstr (result.out, ==, "");
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "python3", check, "errno", "127.0.0.1", port, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno");
  g_assert_cmpstr (result.out, ==, "EACCES\n");
}

/* A TUNNEL to a port nothing listens on behind the SSH server: the server
 * refuses the channel, and the program's connect fails with ECONNREFUSED
 * (not after a timeout); the session carries the next connect as before. */
static char *connections_line (const char *needle);

static void
on_capture_failed (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *interface,
                   const char      *signal,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  char **reason = user_data;

  g_free (*reason);
  g_variant_get (parameters, "(&os)", NULL, reason);
}

static gboolean
string_set (gpointer user_data)
{
  return *(char **) user_data != NULL;
}

static void
test_refused_destination (void)
{
  g_autofree char *check = connect_check ();
  guint16 closed_port = burrow_test_free_port ();
  g_autofree char *closed = g_strdup_printf ("%u", closed_port);
  g_autofree char *hidden = g_strdup_printf ("%u", world.hidden_port);
  g_autofree char *needle = g_strdup_printf ("127.0.0.1:%u", closed_port);
  g_autofree char *line = NULL;
  g_autofree char *reason = NULL;
  g_auto(BurrowTestToolResult) result = { 0 };
  guint subscription = g_dbus_connection_signal_subscribe (
    world.broker->connection, NULL, "io.github.burrow.Burrow.Broker1",
    "CaptureFailed", "/io/github/burrow/Burrow/Broker", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
    on_capture_failed, &reason, NULL);

  run_captured (&result, (const char *[]) { "python3", check, "errno", "127.0.0.1", closed, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, refused channel");
  g_assert_cmpstr (result.out, ==, "ECONNREFUSED\n");
  burrow_test_tool_result_clear (&result);
  /* The desktop is told, and the live view says why. */
  g_assert_true (burrow_test_wait_until (string_set, &reason, 5000));
  burrow_test_assert_contains (reason, "refused");
  g_dbus_connection_signal_unsubscribe (world.broker->connection,
                                        subscription);
  line = connections_line (needle);
  g_assert_nonnull (line);
  burrow_test_assert_contains (line, "failed");
  burrow_test_assert_contains (line, reason);

  run_captured (&result, (const char *[]) { "python3", check, "errno", "127.0.0.1", hidden, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, after a refused channel");
  g_assert_cmpstr (result.out, ==, "connected\n");
}

/* Python's non-blocking connect: EINPROGRESS, writable, SO_ERROR 0, and
 * getpeername() names what the program asked for, as without capture. */
static void
test_python_nonblocking (void)
{
  g_autofree char *check = connect_check ();
  g_autofree char *port = g_strdup_printf ("%u", world.hidden_port);
  g_autofree char *peer = g_strdup_printf ("peer 127.0.0.1 %u\n", world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "python3", check, "nonblocking", "127.0.0.1", port,
                                            "/page.txt", NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py nonblocking");
  burrow_test_assert_contains (result.out, "connect_ex EINPROGRESS\n");
  burrow_test_assert_contains (result.out, "writable True\n");
  burrow_test_assert_contains (result.out, "SO_ERROR 0\n");
  burrow_test_assert_contains (result.out, peer);
  burrow_test_assert_contains (result.out, "body " HIDDEN_BODY "\n");
}

/* 200 threads connect at the same moment; each is tunnelled and answered. */
static void
test_python_200_threads (void)
{
  g_autofree char *check = connect_check ();
  g_autofree char *port = g_strdup_printf ("%u", world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "python3", check, "threads", "200", "127.0.0.1", port,
                                            "/page.txt", NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py threads");
  if (strstr (result.out, "ok 200/200\n") == NULL)
    g_error ("not every thread got through:\n%s", result.out);
  burrow_test_assert_contains (result.out, "body " HIDDEN_BODY "\n");
}

/* A shell started under capture, its child shell and that one's curl: all
 * captured (LD_PRELOAD is inherited across fork and exec). */
static void
test_bash_grandchildren (void)
{
  g_autofree char *hidden = url (world.hidden_port);
  g_autofree char *script = g_strdup_printf ("bash -c 'curl -sS --max-time 20 %s'", hidden);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "bash", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "bash -c 'bash -c curl'");
  g_assert_cmpstr (result.out, ==, HIDDEN_BODY "\n");
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The LD_PRELOAD value an environment.d file of session-wide capture sets
 * when LD_PRELOAD was empty before, or NULL. */
static char *
session_preload (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "LD_PRELOAD=")
        && g_str_has_suffix (lines[i], "${LD_PRELOAD:+ $LD_PRELOAD}"))
      return g_strndup (lines[i] + strlen ("LD_PRELOAD="),
                        strlen (lines[i]) - strlen ("LD_PRELOAD=")
                        - strlen ("${LD_PRELOAD:+ $LD_PRELOAD}"));
  return NULL;
}

static void
run_ctl_ok (const char * const *args,
            const char         *expected_out)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker), args);
  g_assert_cmpint (result.status, ==, 0);
  burrow_test_assert_contains (result.out, expected_out);
}

/* `burrowctl ARGS` fails, saying @expected_err on standard error. */
static void
run_ctl_fails (const char * const *args,
               const char         *expected_err)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker), args);
  g_assert_cmpint (result.status, ==, 1);
  burrow_test_assert_contains (result.err, expected_err);
}

/* Session-wide capture: `burrowctl capture on` writes the environment.d
 * file the user manager reads at login; a program started with the
 * environment it gives, with no launcher, is captured (it reaches the
 * server only the tunnel reaches; loopback is captured only with
 * BURROW_CAPTURE_LOOPBACK, which the session does not set: it is the test's
 * way to a destination).  `off` removes the file. */
static void
test_session_wide (void)
{
  g_autofree char *file = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "environment.d",
                                            "60-burrow-capture.conf", NULL);
  g_autofree char *hidden = url (world.hidden_port);
  g_autofree char *library = NULL;
  g_auto(GStrv) env = capture_environment (world.socket_path);
  g_auto(BurrowTestToolResult) result = { 0 };

  g_autofree char *directory = g_path_get_dirname (file);
  g_autofree char *kept = NULL;

  /* A file of the user's own under that name is never touched, and the
   * user is told why capture will not be on at the next login. */
  g_assert_cmpint (g_mkdir_with_parents (directory, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, "LD_PRELOAD=/usr/lib/mine.so\n", -1, NULL));
  run_ctl_fails ((const char *[]) { "capture", "on", NULL }, "is not Burrow's");
  run_ctl_fails ((const char *[]) { "capture", "on", NULL }, file);
  run_ctl_ok ((const char *[]) { "capture", NULL }, "session-wide capture: on\n");
  run_ctl_ok ((const char *[]) { "capture", "off", NULL }, "session-wide capture: off");
  g_assert_true (g_file_get_contents (file, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "LD_PRELOAD=/usr/lib/mine.so\n");
  g_assert_cmpint (g_unlink (file), ==, 0);

  /* A file where the directory should be: the error names it; once it
   * is gone, `capture on` again writes the file before it answers. */
  g_assert_cmpint (g_rmdir (directory), ==, 0);
  g_assert_true (g_file_set_contents (directory, "", -1, NULL));
  run_ctl_fails ((const char *[]) { "capture", "on", NULL }, "Not a directory");
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_unlink (directory), ==, 0);
  run_ctl_ok ((const char *[]) { "capture", "on", NULL }, "session-wide capture: on");
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  run_ctl_ok ((const char *[]) { "capture", NULL }, "session environment: ");
  library = session_preload (file);
  g_assert_nonnull (library);
  g_assert_true (g_path_is_absolute (library));
  g_assert_true (g_str_has_suffix (library, "/libburrow-capture.so"));
  g_assert_true (g_file_test (library, G_FILE_TEST_IS_REGULAR));

  env = g_environ_setenv (env, "LD_PRELOAD", library, TRUE);
  env = g_environ_setenv (env, "BURROW_CAPTURE_LOOPBACK", "1", TRUE);
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { "curl", "-sS", "--max-time", "20", hidden, NULL },
                        (const char * const *) env, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "curl with the session's LD_PRELOAD");
  g_assert_cmpstr (result.out, ==, HIDDEN_BODY "\n");

  run_ctl_ok ((const char *[]) { "capture", "off", NULL }, "session-wide capture: off");
  g_assert_true (burrow_test_wait_until (file_gone, file, 5000));
}

static char *
copy_file (const char *from,
           const char *directory,
           const char *name)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  char *to = g_build_filename (directory, name, NULL);

  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (to, contents, length, NULL));
  g_assert_cmpint (g_chmod (to, 0755), ==, 0);
  return to;
}

/* The capture library and connect-check.py where any user may read them;
 * returns the directory. */
static char *
readable_copies (char **library,
                 char **check)
{
  g_autofree char *built = burrow_test_build_path ("broker", "capture", "libburrow-capture.so",
                                                   NULL);
  g_autofree char *script = connect_check ();
  char *directory = g_dir_make_tmp ("burrow-other-user-XXXXXX", NULL);

  g_assert_nonnull (directory);
  g_assert_cmpint (g_chmod (directory, 0755), ==, 0);
  *library = copy_file (built, directory, "libburrow-capture.so");
  *check = copy_file (script, directory, "connect-check.py");
  return directory;
}

/* Another user's process with this user's capture settings (a shell of
 * `su` keeps LD_PRELOAD and XDG_RUNTIME_DIR) is passed through untouched,
 * as the broker would pass it: the BLOCK rule's port is blocked for this
 * user and reached by nobody's. */
static void
test_other_user_passes_through (void)
{
  g_autofree char *check = connect_check ();
  g_autofree char *port = g_strdup_printf ("%u", world.blocked_port);
  g_autofree char *launcher = capture_launcher ();
  g_autofree char *shared = NULL;
  g_autofree char *library = NULL;
  g_autofree char *shared_check = NULL;
  g_auto(GStrv) env = NULL;
  g_auto(BurrowTestToolResult) result = { 0 };

  if (getuid () != 0)
    {
      g_test_skip ("becoming another user (setpriv) needs root");
      return;
    }
  run_captured (&result, (const char *[]) { "/usr/bin/python3", check, "errno", "127.0.0.1", port,
                                            NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, this user");
  g_assert_cmpstr (result.out, ==, "EACCES\n");
  burrow_test_tool_result_clear (&result);

  /* nobody must read the library and the script wherever the checkout is
   * (a private directory, say): copies in a directory of its own. */
  shared = readable_copies (&library, &shared_check);
  env = capture_environment (world.socket_path);
  env = g_environ_setenv (env, "BURROW_CAPTURE_LIBRARY", library, TRUE);
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { launcher, "-l", "setpriv", "--reuid=nobody",
                                           "--regid=nogroup", "--clear-groups",
                                           "/usr/bin/python3", shared_check, "errno",
                                           "127.0.0.1", port, NULL },
                        (const char * const *) env, TOOL_TIMEOUT_S);
  burrow_test_remove_tree (shared);
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, as nobody");
  g_assert_cmpstr (result.out, ==, "connected\n");
}

static gboolean
dead_session_failed (gpointer user_data)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "status", NULL });
  return result.status == 0 && strstr (result.out, "dead: failed") != NULL
         && strstr (result.out, "Connection refused") != NULL;
}

/* fallback-to-plain: the rule's SSH server refuses, so the program
 * connects directly (after the session failed), and so it does with no
 * broker at all, as the rules snapshot has it. */
static void
test_fallback_to_plain (void)
{
  g_autofree char *missing = g_build_filename (world.dir, "no-broker", "capture", NULL);
  g_autofree char *address = url (world.fallback_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "40", address, NULL });
  burrow_test_assert_tool_ok (&result, "curl, fallback-to-plain with the broker");
  g_assert_cmpstr (result.out, ==, HERE_BODY "\n");
  burrow_test_tool_result_clear (&result);
  /* burrowctl status says why the session is not there. */
  g_assert_true (burrow_test_wait_until (dead_session_failed, NULL, 5000));

  run_captured_at (&result, missing, (const char *[]) { "-l", "-D", "1", NULL },
                   (const char *[]) { "curl", "-sS", "--max-time", "20", address, NULL });
  burrow_test_assert_tool_ok (&result, "curl, fallback-to-plain with no broker");
  g_assert_cmpstr (result.out, ==, HERE_BODY "\n");
  burrow_test_assert_contains (result.err, "allows fallback-to-plain");
}

static gboolean
snapshot_has_rules (gpointer user_data)
{
  g_autofree char *text = NULL;
  gboolean wanted = GPOINTER_TO_INT (user_data);

  return g_file_get_contents (g_getenv ("BURROW_CAPTURE_RULES"), &text, NULL, NULL)
         && (strstr (text, "\nrule ") != NULL) == wanted;
}

static void
assert_connect (const char *port,
                const char *expected)
{
  g_autofree char *check = connect_check ();
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured (&result, (const char *[]) { "python3", check, "errno", "127.0.0.1", port, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno");
  g_assert_cmpstr (result.out, ==, expected);
}

/* Broker1.SetCaptureActive (burrowctl capture suspend|resume): suspended,
 * the BLOCK rule's port is reached and the tunnel-only server is not (a
 * direct connect to its held port is refused); the rules snapshot is
 * emptied, so programs do the same without asking.  Resumed, the rules
 * apply again. */
static void
test_suspend_and_resume (void)
{
  g_autofree char *blocked = g_strdup_printf ("%u", world.blocked_port);
  g_autofree char *hidden = g_strdup_printf ("%u", world.hidden_port);
  g_autofree char *stale = g_build_filename (world.dir, "stale-rules", NULL);
  g_autofree char *stale_env = g_strdup_printf ("BURROW_CAPTURE_RULES=%s", stale);
  g_autofree char *check = connect_check ();
  g_autofree char *rules = NULL;
  g_auto(BurrowTestToolResult) result = { 0 };

  /* The rules as they were, for a program that still reads them. */
  g_assert_true (g_file_get_contents (g_getenv ("BURROW_CAPTURE_RULES"), &rules, NULL, NULL));
  g_assert_true (g_file_set_contents (stale, rules, -1, NULL));

  run_ctl_ok ((const char *[]) { "capture", "suspend", NULL }, "capture now: suspended");
  run_ctl_ok ((const char *[]) { "capture", NULL }, "capture now: suspended");
  g_assert_true (snapshot_has_rules (GINT_TO_POINTER (FALSE)));
  assert_connect (blocked, "connected\n");
  assert_connect (hidden, "ECONNREFUSED\n");
  /* Asked (the old rules say BLOCK), the broker itself says DIRECT. */
  run_captured (&result, (const char *[]) { "env", stale_env, "python3", check, "errno",
                                            "127.0.0.1", blocked, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, stale snapshot");
  g_assert_cmpstr (result.out, ==, "connected\n");

  run_ctl_ok ((const char *[]) { "capture", "resume", NULL }, "capture now: active");
  /* Written before the method answered. */
  g_assert_true (snapshot_has_rules (GINT_TO_POINTER (TRUE)));
  assert_connect (blocked, "EACCES\n");
  assert_connect (hidden, "connected\n");
}

/* A rules "snapshot" that is no file (a FIFO nobody writes) is ignored:
 * the connect is not held up, and the broker decides it. */
static void
test_snapshot_not_a_file (void)
{
  g_autofree char *fifo = g_build_filename (world.dir, "rules-fifo", NULL);
  g_autofree char *fifo_env = g_strdup_printf ("BURROW_CAPTURE_RULES=%s", fifo);
  g_autofree char *check = connect_check ();
  g_autofree char *port = g_strdup_printf ("%u", world.blocked_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  run_captured (&result, (const char *[]) { "env", fifo_env, "python3", check, "errno",
                                            "127.0.0.1", port, NULL });
  g_unlink (fifo);
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, FIFO as the rules");
  g_assert_cmpstr (result.out, ==, "EACCES\n");
}

/* No broker: what the rules tunnel is refused (fail-closed), what a DIRECT
 * rule allows still works, read from the rules snapshot the broker left;
 * without a snapshot nothing is known, so everything is refused; -F
 * connects the rest directly. */
static void
test_fail_closed_without_broker (void)
{
  g_autofree char *missing = g_build_filename (world.dir, "no-broker", "capture", NULL);
  g_autofree char *no_rules = g_strdup_printf ("BURROW_CAPTURE_RULES=%s/no-rules", world.dir);
  g_autofree char *direct = url (world.direct_port);
  g_autofree char *blocked = url (world.blocked_port);
  g_autofree char *check = connect_check ();
  g_autofree char *hidden_port = g_strdup_printf ("%u", world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured_at (&result, missing, (const char *[]) { "-l", NULL },
                   (const char *[]) { "curl", "-sS", "--max-time", "20", direct, NULL });
  burrow_test_assert_tool_ok (&result, "curl to a DIRECT destination with no broker");
  g_assert_cmpstr (result.out, ==, HERE_BODY "\n");
  burrow_test_tool_result_clear (&result);

  run_captured_at (&result, missing, (const char *[]) { "-l", NULL },
                   (const char *[]) { "python3", check, "errno", "127.0.0.1", hidden_port, NULL });
  burrow_test_assert_tool_ok (&result, "connect-check.py errno, TUNNEL with no broker");
  g_assert_cmpstr (result.out, ==, "ECONNREFUSED\n");
  burrow_test_tool_result_clear (&result);

  run_captured_at (&result, missing, (const char *[]) { "-l", NULL },
                   (const char *[]) { "env", no_rules, "curl", "-sS", "--max-time", "20", direct,
                                      NULL });
  g_assert_cmpint (result.status, ==, 7);
  g_assert_cmpstr (result.out, ==, "");
  burrow_test_tool_result_clear (&result);

  run_captured_at (&result, missing, (const char *[]) { "-l", "-F", NULL },
                   (const char *[]) { "curl", "-sS", "--max-time", "20", blocked, NULL });
  burrow_test_assert_tool_ok (&result, "curl under -F with no broker");
  g_assert_cmpstr (result.out, ==, HERE_BODY "\n");
}

/* Without -l loopback is passed through untouched: the hidden server stays
 * out of reach, the DIRECT one works whatever the broker says. */
static void
test_loopback_passes_without_l (void)
{
  g_autofree char *hidden = url (world.hidden_port);
  g_autofree char *blocked = url (world.blocked_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "curl", "-sS", "--max-time", "20", hidden, NULL });
  g_assert_cmpint (result.status, ==, 7);
  burrow_test_tool_result_clear (&result);
  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "curl", "-sS", "--max-time", "20", blocked, NULL });
  burrow_test_assert_tool_ok (&result, "curl to loopback without -l");
}

/* By name, without -l: the lookup of "localhost" gets a synthetic address
 * (a TUNNEL rule covers the name), the broker opens the channel by name,
 * and the SSH server's side resolves it, to its own loopback: the hidden
 * server.  Uncaptured, "localhost" here is refused.  (Python, since curl
 * resolves "localhost" itself without asking the C library.) */
/* A dual-stack program (as Java does) connects an IPv6 socket to the
 * IPv4 address it looked up, mapped: ::ffff:198.18.x.y stands for the name
 * as 198.18.x.y does, and getpeername() gives what it asked for. */
static void
test_name_mapped_ipv4 (void)
{
  g_autofree char *script = g_strdup_printf (
    "import socket\n"
    "v4 = socket.getaddrinfo('localhost', %u, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]\n"
    "s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\n"
    "s.settimeout(20)\n"
    "s.connect(('::ffff:' + v4, %u))\n"
    "print(v4.startswith('198.18.') or v4.startswith('198.19.'), s.getpeername()[0] == '::ffff:' + v4)\n"
    "s.sendall(b'GET /page.txt HTTP/1.0\\r\\n\\r\\n')\n"
    "data = b''\n"
    "while True:\n"
    "    chunk = s.recv(65536)\n"
    "    if not chunk:\n"
    "        break\n"
    "    data += chunk\n"
    "print(data.split(b'\\r\\n\\r\\n', 1)[1].decode(), end='')\n",
    world.hidden_port, world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "python3", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "captured python3, IPv6 socket to a mapped address");
  g_assert_cmpstr (result.out, ==, "True True\n" HIDDEN_BODY "\n");
}

static void
test_name_tunnel_python (void)
{
  g_autofree char *script = g_strdup_printf (
    "import http.client\n"
    "c = http.client.HTTPConnection('localhost', %u, timeout=20)\n"
    "c.request('GET', '/page.txt')\n"
    "print(c.getresponse().read().decode(), end='')\n", world.hidden_port);
  g_auto(BurrowTestToolResult) result = { 0 };

  burrow_test_run_tool (&result, world.dir, (const char *[]) { "python3", "-c", script, NULL },
                        NULL, TOOL_TIMEOUT_S);
  g_assert_cmpint (result.status, !=, 0);
  burrow_test_assert_contains (result.err, "ConnectionRefusedError");
  burrow_test_tool_result_clear (&result);

  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "python3", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "captured python3 by name");
  g_assert_cmpstr (result.out, ==, HIDDEN_BODY "\n");
}

/* hostname-from-app="YES": the SSH server is the host the program named
 * ("localhost", at the template profile's port: the sshd whose connections
 * live in N), one session for it made from the template, and the channel
 * goes to that host's own localhost:PORT. */
static gboolean
status_lacks (gpointer text)
{
  g_auto(BurrowTestCtlResult) status = { 0 };

  burrow_test_run_ctl (&status, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "status", NULL });
  return status.status == 0 && strstr (status.out, text) == NULL;
}

static void
test_hostname_from_app (void)
{
  g_autofree char *script = g_strdup_printf (
    "import http.client\n"
    "c = http.client.HTTPConnection('localhost', %u, timeout=20)\n"
    "c.request('GET', '/page.txt')\n"
    "print(c.getresponse().read().decode(), end='')\n", world.own_port);
  g_auto(BurrowTestToolResult) result = { 0 };
  g_auto(BurrowTestCtlResult) status = { 0 };

  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "python3", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "captured python3, hostname-from-app");
  g_assert_cmpstr (result.out, ==, OWN_BODY "\n");

  burrow_test_run_ctl (&status, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "status", NULL });
  g_assert_cmpint (status.status, ==, 0);
  burrow_test_assert_contains (status.out, "capture:template@localhost");

  /* Made on demand, it goes once unused for its idle timeout (1 s) after
   * the connection closed (1 s): the broker does not pile them up. */
  g_assert_true (burrow_test_wait_until (status_lacks, "capture:template@localhost", 10000));
}

/* What a program sees of the lookup: an address from 198.18.0.0/15 through
 * getaddrinfo and gethostbyname alike, the same one each time; a name no
 * TUNNEL rule covers resolves as usual. */
static void
test_name_synthetic_address (void)
{
  const char *script =
    "import socket\n"
    "a = socket.getaddrinfo('localhost', 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]\n"
    "b = socket.gethostbyname('LOCALHOST')\n"
    "c = socket.getaddrinfo('127.0.0.1', 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]\n"
    "print(a, b, c)\n";
  g_auto(BurrowTestToolResult) result = { 0 };
  g_auto(GStrv) words = NULL;

  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "python3", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "python3 lookups");
  words = g_strsplit (g_strstrip (result.out), " ", -1);
  g_assert_cmpuint (g_strv_length (words), ==, 3);
  g_assert_true (g_str_has_prefix (words[0], "198.18.") || g_str_has_prefix (words[0], "198.19."));
  g_assert_cmpstr (words[1], ==, words[0]);
  g_assert_cmpstr (words[2], ==, "127.0.0.1");
}

static gboolean
file_has (gpointer user_data)
{
  const char * const *what = user_data;

  return burrow_test_file_contains (what[0], what[1]);
}

static gboolean
holder_ended (gpointer user_data)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (user_data, &text, NULL, NULL)
         && (g_str_equal (text, "connected\neof\n") || g_str_equal (text, "connected\nreset\n"));
}

static char *
connections_line (const char *needle)
{
  return burrow_test_connections_line (burrow_test_broker_get_address (world.broker), needle);
}

static gboolean
connections_has (gpointer needle)
{
  g_autofree char *line = connections_line (needle);

  return line != NULL;
}

/* The live view: a captured program's open tunnel is listed with its
 * application, destination, rule, profile and state, and closing it from
 * burrowctl ends the program's connection; a DIRECT decision is listed
 * too, for a few seconds. */
static void
test_live_view_and_close (void)
{
  g_autofree char *launcher = capture_launcher ();
  g_autofree char *out_path = g_build_filename (world.dir, "holder.out", NULL);
  g_autofree char *script = g_strdup_printf (
    "import socket, sys\n"
    "s = socket.create_connection(('127.0.0.1', %u), timeout=30)\n"
    "s.sendall(b'GET /page.txt HTTP/1.0\\r\\n')\n"
    "print('connected', flush=True)\n"
    "try:\n"
    "    data = s.recv(100)\n"
    "    print('eof' if not data else 'data', flush=True)\n"
    "except ConnectionResetError:\n"
    "    print('reset', flush=True)\n", world.hidden_port);
  g_autofree char *direct = url (world.direct_port);
  g_auto(GStrv) env = capture_environment (world.socket_path);
  const char *argv[] = { launcher, "-l", "python3", "-c", script, NULL };
  const char *connected[] = { out_path, "connected" };
  g_autofree char *line = NULL;
  g_autofree char *id = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *peer = g_strdup_printf ("127.0.0.1:%u", world.hidden_port);
  g_autofree char *pid_needle = NULL;
  g_autofree char *direct_needle = NULL;
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_auto(BurrowTestToolResult) curl = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  GPid pid = 0;
  int status = 0;

  g_assert_cmpint (out_fd, >=, 0);
  g_spawn_async_with_pipes_and_fds (world.dir, argv, (const char * const *) env,
                                    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                    NULL, NULL, -1, out_fd, -1, NULL, NULL, 0, &pid, NULL, NULL,
                                    NULL, &error);
  close (out_fd);
  g_assert_no_error (error);
  g_assert_true (burrow_test_wait_until (file_has, connected, 20000));

  /* Counters and state are published once a second. */
  g_usleep (1200 * 1000);
  /* This program's line (earlier tests' may still be listed). */
  pid_needle = g_strdup_printf (" %d ", (int) pid);
  line = connections_line (pid_needle);
  g_assert_nonnull (line);
  burrow_test_assert_contains (line, "open");
  burrow_test_assert_contains (line, "TUNNEL");
  burrow_test_assert_contains (line, "gateway");
  burrow_test_assert_contains (line, peer);
  id = g_strndup (line, strcspn (line, " "));

  /* Still waiting for an answer before the close. */
  g_file_get_contents (out_path, &text, NULL, NULL);
  g_assert_cmpstr (text, ==, "connected\n");
  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "connections", "close", id, NULL });
  g_assert_cmpint (result.status, ==, 0);
  closed = g_strdup_printf ("closed %s\n", id);
  g_assert_cmpstr (result.out, ==, closed);
  /* The program sees its connection end at once (EOF or a reset). */
  g_assert_true (burrow_test_wait_until (holder_ended, out_path, 5000));
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);

  /* DIRECT by the rules snapshot, without a question: the broker hears of
   * it afterwards and lists it all the same. */
  run_captured_at (&curl, world.socket_path, (const char *[]) { "-l", "-D", "2", NULL },
                   (const char *[]) { "curl", "-sS", "--max-time", "20", direct, NULL });
  burrow_test_assert_tool_ok (&curl, "captured curl, DIRECT rule");
  burrow_test_assert_contains (curl.err, "of the snapshot)");
  direct_needle = g_strdup_printf ("127.0.0.1:%u", world.direct_port);
  g_assert_true (burrow_test_wait_until (connections_has, direct_needle, 5000));
  g_clear_pointer (&line, g_free);
  line = connections_line (direct_needle);
  g_assert_nonnull (line);
  burrow_test_assert_contains (line, "curl");
  burrow_test_assert_contains (line, "direct");
  burrow_test_assert_contains (line, "DIRECT");
}

/* How curl opens the data channel, what -v shows it sent for that, and
 * what it must not have sent (a fallback would hide a failure). */
typedef struct
{
  const char *options[4];
  const char *sent;
  const char *not_sent[3];
} FtpMode;

static const FtpMode ftp_epsv = { { "--ftp-pasv", NULL }, "> EPSV",
                                  { "> PASV", "> EPRT", "> PORT" } };
static const FtpMode ftp_pasv = { { "--ftp-pasv", "--disable-epsv", NULL }, "> PASV",
                                  { "> EPSV", "> EPRT", "> PORT" } };
/* "-": a listener on the control connection's own address, 127.0.0.1
 * (the capture endpoint's side). */
static const FtpMode ftp_eprt = { { "--ftp-port", "-", NULL }, "> EPRT |1|127.0.0.1|",
                                  { "> PORT", "> EPSV", "> PASV" } };
static const FtpMode ftp_port = { { "--ftp-port", "-", "--disable-eprt", NULL },
                                  "> PORT 127,0,0,1,", { "> EPRT", "> EPSV", "> PASV" } };

/* Captured curl -v fetching @url as @mode says. */
static void
run_captured_ftp (BurrowTestToolResult *result,
                  const FtpMode        *mode,
                  const char           *url)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, "curl");
  g_ptr_array_add (argv, "-sS");
  g_ptr_array_add (argv, "-v");
  g_ptr_array_add (argv, "--max-time");
  g_ptr_array_add (argv, "30");
  for (guint i = 0; mode->options[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) mode->options[i]);
  g_ptr_array_add (argv, (char *) url);
  g_ptr_array_add (argv, NULL);
  run_captured (result, (const char * const *) argv->pdata);
}

/* The file arrives whole, by the data channel @mode names; curl's log
 * does not have @unrewritten (if not NULL): the server's own reply. */
static void
assert_ftp_download (const FtpMode *mode,
                     const char    *url,
                     const char    *unrewritten)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured_ftp (&result, mode, url);
  burrow_test_assert_tool_ok (&result, "captured curl, FTP");
  g_assert_cmpstr (result.out, ==, HIDDEN_BODY " over FTP\n");
  burrow_test_assert_contains (result.err, mode->sent);
  for (guint i = 0; i < G_N_ELEMENTS (mode->not_sent); i++)
    if (strstr (result.err, mode->not_sent[i]) != NULL)
      g_error ("curl sent \"%s\" (a fallback):\n%s", mode->not_sent[i], result.err);
  if (unrewritten != NULL && strstr (result.err, unrewritten) != NULL)
    g_error ("curl got the server's own \"%s\":\n%s", unrewritten, result.err);
}

/* A captured FTP client: its control connection to port 21 is relayed
 * through the FTP rewriter, so the passive data connection (EPSV, then
 * PASV) rides the same session; the server exists only inside N. */
static void
test_ftp_passive (void)
{
  assert_ftp_download (&ftp_epsv, "ftp://127.0.0.1/page.txt", NULL);
  assert_ftp_download (&ftp_pasv, "ftp://127.0.0.1/page.txt", NULL);
}

/* Active mode through capture: curl listens on 127.0.0.1 here and names
 * that in EPRT (then PORT); the broker opens a remote forward on the SSH
 * server and rewrites the command to name it, so the server's data
 * connection, made inside N where nothing listens on curl's port, comes
 * back through the session to curl's listener. */
static void
test_ftp_active (void)
{
  assert_ftp_download (&ftp_eprt, "ftp://127.0.0.1/page.txt", NULL);
  assert_ftp_download (&ftp_port, "ftp://127.0.0.1/page.txt", NULL);
}

static char *
ftp_rule_url (void)
{
  return g_strdup_printf ("ftp://127.0.0.2:%u/page.txt", world.ftp_port);
}

/* What the server on 127.0.0.2 answers EPSV and PASV with. */
static char *
ftp_rule_epsv_reply (void)
{
  return g_strdup_printf ("(|||%u|)", world.ftp_data_port);
}

static char *
ftp_rule_pasv_reply (void)
{
  return g_strdup_printf ("(127,0,0,2,%u,%u)", world.ftp_data_port >> 8,
                          world.ftp_data_port & 0xff);
}

/* ftp="YES" on the rule for 127.0.0.2:FTP_PORT: that control connection is
 * relayed through the FTP rewriter as port 21's is, in every mode: curl
 * never sees the server's own passive port, and its data connect to
 * 127.0.0.2 (where nothing listens here) is handed to the broker's data
 * listener. */
static void
test_ftp_rule (void)
{
  g_autofree char *address = ftp_rule_url ();
  g_autofree char *epsv = ftp_rule_epsv_reply ();
  g_autofree char *pasv = ftp_rule_pasv_reply ();

  assert_ftp_download (&ftp_epsv, address, epsv);
  assert_ftp_download (&ftp_pasv, address, pasv);
  assert_ftp_download (&ftp_eprt, address, NULL);
  assert_ftp_download (&ftp_port, address, NULL);
}

/* By name: the program's lookup of "localhost" gets a synthetic address
 * (not loopback), its control connection to port 21 rides the session by
 * name, and Python's ftplib makes its PASV data connect to the address it
 * connected to, as most clients do.  The broker hands that connect to the
 * data listener: by the rules it would be a tunnel to localhost:PORT on the
 * SSH server's side, where nothing listens. */
static void
test_ftp_by_name (void)
{
  const char *script =
    "import ftplib, io\n"
    "f = ftplib.FTP()\n"
    "f.connect('localhost', 21, timeout=20)\n"
    "f.login()\n"
    "data = io.BytesIO()\n"
    "f.retrbinary('RETR page.txt', data.write)\n"
    "f.quit()\n"
    "print(data.getvalue().decode(), end='')\n";
  g_auto(BurrowTestToolResult) result = { 0 };

  run_captured_at (&result, world.socket_path, NULL,
                   (const char *[]) { "python3", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "captured python3 ftplib by name");
  g_assert_cmpstr (result.out, ==, HIDDEN_BODY " over FTP\n");
}

static void
reload_broker (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "reload", NULL });
  g_assert_cmpint (result.status, ==, 0);
}

/* The same rule without ftp="YES": the control connection is tunnelled
 * like any other and not rewritten.  Passive: curl gets the server's own
 * port and its data connect there is a connect of its own, tunnelled by
 * the next rule.  Active: the server, inside N, is told curl's port on
 * 127.0.0.1, where nothing listens there, and the transfer fails. */
static void
test_ftp_rule_unmarked (void)
{
  g_autofree char *address = ftp_rule_url ();
  g_autofree char *epsv = ftp_rule_epsv_reply ();
  g_auto(BurrowTestToolResult) passive = { 0 };
  g_auto(BurrowTestToolResult) active = { 0 };

  write_config (FALSE);
  reload_broker ();
  run_captured_ftp (&passive, &ftp_epsv, address);
  run_captured_ftp (&active, &ftp_eprt, address);
  write_config (TRUE);
  reload_broker ();

  burrow_test_assert_tool_ok (&passive, "captured curl, FTP, unmarked rule");
  g_assert_cmpstr (passive.out, ==, HIDDEN_BODY " over FTP\n");
  burrow_test_assert_contains (passive.err, epsv);
  g_assert_cmpint (active.status, ==, 30);  /* CURLE_FTP_PORT_FAILED: EPRT, then PORT */
  g_assert_cmpstr (active.out, ==, "");
  burrow_test_assert_contains (active.err, ftp_eprt.sent);
  burrow_test_assert_contains (active.err, "< 425");
}

/* The capture socket's directory is private, the socket the user's only. */
static void
test_socket_modes (void)
{
  g_autofree char *directory = g_path_get_dirname (world.socket_path);
  struct stat info;

  g_assert_cmpint (g_stat (directory, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (world.socket_path, &info), ==, 0);
  g_assert_true (S_ISSOCK (info.st_mode));
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
}

/* ---- sandboxed programs ------------------------------------------------- */

/* A captured program that connects to the hidden server and holds the
 * connection until its stdin closes; unsandboxed, or in a bubblewrap
 * sandbox whose root holds /.flatpak-info naming @app_id. */
typedef struct
{
  GPid pid;
  int input;
  char *out_path;
} Holder;

/* burrow-capture @option @argv…, in a sandbox of @app_id's unless NULL. */
static GPtrArray *
captured_argv (const char         *app_id,
               const char         *option,
               const char * const *argv)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (g_free);

  if (app_id != NULL)
    burrow_test_sandbox_add_argv (all, world.dir, app_id);
  g_ptr_array_add (all, capture_launcher ());
  if (option != NULL)
    g_ptr_array_add (all, g_strdup (option));
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (all, g_strdup (argv[i]));
  g_ptr_array_add (all, NULL);
  return all;
}

static void
holder_start (Holder     *holder,
              const char *name,
              const char *app_id)
{
  g_autofree char *script = g_strdup_printf (
    "import socket, sys\n"
    "s = socket.create_connection(('127.0.0.1', %u), timeout=30)\n"
    "print('connected', flush=True)\n"
    "sys.stdin.read()\n", world.hidden_port);
  g_autoptr(GPtrArray) argv = captured_argv (app_id, "-l",
                                             (const char *[]) { "python3", "-c", script, NULL });
  g_auto(GStrv) env = capture_environment (world.socket_path);
  const char *connected[2];
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int out_fd;

  holder->out_path = g_strdup_printf ("%s/holder-%s.out", world.dir, name);
  out_fd = open (holder->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (out_fd, >=, 0);
  g_spawn_async_with_pipes_and_fds (world.dir, (const char * const *) argv->pdata,
                                    (const char * const *) env,
                                    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                    burrow_test_process_die_with_parent, NULL, -1, out_fd, out_fd,
                                    NULL, NULL, 0, &holder->pid, &holder->input, NULL, NULL,
                                    &error);
  close (out_fd);
  g_assert_no_error (error);
  connected[0] = holder->out_path;
  connected[1] = "connected\n";
  if (burrow_test_wait_until (file_has, connected, 20000))
    return;
  g_file_get_contents (holder->out_path, &text, NULL, NULL);
  g_error ("%s did not connect:\n%s", name, text != NULL ? text : "");
}

/* Its stdin closed, it ends; killed if it does not within 5 s. */
static void
holder_stop (Holder *holder)
{
  close (holder->input);
  for (guint waited_ms = 0; waited_ms < 5000; waited_ms += 10)
    {
      if (waitpid (holder->pid, NULL, WNOHANG) == holder->pid)
        {
          holder->pid = 0;
          break;
        }
      g_usleep (10 * 1000);
    }
  if (holder->pid != 0)
    {
      kill (holder->pid, SIGKILL);
      waitpid (holder->pid, NULL, 0);
    }
  g_unlink (holder->out_path);
  g_free (holder->out_path);
}

/* The SSH connections open to the outer sshd now, as `ss -tn state
 * established dport = :PORT` would count them: each is one TCP
 * connection, and every session here connects from this namespace. */
static guint
ssh_connections (void)
{
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;
  guint count = 0;

  g_assert_true (g_file_get_contents ("/proc/net/tcp", &table, NULL, NULL));
  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      unsigned int port = 0, state = 0;

      if (sscanf (lines[i], " %*u: %*x:%*x %*x:%x %x", &port, &state) == 2
          && port == burrow_test_hops_get_outer_port (world.hops) && state == 1)
        count++;
    }
  return count;
}

static gboolean
no_ssh_connection (gpointer user_data)
{
  return ssh_connections () == 0;
}

static void
assert_line_has (const char *what,
                 const char *needle)
{
  g_autofree char *line = connections_line (what);

  if (line == NULL)
    g_error ("no connection of %s in burrowctl connections", what);
  burrow_test_assert_contains (line, needle);
}

/* The seed's integrity-level rule: a sandboxed program (Flatpak: its root
 * holds /.flatpak-info) never shares an SSH connection with unsandboxed
 * ones, nor with another application's sandbox, while unsandboxed
 * programs share theirs.  Four programs hold a tunnel through the same
 * rule and profile at once: two unsandboxed, two in sandboxes of two
 * applications.  Three SSH connections are open to the server; burrowctl
 * lists three sessions and which one carries each program's connection. */
static void
test_sandbox_own_session (void)
{
  Holder plain_1 = { 0 }, plain_2 = { 0 }, app = { 0 }, other = { 0 };
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *plain_1_pid = NULL;
  g_autofree char *plain_2_pid = NULL;

  if (!burrow_test_sandbox_usable (world.dir))
    return;
  /* The shared session of earlier tests may still be up: start afresh
   * (others end within their idle timeout, 5 s). */
  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "disconnect", "gateway", NULL });
  burrow_test_ctl_result_clear (&result);
  g_assert_true (burrow_test_wait_until (no_ssh_connection, NULL, 10000));

  holder_start (&plain_1, "plain-1", NULL);
  holder_start (&app, "app", "org.example.Sandboxed");
  holder_start (&plain_2, "plain-2", NULL);
  holder_start (&other, "other", "org.example.Other");

  g_assert_cmpuint (ssh_connections (), ==, 3);

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "status", NULL });
  g_assert_cmpint (result.status, ==, 0);
  g_test_message ("burrowctl status:\n%s", result.out);
  burrow_test_assert_contains (result.out, " gateway: connected");
  burrow_test_assert_contains (result.out, " sandbox:org.example.Sandboxed:gateway: connected");
  burrow_test_assert_contains (result.out, " sandbox:org.example.Other:gateway: connected");

  /* Counters and state are published once a second. */
  g_usleep (1200 * 1000);
  plain_1_pid = g_strdup_printf (" %d ", (int) plain_1.pid);
  plain_2_pid = g_strdup_printf (" %d ", (int) plain_2.pid);
  assert_line_has (plain_1_pid, " gateway ");
  assert_line_has (plain_2_pid, " gateway ");
  assert_line_has ("(sandbox org.example.Sandboxed)", " sandbox:org.example.Sandboxed:gateway ");
  assert_line_has ("(sandbox org.example.Other)", " sandbox:org.example.Other:gateway ");

  holder_stop (&plain_1);
  holder_stop (&plain_2);
  holder_stop (&app);
  holder_stop (&other);
}

/* hostname-from-app="YES" too: a sandboxed program's connection to a host
 * that runs its own SSH server rides the sandbox's session to that host,
 * "sandbox:APP:capture:TEMPLATE@HOST", and the lookup of the name inside
 * the sandbox is answered by the broker as outside. */
static void
test_sandbox_hostname_from_app (void)
{
  g_autofree char *script = g_strdup_printf (
    "import http.client\n"
    "c = http.client.HTTPConnection('localhost', %u, timeout=20)\n"
    "c.request('GET', '/page.txt')\n"
    "print(c.getresponse().read().decode(), end='')\n", world.own_port);
  g_autoptr(GPtrArray) argv = NULL;
  g_auto(GStrv) env = capture_environment (world.socket_path);
  g_auto(BurrowTestToolResult) result = { 0 };
  g_auto(BurrowTestCtlResult) status = { 0 };

  if (!burrow_test_sandbox_usable (world.dir))
    return;
  /* Without -l: the name, not loopback, is what is captured. */
  argv = captured_argv ("org.example.Sandboxed", NULL,
                        (const char *[]) { "python3", "-c", script, NULL });
  burrow_test_run_tool (&result, world.dir, (const char * const *) argv->pdata,
                        (const char * const *) env, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "sandboxed python3, hostname-from-app");
  g_assert_cmpstr (result.out, ==, OWN_BODY "\n");

  burrow_test_run_ctl (&status, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "status", NULL });
  g_assert_cmpint (status.status, ==, 0);
  burrow_test_assert_contains (status.out,
                               " sandbox:org.example.Sandboxed:capture:template@localhost: ");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *busybox = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  busybox = g_find_program_in_path ("busybox");
  world.hops = busybox != NULL ? burrow_test_hops_start (&error) : NULL;
  if (busybox == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      const char *why = busybox == NULL ? "busybox is not installed" : error->message;

      g_test_message ("skipped: %s", why);
      g_test_skip (why);
      return g_test_run ();
    }
  g_assert_no_error (error);
  world.dir = g_build_filename (burrow_test_hops_get_dir (world.hops), "capture", NULL);
  g_mkdir_with_parents (world.dir, 0700);
  world.socket_path = g_build_filename (world.dir, "run", "burrow", "capture", NULL);
  build_world ();

  g_test_add_func ("/capture/socket-modes", test_socket_modes);
  g_test_add_func ("/capture/topology", test_topology);
  g_test_add_func ("/capture/curl-tunnel", test_curl_tunnel);
  g_test_add_func ("/capture/curl-direct-rule", test_curl_direct_rule);
  g_test_add_func ("/capture/block-rule", test_block_rule);
  g_test_add_func ("/capture/refused-destination", test_refused_destination);
  g_test_add_func ("/capture/python-nonblocking", test_python_nonblocking);
  g_test_add_func ("/capture/python-200-threads", test_python_200_threads);
  g_test_add_func ("/capture/bash-grandchildren", test_bash_grandchildren);
  g_test_add_func ("/capture/fail-closed-without-broker", test_fail_closed_without_broker);
  g_test_add_func ("/capture/loopback-passes-without-l", test_loopback_passes_without_l);
  g_test_add_func ("/capture/name-tunnel-python", test_name_tunnel_python);
  g_test_add_func ("/capture/name-synthetic-address", test_name_synthetic_address);
  g_test_add_func ("/capture/name-mapped-ipv4", test_name_mapped_ipv4);
  g_test_add_func ("/capture/hostname-from-app", test_hostname_from_app);
  g_test_add_func ("/capture/sandbox-own-session", test_sandbox_own_session);
  g_test_add_func ("/capture/sandbox-hostname-from-app", test_sandbox_hostname_from_app);
  g_test_add_func ("/capture/live-view-and-close", test_live_view_and_close);
  g_test_add_func ("/capture/session-wide", test_session_wide);
  g_test_add_func ("/capture/other-user-passes-through", test_other_user_passes_through);
  g_test_add_func ("/capture/fallback-to-plain", test_fallback_to_plain);
  g_test_add_func ("/capture/suspend-and-resume", test_suspend_and_resume);
  g_test_add_func ("/capture/snapshot-not-a-file", test_snapshot_not_a_file);
  g_test_add_func ("/capture/ftp-passive", test_ftp_passive);
  g_test_add_func ("/capture/ftp-active", test_ftp_active);
  g_test_add_func ("/capture/ftp-by-name", test_ftp_by_name);
  g_test_add_func ("/capture/ftp-rule", test_ftp_rule);
  g_test_add_func ("/capture/ftp-rule-unmarked", test_ftp_rule_unmarked);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  for (guint i = 0; i < G_N_ELEMENTS (world.servers); i++)
    stop_server (world.servers[i]);
  close (world.hidden_holder);
  close (world.own_holder);
  close (world.dead_holder);
  for (guint i = 0; i < G_N_ELEMENTS (world.ftp_holders); i++)
    close (world.ftp_holders[i]);
  g_free (world.known_hosts);
  g_free (world.ftp_root);
  burrow_test_hops_stop (world.hops);
  return status;
}
