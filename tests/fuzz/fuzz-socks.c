// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for the SOCKS4/4a/5 request parser of dynamic tunnels.  The
 * first byte of the input picks the chunk size (0: all at once), the rest
 * is what a client sends.  Besides memory safety it checks every feed's
 * status against what it consumed and appended, that a request has a host
 * of 1-255 bytes and a port, that the handshake never reads more than the
 * longest one the protocols allow, that nothing is accepted after the end,
 * and that the input fed whole gives the same outcome as in chunks. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "broker-error.h"
#include "broker-socks.h"
#include "fuzz-require.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* SOCKS4a: 8-byte header, 255-byte user id, 255-byte host name, two NULs.
 * SOCKS5 stays below it (2 + 255 + 4 + 1 + 255 + 2). */
#define LONGEST_HANDSHAKE (8 + 255 + 1 + 255 + 1)

typedef struct
{
  BrokerSocksStatus status;
  gsize consumed;
  guint replies;
  GByteArray *reply;
  char *message;
  guint version;
  char *host;
  guint16 port;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->reply, g_byte_array_unref);
  g_clear_pointer (&outcome->message, g_free);
  g_clear_pointer (&outcome->host, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
require (gboolean    condition,
         const char *what,
         const char *detail)
{
  fuzz_require_round_trip ("fuzz-socks", condition, what, "(binary, see the crash file)",
                           detail);
}

static gboolean
appended_is (const GByteArray *reply,
             guint             before,
             const char       *bytes,
             gsize             length)
{
  return reply->len - before == length && memcmp (reply->data + before, bytes, length) == 0;
}

/* A refusal sends nothing, "no acceptable method", or a failure reply of
 * the version spoken. */
static void
check_refusal_reply (const GByteArray *reply,
                     guint             before,
                     guint             version)
{
  guint length = reply->len - before;
  const guint8 *added;

  if (length == 0)
    return;
  added = reply->data + before;
  if (length == 2)
    require (version == 5 && appended_is (reply, before, "\x05\xff", 2),
             "a two-byte refusal is not the SOCKS5 05 FF", NULL);
  else if (version == 4)
    require (appended_is (reply, before, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8),
             "a SOCKS4 refusal is not 00 5B and six zeros", NULL);
  else
    require (length == 10 && added[0] == 5 && added[1] != 0 &&
             memcmp (added + 2, "\x00\x01\x00\x00\x00\x00\x00\x00", 8) == 0,
             "a SOCKS5 refusal is not 05 REP 00 01 and six zeros", NULL);
}

static void
check_request (BrokerSocks *socks)
{
  const char *host = broker_socks_get_host (socks);
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  guint version = broker_socks_get_version (socks);

  require (version == 4 || version == 5, "a request without a version", NULL);
  require (host != NULL && *host != '\0' && strlen (host) <= 255,
           "a request's host is empty or longer than 255 bytes", host);
  for (const char *p = host; *p != '\0'; p++)
    require (*p > 0x20 && *p < 0x7f, "a host with a byte outside printable ASCII", host);
  require (broker_socks_get_port (socks) != 0, "a request for port 0", host);
  broker_socks_reply (socks, TRUE, reply);
  broker_socks_reply (socks, FALSE, reply);
  require (reply->len == (version == 4 ? 16u : 20u), "a reply has the wrong length", host);
}

/* The checks of one feed; returns what it consumed. */
static gsize
feed_once (BrokerSocks  *socks,
           const guint8 *data,
           gsize         length,
           Outcome      *outcome)
{
  g_autoptr(GError) error = NULL;
  guint before = outcome->reply->len;
  gsize consumed = G_MAXSIZE;

  outcome->status = broker_socks_feed (socks, data, length, &consumed, outcome->reply, &error);
  require (consumed <= length, "consumed more than it was given", NULL);
  outcome->consumed += consumed;
  require (outcome->consumed <= LONGEST_HANDSHAKE, "read past the longest handshake", NULL);
  require ((error != NULL) == (outcome->status == BROKER_SOCKS_ERROR),
           "an error without ERROR or ERROR without an error", NULL);
  switch (outcome->status)
    {
    case BROKER_SOCKS_NEED_MORE:
      require (consumed == length && outcome->reply->len == before,
               "NEED_MORE left input or sent a reply", NULL);
      break;
    case BROKER_SOCKS_REPLY:
      require (consumed > 0 && outcome->replies == 0 &&
               appended_is (outcome->reply, before, "\x05\x00", 2),
               "REPLY is not one SOCKS5 method choice", NULL);
      outcome->replies++;
      break;
    case BROKER_SOCKS_REQUEST:
      require (consumed > 0 && outcome->reply->len == before, "REQUEST sent a reply", NULL);
      check_request (socks);
      break;
    case BROKER_SOCKS_ERROR:
      require (g_error_matches (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS) &&
               g_utf8_validate (error->message, -1, NULL),
               "a refusal is not BROKER_ERROR_INVALID_ARGS with a UTF-8 message", NULL);
      check_refusal_reply (outcome->reply, before, broker_socks_get_version (socks));
      outcome->message = g_strdup (error->message);
      break;
    default:
      require (FALSE, "an unknown status", NULL);
    }
  return consumed;
}

/* Once the handshake is over, feeding is an error that takes nothing. */
static void
check_over (BrokerSocks  *socks,
            const guint8 *data,
            gsize         length)
{
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize consumed = G_MAXSIZE;

  require (broker_socks_feed (socks, data, length, &consumed, reply, &error) ==
           BROKER_SOCKS_ERROR && consumed == 0 && reply->len == 0 &&
           g_error_matches (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS),
           "a feed after the end was not refused", NULL);
}

/* Feeds @length bytes in chunks of @chunk until the handshake is over. */
static void
feed_all (BrokerSocks  *socks,
          const guint8 *data,
          gsize         length,
          gsize         chunk,
          Outcome      *outcome)
{
  gsize offset = 0;

  while (offset < length)
    {
      gsize end = MIN (offset + chunk, length);

      /* After a REPLY, the rest of the chunk is fed again. */
      while (offset < end)
        {
          offset += feed_once (socks, data + offset, end - offset, outcome);
          if (outcome->status == BROKER_SOCKS_REQUEST || outcome->status == BROKER_SOCKS_ERROR)
            {
              check_over (socks, data + offset, length - offset);
              return;
            }
        }
    }
}

static void
run (const guint8 *data,
     gsize         length,
     gsize         chunk,
     Outcome      *outcome)
{
  g_autoptr(BrokerSocks) socks = broker_socks_new ();

  outcome->reply = g_byte_array_new ();
  outcome->status = BROKER_SOCKS_NEED_MORE;
  feed_all (socks, data, length, chunk, outcome);
  outcome->version = broker_socks_get_version (socks);
  outcome->host = g_strdup (broker_socks_get_host (socks));
  outcome->port = broker_socks_get_port (socks);
}

static void
require_same (const Outcome *a,
              const Outcome *b)
{
  require (a->status == b->status && a->consumed == b->consumed && a->replies == b->replies,
           "the status or consumed count depends on the chunk size", NULL);
  /* An empty GByteArray may have no data at all: memcmp() must not see it. */
  require (a->reply->len == b->reply->len &&
           (a->reply->len == 0 || memcmp (a->reply->data, b->reply->data, a->reply->len) == 0),
           "the reply depends on the chunk size", NULL);
  require (g_strcmp0 (a->message, b->message) == 0, "the error depends on the chunk size",
           a->message);
  require (a->version == b->version && g_strcmp0 (a->host, b->host) == 0 && a->port == b->port,
           "the request depends on the chunk size", a->host);
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
  require_same (&chunked, &whole);
  return 0;
}
