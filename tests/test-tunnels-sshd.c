// SPDX-License-Identifier: GPL-3.0-or-later
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "burrow-test-broker.h"
#include "burrow-test-peer.h"
#include "burrow-test-sshd.h"

/* Tunnels of every kind through the broker and a real sshd on 127.0.0.1,
 * to a peer on 127.0.0.1, driven by burrowctl as a user would.  One broker
 * and one sshd for the whole file (one GTestDBus per process). */

#define BIG (64 * 1024 * 1024)
#define CONCURRENT 200

typedef struct
{
  BurrowTestSshd *sshd;
  BurrowTestBroker *broker;
  BurrowTestPeer *peer;
  guint16 profile_port;        /* the profile's own local tunnel */
} World;

static World world;

static char *
profile_config (guint16 profile_port)
{
  return g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"lab\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "      <keepalive-interval time=\"1\"/>\n"
    "      <idle-timeout time=\"1\"/>\n"
    "      <tunnels>\n"
    "        <local-tunnel type=\"TCP\" listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
    "      </tunnels>\n"
    "    </profile>\n"
    "    <profile id=\"hop\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\" gateway-profile=\"lab\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "  </profiles>\n"
    "</secsh-broker>\n",
    burrow_test_sshd_get_known_hosts (world.sshd), burrow_test_sshd_get_port (world.sshd),
    g_get_user_name (), burrow_test_sshd_get_client_key (world.sshd), profile_port,
    burrow_test_peer_port (world.peer), burrow_test_sshd_get_port (world.sshd),
    g_get_user_name (), burrow_test_sshd_get_client_key (world.sshd));
}

static void
run (BurrowTestCtlResult *result,
     const char * const  *args)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (world.broker), args);
}

static void
test_profile_local_tunnel (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  int fd;

  run (&result, (const char *[]) { "connect", "lab", NULL });
  g_assert_cmpint (result.status, ==, 0);
  fd = burrow_test_connect (world.profile_port);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_upload (fd, BIG));
  close (fd);
  fd = burrow_test_connect (world.profile_port);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_download (fd, BIG));
  close (fd);
}

static gboolean
tunnel_listed (gpointer needle)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  run (&result, (const char *[]) { "tunnels", NULL });
  return result.status == 0 && strstr (result.out, needle) != NULL;
}

static void
test_tunnels_listed_with_bytes (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *line = g_strdup_printf ("127.0.0.1:%u → 127.0.0.1:%u  profile lab",
                                           world.profile_port, burrow_test_peer_port (world.peer));

  run (&result, (const char *[]) { "tunnels", NULL });
  g_assert_cmpint (result.status, ==, 0);
  g_assert_nonnull (strstr (result.out, line));
  /* Counters are published once a second: both 64 MiB transfers show. */
  g_assert_true (burrow_test_wait_until (tunnel_listed, (gpointer) "in 67108", 3000));
}

static guint16
forward_detached (const char *option,
                  const char *spec_format,
                  guint16     port)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *spec = NULL;
  g_autofree char *dest = g_strdup_printf ("%s@127.0.0.1:%u", g_get_user_name (),
                                           burrow_test_sshd_get_port (world.sshd));

  spec = g_strdup_printf (spec_format, port, burrow_test_peer_port (world.peer));
  run (&result, (const char *[]) { "forward", "--detach", option, spec, dest, NULL });
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpint (result.status, ==, 0);
  return port;
}

/* user@host:port names the same server as profile "lab": the ad-hoc tunnel
 * shares its session. */
static void
test_adhoc_local_tunnel (void)
{
  guint16 port = forward_detached ("-L", "%u:127.0.0.1:%u", burrow_test_free_port ());
  int fd = burrow_test_connect (port);

  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_upload (fd, BIG));
  close (fd);
}

static void
test_remote_tunnel (void)
{
  guint16 port = burrow_test_free_port ();
  int fd = -1;

  forward_detached ("-R", "%u:127.0.0.1:%u", port);
  /* The listener is sshd's: it comes up once the server agreed. */
  for (guint i = 0; i < 100 && fd < 0; i++)
    {
      fd = burrow_test_connect (port);
      if (fd < 0)
        g_usleep (50 * 1000);
    }
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_upload (fd, BIG));
  close (fd);
  fd = burrow_test_connect (port);
  g_assert_true (burrow_test_download (fd, BIG));
  close (fd);
}

static void
test_dynamic_tunnel (void)
{
  guint16 port = forward_detached ("-D", "%u", burrow_test_free_port ());
  int fd = burrow_test_connect (port);

  g_assert_true (burrow_test_socks5 (fd, "127.0.0.1", burrow_test_peer_port (world.peer)));
  g_assert_true (burrow_test_upload (fd, BIG));
  close (fd);
  fd = burrow_test_connect (port);
  g_assert_true (burrow_test_socks4a (fd, "localhost", burrow_test_peer_port (world.peer)));
  g_assert_true (burrow_test_download (fd, BIG));
  close (fd);
  /* A destination the server cannot reach: the SOCKS client is told. */
  fd = burrow_test_connect (port);
  g_assert_false (burrow_test_socks5 (fd, "127.0.0.1", 1));
  close (fd);
}

static void
test_concurrent_channels (void)
{
  int fds[CONCURRENT];

  for (guint i = 0; i < CONCURRENT; i++)
    {
      fds[i] = burrow_test_connect (world.profile_port);
      g_assert_cmpint (fds[i], >=, 0);
      g_assert_true (burrow_test_echo_begin (fds[i]));
    }
  for (guint i = 0; i < CONCURRENT; i++)
    {
      g_autofree char *message = g_strdup_printf ("hello %u", i);

      g_assert_true (burrow_test_echo_once (fds[i], message));
    }
  g_assert_cmpuint (burrow_test_sshd_count_connections (world.sshd), ==, 1);
  for (guint i = 0; i < CONCURRENT; i++)
    close (fds[i]);
}

static gboolean
port_accepts (guint16 port)
{
  int fd = burrow_test_connect (port);

  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

/* Without --detach the tunnel lives as long as the command: interrupted,
 * it closes them; killed, the broker sees it leave the bus and does. */
static void
test_forward_lives_with_command (void)
{
  for (guint kill_it = 0; kill_it < 2; kill_it++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *ctl = burrow_test_build_path ("broker", "ctl", "burrowctl", NULL);
      guint16 port = burrow_test_free_port ();
      g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", port,
                                               burrow_test_peer_port (world.peer));
      gboolean up = FALSE;
      gboolean down = FALSE;

      g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                    burrow_test_broker_get_address (world.broker), TRUE);
      process = g_subprocess_launcher_spawn (launcher, &error, ctl, "forward", "-L", spec, "lab",
                                             NULL);
      g_assert_no_error (error);
      for (guint i = 0; i < 200 && !up; i++)
        if (!(up = port_accepts (port)))
          g_usleep (25 * 1000);
      g_assert_true (up);
      g_subprocess_send_signal (process, kill_it ? SIGKILL : SIGINT);
      g_subprocess_wait (process, NULL, NULL);
      if (!kill_it)
        {
          g_assert_true (g_subprocess_get_if_exited (process));
          g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
        }
      for (guint i = 0; i < 200 && !down; i++)
        if (!(down = !port_accepts (port)))
          g_usleep (25 * 1000);
      g_assert_true (down);
    }
}

/* "hop" is reached through a direct-tcpip channel of "lab"'s session (the
 * same sshd here; tests/test-gateway-sshd.c has a server reachable only
 * through another).  Its host key is checked as its own. */
static void
test_through_gateway (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_auto(BurrowTestCtlResult) status = { 0 };
  g_auto(BurrowTestCtlResult) forward = { 0 };
  guint16 port = burrow_test_free_port ();
  g_autofree char *spec = g_strdup_printf ("%u:127.0.0.1:%u", port,
                                           burrow_test_peer_port (world.peer));
  int fd;

  run (&result, (const char *[]) { "connect", "hop", NULL });
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpint (result.status, ==, 0);
  run (&status, (const char *[]) { "status", NULL });
  g_assert_nonnull (strstr (status.out, "hop: connected"));
  g_assert_nonnull (strstr (status.out, "lab: connected"));
  run (&forward, (const char *[]) { "forward", "--detach", "-L", spec, "hop", NULL });
  g_assert_cmpint (forward.status, ==, 0);
  fd = burrow_test_connect (port);
  g_assert_true (burrow_test_upload (fd, 8 * 1024 * 1024));
  close (fd);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  world.sshd = burrow_test_sshd_start_or_skip ();
  if (world.sshd == NULL)
    return g_test_run ();
  burrow_test_sshd_use_home (world.sshd);
  world.peer = burrow_test_peer_start ();
  world.broker = burrow_test_broker_new (TRUE);
  world.profile_port = burrow_test_free_port ();
  config = profile_config (world.profile_port);
  burrow_test_broker_write_user (world.broker, config);

  g_test_add_func ("/broker/tunnels/profile-local-64mib", test_profile_local_tunnel);
  g_test_add_func ("/broker/tunnels/listed-with-bytes", test_tunnels_listed_with_bytes);
  g_test_add_func ("/broker/tunnels/adhoc-local-64mib", test_adhoc_local_tunnel);
  g_test_add_func ("/broker/tunnels/remote-64mib", test_remote_tunnel);
  g_test_add_func ("/broker/tunnels/dynamic-socks-64mib", test_dynamic_tunnel);
  g_test_add_func ("/broker/tunnels/200-channels-one-session", test_concurrent_channels);
  g_test_add_func ("/broker/tunnels/through-gateway", test_through_gateway);
  g_test_add_func ("/broker/tunnels/forward-lives-with-command", test_forward_lives_with_command);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  burrow_test_peer_stop (world.peer);
  burrow_test_sshd_stop (world.sshd);
  return status;
}
