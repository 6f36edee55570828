// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-test-peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
#define IO_TIMEOUT_SECONDS 30

struct _BurrowTestPeer
{
  int listen_fd;
  int wake[2];
  guint16 port;
  GThread *thread;
};

/* xorshift: cheap, and any offset can be produced. */
void
burrow_test_peer_pattern (guint8 *buffer,
                          gsize   len,
                          guint64 offset)
{
  for (gsize i = 0; i < len; i++)
    {
      guint64 x = (offset + i) / 8 + 0x9E3779B97F4A7C15ull;

      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      buffer[i] = (guint8) (x >> (((offset + i) % 8) * 8));
    }
}

char *
burrow_test_peer_pattern_hash (guint64 size)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (CHUNK);

  for (guint64 done = 0; done < size;)
    {
      gsize n = MIN (CHUNK, size - done);

      burrow_test_peer_pattern (buffer, n, done);
      g_checksum_update (checksum, buffer, n);
      done += n;
    }
  return g_strdup (g_checksum_get_string (checksum));
}

static void
set_timeouts (int fd)
{
  struct timeval tv = { IO_TIMEOUT_SECONDS, 0 };

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
read_exact (int     fd,
            guint8 *data,
            gsize   len)
{
  while (len > 0)
    {
      ssize_t n = recv (fd, data, len, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static void
serve_upload (int fd)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (CHUNK);
  ssize_t n;

  while ((n = recv (fd, buffer, CHUNK, 0)) > 0)
    g_checksum_update (checksum, buffer, n);
  if (n == 0)
    write_all (fd, (const guint8 *) g_checksum_get_string (checksum), 64);
}

static void
serve_download (int fd)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK);
  guint8 length[8];
  guint64 size = 0;

  if (!read_exact (fd, length, sizeof length))
    return;
  for (guint i = 0; i < 8; i++)
    size = size << 8 | length[i];
  for (guint64 done = 0; done < size;)
    {
      gsize n = MIN (CHUNK, size - done);

      burrow_test_peer_pattern (buffer, n, done);
      if (!write_all (fd, buffer, n))
        return;
      done += n;
    }
}

static void
serve_echo (int fd)
{
  guint8 buffer[4096];
  ssize_t n;

  while ((n = recv (fd, buffer, sizeof buffer, 0)) > 0)
    if (!write_all (fd, buffer, n))
      return;
}

static gpointer
serve_connection (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  guint8 mode;

  set_timeouts (fd);
  if (read_exact (fd, &mode, 1))
    {
      if (mode == 'U')
        serve_upload (fd);
      else if (mode == 'D')
        serve_download (fd);
      else if (mode == 'E')
        serve_echo (fd);
    }
  close (fd);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  BurrowTestPeer *self = data;
  struct pollfd fds[2] = { { self->listen_fd, POLLIN, 0 }, { self->wake[0], POLLIN, 0 } };

  while (poll (fds, 2, -1) >= 0 && !(fds[1].revents & POLLIN))
    {
      int fd = accept (self->listen_fd, NULL, NULL);

      if (fd >= 0)
        g_thread_unref (g_thread_new ("peer", serve_connection, GINT_TO_POINTER (fd)));
    }
  return NULL;
}

int
burrow_test_listen_loopback (guint16 port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &address, sizeof address) != 0 || listen (fd, 1024) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

guint16
burrow_test_local_port (int fd)
{
  struct sockaddr_in address;
  socklen_t len = sizeof address;

  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &address, &len), ==, 0);
  return ntohs (address.sin_port);
}

/* A listener on a port of its own choosing. */
static int
listen_anywhere (void)
{
  int fd = burrow_test_listen_loopback (0);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

BurrowTestPeer *
burrow_test_peer_start (void)
{
  BurrowTestPeer *self = g_new0 (BurrowTestPeer, 1);

  self->listen_fd = listen_anywhere ();
  self->port = burrow_test_local_port (self->listen_fd);
  g_assert_cmpint (pipe (self->wake), ==, 0);
  self->thread = g_thread_new ("peer-accept", accept_loop, self);
  return self;
}

guint16
burrow_test_peer_port (BurrowTestPeer *self)
{
  return self->port;
}

void
burrow_test_peer_stop (BurrowTestPeer *self)
{
  if (self == NULL)
    return;
  g_assert_cmpint (write (self->wake[1], "x", 1), ==, 1);
  g_thread_join (self->thread);
  close (self->listen_fd);
  close (self->wake[0]);
  close (self->wake[1]);
  g_free (self);
}

guint16
burrow_test_free_port (void)
{
  int fd = listen_anywhere ();
  guint16 port = burrow_test_local_port (fd);

  close (fd);
  return port;
}

int
burrow_test_connect (guint16 port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (fd);
      return -1;
    }
  set_timeouts (fd);
  return fd;
}

gboolean
burrow_test_socks5 (int         fd,
                    const char *host,
                    guint16     port)
{
  guint8 request[300] = { 5, 1, 0 };
  guint8 reply[10];
  gsize len = strlen (host);

  if (!write_all (fd, request, 3) || !read_exact (fd, reply, 2) || reply[0] != 5 || reply[1] != 0)
    return FALSE;
  request[0] = 5;
  request[1] = 1;
  request[2] = 0;
  request[3] = 3;
  request[4] = len;
  memcpy (request + 5, host, len);
  request[5 + len] = port >> 8;
  request[6 + len] = port & 0xff;
  return write_all (fd, request, 7 + len) && read_exact (fd, reply, 10) && reply[0] == 5 &&
         reply[1] == 0;
}

gboolean
burrow_test_socks4a (int         fd,
                     const char *host,
                     guint16     port)
{
  guint8 request[300] = { 4, 1, port >> 8, port & 0xff, 0, 0, 0, 1, 'u', 0 };
  guint8 reply[8];
  gsize len = strlen (host) + 1;

  memcpy (request + 10, host, len);
  return write_all (fd, request, 10 + len) && read_exact (fd, reply, 8) && reply[0] == 0 &&
         reply[1] == 0x5a;
}

gboolean
burrow_test_upload (int     fd,
                    guint64 size)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK);
  g_autofree char *expected = burrow_test_peer_pattern_hash (size);
  char answer[65] = { 0 };

  if (!write_all (fd, (const guint8 *) "U", 1))
    return FALSE;
  for (guint64 done = 0; done < size;)
    {
      gsize n = MIN (CHUNK, size - done);

      burrow_test_peer_pattern (buffer, n, done);
      if (!write_all (fd, buffer, n))
        return FALSE;
      done += n;
    }
  shutdown (fd, SHUT_WR);
  if (!read_exact (fd, (guint8 *) answer, 64))
    return FALSE;
  return g_str_equal (answer, expected);
}

/* Each chunk is compared with the pattern as it arrives: working out the
 * whole download's hash first kept the peer waiting for the request, 30 s
 * and more for 512 MiB in an instrumented build (build-tsan), until its
 * read timed out and it hung up. */
gboolean
burrow_test_download (int     fd,
                      guint64 size)
{
  g_autofree guint8 *buffer = g_malloc (CHUNK);
  g_autofree guint8 *expected = g_malloc (CHUNK);
  guint8 request[9] = { 'D' };
  guint64 received = 0;
  ssize_t n;

  for (guint i = 0; i < 8; i++)
    request[1 + i] = size >> (56 - 8 * i);
  if (!write_all (fd, request, sizeof request))
    return FALSE;
  while ((n = recv (fd, buffer, CHUNK, 0)) > 0)
    {
      if ((guint64) n > size - received)
        return FALSE;
      burrow_test_peer_pattern (expected, n, received);
      if (memcmp (buffer, expected, n) != 0)
        return FALSE;
      received += n;
    }
  return n == 0 && received == size;
}

gboolean
burrow_test_echo_once (int         fd,
                       const char *message)
{
  gsize len = strlen (message);
  g_autofree char *back = g_malloc0 (len + 1);

  return write_all (fd, (const guint8 *) message, len) &&
         read_exact (fd, (guint8 *) back, len) && g_str_equal (back, message);
}

gboolean
burrow_test_echo_begin (int fd)
{
  return write_all (fd, (const guint8 *) "E", 1);
}

typedef struct
{
  const char *netns_path;
  BurrowTestPeer *peer;
  int saved_errno;
} PeerStart;

/* A thread may switch its own network namespace; the peer's sockets stay
 * in that namespace whichever thread uses them later. */
static gpointer
start_peer_in_netns (gpointer data)
{
  PeerStart *start = data;
  int fd = open (start->netns_path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || setns (fd, CLONE_NEWNET) != 0)
    start->saved_errno = errno;
  else
    start->peer = burrow_test_peer_start ();
  if (fd >= 0)
    close (fd);
  return NULL;
}

BurrowTestPeer *
burrow_test_peer_start_in_netns (const char  *netns_path,
                                 GError     **error)
{
  PeerStart start = { netns_path, NULL, 0 };

  g_thread_join (g_thread_new ("peer-start", start_peer_in_netns, &start));
  if (start.peer == NULL)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (start.saved_errno),
                 "Cannot enter the network namespace %s: %s", netns_path,
                 g_strerror (start.saved_errno));
  return start.peer;
}
