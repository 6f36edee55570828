// SPDX-License-Identifier: GPL-3.0-or-later
/* The ~/.ssh/config importer: what becomes a profile, what is reported and
 * how.  Every table case's profiles are also saved, in order, through the
 * broker's own SaveProfile path (edit, write, load), so what the importer
 * gives the front end is what the broker takes. */
#include "burrow-ssh-config.h"

#include "broker-config-document.h"
#include "broker-config-edit.h"
#include "broker-config-loader.h"
#include "broker-config-variant.h"

#include <string.h>

#define HOME "/home/alice"
#define USER "alice"
#define MAX_ROWS 12

typedef struct
{
  const char *name;
  const char *config;
  /* "ID[ (NAME)] host=H[ port=P][ user=U][ identity=A,B][ gateway=G]" and the
   * tunnels: L/R[ADDRESS:]PORT>HOST:PORT, D[ADDRESS:]PORT. */
  const char *profiles[MAX_ROWS];
  const char *skipped[MAX_ROWS];
} ImportCase;

static const ImportCase import_cases[] = {
  /* Reading the file */
  { "empty", "", { NULL }, { NULL } },
  { "comments-and-blanks", "# Host commented\n\n   \n\t# HostName 192.0.2.1\n", { NULL },
    { NULL } },
  { "single", "Host web\n  HostName 192.0.2.10\n  Port 2222\n  User admin\n",
    { "web host=192.0.2.10 port=2222 user=admin" }, { NULL } },
  { "host-name-defaults-to-alias", "Host web.example.com\n",
    { "web.example.com host=web.example.com" }, { NULL } },
  { "several-aliases", "Host a b c\n  HostName 192.0.2.1\n",
    { "a host=192.0.2.1", "b host=192.0.2.1", "c host=192.0.2.1" }, { NULL } },
  { "equals-sign", "Host=web\nHostName=192.0.2.10\nPort = 22\nUser =admin\n",
    { "web host=192.0.2.10 port=22 user=admin" }, { NULL } },
  { "keywords-any-case", "HOST web\n  hostname 192.0.2.10\n  PORT 2200\n  uSeR admin\n",
    { "web host=192.0.2.10 port=2200 user=admin" }, { NULL } },
  { "quoting", "Host \"web\"\n  HostName \"192.0.2.10\"\n  User 'admin'\n"
    "  IdentityFile \"~/.ssh/my key\"\n  IdentityFile ~/.ssh/with\\ blank\n",
    { "web host=192.0.2.10 user=admin identity=/home/alice/.ssh/my key,"
      "/home/alice/.ssh/with blank" }, { NULL } },
  { "trailing-comments", "Host web # the web server\n  HostName 192.0.2.10 # primary\n",
    { "web host=192.0.2.10" }, { NULL } },
  { "crlf", "Host web\r\n  HostName 192.0.2.10\r\n", { "web host=192.0.2.10" }, { NULL } },
  { "unknown-keywords-ignored", "Host web\n  ServerAliveInterval 30\n  Compression yes\n",
    { "web host=web" }, { NULL } },
  { "same-alias-twice", "Host web\n  User admin\nHost WEB\n  Port 2222\n",
    { "web host=web port=2222 user=admin" }, { NULL } },
  { "unclosed-quote", "Host web\n  User \"admin\n", { "web host=web" },
    { "line 2: a quote is not closed; ignored" } },
  { "host-without-name", "Host\n  User lost\nHost web\n", { "web host=web" },
    { "line 1: Host needs a name; the settings under it are not imported" } },
  { "invalid-utf8", "Host web\n  User \xff\xfe\nHost \xc3\x28\n  User lost\nHost db\n",
    { "web host=web", "db host=db" },
    { "line 2: the line is not valid UTF-8; ignored",
      "line 3: the line is not valid UTF-8; ignored, and so are the settings under it" } },

  /* First value wins; Host * and the lines before any Host apply to all */
  { "first-wins", "Host web\n  Port 2201\n  Port 2202\n  User first\n  User second\n",
    { "web host=web port=2201 user=first" }, { NULL } },
  { "host-star-before", "Host *\n  User everyone\n  Port 2222\n"
    "Host web\n  User admin\n  HostName 192.0.2.10\n",
    { "web host=192.0.2.10 port=2222 user=everyone" }, { NULL } },
  { "host-star-after", "Host web\n  User admin\nHost *\n  User everyone\n  Port 2222\n",
    { "web host=web port=2222 user=admin" }, { NULL } },
  { "lines-before-any-host", "User everyone\nPort 2200\nHost web\n  User admin\n",
    { "web host=web port=2200 user=everyone" }, { NULL } },
  { "bad-value-after-first-is-unused", "Host web\n  Port 2222\nHost *\n  Port nope\n",
    { "web host=web port=2222" }, { NULL } },

  /* Patterns, Match, Include */
  { "patterns", "Host *.example.com\n  User admin\nHost web.example.com db.test\n  Port 2200\n"
    "Host !db.test *.test\n  User tester\n",
    { "web.example.com host=web.example.com port=2200 user=admin", "db.test host=db.test port=2200" },
    { "line 1: Host *.example.com: a pattern names no single server",
      "line 5: Host !db.test: a pattern names no single server",
      "line 5: Host *.test: a pattern names no single server" } },
  { "question-mark", "Host web?\n  User q\nHost web1 web12\n",
    { "web1 host=web1 user=q", "web12 host=web12" },
    { "line 1: Host web?: a pattern names no single server" } },
  { "patterns-any-case", "Host *.EXAMPLE.com\n  User admin\nHost Web.Example.COM\n",
    { "web.example.com (Web.Example.COM) host=Web.Example.COM user=admin" },
    { "line 1: Host *.EXAMPLE.com: a pattern names no single server" } },
  { "match", "Host web\nMatch host web exec \"test -e /x\"\n  User matched\n"
    "  HostName 192.0.2.66\n  Include other\nHost db\n",
    { "web host=web", "db host=db" },
    { "line 2: Match host web exec test -e /x: only ssh can evaluate its conditions; the "
      "settings in this block are not imported" } },
  { "include", "Include ~/.ssh/config.d/*\nHost web\n  Include extra.conf\n",
    { "web host=web" },
    { "line 1: Include ~/.ssh/config.d/*: other files are not read; import them on their own",
      "line 3: Include extra.conf: other files are not read; import them on their own" } },

  /* ProxyJump and ProxyCommand */
  { "jump-alias", "Host web\n  HostName 192.0.2.10\n  ProxyJump bastion\n"
    "Host bastion\n  HostName 198.51.100.7\n  User jump\n",
    { "bastion host=198.51.100.7 user=jump", "web host=192.0.2.10 gateway=bastion" },
    { NULL } },
  { "jump-alias-any-case", "Host bastion\nHost web\n  ProxyJump ssh://BASTION\n",
    { "bastion host=bastion", "web host=web gateway=bastion" }, { NULL } },
  { "jump-ad-hoc", "Host web\n  ProxyJump admin@jump.example.com:2222\n",
    { "jump-admin-jump.example.com-2222 (admin@jump.example.com:2222) host=jump.example.com "
      "port=2222 user=admin",
      "web host=web gateway=jump-admin-jump.example.com-2222" }, { NULL } },
  { "jump-ad-hoc-shared", "Host web db\n  ProxyJump jump.example.com\n",
    { "jump-jump.example.com (jump.example.com) host=jump.example.com",
      "web host=web gateway=jump-jump.example.com",
      "db host=db gateway=jump-jump.example.com" }, { NULL } },
  { "jump-ad-hoc-gets-patterns", "Host *.example.com\n  User ops\n  IdentityFile ~/.ssh/ops\n"
    "Host web\n  ProxyJump jump.example.com\n",
    { "jump-jump.example.com (jump.example.com) host=jump.example.com user=ops "
      "identity=/home/alice/.ssh/ops",
      "web host=web gateway=jump-jump.example.com" },
    { "line 1: Host *.example.com: a pattern names no single server" } },
  { "jump-alias-with-user", "Host bastion\n  HostName 198.51.100.7\n  User jump\n"
    "Host web\n  ProxyJump root@bastion:2022\n",
    { "bastion host=198.51.100.7 user=jump",
      "jump-root-bastion-2022 (root@bastion:2022) host=198.51.100.7 port=2022 user=root",
      "web host=web gateway=jump-root-bastion-2022" }, { NULL } },
  { "jump-ipv6", "Host web\n  ProxyJump [2001:db8::1]:2200\n",
    { "jump-2001-db8-1-2200 ([2001:db8::1]:2200) host=2001:db8::1 port=2200",
      "web host=web gateway=jump-2001-db8-1-2200" }, { NULL } },
  { "jump-chain", "Host web\n  ProxyJump hop1.example.com,ops@hop2.example.com\n",
    { "jump-hop1.example.com (hop1.example.com) host=hop1.example.com",
      "jump-ops-hop2.example.com (ops@hop2.example.com via hop1.example.com) "
      "host=hop2.example.com user=ops gateway=jump-hop1.example.com",
      "web host=web gateway=jump-ops-hop2.example.com" }, { NULL } },
  { "jump-chain-of-aliases", "Host a\n  HostName 192.0.2.1\n  ProxyJump c\n"
    "Host b\n  HostName 192.0.2.2\n  ProxyJump none\nHost c\n  HostName 192.0.2.3\n"
    "Host web\n  ProxyJump a,b\n",
    /* The first hop keeps its own ProxyJump; the later ones take the hops
     * before them, as with ssh -J. */
    { "c host=192.0.2.3", "a host=192.0.2.1 gateway=c", "b host=192.0.2.2",
      "jump-b (b via a) host=192.0.2.2 gateway=a", "web host=web gateway=jump-b" },
    { NULL } },
  { "jump-none", "Host web\n  ProxyJump none\n  ProxyJump bastion.example.com\n",
    { "web host=web" }, { NULL } },
  { "jump-loop", "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\nHost c\n",
    { "c host=c" },
    { "line 2: Host a: ProxyJump b: the jump host b is not imported, so neither is this one",
      "line 4: Host b: ProxyJump a: the jump hosts form a loop; not imported" } },
  { "jump-from-host-star-loops", "Host *\n  ProxyJump bastion\nHost bastion\nHost web\n",
    { NULL },
    { "line 2: Host bastion: ProxyJump bastion: the jump hosts form a loop; not imported",
      "line 2: Host web: ProxyJump bastion: the jump host bastion is not imported, so neither "
      "is this one" } },
  { "jump-from-host-star-negated", "Host * !bastion\n  ProxyJump bastion\n"
    "Host bastion\n  HostName 198.51.100.7\nHost web\n",
    { "bastion host=198.51.100.7", "web host=web gateway=bastion" },
    { "line 1: Host !bastion: a pattern names no single server" } },
  { "jump-refused", "Host web\n  ProxyJump admin@jump.example.com:99999\n"
    "Host db\n  ProxyJump [2001:db8::1\nHost mail\n  ProxyJump a,,b\nHost ok\n",
    { "ok host=ok" },
    { "line 2: Host web: ProxyJump admin@jump.example.com:99999: jump host "
      "\"jump.example.com:99999\": \"99999\" is not a port number from 1 to 65535; not imported",
      "line 4: Host db: ProxyJump [2001:db8::1: jump host \"[2001:db8::1\": a '[' without its "
      "']'; not imported",
      "line 6: Host mail: ProxyJump a,,b: the host name \"\" is empty; not imported" } },
  { "proxy-command", "Host web\n  ProxyCommand ssh -W %h:%p bastion.example.com\n",
    { "web host=web" },
    { "line 2: Host web: ProxyCommand is not run by Burrow; the profile connects directly" } },
  { "proxy-command-before-jump", "Host web\n  ProxyCommand nc %h %p\n  ProxyJump bastion\n"
    "Host bastion\n",
    { "web host=web", "bastion host=bastion" },
    { "line 2: Host web: ProxyCommand is not run by Burrow; the profile connects directly" } },
  { "jump-before-proxy-command", "Host web\n  ProxyJump bastion\n  ProxyCommand nc %h %p\n"
    "Host bastion\n",
    { "bastion host=bastion", "web host=web gateway=bastion" }, { NULL } },
  { "proxy-command-none", "Host web\n  ProxyCommand none\n  ProxyJump bastion\nHost bastion\n",
    { "web host=web", "bastion host=bastion" }, { NULL } },

  /* Host names, ports, users */
  { "host-name-percent-h", "Host web db\n  HostName %h.example.com\n",
    { "web host=web.example.com", "db host=db.example.com" }, { NULL } },
  { "host-name-refused", "Host web\n  HostName %p.example.com\nHost db\n"
    "  HostName -oProxyCommand=x\nHost mail\n  HostName a b\nHost \"x y\"\n",
    { NULL },
    { "line 2: Host web: HostName %p.example.com: only %h and %% can be expanded; not imported",
      "line 4: Host db: the host name \"-oProxyCommand=x\" starts with '-'; not imported",
      "line 6: Host mail: HostName needs exactly one value; not imported",
      "line 7: Host x y: the host name \"x y\" contains a blank or a control character; "
      "not imported" } },
  { "bad-ports", "Host web\n  Port 0\nHost db\n  Port 65536\nHost mail\n  Port ssh\n"
    "Host ok\n  Port 65535\nHost low\n  Port 1\n",
    { "ok host=ok port=65535", "low host=low port=1" },
    { "line 2: Host web: Port 0: not a port number from 1 to 65535; not imported",
      "line 4: Host db: Port 65536: not a port number from 1 to 65535; not imported",
      "line 6: Host mail: Port ssh: not a port number from 1 to 65535; not imported" } },
  { "bad-user", "Host web\n  User \"a b\"\n", { NULL },
    { "line 2: Host web: the user name \"a b\" contains a blank or a control character; "
      "not imported" } },

  /* Ids */
  { "unique-ids", "Host web+1 web-1 Web@1 WEB_1\n",
    { "web-1 (web+1) host=web+1", "web-1-2 (web-1) host=web-1", "web-1-3 (Web@1) host=Web@1",
      "web_1 (WEB_1) host=WEB_1" }, { NULL } },
  { "id-characters", "Host ünïcode.test 192.0.2.5 _x.\n",
    { "n-code.test (ünïcode.test) host=ünïcode.test", "192.0.2.5 host=192.0.2.5",
      "_x. host=_x." }, { NULL } },
  { "alias-ids-first", "Host web\n  ProxyJump a.example.com\nHost jump-a.example.com\n",
    { "jump-a.example.com-2 (a.example.com) host=a.example.com",
      "web host=web gateway=jump-a.example.com-2",
      "jump-a.example.com host=jump-a.example.com" }, { NULL } },

  /* IdentityFile */
  { "identity-expansion", "Host web\n  HostName 192.0.2.10\n  User deploy\n"
    "  IdentityFile ~/.ssh/id_ed25519\n  IdentityFile %d/.ssh/%u-%r@%h\n"
    "  IdentityFile /keys/%n-%p-100%%\n  IdentityFile ~alice/.ssh/own\n  IdentityFile ~\n",
    { "web host=192.0.2.10 user=deploy identity=/home/alice/.ssh/id_ed25519,"
      "/home/alice/.ssh/alice-deploy@192.0.2.10,/keys/web-22-100%,/home/alice/.ssh/own,"
      "/home/alice" }, { NULL } },
  { "identity-remote-user-defaults-to-local", "Host web\n  Port 2222\n"
    "  IdentityFile /keys/%r-%p\n",
    { "web host=web port=2222 identity=/keys/alice-2222" }, { NULL } },
  { "identity-refused", "Host web\n  IdentityFile ~bob/.ssh/id\n  IdentityFile ~/.ssh/%C\n"
    "  IdentityFile ${HOME}/.ssh/id\n  IdentityFile id_rsa\n  IdentityFile ~/.ssh/id%\n"
    "  IdentityFile none\n  IdentityFile a b\n  IdentityFile ~/.ssh/%é\n"
    "  IdentityFile ~/.ssh/ok\n",
    { "web host=web identity=/home/alice/.ssh/ok" },
    { "line 2: Host web: IdentityFile ~bob/.ssh/id: ~bob is not expanded by Burrow; left out",
      "line 3: Host web: IdentityFile ~/.ssh/%C: %C is not expanded by Burrow; left out",
      "line 4: Host web: IdentityFile ${HOME}/.ssh/id: environment variables are not expanded "
      "by Burrow; left out",
      "line 5: Host web: IdentityFile id_rsa: a relative path; write it from ~/ or /; left out",
      "line 6: Host web: IdentityFile ~/.ssh/id%: a '%' ends the path; left out",
      "line 8: Host web: IdentityFile a b: needs exactly one value; left out",
      "line 9: Host web: IdentityFile ~/.ssh/%é: %é is not expanded by Burrow; left out" } },
  { "identity-adds-up", "Host *\n  IdentityFile ~/.ssh/common\nHost web\n"
    "  IdentityFile ~/.ssh/web\n  IdentityFile ~/.ssh/common\n",
    { "web host=web identity=/home/alice/.ssh/common,/home/alice/.ssh/web" }, { NULL } },
  { "identity-percent-h-per-host", "Host *\n  IdentityFile ~/.ssh/%h\nHost a b\n"
    "  HostName %h.example.com\n",
    { "a host=a.example.com identity=/home/alice/.ssh/a.example.com",
      "b host=b.example.com identity=/home/alice/.ssh/b.example.com" }, { NULL } },

  /* Forwards */
  { "forwards", "Host web\n  LocalForward 8080 db.example.com:5432\n"
    "  LocalForward 127.0.0.2:8443 [2001:db8::5]:443\n  RemoteForward 9090 localhost:80\n"
    "  DynamicForward 1080\n  DynamicForward [::1]:1081\n"
    "  LocalForward localhost:8081 192.0.2.20:80\n  DynamicForward localhost/1082\n",
    { "web host=web L8080>db.example.com:5432 L127.0.0.2:8443>[2001:db8::5]:443 "
      "L8081>192.0.2.20:80 R9090>localhost:80 D1080 D[::1]:1081 D1082" }, { NULL } },
  { "forwards-refused", "Host web\n  LocalForward *:8080 db.example.com:80\n"
    "  LocalForward 192.0.2.1:8080 db.example.com:80\n  RemoteForward 8080\n"
    "  LocalForward 8080\n  LocalForward /tmp/sock db.example.com:80\n  DynamicForward 0\n"
    "  LocalForward 8080 -x:80\n  LocalForward 8080 db.example.com:80\n"
    "  LocalForward localhost:8080 db.example.com:81\n  DynamicForward 127.0.0.1:8080\n"
    "  RemoteForward 8080 db.example.com:80\n  LocalForward :8081 db.example.com:80\n",
    { "web host=web L8080>db.example.com:80 R8080>db.example.com:80" },
    { "line 2: Host web: LocalForward *:8080 db.example.com:80: the bind address \"*\" lets "
      "other computers connect; add the forward in Burrow if that is meant; left out",
      "line 3: Host web: LocalForward 192.0.2.1:8080 db.example.com:80: the bind address "
      "\"192.0.2.1\" lets other computers connect; add the forward in Burrow if that is meant; "
      "left out",
      "line 4: Host web: RemoteForward 8080: a SOCKS proxy at the server's end is not supported "
      "by Burrow; left out",
      "line 5: Host web: LocalForward 8080: expected [bind_address:]port host:hostport; left out",
      "line 6: Host web: LocalForward /tmp/sock db.example.com:80: Unix-domain sockets are not "
      "supported by Burrow; left out",
      "line 7: Host web: DynamicForward 0: \"0\" is not a port number from 1 to 65535; left out",
      "line 8: Host web: LocalForward 8080 -x:80: the destination \"-x\" starts with '-'; "
      "left out",
      "line 10: Host web: LocalForward localhost:8080 db.example.com:81: 127.0.0.1 port 8080 is "
      "already used by the forward on line 9; left out",
      "line 11: Host web: DynamicForward 127.0.0.1:8080: 127.0.0.1 port 8080 is already used by "
      "the forward on line 9; left out",
      "line 13: Host web: LocalForward :8081 db.example.com:80: the bind address \"\" lets other "
      "computers connect; add the forward in Burrow if that is meant; left out" } },
  { "forwards-add-up", "Host *\n  DynamicForward 1080\nHost web\n  DynamicForward 1081\n",
    { "web host=web D1080 D1081" }, { NULL } },
};

static void
append_address (GString    *out,
                const char *address)
{
  if (strchr (address, ':') != NULL)
    g_string_append_printf (out, "[%s]", address);
  else
    g_string_append (out, address);
}

static void
format_tunnel (GString  *out,
               char      kind,
               GVariant *tunnel)
{
  const char *address = NULL;
  const char *type = NULL;
  const char *dst_host = NULL;
  guint16 port = 0;
  guint16 dst_port = 0;

  g_assert_true (g_variant_lookup (tunnel, "listen-port", "q", &port));
  g_assert_cmpuint (port, >, 0);
  g_string_append_printf (out, " %c", kind);
  if (g_variant_lookup (tunnel, "listen-address", "&s", &address))
    {
      append_address (out, address);
      g_string_append_c (out, ':');
    }
  g_string_append_printf (out, "%u", port);
  if (kind == 'D')
    {
      g_assert_cmpuint (g_variant_n_children (tunnel), ==, 1 + (address != NULL));
      return;
    }
  g_assert_true (g_variant_lookup (tunnel, "type", "&s", &type));
  g_assert_cmpstr (type, ==, "TCP");
  g_assert_true (g_variant_lookup (tunnel, "dst-host", "&s", &dst_host));
  g_assert_true (g_variant_lookup (tunnel, "dst-port", "q", &dst_port));
  g_assert_cmpuint (g_variant_n_children (tunnel), ==, 4 + (address != NULL));
  g_string_append_c (out, '>');
  append_address (out, dst_host);
  g_string_append_printf (out, ":%u", dst_port);
}

static guint
format_tunnels (GString  *out,
                GVariant *profile)
{
  static const struct { const char *key; char kind; } lists[] = {
    { "local-tunnels", 'L' }, { "remote-tunnels", 'R' }, { "dynamic-tunnels", 'D' },
  };
  guint keys = 0;

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(GVariant) list = g_variant_lookup_value (profile, lists[i].key,
                                                         G_VARIANT_TYPE ("aa{sv}"));

      if (list == NULL)
        continue;
      g_assert_cmpuint (g_variant_n_children (list), >, 0);
      for (gsize j = 0; j < g_variant_n_children (list); j++)
        {
          g_autoptr(GVariant) tunnel = g_variant_get_child_value (list, j);

          format_tunnel (out, lists[i].kind, tunnel);
        }
      keys++;
    }
  return keys;
}

static guint
format_identities (GString  *out,
                   GVariant *profile)
{
  g_autoptr(GVariant) files = g_variant_lookup_value (profile, "identity-files",
                                                      G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree const char **paths = NULL;
  g_autofree char *joined = NULL;

  if (files == NULL)
    return 0;
  paths = g_variant_get_strv (files, NULL);
  g_assert_nonnull (paths[0]);
  joined = g_strjoinv (",", (char **) paths);
  g_string_append_printf (out, " identity=%s", joined);
  return 1;
}

/* The profile as the tables write it; fails on a key of the wrong type or
 * one the tables do not know. */
static char *
format_profile (GVariant *profile)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *id = NULL;
  const char *name = NULL;
  const char *host = NULL;
  const char *text = NULL;
  guint16 port = 0;
  guint keys = 3;

  g_assert_false (g_variant_is_floating (profile));
  g_assert_true (g_variant_is_of_type (profile, G_VARIANT_TYPE_VARDICT));
  g_assert_true (g_variant_lookup (profile, "id", "&s", &id));
  g_assert_true (g_variant_lookup (profile, "name", "&s", &name));
  g_assert_true (g_variant_lookup (profile, "host", "&s", &host));
  g_string_append (out, id);
  if (strcmp (id, name) != 0)
    g_string_append_printf (out, " (%s)", name);
  g_string_append_printf (out, " host=%s", host);
  if (g_variant_lookup (profile, "port", "q", &port) && ++keys)
    g_string_append_printf (out, " port=%u", port);
  if (g_variant_lookup (profile, "user", "&s", &text) && ++keys)
    g_string_append_printf (out, " user=%s", text);
  keys += format_identities (out, profile);
  if (g_variant_lookup (profile, "gateway-profile", "&s", &text) && ++keys)
    g_string_append_printf (out, " gateway=%s", text);
  keys += format_tunnels (out, profile);
  g_assert_cmpuint (g_variant_n_children (profile), ==, keys);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_profile (GVariant   *profile,
                const char *expected)
{
  g_autofree char *text = format_profile (profile);

  g_assert_cmpstr (text, ==, expected);
}

static BurrowSshConfigImport *
import (const char *config)
{
  BurrowSshConfigImport *result = burrow_ssh_config_import (config, strlen (config), HOME, USER);

  g_assert_nonnull (result);
  for (guint i = 0; i < result->skipped->len; i++)
    {
      const char *line = result->skipped->pdata[i];

      g_assert_true (g_utf8_validate (line, -1, NULL));
      g_assert_true (g_str_has_prefix (line, "line "));
    }
  return result;
}

static void
save_profile (BrokerConfigDocument *document,
              GVariant             *dict)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerProfile) profile = broker_profile_from_variant (dict, &error);
  g_autoptr(BrokerConfigEdit) edit = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BrokerConfig) config = NULL;

  g_assert_no_error (error);
  edit = broker_config_edit_new_save_profile (profile);
  g_assert_true (broker_config_edit_apply (edit, document, NULL, &error));
  g_assert_no_error (error);
  bytes = broker_config_document_to_bytes (document);
  config = broker_config_loader_load (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      "broker.xml", BROKER_CONFIG_ORIGIN_USER, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
}

/* As the front end does: SaveProfile for each, in order. */
static void
assert_broker_takes (const BurrowSshConfigImport *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfigDocument) document = broker_config_document_new ("", 0, "broker.xml",
                                                                         &error);

  g_assert_no_error (error);
  for (guint i = 0; i < result->profiles->len; i++)
    save_profile (document, result->profiles->pdata[i]);
}

static void
assert_rows (GPtrArray          *got,
             const char * const *expected)
{
  guint count = 0;

  while (count < MAX_ROWS && expected[count] != NULL)
    count++;
  for (guint i = 0; i < MIN (got->len, count); i++)
    g_assert_cmpstr (got->pdata[i], ==, expected[i]);
  g_assert_cmpuint (got->len, ==, count);
}

static void
test_import_case (gconstpointer data)
{
  const ImportCase *c = data;
  g_autoptr(BurrowSshConfigImport) result = import (c->config);
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < result->profiles->len; i++)
    g_ptr_array_add (profiles, format_profile (result->profiles->pdata[i]));
  assert_rows (profiles, c->profiles);
  assert_rows (result->skipped, c->skipped);
  assert_broker_takes (result);
}

/* Bounds */

static void
test_huge_input (void)
{
  gsize size = BURROW_SSH_CONFIG_MAX_BYTES + 1;
  g_autofree char *text = g_malloc (size);
  g_autoptr(BurrowSshConfigImport) result = NULL;

  /* Comment lines of 64 bytes. */
  for (gsize i = 0; i < size; i++)
    text[i] = i % 64 == 63 ? '\n' : '#';
  memcpy (text, "Host web\n", 9);
  result = burrow_ssh_config_import (text, size, HOME, USER);
  g_assert_cmpuint (result->profiles->len, ==, 0);
  g_assert_cmpuint (result->skipped->len, ==, 1);
  g_assert_cmpstr (result->skipped->pdata[0], ==,
                   "line 1: the file is larger than 1 MiB; nothing is imported");
  g_clear_pointer (&result, burrow_ssh_config_import_free);

  /* Exactly 1 MiB is read. */
  result = burrow_ssh_config_import (text, size - 1, HOME, USER);
  g_assert_cmpuint (result->profiles->len, ==, 1);
  g_assert_cmpuint (result->skipped->len, ==, 0);
}

static void
test_long_lines (void)
{
  g_autofree char *long_value = g_strnfill (BURROW_SSH_CONFIG_MAX_LINE, 'a');
  g_autofree char *text = g_strdup_printf ("Host web\n  User %s\nHost %s\n  User lost\n"
                                           "Host db\n", long_value, long_value);
  g_autoptr(BurrowSshConfigImport) result = import (text);

  g_assert_cmpuint (result->profiles->len, ==, 2);
  assert_profile (result->profiles->pdata[0], "web host=web");
  g_assert_cmpuint (result->skipped->len, ==, 2);
  g_assert_cmpstr (result->skipped->pdata[0], ==,
                   "line 2: the line is longer than 4096 bytes; ignored");
  g_assert_cmpstr (result->skipped->pdata[1], ==,
                   "line 3: the line is longer than 4096 bytes; ignored, and so are the "
                   "settings under it");
}

static void
test_longest_line (void)
{
  g_autofree char *name = g_strnfill (BURROW_SSH_CONFIG_MAX_LINE - 5, 'a');
  g_autofree char *text = g_strdup_printf ("Host %s\r\n", name);
  g_autoptr(BurrowSshConfigImport) result = import (text);

  /* Read (the CR does not count), but the name is too long for a profile. */
  g_assert_cmpuint (result->profiles->len, ==, 0);
  g_assert_cmpuint (result->skipped->len, ==, 1);
  g_assert_true (g_str_has_prefix (result->skipped->pdata[0], "line 1: Host aaaa"));
  g_assert_true (g_str_has_suffix (result->skipped->pdata[0],
                                   "a…: the name is longer than 255 bytes; not imported"));
}

static void
test_nul_byte (void)
{
  static const char text[] = "Host web\n  User a\0b\nHost db\n";
  g_autoptr(BurrowSshConfigImport) result =
    burrow_ssh_config_import (text, sizeof text - 1, HOME, USER);

  g_assert_cmpuint (result->profiles->len, ==, 2);
  assert_profile (result->profiles->pdata[0], "web host=web");
  g_assert_cmpuint (result->skipped->len, ==, 1);
  g_assert_cmpstr (result->skipped->pdata[0], ==, "line 2: the line is not valid UTF-8; ignored");
}

/* @length ends the text; no NUL is needed. */
static void
test_length_bounds_text (void)
{
  static const char text[] = "Host web\nHost db";
  g_autoptr(BurrowSshConfigImport) result = burrow_ssh_config_import (text, 9, HOME, USER);
  g_autoptr(BurrowSshConfigImport) none = burrow_ssh_config_import (NULL, 0, HOME, USER);

  g_assert_cmpuint (result->profiles->len, ==, 1);
  g_assert_cmpuint (none->profiles->len, ==, 0);
  g_assert_cmpuint (none->skipped->len, ==, 0);
}

static void
test_too_many_profiles (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(BurrowSshConfigImport) result = NULL;
  g_autofree char *expected = NULL;

  for (guint i = 0; i <= BURROW_SSH_CONFIG_MAX_PROFILES; i++)
    g_string_append_printf (text, "Host h%u\n", i);
  result = import (text->str);
  g_assert_cmpuint (result->profiles->len, ==, BURROW_SSH_CONFIG_MAX_PROFILES);
  g_assert_cmpuint (result->skipped->len, ==, 1);
  expected = g_strdup_printf ("line %u: more than 1000 hosts; this one and the rest are not "
                              "imported", BURROW_SSH_CONFIG_MAX_PROFILES + 1);
  g_assert_cmpstr (result->skipped->pdata[0], ==, expected);
}

static void
test_too_many_messages (void)
{
  g_autoptr(GString) text = g_string_new ("Host web\n");
  g_autoptr(BurrowSshConfigImport) result = NULL;

  for (guint i = 0; i < 1100; i++)
    g_string_append (text, "Include x\n");
  result = import (text->str);
  g_assert_cmpuint (result->profiles->len, ==, 1);
  g_assert_cmpuint (result->skipped->len, ==, 1001);
  g_assert_cmpstr (result->skipped->pdata[999], ==,
                   "line 1001: Include x: other files are not read; import them on their own");
  g_assert_cmpstr (result->skipped->pdata[1000], ==,
                   "line 1002: and 100 more problems not listed here");
}

/* Every alias evaluates every Host line: a file of many patterns is cut
 * short rather than evaluated for minutes. */
static void
test_work_limit (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(BurrowSshConfigImport) result = NULL;
  g_autofree char *expected = NULL;

  for (guint i = 0; i < BURROW_SSH_CONFIG_MAX_PROFILES; i++)
    g_string_append_printf (text, "Host h%u\n", i);
  while (text->len < BURROW_SSH_CONFIG_MAX_BYTES - 16)
    g_string_append (text, "Host x*y*z\n");
  result = import (text->str);
  g_assert_cmpuint (result->profiles->len, >, 10);
  g_assert_cmpuint (result->profiles->len, <, BURROW_SSH_CONFIG_MAX_PROFILES);
  /* Listed in line order, past the 1000 messages on the patterns. */
  expected = g_strdup_printf ("line %u: the file has too many Host patterns to evaluate; this "
                              "host and the rest are not imported", result->profiles->len + 1);
  g_assert_cmpstr (result->skipped->pdata[0], ==, expected);
  g_assert_cmpuint (result->skipped->len, ==, 1002);
}

static GVariant *
find_profile (GPtrArray  *profiles,
              const char *id,
              guint       before)
{
  for (guint i = 0; i < before; i++)
    {
      const char *other = NULL;

      g_assert_true (g_variant_lookup (profiles->pdata[i], "id", "&s", &other));
      if (strcmp (other, id) == 0)
        return profiles->pdata[i];
    }
  return NULL;
}

/* h0 → h1 → … → h40: the broker takes no chain of over 32 gateways, and
 * the importer stops short of that. */
static void
test_long_jump_chain (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(BurrowSshConfigImport) result = NULL;

  for (guint i = 0; i < 40; i++)
    g_string_append_printf (text, "Host h%u\n  ProxyJump h%u\n", i, i + 1);
  g_string_append (text, "Host h40\n");
  result = import (text->str);
  g_assert_cmpuint (result->profiles->len, ==, 32);
  for (guint i = 0; i < result->profiles->len; i++)
    {
      GVariant *profile = result->profiles->pdata[i];
      const char *gateway = NULL;
      guint chain = 0;

      while (g_variant_lookup (profile, "gateway-profile", "&s", &gateway))
        {
          profile = find_profile (result->profiles, gateway, i);
          g_assert_nonnull (profile);
          g_assert_cmpuint (++chain, <=, 31);
        }
    }
  assert_broker_takes (result);
}

static void
test_home_not_utf8 (void)
{
  static const char text[] = "Host web\n  IdentityFile ~/.ssh/id\n  IdentityFile /keys/id\n";
  g_autoptr(BurrowSshConfigImport) result =
    burrow_ssh_config_import (text, strlen (text), "/home/\xff", USER);

  g_assert_cmpuint (result->profiles->len, ==, 1);
  assert_profile (result->profiles->pdata[0],
                   "web host=web identity=/keys/id");
  g_assert_cmpuint (result->skipped->len, ==, 1);
  g_assert_cmpstr (result->skipped->pdata[0], ==,
                   "line 2: Host web: IdentityFile ~/.ssh/id: the expanded path is not valid "
                   "UTF-8; left out");
}

static void
test_free_null (void)
{
  burrow_ssh_config_import_free (NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (import_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/app/ssh-config/import/%s",
                                               import_cases[i].name);

      g_test_add_data_func (path, &import_cases[i], test_import_case);
    }
  g_test_add_func ("/app/ssh-config/huge-input", test_huge_input);
  g_test_add_func ("/app/ssh-config/long-lines", test_long_lines);
  g_test_add_func ("/app/ssh-config/longest-line", test_longest_line);
  g_test_add_func ("/app/ssh-config/nul-byte", test_nul_byte);
  g_test_add_func ("/app/ssh-config/length-bounds-text", test_length_bounds_text);
  g_test_add_func ("/app/ssh-config/too-many-profiles", test_too_many_profiles);
  g_test_add_func ("/app/ssh-config/too-many-messages", test_too_many_messages);
  g_test_add_func ("/app/ssh-config/work-limit", test_work_limit);
  g_test_add_func ("/app/ssh-config/long-jump-chain", test_long_jump_chain);
  g_test_add_func ("/app/ssh-config/home-not-utf8", test_home_not_utf8);
  g_test_add_func ("/app/ssh-config/free-null", test_free_null);
  return g_test_run ();
}
