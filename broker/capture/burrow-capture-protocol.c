// SPDX-License-Identifier: GPL-3.0-or-later
/* The capture protocol codec; the format is described in the header.  Plain
 * C11 and libc only: it is linked into the LD_PRELOAD capture library,
 * which runs inside any program, so no GLib and no allocation.  Decoding
 * reads fields into the message with the wire checks (lengths, duplicates,
 * bounds) and then runs check_message(), which is also all the encoder
 * checks: the two sides cannot disagree about which messages are valid. */
#include "burrow-capture-protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#define ADDRESS_4_LENGTH 7
#define ADDRESS_6_LENGTH 19
#define MAX_ERRNO 4095

typedef struct
{
  uint8_t type;
  uint32_t fields;              /* the HAS_ bits of the fields it defines */
  uint32_t required;
  const char *missing;          /* why, when a required field is missing */
} TypeSpec;

static const TypeSpec type_specs[] = {
  { BURROW_CAPTURE_CONNECT,
    BURROW_CAPTURE_HAS_ADDRESS | BURROW_CAPTURE_HAS_NAME | BURROW_CAPTURE_HAS_FLAGS
    | BURROW_CAPTURE_HAS_PID,
    BURROW_CAPTURE_HAS_ADDRESS, "A CONNECT message has no ADDRESS field." },
  { BURROW_CAPTURE_RESOLVE,
    BURROW_CAPTURE_HAS_NAME | BURROW_CAPTURE_HAS_FAMILY | BURROW_CAPTURE_HAS_PID,
    BURROW_CAPTURE_HAS_NAME, "A RESOLVE message has no NAME field." },
  { BURROW_CAPTURE_REPORT,
    BURROW_CAPTURE_HAS_ADDRESS | BURROW_CAPTURE_HAS_FLAGS | BURROW_CAPTURE_HAS_RULE
    | BURROW_CAPTURE_HAS_EXECUTABLE | BURROW_CAPTURE_HAS_PID,
    BURROW_CAPTURE_HAS_ADDRESS, "A REPORT message has no ADDRESS field." },
  { BURROW_CAPTURE_VERDICT,
    BURROW_CAPTURE_HAS_ACTION | BURROW_CAPTURE_HAS_ERRNO | BURROW_CAPTURE_HAS_RULE,
    BURROW_CAPTURE_HAS_ACTION, "A VERDICT message has no ACTION field." },
  { BURROW_CAPTURE_RESOLVED, BURROW_CAPTURE_HAS_ADDRESS, 0, NULL },
  { BURROW_CAPTURE_ERROR, BURROW_CAPTURE_HAS_ERRNO, 0, NULL },
};

typedef struct
{
  const char *twice;
  const char *wrong_length;
} FieldSpec;

/* Indexed by tag; the lengths themselves are in length_fits(). */
static const FieldSpec field_specs[] = {
  [BURROW_CAPTURE_TAG_ADDRESS] = { "The message has two ADDRESS fields.",
                                   "An ADDRESS field is neither 7 nor 19 bytes long." },
  [BURROW_CAPTURE_TAG_NAME] = { "The message has two NAME fields.",
                                "A NAME field is empty or longer than 253 bytes." },
  [BURROW_CAPTURE_TAG_FLAGS] = { "The message has two FLAGS fields.",
                                 "A FLAGS field is not 4 bytes long." },
  [BURROW_CAPTURE_TAG_FAMILY] = { "The message has two FAMILY fields.",
                                  "A FAMILY field is not 1 byte long." },
  [BURROW_CAPTURE_TAG_EXECUTABLE] = { "The message has two EXECUTABLE fields.",
                                      "An EXECUTABLE field is empty." },
  [BURROW_CAPTURE_TAG_PID] = { "The message has two PID fields.",
                               "A PID field is not 4 bytes long." },
  [BURROW_CAPTURE_TAG_ACTION] = { "The message has two ACTION fields.",
                                  "An ACTION field is not 1 byte long." },
  [BURROW_CAPTURE_TAG_ERRNO] = { "The message has two ERRNO fields.",
                                 "An ERRNO field is not 4 bytes long." },
  [BURROW_CAPTURE_TAG_RULE] = { "The message has two RULE fields.",
                                "A RULE field is not 4 bytes long." },
};

static const TypeSpec *
find_type (uint8_t type)
{
  for (size_t i = 0; i < sizeof type_specs / sizeof type_specs[0]; i++)
    if (type_specs[i].type == type)
      return &type_specs[i];
  return NULL;
}

static uint16_t
read_u16 (const uint8_t *bytes)
{
  return (uint16_t) (bytes[0] << 8 | bytes[1]);
}

static uint32_t
read_u32 (const uint8_t *bytes)
{
  return (uint32_t) bytes[0] << 24 | (uint32_t) bytes[1] << 16 | (uint32_t) bytes[2] << 8 |
         bytes[3];
}

static size_t
address_size (uint8_t family)
{
  return family == 4 ? 4 : 16;
}

/* Written out rather than a ctype call: isalnum() follows the locale of
 * the program the capture library is loaded into. */
static int
name_is_valid (const char *name,
               size_t      length)
{
  if (length < 1 || length > BURROW_CAPTURE_MAX_NAME)
    return 0;
  for (size_t i = 0; i < length; i++)
    {
      char c = name[i];

      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_'))
        return 0;
    }
  return 1;
}

#define WHY_EXECUTABLE "An EXECUTABLE field does not start with '/' or holds a byte that " \
                       "is not printable ASCII."

/* A path for logs and the live view: no control bytes, no escapes. */
int
burrow_capture_executable_is_valid (const char *path,
                                    size_t      length)
{
  if (length < 1 || length > BURROW_CAPTURE_MAX_EXECUTABLE || path[0] != '/')
    return 0;
  for (size_t i = 0; i < length; i++)
    if (path[i] < 0x20 || path[i] > 0x7e)
      return 0;
  return 1;
}

/* Everything about a message's values, for the decoder (after the wire
 * checks) and the encoder alike. */
static const char *
check_message (const BurrowCaptureMessage *message)
{
  const TypeSpec *spec = find_type (message->type);
  uint32_t present = message->present;

  if (spec == NULL)
    return "The message type is unknown.";
  if ((present & ~spec->fields) != 0)
    return "The message has a field its type does not define.";
  if ((present & spec->required) != spec->required)
    return spec->missing;
  if ((present & BURROW_CAPTURE_HAS_ADDRESS) && message->family != 4 && message->family != 6)
    return "An ADDRESS field's family is neither 4 nor 6.";
  if ((present & BURROW_CAPTURE_HAS_NAME) &&
      !name_is_valid (message->name, strnlen (message->name, sizeof message->name)))
    return "A NAME field holds a byte other than a letter, a digit, '.', '-' or '_'.";
  if ((present & BURROW_CAPTURE_HAS_EXECUTABLE)
      && !burrow_capture_executable_is_valid (message->executable,
                                              strnlen (message->executable,
                                                       sizeof message->executable)))
    return WHY_EXECUTABLE;
  if ((present & BURROW_CAPTURE_HAS_PID) && (message->pid < 1 || message->pid > INT32_MAX))
    return "A PID field is not between 1 and 2^31 - 1.";
  if ((present & BURROW_CAPTURE_HAS_FAMILY) && message->query_family != 0 &&
      message->query_family != 4 && message->query_family != 6)
    return "A FAMILY field is neither 0, 4 nor 6.";
  if ((present & BURROW_CAPTURE_HAS_ACTION) && message->action > BURROW_CAPTURE_ACTION_FAIL)
    return "An ACTION field is not 0, 1 or 2.";
  if ((present & BURROW_CAPTURE_HAS_ERRNO) &&
      (message->error_number < 1 || message->error_number > MAX_ERRNO))
    return "An ERRNO field is not between 1 and 4095.";
  if ((present & BURROW_CAPTURE_HAS_ACTION) && message->action == BURROW_CAPTURE_ACTION_FAIL &&
      !(present & BURROW_CAPTURE_HAS_ERRNO))
    return "A FAIL verdict has no ERRNO field.";
  return NULL;
}

static int
length_fits (uint8_t tag,
             size_t  length)
{
  switch (tag)
    {
    case BURROW_CAPTURE_TAG_ADDRESS:
      return length == ADDRESS_4_LENGTH || length == ADDRESS_6_LENGTH;
    case BURROW_CAPTURE_TAG_NAME:
      return length >= 1 && length <= BURROW_CAPTURE_MAX_NAME;
    case BURROW_CAPTURE_TAG_EXECUTABLE:
      return length >= 1;       /* at most 255: the u8 says so */
    case BURROW_CAPTURE_TAG_FAMILY:
    case BURROW_CAPTURE_TAG_ACTION:
      return length == 1;
    default:
      return length == 4;
    }
}

/* One field the type defines, its length already checked. */
static const char *
store_field (BurrowCaptureMessage *message,
             uint8_t               tag,
             const uint8_t        *value,
             size_t                length)
{
  switch (tag)
    {
    case BURROW_CAPTURE_TAG_ADDRESS:
      if ((value[0] == 4 || value[0] == 6) &&
          length != (value[0] == 4 ? ADDRESS_4_LENGTH : ADDRESS_6_LENGTH))
        return "An ADDRESS field's family disagrees with its length.";
      message->family = value[0];
      message->port = read_u16 (value + 1);
      memcpy (message->address, value + 3, length - 3);
      return NULL;
    case BURROW_CAPTURE_TAG_NAME:
      /* Here, not only in check_message(): a NUL would cut the name short. */
      if (!name_is_valid ((const char *) value, length))
        return "A NAME field holds a byte other than a letter, a digit, '.', '-' or '_'.";
      memcpy (message->name, value, length);
      return NULL;
    case BURROW_CAPTURE_TAG_EXECUTABLE:
      if (!burrow_capture_executable_is_valid ((const char *) value, length))
        return WHY_EXECUTABLE;
      memcpy (message->executable, value, length);
      return NULL;
    case BURROW_CAPTURE_TAG_FLAGS:
      message->flags = read_u32 (value);
      return NULL;
    case BURROW_CAPTURE_TAG_FAMILY:
      message->query_family = value[0];
      return NULL;
    case BURROW_CAPTURE_TAG_ACTION:
      message->action = value[0];
      return NULL;
    case BURROW_CAPTURE_TAG_ERRNO:
      message->error_number = read_u32 (value);
      return NULL;
    case BURROW_CAPTURE_TAG_PID:
      message->pid = read_u32 (value);
      return NULL;
    default:
      message->rule = read_u32 (value);
      return NULL;
    }
}

static const char *
decode_fields (const uint8_t        *body,
               size_t                length,
               const TypeSpec       *spec,
               BurrowCaptureMessage *message)
{
  size_t offset = 0;

  while (offset < length)
    {
      uint8_t tag;
      size_t field_length;
      const uint8_t *value;
      uint32_t bit;
      const char *why;

      if (length - offset < 2)
        return "A field's header runs past the end of the body.";
      tag = body[offset];
      field_length = body[offset + 1];
      if (field_length > length - offset - 2)
        return "A field runs past the end of the body.";
      value = body + offset + 2;
      offset += 2 + field_length;

      /* Skipped: tags of later versions, and of other message types. */
      if (tag >= 32 || (spec->fields & (UINT32_C (1) << tag)) == 0)
        continue;
      bit = UINT32_C (1) << tag;
      if (message->present & bit)
        return field_specs[tag].twice;
      if (!length_fits (tag, field_length))
        return field_specs[tag].wrong_length;
      why = store_field (message, tag, value, field_length);
      if (why != NULL)
        return why;
      message->present |= bit;
    }
  return NULL;
}

static BurrowCaptureDecodeStatus
decode_frame (const uint8_t        *data,
              size_t                length,
              BurrowCaptureMessage *message,
              size_t               *frame_length,
              const char          **why)
{
  const TypeSpec *spec;
  size_t body_length;

  if (length < 1)
    return BURROW_CAPTURE_DECODE_NEED_MORE;
  if (data[0] != BURROW_CAPTURE_VERSION)
    {
      *why = "The frame is of a protocol version other than 1.";
      return BURROW_CAPTURE_DECODE_BAD_VERSION;
    }
  if (length < BURROW_CAPTURE_HEADER_SIZE)
    return BURROW_CAPTURE_DECODE_NEED_MORE;

  spec = find_type (data[1]);
  body_length = read_u16 (data + 2);
  if (spec == NULL)
    *why = "The message type is unknown.";
  else if (body_length > BURROW_CAPTURE_MAX_BODY)
    *why = "The frame's body is longer than 1024 bytes.";
  if (*why != NULL)
    return BURROW_CAPTURE_DECODE_INVALID;
  if (length - BURROW_CAPTURE_HEADER_SIZE < body_length)
    return BURROW_CAPTURE_DECODE_NEED_MORE;

  message->type = data[1];
  *why = decode_fields (data + BURROW_CAPTURE_HEADER_SIZE, body_length, spec, message);
  if (*why == NULL)
    *why = check_message (message);
  if (*why != NULL)
    return BURROW_CAPTURE_DECODE_INVALID;
  *frame_length = BURROW_CAPTURE_HEADER_SIZE + body_length;
  return BURROW_CAPTURE_DECODE_OK;
}

BurrowCaptureDecodeStatus
burrow_capture_message_decode (const uint8_t        *data,
                               size_t                length,
                               BurrowCaptureMessage *message,
                               size_t               *consumed,
                               const char          **why)
{
  BurrowCaptureDecodeStatus status;
  size_t frame_length = 0;
  const char *reason = NULL;

  memset (message, 0, sizeof *message);
  status = decode_frame (data, length, message, &frame_length, &reason);
  if (status != BURROW_CAPTURE_DECODE_OK)
    memset (message, 0, sizeof *message);
  if (consumed != NULL)
    *consumed = frame_length;
  if (why != NULL)
    *why = reason;
  return status;
}

/* Counts what it would write, and writes it if @out is set. */
typedef struct
{
  uint8_t *out;
  size_t length;
} Writer;

static void
put_bytes (Writer     *writer,
           const void *bytes,
           size_t      length)
{
  if (writer->out != NULL)
    memcpy (writer->out + writer->length, bytes, length);
  writer->length += length;
}

static void
put_u8 (Writer  *writer,
        uint8_t  value)
{
  put_bytes (writer, &value, 1);
}

static void
put_u16 (Writer   *writer,
         uint16_t  value)
{
  uint8_t bytes[2] = { (uint8_t) (value >> 8), (uint8_t) value };

  put_bytes (writer, bytes, sizeof bytes);
}

static void
put_u32_field (Writer   *writer,
               uint8_t   tag,
               uint32_t  value)
{
  uint8_t bytes[6] = { tag, 4, (uint8_t) (value >> 24), (uint8_t) (value >> 16),
                       (uint8_t) (value >> 8), (uint8_t) value };

  put_bytes (writer, bytes, sizeof bytes);
}

static void
put_u8_field (Writer  *writer,
              uint8_t  tag,
              uint8_t  value)
{
  uint8_t bytes[3] = { tag, 1, value };

  put_bytes (writer, bytes, sizeof bytes);
}

/* A NUL-terminated field (NAME, EXECUTABLE: at most 255 bytes, checked
 * by the caller), without its NUL. */
static void
put_string_field (Writer     *writer,
                  uint8_t     tag,
                  const char *text)
{
  size_t length = strlen (text);

  put_u8 (writer, tag);
  put_u8 (writer, (uint8_t) length);
  put_bytes (writer, text, length);
}

static void
put_fields (Writer                     *writer,
            const BurrowCaptureMessage *message)
{
  uint32_t present = message->present;

  if (present & BURROW_CAPTURE_HAS_ADDRESS)
    {
      size_t size = address_size (message->family);

      put_u8 (writer, BURROW_CAPTURE_TAG_ADDRESS);
      put_u8 (writer, (uint8_t) (3 + size));
      put_u8 (writer, message->family);
      put_u16 (writer, message->port);
      put_bytes (writer, message->address, size);
    }
  if (present & BURROW_CAPTURE_HAS_NAME)
    put_string_field (writer, BURROW_CAPTURE_TAG_NAME, message->name);
  if (present & BURROW_CAPTURE_HAS_FLAGS)
    put_u32_field (writer, BURROW_CAPTURE_TAG_FLAGS, message->flags);
  if (present & BURROW_CAPTURE_HAS_FAMILY)
    put_u8_field (writer, BURROW_CAPTURE_TAG_FAMILY, message->query_family);
  if (present & BURROW_CAPTURE_HAS_EXECUTABLE)
    put_string_field (writer, BURROW_CAPTURE_TAG_EXECUTABLE, message->executable);
  if (present & BURROW_CAPTURE_HAS_PID)
    put_u32_field (writer, BURROW_CAPTURE_TAG_PID, message->pid);
  if (present & BURROW_CAPTURE_HAS_ACTION)
    put_u8_field (writer, BURROW_CAPTURE_TAG_ACTION, message->action);
  if (present & BURROW_CAPTURE_HAS_ERRNO)
    put_u32_field (writer, BURROW_CAPTURE_TAG_ERRNO, message->error_number);
  if (present & BURROW_CAPTURE_HAS_RULE)
    put_u32_field (writer, BURROW_CAPTURE_TAG_RULE, message->rule);
}

size_t
burrow_capture_message_encode (const BurrowCaptureMessage *message,
                               uint8_t                    *out,
                               size_t                      out_size)
{
  Writer counter = { NULL, 0 };
  Writer writer = { out, 0 };
  size_t body_length;

  if (message == NULL || out == NULL || check_message (message) != NULL)
    return 0;
  /* Counted first, so a short buffer is left untouched. */
  put_fields (&counter, message);
  body_length = counter.length;
  if (body_length > BURROW_CAPTURE_MAX_BODY ||
      out_size < BURROW_CAPTURE_HEADER_SIZE + body_length)
    return 0;

  put_u8 (&writer, BURROW_CAPTURE_VERSION);
  put_u8 (&writer, message->type);
  put_u16 (&writer, (uint16_t) body_length);
  put_fields (&writer, message);
  return writer.length;
}

void
burrow_capture_message_init (BurrowCaptureMessage *message,
                             uint8_t               type)
{
  memset (message, 0, sizeof *message);
  message->type = type;
}

int
burrow_capture_message_set_sockaddr (BurrowCaptureMessage  *message,
                                     const struct sockaddr *address,
                                     socklen_t              length)
{
  /* Copied out, not cast: @address may be any sockaddr the program had. */
  if (address == NULL || length < (socklen_t) sizeof (sa_family_t))
    return -1;
  if (address->sa_family == AF_INET && length >= (socklen_t) sizeof (struct sockaddr_in))
    {
      struct sockaddr_in in;

      memcpy (&in, address, sizeof in);
      memset (message->address, 0, sizeof message->address);
      memcpy (message->address, &in.sin_addr, 4);
      message->family = 4;
      message->port = ntohs (in.sin_port);
    }
  else if (address->sa_family == AF_INET6 && length >= (socklen_t) sizeof (struct sockaddr_in6))
    {
      struct sockaddr_in6 in6;

      memcpy (&in6, address, sizeof in6);
      memcpy (message->address, &in6.sin6_addr, 16);
      message->family = 6;
      message->port = ntohs (in6.sin6_port);
    }
  else
    return -1;
  message->present |= BURROW_CAPTURE_HAS_ADDRESS;
  return 0;
}

int
burrow_capture_message_get_sockaddr (const BurrowCaptureMessage *message,
                                     struct sockaddr_storage    *address,
                                     socklen_t                  *length)
{
  if (!(message->present & BURROW_CAPTURE_HAS_ADDRESS))
    return -1;
  memset (address, 0, sizeof *address);
  if (message->family == 4)
    {
      struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons (message->port) };

      memcpy (&in.sin_addr, message->address, 4);
      memcpy (address, &in, sizeof in);
      *length = sizeof in;
    }
  else if (message->family == 6)
    {
      struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons (message->port) };

      memcpy (&in6.sin6_addr, message->address, 16);
      memcpy (address, &in6, sizeof in6);
      *length = sizeof in6;
    }
  else
    return -1;
  return 0;
}

const uint8_t burrow_capture_synthetic_ipv4[2] = { 198, 18 };
const uint8_t burrow_capture_synthetic_ipv6[8] = { 0xfd, 0x62, 0x75, 0x72, 0x72, 0x6f, 0x77, 0x00 };

int
burrow_capture_is_synthetic (int            family,
                             const uint8_t *bytes)
{
  if (family == AF_INET)
    return bytes[0] == burrow_capture_synthetic_ipv4[0]
           && (bytes[1] & 0xfe) == burrow_capture_synthetic_ipv4[1];
  return family == AF_INET6
         && memcmp (bytes, burrow_capture_synthetic_ipv6,
                    sizeof burrow_capture_synthetic_ipv6) == 0;
}
