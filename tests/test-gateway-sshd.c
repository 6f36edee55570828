// SPDX-License-Identifier: GPL-3.0-or-later
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "burrow-test-broker.h"
#include "burrow-test-netns.h"
#include "burrow-test-peer.h"

/* A profile reached through gateway-profile, over two real sshd hops
 * (burrow-test-netns.h): the inner sshd and the peer live in a network
 * namespace of their own, reachable only through the outer sshd.  First
 * OpenSSH itself proves the topology, then the broker is driven with
 * burrowctl as a user would.  One broker for the whole file (one GTestDBus
 * per process). */

#define BIG (64 * 1024 * 1024)
/* Every ssh client run is bounded as a whole, beyond ConnectTimeout. */
#define SSH_TIMEOUT_S "30"
#define LOG_WAIT_MS 5000
#define OBJECT_ROOT "/io/github/burrow/Burrow"

typedef struct
{
  BurrowTestHops *hops;
  BurrowTestBroker *broker;
  guint16 tunnel_port;         /* profile "inner"'s local tunnel, here */
} World;

static World world;

/* ---- helpers ------------------------------------------------------------ */

static void
write_config (const char *known_hosts)
{
  g_autofree char *xml = g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"outer\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "    <profile id=\"inner\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\""
    " gateway-profile=\"outer\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "      <tunnels>\n"
    "        <local-tunnel listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
    "      </tunnels>\n"
    "    </profile>\n"
    "  </profiles>\n"
    "</secsh-broker>\n",
    known_hosts, burrow_test_hops_get_outer_port (world.hops), g_get_user_name (),
    burrow_test_hops_get_client_key (world.hops), burrow_test_hops_get_inner_port (world.hops),
    g_get_user_name (), burrow_test_hops_get_client_key (world.hops), world.tunnel_port,
    burrow_test_hops_get_peer_port (world.hops));

  burrow_test_broker_write_user (world.broker, xml);
}

static void
run (BurrowTestCtlResult *result,
     const char * const  *args)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (world.broker), args);
}

static void
run_ok (const char * const *args)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, args);
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpint (result.status, ==, 0);
}

/* A profile that was never connected has no session to close. */
static void
disconnect (const char *profile)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, (const char *[]) { "disconnect", profile, NULL });
  if (result.status != 0)
    g_assert_nonnull (strstr (result.err, "has no session"));
}

/* The known hosts file changes between cases: reload, and start both hops
 * afresh so the next connection reads it. */
static void
use_known_hosts (const char *known_hosts)
{
  disconnect ("inner");
  disconnect ("outer");
  write_config (known_hosts);
  run_ok ((const char *[]) { "reload", NULL });
}

static char *
read_log (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static gsize
log_size (const char *path)
{
  g_autofree char *text = read_log (path);

  return strlen (text);
}

static gboolean
log_has_any_since (const char         *path,
                   gsize               offset,
                   const char * const *needles)
{
  g_autofree char *text = read_log (path);

  if (strlen (text) < offset)
    return FALSE;
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (text + offset, needles[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* Polls, bounded: the logs are written by other processes. */
static gboolean
wait_for_log (const char         *path,
              gsize               offset,
              const char * const *needles)
{
  for (guint waited = 0; waited <= LOG_WAIT_MS; waited += 50)
    {
      if (log_has_any_since (path, offset, needles))
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

/* The options that keep the OpenSSH client away from the real ~/.ssh. */
static void
add_client_options (GPtrArray *argv)
{
  const char *options[] = {
    "ssh", "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
  };

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    g_ptr_array_add (argv, g_strdup (options[i]));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup (burrow_test_hops_get_client_key (world.hops)));
  /* Quoted because ssh splits option values on spaces ($TMPDIR may hold some). */
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup_printf ("UserKnownHostsFile=\"%s\"",
                                          burrow_test_hops_get_known_hosts (world.hops)));
}

/* The same client as a ProxyCommand through the outer: one string, each
 * argument shell-quoted (ssh runs it with the shell). */
static char *
proxy_command_option (void)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) command = g_string_new ("ProxyCommand=");

  add_client_options (argv);
  g_ptr_array_add (argv, g_strdup ("-W"));
  g_ptr_array_add (argv, g_strdup ("%h:%p"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", burrow_test_hops_get_outer_port (world.hops)));
  g_ptr_array_add (argv, g_strdup_printf ("%s@127.0.0.1", g_get_user_name ()));
  for (guint i = 0; i < argv->len; i++)
    {
      g_autofree char *quoted = g_shell_quote (argv->pdata[i]);

      g_string_append_printf (command, "%s%s", i > 0 ? " " : "", quoted);
    }
  return g_string_free (g_steal_pointer (&command), FALSE);
}

/* ssh to the inner sshd through the outer, bounded as a whole, with
 * @before_destination (e.g. "-W" HOST:PORT) and @command; @input is its
 * stdin.  Returns what it printed; it must succeed. */
static char *
ssh_to_inner (const char         *input,
              const char * const *before_destination,
              const char * const *command)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) ssh = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup (SSH_TIMEOUT_S));
  add_client_options (argv);
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, proxy_command_option ());
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", burrow_test_hops_get_inner_port (world.hops)));
  for (guint i = 0; before_destination != NULL && before_destination[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (before_destination[i]));
  g_ptr_array_add (argv, g_strdup_printf ("%s@127.0.0.1", g_get_user_name ()));
  for (guint i = 0; command != NULL && command[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (command[i]));
  g_ptr_array_add (argv, NULL);

  ssh = g_subprocess_newv ((const char * const *) argv->pdata,
                           G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (ssh, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("ssh through the outer hop said: %s", err);
  g_assert_true (g_subprocess_get_if_exited (ssh));
  g_assert_cmpint (g_subprocess_get_exit_status (ssh), ==, 0);
  return out;
}

/* ---- the topology, with OpenSSH ------------------------------------------ */

/* ssh -J would be the natural spelling, but OpenSSH 9.2 builds the jump
 * command from -l, -p, -J, -F and -v alone: with -F /dev/null the jump host
 * would use the default identities and known hosts of the real ~/.ssh.  An
 * explicit ProxyCommand with -W is the same two hops with our options. */
static void
test_openssh_through_outer (void)
{
  const char *inner_log = burrow_test_hops_get_inner_log (world.hops);
  gsize offset = log_size (inner_log);
  g_autofree char *out = ssh_to_inner (NULL, NULL,
                                       (const char *[]) { "echo", "inner-hop-ok", NULL });
  g_autofree char *log = read_log (inner_log);

  g_assert_cmpstr (out, ==, "inner-hop-ok\n");
  /* The control for the gateway case below: a client that gets as far as
   * authenticating shows in the inner log. */
  g_assert_nonnull (strstr (log + offset, "userauth-request for user"));
  g_assert_nonnull (strstr (log + offset, "Accepted publickey for"));
}

/* ssh -W through both hops to the peer's echo service: the destination a
 * gateway tunnel uses is there, seen from the inner sshd. */
static void
test_openssh_peer_through_both_hops (void)
{
  g_autofree char *forward = g_strdup_printf ("127.0.0.1:%u",
                                              burrow_test_hops_get_peer_port (world.hops));
  g_autofree char *out = ssh_to_inner ("Ethrough two hops\n",
                                       (const char *[]) { "-W", forward, NULL }, NULL);

  g_assert_cmpstr (out, ==, "through two hops\n");
}

/* The inner sshd and the peer exist only in N; the outer is the way in. */
static void
test_inner_only_through_outer (void)
{
  int fd;

  fd = burrow_test_connect (burrow_test_hops_get_inner_port (world.hops));
  g_assert_cmpint (fd, ==, -1);
  fd = burrow_test_connect (burrow_test_hops_get_peer_port (world.hops));
  g_assert_cmpint (fd, ==, -1);
  fd = burrow_test_connect (burrow_test_hops_get_outer_port (world.hops));
  g_assert_cmpint (fd, >=, 0);
  close (fd);
}

/* ---- the broker ---------------------------------------------------------- */

static void
connect_inner (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, (const char *[]) { "connect", "inner", NULL });
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, burrow_test_hops_get_inner_fingerprint (world.hops)));
}

/* A few bytes each way first: tells "nothing flows" from "bulk stalls". */
static void
test_gateway_local_tunnel_echo (void)
{
  int fd;

  connect_inner ();
  fd = burrow_test_connect (world.tunnel_port);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_echo_begin (fd));
  g_assert_true (burrow_test_echo_once (fd, "through the gateway"));
  g_assert_true (burrow_test_echo_once (fd, "and back again"));
  close (fd);
}

static void
test_gateway_local_tunnel (void)
{
  int fd;

  connect_inner ();
  fd = burrow_test_connect (world.tunnel_port);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_upload (fd, BIG));
  close (fd);
  fd = burrow_test_connect (world.tunnel_port);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_download (fd, BIG));
  close (fd);
}

static GVariant *
session_properties (const char  *profile,
                    char       **path_out)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GError) error = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  reply = g_dbus_connection_call_sync (world.broker->connection, "io.github.burrow.Burrow.Broker",
                                       OBJECT_ROOT, "org.freedesktop.DBus.ObjectManager",
                                       "GetManagedObjects", NULL,
                                       G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) owned = interfaces;
      g_autoptr(GVariant) session = NULL;
      const char *id = NULL;

      session = g_variant_lookup_value (owned, "io.github.burrow.Burrow.Session1",
                                        G_VARIANT_TYPE ("a{sv}"));
      if (session != NULL && g_variant_lookup (session, "Profile", "&s", &id) &&
          g_str_equal (id, profile))
        {
          *path_out = g_strdup (path);
          return g_steal_pointer (&session);
        }
    }
  return NULL;
}

static void
assert_session (GVariant   *session,
                const char *state,
                const char *fingerprint,
                const char *gateway)
{
  const char *value = NULL;

  g_assert_true (g_variant_lookup (session, "State", "&s", &value));
  g_assert_cmpstr (value, ==, state);
  g_assert_true (g_variant_lookup (session, "HostKeyFingerprint", "&s", &value));
  g_assert_cmpstr (value, ==, fingerprint);
  g_assert_true (g_variant_lookup (session, "Gateway", "&o", &value));
  g_assert_cmpstr (value, ==, gateway);
}

static guint
channel_count (const char *profile)
{
  g_autoptr(GVariant) session = NULL;
  g_autofree char *path = NULL;
  guint count = G_MAXUINT;

  session = session_properties (profile, &path);
  g_assert_nonnull (session);
  g_assert_true (g_variant_lookup (session, "ChannelCount", "u", &count));
  return count;
}

/* ChannelCount is published once a second: poll, bounded. */
static gboolean
wait_for_channel_count (const char *profile,
                        guint       wanted)
{
  for (guint waited = 0; waited <= LOG_WAIT_MS; waited += 100)
    {
      if (channel_count (profile) == wanted)
        return TRUE;
      g_usleep (100 * 1000);
    }
  g_test_message ("%s: ChannelCount is %u, not %u", profile, channel_count (profile), wanted);
  return FALSE;
}

/* Both hops are sessions of their own, and the inner names the outer as
 * its gateway. */
static void
test_gateway_sessions (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autoptr(GVariant) outer = NULL;
  g_autoptr(GVariant) inner = NULL;
  g_autofree char *outer_path = NULL;
  g_autofree char *inner_path = NULL;
  g_autofree char *outer_line = g_strdup_printf ("outer: connected %s@127.0.0.1:%u\n",
                                                 g_get_user_name (),
                                                 burrow_test_hops_get_outer_port (world.hops));
  g_autofree char *inner_line = g_strdup_printf ("inner: connected %s@127.0.0.1:%u\n",
                                                 g_get_user_name (),
                                                 burrow_test_hops_get_inner_port (world.hops));

  connect_inner ();
  run (&result, (const char *[]) { "status", NULL });
  g_assert_cmpint (result.status, ==, 0);
  g_test_message ("burrowctl status:\n%s", result.out);
  g_assert_nonnull (strstr (result.out, outer_line));
  g_assert_nonnull (strstr (result.out, inner_line));

  outer = session_properties ("outer", &outer_path);
  inner = session_properties ("inner", &inner_path);
  g_assert_nonnull (outer);
  g_assert_nonnull (inner);
  assert_session (outer, "connected", burrow_test_hops_get_outer_fingerprint (world.hops), "/");
  assert_session (inner, "connected", burrow_test_hops_get_inner_fingerprint (world.hops),
                  outer_path);
}

/* The inner session is one channel of the outer: closing the inner closes
 * that channel, and the outer stays up for others. */
static void
test_gateway_inner_disconnect (void)
{
  g_autoptr(GVariant) outer = NULL;
  g_autofree char *outer_path = NULL;
  const char *state = NULL;

  connect_inner ();
  g_assert_true (wait_for_channel_count ("outer", 1));
  run_ok ((const char *[]) { "disconnect", "inner", NULL });
  g_assert_true (wait_for_channel_count ("outer", 0));
  outer = session_properties ("outer", &outer_path);
  g_assert_true (g_variant_lookup (outer, "State", "&s", &state));
  g_assert_cmpstr (state, ==, "connected");
}

/* Host keys are checked at every hop: with the outer known and the inner
 * not, strict refuses the inner before any authentication there. */
static void
test_gateway_inner_key_unknown (void)
{
  const char *inner_log = burrow_test_hops_get_inner_log (world.hops);
  const char *connected[] = { "Connection from 127.0.0.1", NULL };
  const char *closed[] = { "Connection closed by", "Connection reset by", "Disconnected from",
                           NULL };
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *log = NULL;
  gboolean left;
  gsize offset;

  use_known_hosts (burrow_test_hops_get_outer_known_hosts (world.hops));
  offset = log_size (inner_log);

  run (&result, (const char *[]) { "connect", "inner", NULL });
  g_test_message ("burrowctl connect inner: %s", result.err);
  g_assert_cmpint (result.status, !=, 0);
  g_assert_nonnull (strstr (result.err, "is not known"));
  g_assert_nonnull (strstr (result.err, burrow_test_hops_get_inner_fingerprint (world.hops)));

  /* The broker did reach the inner sshd, and never authenticated there
   * (the wait for its leaving bounds the time an attempt could take). */
  g_assert_true (wait_for_log (inner_log, offset, connected));
  left = wait_for_log (inner_log, offset, closed);
  log = read_log (inner_log);
  g_test_message ("inner sshd log of this case:\n%s", log + offset);
  g_assert_null (strstr (log + offset, "userauth-request"));
  g_assert_null (strstr (log + offset, "publickey"));
  /* Nor does the refused hop's channel linger on the outer session. */
  g_assert_true (wait_for_channel_count ("outer", 0));
  g_assert_true (left);

  use_known_hosts (burrow_test_hops_get_known_hosts (world.hops));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  world.hops = burrow_test_hops_start (&error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_message ("skipped: %s", error->message);
      g_test_skip (error->message);
      return g_test_run ();
    }
  g_assert_no_error (error);
  /* The broker resolves ~ with GLib: never the real ~/.ssh, nor an agent. */
  home = g_build_filename (burrow_test_hops_get_dir (world.hops), "home", NULL);
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
  world.broker = burrow_test_broker_new (TRUE);
  world.tunnel_port = burrow_test_free_port ();
  write_config (burrow_test_hops_get_known_hosts (world.hops));

  g_test_add_func ("/broker/gateway/topology-openssh-through-outer", test_openssh_through_outer);
  g_test_add_func ("/broker/gateway/topology-openssh-peer-through-both-hops",
                   test_openssh_peer_through_both_hops);
  g_test_add_func ("/broker/gateway/topology-inner-only-through-outer",
                   test_inner_only_through_outer);
  g_test_add_func ("/broker/gateway/local-tunnel-echo", test_gateway_local_tunnel_echo);
  g_test_add_func ("/broker/gateway/local-tunnel-64mib", test_gateway_local_tunnel);
  g_test_add_func ("/broker/gateway/sessions-and-gateway-property", test_gateway_sessions);
  g_test_add_func ("/broker/gateway/inner-disconnect-keeps-outer", test_gateway_inner_disconnect);
  g_test_add_func ("/broker/gateway/inner-host-key-unknown", test_gateway_inner_key_unknown);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  burrow_test_hops_stop (world.hops);
  return status;
}
