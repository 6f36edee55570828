// SPDX-License-Identifier: GPL-3.0-or-later
/* The server side of a SOCKS4/4a/5 handshake.  Each byte moves a state
 * machine one step, so the outcome cannot depend on where the input was
 * split, and nothing is kept but the fields themselves: no message buffer
 * to bound. */
#include "broker-socks.h"

#include "broker-error.h"

#include <gio/gio.h>
#include <stdarg.h>

#define NAME_MAX_BYTES 255      /* SOCKS5 length byte; SOCKS4a follows it */
#define USER_ID_MAX_BYTES 255

#define SOCKS_CONNECT 0x01

#define SOCKS4_GRANTED 0x5a
#define SOCKS4_REJECTED 0x5b

#define SOCKS5_NO_AUTHENTICATION 0x00
#define SOCKS5_NO_ACCEPTABLE_METHOD 0xff

#define SOCKS5_ATYP_IPV4 0x01
#define SOCKS5_ATYP_NAME 0x03
#define SOCKS5_ATYP_IPV6 0x04

/* RFC 1928 section 6 */
#define SOCKS5_SUCCEEDED 0x00
#define SOCKS5_GENERAL_FAILURE 0x01
#define SOCKS5_CONNECTION_REFUSED 0x05
#define SOCKS5_COMMAND_NOT_SUPPORTED 0x07
#define SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED 0x08

typedef enum
{
  STATE_VERSION,
  STATE_V4_COMMAND,
  STATE_V4_PORT,
  STATE_V4_ADDRESS,
  STATE_V4_USER_ID,
  STATE_V4_NAME,
  STATE_V5_METHOD_COUNT,
  STATE_V5_METHODS,
  STATE_V5_VERSION,
  STATE_V5_COMMAND,
  STATE_V5_RESERVED,
  STATE_V5_ADDRESS_TYPE,
  STATE_V5_ADDRESS,
  STATE_V5_NAME_LENGTH,
  STATE_V5_NAME,
  STATE_V5_PORT,
  STATE_DONE,
  STATE_FAILED,
} State;

struct _BrokerSocks
{
  State state;
  guint version;
  gsize field_length;             /* bytes the current field has, if known */
  gsize field_have;               /* bytes of it read so far */
  gboolean offers_no_auth;
  gboolean has_name;              /* SOCKS4a or SOCKS5 ATYP 3 */
  gsize address_length;           /* 4 or 16 */
  guint8 address[16];
  char name[NAME_MAX_BYTES + 1];
  guint16 port;
  char *host;                     /* set with STATE_DONE */
};

BrokerSocks *
broker_socks_new (void)
{
  return g_new0 (BrokerSocks, 1);
}

void
broker_socks_free (BrokerSocks *self)
{
  if (self == NULL)
    return;
  g_free (self->host);
  g_free (self);
}

static void
start_field (BrokerSocks *self,
             State        state,
             gsize        length)
{
  self->state = state;
  self->field_length = length;
  self->field_have = 0;
}

static BrokerSocksStatus
fail_valist (BrokerSocks  *self,
             GError      **error,
             const char   *format,
             va_list       args) G_GNUC_PRINTF (3, 0);

static BrokerSocksStatus
fail_valist (BrokerSocks  *self,
             GError      **error,
             const char   *format,
             va_list       args)
{
  self->state = STATE_FAILED;
  g_propagate_error (error, g_error_new_valist (BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                                                format, args));
  return BROKER_SOCKS_ERROR;
}

/* Refused with no reply: the client does not speak the protocol. */
static BrokerSocksStatus
fail (BrokerSocks  *self,
      GError      **error,
      const char   *format,
      ...) G_GNUC_PRINTF (3, 4);

static BrokerSocksStatus
fail (BrokerSocks  *self,
      GError      **error,
      const char   *format,
      ...)
{
  BrokerSocksStatus status;
  va_list args;

  va_start (args, format);
  status = fail_valist (self, error, format, args);
  va_end (args);
  return status;
}

static void
append_v4_reply (GByteArray *reply,
                 guint8      code)
{
  const guint8 bytes[] = { 0x00, code, 0, 0, 0, 0, 0, 0 };

  g_byte_array_append (reply, bytes, sizeof bytes);
}

/* The bound address is not known (it is the SSH server's), so it is
 * 0.0.0.0:0, as OpenSSH sends. */
static void
append_v5_reply (GByteArray *reply,
                 guint8      code)
{
  const guint8 bytes[] = { 0x05, code, 0x00, SOCKS5_ATYP_IPV4, 0, 0, 0, 0, 0, 0 };

  g_byte_array_append (reply, bytes, sizeof bytes);
}

static void
append_method_choice (GByteArray *reply,
                      guint8      method)
{
  const guint8 bytes[] = { 0x05, method };

  g_byte_array_append (reply, bytes, sizeof bytes);
}

/* Refuses a request with the failure reply of its version; @socks5_code is
 * the SOCKS5 REP, SOCKS4 has only one. */
static BrokerSocksStatus
refuse (BrokerSocks  *self,
        GByteArray   *reply,
        guint8        socks5_code,
        GError      **error,
        const char   *format,
        ...) G_GNUC_PRINTF (5, 6);

static BrokerSocksStatus
refuse (BrokerSocks  *self,
        GByteArray   *reply,
        guint8        socks5_code,
        GError      **error,
        const char   *format,
        ...)
{
  BrokerSocksStatus status;
  va_list args;

  if (self->version == 4)
    append_v4_reply (reply, SOCKS4_REJECTED);
  else
    append_v5_reply (reply, socks5_code);
  va_start (args, format);
  status = fail_valist (self, error, format, args);
  va_end (args);
  return status;
}

static char *
address_to_string (const guint8 *bytes,
                   gsize         length)
{
  GSocketFamily family = length == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_bytes (bytes, family);

  return g_inet_address_to_string (address);
}

static BrokerSocksStatus
complete_request (BrokerSocks *self)
{
  if (self->has_name)
    self->host = g_strdup (self->name);
  else
    self->host = address_to_string (self->address, self->address_length);
  self->state = STATE_DONE;
  return BROKER_SOCKS_REQUEST;
}

/* Big-endian, two bytes; TRUE once both are in. */
static gboolean
add_port_byte (BrokerSocks *self,
               guint8       byte)
{
  self->port = (guint16) (self->port << 8 | byte);
  return ++self->field_have == 2;
}

static BrokerSocksStatus
refuse_command (BrokerSocks  *self,
                guint8        byte,
                GByteArray   *reply,
                GError      **error)
{
  return refuse (self, reply, SOCKS5_COMMAND_NOT_SUPPORTED, error,
                 "SOCKS: only CONNECT is supported, not command %u%s", byte,
                 byte == 2 ? " (BIND)" : byte == 3 ? " (UDP ASSOCIATE)" : "");
}

static BrokerSocksStatus
refuse_port_zero (BrokerSocks  *self,
                  GByteArray   *reply,
                  GError      **error)
{
  return refuse (self, reply, SOCKS5_GENERAL_FAILURE, error,
                 "SOCKS%u: the client asks for port 0", self->version);
}

/* A host name goes to the SSH server as it is: printable ASCII without
 * blanks keeps control characters and look-alikes out of logs and
 * messages. */
static BrokerSocksStatus
add_name_byte (BrokerSocks  *self,
               guint8        byte,
               const char   *protocol,
               GByteArray   *reply,
               GError      **error)
{
  if (self->field_have == NAME_MAX_BYTES)
    return refuse (self, reply, SOCKS5_GENERAL_FAILURE, error,
                   "%s: host name longer than %u bytes", protocol, NAME_MAX_BYTES);
  if (byte <= 0x20 || byte >= 0x7f)
    return refuse (self, reply, SOCKS5_GENERAL_FAILURE, error,
                   "%s: the host name has byte 0x%02x; only printable ASCII without "
                   "blanks is accepted", protocol, byte);
  self->name[self->field_have++] = (char) byte;
  self->name[self->field_have] = '\0';
  return BROKER_SOCKS_NEED_MORE;
}

/* SOCKS4a: an address 0.0.0.x, x != 0, says a host name follows the user
 * id. */
static gboolean
v4_has_name (BrokerSocks *self)
{
  return self->address[0] == 0 && self->address[1] == 0 && self->address[2] == 0 &&
         self->address[3] != 0;
}

static BrokerSocksStatus
step_v4_user_id (BrokerSocks  *self,
                 guint8        byte,
                 GByteArray   *reply,
                 GError      **error)
{
  if (byte != 0)
    {
      if (++self->field_have > USER_ID_MAX_BYTES)
        return refuse (self, reply, 0, error, "SOCKS4: user id longer than %u bytes",
                       USER_ID_MAX_BYTES);
      return BROKER_SOCKS_NEED_MORE;
    }
  if (!v4_has_name (self))
    return complete_request (self);
  self->has_name = TRUE;
  start_field (self, STATE_V4_NAME, 0);
  return BROKER_SOCKS_NEED_MORE;
}

static BrokerSocksStatus
step_v4_name (BrokerSocks  *self,
              guint8        byte,
              GByteArray   *reply,
              GError      **error)
{
  if (byte != 0)
    return add_name_byte (self, byte, "SOCKS4a", reply, error);
  if (self->field_have == 0)
    return refuse (self, reply, 0, error, "SOCKS4a: the host name is empty");
  return complete_request (self);
}

static BrokerSocksStatus
step_v4 (BrokerSocks  *self,
         guint8        byte,
         GByteArray   *reply,
         GError      **error)
{
  switch (self->state)
    {
    case STATE_V4_COMMAND:
      if (byte != SOCKS_CONNECT)
        return refuse_command (self, byte, reply, error);
      start_field (self, STATE_V4_PORT, 2);
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V4_PORT:
      if (!add_port_byte (self, byte))
        return BROKER_SOCKS_NEED_MORE;
      if (self->port == 0)
        return refuse_port_zero (self, reply, error);
      self->address_length = 4;
      start_field (self, STATE_V4_ADDRESS, 4);
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V4_ADDRESS:
      self->address[self->field_have++] = byte;
      if (self->field_have == self->field_length)
        start_field (self, STATE_V4_USER_ID, 0);
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V4_USER_ID:
      return step_v4_user_id (self, byte, reply, error);
    default:
      return step_v4_name (self, byte, reply, error);
    }
}

static BrokerSocksStatus
step_v5_greeting (BrokerSocks  *self,
                  guint8        byte,
                  GByteArray   *reply,
                  GError      **error)
{
  if (self->state == STATE_V5_METHOD_COUNT)
    {
      if (byte == 0)
        {
          append_method_choice (reply, SOCKS5_NO_ACCEPTABLE_METHOD);
          return fail (self, error, "SOCKS5: the client offers no authentication method");
        }
      start_field (self, STATE_V5_METHODS, byte);
      return BROKER_SOCKS_NEED_MORE;
    }
  if (byte == SOCKS5_NO_AUTHENTICATION)
    self->offers_no_auth = TRUE;
  if (++self->field_have < self->field_length)
    return BROKER_SOCKS_NEED_MORE;
  if (!self->offers_no_auth)
    {
      append_method_choice (reply, SOCKS5_NO_ACCEPTABLE_METHOD);
      return fail (self, error, "SOCKS5: the client offers no method without authentication");
    }
  append_method_choice (reply, SOCKS5_NO_AUTHENTICATION);
  self->state = STATE_V5_VERSION;
  return BROKER_SOCKS_REPLY;
}

static BrokerSocksStatus
step_v5_address_type (BrokerSocks  *self,
                      guint8        byte,
                      GByteArray   *reply,
                      GError      **error)
{
  switch (byte)
    {
    case SOCKS5_ATYP_IPV4:
    case SOCKS5_ATYP_IPV6:
      self->address_length = byte == SOCKS5_ATYP_IPV4 ? 4 : 16;
      start_field (self, STATE_V5_ADDRESS, self->address_length);
      return BROKER_SOCKS_NEED_MORE;
    case SOCKS5_ATYP_NAME:
      self->has_name = TRUE;
      self->state = STATE_V5_NAME_LENGTH;
      return BROKER_SOCKS_NEED_MORE;
    default:
      return refuse (self, reply, SOCKS5_ADDRESS_TYPE_NOT_SUPPORTED, error,
                     "SOCKS5: address type %u is not supported", byte);
    }
}

/* The destination: an address, or a length and a host name; then the
 * port. */
static BrokerSocksStatus
step_v5_destination (BrokerSocks  *self,
                     guint8        byte,
                     GByteArray   *reply,
                     GError      **error)
{
  BrokerSocksStatus status = BROKER_SOCKS_NEED_MORE;

  switch (self->state)
    {
    case STATE_V5_ADDRESS:
      self->address[self->field_have++] = byte;
      break;
    case STATE_V5_NAME_LENGTH:
      if (byte == 0)
        return refuse (self, reply, SOCKS5_GENERAL_FAILURE, error,
                       "SOCKS5: the host name is empty");
      start_field (self, STATE_V5_NAME, byte);
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V5_NAME:
      status = add_name_byte (self, byte, "SOCKS5", reply, error);
      break;
    default:
      if (!add_port_byte (self, byte))
        return BROKER_SOCKS_NEED_MORE;
      if (self->port == 0)
        return refuse_port_zero (self, reply, error);
      return complete_request (self);
    }
  if (status == BROKER_SOCKS_NEED_MORE && self->field_have == self->field_length)
    start_field (self, STATE_V5_PORT, 2);
  return status;
}

static BrokerSocksStatus
step_v5_request (BrokerSocks  *self,
                 guint8        byte,
                 GByteArray   *reply,
                 GError      **error)
{
  switch (self->state)
    {
    case STATE_V5_VERSION:
      /* Not a SOCKS5 request at all, so there is no reply it would read. */
      if (byte != 5)
        return fail (self, error, "SOCKS5: the request has version %u, not 5", byte);
      self->state = STATE_V5_COMMAND;
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V5_COMMAND:
      if (byte != SOCKS_CONNECT)
        return refuse_command (self, byte, reply, error);
      self->state = STATE_V5_RESERVED;
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V5_RESERVED:
      if (byte != 0)
        return refuse (self, reply, SOCKS5_GENERAL_FAILURE, error,
                       "SOCKS5: the reserved byte of the request is %u, not 0", byte);
      self->state = STATE_V5_ADDRESS_TYPE;
      return BROKER_SOCKS_NEED_MORE;
    case STATE_V5_ADDRESS_TYPE:
      return step_v5_address_type (self, byte, reply, error);
    default:
      return step_v5_destination (self, byte, reply, error);
    }
}

/* An upper-case letter is likely the start of "CONNECT" or "GET": a client
 * set up for an HTTP proxy. */
static BrokerSocksStatus
step_version (BrokerSocks  *self,
              guint8        byte,
              GError      **error)
{
  if (byte == 4 || byte == 5)
    {
      self->version = byte;
      self->state = byte == 4 ? STATE_V4_COMMAND : STATE_V5_METHOD_COUNT;
      return BROKER_SOCKS_NEED_MORE;
    }
  return fail (self, error, "SOCKS: unknown protocol version %u; only SOCKS4, SOCKS4a and "
               "SOCKS5 are supported%s", byte,
               g_ascii_isupper (byte) ? " (is the client set up for an HTTP proxy?)" : "");
}

static BrokerSocksStatus
step (BrokerSocks  *self,
      guint8        byte,
      GByteArray   *reply,
      GError      **error)
{
  if (self->state == STATE_VERSION)
    return step_version (self, byte, error);
  if (self->state <= STATE_V4_NAME)
    return step_v4 (self, byte, reply, error);
  if (self->state <= STATE_V5_METHODS)
    return step_v5_greeting (self, byte, reply, error);
  return step_v5_request (self, byte, reply, error);
}

BrokerSocksStatus
broker_socks_feed (BrokerSocks   *self,
                   const guint8  *data,
                   gsize          len,
                   gsize         *consumed,
                   GByteArray    *reply,
                   GError       **error)
{
  BrokerSocksStatus status = BROKER_SOCKS_NEED_MORE;
  gsize used = 0;

  g_return_val_if_fail (self != NULL, BROKER_SOCKS_ERROR);
  g_return_val_if_fail (data != NULL || len == 0, BROKER_SOCKS_ERROR);
  g_return_val_if_fail (consumed != NULL, BROKER_SOCKS_ERROR);
  g_return_val_if_fail (reply != NULL, BROKER_SOCKS_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, BROKER_SOCKS_ERROR);

  *consumed = 0;
  if (self->state == STATE_DONE || self->state == STATE_FAILED)
    {
      g_set_error_literal (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                           self->state == STATE_DONE
                           ? "SOCKS: the request is already complete"
                           : "SOCKS: the request was already refused");
      return BROKER_SOCKS_ERROR;
    }
  while (status == BROKER_SOCKS_NEED_MORE && used < len)
    status = step (self, data[used++], reply, error);
  *consumed = used;
  return status;
}

guint
broker_socks_get_version (BrokerSocks *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->version;
}

const char *
broker_socks_get_host (BrokerSocks *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->host;
}

guint16
broker_socks_get_port (BrokerSocks *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->state == STATE_DONE ? self->port : 0;
}

void
broker_socks_reply (BrokerSocks *self,
                    gboolean     success,
                    GByteArray  *reply)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->state == STATE_DONE);

  broker_socks_append_reply (self->version, success, reply);
}

void
broker_socks_append_reply (guint       version,
                           gboolean    success,
                           GByteArray *reply)
{
  g_return_if_fail (version == 4 || version == 5);
  g_return_if_fail (reply != NULL);

  if (version == 4)
    append_v4_reply (reply, success ? SOCKS4_GRANTED : SOCKS4_REJECTED);
  else
    append_v5_reply (reply, success ? SOCKS5_SUCCEEDED : SOCKS5_CONNECTION_REFUSED);
}
