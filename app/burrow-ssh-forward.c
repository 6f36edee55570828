// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-ssh-config"

#include "burrow-ssh-forward.h"

#include "burrow-ssh-values.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#define DEFAULT_LISTEN_ADDRESS "127.0.0.1"  /* the broker's, when none is given */

static const char * const list_keys[BURROW_SSH_FORWARD_KINDS] = {
  "local-tunnels", "remote-tunnels", "dynamic-tunnels",
};

void
burrow_ssh_forward_clear (BurrowSshForward *forward)
{
  g_clear_pointer (&forward->listen_address, g_free);
  g_clear_pointer (&forward->dst_host, g_free);
}

/* [BIND:]PORT:HOST:HOSTPORT split at ':' or '/' outside brackets, as ssh
 * does; the brackets are taken off. */
static gboolean
split_forward (const char *spec,
               GPtrArray  *fields)
{
  const char *p = spec;

  while (TRUE)
    {
      if (*p == '[')
        {
          const char *close = strchr (p, ']');

          if (close == NULL || (close[1] != '\0' && close[1] != ':' && close[1] != '/'))
            return FALSE;
          g_ptr_array_add (fields, g_strndup (p + 1, close - p - 1));
          p = close + 1;
        }
      else
        {
          gsize length = strcspn (p, ":/");

          g_ptr_array_add (fields, g_strndup (p, length));
          p += length;
        }
      if (*p == '\0')
        return TRUE;
      if (fields->len >= 4)
        return FALSE;
      p++;
    }
}

static gboolean
is_ipv4_loopback (const char *address)
{
  g_auto(GStrv) parts = g_strsplit (address, ".", -1);

  if (g_strv_length (parts) != 4 || strcmp (parts[0], "127") != 0)
    return FALSE;
  for (guint i = 1; i < 4; i++)
    if (strlen (parts[i]) > 3 ||
        !g_ascii_string_to_unsigned (parts[i], 10, 0, 255, NULL, NULL))
      return FALSE;
  return TRUE;
}

static char *
read_bind_address (const char  *address,
                   char       **out)
{
  if (g_ascii_strcasecmp (address, "localhost") == 0 ||
      strcmp (address, DEFAULT_LISTEN_ADDRESS) == 0)
    return NULL;
  if (strcmp (address, "::1") == 0 || is_ipv4_loopback (address))
    {
      *out = g_strdup (address);
      return NULL;
    }
  return g_strdup_printf (_("the bind address \"%s\" lets other computers connect; add the "
                            "forward in Burrow if that is meant"), address);
}

static char *
forward_syntax (BurrowSshForwardKind kind)
{
  if (kind == BURROW_SSH_FORWARD_DYNAMIC)
    return g_strdup (_("expected [bind_address:]port"));
  return g_strdup (_("expected [bind_address:]port host:hostport"));
}

static char *
read_forward_fields (GPtrArray        *fields,
                     BurrowSshForward *forward)
{
  guint destination = forward->kind == BURROW_SSH_FORWARD_DYNAMIC ? 0 : 2;
  guint first;
  const char *problem;

  if (fields->len != destination + 1 && fields->len != destination + 2)
    return forward_syntax (forward->kind);
  first = fields->len - 1 - destination;
  if (first == 1)
    {
      char *refusal = read_bind_address (fields->pdata[0], &forward->listen_address);

      if (refusal != NULL)
        return refusal;
    }
  if (!burrow_ssh_parse_port (fields->pdata[first], &forward->listen_port))
    return g_strdup_printf (_("\"%s\" is not a port number from 1 to 65535"),
                            (const char *) fields->pdata[first]);
  if (destination == 0)
    return NULL;
  forward->dst_host = g_strdup (fields->pdata[first + 1]);
  if ((problem = burrow_ssh_name_problem (forward->dst_host)) != NULL)
    return g_strdup_printf (_("the destination \"%s\" %s"), forward->dst_host, problem);
  if (!burrow_ssh_parse_port (fields->pdata[first + 2], &forward->dst_port))
    return g_strdup_printf (_("\"%s\" is not a port number from 1 to 65535"),
                            (const char *) fields->pdata[first + 2]);
  return NULL;
}

char *
burrow_ssh_forward_parse (BurrowSshForwardKind  kind,
                          const char * const   *args,
                          BurrowSshForward     *forward)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *spec = NULL;
  guint count = g_strv_length ((GStrv) args);

  forward->kind = kind;
  if (kind == BURROW_SSH_FORWARD_REMOTE && count == 1)
    return g_strdup (_("a SOCKS proxy at the server's end is not supported by Burrow"));
  if (count != (kind == BURROW_SSH_FORWARD_DYNAMIC ? 1u : 2u))
    return forward_syntax (kind);
  for (guint i = 0; i < count; i++)
    if (args[i][0] == '/' || args[i][0] == '~')
      return g_strdup (_("Unix-domain sockets are not supported by Burrow"));
  if (count == 1)
    spec = g_strdup (args[0]);
  else
    spec = g_strconcat (args[0], ":", args[1], NULL);
  if (!split_forward (spec, fields))
    return forward_syntax (kind);
  return read_forward_fields (fields, forward);
}

const char *
burrow_ssh_forward_listen_address (const BurrowSshForward *forward)
{
  return forward->listen_address != NULL ? forward->listen_address : DEFAULT_LISTEN_ADDRESS;
}

gboolean
burrow_ssh_forward_clashes (const BurrowSshForward *forward,
                            const BurrowSshForward *other)
{
  return (other->kind == BURROW_SSH_FORWARD_REMOTE) == (forward->kind == BURROW_SSH_FORWARD_REMOTE)
         && other->listen_port == forward->listen_port
         && strcmp (burrow_ssh_forward_listen_address (other),
                    burrow_ssh_forward_listen_address (forward)) == 0;
}

const char *
burrow_ssh_forward_list_key (BurrowSshForwardKind kind)
{
  g_return_val_if_fail (kind < BURROW_SSH_FORWARD_KINDS, NULL);
  return list_keys[kind];
}

GVariant *
burrow_ssh_forward_to_variant (const BurrowSshForward *forward)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (forward->kind != BURROW_SSH_FORWARD_DYNAMIC)
    g_variant_dict_insert (&dict, "type", "s", "TCP");
  if (forward->listen_address != NULL)
    g_variant_dict_insert (&dict, "listen-address", "s", forward->listen_address);
  g_variant_dict_insert (&dict, "listen-port", "q", forward->listen_port);
  if (forward->kind != BURROW_SSH_FORWARD_DYNAMIC)
    {
      g_variant_dict_insert (&dict, "dst-host", "s", forward->dst_host);
      g_variant_dict_insert (&dict, "dst-port", "q", forward->dst_port);
    }
  return g_variant_dict_end (&dict);
}
