// SPDX-License-Identifier: GPL-3.0-or-later
/* The units the ssh_config importer reads values with, each on its own:
 * names and ports (burrow-ssh-values.h), ProxyJump hops
 * (burrow-ssh-hop.h), the ~ and % expansions (burrow-ssh-expansion.h)
 * and the *Forward lines (burrow-ssh-forward.h).  The importer as a whole
 * is test-ssh-config.c. */
#include "burrow-ssh-expansion.h"
#include "burrow-ssh-forward.h"
#include "burrow-ssh-hop.h"
#include "burrow-ssh-values.h"

#include <string.h>

/* ---- values ---------------------------------------------------------------- */

static void
test_name_problem (void)
{
  g_autofree char *longest = g_strnfill (BURROW_SSH_MAX_NAME_BYTES, 'a');
  g_autofree char *too_long = g_strnfill (BURROW_SSH_MAX_NAME_BYTES + 1, 'a');

  g_assert_null (burrow_ssh_name_problem ("web.example.com"));
  g_assert_null (burrow_ssh_name_problem ("bücher.example"));
  g_assert_null (burrow_ssh_name_problem (longest));
  g_assert_cmpstr (burrow_ssh_name_problem (""), ==, "is empty");
  g_assert_cmpstr (burrow_ssh_name_problem (too_long), ==, "is longer than 255 bytes");
  g_assert_cmpstr (burrow_ssh_name_problem ("-oProxyCommand=x"), ==, "starts with '-'");
  g_assert_cmpstr (burrow_ssh_name_problem ("a b"), ==,
                   "contains a blank or a control character");
  g_assert_cmpstr (burrow_ssh_name_problem ("a\tb"), ==,
                   "contains a blank or a control character");
  g_assert_cmpstr (burrow_ssh_name_problem ("a\u00a0b"), ==,
                   "contains a blank or a control character");
}

static void
test_parse_port (void)
{
  const char *bad[] = { "", "0", "65536", "-1", "+22", " 22", "22 ", "0x16", "2a", NULL };
  guint16 port = 7;

  g_assert_true (burrow_ssh_parse_port ("1", &port));
  g_assert_cmpuint (port, ==, 1);
  g_assert_true (burrow_ssh_parse_port ("65535", &port));
  g_assert_cmpuint (port, ==, 65535);
  for (guint i = 0; bad[i] != NULL; i++)
    {
      port = 7;
      g_assert_false (burrow_ssh_parse_port (bad[i], &port));
      g_assert_cmpuint (port, ==, 7);
    }
}

/* ---- hops ------------------------------------------------------------------ */

typedef struct
{
  const char *text;
  const char *user;
  const char *host;
  guint16 port;
  const char *problem;   /* NULL: taken */
} HopCase;

static const HopCase hop_cases[] = {
  { "bastion", NULL, "bastion", 0, NULL },
  { "ssh://ops@bastion:2222", "ops", "bastion", 2222, NULL },
  { "SSH://bastion", NULL, "bastion", 0, NULL },
  { "a@b@bastion", "a@b", "bastion", 0, NULL },
  { "[2001:db8::1]:2200", NULL, "2001:db8::1", 2200, NULL },
  { "ops@[::1]", "ops", "::1", 0, NULL },
  { "[::1", NULL, NULL, 0, "jump host \"[::1\": a '[' without its ']'" },
  { "[::1]x", NULL, NULL, 0, "jump host \"[::1]x\": a '[' without its ']'" },
  { "bastion:0", NULL, "bastion", 0,
    "jump host \"bastion:0\": \"0\" is not a port number from 1 to 65535" },
  { "bastion:", NULL, "bastion", 0,
    "jump host \"bastion:\": \"\" is not a port number from 1 to 65535" },
  { "ops@", "ops", "", 0, "the host name \"\" is empty" },
  { "-x@bastion", "-x", "bastion", 0, "the user name \"-x\" starts with '-'" },
};

static void
test_hop_parse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (hop_cases); i++)
    {
      const HopCase *c = &hop_cases[i];
      g_auto(BurrowSshHop) hop = { 0 };
      g_autofree char *problem = burrow_ssh_hop_parse (c->text, &hop);

      g_test_message ("%s", c->text);
      g_assert_cmpstr (problem, ==, c->problem);
      g_assert_cmpstr (hop.user, ==, c->user);
      g_assert_cmpstr (hop.host, ==, c->host);
      g_assert_cmpuint (hop.port, ==, c->port);
    }
}

static void
test_jump_check (void)
{
  g_autoptr(GString) longest = g_string_new ("h1");
  g_autofree char *problem = NULL;

  g_assert_null (burrow_ssh_jump_check ("a,ops@b:2222,[::1]"));
  problem = burrow_ssh_jump_check ("a,b:99999,c");
  g_assert_cmpstr (problem, ==, "jump host \"b:99999\": \"99999\" is not a port number from 1 "
                                "to 65535");
  g_clear_pointer (&problem, g_free);
  for (guint i = 2; i <= BURROW_SSH_MAX_JUMP_HOPS; i++)
    g_string_append_printf (longest, ",h%u", i);
  g_assert_null (burrow_ssh_jump_check (longest->str));
  g_string_append (longest, ",one-more");
  problem = burrow_ssh_jump_check (longest->str);
  g_assert_cmpstr (problem, ==, "more than 31 jump hosts");
}

/* ---- expansions ------------------------------------------------------------ */

static const BurrowSshExpansion expansion = {
  .home_dir = "/home/ada",
  .local_user = "ada",
  .host = "web.example.com",
  .remote_user = "deploy",
  .alias = "web",
  .port = "2222",
};

static void
test_expand_host_name (void)
{
  g_autofree char *plain = burrow_ssh_expand_host_name ("web.example.com", "web");
  g_autofree char *alias = burrow_ssh_expand_host_name ("%h.internal", "web");
  g_autofree char *percent = burrow_ssh_expand_host_name ("100%%", "web");
  g_autofree char *other = burrow_ssh_expand_host_name ("%r.example.com", "web");
  g_autofree char *trailing = burrow_ssh_expand_host_name ("web%", "web");

  g_assert_cmpstr (plain, ==, "web.example.com");
  g_assert_cmpstr (alias, ==, "web.internal");
  g_assert_cmpstr (percent, ==, "100%");
  g_assert_null (other);
  g_assert_null (trailing);
}

typedef struct
{
  const char *path;
  const char *expanded;  /* NULL: refused */
  const char *problem;
} IdentityCase;

static const IdentityCase identity_cases[] = {
  { "~/.ssh/id_ed25519", "/home/ada/.ssh/id_ed25519", NULL },
  { "~ada/.ssh/id_rsa", "/home/ada/.ssh/id_rsa", NULL },
  { "~", "/home/ada", NULL },
  { "/keys/%r@%h:%p-%n-%u", "/keys/deploy@web.example.com:2222-web-ada", NULL },
  { "%d/.ssh/%%", "/home/ada/.ssh/%", NULL },
  { "~/k/%h", "/home/ada/k/web.example.com", NULL },
  { "~bob/.ssh/id_rsa", NULL, "~bob is not expanded by Burrow" },
  { "/keys/%C", NULL, "%C is not expanded by Burrow" },
  { "/keys/%é", NULL, "%é is not expanded by Burrow" },
  { "/keys/%", NULL, "a '%' ends the path" },
  { "${HOME}/.ssh/id_rsa", NULL, "environment variables are not expanded by Burrow" },
  { ".ssh/id_rsa", NULL, "a relative path; write it from ~/ or /" },
  { "%h/id", NULL, "a relative path; write it from ~/ or /" },
};

static void
test_expand_identity (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (identity_cases); i++)
    {
      const IdentityCase *c = &identity_cases[i];
      g_autofree char *problem = NULL;
      g_autofree char *expanded = burrow_ssh_expand_identity (&expansion, c->path, &problem);

      g_test_message ("%s", c->path);
      g_assert_cmpstr (expanded, ==, c->expanded);
      g_assert_cmpstr (problem, ==, c->problem);
    }
}

/* A home directory that is not UTF-8 is refused, not handed to GVariant. */
static void
test_expand_identity_not_utf8 (void)
{
  BurrowSshExpansion latin1 = expansion;
  g_autofree char *problem = NULL;
  g_autofree char *expanded = NULL;

  latin1.home_dir = "/home/b\xe9r\xe9nice";
  expanded = burrow_ssh_expand_identity (&latin1, "~/.ssh/id_rsa", &problem);
  g_assert_null (expanded);
  g_assert_cmpstr (problem, ==, "the expanded path is not valid UTF-8");
}

/* ---- forwards -------------------------------------------------------------- */

typedef struct
{
  BurrowSshForwardKind kind;
  const char *args[3];
  const char *variant;   /* its a{sv} as dict_text() gives it; NULL: refused */
  const char *problem;
} ForwardCase;

static const ForwardCase forward_cases[] = {
  { BURROW_SSH_FORWARD_LOCAL, { "8080", "intranet:80" },
    "dst-host='intranet' dst-port=80 listen-port=8080 type='TCP'", NULL },
  { BURROW_SSH_FORWARD_LOCAL, { "localhost:8080", "intranet/80" },
    "dst-host='intranet' dst-port=80 listen-port=8080 type='TCP'", NULL },
  { BURROW_SSH_FORWARD_LOCAL, { "[::1]:8080", "[2001:db8::5]:80" },
    "dst-host='2001:db8::5' dst-port=80 listen-address='::1' listen-port=8080 type='TCP'",
    NULL },
  { BURROW_SSH_FORWARD_REMOTE, { "127.0.0.2:9000", "localhost:3000" },
    "dst-host='localhost' dst-port=3000 listen-address='127.0.0.2' listen-port=9000 "
    "type='TCP'", NULL },
  { BURROW_SSH_FORWARD_DYNAMIC, { "1080" }, "listen-port=1080", NULL },
  { BURROW_SSH_FORWARD_LOCAL, { "0.0.0.0:8080", "intranet:80" }, NULL,
    "the bind address \"0.0.0.0\" lets other computers connect; add the forward in Burrow "
    "if that is meant" },
  { BURROW_SSH_FORWARD_LOCAL, { "127.0.0.256:8080", "intranet:80" }, NULL,
    "the bind address \"127.0.0.256\" lets other computers connect; add the forward in "
    "Burrow if that is meant" },
  { BURROW_SSH_FORWARD_DYNAMIC, { "*:1080" }, NULL,
    "the bind address \"*\" lets other computers connect; add the forward in Burrow if that "
    "is meant" },
  { BURROW_SSH_FORWARD_REMOTE, { "9000" }, NULL,
    "a SOCKS proxy at the server's end is not supported by Burrow" },
  { BURROW_SSH_FORWARD_LOCAL, { "/tmp/socket", "intranet:80" }, NULL,
    "Unix-domain sockets are not supported by Burrow" },
  { BURROW_SSH_FORWARD_LOCAL, { "8080", "~/socket" }, NULL,
    "Unix-domain sockets are not supported by Burrow" },
  { BURROW_SSH_FORWARD_LOCAL, { "8080" }, NULL, "expected [bind_address:]port host:hostport" },
  { BURROW_SSH_FORWARD_DYNAMIC, { "1080", "extra" }, NULL, "expected [bind_address:]port" },
  { BURROW_SSH_FORWARD_LOCAL, { "a:b:8080", "intranet:80" }, NULL,
    "expected [bind_address:]port host:hostport" },
  { BURROW_SSH_FORWARD_LOCAL, { "[::1:8080", "intranet:80" }, NULL,
    "expected [bind_address:]port host:hostport" },
  { BURROW_SSH_FORWARD_LOCAL, { "0", "intranet:80" }, NULL,
    "\"0\" is not a port number from 1 to 65535" },
  { BURROW_SSH_FORWARD_LOCAL, { "8080", "intranet:http" }, NULL,
    "\"http\" is not a port number from 1 to 65535" },
  { BURROW_SSH_FORWARD_LOCAL, { "8080", "-oops:80" }, NULL,
    "the destination \"-oops\" starts with '-'" },
};

static gint
compare_items (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* "key=value …" in key order: a dictionary's order is not its meaning. */
static char *
dict_text (GVariant *dict)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      g_autofree char *text = g_variant_print (value, FALSE);

      g_ptr_array_add (items, g_strdup_printf ("%s=%s", key, text));
    }
  g_ptr_array_sort (items, compare_items);
  g_ptr_array_add (items, NULL);
  return g_strjoinv (" ", (char **) items->pdata);
}

static void
test_forward_parse (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (forward_cases); i++)
    {
      const ForwardCase *c = &forward_cases[i];
      g_auto(BurrowSshForward) forward = { 0 };
      g_autofree char *problem = burrow_ssh_forward_parse (c->kind, c->args, &forward);

      g_test_message ("%s %s", c->args[0], c->args[1] != NULL ? c->args[1] : "");
      g_assert_cmpstr (problem, ==, c->problem);
      g_assert_cmpuint (forward.kind, ==, c->kind);
      if (c->variant != NULL)
        {
          g_autoptr(GVariant) variant = g_variant_ref_sink (burrow_ssh_forward_to_variant (
                                                              &forward));
          g_autofree char *text = dict_text (variant);

          g_assert_cmpstr (text, ==, c->variant);
        }
    }
}

static void
parse_or_fail (BurrowSshForwardKind  kind,
               const char           *first,
               const char           *second,
               BurrowSshForward     *forward)
{
  const char *args[] = { first, second, NULL };
  g_autofree char *problem = burrow_ssh_forward_parse (kind, args, forward);

  g_assert_null (problem);
}

/* Local and dynamic forwards listen on this computer, remote ones at the
 * server; "localhost" and no address are both the broker's 127.0.0.1. */
static void
test_forward_clashes (void)
{
  g_auto(BurrowSshForward) local = { 0 };
  g_auto(BurrowSshForward) local_localhost = { 0 };
  g_auto(BurrowSshForward) local_other_address = { 0 };
  g_auto(BurrowSshForward) dynamic = { 0 };
  g_auto(BurrowSshForward) remote = { 0 };

  parse_or_fail (BURROW_SSH_FORWARD_LOCAL, "8080", "a:80", &local);
  parse_or_fail (BURROW_SSH_FORWARD_LOCAL, "localhost:8080", "b:80", &local_localhost);
  parse_or_fail (BURROW_SSH_FORWARD_LOCAL, "127.0.0.2:8080", "c:80", &local_other_address);
  parse_or_fail (BURROW_SSH_FORWARD_DYNAMIC, "8080", NULL, &dynamic);
  parse_or_fail (BURROW_SSH_FORWARD_REMOTE, "8080", "d:80", &remote);

  g_assert_cmpstr (burrow_ssh_forward_listen_address (&local), ==, "127.0.0.1");
  g_assert_cmpstr (burrow_ssh_forward_listen_address (&local_other_address), ==, "127.0.0.2");
  g_assert_true (burrow_ssh_forward_clashes (&local, &local_localhost));
  g_assert_true (burrow_ssh_forward_clashes (&local, &dynamic));
  g_assert_true (burrow_ssh_forward_clashes (&dynamic, &local));
  g_assert_false (burrow_ssh_forward_clashes (&local, &local_other_address));
  g_assert_false (burrow_ssh_forward_clashes (&local, &remote));
  g_assert_false (burrow_ssh_forward_clashes (&remote, &dynamic));
  g_assert_true (burrow_ssh_forward_clashes (&remote, &remote));
}

static void
test_forward_list_keys (void)
{
  g_assert_cmpstr (burrow_ssh_forward_list_key (BURROW_SSH_FORWARD_LOCAL), ==, "local-tunnels");
  g_assert_cmpstr (burrow_ssh_forward_list_key (BURROW_SSH_FORWARD_REMOTE), ==,
                   "remote-tunnels");
  g_assert_cmpstr (burrow_ssh_forward_list_key (BURROW_SSH_FORWARD_DYNAMIC), ==,
                   "dynamic-tunnels");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/ssh-values/name-problem", test_name_problem);
  g_test_add_func ("/app/ssh-values/parse-port", test_parse_port);
  g_test_add_func ("/app/ssh-hop/parse", test_hop_parse);
  g_test_add_func ("/app/ssh-hop/jump-check", test_jump_check);
  g_test_add_func ("/app/ssh-expansion/host-name", test_expand_host_name);
  g_test_add_func ("/app/ssh-expansion/identity", test_expand_identity);
  g_test_add_func ("/app/ssh-expansion/identity-not-utf8", test_expand_identity_not_utf8);
  g_test_add_func ("/app/ssh-forward/parse", test_forward_parse);
  g_test_add_func ("/app/ssh-forward/clashes", test_forward_clashes);
  g_test_add_func ("/app/ssh-forward/list-keys", test_forward_list_keys);
  return g_test_run ();
}
