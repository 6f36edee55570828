// SPDX-License-Identifier: GPL-3.0-or-later
/* The SOCKS4/4a/5 request parser of dynamic tunnels.  Every vector runs
 * whole, split at every position, byte by byte and in small chunks, with
 * data pipelined after it, and must give the same outcome each time. */
#include "broker-error.h"
#include "broker-socks.h"

#include <string.h>

/* A byte string literal and its length, NULs included.  Hex escapes are
 * kept in their own literals, since "\x00e" would be one byte. */
#define BYTES(s) s, sizeof (s) - 1

#define V5_GREETING "\x05\x01\x00"
#define V5_CHOICE "\x05\x00"
#define V4_REJECTED "\x00\x5b\x00\x00\x00\x00\x00\x00"
#define V5_REPLY(code) "\x05" code "\x00\x01\x00\x00\x00\x00\x00\x00"

/* What the client sends next; it must never be consumed.  It would parse
 * as SOCKS itself, so consuming it could not go unnoticed. */
#define TRAILING "\x05\x01\x00\x04" "GET / HTTP/1.0\r\n"

typedef struct
{
  const char *name;
  const char *input;
  gsize input_length;
  guint version;
  const char *host;
  guint16 port;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "v4", BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01" "user" "\x00"), 4, "192.0.2.1", 80 },
  { "v4-empty-user-id", BYTES ("\x04\x01\x01\xbb\x7f\x00\x00\x01" "\x00"), 4, "127.0.0.1",
    443 },
  { "v4-address-zero", BYTES ("\x04\x01\x00\x16\x00\x00\x00\x00" "\x00"), 4, "0.0.0.0", 22 },
  { "v4-address-0-0-1-0", BYTES ("\x04\x01\x00\x16\x00\x00\x01\x00" "\x00"), 4, "0.0.1.0",
    22 },
  { "v4-port-1", BYTES ("\x04\x01\x00\x01\x7f\x4d\x00\x01" "\x00"), 4, "127.77.0.1", 1 },
  { "v4-port-65535", BYTES ("\x04\x01\xff\xff\xff\xff\xff\xff" "\x00"), 4,
    "255.255.255.255", 65535 },
  { "v4-user-id-any-bytes", BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01" "\xff\x01 \xc3" "\x00"),
    4, "192.0.2.1", 80 },
  { "v4a", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "user" "\x00" "example.com" "\x00"), 4,
    "example.com", 80 },
  { "v4a-empty-user-id", BYTES ("\x04\x01\x1f\x90\x00\x00\x00\xff" "\x00" "localhost" "\x00"),
    4, "localhost", 8080 },
  { "v4a-address-text", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x07" "\x00" "192.0.2.7" "\x00"),
    4, "192.0.2.7", 80 },
  { "v4a-one-byte", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "\x00" "a" "\x00"), 4, "a", 80 },
  { "v5-ipv4", BYTES (V5_GREETING "\x05\x01\x00\x01\xc0\x00\x02\x01\x00\x50"), 5,
    "192.0.2.1", 80 },
  { "v5-ipv6-loopback", BYTES (V5_GREETING "\x05\x01\x00\x04"
                               "\x00\x00\x00\x00\x00\x00\x00\x00"
                               "\x00\x00\x00\x00\x00\x00\x00\x01" "\x00\x16"), 5, "::1", 22 },
  { "v5-ipv6", BYTES (V5_GREETING "\x05\x01\x00\x04"
                      "\x20\x01\x0d\xb8\x00\x00\x00\x00"
                      "\x00\x00\x00\x00\x00\x00\x00\x05" "\x01\xbb"), 5, "2001:db8::5", 443 },
  { "v5-ipv6-mapped", BYTES (V5_GREETING "\x05\x01\x00\x04"
                             "\x00\x00\x00\x00\x00\x00\x00\x00"
                             "\x00\x00\xff\xff\xc0\x00\x02\x01" "\x00\x50"), 5,
    "::ffff:192.0.2.1", 80 },
  { "v5-domain", BYTES (V5_GREETING "\x05\x01\x00\x03\x0b" "example.com" "\x01\xbb"), 5,
    "example.com", 443 },
  { "v5-domain-one-byte", BYTES (V5_GREETING "\x05\x01\x00\x03\x01" "a" "\x00\x50"), 5, "a",
    80 },
  { "v5-domain-punctuation", BYTES (V5_GREETING "\x05\x01\x00\x03\x05" "!~[:]" "\x00\x50"), 5,
    "!~[:]", 80 },
  { "v5-port-65535", BYTES (V5_GREETING "\x05\x01\x00\x01\x7f\x00\x00\x01\xff\xff"), 5,
    "127.0.0.1", 65535 },
  { "v5-methods-no-auth-last", BYTES ("\x05\x03\x02\x01\x00"
                                      "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"), 5,
    "127.0.0.1", 80 },
  { "v5-methods-no-auth-first", BYTES ("\x05\x02\x00\x02"
                                       "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"), 5,
    "127.0.0.1", 80 },
  { "v5-methods-repeated", BYTES ("\x05\x02\x00\x00"
                                  "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"), 5,
    "127.0.0.1", 80 },
};

typedef struct
{
  const char *name;
  const char *input;          /* ends with the byte that is refused */
  gsize input_length;
  const char *reply;          /* every byte to send, greeting reply included */
  gsize reply_length;
  const char *substring;
} RefusedCase;

static const RefusedCase refused_cases[] = {
  { "version-6", BYTES ("\x06"), BYTES (""), "SOCKS: unknown protocol version 6" },
  { "version-0", BYTES ("\x00"), BYTES (""), "only SOCKS4, SOCKS4a and SOCKS5" },
  { "http-connect", BYTES ("C"), BYTES (""), "HTTP proxy" },
  { "tls", BYTES ("\x16"), BYTES (""), "unknown protocol version 22" },
  { "v4-bind", BYTES ("\x04\x02"), BYTES (V4_REJECTED),
    "SOCKS: only CONNECT is supported, not command 2 (BIND)" },
  { "v4-command-0", BYTES ("\x04\x00"), BYTES (V4_REJECTED), "only CONNECT is supported" },
  { "v4-port-0", BYTES ("\x04\x01\x00\x00"), BYTES (V4_REJECTED), "SOCKS4: the client asks for port 0" },
  { "v4a-empty-host", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "user" "\x00" "\x00"),
    BYTES (V4_REJECTED), "SOCKS4a: the host name is empty" },
  { "v4a-space", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "\x00" "exa "), BYTES (V4_REJECTED),
    "SOCKS4a: the host name has byte 0x20" },
  { "v4a-newline", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "\x00" "a\n"),
    BYTES (V4_REJECTED), "byte 0x0a" },
  { "v4a-utf8", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "\x00" "b\xc3"), BYTES (V4_REJECTED),
    "byte 0xc3; only printable ASCII" },
  { "v5-no-methods", BYTES ("\x05\x00"), BYTES ("\x05\xff"),
    "SOCKS5: the client offers no authentication method" },
  { "v5-password-only", BYTES ("\x05\x01\x02"), BYTES ("\x05\xff"),
    "SOCKS5: the client offers no method without authentication" },
  { "v5-gssapi-password", BYTES ("\x05\x02\x01\x02"), BYTES ("\x05\xff"),
    "no method without authentication" },
  { "v5-request-version-4", BYTES (V5_GREETING "\x04"), BYTES (V5_CHOICE),
    "SOCKS5: the request has version 4, not 5" },
  { "v5-bind", BYTES (V5_GREETING "\x05\x02"), BYTES (V5_CHOICE V5_REPLY ("\x07")),
    "SOCKS: only CONNECT is supported, not command 2 (BIND)" },
  { "v5-udp-associate", BYTES (V5_GREETING "\x05\x03"), BYTES (V5_CHOICE V5_REPLY ("\x07")),
    "not command 3 (UDP ASSOCIATE)" },
  { "v5-command-0", BYTES (V5_GREETING "\x05\x00"), BYTES (V5_CHOICE V5_REPLY ("\x07")),
    "not command 0" },
  { "v5-reserved", BYTES (V5_GREETING "\x05\x01\x01"), BYTES (V5_CHOICE V5_REPLY ("\x01")),
    "SOCKS5: the reserved byte of the request is 1, not 0" },
  { "v5-address-type-0", BYTES (V5_GREETING "\x05\x01\x00\x00"),
    BYTES (V5_CHOICE V5_REPLY ("\x08")), "SOCKS5: address type 0 is not supported" },
  { "v5-address-type-2", BYTES (V5_GREETING "\x05\x01\x00\x02"),
    BYTES (V5_CHOICE V5_REPLY ("\x08")), "address type 2" },
  { "v5-address-type-5", BYTES (V5_GREETING "\x05\x01\x00\x05"),
    BYTES (V5_CHOICE V5_REPLY ("\x08")), "address type 5" },
  { "v5-empty-domain", BYTES (V5_GREETING "\x05\x01\x00\x03\x00"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "SOCKS5: the host name is empty" },
  { "v5-domain-space", BYTES (V5_GREETING "\x05\x01\x00\x03\x05" "ab "),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "SOCKS5: the host name has byte 0x20" },
  { "v5-domain-nul", BYTES (V5_GREETING "\x05\x01\x00\x03\x05" "ab" "\x00"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "byte 0x00" },
  { "v5-domain-del", BYTES (V5_GREETING "\x05\x01\x00\x03\x05" "\x7f"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "byte 0x7f" },
  { "v5-domain-utf8", BYTES (V5_GREETING "\x05\x01\x00\x03\x05" "\xc3"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "byte 0xc3" },
  { "v5-ipv4-port-0", BYTES (V5_GREETING "\x05\x01\x00\x01\xc0\x00\x02\x01\x00\x00"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "SOCKS5: the client asks for port 0" },
  { "v5-domain-port-0", BYTES (V5_GREETING "\x05\x01\x00\x03\x01" "a" "\x00\x00"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "port 0" },
  { "v5-ipv6-port-0", BYTES (V5_GREETING "\x05\x01\x00\x04"
                             "\x00\x00\x00\x00\x00\x00\x00\x00"
                             "\x00\x00\x00\x00\x00\x00\x00\x01" "\x00\x00"),
    BYTES (V5_CHOICE V5_REPLY ("\x01")), "port 0" },
};

/* What one run of the parser gave, to compare runs fed differently. */
typedef struct
{
  BrokerSocksStatus status;   /* of the last feed */
  gsize consumed;             /* of the whole input */
  guint replies;              /* BROKER_SOCKS_REPLY statuses */
  GByteArray *reply;          /* every byte to send, in order */
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

/* One feed and the checks every feed must pass.  Returns the bytes
 * consumed. */
static gsize
feed_once (BrokerSocks  *socks,
           const guint8 *data,
           gsize         length,
           Outcome      *outcome)
{
  g_autoptr(GError) error = NULL;
  gsize consumed = G_MAXSIZE;

  outcome->status = broker_socks_feed (socks, data, length, &consumed, outcome->reply, &error);
  g_assert_cmpuint (consumed, <=, length);
  outcome->consumed += consumed;
  switch (outcome->status)
    {
    case BROKER_SOCKS_NEED_MORE:
      g_assert_cmpuint (consumed, ==, length);
      g_assert_no_error (error);
      break;
    case BROKER_SOCKS_REPLY:
      g_assert_cmpuint (consumed, >, 0);
      g_assert_no_error (error);
      outcome->replies++;
      break;
    case BROKER_SOCKS_REQUEST:
      g_assert_cmpuint (consumed, >, 0);
      g_assert_no_error (error);
      break;
    case BROKER_SOCKS_ERROR:
      g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      outcome->message = g_strdup (error->message);
      break;
    default:
      g_assert_not_reached ();
    }
  return consumed;
}

/* Feeds one chunk, again after each REPLY; FALSE once the handshake is
 * over. */
static gboolean
feed_chunk (BrokerSocks  *socks,
            const guint8 *chunk,
            gsize         length,
            Outcome      *outcome)
{
  gsize offset = 0;

  do
    {
      offset += feed_once (socks, chunk + offset, length - offset, outcome);
      if (outcome->status == BROKER_SOCKS_REQUEST || outcome->status == BROKER_SOCKS_ERROR)
        return FALSE;
    }
  while (offset < length);
  return TRUE;
}

/* Feeds @input cut before each position in @cuts (increasing, at most
 * @length). */
static void
run (const guint8 *input,
     gsize         length,
     GArray       *cuts,
     Outcome      *outcome)
{
  g_autoptr(BrokerSocks) socks = broker_socks_new ();
  gsize start = 0;

  outcome->reply = g_byte_array_new ();
  for (guint i = 0; i <= cuts->len; i++)
    {
      gsize end = i < cuts->len ? g_array_index (cuts, gsize, i) : length;

      if (!feed_chunk (socks, input + start, end - start, outcome))
        break;
      start = end;
    }
  outcome->version = broker_socks_get_version (socks);
  outcome->host = g_strdup (broker_socks_get_host (socks));
  outcome->port = broker_socks_get_port (socks);
}

static void
assert_same_outcome (const Outcome *outcome,
                     const Outcome *expected)
{
  g_assert_cmpint (outcome->status, ==, expected->status);
  g_assert_cmpuint (outcome->consumed, ==, expected->consumed);
  g_assert_cmpuint (outcome->replies, ==, expected->replies);
  g_assert_cmpmem (outcome->reply->data, outcome->reply->len,
                   expected->reply->data, expected->reply->len);
  g_assert_cmpstr (outcome->message, ==, expected->message);
  g_assert_cmpuint (outcome->version, ==, expected->version);
  g_assert_cmpstr (outcome->host, ==, expected->host);
  g_assert_cmpuint (outcome->port, ==, expected->port);
}

static void
run_and_compare (const guint8  *input,
                 gsize          length,
                 GArray        *cuts,
                 const Outcome *expected)
{
  g_auto(Outcome) outcome = { 0 };

  run (input, length, cuts, &outcome);
  assert_same_outcome (&outcome, expected);
}

/* Whole into @whole; then at every split position, byte by byte and in
 * chunks of 2 to 7 bytes, each compared with it. */
static void
run_all_splits (const guint8 *input,
                gsize         length,
                Outcome      *whole)
{
  g_autoptr(GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));

  run (input, length, cuts, whole);
  for (gsize split = 0; split <= length; split++)
    {
      g_array_set_size (cuts, 0);
      g_array_append_val (cuts, split);
      run_and_compare (input, length, cuts, whole);
    }
  for (gsize chunk = 1; chunk <= 7; chunk++)
    {
      g_array_set_size (cuts, 0);
      for (gsize cut = chunk; cut < length; cut += chunk)
        g_array_append_val (cuts, cut);
      run_and_compare (input, length, cuts, whole);
    }
}

/* @input followed by TRAILING, which must stay unconsumed. */
static GByteArray *
with_trailing (const char *input,
               gsize       length)
{
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) input, length);
  g_byte_array_append (bytes, (const guint8 *) TRAILING, sizeof TRAILING - 1);
  return bytes;
}

static void
check_valid (const char *input,
             gsize       length,
             guint       version,
             const char *host,
             guint16     port)
{
  g_autoptr(GByteArray) bytes = with_trailing (input, length);
  g_auto(Outcome) whole = { 0 };

  run_all_splits (bytes->data, bytes->len, &whole);
  g_assert_cmpstr (whole.message, ==, NULL);
  g_assert_cmpint (whole.status, ==, BROKER_SOCKS_REQUEST);
  g_assert_cmpuint (whole.consumed, ==, length);
  g_assert_cmpuint (whole.version, ==, version);
  g_assert_cmpstr (whole.host, ==, host);
  g_assert_cmpuint (whole.port, ==, port);
  if (version == 5)
    {
      g_assert_cmpuint (whole.replies, ==, 1);
      g_assert_cmpmem (whole.reply->data, whole.reply->len, V5_CHOICE, 2);
    }
  else
    {
      g_assert_cmpuint (whole.replies, ==, 0);
      g_assert_cmpuint (whole.reply->len, ==, 0);
    }
}

static void
assert_message_contains (const char *message,
                         const char *substring)
{
  if (strstr (message, substring) == NULL)
    g_test_message ("\"%s\" does not contain \"%s\"", message, substring);
  g_assert_nonnull (strstr (message, substring));
}

static void
check_refused (const char *input,
               gsize       length,
               const char *reply,
               gsize       reply_length,
               const char *substring)
{
  g_autoptr(GByteArray) bytes = with_trailing (input, length);
  g_auto(Outcome) whole = { 0 };

  run_all_splits (bytes->data, bytes->len, &whole);
  g_assert_cmpint (whole.status, ==, BROKER_SOCKS_ERROR);
  /* Refused at the offending byte, nothing read after it. */
  g_assert_cmpuint (whole.consumed, ==, length);
  g_assert_cmpmem (whole.reply->data, whole.reply->len, reply, reply_length);
  assert_message_contains (whole.message, substring);
  g_assert_null (whole.host);
  g_assert_cmpuint (whole.port, ==, 0);
}

static void
test_valid (gconstpointer data)
{
  const ValidCase *valid_case = data;

  check_valid (valid_case->input, valid_case->input_length, valid_case->version,
               valid_case->host, valid_case->port);
}

static void
test_refused (gconstpointer data)
{
  const RefusedCase *refused_case = data;

  check_refused (refused_case->input, refused_case->input_length, refused_case->reply,
                 refused_case->reply_length, refused_case->substring);
}

static GByteArray *
bytes_new (const char *start,
           gsize       start_length)
{
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *) start, start_length);
  return bytes;
}

static void
append_repeated (GByteArray *bytes,
                 guint8      byte,
                 gsize       count)
{
  for (gsize i = 0; i < count; i++)
    g_byte_array_append (bytes, &byte, 1);
}

static void
append_text (GByteArray *bytes,
             const char *text,
             gsize       length)
{
  g_byte_array_append (bytes, (const guint8 *) text, length);
}

static void
test_v4_user_id_length (void)
{
  g_autoptr(GByteArray) longest = bytes_new (BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01"));
  g_autoptr(GByteArray) too_long = bytes_new (BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01"));

  append_repeated (longest, 'u', 255);
  append_text (longest, BYTES ("\x00"));
  check_valid ((const char *) longest->data, longest->len, 4, "192.0.2.1", 80);
  append_repeated (too_long, 'u', 256);
  check_refused ((const char *) too_long->data, too_long->len, BYTES (V4_REJECTED),
                 "SOCKS4: user id longer than 255 bytes");
}

static void
test_v4a_host_length (void)
{
  g_autoptr(GByteArray) longest = bytes_new (BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01"));
  g_autoptr(GByteArray) too_long = bytes_new (BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01"));
  g_autofree char *host = g_strnfill (255, 'h');

  append_repeated (longest, 'u', 255);
  append_text (longest, BYTES ("\x00"));
  append_repeated (longest, 'h', 255);
  append_text (longest, BYTES ("\x00"));
  check_valid ((const char *) longest->data, longest->len, 4, host, 80);
  append_text (too_long, BYTES ("\x00"));
  append_repeated (too_long, 'h', 256);
  check_refused ((const char *) too_long->data, too_long->len, BYTES (V4_REJECTED),
                 "SOCKS4a: host name longer than 255 bytes");
}

static void
test_v5_domain_length (void)
{
  g_autoptr(GByteArray) longest = bytes_new (BYTES (V5_GREETING "\x05\x01\x00\x03\xff"));
  g_autofree char *host = g_strnfill (255, 'h');

  append_repeated (longest, 'h', 255);
  append_text (longest, BYTES ("\x00\x50"));
  check_valid ((const char *) longest->data, longest->len, 5, host, 80);
}

/* 255 methods, no authentication last or not at all. */
static void
test_v5_method_count (void)
{
  g_autoptr(GByteArray) offered = bytes_new (BYTES ("\x05\xff"));
  g_autoptr(GByteArray) refused = bytes_new (BYTES ("\x05\xff"));

  append_repeated (offered, 0x80, 254);
  append_text (offered, BYTES ("\x00" "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"));
  check_valid ((const char *) offered->data, offered->len, 5, "127.0.0.1", 80);
  append_repeated (refused, 0x02, 255);
  check_refused ((const char *) refused->data, refused->len, BYTES ("\x05\xff"),
                 "no method without authentication");
}

/* The greeting and the request in one read: REPLY consumes the greeting
 * only; the request and the first data follow. */
static void
test_pipelined (void)
{
  static const char input[] = V5_GREETING "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50" "data";
  g_autoptr(BrokerSocks) socks = broker_socks_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  const guint8 *data = (const guint8 *) input;
  gsize length = sizeof input - 1;
  gsize consumed = 0;

  g_assert_cmpint (broker_socks_feed (socks, data, length, &consumed, reply, NULL), ==,
                   BROKER_SOCKS_REPLY);
  g_assert_cmpuint (consumed, ==, 3);
  g_assert_cmpmem (reply->data, reply->len, V5_CHOICE, 2);
  g_byte_array_set_size (reply, 0);
  g_assert_cmpint (broker_socks_feed (socks, data + 3, length - 3, &consumed, reply, NULL), ==,
                   BROKER_SOCKS_REQUEST);
  g_assert_cmpuint (consumed, ==, 10);
  g_assert_cmpuint (reply->len, ==, 0);
  g_assert_cmpmem (data + 13, length - 13, "data", 4);
}

static void
test_need_more (void)
{
  g_autoptr(BrokerSocks) socks = broker_socks_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  gsize consumed = 7;

  g_assert_cmpint (broker_socks_feed (socks, NULL, 0, &consumed, reply, NULL), ==,
                   BROKER_SOCKS_NEED_MORE);
  g_assert_cmpuint (consumed, ==, 0);
  g_assert_cmpuint (broker_socks_get_version (socks), ==, 0);
  g_assert_cmpint (broker_socks_feed (socks, (const guint8 *) "\x04\x01\x00", 3, &consumed,
                                      reply, NULL), ==, BROKER_SOCKS_NEED_MORE);
  g_assert_cmpuint (consumed, ==, 3);
  g_assert_cmpuint (reply->len, ==, 0);
  g_assert_cmpuint (broker_socks_get_version (socks), ==, 4);
  g_assert_null (broker_socks_get_host (socks));
  g_assert_cmpuint (broker_socks_get_port (socks), ==, 0);
}

/* A parser fed @input, through the SOCKS5 method choice if there is one. */
static BrokerSocks *
socks_after (const char        *input,
             gsize              length,
             BrokerSocksStatus  status)
{
  BrokerSocks *socks = broker_socks_new ();
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  BrokerSocksStatus last;
  gsize offset = 0;
  gsize consumed = 0;

  do
    {
      last = broker_socks_feed (socks, (const guint8 *) input + offset, length - offset,
                                &consumed, reply, NULL);
      offset += consumed;
    }
  while (last == BROKER_SOCKS_REPLY && offset < length);
  g_assert_cmpint (last, ==, status);
  g_assert_cmpuint (offset, ==, length);
  return socks;
}

/* Feeding once the handshake is over is an error and changes nothing. */
static void
assert_feed_refused (BrokerSocks *socks,
                     const char  *substring)
{
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize consumed = 7;

  g_assert_cmpint (broker_socks_feed (socks, (const guint8 *) "\x04", 1, &consumed, reply,
                                      &error), ==, BROKER_SOCKS_ERROR);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  assert_message_contains (error->message, substring);
  g_assert_cmpuint (consumed, ==, 0);
  g_assert_cmpuint (reply->len, ==, 0);
  g_clear_error (&error);
  g_assert_cmpint (broker_socks_feed (socks, NULL, 0, &consumed, reply, &error), ==,
                   BROKER_SOCKS_ERROR);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
}

static void
test_feed_after_request (void)
{
  g_autoptr(BrokerSocks) socks = socks_after (BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01" "\x00"),
                                              BROKER_SOCKS_REQUEST);

  assert_feed_refused (socks, "SOCKS: the request is already complete");
  g_assert_cmpstr (broker_socks_get_host (socks), ==, "192.0.2.1");
  g_assert_cmpuint (broker_socks_get_port (socks), ==, 80);
}

static void
test_feed_after_error (void)
{
  g_autoptr(BrokerSocks) socks = socks_after (BYTES ("\x05\x01\x02"), BROKER_SOCKS_ERROR);

  assert_feed_refused (socks, "SOCKS: the request was already refused");
  g_assert_cmpuint (broker_socks_get_version (socks), ==, 5);
  g_assert_null (broker_socks_get_host (socks));
}

typedef struct
{
  const char *name;
  const char *input;
  gsize input_length;
  gboolean success;
  const char *reply;
  gsize reply_length;
} ReplyCase;

static const ReplyCase reply_cases[] = {
  { "v4-success", BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01" "\x00"), TRUE,
    BYTES ("\x00\x5a\x00\x00\x00\x00\x00\x00") },
  { "v4-failure", BYTES ("\x04\x01\x00\x50\xc0\x00\x02\x01" "\x00"), FALSE,
    BYTES (V4_REJECTED) },
  { "v4a-success", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "\x00" "host" "\x00"), TRUE,
    BYTES ("\x00\x5a\x00\x00\x00\x00\x00\x00") },
  { "v4a-failure", BYTES ("\x04\x01\x00\x50\x00\x00\x00\x01" "\x00" "host" "\x00"), FALSE,
    BYTES (V4_REJECTED) },
  { "v5-success", BYTES (V5_GREETING "\x05\x01\x00\x03\x04" "host" "\x00\x50"), TRUE,
    BYTES (V5_REPLY ("\x00")) },
  { "v5-failure", BYTES (V5_GREETING "\x05\x01\x00\x03\x04" "host" "\x00\x50"), FALSE,
    BYTES (V5_REPLY ("\x05")) },
};

static void
test_reply (gconstpointer data)
{
  const ReplyCase *reply_case = data;
  g_autoptr(BrokerSocks) socks = socks_after (reply_case->input, reply_case->input_length,
                                              BROKER_SOCKS_REQUEST);
  g_autoptr(GByteArray) reply = g_byte_array_new ();

  broker_socks_reply (socks, reply_case->success, reply);
  g_assert_cmpmem (reply->data, reply->len, reply_case->reply, reply_case->reply_length);
}

static void
test_new_free (void)
{
  BrokerSocks *socks = broker_socks_new ();

  g_assert_nonnull (socks);
  g_assert_cmpuint (broker_socks_get_version (socks), ==, 0);
  g_assert_null (broker_socks_get_host (socks));
  g_assert_cmpuint (broker_socks_get_port (socks), ==, 0);
  broker_socks_free (socks);
  broker_socks_free (NULL);
}

static void
add_data_tests (const char    *prefix,
                gconstpointer  cases,
                gsize          size,
                gsize          count,
                GTestDataFunc  func)
{
  for (gsize i = 0; i < count; i++)
    {
      const char * const *name = (const char * const *) ((const char *) cases + i * size);
      g_autofree char *path = g_strconcat (prefix, *name, NULL);

      g_test_add_data_func (path, name, func);
    }
}

/* Each table's rows start with their name. */
#define ADD_TABLE(prefix, table, func) \
  add_data_tests (prefix, table, sizeof table[0], G_N_ELEMENTS (table), func)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD_TABLE ("/broker/socks/valid/", valid_cases, test_valid);
  ADD_TABLE ("/broker/socks/refused/", refused_cases, test_refused);
  ADD_TABLE ("/broker/socks/reply/", reply_cases, test_reply);
  g_test_add_func ("/broker/socks/v4-user-id-length", test_v4_user_id_length);
  g_test_add_func ("/broker/socks/v4a-host-length", test_v4a_host_length);
  g_test_add_func ("/broker/socks/v5-domain-length", test_v5_domain_length);
  g_test_add_func ("/broker/socks/v5-method-count", test_v5_method_count);
  g_test_add_func ("/broker/socks/pipelined", test_pipelined);
  g_test_add_func ("/broker/socks/need-more", test_need_more);
  g_test_add_func ("/broker/socks/feed-after-request", test_feed_after_request);
  g_test_add_func ("/broker/socks/feed-after-error", test_feed_after_error);
  g_test_add_func ("/broker/socks/new-free", test_new_free);

  return g_test_run ();
}
