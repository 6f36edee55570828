// SPDX-License-Identifier: GPL-3.0-or-later
/* libssh-forward: the simplest correct libssh local forwarder, to measure
 * what libssh itself reaches on a bulk transfer, without the broker (no GLib,
 * no threads, no D-Bus).  tests/bench/libssh-forward runs it beside Burrow's
 * tunnel and `ssh -N -L`; tests/bench/README.md has the figures.
 *
 *   libssh-forward SSHD_PORT KEYFILE KNOWN_HOSTS USER TARGET_PORT
 *
 * Listens on 127.0.0.1:0 and prints the port on stdout; connects to
 * 127.0.0.1:SSHD_PORT, checks the host key against KNOWN_HOSTS only,
 * authenticates with the key in KEYFILE (TCP_NODELAY on, as the broker).
 * For each accepted client it opens a direct-tcpip channel to
 * 127.0.0.1:TARGET_PORT and pumps bytes both ways in one poll() loop over the
 * listener, the SSH socket and the clients: a non-blocking session,
 * ssh_channel_read_nonblocking() into a per-client buffer that is written to
 * the client, reads from the client bounded by the channel's remote window and
 * written with ssh_channel_write().  EOF is passed on both ways (shutdown
 * (SHUT_WR) towards the client once the channel's data is out, CHANNEL_EOF
 * once the client's is); the channel is closed and freed when both ways are
 * done or either end fails.  Runs until SIGTERM/SIGINT or the SSH session
 * ends.  Only 127.0.0.1. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-libssh.h"

#define MAX_CLIENTS 64
/* Channel data waiting for the client; when full, the channel is not read
 * and libssh's window closes: backpressure towards the server. */
#define TO_CLIENT_SIZE (256 * 1024)
/* One read from a client: at most one SSH packet's worth of channel data is
 * what libssh sends at a time anyway (it splits larger writes). */
#define FROM_CLIENT_SIZE (64 * 1024)

typedef struct
{
  int fd;
  ssh_channel channel;
  bool opening;
  char *to_client;            /* channel → client, [head, tail) pending */
  size_t head, tail;
  char *from_client;          /* client → channel, [fhead, ftail) pending */
  size_t fhead, ftail;
  bool client_eof;            /* client sent FIN: send CHANNEL_EOF when drained */
  bool channel_eof_sent;
  bool remote_eof;            /* CHANNEL_EOF from the server: shutdown when drained */
  bool client_shut;
} Client;

static volatile sig_atomic_t stopping;
static Client clients[MAX_CLIENTS];
static unsigned n_clients;

static void
on_signal (int sig)
{
  (void) sig;
  stopping = 1;
}

static int
listen_loopback (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET };
  socklen_t len = sizeof addr;
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
      || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 128) < 0
      || getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    {
      perror ("libssh-forward: listen");
      exit (2);
    }
  printf ("%u\n", ntohs (addr.sin_port));
  fflush (stdout);
  return fd;
}

static void
drop (Client *c)
{
  if (c->channel != NULL)
    {
      if (!c->opening)
        ssh_channel_close (c->channel);
      ssh_channel_free (c->channel);
    }
  close (c->fd);
  free (c->to_client);
  free (c->from_client);
  *c = clients[--n_clients];
}

/* Drives a pending open (non-blocking: SSH_AGAIN until confirmed); false
 * when it failed. */
static bool
step_open (Client *c, int target_port)
{
  int rc = ssh_channel_open_forward (c->channel, "127.0.0.1", target_port, "127.0.0.1", 0);

  if (rc == SSH_OK)
    c->opening = false;
  return rc != SSH_ERROR;
}

static void
accept_clients (ssh_session session, int listener, int target_port)
{
  for (unsigned i = 0; i < 16; i++)
    {
      int one = 1;
      int fd = accept4 (listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      Client *c;

      if (fd < 0)
        return;
      if (n_clients == MAX_CLIENTS)
        {
          close (fd);
          continue;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c = &clients[n_clients++];
      memset (c, 0, sizeof *c);
      c->fd = fd;
      c->to_client = malloc (TO_CLIENT_SIZE);
      c->from_client = malloc (FROM_CLIENT_SIZE);
      c->channel = ssh_channel_new (session);
      c->opening = true;
      /* The open request leaves at once; the confirmation comes later. */
      if (c->to_client == NULL || c->from_client == NULL || c->channel == NULL
          || !step_open (c, target_port))
        drop (c);
    }
}

/* Channel → client.  false when the client is to be dropped. */
static bool
pump_down (Client *c)
{
  /* Read what libssh has (each call also lets it read the SSH socket). */
  for (unsigned i = 0; i < 1024 && !c->remote_eof && c->tail < TO_CLIENT_SIZE; i++)
    {
      int n;

      if (c->head == c->tail)
        c->head = c->tail = 0;
      n = ssh_channel_read_nonblocking (c->channel, c->to_client + c->tail,
                                        TO_CLIENT_SIZE - c->tail, 0);
      if (n == SSH_EOF)
        c->remote_eof = true;
      else if (n < 0)
        return false;
      else if (n == 0)
        break;
      else
        c->tail += n;
    }
  while (c->head < c->tail)
    {
      ssize_t n = send (c->fd, c->to_client + c->head, c->tail - c->head, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
          if (errno == EINTR)
            continue;
          return false;
        }
      c->head += n;
    }
  if (c->head == c->tail)
    c->head = c->tail = 0;
  if (c->remote_eof && c->head == c->tail && !c->client_shut)
    {
      shutdown (c->fd, SHUT_WR);
      c->client_shut = true;
    }
  return true;
}

/* Client → channel, bounded by the remote window.  false to drop. */
static bool
pump_up (Client *c, bool readable)
{
  if (readable && !c->client_eof && c->fhead == c->ftail)
    {
      uint32_t window = ssh_channel_window_size (c->channel);
      size_t want = window < FROM_CLIENT_SIZE ? window : FROM_CLIENT_SIZE;

      if (want > 0)
        {
          ssize_t n = recv (c->fd, c->from_client, want, 0);

          if (n == 0)
            c->client_eof = true;
          else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return false;
          else if (n > 0)
            {
              c->fhead = 0;
              c->ftail = n;
            }
        }
    }
  if (c->fhead < c->ftail)
    {
      uint32_t window = ssh_channel_window_size (c->channel);
      size_t len = c->ftail - c->fhead;
      int n;

      if (len > window)
        len = window;
      if (len > 0)
        {
          n = ssh_channel_write (c->channel, c->from_client + c->fhead, len);
          if (n < 0)
            return false;
          c->fhead += n;
        }
    }
  if (c->client_eof && c->fhead == c->ftail && !c->channel_eof_sent)
    {
      if (ssh_channel_send_eof (c->channel) == SSH_ERROR)
        return false;
      c->channel_eof_sent = true;
    }
  return true;
}

int
main (int argc, char *argv[])
{
  struct pollfd fds[2 + MAX_CLIENTS];
  struct sigaction sa = { .sa_handler = on_signal };
  ssh_session session;
  ssh_event event;
  int listener, target_port, ssh_fd;

  if (argc != 6)
    {
      fprintf (stderr, "usage: libssh-forward SSHD_PORT KEYFILE KNOWN_HOSTS USER "
               "TARGET_PORT\n");
      return 2;
    }
  target_port = atoi (argv[5]);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  ssh_init ();
  session = bench_connect_session ("libssh-forward", atoi (argv[1]), argv[2], argv[3], argv[4]);
  ssh_set_blocking (session, 0);
  ssh_fd = ssh_get_fd (session);
  event = ssh_event_new ();
  ssh_event_add_session (event, session);
  listener = listen_loopback ();

  while (!stopping)
    {
      bool ssh_in = n_clients == 0, ssh_ready, ssh_hup;
      /* Bytes queued in libssh's output: ssh_get_poll_flags() says
       * SSH_WRITE_PENDING after every write, queued or not, and polling for
       * POLLOUT on an idle socket would spin (and take a CPU from the
       * routes measured beside this one). */
      int flags = ssh_get_status (session);
      nfds_t nfds = 2;

      for (unsigned i = 0; i < n_clients; i++)
        {
          Client *c = &clients[i];
          short events = 0;

          if (c->opening || (!c->remote_eof && c->tail < TO_CLIENT_SIZE))
            ssh_in = true;
          if (c->head < c->tail)
            events |= POLLOUT;
          if (!c->opening && !c->client_eof && c->fhead == c->ftail
              && ssh_channel_window_size (c->channel) > 0)
            events |= POLLIN;
          fds[nfds].fd = c->fd;
          fds[nfds++].events = events;
        }
      fds[0].fd = listener;
      fds[0].events = POLLIN;
      fds[1].fd = ssh_fd;
      fds[1].events = (ssh_in ? POLLIN : 0) | (flags & SSH_WRITE_PENDING ? POLLOUT : 0);
      if (poll (fds, nfds, 1000) < 0)
        {
          if (errno == EINTR)
            continue;
          perror ("libssh-forward: poll");
          break;
        }
      ssh_ready = fds[1].revents & (POLLIN | POLLOUT);
      ssh_hup = fds[1].revents & (POLLERR | POLLHUP | POLLNVAL);
      if (ssh_hup && !(fds[1].revents & POLLIN))
        {
          fprintf (stderr, "libssh-forward: the SSH connection ended\n");
          break;
        }
      /* Clients from the back: drop() moves the last one into the hole. */
      for (unsigned i = n_clients; i-- > 0;)
        {
          Client *c = &clients[i];
          short revents = fds[2 + i].revents;
          bool ok = true;

          if (c->opening)
            {
              if (!step_open (c, target_port))
                {
                  drop (c);
                  continue;
                }
              if (c->opening)
                continue;
            }
          if (revents & (POLLERR | POLLNVAL))
            ok = false;
          if (ok && (ssh_ready || revents & POLLOUT || c->tail < TO_CLIENT_SIZE))
            ok = pump_down (c);
          if (ok)
            ok = pump_up (c, revents & (POLLIN | POLLHUP));
          /* A channel the server closed is dropped once what it sent is out. */
          if (!ok || (c->client_shut && c->channel_eof_sent)
              || (ssh_channel_is_closed (c->channel) && c->head == c->tail))
            drop (c);
        }
      if (ssh_ready && (n_clients == 0 || ssh_get_status (session) & SSH_WRITE_PENDING))
        {
          /* No channel reads the session, or output waits: let libssh read
           * and handle what came in (a global request, the CLOSE of a freed
           * channel) and flush.  Left unread, the socket stays readable
           * and poll() spins. */
          if (ssh_event_dopoll (event, 0) == SSH_ERROR
              || ssh_blocking_flush (session, 0) == SSH_ERROR)
            {
              fprintf (stderr, "libssh-forward: %s\n", ssh_get_error (session));
              break;
            }
        }
      if (fds[0].revents & POLLIN)
        accept_clients (session, listener, target_port);
    }

  while (n_clients > 0)
    drop (&clients[n_clients - 1]);
  close (listener);
  ssh_event_remove_session (event, session);
  ssh_event_free (event);
  ssh_disconnect (session);
  ssh_free (session);
  ssh_finalize ();
  return 0;
}
