// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include "burrowctl-forward.h"

#include <glib-unix.h>
#include <stdio.h>

#include "broker-error.h"
#include "broker-tunnel-spec.h"
#include "burrow-dbus.h"
#include "burrowctl.h"


/* `burrowctl forward`: OpenSSH's -L/-R/-D spelling, carried by the broker
 * over the profile's shared session; and `burrowctl tunnels`. */

typedef struct
{
  GMainLoop *loop;
  int status;
  GPtrArray *tunnels;           /* BurrowDBusTunnel1 */
  BurrowDBusSession1 *session;
  char *last_state;
} Forward;

static GVariant *
spec_to_variant (const BrokerTunnelConfig *tunnel,
                 const char               *user,
                 const char               *host,
                 guint16                   port,
                 gboolean                  detach)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_variant_dict_insert (&dict, "kind", "s", broker_tunnel_kind_to_string (tunnel->kind));
  g_variant_dict_insert (&dict, "type", "s", broker_tunnel_type_to_string (tunnel->type));
  if (tunnel->listen_address != NULL)
    g_variant_dict_insert (&dict, "listen-address", "s", tunnel->listen_address);
  g_variant_dict_insert (&dict, "listen-port", "q", tunnel->listen_port);
  if (tunnel->dst_host != NULL)
    g_variant_dict_insert (&dict, "dst-host", "s", tunnel->dst_host);
  g_variant_dict_insert (&dict, "dst-port", "q", tunnel->dst_port);
  g_variant_dict_insert (&dict, "allow-relay", "b", tunnel->allow_relay);
  g_variant_dict_insert (&dict, "detach", "b", detach);
  if (host != NULL)
    {
      g_variant_dict_insert (&dict, "ssh-host", "s", host);
      if (user != NULL)
        g_variant_dict_insert (&dict, "ssh-user", "s", user);
      if (port != 0)
        g_variant_dict_insert (&dict, "ssh-port", "q", port);
    }
  return g_variant_dict_end (&dict);
}

static void
print_tunnel (BurrowDBusTunnel1 *tunnel,
              const char        *via)
{
  const char *kind = burrow_dbus_tunnel1_get_kind (tunnel);

  printf ("%s %s %s:%u", kind, burrow_dbus_tunnel1_get_type_ (tunnel),
          burrow_dbus_tunnel1_get_listen_address (tunnel),
          burrow_dbus_tunnel1_get_listen_port (tunnel));
  if (g_strcmp0 (kind, "dynamic") == 0)
    printf (" (SOCKS4/5)");
  else
    printf (" → %s:%u", burrow_dbus_tunnel1_get_destination_host (tunnel),
            burrow_dbus_tunnel1_get_destination_port (tunnel));
  printf (" via %s (%s)\n", via,
          g_dbus_proxy_get_object_path (G_DBUS_PROXY (tunnel)));
  fflush (stdout);
}

/* Session state changes go to stderr, so the user sees why a tunnel does
 * not carry anything. */
static void
on_session_changed (BurrowDBusSession1 *session,
                    GParamSpec         *pspec,
                    Forward            *forward)
{
  const char *state = burrow_dbus_session1_get_state (session);
  const char *reason = burrow_dbus_session1_get_failure_reason (session);

  if (g_strcmp0 (state, forward->last_state) == 0)
    return;
  g_free (forward->last_state);
  forward->last_state = g_strdup (state);
  fprintf (stderr, "burrowctl forward: session %s: %s%s%s\n",
           burrow_dbus_session1_get_profile (session), state,
           reason != NULL && *reason ? ": " : "", reason != NULL ? reason : "");
}

static gboolean
on_signal (gpointer user_data)
{
  Forward *forward = user_data;

  for (guint i = 0; i < forward->tunnels->len; i++)
    burrow_dbus_tunnel1_call_close_sync (forward->tunnels->pdata[i], NULL, NULL);
  g_ptr_array_set_size (forward->tunnels, 0);
  g_main_loop_quit (forward->loop);
  return G_SOURCE_CONTINUE;   /* removed when the command returns */
}

static void
on_broker_vanished (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  Forward *forward = user_data;

  fprintf (stderr, "burrowctl forward: the broker went away\n");
  forward->status = BURROWCTL_EXIT_NO_BROKER;
  g_main_loop_quit (forward->loop);
}

static BurrowDBusTunnel1 *
open_one (BurrowDBusBroker1 *broker,
          const char        *profile,
          GVariant          *spec,
          GError           **error)
{
  g_autofree char *path = NULL;

  if (!burrow_dbus_broker1_call_open_tunnel_sync (broker, profile, spec, &path, NULL, error))
    return NULL;
  return burrow_dbus_tunnel1_proxy_new_sync (g_dbus_proxy_get_connection (G_DBUS_PROXY (broker)),
                                             G_DBUS_PROXY_FLAGS_NONE, BROKER_BUS_NAME, path,
                                             NULL, error);
}

/* DEST names a profile when the broker knows one by that id; otherwise it
 * is [USER@]HOST[:PORT]. */
static gboolean
parse_destination (BurrowDBusBroker1  *broker,
                   const char         *dest,
                   char              **profile,
                   char              **user,
                   char              **host,
                   guint16            *port,
                   GError            **error)
{
  g_autoptr(GVariant) found = NULL;

  if (burrow_dbus_broker1_call_get_profile_sync (broker, dest, &found, NULL, NULL))
    {
      *profile = g_strdup (dest);
      return TRUE;
    }
  *profile = g_strdup ("");
  return broker_tunnel_spec_parse_destination (dest, user, host, port, error);
}

static gboolean
parse_specs (GPtrArray          *tunnels,
             BrokerTunnelKind    kind,
             const char * const *specs,
             GError            **error)
{
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      BrokerTunnelConfig *tunnel = broker_tunnel_spec_parse (kind, specs[i], error);

      if (tunnel == NULL)
        return FALSE;
      g_ptr_array_add (tunnels, tunnel);
    }
  return TRUE;
}

static void
watch_session (Forward           *forward,
               BurrowDBusTunnel1 *tunnel)
{
  if (forward->session != NULL)
    return;
  forward->session = burrow_dbus_session1_proxy_new_sync (
    g_dbus_proxy_get_connection (G_DBUS_PROXY (tunnel)), G_DBUS_PROXY_FLAGS_NONE,
    BROKER_BUS_NAME, burrow_dbus_tunnel1_get_session (tunnel), NULL, NULL);
  if (forward->session != NULL)
    g_signal_connect (forward->session, "notify::state", G_CALLBACK (on_session_changed), forward);
}

static int
serve (Forward           *forward,
       BurrowDBusBroker1 *broker)
{
  guint watch = g_bus_watch_name_on_connection (g_dbus_proxy_get_connection (G_DBUS_PROXY (broker)),
                                                BROKER_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                NULL, on_broker_vanished, forward, NULL);

  fprintf (stderr, "burrowctl forward: press Ctrl+C to close the tunnels\n");
  g_main_loop_run (forward->loop);
  g_bus_unwatch_name (watch);
  return forward->status;
}

int
burrowctl_cmd_forward (int    argc,
                       char **argv)
{
  g_auto(GStrv) local = NULL;
  g_auto(GStrv) remote = NULL;
  g_auto(GStrv) dynamic = NULL;
  gboolean detach = FALSE;
  GOptionEntry entries[] = {
    { "local", 'L', 0, G_OPTION_ARG_STRING_ARRAY, &local,
      "Local forward [ftp/|tcp/][BIND:]PORT:HOST:HOSTPORT", "SPEC" },
    { "remote", 'R', 0, G_OPTION_ARG_STRING_ARRAY, &remote,
      "Remote forward on the SSH server [ftp/|tcp/][BIND:]PORT:HOST:HOSTPORT", "SPEC" },
    { "dynamic", 'D', 0, G_OPTION_ARG_STRING_ARRAY, &dynamic,
      "SOCKS4/4a/5 proxy [BIND:]PORT", "SPEC" },
    { "detach", 0, 0, G_OPTION_ARG_NONE, &detach,
      "Leave the tunnels to the broker and exit (close them with Tunnel1.Close)", NULL },
    { NULL }
  };
  int exit_status = burrowctl_parse_options (
    &argc, &argv, "DEST",
    "Opens tunnels through the SSH server DEST (a profile id, or [USER@]HOST[:PORT]) and "
    "keeps them until interrupted.  Listeners bind 127.0.0.1 unless an address is given.",
    entries);
  g_autoptr(GPtrArray) configs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) broker_tunnel_config_free);
  g_autoptr(BurrowDBusBroker1) broker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  guint16 port = 0;
  Forward forward = { 0 };
  guint signal_ids[2] = { 0, 0 };

  if (exit_status >= 0)
    return exit_status;
  if (argc != 2)
    {
      fprintf (stderr, "burrowctl forward: expected one DEST after the tunnel options\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if (!parse_specs (configs, BROKER_TUNNEL_KIND_LOCAL, (const char * const *) local, &error) ||
      !parse_specs (configs, BROKER_TUNNEL_KIND_REMOTE, (const char * const *) remote, &error) ||
      !parse_specs (configs, BROKER_TUNNEL_KIND_DYNAMIC, (const char * const *) dynamic, &error))
    {
      fprintf (stderr, "burrowctl forward: %s\n", error->message);
      return BURROWCTL_EXIT_USAGE;
    }
  if (configs->len == 0)
    {
      fprintf (stderr, "burrowctl forward: give at least one -L, -R or -D\n");
      return BURROWCTL_EXIT_USAGE;
    }
  if ((broker = burrowctl_connect_broker ()) == NULL)
    return BURROWCTL_EXIT_NO_BROKER;
  if (!parse_destination (broker, argv[1], &profile, &user, &host, &port, &error))
    {
      fprintf (stderr, "burrowctl forward: %s\n", error->message);
      return BURROWCTL_EXIT_USAGE;
    }
  forward.loop = g_main_loop_new (NULL, FALSE);
  forward.tunnels = g_ptr_array_new_with_free_func (g_object_unref);
  /* Before the first tunnel opens: an interrupt at any point closes the
   * tunnels opened so far (handled once the loop runs). */
  signal_ids[0] = g_unix_signal_add (SIGINT, on_signal, &forward);
  signal_ids[1] = g_unix_signal_add (SIGTERM, on_signal, &forward);
  for (guint i = 0; i < configs->len; i++)
    {
      GVariant *spec = spec_to_variant (configs->pdata[i], user, host, port, detach);
      BurrowDBusTunnel1 *tunnel = open_one (broker, profile, spec, &error);

      if (tunnel == NULL)
        {
          exit_status = burrowctl_report_error (error);
          break;
        }
      g_ptr_array_add (forward.tunnels, tunnel);
      print_tunnel (tunnel, *profile != '\0' ? profile : argv[1]);
      watch_session (&forward, tunnel);
    }
  if (exit_status < 0 && !detach)
    exit_status = serve (&forward, broker);
  else if (exit_status >= 0)
    on_signal (&forward);   /* one failed: close the others */
  g_clear_handle_id (&signal_ids[0], g_source_remove);
  g_clear_handle_id (&signal_ids[1], g_source_remove);
  g_clear_object (&forward.session);
  g_ptr_array_unref (forward.tunnels);
  g_main_loop_unref (forward.loop);
  g_free (forward.last_state);
  return exit_status < 0 ? BURROWCTL_EXIT_OK : exit_status;
}

static void
print_tunnel_line (BurrowDBusTunnel1 *tunnel)
{
  g_autoptr(BurrowDBusSession1) session = NULL;
  const char *kind = burrow_dbus_tunnel1_get_kind (tunnel);
  g_autofree char *destination = NULL;

  session = burrow_dbus_session1_proxy_new_sync (
    g_dbus_proxy_get_connection (G_DBUS_PROXY (tunnel)), G_DBUS_PROXY_FLAGS_NONE,
    BROKER_BUS_NAME, burrow_dbus_tunnel1_get_session (tunnel), NULL, NULL);
  if (g_strcmp0 (kind, "dynamic") == 0)
    destination = g_strdup ("SOCKS");
  else
    destination = g_strdup_printf ("%s:%u", burrow_dbus_tunnel1_get_destination_host (tunnel),
                                   burrow_dbus_tunnel1_get_destination_port (tunnel));
  printf ("%-8s %-4s %s:%u → %s  profile %s  channels %u  in %" G_GUINT64_FORMAT
          "  out %" G_GUINT64_FORMAT "\n",
          kind, burrow_dbus_tunnel1_get_type_ (tunnel),
          burrow_dbus_tunnel1_get_listen_address (tunnel),
          burrow_dbus_tunnel1_get_listen_port (tunnel), destination,
          session != NULL ? burrow_dbus_session1_get_profile (session) : "?",
          burrow_dbus_tunnel1_get_channel_count (tunnel),
          burrow_dbus_tunnel1_get_bytes_in (tunnel), burrow_dbus_tunnel1_get_bytes_out (tunnel));
}

int
burrowctl_cmd_tunnels (int    argc,
                       char **argv)
{
  g_autoptr(GDBusObjectManager) objects = NULL;
  g_autolist(GDBusObject) list = NULL;
  int exit_status = burrowctl_parse_options (&argc, &argv, "",
                                             "Lists the broker's tunnels: the profiles' and "
                                             "the ad-hoc ones, with channels and bytes.", NULL);
  guint count = 0;

  if (exit_status >= 0)
    return exit_status;
  objects = burrowctl_connect_objects (&exit_status);
  if (objects == NULL)
    return exit_status;
  list = g_dbus_object_manager_get_objects (objects);
  for (GList *l = list; l != NULL; l = l->next)
    {
      g_autoptr(BurrowDBusTunnel1) tunnel = burrow_dbus_object_get_tunnel1 (l->data);

      if (tunnel == NULL)
        continue;
      print_tunnel_line (tunnel);
      count++;
    }
  if (count == 0)
    printf ("no tunnels\n");
  return BURROWCTL_EXIT_OK;
}
