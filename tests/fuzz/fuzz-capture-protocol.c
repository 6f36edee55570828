// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for the capture protocol codec.  The input is what a peer
 * sends on the socket: frames are decoded one after another, as a reader
 * does, until one is not OK.  Besides memory safety it checks each status
 * against the header (a version other than 1 is BAD_VERSION, a short frame
 * NEED_MORE), that a refusal leaves a zero message and a sentence, and
 * that it does not depend on the bytes after the frame.  A frame that
 * decodes must be consumed exactly, every shorter prefix must need more,
 * and it must round-trip: it encodes (into exactly its length, no less) to
 * a frame no longer than it was, that decodes to an equal message and
 * encodes to the same bytes again.  The other way: the first bytes of the
 * input, taken as a message, either are refused by the encoder or encode to
 * a frame that decodes and encodes the same: the encoder accepts nothing
 * the decoder refuses.  The seed message-image-connect is the memory image
 * of a valid message on x86-64, for the fuzzer to mutate from. */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "burrow-capture-protocol.h"
#include "fuzz-require.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
require (gboolean    condition,
         const char *what,
         const char *detail)
{
  fuzz_require_round_trip ("fuzz-capture-protocol", condition, what,
                           "(binary, see the crash file)", detail);
}

static gboolean
is_zero (const BurrowCaptureMessage *message)
{
  static const BurrowCaptureMessage zero;

  return memcmp (message, &zero, sizeof zero) == 0;
}

/* @message encodes to exactly its length, and back. */
static gsize
require_round_trip (const BurrowCaptureMessage *message)
{
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  guint8 again_out[BURROW_CAPTURE_MAX_FRAME];
  BurrowCaptureMessage again;
  const char *why = NULL;
  gsize length = burrow_capture_message_encode (message, out, sizeof out);
  gsize consumed = 0;

  require (length >= BURROW_CAPTURE_HEADER_SIZE && length <= BURROW_CAPTURE_MAX_FRAME,
           "a valid message does not encode", NULL);
  require (burrow_capture_message_encode (message, again_out, length - 1) == 0,
           "a message encodes into a buffer one byte short", NULL);
  require (burrow_capture_message_decode (out, length, &again, &consumed, &why) ==
           BURROW_CAPTURE_DECODE_OK, "an encoded message does not decode", why);
  require (consumed == length, "an encoded message decodes from fewer bytes", NULL);
  require (memcmp (&again, message, sizeof again) == 0,
           "an encoded message decodes to another message", NULL);
  require (burrow_capture_message_encode (&again, again_out, sizeof again_out) == length &&
           memcmp (again_out, out, length) == 0,
           "a message encodes to other bytes the second time", NULL);
  return length;
}

static void
check_ok (const uint8_t              *data,
          size_t                      size,
          const BurrowCaptureMessage *message,
          size_t                      consumed)
{
  BurrowCaptureMessage alone;
  size_t alone_consumed = 0;

  require (size >= BURROW_CAPTURE_HEADER_SIZE && data[0] == BURROW_CAPTURE_VERSION,
           "a frame decodes without a version 1 header", NULL);
  require (consumed == BURROW_CAPTURE_HEADER_SIZE + (size_t) (data[2] << 8 | data[3]) &&
           consumed <= size && consumed <= BURROW_CAPTURE_MAX_FRAME,
           "a frame's length is not what its header says", NULL);
  require (message->type == data[1], "the message type is not the header's", NULL);
  require (!(message->present & BURROW_CAPTURE_HAS_NAME) ||
           (message->name[0] != '\0' && strlen (message->name) <= BURROW_CAPTURE_MAX_NAME),
           "a NAME is empty or too long", NULL);

  require (burrow_capture_message_decode (data, consumed, &alone, &alone_consumed, NULL) ==
           BURROW_CAPTURE_DECODE_OK && alone_consumed == consumed &&
           memcmp (&alone, message, sizeof alone) == 0,
           "a frame decodes differently without what follows it", NULL);
  require (burrow_capture_message_decode (data, consumed - 1, &alone, NULL, NULL) ==
           BURROW_CAPTURE_DECODE_NEED_MORE, "a frame cut short does not need more", NULL);
  require (burrow_capture_message_decode (data, BURROW_CAPTURE_HEADER_SIZE - 1, &alone, NULL,
                                          NULL) == BURROW_CAPTURE_DECODE_NEED_MORE,
           "a header cut short does not need more", NULL);
  /* Unknown fields are dropped: never longer. */
  require (require_round_trip (message) <= consumed, "a frame re-encodes longer", NULL);
}

/* A refusal is judged on the frame alone: the same with only the header
 * (if that is where it is) or only the frame. */
static void
check_invalid (const uint8_t *data,
               size_t         size,
               const char    *why)
{
  size_t end;
  const char *again = NULL;
  BurrowCaptureMessage message;

  require (size >= BURROW_CAPTURE_HEADER_SIZE && data[0] == BURROW_CAPTURE_VERSION,
           "a frame is invalid before its version 1 header is complete", why);
  require (why != NULL && why[0] != '\0', "a refusal does not say why", NULL);
  end = MIN (size, BURROW_CAPTURE_HEADER_SIZE + (size_t) (data[2] << 8 | data[3]));
  require (burrow_capture_message_decode (data, end, &message, NULL, &again) ==
           BURROW_CAPTURE_DECODE_INVALID && again == why,
           "a refusal depends on the bytes after the frame", why);
}

/* Returns the frame length if one decoded, else 0. */
static size_t
check_frame (const uint8_t *data,
             size_t         size)
{
  BurrowCaptureMessage message;
  const char *why = NULL;
  size_t consumed = 1;
  BurrowCaptureDecodeStatus status;

  status = burrow_capture_message_decode (data, size, &message, &consumed, &why);
  if (status == BURROW_CAPTURE_DECODE_OK)
    {
      require (why == NULL, "a frame decodes with a reason", why);
      check_ok (data, size, &message, consumed);
      return consumed;
    }

  require (consumed == 0 && is_zero (&message), "a refusal leaves something behind", why);
  switch (status)
    {
    case BURROW_CAPTURE_DECODE_NEED_MORE:
      require (why == NULL, "a frame needs more with a reason", why);
      require (size == 0 || data[0] == BURROW_CAPTURE_VERSION,
               "another version needs more", NULL);
      require (size < BURROW_CAPTURE_HEADER_SIZE ||
               BURROW_CAPTURE_HEADER_SIZE + (size_t) (data[2] << 8 | data[3]) > size,
               "a complete frame needs more", NULL);
      break;
    case BURROW_CAPTURE_DECODE_BAD_VERSION:
      require (size >= 1 && data[0] != BURROW_CAPTURE_VERSION,
               "version 1 is a bad version", NULL);
      require (why != NULL, "a bad version does not say why", NULL);
      break;
    case BURROW_CAPTURE_DECODE_INVALID:
      check_invalid (data, size, why);
      break;
    default:
      require (FALSE, "an unknown status", NULL);
    }
  return 0;
}

/* The encoder accepts nothing the decoder refuses. */
static void
check_encoder (const uint8_t *data,
               size_t         size)
{
  BurrowCaptureMessage message;
  guint8 out[BURROW_CAPTURE_MAX_FRAME];
  guint8 again[BURROW_CAPTURE_MAX_FRAME];
  BurrowCaptureMessage decoded;
  const char *why = NULL;
  size_t length;

  if (size < sizeof message)
    return;
  memcpy (&message, data, sizeof message);
  length = burrow_capture_message_encode (&message, out, sizeof out);
  if (length == 0)
    return;
  require (burrow_capture_message_decode (out, length, &decoded, NULL, &why) ==
           BURROW_CAPTURE_DECODE_OK, "the decoder refuses what the encoder wrote", why);
  require (decoded.type == message.type && decoded.present == message.present,
           "a message encodes to another type or other fields", NULL);
  require (require_round_trip (&decoded) == length,
           "a message and its decoded copy encode to frames of other lengths", NULL);
  require (burrow_capture_message_encode (&decoded, again, sizeof again) == length &&
           memcmp (again, out, length) == 0,
           "a message and its decoded copy encode to other bytes", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  size_t offset = 0;
  size_t consumed;

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  do
    {
      consumed = check_frame (data + offset, size - offset);
      offset += consumed;
    }
  while (consumed != 0);
  check_encoder (data, size);
  return 0;
}
