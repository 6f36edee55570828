// SPDX-License-Identifier: GPL-3.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "burrow-test-broker.h"
#include "burrow-test-lan.h"
#include "burrow-test-tool.h"

/* Capture with real programs (curl, telnet) in a LAN of network
 * namespaces the test makes itself (burrow-test-lan.h): a gateway GW with
 * an sshd, a web server DEST only GW can reach, with names only GW can
 * resolve, and a host HOST with its own sshd whose port-23 service listens
 * on its loopback only.  The test, its bus, the broker and the captured
 * programs share the test's own network namespace, whose DNS is a fake
 * server that logs every query.
 *
 * Each test writes the rules it needs and reloads the broker, so each
 * reads on its own; the topology test shows first what is out of reach
 * without capture. */

#define TOOL_TIMEOUT_S 30
#define DEST_URL "http://" BURROW_TEST_LAN_DEST_ADDRESS "/page.txt"
#define DEST_URL6 "http://[" BURROW_TEST_LAN_DEST_ADDRESS6 "]/page.txt"
#define WEB_URL "http://" BURROW_TEST_LAN_WEB_NAME "/page.txt"
#define WEB6_URL "http://" BURROW_TEST_LAN_WEB6_NAME "/page.txt"
#define HOST_URL "http://" BURROW_TEST_LAN_HOST_ADDRESS "/page.txt"
#define HOST_URL2 "http://" BURROW_TEST_LAN_HOST_ADDRESS ":8081/page.txt"
#define OTHER_NAME "other.example.test"
#define TELNET_INPUT "hello burrow\nquit\n"
#define PYTHON_PATH "/usr/bin/python3"
/* The seed's Telnet example. */
#define TELNET_RULE \
  "    <rule host=\".*\" ports=\"23\" action=\"TUNNEL\" hostname-from-app=\"YES\"" \
  " profile=\"template\"/>\n"

typedef struct
{
  BurrowTestLan *lan;
  BurrowTestBroker *broker;
  char *dir;
  char *socket_path;
} World;

static World world;

/* ---- running programs ----------------------------------------------------- */

static GStrv
capture_environment (void)
{
  GStrv env = burrow_test_tool_environment ();

  env = g_environ_setenv (env, "BURROW_CAPTURE_SOCKET", world.socket_path, TRUE);
  /* The build tree's launcher finds the library next to itself. */
  return g_environ_unsetenv (env, "LD_PRELOAD");
}

/* "burrow-capture" followed by @argv. */
static GStrv
captured_argv (const char * const *argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *launcher = burrow_test_build_path ("broker", "capture", "burrow-capture",
                                                      NULL);

  g_strv_builder_add (builder, launcher);
  g_strv_builder_addv (builder, (const char **) argv);
  return g_strv_builder_end (builder);
}

static void
run_captured (BurrowTestToolResult *result,
              const char * const   *argv)
{
  g_auto(GStrv) all = captured_argv (argv);
  g_auto(GStrv) env = capture_environment ();

  burrow_test_run_tool (result, world.dir, (const char * const *) all,
                        (const char * const *) env, TOOL_TIMEOUT_S);
}

static void
run_plain (BurrowTestToolResult *result,
           const char * const   *argv)
{
  burrow_test_run_tool (result, world.dir, argv, NULL, TOOL_TIMEOUT_S);
}

static void
run_in_node (BurrowTestToolResult *result,
             BurrowTestLanNode     node,
             const char * const   *argv)
{
  g_auto(GStrv) all = burrow_test_lan_node_argv (world.lan, node, argv);

  run_plain (result, (const char * const *) all);
}

/* Like burrow_test_run_tool(), with @input on stdin. */
static void
run_with_input (BurrowTestToolResult *result,
                const char * const   *argv,
                const char * const   *env,
                const char           *input)
{
  burrow_test_run_tool_with_input (result, world.dir, argv, env, input, TOOL_TIMEOUT_S);
}

/* The program failed and printed nothing on stdout. */
static void
assert_tool_failed (BurrowTestToolResult *result,
                    int                   status,
                    const char           *what)
{
  if (result->status != status)
    g_test_message ("%s exited with %d, not %d; its stdout:\n%s\nits stderr:\n%s", what,
                    result->status, status, result->out, result->err);
  g_assert_false (result->timed_out);
  g_assert_cmpint (result->status, ==, status);
  g_assert_cmpstr (result->out, ==, "");
}

/* sshd on GW logs each direct-tcpip channel with its target (DEBUG1). */
static gboolean
gw_opened_channel_to (const char *target)
{
  g_autofree char *log = NULL;
  g_autofree char *needle = g_strdup_printf ("target %s port 80", target);

  g_file_get_contents (burrow_test_lan_get_sshd_log (world.lan, BURROW_TEST_LAN_GW), &log,
                       NULL, NULL);
  return log != NULL && strstr (log, needle) != NULL;
}

/* Where GW's sshd log ends now: for gw_log_says_since(). */
static gsize
gw_log_mark (void)
{
  g_autofree char *log = NULL;
  gsize length = 0;

  g_file_get_contents (burrow_test_lan_get_sshd_log (world.lan, BURROW_TEST_LAN_GW), &log,
                       &length, NULL);
  return length;
}

/* Whether GW's sshd logged a line matching @pattern (a regex) after @mark. */
static gboolean
gw_log_says_since (const char *pattern,
                   gsize       mark)
{
  g_autofree char *log = NULL;
  gsize length = 0;

  g_file_get_contents (burrow_test_lan_get_sshd_log (world.lan, BURROW_TEST_LAN_GW), &log,
                       &length, NULL);
  return log != NULL && length >= mark
         && g_regex_match_simple (pattern, log + mark, G_REGEX_MULTILINE, 0);
}

/* ---- the broker ----------------------------------------------------------- */

/* Two profiles: "gw", GW's sshd, and "template", whose host is never used
 * (hostname-from-app takes the host from the program), then @rules. */
static void
write_config_with (const char *rules,
                   guint16     silent_port)
{
  g_autofree char *silent = silent_port == 0 ? g_strdup ("") : g_strdup_printf (
    "    <profile id=\"silent\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n", silent_port, g_get_user_name (),
    burrow_test_lan_get_client_key (world.lan));
  g_autofree char *xml = g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"gw\" host=\"" BURROW_TEST_LAN_GW_ADDRESS "\" port=\"22\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "    <profile id=\"template\" host=\"template.invalid\" port=\"22\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "    </profile>\n"
    "%s"
    "  </profiles>\n"
    "  <filter-engine>\n"
    "%s"
    "  </filter-engine>\n"
    "</secsh-broker>\n",
    burrow_test_lan_get_known_hosts (world.lan), g_get_user_name (),
    burrow_test_lan_get_client_key (world.lan), g_get_user_name (),
    burrow_test_lan_get_client_key (world.lan), silent, rules);

  burrow_test_broker_write_user (world.broker, xml);
}

static void
write_config (const char *rules)
{
  write_config_with (rules, 0);
}

static void
run_ctl (BurrowTestCtlResult *result,
         const char          *command)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (world.broker),
                       (const char *[]) { command, NULL });
  if (result->status != 0)
    g_test_message ("burrowctl %s: %s%s", command, result->out, result->err);
  g_assert_cmpint (result->status, ==, 0);
}

/* @rules in force; with a "silent" profile at 127.0.0.1:@silent_port
 * unless that is 0. */
static void
use_rules_with (const char *rules,
                guint16     silent_port)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  write_config_with (rules, silent_port);
  run_ctl (&result, "reload");
}

static void
use_rules (const char *rules)
{
  use_rules_with (rules, 0);
}

static gboolean
socket_exists (gpointer user_data)
{
  return g_file_test (world.socket_path, G_FILE_TEST_EXISTS);
}

static void
start_broker (void)
{
  g_autofree char *home = g_build_filename (world.dir, "home", NULL);
  g_auto(BurrowTestCtlResult) result = { 0 };

  /* Never the real ~/.ssh, nor an agent. */
  g_mkdir_with_parents (home, 0700);
  g_setenv ("HOME", home, TRUE);
  g_unsetenv ("SSH_AUTH_SOCK");
  /* The broker (activated by the test bus) inherits this. */
  g_setenv ("BURROW_CAPTURE_SOCKET", world.socket_path, TRUE);
  world.broker = burrow_test_broker_new (TRUE);
  write_config ("");
  run_ctl (&result, "status");
  g_assert_true (burrow_test_wait_until (socket_exists, NULL, 10000));
}

/* ---- tests ---------------------------------------------------------------- */

/* Without capture, DEST is out of reach from here (no route), by address,
 * IPv4 and IPv6, and its names resolve nowhere here: the fake DNS is asked
 * and says no. */
static void
assert_dest_unreachable_here (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  gsize mark = burrow_test_lan_dns_mark (world.lan);

  run_plain (&result, (const char *[]) { "curl", "-sS", "--max-time", "5", DEST_URL, NULL });
  assert_tool_failed (&result, 7, "curl to DEST");
  burrow_test_tool_result_clear (&result);
  run_plain (&result, (const char *[]) { "curl", "-g", "-sS", "--max-time", "5", DEST_URL6,
                                         NULL });
  assert_tool_failed (&result, 7, "curl to DEST over IPv6");
  burrow_test_tool_result_clear (&result);
  run_plain (&result, (const char *[]) { "getent", "hosts", BURROW_TEST_LAN_WEB_NAME, NULL });
  assert_tool_failed (&result, 2, "getent hosts " BURROW_TEST_LAN_WEB_NAME);
  g_assert_true (burrow_test_lan_dns_was_asked (world.lan, BURROW_TEST_LAN_WEB_NAME, mark));
}

/* GW reaches DEST over both and resolves its names; it cannot reach HOST. */
static void
assert_gw_reaches_dest (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  const char *urls[] = { DEST_URL, DEST_URL6 };

  /* busybox wget -T crashes (SIGSEGV) in busybox-static 1.35 here: the
   * tool's own timeout bounds it instead. */
  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      run_in_node (&result, BURROW_TEST_LAN_GW,
                   (const char *[]) { "busybox", "wget", "-q", "-O", "-", urls[i], NULL });
      burrow_test_assert_tool_ok (&result, "GW: busybox wget to DEST");
      g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
      burrow_test_tool_result_clear (&result);
    }
  run_in_node (&result, BURROW_TEST_LAN_GW,
               (const char *[]) { "getent", "ahosts", BURROW_TEST_LAN_WEB6_NAME, NULL });
  burrow_test_assert_tool_ok (&result, "GW: getent ahosts " BURROW_TEST_LAN_WEB6_NAME);
  burrow_test_assert_contains (result.out, BURROW_TEST_LAN_DEST_ADDRESS6);
  burrow_test_tool_result_clear (&result);
  run_in_node (&result, BURROW_TEST_LAN_GW,
               (const char *[]) { "busybox", "wget", "-q", "-O", "-", HOST_URL, NULL });
  g_assert_cmpint (result.status, !=, 0);
}

/* HOST's web servers answer directly; its port 23 does not. */
static void
assert_host_reachable_here (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  const char *urls[] = { HOST_URL, HOST_URL2 };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      run_plain (&result, (const char *[]) { "curl", "-sS", "--max-time", "5", urls[i], NULL });
      burrow_test_assert_tool_ok (&result, "curl to HOST");
      g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_HOST_BODY);
      burrow_test_tool_result_clear (&result);
    }
  run_plain (&result, (const char *[]) { "curl", "-sS", "--max-time", "5",
                                         "telnet://" BURROW_TEST_LAN_HOST_ADDRESS ":23", NULL });
  assert_tool_failed (&result, 7, "curl telnet:// to HOST:23");
}

/* What the other tests rely on, checked without capture. */
static void
test_topology (void)
{
  assert_dest_unreachable_here ();
  assert_gw_reaches_dest ();
  assert_host_reachable_here ();
}

/* By name through GW: the name resolves only there, so the page proves
 * the broker opened the channel by name; and no DNS query for it left the
 * program or the broker.  A name no rule covers is looked up as usual:
 * the fake DNS sees it, so the leak check can fail. */
static void
test_name_tunnel (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  gsize mark = burrow_test_lan_dns_mark (world.lan);

  use_rules ("    <rule host=\".*\\.corp\\.test\" action=\"TUNNEL\" profile=\"gw\"/>\n");
  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", WEB_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl " WEB_URL);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  g_assert_true (gw_opened_channel_to (BURROW_TEST_LAN_WEB_NAME));
  g_assert_false (burrow_test_lan_dns_was_asked (world.lan, BURROW_TEST_LAN_WEB_NAME, mark));
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20",
                                            "http://" OTHER_NAME "/page.txt", NULL });
  assert_tool_failed (&result, 6, "burrow-capture curl " OTHER_NAME);   /* couldn't resolve */
  g_assert_true (burrow_test_lan_dns_was_asked (world.lan, OTHER_NAME, mark));
}

/* By address, with an address-block rule. */
static void
test_address_tunnel (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  use_rules ("    <rule host=\"" BURROW_TEST_LAN_DEST_NETWORK "\" action=\"TUNNEL\""
             " profile=\"gw\"/>\n");
  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", DEST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl " DEST_URL);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  g_assert_true (gw_opened_channel_to (BURROW_TEST_LAN_DEST_ADDRESS));
}

/* A program that asks for IPv6 addresses only (getaddrinfo with AF_INET6)
 * and fetches /page.txt from the first: prints the address, then the body. */
static const char fetch6_script[] =
  "import socket, sys\n"
  "family, kind, proto, _, address = socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET6,"
  " socket.SOCK_STREAM)[0]\n"
  "s = socket.socket(family, kind, proto)\n"
  "s.settimeout(20)\n"
  "s.connect(address)\n"
  "s.sendall(b'GET /page.txt HTTP/1.0\\r\\nHost: ' + sys.argv[1].encode() + b'\\r\\n\\r\\n')\n"
  "reply = b''\n"
  "while True:\n"
  "    chunk = s.recv(4096)\n"
  "    if not chunk:\n"
  "        break\n"
  "    reply += chunk\n"
  "print(address[0])\n"
  "print(reply.split(b'\\r\\n\\r\\n', 1)[1].decode(), end='')\n";

#define IPV6_RULES \
  "    <rule host=\"" BURROW_TEST_LAN_DEST_NETWORK6 "\" action=\"TUNNEL\" profile=\"gw\"/>\n" \
  "    <rule host=\".*\\.corp\\.test\" action=\"TUNNEL\" profile=\"gw\"/>\n"

/* IPv6 destinations: by address with an IPv6 block; by a name GW resolves
 * to an IPv6 address, looked up as usual (curl: a synthetic IPv4 address,
 * the IPv6 is GW's business) and as AF_INET6 (a synthetic address from
 * fd62:7572:726f:7700::/64, the whole way IPv6 for the program). */
static void
test_ipv6_tunnel (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  gsize mark = burrow_test_lan_dns_mark (world.lan);

  use_rules (IPV6_RULES);
  run_captured (&result, (const char *[]) { "curl", "-g", "-sS", "--max-time", "20", DEST_URL6,
                                            NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl " DEST_URL6);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  g_assert_true (gw_opened_channel_to (BURROW_TEST_LAN_DEST_ADDRESS6));
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", WEB6_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl " WEB6_URL);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  g_assert_true (gw_opened_channel_to (BURROW_TEST_LAN_WEB6_NAME));
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { PYTHON_PATH, "-c", fetch6_script,
                                            BURROW_TEST_LAN_WEB6_NAME, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture python3 (AF_INET6) " WEB6_URL);
  g_assert_true (g_str_has_prefix (result.out, "fd62:7572:726f:7700:"));
  burrow_test_assert_contains (result.out, "\n" BURROW_TEST_LAN_DEST_BODY);
  g_assert_false (burrow_test_lan_dns_was_asked (world.lan, BURROW_TEST_LAN_WEB6_NAME, mark));
}

/* curl -6 by a tunnelled name.  curl 7.88 looks names up with AF_UNSPEC
 * and keeps the IPv6 answers itself: the library answers AF_UNSPEC with a
 * synthetic address of each family, as the C library would. */
static void
test_ipv6_name_curl_6 (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  use_rules (IPV6_RULES);
  run_captured (&result, (const char *[]) { "curl", "-6", "-sS", "--max-time", "20",
                                            "-w", "%{remote_ip}\\n", WEB6_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl -6 " WEB6_URL);
  g_assert_true (g_str_has_prefix (result.out, BURROW_TEST_LAN_DEST_BODY "fd62:7572:726f:7700:"));
}

/* The seed's Telnet example: the SSH server is the host telnet names, the
 * channel goes to its own localhost:23, which nothing else reaches. */
static void
test_telnet_hostname_from_app (void)
{
  g_autofree char *telnet = g_find_program_in_path ("telnet");
  g_auto(GStrv) env = capture_environment ();
  g_auto(BurrowTestToolResult) result = { 0 };
  g_auto(BurrowTestCtlResult) status = { 0 };
  const char *hosts[] = { BURROW_TEST_LAN_HOST_NAME, BURROW_TEST_LAN_HOST_ADDRESS };

  if (telnet == NULL)
    {
      g_test_skip ("telnet is not installed (package inetutils-telnet)");
      return;
    }
  use_rules (TELNET_RULE);

  run_with_input (&result, (const char *[]) { "telnet", BURROW_TEST_LAN_HOST_ADDRESS, "23",
                                              NULL }, NULL, TELNET_INPUT);
  g_assert_false (result.timed_out);
  g_assert_cmpint (result.status, !=, 0);
  burrow_test_assert_contains (result.err, "Connection refused");
  burrow_test_tool_result_clear (&result);

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_auto(GStrv) argv = captured_argv ((const char *[]) { "telnet", hosts[i], "23", NULL });
      g_autofree char *session = g_strdup_printf ("capture:template@%s", hosts[i]);

      run_with_input (&result, (const char * const *) argv, (const char * const *) env,
                      TELNET_INPUT);
      if (result.timed_out || strstr (result.out, "\nbye") == NULL)
        g_test_message ("burrow-capture telnet %s: %d\n%s\n%s", hosts[i], result.status,
                        result.out, result.err);
      g_assert_false (result.timed_out);
      burrow_test_assert_contains (result.out, BURROW_TEST_LAN_LINE_BANNER "\n");
      burrow_test_assert_contains (result.out, "you said: hello burrow\n");
      burrow_test_assert_contains (result.out, "\nbye\n");
      burrow_test_tool_result_clear (&result);

      run_ctl (&status, "status");
      burrow_test_assert_contains (status.out, session);
      burrow_test_ctl_result_clear (&status);
    }
}

/* Under the Telnet rule alone every name a captured program looks up is
 * covered (host=".*", for port 23), so it gets a synthetic address; a
 * connect to another port of that name (HOST's web server, which the DNS
 * resolves and which answers directly) then matches no rule: the broker
 * resolves the name itself and connects the program's socket directly. */
static void
test_telnet_rule_other_ports (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  const char *url = "http://" BURROW_TEST_LAN_HOST_NAME "/page.txt";

  use_rules (TELNET_RULE);
  run_plain (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", url, NULL });
  burrow_test_assert_tool_ok (&result, "curl by name to HOST, uncaptured");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_HOST_BODY);
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", url, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl by name under the Telnet rule");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_HOST_BODY);
}

/* DIRECT to HOST's web server (GW cannot reach it: only a direct connect
 * gets the page), BLOCK for its other port; then without the DIRECT rule
 * the catch-all TUNNEL rule takes it and it fails, which shows the DIRECT
 * rule made the difference. */
static void
test_direct_and_block (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  const char *block_and_tunnel =
    "    <rule host=\"" BURROW_TEST_LAN_HOST_ADDRESS "\" ports=\"8081\" action=\"BLOCK\"/>\n"
    "    <rule host=\"" BURROW_TEST_LAN_HOST_NETWORK "\" action=\"TUNNEL\" profile=\"gw\"/>\n";
  g_autofree char *rules = g_strconcat ("    <rule host=\"" BURROW_TEST_LAN_HOST_ADDRESS "\""
                                        " ports=\"80\" action=\"DIRECT\"/>\n",
                                        block_and_tunnel, NULL);

  use_rules (rules);
  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", HOST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl " HOST_URL " (DIRECT)");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_HOST_BODY);
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "curl", "-v", "-sS", "--max-time", "20", HOST_URL2,
                                            NULL });
  assert_tool_failed (&result, 7, "burrow-capture curl to HOST:8081 (BLOCK)");
  burrow_test_assert_contains (result.err, "Permission denied");   /* EACCES */
  burrow_test_tool_result_clear (&result);

  use_rules (block_and_tunnel);
  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", HOST_URL, NULL });
  assert_tool_failed (&result, 7, "burrow-capture curl " HOST_URL " (tunnelled through GW)");
}

/* ---- seccomp: statically linked programs ------------------------------------ */

#define BUSYBOX "/bin/busybox"
#define DEST_RULE \
  "    <rule host=\"" BURROW_TEST_LAN_DEST_NETWORK "\" action=\"TUNNEL\" profile=\"gw\"/>\n"

/* Whether busybox is there (Debian's busybox-static: statically linked;
 * /capture-lan/seccomp/wget-address shows burrow-capture found it so). */
static gboolean
have_static_busybox (void)
{
  if (!g_file_test (BUSYBOX, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip (BUSYBOX " is not installed (package busybox-static)");
      return FALSE;
    }
  return TRUE;
}

/* busybox (static: LD_PRELOAD never sees it) by address through GW: only
 * the tunnel reaches DEST.  burrow-capture chose seccomp by itself, and
 * the live view names busybox, not the supervisor. */
static void
test_seccomp_wget_address (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *line = NULL;

  if (!have_static_busybox ())
    return;
  use_rules (DEST_RULE);
  run_plain (&result, (const char *[]) { BUSYBOX, "wget", "-q", "-T", "5", "-O", "-", DEST_URL,
                                         NULL });
  g_assert_cmpint (result.status, !=, 0);
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "-D", "2", BUSYBOX, "wget", "-q", "-O", "-",
                                            DEST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox wget " DEST_URL);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  burrow_test_assert_contains (result.err, "statically linked: capturing with seccomp");
  burrow_test_assert_contains (result.err, "tunnelled");
  g_assert_true (gw_opened_channel_to (BURROW_TEST_LAN_DEST_ADDRESS));
  line = burrow_test_connections_line (burrow_test_broker_get_address (world.broker),
                                       BURROW_TEST_LAN_DEST_ADDRESS);
  g_assert_nonnull (line);
  burrow_test_assert_contains (line, "busybox");
}

/* busybox telnet to HOST's loopback-only line service, by address, under
 * the seed's Telnet rule (hostname-from-app: an SSH session to HOST). */
static void
test_seccomp_telnet (void)
{
  g_auto(GStrv) env = capture_environment ();
  g_auto(GStrv) argv = captured_argv ((const char *[]) { BUSYBOX, "telnet",
                                                         BURROW_TEST_LAN_HOST_ADDRESS, "23",
                                                         NULL });
  g_auto(BurrowTestToolResult) result = { 0 };

  if (!have_static_busybox ())
    return;
  use_rules (TELNET_RULE);
  run_with_input (&result, (const char * const *) argv, (const char * const *) env,
                  TELNET_INPUT);
  if (result.timed_out || strstr (result.out, "\nbye") == NULL)
    g_test_message ("burrow-capture busybox telnet: %d\n%s\n%s", result.status, result.out,
                    result.err);
  g_assert_false (result.timed_out);
  burrow_test_assert_contains (result.out, BURROW_TEST_LAN_LINE_BANNER);
  burrow_test_assert_contains (result.out, "you said: hello burrow");
  burrow_test_assert_contains (result.out, "bye");
}

/* BLOCK: the documented errno (EACCES), and nothing reaches GW. */
static void
test_seccomp_block (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  if (!have_static_busybox ())
    return;
  use_rules ("    <rule host=\"" BURROW_TEST_LAN_HOST_ADDRESS "\" action=\"BLOCK\"/>\n");
  run_captured (&result, (const char *[]) { BUSYBOX, "wget", "-q", "-O", "-", HOST_URL, NULL });
  assert_tool_failed (&result, 1, "burrow-capture busybox wget " HOST_URL " (BLOCK)");
  burrow_test_assert_contains (result.err, "Permission denied");
  burrow_test_tool_result_clear (&result);

  /* Without the rule, the same command reaches HOST directly. */
  use_rules ("");
  run_captured (&result, (const char *[]) { BUSYBOX, "wget", "-q", "-O", "-", HOST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox wget " HOST_URL " (no rule)");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_HOST_BODY);
}

/* A child of the program (a shell's) inherits the filter. */
static void
test_seccomp_child (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  if (!have_static_busybox ())
    return;
  use_rules (DEST_RULE);
  run_captured (&result, (const char *[]) { BUSYBOX, "sh", "-c",
                                            BUSYBOX " wget -q -O - " DEST_URL " && echo done",
                                            NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox sh -c 'busybox wget'");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY "done\n");
}

/* A dynamically linked program under --seccomp (no LD_PRELOAD). */
static void
test_seccomp_dynamic (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  use_rules (DEST_RULE);
  run_captured (&result, (const char *[]) { "--seccomp", "curl", "-sS", "--max-time", "20",
                                            DEST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp curl " DEST_URL);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
}

static gboolean
dest_entry_closed (gpointer data)
{
  g_autofree char *line = burrow_test_connections_line (
    burrow_test_broker_get_address (world.broker), BURROW_TEST_LAN_DEST_ADDRESS ":80");

  return line != NULL && strstr (line, " closed ") != NULL;
}

/* The live view's columns of the newest connection to DEST, once it is
 * closed (its byte counts final): all but the ID, the PID and the age. */
static char *
dest_entry_without_ids (void)
{
  g_autofree char *line = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  const char *application;

  g_assert_true (burrow_test_wait_until (dest_entry_closed, NULL, 10000));
  line = burrow_test_connections_line (burrow_test_broker_get_address (world.broker),
                                       BURROW_TEST_LAN_DEST_ADDRESS ":80");
  fields = g_strsplit (line, " ", -1);
  for (guint i = 0; fields[i] != NULL; i++)
    if (*fields[i] != '\0')
      g_ptr_array_add (kept, fields[i]);
  application = strstr (line, "  /");
  g_assert_cmpuint (kept->len, >=, 9);
  g_assert_nonnull (application);
  /* STATE ACTION RULE PROFILE IN OUT, then APPLICATION → DESTINATION. */
  return g_strdup_printf ("%s %s rule %s %s in %s out %s %s", (char *) kept->pdata[1],
                          (char *) kept->pdata[2], (char *) kept->pdata[4],
                          (char *) kept->pdata[5], (char *) kept->pdata[6],
                          (char *) kept->pdata[7], application + 2);
}

/* The same program and request in both modes: the same decision, rule,
 * profile, byte counts, application and destination in the live view. */
static void
test_seccomp_same_as_preload (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *preload = NULL, *seccomp = NULL;

  use_rules (DEST_RULE);
  run_captured (&result, (const char *[]) { "curl", "-sS", "--max-time", "20", DEST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture curl " DEST_URL);
  preload = dest_entry_without_ids ();
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "--seccomp", "curl", "-sS", "--max-time", "20",
                                            DEST_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp curl " DEST_URL);
  seccomp = dest_entry_without_ids ();
  g_test_message ("LD_PRELOAD: %s\nseccomp:    %s", preload, seccomp);
  g_assert_cmpstr (seccomp, ==, preload);
  burrow_test_assert_contains (seccomp, "TUNNEL");
  burrow_test_assert_contains (seccomp, "/curl → " BURROW_TEST_LAN_DEST_ADDRESS ":80");
}

/* The program dies while its connect waits for the broker (the rule's
 * profile names an SSH server that accepts and never speaks): the shell
 * around it goes on, and burrow-capture ends with the shell, not when the
 * broker gives up on that server. */
static void
test_seccomp_exit_mid_connect (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  const char *script = BUSYBOX " wget -q -O - " DEST_URL " & sleep 1; kill -9 $!; wait $!; "
                       "echo killed $?";
  guint16 port;
  gint64 start;

  if (!have_static_busybox ())
    return;
  /* Accepts, and says nothing: an SSH connection that never gets going. */
  port = g_socket_listener_add_any_inet_port (silent, NULL, &error);
  g_assert_no_error (error);
  use_rules_with ("    <rule host=\"" BURROW_TEST_LAN_DEST_NETWORK "\" action=\"TUNNEL\""
                  " profile=\"silent\"/>\n", port);
  start = g_get_monotonic_time ();
  run_captured (&result, (const char *[]) { BUSYBOX, "sh", "-c", script, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox sh (wget killed mid-connect)");
  g_assert_cmpstr (result.out, ==, "killed 137\n");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
}

/* What the filter refuses outright: io_uring (it would bypass the
 * filter) with ENOSYS, where a plain run gets the kernel's own answer
 * (EFAULT for the NULL parameters). */
static const char refused_script[] =
  "import ctypes, errno\n"
  "libc = ctypes.CDLL(None, use_errno=True)\n"
  "libc.syscall.restype = ctypes.c_long\n"
  "r = libc.syscall(ctypes.c_long(425), ctypes.c_long(1), ctypes.c_void_p(0))\n"
  "print('io_uring_setup', errno.errorcode.get(ctypes.get_errno(), r))\n";

static void
test_seccomp_refused_calls (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  run_plain (&result, (const char *[]) { PYTHON_PATH, "-c", refused_script, NULL });
  burrow_test_assert_tool_ok (&result, "python3 io_uring, uncaptured");
  g_assert_cmpstr (result.out, ==, "io_uring_setup EFAULT\n");
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "--seccomp", PYTHON_PATH, "-c", refused_script,
                                            NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp python3 io_uring");
  g_assert_cmpstr (result.out, ==, "io_uring_setup ENOSYS\n");
}

/* TCP Fast Open, sendto() and sendmsg() with MSG_FASTOPEN: connect and
 * send in one call.  Under --seccomp the call is judged like a connect
 * and carried through the tunnel; uncaptured, DEST is out of reach. */
static const char fastopen_script[] =
  "import errno, signal, socket, sys\n"
  "signal.alarm(20)\n"
  "request = b'GET /page.txt HTTP/1.0\\r\\n\\r\\n'\n"
  "for way in ('sendto', 'sendmsg'):\n"
  "    s = socket.socket()\n"
  "    try:\n"
  "        if way == 'sendto':\n"
  "            n = s.sendto(request, socket.MSG_FASTOPEN, (sys.argv[1], 80))\n"
  "        else:\n"
  "            n = s.sendmsg([request[:5], request[5:]], [], socket.MSG_FASTOPEN,\n"
  "                          (sys.argv[1], 80))\n"
  "    except OSError as e:\n"
  "        print(way, errno.errorcode[e.errno])\n"
  "        continue\n"
  "    reply = b''\n"
  "    while True:\n"
  "        data = s.recv(65536)\n"
  "        if not data:\n"
  "            break\n"
  "        reply += data\n"
  "    print(way, n == len(request), reply.partition(b'\\r\\n\\r\\n')[2].decode(), end='')\n";

static void
test_seccomp_fast_open (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  const char *argv[] = { PYTHON_PATH, "-c", fastopen_script, BURROW_TEST_LAN_DEST_ADDRESS,
                         NULL };

  run_plain (&result, argv);
  burrow_test_assert_tool_ok (&result, "python3 Fast Open to DEST, uncaptured");
  g_assert_cmpstr (result.out, ==, "sendto ENETUNREACH\nsendmsg ENETUNREACH\n");
  burrow_test_tool_result_clear (&result);

  use_rules (DEST_RULE);
  run_captured (&result, (const char *[]) { "--seccomp", PYTHON_PATH, "-c", fastopen_script,
                                            BURROW_TEST_LAN_DEST_ADDRESS, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp python3 Fast Open to DEST");
  g_assert_cmpstr (result.out, ==, "sendto True " BURROW_TEST_LAN_DEST_BODY
                                   "sendmsg True " BURROW_TEST_LAN_DEST_BODY);
}

/* SIGTERM to burrow-capture reaches the program, whose status it then
 * ends with.  The outer shell is not captured; every wait is bounded. */
static void
test_seccomp_signals (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *launcher = burrow_test_build_path ("broker", "capture", "burrow-capture",
                                                      NULL);
  g_autofree char *outer = NULL;
  g_auto(GStrv) env = capture_environment ();
  const char *inner = "trap 'echo got TERM; exit 3' TERM; echo ready; i=0; "
                      "while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo no signal";

  if (!have_static_busybox ())
    return;
  outer = g_strdup_printf ("\"$0\" " BUSYBOX " sh -c \"$1\" & pid=$!; i=0; "
                           "while [ $i -lt 50 ] && ! grep -q ready out.txt 2>/dev/null; do "
                           "sleep 0.1; i=$((i+1)); done; kill -TERM $pid; wait $pid; "
                           "echo status $?");
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { BUSYBOX, "sh", "-c",
                                           "exec > out.txt; sh -c \"$2\" \"$0\" \"$1\"; "
                                           "cat out.txt >&2",
                                           launcher, inner, outer, NULL },
                        (const char * const *) env, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox sh (SIGTERM passed on)");
  g_assert_cmpstr (result.err, ==, "ready\ngot TERM\nstatus 3\n");
}

/* An LD_PRELOAD that already names the capture library (session-wide
 * capture) is taken out under --seccomp: one interception, not two. */
static void
test_seccomp_no_preload (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_auto(GStrv) argv = captured_argv ((const char *[]) {
    "--seccomp", PYTHON_PATH, "-c",
    "import os; print(os.environ.get('LD_PRELOAD'), "
    "'libburrow-capture' in open('/proc/self/maps').read())", NULL });
  g_auto(GStrv) env = capture_environment ();
  g_autofree char *library = burrow_test_build_path ("broker", "capture",
                                                     "libburrow-capture.so", NULL);

  env = g_environ_setenv (env, "LD_PRELOAD", library, TRUE);
  burrow_test_run_tool (&result, world.dir, (const char * const *) argv,
                        (const char * const *) env, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp python3 under LD_PRELOAD");
  g_assert_cmpstr (result.out, ==, "None False\n");
}

/* connect() with an address length whose upper 32 bits are set: the
 * kernel reads only the low 32 (16 here), so the supervisor must too, or
 * the connect would slip past it.  Uncaptured, DEST is out of reach;
 * captured, the tunnel connects it. */
static const char long_length_script[] =
  "import ctypes, errno, os, socket, struct\n"
  "libc = ctypes.CDLL(None, use_errno=True)\n"
  "libc.syscall.restype = ctypes.c_long\n"
  "number = {'x86_64': 42, 'aarch64': 203}[os.uname().machine]\n"
  "s = socket.socket()\n"
  "raw = (struct.pack('=H', socket.AF_INET) + struct.pack('>H', 80)\n"
  "       + socket.inet_aton('" BURROW_TEST_LAN_DEST_ADDRESS "') + bytes(8))\n"
  "address = ctypes.create_string_buffer(raw, 16)\n"
  "r = libc.syscall(ctypes.c_long(number), ctypes.c_long(s.fileno()), address,\n"
  "                 ctypes.c_long(0x100000010))\n"
  "print('connect', 'ok' if r == 0 else errno.errorcode[ctypes.get_errno()])\n";

static void
test_seccomp_long_length (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };

  run_plain (&result, (const char *[]) { PYTHON_PATH, "-c", long_length_script, NULL });
  burrow_test_assert_tool_ok (&result, "python3 connect with a long length, uncaptured");
  g_assert_cmpstr (result.out, ==, "connect ENETUNREACH\n");
  burrow_test_tool_result_clear (&result);

  use_rules (DEST_RULE);
  run_captured (&result, (const char *[]) { "--seccomp", PYTHON_PATH, "-c", long_length_script,
                                            NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp python3 long length");
  g_assert_cmpstr (result.out, ==, "connect ok\n");
}

/* ---- seccomp: host names for static programs ------------------------------ */

#define WEB_NAME_RULE \
  "    <rule host=\".*\\.corp\\.test\" action=\"TUNNEL\" profile=\"gw\"/>\n"
#define HOST_NAME_URL2 \
  "http://" BURROW_TEST_LAN_HOST_NAME ":" G_STRINGIFY (BURROW_TEST_LAN_HOST_PORT2) "/page.txt"

/* busybox resolves names itself (a static glibc: UDP to the nameserver of
 * resolv.conf).  A name a TUNNEL rule covers gets a synthetic address from
 * the supervisor's resolver: the fake DNS never hears of it, and GW opens
 * the channel by name, since only GW resolves it.  A name no rule covers
 * is relayed to the fake DNS, whose answer reaches the program. */
static void
test_seccomp_wget_name (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  gsize mark = burrow_test_lan_dns_mark (world.lan), gw_mark = gw_log_mark ();

  if (!have_static_busybox ())
    return;
  use_rules (WEB_NAME_RULE);
  run_captured (&result, (const char *[]) { BUSYBOX, "wget", "-q", "-O", "-", WEB_URL, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox wget " WEB_URL);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  g_assert_true (gw_log_says_since ("target web\\.corp\\.test port 80", gw_mark));
  g_assert_false (burrow_test_lan_dns_was_asked (world.lan, BURROW_TEST_LAN_WEB_NAME, mark));
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { BUSYBOX, "wget", "-q", "-O", "-", HOST_NAME_URL2,
                                            NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox wget " HOST_NAME_URL2);
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_HOST_BODY);
  g_assert_true (burrow_test_lan_dns_was_asked (world.lan, BURROW_TEST_LAN_HOST_NAME, mark));
}

/* DNS over TCP (resolv.conf's "options use-vc", in a mount namespace of
 * the program's own): the same synthetic answer.  The fake DNS speaks UDP
 * only, so without the redirect the lookup fails. */
static void
test_seccomp_dns_tcp (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *resolv = g_build_filename (world.dir, "resolv-use-vc.conf", NULL);
  g_autofree char *launcher = burrow_test_build_path ("broker", "capture", "burrow-capture",
                                                      NULL);
  g_autofree char *unshare = g_find_program_in_path ("unshare");
  g_auto(GStrv) env = capture_environment ();
  gsize mark = burrow_test_lan_dns_mark (world.lan);

  if (!have_static_busybox ())
    return;
  if (unshare == NULL)
    {
      g_test_skip ("unshare is not installed (package util-linux)");
      return;
    }
  g_assert_true (g_file_set_contents (resolv, "nameserver " BURROW_TEST_LAN_DNS_ADDRESS "\n"
                                      "options use-vc timeout:2 attempts:1\n", -1, NULL));
  use_rules (WEB_NAME_RULE);
  burrow_test_run_tool (&result, world.dir,
                        (const char *[]) { unshare, "-m", "sh", "-c",
                                           "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
                                           resolv, launcher, "-D", "2", BUSYBOX, "wget", "-q",
                                           "-O", "-", WEB_URL, NULL },
                        (const char * const *) env, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox wget " WEB_URL " (DNS over TCP)");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_DEST_BODY);
  burrow_test_assert_contains (result.err, "a DNS query over TCP");
  g_assert_false (burrow_test_lan_dns_was_asked (world.lan, BURROW_TEST_LAN_WEB_NAME, mark));
}

/* A resolver like musl's: an unconnected UDP socket, sendto() the
 * nameserver, and an answer taken only from the nameserver's address.
 * Blocking for the first name, with a timeout (non-blocking underneath)
 * for the second. */
static const char musl_like_script[] =
  "import random, signal, socket, struct, sys\n"
  "signal.alarm(20)\n"
  "server = [l.split()[1] for l in open('/etc/resolv.conf') if l.startswith('nameserver')][0]\n"
  "def lookup(name, timeout):\n"
  "    qid = random.randrange(65536)\n"
  "    labels = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.'))\n"
  "    query = struct.pack('>6H', qid, 0x0100, 1, 0, 0, 0) + labels + b'\\0\\0\\1\\0\\1'\n"
  "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
  "    s.bind(('0.0.0.0', 0))\n"
  "    s.settimeout(timeout)\n"
  "    s.sendto(query, (server, 53))\n"
  "    for _ in range(3):\n"
  "        answer, peer = s.recvfrom(4096)\n"
  "        if peer != (server, 53) or answer[:2] != query[:2]:\n"
  "            print(name, 'ignored an answer from', peer[0])\n"
  "            continue\n"
  "        count = struct.unpack('>H', answer[6:8])[0]\n"
  "        print(name, socket.inet_ntoa(answer[-4:]) if count else 'no address')\n"
  "        return\n"
  "for i, name in enumerate(sys.argv[1:]):\n"
  "    lookup(name, None if i == 0 else 5)\n";

static void
test_seccomp_dns_unconnected (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *names[] = { BURROW_TEST_LAN_WEB_NAME, BURROW_TEST_LAN_HOST_NAME };

  use_rules (WEB_NAME_RULE);
  run_plain (&result, (const char *[]) { PYTHON_PATH, "-c", musl_like_script, names[0],
                                         names[1], NULL });
  burrow_test_assert_tool_ok (&result, "python3 musl-like lookups, uncaptured");
  g_assert_cmpstr (result.out, ==, BURROW_TEST_LAN_WEB_NAME " no address\n"
                                   BURROW_TEST_LAN_HOST_NAME " " BURROW_TEST_LAN_HOST_ADDRESS
                                   "\n");
  burrow_test_tool_result_clear (&result);

  run_captured (&result, (const char *[]) { "--seccomp", PYTHON_PATH, "-c", musl_like_script,
                                            names[0], names[1], NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp python3 musl-like lookups");
  lines = g_strsplit (result.out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  /* 198.18.0.0/15: the broker's synthetic addresses. */
  g_assert_true (g_str_has_prefix (lines[0], BURROW_TEST_LAN_WEB_NAME " 198.18.")
                 || g_str_has_prefix (lines[0], BURROW_TEST_LAN_WEB_NAME " 198.19."));
  g_assert_cmpstr (lines[1], ==, BURROW_TEST_LAN_HOST_NAME " " BURROW_TEST_LAN_HOST_ADDRESS);
}

/* ---- seccomp: FTP ------------------------------------------------------------ */

/* busybox ftpget, passive (EPSV, or PASV should the server refuse it),
 * from DEST's FTP server by name: the control connection and the data
 * connection both go by the name's rule through GW, which alone resolves
 * the name (or, after PASV, by DEST's network rule to the address in the
 * reply).  Uncaptured, the name does not even resolve. */
static void
test_seccomp_ftpget (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *local = g_build_filename (world.dir, "ftpget.txt", NULL);
  g_autofree char *fetched = NULL;
  gsize gw_mark = gw_log_mark ();

  if (!have_static_busybox ())
    return;
  g_unlink (local);
  run_plain (&result, (const char *[]) { BUSYBOX, "ftpget", BURROW_TEST_LAN_WEB_NAME, local,
                                         BURROW_TEST_LAN_FTP_FILE, NULL });
  g_assert_cmpint (result.status, !=, 0);
  g_assert_false (g_file_test (local, G_FILE_TEST_EXISTS));
  burrow_test_tool_result_clear (&result);

  use_rules (WEB_NAME_RULE DEST_RULE);
  run_captured (&result, (const char *[]) { BUSYBOX, "ftpget", "-v", BURROW_TEST_LAN_WEB_NAME,
                                            local, BURROW_TEST_LAN_FTP_FILE, NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox ftpget " BURROW_TEST_LAN_WEB_NAME);
  g_assert_true (strstr (result.err, "cmd EPSV") != NULL || strstr (result.err, "cmd PASV") != NULL);
  g_assert_true (g_file_get_contents (local, &fetched, NULL, NULL));
  g_assert_cmpstr (fetched, ==, BURROW_TEST_LAN_FTP_BODY);
  /* The control connection, then the data connection on another port. */
  g_assert_true (gw_log_says_since ("target (web\\.corp\\.test|10\\.201\\.0\\.2) port 21\\b",
                                    gw_mark));
  g_assert_true (gw_log_says_since ("target (web\\.corp\\.test|10\\.201\\.0\\.2) "
                                    "port (?!21\\b|80\\b)[0-9]+", gw_mark));
}

/* Setuid programs lose their privileges under seccomp (no_new_privs); the
 * launcher says so. */
static void
test_seccomp_setuid_warning (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *copy = g_build_filename (world.dir, "busybox-setuid", NULL);
  g_autofree char *bytes = NULL;
  gsize length;

  if (!have_static_busybox ())
    return;
  g_assert_true (g_file_get_contents (BUSYBOX, &bytes, &length, NULL));
  g_assert_true (g_file_set_contents (copy, bytes, length, NULL));
  g_assert_cmpint (g_chmod (copy, 04755), ==, 0);

  run_captured (&result, (const char *[]) { "--seccomp", copy, "true", NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture --seccomp busybox-setuid true");
  burrow_test_assert_contains (result.err, "under --seccomp it runs without those privileges");
  burrow_test_tool_result_clear (&result);

  /* Chosen automatically, seccomp would take them too: LD_PRELOAD's
   * behaviour is kept instead (the program runs uncaptured), and said. */
  run_captured (&result, (const char *[]) { copy, "true", NULL });
  burrow_test_assert_tool_ok (&result, "burrow-capture busybox-setuid true");
  burrow_test_assert_contains (result.err, "it runs uncaptured");
  g_unlink (copy);
}

/* ---- main ----------------------------------------------------------------- */

static int
skip_all (const char *why)
{
  g_test_message ("skipped: %s", why);
  g_test_skip (why);
  return g_test_run ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *curl = NULL;
  gboolean isolated;
  int status;

  /* Before anything can start a thread: unshare(CLONE_NEWNS) needs that. */
  isolated = burrow_test_lan_isolate (&error);
  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  if (!isolated && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    return skip_all (error->message);
  g_assert_no_error (error);
  curl = g_find_program_in_path ("curl");
  if (curl == NULL)
    return skip_all ("curl is not installed");

  world.lan = burrow_test_lan_start (&error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return skip_all (error->message);
  g_assert_no_error (error);
  world.dir = g_build_filename (burrow_test_lan_get_dir (world.lan), "capture", NULL);
  g_mkdir_with_parents (world.dir, 0700);
  world.socket_path = g_build_filename (world.dir, "run", "burrow", "capture", NULL);
  start_broker ();

  g_test_add_func ("/capture-lan/topology", test_topology);
  g_test_add_func ("/capture-lan/name-tunnel", test_name_tunnel);
  g_test_add_func ("/capture-lan/address-tunnel", test_address_tunnel);
  g_test_add_func ("/capture-lan/ipv6-tunnel", test_ipv6_tunnel);
  g_test_add_func ("/capture-lan/ipv6-name-curl-6", test_ipv6_name_curl_6);
  g_test_add_func ("/capture-lan/telnet-hostname-from-app", test_telnet_hostname_from_app);
  g_test_add_func ("/capture-lan/telnet-rule-other-ports", test_telnet_rule_other_ports);
  g_test_add_func ("/capture-lan/direct-and-block", test_direct_and_block);
  g_test_add_func ("/capture-lan/seccomp/wget-address", test_seccomp_wget_address);
  g_test_add_func ("/capture-lan/seccomp/telnet", test_seccomp_telnet);
  g_test_add_func ("/capture-lan/seccomp/block", test_seccomp_block);
  g_test_add_func ("/capture-lan/seccomp/child", test_seccomp_child);
  g_test_add_func ("/capture-lan/seccomp/dynamic", test_seccomp_dynamic);
  g_test_add_func ("/capture-lan/seccomp/same-as-preload", test_seccomp_same_as_preload);
  g_test_add_func ("/capture-lan/seccomp/exit-mid-connect", test_seccomp_exit_mid_connect);
  g_test_add_func ("/capture-lan/seccomp/setuid-warning", test_seccomp_setuid_warning);
  g_test_add_func ("/capture-lan/seccomp/refused-calls", test_seccomp_refused_calls);
  g_test_add_func ("/capture-lan/seccomp/fast-open", test_seccomp_fast_open);
  g_test_add_func ("/capture-lan/seccomp/long-length", test_seccomp_long_length);
  g_test_add_func ("/capture-lan/seccomp/signals", test_seccomp_signals);
  g_test_add_func ("/capture-lan/seccomp/no-preload", test_seccomp_no_preload);
  g_test_add_func ("/capture-lan/seccomp/wget-name", test_seccomp_wget_name);
  g_test_add_func ("/capture-lan/seccomp/dns-tcp", test_seccomp_dns_tcp);
  g_test_add_func ("/capture-lan/seccomp/dns-unconnected", test_seccomp_dns_unconnected);
  g_test_add_func ("/capture-lan/seccomp/ftpget", test_seccomp_ftpget);
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  burrow_test_lan_stop (world.lan);
  g_free (world.dir);
  g_free (world.socket_path);
  return status;
}
