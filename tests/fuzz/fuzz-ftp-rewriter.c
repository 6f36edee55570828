// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for the FTP control-channel rewriter.  The first byte of the
 * input picks the chunk size (0: whole segments); the rest is a script of
 * segments, each a header byte (bit 0: 0 from the client, 1 from the
 * server; the other bits: length - 1, up to 128) and its bytes.  Every
 * event is answered at once, the answer picked by its id.  Besides memory
 * safety it checks that the buffers stay bounded, that at most
 * BROKER_FTP_MAX_PENDING forwards are pending, that every PORT/EPRT sent to
 * the server before TLS names the remote forward the tunnel gave, that no
 * LPRT/LPSV is sent, and that the script fed in chunks and whole gives the
 * same bytes and events. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "broker-ftp-rewriter.h"
#include "fuzz-require.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

#define LINE_MAX_BYTES 2048
#define REMOTE_ADDRESS "127.0.0.1"

typedef struct
{
  GByteArray *to_server;
  GByteArray *to_client;
  GString *events;
  gboolean failed;
  gsize checked;                /* bytes of @to_server checked for PORT/EPRT */
  gboolean tls;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->to_server, g_byte_array_unref);
  g_clear_pointer (&outcome->to_client, g_byte_array_unref);
  if (outcome->events != NULL)
    g_string_free (g_steal_pointer (&outcome->events), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
require (gboolean    condition,
         const char *what,
         const char *detail)
{
  fuzz_require_round_trip ("fuzz-ftp-rewriter", condition, what,
                           "(binary, see the crash file)", detail);
}

static gboolean
starts_with_verb (const guint8 *line,
                  gsize         length,
                  const char   *verb)
{
  return length >= 4 && g_ascii_strncasecmp ((const char *) line, verb, 4) == 0 &&
         (length == 4 || line[4] == ' ' || line[4] == '\r' || line[4] == '\n');
}

/* One line sent to the server, its Telnet IAC sequences skipped as the
 * rewriter skips them. */
static void
check_server_line (const guint8 *line,
                   gsize         length)
{
  gsize i = 0;

  while (i < length && line[i] == 0xff)
    i += i + 1 < length && line[i + 1] >= 0xfb && line[i + 1] < 0xff ? 3 : 2;
  if (i >= length)
    return;
  line += i;
  length -= i;
  /* Longer lines stream through unparsed. */
  if (i + length <= LINE_MAX_BYTES)
    {
      const guint8 *cr = memchr (line, '\r', length);

      require (cr == NULL || cr + 2 == line + length,
               "a command with a bare CR went to the server", NULL);
    }
  require (!starts_with_verb (line, length, "LPRT") && !starts_with_verb (line, length, "LPSV"),
           "an LPRT or LPSV went to the server", NULL);
  if (starts_with_verb (line, length, "PORT"))
    require (length > 15 && memcmp (line, "PORT 127,0,0,1,", 15) == 0,
             "a PORT that does not name the remote forward went to the server", NULL);
  if (starts_with_verb (line, length, "EPRT"))
    require (length > 18 && memcmp (line, "EPRT |1|127.0.0.1|", 18) == 0,
             "an EPRT that does not name the remote forward went to the server", NULL);
}

/* The complete lines sent to the server since the last check. */
static void
check_to_server (Outcome *outcome)
{
  const guint8 *data = outcome->to_server->data;
  gsize end = outcome->to_server->len;

  while (outcome->checked < end)
    {
      const guint8 *start = data + outcome->checked;
      const guint8 *lf = memchr (start, '\n', end - outcome->checked);

      if (lf == NULL)
        return;
      check_server_line (start, lf - start + 1);
      outcome->checked += lf - start + 1;
    }
}

static void
check_bounded (BrokerFtpRewriter *rewriter)
{
  gsize limit = 0;

  for (BrokerFtpDirection from = BROKER_FTP_FROM_CLIENT; from <= BROKER_FTP_FROM_SERVER; from++)
    limit += broker_ftp_rewriter_get_held (rewriter, from) ? BROKER_FTP_MAX_HELD
                                                            : LINE_MAX_BYTES - 1;
  require (broker_ftp_rewriter_get_buffered (rewriter) <= limit,
           "more is buffered than a partial line per side that is not held", NULL);
  require (broker_ftp_rewriter_get_pending (rewriter) <= BROKER_FTP_MAX_PENDING,
           "more forwards pending than allowed", NULL);
}

/* After each call: the invariants, and the PORT check until TLS.  The bytes
 * of the call that turned TLS on are not checked: once AUTH succeeded the
 * client may say anything. */
static void
after_call (BrokerFtpRewriter *rewriter,
            Outcome           *outcome)
{
  check_bounded (rewriter);
  if (outcome->tls)
    return;
  if (broker_ftp_rewriter_get_tls (rewriter))
    {
      outcome->tls = TRUE;
      return;
    }
  check_to_server (outcome);
}

static void
describe_event (GString              *text,
                const BrokerFtpEvent *event)
{
  g_string_append_printf (text, "%d %u %u %s\n", event->kind, event->id, event->port,
                          event->detail != NULL ? event->detail : "-");
  if (event->kind == BROKER_FTP_EVENT_PASSIVE || event->kind == BROKER_FTP_EVENT_ACTIVE)
    require (event->id != 0 && event->port != 0 && event->detail == NULL,
             "a data event without an id or a port", NULL);
  else
    require (event->id == 0, "an id on an event that needs no answer", NULL);
}

/* Every fifth request fails; every third is given back with forward_done()
 * as it is answered.  It is given back before the answer: the answer goes
 * on to handle the lines held behind the request, and those may be as many
 * as a chunk holds, so a slot given back after it would be free for some
 * of them in one run and not in the other. */
static void
answer (BrokerFtpRewriter    *rewriter,
        const BrokerFtpEvent *event,
        GPtrArray            *events,
        Outcome              *outcome)
{
  guint id = event->id;
  guint16 port = 40000 + id % 1000;

  if (id != 0 && id % 3 == 0)
    broker_ftp_rewriter_forward_done (rewriter, id);

  if (event->kind == BROKER_FTP_EVENT_PASSIVE && id % 5 == 0)
    broker_ftp_rewriter_passive_failed (rewriter, id, outcome->to_server, outcome->to_client,
                                        events);
  else if (event->kind == BROKER_FTP_EVENT_PASSIVE)
    broker_ftp_rewriter_passive_ready (rewriter, id, id % 3 == 0 ? "::1" : "127.0.0.1", port, outcome->to_server,
                                       outcome->to_client, events);
  else if (event->kind == BROKER_FTP_EVENT_ACTIVE && id % 5 == 0)
    broker_ftp_rewriter_active_failed (rewriter, id, outcome->to_server, outcome->to_client,
                                       events);
  else if (event->kind == BROKER_FTP_EVENT_ACTIVE)
    broker_ftp_rewriter_active_ready (rewriter, id, REMOTE_ADDRESS, port, outcome->to_server,
                                      outcome->to_client, events);
  else
    return;
  after_call (rewriter, outcome);
}

static void
answer_all (BrokerFtpRewriter *rewriter,
            GPtrArray         *events,
            Outcome           *outcome)
{
  for (guint i = 0; i < events->len; i++)
    {
      describe_event (outcome->events, events->pdata[i]);
      answer (rewriter, events->pdata[i], events, outcome);
    }
  g_ptr_array_set_size (events, 0);
}

static void
feed (BrokerFtpRewriter  *rewriter,
      BrokerFtpDirection  from,
      const guint8       *data,
      gsize               length,
      Outcome            *outcome)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
  g_autoptr(GError) error = NULL;

  if (!broker_ftp_rewriter_feed (rewriter, from, data, length, outcome->to_server,
                                 outcome->to_client, events, &error))
    {
      require (error != NULL, "a failed feed without an error", NULL);
      outcome->failed = TRUE;
    }
  after_call (rewriter, outcome);
  answer_all (rewriter, events, outcome);
}

static void
run (const guint8 *data,
     gsize         length,
     gsize         chunk,
     Outcome      *outcome)
{
  g_autoptr(BrokerFtpRewriter) rewriter = broker_ftp_rewriter_new ("127.0.0.1");
  gsize offset = 0;

  outcome->to_server = g_byte_array_new ();
  outcome->to_client = g_byte_array_new ();
  outcome->events = g_string_new (NULL);
  while (offset < length && !outcome->failed)
    {
      BrokerFtpDirection from = data[offset] & 1 ? BROKER_FTP_FROM_SERVER
                                                 : BROKER_FTP_FROM_CLIENT;
      gsize end = MIN (offset + 1 + (data[offset] >> 1) + 1, length);

      for (offset++; offset < end && !outcome->failed; offset += MIN (chunk, end - offset))
        feed (rewriter, from, data + offset, MIN (chunk, end - offset), outcome);
    }
}

static void
require_same (const Outcome *a,
              const Outcome *b)
{
  require (a->failed == b->failed, "a feed fails depending on the chunk size", NULL);
  require (a->to_server->len == b->to_server->len &&
           (a->to_server->len == 0 ||
            memcmp (a->to_server->data, b->to_server->data, a->to_server->len) == 0),
           "the bytes to the server depend on the chunk size", NULL);
  require (a->to_client->len == b->to_client->len &&
           (a->to_client->len == 0 ||
            memcmp (a->to_client->data, b->to_client->data, a->to_client->len) == 0),
           "the bytes to the client depend on the chunk size", NULL);
  require (g_str_equal (a->events->str, b->events->str),
           "the events depend on the chunk size", a->events->str);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(Outcome) chunked = { 0 };
  g_auto(Outcome) whole = { 0 };
  gsize chunk;

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (size == 0)
    return 0;
  chunk = data[0] != 0 ? data[0] : size;
  run (data + 1, size - 1, chunk, &chunked);
  run (data + 1, size - 1, size, &whole);
  /* A side held while a whole segment comes in may overflow where small
   * chunks, answered in between, do not; below the limit they must agree. */
  if (size <= BROKER_FTP_MAX_HELD)
    require_same (&chunked, &whole);
  return 0;
}
