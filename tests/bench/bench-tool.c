// SPDX-License-Identifier: GPL-3.0-or-later
/* bench-tool: the data end of Burrow's benchmarks (tests/bench/).  Plain
 * POSIX and pthreads, no GLib, so that the source, the sink and the echo
 * server are never what limits a measurement.  Every mode connects to or
 * listens on 127.0.0.1 only.
 *
 *   bench-tool serve sink|source|echo   listen on 127.0.0.1:0, print the port,
 *                                       serve until killed
 *   bench-tool upload PORT BYTES        send BYTES of the test pattern to a sink
 *   bench-tool download PORT BYTES      ask a source for BYTES and check them
 *   bench-tool echo-load PORT CONNS MSGS [MAX_CONNECTING] [TIMEOUT_S]
 *                                       CONNS connections at once, MSGS echoes each
 *   bench-tool latency PORT COUNT       COUNT x (connect, 1 byte out, 1 byte back, close)
 *
 * The clients print one JSON object on stdout and exit 0 when every byte
 * arrived intact, 1 otherwise ("moved": bytes sent by an upload or received
 * by a download; "stalled": no progress for 10 s).
 *
 * Protocols.  sink: read until EOF, checking the pattern, then answer 16
 * bytes (count, number of bad chunks; host order) and close.  source: read an
 * 8-byte count, send that much pattern, close.  echo: send back what arrives.
 * The pattern repeats every PATTERN_PERIOD bytes, an odd length so that a
 * lost, duplicated or reordered chunk never lines up again. */

#define _GNU_SOURCE
#include "bench-stats.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1024 * 1024)
#define PATTERN_PERIOD (CHUNK + 4099)
#define ECHO_BUFFER 4096
#define THREAD_STACK (256 * 1024)
#define MESSAGE_LEN 32
/* Connections started between two looks at the ready ones. */
#define CONNECT_BATCH 16

static uint8_t *pattern;        /* 2 x PATTERN_PERIOD: any window ≤ CHUNK is contiguous */

static void
die (const char *what)
{
  fprintf (stderr, "bench-tool: %s: %s\n", what, strerror (errno));
  exit (2);
}

static void
make_pattern (void)
{
  uint32_t x = 2463534242u;

  pattern = malloc (2 * (size_t) PATTERN_PERIOD);
  if (pattern == NULL)
    die ("malloc");
  for (size_t i = 0; i < PATTERN_PERIOD; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      pattern[i] = (uint8_t) x;
    }
  memcpy (pattern + PATTERN_PERIOD, pattern, PATTERN_PERIOD);
}

static int
write_all (int fd, const void *data, size_t len)
{
  const uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= n;
    }
  return 0;
}

static int
read_all (int fd, void *data, size_t len)
{
  uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = recv (fd, p, len, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n == 0)
        errno = EPIPE;      /* end of file, not a time-out */
      if (n <= 0)
        return -1;
      p += n;
      len -= n;
    }
  return 0;
}

static int
connect_loopback (int port)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  while (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      if (errno == EINTR)
        continue;
      close (fd);
      return -1;
    }
  return fd;
}

/* Servers */

typedef enum { SERVE_SINK, SERVE_SOURCE, SERVE_ECHO } ServeMode;

typedef struct
{
  ServeMode mode;
  int fd;
} Conn;

static void
serve_sink (int fd)
{
  uint8_t *buffer = malloc (CHUNK);
  uint64_t reply[2] = { 0, 0 };

  for (;;)
    {
      ssize_t n = recv (fd, buffer, CHUNK, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          reply[1]++;
          break;
        }
      if (n == 0)
        break;
      if (memcmp (buffer, pattern + reply[0] % PATTERN_PERIOD, n) != 0)
        reply[1]++;
      reply[0] += n;
    }
  write_all (fd, reply, sizeof reply);
  free (buffer);
}

static void
serve_source (int fd)
{
  uint64_t want = 0, sent = 0;

  if (read_all (fd, &want, sizeof want) < 0)
    return;
  while (sent < want)
    {
      size_t len = want - sent < CHUNK ? want - sent : CHUNK;

      if (write_all (fd, pattern + sent % PATTERN_PERIOD, len) < 0)
        return;
      sent += len;
    }
}

static void
serve_echo (int fd)
{
  char buffer[ECHO_BUFFER];
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (;;)
    {
      ssize_t n = recv (fd, buffer, sizeof buffer, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || write_all (fd, buffer, n) < 0)
        return;
    }
}

/* One thread for all echo connections: a burst of a thousand connections
 * costs no thread creation, so the echo server's share of a latency is a
 * few microseconds. */
static void __attribute__ ((noreturn))
serve_echo_epoll (int listener)
{
  struct epoll_event events[256];
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
  char buffer[ECHO_BUFFER];
  int epoll = epoll_create1 (EPOLL_CLOEXEC);
  int one = 1;

  if (epoll < 0 || fcntl (listener, F_SETFL, O_NONBLOCK) < 0
      || epoll_ctl (epoll, EPOLL_CTL_ADD, listener, &ev) < 0)
    die ("epoll");
  for (;;)
    {
      int n = epoll_wait (epoll, events, 256, -1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("epoll_wait");
      for (int i = 0; i < n; i++)
        {
          int fd = events[i].data.fd;

          if (fd == listener)
            {
              int client;

              while ((client = accept4 (listener, NULL, NULL,
                                        SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
                {
                  struct epoll_event cev = { .events = EPOLLIN, .data.fd = client };

                  setsockopt (client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  epoll_ctl (epoll, EPOLL_CTL_ADD, client, &cev);
                }
              continue;
            }
          for (;;)
            {
              ssize_t got = recv (fd, buffer, sizeof buffer, 0);

              if (got < 0 && (errno == EAGAIN || errno == EINTR))
                break;
              /* Echo messages are small: the socket buffer takes them whole,
               * so a blocking-style write_all never spins here. */
              if (got <= 0 || write_all (fd, buffer, got) < 0)
                {
                  epoll_ctl (epoll, EPOLL_CTL_DEL, fd, NULL);
                  close (fd);
                  break;
                }
            }
        }
    }
}

static void *
serve_one (void *data)
{
  Conn *conn = data;

  switch (conn->mode)
    {
    case SERVE_SINK:
      serve_sink (conn->fd);
      break;
    case SERVE_SOURCE:
      serve_source (conn->fd);
      break;
    case SERVE_ECHO:
      serve_echo (conn->fd);
      break;
    }
  close (conn->fd);
  free (conn);
  return NULL;
}

static int
cmd_serve (const char *mode_name)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  pthread_attr_t attr;
  ServeMode mode;
  int one = 1;
  int listener;

  if (strcmp (mode_name, "sink") == 0)
    mode = SERVE_SINK;
  else if (strcmp (mode_name, "source") == 0)
    mode = SERVE_SOURCE;
  else if (strcmp (mode_name, "echo") == 0)
    mode = SERVE_ECHO;
  else
    {
      fprintf (stderr, "bench-tool: unknown server %s\n", mode_name);
      return 2;
    }

  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0)
    die ("socket");
  setsockopt (listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (listener, (struct sockaddr *) &addr, sizeof addr) < 0
      || listen (listener, 4096) < 0
      || getsockname (listener, (struct sockaddr *) &addr, &len) < 0)
    die ("listen");
  printf ("%u\n", ntohs (addr.sin_port));
  fflush (stdout);

  if (mode == SERVE_ECHO)
    serve_echo_epoll (listener);

  pthread_attr_init (&attr);
  pthread_attr_setstacksize (&attr, THREAD_STACK);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  for (;;)
    {
      int fd = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
      pthread_t thread;
      Conn *conn;

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          if (errno == EMFILE || errno == ENFILE)
            {
              usleep (10000);
              continue;
            }
          die ("accept");
        }
      conn = malloc (sizeof *conn);
      conn->mode = mode;
      conn->fd = fd;
      if (pthread_create (&thread, &attr, serve_one, conn) != 0)
        {
          close (fd);
          free (conn);
        }
    }
}

/* Bulk clients.  A transfer that makes no progress for STALL_SECONDS is
 * reported as stalled (a broken tunnel) instead of waiting for ever. */

#define STALL_SECONDS 10.0

/* send()/recv() on a bulk socket time out after a second; a transfer is
 * stalled once STALL_SECONDS pass without a byte moving. */
static double last_progress;

static int
stalled_now (void)
{
  return (errno == EAGAIN || errno == EWOULDBLOCK) && bench_now () - last_progress >= STALL_SECONDS;
}

static int
bulk_send (int fd, const void *data, size_t len)
{
  const uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK)
                                       && !stalled_now ())))
        continue;
      if (n <= 0)
        return -1;
      last_progress = bench_now ();
      p += n;
      len -= n;
    }
  return 0;
}

static ssize_t
bulk_recv (int fd, void *data, size_t len)
{
  for (;;)
    {
      ssize_t n = recv (fd, data, len, 0);

      if (n < 0 && (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK)
                                       && !stalled_now ())))
        continue;
      if (n > 0)
        last_progress = bench_now ();
      return n;
    }
}

static int
bulk_connect (int port)
{
  struct timeval tv = { .tv_sec = 1 };
  int fd = connect_loopback (port);

  last_progress = bench_now ();

  if (fd >= 0)
    {
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
  return fd;
}

static void
print_bulk (int ok, uint64_t bytes, uint64_t moved, uint64_t received, uint64_t bad,
            int stalled, double seconds)
{
  printf ("{\"ok\": %s, \"bytes\": %llu, \"moved\": %llu, \"received\": %llu, "
          "\"bad_chunks\": %llu, \"stalled\": %s, \"seconds\": %.6f}\n",
          ok ? "true" : "false", (unsigned long long) bytes, (unsigned long long) moved,
          (unsigned long long) received, (unsigned long long) bad,
          stalled ? "true" : "false", seconds);
}

static int
cmd_upload (int port, uint64_t bytes)
{
  uint64_t reply[2] = { 0, 0 };
  uint64_t sent = 0;
  double start = bench_now ();
  int fd = bulk_connect (port);
  int stalled = 0;
  int ok;

  if (fd < 0)
    {
      printf ("{\"ok\": false, \"error\": \"connect: %s\"}\n", strerror (errno));
      return 1;
    }
  while (sent < bytes)
    {
      size_t len = bytes - sent < CHUNK ? bytes - sent : CHUNK;

      if (bulk_send (fd, pattern + sent % PATTERN_PERIOD, len) < 0)
        {
          stalled = errno == EAGAIN || errno == EWOULDBLOCK;
          break;
        }
      sent += len;
    }
  shutdown (fd, SHUT_WR);
  for (size_t got = 0; !stalled && got < sizeof reply;)
    {
      ssize_t n = bulk_recv (fd, (uint8_t *) reply + got, sizeof reply - got);

      if (n <= 0)
        {
          stalled = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
          reply[0] = reply[1] = 0;
          break;
        }
      got += n;
    }
  close (fd);
  ok = !stalled && sent == bytes && reply[0] == bytes && reply[1] == 0;
  print_bulk (ok, bytes, sent, reply[0], reply[1], stalled, bench_now () - start);
  return ok ? 0 : 1;
}

static int
cmd_download (int port, uint64_t bytes)
{
  uint8_t *buffer = malloc (CHUNK);
  uint64_t got = 0, bad = 0;
  double start = bench_now ();
  int fd = bulk_connect (port);
  int stalled = 0;
  int ok;

  if (fd < 0)
    {
      printf ("{\"ok\": false, \"error\": \"connect: %s\"}\n", strerror (errno));
      return 1;
    }
  if (bulk_send (fd, &bytes, sizeof bytes) < 0)
    bad++;
  for (;;)
    {
      ssize_t n = bulk_recv (fd, buffer, CHUNK);

      if (n < 0)
        {
          stalled = errno == EAGAIN || errno == EWOULDBLOCK;
          bad += !stalled;
          break;
        }
      if (n == 0)
        break;
      if (got + n > bytes || memcmp (buffer, pattern + got % PATTERN_PERIOD, n) != 0)
        bad++;
      got += n;
    }
  close (fd);
  ok = !stalled && got == bytes && bad == 0;
  print_bulk (ok, bytes, got, got, bad, stalled, bench_now () - start);
  free (buffer);
  return ok ? 0 : 1;
}

/* Many connections */

typedef enum { EC_IDLE, EC_CONNECTING, EC_ECHOING, EC_DONE, EC_FAILED } EchoState;

typedef struct
{
  int fd;
  EchoState state;
  unsigned index;
  unsigned sent_messages;
  size_t got;                 /* bytes of the current echo received */
  char message[MESSAGE_LEN];
  char echo[MESSAGE_LEN];
  double started;             /* connect() called */
  double sent_at;             /* current message sent */
} EchoConn;

static void
make_message (EchoConn *conn)
{
  char text[64];

  snprintf (text, sizeof text, "conn %06u msg %04u ..........................",
            conn->index % 1000000, conn->sent_messages % 10000);
  memcpy (conn->message, text, MESSAGE_LEN);
  conn->message[MESSAGE_LEN - 1] = '\n';
}

static int
send_message (EchoConn *conn)
{
  make_message (conn);
  conn->got = 0;
  conn->sent_at = bench_now ();
  return send (conn->fd, conn->message, MESSAGE_LEN, MSG_NOSIGNAL) == MESSAGE_LEN ? 0 : -1;
}

static int
cmd_echo_load (int port, unsigned conns, unsigned messages, unsigned max_connecting,
               double timeout)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
  EchoConn *all = calloc (conns, sizeof *all);
  double *first = calloc (conns, sizeof *first);
  double *connect_times = calloc (conns, sizeof *connect_times);
  double *rtts = calloc ((size_t) conns * messages, sizeof *rtts);
  size_t n_first = 0, n_connect = 0, n_rtt = 0;
  unsigned next = 0, connecting = 0, finished = 0, failed = 0, max_open = 0, open_now = 0;
  unsigned fail_connect = 0, fail_eof = 0, fail_corrupt = 0, fail_timeout = 0;
  double start = bench_now (), deadline = start + timeout, all_done;
  struct epoll_event events[256];
  int epoll = epoll_create1 (EPOLL_CLOEXEC);
  int one = 1;

  if (epoll < 0 || all == NULL || rtts == NULL)
    die ("setup");
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (max_connecting == 0)
    max_connecting = conns;

  while (finished + failed < conns && bench_now () < deadline)
    {
      int n;

      /* Start connections while fewer than max_connecting wait for their first echo. */
      for (unsigned batch = 0;
           batch < CONNECT_BATCH && next < conns && connecting < max_connecting; batch++)
        {
          EchoConn *conn = &all[next];
          struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = conn };

          conn->index = next++;
          conn->started = bench_now ();
          conn->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
          if (conn->fd < 0)
            {
              conn->state = EC_FAILED;
              failed++;
              fail_connect++;
              continue;
            }
          setsockopt (conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (connect (conn->fd, (struct sockaddr *) &addr, sizeof addr) < 0
              && errno != EINPROGRESS)
            {
              close (conn->fd);
              conn->fd = -1;
              conn->state = EC_FAILED;
              failed++;
              fail_connect++;
              continue;
            }
          conn->state = EC_CONNECTING;
          connecting++;
          if (++open_now > max_open)
            max_open = open_now;
          epoll_ctl (epoll, EPOLL_CTL_ADD, conn->fd, &ev);
        }

      /* Connections still to start: only look at what is ready, so the
       * first connections' echoes are taken while the rest start. */
      n = epoll_wait (epoll, events, 256,
                      next < conns && connecting < max_connecting ? 0 : 100);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("epoll_wait");
      for (int i = 0; i < n; i++)
        {
          EchoConn *conn = events[i].data.ptr;
          double t = bench_now ();

          if (conn->state == EC_CONNECTING)
            {
              int error = 0;
              socklen_t len = sizeof error;
              struct epoll_event ev = { .events = EPOLLIN, .data.ptr = conn };

              getsockopt (conn->fd, SOL_SOCKET, SO_ERROR, &error, &len);
              if (error != 0 || send_message (conn) < 0)
                {
                  conn->state = EC_FAILED;
                  failed++;
                  fail_connect++;
                  connecting--;
                  epoll_ctl (epoll, EPOLL_CTL_DEL, conn->fd, NULL);
                  continue;
                }
              connect_times[n_connect++] = t - conn->started;
              conn->state = EC_ECHOING;
              epoll_ctl (epoll, EPOLL_CTL_MOD, conn->fd, &ev);
              continue;
            }
          if (conn->state != EC_ECHOING)
            continue;

          for (;;)
            {
              ssize_t got = recv (conn->fd, conn->echo + conn->got, MESSAGE_LEN - conn->got, 0);

              if (got < 0 && (errno == EAGAIN || errno == EINTR))
                break;
              if (got <= 0)
                {
                  conn->state = EC_FAILED;
                  failed++;
                  fail_eof++;
                  if (conn->sent_messages == 0)
                    connecting--;
                  epoll_ctl (epoll, EPOLL_CTL_DEL, conn->fd, NULL);
                  break;
                }
              conn->got += got;
              if (conn->got < MESSAGE_LEN)
                continue;
              if (memcmp (conn->echo, conn->message, MESSAGE_LEN) != 0)
                {
                  conn->state = EC_FAILED;
                  failed++;
                  fail_corrupt++;
                  if (conn->sent_messages == 0)
                    connecting--;
                  epoll_ctl (epoll, EPOLL_CTL_DEL, conn->fd, NULL);
                  break;
                }
              rtts[n_rtt++] = t - conn->sent_at;
              if (conn->sent_messages == 0)
                {
                  first[n_first++] = t - conn->started;
                  connecting--;
                }
              if (++conn->sent_messages == messages)
                {
                  /* Kept open until every connection is done: all CONNS at once. */
                  conn->state = EC_DONE;
                  finished++;
                  epoll_ctl (epoll, EPOLL_CTL_DEL, conn->fd, NULL);
                  break;
                }
              if (send_message (conn) < 0)
                {
                  conn->state = EC_FAILED;
                  failed++;
                  fail_eof++;
                  epoll_ctl (epoll, EPOLL_CTL_DEL, conn->fd, NULL);
                  break;
                }
            }
        }
    }
  all_done = bench_now ();

  for (unsigned i = 0; i < conns; i++)
    {
      if (all[i].state == EC_CONNECTING || all[i].state == EC_ECHOING
          || (all[i].state == EC_IDLE && i >= next))
        {
          fail_timeout++;
          failed++;
        }
      if (all[i].state != EC_IDLE && all[i].fd >= 0)
        close (all[i].fd);
    }

  bench_sort (first, n_first);
  bench_sort (connect_times, n_connect);
  bench_sort (rtts, n_rtt);
  printf ("{\"ok\": %s, \"conns\": %u, \"messages\": %u, \"intact\": %u, \"failed\": %u, "
          "\"fail_connect\": %u, \"fail_eof\": %u, \"fail_corrupt\": %u, \"fail_timeout\": %u, "
          "\"max_open\": %u, \"max_connecting\": %u, \"seconds\": %.6f, "
          "\"first_p50_ms\": %.3f, \"first_p99_ms\": %.3f, \"first_max_ms\": %.3f, "
          "\"connect_p50_ms\": %.3f, \"connect_p99_ms\": %.3f, "
          "\"rtt_p50_ms\": %.3f, \"rtt_p99_ms\": %.3f, \"rtt_samples\": %zu}\n",
          failed == 0 ? "true" : "false", conns, messages, finished, failed,
          fail_connect, fail_eof, fail_corrupt, fail_timeout, max_open, max_connecting,
          all_done - start,
          bench_percentile (first, n_first, 50) * 1e3, bench_percentile (first, n_first, 99) * 1e3,
          bench_percentile (first, n_first, 100) * 1e3,
          bench_percentile (connect_times, n_connect, 50) * 1e3,
          bench_percentile (connect_times, n_connect, 99) * 1e3,
          bench_percentile (rtts, n_rtt, 50) * 1e3, bench_percentile (rtts, n_rtt, 99) * 1e3, n_rtt);
  return failed == 0 ? 0 : 1;
}

/* Sequential connect + 1-byte echo */

static int
cmd_latency (int port, unsigned count)
{
  double *samples = calloc (count, sizeof *samples);
  unsigned failures = 0, n = 0;
  double sum = 0;
  int one = 1;

  for (unsigned i = 0; i < count; i++)
    {
      char out = (char) ('a' + i % 26), in = 0;
      double start = bench_now ();
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons (port) };
      struct timeval tv = { .tv_sec = 10 };

      addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0
          || write_all (fd, &out, 1) < 0 || read_all (fd, &in, 1) < 0 || in != out)
        {
          failures++;
          close (fd);
          continue;
        }
      samples[n] = bench_now () - start;
      sum += samples[n++];
      close (fd);
    }
  bench_sort (samples, n);
  printf ("{\"ok\": %s, \"count\": %u, \"failures\": %u, \"median_ms\": %.4f, "
          "\"p99_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, \"mean_ms\": %.4f}\n",
          failures == 0 ? "true" : "false", count, failures,
          bench_percentile (samples, n, 50) * 1e3, bench_percentile (samples, n, 99) * 1e3,
          n > 0 ? samples[0] * 1e3 : -1, n > 0 ? samples[n - 1] * 1e3 : -1,
          n > 0 ? sum / n * 1e3 : -1);
  return failures == 0 ? 0 : 1;
}

static void
usage (void)
{
  fprintf (stderr,
           "usage: bench-tool serve sink|source|echo\n"
           "       bench-tool upload|download PORT BYTES\n"
           "       bench-tool echo-load PORT CONNS MSGS [MAX_CONNECTING] [TIMEOUT_S]\n"
           "       bench-tool latency PORT COUNT\n");
  exit (2);
}

int
main (int argc, char *argv[])
{
  signal (SIGPIPE, SIG_IGN);
  make_pattern ();
  if (argc == 3 && strcmp (argv[1], "serve") == 0)
    return cmd_serve (argv[2]);
  if (argc == 4 && strcmp (argv[1], "upload") == 0)
    return cmd_upload (atoi (argv[2]), strtoull (argv[3], NULL, 10));
  if (argc == 4 && strcmp (argv[1], "download") == 0)
    return cmd_download (atoi (argv[2]), strtoull (argv[3], NULL, 10));
  if (argc >= 5 && argc <= 7 && strcmp (argv[1], "echo-load") == 0)
    return cmd_echo_load (atoi (argv[2]), atoi (argv[3]), atoi (argv[4]),
                          argc > 5 ? atoi (argv[5]) : 0, argc > 6 ? atof (argv[6]) : 60);
  if (argc == 4 && strcmp (argv[1], "latency") == 0)
    return cmd_latency (atoi (argv[2]), atoi (argv[3]));
  usage ();
  return 2;
}
