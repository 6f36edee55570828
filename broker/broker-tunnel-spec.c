// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-tunnel-spec.h"

#include "broker-error.h"
#include "broker-name.h"

#include <gio/gio.h>
#include <string.h>

/* Far more than the longest sensible spec (a 255-byte host, two IPv6
 * addresses, two ports), little enough to quote in a message. */
#define MAX_SPEC_BYTES 1024
#define MAX_QUOTED_CHARS 100

static const char * const option_names[] = { "-L", "-R", "-D" };
static const char forward_form[] = "[ftp/][BIND:]PORT:HOST:HOSTPORT";
static const char dynamic_form[] = "[BIND:]PORT";
static const char destination_form[] = "[USER@]HOST[:PORT]";

typedef struct
{
  const char *option;  /* "-L", "-R" or "-D"; NULL for a destination */
  const char *spec;
  const char *form;
  GError    **error;
} Parser;

/* Messages may cross D-Bus, which takes only UTF-8, and reach a terminal,
 * which should not get control characters from a mistyped argument. */
static char *
quote_text (const char *text)
{
  GString *out = g_string_new (NULL);
  guint shown = 0;

  for (const char *p = text; *p != '\0'; shown++)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (shown == MAX_QUOTED_CHARS)
        {
          g_string_append (out, "...");
          break;
        }
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p++);
          continue;
        }
      if (g_unichar_iscntrl (c))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

static char *
describe_subject (const Parser *parser)
{
  g_autofree char *quoted = quote_text (parser->spec);

  if (parser->option == NULL)
    return g_steal_pointer (&quoted);
  if (*parser->spec == '\0')
    return g_strdup (parser->option);
  return g_strdup_printf ("%s %s", parser->option, quoted);
}

/* With no problem named, the shape is wrong and the form says it all. */
static gboolean
set_error (const Parser *parser,
           const char   *problem)
{
  g_autofree char *subject = describe_subject (parser);

  if (problem == NULL)
    g_set_error (parser->error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                 "\"%s\": expected %s", subject, parser->form);
  else
    g_set_error (parser->error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS,
                 "\"%s\": %s; the form is %s", subject, problem, parser->form);
  return FALSE;
}

static gboolean fail (const Parser *parser,
                      const char   *format,
                      ...) G_GNUC_PRINTF (2, 3);

static gboolean
fail (const Parser *parser,
      const char   *format,
      ...)
{
  g_autofree char *problem = NULL;
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);
  return set_error (parser, problem);
}

/* Checked first, so later messages may quote pieces of the spec as they are. */
static gboolean
check_text (const Parser *parser)
{
  gsize length = strlen (parser->spec);

  if (length == 0)
    return fail (parser, "empty");
  if (length > MAX_SPEC_BYTES)
    return fail (parser, "too long (%" G_GSIZE_FORMAT " bytes, at most %d)",
                 length, MAX_SPEC_BYTES);
  if (!g_utf8_validate (parser->spec, -1, NULL))
    return fail (parser, "not valid UTF-8");
  for (const char *p = parser->spec; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return fail (parser, "contains a control character");
  return TRUE;
}

/* Splits at the colons outside brackets.  A bracketed field keeps its
 * brackets, so the caller can tell "[80]" from "80". */
static gboolean
split_fields (const Parser *parser,
              const char   *text,
              GPtrArray    *fields)
{
  const char *p = text;

  for (;;)
    {
      const char *end;

      if (*p == '[')
        {
          end = strchr (p, ']');
          if (end == NULL)
            return fail (parser, "'[' without ']'");
          end++;
          if (*end != ':' && *end != '\0')
            return fail (parser, "']' must be followed by ':' or the end");
        }
      else
        end = p + strcspn (p, ":");
      g_ptr_array_add (fields, g_strndup (p, end - p));
      if (*end == '\0')
        return TRUE;
      p = end + 1;
    }
}

static char *
unbracket (const char *field,
           gboolean   *bracketed)
{
  gsize length = strlen (field);

  *bracketed = length >= 2 && field[0] == '[' && field[length - 1] == ']';
  if (*bracketed)
    return g_strndup (field + 1, length - 2);
  return g_strdup (field);
}

/* Too many fields is most often an IPv6 address without brackets, or, for
 * -D, a destination that SOCKS clients name themselves. */
static gboolean
fail_shape (const Parser *parser,
            guint         n_fields,
            guint         max_fields,
            const char   *hint)
{
  if (n_fields > max_fields)
    return fail (parser, "too many ':' (%s)", hint);
  return set_error (parser, NULL);
}

static gboolean
parse_port (const Parser *parser,
            const char   *what,
            const char   *text,
            guint         min,
            guint16      *port)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, min, G_MAXUINT16, &value, NULL))
    return fail (parser, "%s '%s' is not a number from %u to 65535", what, text, min);
  *port = (guint16) value;
  return TRUE;
}

/* What the configuration loader asks of a name, plus the characters that
 * delimit a spec: a name holding them could not be printed back. */
static const char *
name_problem (const char *name)
{
  const char *problem = broker_name_problem (name);

  if (problem != NULL)
    return problem;
  if (strpbrk (name, "[]@") != NULL)
    return "contains '[', ']' or '@'";
  return NULL;
}

static gboolean
is_scope (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* The SSH server resolves the destination, so a zone ("%eth0") is its
 * business; here it only has to look like an interface name. */
static gboolean
is_ipv6_literal (const char *host)
{
  gsize length = strcspn (host, "%");
  g_autofree char *text = g_strndup (host, length);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (text);

  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6)
    return FALSE;
  return host[length] == '\0' || is_scope (host + length + 1);
}

static const char *
host_problem (const char *host)
{
  const char *problem = name_problem (host);

  if (problem == NULL && strchr (host, ':') != NULL && !is_ipv6_literal (host))
    return "has ':' but is not an IPv6 address";
  return problem;
}

/* user:password@host is how URLs carry passwords; refuse it rather than
 * take "user:password" for a user name and leave it in shell history. */
static const char *
user_problem (const char *user)
{
  const char *problem = name_problem (user);

  if (problem == NULL && strchr (user, ':') != NULL)
    return "contains ':' (passwords never go on the command line)";
  return problem;
}

static gboolean
fail_name (const Parser *parser,
           const char   *what,
           const char   *name,
           const char   *problem)
{
  if (*name == '\0')
    return fail (parser, "%s is empty", what);
  return fail (parser, "%s '%s' %s", what, name, problem);
}

static gboolean
check_host (const Parser *parser,
            const char   *what,
            const char   *host)
{
  const char *problem = host_problem (host);

  return problem == NULL || fail_name (parser, what, host, problem);
}

static gboolean
parse_host_field (const Parser  *parser,
                  const char    *field,
                  char         **host)
{
  gboolean bracketed;
  g_autofree char *text = unbracket (field, &bracketed);

  if (!check_host (parser, "destination host", text))
    return FALSE;
  *host = g_steal_pointer (&text);
  return TRUE;
}

/* Addresses only: resolving a name would be I/O, and the configuration
 * loader accepts nothing else either.  The canonical spelling lets equal
 * listeners compare equal. */
static gboolean
parse_bind_address (const Parser       *parser,
                    const char         *field,
                    BrokerTunnelConfig *tunnel)
{
  gboolean bracketed;
  g_autofree char *text = unbracket (field, &bracketed);
  g_autoptr(GInetAddress) address = NULL;
  const char *literal = text;

  if (*field == '\0')
    return TRUE;  /* ":1234:host:22" is the default, as OpenSSH reads it */
  if (!bracketed && strcmp (text, "*") == 0)
    literal = "0.0.0.0";
  else if (!bracketed && g_ascii_strcasecmp (text, "localhost") == 0)
    literal = "127.0.0.1";
  address = g_inet_address_new_from_string (literal);
  if (address == NULL)
    return fail (parser, "bind address '%s' is not an IP address, '*' or 'localhost'", field);
  tunnel->listen_address = g_inet_address_to_string (address);
  tunnel->allow_relay = !g_inet_address_get_is_loopback (address);
  return TRUE;
}

static gboolean
parse_listen_port (const Parser       *parser,
                   const char         *field,
                   BrokerTunnelConfig *tunnel)
{
  if (!parse_port (parser, "listen port", field, 0, &tunnel->listen_port))
    return FALSE;
  /* For -R the SSH server would pick the port, and the tunnel would not
   * know where it listens; refuse until something reports that port. */
  if (tunnel->listen_port == 0 && tunnel->kind == BROKER_TUNNEL_KIND_REMOTE)
    return fail (parser, "listen port 0 (any free port) works only with -L and -D");
  return TRUE;
}

/* The length of "ftp" in "ftp/…", or -1.  A '/' before the first ':' or
 * '[' can only end a type, since no bind address contains one. */
static gssize
find_type_prefix (const char *text)
{
  gsize length = strcspn (text, ":[/");

  return text[length] == '/' ? (gssize) length : -1;
}

static gboolean
parse_type (const Parser       *parser,
            const char        **text,
            BrokerTunnelConfig *tunnel)
{
  gssize length = find_type_prefix (*text);
  g_autofree char *name = NULL;

  if (length < 0)
    return TRUE;
  name = g_strndup (*text, length);
  if (!broker_tunnel_type_from_string (name, &tunnel->type))
    return fail (parser, "unknown tunnel type '%s' (ftp or tcp)", name);
  *text += length + 1;
  return TRUE;
}

static gboolean
parse_forward (const Parser       *parser,
               BrokerTunnelConfig *tunnel)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  const char *text = parser->spec;
  guint first;

  if (!parse_type (parser, &text, tunnel) || !split_fields (parser, text, fields))
    return FALSE;
  if (fields->len != 3 && fields->len != 4)
    return fail_shape (parser, fields->len, 4, "put an IPv6 address in brackets");
  first = fields->len - 3;
  return (first == 0 || parse_bind_address (parser, fields->pdata[0], tunnel)) &&
         parse_listen_port (parser, fields->pdata[first], tunnel) &&
         parse_host_field (parser, fields->pdata[first + 1], &tunnel->dst_host) &&
         parse_port (parser, "destination port", fields->pdata[first + 2], 1,
                     &tunnel->dst_port);
}

static gboolean
parse_dynamic (const Parser       *parser,
               BrokerTunnelConfig *tunnel)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);

  if (find_type_prefix (parser->spec) >= 0)
    return fail (parser, "a dynamic tunnel has no type (it is a SOCKS proxy)");
  if (!split_fields (parser, parser->spec, fields))
    return FALSE;
  if (fields->len != 1 && fields->len != 2)
    return fail_shape (parser, fields->len, 2, "the application names the destination "
                       "through SOCKS; put an IPv6 address in brackets");
  return (fields->len == 1 || parse_bind_address (parser, fields->pdata[0], tunnel)) &&
         parse_listen_port (parser, fields->pdata[fields->len - 1], tunnel);
}

BrokerTunnelConfig *
broker_tunnel_spec_parse (BrokerTunnelKind   kind,
                          const char        *spec,
                          GError           **error)
{
  g_autoptr(BrokerTunnelConfig) tunnel = NULL;
  gboolean dynamic = kind == BROKER_TUNNEL_KIND_DYNAMIC;
  Parser parser = { NULL, spec, dynamic ? dynamic_form : forward_form, error };

  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (option_names), NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser.option = option_names[kind];
  tunnel = broker_tunnel_config_new (kind);
  if (!check_text (&parser))
    return NULL;
  if (!(dynamic ? parse_dynamic (&parser, tunnel) : parse_forward (&parser, tunnel)))
    return NULL;
  return g_steal_pointer (&tunnel);
}

static gboolean
split_bracketed_host (const Parser  *parser,
                      const char    *text,
                      char         **host,
                      const char   **port_text)
{
  const char *close = strchr (text, ']');

  if (close == NULL)
    return fail (parser, "'[' without ']'");
  if (close[1] != '\0' && close[1] != ':')
    return fail (parser, "']' must be followed by ':' or the end");
  *host = g_strndup (text + 1, close - text - 1);
  *port_text = close[1] == ':' ? close + 2 : NULL;
  return TRUE;
}

static gboolean
split_plain_host (const Parser  *parser,
                  const char    *text,
                  char         **host,
                  const char   **port_text)
{
  const char *colon = strchr (text, ':');

  if (colon != NULL && strchr (colon + 1, ':') != NULL)
    return fail (parser, "too many ':' (put an IPv6 address in brackets)");
  *host = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
  *port_text = colon != NULL ? colon + 1 : NULL;
  return TRUE;
}

static gboolean
parse_host_port (const Parser  *parser,
                 const char    *text,
                 char         **host,
                 guint16       *port)
{
  g_autofree char *name = NULL;
  const char *port_text = NULL;
  gboolean split = *text == '['
                   ? split_bracketed_host (parser, text, &name, &port_text)
                   : split_plain_host (parser, text, &name, &port_text);

  if (!split || !check_host (parser, "host", name))
    return FALSE;
  *port = 0;
  if (port_text != NULL && !parse_port (parser, "port", port_text, 1, port))
    return FALSE;
  *host = g_steal_pointer (&name);
  return TRUE;
}

static gboolean
parse_user (const Parser  *parser,
            const char    *text,
            const char    *at,
            char         **user)
{
  g_autofree char *name = g_strndup (text, at - text);
  const char *problem = user_problem (name);

  if (problem != NULL)
    return fail_name (parser, "user name", name, problem);
  *user = g_steal_pointer (&name);
  return TRUE;
}

gboolean
broker_tunnel_spec_parse_destination (const char  *text,
                                      char       **user,
                                      char       **host,
                                      guint16     *port,
                                      GError     **error)
{
  Parser parser = { NULL, text, destination_form, error };
  g_autofree char *user_name = NULL;
  g_autofree char *host_name = NULL;
  guint16 port_number = 0;
  const char *at;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_text (&parser))
    return FALSE;
  /* The last '@', as OpenSSH does; an '@' before it is then refused as
   * part of the user name, with a message that says so. */
  at = strrchr (text, '@');
  if (at != NULL && !parse_user (&parser, text, at, &user_name))
    return FALSE;
  if (!parse_host_port (&parser, at != NULL ? at + 1 : text, &host_name, &port_number))
    return FALSE;
  if (user != NULL)
    *user = g_steal_pointer (&user_name);
  if (host != NULL)
    *host = g_steal_pointer (&host_name);
  if (port != NULL)
    *port = port_number;
  return TRUE;
}

static void
append_address (GString    *out,
                const char *address)
{
  if (strchr (address, ':') != NULL)
    g_string_append_printf (out, "[%s]", address);
  else
    g_string_append (out, address);
}

char *
broker_tunnel_spec_to_string (const BrokerTunnelConfig *tunnel)
{
  gboolean dynamic;
  GString *out;

  g_return_val_if_fail (tunnel != NULL, NULL);
  dynamic = tunnel->kind == BROKER_TUNNEL_KIND_DYNAMIC;
  g_return_val_if_fail (dynamic || tunnel->dst_host != NULL, NULL);

  out = g_string_new (NULL);
  if (!dynamic && tunnel->type == BROKER_TUNNEL_TYPE_FTP)
    g_string_append (out, "ftp/");
  if (tunnel->listen_address != NULL)
    {
      append_address (out, tunnel->listen_address);
      g_string_append_c (out, ':');
    }
  else if (tunnel->allow_relay)
    {
      /* The default the caller would apply is every address. */
      g_string_append (out, "*:");
    }
  g_string_append_printf (out, "%u", tunnel->listen_port);
  if (!dynamic)
    {
      g_string_append_c (out, ':');
      append_address (out, tunnel->dst_host);
      g_string_append_printf (out, ":%u", tunnel->dst_port);
    }
  return g_string_free (out, FALSE);
}
