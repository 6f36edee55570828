// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-broker"

#include "broker-capture-server.h"

#include "broker-capture-endpoint.h"
#include "broker-capture-names.h"
#include "broker-filter.h"
#include "broker-ftp-control.h"
#include "broker-ftp-data.h"
#include "broker-ftp-rewriter.h"
#include "broker-sandbox.h"
#include "burrow-capture-protocol.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A client that says nothing for this long is dropped. */
#define REQUEST_TIMEOUT_SECONDS 10
/* A fallback-to-plain rule waits this long for its SSH connection before
 * the program connects directly. */
#define FALLBACK_WAIT_SECONDS 30
#define ACCEPTS_PER_WAKEUP 64

struct _BrokerCaptureServer
{
  BrokerCaptureHost host;
  char *path;
  int listener;
  guint listen_source;
  BrokerCaptureEndpoint *endpoint;
  BrokerCaptureNames *names;
  GHashTable *clients;          /* Client set */
  GPtrArray *ftp_controls;      /* CapturedFtp */
};

/* A captured FTP control connection, the address the program connected it
 * to (where a 229 reply sends the program's data connects), and the
 * program's sandbox: data connects are handed over within one sandbox (or
 * none) only. */
typedef struct
{
  BrokerFtpControl *control;
  char *destination;
  char *sandbox;
} CapturedFtp;

/* One connect() of a captured program, from its question to our answer. */
typedef struct
{
  BrokerCaptureServer *server;  /* NULL once the server is gone */
  int fd;                       /* the program's end of the capture socket */
  guint read_source;
  guint timeout_source;
  struct ucred peer;
  char *sandbox;                /* the sandboxed program's app id, or NULL */
  guint8 buffer[BURROW_CAPTURE_MAX_FRAME];
  gsize have;
  int socket_fd;                /* the program's own socket, passed along */
  BurrowCaptureMessage request;

  char *application;            /* executable path, or NULL */
  char *address;                /* numeric destination address */
  char *name;                   /* the name the program gave, or NULL */
  gboolean synthetic;           /* the address is one of names' */
  gboolean direct_by_broker;    /* DIRECT, connected by the broker (synthetic) */
  guint16 port;
  BrokerRule *rule;             /* the deciding rule, or NULL */
  guint rule_index;             /* its index in the configuration's rules */
  BrokerSession *session;       /* a TUNNEL's */
  BrokerCaptureConnection *connection;  /* once decided */
  gboolean published;
  BrokerTraffic *traffic;       /* a TUNNEL's channel counts here */
  gulong state_handler;
} Client;

static void client_free    (Client *client);
static void publish        (Client *client);
static void direct_by_name (Client *client);

char *
broker_capture_server_default_path (void)
{
  const char *override = g_getenv ("BURROW_CAPTURE_SOCKET");

  if (override != NULL && *override != '\0')
    return g_strdup (override);
  return g_build_filename (g_get_user_runtime_dir (), "burrow", "capture", NULL);
}

/* Answers */

static void
send_reply (Client                     *client,
            const BurrowCaptureMessage *reply)
{
  guint8 frame[BURROW_CAPTURE_MAX_FRAME];
  gsize length = burrow_capture_message_encode (reply, frame, sizeof frame);

  /* A few bytes into an idle socket: they fit, or the program is gone. */
  if (length > 0 && send (client->fd, frame, length, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
    g_debug ("capture: the program (pid %d) left before its answer: %s", (int) client->peer.pid,
             g_strerror (errno));
}

static void
answer (Client *client,
        guint8  action,
        int     error_number)
{
  BurrowCaptureMessage reply;

  burrow_capture_message_init (&reply, BURROW_CAPTURE_VERDICT);
  reply.action = action;
  reply.present |= BURROW_CAPTURE_HAS_ACTION;
  if (action == BURROW_CAPTURE_ACTION_FAIL)
    {
      reply.error_number = error_number;
      reply.present |= BURROW_CAPTURE_HAS_ERRNO;
    }
  if (client->rule != NULL)
    {
      reply.rule = client->rule_index + 1;
      reply.present |= BURROW_CAPTURE_HAS_RULE;
    }
  send_reply (client, &reply);
  /* The state first: set on an object not yet on the bus, it costs no
   * PropertiesChanged signal. */
  if (client->connection != NULL
      && (action != BURROW_CAPTURE_ACTION_TUNNELLED || client->direct_by_broker))
    broker_capture_connection_set_state (client->connection,
                                         action == BURROW_CAPTURE_ACTION_DIRECT
                                         || client->direct_by_broker ? "direct" : "failed");
  else if (client->connection != NULL)
    broker_capture_connection_set_state (client->connection, "open");
  publish (client);
  client_free (client);
}

static void
answer_error (Client *client,
              int     error_number)
{
  BurrowCaptureMessage reply;

  burrow_capture_message_init (&reply, BURROW_CAPTURE_ERROR);
  reply.error_number = error_number;
  reply.present |= BURROW_CAPTURE_HAS_ERRNO;
  send_reply (client, &reply);
  client_free (client);
}

static const char *
destination_text (Client  *client,
                  GString *out)
{
  if (client->name != NULL)
    g_string_append_printf (out, "%s (%s)", client->name, client->address);
  else
    g_string_append (out, client->address);
  g_string_append_printf (out, " port %u", client->port);
  return out->str;
}

/* One journal entry per decision, with fields to search by. */
static void
log_decision (Client     *client,
              const char *action,
              const char *detail)
{
  g_autoptr(GString) destination = g_string_new (NULL);
  g_autofree char *message = NULL;
  g_autofree char *pid = g_strdup_printf ("%d", (int) client->peer.pid);
  g_autofree char *sandbox = client->sandbox != NULL
                             ? g_strdup_printf (", sandbox %s", client->sandbox) : NULL;

  destination_text (client, destination);
  message = g_strdup_printf ("capture: %s (pid %s%s) to %s: %s%s%s",
                             client->application != NULL ? client->application : "?", pid,
                             sandbox != NULL ? sandbox : "", destination->str, action,
                             detail != NULL ? ", " : "", detail != NULL ? detail : "");
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "MESSAGE", "%s", message,
                    "BURROW_CAPTURE_ACTION", action,
                    "BURROW_CAPTURE_PID", pid,
                    "BURROW_CAPTURE_APPLICATION", client->application != NULL ? client->application : "",
                    "BURROW_CAPTURE_SANDBOX", client->sandbox != NULL ? client->sandbox : "",
                    "BURROW_CAPTURE_DESTINATION", destination->str);
}

/* TUNNEL */

/* A TUNNEL connect that cannot be carried: the journal says why, and so do
 * the live view (State "failed", Failure) and a signal for the desktop;
 * the program's connect() fails with @error_number. */
static void
fail_tunnel (Client     *client,
             const char *why,
             int         error_number)
{
  BrokerCaptureServer *server = client->server;
  g_autoptr(BrokerCaptureConnection) connection = client->connection != NULL
                                                  ? g_object_ref (client->connection) : NULL;
  /* It may hold the SSH server's words: D-Bus strings must be UTF-8. */
  g_autofree char *reason = g_utf8_make_valid (why != NULL ? why : "", -1);

  log_decision (client, "tunnel failed", reason);
  if (connection != NULL)
    broker_capture_connection_fail (connection, reason);
  answer (client, BURROW_CAPTURE_ACTION_FAIL, error_number);
  if (server != NULL && connection != NULL && server->host.failed != NULL)
    server->host.failed (server->host.owner, connection, reason);
}

static void
on_channel_opened (gboolean    opened,
                   const char *why,
                   gpointer    user_data)
{
  Client *client = user_data;

  if (opened)
    {
      answer (client, BURROW_CAPTURE_ACTION_TUNNELLED, 0);
      return;
    }
  fail_tunnel (client, why, ECONNREFUSED);
}

/* The destination as the SSH server is asked for it: by name when the
 * program gave one, so that names only the far side knows work.  With
 * hostname-from-app="YES" the SSH server is the destination host itself,
 * and the channel goes to its own "localhost". */
static const char *
channel_target (Client *client)
{
  if (client->rule->hostname_from_app)
    return "localhost";
  return client->name != NULL ? client->name : client->address;
}

static void
captured_ftp_free (CapturedFtp *ftp)
{
  broker_ftp_control_free (ftp->control);
  g_free (ftp->destination);
  g_free (ftp->sandbox);
  g_free (ftp);
}

static void
on_ftp_control_finished (BrokerFtpControl *control,
                         gpointer          user_data)
{
  BrokerCaptureServer *server = user_data;

  for (guint i = 0; i < server->ftp_controls->len; i++)
    if (((CapturedFtp *) server->ftp_controls->pdata[i])->control == control)
      {
        g_ptr_array_remove_index_fast (server->ftp_controls, i);
        return;
      }
}

/* Port 21 always; another port when the deciding rule says ftp="YES". */
static gboolean
is_ftp_control (Client *client)
{
  return client->port == 21 || client->rule->ftp;
}

/* A captured FTP control connection: relayed through the FTP rewriter, so
 * its data channels ride the same session, as an FTP tunnel's.
 * Passive data listeners are on the endpoint's address; the program's
 * connects to them are handed there (ftp_data_connect).  Takes @fd. */
static void
carry_ftp (Client *client,
           int     fd)
{
  BrokerCaptureServer *server = client->server;
  g_autofree char *destination = g_strdup (client->address);
  g_autofree char *sandbox = g_strdup (client->sandbox);   /* @client may go in there */
  BrokerFtpControl *control =
    broker_ftp_control_new_local (client->session, client->traffic, fd, channel_target (client),
                                  client->port,
                                  broker_open_report_new (on_channel_opened, client),
                                  on_ftp_control_finished, server);
  CapturedFtp *ftp;

  if (control == NULL)
    return;
  ftp = g_new0 (CapturedFtp, 1);
  ftp->control = control;
  ftp->destination = g_steal_pointer (&destination);
  ftp->sandbox = g_steal_pointer (&sandbox);
  g_ptr_array_add (server->ftp_controls, ftp);
}

static void
on_joined (int         fd,
           const char *error,
           gpointer    user_data)
{
  Client *client = user_data;

  if (fd < 0)
    {
      fail_tunnel (client, error, ECONNREFUSED);
      return;
    }
  if (client->server == NULL)
    {
      close (fd);
      answer (client, BURROW_CAPTURE_ACTION_FAIL, ECONNREFUSED);
      return;
    }
  if (is_ftp_control (client))
    {
      carry_ftp (client, fd);
      return;
    }
  broker_session_open_channel (client->session, BROKER_CHANNEL_DIRECT, fd, channel_target (client),
                               client->port, client->traffic,
                               broker_open_report_new (on_channel_opened, client));
}

static void
join_endpoint (Client *client)
{
  int socket_fd = client->socket_fd;

  client->socket_fd = -1;
  broker_capture_endpoint_join (client->server->endpoint, socket_fd, on_joined, client);
}

static void
stop_waiting (Client *client)
{
  g_clear_signal_handler (&client->state_handler, client->session);
  g_clear_handle_id (&client->timeout_source, g_source_remove);
}

static const char *
session_state (BrokerSession *session)
{
  return burrow_dbus_session1_get_state (BURROW_DBUS_SESSION1 (session));
}

static void
fall_back (Client     *client,
           const char *why)
{
  stop_waiting (client);
  log_decision (client, "direct (fallback-to-plain)", why);
  answer (client, BURROW_CAPTURE_ACTION_DIRECT, 0);
}

static void
on_session_state (Client *client)
{
  const char *state = session_state (client->session);

  if (g_str_equal (state, "connected"))
    {
      stop_waiting (client);
      join_endpoint (client);
    }
  else if (g_str_equal (state, "failed"))
    fall_back (client, burrow_dbus_session1_get_failure_reason (BURROW_DBUS_SESSION1 (client->session)));
}

static gboolean
on_fallback_timeout (gpointer user_data)
{
  Client *client = user_data;

  client->timeout_source = 0;
  fall_back (client, "the SSH connection took too long");
  return G_SOURCE_REMOVE;
}

/* With fallback-to-plain the program's socket is joined to the endpoint
 * only once the SSH connection is up: until then it may still connect
 * directly. */
static void
wait_for_session (Client            *client,
                  const BrokerConfig *config)
{
  if (g_str_equal (session_state (client->session), "connected"))
    {
      join_endpoint (client);
      return;
    }
  client->state_handler = g_signal_connect_swapped (client->session, "notify::state",
                                                    G_CALLBACK (on_session_state), client);
  client->timeout_source = g_timeout_add_seconds (FALLBACK_WAIT_SECONDS, on_fallback_timeout,
                                                  client);
  broker_session_connect (client->session, config);
}

static void
tunnel (Client             *client,
        const BrokerConfig *config)
{
  BrokerCaptureServer *server = client->server;
  g_autoptr(GError) error = NULL;

  client->session = server->host.get_session (server->host.owner, client->rule,
                                              client->name != NULL ? client->name
                                                                   : client->address,
                                              client->sandbox, &error);
  if (client->session == NULL)
    {
      if (client->rule->fallback_to_plain)
        {
          fall_back (client, error->message);
          return;
        }
      fail_tunnel (client, error->message, EHOSTUNREACH);
      return;
    }
  g_object_ref (client->session);
  client->traffic = broker_traffic_new ();
  broker_capture_connection_tunnel (client->connection, client->session,
                                    broker_session_get_profile (client->session)->id,
                                    client->traffic);
  /* Listed at once only while the session is not up (a connect waiting for
   * an SSH connection, a host-key question or a password); otherwise with
   * the answer, off the connect's path: exporting an object on the bus
   * costs more than the answer itself. */
  if (!g_str_equal (session_state (client->session), "connected"))
    publish (client);
  log_decision (client, "tunnel", client->rule->profile);
  if (client->rule->fallback_to_plain)
    wait_for_session (client, config);
  else
    join_endpoint (client);
}

/* Deciding */

static char *
executable_of (pid_t pid)
{
  g_autofree char *link = g_strdup_printf ("/proc/%d/exe", (int) pid);

  return g_file_read_link (link, NULL);
}

/* DIRECT for a name the program got a synthetic address for (a TUNNEL rule
 * covers the name, for other ports): the program cannot connect to that
 * address, so the broker resolves the name, as the program would have, and
 * connects the program's socket itself. */
static void
on_direct_connected (int      error_number,
                     gpointer user_data)
{
  Client *client = user_data;

  if (error_number != 0)
    {
      log_decision (client, "direct failed", g_strerror (error_number));
      answer (client, BURROW_CAPTURE_ACTION_FAIL, error_number);
      return;
    }
  client->direct_by_broker = TRUE;
  answer (client, BURROW_CAPTURE_ACTION_TUNNELLED, 0);
}

/* The first address of the socket's family (an IPv6 socket takes IPv4 as
 * mapped addresses), or NULL. */
static GInetAddress *
pick_address (GList *addresses,
              int    family)
{
  for (GList *l = addresses; l != NULL; l = l->next)
    if ((family == AF_INET) == (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4))
      return g_object_ref (l->data);
  for (GList *l = addresses; family == AF_INET6 && l != NULL; l = l->next)
    {
      g_autofree char *text = g_inet_address_to_string (l->data);
      g_autofree char *mapped = g_strdup_printf ("::ffff:%s", text);

      return g_inet_address_new_from_string (mapped);
    }
  return NULL;
}

/* Connects the program's socket (taken) to the first of @addresses of
 * its family, at the port it asked for; on_direct_connected() answers.
 * FALSE, the socket left alone, when none fits. */
static gboolean
connect_directly (Client *client,
                  GList  *addresses)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  int family = AF_UNSPEC;
  socklen_t length = sizeof family;
  int socket_fd = client->socket_fd;

  getsockopt (socket_fd, SOL_SOCKET, SO_DOMAIN, &family, &length);
  address = pick_address (addresses, family);
  if (address == NULL)
    return FALSE;
  target = g_inet_socket_address_new (address, client->port);
  client->socket_fd = -1;
  broker_capture_connect_direct (socket_fd, target, on_direct_connected, client);
  return TRUE;
}

static void
on_name_resolved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  gboolean connecting = client->server != NULL && connect_directly (client, addresses);

  g_resolver_free_addresses (addresses);
  if (!connecting)
    {
      log_decision (client, "direct failed",
                    error != NULL ? error->message : "no address of the socket's family");
      answer (client, BURROW_CAPTURE_ACTION_FAIL, EHOSTUNREACH);
    }
}

static void
direct_by_name (Client *client)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();

  log_decision (client, "direct", "resolved by the broker (the name has a synthetic address)");
  g_resolver_lookup_by_name_async (resolver, client->name, NULL, on_name_resolved, client);
}

/* The live view: every decided connect is listed (Connection1), once the
 * program has its answer (a tunnel's, at once: its bytes count there). */
static void
publish (Client *client)
{
  BrokerCaptureServer *server = client->server;

  if (client->connection == NULL || client->published || server == NULL)
    return;
  client->published = TRUE;
  if (server->host.publish != NULL)
    server->host.publish (server->host.owner, client->connection);
}

static void
decided (Client *client,
         int     index)
{
  BrokerCaptureConnectionInfo info = {
    .application = client->application,
    .pid = client->peer.pid,
    .sandbox = client->sandbox,
    .host = client->name != NULL ? client->name : client->address,
    .address = client->address,
    .port = client->port,
  };
  const char *action = client->rule != NULL
                       ? broker_rule_action_to_string (client->rule->action) : "DIRECT";

  client->connection = broker_capture_connection_new (&info);
  broker_capture_connection_decided (client->connection, action, index);
}

/* The request's ADDRESS as an address (its port is request.port), or NULL. */
static GInetAddress *
request_address (Client *client)
{
  struct sockaddr_storage native;
  socklen_t length = sizeof native;
  g_autoptr(GSocketAddress) parsed = NULL;

  if (burrow_capture_message_get_sockaddr (&client->request, &native, &length) < 0)
    return NULL;
  parsed = g_socket_address_new_from_native (&native, length);
  if (parsed == NULL)
    return NULL;
  return g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (parsed)));
}

/* The destination: a synthetic address stands for the name it was handed
 * out for; otherwise the address, and the name if the program gave one. */
static gboolean
take_destination (Client       *client,
                  GInetAddress *address)
{
  const char *name;

  client->address = g_inet_address_to_string (address);
  if (!broker_capture_names_is_synthetic (address))
    {
      if (client->request.present & BURROW_CAPTURE_HAS_NAME)
        client->name = g_strdup (client->request.name);
      return TRUE;
    }
  name = broker_capture_names_lookup (client->server->names, address);
  if (name == NULL)
    {
      log_decision (client, "refused", "a synthetic address this broker did not hand out "
                    "(was the broker restarted since the name was looked up?)");
      answer (client, BURROW_CAPTURE_ACTION_FAIL, EHOSTUNREACH);
      return FALSE;
    }
  client->synthetic = TRUE;
  client->name = g_strdup (name);
  return TRUE;
}

/* A name lookup: a synthetic address when a TUNNEL rule covers the name,
 * so that no DNS query for it leaves the machine. */
static void
resolve (Client *client)
{
  BrokerCaptureServer *server = client->server;
  BrokerConfig *config = server->host.get_config (server->host.owner);
  BurrowCaptureMessage reply;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  struct sockaddr_storage native;

  burrow_capture_message_init (&reply, BURROW_CAPTURE_RESOLVED);
  client->application = executable_of (client->peer.pid);
  if (broker_filter_name_tunnelled (config, client->application, client->request.name) >= 0)
    address = broker_capture_names_address (server->names, client->request.name,
                                            client->request.query_family == 6
                                            ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4);
  if (address != NULL)
    {
      socket_address = g_inet_socket_address_new (address, 0);
      if (g_socket_address_to_native (socket_address, &native, sizeof native, NULL))
        burrow_capture_message_set_sockaddr (&reply, (struct sockaddr *) &native,
                                             g_socket_address_get_native_size (socket_address));
      g_debug ("capture: %s (pid %d) looked up %s: synthetic address",
               client->application != NULL ? client->application : "?", (int) client->peer.pid,
               client->request.name);
    }
  send_reply (client, &reply);
  client_free (client);
}

static gboolean
is_captured_ftp_server (BrokerCaptureServer *server,
                        const char          *address,
                        const char          *sandbox)
{
  for (guint i = 0; i < server->ftp_controls->len; i++)
    {
      CapturedFtp *ftp = server->ftp_controls->pdata[i];

      if (g_str_equal (ftp->destination, address) && g_strcmp0 (ftp->sandbox, sandbox) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The program's socket is connected to the data listener by the broker:
 * the program asked for its FTP server's address, not the listener's. */
static void
hand_to_data_listener (Client     *client,
                       const char *listener)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (listener);
  GList one = { .data = inet };

  if (!connect_directly (client, &one))
    {
      g_message ("capture: pid %d: an FTP data connect from a socket of the wrong family",
                 (int) client->peer.pid);
      answer (client, BURROW_CAPTURE_ACTION_FAIL, ECONNREFUSED);
    }
}

/* A captured FTP client's data connect to the port of a passive data
 * listener: at the address its control connection went to (where a 229
 * reply, or a client that does not trust a 227's address, sends it), or on
 * loopback (the listener's own address, as a 227 names it).  Answered
 * here, before any rule. */
static gboolean
ftp_data_connect (Client *client)
{
  const char *listener = broker_ftp_data_get_local_address (client->port);

  if (listener == NULL)
    return FALSE;
  g_debug ("capture: pid %d connects to a data listener of a captured FTP connection",
           (int) client->peer.pid);
  /* The listener's own address (a 227 names it): the program connects
   * itself.  Any other loopback address goes by the rules. */
  if (g_str_equal (listener, client->address))
    answer (client, BURROW_CAPTURE_ACTION_DIRECT, 0);
  else if (is_captured_ftp_server (client->server, client->address, client->sandbox))
    hand_to_data_listener (client, listener);
  else
    return FALSE;
  return TRUE;
}

/* The first rule that matches the client's destination, kept in the
 * client; its index, or -1. */
static int
evaluate (Client       *client,
          BrokerConfig *config)
{
  BrokerFilterQuery query = { 0 };
  int index;

  query.application = client->application;
  query.host = client->name != NULL ? client->name : client->address;
  query.address = client->synthetic ? NULL : client->address;
  query.port = client->port;
  index = broker_filter_evaluate (config, &query, NULL);
  if (index >= 0)
    {
      client->rule = broker_rule_ref (config->rules->pdata[index]);
      client->rule_index = index;
    }
  return index;
}

static void
decide (Client *client)
{
  BrokerCaptureServer *server = client->server;
  BrokerConfig *config = server->host.get_config (server->host.owner);
  g_autoptr(GInetAddress) address = request_address (client);
  int index;

  if (address == NULL)
    {
      answer_error (client, EPROTO);
      return;
    }
  client->port = client->request.port;
  client->application = executable_of (client->peer.pid);
  if (!take_destination (client, address))
    return;
  if (ftp_data_connect (client))
    return;

  index = evaluate (client, config);
  decided (client, index);
  if (client->synthetic && (client->rule == NULL || client->rule->action == BROKER_RULE_ACTION_DIRECT))
    {
      direct_by_name (client);
      return;
    }
  if (index < 0)
    {
      g_debug ("capture: no rule for pid %d: direct", (int) client->peer.pid);
      answer (client, BURROW_CAPTURE_ACTION_DIRECT, 0);
      return;
    }
  switch (client->rule->action)
    {
    case BROKER_RULE_ACTION_DIRECT:
      log_decision (client, "direct", NULL);
      answer (client, BURROW_CAPTURE_ACTION_DIRECT, 0);
      break;
    case BROKER_RULE_ACTION_BLOCK:
      log_decision (client, "block", NULL);
      answer (client, BURROW_CAPTURE_ACTION_FAIL, BROKER_CAPTURE_BLOCK_ERRNO);
      break;
    case BROKER_RULE_ACTION_TUNNEL:
      tunnel (client, config);
      break;
    }
}

/* A connect the program made DIRECT by the rules snapshot, told
 * afterwards: listed and logged as if decided here.  Should the rules in
 * force say otherwise (the snapshot was being replaced at that moment),
 * the journal says so. */
static void
take_report (Client *client)
{
  BrokerConfig *config = client->server->host.get_config (client->server->host.owner);
  g_autoptr(GInetAddress) address = request_address (client);
  int index;

  if (address == NULL)
    {
      client_free (client);
      return;
    }
  client->port = client->request.port;
  client->application = executable_of (client->peer.pid);
  /* Told by the program: it may have exited since. */
  if (client->application == NULL && (client->request.present & BURROW_CAPTURE_HAS_EXECUTABLE))
    client->application = g_strdup (client->request.executable);
  client->address = g_inet_address_to_string (address);
  index = evaluate (client, config);
  if (index < 0)              /* as decide() does: no rule, no journal entry */
    g_debug ("capture: no rule for pid %d: direct (decided by the program)",
             (int) client->peer.pid);
  else if (client->rule->action == BROKER_RULE_ACTION_DIRECT)
    log_decision (client, "direct", "decided by the program from the rules snapshot");
  else
    {
      g_autofree char *why = g_strdup_printf ("decided by the program from an older rules "
                                              "snapshot; the rules now say %s (rule %d)",
                                              broker_rule_action_to_string (client->rule->action),
                                              index + 1);

      log_decision (client, "direct", why);
      g_clear_pointer (&client->rule, broker_rule_unref);
      client->rule_index = 0;
      index = -1;
    }
  decided (client, index);
  broker_capture_connection_set_state (client->connection, "direct");
  publish (client);
  client_free (client);
}

/* Whether @pid is @ancestor or one of its descendants, within a bounded
 * walk up the parents.  burrow-capture --seccomp is a child subreaper,
 * so its programs stay its descendants when their own parents exit. */
static gboolean
is_descendant (pid_t pid,
               pid_t ancestor)
{
  for (guint depth = 0; depth < 64 && pid > 1; depth++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
      g_autofree char *text = NULL;
      const char *end;
      int state_parent = 0;

      if (pid == ancestor)
        return TRUE;
      /* "PID (COMM) STATE PPID …": COMM may hold anything, ')' included. */
      if (!g_file_get_contents (path, &text, NULL, NULL)
          || (end = strrchr (text, ')')) == NULL
          || sscanf (end + 1, " %*c %d", &state_parent) != 1)
        return FALSE;
      pid = state_parent;
    }
  return pid == ancestor;
}

/* A seccomp supervisor asks for the program it supervises (PID): the
 * decision, the live view and the journal are about that program, when it
 * is the supervisor's descendant; otherwise about the sender. */
static void
take_program_pid (Client *client)
{
  pid_t claimed;

  if (!(client->request.present & BURROW_CAPTURE_HAS_PID))
    return;
  claimed = (pid_t) client->request.pid;
  if (claimed != client->peer.pid && is_descendant (claimed, client->peer.pid))
    client->peer.pid = claimed;
  else if (claimed != client->peer.pid)
    g_debug ("capture: pid %d asked for pid %d, which is not its descendant (or has exited)",
             (int) client->peer.pid, (int) claimed);
}

/* Another user's program, with this user's capture settings (a shell of
 * `su` keeps LD_PRELOAD): what it would get were it not captured.  A name
 * gets no synthetic address, a connect is made directly. */
static void
pass_through (Client *client)
{
  BurrowCaptureMessage reply;

  if (client->request.type != BURROW_CAPTURE_RESOLVE)
    {
      answer (client, BURROW_CAPTURE_ACTION_DIRECT, 0);
      return;
    }
  burrow_capture_message_init (&reply, BURROW_CAPTURE_RESOLVED);
  send_reply (client, &reply);
  client_free (client);
}

static void
handle_request (Client *client)
{
  g_clear_handle_id (&client->read_source, g_source_remove);
  g_clear_handle_id (&client->timeout_source, g_source_remove);

  /* Another user's program is none of this broker's business. */
  if (client->peer.uid != getuid () && client->request.type == BURROW_CAPTURE_REPORT)
    {
      client_free (client);
      return;
    }
  if (client->peer.uid != getuid ())
    {
      pass_through (client);
      return;
    }
  take_program_pid (client);
  switch (client->request.type)
    {
    case BURROW_CAPTURE_CONNECT:
      if (client->socket_fd < 0)
        {
          g_message ("capture: pid %d asked about a connect without its socket",
                     (int) client->peer.pid);
          answer_error (client, EPROTO);
          return;
        }
      decide (client);
      return;
    case BURROW_CAPTURE_RESOLVE:
      resolve (client);
      return;
    case BURROW_CAPTURE_REPORT:
      take_report (client);
      return;
    default:
      answer_error (client, EPROTO);
      return;
    }
}

/* Reading the question */

static void
take_passed_fds (Client        *client,
                 struct msghdr *message)
{
  for (struct cmsghdr *header = CMSG_FIRSTHDR (message); header != NULL;
       header = CMSG_NXTHDR (message, header))
    {
      int *fds;
      gsize n;

      if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
        continue;
      fds = (int *) CMSG_DATA (header);
      n = (header->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (gsize i = 0; i < n; i++)
        {
          int fd;

          memcpy (&fd, fds + i, sizeof fd);
          if (client->socket_fd < 0)
            client->socket_fd = fd;
          else
            close (fd);
        }
    }
}

static gboolean
on_client_readable (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  Client *client = user_data;
  union
  {
    char buffer[CMSG_SPACE (4 * sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { client->buffer + client->have, sizeof client->buffer - client->have };
  struct msghdr message = {
    .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control.buffer, .msg_controllen = sizeof control.buffer,
  };
  ssize_t n = recvmsg (fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  size_t consumed = 0;
  const char *why = NULL;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n > 0)
    take_passed_fds (client, &message);
  if (n <= 0 || (message.msg_flags & MSG_CTRUNC))
    {
      client->read_source = 0;
      client_free (client);
      return G_SOURCE_REMOVE;
    }
  client->have += n;
  switch (burrow_capture_message_decode (client->buffer, client->have, &client->request,
                                         &consumed, &why))
    {
    case BURROW_CAPTURE_DECODE_NEED_MORE:
      if (client->have < sizeof client->buffer)
        return G_SOURCE_CONTINUE;
      why = "too long";
      G_GNUC_FALLTHROUGH;
    case BURROW_CAPTURE_DECODE_INVALID:
      g_message ("capture: pid %d sent a request that is not understood: %s",
                 (int) client->peer.pid, why);
      client->read_source = 0;
      answer_error (client, EPROTO);
      return G_SOURCE_REMOVE;
    case BURROW_CAPTURE_DECODE_BAD_VERSION:
      g_message ("capture: pid %d speaks another version of the capture protocol "
                 "(this broker: %d); is libburrow-capture.so from another Burrow?",
                 (int) client->peer.pid, BURROW_CAPTURE_VERSION);
      client->read_source = 0;
      answer_error (client, EPROTONOSUPPORT);
      return G_SOURCE_REMOVE;
    case BURROW_CAPTURE_DECODE_OK:
      break;
    }
  client->read_source = 0;
  handle_request (client);
  return G_SOURCE_REMOVE;
}

static gboolean
on_client_timeout (gpointer user_data)
{
  Client *client = user_data;

  client->timeout_source = 0;
  g_debug ("capture: pid %d sent no request", (int) client->peer.pid);
  client_free (client);
  return G_SOURCE_REMOVE;
}

static void
client_free (Client *client)
{
  if (client->server != NULL)
    g_hash_table_remove (client->server->clients, client);
  stop_waiting (client);
  g_clear_handle_id (&client->read_source, g_source_remove);
  if (client->fd >= 0)
    close (client->fd);
  if (client->socket_fd >= 0)
    close (client->socket_fd);
  g_clear_object (&client->session);
  g_clear_object (&client->connection);
  g_clear_pointer (&client->traffic, broker_traffic_unref);
  g_clear_pointer (&client->rule, broker_rule_unref);
  g_free (client->sandbox);
  g_free (client->application);
  g_free (client->address);
  g_free (client->name);
  g_free (client);
}

static gboolean
on_listener_ready (int          listener,
                   GIOCondition condition,
                   gpointer     user_data)
{
  BrokerCaptureServer *self = user_data;

  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++)
    {
      int fd = accept4 (listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      socklen_t length = sizeof (struct ucred);
      Client *client;

      if (fd < 0)
        break;
      client = g_new0 (Client, 1);
      client->server = self;
      client->fd = fd;
      client->socket_fd = -1;
      if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &client->peer, &length) < 0)
        {
          client_free (client);
          continue;
        }
      /* At once, while the program waits connected: see
       * broker_sandbox_inspect_peer() for what is trusted. */
      if (client->peer.uid == getuid ())
        client->sandbox = broker_sandbox_inspect_peer (fd, client->peer.pid);
      g_hash_table_add (self->clients, client);
      client->read_source = g_unix_fd_add (fd, G_IO_IN, on_client_readable, client);
      client->timeout_source = g_timeout_add_seconds (REQUEST_TIMEOUT_SECONDS, on_client_timeout,
                                                      client);
    }
  return G_SOURCE_CONTINUE;
}

/* The socket's directory: ours, 0700; made if missing, refused if someone
 * else's or open to others. */
static gboolean
prepare_directory (const char  *directory,
                   GError     **error)
{
  struct stat info;

  if (g_mkdir_with_parents (directory, 0700) < 0 || g_lstat (directory, &info) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s",
                   directory, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISDIR (info.st_mode) || info.st_uid != getuid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s is not a directory of this user's: refusing to put the capture socket "
                   "there", directory);
      return FALSE;
    }
  if ((info.st_mode & 077) != 0 && g_chmod (directory, 0700) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot make %s private (mode 0700): %s", directory, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static int
listen_at (const char  *path,
           GError     **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd;
  int saved;

  if (strlen (path) >= sizeof address.sun_path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   "the capture socket path %s is too long", path);
      return -1;
    }
  strcpy (address.sun_path, path);
  /* A socket left by a broker that ended; only one broker owns the bus
   * name, and it alone gets here. */
  g_unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0 && bind (fd, (struct sockaddr *) &address, sizeof address) == 0
      && chmod (path, 0600) == 0 && listen (fd, 4096) == 0)
    return fd;
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
               "cannot listen on the capture socket %s: %s", path, g_strerror (saved));
  return -1;
}

BrokerCaptureServer *
broker_capture_server_new (const BrokerCaptureHost *host,
                           const char              *path,
                           GError                 **error)
{
  g_autofree char *directory = g_path_get_dirname (path);
  BrokerCaptureServer *self;
  BrokerCaptureEndpoint *endpoint;
  int listener;

  if (!prepare_directory (directory, error))
    return NULL;
  endpoint = broker_capture_endpoint_new (error);
  if (endpoint == NULL)
    return NULL;
  listener = listen_at (path, error);
  if (listener < 0)
    {
      broker_capture_endpoint_free (endpoint);
      return NULL;
    }
  self = g_new0 (BrokerCaptureServer, 1);
  self->host = *host;
  self->path = g_strdup (path);
  self->listener = listener;
  self->endpoint = endpoint;
  self->clients = g_hash_table_new (NULL, NULL);
  self->names = broker_capture_names_new ();
  self->ftp_controls = g_ptr_array_new_with_free_func ((GDestroyNotify) captured_ftp_free);
  self->listen_source = g_unix_fd_add (listener, G_IO_IN, on_listener_ready, self);
  return self;
}

/* Programs waiting for an answer get a refusal. */
void
broker_capture_server_free (BrokerCaptureServer *self)
{
  GHashTableIter iter;
  Client *client;

  if (self == NULL)
    return;
  g_clear_handle_id (&self->listen_source, g_source_remove);
  close (self->listener);
  g_unlink (self->path);
  g_hash_table_iter_init (&iter, self->clients);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    {
      /* Waiting for its question, or for a session (fallback-to-plain):
       * nothing will call back for it.  Others are freed by their callback. */
      gboolean waiting = client->read_source != 0 || client->state_handler != 0;

      g_hash_table_iter_steal (&iter);
      client->server = NULL;
      stop_waiting (client);
      g_clear_handle_id (&client->read_source, g_source_remove);
      g_clear_handle_id (&client->timeout_source, g_source_remove);
      if (client->fd >= 0)
        {
          close (client->fd);   /* the program sees the broker go: fail-closed */
          client->fd = -1;
        }
      if (waiting)
        client_free (client);
    }
  broker_capture_endpoint_free (self->endpoint);
  broker_capture_names_free (self->names);
  g_ptr_array_unref (self->ftp_controls);
  g_hash_table_unref (self->clients);
  g_free (self->path);
  g_free (self);
}
