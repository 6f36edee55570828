// SPDX-License-Identifier: GPL-3.0-or-later
/* The FTP control-channel rewriter.  Each side's input is cut into lines;
 * a line is handled only while its side is not held, and handling one line
 * of a side is followed by handling all the other side can, so the outcome
 * is what it would be if every byte came on its own.  While an event waits
 * for its answer nothing else is handled, as if it had been answered at
 * once: the outcome depends neither on how the input was split nor on when
 * the answers come. */
#define G_LOG_DOMAIN "broker-ftp"

#include "broker-ftp-rewriter.h"

#include "broker-error.h"

#include <gio/gio.h>
#include <string.h>

#define FTP_LINE_MAX 2048       /* the ending included */
#define FIFO_MAX 64             /* commands waiting for a reply */

#define IAC 0xff
#define IAC_WILL 0xfb           /* WILL, WONT, DO, DONT take an option byte */

#define REPLY_CANT_OPEN "425 Can't open data connection."
#define REPLY_TOO_MANY "425 too many data connections pending"
#define REPLY_NOT_ALLOWED "501 Data connections may only go to the client's own address" \
                          " and a port of 1024 or more."
#define REPLY_SYNTAX "501 Syntax error in parameters or arguments."
#define REPLY_WITHHELD_227 "227 Passive mode reply withheld by the FTP tunnel: it answered no PASV."
#define REPLY_WITHHELD_229 "229 Extended passive mode reply withheld by the FTP tunnel: " \
  "it answered no EPSV."
#define REPLY_FAMILY "522 Network protocol not supported, use (1,2)"
#define REPLY_NOT_IMPLEMENTED "502 LPRT and LPSV are not supported; use EPRT or EPSV."

typedef enum
{
  COMMAND_OTHER,
  COMMAND_PASV,
  COMMAND_EPSV,
  COMMAND_AUTH,
  COMMAND_PASSIVE_HELD,         /* its reply waits for passive_ready/failed */
  COMMAND_ACTIVE_WAIT,          /* waits for active_ready/failed, not yet sent */
  COMMAND_LOCAL,                /* answered by the rewriter with @reply */
} CommandKind;

typedef struct
{
  CommandKind kind;
  guint id;
  gboolean extended;            /* EPSV, EPRT */
  const char *eol;              /* the command's or reply's line ending */
  char *reply;
} Command;

typedef enum
{
  MODE_LINES,
  MODE_STREAM,                  /* the rest of an overlong line passes */
  MODE_DISCARD,                 /* the rest of an overlong line is dropped */
} Mode;

typedef struct
{
  GByteArray *to_server;
  GByteArray *to_client;
  GPtrArray *events;
} Output;

/* One line, or the first FTP_LINE_MAX bytes of an overlong one. */
typedef struct
{
  const guint8 *data;
  gsize size;                   /* all of it, ending included */
  gsize start;                  /* after the Telnet IAC sequences */
  gsize end;                    /* before the ending */
  gboolean complete;
  const char *eol;
} Line;

struct _BrokerFtpRewriter
{
  GInetAddress *client_address;
  GByteArray *input[2];
  Mode mode[2];
  BrokerFtpDirection last_fed;
  GQueue commands;              /* Command, oldest first */
  gboolean multiline;
  gboolean swallowing;          /* a multi-line 227 or 229: dropped, then answered */
  char multiline_code[3];
  gboolean tls;
  guint next_id;
  guint pending[BROKER_FTP_MAX_PENDING];
  guint n_pending;
  guint n_unanswered;           /* PASSIVE_HELD and ACTIVE_WAIT commands */
};

void
broker_ftp_event_free (BrokerFtpEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->detail);
  g_free (event);
}

static void
command_free (Command *command)
{
  g_free (command->reply);
  g_free (command);
}

/* An IPv4-mapped IPv6 address (a client of a dual-stack listener) is its
 * IPv4 address: a PORT from it names that. */
GInetAddress *
broker_ftp_address_new (const char *text)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);
  const guint8 *bytes;

  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return g_steal_pointer (&address);
  bytes = g_inet_address_to_bytes (address);
  for (guint i = 0; i < 10; i++)
    if (bytes[i] != 0)
      return g_steal_pointer (&address);
  if (bytes[10] != 0xff || bytes[11] != 0xff)
    return g_steal_pointer (&address);
  return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
}

GInetAddress *
broker_ftp_address_from_native (gconstpointer native,
                                gsize         length)
{
  g_autoptr(GSocketAddress) address = g_socket_address_new_from_native ((gpointer) native, length);
  g_autofree char *text = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;
  text = g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return broker_ftp_address_new (text);
}

BrokerFtpRewriter *
broker_ftp_rewriter_new (const char *client_address)
{
  BrokerFtpRewriter *self;
  GInetAddress *address;

  g_return_val_if_fail (client_address != NULL, NULL);

  address = broker_ftp_address_new (client_address);
  if (address == NULL)
    return NULL;
  self = g_new0 (BrokerFtpRewriter, 1);
  self->client_address = address;
  self->input[BROKER_FTP_FROM_CLIENT] = g_byte_array_new ();
  self->input[BROKER_FTP_FROM_SERVER] = g_byte_array_new ();
  self->last_fed = BROKER_FTP_FROM_CLIENT;
  self->next_id = 1;
  g_queue_init (&self->commands);
  return self;
}

void
broker_ftp_rewriter_free (BrokerFtpRewriter *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->client_address);
  g_byte_array_unref (self->input[BROKER_FTP_FROM_CLIENT]);
  g_byte_array_unref (self->input[BROKER_FTP_FROM_SERVER]);
  g_queue_clear_full (&self->commands, (GDestroyNotify) command_free);
  g_free (self);
}

/* Output and events */

static void
emit (GByteArray *to,
      const void *data,
      gsize       size)
{
  g_byte_array_append (to, data, size);
}

static void
emit_text (GByteArray *to,
           const char *text,
           const char *eol)
{
  emit (to, text, strlen (text));
  emit (to, eol, strlen (eol));
}

static BrokerFtpEvent *
add_event (Output             *out,
           BrokerFtpEventKind  kind,
           guint               id,
           guint16             port,
           const char         *detail)
{
  BrokerFtpEvent *event = g_new0 (BrokerFtpEvent, 1);

  event->kind = kind;
  event->id = id;
  event->port = port;
  event->detail = g_strdup (detail);
  g_ptr_array_add (out->events, event);
  return event;
}

static void
refuse_event (Output     *out,
              const char *detail)
{
  g_debug ("data connection refused: %s", detail);
  add_event (out, BROKER_FTP_EVENT_REFUSED, 0, 0, detail);
}

/* Pending forwards */

static gboolean
pending_full (BrokerFtpRewriter *self)
{
  return self->n_pending >= BROKER_FTP_MAX_PENDING;
}

static guint
pending_add (BrokerFtpRewriter *self)
{
  guint id = self->next_id++;

  g_assert (!pending_full (self));
  self->pending[self->n_pending++] = id;
  return id;
}

static void
pending_remove (BrokerFtpRewriter *self,
                guint              id)
{
  for (guint i = 0; i < self->n_pending; i++)
    if (self->pending[i] == id)
      {
        self->pending[i] = self->pending[--self->n_pending];
        return;
      }
}

/* The command FIFO */

static Command *
push_command (BrokerFtpRewriter *self,
              CommandKind        kind,
              const char        *eol)
{
  Command *command = g_new0 (Command, 1);

  command->kind = kind;
  command->eol = eol;
  g_queue_push_tail (&self->commands, command);
  return command;
}

static void
pop_command (BrokerFtpRewriter *self)
{
  command_free (g_queue_pop_head (&self->commands));
}

static void
make_local (Command    *command,
            const char *reply)
{
  command->kind = COMMAND_LOCAL;
  g_free (command->reply);
  command->reply = g_strdup (reply);
}

/* Sends the rewriter's own replies that are next in line. */
static void
drain_local (BrokerFtpRewriter *self,
             Output            *out)
{
  Command *head;

  while ((head = g_queue_peek_head (&self->commands)) != NULL &&
         head->kind == COMMAND_LOCAL)
    {
      emit_text (out->to_client, head->reply, head->eol);
      pop_command (self);
    }
}

static void
answer_locally (BrokerFtpRewriter *self,
                const char        *reply,
                const char        *eol,
                Output            *out)
{
  make_local (push_command (self, COMMAND_LOCAL, eol), reply);
  drain_local (self, out);
}

static Command *
find_waiting (BrokerFtpRewriter *self,
              CommandKind        kind,
              guint              id)
{
  Command *head = g_queue_peek_head (&self->commands);
  Command *tail = g_queue_peek_tail (&self->commands);

  /* A held reply is always the oldest command, a held command the newest. */
  if (kind == COMMAND_PASSIVE_HELD && head != NULL && head->kind == kind && head->id == id)
    return head;
  if (kind == COMMAND_ACTIVE_WAIT && tail != NULL && tail->kind == kind && tail->id == id)
    return tail;
  return NULL;
}

static gboolean
is_held (BrokerFtpRewriter  *self,
         BrokerFtpDirection  from)
{
  Command *tail = g_queue_peek_tail (&self->commands);

  /* Nothing moves while a request waits for its answer, so the outcome
   * does not depend on when the answer comes either. */
  if (self->n_unanswered > 0)
    return TRUE;
  if (from == BROKER_FTP_FROM_SERVER)
    return FALSE;
  return self->commands.length >= FIFO_MAX ||
         (tail != NULL && (tail->kind == COMMAND_ACTIVE_WAIT || tail->kind == COMMAND_AUTH));
}

/* Number parsing: strict, so no text can be read two ways. */

/* 1 to @max_digits decimal digits without a leading zero, at most @max. */
static gboolean
parse_number (const char **p,
              const char  *end,
              guint        max_digits,
              guint        max,
              guint       *value)
{
  const char *s = *p;
  guint digits = 0;
  guint v = 0;

  while (s < end && g_ascii_isdigit (*s))
    {
      if (++digits > max_digits || (digits == 2 && v == 0))
        return FALSE;
      v = v * 10 + (guint) (*s - '0');
      s++;
    }
  if (digits == 0 || v > max)
    return FALSE;
  *p = s;
  *value = v;
  return TRUE;
}

/* "h1,h2,h3,h4,p1,p2": each 0-255. */
static gboolean
parse_six (const char **p,
           const char  *end,
           guint        fields[6])
{
  for (guint i = 0; i < 6; i++)
    {
      if (i > 0 && (*p >= end || *(*p)++ != ','))
        return FALSE;
      if (!parse_number (p, end, 3, 255, &fields[i]))
        return FALSE;
    }
  return TRUE;
}

/* An RFC 2428 delimiter that cannot be part of an address or a port. */
static gboolean
is_delimiter (char c)
{
  return c >= 33 && c <= 126 && !g_ascii_isalnum (c) && c != '.' && c != ':' && c != '%';
}

/* The port of "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"; the address
 * is ignored.  Without parentheses the numbers start at the first digit
 * (RFC 1123 4.1.2.6), which must not follow a sign or a comma. */
static gboolean
parse_227 (const char *text,
           const char *end,
           guint16    *port)
{
  const char *p = memchr (text, '(', end - text);
  gboolean parenthesized = p != NULL;
  guint f[6];

  if (parenthesized)
    p++;
  else
    for (p = text; p < end && !g_ascii_isdigit (*p); p++)
      if (*p == '-' || *p == '+' || *p == ',')
        return FALSE;
  if (!parse_six (&p, end, f))
    return FALSE;
  if (parenthesized ? (p >= end || *p != ')') : (p < end && (g_ascii_isdigit (*p) || *p == ',')))
    return FALSE;
  if (f[4] == 0 && f[5] == 0)
    return FALSE;
  *port = (guint16) (f[4] * 256 + f[5]);
  return TRUE;
}

/* "229 Entering Extended Passive Mode (|||port|)" */
static gboolean
parse_229 (const char *text,
           const char *end,
           guint16    *port)
{
  const char *p = memchr (text, '(', end - text);
  guint value;
  char d;

  if (p == NULL || end - p < 5)
    return FALSE;
  d = p[1];
  if (!is_delimiter (d) || p[2] != d || p[3] != d)
    return FALSE;
  p += 4;
  if (!parse_number (&p, end, 5, 65535, &value) || value == 0)
    return FALSE;
  if (end - p < 2 || p[0] != d || p[1] != ')')
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

/* Whether @text is the client's own address (IPv4-mapped or not). */
static gboolean
is_client_address (BrokerFtpRewriter *self,
                   const char        *text)
{
  g_autoptr(GInetAddress) address = broker_ftp_address_new (text);

  return address != NULL &&
         g_inet_address_equal (address, self->client_address);
}

typedef enum
{
  ACTIVE_OK,
  ACTIVE_SYNTAX,
  ACTIVE_NOT_ALLOWED,
  ACTIVE_FAMILY,               /* EPRT with a protocol other than 1 or 2 */
} ActiveCheck;

/* "h1,h2,h3,h4,p1,p2" */
static ActiveCheck
check_port_args (BrokerFtpRewriter *self,
                 const char        *p,
                 const char        *end,
                 guint16           *port)
{
  g_autofree char *address = NULL;
  guint f[6];

  if (!parse_six (&p, end, f) || p != end)
    return ACTIVE_SYNTAX;
  address = g_strdup_printf ("%u.%u.%u.%u", f[0], f[1], f[2], f[3]);
  *port = (guint16) (f[4] * 256 + f[5]);
  if (!is_client_address (self, address) || *port < 1024)
    return ACTIVE_NOT_ALLOWED;
  return ACTIVE_OK;
}

/* "|1|132.235.1.2|6275|" or "|2|::1|6275|" */
static ActiveCheck
check_eprt_args (BrokerFtpRewriter *self,
                 const char        *p,
                 const char        *end,
                 guint16           *port)
{
  g_autoptr(GInetAddress) parsed = NULL;
  g_autofree char *address = NULL;
  const char *start;
  GSocketFamily family;
  guint value;
  char d;

  if (end - p < 3 || !is_delimiter (d = p[0]) || p[2] != d)
    return ACTIVE_SYNTAX;
  if (g_ascii_isdigit (p[1]) && p[1] != '1' && p[1] != '2')
    return ACTIVE_FAMILY;     /* RFC 2428: 522, naming the ones we know */
  if (p[1] != '1' && p[1] != '2')
    return ACTIVE_SYNTAX;
  family = p[1] == '1' ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6;
  for (start = p += 3; p < end && (g_ascii_isxdigit (*p) || *p == '.' || *p == ':'); p++)
    ;
  if (p == start || p - start > 45 || p >= end || *p != d)
    return ACTIVE_SYNTAX;
  address = g_strndup (start, p - start);
  p++;
  if (!parse_number (&p, end, 5, 65535, &value) || value == 0 || end - p != 1 || *p != d)
    return ACTIVE_SYNTAX;
  parsed = g_inet_address_new_from_string (address);
  if (parsed == NULL || g_inet_address_get_family (parsed) != family)
    return ACTIVE_SYNTAX;
  *port = (guint16) value;
  if (!is_client_address (self, address) || *port < 1024)
    return ACTIVE_NOT_ALLOWED;
  return ACTIVE_OK;
}

/* Lines */

static void
emit_line (GByteArray *to,
           const Line *line)
{
  emit (to, line->data, line->size);
}

/* Telnet IAC sequences before a command go out as they came, even when
 * the command itself is consumed or rewritten. */
static void
emit_prefix (GByteArray *to,
             const Line *line)
{
  emit (to, line->data, line->start);
}

static gsize
iac_prefix (const guint8 *data,
            gsize         end)
{
  gsize i = 0;

  while (i < end && data[i] == IAC)
    i += i + 1 < end && data[i + 1] >= IAC_WILL && data[i + 1] < IAC ? 3 : 2;
  return MIN (i, end);
}

static const char *
line_text (const Line *line,
           gsize       offset)
{
  return (const char *) line->data + MIN (line->start + offset, line->end);
}

static const char *
line_end (const Line *line)
{
  return (const char *) line->data + line->end;
}

static gboolean
verb_is (const Line *line,
         gsize       verb_length,
         const char *verb)
{
  return verb_length == strlen (verb) &&
         g_ascii_strncasecmp (line_text (line, 0), verb, verb_length) == 0;
}

/* Client commands */

static void
refuse_command (BrokerFtpRewriter *self,
                const Line        *line,
                const char        *reply,
                const char        *detail,
                Output            *out)
{
  emit_prefix (out->to_server, line);
  refuse_event (out, detail);
  answer_locally (self, reply, line->eol, out);
}

static void
hold_active (BrokerFtpRewriter *self,
             const Line        *line,
             gboolean           extended,
             guint16            port,
             Output            *out)
{
  Command *command;

  emit_prefix (out->to_server, line);
  command = push_command (self, COMMAND_ACTIVE_WAIT, line->eol);
  command->id = pending_add (self);
  command->extended = extended;
  self->n_unanswered++;
  add_event (out, BROKER_FTP_EVENT_ACTIVE, command->id, port, NULL)->extended = extended;
}

/* PORT or EPRT: held for active_ready(), or answered here.  Never sent as
 * it came. */
static void
client_active (BrokerFtpRewriter *self,
               const Line        *line,
               gsize              args,
               gboolean           extended,
               Output            *out)
{
  ActiveCheck check = ACTIVE_SYNTAX;
  guint16 port = 0;

  if (line->complete)
    check = (extended ? check_eprt_args : check_port_args) (self, line_text (line, args),
                                                            line_end (line), &port);
  if (check == ACTIVE_SYNTAX)
    refuse_command (self, line, REPLY_SYNTAX, "malformed PORT or EPRT", out);
  else if (check == ACTIVE_FAMILY)
    refuse_command (self, line, REPLY_FAMILY, "EPRT with an unknown network protocol", out);
  else if (check == ACTIVE_NOT_ALLOWED)
    refuse_command (self, line, REPLY_NOT_ALLOWED,
                    "PORT or EPRT to another address or a port below 1024", out);
  else if (pending_full (self))
    refuse_command (self, line, REPLY_TOO_MANY, "too many data connections pending", out);
  else
    hold_active (self, line, extended, port, out);
}

/* Returns whether the rest of an overlong line may pass. */
static gboolean
client_line (BrokerFtpRewriter *self,
             const Line        *line,
             Output            *out)
{
  const char *verb = line_text (line, 0);
  const char *space = memchr (verb, ' ', line_end (line) - verb);
  gsize length = (space != NULL ? space : line_end (line)) - verb;
  CommandKind kind = COMMAND_OTHER;

  /* A server that ends lines at a bare CR would see a second command in
   * it, one the rewriter never checked. */
  if (memchr (verb, '\r', line_end (line) - verb) != NULL)
    {
      refuse_command (self, line, REPLY_SYNTAX, "a bare CR in a command", out);
      return FALSE;
    }
  if (verb_is (line, length, "PORT") || verb_is (line, length, "EPRT"))
    {
      client_active (self, line, length + 1, verb_is (line, length, "EPRT"), out);
      return FALSE;
    }
  if (verb_is (line, length, "LPRT") || verb_is (line, length, "LPSV"))
    {
      refuse_command (self, line, REPLY_NOT_IMPLEMENTED, "LPRT or LPSV", out);
      return FALSE;
    }
  if (verb_is (line, length, "PASV"))
    kind = COMMAND_PASV;
  else if (verb_is (line, length, "EPSV"))
    kind = COMMAND_EPSV;
  else if (verb_is (line, length, "AUTH"))
    kind = COMMAND_AUTH;
  push_command (self, kind, line->eol);
  emit_line (out->to_server, line);
  return TRUE;
}

/* Server replies */

/* "ddd" followed by a space, a dash or nothing; -1 if the line is not a
 * reply line. */
static int
reply_code (const Line *line,
            char       *separator)
{
  const char *d = line_text (line, 0);
  gsize n = line_end (line) - d;

  if (n < 3 || !g_ascii_isdigit (d[0]) || !g_ascii_isdigit (d[1]) || !g_ascii_isdigit (d[2]))
    return -1;
  *separator = n > 3 ? d[3] : ' ';
  if (*separator != ' ' && *separator != '-')
    return -1;
  return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

static void
start_tls (BrokerFtpRewriter *self,
           Output            *out)
{
  g_debug ("AUTH accepted: passing the control connection through from now on");
  self->tls = TRUE;
  add_event (out, BROKER_FTP_EVENT_TLS, 0, 0, NULL);
}

/* A final reply (2xx-5xx), once sent on, answers the oldest command. */
static void
answer_head (BrokerFtpRewriter *self,
             int                code,
             Output            *out)
{
  Command *head = g_queue_peek_head (&self->commands);

  if (code < 200 || head == NULL)
    return;
  if (head->kind == COMMAND_AUTH && code == 234)
    start_tls (self, out);
  pop_command (self);
  drain_local (self, out);
}

static void
finish_reply (BrokerFtpRewriter *self,
              const Line        *line,
              int                code,
              Output            *out)
{
  emit_line (out->to_client, line);
  answer_head (self, code, out);
}

static gboolean
is_passive_code (int code)
{
  return code == 227 || code == 229;
}

/* A 227 or 229 that answers no PASV or EPSV (unsolicited, or to another
 * command): a client that trusted it would open a data connection outside
 * the tunnel, to wherever it names.  It goes on with its code, so replies
 * stay in step, and without its address. */
static void
withhold_reply (BrokerFtpRewriter *self,
                const Line        *line,
                int                code,
                Output            *out)
{
  emit_prefix (out->to_client, line);
  emit_text (out->to_client, code == 227 ? REPLY_WITHHELD_227 : REPLY_WITHHELD_229, line->eol);
  refuse_event (out, "a 227 or 229 reply that answered no PASV or EPSV");
  answer_head (self, code, out);
}

/* The last line of a multi-line 227 or 229, whose lines were dropped: a
 * PASV or EPSV gets a 425 (it is never parsed), anything else the reply
 * without an address. */
static void
end_swallowed (BrokerFtpRewriter *self,
               const Line        *line,
               int                code,
               Output            *out)
{
  Command *head = g_queue_peek_head (&self->commands);

  self->swallowing = FALSE;
  if (head == NULL || (head->kind != COMMAND_PASV && head->kind != COMMAND_EPSV))
    {
      withhold_reply (self, line, code, out);
      return;
    }
  emit_prefix (out->to_client, line);
  emit_text (out->to_client, REPLY_CANT_OPEN, line->eol);
  refuse_event (out, "a multi-line 227 or 229 reply");
  answer_head (self, code, out);
}

/* A line inside a multi-line reply is text; one that looks like a final
 * 227 or 229 gets a space in front, so a client that ends replies early
 * cannot take it for a passive reply. */
static void
emit_inner_line (const Line *line,
                 int         code,
                 char        separator,
                 Output     *out)
{
  if (is_passive_code (code) && separator == ' ')
    emit (out->to_client, " ", 1);
  emit_line (out->to_client, line);
}

/* A 227 to a PASV or a 229 to an EPSV: held for passive_ready(), or
 * replaced by a 425.  Never sent as it came. */
static void
passive_reply (BrokerFtpRewriter *self,
               Command           *head,
               const Line        *line,
               Output            *out)
{
  gboolean extended = head->kind == COMMAND_EPSV;
  const char *reply = REPLY_CANT_OPEN;
  guint16 port = 0;

  emit_prefix (out->to_client, line);
  if (!line->complete ||
      !(extended ? parse_229 : parse_227) (line_text (line, 4), line_end (line), &port))
    refuse_event (out, extended ? "malformed 229 reply" : "malformed 227 reply");
  else if (pending_full (self))
    {
      refuse_event (out, "too many data connections pending");
      reply = REPLY_TOO_MANY;
    }
  else
    {
      head->kind = COMMAND_PASSIVE_HELD;
      head->extended = extended;
      head->eol = line->eol;
      head->id = pending_add (self);
      self->n_unanswered++;
      add_event (out, BROKER_FTP_EVENT_PASSIVE, head->id, port, NULL)->extended = extended;
      return;
    }
  emit_text (out->to_client, reply, line->eol);
  pop_command (self);
  drain_local (self, out);
}

/* Returns whether the rest of an overlong line may pass. */
static gboolean
server_line (BrokerFtpRewriter *self,
             const Line        *line,
             Output            *out)
{
  Command *head = g_queue_peek_head (&self->commands);
  char separator = 0;
  int code = reply_code (line, &separator);

  if (self->multiline)
    {
      /* Only "ddd " with the opening code ends it; nothing inside is parsed. */
      gboolean ends = code >= 0 && separator == ' ' &&
                      memcmp (line_text (line, 0), self->multiline_code, 3) == 0;
      gboolean swallowed = self->swallowing;

      if (ends)
        self->multiline = FALSE;
      if (ends && self->swallowing)
        end_swallowed (self, line, code, out);
      else if (ends)
        finish_reply (self, line, code, out);
      else if (!self->swallowing)
        emit_inner_line (line, code, separator, out);
      return !swallowed;
    }
  if (code >= 0 && separator == '-')
    {
      self->multiline = TRUE;
      self->swallowing = is_passive_code (code);
      memcpy (self->multiline_code, line_text (line, 0), 3);
      if (!self->swallowing)
        emit_line (out->to_client, line);
      return !self->swallowing;
    }
  if (code < 0)
    {
      emit_line (out->to_client, line);
      return TRUE;
    }
  if (head != NULL && ((head->kind == COMMAND_PASV && code == 227) ||
                       (head->kind == COMMAND_EPSV && code == 229)))
    {
      passive_reply (self, head, line, out);
      return FALSE;
    }
  if (is_passive_code (code))
    {
      withhold_reply (self, line, code, out);
      return FALSE;
    }
  finish_reply (self, line, code, out);
  return TRUE;
}

/* The input loop */

static void
flush_tls (BrokerFtpRewriter *self,
           Output            *out)
{
  GByteArray *client = self->input[BROKER_FTP_FROM_CLIENT];
  GByteArray *server = self->input[BROKER_FTP_FROM_SERVER];

  emit (out->to_server, client->data, client->len);
  emit (out->to_client, server->data, server->len);
  g_byte_array_set_size (client, 0);
  g_byte_array_set_size (server, 0);
  g_queue_clear_full (&self->commands, (GDestroyNotify) command_free);
  self->mode[BROKER_FTP_FROM_CLIENT] = self->mode[BROKER_FTP_FROM_SERVER] = MODE_LINES;
}

static GByteArray *
destination (Output             *out,
             BrokerFtpDirection  from)
{
  return from == BROKER_FTP_FROM_CLIENT ? out->to_server : out->to_client;
}

/* A client's overlong line reaches the server with every CR that is not
 * part of its CRLF as a space: a server that ends lines at a bare CR would
 * otherwise see a command the rewriter never checked. */
static void
blank_bare_crs (GByteArray *input,
                gsize       size)
{
  for (gsize i = 0; i < size && i + 1 < input->len; i++)
    if (input->data[i] == '\r' && input->data[i + 1] != '\n')
      input->data[i] = ' ';
}

/* The rest of an overlong line, up to its LF if it came.  A client's CR at
 * the end of the input waits for the next byte to tell what it is. */
static gboolean
continue_overlong (BrokerFtpRewriter  *self,
                   BrokerFtpDirection  from,
                   Output             *out)
{
  GByteArray *input = self->input[from];
  const guint8 *lf = memchr (input->data, '\n', input->len);
  gsize size = lf != NULL ? (gsize) (lf - input->data) + 1 : input->len;

  if (lf == NULL && from == BROKER_FTP_FROM_CLIENT && input->data[size - 1] == '\r')
    size--;
  if (size == 0)
    return FALSE;
  if (from == BROKER_FTP_FROM_CLIENT)
    blank_bare_crs (input, size);
  if (self->mode[from] == MODE_STREAM)
    emit (destination (out, from), input->data, size);
  if (lf != NULL)
    self->mode[from] = MODE_LINES;
  g_byte_array_remove_range (input, 0, size);
  return TRUE;
}

/* Cuts the next line, or the head of an overlong one, off @input. */
static gboolean
next_line (GByteArray *input,
           Line       *line)
{
  const guint8 *lf = memchr (input->data, '\n', MIN (input->len, FTP_LINE_MAX));

  if (lf == NULL && input->len < FTP_LINE_MAX)
    return FALSE;
  line->data = input->data;
  line->complete = lf != NULL;
  line->size = lf != NULL ? (gsize) (lf - input->data) + 1 : FTP_LINE_MAX;
  line->end = line->size;
  line->eol = "\r\n";           /* for the replies to an overlong line */
  if (line->complete)
    {
      gboolean crlf = line->size >= 2 && line->data[line->size - 2] == '\r';

      line->end -= crlf ? 2 : 1;
      line->eol = crlf ? "\r\n" : "\n";
    }
  line->start = iac_prefix (line->data, line->end);
  return TRUE;
}

/* Handles one line from @from if it can; FALSE if it cannot. */
static gboolean
process_one (BrokerFtpRewriter  *self,
             BrokerFtpDirection  from,
             Output             *out)
{
  GByteArray *input = self->input[from];
  Line line = { 0 };
  gboolean passes;

  if (input->len == 0)
    return FALSE;
  if (self->mode[from] != MODE_LINES)
    return continue_overlong (self, from, out);
  if (is_held (self, from) || !next_line (input, &line))
    return FALSE;
  if (from == BROKER_FTP_FROM_CLIENT)
    passes = client_line (self, &line, out);
  else
    passes = server_line (self, &line, out);
  if (!line.complete)
    self->mode[from] = passes ? MODE_STREAM : MODE_DISCARD;
  g_byte_array_remove_range (input, 0, line.size);
  return TRUE;
}

/* After each line of the side fed last, everything the other side can do,
 * as if the line had been the last byte to arrive. */
static void
pump (BrokerFtpRewriter *self,
      Output            *out)
{
  BrokerFtpDirection other = self->last_fed == BROKER_FTP_FROM_CLIENT ?
                             BROKER_FTP_FROM_SERVER : BROKER_FTP_FROM_CLIENT;

  do
    while (!self->tls && process_one (self, other, out))
      ;
  while (!self->tls && process_one (self, self->last_fed, out));
  if (self->tls)
    flush_tls (self, out);
}

gboolean
broker_ftp_rewriter_feed (BrokerFtpRewriter   *self,
                          BrokerFtpDirection   from,
                          const guint8        *data,
                          gsize                len,
                          GByteArray          *to_server,
                          GByteArray          *to_client,
                          GPtrArray           *events,
                          GError             **error)
{
  Output out = { to_server, to_client, events };
  GByteArray *input;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (from == BROKER_FTP_FROM_CLIENT || from == BROKER_FTP_FROM_SERVER, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  input = self->input[from];
  self->last_fed = from;
  /* In pieces, so an overlong line streams through a line's worth at a time. */
  for (gsize offset = 0; offset < len; offset += FTP_LINE_MAX)
    {
      gsize size = MIN (FTP_LINE_MAX, len - offset);

      if (self->tls)
        {
          emit (destination (&out, from), data + offset, len - offset);
          return TRUE;
        }
      g_byte_array_append (input, data + offset, size);
      pump (self, &out);
      if (input->len > BROKER_FTP_MAX_HELD)
        {
          g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED,
                       "The FTP %s sent more than %u bytes while it had to wait",
                       from == BROKER_FTP_FROM_CLIENT ? "client" : "server",
                       BROKER_FTP_MAX_HELD);
          return FALSE;
        }
    }
  return TRUE;
}

/* Answers from the tunnel */

/* "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)." for @address if it is an
 * IPv4 address, else for 127.0.0.1 (a 227 can say nothing else). */
static char *
passive_text (const char *address,
               guint16     port)
{
  g_autoptr(GInetAddress) inet = address != NULL ? g_inet_address_new_from_string (address) : NULL;
  guint8 loopback[4] = { 127, 0, 0, 1 };
  const guint8 *bytes = loopback;

  if (inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    bytes = g_inet_address_to_bytes (inet);
  return g_strdup_printf ("227 Entering Passive Mode (%u,%u,%u,%u,%u,%u).", bytes[0], bytes[1],
                          bytes[2], bytes[3], port >> 8, port & 0xff);
}

void
broker_ftp_rewriter_passive_ready (BrokerFtpRewriter *self,
                                   guint              id,
                                   const char        *address,
                                   guint16            local_port,
                                   GByteArray        *to_server,
                                   GByteArray        *to_client,
                                   GPtrArray         *events)
{
  Output out = { to_server, to_client, events };
  g_autofree char *reply = NULL;
  Command *command;

  g_return_if_fail (self != NULL);
  g_return_if_fail (local_port != 0);
  command = find_waiting (self, COMMAND_PASSIVE_HELD, id);
  g_return_if_fail (command != NULL);

  self->n_unanswered--;

  if (command->extended)
    reply = g_strdup_printf ("229 Entering Extended Passive Mode (|||%u|)", local_port);
  else
    reply = passive_text (address, local_port);
  emit_text (to_client, reply, command->eol);
  pop_command (self);
  drain_local (self, &out);
  pump (self, &out);
}

void
broker_ftp_rewriter_passive_failed (BrokerFtpRewriter *self,
                                    guint              id,
                                    GByteArray        *to_server,
                                    GByteArray        *to_client,
                                    GPtrArray         *events)
{
  Output out = { to_server, to_client, events };
  Command *command;

  g_return_if_fail (self != NULL);
  command = find_waiting (self, COMMAND_PASSIVE_HELD, id);
  g_return_if_fail (command != NULL);

  self->n_unanswered--;

  pending_remove (self, id);
  emit_text (to_client, REPLY_CANT_OPEN, command->eol);
  pop_command (self);
  drain_local (self, &out);
  pump (self, &out);
}

static void
fail_active (BrokerFtpRewriter *self,
             Command           *command,
             Output            *out)
{
  pending_remove (self, command->id);
  make_local (command, REPLY_CANT_OPEN);
  drain_local (self, out);
  pump (self, out);
}

/* "PORT h1,h2,h3,h4,p1,p2" or "EPRT |f|address|port|"; NULL if @address
 * cannot be said in it. */
static char *
active_command (gboolean    extended,
                const char *text,
                guint16     port)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);
  g_autofree char *canonical = NULL;
  const guint8 *bytes;

  if (address == NULL || port == 0)
    return NULL;
  if (extended)
    {
      canonical = g_inet_address_to_string (address);
      return g_strdup_printf ("EPRT |%c|%s|%u|",
                              g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4 ?
                              '1' : '2', canonical, port);
    }
  if (g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    return NULL;
  bytes = g_inet_address_to_bytes (address);
  return g_strdup_printf ("PORT %u,%u,%u,%u,%u,%u", bytes[0], bytes[1], bytes[2], bytes[3],
                          port >> 8, port & 0xff);
}

void
broker_ftp_rewriter_active_ready (BrokerFtpRewriter *self,
                                  guint              id,
                                  const char        *address,
                                  guint16            port,
                                  GByteArray        *to_server,
                                  GByteArray        *to_client,
                                  GPtrArray         *events)
{
  Output out = { to_server, to_client, events };
  g_autofree char *line = NULL;
  Command *command;

  g_return_if_fail (self != NULL);
  g_return_if_fail (address != NULL);
  command = find_waiting (self, COMMAND_ACTIVE_WAIT, id);
  g_return_if_fail (command != NULL);

  self->n_unanswered--;

  line = active_command (command->extended, address, port);
  if (line == NULL)
    {
      g_debug ("cannot send %s:%u in %s", address, port, command->extended ? "EPRT" : "PORT");
      fail_active (self, command, &out);
      return;
    }
  emit_text (to_server, line, command->eol);
  command->kind = COMMAND_OTHER;
  pump (self, &out);
}

void
broker_ftp_rewriter_active_failed (BrokerFtpRewriter *self,
                                   guint              id,
                                   GByteArray        *to_server,
                                   GByteArray        *to_client,
                                   GPtrArray         *events)
{
  Output out = { to_server, to_client, events };
  Command *command;

  g_return_if_fail (self != NULL);
  command = find_waiting (self, COMMAND_ACTIVE_WAIT, id);
  g_return_if_fail (command != NULL);

  self->n_unanswered--;

  fail_active (self, command, &out);
}

void
broker_ftp_rewriter_forward_done (BrokerFtpRewriter *self,
                                  guint              id)
{
  g_return_if_fail (self != NULL);

  pending_remove (self, id);
}

guint
broker_ftp_rewriter_get_pending (BrokerFtpRewriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_pending;
}

gboolean
broker_ftp_rewriter_get_held (BrokerFtpRewriter  *self,
                              BrokerFtpDirection  from)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !self->tls && is_held (self, from);
}

gsize
broker_ftp_rewriter_get_buffered (BrokerFtpRewriter *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->input[BROKER_FTP_FROM_CLIENT]->len + self->input[BROKER_FTP_FROM_SERVER]->len;
}

gboolean
broker_ftp_rewriter_get_tls (BrokerFtpRewriter *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->tls;
}
