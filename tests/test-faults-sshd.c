// SPDX-License-Identifier: GPL-3.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "burrow-test-blackhole.h"
#include "burrow-test-agent.h"
#include "burrow-test-broker.h"
#include "burrow-test-lan.h"
#include "burrow-test-peer.h"
#include "burrow-test-process.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-sshd.h"

/* Faults injected against real sshd servers, through one broker:
 * - the sshd serving a tunnel killed mid-transfer, 20 times: each time the
 *   application sees the end, the next connection reconnects, and the
 *   broker's descriptors and memory come back to where they were;
 * - the network to the server dropping every packet for 60 s: the dead
 *   connection is noticed within 3 keepalive intervals, the broker idles
 *   while the network is down, and reconnects once it is back;
 * - the server's host key changed between two connections: refused before
 *   any authentication is sent, as sshd's own DEBUG1 log shows.
 * The test process first leaves the machine's network namespace, so the
 * router and server namespaces of the outage hang off a namespace of its
 * own; everything else runs on that namespace's loopback. */

#define KILL_ROUNDS 20
#define KILLED_KEEPALIVE_S 1
#define FAR_KEEPALIVE_S 2
#define OUTAGE_S 60
/* Detection is at most 3 keepalive intervals by construction (a tick every
 * half interval, dead after 5 silent ticks, the first of which may still
 * see the last packets); the slack covers timer latency and closing the
 * channels on a 2-core machine shared with other jobs, as in
 * test-session-life-sshd. */
#define DETECTION_SLACK_S 1.0
/* While the network is down the broker has nothing to do but wait: a busy
 * loop on a dead socket would show as whole percents. */
#define IDLE_CPU_PERCENT_MAX 2.0
/* Memory back to baseline, within what the allocator keeps: VmRSS steps
 * up by 0.3 to 1.5 MiB a few times in the first 30 or so rounds (the
 * heap's high-water mark, one arena per worker thread), then stays flat:
 * +3.4 MiB at most after 20 rounds, unchanged from round 30 to 60 (also
 * with MALLOC_ARENA_MAX=1, +1.8 MiB).  A leak grows with every round. */
#define RSS_GROWTH_MAX_KIB (10 * 1024)
/* GLib's thread pools keep a few idle threads for a while. */
#define THREAD_GROWTH_MAX 4
/* The broker's default connect timeout (BrokerSessionParams). */
#define CONNECT_TIMEOUT_S 10
/* A handshake's worth on a loaded machine. */
#define RECONNECT_MAX_S 10.0
#define DOWNLOAD_BYTES (4 * 1024 * 1024)
#define ENDLESS_BYTES (G_GUINT64_CONSTANT (1) << 30)

typedef struct
{
  BurrowTestSshd *sshd;            /* killed mid-transfer */
  BurrowTestSshd *rekeyed_sshd;    /* logs at DEBUG1; its key changes */
  BurrowTestBlackhole *far;        /* NULL: no namespaces here */
  char *far_error;
  BurrowTestPeer *peer;
  BurrowTestBroker *broker;
  char *dir;
  guint16 killed_port;
  guint16 far_port;
} World;

static World world;

/* ---- the broker's process --------------------------------------------------- */

typedef struct
{
  guint fds;
  guint64 rss_kib;
  guint threads;
} Footprint;

static GPid
broker_pid (void)
{
  GPid pid = (GPid) burrow_test_broker_get_pid (world.broker);

  g_assert_cmpint (pid, >, 0);
  return pid;
}

static guint
count_fds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

static guint64
status_field (GPid        pid,
              const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  g_autofree char *key = g_strdup_printf ("\n%s:", name);
  const char *found;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  found = strstr (text, key);
  g_assert_nonnull (found);
  return g_ascii_strtoull (found + strlen (key), NULL, 10);
}

static Footprint
footprint (GPid pid)
{
  Footprint print = { count_fds (pid), status_field (pid, "VmRSS"),
                      (guint) status_field (pid, "Threads") };

  return print;
}

/* utime + stime of the whole process (every thread, live or gone), in
 * clock ticks: fields 14 and 15 of /proc/PID/stat. */
static guint64
cpu_ticks (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_comm;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  after_comm = strrchr (text, ')');
  g_assert_nonnull (after_comm);
  /* after_comm + 2 is field 3 (state); utime is field 14. */
  fields = g_strsplit (after_comm + 2, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 12);
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

/* Wakeups of the live threads: a busy loop shows here even when it is
 * cheap. */
static guint64
context_switches (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint64 total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *status = g_build_filename (path, name, "status", NULL);
      g_autofree char *text = NULL;
      const char *found;

      if (!g_file_get_contents (status, &text, NULL, NULL))
        continue;
      if ((found = strstr (text, "\nvoluntary_ctxt_switches:")) != NULL)
        total += g_ascii_strtoull (strchr (found, ':') + 1, NULL, 10);
      if ((found = strstr (text, "\nnonvoluntary_ctxt_switches:")) != NULL)
        total += g_ascii_strtoull (strchr (found, ':') + 1, NULL, 10);
    }
  return total;
}

/* ---- sessions over D-Bus ---------------------------------------------------- */

static char *
connect_session (const char *profile)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  char *path = NULL;

  reply = g_dbus_connection_call_sync (world.broker->connection, "io.github.burrow.Burrow.Broker",
                                       "/io/github/burrow/Burrow/Broker",
                                       "io.github.burrow.Burrow.Broker1", "Connect",
                                       g_variant_new ("(s)", profile), G_VARIANT_TYPE ("(o)"),
                                       G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* The object of @profile's session, found without connecting it. */
static char *
find_session (const char *profile)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) objects = NULL;
  g_autoptr(GError) error = NULL;
  const char *path;
  GVariant *interfaces;

  reply = g_dbus_connection_call_sync (world.broker->connection, "io.github.burrow.Burrow.Broker",
                                       "/io/github/burrow/Burrow",
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) owned = interfaces;
      g_autoptr(GVariant) properties = NULL;
      const char *id = NULL;

      properties = g_variant_lookup_value (interfaces, "io.github.burrow.Burrow.Session1",
                                           G_VARIANT_TYPE_VARDICT);
      if (properties != NULL && g_variant_lookup (properties, "Profile", "&s", &id)
          && g_str_equal (id, profile))
        return g_strdup (path);
    }
  return NULL;
}

static GVariant *
session_property (const char *path,
                  const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *value = NULL;

  reply = g_dbus_connection_call_sync (world.broker->connection, "io.github.burrow.Burrow.Broker",
                                       path, "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", "io.github.burrow.Burrow.Session1",
                                                      name),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 10000,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

static char *
session_string (const char *path,
                const char *name)
{
  g_autoptr(GVariant) value = session_property (path, name);

  return g_variant_dup_string (value, NULL);
}

/* Polled: the test has no main loop to follow signals with. */
static gboolean
wait_for_state (const char *path,
                const char *wanted,
                guint       timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 50)
    {
      g_autofree char *state = session_string (path, "State");

      if (g_str_equal (state, wanted))
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static gboolean
wait_for_no_channels (const char *path)
{
  /* ChannelCount is published about once a second. */
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GVariant) count = session_property (path, "ChannelCount");

      if (g_variant_get_uint32 (count) == 0)
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

/* ---- applications ------------------------------------------------------------- */

/* Connects through the tunnel at @port, asks the peer for @request and
 * moves the first MiB of the transfer (sends it when @upload, else reads
 * it); -1 if that fails.  SO_SNDTIMEO and SO_RCVTIMEO (30 s) bound each
 * call, the size their count. */
static int
start_transfer (guint16       port,
                const guint8 *request,
                gsize         request_length,
                gboolean      upload)
{
  static guint8 buffer[64 * 1024];
  gsize moved = 0;
  int fd = burrow_test_connect (port);
  gboolean ok;

  if (fd < 0)
    return -1;
  ok = send (fd, request, request_length, 0) == (ssize_t) request_length;
  while (ok && moved < 1024 * 1024)
    {
      ssize_t n = upload ? send (fd, buffer, sizeof buffer, 0) : recv (fd, buffer, sizeof buffer, 0);

      ok = n > 0;
      moved += MAX (n, 0);
    }
  if (!ok)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Starts a download too long to finish through the tunnel at @port and
 * reads its first MiB; -1 if that fails. */
static int
start_download (guint16 port)
{
  guint8 request[9] = { 'D' };

  for (guint i = 0; i < 8; i++)
    request[1 + i] = (guint8) (ENDLESS_BYTES >> (56 - 8 * i));
  return start_transfer (port, request, sizeof request, FALSE);
}

/* Drains @fd for at most @limit_s; the seconds until it ended (EOF or an
 * error such as a reset), or -1 if it did not end in time. */
static double
seconds_until_end (int    fd,
                   double limit_s)
{
  static guint8 buffer[64 * 1024];
  gint64 start = g_get_monotonic_time ();

  while (seconds_since (start) < limit_s)
    {
      struct pollfd poll_fd = { fd, POLLIN, 0 };
      ssize_t n;

      if (poll (&poll_fd, 1, 100) <= 0)
        continue;
      n = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return seconds_since (start);
    }
  return -1;
}

/* The application's next connections: refused at once while the broker
 * backs off, so retried, for at most @limit_s.  TRUE once one carried
 * @bytes intact to EOF. */
static gboolean
transfer_until_ok (guint16  port,
                   guint64  bytes,
                   double   limit_s,
                   guint   *attempts,
                   double  *seconds)
{
  gint64 start = g_get_monotonic_time ();

  for (*attempts = 1; *attempts <= 1000 && seconds_since (start) < limit_s; (*attempts)++)
    {
      int fd = burrow_test_connect (port);
      gboolean ok = fd >= 0 && burrow_test_download (fd, bytes);

      if (fd >= 0)
        close (fd);
      if (ok)
        {
          *seconds = seconds_since (start);
          return TRUE;
        }
      g_usleep (100 * 1000);
    }
  *seconds = seconds_since (start);
  return FALSE;
}

/* ---- 1. sshd killed mid-transfer ------------------------------------------------ */

static gboolean
is_live (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  const char *after_comm;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  after_comm = strrchr (text, ')');
  return after_comm != NULL && after_comm[1] == ' ' && after_comm[2] != 'Z'
         && after_comm[2] != 'X';
}

/* sshd's live processes below its listener, parents before children: the
 * ones serving connections (the privileged monitor and the session). */
static void
add_descendants (GArray *pids,
                 GPid    parent)
{
  g_autoptr(GArray) children = burrow_test_process_children (parent);

  for (guint i = 0; i < children->len; i++)
    {
      GPid child = g_array_index (children, GPid, i);

      if (!is_live (child))
        continue;
      g_array_append_val (pids, child);
      add_descendants (pids, child);
    }
}

static GArray *
serving_pids (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));

  add_descendants (pids, burrow_test_sshd_get_pid (world.sshd));
  return pids;
}

static gboolean
shares_pid (GArray *a,
            GArray *b)
{
  for (guint i = 0; i < a->len; i++)
    for (guint j = 0; j < b->len; j++)
      if (g_array_index (a, GPid, i) == g_array_index (b, GPid, j))
        return TRUE;
  return FALSE;
}

/* Each process serving the broker's connection dies at once; none of them
 * gets to say goodbye. */
static void
kill_all (GArray *pids)
{
  for (guint i = pids->len; i > 0; i--)
    kill (g_array_index (pids, GPid, i - 1), SIGKILL);
  for (guint i = 0; i < pids->len; i++)
    for (guint waited = 0; waited < 5000 && is_live (g_array_index (pids, GPid, i)); waited += 10)
      g_usleep (10 * 1000);
}

typedef struct
{
  double end_s;                /* the application saw the end after this */
  double reconnect_s;
  guint attempts;
} Round;

/* One round; TRUE if it recovered cleanly.  Failures are reported, not
 * asserted, so the count says how many of the rounds recovered. */
static gboolean
kill_round (const char *path,
            guint       number,
            Round      *round)
{
  double limit = 3 * KILLED_KEEPALIVE_S + DETECTION_SLACK_S;
  g_autoptr(GArray) victims = NULL;
  g_autoptr(GArray) successors = NULL;
  gboolean failed, reconnected;
  int fd = start_download (world.killed_port);

  *round = (Round) { -1, -1, 0 };
  if (fd < 0)
    {
      g_test_message ("round %u: no transfer to interrupt", number);
      return FALSE;
    }
  victims = serving_pids ();
  if (victims->len == 0)
    {
      close (fd);
      g_test_message ("round %u: no sshd process serves the broker", number);
      return FALSE;
    }
  kill_all (victims);
  round->end_s = seconds_until_end (fd, limit + 5);
  close (fd);
  failed = wait_for_state (path, "failed", 5000);
  reconnected = transfer_until_ok (world.killed_port, DOWNLOAD_BYTES, 10, &round->attempts,
                                   &round->reconnect_s);
  successors = serving_pids ();
  g_test_message ("round %u: killed %u sshd process(es); the application saw the end after "
                  "%.3f s; session failed: %s; %s after %u attempt(s), %.2f s; "
                  "new sshd process(es): %u", number, victims->len, round->end_s,
                  failed ? "yes" : "NO", reconnected ? "reconnected" : "NOT reconnected",
                  round->attempts, round->reconnect_s, successors->len);
  return round->end_s >= 0 && round->end_s < limit && failed && reconnected
         && successors->len > 0 && !shares_pid (victims, successors);
}

/* Footprints compared in the same state: connected, no channel.  The
 * channels of the last transfer close asynchronously, so the descriptor
 * count may take a moment to settle (bounded). */
static Footprint
settled_footprint (const char *path,
                   guint       target_fds)
{
  Footprint print;

  g_assert_true (wait_for_no_channels (path));
  for (guint i = 0; i < 50; i++)
    {
      print = footprint (broker_pid ());
      if (print.fds <= target_fds)
        break;
      g_usleep (100 * 1000);
    }
  return print;
}

static void
test_killed_mid_transfer (void)
{
  g_autofree char *path = connect_session ("killed");
  Footprint before, after;
  Round round;
  guint clean = 0;
  double worst_end = 0, worst_reconnect = 0;

  g_assert_true (wait_for_state (path, "connected", 15000));
  /* A warm-up round: the broker's first failure and reconnect allocate
   * what every later one reuses. */
  g_assert_true (kill_round (path, 0, &round));
  before = settled_footprint (path, G_MAXUINT);
  g_test_message ("baseline after the warm-up round: %u fds, VmRSS %" G_GUINT64_FORMAT " KiB, "
                  "%u threads", before.fds, before.rss_kib, before.threads);

  for (guint i = 1; i <= KILL_ROUNDS; i++)
    {
      Footprint now;

      if (kill_round (path, i, &round))
        {
          clean++;
          worst_end = MAX (worst_end, round.end_s);
          worst_reconnect = MAX (worst_reconnect, round.reconnect_s);
        }
      now = footprint (broker_pid ());
      g_test_message ("after round %u: %u fds, VmRSS %" G_GUINT64_FORMAT " KiB, %u threads", i,
                      now.fds, now.rss_kib, now.threads);
    }

  after = settled_footprint (path, before.fds);
  g_test_message ("sshd killed mid-transfer: %u/%u clean recoveries (the application saw the "
                  "end within %.3f s at worst, keepalive %u s; reconnected within %.2f s at "
                  "worst)", clean, KILL_ROUNDS, worst_end, KILLED_KEEPALIVE_S, worst_reconnect);
  g_test_message ("broker after %u rounds: %u fds (baseline %u), VmRSS %" G_GUINT64_FORMAT
                  " KiB (baseline %" G_GUINT64_FORMAT " KiB, %+" G_GINT64_FORMAT " KiB, "
                  "limit +%u KiB), %u threads (baseline %u)", KILL_ROUNDS, after.fds, before.fds,
                  after.rss_kib, before.rss_kib, (gint64) after.rss_kib - (gint64) before.rss_kib,
                  RSS_GROWTH_MAX_KIB, after.threads, before.threads);
  g_assert_cmpuint (clean, ==, KILL_ROUNDS);
  g_assert_cmpuint (after.fds, <=, before.fds);
#ifndef BURROW_TEST_SANITIZED
  /* Not in sanitizer builds: ASan's quarantine keeps freed memory (LSan
   * judges leaks there), ThreadSanitizer's shadow memory and access
   * history grow with what the broker touches (+16.6 MiB after 20 rounds,
   * limit 10); the plain build checks for leaks this way. */
  g_assert_cmpuint (after.rss_kib, <=, before.rss_kib + RSS_GROWTH_MAX_KIB);
#endif
  g_assert_cmpuint (after.threads, <=, before.threads + THREAD_GROWTH_MAX);
}

/* ---- 2. the network to the server drops everything for 60 s ---------------------- */

/* A connect straight to the server, begun when the network goes down: it
 * must neither complete nor be refused while the packets are dropped. */
static int
start_probe (void)
{
  struct sockaddr_in address = { .sin_family = AF_INET,
                                 .sin_port = htons (burrow_test_blackhole_get_port (world.far)) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  g_assert_cmpint (fd, >=, 0);
  inet_pton (AF_INET, BURROW_TEST_BLACKHOLE_HOST, &address.sin_addr);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, -1);
  g_assert_cmpint (errno, ==, EINPROGRESS);
  return fd;
}

static gboolean
probe_still_pending (int fd)
{
  struct pollfd poll_fd = { fd, POLLOUT, 0 };

  return poll (&poll_fd, 1, 0) == 0;
}

/* An application trying the tunnel while the network is down. */
typedef struct
{
  int fd;
  gint64 started;
  double ended_s;              /* -1: still open */
  gboolean answered;           /* its echo came back: the outage leaked */
} Attempt;

static void
attempt_start (Attempt *attempt)
{
  attempt->fd = burrow_test_connect (world.far_port);
  attempt->started = g_get_monotonic_time ();
  attempt->ended_s = -1;
  g_assert_cmpint (attempt->fd, >=, 0);
  /* The broker's listener accepts; the echo needs the SSH server. */
  g_assert_true (burrow_test_echo_begin (attempt->fd));
  g_assert_cmpint (send (attempt->fd, "ping", 4, 0), ==, 4);
}

static void
attempt_poll (Attempt *attempt)
{
  struct pollfd poll_fd = { attempt->fd, POLLIN, 0 };
  char buffer[64];
  ssize_t n;

  if (attempt->fd < 0 || attempt->ended_s >= 0 || poll (&poll_fd, 1, 0) <= 0)
    return;
  n = recv (attempt->fd, buffer, sizeof buffer, MSG_DONTWAIT);
  if (n > 0)
    attempt->answered = TRUE;
  else if (n == 0 || (errno != EAGAIN && errno != EINTR))
    attempt->ended_s = seconds_since (attempt->started);
}

/* Starts an upload that never ends through the tunnel at @port and sends
 * its first MiB; -1 if that fails. */
static int
start_upload (guint16 port)
{
  return start_transfer (port, (const guint8 *) "U", 1, TRUE);
}

/* An application with a transfer in flight when the network goes: it
 * keeps reading (and, uploading, writing) until its connection ends. */
typedef struct
{
  const char *what;
  int fd;
  gboolean sends;
  double end_s;
} Transfer;

static void
transfer_step (Transfer *transfer,
               short     revents,
               gint64    start)
{
  static guint8 buffer[64 * 1024];
  ssize_t n;

  if (transfer->end_s >= 0)
    return;
  if (revents & (POLLIN | POLLHUP | POLLERR))
    {
      n = recv (transfer->fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        {
          transfer->end_s = seconds_since (start);
          return;
        }
    }
  if (transfer->sends && (revents & POLLOUT))
    {
      n = send (transfer->fd, buffer, sizeof buffer, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        transfer->end_s = seconds_since (start);
    }
}

/* Until the transfers and the session have all seen the connection die,
 * or @limit_s: the session's time, in seconds after @start. */
static double
watch_detection (const char *path,
                 Transfer   *transfers,
                 guint       n_transfers,
                 gint64      start,
                 double      limit_s)
{
  double session_s = -1;
  gboolean all_ended = FALSE;

  while ((!all_ended || session_s < 0) && seconds_since (start) < limit_s)
    {
      struct pollfd poll_fds[4];

      g_assert_cmpuint (n_transfers, <=, G_N_ELEMENTS (poll_fds));
      all_ended = TRUE;
      for (guint i = 0; i < n_transfers; i++)
        {
          gboolean open = transfers[i].end_s < 0;

          poll_fds[i] = (struct pollfd) { open ? transfers[i].fd : -1,
                                          POLLIN | (transfers[i].sends ? POLLOUT : 0), 0 };
          all_ended = all_ended && !open;
        }
      if (poll (poll_fds, n_transfers, 50) < 0)
        g_usleep (50 * 1000);
      for (guint i = 0; i < n_transfers; i++)
        transfer_step (&transfers[i], poll_fds[i].revents, start);
      if (session_s < 0)
        {
          g_autofree char *state = session_string (path, "State");

          if (g_str_equal (state, "failed"))
            session_s = seconds_since (start);
        }
      /* Only the transfers were left: no need to spin on a writable socket. */
      if (session_s >= 0)
        g_usleep (20 * 1000);
    }
  return session_s;
}

static void
test_network_blackholed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *state = NULL;
  double limit = 3 * FAR_KEEPALIVE_S + DETECTION_SLACK_S;
  /* Applications keep trying during the outage, the last one long
   * enough before its end that a connect timeout would be over. */
  const guint attempt_at_s[] = { 10, 25, 40 };
  Attempt attempts[G_N_ELEMENTS (attempt_at_s)] = { 0 };
  guint started = 0;
  Transfer transfers[] = { { "a download", -1, FALSE, -1 },
                           { "an upload", -1, TRUE, -1 } };
  double session_s, cpu_percent, reconnect_s;
  guint64 cpu_before, cpu_after, switches_before, switches_after;
  gint64 cut_at;
  long ticks_per_s = sysconf (_SC_CLK_TCK);
  guint tries = 0;
  int probe;
  GPid pid;

  if (world.far == NULL)
    {
      g_test_skip (world.far_error);
      return;
    }
  path = connect_session ("far");
  g_assert_true (wait_for_state (path, "connected", 15000));
  /* Both ways: the broker mostly reads in one, mostly writes in the
   * other, where a full socket buffer must not hold it up. */
  transfers[0].fd = start_download (world.far_port);
  g_assert_cmpint (transfers[0].fd, >=, 0);
  transfers[1].fd = start_upload (world.far_port);
  g_assert_cmpint (transfers[1].fd, >=, 0);

  pid = broker_pid ();
  cpu_before = cpu_ticks (pid);
  switches_before = context_switches (pid);
  cut_at = g_get_monotonic_time ();
  g_assert_true (burrow_test_blackhole_cut (world.far, &error));
  g_assert_no_error (error);
  probe = start_probe ();

  session_s = watch_detection (path, transfers, G_N_ELEMENTS (transfers), cut_at, limit + 10);
  reason = session_string (path, "FailureReason");
  g_test_message ("network dropped: the session failed after %.2f s (\"%s\"); keepalive %u s, "
                  "limit %.1f s", session_s, reason, FAR_KEEPALIVE_S, limit);
  for (guint i = 0; i < G_N_ELEMENTS (transfers); i++)
    {
      g_test_message ("the application with %s in flight saw the end after %.2f s",
                      transfers[i].what, transfers[i].end_s);
      close (transfers[i].fd);
    }

  /* The rest of the outage: only the applications' attempts. */
  while (seconds_since (cut_at) < OUTAGE_S)
    {
      if (started < G_N_ELEMENTS (attempts) && seconds_since (cut_at) >= attempt_at_s[started])
        attempt_start (&attempts[started++]);
      for (guint i = 0; i < started; i++)
        attempt_poll (&attempts[i]);
      g_usleep (100 * 1000);
    }
  cpu_after = cpu_ticks (pid);
  switches_after = context_switches (pid);
  state = session_string (path, "State");
  g_assert_true (probe_still_pending (probe));
  close (probe);
  g_assert_true (burrow_test_blackhole_restore (world.far, &error));
  g_assert_no_error (error);

  cpu_percent = 100.0 * (cpu_after - cpu_before) / ticks_per_s / seconds_since (cut_at);
  g_test_message ("while down (%.1f s): broker CPU %.2f s = %.2f%% of one core (limit %.1f%%), "
                  "%" G_GUINT64_FORMAT " context switches; state at the end: %s",
                  seconds_since (cut_at), (cpu_after - cpu_before) / (double) ticks_per_s,
                  cpu_percent, IDLE_CPU_PERCENT_MAX, switches_after - switches_before, state);
  for (guint i = 0; i < started; i++)
    {
      if (attempts[i].ended_s >= 0)
        g_test_message ("application attempt at +%u s: closed by the broker after %.2f s%s",
                        attempt_at_s[i], attempts[i].ended_s,
                        attempts[i].answered ? " (it was ANSWERED)" : "");
      else
        g_test_message ("application attempt at +%u s: still open when the network came "
                        "back%s", attempt_at_s[i],
                        attempts[i].answered ? " (it was ANSWERED)" : "");
      close (attempts[i].fd);
    }

  g_assert_true (transfer_until_ok (world.far_port, DOWNLOAD_BYTES, 75, &tries, &reconnect_s));
  g_test_message ("network back: a new connection through the profile carried %u bytes "
                  "intact %.2f s later (%u attempt(s))", DOWNLOAD_BYTES, reconnect_s, tries);
  g_assert_true (wait_for_state (path, "connected", 1000));

  g_assert_cmpfloat (session_s, >=, 0);
  g_assert_cmpfloat (session_s, <=, limit);
  for (guint i = 0; i < G_N_ELEMENTS (transfers); i++)
    {
      g_assert_cmpfloat (transfers[i].end_s, >=, 0);
      g_assert_cmpfloat (transfers[i].end_s, <=, limit);
    }
  g_assert_cmpfloat (cpu_percent, <, IDLE_CPU_PERCENT_MAX);
  /* Told within the connect timeout, never served, during the outage. */
  for (guint i = 0; i < started; i++)
    {
      g_assert_false (attempts[i].answered);
      g_assert_cmpfloat (attempts[i].ended_s, >=, 0);
      g_assert_cmpfloat (attempts[i].ended_s, <=, CONNECT_TIMEOUT_S + DETECTION_SLACK_S);
    }
  /* The last attempt's failure (about +50 s) backs off for 8 s: the first
   * connection after the network is back starts a fresh connect. */
  g_assert_cmpfloat (reconnect_s, <=, RECONNECT_MAX_S);
}

/* ---- 3. the host key changed between two connections ------------------------------ */

static char *
read_file (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Nothing wakes a main loop when a file grows: look every 20 ms, 10 s. */
static gboolean
file_says (const char *path,
           const char *needle)
{
  for (guint i = 0; i < 500; i++)
    {
      if (burrow_test_file_contains (path, needle))
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

/* "burrowctl agent --script", registered with the broker: the user. */
static BurrowTestAgent *
agent_start (const char *script)
{
  return burrow_test_agent_start (world.broker, world.dir, script);
}

static void
run_ctl (BurrowTestCtlResult *result,
         const char          *verb,
         const char          *profile)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { verb, profile, NULL });
}

static char *
saved_known_hosts (void)
{
  g_autofree char *path = g_build_filename (g_get_home_dir (), ".ssh", "known_hosts", NULL);

  return read_file (path);
}

/* What in sshd's DEBUG1 log means the client sent an authentication
 * request (or that sshd judged one). */
static const char * const auth_marks[] = {
  "userauth", "Accepted", "Failed", "Postponed", "Partial", "publickey", "password",
  "keyboard-interactive", "Authentication", NULL
};

static const char *
auth_mark (const char *log)
{
  for (guint i = 0; auth_marks[i] != NULL; i++)
    if (strstr (log, auth_marks[i]) != NULL)
      return auth_marks[i];
  return NULL;
}

/* The broker's connection (libssh's banner; the readiness probe of a
 * restart sends none) went through the key exchange and sshd logged its
 * end before authentication ("[preauth]"): only then does the absence of
 * an authentication request prove anything. */
static gboolean
broker_connection_over (const char *log_path)
{
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *log = read_file (log_path);
      const char *banner = strstr (log, "remote software version libssh");
      const char *kex_done = banner != NULL ? strstr (banner, "KEX done") : NULL;

      if (kex_done != NULL && (strstr (kex_done, "Connection closed by 127.0.0.1") != NULL
                               || strstr (kex_done, "Disconnected from") != NULL)
          && strstr (kex_done, "[preauth]") != NULL)
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

static void
test_host_key_changed (void)
{
  BurrowTestSshd *sshd = world.rekeyed_sshd;
  g_autofree char *old_fingerprint = g_strdup (burrow_test_sshd_get_host_key_fingerprint (sshd));
  g_autofree char *host = g_strdup_printf ("[127.0.0.1]:%u", burrow_test_sshd_get_port (sshd));
  const char *log_path = burrow_test_sshd_get_log (sshd);
  g_auto(BurrowTestCtlResult) first = { 0 };
  g_auto(BurrowTestCtlResult) off = { 0 };
  g_auto(BurrowTestCtlResult) second = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *known = NULL;
  g_autofree char *known_after = NULL;
  g_autofree char *log = NULL;
  g_autofree char *out = NULL;
  g_autofree char *path = NULL;
  g_autofree char *state = NULL;
  const char *new_fingerprint;
  const char *mark;
  BurrowTestAgent *agent;

  /* First contact: the user saves the key, as the dialog would. */
  agent = agent_start ("host-key save\n");
  run_ctl (&first, "connect", "rekeyed");
  out = burrow_test_agent_stop (agent, NULL);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_nonnull (strstr (out, old_fingerprint));
  g_assert_nonnull (strstr (out, "→ save"));
  known = saved_known_hosts ();
  g_assert_nonnull (strstr (known, host));
  /* The log does show an authentication when there is one. */
  g_assert_true (file_says (log_path, "userauth-request"));
  g_assert_true (file_says (log_path, "Accepted publickey"));
  run_ctl (&off, "disconnect", "rekeyed");
  g_assert_cmpint (off.status, ==, 0);

  /* Reinstalled: a new key on the same host and port, its log afresh. */
  g_assert_true (burrow_test_sshd_rekey (sshd, &error));
  g_assert_no_error (error);
  new_fingerprint = burrow_test_sshd_get_host_key_fingerprint (sshd);
  g_assert_cmpstr (new_fingerprint, !=, old_fingerprint);

  /* The agent is warned, never asked. */
  agent = agent_start ("");
  run_ctl (&second, "connect", "rekeyed");
  g_clear_pointer (&out, g_free);
  out = burrow_test_agent_stop (agent, NULL);
  g_test_message ("second connect: status %d, %s", second.status, second.err);
  g_assert_cmpint (second.status, ==, 1);
  g_assert_nonnull (strstr (second.err, "has CHANGED"));
  g_assert_nonnull (strstr (second.err, new_fingerprint));
  g_assert_nonnull (strstr (second.err, old_fingerprint));
  g_assert_nonnull (strstr (out, "host-key-changed profile=rekeyed"));
  path = find_session ("rekeyed");
  g_assert_nonnull (path);
  g_assert_true (wait_for_state (path, "failed", 10000));
  state = session_string (path, "State");
  g_assert_cmpstr (state, !=, "connected");
  known_after = saved_known_hosts ();
  g_assert_cmpstr (known_after, ==, known);

  /* sshd, restarted with a fresh log, saw the broker's connection through
   * the key exchange (where the server proves its key) to its end, and no
   * authentication request. */
  g_assert_true (broker_connection_over (log_path));
  log = read_file (log_path);
  mark = auth_mark (log);
  if (mark != NULL)
    g_test_message ("sshd's log after the key changed (\"%s\"):\n%s", mark, log);
  g_assert_null (mark);
  g_test_message ("host key changed: refused (\"has CHANGED\", both fingerprints), session "
                  "%s, known_hosts unchanged; sshd's DEBUG1 log of the refused connection "
                  "shows the key exchange and no authentication request (none of "
                  "userauth, Accepted, Failed, Postponed, Partial, publickey, password, "
                  "keyboard-interactive, Authentication)", state);
}

/* ---- set-up ---------------------------------------------------------------------- */

static void
write_config (void)
{
  g_autofree char *far_known = NULL;
  g_autofree char *far_profile = NULL;
  g_autofree char *xml = NULL;

  if (world.far != NULL)
    {
      far_known = g_strdup_printf ("    <known-hosts path=\"%s\"/>\n",
                                   burrow_test_blackhole_get_known_hosts (world.far));
      far_profile = g_strdup_printf (
        "    <profile id=\"far\" host=\"" BURROW_TEST_BLACKHOLE_HOST "\" port=\"%u\" "
        "user=\"%s\">\n"
        "      <identity-file path=\"%s\"/>\n"
        "      <keepalive-interval time=\"%u\"/>\n"
        "      <idle-timeout time=\"3600\"/>\n"
        "      <tunnels>\n"
        "        <local-tunnel listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
        "      </tunnels>\n"
        "    </profile>\n",
        burrow_test_blackhole_get_port (world.far), g_get_user_name (),
        burrow_test_blackhole_get_client_key (world.far), FAR_KEEPALIVE_S, world.far_port,
        burrow_test_blackhole_get_peer_port (world.far));
    }
  /* "ask": the first two profiles' keys are in the known-hosts files, the
   * third's is the user's to save. */
  xml = g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"ask\"/>\n"
    "    <known-hosts path=\"%s\"/>\n%s"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"killed\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "      <keepalive-interval time=\"%u\"/>\n"
    "      <idle-timeout time=\"3600\"/>\n"
    "      <tunnels>\n"
    "        <local-tunnel listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
    "      </tunnels>\n"
    "    </profile>\n"
    "    <profile id=\"rekeyed\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n%s"
    "  </profiles>\n"
    "</secsh-broker>\n",
    burrow_test_sshd_get_known_hosts (world.sshd), far_known != NULL ? far_known : "",
    burrow_test_sshd_get_port (world.sshd), g_get_user_name (),
    burrow_test_sshd_get_client_key (world.sshd), KILLED_KEEPALIVE_S, world.killed_port,
    burrow_test_peer_port (world.peer),
    burrow_test_sshd_get_port (world.rekeyed_sshd), g_get_user_name (),
    burrow_test_sshd_get_client_key (world.rekeyed_sshd),
    far_profile != NULL ? far_profile : "");
  burrow_test_broker_write_user (world.broker, xml);
}

static void
start_far (void)
{
  g_autoptr(GError) error = NULL;

  world.far = burrow_test_blackhole_start (&error);
  if (world.far == NULL)
    {
      /* Only a machine that cannot make namespaces is a reason to skip. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_error ("%s", error->message);
      world.far_error = g_strdup (error->message);
      return;
    }
  world.far_port = burrow_test_free_port ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  /* Before any thread exists: unshare() applies to the calling thread. */
  if (!burrow_test_lan_isolate (&error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        g_error ("%s", error->message);
      world.far_error = g_strdup (error->message);
      g_clear_error (&error);
    }
  world.sshd = burrow_test_sshd_start_or_skip ();
  if (world.sshd == NULL)
    return g_test_run ();
  burrow_test_sshd_use_home (world.sshd);
  world.rekeyed_sshd = burrow_test_sshd_start_with_log_level ("DEBUG1", &error);
  g_assert_no_error (error);
  if (world.far_error == NULL)
    start_far ();
  world.dir = g_dir_make_tmp ("burrow-test-faults-XXXXXX", &error);
  g_assert_no_error (error);
  world.peer = burrow_test_peer_start ();
  world.killed_port = burrow_test_free_port ();
  world.broker = burrow_test_broker_new (TRUE);
  write_config ();

  g_test_add_func ("/broker/faults/sshd-killed-mid-transfer", test_killed_mid_transfer);
  g_test_add_func ("/broker/faults/host-key-changed", test_host_key_changed);
  g_test_add_func ("/broker/faults/network-blackholed", test_network_blackholed);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  burrow_test_peer_stop (world.peer);
  burrow_test_blackhole_stop (world.far);
  burrow_test_sshd_stop (world.rekeyed_sshd);
  burrow_test_sshd_stop (world.sshd);
  burrow_test_remove_tree (world.dir);
  g_free (world.dir);
  g_free (world.far_error);
  return status;
}
