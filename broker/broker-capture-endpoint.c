// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-broker"

#include "broker-capture-endpoint.h"
#include "broker-handoff.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long either half of a join (the broker's connect, the listener's
 * accept) waits for the other. */
#define JOIN_TIMEOUT_SECONDS 5
/* Connections nobody expects, kept until their join turns up or they age. */
#define MAX_ARRIVED 256
#define ACCEPTS_PER_WAKEUP 64

struct _BrokerCaptureEndpoint
{
  int listener[2];              /* IPv4, IPv6 (-1 without IPv6) */
  guint listen_source[2];
  struct sockaddr_storage address[2];
  socklen_t address_length[2];
  GHashTable *arrived;          /* "address port" → Arrival */
  GHashTable *expected;         /* "address port" (owned) → Join (not owned: removing
                                 * an entry frees only the key) */
  guint sweep_source;
  gboolean closed;
};

typedef struct
{
  int fd;
  gint64 when;
} Arrival;

typedef struct
{
  BrokerCaptureEndpoint *endpoint;
  int fd;                       /* the copy of the program's socket, until connected */
  int family;
  struct sockaddr_storage target; /* the listener, for the socket's family */
  socklen_t target_length;
  char *key;
  BrokerCaptureJoinFunc func;
  gpointer user_data;
  guint timeout_source;
} Join;

static BrokerCaptureEndpoint *
endpoint_ref (BrokerCaptureEndpoint *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
endpoint_clear (BrokerCaptureEndpoint *self)
{
  g_hash_table_unref (self->arrived);
  g_hash_table_unref (self->expected);
}

static void
endpoint_unref (BrokerCaptureEndpoint *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) endpoint_clear);
}

static void
arrival_free (Arrival *arrival)
{
  if (arrival->fd >= 0)
    close (arrival->fd);
  g_free (arrival);
}

static void
join_free (Join *join)
{
  if (join->fd >= 0)
    close (join->fd);
  g_clear_handle_id (&join->timeout_source, g_source_remove);
  g_free (join->key);
  endpoint_unref (join->endpoint);
  g_free (join);
}

/* Both ends name the connection the same way: the program's socket's
 * local address (an IPv4-mapped one as IPv4) and port. */
static char *
address_key (const struct sockaddr *address)
{
  char text[INET6_ADDRSTRLEN] = "";

  if (address->sa_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *) address;

      inet_ntop (AF_INET, &in->sin_addr, text, sizeof text);
      return g_strdup_printf ("%s %u", text, ntohs (in->sin_port));
    }
  if (address->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) address;

      if (IN6_IS_ADDR_V4MAPPED (&in6->sin6_addr))
        inet_ntop (AF_INET, &in6->sin6_addr.s6_addr[12], text, sizeof text);
      else
        inet_ntop (AF_INET6, &in6->sin6_addr, text, sizeof text);
      return g_strdup_printf ("%s %u", text, ntohs (in6->sin6_port));
    }
  return NULL;
}

static void
finish_join (Join       *join,
             int         fd,
             const char *error)
{
  join->func (fd, error, join->user_data);
  join_free (join);
}

/* Accepting */

static gboolean
on_sweep (gpointer user_data)
{
  BrokerCaptureEndpoint *self = user_data;
  gint64 oldest = g_get_monotonic_time () - JOIN_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  GHashTableIter iter;
  Arrival *arrival;

  g_hash_table_iter_init (&iter, self->arrived);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &arrival))
    if (arrival->when < oldest)
      g_hash_table_iter_remove (&iter);
  if (g_hash_table_size (self->arrived) > 0)
    return G_SOURCE_CONTINUE;
  self->sweep_source = 0;
  return G_SOURCE_REMOVE;
}

static void
take_connection (BrokerCaptureEndpoint *self,
                 int                    fd,
                 char                  *key)
{
  Join *join = g_hash_table_lookup (self->expected, key);
  Arrival *arrival;

  if (join != NULL)
    {
      g_hash_table_remove (self->expected, key);   /* the table's copy of the key */
      g_free (key);
      finish_join (join, fd, NULL);
      return;
    }
  if (g_hash_table_size (self->arrived) >= MAX_ARRIVED)
    {
      g_debug ("capture endpoint: a connection from %s that no one expects: closed", key);
      close (fd);
      g_free (key);
      return;
    }
  arrival = g_new0 (Arrival, 1);
  arrival->fd = fd;
  arrival->when = g_get_monotonic_time ();
  g_hash_table_replace (self->arrived, key, arrival);
  if (self->sweep_source == 0)
    self->sweep_source = g_timeout_add_seconds (JOIN_TIMEOUT_SECONDS, on_sweep, self);
}

static gboolean
on_listener_ready (int          listener,
                   GIOCondition condition,
                   gpointer     user_data)
{
  BrokerCaptureEndpoint *self = user_data;

  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++)
    {
      struct sockaddr_storage peer;
      socklen_t length = sizeof peer;
      int fd = accept4 (listener, (struct sockaddr *) &peer, &length,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
      char *key;

      if (fd < 0)
        {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            g_message ("capture endpoint: accept: %s", g_strerror (errno));
          break;
        }
      key = address_key ((struct sockaddr *) &peer);
      if (key == NULL)
        {
          close (fd);
          continue;
        }
      take_connection (self, fd, key);
    }
  return G_SOURCE_CONTINUE;
}

static int
listen_on (int                      family,
           struct sockaddr_storage *address,
           socklen_t               *length,
           GError                 **error)
{
  int fd = socket (family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int saved;

  memset (address, 0, sizeof *address);
  if (family == AF_INET)
    {
      struct sockaddr_in *in = (struct sockaddr_in *) address;

      in->sin_family = AF_INET;
      in->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      *length = sizeof *in;
    }
  else
    {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) address;
      int only = 1;

      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      *length = sizeof *in6;
      if (fd >= 0)
        setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    }
  if (fd >= 0 && bind (fd, (struct sockaddr *) address, *length) == 0
      && listen (fd, 4096) == 0
      && getsockname (fd, (struct sockaddr *) address, length) == 0)
    return fd;

  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               "cannot listen on %s for captured connections: %s",
               family == AF_INET ? "127.0.0.1" : "::1", g_strerror (saved));
  return -1;
}

/* Needs 127.0.0.1; ::1 when the machine has IPv6 (IPv6 sockets otherwise
 * reach the IPv4 listener through a mapped address). */
BrokerCaptureEndpoint *
broker_capture_endpoint_new (GError **error)
{
  BrokerCaptureEndpoint *self = g_atomic_rc_box_new0 (BrokerCaptureEndpoint);
  g_autoptr(GError) ipv6_error = NULL;

  self->arrived = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) arrival_free);
  self->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listener[0] = listen_on (AF_INET, &self->address[0], &self->address_length[0], error);
  if (self->listener[0] < 0)
    {
      endpoint_unref (self);
      return NULL;
    }
  self->listener[1] = listen_on (AF_INET6, &self->address[1], &self->address_length[1],
                                 &ipv6_error);
  if (self->listener[1] < 0)
    g_debug ("%s", ipv6_error->message);
  for (guint i = 0; i < 2; i++)
    if (self->listener[i] >= 0)
      self->listen_source[i] = g_unix_fd_add (self->listener[i], G_IO_IN, on_listener_ready,
                                              self);
  return self;
}

void
broker_capture_endpoint_free (BrokerCaptureEndpoint *self)
{
  GHashTableIter iter;
  Join *join;

  if (self == NULL)
    return;
  self->closed = TRUE;
  for (guint i = 0; i < 2; i++)
    {
      g_clear_handle_id (&self->listen_source[i], g_source_remove);
      if (self->listener[i] >= 0)
        close (self->listener[i]);
      self->listener[i] = -1;
    }
  g_clear_handle_id (&self->sweep_source, g_source_remove);
  g_hash_table_remove_all (self->arrived);
  g_hash_table_iter_init (&iter, self->expected);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &join))
    {
      g_hash_table_iter_remove (&iter);
      finish_join (join, -1, "the broker is stopping");
    }
  endpoint_unref (self);
}

/* Connecting: in a thread, since a blocking socket's connect blocks */

static int
connect_and_wait (int                    fd,
                  const struct sockaddr *target,
                  socklen_t              length)
{
  int status = connect (fd, target, length);
  struct pollfd wait = { fd, POLLOUT, 0 };
  int error = 0;
  socklen_t error_length = sizeof error;

  if (status == 0)
    return 0;
  if (errno != EINPROGRESS && errno != EINTR)
    return -1;
  if (poll (&wait, 1, JOIN_TIMEOUT_SECONDS * 1000) <= 0)
    {
      errno = ETIMEDOUT;
      return -1;
    }
  if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &error_length) < 0)
    return -1;
  errno = error;
  return error == 0 ? 0 : -1;
}

/* Where a socket of @family reaches the endpoint.  On the main thread:
 * the listeners are closed there. */
static void
choose_target (BrokerCaptureEndpoint *self,
               Join                  *join)
{
  if (join->family == AF_INET6 && self->listener[1] >= 0)
    {
      join->target = self->address[1];
      join->target_length = self->address_length[1];
    }
  else if (join->family == AF_INET6)
    {
      /* ::ffff:127.0.0.1 to the IPv4 listener */
      struct sockaddr_in6 *mapped = (struct sockaddr_in6 *) &join->target;
      const struct sockaddr_in *in = (const struct sockaddr_in *) &self->address[0];

      memset (&join->target, 0, sizeof join->target);
      mapped->sin6_family = AF_INET6;
      mapped->sin6_port = in->sin_port;
      mapped->sin6_addr.s6_addr[10] = 0xff;
      mapped->sin6_addr.s6_addr[11] = 0xff;
      memcpy (&mapped->sin6_addr.s6_addr[12], &in->sin_addr, 4);
      join->target_length = sizeof *mapped;
    }
  else
    {
      join->target = self->address[0];
      join->target_length = self->address_length[0];
    }
}

static void
connect_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Join *join = task_data;
  struct sockaddr_storage local;
  socklen_t local_length = sizeof local;

  broker_handoff_receive (join);
  if (connect_and_wait (join->fd, (struct sockaddr *) &join->target, join->target_length) < 0
      || getsockname (join->fd, (struct sockaddr *) &local, &local_length) < 0)
    {
      int saved = errno;

      broker_handoff_send (join);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "cannot connect the program's socket to the capture "
                               "endpoint: %s", g_strerror (saved));
      return;
    }
  broker_handoff_send (join);
  g_task_return_pointer (task, address_key ((struct sockaddr *) &local), g_free);
}

/* @join's entry in the endpoint's table, if it is still @join's. */
static void
forget_join (Join *join)
{
  if (g_hash_table_lookup (join->endpoint->expected, join->key) == join)
    g_hash_table_remove (join->endpoint->expected, join->key);
}

/* @join waits for its connection under its key.  A join still waiting
 * under the same key belongs to a program socket that is gone (its port
 * was taken again): it fails, rather than being dropped from the table
 * and never freed, or taking the newer join's entry when it times out. */
static void
expect_join (BrokerCaptureEndpoint *self,
             Join                  *join)
{
  Join *stale = g_hash_table_lookup (self->expected, join->key);

  if (stale != NULL)
    {
      g_hash_table_remove (self->expected, stale->key);
      finish_join (stale, -1, "the program's socket was replaced before it reached the "
                              "capture endpoint");
    }
  g_hash_table_insert (self->expected, g_strdup (join->key), join);
}

static gboolean
on_join_timeout (gpointer user_data)
{
  Join *join = user_data;

  join->timeout_source = 0;
  forget_join (join);
  finish_join (join, -1, "the program's connection to the capture endpoint did not arrive");
  return G_SOURCE_REMOVE;
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Join *join = g_task_get_task_data (G_TASK (result));
  BrokerCaptureEndpoint *self = join->endpoint;
  g_autoptr(GError) error = NULL;
  char *key = g_task_propagate_pointer (G_TASK (result), &error);
  Arrival *arrival;
  int fd;

  broker_handoff_receive (join);
  g_task_set_task_data (G_TASK (result), NULL, NULL);
  close (join->fd);   /* the program keeps its own */
  join->fd = -1;
  if (key == NULL || self->closed)
    {
      finish_join (join, -1, error != NULL ? error->message : "the broker is stopping");
      g_free (key);
      return;
    }
  join->key = key;
  arrival = g_hash_table_lookup (self->arrived, key);
  if (arrival != NULL)
    {
      fd = arrival->fd;
      arrival->fd = -1;
      g_hash_table_remove (self->arrived, key);
      finish_join (join, fd, NULL);
      return;
    }
  expect_join (self, join);
  join->timeout_source = g_timeout_add_seconds (JOIN_TIMEOUT_SECONDS, on_join_timeout, join);
}

/* Connects @socket_fd (a copy of the program's socket, taken) to the
 * endpoint and calls @func with the broker's end of that connection. */
void
broker_capture_endpoint_join (BrokerCaptureEndpoint *self,
                              int                    socket_fd,
                              BrokerCaptureJoinFunc  func,
                              gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_connected, NULL);
  Join *join = g_new0 (Join, 1);
  int family = AF_UNSPEC;
  socklen_t length = sizeof family;

  join->endpoint = endpoint_ref (self);
  join->fd = socket_fd;
  join->func = func;
  join->user_data = user_data;
  getsockopt (socket_fd, SOL_SOCKET, SO_DOMAIN, &family, &length);
  join->family = family;
  if (family != AF_INET && family != AF_INET6)
    {
      finish_join (join, -1, "the program's socket is not an IPv4 or IPv6 socket");
      return;
    }
  choose_target (self, join);
  g_task_set_task_data (task, join, NULL);
  broker_handoff_send (join);
  g_task_run_in_thread (task, connect_in_thread);
}

/* Direct connects */

typedef struct
{
  int fd;
  struct sockaddr_storage target;
  socklen_t length;
  BrokerCaptureConnectFunc func;
  gpointer user_data;
} Direct;

static void
direct_free (Direct *direct)
{
  if (direct->fd >= 0)
    close (direct->fd);
  g_free (direct);
}

static void
connect_direct_in_thread (GTask        *task,
                          gpointer      source_object,
                          gpointer      task_data,
                          GCancellable *cancellable)
{
  Direct *direct = task_data;
  int status;

  broker_handoff_receive (direct);
  status = connect_and_wait (direct->fd, (struct sockaddr *) &direct->target, direct->length);
  broker_handoff_send (direct);
  g_task_return_int (task, status == 0 ? 0 : errno);
}

static void
on_direct_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Direct *direct = g_task_get_task_data (G_TASK (result));

  broker_handoff_receive (direct);
  direct->func ((int) g_task_propagate_int (G_TASK (result), NULL), direct->user_data);
}

void
broker_capture_connect_direct (int                      socket_fd,
                               GSocketAddress          *target,
                               BrokerCaptureConnectFunc func,
                               gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_direct_connected, NULL);
  Direct *direct = g_new0 (Direct, 1);

  direct->fd = socket_fd;
  direct->func = func;
  direct->user_data = user_data;
  direct->length = g_socket_address_get_native_size (target);
  if (!g_socket_address_to_native (target, &direct->target, sizeof direct->target, NULL))
    {
      direct_free (direct);
      func (EAFNOSUPPORT, user_data);
      return;
    }
  g_task_set_task_data (task, direct, (GDestroyNotify) direct_free);
  broker_handoff_send (direct);
  g_task_run_in_thread (task, connect_direct_in_thread);
}
