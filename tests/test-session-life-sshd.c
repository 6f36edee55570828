// SPDX-License-Identifier: GPL-3.0-or-later
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "burrow-test-broker.h"
#include "burrow-test-peer.h"
#include "burrow-test-process.h"
#include "burrow-test-sshd.h"

/* A session's life through a profile tunnel: the idle timeout, a server
 * that stops answering (keepalive), reconnecting after it, and the D-Bus
 * API staying responsive while a tunnel is busy. */

#define KEEPALIVE_SECONDS 1
#define LOAD_BYTES (512 * 1024 * 1024)

typedef struct
{
  BurrowTestSshd *sshd;
  BurrowTestBroker *broker;
  BurrowTestPeer *peer;
  guint16 port;
} World;

static World world;

static void
write_config (void)
{
  g_autofree char *xml = g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"lab\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "      <keepalive-interval time=\"%u\"/>\n"
    "      <idle-timeout time=\"1\"/>\n"
    "      <tunnels>\n"
    "        <local-tunnel listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
    "      </tunnels>\n"
    "    </profile>\n"
    "  </profiles>\n"
    "</secsh-broker>\n",
    burrow_test_sshd_get_known_hosts (world.sshd), burrow_test_sshd_get_port (world.sshd),
    g_get_user_name (), burrow_test_sshd_get_client_key (world.sshd), KEEPALIVE_SECONDS,
    world.port, burrow_test_peer_port (world.peer));

  burrow_test_broker_write_user (world.broker, xml);
}

static GVariant *
call_broker (const char *method,
             GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (world.broker->connection, "io.github.burrow.Burrow.Broker",
                                       "/io/github/burrow/Burrow/Broker",
                                       "io.github.burrow.Burrow.Broker1", method, parameters,
                                       NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

static char *
session_state (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (world.broker->connection, "io.github.burrow.Burrow.Broker",
                                       "/io/github/burrow/Burrow/Session/1",
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "io.github.burrow.Burrow.Session1",
                                                      "State"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

/* Polls the state: the test has no main loop of its own to follow signals
 * with, and a bounded poll is simpler. */
static gboolean
wait_for_state (const char *wanted,
                guint       timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 50)
    {
      g_autofree char *state = session_state ();

      if (g_str_equal (state, wanted))
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static gboolean
echo_through_tunnel (const char *message)
{
  int fd = burrow_test_connect (world.port);
  gboolean ok = fd >= 0 && burrow_test_echo_begin (fd) && burrow_test_echo_once (fd, message);

  if (fd >= 0)
    close (fd);
  return ok;
}

static void
connect_profile (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { "connect", "lab", NULL });
  g_assert_cmpint (result.status, ==, 0);
}

static void
test_idle_timeout (void)
{
  connect_profile ();
  g_assert_true (echo_through_tunnel ("one"));
  /* The last channel closed: after the 1 s idle timeout the connection goes. */
  g_assert_true (wait_for_state ("disconnected", 5000));
  g_assert_cmpuint (burrow_test_sshd_count_connections (world.sshd), ==, 0);
  /* The tunnel still listens, and its next connection opens the session. */
  g_assert_true (echo_through_tunnel ("two"));
  g_assert_cmpuint (burrow_test_sshd_count_connections (world.sshd), ==, 1);
}

/* sshd's processes other than the listener: the ones serving the broker. */
static GArray *
sshd_session_pids (void)
{
  return burrow_test_process_children (burrow_test_sshd_get_pid (world.sshd));
}

static void
signal_all (GArray *pids,
            int     signal_number)
{
  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, GPid, i), signal_number);
}

/* Starts a 1 GiB download through the tunnel and reads its first MiB. */
static int
start_download (void)
{
  int fd = burrow_test_connect (world.port);
  guint8 request[9] = { 'D', 0, 0, 0, 0x40, 0, 0, 0, 0 };
  static guint8 buffer[64 * 1024];
  gsize received = 0;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (send (fd, request, sizeof request, 0), ==, sizeof request);
  while (received < 1024 * 1024)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      g_assert_cmpint (n, >, 0);
      received += n;
    }
  return fd;
}

/* Reads until the connection ends; returns the seconds it took. */
static double
seconds_until_end (int fd)
{
  static guint8 buffer[64 * 1024];
  gint64 start = g_get_monotonic_time ();
  ssize_t n;

  /* SO_RCVTIMEO (30 s) bounds each read; the 1 GiB bounds the count. */
  while ((n = recv (fd, buffer, sizeof buffer, 0)) > 0)
    ;
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static void
reconnects (void)
{
  gboolean ok = FALSE;

  /* On demand, after a backoff of about a second. */
  for (guint i = 0; i < 40 && !ok; i++)
    {
      ok = echo_through_tunnel ("after");
      if (!ok)
        g_usleep (100 * 1000);
    }
  g_assert_true (ok);
}

/* The server stops answering mid-transfer (its processes stopped, the TCP
 * connection still open: only a keepalive can tell).  The application sees
 * its connection end within 3 keepalive intervals; the next one
 * reconnects. */
static void
test_server_stops_mid_transfer (void)
{
  g_autoptr(GArray) stopped = NULL;
  int fd = start_download ();
  double seconds;

  stopped = sshd_session_pids ();
  g_assert_cmpuint (stopped->len, >, 0);
  signal_all (stopped, SIGSTOP);
  seconds = seconds_until_end (fd);
  /* Before any assertion: an aborted test must not leave them stopped. */
  signal_all (stopped, SIGKILL);
  signal_all (stopped, SIGCONT);
  g_test_message ("the application saw the end %.2f s after the server stopped", seconds);
  g_assert_cmpfloat (seconds, <, 3 * KEEPALIVE_SECONDS + 1.0);
  close (fd);
  g_assert_true (wait_for_state ("failed", 5000));
  reconnects ();
}

/* Killed mid-transfer: the connection resets, the application sees the end
 * at once, and the next connection reconnects. */
static void
test_server_killed_mid_transfer (void)
{
  g_autoptr(GArray) killed = NULL;
  int fd = start_download ();
  double seconds;

  killed = sshd_session_pids ();
  g_assert_cmpuint (killed->len, >, 0);
  signal_all (killed, SIGKILL);
  seconds = seconds_until_end (fd);
  g_test_message ("the application saw the end %.2f s after the server was killed", seconds);
  g_assert_cmpfloat (seconds, <, 3 * KEEPALIVE_SECONDS + 1.0);
  close (fd);
  g_assert_true (wait_for_state ("failed", 5000));
  reconnects ();
}

typedef struct
{
  guint16 port;
  gboolean ok;
} Load;

static gpointer
download (gpointer data)
{
  Load *load = data;
  int fd = burrow_test_connect (load->port);

  load->ok = fd >= 0 && burrow_test_download (fd, LOAD_BYTES);
  if (fd >= 0)
    close (fd);
  return NULL;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The data path runs on the session's thread: the broker's D-Bus API
 * answers while a tunnel is busy.  The 50 ms goal is measured by the
 * benchmarks; this asserts that no call stalls. */
static void
test_dbus_answers_under_load (void)
{
  Load load = { world.port, FALSE };
  GThread *thread = g_thread_new ("load", download, &load);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  double p50, p99, max;

  for (guint i = 0; i < 200; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GVariant) reply = call_broker ("GetStatus", NULL);
      double ms = (g_get_monotonic_time () - start) / 1000.0;

      g_array_append_val (latencies, ms);
      g_usleep (10 * 1000);
    }
  g_thread_join (thread);
  g_assert_true (load.ok);
  g_array_sort (latencies, compare_doubles);
  p50 = g_array_index (latencies, double, 100);
  p99 = g_array_index (latencies, double, 197);
  max = g_array_index (latencies, double, 199);
  g_test_message ("GetStatus during a %u MiB transfer: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                  LOAD_BYTES >> 20, p50, p99, max);
  g_assert_cmpfloat (max, <, 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  world.sshd = burrow_test_sshd_start_or_skip ();
  if (world.sshd == NULL)
    return g_test_run ();
  burrow_test_sshd_use_home (world.sshd);
  world.peer = burrow_test_peer_start ();
  world.port = burrow_test_free_port ();
  world.broker = burrow_test_broker_new (TRUE);
  write_config ();

  g_test_add_func ("/broker/session-life/idle-timeout", test_idle_timeout);
  g_test_add_func ("/broker/session-life/dbus-answers-under-load", test_dbus_answers_under_load);
  g_test_add_func ("/broker/session-life/server-stops-mid-transfer",
                   test_server_stops_mid_transfer);
  g_test_add_func ("/broker/session-life/server-killed-mid-transfer",
                   test_server_killed_mid_transfer);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  burrow_test_peer_stop (world.peer);
  burrow_test_sshd_stop (world.sshd);
  return status;
}
