// SPDX-License-Identifier: GPL-3.0-or-later
/* The DNS messages burrow-capture --seccomp's resolver reads and writes
 * (capture-dns-message.h).  Queries are written out byte by byte here, as
 * glibc's res_mkquery sends them, so the tests pin the wire format: what
 * is read from a query, the exact bytes of an answer, and which messages
 * are refused (and so relayed, never answered).  Then resolv.conf's
 * nameservers and the comparison of a destination with them. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "capture-dns-message.h"

/* A byte string literal and its length, NULs included.  Hex escapes are
 * kept in their own literals, since "\x03" "web" is not "\x03web". */
#define BYTES(s) s, sizeof (s) - 1

/* Header: ID, flags, then QDCOUNT ANCOUNT NSCOUNT ARCOUNT. */
#define ID "\xbe\xef"
#define FLAGS_RD "\x01\x00"
#define COUNTS_1000 "\x00\x01\x00\x00\x00\x00\x00\x00"
#define COUNTS_1001 "\x00\x01\x00\x00\x00\x00\x00\x01"
#define HEADER_RD ID FLAGS_RD COUNTS_1000

/* web.corp.test: 15 bytes, so the question ends at 12 + 15 + 4. */
#define NAME_WEB "\x03" "web" "\x04" "corp" "\x04" "test" "\x00"
#define WEB_END 31
#define TYPE_A "\x00\x01"
#define TYPE_AAAA "\x00\x1c"
#define TYPE_MX "\x00\x0f"
#define CLASS_IN "\x00\x01"
#define CLASS_CH "\x00\x03"
#define QUESTION_WEB_A NAME_WEB TYPE_A CLASS_IN
#define QUESTION_WEB_AAAA NAME_WEB TYPE_AAAA CLASS_IN
/* glibc's "options edns0": root name, OPT (41), UDP size 1232, no flags. */
#define OPT_RR "\x00" "\x00\x29" "\x04\xd0" "\x00\x00\x00\x00" "\x00\x00"

#define QUERY_WEB_A HEADER_RD QUESTION_WEB_A
#define QUERY_WEB_AAAA HEADER_RD QUESTION_WEB_AAAA
#define QUERY_WEB_A_EDNS ID FLAGS_RD COUNTS_1001 QUESTION_WEB_A OPT_RR

#define NAME_ALPHABET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

/* Parsing queries */

typedef struct
{
  const char *name;
  const char *message;
  gsize length;
  gboolean accepted;
  guint16 id;
  guint16 flags;
  const char *qname;
  guint16 type;
  guint16 klass;
  gsize question_end;
} ParseCase;

#define WEB(type_) .accepted = TRUE, .id = 0xbeef, .flags = 0x0100, .qname = "web.corp.test", \
  .type = type_, .klass = 1, .question_end = WEB_END
#define REFUSED .accepted = FALSE

static const ParseCase parse_cases[] = {
  { "a", BYTES (QUERY_WEB_A), WEB (CAPTURE_DNS_TYPE_A) },
  { "aaaa", BYTES (QUERY_WEB_AAAA), WEB (CAPTURE_DNS_TYPE_AAAA) },
  /* The additional section is not read: the question ends where it did. */
  { "edns", BYTES (QUERY_WEB_A_EDNS), WEB (CAPTURE_DNS_TYPE_A) },
  { "trailing-bytes", BYTES (QUERY_WEB_A "\x01\x02\x03"), WEB (CAPTURE_DNS_TYPE_A) },
  { "no-rd", BYTES ("\x00\x01" "\x00\x00" COUNTS_1000 QUESTION_WEB_A),
    .accepted = TRUE, .id = 1, .flags = 0, .qname = "web.corp.test", .type = 1, .klass = 1,
    .question_end = WEB_END },
  /* glibc's "options trust-ad" sets AD in queries. */
  { "trust-ad", BYTES ("\xff\xff" "\x01\x20" COUNTS_1000 QUESTION_WEB_AAAA),
    .accepted = TRUE, .id = 0xffff, .flags = 0x0120, .qname = "web.corp.test", .type = 28,
    .klass = 1, .question_end = WEB_END },
  { "root", BYTES (HEADER_RD "\x00" TYPE_A CLASS_IN),
    .accepted = TRUE, .id = 0xbeef, .flags = 0x0100, .qname = "", .type = 1, .klass = 1,
    .question_end = 17 },
  { "one-label", BYTES (HEADER_RD "\x09" "localhost" "\x00" TYPE_A CLASS_IN),
    .accepted = TRUE, .id = 0xbeef, .flags = 0x0100, .qname = "localhost", .type = 1,
    .klass = 1, .question_end = 27 },
  { "name-alphabet", BYTES (HEADER_RD "\x05" "_sip-" "\x03" "TCP" "\x02" "x9" "\x00"
                            TYPE_A CLASS_IN),
    .accepted = TRUE, .id = 0xbeef, .flags = 0x0100, .qname = "_sip-.TCP.x9", .type = 1,
    .klass = 1, .question_end = 12 + 14 + 4 },
  /* Any type and class is read; what to answer is the caller's choice. */
  { "mx-chaos", BYTES (HEADER_RD NAME_WEB TYPE_MX CLASS_CH),
    .accepted = TRUE, .id = 0xbeef, .flags = 0x0100, .qname = "web.corp.test", .type = 15,
    .klass = 3, .question_end = WEB_END },
  { "type-class-as-sent", BYTES (HEADER_RD NAME_WEB "\xab\xcd" "\xef\x01"),
    .accepted = TRUE, .id = 0xbeef, .flags = 0x0100, .qname = "web.corp.test", .type = 0xabcd,
    .klass = 0xef01, .question_end = WEB_END },

  /* Not a query of one question */
  { "empty", BYTES (""), REFUSED },
  { "short-header", BYTES (ID FLAGS_RD "\x00\x01\x00\x00\x00\x00\x00"), REFUSED },
  { "header-only", BYTES (HEADER_RD), REFUSED },
  { "response", BYTES (ID "\x81\x80" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "response-no-rd", BYTES (ID "\x80\x00" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "opcode-iquery", BYTES (ID "\x09\x00" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "opcode-status", BYTES (ID "\x11\x00" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "opcode-notify", BYTES (ID "\x20\x00" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "opcode-update", BYTES (ID "\x28\x00" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "opcode-15", BYTES (ID "\x78\x00" COUNTS_1000 QUESTION_WEB_A), REFUSED },
  { "qdcount-0", BYTES (ID FLAGS_RD "\x00\x00\x00\x00\x00\x00\x00\x00" QUESTION_WEB_A), REFUSED },
  { "qdcount-2", BYTES (ID FLAGS_RD "\x00\x02\x00\x00\x00\x00\x00\x00"
                        QUESTION_WEB_A QUESTION_WEB_AAAA), REFUSED },
  { "qdcount-257", BYTES (ID FLAGS_RD "\x01\x01\x00\x00\x00\x00\x00\x00" QUESTION_WEB_A), REFUSED },
  { "ancount-1", BYTES (ID FLAGS_RD "\x00\x01\x00\x01\x00\x00\x00\x00" QUESTION_WEB_A), REFUSED },
  { "ancount-256", BYTES (ID FLAGS_RD "\x00\x01\x01\x00\x00\x00\x00\x00" QUESTION_WEB_A), REFUSED },
  { "nscount-1", BYTES (ID FLAGS_RD "\x00\x01\x00\x00\x00\x01\x00\x00" QUESTION_WEB_A), REFUSED },
  { "nscount-256", BYTES (ID FLAGS_RD "\x00\x01\x00\x00\x01\x00\x00\x00" QUESTION_WEB_A), REFUSED },

  /* Names */
  { "label-64", BYTES (HEADER_RD "\x40" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "label-0x80", BYTES (HEADER_RD "\x80" "a" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "pointer", BYTES (HEADER_RD "\xc0\x0c" TYPE_A CLASS_IN), REFUSED },
  { "pointer-after-label", BYTES (HEADER_RD "\x03" "web" "\xc0\x0c" TYPE_A CLASS_IN), REFUSED },
  { "label-past-end", BYTES (HEADER_RD "\x03" "we"), REFUSED },
  { "label-to-end", BYTES (HEADER_RD "\x03" "web"), REFUSED },
  { "no-type", BYTES (HEADER_RD NAME_WEB), REFUSED },
  { "no-class", BYTES (HEADER_RD NAME_WEB TYPE_A), REFUSED },
  { "half-class", BYTES (HEADER_RD NAME_WEB TYPE_A "\x00"), REFUSED },
  { "half-type", BYTES (HEADER_RD NAME_WEB "\x00"), REFUSED },
  { "dot-in-label", BYTES (HEADER_RD "\x08" "web.corp" "\x04" "test" "\x00" TYPE_A CLASS_IN),
    REFUSED },
  { "space", BYTES (HEADER_RD "\x07" "web dev" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "nul-in-label", BYTES (HEADER_RD "\x03" "w" "\x00" "b" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "nul-label", BYTES (HEADER_RD "\x01" "\x00" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "byte-ff", BYTES (HEADER_RD "\x03" "w" "\xff" "b" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "utf8", BYTES (HEADER_RD "\x04" "caf" "\xc3\xa9" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "slash", BYTES (HEADER_RD "\x03" "a/b" "\x00" TYPE_A CLASS_IN), REFUSED },
  { "newline", BYTES (HEADER_RD "\x03" "a\nb" "\x00" TYPE_A CLASS_IN), REFUSED },
};

static void
test_parse (gconstpointer data)
{
  const ParseCase *c = data;
  CaptureDnsQuery query;

  memset (&query, 0xa5, sizeof query);
  if (!c->accepted)
    {
      g_assert_cmpint (capture_dns_parse_query ((const guint8 *) c->message, c->length, &query),
                       ==, -1);
      return;
    }
  g_assert_cmpint (capture_dns_parse_query ((const guint8 *) c->message, c->length, &query),
                   ==, 0);
  g_assert_cmphex (query.id, ==, c->id);
  g_assert_cmphex (query.flags, ==, c->flags);
  g_assert_cmpstr (query.name, ==, c->qname);
  g_assert_cmpuint (query.type, ==, c->type);
  g_assert_cmpuint (query.klass, ==, c->klass);
  g_assert_cmpuint (query.question_end, ==, c->question_end);
}

/* A header with @flags, the given counts, and @labels (a NULL-terminated
 * array of labels, each written with its length byte as it is) then the
 * root label, type and class. */
static GByteArray *
make_query (guint16             flags,
            const char * const *labels,
            guint16             type)
{
  GByteArray *message = g_byte_array_new ();
  guint8 header[12] = { 0x12, 0x34, flags >> 8, flags & 0xff, 0, 1, 0, 0, 0, 0, 0, 0 };
  guint8 tail[5] = { 0, type >> 8, type & 0xff, 0, 1 };

  g_byte_array_append (message, header, sizeof header);
  for (gsize i = 0; labels != NULL && labels[i] != NULL; i++)
    {
      guint8 length = strlen (labels[i]);

      g_byte_array_append (message, &length, 1);
      g_byte_array_append (message, (const guint8 *) labels[i], length);
    }
  g_byte_array_append (message, tail, sizeof tail);
  return message;
}

static int
parse (GByteArray      *message,
       CaptureDnsQuery *query)
{
  return capture_dns_parse_query (message->data, message->len, query);
}

/* Every byte as a label of its own and inside a label: accepted exactly
 * when it is a letter, a digit, '-' or '_'. */
static void
test_parse_name_bytes (void)
{
  for (guint b = 0; b < 256; b++)
    {
      char one[2] = { b, 0 };
      guint8 inner[3] = { 'a', b, 'z' };
      gboolean allowed = b != 0 && strchr (NAME_ALPHABET, b) != NULL;
      g_autoptr(GByteArray) message = make_query (0x0100, NULL, CAPTURE_DNS_TYPE_A);
      CaptureDnsQuery query;
      guint8 length = 3;

      g_test_message ("byte 0x%02x", b);
      /* make_query writes strings; a NUL byte has to be put in by hand. */
      g_byte_array_set_size (message, CAPTURE_DNS_HEADER_SIZE);
      g_byte_array_append (message, &length, 1);
      g_byte_array_append (message, inner, sizeof inner);
      g_byte_array_append (message, (const guint8 *) "\x00" "\x00\x01" "\x00\x01", 5);
      g_assert_cmpint (parse (message, &query), ==, allowed ? 0 : -1);
      if (allowed)
        {
          char expected[4] = { 'a', b, 'z', 0 };

          g_assert_cmpstr (query.name, ==, expected);
          g_assert_cmpuint (query.question_end, ==, message->len);
        }

      g_byte_array_set_size (message, CAPTURE_DNS_HEADER_SIZE);
      length = 1;
      g_byte_array_append (message, &length, 1);
      g_byte_array_append (message, (const guint8 *) one, 1);
      g_byte_array_append (message, (const guint8 *) "\x00" "\x00\x01" "\x00\x01", 5);
      g_assert_cmpint (parse (message, &query), ==, allowed ? 0 : -1);
      if (allowed)
        g_assert_cmpstr (query.name, ==, one);
    }
}

static void
test_parse_label_length (void)
{
  g_autofree char *label_63 = g_strnfill (63, 'x');
  g_autofree char *label_64 = g_strnfill (64, 'x');
  const char *labels_63[] = { "a", label_63, "b", NULL };
  const char *labels_64[] = { "a", label_64, "b", NULL };
  g_autoptr(GByteArray) accepted = make_query (0x0100, labels_63, CAPTURE_DNS_TYPE_A);
  g_autoptr(GByteArray) refused = make_query (0x0100, labels_64, CAPTURE_DNS_TYPE_A);
  g_autofree char *expected = g_strconcat ("a.", label_63, ".b", NULL);
  CaptureDnsQuery query;

  g_assert_cmpint (parse (accepted, &query), ==, 0);
  g_assert_cmpstr (query.name, ==, expected);
  g_assert_cmpint (parse (refused, &query), ==, -1);
}

/* @n_labels labels of one character; the name is 2 * @n_labels - 1 long. */
static GByteArray *
make_dotted_query (guint n_labels)
{
  g_autofree const char **labels = g_new0 (const char *, n_labels + 1);

  for (guint i = 0; i < n_labels; i++)
    labels[i] = "a";
  return make_query (0x0100, labels, CAPTURE_DNS_TYPE_AAAA);
}

/* 253 characters (255 bytes on the wire) is the longest name, whether in
 * long labels or short ones; the dots count. */
static void
test_parse_name_length (void)
{
  g_autofree char *l63 = g_strnfill (63, 'x');
  g_autofree char *l61 = g_strnfill (61, 'y');
  g_autofree char *l62 = g_strnfill (62, 'y');
  const char *labels_253[] = { l63, l63, l63, l61, NULL };
  const char *labels_254[] = { l63, l63, l63, l62, NULL };
  const char *labels_255[] = { l63, l63, l63, l63, NULL };
  g_autoptr(GByteArray) q253 = make_query (0x0100, labels_253, CAPTURE_DNS_TYPE_A);
  g_autoptr(GByteArray) q254 = make_query (0x0100, labels_254, CAPTURE_DNS_TYPE_A);
  g_autoptr(GByteArray) q255 = make_query (0x0100, labels_255, CAPTURE_DNS_TYPE_A);
  g_autoptr(GByteArray) dotted_253 = make_dotted_query (127);
  g_autoptr(GByteArray) dotted_255 = make_dotted_query (128);
  g_autofree char *expected = g_strjoin (".", l63, l63, l63, l61, NULL);
  CaptureDnsQuery query;

  g_assert_cmpint (parse (q253, &query), ==, 0);
  g_assert_cmpuint (strlen (query.name), ==, CAPTURE_DNS_MAX_NAME);
  g_assert_cmpstr (query.name, ==, expected);
  g_assert_cmpuint (query.question_end, ==, CAPTURE_DNS_HEADER_SIZE + 255 + 4);
  g_assert_cmpint (parse (q254, &query), ==, -1);
  g_assert_cmpint (parse (q255, &query), ==, -1);

  g_assert_cmpint (parse (dotted_253, &query), ==, 0);
  g_assert_cmpuint (strlen (query.name), ==, 253);
  g_assert_cmpuint (query.type, ==, CAPTURE_DNS_TYPE_AAAA);
  g_assert_cmpint (parse (dotted_255, &query), ==, -1);
}

/* 126 labels "a" and one "bb": 254 characters, one too many, though the
 * last label alone would fit. */
static void
test_parse_name_length_last_label (void)
{
  const char *labels[128] = { NULL };
  g_autoptr(GByteArray) message = NULL;
  CaptureDnsQuery query;

  for (guint i = 0; i < 126; i++)
    labels[i] = "a";
  labels[126] = "b";
  message = make_query (0x0100, labels, CAPTURE_DNS_TYPE_A);
  g_assert_cmpint (parse (message, &query), ==, 0);
  g_assert_cmpuint (strlen (query.name), ==, 253);
  g_clear_pointer (&message, g_byte_array_unref);
  labels[126] = "bb";
  message = make_query (0x0100, labels, CAPTURE_DNS_TYPE_A);
  g_assert_cmpint (parse (message, &query), ==, -1);
}

/* Every prefix short of the question is refused; from the question's end
 * on, the same query. */
static void
test_parse_truncated (void)
{
  static const char message[] = QUERY_WEB_A_EDNS;

  for (gsize length = 0; length < sizeof message; length++)
    {
      g_autofree guint8 *copy = g_memdup2 (message, MAX (length, 1));
      CaptureDnsQuery query;
      int result = capture_dns_parse_query (copy, length, &query);

      g_test_message ("%" G_GSIZE_FORMAT " bytes", length);
      g_assert_cmpint (result, ==, length < WEB_END ? -1 : 0);
      if (result == 0)
        {
          g_assert_cmpstr (query.name, ==, "web.corp.test");
          g_assert_cmpuint (query.question_end, ==, WEB_END);
        }
    }
}

/* QR and OPCODE refuse a message; every other flag is kept as sent. */
static void
test_parse_flag_bits (void)
{
  for (guint bit = 0; bit < 16; bit++)
    {
      guint16 flags = 1u << bit;
      gboolean refused = bit >= 11;
      g_autoptr(GByteArray) message = make_query (flags, NULL, CAPTURE_DNS_TYPE_A);
      CaptureDnsQuery query;

      g_test_message ("flags 0x%04x", flags);
      g_assert_cmpint (parse (message, &query), ==, refused ? -1 : 0);
      if (!refused)
        g_assert_cmphex (query.flags, ==, flags);
    }
}

/* QDCOUNT must be 1, ANCOUNT and NSCOUNT 0; ARCOUNT may be anything. */
static void
test_parse_counts (void)
{
  static const guint16 values[] = { 0, 1, 2, 0x100, 0xffff };

  for (guint field = 0; field < 4; field++)
    for (guint v = 0; v < G_N_ELEMENTS (values); v++)
      {
        g_autoptr(GByteArray) message = make_query (0x0100, NULL, CAPTURE_DNS_TYPE_A);
        gboolean accepted = field == 3 || values[v] == (field == 0 ? 1 : 0);
        CaptureDnsQuery query;

        g_test_message ("count %u = %u", field, values[v]);
        message->data[4 + 2 * field] = values[v] >> 8;
        message->data[5 + 2 * field] = values[v] & 0xff;
        g_assert_cmpint (parse (message, &query), ==, accepted ? 0 : -1);
      }
}

static void
test_parse_null (void)
{
  CaptureDnsQuery query;

  g_assert_cmpint (capture_dns_parse_query (NULL, 0, &query), ==, -1);
  g_assert_cmpint (capture_dns_parse_query (NULL, 100, &query), ==, -1);
}

/* Answers */

#define ADDRESS_V4 "\xc6\x12\x00\x07"
#define ADDRESS_V6 "\xfd\x62\x75\x72\x72\x6f\x77\x00\x00\x00\x00\x00\x00\x00\x00\x07"
#define TTL "\x01\x02\x03\x04"
#define TTL_VALUE 0x01020304
/* The answer's header, then a record that names the question (0xc00c). */
#define ANSWER_HEADER(flags, ancount) ID flags "\x00\x01" ancount "\x00\x00\x00\x00"
#define RECORD(type, rdlength, rdata) "\xc0\x0c" type "\x00\x01" TTL rdlength rdata

typedef struct
{
  const char *name;
  const char *query;
  gsize query_length;
  const char *address;          /* NULL: none */
  gsize address_length;
  const char *answer;
  gsize answer_length;
} AnswerCase;

static const AnswerCase answer_cases[] = {
  { "a", BYTES (QUERY_WEB_A), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x01") QUESTION_WEB_A
           RECORD (TYPE_A, "\x00\x04", ADDRESS_V4)) },
  { "aaaa", BYTES (QUERY_WEB_AAAA), ADDRESS_V6, 16,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x01") QUESTION_WEB_AAAA
           RECORD (TYPE_AAAA, "\x00\x10", ADDRESS_V6)) },
  /* RD is copied, and only RD: no AD, no OPT record, ARCOUNT 0. */
  { "a-no-rd", BYTES (ID "\x00\x00" COUNTS_1000 QUESTION_WEB_A), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x80\x80", "\x00\x01") QUESTION_WEB_A
           RECORD (TYPE_A, "\x00\x04", ADDRESS_V4)) },
  { "aaaa-trust-ad", BYTES (ID "\x01\x20" COUNTS_1000 QUESTION_WEB_AAAA), ADDRESS_V6, 16,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x01") QUESTION_WEB_AAAA
           RECORD (TYPE_AAAA, "\x00\x10", ADDRESS_V6)) },
  { "a-edns", BYTES (QUERY_WEB_A_EDNS), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x01") QUESTION_WEB_A
           RECORD (TYPE_A, "\x00\x04", ADDRESS_V4)) },
  { "root", BYTES (HEADER_RD "\x00" TYPE_A CLASS_IN), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x01") "\x00" TYPE_A CLASS_IN
           RECORD (TYPE_A, "\x00\x04", ADDRESS_V4)) },

  /* No data: the header and the question, ANCOUNT 0. */
  { "a-with-16-bytes", BYTES (QUERY_WEB_A), ADDRESS_V6, 16,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_A) },
  { "aaaa-with-4-bytes", BYTES (QUERY_WEB_AAAA), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_AAAA) },
  { "mx", BYTES (HEADER_RD NAME_WEB TYPE_MX CLASS_IN), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") NAME_WEB TYPE_MX CLASS_IN) },
  { "mx-16", BYTES (HEADER_RD NAME_WEB TYPE_MX CLASS_IN), ADDRESS_V6, 16,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") NAME_WEB TYPE_MX CLASS_IN) },
  { "any", BYTES (HEADER_RD NAME_WEB "\x00\xff" CLASS_IN), ADDRESS_V4, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") NAME_WEB "\x00\xff" CLASS_IN) },
  { "a-null", BYTES (QUERY_WEB_A), NULL, 4,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_A) },
  { "aaaa-null", BYTES (QUERY_WEB_AAAA), NULL, 16,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_AAAA) },
  { "a-0-bytes", BYTES (QUERY_WEB_A), ADDRESS_V4, 0,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_A) },
  { "a-3-bytes", BYTES (QUERY_WEB_A), ADDRESS_V4, 3,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_A) },
  { "a-5-bytes", BYTES (QUERY_WEB_A), ADDRESS_V6, 5,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_A) },
  { "aaaa-15-bytes", BYTES (QUERY_WEB_AAAA), ADDRESS_V6, 15,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_AAAA) },
  { "no-data-no-rd", BYTES (ID "\x00\x00" COUNTS_1000 QUESTION_WEB_AAAA), NULL, 0,
    BYTES (ANSWER_HEADER ("\x80\x80", "\x00\x00") QUESTION_WEB_AAAA) },
  { "no-data-edns", BYTES (QUERY_WEB_A_EDNS), ADDRESS_V6, 16,
    BYTES (ANSWER_HEADER ("\x81\x80", "\x00\x00") QUESTION_WEB_A) },
};

static void
parse_or_fail (const guint8    *message,
               gsize            length,
               CaptureDnsQuery *query)
{
  g_assert_cmpint (capture_dns_parse_query (message, length, query), ==, 0);
}

/* The question section of @answer is the query's, byte for byte; with QR
 * and ANCOUNT cleared the answer reads as the same query. */
static void
assert_round_trip (const guint8          *message,
                   const CaptureDnsQuery *query,
                   const guint8          *answer,
                   gsize                  answer_length)
{
  g_autofree guint8 *copy = g_memdup2 (answer, answer_length);
  CaptureDnsQuery again;

  g_assert_cmpuint (answer_length, >=, query->question_end);
  g_assert_cmpmem (answer + CAPTURE_DNS_HEADER_SIZE,
                   query->question_end - CAPTURE_DNS_HEADER_SIZE,
                   message + CAPTURE_DNS_HEADER_SIZE,
                   query->question_end - CAPTURE_DNS_HEADER_SIZE);
  copy[2] &= 0x7f;
  copy[6] = copy[7] = 0;
  parse_or_fail (copy, answer_length, &again);
  g_assert_cmphex (again.id, ==, query->id);
  g_assert_cmphex (again.flags, ==, (query->flags & 0x0100) | 0x0080);
  g_assert_cmpstr (again.name, ==, query->name);
  g_assert_cmpuint (again.type, ==, query->type);
  g_assert_cmpuint (again.klass, ==, query->klass);
  g_assert_cmpuint (again.question_end, ==, query->question_end);
}

static void
test_answer (gconstpointer data)
{
  const AnswerCase *c = data;
  const guint8 *message = (const guint8 *) c->query;
  CaptureDnsQuery query;
  guint8 out[512];
  gsize length;

  parse_or_fail (message, c->query_length, &query);
  memset (out, 0x5a, sizeof out);
  length = capture_dns_build_answer (message, &query, c->address, c->address_length, TTL_VALUE,
                                     out, sizeof out);
  g_assert_cmpmem (out, length, c->answer, c->answer_length);
  g_assert_cmphex (out[length], ==, 0x5a);
  assert_round_trip (message, &query, out, length);
}

/* Below the answer's length nothing is written and 0 comes back; at it
 * the same answer. */
static void
test_answer_size (gconstpointer data)
{
  const AnswerCase *c = data;
  const guint8 *message = (const guint8 *) c->query;
  CaptureDnsQuery query;

  parse_or_fail (message, c->query_length, &query);
  for (gsize size = 0; size <= c->answer_length; size++)
    {
      g_autofree guint8 *out = g_malloc (MAX (size, 1));
      g_autofree guint8 *untouched = g_malloc (MAX (size, 1));
      gsize length;

      g_test_message ("size %" G_GSIZE_FORMAT, size);
      memset (out, 0x5a, MAX (size, 1));
      memset (untouched, 0x5a, MAX (size, 1));
      length = capture_dns_build_answer (message, &query, c->address, c->address_length,
                                         TTL_VALUE, out, size);
      if (size < c->answer_length)
        {
          g_assert_cmpuint (length, ==, 0);
          g_assert_cmpmem (out, size, untouched, size);
        }
      else
        g_assert_cmpmem (out, length, c->answer, c->answer_length);
    }
}

/* The longest name, answered: 12 + 259 + 28 bytes. */
static void
test_answer_longest_name (void)
{
  g_autoptr(GByteArray) message = make_dotted_query (127);
  static const guint8 address[16] = { 0xfd, 0x62, [15] = 1 };
  CaptureDnsQuery query;
  guint8 out[12 + 259 + 28];

  parse_or_fail (message->data, message->len, &query);
  g_assert_cmpuint (capture_dns_build_answer (message->data, &query, address, 16, 0, out,
                                              sizeof out - 1), ==, 0);
  g_assert_cmpuint (capture_dns_build_answer (message->data, &query, address, 16, 0, out,
                                              sizeof out), ==, sizeof out);
  g_assert_cmpmem (out + sizeof out - 16, 16, address, 16);
  /* TTL 0 */
  g_assert_cmpmem (out + sizeof out - 22, 4, "\x00\x00\x00\x00", 4);
  assert_round_trip (message->data, &query, out, sizeof out);
}

/* resolv.conf */

typedef struct
{
  const char *name;
  const char *text;
  gsize max;
  const char *servers[CAPTURE_DNS_MAX_SERVERS + 1];     /* NULL-terminated */
} ResolvCase;

#define DEFAULT_SERVER { "127.0.0.1" }

static const ResolvCase resolv_cases[] = {
  { "one", "nameserver 192.0.2.1\n", 8, { "192.0.2.1" } },
  { "several", "nameserver 192.0.2.1\nnameserver 2001:db8::53\nnameserver 192.0.2.7\n", 8,
    { "192.0.2.1", "2001:db8::53", "192.0.2.7" } },
  { "systemd-resolved", "# This is /run/systemd/resolve/stub-resolv.conf\n"
    "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp.test\n", 8, { "127.0.0.53" } },
  { "other-lines", "domain corp.test\nsearch corp.test test\noptions ndots:2 timeout:1\n"
    "sortlist 192.0.2.0/24\nnameserver ::1\n", 8, { "::1" } },
  { "tab", "nameserver\t192.0.2.2\n", 8, { "192.0.2.2" } },
  { "spaces-and-tabs", "nameserver \t  192.0.2.3\t \n", 8, { "192.0.2.3" } },
  { "comments", "# nameserver 198.51.100.9\n; nameserver 198.51.100.8\nnameserver 192.0.2.1\n", 8,
    { "192.0.2.1" } },
  { "trailing-comment", "nameserver 192.0.2.1 # the office\nnameserver 192.0.2.2 ; spare\n", 8,
    { "192.0.2.1", "192.0.2.2" } },
  /* As glibc does: '#' and ';' end the address even without a space. */
  { "comment-touching", "nameserver 192.0.2.1#x\nnameserver 2001:db8::1;y\n", 8,
    { "192.0.2.1", "2001:db8::1" } },
  { "trailing-word", "nameserver 192.0.2.1 192.0.2.2\n", 8, { "192.0.2.1" } },
  { "scope", "nameserver fe80::1%eth0\n", 8, { "fe80::1" } },
  { "scope-number", "nameserver fe80::53%2 # link\n", 8, { "fe80::53" } },
  { "v4-mapped", "nameserver ::ffff:192.0.2.1\n", 8, { "::ffff:192.0.2.1" } },
  { "v6-longest", "nameserver 2001:0db8:0000:0000:0000:ffff:198.51.100.200\n", 8,
    { "2001:db8::ffff:c633:64c8" } },
  { "no-final-newline", "search corp.test\nnameserver 192.0.2.4", 8, { "192.0.2.4" } },
  { "blank-lines", "\n\n  \n\t\nnameserver 192.0.2.5\n\n", 8, { "192.0.2.5" } },
  { "duplicates-kept", "nameserver 192.0.2.1\nnameserver 192.0.2.1\n", 8,
    { "192.0.2.1", "192.0.2.1" } },
  /* A line that does not parse is skipped; the rest still count. */
  { "invalid-skipped", "nameserver 192.0.2.256\nnameserver banana\nnameserver 192.0.2\n"
    "nameserver [::1]\nnameserver ::1:53:\nnameserver 2001:db8::g\nnameserver 192.0.2.6\n",
    8, { "192.0.2.6" } },
  { "no-address", "nameserver\nnameserver \nnameserver\t\nnameserver #\nnameserver %eth0\n"
    "nameserver 192.0.2.7\n", 8, { "192.0.2.7" } },
  { "address-too-long", "nameserver 0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001\n"
    "nameserver 192.0.2.8\n", 8, { "192.0.2.8" } },
  /* The keyword is "nameserver", at the start of the line, then a blank. */
  { "nameservers", "nameservers 192.0.2.1\n", 8, DEFAULT_SERVER },
  { "no-blank", "nameserver192.0.2.1\n", 8, DEFAULT_SERVER },
  { "indented", " nameserver 192.0.2.1\n\tnameserver 192.0.2.2\n", 8, DEFAULT_SERVER },
  { "upper-case", "NAMESERVER 192.0.2.1\nNameserver 192.0.2.2\n", 8, DEFAULT_SERVER },
  { "prefix", "nameserve 192.0.2.1\n", 8, DEFAULT_SERVER },
  /* As glibc, which cuts the address at blanks, '#' and ';' only: with a
   * CR before the newline the address does not parse. */
  { "crlf", "nameserver 192.0.2.1\r\nnameserver 192.0.2.2\n", 8, { "192.0.2.2" } },
  { "crlf-only", "nameserver 192.0.2.1\r\n", 8, DEFAULT_SERVER },
  { "max-3", "nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\n"
    "nameserver 192.0.2.4\nnameserver 192.0.2.5\n", 3, { "192.0.2.1", "192.0.2.2", "192.0.2.3" } },
  { "max-1", "nameserver 2001:db8::1\nnameserver 192.0.2.2\n", 1, { "2001:db8::1" } },
  { "max-8", "nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\n"
    "nameserver 192.0.2.4\nnameserver 192.0.2.5\nnameserver 192.0.2.6\nnameserver 192.0.2.7\n"
    "nameserver 192.0.2.8\nnameserver 192.0.2.9\n", 8,
    { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7",
      "192.0.2.8" } },
  { "max-after-invalid", "nameserver x\nnameserver 192.0.2.1\nnameserver 192.0.2.2\n", 1,
    { "192.0.2.1" } },
  { "empty", "", 8, DEFAULT_SERVER },
  { "none", "search corp.test\noptions ndots:1\n", 8, DEFAULT_SERVER },
  { "none-max-1", "# nothing\n", 1, DEFAULT_SERVER },
};

/* @text's address with port 53, the rest zero, as a sockaddr_storage. */
static void
make_server (const char              *text,
             guint16                  port,
             struct sockaddr_storage *out)
{
  memset (out, 0, sizeof *out);
  if (strchr (text, ':') != NULL)
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) out;

      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons (port);
      g_assert_cmpint (inet_pton (AF_INET6, text, &in6->sin6_addr), ==, 1);
    }
  else
    {
      struct sockaddr_in *in = (struct sockaddr_in *) out;

      in->sin_family = AF_INET;
      in->sin_port = htons (port);
      g_assert_cmpint (inet_pton (AF_INET, text, &in->sin_addr), ==, 1);
    }
}

static socklen_t
length_of (const struct sockaddr_storage *address)
{
  return address->ss_family == AF_INET ? sizeof (struct sockaddr_in)
                                       : sizeof (struct sockaddr_in6);
}

static void
test_resolv_conf (gconstpointer data)
{
  const ResolvCase *c = data;
  struct sockaddr_storage servers[CAPTURE_DNS_MAX_SERVERS + 1];
  guint8 untouched[sizeof servers[0]];
  gsize expected = 0;
  gsize found;

  while (c->servers[expected] != NULL)
    expected++;
  memset (servers, 0xa5, sizeof servers);
  memset (untouched, 0xa5, sizeof untouched);
  found = capture_dns_parse_resolv_conf (c->text, servers, c->max);
  g_assert_cmpuint (found, ==, expected);
  for (gsize i = 0; i < found; i++)
    {
      struct sockaddr_storage server;

      g_test_message ("server %" G_GSIZE_FORMAT ": %s", i, c->servers[i]);
      make_server (c->servers[i], CAPTURE_DNS_PORT, &server);
      g_assert_cmpmem (&servers[i], sizeof servers[i], &server, sizeof server);
      g_assert_true (capture_dns_is_server (servers, found, (struct sockaddr *) &server,
                                            length_of (&server)));
    }
  /* Nothing past @max is written. */
  g_assert_cmpmem (&servers[c->max], sizeof servers[0], untouched, sizeof untouched);
}

static void
test_resolv_conf_edges (void)
{
  struct sockaddr_storage servers[2], loopback;
  guint8 untouched[sizeof servers];

  memset (servers, 0xa5, sizeof servers);
  memset (untouched, 0xa5, sizeof untouched);
  g_assert_cmpuint (capture_dns_parse_resolv_conf ("nameserver 192.0.2.1\n", servers, 0), ==, 0);
  g_assert_cmpuint (capture_dns_parse_resolv_conf ("", servers, 0), ==, 0);
  g_assert_cmpmem (servers, sizeof servers, untouched, sizeof untouched);

  make_server ("127.0.0.1", 53, &loopback);
  g_assert_cmpuint (capture_dns_parse_resolv_conf (NULL, servers, 2), ==, 1);
  g_assert_cmpmem (&servers[0], sizeof servers[0], &loopback, sizeof loopback);
  g_assert_cmpmem (&servers[1], sizeof servers[1], untouched, sizeof servers[1]);
}

/* Destinations */

typedef struct
{
  const char *address;
  guint16 port;
  gboolean mapped;              /* given as ::ffff:A.B.C.D */
  gboolean server;
} ServerCase;

static const ServerCase server_cases[] = {
  { "192.0.2.1", 53, FALSE, TRUE },
  { "192.0.2.1", 5353, FALSE, FALSE },
  { "192.0.2.1", 0, FALSE, FALSE },
  { "192.0.2.2", 53, FALSE, FALSE },
  { "192.0.2.1", 53, TRUE, TRUE },
  { "192.0.2.1", 54, TRUE, FALSE },
  { "2001:db8::53", 53, FALSE, TRUE },
  { "2001:db8::53", 853, FALSE, FALSE },
  { "2001:db8::54", 53, FALSE, FALSE },
  /* A server written ::ffff:192.0.2.9 is 192.0.2.9, either way asked. */
  { "192.0.2.9", 53, FALSE, TRUE },
  { "192.0.2.9", 53, TRUE, TRUE },
  { "192.0.2.10", 53, TRUE, FALSE },
  /* ::192.0.2.1 (IPv4-compatible) and ::1 are IPv6 addresses. */
  { "::192.0.2.1", 53, FALSE, FALSE },
  { "::1", 53, FALSE, FALSE },
  { "127.0.0.1", 53, FALSE, FALSE },
  { "0.0.0.0", 53, FALSE, FALSE },
  { "::", 53, FALSE, FALSE },
};

static const char *const test_servers[] = { "192.0.2.1", "2001:db8::53", "::ffff:192.0.2.9" };

static void
make_address (const ServerCase        *c,
              struct sockaddr_storage *out)
{
  g_autofree char *text = c->mapped ? g_strconcat ("::ffff:", c->address, NULL)
                                    : g_strdup (c->address);

  make_server (text, c->port, out);
}

static void
test_is_server (void)
{
  struct sockaddr_storage servers[G_N_ELEMENTS (test_servers)];

  for (gsize i = 0; i < G_N_ELEMENTS (test_servers); i++)
    make_server (test_servers[i], CAPTURE_DNS_PORT, &servers[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (server_cases); i++)
    {
      const ServerCase *c = &server_cases[i];
      struct sockaddr_storage address;

      g_test_message ("%s%s port %u", c->mapped ? "::ffff:" : "", c->address, c->port);
      make_address (c, &address);
      g_assert_cmpint (capture_dns_is_server (servers, G_N_ELEMENTS (servers),
                                              (struct sockaddr *) &address,
                                              length_of (&address)), ==, c->server);
      /* A longer length (a whole sockaddr_storage) is as good. */
      g_assert_cmpint (capture_dns_is_server (servers, G_N_ELEMENTS (servers),
                                              (struct sockaddr *) &address,
                                              sizeof address), ==, c->server);
      /* One byte short is not an address. */
      g_assert_cmpint (capture_dns_is_server (servers, G_N_ELEMENTS (servers),
                                              (struct sockaddr *) &address,
                                              length_of (&address) - 1), ==, 0);
      g_assert_cmpint (capture_dns_is_server (servers, 0, (struct sockaddr *) &address,
                                              length_of (&address)), ==, 0);
    }
}

/* The default server, from a resolv.conf without any. */
static void
test_is_server_default (void)
{
  struct sockaddr_storage servers[1], address;

  g_assert_cmpuint (capture_dns_parse_resolv_conf ("", servers, 1), ==, 1);
  make_server ("127.0.0.1", 53, &address);
  g_assert_true (capture_dns_is_server (servers, 1, (struct sockaddr *) &address,
                                        sizeof (struct sockaddr_in)));
  make_server ("::ffff:127.0.0.1", 53, &address);
  g_assert_true (capture_dns_is_server (servers, 1, (struct sockaddr *) &address,
                                        sizeof (struct sockaddr_in6)));
  make_server ("::1", 53, &address);
  g_assert_false (capture_dns_is_server (servers, 1, (struct sockaddr *) &address,
                                         sizeof (struct sockaddr_in6)));
}

static void
test_is_server_other_families (void)
{
  struct sockaddr_storage servers[1];
  struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/run/dns" };
  struct sockaddr_storage unspec = { .ss_family = AF_UNSPEC };

  make_server ("192.0.2.1", 53, &servers[0]);
  g_assert_false (capture_dns_is_server (servers, 1, (struct sockaddr *) &un, sizeof un));
  g_assert_false (capture_dns_is_server (servers, 1, (struct sockaddr *) &unspec,
                                         sizeof unspec));
}

static void
test_plain_address_v4 (void)
{
  struct sockaddr_storage address, out;

  make_server ("192.0.2.1", 443, &address);
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address,
                                               sizeof (struct sockaddr_in), &out),
                    ==, sizeof (struct sockaddr_in));
  g_assert_cmpmem (&out, sizeof (struct sockaddr_in), &address, sizeof (struct sockaddr_in));
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address, sizeof address,
                                               &out), ==, sizeof (struct sockaddr_in));
  g_assert_cmpmem (&out, sizeof (struct sockaddr_in), &address, sizeof (struct sockaddr_in));
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address,
                                               sizeof (struct sockaddr_in) - 1, &out), ==, 0);
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address, 0, &out), ==, 0);
}

static void
test_plain_address_v4_mapped (void)
{
  struct sockaddr_storage address, out, expected;

  make_server ("::ffff:192.0.2.1", 8443, &address);
  make_server ("192.0.2.1", 8443, &expected);
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address,
                                               sizeof (struct sockaddr_in6), &out),
                    ==, sizeof (struct sockaddr_in));
  g_assert_cmpmem (&out, sizeof (struct sockaddr_in), &expected, sizeof (struct sockaddr_in));
}

static void
test_plain_address_v6 (void)
{
  struct sockaddr_storage address, out;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &address;

  /* ::192.0.2.1 is IPv4-compatible, not mapped: left as it is. */
  static const char * const addresses[] = { "2001:db8::1", "::1", "::192.0.2.1", "fe80::1" };

  for (gsize i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      make_server (addresses[i], 53, &address);
      in6->sin6_scope_id = 2;
      in6->sin6_flowinfo = htonl (7);
      g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address,
                                                   sizeof (struct sockaddr_in6), &out),
                        ==, sizeof (struct sockaddr_in6));
      g_assert_cmpmem (&out, sizeof (struct sockaddr_in6), &address,
                       sizeof (struct sockaddr_in6));
      g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address,
                                                   sizeof (struct sockaddr_in6) - 1, &out),
                        ==, 0);
    }
  /* A mapped address with a short length is no address either. */
  make_server ("::ffff:192.0.2.1", 53, &address);
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &address,
                                               sizeof (struct sockaddr_in6) - 1, &out), ==, 0);
}

static void
test_plain_address_other (void)
{
  struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/run/dns" };
  struct sockaddr_storage unspec = { .ss_family = AF_UNSPEC }, netlink = { .ss_family = 16 };
  struct sockaddr_storage out;

  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &un, sizeof un, &out), ==, 0);
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &unspec, sizeof unspec, &out),
                    ==, 0);
  g_assert_cmpuint (capture_dns_plain_address ((struct sockaddr *) &netlink, sizeof netlink,
                                               &out), ==, 0);
}

static void
add_table_tests (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/dns/parse/", parse_cases[i].name, NULL);

      g_test_add_data_func (path, &parse_cases[i], test_parse);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (answer_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/dns/answer/", answer_cases[i].name, NULL);
      g_autofree char *size_path = g_strconcat ("/capture/dns/answer-size/",
                                                answer_cases[i].name, NULL);

      g_test_add_data_func (path, &answer_cases[i], test_answer);
      g_test_add_data_func (size_path, &answer_cases[i], test_answer_size);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (resolv_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/dns/resolv-conf/", resolv_cases[i].name,
                                           NULL);

      g_test_add_data_func (path, &resolv_cases[i], test_resolv_conf);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_table_tests ();
  g_test_add_func ("/capture/dns/parse-name-bytes", test_parse_name_bytes);
  g_test_add_func ("/capture/dns/parse-label-length", test_parse_label_length);
  g_test_add_func ("/capture/dns/parse-name-length", test_parse_name_length);
  g_test_add_func ("/capture/dns/parse-name-length-last-label",
                   test_parse_name_length_last_label);
  g_test_add_func ("/capture/dns/parse-truncated", test_parse_truncated);
  g_test_add_func ("/capture/dns/parse-flag-bits", test_parse_flag_bits);
  g_test_add_func ("/capture/dns/parse-counts", test_parse_counts);
  g_test_add_func ("/capture/dns/parse-null", test_parse_null);
  g_test_add_func ("/capture/dns/answer-longest-name", test_answer_longest_name);
  g_test_add_func ("/capture/dns/resolv-conf-edges", test_resolv_conf_edges);
  g_test_add_func ("/capture/dns/is-server", test_is_server);
  g_test_add_func ("/capture/dns/is-server-default", test_is_server_default);
  g_test_add_func ("/capture/dns/is-server-other-families", test_is_server_other_families);
  g_test_add_func ("/capture/dns/plain-address/v4", test_plain_address_v4);
  g_test_add_func ("/capture/dns/plain-address/v4-mapped", test_plain_address_v4_mapped);
  g_test_add_func ("/capture/dns/plain-address/v6", test_plain_address_v6);
  g_test_add_func ("/capture/dns/plain-address/other", test_plain_address_other);

  return g_test_run ();
}
