// SPDX-License-Identifier: GPL-3.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "burrow-test-broker.h"
#include "burrow-test-netns.h"
#include "burrow-test-peer.h"
#include "burrow-test-process.h"

/* Faults against a real sshd (issue 9, "Hardening"): the broker killed
 * under 20 captured programs, a reload under 100 live tunnels, 500 clients
 * that trickle handshake bytes.  Each test prints its figures in the TAP
 * log ("figure: ...").
 *
 * The topology is burrow-test-netns.h's: an sshd on 127.0.0.1 whose
 * connections live in a network namespace N of the test's own, an echo
 * and download peer inside N only.  A banner server inside N answers
 * "tunnel" on 127.0.0.1:BANNER; here a decoy on the same port answers
 * "direct" and counts: a captured connect that is tunnelled reads the
 * first, one that went direct reaches the second. */

/* A connect that takes this long hangs.  A sanitized broker starts and
 * answers several times slower (tests/meson.build). */
#ifdef BURROW_TEST_SANITIZED
#define HANG_SECONDS 20.0
#else
#define HANG_SECONDS 4.0
#endif
#define PROGRAMS 20
#define TUNNELS 100
#define CHANGED 20                   /* the first CHANGED of TUNNELS */
#define SLOW_SOCKS 250
#define SLOW_CAPTURE 250
/* The broker's own limits, documented in burrow-config(5) (SOCKS) and
 * broker/broker-capture-server.c (REQUEST_TIMEOUT_SECONDS). */
#define SOCKS_TIMEOUT_S 10
#define CAPTURE_TIMEOUT_S 10
#define TIMEOUT_SLACK_S 5
#define BULK_SIZE (32 * 1024 * 1024)
#define BULK_PAIRS 16
#define SETTLE_US (300 * 1000)

#define TUNNEL_BANNER "tunnel\n"
#define DIRECT_BANNER "direct\n"

/* ---- a server that says one line and closes ----------------------------- */

typedef struct
{
  int listen_fd;
  int wake[2];
  const char *banner;
  gint accepted;
  GThread *thread;
} Banner;

static gpointer
banner_loop (gpointer data)
{
  Banner *self = data;
  struct pollfd fds[2] = { { self->listen_fd, POLLIN, 0 }, { self->wake[0], POLLIN, 0 } };

  while (poll (fds, 2, -1) >= 0 && !(fds[1].revents & POLLIN))
    {
      int fd = accept4 (self->listen_fd, NULL, NULL, SOCK_CLOEXEC);

      if (fd < 0)
        continue;
      g_atomic_int_inc (&self->accepted);
      send (fd, self->banner, strlen (self->banner), MSG_NOSIGNAL);
      close (fd);
    }
  return NULL;
}

static Banner *
banner_start (int         listen_fd,
              const char *banner)
{
  Banner *self = g_new0 (Banner, 1);

  self->listen_fd = listen_fd;
  self->banner = banner;
  g_assert_cmpint (pipe2 (self->wake, O_CLOEXEC), ==, 0);
  self->thread = g_thread_new ("banner", banner_loop, self);
  return self;
}

static void
banner_stop (Banner *self)
{
  if (self == NULL)
    return;
  g_assert_cmpint (write (self->wake[1], "x", 1), ==, 1);
  g_thread_join (self->thread);
  close (self->listen_fd);
  close (self->wake[0]);
  close (self->wake[1]);
  g_free (self);
}

/* A thread may enter another network namespace alone; a socket it makes
 * stays there whichever thread uses it. */
static gpointer
listen_in_netns (gpointer data)
{
  const char *netns_path = data;
  int ns = open (netns_path, O_RDONLY | O_CLOEXEC);
  int fd = -1;

  if (ns >= 0 && setns (ns, CLONE_NEWNET) == 0)
    fd = burrow_test_listen_loopback (0);
  if (ns >= 0)
    close (ns);
  return GINT_TO_POINTER (fd);
}

/* ---- the world ---------------------------------------------------------- */

typedef struct
{
  BurrowTestHops *hops;
  BurrowTestBroker *broker;
  char *dir;
  char *socket_path;
  Banner *tunnelled;           /* inside N */
  Banner *decoy;               /* here, on the same port */
  guint16 banner_port;
  guint16 bulk_ports[TUNNELS];
  guint16 moved_ports[CHANGED / 2];
  guint16 flow_port;           /* profile "flow": a local tunnel for bulk transfers */
  guint16 socks_port;          /* ...and a dynamic one */
} World;

static World world;

/* The banner server in N and the decoy here on one port number: a few
 * tries, as the number N gave may be taken here. */
static void
start_banners (void)
{
  g_autofree char *netns = g_strdup_printf ("/proc/%d/ns/net",
                                            (int) burrow_test_hops_get_inner_pid (world.hops));

  for (guint attempt = 0; attempt < 5 && world.decoy == NULL; attempt++)
    {
      int inside = GPOINTER_TO_INT (g_thread_join (g_thread_new ("netns-listen", listen_in_netns,
                                                                 netns)));
      int here;

      g_assert_cmpint (inside, >=, 0);
      here = burrow_test_listen_loopback (burrow_test_local_port (inside));
      if (here < 0)
        {
          close (inside);
          continue;
        }
      world.banner_port = burrow_test_local_port (inside);
      world.tunnelled = banner_start (inside, TUNNEL_BANNER);
      world.decoy = banner_start (here, DIRECT_BANNER);
    }
  g_assert_nonnull (world.decoy);
}

/* Tunnels of profile "bulk": the first CHANGED, unless @changed, are as
 * first written; with @changed the first half of them listen elsewhere and
 * the second half are gone. */
static void
append_bulk_tunnels (GString  *xml,
                     gboolean  changed)
{
  guint16 peer = burrow_test_hops_get_peer_port (world.hops);

  for (guint i = 0; i < TUNNELS; i++)
    {
      guint16 port = world.bulk_ports[i];

      if (changed && i < CHANGED / 2)
        port = world.moved_ports[i];
      else if (changed && i < CHANGED)
        continue;
      g_string_append_printf (xml, "        <local-tunnel listen-port=\"%u\" dst-host=\"127.0.0.1\""
                              " dst-port=\"%u\"/>\n", port, peer);
    }
}

static void
append_profile (GString    *xml,
                const char *id)
{
  g_string_append_printf (xml, "    <profile id=\"%s\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
                          "      <identity-file path=\"%s\"/>\n", id,
                          burrow_test_hops_get_outer_port (world.hops), g_get_user_name (),
                          burrow_test_hops_get_client_key (world.hops));
}

static void
write_config (gboolean changed)
{
  g_autoptr(GString) xml = g_string_new (NULL);

  g_string_append_printf (xml, "<secsh-broker>\n"
                          "  <general>\n"
                          "    <host-key-policy policy=\"strict\"/>\n"
                          "    <known-hosts path=\"%s\"/>\n"
                          "  </general>\n"
                          "  <profiles>\n", burrow_test_hops_get_known_hosts (world.hops));
  append_profile (xml, "gateway");
  g_string_append (xml, "    </profile>\n");
  append_profile (xml, "bulk");
  g_string_append (xml, "      <tunnels>\n");
  append_bulk_tunnels (xml, changed);
  g_string_append (xml, "      </tunnels>\n    </profile>\n");
  append_profile (xml, "flow");
  g_string_append_printf (xml, "      <tunnels>\n"
                          "        <local-tunnel listen-port=\"%u\" dst-host=\"127.0.0.1\""
                          " dst-port=\"%u\"/>\n"
                          "        <dynamic-tunnel listen-port=\"%u\"/>\n"
                          "      </tunnels>\n    </profile>\n", world.flow_port,
                          burrow_test_hops_get_peer_port (world.hops), world.socks_port);
  g_string_append_printf (xml, "  </profiles>\n"
                          "  <filter-engine>\n"
                          "    <rule host=\"127\\.0\\.0\\.1\" ports=\"%u\" action=\"TUNNEL\""
                          " profile=\"gateway\"/>\n"
                          "  </filter-engine>\n"
                          "</secsh-broker>\n", world.banner_port);
  burrow_test_broker_write_user (world.broker, xml->str);
}

static void
run_ctl_ok (const char * const *args)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  burrow_test_run_ctl (&result, burrow_test_broker_get_address (world.broker), args);
  if (result.status != 0)
    g_error ("burrowctl %s: %s", args[0], result.err);
}

static gboolean
broker_gone (gpointer user_data)
{
  return burrow_test_broker_get_pid (world.broker) == 0;
}

static double
now_s (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

static double
median (double *values,
        guint   n)
{
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && values[j - 1] > values[j]; j--)
      {
        double swap = values[j];

        values[j] = values[j - 1];
        values[j - 1] = swap;
      }
  if (n == 0)
    return 0;
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* ---- 1: the broker restarted under captured programs -------------------- */

/* Connects to the banner port every 0.2 s (each connect bounded by 5 s)
 * and prints "START END WHAT" a line, on the monotonic clock: T read
 * "tunnel", D "direct", C nothing (closed first), X something else, E the
 * connect or read failed.
 * Ends when its stdin closes, or after 150 s. */
static const char program_script[] =
  "import select, socket, sys, time\n"
  "port = int(sys.argv[1])\n"
  "end = time.monotonic() + 150\n"
  "while time.monotonic() < end:\n"
  "    start = time.monotonic()\n"
  "    try:\n"
  "        data = b''\n"
  "        with socket.create_connection(('127.0.0.1', port), timeout=5) as s:\n"
  "            while len(data) < 64:\n"
  "                more = s.recv(64)\n"
  "                if not more:\n"
  "                    break\n"
  "                data += more\n"
  "        what = {b'" "tunnel\\n" "': 'T', b'" "direct\\n" "': 'D', b'': 'C'}.get(data, 'X')\n"
  "    except OSError:\n"
  "        what = 'E'\n"
  "    print(f'{start:.3f} {time.monotonic():.3f} {what}', flush=True)\n"
  "    if select.select([sys.stdin], [], [], 0.2)[0]:\n"
  "        break\n";

typedef struct
{
  GPid pid;
  int input;
  char *out_path;
  int status;                  /* once reaped */
  gboolean reaped;
} Program;

typedef struct
{
  guint tunnelled, direct, other, failed;
  guint cut;                   /* closed without a byte, as the broker was stopped */
  guint slow;                  /* attempts that took HANG_SECONDS or more */
  double longest;
} Tally;

static GStrv
capture_environment (void)
{
  GStrv env = g_get_environ ();

  env = g_environ_setenv (env, "LC_ALL", "C", TRUE);
  env = g_environ_setenv (env, "BURROW_CAPTURE_SOCKET", world.socket_path, TRUE);
  /* The build tree's launcher finds the library next to itself. */
  return g_environ_unsetenv (env, "LD_PRELOAD");
}

static void
program_start (Program *program,
               guint    index)
{
  g_autofree char *launcher = burrow_test_build_path ("broker", "capture", "burrow-capture",
                                                      NULL);
  g_autofree char *port = g_strdup_printf ("%u", world.banner_port);
  const char *argv[] = { launcher, "-l", "python3", "-c", program_script, port, NULL };
  g_auto(GStrv) env = capture_environment ();
  g_autoptr(GError) error = NULL;
  int out_fd;

  program->out_path = g_strdup_printf ("%s/program-%u.out", world.dir, index);
  out_fd = open (program->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (out_fd, >=, 0);
  g_spawn_async_with_pipes_and_fds (world.dir, argv, (const char * const *) env,
                                    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                    burrow_test_process_die_with_parent, NULL, -1, out_fd, out_fd,
                                    NULL, NULL, 0, &program->pid, &program->input, NULL, NULL,
                                    &error);
  close (out_fd);
  g_assert_no_error (error);
}

/* From each signal to the broker until it was gone: a tunnelled
 * connection open then may be cut without a byte. */
static double stopping[2][2];
static guint n_stopping;

static gboolean
while_stopping (double start,
                double end)
{
  for (guint i = 0; i < n_stopping; i++)
    if (start <= stopping[i][1] + 0.1 && end >= stopping[i][0] - 0.1)
      return TRUE;
  return FALSE;
}

/* The attempts of @program that started at or after @from and ended
 * before @until, added to @tally. */
static void
program_tally (Program *program,
               double   from,
               double   until,
               Tally   *tally)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (program->out_path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      double start, end;
      char what;

      if (sscanf (lines[i], "%lf %lf %c", &start, &end, &what) != 3 || start < from || end >= until)
        continue;
      tally->tunnelled += what == 'T';
      tally->direct += what == 'D';
      tally->other += what == 'X' || (what == 'C' && !while_stopping (start, end));
      tally->cut += what == 'C' && while_stopping (start, end);
      tally->failed += what == 'E';
      tally->slow += end - start >= HANG_SECONDS;
      tally->longest = MAX (tally->longest, end - start);
      if (what != 'T' && what != 'E')
        g_test_message ("program %d: %s", (int) program->pid, lines[i]);
    }
}

typedef struct
{
  Program *programs;
  double since;
} Since;

/* Every program has connected through the tunnel since ->since. */
static gboolean
all_tunnelled_since (gpointer user_data)
{
  Since *since = user_data;

  for (guint i = 0; i < PROGRAMS; i++)
    {
      Tally tally = { 0 };

      program_tally (&since->programs[i], since->since, G_MAXDOUBLE, &tally);
      if (tally.tunnelled == 0)
        return FALSE;
    }
  return TRUE;
}

static guint
count_alive (Program *programs)
{
  guint alive = 0;

  for (guint i = 0; i < PROGRAMS; i++)
    alive += waitpid (programs[i].pid, NULL, WNOHANG) == 0;
  return alive;
}

/* Their stdin closed, they end within 10 s, or are killed. */
static void
programs_stop (Program *programs)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (guint i = 0; i < PROGRAMS; i++)
    close (programs[i].input);
  for (guint i = 0; i < PROGRAMS; i++)
    {
      while (!programs[i].reaped && g_get_monotonic_time () < deadline)
        {
          programs[i].reaped = waitpid (programs[i].pid, &programs[i].status, WNOHANG) ==
                               programs[i].pid;
          if (!programs[i].reaped)
            g_usleep (10 * 1000);
        }
      if (!programs[i].reaped)
        {
          kill (programs[i].pid, SIGKILL);
          waitpid (programs[i].pid, &programs[i].status, 0);
        }
    }
}

/* One outage: the broker stopped by @signal_number, left down 3 s while
 * the programs keep connecting, then started again by D-Bus activation;
 * every program must then connect through the tunnel again (within 30 s).
 * Returns the attempts of the outage in @outage. */
static void
outage (Program    *programs,
        int         signal_number,
        Tally      *outage_tally)
{
  guint32 pid = burrow_test_broker_get_pid (world.broker);
  double down, up;
  Since since = { programs, 0 };

  g_assert_cmpuint (pid, !=, 0);
  g_assert_cmpuint (n_stopping, <, G_N_ELEMENTS (stopping));
  stopping[n_stopping][0] = now_s ();
  g_assert_cmpint (kill ((pid_t) pid, signal_number), ==, 0);
  g_assert_true (burrow_test_wait_until (broker_gone, NULL, 5000));
  down = now_s ();
  stopping[n_stopping++][1] = down;
  g_usleep (3 * G_USEC_PER_SEC);
  up = now_s ();
  run_ctl_ok ((const char *[]) { "status", NULL });
  for (guint i = 0; i < PROGRAMS; i++)
    program_tally (&programs[i], down, up, outage_tally);
  since.since = now_s ();
  if (!burrow_test_wait_until (all_tunnelled_since, &since, 30000))
    g_error ("not every program connected through the tunnel within 30 s of the restart "
             "(signal %d)", signal_number);
  g_test_message ("figure: restart after signal %d: every program tunnelled again %.1f s "
                  "after the broker was started", signal_number, now_s () - since.since);
}

static void
test_broker_restart (void)
{
  Program programs[PROGRAMS] = { { 0 } };
  Since since = { programs, 0 };
  Tally during = { 0 }, whole = { 0 };
  double begin = now_s ();
  guint alive, exited_ok = 0, direct_seen;

  for (guint i = 0; i < PROGRAMS; i++)
    program_start (&programs[i], i);
  since.since = begin;
  g_assert_true (burrow_test_wait_until (all_tunnelled_since, &since, 60000));
  g_test_message ("figure: %u captured programs each connected through the tunnel within "
                  "%.1f s", PROGRAMS, now_s () - begin);

  outage (programs, SIGKILL, &during);
  outage (programs, SIGTERM, &during);

  alive = count_alive (programs);
  programs_stop (programs);
  for (guint i = 0; i < PROGRAMS; i++)
    {
      Tally tally = { 0 };

      program_tally (&programs[i], begin, G_MAXDOUBLE, &tally);
      whole.tunnelled += tally.tunnelled;
      whole.direct += tally.direct;
      whole.other += tally.other;
      whole.failed += tally.failed;
      whole.cut += tally.cut;
      whole.slow += tally.slow;
      whole.longest = MAX (whole.longest, tally.longest);
      exited_ok += WIFEXITED (programs[i].status) && WEXITSTATUS (programs[i].status) == 0;
      g_unlink (programs[i].out_path);
      g_free (programs[i].out_path);
    }
  direct_seen = g_atomic_int_get (&world.decoy->accepted);
  g_test_message ("figure: programs alive after two restarts %u/%u, exited cleanly %u/%u",
                  alive, PROGRAMS, exited_ok, PROGRAMS);
  g_test_message ("figure: during the outages (2 x 3 s): %u connects, %u failed, %u tunnelled, "
                  "%u direct; longest %.3f s", during.tunnelled + during.direct + during.other +
                  during.failed, during.failed, during.tunnelled, during.direct, during.longest);
  g_test_message ("figure: whole test: %u connects, %u tunnelled, %u failed, %u direct "
                  "(decoy accepted %u), %u cut as the broker stopped, %u other, %u took >= %.0f s",
                  whole.tunnelled + whole.direct + whole.other + whole.failed + whole.cut,
                  whole.tunnelled, whole.failed, whole.direct, direct_seen, whole.cut, whole.other,
                  whole.slow, HANG_SECONDS);
  g_assert_cmpuint (alive, ==, PROGRAMS);
  g_assert_cmpuint (exited_ok, ==, PROGRAMS);
  /* They kept trying while the broker was down, and each try failed
   * closed, at once. */
  g_assert_cmpuint (during.failed, >=, PROGRAMS * 2);
  g_assert_cmpuint (during.tunnelled, ==, 0);
  g_assert_cmpuint (during.direct, ==, 0);
  g_assert_cmpuint (during.other, ==, 0);
  g_assert_cmpuint (direct_seen, ==, 0);
  g_assert_cmpuint (whole.direct, ==, 0);
  g_assert_cmpuint (whole.other, ==, 0);
  g_assert_cmpuint (whole.slow, ==, 0);
}

/* ---- 2: a reload under 100 live tunnels --------------------------------- */

/* Each stream writes its own stretch of burrow_test_peer_pattern() to the
 * echo peer at STREAM_RATE, at most STREAM_WINDOW ahead of what came back,
 * and checks every byte that comes back. */
#define STREAM_RATE (64 * 1024)      /* bytes a second */
#define STREAM_WINDOW (32 * 1024)
#define STREAM_CHUNK (8 * 1024)
#define STREAMS_LIMIT_S 90

typedef struct
{
  int fd;
  guint64 base;                /* this stream's offset in the pattern */
  guint64 sent;
  guint64 received;
  gboolean shut;               /* half-closed by us */
  gint ended;                  /* atomic: EOF or an error seen */
  gboolean eof;
  int error;                   /* errno, or EBADMSG for a wrong byte */
  gint64 ended_at;
} Stream;

static void
stream_end (Stream *stream,
            int     error)
{
  stream->error = error;
  stream->eof = error == 0;
  stream->ended_at = g_get_monotonic_time ();
  g_atomic_int_set (&stream->ended, 1);
}

static void
stream_read (Stream *stream)
{
  guint8 buffer[STREAM_CHUNK];
  guint8 expected[STREAM_CHUNK];

  for (guint i = 0; i < 8; i++)
    {
      ssize_t n = recv (stream->fd, buffer, sizeof buffer, MSG_DONTWAIT);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      if (n <= 0)
        {
          stream_end (stream, n == 0 ? 0 : errno);
          return;
        }
      burrow_test_peer_pattern (expected, n, stream->base + stream->received);
      if (memcmp (buffer, expected, n) != 0)
        {
          stream_end (stream, EBADMSG);
          return;
        }
      stream->received += n;
    }
}


/* How much more @stream may send now: STREAM_RATE since the start
 * (@allowed in all), and at most STREAM_WINDOW ahead of the echo. */
static gsize
stream_room (Stream  *stream,
             guint64  allowed)
{
  guint64 ahead = stream->sent - stream->received;

  if (stream->shut || stream->sent >= allowed || ahead >= STREAM_WINDOW)
    return 0;
  return MIN (MIN (allowed - stream->sent, STREAM_WINDOW - ahead), STREAM_CHUNK);
}

static void
stream_write (Stream *stream,
              gsize   n)
{
  guint8 buffer[STREAM_CHUNK];
  ssize_t written;

  burrow_test_peer_pattern (buffer, n, stream->base + stream->sent);
  written = send (stream->fd, buffer, n, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (written < 0 && errno != EAGAIN && errno != EINTR)
    stream_end (stream, errno);
  else if (written > 0)
    stream->sent += written;
}

typedef struct
{
  Stream streams[TUNNELS];
  guint64 at_mark[TUNNELS];    /* received when ->mark was answered */
  gint mark;                   /* atomic: 1 asks for at_mark, 2 answers */
  gint draining;               /* atomic: shut the sending sides, read to the end */
  gint64 started;
  GThread *thread;
} Streams;

static void
streams_answer_mark (Streams *self)
{
  if (g_atomic_int_get (&self->mark) != 1)
    return;
  for (guint i = 0; i < TUNNELS; i++)
    self->at_mark[i] = self->streams[i].received;
  g_atomic_int_set (&self->mark, 2);
}

/* Until every stream has ended, at most STREAMS_LIMIT_S. */
static gpointer
streams_loop (gpointer data)
{
  Streams *self = data;
  gint64 limit = self->started + STREAMS_LIMIT_S * G_USEC_PER_SEC;
  struct pollfd fds[TUNNELS];
  Stream *polled[TUNNELS];

  while (g_get_monotonic_time () < limit)
    {
      gboolean draining = g_atomic_int_get (&self->draining);
      guint64 allowed = (guint64) (g_get_monotonic_time () - self->started) * STREAM_RATE /
                        G_USEC_PER_SEC;
      guint n = 0;

      streams_answer_mark (self);
      for (guint i = 0; i < TUNNELS; i++)
        {
          Stream *stream = &self->streams[i];

          if (stream->ended)
            continue;
          if (draining && !stream->shut)
            {
              shutdown (stream->fd, SHUT_WR);
              stream->shut = TRUE;
            }
          fds[n] = (struct pollfd) { stream->fd, POLLIN, 0 };
          if (stream_room (stream, allowed) > 0)
            fds[n].events |= POLLOUT;
          polled[n++] = stream;
        }
      if (n == 0 || (poll (fds, n, 10) < 0 && errno != EINTR))
        break;
      for (guint i = 0; i < n; i++)
        {
          if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
            stream_read (polled[i]);
          if (!polled[i]->ended && (fds[i].revents & POLLOUT))
            stream_write (polled[i], stream_room (polled[i], allowed));
        }
    }
  return NULL;
}

static void
streams_mark (Streams *self)
{
  g_atomic_int_set (&self->mark, 1);
  for (guint i = 0; i < 500 && g_atomic_int_get (&self->mark) != 2; i++)
    g_usleep (10 * 1000);
  g_assert_cmpint (g_atomic_int_get (&self->mark), ==, 2);
}

static gboolean
changed_streams_ended (gpointer user_data)
{
  Streams *self = user_data;

  for (guint i = 0; i < CHANGED; i++)
    if (!g_atomic_int_get (&self->streams[i].ended))
      return FALSE;
  return TRUE;
}

/* An echo through the tunnel on @port works. */
static gboolean
port_echoes (guint16 port)
{
  int fd = burrow_test_connect (port);
  gboolean ok = fd >= 0 && burrow_test_echo_begin (fd) && burrow_test_echo_once (fd, "ping");

  if (fd >= 0)
    close (fd);
  return ok;
}

static gboolean
port_refuses (guint16 port)
{
  int fd = burrow_test_connect (port);

  if (fd >= 0)
    close (fd);
  return fd < 0;
}

/* The old ports of the changed tunnels are closed, the moved ones listen
 * on their new ports, and an unchanged one takes new connections too. */
static void
check_changed_ports (void)
{
  for (guint i = 0; i < CHANGED; i++)
    g_assert_true (port_refuses (world.bulk_ports[i]));
  for (guint i = 0; i < CHANGED / 2; i++)
    g_assert_true (port_echoes (world.moved_ports[i]));
  g_assert_true (port_echoes (world.bulk_ports[TUNNELS - 1]));
}

static void
streams_open (Streams *self)
{
  for (guint i = 0; i < TUNNELS; i++)
    {
      Stream *stream = &self->streams[i];

      stream->fd = burrow_test_connect (world.bulk_ports[i]);
      g_assert_cmpint (stream->fd, >=, 0);
      g_assert_true (burrow_test_echo_begin (stream->fd));
      stream->base = (guint64) i << 40;
    }
  self->started = g_get_monotonic_time ();
  self->thread = g_thread_new ("streams", streams_loop, self);
}

/* The 80 unchanged tunnels: never ended before the drain, every byte back
 * in order, as many as were sent, and bytes flowed after the reload. */
static void
check_unchanged_streams (Streams *self,
                         gint64   drain_at)
{
  guint64 sent = 0, lost = 0;
  guint intact = 0, flowed = 0;

  for (guint i = CHANGED; i < TUNNELS; i++)
    {
      Stream *stream = &self->streams[i];
      gboolean ok = stream->eof && stream->ended_at >= drain_at && stream->received == stream->sent;

      if (!ok)
        g_test_message ("stream %u: eof %d error %s ended %.3f s after the drain, sent %"
                        G_GUINT64_FORMAT " received %" G_GUINT64_FORMAT, i, stream->eof,
                        g_strerror (stream->error),
                        (stream->ended_at - drain_at) / (double) G_USEC_PER_SEC, stream->sent,
                        stream->received);
      intact += ok;
      flowed += stream->received > self->at_mark[i];
      sent += stream->sent;
      lost += stream->sent - MIN (stream->received, stream->sent);
    }
  g_test_message ("figure: reload: unchanged tunnels intact %u/%u, streaming after the reload "
                  "%u/%u, bytes sent %" G_GUINT64_FORMAT ", lost %" G_GUINT64_FORMAT,
                  intact, TUNNELS - CHANGED, flowed, TUNNELS - CHANGED, sent, lost);
  g_assert_cmpuint (lost, ==, 0);
  g_assert_cmpuint (intact, ==, TUNNELS - CHANGED);
  g_assert_cmpuint (flowed, ==, TUNNELS - CHANGED);
}

/* The 20 changed ones: closed by the reload, before the drain. */
static void
check_changed_streams (Streams *self,
                       gint64   reload_at,
                       gint64   drain_at)
{
  guint64 in_flight = 0;
  double latest = 0;
  guint closed = 0;

  for (guint i = 0; i < CHANGED; i++)
    {
      Stream *stream = &self->streams[i];

      closed += stream->ended_at > 0 && stream->ended_at < drain_at;
      in_flight += stream->sent - MIN (stream->received, stream->sent);
      latest = MAX (latest, (stream->ended_at - reload_at) / (double) G_USEC_PER_SEC);
    }
  g_test_message ("figure: reload: changed tunnels (%u moved, %u removed) closed with their "
                  "connections %u/%u, the last %.2f s after the reload began; %" G_GUINT64_FORMAT
                  " bytes were in flight on them", CHANGED / 2, CHANGED / 2, closed, CHANGED,
                  latest, in_flight);
  g_assert_cmpuint (closed, ==, CHANGED);
}

static void
test_reload_live_tunnels (void)
{
  Streams *streams = g_new0 (Streams, 1);
  gint64 reload_at, drain_at;

  write_config (FALSE);
  run_ctl_ok ((const char *[]) { "reload", NULL });
  run_ctl_ok ((const char *[]) { "connect", "bulk", NULL });
  streams_open (streams);
  g_usleep (2 * G_USEC_PER_SEC);
  streams_mark (streams);

  reload_at = g_get_monotonic_time ();
  write_config (TRUE);
  run_ctl_ok ((const char *[]) { "reload", NULL });
  g_test_message ("figure: reload of %u tunnels took %.2f s", TUNNELS,
                  (g_get_monotonic_time () - reload_at) / (double) G_USEC_PER_SEC);
  g_assert_true (burrow_test_wait_until (changed_streams_ended, streams, 10000));
  check_changed_ports ();
  g_usleep (2 * G_USEC_PER_SEC);

  drain_at = g_get_monotonic_time ();
  g_atomic_int_set (&streams->draining, 1);
  g_thread_join (streams->thread);
  check_changed_streams (streams, reload_at, drain_at);
  check_unchanged_streams (streams, drain_at);
  for (guint i = 0; i < TUNNELS; i++)
    close (streams->streams[i].fd);
  g_free (streams);
  run_ctl_ok ((const char *[]) { "disconnect", "bulk", NULL });
}

/* ---- 3: 500 clients that trickle handshake bytes ------------------------ */

/* What they send, a byte a second: never a whole request within the
 * timeouts.  SOCKS5: the greeting, then a CONNECT with a 200-byte name;
 * the capture protocol: a RESOLVE header announcing 100 bytes of body. */
static const guint8 socks_trickle[] = { 5, 1, 0, 5, 1, 0, 3, 200, 'a', 'a', 'a', 'a', 'a', 'a',
                                        'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a' };
static const guint8 capture_trickle[] = { 1, 2, 0, 100, 2, 98, 'a', 'a', 'a', 'a', 'a', 'a', 'a',
                                          'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a' };
#define SLOW_LIMIT_S 40

typedef struct
{
  int fd;
  gboolean socks;
  guint next;                  /* index of the next byte to send */
  gint64 connected_at;
  gint64 closed_at;            /* by the broker; 0 while open */
} Slow;

/* A batch of SLOW_SOCKS clients of profile "flow"'s dynamic tunnel and
 * SLOW_CAPTURE of the capture socket, trickling on a thread of their own
 * until the broker has closed them all or ->stop is set. */
typedef struct
{
  Slow clients[SLOW_SOCKS + SLOW_CAPTURE];
  gint stop;                   /* atomic */
  GThread *thread;
} SlowClients;

static int
connect_capture_socket (void)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpuint (strlen (world.socket_path), <, sizeof address.sun_path);
  strcpy (address.sun_path, world.socket_path);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  return fd;
}

static void
slow_closed (Slow *slow)
{
  slow->closed_at = g_get_monotonic_time ();
  close (slow->fd);
  slow->fd = -1;
}

static void
slow_send_next (Slow *slow)
{
  const guint8 *bytes = slow->socks ? socks_trickle : capture_trickle;
  guint size = slow->socks ? sizeof socks_trickle : sizeof capture_trickle;

  if (slow->next >= size)
    return;
  if (send (slow->fd, bytes + slow->next, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
    slow->next++;
  else if (errno != EAGAIN && errno != EINTR)
    slow_closed (slow);
}

/* What the broker sends (SOCKS: its choice of method) is read and
 * dropped; EOF or an error is its closing the client. */
static void
slow_read (Slow *slow)
{
  guint8 buffer[64];
  ssize_t n = recv (slow->fd, buffer, sizeof buffer, MSG_DONTWAIT);

  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
    slow_closed (slow);
}

/* Sends each open client's next byte every second; returns how many are
 * open. */
static guint
slow_poll_once (SlowClients   *self,
                gboolean       tick,
                struct pollfd *fds,
                Slow         **polled)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (self->clients); i++)
    {
      if (self->clients[i].fd >= 0 && tick)
        slow_send_next (&self->clients[i]);
      if (self->clients[i].fd < 0)
        continue;
      fds[n] = (struct pollfd) { self->clients[i].fd, POLLIN, 0 };
      polled[n++] = &self->clients[i];
    }
  if (n == 0 || (poll (fds, n, 20) < 0 && errno != EINTR))
    return 0;
  for (guint i = 0; i < n; i++)
    if (fds[i].revents != 0)
      slow_read (polled[i]);
  return n;
}

static gpointer
slow_loop (gpointer data)
{
  SlowClients *self = data;
  g_autofree struct pollfd *fds = g_new (struct pollfd, G_N_ELEMENTS (self->clients));
  g_autofree Slow **polled = g_new (Slow *, G_N_ELEMENTS (self->clients));
  gint64 start = g_get_monotonic_time ();
  gint64 next_tick = start + G_USEC_PER_SEC;

  while (!g_atomic_int_get (&self->stop) &&
         g_get_monotonic_time () < start + SLOW_LIMIT_S * G_USEC_PER_SEC)
    {
      gboolean tick = g_get_monotonic_time () >= next_tick;

      if (tick)
        next_tick += G_USEC_PER_SEC;
      if (slow_poll_once (self, tick, fds, polled) == 0)
        break;
    }
  return NULL;
}

static SlowClients *
slow_clients_start (void)
{
  SlowClients *self = g_new0 (SlowClients, 1);

  for (guint i = 0; i < G_N_ELEMENTS (self->clients); i++)
    {
      Slow *slow = &self->clients[i];

      slow->socks = i < SLOW_SOCKS;
      slow->fd = slow->socks ? burrow_test_connect (world.socks_port) : connect_capture_socket ();
      g_assert_cmpint (slow->fd, >=, 0);
      slow->connected_at = g_get_monotonic_time ();
      slow_send_next (slow);
      g_assert_cmpint (slow->fd, >=, 0);
    }
  self->thread = g_thread_new ("slow-clients", slow_loop, self);
  return self;
}

/* Waits for the thread (asked to stop now with @stop, else until the
 * broker has closed every client) and closes what is left. */
static void
slow_clients_join (SlowClients *self,
                   gboolean     stop)
{
  if (stop)
    g_atomic_int_set (&self->stop, 1);
  g_thread_join (self->thread);
  for (guint i = 0; i < G_N_ELEMENTS (self->clients); i++)
    if (self->clients[i].fd >= 0)
      close (self->clients[i].fd);
}

/* How long (s) each client of a kind lived before the broker closed it,
 * sorted, in @lifetimes; returns how many were still open at
 * @still_open_at. */
static guint
slow_lifetimes (SlowClients *self,
                gboolean     socks,
                gint64       still_open_at,
                double      *lifetimes,
                guint       *closed)
{
  guint open_then = 0;

  *closed = 0;
  for (guint i = 0; i < G_N_ELEMENTS (self->clients); i++)
    {
      Slow *slow = &self->clients[i];

      if (slow->socks != socks)
        continue;
      open_then += slow->closed_at == 0 || slow->closed_at > still_open_at;
      if (slow->closed_at != 0)
        lifetimes[(*closed)++] = (slow->closed_at - slow->connected_at) / (double) G_USEC_PER_SEC;
    }
  median (lifetimes, *closed);
  return open_then;
}

/* Every client of a kind was closed by the broker's timeout: not before
 * the load was over, within the timeout and TIMEOUT_SLACK_S. */
static void
check_slow_kind (SlowClients *self,
                 gboolean     socks,
                 gint64       load_end)
{
  const char *kind = socks ? "SOCKS request" : "capture socket request";
  guint expected = socks ? SLOW_SOCKS : SLOW_CAPTURE;
  guint timeout = socks ? SOCKS_TIMEOUT_S : CAPTURE_TIMEOUT_S;
  g_autofree double *lifetimes = g_new0 (double, expected);
  guint closed;
  guint open_then = slow_lifetimes (self, socks, load_end, lifetimes, &closed);

  g_test_message ("figure: slow clients, %s: %u/%u closed by the broker, open through the "
                  "checks under load %u/%u; closed after min %.2f median %.2f max %.2f s "
                  "(timeout %u s)", kind, closed, expected, open_then, expected,
                  closed > 0 ? lifetimes[0] : 0, closed > 0 ? lifetimes[closed / 2] : 0,
                  closed > 0 ? lifetimes[closed - 1] : 0, timeout);
  g_assert_cmpuint (closed, ==, expected);
  g_assert_cmpuint (open_then, ==, expected);
  /* GLib's second timers may fire a quarter of a second early. */
  g_assert_cmpfloat (lifetimes[0], >=, timeout - 1.0);
  g_assert_cmpfloat (lifetimes[closed - 1], <=, timeout + TIMEOUT_SLACK_S);
}

/* CPU time the threads of process @pid have had, in ns (the first field
 * of each task's schedstat). */
static guint64
process_cpu_ns (guint32 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/task", pid);
  g_autoptr(GDir) tasks = g_dir_open (path, 0, NULL);
  const char *task;
  guint64 total = 0;

  while (tasks != NULL && (task = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *stat = g_strdup_printf ("%s/%s/schedstat", path, task);
      g_autofree char *text = NULL;

      if (g_file_get_contents (stat, &text, NULL, NULL))
        total += g_ascii_strtoull (text, NULL, 10);
    }
  return total;
}

typedef struct
{
  double mb_per_s;             /* wall clock */
  double mb_per_cpu_s;         /* per second of the broker's CPU time (all its threads) */
} Bulk;

/* One BULK_SIZE download from the peer through profile "flow"'s local
 * tunnel. */
static Bulk
bulk_download (guint32 broker_pid)
{
  g_autofree guint8 *buffer = g_malloc (256 * 1024);
  guint8 request[9] = { 'D' };
  guint64 cpu = process_cpu_ns (broker_pid);
  gint64 start = g_get_monotonic_time ();
  int fd = burrow_test_connect (world.flow_port);
  guint64 received = 0;
  ssize_t n;
  Bulk bulk;

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < 8; i++)
    request[1 + i] = (guint64) BULK_SIZE >> (56 - 8 * i);
  g_assert_cmpint (send (fd, request, sizeof request, MSG_NOSIGNAL), ==, sizeof request);
  while ((n = recv (fd, buffer, 256 * 1024, 0)) > 0)
    received += n;
  close (fd);
  g_assert_cmpuint (received, ==, BULK_SIZE);
  bulk.mb_per_s = BULK_SIZE / 1e6 / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  bulk.mb_per_cpu_s = BULK_SIZE / 1e6 / ((process_cpu_ns (broker_pid) - cpu) / 1e9);
  return bulk;
}

/* Real clients still get through while slow ones wait: a SOCKS5 request
 * through the dynamic tunnel, a captured connect. */
static void
check_served_under_load (void)
{
  g_autofree char *launcher = burrow_test_build_path ("broker", "capture", "burrow-capture",
                                                      NULL);
  g_autofree char *script = g_strdup_printf (
    "import socket\n"
    "with socket.create_connection(('127.0.0.1', %u), timeout=10) as s:\n"
    "    print(s.recv(64).decode(), end='')\n", world.banner_port);
  g_auto(GStrv) env = capture_environment ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;
  int fd = burrow_test_connect (world.socks_port);

  g_assert_cmpint (fd, >=, 0);
  g_assert_true (burrow_test_socks5 (fd, "127.0.0.1", burrow_test_hops_get_peer_port (world.hops)));
  g_assert_true (burrow_test_echo_begin (fd));
  g_assert_true (burrow_test_echo_once (fd, "under load"));
  close (fd);
  g_spawn_sync (world.dir, (char **) (const char *[]) { launcher, "-l", "python3", "-c", script,
                                                        NULL },
                env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, TUNNEL_BANNER);
}

/* BULK_PAIRS downloads without slow clients, each followed by one with a
 * fresh batch of them (closed by the test after it).  On this machine's
 * 2 shared vCPUs the wall-clock MB/s of consecutive 32 MiB downloads
 * swings between 35 and 160 whatever the test does, and the medians of
 * 12 by 20%: a 10% threshold on it would be noise.  The assertion is on
 * MB per second of the broker's own CPU time (all its threads), what the
 * broker carries when it has a CPU, which slow clients would lower by
 * making it work for them on the session's thread or any other.  Its
 * per-download figure still varies by 15% here (cache, stolen time); the
 * ratio of the medians of 12 pairs was 93-111% over 12 runs, hence 16.
 * With the SOCKS requests read on the session's thread (before
 * broker-socks-handshake.c) it was 73-79%.  Wall-clock MB/s is printed
 * beside it. */
static void
measure_under_load (void)
{
  guint32 pid = burrow_test_broker_get_pid (world.broker);
  double wall[2][BULK_PAIRS], capacity[2][BULK_PAIRS];
  double wall_median[2], ratio;

  bulk_download (pid);   /* the session up, the peer warm */
  for (guint k = 0; k < BULK_PAIRS; k++)
    {
      SlowClients *slow;
      Bulk bulk;

      /* The broker has dealt with the last batch's connects or closes by
       * then: what is measured is slow clients being held, or none. */
      g_usleep (SETTLE_US);
      bulk = bulk_download (pid);
      wall[0][k] = bulk.mb_per_s;
      capacity[0][k] = bulk.mb_per_cpu_s;
      slow = slow_clients_start ();
      g_usleep (SETTLE_US);
      bulk = bulk_download (pid);
      wall[1][k] = bulk.mb_per_s;
      capacity[1][k] = bulk.mb_per_cpu_s;
      slow_clients_join (slow, TRUE);
      g_free (slow);
    }
  /* median() sorts: the best are last. */
  wall_median[0] = median (wall[0], BULK_PAIRS);
  wall_median[1] = median (wall[1], BULK_PAIRS);
  g_test_message ("figure: bulk, %u pairs of %u MiB downloads, without / with %u slow clients: "
                  "wall clock median %.0f / %.0f MB/s (%.0f%%), best %.0f / %.0f MB/s",
                  BULK_PAIRS, BULK_SIZE >> 20, SLOW_SOCKS + SLOW_CAPTURE, wall_median[0],
                  wall_median[1], 100 * wall_median[1] / wall_median[0],
                  wall[0][BULK_PAIRS - 1], wall[1][BULK_PAIRS - 1]);
  ratio = median (capacity[1], BULK_PAIRS) / median (capacity[0], BULK_PAIRS);
  g_test_message ("figure: bulk, MB per second of the broker's CPU time, without / with: "
                  "median %.0f / %.0f (%.0f%%)", median (capacity[0], BULK_PAIRS),
                  median (capacity[1], BULK_PAIRS), 100 * ratio);
#ifndef __SANITIZE_THREAD__
  /* Not under ThreadSanitizer (build-tsan): there the ratio measures its
   * instrumentation of the slow clients' code (90% once, on a loaded
   * machine), not what Burrow makes of a CPU. */
  g_assert_cmpfloat (ratio, >=, 0.9);
#endif
}

static void
test_slow_clients (void)
{
  SlowClients *slow;
  gint64 load_end;

  run_ctl_ok ((const char *[]) { "connect", "flow", NULL });
  measure_under_load ();

  /* One more batch, left to the broker's timeouts. */
  slow = slow_clients_start ();
  check_served_under_load ();
  load_end = g_get_monotonic_time ();
  slow_clients_join (slow, FALSE);
  check_slow_kind (slow, TRUE, load_end);
  check_slow_kind (slow, FALSE, load_end);
  g_free (slow);
  run_ctl_ok ((const char *[]) { "disconnect", "flow", NULL });
}

/* ---- main --------------------------------------------------------------- */

/* A port no other of the world's uses. */
static guint16
distinct_port (void)
{
  for (;;)
    {
      guint16 port = burrow_test_free_port ();
      gboolean used = port == world.banner_port || port == world.flow_port ||
                      port == world.socks_port;

      for (guint i = 0; i < TUNNELS; i++)
        used |= port == world.bulk_ports[i];
      for (guint i = 0; i < CHANGED / 2; i++)
        used |= port == world.moved_ports[i];
      if (!used)
        return port;
    }
}

static gboolean
socket_exists (gpointer user_data)
{
  return g_file_test (world.socket_path, G_FILE_TEST_EXISTS);
}

/* 500 slow clients and 100 streams hold descriptors here and in the
 * broker (which raises its own limit). */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  limit.rlim_cur = limit.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  g_assert_cmpuint (limit.rlim_cur, >=, 2048);
}

static void
build_world (void)
{
  g_autofree char *home = NULL;

  world.dir = g_build_filename (burrow_test_hops_get_dir (world.hops), "resilience", NULL);
  home = g_build_filename (world.dir, "home", NULL);
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  world.socket_path = g_build_filename (world.dir, "run", "burrow", "capture", NULL);
  start_banners ();
  for (guint i = 0; i < TUNNELS; i++)
    world.bulk_ports[i] = distinct_port ();
  for (guint i = 0; i < CHANGED / 2; i++)
    world.moved_ports[i] = distinct_port ();
  world.flow_port = distinct_port ();
  world.socks_port = distinct_port ();

  /* Never the real ~/.ssh, nor an agent; the broker (activated by the
   * test bus) inherits these. */
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
  g_setenv ("BURROW_CAPTURE_SOCKET", world.socket_path, TRUE);
  world.broker = burrow_test_broker_new (TRUE);
  write_config (FALSE);
  run_ctl_ok ((const char *[]) { "status", NULL });
  g_assert_true (burrow_test_wait_until (socket_exists, NULL, 10000));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  raise_file_limit ();
  world.hops = burrow_test_hops_start (&error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_message ("skipped: %s", error->message);
      g_test_skip (error->message);
      return g_test_run ();
    }
  g_assert_no_error (error);
  build_world ();

  g_test_add_func ("/resilience/broker-restart-20-programs", test_broker_restart);
  g_test_add_func ("/resilience/reload-100-live-tunnels", test_reload_live_tunnels);
  g_test_add_func ("/resilience/500-slow-clients", test_slow_clients);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  banner_stop (world.tunnelled);
  banner_stop (world.decoy);
  g_free (world.socket_path);
  g_free (world.dir);
  burrow_test_hops_stop (world.hops);
  return status;
}
