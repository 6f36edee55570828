// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-port-list.h"

#include "broker-error.h"

#include <string.h>

typedef struct
{
  guint16 first;
  guint16 last;
} PortRange;

struct _BrokerPortList
{
  GArray *ranges; /* PortRange; empty = every port */
};

static gboolean
parse_port (const char  *text,
            guint16     *out,
            GError     **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 65535, &value, NULL))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "'%s' is not a port number between 1 and 65535", text);
      return FALSE;
    }
  *out = (guint16) value;
  return TRUE;
}

static gboolean
parse_range (const char  *item,
             PortRange   *range,
             GError     **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (item));
  const char *dash = strchr (stripped, '-');

  if (dash == NULL)
    {
      if (!parse_port (stripped, &range->first, error))
        return FALSE;
      range->last = range->first;
      return TRUE;
    }

  g_autofree char *first = g_strstrip (g_strndup (stripped, dash - stripped));
  g_autofree char *last = g_strstrip (g_strdup (dash + 1));

  if (!parse_port (first, &range->first, error) || !parse_port (last, &range->last, error))
    return FALSE;
  if (range->first > range->last)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "port range '%s' ends before it starts", stripped);
      return FALSE;
    }
  return TRUE;
}

/* An empty or absent text means every port, as in the seeds' rules. */
BrokerPortList *
broker_port_list_parse (const char  *text,
                        GError     **error)
{
  g_autoptr(BrokerPortList) self = g_new0 (BrokerPortList, 1);
  g_auto(GStrv) items = NULL;

  self->ranges = g_array_new (FALSE, FALSE, sizeof (PortRange));
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));
  if (*copy == '\0')
    return g_steal_pointer (&self);

  items = g_strsplit (copy, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      PortRange range;

      if (!parse_range (items[i], &range, error))
        return NULL;
      g_array_append_val (self->ranges, range);
    }
  return g_steal_pointer (&self);
}

gboolean
broker_port_list_is_any (const BrokerPortList *self)
{
  return self->ranges->len == 0;
}

gboolean
broker_port_list_contains (const BrokerPortList *self,
                           guint16               port)
{
  if (broker_port_list_is_any (self))
    return TRUE;

  for (guint i = 0; i < self->ranges->len; i++)
    {
      const PortRange *range = &g_array_index (self->ranges, PortRange, i);

      if (port >= range->first && port <= range->last)
        return TRUE;
    }
  return FALSE;
}

char *
broker_port_list_to_string (const BrokerPortList *self)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->ranges->len; i++)
    {
      const PortRange *range = &g_array_index (self->ranges, PortRange, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (range->first == range->last)
        g_string_append_printf (out, "%u", range->first);
      else
        g_string_append_printf (out, "%u-%u", range->first, range->last);
    }
  return g_string_free (out, FALSE);
}

void
broker_port_list_free (BrokerPortList *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->ranges, g_array_unref);
  g_free (self);
}
