// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-tunnel-config.h"

G_BEGIN_DECLS

/*
 * The tunnel specifications of `burrowctl forward`, after OpenSSH:
 *
 *   -L [ftp/|tcp/][BIND:]PORT:HOST:HOSTPORT   local forward
 *   -R [ftp/|tcp/][BIND:]PORT:HOST:HOSTPORT   remote forward
 *   -D [BIND:]PORT                            dynamic forward (SOCKS)
 *
 * The type prefix is case-insensitive; "ftp/1234:localhost:21" is the
 * seeds' FTP tunnel.  An IPv6 address goes in brackets, as a bind address
 * or as HOST: "[::1]:1234:[fe80::1]:22".
 *
 * BIND is an IP address, "localhost" (127.0.0.1) or "*" (every address,
 * 0.0.0.0).  Host names are not accepted there: resolving one is I/O, and
 * the configuration loader takes only addresses too.  An empty BIND
 * (":1234:host:22") is the same as none: listen_address stays NULL and the
 * caller fills it in with broker_tunnel_default_listen_address().  A BIND
 * that is not a loopback address sets allow_relay, since other hosts can
 * then connect.  IPv6 addresses are stored in their canonical spelling.
 *
 * PORT 0 means "any free port" for -L and -D: the listener binds port 0 and
 * the caller reports the port the kernel chose.  -R refuses it, because the
 * port the SSH server would pick is not passed back.  HOSTPORT is 1-65535.
 * Ports are decimal numbers; service names would need /etc/services.
 *
 * HOST is non-empty, at most 255 bytes, with no blanks or control
 * characters, not starting with '-' and without '[', ']' or '@'; a HOST with
 * ':' must be an IPv6 address, optionally with a %scope.
 *
 * Errors are BROKER_ERROR_INVALID_ARGS; the message quotes the
 * specification, says what is wrong and shows the form.
 */
BrokerTunnelConfig *broker_tunnel_spec_parse             (BrokerTunnelKind          kind,
                                                          const char               *spec,
                                                          GError                  **error);

/* "[USER@]HOST[:PORT]" or "[USER@][IPV6]:PORT", the SSH server of
 * `burrowctl forward`.  Without a port *port is 0: the profile's or the
 * default.  USER follows the rules of HOST and may not contain ':' either.
 * Any of user, host and port may be NULL; on error they are left alone. */
gboolean            broker_tunnel_spec_parse_destination (const char               *text,
                                                          char                    **user,
                                                          char                    **host,
                                                          guint16                  *port,
                                                          GError                  **error);

/* The canonical specification, without the option: parsing it with the
 * tunnel's kind gives the same fields back.  allow_relay is not printed, it
 * follows from the bind address, except that a tunnel with no
 * listen_address and allow_relay set prints as "*:". */
char               *broker_tunnel_spec_to_string         (const BrokerTunnelConfig *tunnel);

G_END_DECLS
