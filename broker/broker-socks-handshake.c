// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-tunnel"

#include "broker-socks-handshake.h"

#include "broker-socks.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

/* From the connect to the whole request; a deadline, not an idle time, so
 * a byte now and then does not keep a client. */
#define REQUEST_TIMEOUT_SECONDS 10

struct _BrokerSocksHandshake
{
  int fd;
  BrokerSocks *socks;
  guint read_source;
  guint timeout_source;
  BrokerSocksHandshakeFunc func;
  gpointer user_data;
};

/* The last thing done: @func may free the handshake. */
static void
finish (BrokerSocksHandshake *self,
        gboolean              complete)
{
  int fd = self->fd;

  g_clear_handle_id (&self->read_source, g_source_remove);
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  self->fd = -1;
  if (!complete)
    {
      close (fd);
      self->func (self, -1, 0, NULL, 0, self->user_data);
      return;
    }
  self->func (self, fd, broker_socks_get_version (self->socks), broker_socks_get_host (self->socks),
              broker_socks_get_port (self->socks), self->user_data);
}

static void
send_reply (BrokerSocksHandshake *self,
            GByteArray           *reply)
{
  /* A few bytes into a fresh connection: they fit, or the client is gone. */
  if (reply->len > 0)
    send (self->fd, reply->data, reply->len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  BrokerSocksHandshake *self = user_data;
  guint8 buffer[512];
  g_autoptr(GByteArray) reply = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BrokerSocksStatus status;
  gsize consumed = 0;
  ssize_t n;

  /* Peek, so bytes after the request stay in the socket as application data. */
  n = recv (fd, buffer, sizeof buffer, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      finish (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  status = broker_socks_feed (self->socks, buffer, n, &consumed, reply, &error);
  recv (fd, buffer, consumed, MSG_DONTWAIT);
  if (status == BROKER_SOCKS_REQUEST)
    finish (self, TRUE);
  else if (status == BROKER_SOCKS_ERROR)
    {
      g_message ("SOCKS request refused: %s", error->message);
      send_reply (self, reply);
      finish (self, FALSE);
    }
  else
    {
      send_reply (self, reply);
      return G_SOURCE_CONTINUE;
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  BrokerSocksHandshake *self = user_data;

  self->timeout_source = 0;
  g_debug ("SOCKS client sent no complete request within %u s: closed",
           REQUEST_TIMEOUT_SECONDS);
  finish (self, FALSE);
  return G_SOURCE_REMOVE;
}

BrokerSocksHandshake *
broker_socks_handshake_new (int                      fd,
                            BrokerSocksHandshakeFunc func,
                            gpointer                 user_data)
{
  BrokerSocksHandshake *self = g_new0 (BrokerSocksHandshake, 1);

  self->fd = fd;
  self->socks = broker_socks_new ();
  self->func = func;
  self->user_data = user_data;
  self->read_source = g_unix_fd_add (fd, G_IO_IN, on_readable, self);
  self->timeout_source = g_timeout_add_seconds (REQUEST_TIMEOUT_SECONDS, on_timeout, self);
  return self;
}

void
broker_socks_handshake_free (BrokerSocksHandshake *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->read_source, g_source_remove);
  g_clear_handle_id (&self->timeout_source, g_source_remove);
  if (self->fd >= 0)
    close (self->fd);
  broker_socks_free (self->socks);
  g_free (self);
}
