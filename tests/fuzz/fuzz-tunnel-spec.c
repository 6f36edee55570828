// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for the tunnel specifications of `burrowctl forward`.  The
 * input, cut at its first NUL as a command-line argument would be, is
 * parsed as a -L, -R and -D spec and as a [USER@]HOST[:PORT] destination.
 * Besides memory safety it checks that a refusal is
 * BROKER_ERROR_INVALID_ARGS with a UTF-8 message that quotes the input, and
 * that what parses prints as text that parses to the same fields and
 * prints the same again. */
#include <gio/gio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker-error.h"
#include "fuzz-require.h"
#include "broker-tunnel-spec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
require (gboolean    condition,
         const char *what,
         const char *input,
         const char *printed)
{
  fuzz_require_round_trip ("fuzz-tunnel-spec", condition, what, input, printed);
}

static void
check_refusal (const GError *error,
               const char   *input)
{
  require (g_error_matches (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS),
           "a refusal must be BROKER_ERROR_INVALID_ARGS", input, NULL);
  require (g_utf8_validate (error->message, -1, NULL),
           "the message must be UTF-8, it may cross D-Bus", input, NULL);
  require (error->message[0] == '"', "the message must quote the spec", input, error->message);
}

static gboolean
same_tunnel (const BrokerTunnelConfig *a,
             const BrokerTunnelConfig *b)
{
  return a->kind == b->kind &&
         a->type == b->type &&
         g_strcmp0 (a->listen_address, b->listen_address) == 0 &&
         a->listen_port == b->listen_port &&
         g_strcmp0 (a->dst_host, b->dst_host) == 0 &&
         a->dst_port == b->dst_port &&
         a->allow_relay == b->allow_relay;
}

/* allow_relay must follow from the address, or a typo could open a
 * listener to the network. */
static void
check_listener (const BrokerTunnelConfig *tunnel,
                const char               *input)
{
  g_autoptr(GInetAddress) address = NULL;

  if (tunnel->listen_address == NULL)
    {
      require (!tunnel->allow_relay, "relaying allowed without a bind address", input, NULL);
      return;
    }
  address = g_inet_address_new_from_string (tunnel->listen_address);
  require (address != NULL, "the bind address is not an IP address", input,
           tunnel->listen_address);
  require (tunnel->allow_relay == !g_inet_address_get_is_loopback (address),
           "allow_relay does not match the bind address", input, tunnel->listen_address);
}

static void
check_fields (BrokerTunnelKind          kind,
              const BrokerTunnelConfig *tunnel,
              const char               *input)
{
  require (tunnel->kind == kind, "the kind changed", input, NULL);
  if (kind == BROKER_TUNNEL_KIND_DYNAMIC)
    require (tunnel->type == BROKER_TUNNEL_TYPE_TCP && tunnel->dst_host == NULL &&
             tunnel->dst_port == 0, "a dynamic tunnel got a type or destination", input, NULL);
  else
    require (tunnel->dst_host != NULL && *tunnel->dst_host != '\0' && tunnel->dst_port != 0,
             "a forward lacks its destination", input, NULL);
  require (kind != BROKER_TUNNEL_KIND_REMOTE || tunnel->listen_port != 0,
           "-R accepted listen port 0", input, NULL);
  check_listener (tunnel, input);
}

static void
check_tunnel_round_trip (BrokerTunnelKind          kind,
                         const BrokerTunnelConfig *tunnel,
                         const char               *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerTunnelConfig) again = NULL;
  g_autofree char *printed = broker_tunnel_spec_to_string (tunnel);
  g_autofree char *reprinted = NULL;

  require (printed != NULL, "to_string refused a parsed tunnel", input, NULL);
  again = broker_tunnel_spec_parse (kind, printed, &error);
  require (again != NULL, "the printed spec does not parse", input, printed);
  require (same_tunnel (tunnel, again), "a field changed in the round trip", input, printed);
  reprinted = broker_tunnel_spec_to_string (again);
  require (g_strcmp0 (printed, reprinted) == 0, "printing is not stable", input, printed);
}

static void
fuzz_tunnel (BrokerTunnelKind  kind,
             const char       *input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_spec_parse (kind, input, &error);

  if (tunnel == NULL)
    {
      check_refusal (error, input);
      return;
    }
  require (error == NULL, "an accepted spec must not set an error", input, NULL);
  check_fields (kind, tunnel, input);
  check_tunnel_round_trip (kind, tunnel, input);
}

/* The parser has no printer for destinations; this is the form its
 * documentation promises to accept. */
static char *
format_destination (const char *user,
                    const char *host,
                    guint16     port)
{
  GString *out = g_string_new (NULL);

  if (user != NULL)
    g_string_append_printf (out, "%s@", user);
  if (strchr (host, ':') != NULL)
    g_string_append_printf (out, "[%s]", host);
  else
    g_string_append (out, host);
  if (port != 0)
    g_string_append_printf (out, ":%u", port);
  return g_string_free (out, FALSE);
}

static void
fuzz_destination (const char *input)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *user_again = NULL;
  g_autofree char *host_again = NULL;
  g_autofree char *printed = NULL;
  guint16 port = 0;
  guint16 port_again = 0;

  if (!broker_tunnel_spec_parse_destination (input, &user, &host, &port, &error))
    {
      check_refusal (error, input);
      return;
    }
  require (error == NULL && host != NULL && *host != '\0',
           "an accepted destination must have a host and no error", input, NULL);
  printed = format_destination (user, host, port);
  require (broker_tunnel_spec_parse_destination (printed, &user_again, &host_again,
                                                 &port_again, NULL),
           "the printed destination does not parse", input, printed);
  require (g_strcmp0 (user, user_again) == 0 && g_strcmp0 (host, host_again) == 0 &&
           port == port_again, "the destination changed in the round trip", input, printed);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = g_strndup ((const char *) data, size);

  /* A critical or warning from GLib is a bug the fuzzer must stop at, as
   * the tests' G_DEBUG=fatal-warnings makes it. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  fuzz_tunnel (BROKER_TUNNEL_KIND_LOCAL, input);
  fuzz_tunnel (BROKER_TUNNEL_KIND_REMOTE, input);
  fuzz_tunnel (BROKER_TUNNEL_KIND_DYNAMIC, input);
  fuzz_destination (input);
  return 0;
}
