// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-capture --seccomp: host names for static programs.
 *
 * A statically linked program resolves names itself, over UDP (or TCP) to
 * port 53 of the nameservers in /etc/resolv.conf; no getaddrinfo() hook
 * reaches it.  So the supervisor redirects those sockets (capture-
 * seccomp.c: their connect(), or sendto() with the nameserver's address)
 * to its own endpoints here, on 127.0.0.1, and answers each query:
 *
 * - A or AAAA (or another type) for a name a TUNNEL rule covers: the
 *   broker's synthetic address for it, asked on the program's behalf, as
 *   the LD_PRELOAD library's getaddrinfo() asks (capture-synthetic.c); the
 *   query never leaves the machine;
 * - anything else: relayed as it is to the nameserver the program
 *   addressed, and its answer relayed back.
 *
 * The C libraries drop an answer whose source is not the nameserver they
 * asked (glibc's res_ourserver_p, musl's check in res_msend), so the
 * supervisor also receives for the program on a redirected socket
 * (recvfrom with an address) and puts the nameserver in the endpoint's
 * place (capture_dns_restore_source).
 *
 * Only redirected sockets are served: a datagram or connection from any
 * other socket is dropped.  Each query is answered on a thread of its own,
 * at most MAX_BUSY at once (a flood waits for the program's retry). */
#include "capture-dns.h"

#include "capture-dns-message.h"
#include "capture-synthetic.h"
#include "capture-thread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 256         /* redirected sockets remembered */
#define MAX_BUSY 64             /* UDP queries answered at once */
#define MAX_CONNECTIONS 16      /* TCP connections served at once */
#define MAX_SERVERS 3           /* nameservers one socket sent to (glibc's and musl's MAXNS) */
#define MAX_MESSAGE 65535
#define RELAY_TIMEOUT_MS 5000   /* a relayed query, all nameservers together */
#define RELAY_MAX_DATAGRAMS 16  /* read while waiting for the one that answers */
#define TCP_IDLE_MS 10000
#define TCP_MAX_QUERIES 64      /* per connection */
#define SYNTHETIC_TTL 10        /* seconds: the broker's map outlives it */

typedef struct
{
  ino_t inode;                  /* the socket's; 0: free */
  int type;                     /* SOCK_DGRAM or SOCK_STREAM */
  struct sockaddr_storage local;        /* its own address, IPv4-mapped made IPv4 */
  socklen_t local_length;
  /* The nameservers it addressed, in its own family: the first is given
   * as the sender of answers, a relayed query goes to each. */
  struct sockaddr_storage servers[MAX_SERVERS];
  size_t n_servers;
  pid_t pid;
} Redirected;

struct _CaptureDns
{
  struct sockaddr_storage servers[CAPTURE_DNS_MAX_SERVERS];
  size_t n_servers;
  int udp;
  int tcp;
  struct sockaddr_in udp_endpoint;
  struct sockaddr_in tcp_endpoint;
  pthread_mutex_t lock;         /* the table */
  Redirected table[MAX_SOCKETS];
  size_t next;                  /* the slot to take when none is free */
  atomic_int busy;              /* UDP queries */
  atomic_int connections;       /* TCP connections */
};

/* The table */

static ino_t
socket_inode (int fd)
{
  struct stat status;

  return fstat (fd, &status) == 0 ? status.st_ino : 0;
}

static Redirected *
find_by_inode (CaptureDns *self,
               ino_t       inode)
{
  for (size_t i = 0; i < MAX_SOCKETS && inode != 0; i++)
    if (self->table[i].inode == inode)
      return &self->table[i];
  return NULL;
}

static int
is_unspecified (const struct sockaddr_storage *address)
{
  if (address->ss_family == AF_INET)
    return ((const struct sockaddr_in *) address)->sin_addr.s_addr == htonl (INADDR_ANY);
  return IN6_IS_ADDR_UNSPECIFIED (&((const struct sockaddr_in6 *) address)->sin6_addr);
}

static in_port_t
port_of (const struct sockaddr_storage *address)
{
  return address->ss_family == AF_INET ? ((const struct sockaddr_in *) address)->sin_port
                                       : ((const struct sockaddr_in6 *) address)->sin6_port;
}

/* The socket that sent from @peer: one bound to that address and port, or
 * to the port on every address (musl binds its socket so). */
static Redirected *
find_by_local (CaptureDns                    *self,
               int                            type,
               const struct sockaddr_storage *peer,
               socklen_t                      length)
{
  for (size_t i = 0; i < MAX_SOCKETS; i++)
    {
      Redirected *entry = &self->table[i];

      if (entry->inode == 0 || entry->type != type || port_of (&entry->local) != port_of (peer))
        continue;
      if (is_unspecified (&entry->local)
          || (entry->local_length == length && memcmp (&entry->local, peer, length) == 0))
        return entry;
    }
  return NULL;
}

/* The entry for @inode: its own, a free one, or the oldest taken. */
static Redirected *
take_slot (CaptureDns *self,
           ino_t       inode)
{
  Redirected *slot = find_by_inode (self, inode);

  for (size_t i = 0; slot == NULL && i < MAX_SOCKETS; i++)
    if (self->table[i].inode == 0)
      slot = &self->table[i];
  if (slot == NULL)
    {
      slot = &self->table[self->next];
      self->next = (self->next + 1) % MAX_SOCKETS;
    }
  return slot;
}

static socklen_t
length_of (const struct sockaddr *address)
{
  return address->sa_family == AF_INET ? sizeof (struct sockaddr_in)
                                       : sizeof (struct sockaddr_in6);
}

/* @server added to @entry's nameservers, unless it is there or they are
 * as many as a C library ever asks. */
static void
add_server (Redirected            *entry,
            const struct sockaddr *server)
{
  socklen_t length = length_of (server);

  for (size_t i = 0; i < entry->n_servers; i++)
    if (memcmp (&entry->servers[i], server, length) == 0)
      return;
  if (entry->n_servers < MAX_SERVERS)
    memcpy (&entry->servers[entry->n_servers++], server, length);
}

void
capture_dns_remember (CaptureDns            *self,
                      int                    fd,
                      int                    type,
                      pid_t                  pid,
                      const struct sockaddr *server,
                      socklen_t              length)
{
  struct sockaddr_storage local, plain;
  socklen_t local_length = sizeof local, plain_length;
  ino_t inode = socket_inode (fd);
  Redirected *slot;

  if (inode == 0 || length < length_of (server) || length > sizeof local
      || getsockname (fd, (struct sockaddr *) &local, &local_length) < 0
      || (plain_length = capture_dns_plain_address ((struct sockaddr *) &local, local_length,
                                                    &plain)) == 0)
    return;
  pthread_mutex_lock (&self->lock);
  slot = take_slot (self, inode);
  if (slot->inode != inode || slot->pid != pid || slot->type != type)
    *slot = (Redirected) { .inode = inode, .type = type, .pid = pid };
  slot->local = plain;
  slot->local_length = plain_length;
  add_server (slot, server);
  pthread_mutex_unlock (&self->lock);
}

/* The entry of the socket whose own address is @peer, copied. */
static int
origin_of (CaptureDns            *self,
           int                    type,
           const struct sockaddr *peer,
           socklen_t              length,
           Redirected            *origin)
{
  struct sockaddr_storage plain;
  socklen_t plain_length = capture_dns_plain_address (peer, length, &plain);
  Redirected *found;

  pthread_mutex_lock (&self->lock);
  found = plain_length > 0 ? find_by_local (self, type, &plain, plain_length) : NULL;
  if (found != NULL)
    *origin = *found;
  pthread_mutex_unlock (&self->lock);
  return found != NULL;
}

int
capture_dns_restore_source (CaptureDns              *self,
                            int                      fd,
                            struct sockaddr_storage *from,
                            socklen_t               *from_length)
{
  struct sockaddr_storage plain;
  socklen_t plain_length;
  Redirected *found;
  int restored = 0;

  pthread_mutex_lock (&self->lock);
  found = find_by_inode (self, socket_inode (fd));
  if (found != NULL && from == NULL)
    restored = 1;
  else if (found != NULL)
    {
      plain_length = capture_dns_plain_address ((struct sockaddr *) from, *from_length, &plain);
      if (plain_length == sizeof self->udp_endpoint
          && memcmp (&plain, &self->udp_endpoint, plain_length) == 0)
        {
          *from_length = length_of ((struct sockaddr *) &found->servers[0]);
          memcpy (from, &found->servers[0], *from_length);
          restored = 1;
        }
    }
  pthread_mutex_unlock (&self->lock);
  return restored;
}

/* Redirection */

int
capture_dns_redirect (CaptureDns              *self,
                      int                      type,
                      int                      family,
                      const struct sockaddr   *address,
                      socklen_t                length,
                      struct sockaddr_storage *endpoint,
                      socklen_t               *endpoint_length)
{
  const struct sockaddr_in *ours = type == SOCK_STREAM ? &self->tcp_endpoint
                                                      : &self->udp_endpoint;

  if ((type != SOCK_STREAM && type != SOCK_DGRAM)
      || !capture_dns_is_server (self->servers, self->n_servers, address, length))
    return 0;
  memset (endpoint, 0, sizeof *endpoint);
  if (family == AF_INET)
    {
      memcpy (endpoint, ours, sizeof *ours);
      *endpoint_length = sizeof *ours;
      return 1;
    }
  if (family == AF_INET6)
    {
      struct sockaddr_in6 *mapped = (struct sockaddr_in6 *) endpoint;

      mapped->sin6_family = AF_INET6;
      mapped->sin6_port = ours->sin_port;
      mapped->sin6_addr.s6_addr[10] = 0xff;
      mapped->sin6_addr.s6_addr[11] = 0xff;
      memcpy (&mapped->sin6_addr.s6_addr[12], &ours->sin_addr, 4);
      *endpoint_length = sizeof *mapped;
      return 1;
    }
  return 0;
}

/* Answers */

/* The answer for a name a TUNNEL rule covers, into @answer; 0 when the
 * query is to be relayed. */
static size_t
answer_synthetic (pid_t          pid,
                  const uint8_t *query,
                  size_t         length,
                  uint8_t       *answer,
                  size_t         size)
{
  CaptureDnsQuery question;
  struct sockaddr_storage address;
  socklen_t address_length;
  char link[64], program[PATH_MAX];
  ssize_t n;
  int family;
  const void *raw;

  /* Rules by application: the program's, not the supervisor's. */
  snprintf (link, sizeof link, "/proc/%d/exe", (int) pid);
  n = readlink (link, program, sizeof program - 1);
  program[n > 0 ? n : 0] = '\0';
  if (capture_dns_parse_query (query, length, &question) < 0
      || question.klass != CAPTURE_DNS_CLASS_IN
      || !capture_name_may_be_synthetic (program, question.name))
    return 0;
  /* Another type: asked as A, to learn whether the name is covered (then
   * it has no record of that type). */
  family = question.type == CAPTURE_DNS_TYPE_AAAA ? AF_INET6 : AF_INET;
  if (!capture_ask_synthetic (question.name, family, pid, &address, &address_length))
    return 0;
  raw = family == AF_INET ? (const void *) &((struct sockaddr_in *) &address)->sin_addr
                          : (const void *) &((struct sockaddr_in6 *) &address)->sin6_addr;
  return capture_dns_build_answer (query, &question, raw, family == AF_INET ? 4 : 16,
                                   SYNTHETIC_TTL, answer, size);
}

static int64_t
now_ms (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Until @fd has @events, or @deadline (now_ms()) passed: 1 or 0. */
static int
wait_until (int     fd,
            short   events,
            int64_t deadline)
{
  struct pollfd poll_fd = { fd, events, 0 };
  int ready;

  do
    {
      int64_t left = deadline - now_ms ();

      ready = left > 0 ? poll (&poll_fd, 1, (int) left) : 0;
    }
  while (ready < 0 && errno == EINTR);
  return ready > 0 && (poll_fd.revents & (events | POLLHUP | POLLERR));
}

/* A socket to @server, connected; -1 on failure.  The system call, not
 * connect(): should the library be preloaded here, it must not judge this
 * connect too. */
static int
open_to (const struct sockaddr_storage *server,
         int                            type,
         int64_t                        deadline)
{
  int fd = socket (server->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  if (fd < 0)
    return -1;
  if (syscall (SYS_connect, fd, server, length_of ((const struct sockaddr *) server)) == 0
      || (errno == EINPROGRESS && wait_until (fd, POLLOUT, deadline)))
    {
      int error = 0;
      socklen_t error_length = sizeof error;

      if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &error_length) == 0 && error == 0)
        return fd;
    }
  close (fd);
  return -1;
}

/* @query relayed over UDP to each nameserver the program asked (musl asks
 * them all at once from one socket); the first answer with the query's
 * ID, or 0 after RELAY_TIMEOUT_MS. */
static size_t
relay_datagram (const Redirected *origin,
                const uint8_t    *query,
                size_t            length,
                uint8_t          *answer,
                size_t            size)
{
  int64_t deadline = now_ms () + RELAY_TIMEOUT_MS;
  struct pollfd fds[MAX_SERVERS];
  size_t n_fds = 0, found = 0;

  for (size_t i = 0; i < origin->n_servers; i++)
    {
      int fd = open_to (&origin->servers[i], SOCK_DGRAM, deadline);

      if (fd >= 0 && send (fd, query, length, MSG_NOSIGNAL) == (ssize_t) length)
        fds[n_fds++] = (struct pollfd) { fd, POLLIN, 0 };
      else if (fd >= 0)
        close (fd);
    }
  for (int i = 0; i < RELAY_MAX_DATAGRAMS && found == 0 && n_fds > 0; i++)
    {
      int64_t left = deadline - now_ms ();

      if (left <= 0 || poll (fds, n_fds, (int) left) <= 0)
        break;
      for (size_t j = 0; j < n_fds && found == 0; j++)
        {
          ssize_t n = (fds[j].revents & POLLIN) ? recv (fds[j].fd, answer, size, MSG_DONTWAIT)
                                                : -1;

          if (n >= 2 && length >= 2 && memcmp (answer, query, 2) == 0)
            found = (size_t) n;
        }
    }
  for (size_t j = 0; j < n_fds; j++)
    close (fds[j].fd);
  return found;
}

/* Exactly @size bytes, by @deadline. */
static int
read_all (int      fd,
          uint8_t *buffer,
          size_t   size,
          int64_t  deadline)
{
  size_t done = 0;

  while (done < size)
    {
      ssize_t n;

      if (!wait_until (fd, POLLIN, deadline))
        return -1;
      n = recv (fd, buffer + done, size - done, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return -1;
      done += n > 0 ? (size_t) n : 0;
    }
  return 0;
}

static int
write_all (int            fd,
           const uint8_t *buffer,
           size_t         size,
           int64_t        deadline)
{
  size_t done = 0;

  while (done < size)
    {
      ssize_t n = send (fd, buffer + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);

      if (n < 0 && errno == EAGAIN && wait_until (fd, POLLOUT, deadline))
        continue;
      if (n <= 0)
        return -1;
      done += (size_t) n;
    }
  return 0;
}

/* One DNS message over TCP: its two-byte length first. */
static int
send_framed (int            fd,
             const uint8_t *message,
             size_t         length,
             int64_t        deadline)
{
  uint8_t prefix[2] = { (uint8_t) (length >> 8), (uint8_t) length };

  return length <= MAX_MESSAGE && write_all (fd, prefix, 2, deadline) == 0
         ? write_all (fd, message, length, deadline) : -1;
}

/* A framed message's length, read by @deadline; 0 at the end. */
static size_t
receive_prefix (int     fd,
                int64_t deadline)
{
  uint8_t prefix[2];

  return read_all (fd, prefix, 2, deadline) == 0 ? (size_t) prefix[0] << 8 | prefix[1] : 0;
}

/* @query relayed over TCP to the first nameserver that answers. */
static size_t
relay_stream (const Redirected *origin,
              const uint8_t    *query,
              size_t            length,
              uint8_t          *answer)
{
  int64_t deadline = now_ms () + RELAY_TIMEOUT_MS;
  size_t found = 0;

  for (size_t i = 0; i < origin->n_servers && found == 0; i++)
    {
      int fd = open_to (&origin->servers[i], SOCK_STREAM, deadline);

      if (fd < 0)
        continue;
      if (send_framed (fd, query, length, deadline) == 0)
        found = receive_prefix (fd, deadline);
      if (found > 0 && read_all (fd, answer, found, deadline) < 0)
        found = 0;
      close (fd);
    }
  return found;
}

/* The answer to @query from the socket @origin, into @answer (MAX_MESSAGE
 * bytes); 0 when there is none to give. */
static size_t
answer_query (const Redirected *origin,
              int               stream,
              const uint8_t    *query,
              size_t            length,
              uint8_t          *answer)
{
  size_t found = answer_synthetic (origin->pid, query, length, answer, MAX_MESSAGE);

  if (found > 0)
    return found;
  return stream ? relay_stream (origin, query, length, answer)
                : relay_datagram (origin, query, length, answer, MAX_MESSAGE);
}

/* Threads */

typedef struct
{
  CaptureDns *dns;
  Redirected origin;            /* the socket that asked */
  struct sockaddr_storage peer; /* UDP: where its query came from */
  socklen_t peer_length;
  int fd;                       /* TCP: the accepted connection */
  uint8_t *query;               /* UDP: the datagram */
  size_t length;
} Work;

static void
finish_work (Work *work)
{
  atomic_fetch_sub (work->fd >= 0 ? &work->dns->connections : &work->dns->busy, 1);
  if (work->fd >= 0)
    close (work->fd);
  free (work->query);
  free (work);
}

static void *
answer_datagram (void *data)
{
  Work *work = data;
  uint8_t *answer = malloc (MAX_MESSAGE);
  size_t length = answer != NULL ? answer_query (&work->origin, 0, work->query, work->length,
                                                 answer) : 0;

  if (length > 0)
    (void) sendto (work->dns->udp, answer, length, MSG_NOSIGNAL | MSG_DONTWAIT,
                   (struct sockaddr *) &work->peer, work->peer_length);
  free (answer);
  finish_work (work);
  return NULL;
}

/* The connection's origin: looked up once a message starts, since the
 * program writes only after its connect returned, and the supervisor
 * remembers the socket before it lets the connect return.  Anyone else's
 * connection is closed there. */
static int
connection_origin (Work *work)
{
  struct sockaddr_storage peer;
  socklen_t peer_length = sizeof peer;

  return getpeername (work->fd, (struct sockaddr *) &peer, &peer_length) == 0
         && origin_of (work->dns, SOCK_STREAM, (struct sockaddr *) &peer, peer_length,
                       &work->origin);
}

/* Queries on one connection, until the program closes it or is idle;
 * each message must arrive whole within RELAY_TIMEOUT_MS of its start. */
static void *
answer_connection (void *data)
{
  Work *work = data;
  uint8_t *query = malloc (MAX_MESSAGE), *answer = malloc (MAX_MESSAGE);

  for (int i = 0; query != NULL && answer != NULL && i < TCP_MAX_QUERIES; i++)
    {
      size_t length = receive_prefix (work->fd, now_ms () + TCP_IDLE_MS), found;
      int64_t deadline = now_ms () + RELAY_TIMEOUT_MS;

      if (length == 0 || (i == 0 && !connection_origin (work))
          || read_all (work->fd, query, length, deadline) < 0)
        break;
      capture_say (2, "a DNS query over TCP");
      found = answer_query (&work->origin, 1, query, length, answer);
      if (found == 0 || send_framed (work->fd, answer, found, now_ms () + RELAY_TIMEOUT_MS) < 0)
        break;
    }
  free (query);
  free (answer);
  finish_work (work);
  return NULL;
}

static void
start_work (void *(*run) (void *),
            Work  *work)
{
  atomic_int *count = work->fd >= 0 ? &work->dns->connections : &work->dns->busy;

  if (atomic_fetch_add (count, 1) >= (work->fd >= 0 ? MAX_CONNECTIONS : MAX_BUSY)
      || capture_thread_start (run, work) < 0)
    finish_work (work);
}

static Work *
new_work (CaptureDns *self)
{
  Work *work = calloc (1, sizeof *work);

  if (work != NULL)
    {
      work->dns = self;
      work->fd = -1;
    }
  return work;
}

void
capture_dns_serve_udp (CaptureDns *self)
{
  struct sockaddr_storage peer;
  socklen_t peer_length = sizeof peer;
  uint8_t *query = malloc (MAX_MESSAGE);
  ssize_t n = query != NULL ? recvfrom (self->udp, query, MAX_MESSAGE, MSG_DONTWAIT,
                                        (struct sockaddr *) &peer, &peer_length) : -1;
  Work *work = n > 0 ? new_work (self) : NULL;

  if (work == NULL
      || !origin_of (self, SOCK_DGRAM, (struct sockaddr *) &peer, peer_length, &work->origin))
    {
      free (query);
      free (work);
      return;
    }
  memcpy (&work->peer, &peer, peer_length);
  work->peer_length = peer_length;
  work->query = query;
  work->length = (size_t) n;
  start_work (answer_datagram, work);
}

void
capture_dns_serve_tcp (CaptureDns *self)
{
  int fd = accept4 (self->tcp, NULL, NULL, SOCK_CLOEXEC);
  Work *work = fd >= 0 ? new_work (self) : NULL;

  if (work == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  work->fd = fd;
  start_work (answer_connection, work);
}

int
capture_dns_get_udp_fd (CaptureDns *self)
{
  return self->udp;
}

int
capture_dns_get_tcp_fd (CaptureDns *self)
{
  return self->tcp;
}

/* Set-up */

static void
read_servers (CaptureDns *self)
{
  char text[16384];
  int fd = open ("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read (fd, text, sizeof text - 1) : -1;

  if (fd >= 0)
    close (fd);
  text[n > 0 ? n : 0] = '\0';
  self->n_servers = capture_dns_parse_resolv_conf (text, self->servers, CAPTURE_DNS_MAX_SERVERS);
}

/* A socket of @type on 127.0.0.1, the port the kernel gave in @bound. */
static int
open_endpoint (int                 type,
               struct sockaddr_in *bound)
{
  socklen_t length = sizeof *bound;
  int fd = socket (AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  memset (bound, 0, sizeof *bound);
  bound->sin_family = AF_INET;
  bound->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0)
    return -1;
  if (bind (fd, (struct sockaddr *) bound, sizeof *bound) < 0
      || (type == SOCK_STREAM && listen (fd, 64) < 0)
      || getsockname (fd, (struct sockaddr *) bound, &length) < 0)
    {
      int saved = errno;

      close (fd);
      errno = saved;
      return -1;
    }
  return fd;
}

CaptureDns *
capture_dns_new (void)
{
  CaptureDns *self = calloc (1, sizeof *self);

  if (self == NULL)
    return NULL;
  read_servers (self);
  pthread_mutex_init (&self->lock, NULL);
  self->udp = open_endpoint (SOCK_DGRAM, &self->udp_endpoint);
  self->tcp = self->udp >= 0 ? open_endpoint (SOCK_STREAM, &self->tcp_endpoint) : -1;
  if (self->tcp < 0)
    {
      int saved = errno;

      if (self->udp >= 0)
        close (self->udp);
      free (self);
      errno = saved;
      return NULL;
    }
  return self;
}

/* Called once nothing serves from @self any more.  A relay thread still
 * answering (the program ended mid-query) holds it: it is then left to the
 * process's exit rather than freed under that thread.  A thread's last use
 * of it is its count's decrement (finish_work()). */
void
capture_dns_free (CaptureDns *self)
{
  if (self == NULL || atomic_load (&self->busy) > 0 || atomic_load (&self->connections) > 0)
    return;
  close (self->udp);
  close (self->tcp);
  pthread_mutex_destroy (&self->lock);
  free (self);
}
