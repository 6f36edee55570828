// SPDX-License-Identifier: GPL-3.0-or-later
/* The capture protocol codec.  Frames are written out byte by byte here,
 * not made with the encoder, so these tests pin the wire format.  Every
 * valid frame decodes to the expected message, encodes back to the same
 * bytes, and every prefix of it needs more; every invalid one is refused
 * with the sentence a log would show, and leaves no half-filled message. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "burrow-capture-protocol.h"

/* A byte string literal and its length, NULs included.  Hex escapes are
 * kept in their own literals, since "\x0b" "example" is not "\x0bexample". */
#define BYTES(s) s, sizeof (s) - 1

/* 192.0.2.1 port 443; [2001:db8::1] port 22 */
#define ADDRESS_V4 "\x01\x07\x04\x01\xbb\xc0\x00\x02\x01"
#define ADDRESS_V6 "\x01\x13\x06\x00\x16\x20\x01\x0d\xb8\x00\x00\x00\x00" \
  "\x00\x00\x00\x00\x00\x00\x00\x01"
#define NAME_EXAMPLE "\x02\x0b" "example.com"
#define FLAGS_7 "\x03\x04\x00\x00\x00\x07"
#define ACTION(value) "\x0a\x01" value
#define ERRNO_111 "\x0b\x04\x00\x00\x00\x6f"
#define RULE_3 "\x0c\x04\x00\x00\x00\x03"

#define V4_BYTES { 192, 0, 2, 1 }
#define V6_BYTES { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }

#define HAS_ADDRESS BURROW_CAPTURE_HAS_ADDRESS
#define HAS_NAME BURROW_CAPTURE_HAS_NAME
#define HAS_FLAGS BURROW_CAPTURE_HAS_FLAGS
#define HAS_FAMILY BURROW_CAPTURE_HAS_FAMILY
#define HAS_ACTION BURROW_CAPTURE_HAS_ACTION
#define HAS_ERRNO BURROW_CAPTURE_HAS_ERRNO
#define HAS_RULE BURROW_CAPTURE_HAS_RULE

#define CONNECT_V4 .type = BURROW_CAPTURE_CONNECT, .family = 4, .port = 443, .address = V4_BYTES
#define CONNECT_V6 .type = BURROW_CAPTURE_CONNECT, .family = 6, .port = 22, .address = V6_BYTES

#define WHY_TYPE "The message type is unknown."
#define WHY_BODY_LONG "The frame's body is longer than 1024 bytes."
#define WHY_VERSION "The frame is of a protocol version other than 1."
#define WHY_TWICE(field) "The message has two " field " fields."
#define WHY_EXECUTABLE "An EXECUTABLE field does not start with '/' or holds a byte that " \
                       "is not printable ASCII."
#define WHY_ADDRESS_LENGTH "An ADDRESS field is neither 7 nor 19 bytes long."
#define WHY_ADDRESS_FAMILY "An ADDRESS field's family is neither 4 nor 6."
#define WHY_ADDRESS_DISAGREES "An ADDRESS field's family disagrees with its length."
#define WHY_NAME_LENGTH "A NAME field is empty or longer than 253 bytes."
#define WHY_NAME_BYTE "A NAME field holds a byte other than a letter, a digit, '.', '-' or '_'."
#define WHY_FLAGS_LENGTH "A FLAGS field is not 4 bytes long."
#define WHY_FAMILY_LENGTH "A FAMILY field is not 1 byte long."
#define WHY_FAMILY_VALUE "A FAMILY field is neither 0, 4 nor 6."
#define WHY_ACTION_LENGTH "An ACTION field is not 1 byte long."
#define WHY_ACTION_VALUE "An ACTION field is not 0, 1 or 2."
#define WHY_ERRNO_LENGTH "An ERRNO field is not 4 bytes long."
#define WHY_ERRNO_VALUE "An ERRNO field is not between 1 and 4095."
#define WHY_RULE_LENGTH "A RULE field is not 4 bytes long."
#define WHY_FAIL "A FAIL verdict has no ERRNO field."
#define WHY_NO_ADDRESS "A CONNECT message has no ADDRESS field."
#define WHY_NO_NAME "A RESOLVE message has no NAME field."
#define WHY_NO_ACTION "A VERDICT message has no ACTION field."
#define WHY_HEADER_PAST "A field's header runs past the end of the body."
#define WHY_FIELD_PAST "A field runs past the end of the body."

#define NAME_ALPHABET "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"

typedef struct
{
  const char *name;
  const char *body;
  gsize body_length;
  BurrowCaptureMessage expected;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "connect-ipv4", BYTES (ADDRESS_V4), { CONNECT_V4, .present = HAS_ADDRESS } },
  { "connect-ipv6", BYTES (ADDRESS_V6), { CONNECT_V6, .present = HAS_ADDRESS } },
  { "connect-name", BYTES (ADDRESS_V4 NAME_EXAMPLE),
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_NAME, .name = "example.com" } },
  { "connect-flags", BYTES (ADDRESS_V6 FLAGS_7),
    { CONNECT_V6, .present = HAS_ADDRESS | HAS_FLAGS, .flags = 7 } },
  { "connect-all", BYTES (ADDRESS_V4 NAME_EXAMPLE FLAGS_7),
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_NAME | HAS_FLAGS, .name = "example.com",
      .flags = 7 } },
  /* Unknown bits are kept. */
  { "connect-unknown-flags", BYTES (ADDRESS_V4 "\x03\x04\xff\xff\xff\xf8"),
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_FLAGS, .flags = 0xfffffff8 } },
  { "connect-flags-zero", BYTES (ADDRESS_V4 "\x03\x04\x00\x00\x00\x00"),
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_FLAGS } },
  { "connect-zeros", BYTES ("\x01\x07\x04\x00\x00\x00\x00\x00\x00"),
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_ADDRESS, .family = 4 } },
  { "connect-port-65535", BYTES ("\x01\x07\x04\xff\xff\x7f\x00\x00\x01"),
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_ADDRESS, .family = 4, .port = 65535,
      .address = { 127, 0, 0, 1 } } },
  { "connect-name-one-byte", BYTES (ADDRESS_V4 "\x02\x01" "_"),
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_NAME, .name = "_" } },
  { "resolve", BYTES (NAME_EXAMPLE),
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME, .name = "example.com" } },
  { "resolve-any", BYTES (NAME_EXAMPLE "\x04\x01\x00"),
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME | HAS_FAMILY,
      .name = "example.com" } },
  { "resolve-ipv4", BYTES (NAME_EXAMPLE "\x04\x01\x04"),
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME | HAS_FAMILY,
      .name = "example.com", .query_family = 4 } },
  { "resolve-ipv6", BYTES ("\x02\x14" "Host-1.EXAMPLE_2.org" "\x04\x01\x06"),
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME | HAS_FAMILY,
      .name = "Host-1.EXAMPLE_2.org", .query_family = 6 } },
  { "verdict-direct", BYTES (ACTION ("\x00")),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION,
      .action = BURROW_CAPTURE_ACTION_DIRECT } },
  { "verdict-tunnelled", BYTES (ACTION ("\x01")),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION,
      .action = BURROW_CAPTURE_ACTION_TUNNELLED } },
  { "verdict-tunnelled-rule", BYTES (ACTION ("\x01") RULE_3),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_RULE,
      .action = BURROW_CAPTURE_ACTION_TUNNELLED, .rule = 3 } },
  { "verdict-fail", BYTES (ACTION ("\x02") ERRNO_111),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_ERRNO,
      .action = BURROW_CAPTURE_ACTION_FAIL, .error_number = 111 } },
  { "verdict-fail-all", BYTES (ACTION ("\x02") "\x0b\x04\x00\x00\x0f\xff"
                               "\x0c\x04\x00\x00\x00\x00"),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_ERRNO | HAS_RULE,
      .action = BURROW_CAPTURE_ACTION_FAIL, .error_number = 4095 } },
  /* ERRNO may come with any action; only FAIL needs it. */
  { "verdict-direct-errno", BYTES (ACTION ("\x00") "\x0b\x04\x00\x00\x00\x01"),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_ERRNO, .error_number = 1 } },
  { "verdict-rule-max", BYTES (ACTION ("\x00") "\x0c\x04\xff\xff\xff\xff"),
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_RULE, .rule = 0xffffffff } },
  { "resolved-none", BYTES (""), { .type = BURROW_CAPTURE_RESOLVED } },
  { "resolved-ipv4", BYTES ("\x01\x07\x04\x00\x00\xc6\x12\x00\x01"),
    { .type = BURROW_CAPTURE_RESOLVED, .present = HAS_ADDRESS, .family = 4,
      .address = { 198, 18, 0, 1 } } },
  { "resolved-ipv6", BYTES (ADDRESS_V6),
    { .type = BURROW_CAPTURE_RESOLVED, .present = HAS_ADDRESS, .family = 6, .port = 22,
      .address = V6_BYTES } },
  { "report", BYTES (ADDRESS_V4),
    { .type = BURROW_CAPTURE_REPORT, .family = 4, .port = 443, .address = V4_BYTES,
      .present = HAS_ADDRESS } },
  { "report-all", BYTES (ADDRESS_V6 FLAGS_7 RULE_3),
    { .type = BURROW_CAPTURE_REPORT, .family = 6, .port = 22, .address = V6_BYTES,
      .present = HAS_ADDRESS | HAS_FLAGS | HAS_RULE, .flags = 7, .rule = 3 } },
  { "report-executable", BYTES (ADDRESS_V4 "\x05\x0d/usr/bin/curl"),
    { .type = BURROW_CAPTURE_REPORT, .family = 4, .port = 443, .address = V4_BYTES,
      .present = HAS_ADDRESS | BURROW_CAPTURE_HAS_EXECUTABLE, .executable = "/usr/bin/curl" } },
  /* A seccomp supervisor's questions name the program (PID). */
  { "connect-pid", BYTES (ADDRESS_V4 "\x06\x04\x00\x00\x30\x39"),
    { .type = BURROW_CAPTURE_CONNECT, .family = 4, .port = 443, .address = V4_BYTES,
      .present = HAS_ADDRESS | BURROW_CAPTURE_HAS_PID, .pid = 12345 } },
  { "resolve-pid-max", BYTES (NAME_EXAMPLE "\x06\x04\x7f\xff\xff\xff"),
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME | BURROW_CAPTURE_HAS_PID,
      .name = "example.com", .pid = 0x7fffffff } },
  { "report-pid", BYTES (ADDRESS_V4 "\x06\x04\x00\x00\x00\x01"),
    { .type = BURROW_CAPTURE_REPORT, .family = 4, .port = 443, .address = V4_BYTES,
      .present = HAS_ADDRESS | BURROW_CAPTURE_HAS_PID, .pid = 1 } },
  { "error", BYTES (""), { .type = BURROW_CAPTURE_ERROR } },
  { "error-errno", BYTES ("\x0b\x04\x00\x00\x00\x5d"),
    { .type = BURROW_CAPTURE_ERROR, .present = HAS_ERRNO, .error_number = 93 } },
};

typedef struct
{
  const char *name;
  guint8 type;
  const char *body;
  gsize body_length;
  const char *why;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* Required fields */
  { "connect-empty", BURROW_CAPTURE_CONNECT, BYTES (""), WHY_NO_ADDRESS },
  { "connect-no-address", BURROW_CAPTURE_CONNECT, BYTES (NAME_EXAMPLE FLAGS_7), WHY_NO_ADDRESS },
  { "report-no-address", BURROW_CAPTURE_REPORT, BYTES (FLAGS_7 RULE_3),
    "A REPORT message has no ADDRESS field." },
  { "report-executable-relative", BURROW_CAPTURE_REPORT, BYTES (ADDRESS_V4 "\x05\x04" "curl"),
    WHY_EXECUTABLE },
  { "report-executable-newline", BURROW_CAPTURE_REPORT, BYTES (ADDRESS_V4 "\x05\x03/a\n"),
    WHY_EXECUTABLE },
  { "report-executable-utf8", BURROW_CAPTURE_REPORT, BYTES (ADDRESS_V4 "\x05\x03/\xc3\xa9"),
    WHY_EXECUTABLE },
  { "report-executable-nul", BURROW_CAPTURE_REPORT, BYTES (ADDRESS_V4 "\x05\x03/a\x00"),
    WHY_EXECUTABLE },
  { "report-executable-empty", BURROW_CAPTURE_REPORT, BYTES (ADDRESS_V4 "\x05\x00"),
    "An EXECUTABLE field is empty." },
  { "report-executable-twice", BURROW_CAPTURE_REPORT,
    BYTES (ADDRESS_V4 "\x05\x02/a" "\x05\x02/b"), WHY_TWICE ("EXECUTABLE") },
  { "connect-pid-zero", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x06\x04\x00\x00\x00\x00"),
    "A PID field is not between 1 and 2^31 - 1." },
  { "connect-pid-negative", BURROW_CAPTURE_CONNECT,
    BYTES (ADDRESS_V4 "\x06\x04\x80\x00\x00\x00"), "A PID field is not between 1 and 2^31 - 1." },
  { "connect-pid-short", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x06\x02\x00\x01"),
    "A PID field is not 4 bytes long." },
  { "connect-pid-twice", BURROW_CAPTURE_CONNECT,
    BYTES (ADDRESS_V4 "\x06\x04\x00\x00\x00\x01" "\x06\x04\x00\x00\x00\x02"),
    WHY_TWICE ("PID") },
  { "resolve-empty", BURROW_CAPTURE_RESOLVE, BYTES (""), WHY_NO_NAME },
  { "resolve-no-name", BURROW_CAPTURE_RESOLVE, BYTES ("\x04\x01\x04"), WHY_NO_NAME },
  { "verdict-empty", BURROW_CAPTURE_VERDICT, BYTES (""), WHY_NO_ACTION },
  { "verdict-no-action", BURROW_CAPTURE_VERDICT, BYTES (ERRNO_111 RULE_3), WHY_NO_ACTION },
  { "verdict-fail-no-errno", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x02")), WHY_FAIL },
  { "verdict-fail-rule-no-errno", BURROW_CAPTURE_VERDICT, BYTES (RULE_3 ACTION ("\x02")),
    WHY_FAIL },

  /* The same tag twice */
  { "twice-address", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 ADDRESS_V4),
    WHY_TWICE ("ADDRESS") },
  { "twice-address-families", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V6 NAME_EXAMPLE ADDRESS_V4),
    WHY_TWICE ("ADDRESS") },
  { "twice-name-connect", BURROW_CAPTURE_CONNECT, BYTES (NAME_EXAMPLE ADDRESS_V4 NAME_EXAMPLE),
    WHY_TWICE ("NAME") },
  { "twice-flags", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 FLAGS_7 FLAGS_7),
    WHY_TWICE ("FLAGS") },
  { "twice-name-resolve", BURROW_CAPTURE_RESOLVE, BYTES (NAME_EXAMPLE "\x02\x01" "a"),
    WHY_TWICE ("NAME") },
  { "twice-family", BURROW_CAPTURE_RESOLVE, BYTES ("\x04\x01\x04" NAME_EXAMPLE "\x04\x01\x04"),
    WHY_TWICE ("FAMILY") },
  { "twice-action", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x00") ACTION ("\x01")),
    WHY_TWICE ("ACTION") },
  { "twice-errno-verdict", BURROW_CAPTURE_VERDICT, BYTES (ERRNO_111 ACTION ("\x02") ERRNO_111),
    WHY_TWICE ("ERRNO") },
  { "twice-rule", BURROW_CAPTURE_VERDICT, BYTES (RULE_3 ACTION ("\x00") RULE_3),
    WHY_TWICE ("RULE") },
  { "twice-address-resolved", BURROW_CAPTURE_RESOLVED, BYTES (ADDRESS_V6 ADDRESS_V6),
    WHY_TWICE ("ADDRESS") },
  { "twice-errno-error", BURROW_CAPTURE_ERROR, BYTES (ERRNO_111 ERRNO_111), WHY_TWICE ("ERRNO") },
  /* Twice wins over a wrong length: the first one stands. */
  { "twice-second-wrong-length", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x00") "\x0a\x00"),
    WHY_TWICE ("ACTION") },

  /* Wrong lengths */
  { "address-length-0", BURROW_CAPTURE_CONNECT, BYTES ("\x01\x00"), WHY_ADDRESS_LENGTH },
  { "address-length-1", BURROW_CAPTURE_CONNECT, BYTES ("\x01\x01\x04"), WHY_ADDRESS_LENGTH },
  { "address-length-6", BURROW_CAPTURE_CONNECT, BYTES ("\x01\x06\x04\x01\xbb\xc0\x00\x02"),
    WHY_ADDRESS_LENGTH },
  { "address-length-8", BURROW_CAPTURE_CONNECT, BYTES ("\x01\x08\x04\x01\xbb\xc0\x00\x02\x01\x00"),
    WHY_ADDRESS_LENGTH },
  { "address-length-18", BURROW_CAPTURE_RESOLVED,
    BYTES ("\x01\x12\x06\x00\x16\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
    WHY_ADDRESS_LENGTH },
  { "address-length-20", BURROW_CAPTURE_RESOLVED, BYTES ("\x01\x14\x06\x00\x16\x20\x01\x0d\xb8"
                                                         "\x00\x00\x00\x00\x00\x00\x00\x00"
                                                         "\x00\x00\x00\x01\x00"),
    WHY_ADDRESS_LENGTH },
  { "name-length-0-connect", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x02\x00"),
    WHY_NAME_LENGTH },
  { "name-length-0-resolve", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x00"), WHY_NAME_LENGTH },
  { "flags-length-0", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x03\x00"), WHY_FLAGS_LENGTH },
  { "flags-length-3", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x03\x03\x00\x00\x07"),
    WHY_FLAGS_LENGTH },
  { "flags-length-5", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x03\x05\x00\x00\x00\x00\x07"),
    WHY_FLAGS_LENGTH },
  { "family-length-0", BURROW_CAPTURE_RESOLVE, BYTES (NAME_EXAMPLE "\x04\x00"),
    WHY_FAMILY_LENGTH },
  { "family-length-2", BURROW_CAPTURE_RESOLVE, BYTES (NAME_EXAMPLE "\x04\x02\x00\x04"),
    WHY_FAMILY_LENGTH },
  { "action-length-0", BURROW_CAPTURE_VERDICT, BYTES ("\x0a\x00"), WHY_ACTION_LENGTH },
  { "action-length-2", BURROW_CAPTURE_VERDICT, BYTES ("\x0a\x02\x00\x00"), WHY_ACTION_LENGTH },
  { "errno-length-3", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x02") "\x0b\x03\x00\x00\x6f"),
    WHY_ERRNO_LENGTH },
  { "errno-length-5", BURROW_CAPTURE_ERROR, BYTES ("\x0b\x05\x00\x00\x00\x00\x6f"),
    WHY_ERRNO_LENGTH },
  { "errno-length-0", BURROW_CAPTURE_ERROR, BYTES ("\x0b\x00"), WHY_ERRNO_LENGTH },
  { "rule-length-0", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x00") "\x0c\x00"),
    WHY_RULE_LENGTH },
  { "rule-length-3", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x00") "\x0c\x03\x00\x00\x03"),
    WHY_RULE_LENGTH },
  { "rule-length-5", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x00") "\x0c\x05\x00\x00\x00\x00\x03"),
    WHY_RULE_LENGTH },

  /* Wrong values */
  { "address-family-4-length-19", BURROW_CAPTURE_CONNECT,
    BYTES ("\x01\x13\x04\x00\x16\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
           "\x01"),
    WHY_ADDRESS_DISAGREES },
  { "address-family-6-length-7", BURROW_CAPTURE_CONNECT,
    BYTES ("\x01\x07\x06\x01\xbb\xc0\x00\x02\x01"), WHY_ADDRESS_DISAGREES },
  { "address-family-6-length-7-resolved", BURROW_CAPTURE_RESOLVED,
    BYTES ("\x01\x07\x06\x01\xbb\xc0\x00\x02\x01"), WHY_ADDRESS_DISAGREES },
  { "address-family-0", BURROW_CAPTURE_CONNECT, BYTES ("\x01\x07\x00\x01\xbb\xc0\x00\x02\x01"),
    WHY_ADDRESS_FAMILY },
  { "address-family-2", BURROW_CAPTURE_CONNECT, BYTES ("\x01\x07\x02\x01\xbb\xc0\x00\x02\x01"),
    WHY_ADDRESS_FAMILY },
  { "address-family-10", BURROW_CAPTURE_RESOLVED,
    BYTES ("\x01\x13\x0a\x00\x16\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
           "\x01"),
    WHY_ADDRESS_FAMILY },
  { "family-1", BURROW_CAPTURE_RESOLVE, BYTES (NAME_EXAMPLE "\x04\x01\x01"), WHY_FAMILY_VALUE },
  { "family-5", BURROW_CAPTURE_RESOLVE, BYTES (NAME_EXAMPLE "\x04\x01\x05"), WHY_FAMILY_VALUE },
  { "family-255", BURROW_CAPTURE_RESOLVE, BYTES (NAME_EXAMPLE "\x04\x01\xff"), WHY_FAMILY_VALUE },
  { "action-3", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x03") ERRNO_111), WHY_ACTION_VALUE },
  { "action-255", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\xff")), WHY_ACTION_VALUE },
  { "errno-0", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x02") "\x0b\x04\x00\x00\x00\x00"),
    WHY_ERRNO_VALUE },
  { "errno-4096", BURROW_CAPTURE_VERDICT, BYTES (ACTION ("\x02") "\x0b\x04\x00\x00\x10\x00"),
    WHY_ERRNO_VALUE },
  { "errno-max", BURROW_CAPTURE_ERROR, BYTES ("\x0b\x04\xff\xff\xff\xff"), WHY_ERRNO_VALUE },
  { "errno-0-error", BURROW_CAPTURE_ERROR, BYTES ("\x0b\x04\x00\x00\x00\x00"), WHY_ERRNO_VALUE },
  { "name-space", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x0b" "example com"), WHY_NAME_BYTE },
  { "name-nul", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x0c" "example.com" "\x00"), WHY_NAME_BYTE },
  { "name-nul-first", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x01\x00"), WHY_NAME_BYTE },
  { "name-newline", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x02\x05" "a\nb.c"),
    WHY_NAME_BYTE },
  /* Between '.' and '_' in ASCII, not in the alphabet. */
  { "name-slash", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x03" "a/b"), WHY_NAME_BYTE },
  { "name-colon", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x03" "::1"), WHY_NAME_BYTE },
  { "name-at", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x0c" "user@example"), WHY_NAME_BYTE },
  { "name-bracket", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x05" "[::1]"), WHY_NAME_BYTE },
  { "name-high-byte", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\x06" "caf\xc3\xa9" "s"),
    WHY_NAME_BYTE },

  /* Bounds */
  { "field-header-past-body", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x63"),
    WHY_HEADER_PAST },
  { "tag-only", BURROW_CAPTURE_ERROR, BYTES ("\x0b"), WHY_HEADER_PAST },
  { "unknown-field-past-body", BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4 "\x63\x05\x00\x00"),
    WHY_FIELD_PAST },
  { "known-field-past-body", BURROW_CAPTURE_CONNECT,
    BYTES ("\x01\x13\x06\x00\x16\x20\x01\x0d\xb8\x00\x00\x00\x00"), WHY_FIELD_PAST },
  { "name-past-body", BURROW_CAPTURE_RESOLVE, BYTES ("\x02\xff" "example.com"), WHY_FIELD_PAST },
};

/* The frame of @body_length bytes of @body. */
static GByteArray *
make_frame (guint8      type,
            const char *body,
            gsize       body_length)
{
  GByteArray *frame = g_byte_array_new ();
  guint8 header[4] = { BURROW_CAPTURE_VERSION, type, body_length >> 8, body_length & 0xff };

  g_assert_cmpuint (body_length, <=, G_MAXUINT16);
  g_byte_array_append (frame, header, sizeof header);
  g_byte_array_append (frame, (const guint8 *) body, body_length);
  return frame;
}

/* A field of @length bytes, each @fill. */
static void
append_field (GByteArray *body,
              guint8      tag,
              gsize       length,
              guint8      fill)
{
  guint8 header[2] = { tag, length };

  g_assert_cmpuint (length, <=, 255);
  g_byte_array_append (body, header, sizeof header);
  for (gsize i = 0; i < length; i++)
    g_byte_array_append (body, &fill, 1);
}

static void
assert_zero (const BurrowCaptureMessage *message)
{
  BurrowCaptureMessage zero;

  memset (&zero, 0, sizeof zero);
  g_assert_cmpmem (message, sizeof *message, &zero, sizeof zero);
}

/* Field by field, unused ones too: decode must leave those zero. */
static void
assert_message_equal (const BurrowCaptureMessage *message,
                      const BurrowCaptureMessage *expected)
{
  g_assert_cmpuint (message->type, ==, expected->type);
  g_assert_cmphex (message->present, ==, expected->present);
  g_assert_cmpuint (message->family, ==, expected->family);
  g_assert_cmpuint (message->port, ==, expected->port);
  g_assert_cmpmem (message->address, sizeof message->address, expected->address,
                   sizeof expected->address);
  g_assert_cmpstr (message->name, ==, expected->name);
  g_assert_cmpmem (message->name, sizeof message->name, expected->name, sizeof expected->name);
  g_assert_cmphex (message->flags, ==, expected->flags);
  g_assert_cmpuint (message->query_family, ==, expected->query_family);
  g_assert_cmpuint (message->action, ==, expected->action);
  g_assert_cmpuint (message->error_number, ==, expected->error_number);
  g_assert_cmpuint (message->rule, ==, expected->rule);
}

static BurrowCaptureDecodeStatus
decode (const guint8         *data,
        gsize                 length,
        BurrowCaptureMessage *message,
        gsize                *consumed,
        const char          **why)
{
  /* Garbage first, so what decode leaves is what it wrote. */
  memset (message, 0xa5, sizeof *message);
  *consumed = 12345;
  *why = "not set";
  return burrow_capture_message_decode (data, length, message, consumed, why);
}

static void
assert_decodes (const guint8         *data,
                gsize                 length,
                BurrowCaptureMessage *message,
                gsize                 frame_length)
{
  const char *why;
  gsize consumed;

  g_assert_cmpint (decode (data, length, message, &consumed, &why), ==,
                   BURROW_CAPTURE_DECODE_OK);
  g_assert_cmpuint (consumed, ==, frame_length);
  g_assert_null (why);
}

static void
assert_refused (const guint8              *data,
                gsize                      length,
                BurrowCaptureDecodeStatus  status,
                const char                *expected_why)
{
  BurrowCaptureMessage message;
  const char *why;
  gsize consumed;

  g_assert_cmpint (decode (data, length, &message, &consumed, &why), ==, status);
  g_assert_cmpuint (consumed, ==, 0);
  g_assert_cmpstr (why, ==, expected_why);
  assert_zero (&message);
}

static void
assert_need_more (const guint8 *data,
                  gsize         length)
{
  assert_refused (data, length, BURROW_CAPTURE_DECODE_NEED_MORE, NULL);
}

/* Encodes @message, which must be valid, and checks that the encoder needs
 * every byte of the buffer and leaves a short one alone. */
static gsize
assert_encodes (const BurrowCaptureMessage *message,
                guint8                     *out)
{
  guint8 short_out[BURROW_CAPTURE_MAX_FRAME];
  gsize length = burrow_capture_message_encode (message, out, BURROW_CAPTURE_MAX_FRAME);

  g_assert_cmpuint (length, >=, BURROW_CAPTURE_HEADER_SIZE);
  g_assert_cmpuint (length, <=, BURROW_CAPTURE_MAX_FRAME);
  memset (short_out, 0xa5, sizeof short_out);
  g_assert_cmpuint (burrow_capture_message_encode (message, short_out, length - 1), ==, 0);
  for (gsize i = 0; i < sizeof short_out; i++)
    g_assert_cmphex (short_out[i], ==, 0xa5);
  g_assert_cmpuint (burrow_capture_message_encode (message, short_out, length), ==, length);
  g_assert_cmpmem (short_out, length, out, length);
  return length;
}

static void
test_valid (gconstpointer data)
{
  const ValidCase *test = data;
  g_autoptr(GByteArray) frame = make_frame (test->expected.type, test->body,
                                            test->body_length);
  BurrowCaptureMessage message;
  BurrowCaptureMessage again;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  gsize length;

  assert_decodes (frame->data, frame->len, &message, frame->len);
  assert_message_equal (&message, &test->expected);

  /* Fields are written in tag order, so these frames are what it writes. */
  length = assert_encodes (&test->expected, out);
  g_assert_cmpmem (out, length, frame->data, frame->len);
  length = assert_encodes (&message, out);
  assert_decodes (out, length, &again, length);
  g_assert_cmpmem (&again, sizeof again, &message, sizeof message);

  for (gsize i = 0; i < frame->len; i++)
    assert_need_more (frame->data, i);

  /* What follows the frame is not its business. */
  g_byte_array_append (frame, (const guint8 *) "\x02\x01\x00\x00", 4);
  assert_decodes (frame->data, frame->len, &message, frame->len - 4);
  assert_message_equal (&message, &test->expected);
}

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *test = data;
  g_autoptr(GByteArray) frame = make_frame (test->type, test->body, test->body_length);

  assert_refused (frame->data, frame->len, BURROW_CAPTURE_DECODE_INVALID, test->why);
  /* Nothing is judged before the body is complete. */
  for (gsize i = 0; i < frame->len; i++)
    assert_need_more (frame->data, i);
  g_byte_array_append (frame, (const guint8 *) ADDRESS_V4, 9);
  assert_refused (frame->data, frame->len, BURROW_CAPTURE_DECODE_INVALID, test->why);
}

static void
test_wire_header (void)
{
  /* RESOLVE, 13 bytes of body: the length is big-endian. */
  static const guint8 resolve[] = { 0x01, 0x02, 0x00, 0x0d, 0x02, 0x0b, 'e', 'x', 'a', 'm', 'p',
                                    'l', 'e', '.', 'c', 'o', 'm' };
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) frame = NULL;
  BurrowCaptureMessage message;

  assert_decodes (resolve, sizeof resolve, &message, sizeof resolve);
  g_assert_cmpuint (message.type, ==, BURROW_CAPTURE_RESOLVE);
  g_assert_cmpstr (message.name, ==, "example.com");

  /* A body of 0x0104 bytes: 0x04 0x01 would be 1025, 0x01 0x04 is 260. */
  g_byte_array_append (body, (const guint8 *) ADDRESS_V4, 9);
  append_field (body, 0x63, 249, 0);
  frame = make_frame (BURROW_CAPTURE_CONNECT, (const char *) body->data, body->len);
  g_assert_cmphex (frame->data[2], ==, 0x01);
  g_assert_cmphex (frame->data[3], ==, 0x04);
  assert_decodes (frame->data, frame->len, &message, 4 + 0x104);
}

/* The version byte is judged alone, as soon as it arrives. */
static void
test_bad_version (void)
{
  static const guint8 versions[] = { 0, 2, 3, 0x80, 0xff };
  g_autoptr(GByteArray) frame = make_frame (BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4));

  for (gsize i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      frame->data[0] = versions[i];
      for (gsize length = 1; length <= frame->len; length++)
        assert_refused (frame->data, length, BURROW_CAPTURE_DECODE_BAD_VERSION, WHY_VERSION);
    }
  /* Even a header no version 1 frame could have. */
  assert_refused ((const guint8 *) "\x02\x00\xff\xff", 4, BURROW_CAPTURE_DECODE_BAD_VERSION,
                  WHY_VERSION);
  assert_need_more ((const guint8 *) "\x01", 1);
}

/* The type and the body length are judged as soon as the header is there,
 * without waiting for the body. */
static void
test_bad_header (void)
{
  static const guint8 types[] = { 0, 4, 5, 0x7f, 0x80, 0x83, 0xc1, 0xfe };
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) frame = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      guint8 header[4] = { 1, types[i], 0, 9 };
      g_autoptr(GByteArray) with_body = make_frame (types[i], BYTES (ADDRESS_V4));

      assert_refused (header, sizeof header, BURROW_CAPTURE_DECODE_INVALID, WHY_TYPE);
      assert_refused (with_body->data, with_body->len, BURROW_CAPTURE_DECODE_INVALID, WHY_TYPE);
      assert_need_more (header, 3);
    }
  assert_refused ((const guint8 *) "\x01\x01\x04\x01", 4, BURROW_CAPTURE_DECODE_INVALID,
                  WHY_BODY_LONG);
  assert_refused ((const guint8 *) "\x01\xfe\xff\xff", 4, BURROW_CAPTURE_DECODE_INVALID,
                  WHY_TYPE);
  assert_refused ((const guint8 *) "\x01\xff\xff\xff", 4, BURROW_CAPTURE_DECODE_INVALID,
                  WHY_BODY_LONG);
  assert_refused ((const guint8 *) "\x01\x82\xff\xff", 4, BURROW_CAPTURE_DECODE_INVALID,
                  WHY_BODY_LONG);

  /* 1025 bytes of body in full: refused all the same. */
  g_byte_array_append (body, (const guint8 *) ADDRESS_V4, 9);
  for (int i = 0; i < 4; i++)
    append_field (body, 0x63, 252, 0);
  g_assert_cmpuint (body->len, ==, 1025);
  frame = make_frame (BURROW_CAPTURE_CONNECT, (const char *) body->data, body->len);
  assert_refused (frame->data, frame->len, BURROW_CAPTURE_DECODE_INVALID, WHY_BODY_LONG);
}

/* The longest body: 1024 bytes, most of them unknown fields. */
static void
test_longest_body (void)
{
  static const BurrowCaptureMessage expected = { CONNECT_V4, .present = HAS_ADDRESS };
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) frame = NULL;
  BurrowCaptureMessage message;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];

  g_byte_array_append (body, (const guint8 *) ADDRESS_V4, 9);
  for (int i = 0; i < 3; i++)
    append_field (body, 0x63, 255, 0xff);
  append_field (body, 0x64, 1024 - 9 - 3 * 257 - 2, 0xff);
  g_assert_cmpuint (body->len, ==, BURROW_CAPTURE_MAX_BODY);
  frame = make_frame (BURROW_CAPTURE_CONNECT, (const char *) body->data, body->len);
  g_assert_cmpuint (frame->len, ==, BURROW_CAPTURE_MAX_FRAME);

  assert_decodes (frame->data, frame->len, &message, BURROW_CAPTURE_MAX_FRAME);
  assert_message_equal (&message, &expected);
  g_assert_cmpuint (assert_encodes (&message, out), ==, 4 + 9);
  assert_need_more (frame->data, frame->len - 1);
}

/* Unknown tags, and tags of other message types, are skipped unread:
 * whatever their length and value, however often. */
static void
test_skipped_tags (void)
{
  static const struct
  {
    guint8 type;
    const char *body;
    gsize body_length;
    const char *plain;
    gsize plain_length;
  } cases[] = {
    { BURROW_CAPTURE_CONNECT,
      BYTES ("\x00\x00" ADDRESS_V4 "\x63\x03" "abc" NAME_EXAMPLE "\xff\x00"),
      BYTES (ADDRESS_V4 NAME_EXAMPLE) },
    { BURROW_CAPTURE_CONNECT, BYTES ("\x05\x01\x00" "\x09\x02\x00\x00" "\x0d\x00" "\x1f\x01\x01"
                                     "\x20\x00" "\x21\x00" "\x80\x00" ADDRESS_V6),
      BYTES (ADDRESS_V6) },
    /* Fields of other types, invalid as they are, and twice. */
    { BURROW_CAPTURE_CONNECT,
      BYTES (ACTION ("\x09") ACTION ("\x09") "\x04\x07\x00\x00\x00\x00\x00\x00\x00"
             "\x0c\x01\x00" ADDRESS_V4 "\x0b\x04\x00\x00\x00\x00"),
      BYTES (ADDRESS_V4) },
    { BURROW_CAPTURE_RESOLVE, BYTES ("\x01\x02\x00\x00" "\x03\x00" NAME_EXAMPLE "\x0a\x01\xff"),
      BYTES (NAME_EXAMPLE) },
    { BURROW_CAPTURE_VERDICT, BYTES ("\x01\x02\x00\x00" "\x02\x03" " / " ACTION ("\x01")
                                     "\x04\x01\x09"),
      BYTES (ACTION ("\x01")) },
    { BURROW_CAPTURE_RESOLVED, BYTES ("\x0b\x04\x00\x00\x00\x00" "\x02\x00" "\x0a\x00"),
      BYTES ("") },
    { BURROW_CAPTURE_ERROR, BYTES ("\x01\x00" ACTION ("\x07") "\x0b\x04\x00\x00\x00\x5d"
                                   "\x0c\x00"),
      BYTES ("\x0b\x04\x00\x00\x00\x5d") },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) frame = make_frame (cases[i].type, cases[i].body,
                                                cases[i].body_length);
      g_autoptr(GByteArray) plain = make_frame (cases[i].type, cases[i].plain,
                                                cases[i].plain_length);
      BurrowCaptureMessage message;
      BurrowCaptureMessage expected;
      guint8 out[BURROW_CAPTURE_MAX_FRAME];
      gsize length;

      assert_decodes (plain->data, plain->len, &expected, plain->len);
      assert_decodes (frame->data, frame->len, &message, frame->len);
      g_assert_cmpmem (&message, sizeof message, &expected, sizeof expected);
      /* And they are not written back. */
      length = assert_encodes (&message, out);
      g_assert_cmpmem (out, length, plain->data, plain->len);
    }
}

/* An unknown field of 255 bytes. */
static void
test_skipped_long_field (void)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) frame = NULL;
  BurrowCaptureMessage message;

  append_field (body, 0x63, 255, 0x02);
  g_byte_array_append (body, (const guint8 *) NAME_EXAMPLE, 13);
  frame = make_frame (BURROW_CAPTURE_RESOLVE, (const char *) body->data, body->len);
  assert_decodes (frame->data, frame->len, &message, frame->len);
  g_assert_cmpstr (message.name, ==, "example.com");
}

static void
test_any_order (void)
{
  g_autoptr(GByteArray) forward = make_frame (BURROW_CAPTURE_CONNECT,
                                              BYTES (ADDRESS_V4 NAME_EXAMPLE FLAGS_7));
  g_autoptr(GByteArray) backward = make_frame (BURROW_CAPTURE_CONNECT,
                                               BYTES (FLAGS_7 NAME_EXAMPLE ADDRESS_V4));
  g_autoptr(GByteArray) verdict = make_frame (BURROW_CAPTURE_VERDICT,
                                              BYTES (RULE_3 ERRNO_111 ACTION ("\x02")));
  BurrowCaptureMessage a;
  BurrowCaptureMessage b;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  gsize length;

  assert_decodes (forward->data, forward->len, &a, forward->len);
  assert_decodes (backward->data, backward->len, &b, backward->len);
  g_assert_cmpmem (&a, sizeof a, &b, sizeof b);
  length = assert_encodes (&b, out);
  g_assert_cmpmem (out, length, forward->data, forward->len);

  assert_decodes (verdict->data, verdict->len, &a, verdict->len);
  g_assert_cmpuint (a.action, ==, BURROW_CAPTURE_ACTION_FAIL);
  g_assert_cmpuint (a.error_number, ==, 111);
  g_assert_cmpuint (a.rule, ==, 3);
  length = assert_encodes (&a, out);
  g_assert_cmpmem (out + 4, length - 4, ACTION ("\x02") ERRNO_111 RULE_3, 15);
}

/* A field that runs past the body must not reach into the next frame, even
 * when the bytes are there. */
static void
test_field_past_body_end (void)
{
  g_autoptr(GByteArray) frames = make_frame (BURROW_CAPTURE_CONNECT,
                                             BYTES ("\x01\x13\x06\x00\x16\x20\x01"));
  g_autoptr(GByteArray) next = make_frame (BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4));

  g_byte_array_append (frames, next->data, next->len);
  g_byte_array_append (frames, next->data, next->len);
  assert_refused (frames->data, frames->len, BURROW_CAPTURE_DECODE_INVALID, WHY_FIELD_PAST);
}

static void
test_back_to_back (void)
{
  static const BurrowCaptureMessage expected[] = {
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_NAME, .name = "example.com" },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION,
      .action = BURROW_CAPTURE_ACTION_TUNNELLED },
    { .type = BURROW_CAPTURE_RESOLVED },
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME, .name = "example.com" },
  };
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  gsize offset = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      gsize length = assert_encodes (&expected[i], out);

      g_byte_array_append (stream, out, length);
    }
  /* And the first 5 bytes of another. */
  g_byte_array_append (stream, out, 5);

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      BurrowCaptureMessage message;
      const char *why;
      gsize consumed;

      g_assert_cmpint (decode (stream->data + offset, stream->len - offset, &message,
                               &consumed, &why), ==, BURROW_CAPTURE_DECODE_OK);
      assert_message_equal (&message, &expected[i]);
      offset += consumed;
    }
  g_assert_cmpuint (offset, ==, stream->len - 5);
  assert_need_more (stream->data + offset, 5);
}

/* Every byte as a one-byte name, on the wire and to the encoder. */
static void
test_name_bytes (void)
{
  for (guint c = 0; c < 256; c++)
    {
      char body[3] = { BURROW_CAPTURE_TAG_NAME, 1, (char) c };
      g_autoptr(GByteArray) frame = make_frame (BURROW_CAPTURE_RESOLVE, body, sizeof body);
      gboolean allowed = c != 0 && strchr (NAME_ALPHABET, (int) c) != NULL;
      BurrowCaptureMessage message;
      guint8 out[BURROW_CAPTURE_MAX_FRAME];

      if (allowed)
        {
          assert_decodes (frame->data, frame->len, &message, frame->len);
          g_assert_cmpuint ((guchar) message.name[0], ==, c);
          g_assert_cmpuint (message.name[1], ==, 0);
        }
      else
        assert_refused (frame->data, frame->len, BURROW_CAPTURE_DECODE_INVALID, WHY_NAME_BYTE);

      burrow_capture_message_init (&message, BURROW_CAPTURE_RESOLVE);
      message.present = HAS_NAME;
      message.name[0] = (char) c;
      g_assert_cmpuint (burrow_capture_message_encode (&message, out, sizeof out), ==,
                        allowed ? frame->len : 0);
    }
}

static void
test_name_length (void)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(GByteArray) frame = NULL;
  BurrowCaptureMessage message;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  guint8 header[2] = { BURROW_CAPTURE_TAG_NAME, BURROW_CAPTURE_MAX_NAME };
  gsize length;

  /* 253 bytes, every allowed character among them. */
  g_byte_array_append (body, header, sizeof header);
  for (gsize i = 0; i < BURROW_CAPTURE_MAX_NAME; i++)
    g_byte_array_append (body, (const guint8 *) NAME_ALPHABET + i % strlen (NAME_ALPHABET), 1);
  frame = make_frame (BURROW_CAPTURE_RESOLVE, (const char *) body->data, body->len);
  assert_decodes (frame->data, frame->len, &message, frame->len);
  g_assert_cmpuint (strlen (message.name), ==, BURROW_CAPTURE_MAX_NAME);
  g_assert_cmpmem (message.name, BURROW_CAPTURE_MAX_NAME, body->data + 2,
                   BURROW_CAPTURE_MAX_NAME);
  length = assert_encodes (&message, out);
  g_assert_cmpmem (out, length, frame->data, frame->len);

  /* 254 and 255 bytes on the wire */
  for (guint8 extra = 1; extra <= 2; extra++)
    {
      g_autoptr(GByteArray) longer = g_byte_array_new ();
      g_autoptr(GByteArray) longer_frame = NULL;

      append_field (longer, BURROW_CAPTURE_TAG_NAME, BURROW_CAPTURE_MAX_NAME + extra, 'a');
      longer_frame = make_frame (BURROW_CAPTURE_RESOLVE, (const char *) longer->data,
                                 longer->len);
      assert_refused (longer_frame->data, longer_frame->len, BURROW_CAPTURE_DECODE_INVALID,
                      WHY_NAME_LENGTH);
    }

  /* The encoder: 254 bytes with no NUL, and an empty name. */
  burrow_capture_message_init (&message, BURROW_CAPTURE_RESOLVE);
  message.present = HAS_NAME;
  memset (message.name, 'a', sizeof message.name);
  g_assert_cmpuint (burrow_capture_message_encode (&message, out, sizeof out), ==, 0);
  message.name[BURROW_CAPTURE_MAX_NAME] = '\0';
  g_assert_cmpuint (burrow_capture_message_encode (&message, out, sizeof out), ==,
                    4 + 2 + BURROW_CAPTURE_MAX_NAME);
  message.name[0] = '\0';
  g_assert_cmpuint (burrow_capture_message_encode (&message, out, sizeof out), ==, 0);
}

/* The encoder refuses what the decoder would, and fields the type does not
 * define (the decoder would drop them). */
static void
test_encode_refused (void)
{
  static const BurrowCaptureMessage refused[] = {
    { .type = 0, .present = 0 },
    { .type = 4 },
    { .type = 0x80 },
    { .type = BURROW_CAPTURE_CONNECT },
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_NAME, .name = "example.com" },
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_ADDRESS, .family = 0 },
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_ADDRESS, .family = 5 },
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_ADDRESS, .family = AF_INET },
    { .type = BURROW_CAPTURE_CONNECT, .present = HAS_ADDRESS, .family = AF_INET6 },
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_NAME, .name = "exa mple" },
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_NAME },
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_RULE },
    { CONNECT_V4, .present = HAS_ADDRESS | HAS_FAMILY },
    { CONNECT_V4, .present = HAS_ADDRESS | (UINT32_C (1) << 5) },
    { CONNECT_V4, .present = HAS_ADDRESS | 1 },
    { CONNECT_V4, .present = HAS_ADDRESS | UINT32_C (0x80000000) },
    { .type = BURROW_CAPTURE_RESOLVE },
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME | HAS_FAMILY, .name = "a",
      .query_family = 5 },
    { .type = BURROW_CAPTURE_RESOLVE, .present = HAS_NAME | HAS_FLAGS, .name = "a" },
    { .type = BURROW_CAPTURE_VERDICT },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ERRNO, .error_number = 1 },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION, .action = 3 },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION,
      .action = BURROW_CAPTURE_ACTION_FAIL, .error_number = 111 },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_ERRNO,
      .action = BURROW_CAPTURE_ACTION_FAIL },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_ERRNO,
      .action = BURROW_CAPTURE_ACTION_FAIL, .error_number = 4096 },
    { .type = BURROW_CAPTURE_VERDICT, .present = HAS_ACTION | HAS_ADDRESS, .family = 4 },
    { .type = BURROW_CAPTURE_RESOLVED, .present = HAS_NAME, .name = "a" },
    { .type = BURROW_CAPTURE_RESOLVED, .present = HAS_ADDRESS, .family = 7 },
    { .type = BURROW_CAPTURE_ERROR, .present = HAS_ERRNO },
    { .type = BURROW_CAPTURE_ERROR, .present = HAS_ACTION },
  };
  static const BurrowCaptureMessage valid = { CONNECT_V4, .present = HAS_ADDRESS };
  guint8 out[BURROW_CAPTURE_MAX_FRAME];

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      memset (out, 0xa5, sizeof out);
      g_assert_cmpuint (burrow_capture_message_encode (&refused[i], out, sizeof out), ==, 0);
      for (gsize j = 0; j < sizeof out; j++)
        g_assert_cmphex (out[j], ==, 0xa5);
    }
  g_assert_cmpuint (burrow_capture_message_encode (&valid, out, sizeof out), ==, 13);
  g_assert_cmpuint (burrow_capture_message_encode (&valid, out, 0), ==, 0);
  g_assert_cmpuint (burrow_capture_message_encode (&valid, NULL, sizeof out), ==, 0);
  g_assert_cmpuint (burrow_capture_message_encode (NULL, out, sizeof out), ==, 0);
}

static void
test_decode_optional_outputs (void)
{
  g_autoptr(GByteArray) frame = make_frame (BURROW_CAPTURE_CONNECT, BYTES (ADDRESS_V4));
  BurrowCaptureMessage message;

  g_assert_cmpint (burrow_capture_message_decode (frame->data, frame->len, &message, NULL,
                                                  NULL), ==, BURROW_CAPTURE_DECODE_OK);
  g_assert_cmpuint (message.port, ==, 443);
  frame->data[1] = 9;
  g_assert_cmpint (burrow_capture_message_decode (frame->data, frame->len, &message, NULL,
                                                  NULL), ==, BURROW_CAPTURE_DECODE_INVALID);
  g_assert_cmpint (burrow_capture_message_decode (NULL, 0, &message, NULL, NULL), ==,
                   BURROW_CAPTURE_DECODE_NEED_MORE);
}

static void
test_init (void)
{
  BurrowCaptureMessage message;
  BurrowCaptureMessage expected = { 0 };

  memset (&message, 0xa5, sizeof message);
  memset (&expected, 0, sizeof expected);
  expected.type = BURROW_CAPTURE_VERDICT;
  burrow_capture_message_init (&message, BURROW_CAPTURE_VERDICT);
  g_assert_cmpmem (&message, sizeof message, &expected, sizeof expected);
}

/* What a capture client does with connect()'s address, and the broker
 * with the message. */
static void
test_sockaddr_ipv4 (void)
{
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons (8080) };
  struct sockaddr_storage storage;
  const struct sockaddr_in *back = (const struct sockaddr_in *) &storage;
  BurrowCaptureMessage message;
  BurrowCaptureMessage decoded;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  socklen_t length = 0;
  gsize frame_length;

  g_assert_cmpint (inet_pton (AF_INET, "203.0.113.7", &in.sin_addr), ==, 1);
  burrow_capture_message_init (&message, BURROW_CAPTURE_CONNECT);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, (struct sockaddr *) &in,
                                                        sizeof in), ==, 0);
  g_assert_cmphex (message.present, ==, HAS_ADDRESS);
  g_assert_cmpuint (message.family, ==, 4);
  g_assert_cmpuint (message.port, ==, 8080);
  g_assert_cmpmem (message.address, 4, "\xcb\x00\x71\x07", 4);

  frame_length = assert_encodes (&message, out);
  g_assert_cmpmem (out, frame_length, "\x01\x01\x00\x09\x01\x07\x04\x1f\x90\xcb\x00\x71\x07", 13);
  assert_decodes (out, frame_length, &decoded, frame_length);
  g_assert_cmpint (burrow_capture_message_get_sockaddr (&decoded, &storage, &length), ==, 0);
  g_assert_cmpuint (length, ==, sizeof (struct sockaddr_in));
  g_assert_cmpuint (storage.ss_family, ==, AF_INET);
  g_assert_cmpuint (ntohs (back->sin_port), ==, 8080);
  g_assert_cmpmem (&back->sin_addr, 4, &in.sin_addr, 4);
}

static void
test_sockaddr_ipv6 (void)
{
  struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons (22),
                              .sin6_scope_id = 3, .sin6_flowinfo = htonl (5) };
  struct sockaddr_storage storage;
  const struct sockaddr_in6 *back = (const struct sockaddr_in6 *) &storage;
  BurrowCaptureMessage message;
  BurrowCaptureMessage decoded;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  socklen_t length = 0;
  gsize frame_length;

  g_assert_cmpint (inet_pton (AF_INET6, "2001:db8::1", &in6.sin6_addr), ==, 1);
  burrow_capture_message_init (&message, BURROW_CAPTURE_RESOLVED);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, (struct sockaddr *) &in6,
                                                        sizeof in6), ==, 0);
  g_assert_cmpuint (message.family, ==, 6);
  g_assert_cmpuint (message.port, ==, 22);

  frame_length = assert_encodes (&message, out);
  g_assert_cmpuint (frame_length, ==, 4 + 21);
  g_assert_cmpmem (out + 4, 21, ADDRESS_V6, 21);
  assert_decodes (out, frame_length, &decoded, frame_length);
  g_assert_cmpint (burrow_capture_message_get_sockaddr (&decoded, &storage, &length), ==, 0);
  g_assert_cmpuint (length, ==, sizeof (struct sockaddr_in6));
  g_assert_cmpuint (back->sin6_family, ==, AF_INET6);
  g_assert_cmpuint (ntohs (back->sin6_port), ==, 22);
  g_assert_cmpmem (&back->sin6_addr, 16, &in6.sin6_addr, 16);
  /* Not carried: the scope and the flow label. */
  g_assert_cmpuint (back->sin6_scope_id, ==, 0);
  g_assert_cmpuint (back->sin6_flowinfo, ==, 0);
}

/* An IPv4 address over an IPv6 one leaves no IPv6 bytes behind, so the
 * message equals one set from IPv4 alone. */
static void
test_sockaddr_replaced (void)
{
  struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons (1) };
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons (2) };
  BurrowCaptureMessage replaced;
  BurrowCaptureMessage plain;

  memset (&in6.sin6_addr, 0xff, sizeof in6.sin6_addr);
  in.sin_addr.s_addr = htonl (0x7f000001);
  burrow_capture_message_init (&replaced, BURROW_CAPTURE_CONNECT);
  burrow_capture_message_init (&plain, BURROW_CAPTURE_CONNECT);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&replaced, (struct sockaddr *) &in6,
                                                        sizeof in6), ==, 0);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&replaced, (struct sockaddr *) &in,
                                                        sizeof in), ==, 0);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&plain, (struct sockaddr *) &in,
                                                        sizeof in), ==, 0);
  g_assert_cmpmem (&replaced, sizeof replaced, &plain, sizeof plain);
}

static void
test_sockaddr_refused (void)
{
  struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons (80) };
  struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
  struct sockaddr unix_address = { .sa_family = AF_UNIX };
  struct sockaddr_storage storage;
  BurrowCaptureMessage message;
  BurrowCaptureMessage before;
  socklen_t length = 99;

  burrow_capture_message_init (&message, BURROW_CAPTURE_CONNECT);
  before = message;
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, &unix_address,
                                                        sizeof unix_address), ==, -1);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, (struct sockaddr *) &in,
                                                        sizeof in - 1), ==, -1);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, (struct sockaddr *) &in6,
                                                        sizeof in6 - 1), ==, -1);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, (struct sockaddr *) &in, 1),
                   ==, -1);
  g_assert_cmpint (burrow_capture_message_set_sockaddr (&message, NULL, sizeof in), ==, -1);
  g_assert_cmpmem (&message, sizeof message, &before, sizeof before);

  /* No address to get, or one no decoder would give. */
  g_assert_cmpint (burrow_capture_message_get_sockaddr (&message, &storage, &length), ==, -1);
  g_assert_cmpuint (length, ==, 99);
  message.present = HAS_ADDRESS;
  message.family = AF_INET;
  g_assert_cmpint (burrow_capture_message_get_sockaddr (&message, &storage, &length), ==, -1);
  g_assert_cmpuint (length, ==, 99);
}

/* The ranges the broker hands out for names (198.18.0.0/15 and
 * fd62:7572:726f:7700::/64), edges included, and their neighbours. */
static void
test_synthetic (void)
{
  static const struct { const char *address; gboolean synthetic; } cases[] = {
    { "198.18.0.0", TRUE }, { "198.18.0.1", TRUE }, { "198.19.255.255", TRUE },
    { "198.17.255.255", FALSE }, { "198.20.0.0", FALSE }, { "127.0.0.1", FALSE },
    { "fd62:7572:726f:7700::1", TRUE }, { "fd62:7572:726f:7700:ffff:ffff:ffff:ffff", TRUE },
    { "fd62:7572:726f:7701::1", FALSE }, { "fd62:7572:726f:77::1", FALSE }, { "::1", FALSE },
    { "::ffff:198.18.0.1", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint8 bytes[16];
      int family = strchr (cases[i].address, ':') != NULL ? AF_INET6 : AF_INET;

      g_assert_cmpint (inet_pton (family, cases[i].address, bytes), ==, 1);
      g_test_message ("%s", cases[i].address);
      g_assert_cmpint (burrow_capture_is_synthetic (family, bytes), ==, cases[i].synthetic);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/protocol/valid/", valid_cases[i].name,
                                           NULL);

      g_test_add_data_func (path, &valid_cases[i], test_valid);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/capture/protocol/invalid/", invalid_cases[i].name,
                                           NULL);

      g_test_add_data_func (path, &invalid_cases[i], test_invalid);
    }
  g_test_add_func ("/capture/protocol/wire-header", test_wire_header);
  g_test_add_func ("/capture/protocol/bad-version", test_bad_version);
  g_test_add_func ("/capture/protocol/bad-header", test_bad_header);
  g_test_add_func ("/capture/protocol/longest-body", test_longest_body);
  g_test_add_func ("/capture/protocol/skipped-tags", test_skipped_tags);
  g_test_add_func ("/capture/protocol/skipped-long-field", test_skipped_long_field);
  g_test_add_func ("/capture/protocol/any-order", test_any_order);
  g_test_add_func ("/capture/protocol/field-past-body-end", test_field_past_body_end);
  g_test_add_func ("/capture/protocol/back-to-back", test_back_to_back);
  g_test_add_func ("/capture/protocol/name-bytes", test_name_bytes);
  g_test_add_func ("/capture/protocol/name-length", test_name_length);
  g_test_add_func ("/capture/protocol/encode-refused", test_encode_refused);
  g_test_add_func ("/capture/protocol/decode-optional-outputs", test_decode_optional_outputs);
  g_test_add_func ("/capture/protocol/init", test_init);
  g_test_add_func ("/capture/protocol/sockaddr-ipv4", test_sockaddr_ipv4);
  g_test_add_func ("/capture/protocol/sockaddr-ipv6", test_sockaddr_ipv6);
  g_test_add_func ("/capture/protocol/sockaddr-replaced", test_sockaddr_replaced);
  g_test_add_func ("/capture/protocol/sockaddr-refused", test_sockaddr_refused);

  g_test_add_func ("/capture/protocol/synthetic", test_synthetic);

  return g_test_run ();
}
