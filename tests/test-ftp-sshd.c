// SPDX-License-Identifier: GPL-3.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "burrow-test-broker.h"
#include "burrow-test-ftp.h"
#include "burrow-test-peer.h"
#include "burrow-test-ssh-tools.h"
#include "burrow-test-tool.h"
#include "burrow-test-sshd.h"

/* FTP tunnels through the broker and a real sshd on 127.0.0.1, to real FTP
 * servers (vsftpd, pyftpdlib) and a hostile one on 127.0.0.1, driven by
 * burrowctl and by real clients (curl, lftp) as a user would.  One broker
 * and one sshd for the whole file (one GTestDBus per process).
 *
 * Every transfer is checked three ways: the bytes (SHA-256), the FTP verb
 * the client really sent (curl -v, lftp -d: a mode that silently fell back
 * to another cannot pass), and the tunnel's counters (`burrowctl tunnels`
 * in/out grow by at least the file's size: the data went through the
 * tunnel, not around it). */

/* 8 in sanitizer builds (tests/meson.build), where 64 MiB through every
 * mode would take most of ./dev test's time: still many SSH windows. */
#ifndef BURROW_TEST_BIG_MIB
#define BURROW_TEST_BIG_MIB 64
#endif
#define BIG (BURROW_TEST_BIG_MIB * 1024 * 1024)
#define SMALL (1024 * 1024)
#define TOOL_TIMEOUT_S 180         /* one curl or lftp run, 64 MiB included */
#define HOSTILE_TIMEOUT_S 60       /* one client run against the hostile server */
#define IO_TIMEOUT_S 10            /* raw control sessions */
#define FOREIGN_ADDRESS "127.77.0.3"

typedef struct
{
  BurrowTestFtpKind kind;
  BurrowTestFtp *ftp;          /* NULL: not installed (skip) or failed to start */
  char *missing;               /* why ftp is NULL */
  guint16 tunnel_port;         /* its ad-hoc -L ftp/ tunnel, 0 until made */
} Server;

typedef struct
{
  BurrowTestSshd *sshd;
  BurrowTestBroker *broker;
  Server servers[2];           /* vsftpd, pyftpdlib */
  Server *main_server;         /* the profile's and the remote tunnels' server */
  char *scratch;               /* downloads and files to upload */
  char *big_source;
  char *small_source;
  char *big_hash;
  char *small_hash;
  guint16 profile_local_port;
  guint16 profile_remote_port;
  guint16 remote_port;         /* the ad-hoc -R ftp/ tunnel, 0 until made */
} World;

static World world;

/* Test data */

static void
write_pattern_file (const char *path,
                    gsize       size,
                    guint64     offset)
{
  g_autofree guint8 *data = g_malloc (size);
  g_autoptr(GError) error = NULL;

  burrow_test_peer_pattern (data, size, offset);
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  /* vsftpd serves anonymous users world-readable files only. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
}

static char *
file_sha256 (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  ssize_t n;

  if (fd < 0)
    return g_strdup ("(missing)");
  while ((n = read (fd, buffer, 64 * 1024)) > 0)
    g_checksum_update (checksum, buffer, n);
  close (fd);
  return g_strdup (g_checksum_get_string (checksum));
}

static void
assert_file_hash (const char *path,
                  const char *expected)
{
  g_autofree char *hash = file_sha256 (path);

  g_assert_cmpstr (hash, ==, expected);
}

static char *
scratch_path (const char *name)
{
  return g_build_filename (world.scratch, name, NULL);
}

/* Running clients: bounded in time, output kept in files (no pipe to fill) */

static void
run_tool (BurrowTestToolResult *result,
          const char * const   *argv,
          guint                 timeout_s)
{
  burrow_test_run_tool (result, world.scratch, argv, NULL, timeout_s);
}

static gboolean
tool_missing (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  if (path != NULL)
    return FALSE;
  g_test_skip_printf ("%s is not installed", name);
  return TRUE;
}

/* curl: -q first (no ~/.curlrc), verbose for the verbs sent. */

typedef struct
{
  const char *name;
  const char *flags[4];
  const char *verb;            /* a line of curl -v that must be there */
  const char *reply;           /* the reply to it must start so */
  const char *forbidden[3];    /* verbs that must not be sent */
} CurlMode;

static const CurlMode curl_modes[] = {
  { "pasv", { "--ftp-pasv", "--disable-epsv", NULL }, "> PASV", "< 227 Entering Passive Mode (127,0,0,1,",
    { "> EPSV", "> PORT", "> EPRT" } },
  { "epsv", { "--ftp-pasv", NULL }, "> EPSV", "< 229 ",
    { "> PASV", "> PORT", "> EPRT" } },
  { "port", { "--ftp-port", "127.0.0.1", "--disable-eprt", NULL }, "> PORT 127,0,0,1,", "< 200",
    { "> EPRT", "> PASV", "> EPSV" } },
  { "eprt", { "--ftp-port", "127.0.0.1", NULL }, "> EPRT |1|127.0.0.1|", "< 200",
    { "> PORT", "> PASV", "> EPSV" } },
};

static void
run_curl (BurrowTestToolResult         *result,
          const CurlMode     *mode,
          const char * const *args,
          guint               timeout_s)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *max_time = g_strdup_printf ("%u", timeout_s - 10);

  g_ptr_array_add (argv, (gpointer) "curl");
  g_ptr_array_add (argv, (gpointer) "-q");
  g_ptr_array_add (argv, (gpointer) "-v");
  g_ptr_array_add (argv, (gpointer) "-sS");
  g_ptr_array_add (argv, (gpointer) "--noproxy");
  g_ptr_array_add (argv, (gpointer) "*");
  g_ptr_array_add (argv, (gpointer) "--connect-timeout");
  g_ptr_array_add (argv, (gpointer) "10");
  g_ptr_array_add (argv, (gpointer) "--max-time");
  g_ptr_array_add (argv, max_time);
  g_ptr_array_add (argv, (gpointer) "-u");
  g_ptr_array_add (argv, (gpointer) "anonymous:burrow@");
  for (guint i = 0; mode != NULL && mode->flags[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) mode->flags[i]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  run_tool (result, (const char * const *) argv->pdata, timeout_s);
}

/* The verb went out, its reply was the expected kind, and no other mode's
 * verb was tried. */
static void
assert_curl_mode (const char     *verbose,
                  const CurlMode *mode)
{
  const char *sent = strstr (verbose, mode->verb);
  const char *reply;

  if (sent == NULL)
    g_test_message ("curl -v:\n%s", verbose);
  g_assert_nonnull (sent);
  reply = strstr (sent, "\n< ");
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply + 1, mode->reply));
  for (guint i = 0; i < G_N_ELEMENTS (mode->forbidden); i++)
    g_assert_null (strstr (verbose, mode->forbidden[i]));
}

/* lftp: --norc, -d for the protocol, and settings that make a failure end
 * the script (cmd:fail-exit) rather than retry for ever. */
static void
run_lftp (BurrowTestToolResult *result,
          guint16     port,
          const char *settings,
          const char *commands,
          guint       timeout_s)
{
  g_autofree char *script = g_strdup_printf (
    "set ftp:ssl-allow no; set ftp:prefer-epsv no; set net:max-retries 1; "
    "set net:timeout 20; set net:reconnect-interval-base 1; set net:connection-limit 1; "
    "set cmd:fail-exit yes; set xfer:clobber on; %s; "
    "open -u anonymous,burrow@ ftp://127.0.0.1:%u; %s",
    settings, port, commands);
  const char *argv[] = { "lftp", "--norc", "-d", "-c", script, NULL };

  run_tool (result, argv, timeout_s);
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint count = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    count++;
  return count;
}

/* burrowctl and the tunnels' counters */

static void
run_ctl (BurrowTestCtlResult *result,
         const char * const  *args)
{
  burrow_test_run_ctl (result, burrow_test_broker_get_address (world.broker), args);
}

static void
forward_detached (const char *option,
                  const char *spec)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *dest = g_strdup_printf ("%s@127.0.0.1:%u", g_get_user_name (),
                                           burrow_test_sshd_get_port (world.sshd));

  run_ctl (&result, (const char *[]) { "forward", "--detach", option, spec, dest, NULL });
  if (result.status != 0)
    g_test_message ("burrowctl forward %s %s: %s", option, spec, result.err);
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpint (result.status, ==, 0);
}

typedef struct
{
  guint64 in;
  guint64 out;
} Bytes;

/* The "in N  out M" of the tunnel listening on @listen_port to
 * 127.0.0.1:@dst_port in `burrowctl tunnels`. */
static gboolean
read_tunnel_bytes (guint16  listen_port,
                   guint16  dst_port,
                   Bytes   *bytes)
{
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *needle = g_strdup_printf (":%u → 127.0.0.1:%u  ", listen_port, dst_port);
  const char *line;
  const char *in;

  run_ctl (&result, (const char *[]) { "tunnels", NULL });
  if (result.status != 0 || (line = strstr (result.out, needle)) == NULL ||
      (in = strstr (line, "  in ")) == NULL)
    return FALSE;
  return sscanf (in, "  in %" G_GUINT64_FORMAT "  out %" G_GUINT64_FORMAT, &bytes->in,
                 &bytes->out) == 2;
}

static Bytes
tunnel_bytes (guint16 listen_port,
              guint16 dst_port)
{
  Bytes bytes = { 0, 0 };

  g_assert_true (read_tunnel_bytes (listen_port, dst_port, &bytes));
  return bytes;
}

/* Counters are published once a second: wait (5 s at most) until in and out
 * have grown by at least @in and @out since @before. */
static void
assert_bytes_grew (guint16      listen_port,
                   guint16      dst_port,
                   const Bytes *before,
                   guint64      in,
                   guint64      out)
{
  Bytes now = { 0, 0 };

  for (guint i = 0; i < 50; i++)
    {
      if (read_tunnel_bytes (listen_port, dst_port, &now) &&
          now.in >= before->in + in && now.out >= before->out + out)
        return;
      g_usleep (100 * 1000);
    }
  g_test_message ("tunnel :%u: in %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT
                  ", out %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT
                  "; expected growth of at least %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT,
                  listen_port, before->in, now.in, before->out, now.out, in, out);
  g_assert_cmpuint (now.in, >=, before->in + in);
  g_assert_cmpuint (now.out, >=, before->out + out);
}

/* Raw control sessions, for what no client will send */

static int
connect_to (const char *address,
            guint16     port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval timeout = { IO_TIMEOUT_S, 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (inet_pton (AF_INET, address, &sin.sin_addr), ==, 1);
  g_assert_true (g_str_has_prefix (address, "127."));
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* A listener on @address, port chosen by the kernel. */
static int
listen_on (const char *address,
           guint16    *port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t length = sizeof sin;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (inet_pton (AF_INET, address, &sin.sin_addr), ==, 1);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sin, sizeof sin), ==, 0);
  g_assert_cmpint (listen (fd, 8), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sin, &length), ==, 0);
  *port = ntohs (sin.sin_port);
  return fd;
}

/* One whole reply (multi-line ones to their "ddd " line); its code, or -1.
 * @text gets its last line. */
static int
read_reply (int      fd,
            GString *text)
{
  char code[4] = { 0 };

  for (guint i = 0; i < 256; i++)
    {
      if (!burrow_test_ftp_read_line (fd, text))
        return -1;
      if (code[0] == '\0')
        {
          if (text->len < 4 || !g_ascii_isdigit (text->str[0]))
            return -1;
          memcpy (code, text->str, 3);
        }
      if (text->len >= 4 && strncmp (text->str, code, 3) == 0 && text->str[3] == ' ')
        return atoi (code);
    }
  return -1;
}

static int
command (int         fd,
         GString    *text,
         const char *line)
{
  g_autofree char *with_end = g_strconcat (line, "\r\n", NULL);

  g_assert_cmpint (send (fd, with_end, strlen (with_end), MSG_NOSIGNAL), ==, strlen (with_end));
  return read_reply (fd, text);
}

static int
ftp_login (const char *address,
           guint16     port)
{
  g_autoptr(GString) text = g_string_new (NULL);
  int fd = connect_to (address, port);
  int code;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (read_reply (fd, text), ==, 220);
  code = command (fd, text, "USER anonymous");
  if (code == 331)
    code = command (fd, text, "PASS burrow@");
  g_assert_cmpint (code, ==, 230);
  return fd;
}

/* "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the address and port. */
static guint16
parse_227 (const char *reply,
           char      **address)
{
  const char *open = strchr (reply, '(');
  guint h[4], p[2];

  g_assert_nonnull (open);
  g_assert_cmpint (sscanf (open, "(%u,%u,%u,%u,%u,%u)", &h[0], &h[1], &h[2], &h[3], &p[0], &p[1]),
                   ==, 6);
  *address = g_strdup_printf ("%u.%u.%u.%u", h[0], h[1], h[2], h[3]);
  return (guint16) (p[0] << 8 | p[1]);
}

/* Whether a connection is waiting on listener @fd within @timeout_ms. */
static gboolean
has_connection (int  fd,
                int  timeout_ms)
{
  struct pollfd pfd = { fd, POLLIN, 0 };

  return poll (&pfd, 1, timeout_ms) > 0;
}

/* A listing over a data connection to @address:@port after PASV. */
static void
assert_pasv_listing (int         control,
                     const char *address,
                     guint16     port)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) listing = g_string_new (NULL);
  int data = connect_to (address, port);
  char buffer[4096];
  ssize_t n;
  int code;

  g_assert_cmpint (data, >=, 0);
  code = command (control, text, "NLST");
  g_assert_true (code == 150 || code == 125);
  while ((n = recv (data, buffer, sizeof buffer, 0)) > 0)
    g_string_append_len (listing, buffer, n);
  close (data);
  g_assert_nonnull (strstr (listing->str, "big.bin"));
  g_assert_cmpint (read_reply (control, text), ==, 226);
}

/* Servers and their ad-hoc tunnels */

static gboolean
server_missing (Server *server)
{
  if (server->ftp != NULL)
    return FALSE;
  if (server->missing != NULL)
    {
      g_test_skip (server->missing);
      return TRUE;
    }
  g_assert_nonnull (server->ftp);
  return TRUE;
}

static guint16
server_port (Server *server)
{
  return burrow_test_ftp_get_port (server->ftp);
}

/* Made by the first case that needs it, so that a broker refusing FTP
 * tunnels fails the cases, not the whole file. */
static guint16
local_tunnel (Server *server)
{
  if (server->tunnel_port == 0)
    {
      guint16 port = burrow_test_free_port ();
      g_autofree char *spec = g_strdup_printf ("ftp/%u:127.0.0.1:%u", port, server_port (server));

      forward_detached ("-L", spec);
      server->tunnel_port = port;
    }
  return server->tunnel_port;
}

/* Whether 127.0.0.1:@port greets like an FTP server (through a tunnel: the
 * server behind it). */
static gboolean
greets (guint16 port)
{
  g_autoptr(GString) text = g_string_new (NULL);
  int fd = connect_to ("127.0.0.1", port);
  gboolean greeted;

  if (fd < 0)
    return FALSE;
  greeted = read_reply (fd, text) == 220;
  send (fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
  close (fd);
  return greeted;
}

/* The listener of a remote tunnel is sshd's: it comes up once the server
 * agreed.  At most 100 tries and about 15 s (one try may wait for a
 * greeting for IO_TIMEOUT_S). */
static void
wait_greets (guint16 port)
{
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  gboolean up = FALSE;

  for (guint i = 0; i < 100 && !(up = greets (port)) && g_get_monotonic_time () < deadline; i++)
    g_usleep (50 * 1000);
  g_assert_true (up);
}

static guint16
remote_tunnel (void)
{
  if (world.remote_port == 0)
    {
      guint16 port = burrow_test_free_port ();
      g_autofree char *spec = g_strdup_printf ("ftp/%u:127.0.0.1:%u", port,
                                               server_port (world.main_server));

      forward_detached ("-R", spec);
      wait_greets (port);
      world.remote_port = port;
    }
  return world.remote_port;
}

/* The transfer matrix: curl in one mode through one tunnel.
 * @remote: the tunnel's far side is the client's (a remote tunnel), so a
 * download leaves the broker (out) and an upload comes in. */

static void
curl_download (Server         *server,
               const CurlMode *mode,
               guint16         port,
               gboolean        remote)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *url = g_strdup_printf ("ftp://127.0.0.1:%u/big.bin", port);
  g_autofree char *out = scratch_path ("download.bin");
  Bytes before = tunnel_bytes (port, server_port (server));

  run_curl (&result, mode, (const char *[]) { "-o", out, url, NULL }, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "curl download");
  assert_curl_mode (result.err, mode);
  assert_file_hash (out, world.big_hash);
  g_remove (out);
  assert_bytes_grew (port, server_port (server), &before, remote ? 0 : BIG, remote ? BIG : 0);
}

static void
curl_upload (Server         *server,
             const CurlMode *mode,
             guint16         port,
             gboolean        remote)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *name = g_strdup_printf ("curl-%s-%s.bin", mode->name, remote ? "remote" : "local");
  g_autofree char *url = g_strdup_printf ("ftp://127.0.0.1:%u/upload/%s", port, name);
  g_autofree char *landed = g_build_filename (burrow_test_ftp_get_upload_dir (server->ftp), name,
                                              NULL);
  Bytes before = tunnel_bytes (port, server_port (server));

  run_curl (&result, mode, (const char *[]) { "-T", world.big_source, url, NULL }, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "curl upload");
  assert_curl_mode (result.err, mode);
  assert_file_hash (landed, world.big_hash);
  g_remove (landed);
  assert_bytes_grew (port, server_port (server), &before, remote ? BIG : 0, remote ? 0 : BIG);
}

static void
curl_listing (const CurlMode *mode,
              guint16         port)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *url = g_strdup_printf ("ftp://127.0.0.1:%u/", port);

  run_curl (&result, mode, (const char *[]) { url, NULL }, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "curl listing");
  assert_curl_mode (result.err, mode);
  g_assert_nonnull (strstr (result.out, "big.bin"));
  g_assert_nonnull (strstr (result.out, "small.bin"));
  g_assert_nonnull (strstr (result.out, "upload"));
}

typedef struct
{
  Server *server;
  const CurlMode *mode;
} CurlCase;

static void
test_local_curl (gconstpointer data)
{
  const CurlCase *c = data;
  guint16 port;

  if (server_missing (c->server) || tool_missing ("curl"))
    return;
  port = local_tunnel (c->server);
  curl_download (c->server, c->mode, port, FALSE);
  curl_upload (c->server, c->mode, port, FALSE);
  curl_listing (c->mode, port);
}

/* -R ftp/: the listener is on the SSH server's side, the FTP server is
 * reached from the broker's; passive data listeners are then sshd's, active
 * ones the broker's. */
static void
test_remote_curl (gconstpointer data)
{
  const CurlMode *mode = data;
  guint16 port;

  if (server_missing (world.main_server) || tool_missing ("curl"))
    return;
  port = remote_tunnel ();
  curl_download (world.main_server, mode, port, TRUE);
  curl_upload (world.main_server, mode, port, TRUE);
  curl_listing (mode, port);
}

/* lftp: several transfers, both ways, and a listing in one control
 * session. */

typedef struct
{
  Server *server;
  gboolean passive;
} LftpCase;

static void
test_local_lftp (gconstpointer data)
{
  const LftpCase *c = data;
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *name = g_strdup_printf ("lftp-%s.bin", c->passive ? "passive" : "active");
  g_autofree char *landed = NULL;
  g_autofree char *out1 = scratch_path ("lftp-1.bin");
  g_autofree char *out2 = scratch_path ("lftp-2.bin");
  g_autofree char *out3 = scratch_path ("lftp-3.bin");
  g_autofree char *commands = NULL;
  g_autofree char *control = NULL;
  guint16 port;
  Bytes before;

  if (server_missing (c->server) || tool_missing ("lftp"))
    return;
  port = local_tunnel (c->server);
  landed = g_build_filename (burrow_test_ftp_get_upload_dir (c->server->ftp), name, NULL);
  commands = g_strdup_printf ("get big.bin -o \"%s\"; get small.bin -o \"%s\"; cls -l; "
                              "put \"%s\" -o upload/%s; get small.bin -o \"%s\"",
                              out1, out2, world.big_source, name, out3);
  before = tunnel_bytes (port, server_port (c->server));
  run_lftp (&result, port, c->passive ? "set ftp:passive-mode on" : "set ftp:passive-mode off",
            commands, TOOL_TIMEOUT_S);
  burrow_test_assert_tool_ok (&result, "lftp");

  assert_file_hash (out1, world.big_hash);
  assert_file_hash (out2, world.small_hash);
  assert_file_hash (out3, world.small_hash);
  assert_file_hash (landed, world.big_hash);
  g_assert_nonnull (strstr (result.out, "big.bin"));
  g_remove (out1);
  g_remove (out2);
  g_remove (out3);
  g_remove (landed);

  /* One control connection carried it all; every data connection was of
   * the mode asked for. */
  control = g_strdup_printf ("---- Connecting to 127.0.0.1 (127.0.0.1) port %u\n", port);
  g_assert_cmpuint (count_occurrences (result.err, control), ==, 1);
  g_assert_cmpuint (count_occurrences (result.err, "---> RETR "), ==, 3);
  g_assert_cmpuint (count_occurrences (result.err, "---> STOR "), ==, 1);
  /* cls: LIST, or MLSD where the server offers it (pyftpdlib). */
  g_assert_cmpuint (count_occurrences (result.err, "---> LIST") +
                    count_occurrences (result.err, "---> MLSD"), ==, 1);
  if (c->passive)
    {
      g_assert_cmpuint (count_occurrences (result.err, "---> PASV") +
                        count_occurrences (result.err, "---> EPSV"), >=, 5);
      g_assert_null (strstr (result.err, "---> PORT"));
      g_assert_null (strstr (result.err, "---> EPRT"));
    }
  else
    {
      g_assert_cmpuint (count_occurrences (result.err, "---> PORT 127,0,0,1,") +
                        count_occurrences (result.err, "---> EPRT |1|127.0.0.1|"), >=, 5);
      g_assert_null (strstr (result.err, "---> PASV"));
      g_assert_null (strstr (result.err, "---> EPSV"));
    }
  assert_bytes_grew (port, server_port (c->server), &before, BIG + 2 * SMALL, BIG);
}

/* PORT and EPRT may name only the client's own address and a port of 1024
 * or more.  A raw control session through the tunnel tries the others; the
 * broker answers 501 itself and forwards nothing, and a listener on the
 * foreign address they name sees no connection.  The session stays usable. */
static void
test_port_foreign_refused (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *address = NULL;
  g_autofree char *port_cmd = NULL;
  g_autofree char *eprt_cmd = NULL;
  g_autofree char *eprt6_cmd = NULL;
  guint16 trap_port;
  guint16 data_port;
  int trap;
  int fd;

  if (server_missing (world.main_server))
    return;
  fd = ftp_login ("127.0.0.1", local_tunnel (world.main_server));
  trap = listen_on (FOREIGN_ADDRESS, &trap_port);
  port_cmd = g_strdup_printf ("PORT 127,77,0,3,%u,%u", trap_port >> 8, trap_port & 0xff);
  eprt_cmd = g_strdup_printf ("EPRT |1|" FOREIGN_ADDRESS "|%u|", trap_port);
  eprt6_cmd = g_strdup_printf ("EPRT |2|::1|%u|", trap_port);

  g_assert_cmpint (command (fd, text, port_cmd), ==, 501);
  g_assert_cmpint (command (fd, text, eprt_cmd), ==, 501);
  /* The client's own address, as a different family: not its address. */
  g_assert_cmpint (command (fd, text, eprt6_cmd), ==, 501);
  /* Its own address, a privileged port. */
  g_assert_cmpint (command (fd, text, "PORT 127,0,0,1,0,21"), ==, 501);
  g_assert_cmpint (command (fd, text, "EPRT |1|127.0.0.1|80|"), ==, 501);
  g_assert_false (has_connection (trap, 1000));
  close (trap);

  g_assert_cmpint (command (fd, text, "PASV"), ==, 227);
  data_port = parse_227 (text->str, &address);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  assert_pasv_listing (fd, address, data_port);
  command (fd, text, "QUIT");
  close (fd);
}

/* The same with curl: it listens on the foreign address and names it;
 * both its EPRT and its fallback PORT are refused and it gives up. */
static void
test_curl_port_foreign_refused (void)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *url = NULL;

  if (server_missing (world.main_server) || tool_missing ("curl"))
    return;
  url = g_strdup_printf ("ftp://127.0.0.1:%u/small.bin", local_tunnel (world.main_server));
  run_curl (&result, NULL, (const char *[]) { "--ftp-port", FOREIGN_ADDRESS, "-o", "/dev/null",
                                              url, NULL }, HOSTILE_TIMEOUT_S);
  g_assert_false (result.timed_out);
  g_assert_cmpint (result.status, !=, 0);
  g_assert_nonnull (strstr (result.err, "> EPRT |1|" FOREIGN_ADDRESS "|"));
  g_assert_nonnull (strstr (result.err, "< 501"));
  g_assert_null (strstr (result.err, "< 150"));
  g_assert_null (strstr (result.err, "< 125"));
}

/* The profile's FTP tunnels.  Without allow-relay (the default) the local
 * one listens on 127.0.0.1 only: 127.0.0.1 gets the server's greeting,
 * 127.0.0.2 (another loopback address, the nearest thing to "another host"
 * here) is refused.  Its passive data listeners follow the control
 * listener: the 227 names 127.0.0.1, and the data port, like the control
 * port, refuses 127.0.0.2 and serves 127.0.0.1. */
static void
test_profile_local (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_auto(BurrowTestCtlResult) result = { 0 };
  g_autofree char *address = NULL;
  guint16 data_port;
  int fd;

  if (server_missing (world.main_server))
    return;
  run_ctl (&result, (const char *[]) { "connect", "lab", NULL });
  g_assert_cmpstr (result.err, ==, "");
  g_assert_cmpint (result.status, ==, 0);

  g_assert_true (greets (world.profile_local_port));
  g_assert_cmpint (connect_to ("127.0.0.2", world.profile_local_port), ==, -1);

  fd = ftp_login ("127.0.0.1", world.profile_local_port);
  g_assert_cmpint (command (fd, text, "PASV"), ==, 227);
  data_port = parse_227 (text->str, &address);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpint (connect_to ("127.0.0.2", data_port), ==, -1);
  assert_pasv_listing (fd, address, data_port);
  command (fd, text, "QUIT");
  close (fd);

  if (tool_missing ("curl"))
    return;
  curl_download (world.main_server, &curl_modes[1], world.profile_local_port, FALSE);
}

static void
test_profile_remote (void)
{
  g_auto(BurrowTestCtlResult) result = { 0 };

  if (server_missing (world.main_server) || tool_missing ("curl"))
    return;
  run_ctl (&result, (const char *[]) { "connect", "lab", NULL });
  g_assert_cmpint (result.status, ==, 0);
  wait_greets (world.profile_remote_port);
  curl_listing (&curl_modes[0], world.profile_remote_port);
  curl_download (world.main_server, &curl_modes[0], world.profile_remote_port, TRUE);
}

/* A connection to @address:@port from @source (a second loopback address,
 * as another local user's program could use). */
static int
connect_from (const char *source,
              const char *address,
              guint16     port)
{
  struct sockaddr_in from = { .sin_family = AF_INET };
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval timeout = { IO_TIMEOUT_S, 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_true (g_str_has_prefix (source, "127.") && g_str_has_prefix (address, "127."));
  g_assert_cmpint (inet_pton (AF_INET, source, &from.sin_addr), ==, 1);
  g_assert_cmpint (inet_pton (AF_INET, address, &to.sin_addr), ==, 1);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &from, sizeof from), ==, 0);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &to, sizeof to) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* Whether the other end closed @fd without sending anything. */
static gboolean
closed_at_once (int fd)
{
  char byte;

  return recv (fd, &byte, 1, 0) == 0;
}

/* A passive data forward takes one connection, and only from the FTP
 * client's own address: another local program that races the client to
 * the port is turned away (and the client still gets its listing), and
 * once used the port is closed. */
static void
test_data_forward_one_shot (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *address = NULL;
  guint16 tunnel, data_port;
  int control, stranger;

  if (server_missing (world.main_server))
    return;
  tunnel = local_tunnel (world.main_server);
  control = ftp_login ("127.0.0.1", tunnel);
  g_assert_cmpint (command (control, text, "PASV"), ==, 227);
  data_port = parse_227 (text->str, &address);
  g_assert_cmpstr (address, ==, "127.0.0.1");

  stranger = connect_from ("127.0.0.9", "127.0.0.1", data_port);
  g_assert_cmpint (stranger, >=, 0);
  g_assert_true (closed_at_once (stranger));
  close (stranger);

  assert_pasv_listing (control, address, data_port);
  g_assert_cmpint (connect_to ("127.0.0.1", data_port), ==, -1);
  command (control, text, "QUIT");
  close (control);
}

/* At most 4 data forwards wait at a time; one nobody uses stops after 30 s
 * and frees its place.  (31 s of waiting: meson runs other tests
 * meanwhile.)  vsftpd, because pyftpdlib gives up on a passive data
 * channel after 30 s itself and closes the session. */
static void
test_data_forward_expiry (void)
{
  Server *vsftpd = &world.servers[0];
  g_autoptr(GString) text = g_string_new (NULL);
  guint16 ports[4];
  guint16 tunnel;
  int control;

  if (server_missing (vsftpd))
    return;
  tunnel = local_tunnel (vsftpd);
  control = ftp_login ("127.0.0.1", tunnel);
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    {
      g_autofree char *address = NULL;

      g_assert_cmpint (command (control, text, "PASV"), ==, 227);
      ports[i] = parse_227 (text->str, &address);
    }
  g_assert_cmpint (command (control, text, "PASV"), ==, 425);
  g_assert_nonnull (strstr (text->str, "too many data connections pending"));

  g_usleep (31 * G_USEC_PER_SEC);
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    g_assert_cmpint (connect_to ("127.0.0.1", ports[i]), ==, -1);
  g_assert_cmpint (command (control, text, "PASV"), ==, 227);
  command (control, text, "QUIT");
  close (control);
}

/* A tunnel reached at another address than 127.0.0.1 (here it listens on
 * 127.0.0.5, as an allow-relay tunnel reached over the network would be)
 * names that address in its 227, listens there for the data connection,
 * and takes it only from the client. */
static void
test_reply_names_reached_address (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *address = NULL;
  g_autofree char *spec = NULL;
  guint16 tunnel = burrow_test_free_port ();
  guint16 data_port;
  int control, stranger;

  if (server_missing (world.main_server))
    return;
  spec = g_strdup_printf ("ftp/127.0.0.5:%u:127.0.0.1:%u", tunnel,
                          server_port (world.main_server));
  forward_detached ("-L", spec);
  g_assert_cmpint (connect_to ("127.0.0.1", tunnel), ==, -1);

  control = connect_from ("127.0.0.6", "127.0.0.5", tunnel);
  g_assert_cmpint (control, >=, 0);
  close (control);
  control = ftp_login ("127.0.0.5", tunnel);
  g_assert_cmpint (command (control, text, "PASV"), ==, 227);
  data_port = parse_227 (text->str, &address);
  g_assert_cmpstr (address, ==, "127.0.0.5");
  g_assert_cmpint (connect_to ("127.0.0.1", data_port), ==, -1);
  stranger = connect_from ("127.0.0.9", "127.0.0.5", data_port);
  g_assert_cmpint (stranger, >=, 0);
  g_assert_true (closed_at_once (stranger));
  close (stranger);
  assert_pasv_listing (control, address, data_port);
  command (control, text, "QUIT");
  close (control);
}

/* The hostile server (tests/ftp/hostile-ftp-server.py).  Its 227s name
 * 127.77.0.9 while its data listener is on 127.0.0.1 at the same port; a
 * trap listens on 127.77.0.9 and counts.  The clients are told to trust
 * the address in a 227 (curl --no-ftp-skip-pasv-ip; lftp cannot be: it
 * "fixes" any 127.x address but 127.0.0.1), so a tunnel that let a
 * server-chosen address through would send them into the trap.
 *
 * Each client must end by itself (no hang in the tunnel), succeed with the
 * right bytes where the case says the tunnel copes, and never reach the
 * trap; the broker must survive. */

typedef struct
{
  const char *behaviours[3];
  gboolean must_work;          /* FALSE: the client may fail, cleanly */
} HostileCase;

/* The last two may fail the transfer (the tunnel answers a multi-line 227
 * to PASV with a 425, and a 227 that answers no PASV reaches the client
 * without its address, so a client one reply behind is lost), but the
 * trap must stay at 0: before the tunnel did that, curl followed both
 * into the trap. */
static const HostileCase hostile_cases[] = {
  { { NULL }, TRUE },                              /* foreign-227 */
  { { "split", NULL }, TRUE },
  { { "banner", NULL }, TRUE },
  { { "split", "banner", NULL }, TRUE },
  { { "pasv-to-other", NULL }, TRUE },
  { { "multiline-pasv", NULL }, FALSE },
  { { "unsolicited", NULL }, FALSE },
};

static void
check_hostile_run (BurrowTestToolResult *result,
                   const char *what,
                   gboolean    must_work,
                   const char *out)
{
  gsize length = strlen (result->err);

  g_test_message ("%s: exit %d", what, result->status);
  if (result->status != 0)
    g_test_message ("%s", result->err + (length > 2048 ? length - 2048 : 0));
  g_assert_false (result->timed_out);
  /* curl's own timeout: the tunnel held something for ever. */
  g_assert_cmpint (result->status, !=, 28);
  if (must_work)
    burrow_test_assert_tool_ok (result, what);
  if (result->status == 0 && out != NULL)
    assert_file_hash (out, world.small_hash);
  if (out != NULL)
    g_remove (out);
}

static void
hostile_curl (BurrowTestFtp  *ftp,
              const CurlMode *mode,
              guint16         port,
              gboolean        must_work)
{
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *url = g_strdup_printf ("ftp://127.0.0.1:%u/small.bin", port);
  g_autofree char *out = scratch_path ("hostile.bin");
  g_autofree char *what = g_strdup_printf ("curl %s", mode->name);
  Bytes before = tunnel_bytes (port, burrow_test_ftp_get_port (ftp));

  run_curl (&result, mode, (const char *[]) { "--no-ftp-skip-pasv-ip", "-o", out, url, NULL },
            HOSTILE_TIMEOUT_S);
  check_hostile_run (&result, what, must_work, out);
  if (must_work)
    {
      assert_curl_mode (result.err, mode);
      assert_bytes_grew (port, burrow_test_ftp_get_port (ftp), &before, SMALL, 0);
    }
}

static void
test_hostile (gconstpointer data)
{
  const HostileCase *c = data;
  g_autoptr(BurrowTestFtp) ftp = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(BurrowTestToolResult) listing = { 0 };
  g_autofree char *served = scratch_path ("small.bin");
  g_autofree char *spec = NULL;
  g_autofree char *url = NULL;
  g_autofree char *lftp = g_find_program_in_path ("lftp");
  guint32 broker_pid;
  guint16 port = burrow_test_free_port ();

  if (tool_missing ("curl"))
    return;
  ftp = burrow_test_ftp_start_hostile (c->behaviours, served, &error);
  g_assert_no_error (error);
  spec = g_strdup_printf ("ftp/%u:127.0.0.1:%u", port, burrow_test_ftp_get_port (ftp));
  forward_detached ("-L", spec);
  broker_pid = burrow_test_broker_get_pid (world.broker);

  hostile_curl (ftp, &curl_modes[0], port, c->must_work);
  hostile_curl (ftp, &curl_modes[1], port, c->must_work);
  url = g_strdup_printf ("ftp://127.0.0.1:%u/", port);
  run_curl (&listing, &curl_modes[0], (const char *[]) { "--no-ftp-skip-pasv-ip", url, NULL },
            HOSTILE_TIMEOUT_S);
  check_hostile_run (&listing, "curl listing", c->must_work, NULL);
  if (listing.status == 0)
    g_assert_nonnull (strstr (listing.out, "small.bin"));

  if (lftp != NULL)
    {
      g_auto(BurrowTestToolResult) result = { 0 };
      g_autofree char *out = scratch_path ("hostile-lftp.bin");
      g_autofree char *commands = g_strdup_printf ("get small.bin -o \"%s\"; cls -l", out);

      run_lftp (&result, port, "set ftp:passive-mode on; set ftp:fix-pasv-address no; "
                "set net:timeout 10", commands, HOSTILE_TIMEOUT_S);
      /* A stall long enough for lftp's own timeout is not a clean end. */
      if (c->must_work)
        g_assert_null (strstr (result.err, "Timeout - reconnecting"));
      check_hostile_run (&result, "lftp", c->must_work, out);
    }

  /* The trap writes its count as it accepts: give a late one time. */
  g_usleep (500 * 1000);
  g_assert_cmpuint (burrow_test_ftp_get_trap_count (ftp), ==, 0);
  g_assert_cmpuint (burrow_test_broker_get_pid (world.broker), ==, broker_pid);
}

/* The control experiment for the trap: a client that trusts the 227's
 * address, straight to the hostile server with no tunnel, lands in it.  So
 * a count of 0 above means the tunnel kept it out, not that the trap was
 * deaf. */
static void
test_hostile_trap_catches (void)
{
  g_autoptr(BurrowTestFtp) ftp = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(BurrowTestToolResult) result = { 0 };
  g_autofree char *served = scratch_path ("small.bin");
  g_autofree char *url = NULL;
  guint count = 0;

  if (tool_missing ("curl"))
    return;
  ftp = burrow_test_ftp_start_hostile (NULL, served, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("ftp://127.0.0.1:%u/small.bin", burrow_test_ftp_get_port (ftp));
  run_curl (&result, &curl_modes[0], (const char *[]) { "--no-ftp-skip-pasv-ip", "-o",
                                                        "/dev/null", url, NULL },
            HOSTILE_TIMEOUT_S);
  g_assert_false (result.timed_out);
  g_assert_nonnull (strstr (result.err, "127.77.0.9"));
  for (guint i = 0; i < 40 && (count = burrow_test_ftp_get_trap_count (ftp)) == 0; i++)
    g_usleep (50 * 1000);
  g_assert_cmpuint (count, >=, 1);
}

/* Set-up */

static char *
profile_config (void)
{
  guint16 dst = server_port (world.main_server);

  return g_strdup_printf (
    "<secsh-broker>\n"
    "  <general>\n"
    "    <host-key-policy policy=\"strict\"/>\n"
    "    <known-hosts path=\"%s\"/>\n"
    "  </general>\n"
    "  <profiles>\n"
    "    <profile id=\"lab\" host=\"127.0.0.1\" port=\"%u\" user=\"%s\">\n"
    "      <identity-file path=\"%s\"/>\n"
    "      <tunnels>\n"
    "        <local-tunnel type=\"FTP\" listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
    "        <remote-tunnel type=\"FTP\" listen-port=\"%u\" dst-host=\"127.0.0.1\" dst-port=\"%u\"/>\n"
    "      </tunnels>\n"
    "    </profile>\n"
    "  </profiles>\n"
    "</secsh-broker>\n",
    burrow_test_sshd_get_known_hosts (world.sshd), burrow_test_sshd_get_port (world.sshd),
    g_get_user_name (), burrow_test_sshd_get_client_key (world.sshd),
    world.profile_local_port, dst, world.profile_remote_port, dst);
}

static void
start_server (Server            *server,
              BurrowTestFtpKind  kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *big = NULL;
  g_autofree char *small = NULL;

  server->kind = kind;
  server->ftp = burrow_test_ftp_start (kind, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      server->missing = g_strdup (error->message);
      return;
    }
  /* A server that is installed and does not start is a failure. */
  g_assert_no_error (error);
  big = g_build_filename (burrow_test_ftp_get_root (server->ftp), "big.bin", NULL);
  small = g_build_filename (burrow_test_ftp_get_root (server->ftp), "small.bin", NULL);
  g_assert_cmpint (link (world.big_source, big), ==, 0);
  g_assert_cmpint (link (world.small_source, small), ==, 0);
}

static void
stop_server (Server *server)
{
  g_clear_pointer (&server->ftp, burrow_test_ftp_stop);
  g_clear_pointer (&server->missing, g_free);
}

static void
make_test_data (void)
{
  g_autoptr(GError) error = NULL;

  world.scratch = g_dir_make_tmp ("burrow-test-ftp-data-XXXXXX", &error);
  g_assert_no_error (error);
  /* The servers' roots get hard links: the same inode, so the files must
   * be readable by vsftpd's anonymous user, and so must the way to them
   * (a link does not need the way, but keep it simple and open). */
  g_assert_cmpint (g_chmod (world.scratch, 0755), ==, 0);
  world.big_source = scratch_path ("big.bin");
  world.small_source = scratch_path ("small.bin");
  write_pattern_file (world.big_source, BIG, 0);
  write_pattern_file (world.small_source, SMALL, 12345);
  world.big_hash = file_sha256 (world.big_source);
  world.small_hash = file_sha256 (world.small_source);
}

static void
add_cases (void)
{
  static CurlCase curl_cases[2][G_N_ELEMENTS (curl_modes)];
  static LftpCase lftp_cases[2][2];

  for (guint s = 0; s < 2; s++)
    {
      Server *server = &world.servers[s];
      const char *name = server->kind == BURROW_TEST_FTP_VSFTPD ? "vsftpd" : "pyftpdlib";

      for (guint m = 0; m < G_N_ELEMENTS (curl_modes); m++)
        {
          g_autofree char *path = g_strdup_printf ("/broker/ftp/local/%s/curl-%s-64mib", name,
                                                   curl_modes[m].name);

          curl_cases[s][m] = (CurlCase) { server, &curl_modes[m] };
          g_test_add_data_func (path, &curl_cases[s][m], test_local_curl);
        }
      for (guint p = 0; p < 2; p++)
        {
          g_autofree char *path = g_strdup_printf ("/broker/ftp/local/%s/lftp-%s-one-session",
                                                   name, p ? "passive" : "active");

          lftp_cases[s][p] = (LftpCase) { server, p };
          g_test_add_data_func (path, &lftp_cases[s][p], test_local_lftp);
        }
    }
  for (guint m = 0; m < G_N_ELEMENTS (curl_modes); m++)
    {
      g_autofree char *path = g_strdup_printf ("/broker/ftp/remote/curl-%s-64mib",
                                               curl_modes[m].name);

      g_test_add_data_func (path, &curl_modes[m], test_remote_curl);
    }
  g_test_add_func ("/broker/ftp/port-foreign-address-refused", test_port_foreign_refused);
  g_test_add_func ("/broker/ftp/curl-port-foreign-address-refused",
                   test_curl_port_foreign_refused);
  g_test_add_func ("/broker/ftp/data-forward-one-shot", test_data_forward_one_shot);
  g_test_add_func ("/broker/ftp/reply-names-reached-address", test_reply_names_reached_address);
  g_test_add_func ("/broker/ftp/data-forward-expiry", test_data_forward_expiry);
  g_test_add_func ("/broker/ftp/profile/local-loopback-only", test_profile_local);
  g_test_add_func ("/broker/ftp/profile/remote", test_profile_remote);
  g_test_add_func ("/broker/ftp/hostile/trap-catches-trusting-client", test_hostile_trap_catches);
  for (guint i = 0; i < G_N_ELEMENTS (hostile_cases); i++)
    {
      const HostileCase *c = &hostile_cases[i];
      g_autofree char *joined = g_strjoinv ("+", (char **) c->behaviours);
      g_autofree char *path = g_strdup_printf ("/broker/ftp/hostile/%s",
                                               *joined != '\0' ? joined : "foreign-227");

      g_test_add_data_func (path, c, test_hostile);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  signal (SIGPIPE, SIG_IGN);
  world.sshd = burrow_test_sshd_start_or_skip ();
  if (world.sshd == NULL)
    return g_test_run ();
  /* Never the real ~: curl, lftp and the broker all read it. */
  burrow_test_sshd_use_home (world.sshd);

  make_test_data ();
  start_server (&world.servers[0], BURROW_TEST_FTP_VSFTPD);
  start_server (&world.servers[1], BURROW_TEST_FTP_PYFTPDLIB);
  /* pyftpdlib runs as any user; vsftpd is the fallback. */
  world.main_server = world.servers[1].ftp != NULL ? &world.servers[1] : &world.servers[0];

  world.broker = burrow_test_broker_new (TRUE);
  world.profile_local_port = burrow_test_free_port ();
  world.profile_remote_port = burrow_test_free_port ();
  if (world.main_server->ftp != NULL)
    {
      config = profile_config ();
      burrow_test_broker_write_user (world.broker, config);
    }

  add_cases ();
  status = g_test_run ();

  burrow_test_broker_stop_daemon (world.broker);
  burrow_test_broker_free (world.broker);
  stop_server (&world.servers[0]);
  stop_server (&world.servers[1]);
  burrow_test_sshd_stop (world.sshd);
  burrow_test_remove_tree (world.scratch);
  g_free (world.scratch);
  g_free (world.big_source);
  g_free (world.small_source);
  g_free (world.big_hash);
  g_free (world.small_hash);
  return status;
}
