// SPDX-License-Identifier: GPL-3.0-or-later
/* The tunnel specifications of `burrowctl forward`: -L/-R
 * [ftp/][BIND:]PORT:HOST:HOSTPORT, -D [BIND:]PORT, and the
 * [USER@]HOST[:PORT] of the SSH server. */
#include "broker-error.h"
#include "broker-tunnel-spec.h"

#include <string.h>

#define LOCAL BROKER_TUNNEL_KIND_LOCAL
#define REMOTE BROKER_TUNNEL_KIND_REMOTE
#define DYNAMIC BROKER_TUNNEL_KIND_DYNAMIC
#define TCP BROKER_TUNNEL_TYPE_TCP
#define FTP BROKER_TUNNEL_TYPE_FTP

typedef struct
{
  const char *name;
  BrokerTunnelKind kind;
  const char *spec;
  BrokerTunnelType type;
  const char *listen_address;  /* NULL: the caller's default */
  guint16 listen_port;
  const char *dst_host;
  guint16 dst_port;
  gboolean allow_relay;
  const char *canonical;       /* what to_string gives back */
} ValidCase;

static const ValidCase valid_cases[] = {
  /* Local forwards */
  { "local", LOCAL, "1234:localhost:21", TCP, NULL, 1234, "localhost", 21, FALSE,
    "1234:localhost:21" },
  { "seed-ftp", LOCAL, "ftp/1234:localhost:21", FTP, NULL, 1234, "localhost", 21, FALSE,
    "ftp/1234:localhost:21" },
  { "ftp-upper-case", LOCAL, "FTP/1234:localhost:21", FTP, NULL, 1234, "localhost", 21, FALSE,
    "ftp/1234:localhost:21" },
  { "ftp-mixed-case", LOCAL, "fTp/2121:127.77.0.1:21", FTP, NULL, 2121, "127.77.0.1", 21,
    FALSE, "ftp/2121:127.77.0.1:21" },
  { "tcp-prefix", LOCAL, "tcp/8080:web:80", TCP, NULL, 8080, "web", 80, FALSE, "8080:web:80" },
  { "tcp-upper-case", LOCAL, "TCP/8080:web:80", TCP, NULL, 8080, "web", 80, FALSE,
    "8080:web:80" },
  { "bind-loopback", LOCAL, "127.0.0.1:8080:web:80", TCP, "127.0.0.1", 8080, "web", 80, FALSE,
    "127.0.0.1:8080:web:80" },
  { "bind-loopback-net", LOCAL, "127.77.0.2:8080:web:80", TCP, "127.77.0.2", 8080, "web", 80,
    FALSE, "127.77.0.2:8080:web:80" },
  { "bind-public", LOCAL, "192.0.2.10:8080:web:80", TCP, "192.0.2.10", 8080, "web", 80, TRUE,
    "192.0.2.10:8080:web:80" },
  { "bind-star", LOCAL, "*:8080:web:80", TCP, "0.0.0.0", 8080, "web", 80, TRUE,
    "0.0.0.0:8080:web:80" },
  { "bind-any-v4", LOCAL, "0.0.0.0:8080:web:80", TCP, "0.0.0.0", 8080, "web", 80, TRUE,
    "0.0.0.0:8080:web:80" },
  { "bind-localhost", LOCAL, "localhost:8080:web:80", TCP, "127.0.0.1", 8080, "web", 80, FALSE,
    "127.0.0.1:8080:web:80" },
  { "bind-localhost-upper", LOCAL, "LocalHost:8080:web:80", TCP, "127.0.0.1", 8080, "web", 80,
    FALSE, "127.0.0.1:8080:web:80" },
  { "bind-empty", LOCAL, ":8080:web:80", TCP, NULL, 8080, "web", 80, FALSE, "8080:web:80" },
  { "v6-both", LOCAL, "[::1]:1234:[fe80::1]:22", TCP, "::1", 1234, "fe80::1", 22, FALSE,
    "[::1]:1234:[fe80::1]:22" },
  { "bind-v6-any", LOCAL, "[::]:1234:host:22", TCP, "::", 1234, "host", 22, TRUE,
    "[::]:1234:host:22" },
  { "bind-v6-public", LOCAL, "[2001:db8::7]:1234:host:22", TCP, "2001:db8::7", 1234, "host", 22,
    TRUE, "[2001:db8::7]:1234:host:22" },
  { "bind-v6-canonical", LOCAL, "[0:0:0:0:0:0:0:1]:1234:host:22", TCP, "::1", 1234, "host", 22,
    FALSE, "[::1]:1234:host:22" },
  { "bind-v4-in-brackets", LOCAL, "[127.0.0.1]:1234:host:22", TCP, "127.0.0.1", 1234, "host",
    22, FALSE, "127.0.0.1:1234:host:22" },
  { "dst-v6", LOCAL, "1234:[2001:db8::5]:22", TCP, NULL, 1234, "2001:db8::5", 22, FALSE,
    "1234:[2001:db8::5]:22" },
  { "dst-v6-zone", LOCAL, "1234:[fe80::1%eth0]:22", TCP, NULL, 1234, "fe80::1%eth0", 22, FALSE,
    "1234:[fe80::1%eth0]:22" },
  { "dst-v6-numeric-zone", LOCAL, "1234:[fe80::1%2]:22", TCP, NULL, 1234, "fe80::1%2", 22,
    FALSE, "1234:[fe80::1%2]:22" },
  { "dst-v4-mapped", LOCAL, "1234:[::ffff:127.0.0.1]:22", TCP, NULL, 1234, "::ffff:127.0.0.1",
    22, FALSE, "1234:[::ffff:127.0.0.1]:22" },
  { "dst-bracketed-name", LOCAL, "1234:[localhost]:22", TCP, NULL, 1234, "localhost", 22, FALSE,
    "1234:localhost:22" },
  { "dst-ipv4", LOCAL, "1234:127.77.0.1:22", TCP, NULL, 1234, "127.77.0.1", 22, FALSE,
    "1234:127.77.0.1:22" },
  { "dst-fqdn", LOCAL, "8443:www.example.com:443", TCP, NULL, 8443, "www.example.com", 443,
    FALSE, "8443:www.example.com:443" },
  { "dst-idn", LOCAL, "8080:b\xc3\xbc" "cher.example:80", TCP, NULL, 8080,
    "b\xc3\xbc" "cher.example", 80, FALSE, "8080:b\xc3\xbc" "cher.example:80" },
  { "dst-inner-dash", LOCAL, "8080:my-host_1:80", TCP, NULL, 8080, "my-host_1", 80, FALSE,
    "8080:my-host_1:80" },
  { "dst-slash", LOCAL, "8080:a/b:80", TCP, NULL, 8080, "a/b", 80, FALSE, "8080:a/b:80" },
  { "listen-port-any", LOCAL, "0:host:22", TCP, NULL, 0, "host", 22, FALSE, "0:host:22" },
  { "listen-port-any-bound", LOCAL, "127.0.0.1:0:host:22", TCP, "127.0.0.1", 0, "host", 22,
    FALSE, "127.0.0.1:0:host:22" },
  { "lowest-ports", LOCAL, "1:host:1", TCP, NULL, 1, "host", 1, FALSE, "1:host:1" },
  { "highest-ports", LOCAL, "65535:host:65535", TCP, NULL, 65535, "host", 65535, FALSE,
    "65535:host:65535" },
  { "leading-zeros", LOCAL, "08080:host:0022", TCP, NULL, 8080, "host", 22, FALSE,
    "8080:host:22" },
  { "ftp-bind", LOCAL, "ftp/127.0.0.1:2121:ftp.example:21", FTP, "127.0.0.1", 2121,
    "ftp.example", 21, FALSE, "ftp/127.0.0.1:2121:ftp.example:21" },
  { "ftp-bind-star", LOCAL, "ftp/*:2121:ftp.example:21", FTP, "0.0.0.0", 2121, "ftp.example",
    21, TRUE, "ftp/0.0.0.0:2121:ftp.example:21" },
  { "ftp-v6", LOCAL, "ftp/[::1]:2121:[::1]:21", FTP, "::1", 2121, "::1", 21, FALSE,
    "ftp/[::1]:2121:[::1]:21" },
  { "ftp-empty-bind", LOCAL, "ftp/:2121:host:21", FTP, NULL, 2121, "host", 21, FALSE,
    "ftp/2121:host:21" },
  /* Remote forwards */
  { "remote", REMOTE, "8080:localhost:80", TCP, NULL, 8080, "localhost", 80, FALSE,
    "8080:localhost:80" },
  { "remote-ftp", REMOTE, "ftp/2121:127.0.0.1:21", FTP, NULL, 2121, "127.0.0.1", 21, FALSE,
    "ftp/2121:127.0.0.1:21" },
  { "remote-tcp", REMOTE, "Tcp/2222:localhost:22", TCP, NULL, 2222, "localhost", 22, FALSE,
    "2222:localhost:22" },
  { "remote-bind-star", REMOTE, "*:8080:localhost:80", TCP, "0.0.0.0", 8080, "localhost", 80,
    TRUE, "0.0.0.0:8080:localhost:80" },
  { "remote-bind-loopback", REMOTE, "127.0.0.1:8080:localhost:80", TCP, "127.0.0.1", 8080,
    "localhost", 80, FALSE, "127.0.0.1:8080:localhost:80" },
  { "remote-v6", REMOTE, "[::1]:8080:[::1]:80", TCP, "::1", 8080, "::1", 80, FALSE,
    "[::1]:8080:[::1]:80" },
  { "remote-empty-bind", REMOTE, ":8080:host:80", TCP, NULL, 8080, "host", 80, FALSE,
    "8080:host:80" },
  { "remote-edges", REMOTE, "1:host:65535", TCP, NULL, 1, "host", 65535, FALSE,
    "1:host:65535" },
  /* Dynamic (SOCKS) forwards */
  { "dynamic", DYNAMIC, "1080", TCP, NULL, 1080, NULL, 0, FALSE, "1080" },
  { "dynamic-any-port", DYNAMIC, "0", TCP, NULL, 0, NULL, 0, FALSE, "0" },
  { "dynamic-highest-port", DYNAMIC, "65535", TCP, NULL, 65535, NULL, 0, FALSE, "65535" },
  { "dynamic-bind", DYNAMIC, "127.0.0.1:1080", TCP, "127.0.0.1", 1080, NULL, 0, FALSE,
    "127.0.0.1:1080" },
  { "dynamic-bind-localhost", DYNAMIC, "localhost:1080", TCP, "127.0.0.1", 1080, NULL, 0, FALSE,
    "127.0.0.1:1080" },
  { "dynamic-star", DYNAMIC, "*:1080", TCP, "0.0.0.0", 1080, NULL, 0, TRUE, "0.0.0.0:1080" },
  { "dynamic-public", DYNAMIC, "192.0.2.1:1080", TCP, "192.0.2.1", 1080, NULL, 0, TRUE,
    "192.0.2.1:1080" },
  { "dynamic-v6", DYNAMIC, "[::1]:1080", TCP, "::1", 1080, NULL, 0, FALSE, "[::1]:1080" },
  { "dynamic-v6-any", DYNAMIC, "[::]:1080", TCP, "::", 1080, NULL, 0, TRUE, "[::]:1080" },
  { "dynamic-empty-bind", DYNAMIC, ":1080", TCP, NULL, 1080, NULL, 0, FALSE, "1080" },
};

typedef struct
{
  const char *name;
  BrokerTunnelKind kind;
  const char *spec;
  const char *substring;  /* of the error message */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  /* Shape */
  { "empty", LOCAL, "", "\"-L\": empty; the form is [ftp/][BIND:]PORT:HOST:HOSTPORT" },
  { "too-few", LOCAL, "80:host", "\"-L 80:host\": expected [ftp/][BIND:]PORT:HOST:HOSTPORT" },
  { "one-field", LOCAL, "80", "\"-L 80\": expected [ftp/][BIND:]PORT:HOST:HOSTPORT" },
  { "too-many", LOCAL, "a:1:h:2:3", "too many ':' (put an IPv6 address in brackets)" },
  { "unbracketed-v6-bind", LOCAL, "::1:1234:h:22", "too many ':'" },
  { "unbracketed-v6-host", LOCAL, "1234:fe80::1:22", "too many ':'" },
  { "only-ftp", LOCAL, "ftp/", "\"-L ftp/\": expected [ftp/][BIND:]PORT:HOST:HOSTPORT" },
  { "bracket-unclosed", LOCAL, "[::1:80:h:22", "'[' without ']'" },
  { "bracket-unclosed-host", LOCAL, "80:[::1:22", "'[' without ']'" },
  { "bracket-trailing", LOCAL, "[::1]x:80:h:22", "']' must be followed by ':' or the end" },
  { "control-char", LOCAL, "80:h\n:22", "\"-L 80:h\\u000a:22\": contains a control character" },
  { "delete-char", LOCAL, "80:h\x7f:22", "contains a control character" },
  { "invalid-utf8", LOCAL, "80:h\xff:22", "\"-L 80:h\\xff:22\": not valid UTF-8" },
  /* Type */
  { "type-unknown", LOCAL, "sctp/80:h:22", "unknown tunnel type 'sctp' (ftp or tcp)" },
  { "type-empty", LOCAL, "/80:h:22", "unknown tunnel type ''" },
  { "type-blank", LOCAL, " ftp/80:h:21", "unknown tunnel type ' ftp'" },
  { "type-twice", LOCAL, "ftp/tcp/80:h:21", "listen port 'tcp/80' is not a number" },
  { "type-after-bind", LOCAL, "127.0.0.1:ftp/80:h:21", "listen port 'ftp/80'" },
  /* Listen port */
  { "listen-port-letters", LOCAL, "http:h:80",
    "listen port 'http' is not a number from 0 to 65535" },
  { "listen-port-too-big", LOCAL, "65536:h:80", "listen port '65536' is not a number" },
  { "listen-port-huge", LOCAL, "99999999999999999999999:h:80", "listen port '9999" },
  { "listen-port-negative", LOCAL, "-1:h:80", "listen port '-1'" },
  { "listen-port-plus", LOCAL, "+80:h:80", "listen port '+80'" },
  { "listen-port-blank", LOCAL, " 80:h:80", "listen port ' 80'" },
  { "listen-port-empty", LOCAL, ":h:80", "listen port '' is not a number" },
  { "listen-port-bracketed", LOCAL, "[80]:h:22", "listen port '[80]'" },
  { "listen-port-hex", LOCAL, "0x50:h:80", "listen port '0x50'" },
  /* Destination port */
  { "dst-port-zero", LOCAL, "80:h:0", "destination port '0' is not a number from 1 to 65535" },
  { "dst-port-too-big", LOCAL, "80:h:65536", "destination port '65536'" },
  { "dst-port-empty", LOCAL, "80:h:", "destination port '' is not a number" },
  { "dst-port-name", LOCAL, "80:h:ssh", "destination port 'ssh'" },
  { "dst-port-trailing-blank", LOCAL, "80:h:22 ", "destination port '22 '" },
  { "dst-port-decimal", LOCAL, "80:h:22.0", "destination port '22.0'" },
  /* Destination host */
  { "dst-host-empty", LOCAL, "80::22", "destination host is empty" },
  { "dst-host-empty-brackets", LOCAL, "80:[]:22", "destination host is empty" },
  { "dst-host-dash", LOCAL, "80:-oProxyCommand=x:22",
    "destination host '-oProxyCommand=x' starts with '-'" },
  { "dst-host-blank", LOCAL, "80:a b:22", "destination host 'a b' contains a blank" },
  { "dst-host-nbsp", LOCAL, "80:a\xc2\xa0" "b:22", "contains a blank or a control character" },
  { "dst-host-at", LOCAL, "80:user@h:22", "destination host 'user@h' contains '[', ']' or '@'" },
  { "dst-host-stray-bracket", LOCAL, "80:a]b:22", "destination host 'a]b' contains '['" },
  { "dst-host-nested-bracket", LOCAL, "80:[[::1]:22", "destination host '[::1' contains '['" },
  { "dst-host-bad-v6", LOCAL, "80:[zz::1]:22",
    "destination host 'zz::1' has ':' but is not an IPv6 address" },
  { "dst-host-v4-with-colon", LOCAL, "80:[127.77.3.4:5]:22", "has ':' but is not an IPv6" },
  { "dst-host-empty-zone", LOCAL, "80:[fe80::1%]:22", "has ':' but is not an IPv6" },
  { "dst-host-bad-zone", LOCAL, "80:[fe80::1%a/b]:22", "has ':' but is not an IPv6" },
  /* Bind address */
  { "bind-name", LOCAL, "example.com:80:h:22",
    "bind address 'example.com' is not an IP address, '*' or 'localhost'" },
  { "bind-bad-v4", LOCAL, "300.1.1.1:80:h:22", "bind address '300.1.1.1'" },
  { "bind-short-v4", LOCAL, "127.1:80:h:22", "bind address '127.1'" },
  { "bind-bracketed-star", LOCAL, "[*]:80:h:22", "bind address '[*]'" },
  { "bind-bracketed-localhost", LOCAL, "[localhost]:80:h:22", "bind address '[localhost]'" },
  { "bind-empty-brackets", LOCAL, "[]:80:h:22", "bind address '[]'" },
  { "bind-v6-zone", LOCAL, "[fe80::1%eth0]:80:h:22", "bind address '[fe80::1%eth0]'" },
  { "bind-bad-v6", LOCAL, "[::g]:80:h:22", "bind address '[::g]'" },
  { "bind-blank", LOCAL, " :80:h:22", "bind address ' '" },
  { "trailing-colon", LOCAL, "80:h:22:", "bind address '80'" },
  /* Remote */
  { "remote-any-port", REMOTE, "0:h:22",
    "\"-R 0:h:22\": listen port 0 (any free port) works only with -L and -D" },
  { "remote-too-few", REMOTE, "80:host",
    "\"-R 80:host\": expected [ftp/][BIND:]PORT:HOST:HOSTPORT" },
  { "remote-type-unknown", REMOTE, "udp/53:h:53", "unknown tunnel type 'udp'" },
  { "remote-dst-port-zero", REMOTE, "80:h:0", "destination port '0'" },
  /* Dynamic */
  { "dynamic-empty", DYNAMIC, "", "\"-D\": empty; the form is [BIND:]PORT" },
  { "dynamic-ftp", DYNAMIC, "ftp/1080", "a dynamic tunnel has no type (it is a SOCKS proxy)" },
  { "dynamic-tcp", DYNAMIC, "TCP/1080", "a dynamic tunnel has no type" },
  { "dynamic-ftp-bind", DYNAMIC, "ftp/127.0.0.1:1080", "a dynamic tunnel has no type" },
  { "dynamic-destination", DYNAMIC, "1080:h:22",
    "\"-D 1080:h:22\": too many ':' (the application names the destination through SOCKS; "
    "put an IPv6 address in brackets); the form is [BIND:]PORT" },
  { "dynamic-unbracketed-v6", DYNAMIC, "::1:1080", "too many ':'" },
  { "dynamic-port-name", DYNAMIC, "socks", "listen port 'socks' is not a number from 0 to 65535" },
  { "dynamic-port-too-big", DYNAMIC, "70000", "listen port '70000'" },
  { "dynamic-bind-name", DYNAMIC, "host:1080", "bind address 'host'" },
  { "dynamic-port-empty", DYNAMIC, "127.0.0.1:", "listen port ''" },
};

typedef struct
{
  const char *name;
  const char *text;
  const char *user;
  const char *host;
  guint16 port;
} DestinationCase;

static const DestinationCase destination_cases[] = {
  { "host", "sshserver", NULL, "sshserver", 0 },
  { "user-host", "username@sshserver", "username", "sshserver", 0 },
  { "user-host-port", "user@host:2222", "user", "host", 2222 },
  { "host-port", "host:22", NULL, "host", 22 },
  { "fqdn", "admin@ssh.example.com", "admin", "ssh.example.com", 0 },
  { "ipv4", "127.0.0.1", NULL, "127.0.0.1", 0 },
  { "ipv4-port", "user@127.0.0.1:65535", "user", "127.0.0.1", 65535 },
  { "lowest-port", "host:1", NULL, "host", 1 },
  { "leading-zero-port", "host:022", NULL, "host", 22 },
  { "v6-port", "[::1]:2222", NULL, "::1", 2222 },
  { "v6-no-port", "[::1]", NULL, "::1", 0 },
  { "user-v6-port", "user@[::1]:22", "user", "::1", 22 },
  { "user-v6-zone", "user@[fe80::1%eth0]", "user", "fe80::1%eth0", 0 },
  { "bracketed-name", "[localhost]:22", NULL, "localhost", 22 },
  { "user-punctuation", "first.last-x_y@host", "first.last-x_y", "host", 0 },
  { "utf8", "j\xc3\xb6rg@b\xc3\xbc" "cher.example", "j\xc3\xb6rg", "b\xc3\xbc" "cher.example", 0 },
  { "domain-user", "DOMAIN\\user@host", "DOMAIN\\user", "host", 0 },
};

typedef struct
{
  const char *name;
  const char *text;
  const char *substring;  /* of the error message */
} DestinationInvalidCase;

static const DestinationInvalidCase destination_invalid_cases[] = {
  { "empty", "", "\"\": empty; the form is [USER@]HOST[:PORT]" },
  { "empty-user", "@host", "\"@host\": user name is empty" },
  { "empty-host", "user@", "host is empty" },
  { "empty-host-port", ":22", "host is empty" },
  { "dash-host", "-oProxyCommand=x", "host '-oProxyCommand=x' starts with '-'" },
  { "dash-host-after-user", "user@-host", "host '-host' starts with '-'" },
  { "dash-user", "-luser@host", "user name '-luser' starts with '-'" },
  { "blank-user", "a b@host", "user name 'a b' contains a blank" },
  { "two-ats", "a@b@host", "user name 'a@b' contains '[', ']' or '@'" },
  { "password", "user:secret@host",
    "user name 'user:secret' contains ':' (passwords never go on the command line)" },
  { "empty-port", "host:", "port '' is not a number from 1 to 65535" },
  { "zero-port", "host:0", "port '0' is not a number from 1 to 65535" },
  { "port-too-big", "host:65536", "port '65536'" },
  { "port-name", "host:ssh", "port 'ssh'" },
  { "two-ports", "host:22:33", "too many ':' (put an IPv6 address in brackets)" },
  { "unbracketed-v6", "::1", "too many ':'" },
  { "unbracketed-v6-user", "user@fe80::1", "too many ':'" },
  { "bracket-unclosed", "[::1", "'[' without ']'" },
  { "bracket-trailing", "[::1]22", "']' must be followed by ':' or the end" },
  { "bracket-empty-port", "[::1]:", "port ''" },
  { "bracket-empty", "[]:22", "host is empty" },
  { "bad-v6", "[zz::1]:22", "host 'zz::1' has ':' but is not an IPv6 address" },
  { "stray-bracket", "ho]st", "host 'ho]st' contains '['" },
  { "control-char", "host\t", "contains a control character" },
  { "invalid-utf8", "h\xc3", "\"h\\xc3\": not valid UTF-8" },
  { "blank-host", "user@a host", "host 'a host' contains a blank" },
};

static BrokerTunnelConfig *
parse_valid (BrokerTunnelKind  kind,
             const char       *spec)
{
  g_autoptr(GError) error = NULL;
  BrokerTunnelConfig *tunnel = broker_tunnel_spec_parse (kind, spec, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tunnel);
  return tunnel;
}

static void
assert_same_fields (const BrokerTunnelConfig *tunnel,
                    const BrokerTunnelConfig *expected)
{
  g_assert_cmpint (tunnel->kind, ==, expected->kind);
  g_assert_cmpint (tunnel->type, ==, expected->type);
  g_assert_cmpstr (tunnel->listen_address, ==, expected->listen_address);
  g_assert_cmpuint (tunnel->listen_port, ==, expected->listen_port);
  g_assert_cmpstr (tunnel->dst_host, ==, expected->dst_host);
  g_assert_cmpuint (tunnel->dst_port, ==, expected->dst_port);
  g_assert_cmpint (tunnel->allow_relay, ==, expected->allow_relay);
  g_assert_cmpuint (tunnel->line, ==, 0);
}

static void
test_valid (gconstpointer data)
{
  const ValidCase *valid_case = data;
  g_autoptr(BrokerTunnelConfig) tunnel = parse_valid (valid_case->kind, valid_case->spec);
  g_autofree char *text = broker_tunnel_spec_to_string (tunnel);
  BrokerTunnelConfig expected = {
    .kind = valid_case->kind,
    .type = valid_case->type,
    .listen_address = (char *) valid_case->listen_address,
    .listen_port = valid_case->listen_port,
    .dst_host = (char *) valid_case->dst_host,
    .dst_port = valid_case->dst_port,
    .allow_relay = valid_case->allow_relay,
  };

  assert_same_fields (tunnel, &expected);
  g_assert_cmpstr (text, ==, valid_case->canonical);
}

static void
assert_message_contains (const GError *error,
                         const char   *substring)
{
  if (strstr (error->message, substring) == NULL)
    g_test_message ("\"%s\" does not contain \"%s\"", error->message, substring);
  g_assert_nonnull (strstr (error->message, substring));
  /* Messages travel over D-Bus as they are. */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *invalid_case = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerTunnelConfig) tunnel = NULL;

  tunnel = broker_tunnel_spec_parse (invalid_case->kind, invalid_case->spec, &error);
  g_assert_null (tunnel);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  assert_message_contains (error, invalid_case->substring);
}

/* Parsing what to_string printed gives the same tunnel, and printing that
 * gives the same text. */
static void
test_round_trip (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      const ValidCase *valid_case = &valid_cases[i];
      g_autoptr(BrokerTunnelConfig) tunnel = parse_valid (valid_case->kind, valid_case->spec);
      g_autofree char *text = broker_tunnel_spec_to_string (tunnel);
      g_autoptr(BrokerTunnelConfig) again = parse_valid (valid_case->kind, text);
      g_autofree char *text_again = broker_tunnel_spec_to_string (again);

      assert_same_fields (again, tunnel);
      g_assert_cmpstr (text_again, ==, text);
    }
}

/* The example of the brief, whole. */
static void
test_message_whole (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_spec_parse (LOCAL, "80:host", &error);

  g_assert_null (tunnel);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==, "\"-L 80:host\": expected [ftp/][BIND:]PORT:HOST:HOSTPORT");
}

/* A long spec is quoted only in part, so the message stays readable. */
static void
test_too_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) spec = g_string_new ("80:");
  g_autoptr(BrokerTunnelConfig) tunnel = NULL;

  for (guint i = 0; i < 1100; i++)
    g_string_append_c (spec, 'a');
  g_string_append (spec, ":22");
  tunnel = broker_tunnel_spec_parse (LOCAL, spec->str, &error);
  g_assert_null (tunnel);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  assert_message_contains (error, "too long (1106 bytes, at most 1024)");
  assert_message_contains (error, "aaa...\": too long");
  g_assert_cmpuint (strlen (error->message), <, 200);
}

static char *
make_name (gsize length)
{
  char *name = g_malloc (length + 1);

  for (gsize i = 0; i < length; i++)
    name[i] = i % 64 == 63 ? '.' : 'h';
  name[length] = '\0';
  return name;
}

static void
test_host_length (void)
{
  g_autofree char *longest = make_name (255);
  g_autofree char *too_long = make_name (256);
  g_autofree char *spec = g_strdup_printf ("8080:%s:80", longest);
  g_autofree char *bad_spec = g_strdup_printf ("8080:%s:80", too_long);
  g_autoptr(BrokerTunnelConfig) tunnel = parse_valid (LOCAL, spec);
  g_autoptr(BrokerTunnelConfig) bad = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (tunnel->dst_host, ==, longest);
  bad = broker_tunnel_spec_parse (LOCAL, bad_spec, &error);
  g_assert_null (bad);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  assert_message_contains (error, "is longer than 255 bytes");
}

/* A tunnel of the configuration, with its listen address filled in. */
static void
test_to_string_configured (void)
{
  g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_config_new (LOCAL);
  g_autofree char *text = NULL;

  tunnel->type = FTP;
  tunnel->listen_address = g_strdup (broker_tunnel_default_listen_address (FALSE));
  tunnel->listen_port = 1234;
  tunnel->dst_host = g_strdup ("127.0.0.1");
  tunnel->dst_port = 21;
  text = broker_tunnel_spec_to_string (tunnel);
  g_assert_cmpstr (text, ==, "ftp/127.0.0.1:1234:127.0.0.1:21");
}

/* No address but relaying allowed: the default would be every address. */
static void
test_to_string_relay_default (void)
{
  g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_config_new (DYNAMIC);
  g_autoptr(BrokerTunnelConfig) again = NULL;
  g_autofree char *text = NULL;

  tunnel->listen_port = 1080;
  tunnel->allow_relay = TRUE;
  text = broker_tunnel_spec_to_string (tunnel);
  g_assert_cmpstr (text, ==, "*:1080");
  again = parse_valid (DYNAMIC, text);
  g_assert_cmpstr (again->listen_address, ==,
                   broker_tunnel_default_listen_address (TRUE));
  g_assert_true (again->allow_relay);
}

/* A dynamic tunnel prints no type even if one was set by hand. */
static void
test_to_string_dynamic_type (void)
{
  g_autoptr(BrokerTunnelConfig) tunnel = broker_tunnel_config_new (DYNAMIC);
  g_autofree char *text = NULL;

  tunnel->type = FTP;
  tunnel->listen_port = 1080;
  text = broker_tunnel_spec_to_string (tunnel);
  g_assert_cmpstr (text, ==, "1080");
}

static void
test_destination_valid (gconstpointer data)
{
  const DestinationCase *destination_case = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  guint16 port = 7;
  gboolean parsed;

  parsed = broker_tunnel_spec_parse_destination (destination_case->text, &user, &host, &port,
                                                 &error);
  g_assert_no_error (error);
  g_assert_true (parsed);
  g_assert_cmpstr (user, ==, destination_case->user);
  g_assert_cmpstr (host, ==, destination_case->host);
  g_assert_cmpuint (port, ==, destination_case->port);
}

/* The outputs stay as they were when the text is refused. */
static void
test_destination_invalid (gconstpointer data)
{
  const DestinationInvalidCase *invalid_case = data;
  g_autoptr(GError) error = NULL;
  char *user = (char *) "unchanged";
  char *host = (char *) "unchanged";
  guint16 port = 7;
  gboolean parsed;

  parsed = broker_tunnel_spec_parse_destination (invalid_case->text, &user, &host, &port,
                                                 &error);
  g_assert_false (parsed);
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  assert_message_contains (error, invalid_case->substring);
  g_assert_cmpstr (user, ==, "unchanged");
  g_assert_cmpstr (host, ==, "unchanged");
  g_assert_cmpuint (port, ==, 7);
}

static void
test_destination_null_outputs (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;

  g_assert_true (broker_tunnel_spec_parse_destination ("user@host:22", NULL, NULL, NULL, NULL));
  g_assert_true (broker_tunnel_spec_parse_destination ("user@[::1]", NULL, &host, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (host, ==, "::1");
  g_assert_false (broker_tunnel_spec_parse_destination ("user@", NULL, NULL, NULL, NULL));
}

static void
test_destination_host_length (void)
{
  g_autofree char *longest = make_name (255);
  g_autofree char *too_long = make_name (256);
  g_autofree char *text = g_strdup_printf ("user@%s:22", longest);
  g_autofree char *bad_text = g_strdup_printf ("%s@host", too_long);
  g_autofree char *host = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (broker_tunnel_spec_parse_destination (text, NULL, &host, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (host, ==, longest);
  g_assert_false (broker_tunnel_spec_parse_destination (bad_text, NULL, NULL, NULL, &error));
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_ARGS);
  assert_message_contains (error, "user name '");
  assert_message_contains (error, "is longer than 255 bytes");
}

static void
add_data_tests (const char    *prefix,
                gconstpointer  cases,
                gsize          size,
                gsize          count,
                GTestDataFunc  func)
{
  for (gsize i = 0; i < count; i++)
    {
      const char * const *name = (const char * const *) ((const char *) cases + i * size);
      g_autofree char *path = g_strconcat (prefix, *name, NULL);

      g_test_add_data_func (path, name, func);
    }
}

/* Each table's rows start with their name. */
#define ADD_TABLE(prefix, table, func) \
  add_data_tests (prefix, table, sizeof table[0], G_N_ELEMENTS (table), func)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD_TABLE ("/broker/tunnel-spec/valid/", valid_cases, test_valid);
  ADD_TABLE ("/broker/tunnel-spec/invalid/", invalid_cases, test_invalid);
  ADD_TABLE ("/broker/tunnel-spec/destination/valid/", destination_cases,
             test_destination_valid);
  ADD_TABLE ("/broker/tunnel-spec/destination/invalid/", destination_invalid_cases,
             test_destination_invalid);
  g_test_add_func ("/broker/tunnel-spec/round-trip", test_round_trip);
  g_test_add_func ("/broker/tunnel-spec/message-whole", test_message_whole);
  g_test_add_func ("/broker/tunnel-spec/too-long", test_too_long);
  g_test_add_func ("/broker/tunnel-spec/host-length", test_host_length);
  g_test_add_func ("/broker/tunnel-spec/to-string/configured", test_to_string_configured);
  g_test_add_func ("/broker/tunnel-spec/to-string/relay-default", test_to_string_relay_default);
  g_test_add_func ("/broker/tunnel-spec/to-string/dynamic-type", test_to_string_dynamic_type);
  g_test_add_func ("/broker/tunnel-spec/destination/null-outputs",
                   test_destination_null_outputs);
  g_test_add_func ("/broker/tunnel-spec/destination/host-length", test_destination_host_length);

  return g_test_run ();
}
