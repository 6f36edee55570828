// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for broker_port_list_parse, the ports="…" of a filter rule.
 * Besides memory safety it checks the round trip: a list that parsed
 * prints as text that parses again, to a list that holds the same ports and
 * prints the same way. */
#include <stdint.h>
#include <stdlib.h>

#include "broker-error.h"
#include "fuzz-require.h"
#include "broker-port-list.h"

#define MAX_PROBES 64

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
require (gboolean    condition,
         const char *what,
         const char *input,
         const char *printed)
{
  fuzz_require_round_trip ("fuzz-port-list", condition, what, input, printed);
}

static void
add_probe (GArray *probes,
           gint64  port)
{
  guint16 value = (guint16) port;

  if (port >= 0 && port <= G_MAXUINT16)
    g_array_append_val (probes, value);
}

/* The ports worth asking about: the edges of the port space, and each
 * number the input mentions with its neighbours, where an off-by-one in a
 * range bound would show. */
static GArray *
collect_probes (const char *text)
{
  static const gint64 fixed[] = { 0, 1, 21, 22, 23, 80, 443, 1023, 1024, 8080, 65534, 65535 };
  GArray *probes = g_array_new (FALSE, FALSE, sizeof (guint16));
  const char *p = text;

  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    add_probe (probes, fixed[i]);
  while (*p != '\0' && probes->len < MAX_PROBES)
    {
      char *end = NULL;
      guint64 number;

      if (!g_ascii_isdigit (*p))
        {
          p++;
          continue;
        }
      number = g_ascii_strtoull (p, &end, 10);
      p = end;
      if (number > G_MAXUINT16 + 1)
        continue;
      for (gint64 delta = -1; delta <= 1; delta++)
        add_probe (probes, (gint64) number + delta);
    }
  return probes;
}

static void
check_round_trip (const char           *input,
                  const BrokerPortList *list)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerPortList) again = NULL;
  g_autoptr(GArray) probes = collect_probes (input);
  g_autofree char *printed = broker_port_list_to_string (list);
  g_autofree char *reprinted = NULL;

  again = broker_port_list_parse (printed, &error);
  require (again != NULL, "the printed list does not parse", input, printed);
  require (broker_port_list_is_any (again) == broker_port_list_is_any (list),
           "\"any port\" changed in the round trip", input, printed);
  reprinted = broker_port_list_to_string (again);
  require (g_strcmp0 (printed, reprinted) == 0, "printing is not stable", input, printed);
  for (guint i = 0; i < probes->len; i++)
    {
      guint16 port = g_array_index (probes, guint16, i);

      require (broker_port_list_contains (list, port) ==
               broker_port_list_contains (again, port),
               "a port changed membership in the round trip", input, printed);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerPortList) list = NULL;

  list = broker_port_list_parse (text, &error);
  if (list == NULL)
    {
      require (g_error_matches (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG),
               "a refused list must say why", text, NULL);
      return 0;
    }
  require (error == NULL, "an accepted list must not set an error", text, NULL);
  check_round_trip (text, list);
  return 0;
}
