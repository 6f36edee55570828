// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-capture-names.h"

#include "burrow-capture-protocol.h"

#include <string.h>
#include <sys/socket.h>

/* 198.18.0.0/15 less its first and last address. */
#define IPV4_COUNT ((1u << 17) - 2)
#define IPV6_COUNT G_MAXUINT32

/* ::ffff:198.18.0.1 as 198.18.0.1: a dual-stack program (Java) connects
 * an IPv6 socket to the IPv4 address it was given.  (The capture server's
 * g_socket_address_new_from_native() already gives IPv4 for those; an
 * address made another way may still be mapped.) */
static GInetAddress *
unmapped (GInetAddress *address)
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *bytes = g_inet_address_to_bytes (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6
      && memcmp (bytes, prefix, sizeof prefix) == 0)
    return g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
  return g_object_ref (address);
}

struct _BrokerCaptureNames
{
  GHashTable *by_name[2];      /* normalised name → address text; IPv4, IPv6 */
  GHashTable *by_address;      /* address text → normalised name */
  guint32 used[2];
};

BrokerCaptureNames *
broker_capture_names_new (void)
{
  BrokerCaptureNames *self = g_new0 (BrokerCaptureNames, 1);

  for (guint i = 0; i < 2; i++)
    self->by_name[i] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
broker_capture_names_free (BrokerCaptureNames *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < 2; i++)
    g_hash_table_unref (self->by_name[i]);
  g_hash_table_unref (self->by_address);
  g_free (self);
}

static char *
normalise (const char *name)
{
  char *lower = g_ascii_strdown (name, -1);
  gsize length = strlen (lower);

  if (length > 1 && lower[length - 1] == '.')
    lower[length - 1] = '\0';
  return lower;
}

static GInetAddress *
nth_address (GSocketFamily family,
             guint32       n)
{
  guint8 bytes[16];

  if (family == G_SOCKET_FAMILY_IPV4)
    {
      guint32 value = ((guint32) burrow_capture_synthetic_ipv4[0] << 24
                       | (guint32) burrow_capture_synthetic_ipv4[1] << 16) + n;

      bytes[0] = value >> 24;
      bytes[1] = value >> 16;
      bytes[2] = value >> 8;
      bytes[3] = value;
      return g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV4);
    }
  memset (bytes, 0, sizeof bytes);
  memcpy (bytes, burrow_capture_synthetic_ipv6, sizeof burrow_capture_synthetic_ipv6);
  bytes[12] = n >> 24;
  bytes[13] = n >> 16;
  bytes[14] = n >> 8;
  bytes[15] = n;
  return g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
}

GInetAddress *
broker_capture_names_address (BrokerCaptureNames *self,
                              const char         *name,
                              GSocketFamily       family)
{
  guint slot = family == G_SOCKET_FAMILY_IPV6 ? 1 : 0;
  g_autofree char *key = normalise (name);
  const char *known = g_hash_table_lookup (self->by_name[slot], key);
  GInetAddress *address;

  if (known != NULL)
    return g_inet_address_new_from_string (known);
  if (self->used[slot] >= (slot == 0 ? IPV4_COUNT : IPV6_COUNT))
    return NULL;
  address = nth_address (slot == 0 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6,
                         ++self->used[slot]);
  g_hash_table_insert (self->by_name[slot], g_strdup (key), g_inet_address_to_string (address));
  g_hash_table_insert (self->by_address, g_inet_address_to_string (address),
                       g_steal_pointer (&key));
  return address;
}

const char *
broker_capture_names_lookup (BrokerCaptureNames *self,
                             GInetAddress       *address)
{
  g_autoptr(GInetAddress) plain = unmapped (address);
  g_autofree char *text = g_inet_address_to_string (plain);

  return g_hash_table_lookup (self->by_address, text);
}

gboolean
broker_capture_names_is_synthetic (GInetAddress *address)
{
  g_autoptr(GInetAddress) plain = unmapped (address);

  return burrow_capture_is_synthetic (g_inet_address_get_family (plain) == G_SOCKET_FAMILY_IPV4
                                      ? AF_INET : AF_INET6,
                                      g_inet_address_to_bytes (plain));
}
