// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/*
 * The capture protocol: what capture clients (an LD_PRELOAD library loaded
 * into any program) and the broker say to each other over a Unix stream
 * socket.  This codec is shared by both sides, so it is plain C11 with libc
 * only: no GLib, no allocation, no global state; every function is
 * thread-safe and the strings it returns are static.
 *
 * Wire format, version 1.  All integers are big-endian.
 *
 *   frame   u8 version (1), u8 type, u16 body_length (at most 1024),
 *           then body_length bytes of fields
 *   field   u8 tag, u8 length, then length bytes
 *
 * The version byte is checked first, as soon as it has arrived: a frame of
 * another version gets BURROW_CAPTURE_DECODE_BAD_VERSION whatever follows
 * (its header may not even be shaped like this one), so the broker can
 * answer with an ERROR frame and close.  The type and the body length are
 * checked as soon as the header is complete: nobody waits for the body of
 * a frame that is refused anyway.
 *
 * Fields come in any order.  A tag the message type does not define is
 * skipped, for forward compatibility; this includes a tag defined for
 * another type.  A defined tag twice, a defined tag with the wrong length or
 * value, or a field running past the body is an error.
 *
 *   type                     direction          fields
 *   1    CONNECT             client -> broker   ADDRESS; optional NAME, FLAGS, PID
 *   2    RESOLVE             client -> broker   NAME; optional FAMILY, PID
 *   3    REPORT              client -> broker   ADDRESS; optional FLAGS, RULE,
 *                                               EXECUTABLE, PID:
 *                                               a connect the client made
 *                                               DIRECT by the rules snapshot,
 *                                               for the live view; no answer
 *   0x81 VERDICT             broker -> client   ACTION; ERRNO (required when
 *                                               ACTION is FAIL); optional RULE
 *   0x82 RESOLVED            broker -> client   optional ADDRESS (absent: no
 *                                               synthetic address, resolve
 *                                               normally)
 *   0xFF ERROR               broker -> client   optional ERRNO
 *
 * Any other type is an error.  The socket a CONNECT is about travels beside
 * it in SCM_RIGHTS; that is the transport's business, not the codec's.
 * A client of another uid than the broker's (SO_PEERCRED) gets what it
 * would get uncaptured: RESOLVED without ADDRESS, VERDICT DIRECT, and its
 * REPORTs are dropped.
 *
 *   tag  field    length  value
 *   1    ADDRESS  7       u8 family 4, u16 port, 4 address bytes
 *                 19      u8 family 6, u16 port, 16 address bytes
 *   2    NAME     1-253   a host name: A-Z a-z 0-9 '.' '-' '_' only
 *   3    FLAGS    4       u32 BURROW_CAPTURE_FLAG_* (unknown bits are kept)
 *   4    FAMILY   1       u8 0 (any), 4 or 6
 *   5    EXECUTABLE 1-255 the program's executable path, as /proc/self/exe
 *                         gives it: '/' first, then printable ASCII only
 *                         (a longer or other path is not sent).  The
 *                         broker's own reading of /proc/PID/exe comes
 *                         first; this is for a program gone by then.
 *   6    PID      4       u32 1 to 2^31 - 1: the program the message is
 *                         about, when the sender is its seccomp supervisor
 *                         (burrow-capture --seccomp) and not the program
 *                         itself.  The broker believes it only for a
 *                         descendant of the sender of its own uid.
 *   10   ACTION   1       u8 BURROW_CAPTURE_ACTION_* (0-2)
 *   11   ERRNO    4       u32 a Linux errno value, 1-4095
 *   12   RULE     4       u32 the 1-based index of the deciding rule, 0: none
 *
 * NAME comes from applications and ends up in logs, hence the narrow
 * alphabet; labels are not checked further.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define BURROW_CAPTURE_VERSION 1
#define BURROW_CAPTURE_HEADER_SIZE 4
#define BURROW_CAPTURE_MAX_BODY 1024
#define BURROW_CAPTURE_MAX_FRAME (BURROW_CAPTURE_HEADER_SIZE + BURROW_CAPTURE_MAX_BODY)
#define BURROW_CAPTURE_MAX_NAME 253
#define BURROW_CAPTURE_MAX_EXECUTABLE 255

enum
{
  BURROW_CAPTURE_CONNECT = 1,
  BURROW_CAPTURE_RESOLVE = 2,
  BURROW_CAPTURE_REPORT = 3,
  BURROW_CAPTURE_VERDICT = 0x81,
  BURROW_CAPTURE_RESOLVED = 0x82,
  BURROW_CAPTURE_ERROR = 0xff,
};

enum
{
  BURROW_CAPTURE_TAG_ADDRESS = 1,
  BURROW_CAPTURE_TAG_NAME = 2,
  BURROW_CAPTURE_TAG_FLAGS = 3,
  BURROW_CAPTURE_TAG_FAMILY = 4,
  BURROW_CAPTURE_TAG_EXECUTABLE = 5,
  BURROW_CAPTURE_TAG_PID = 6,
  BURROW_CAPTURE_TAG_ACTION = 10,
  BURROW_CAPTURE_TAG_ERRNO = 11,
  BURROW_CAPTURE_TAG_RULE = 12,
};

/* Bits of BurrowCaptureMessage.present: one per field, 1 << its tag. */
#define BURROW_CAPTURE_HAS_ADDRESS (UINT32_C (1) << BURROW_CAPTURE_TAG_ADDRESS)
#define BURROW_CAPTURE_HAS_NAME (UINT32_C (1) << BURROW_CAPTURE_TAG_NAME)
#define BURROW_CAPTURE_HAS_FLAGS (UINT32_C (1) << BURROW_CAPTURE_TAG_FLAGS)
#define BURROW_CAPTURE_HAS_FAMILY (UINT32_C (1) << BURROW_CAPTURE_TAG_FAMILY)
#define BURROW_CAPTURE_HAS_EXECUTABLE (UINT32_C (1) << BURROW_CAPTURE_TAG_EXECUTABLE)
#define BURROW_CAPTURE_HAS_PID (UINT32_C (1) << BURROW_CAPTURE_TAG_PID)
#define BURROW_CAPTURE_HAS_ACTION (UINT32_C (1) << BURROW_CAPTURE_TAG_ACTION)
#define BURROW_CAPTURE_HAS_ERRNO (UINT32_C (1) << BURROW_CAPTURE_TAG_ERRNO)
#define BURROW_CAPTURE_HAS_RULE (UINT32_C (1) << BURROW_CAPTURE_TAG_RULE)

enum
{
  BURROW_CAPTURE_FLAG_NONBLOCKING = 1,
  BURROW_CAPTURE_FLAG_LOOPBACK = 2,     /* capture loopback too: -l */
  BURROW_CAPTURE_FLAG_FALLBACK = 4,     /* -F */
};

enum
{
  BURROW_CAPTURE_ACTION_DIRECT = 0,     /* the client makes the original connect itself */
  BURROW_CAPTURE_ACTION_TUNNELLED = 1,  /* the broker connected the socket passed */
  BURROW_CAPTURE_ACTION_FAIL = 2,       /* the connect fails with ERRNO */
};

/* Whether @path (@length bytes, no NUL needed) may travel as EXECUTABLE. */
int burrow_capture_executable_is_valid (const char *path,
                                        size_t      length);

/* Synthetic addresses, handed out in RESOLVED for names a TUNNEL rule
 * covers: 198.18.0.0/15 (RFC 2544, never routed) and
 * fd62:7572:726f:7700::/64 (a unique local prefix of Burrow's own).  The
 * broker numbers them from these bases; a connect to one is always the
 * broker's to decide (only it knows the name behind it). */
extern const uint8_t burrow_capture_synthetic_ipv4[2];  /* 198.18, the /15's first 16 bits */
extern const uint8_t burrow_capture_synthetic_ipv6[8];  /* the /64 */

/* @family is AF_INET (4 bytes) or AF_INET6 (16 bytes). */
int burrow_capture_is_synthetic (int            family,
                                 const uint8_t *bytes);

/* decode() zeroes all of it first, so decoded messages compare with memcmp.
 * Only the fields whose bit is in @present mean anything. */
typedef struct
{
  uint8_t type;
  uint32_t present;
  uint8_t family;               /* ADDRESS: 4 or 6 */
  uint16_t port;                /* ADDRESS, host byte order */
  uint8_t address[16];          /* ADDRESS: 4 or 16 bytes used */
  char name[BURROW_CAPTURE_MAX_NAME + 1];       /* NAME, NUL-terminated */
  uint32_t flags;               /* FLAGS */
  uint8_t query_family;         /* FAMILY */
  char executable[BURROW_CAPTURE_MAX_EXECUTABLE + 1];   /* EXECUTABLE, NUL-terminated */
  uint32_t pid;                 /* PID */
  uint8_t action;               /* ACTION */
  uint32_t error_number;        /* ERRNO */
  uint32_t rule;                /* RULE */
} BurrowCaptureMessage;

typedef enum
{
  BURROW_CAPTURE_DECODE_OK,
  BURROW_CAPTURE_DECODE_NEED_MORE,
  BURROW_CAPTURE_DECODE_BAD_VERSION,
  BURROW_CAPTURE_DECODE_INVALID,
} BurrowCaptureDecodeStatus;

void burrow_capture_message_init (BurrowCaptureMessage *message,
                                  uint8_t               type);

/* Sets ADDRESS from an AF_INET or AF_INET6 address; returns 0, or -1 (and
 * changes nothing) for another family or a short @length.  An IPv6 scope
 * id and flow label are not carried. */
int burrow_capture_message_set_sockaddr (BurrowCaptureMessage  *message,
                                         const struct sockaddr *address,
                                         socklen_t              length);

/* Fills @address (zeroed first) and @length from ADDRESS; returns 0, or -1
 * if the message has no valid ADDRESS. */
int burrow_capture_message_get_sockaddr (const BurrowCaptureMessage *message,
                                         struct sockaddr_storage    *address,
                                         socklen_t                  *length);

/* Writes @message as one frame, its fields in tag order; returns the frame
 * length, or 0 if @out_size is too small or the message is one decode()
 * would refuse or could not give (a field the type does not define). */
size_t burrow_capture_message_encode (const BurrowCaptureMessage *message,
                                      uint8_t                    *out,
                                      size_t                      out_size);

/* Decodes the frame at the start of @data.  OK: @message holds it and
 * *@consumed is its length (bytes after it are left alone).  Otherwise
 * @message is all zero and *@consumed 0; on INVALID and BAD_VERSION *@why
 * points at a static sentence naming the problem, else it is NULL.  The
 * stream cannot be resynchronised after those two: close it.  @consumed and
 * @why may be NULL. */
BurrowCaptureDecodeStatus burrow_capture_message_decode (const uint8_t        *data,
                                                         size_t                length,
                                                         BurrowCaptureMessage *message,
                                                         size_t               *consumed,
                                                         const char          **why);
