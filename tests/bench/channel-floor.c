// SPDX-License-Identifier: GPL-3.0-or-later
/* channel-floor: how fast an SSH server opens many direct-tcpip channels on
 * ONE SSH connection and echoes the first message on each, with the thinnest
 * client there is: plain libssh in one thread, no broker, no GLib, no local
 * sockets.  The floor under Burrow's "1000 connections at once" figures
 * (tests/bench/channel-floor runs it; tests/bench/README.md).
 *
 *   channel-floor SSHD_PORT KEYFILE KNOWN_HOSTS USER TARGET_PORT CONNS MSGS [TIMEOUT_S]
 *   channel-floor seq SSHD_PORT KEYFILE KNOWN_HOSTS USER TARGET_PORT COUNT [WAIT_CLOSE]
 *
 * Connects to 127.0.0.1:SSHD_PORT, checks the host key against KNOWN_HOSTS
 * only, authenticates with the key in KEYFILE, then, non-blocking, sends
 * CONNS channel opens to 127.0.0.1:TARGET_PORT at once.  Each channel writes
 * a 32-byte message as soon as its open is confirmed and waits for the same
 * 32 bytes back before the next, MSGS times; every channel stays open until
 * all are done.  MSGS 0 only opens them.  Prints one JSON object on stdout
 * (times in ms from the channel's open request): first echo p50/p99/max,
 * open confirmation p50/p99, all_open_ms (the last confirmation, from the
 * first request), echo round trips; exit 0 when every channel opened and
 * echoed intact within TIMEOUT_S (60), 1 otherwise, 2 on setup errors.
 *
 * seq: the sequential floor under `latency` and `capture`.  On the same kind
 * of session, COUNT times one after the other: open a direct-tcpip channel
 * to TARGET_PORT, write 1 byte, read the 1-byte echo, send EOF + CLOSE.
 * With WAIT_CLOSE 1 (the default) the next open waits for the server's
 * CLOSE; with 0 it follows at once (the server's EOF/CLOSE of the old
 * channel are handled while the next one runs, as a forwarder would).
 * Prints JSON with median/p99/min of "echo" (open request to the echo) and,
 * with WAIT_CLOSE, "closed" (open request to the server's CLOSE), and
 * "cycle" (one iteration, start to start).  Every wait is bounded: 10 s per
 * step. */

#define _GNU_SOURCE
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-libssh.h"
#include "bench-stats.h"

#define MESSAGE_LEN 32
/* Channel opens sent between two looks at the channels ready to write. */
#define OPEN_BATCH 16

typedef enum { CH_OPENING, CH_ECHOING, CH_DONE, CH_FAILED } ChanState;

typedef struct Load Load;

typedef struct
{
  struct ssh_channel_callbacks_struct callbacks;
  Load *load;
  ssh_channel channel;
  ChanState state;
  unsigned index;
  unsigned sent;              /* messages sent */
  size_t got;                 /* bytes of the current echo received */
  char message[MESSAGE_LEN];
  char echo[MESSAGE_LEN];
  double requested;           /* open request sent */
  double sent_at;
} Chan;

struct Load
{
  Chan *chans;
  unsigned conns, messages;
  unsigned *ready;            /* ring of channels waiting to write their next message */
  unsigned ready_head, ready_len;
  unsigned opened, done, failed;
  unsigned fail_open, fail_eof, fail_corrupt, fail_write;
  double *first, *open_times, *rtts;
  size_t n_first, n_open, n_rtt;
  double last_open;
};

static void
push_ready (Load *load, Chan *chan)
{
  load->ready[(load->ready_head + load->ready_len++) % load->conns] = chan->index;
}

static void
fail (Load *load, Chan *chan, unsigned *kind)
{
  if (chan->state == CH_DONE || chan->state == CH_FAILED)
    return;
  chan->state = CH_FAILED;
  load->failed++;
  (*kind)++;
}

static void
on_open_response (ssh_session session, ssh_channel channel, bool is_success, void *userdata)
{
  Chan *chan = userdata;
  Load *load = chan->load;
  double t = bench_now ();

  (void) session;
  (void) channel;
  if (!is_success)
    {
      fail (load, chan, &load->fail_open);
      return;
    }
  load->opened++;
  load->last_open = t;
  load->open_times[load->n_open++] = t - chan->requested;
  if (load->messages == 0)
    {
      chan->state = CH_DONE;
      load->done++;
      return;
    }
  chan->state = CH_ECHOING;
  push_ready (load, chan);
}

/* Writing is left to the main loop: no libssh call from inside its packet
 * handling. */
static int
on_data (ssh_session session, ssh_channel channel, void *data, uint32_t len, int is_stderr,
         void *userdata)
{
  Chan *chan = userdata;
  Load *load = chan->load;
  double t = bench_now ();

  (void) session;
  (void) channel;
  if (chan->state != CH_ECHOING)
    return len;
  if (is_stderr || chan->got + len > MESSAGE_LEN)
    {
      fail (load, chan, &load->fail_corrupt);
      return len;
    }
  memcpy (chan->echo + chan->got, data, len);
  chan->got += len;
  if (chan->got < MESSAGE_LEN)
    return len;
  if (memcmp (chan->echo, chan->message, MESSAGE_LEN) != 0)
    {
      fail (load, chan, &load->fail_corrupt);
      return len;
    }
  load->rtts[load->n_rtt++] = t - chan->sent_at;
  if (chan->sent == 1)
    load->first[load->n_first++] = t - chan->requested;
  if (chan->sent == load->messages)
    {
      /* Kept open until every channel is done: all CONNS at once. */
      chan->state = CH_DONE;
      load->done++;
      return len;
    }
  push_ready (load, chan);
  return len;
}

static void
on_gone (ssh_session session, ssh_channel channel, void *userdata)
{
  Chan *chan = userdata;

  (void) session;
  (void) channel;
  fail (chan->load, chan, &chan->load->fail_eof);
}

static void
send_message (Load *load, Chan *chan)
{
  char text[64];

  snprintf (text, sizeof text, "chan %06u msg %04u ..........................",
            chan->index % 1000000, chan->sent % 10000);
  memcpy (chan->message, text, MESSAGE_LEN);
  chan->message[MESSAGE_LEN - 1] = '\n';
  chan->got = 0;
  chan->sent_at = bench_now ();
  chan->sent++;
  if (ssh_channel_write (chan->channel, chan->message, MESSAGE_LEN) != MESSAGE_LEN)
    fail (load, chan, &load->fail_write);
}

/* Bounded by the ring's length at entry: a channel pushed while writing
 * waits for the next turn. */
static void
write_ready (Load *load)
{
  unsigned n = load->ready_len;

  for (unsigned i = 0; i < n; i++)
    {
      Chan *chan = &load->chans[load->ready[load->ready_head]];

      load->ready_head = (load->ready_head + 1) % load->conns;
      load->ready_len--;
      if (chan->state == CH_ECHOING)
        send_message (load, chan);
    }
}

static void
open_channel (Load *load, ssh_session session, Chan *chan, int target_port)
{
  chan->channel = ssh_channel_new (session);
  if (chan->channel == NULL)
    {
      fail (load, chan, &load->fail_open);
      return;
    }
  chan->callbacks.userdata = chan;
  chan->callbacks.channel_open_response_function = on_open_response;
  chan->callbacks.channel_data_function = on_data;
  chan->callbacks.channel_eof_function = on_gone;
  chan->callbacks.channel_close_function = on_gone;
  ssh_callbacks_init (&chan->callbacks);
  ssh_set_channel_callbacks (chan->channel, &chan->callbacks);
  chan->state = CH_OPENING;
  chan->requested = bench_now ();
  /* Non-blocking: sends CHANNEL_OPEN and returns SSH_AGAIN; the confirmation
   * arrives through on_open_response. */
  if (ssh_channel_open_forward (chan->channel, "127.0.0.1", target_port,
                                "127.0.0.1", 0) == SSH_ERROR)
    fail (load, chan, &load->fail_open);
}

static void
print_result (Load *load, bool ok, double start, double end, double setup)
{
  unsigned timed_out = load->conns - load->done - load->failed;

  bench_sort (load->open_times, load->n_open);
  bench_sort (load->first, load->n_first);
  bench_sort (load->rtts, load->n_rtt);

  printf ("{\"ok\": %s, \"conns\": %u, \"messages\": %u, \"opened\": %u, \"intact\": %u, "
          "\"failed\": %u, \"fail_open\": %u, \"fail_eof\": %u, \"fail_corrupt\": %u, "
          "\"fail_write\": %u, \"fail_timeout\": %u, \"setup_ms\": %.3f, \"seconds\": %.6f, "
          "\"all_open_ms\": %.3f, \"open_p50_ms\": %.3f, \"open_p99_ms\": %.3f, "
          "\"first_p50_ms\": %.3f, \"first_p99_ms\": %.3f, \"first_max_ms\": %.3f, "
          "\"rtt_p50_ms\": %.3f, \"rtt_p99_ms\": %.3f, \"rtt_samples\": %zu}\n",
          ok ? "true" : "false", load->conns, load->messages, load->opened, load->done,
          load->failed + timed_out, load->fail_open, load->fail_eof, load->fail_corrupt,
          load->fail_write, timed_out, setup * 1e3, end - start,
          load->opened ? (load->last_open - start) * 1e3 : -1.0,
          bench_percentile (load->open_times, load->n_open, 50) * 1e3,
          bench_percentile (load->open_times, load->n_open, 99) * 1e3,
          bench_percentile (load->first, load->n_first, 50) * 1e3,
          bench_percentile (load->first, load->n_first, 99) * 1e3,
          bench_percentile (load->first, load->n_first, 100) * 1e3,
          bench_percentile (load->rtts, load->n_rtt, 50) * 1e3,
          bench_percentile (load->rtts, load->n_rtt, 99) * 1e3, load->n_rtt);
}

/* Sequential mode */

typedef struct
{
  struct ssh_channel_callbacks_struct callbacks;
  bool opened, failed, remote_closed;
  size_t got;
  char echo;
} SeqChan;

static void
seq_on_open (ssh_session session, ssh_channel channel, bool is_success, void *userdata)
{
  SeqChan *chan = userdata;

  (void) session;
  (void) channel;
  if (is_success)
    chan->opened = true;
  else
    chan->failed = true;
}

static int
seq_on_data (ssh_session session, ssh_channel channel, void *data, uint32_t len,
             int is_stderr, void *userdata)
{
  SeqChan *chan = userdata;

  (void) session;
  (void) channel;
  if (is_stderr || chan->got + len > 1)
    chan->failed = true;
  else if (len == 1)
    chan->echo = *(char *) data;
  chan->got += len;
  return len;
}

static void
seq_on_close (ssh_session session, ssh_channel channel, void *userdata)
{
  SeqChan *chan = userdata;

  (void) session;
  (void) channel;
  chan->remote_closed = true;
}

/* Polls until *@flag or *@failed, at most 10 s; false on a timeout or an
 * error. */
static bool
seq_wait (ssh_session session, ssh_event event, bool *flag, bool *failed)
{
  double deadline = bench_now () + 10;

  while (!*flag && !*failed)
    {
      if (bench_now () > deadline)
        return false;
      if (ssh_event_dopoll (event, 100) == SSH_ERROR)
        {
          fprintf (stderr, "channel-floor: %s\n", ssh_get_error (session));
          return false;
        }
    }
  return *flag;
}

static int
cmd_seq (int argc, char *argv[])
{
  ssh_session session;
  ssh_event event;
  SeqChan *chans;
  double *echo_times, *closed_times, *cycles;
  unsigned count, n = 0, failures = 0;
  int target_port;
  bool wait_close = true;
  double start, begin;

  if (argc != 8 && argc != 9)
    {
      fprintf (stderr, "usage: channel-floor seq SSHD_PORT KEYFILE KNOWN_HOSTS USER "
               "TARGET_PORT COUNT [WAIT_CLOSE]\n");
      return 2;
    }
  target_port = atoi (argv[6]);
  count = (unsigned) strtoul (argv[7], NULL, 10);
  if (argc == 9)
    wait_close = atoi (argv[8]) != 0;
  if (count == 0 || count > 1000000)
    {
      fprintf (stderr, "channel-floor: COUNT 1..1000000\n");
      return 2;
    }
  /* One callback struct per channel: without WAIT_CLOSE a channel's last
   * callbacks run while later ones are in use. */
  chans = calloc (count, sizeof *chans);
  echo_times = calloc (count, sizeof *echo_times);
  closed_times = calloc (count, sizeof *closed_times);
  cycles = calloc (count, sizeof *cycles);
  if (!chans || !echo_times || !closed_times || !cycles)
    return 2;

  ssh_init ();
  session = bench_connect_session ("channel-floor", atoi (argv[2]), argv[3], argv[4], argv[5]);
  ssh_set_blocking (session, 0);
  event = ssh_event_new ();
  if (event == NULL || ssh_event_add_session (event, session) != SSH_OK)
    return 2;

  begin = bench_now ();
  for (unsigned i = 0; i < count; i++)
    {
      SeqChan *chan = &chans[i];
      ssh_channel channel = ssh_channel_new (session);
      char out = (char) ('a' + i % 26);
      bool ok;

      start = bench_now ();
      if (channel == NULL)
        {
          failures++;
          break;
        }
      chan->callbacks.userdata = chan;
      chan->callbacks.channel_open_response_function = seq_on_open;
      chan->callbacks.channel_data_function = seq_on_data;
      chan->callbacks.channel_close_function = seq_on_close;
      ssh_callbacks_init (&chan->callbacks);
      ssh_set_channel_callbacks (channel, &chan->callbacks);
      ok = ssh_channel_open_forward (channel, "127.0.0.1", target_port, "127.0.0.1", 0)
           != SSH_ERROR
           && seq_wait (session, event, &chan->opened, &chan->failed)
           && ssh_channel_write (channel, &out, 1) == 1;
      if (ok)
        {
          /* got becomes 1 with the echo: wait on a bool that follows it. */
          double deadline = bench_now () + 10;

          while (chan->got < 1 && !chan->failed && bench_now () < deadline)
            if (ssh_event_dopoll (event, 100) == SSH_ERROR)
              break;
          ok = chan->got == 1 && !chan->failed && chan->echo == out;
        }
      if (!ok)
        {
          failures++;
          ssh_channel_free (channel);
          break;
        }
      echo_times[n] = bench_now () - start;
      if (ssh_channel_close (channel) == SSH_ERROR)     /* EOF, then CLOSE */
        {
          failures++;
          break;
        }
      if (wait_close)
        {
          if (!seq_wait (session, event, &chan->remote_closed, &chan->failed))
            {
              failures++;
              break;
            }
          closed_times[n] = bench_now () - start;
        }
      /* Without WAIT_CLOSE libssh frees it once the server's CLOSE arrives. */
      ssh_channel_free (channel);
      cycles[n] = bench_now () - start;
      n++;
    }

  {
    double total = bench_now () - begin;

    bench_sort (echo_times, n);
    bench_sort (closed_times, wait_close ? n : 0);
    bench_sort (cycles, n);

    printf ("{\"ok\": %s, \"count\": %u, \"done\": %u, \"failures\": %u, \"wait_close\": %s, "
            "\"seconds\": %.6f, "
            "\"echo_median_ms\": %.4f, \"echo_p99_ms\": %.4f, \"echo_min_ms\": %.4f, "
            "\"closed_median_ms\": %.4f, \"closed_p99_ms\": %.4f, \"closed_min_ms\": %.4f, "
            "\"cycle_median_ms\": %.4f, \"cycle_p99_ms\": %.4f, \"cycle_mean_ms\": %.4f}\n",
            failures == 0 && n == count ? "true" : "false", count, n, failures,
            wait_close ? "true" : "false", total,
            bench_percentile (echo_times, n, 50) * 1e3, bench_percentile (echo_times, n, 99) * 1e3,
            bench_percentile (echo_times, n, 0) * 1e3,
            wait_close ? bench_percentile (closed_times, n, 50) * 1e3 : -1.0,
            wait_close ? bench_percentile (closed_times, n, 99) * 1e3 : -1.0,
            wait_close ? bench_percentile (closed_times, n, 0) * 1e3 : -1.0,
            bench_percentile (cycles, n, 50) * 1e3, bench_percentile (cycles, n, 99) * 1e3,
            n ? total / n * 1e3 : -1.0);
    fflush (stdout);
  }

  ssh_event_remove_session (event, session);
  ssh_event_free (event);
  ssh_disconnect (session);
  ssh_free (session);
  ssh_finalize ();
  return failures == 0 && n == count ? 0 : 1;
}

int
main (int argc, char *argv[])
{
  Load load = { 0 };
  ssh_session session;
  ssh_event event;
  double begin = bench_now (), start, deadline, timeout = 60;
  int target_port;
  bool ok;

  if (argc > 1 && strcmp (argv[1], "seq") == 0)
    return cmd_seq (argc, argv);
  if (argc != 8 && argc != 9)
    {
      fprintf (stderr, "usage: channel-floor SSHD_PORT KEYFILE KNOWN_HOSTS USER TARGET_PORT "
               "CONNS MSGS [TIMEOUT_S]\n");
      return 2;
    }
  target_port = atoi (argv[5]);
  load.conns = (unsigned) strtoul (argv[6], NULL, 10);
  load.messages = (unsigned) strtoul (argv[7], NULL, 10);
  if (argc == 9)
    timeout = atof (argv[8]);
  if (load.conns == 0 || load.conns > 100000 || load.messages > 100000)
    {
      fprintf (stderr, "channel-floor: CONNS 1..100000, MSGS 0..100000\n");
      return 2;
    }
  load.chans = calloc (load.conns, sizeof *load.chans);
  load.ready = calloc (load.conns, sizeof *load.ready);
  load.first = calloc (load.conns, sizeof *load.first);
  load.open_times = calloc (load.conns, sizeof *load.open_times);
  load.rtts = calloc ((size_t) load.conns * (load.messages ? load.messages : 1),
                      sizeof *load.rtts);
  if (!load.chans || !load.ready || !load.first || !load.open_times || !load.rtts)
    return 2;

  ssh_init ();
  session = bench_connect_session ("channel-floor", atoi (argv[1]), argv[2], argv[3], argv[4]);
  ssh_set_blocking (session, 0);
  event = ssh_event_new ();
  if (event == NULL || ssh_event_add_session (event, session) != SSH_OK)
    return 2;

  start = bench_now ();
  deadline = start + timeout;
  for (unsigned i = 0; i < load.conns; i++)
    {
      load.chans[i].index = i;
      load.chans[i].load = &load;
      open_channel (&load, session, &load.chans[i], target_port);
      if (i % OPEN_BATCH == OPEN_BATCH - 1)
        write_ready (&load);
    }
  while (load.done + load.failed < load.conns && bench_now () < deadline)
    {
      write_ready (&load);
      if (ssh_event_dopoll (event, 100) == SSH_ERROR)
        {
          fprintf (stderr, "channel-floor: %s\n", ssh_get_error (session));
          break;
        }
    }
  ok = load.done == load.conns;
  print_result (&load, ok, start, bench_now (), start - begin);
  fflush (stdout);

  /* Frees every channel too; nothing waits for sshd's answers. */
  ssh_event_remove_session (event, session);
  ssh_event_free (event);
  ssh_disconnect (session);
  ssh_free (session);
  ssh_finalize ();
  return ok ? 0 : 1;
}
