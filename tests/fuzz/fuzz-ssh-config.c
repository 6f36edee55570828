// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for the ~/.ssh/config importer of the front end.  The input
 * is the file.  Besides memory safety it checks that every profile is one
 * the broker takes (clean id, host, user and tunnel names, ports from 1,
 * absolute identity files, unique ids), that every gateway-profile names a
 * profile earlier in the list (so no loop, and SaveProfile in order never
 * refers ahead) with no chain over 31 gateways, that every skipped line is
 * non-empty UTF-8 starting "line ", and that a second run gives the same. */
#include <stdint.h>
#include <string.h>

#include "burrow-ssh-config.h"
#include "fuzz-require.h"

#define MAX_CHAIN 31

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

typedef struct
{
  const char *input;
  const BurrowSshConfigImport *result;
} Check;

static void
require (const Check *check,
         gboolean     condition,
         const char  *what,
         const char  *detail)
{
  fuzz_require_round_trip ("fuzz-ssh-config", condition, what, check->input, detail);
}

/* The broker's broker_name_problem(), as a yes or no. */
static gboolean
is_clean_name (const char *name)
{
  if (!g_utf8_validate (name, -1, NULL) || *name == '\0' || *name == '-' || strlen (name) > 255)
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return FALSE;
    }
  return TRUE;
}

static void
check_clean (const Check *check,
             GVariant    *dict,
             const char  *key,
             gboolean     required)
{
  const char *value = NULL;

  if (!g_variant_lookup (dict, key, "&s", &value))
    {
      require (check, !required, "a required key is missing", key);
      return;
    }
  require (check, is_clean_name (value), "a name the broker refuses", value);
}

static void
check_port (const Check *check,
            GVariant    *dict,
            const char  *key,
            gboolean     required)
{
  guint16 port = 0;
  gboolean present = g_variant_lookup (dict, key, "q", &port);

  require (check, present || !required, "a required port is missing", key);
  require (check, !present || port != 0, "port 0", key);
}

static void
check_tunnels (const Check *check,
               GVariant    *profile,
               const char  *key)
{
  g_autoptr(GVariant) list = g_variant_lookup_value (profile, key, G_VARIANT_TYPE ("aa{sv}"));
  gboolean dynamic = g_str_has_prefix (key, "dynamic");

  if (list == NULL)
    return;
  require (check, g_variant_n_children (list) > 0, "an empty tunnel list", key);
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) tunnel = g_variant_get_child_value (list, i);
      const char *address = NULL;

      check_port (check, tunnel, "listen-port", TRUE);
      if (g_variant_lookup (tunnel, "listen-address", "&s", &address))
        require (check, g_str_has_prefix (address, "127.") || strcmp (address, "::1") == 0,
                 "a listener other computers could reach", address);
      require (check, dynamic == !g_variant_lookup (tunnel, "type", "&s", NULL),
               "a tunnel type where it does not belong", key);
      if (!dynamic)
        {
          check_clean (check, tunnel, "dst-host", TRUE);
          check_port (check, tunnel, "dst-port", TRUE);
        }
    }
}

static void
check_identities (const Check *check,
                  GVariant    *profile)
{
  g_autoptr(GVariant) files = g_variant_lookup_value (profile, "identity-files",
                                                      G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree const char **paths = NULL;

  if (files == NULL)
    return;
  paths = g_variant_get_strv (files, NULL);
  require (check, paths[0] != NULL, "an empty identity-files", NULL);
  for (guint i = 0; paths[i] != NULL; i++)
    require (check, paths[i][0] == '/' && g_utf8_validate (paths[i], -1, NULL),
             "an identity file that is not an absolute UTF-8 path", paths[i]);
}

static gboolean
is_known_key (const char *key)
{
  static const char * const keys[] = {
    "id", "name", "host", "port", "user", "identity-files", "gateway-profile",
    "local-tunnels", "remote-tunnels", "dynamic-tunnels", NULL,
  };

  return g_strv_contains (keys, key);
}

static void
check_keys (const Check *check,
            GVariant    *profile)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  const char *name = NULL;

  require (check, g_variant_is_of_type (profile, G_VARIANT_TYPE_VARDICT) &&
           !g_variant_is_floating (profile), "a profile is not a sunk a{sv}", NULL);
  g_variant_iter_init (&iter, profile);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      require (check, is_known_key (key), "a key the broker does not know", key);
      g_variant_unref (value);
    }
  require (check, g_variant_lookup (profile, "name", "&s", &name) && *name != '\0',
           "a profile without a name", NULL);
}

/* The gateway must come earlier, so following gateways only goes back in
 * the list and ends. */
static void
check_gateway (const Check *check,
               GHashTable  *chains,
               GVariant    *profile,
               const char  *id)
{
  const char *gateway = NULL;
  gpointer chain = NULL;

  if (!g_variant_lookup (profile, "gateway-profile", "&s", &gateway))
    {
      g_hash_table_insert (chains, (gpointer) id, GUINT_TO_POINTER (0));
      return;
    }
  require (check, g_hash_table_lookup_extended (chains, gateway, NULL, &chain),
           "gateway-profile names no earlier profile", gateway);
  require (check, GPOINTER_TO_UINT (chain) < MAX_CHAIN, "a chain of over 31 gateways", id);
  g_hash_table_insert (chains, (gpointer) id, GUINT_TO_POINTER (GPOINTER_TO_UINT (chain) + 1));
}

static void
check_profiles (const Check *check)
{
  GPtrArray *profiles = check->result->profiles;
  g_autoptr(GHashTable) chains = g_hash_table_new (g_str_hash, g_str_equal);

  require (check, profiles->len <= BURROW_SSH_CONFIG_MAX_PROFILES, "too many profiles", NULL);
  for (guint i = 0; i < profiles->len; i++)
    {
      GVariant *profile = profiles->pdata[i];
      const char *id = NULL;

      check_keys (check, profile);
      check_clean (check, profile, "id", TRUE);
      g_variant_lookup (profile, "id", "&s", &id);
      require (check, !g_hash_table_contains (chains, id), "an id given twice", id);
      check_clean (check, profile, "host", TRUE);
      check_clean (check, profile, "user", FALSE);
      check_port (check, profile, "port", FALSE);
      check_identities (check, profile);
      check_tunnels (check, profile, "local-tunnels");
      check_tunnels (check, profile, "remote-tunnels");
      check_tunnels (check, profile, "dynamic-tunnels");
      check_gateway (check, chains, profile, id);
    }
}

static void
check_skipped (const Check *check)
{
  GPtrArray *skipped = check->result->skipped;

  /* The limit, one "stopped here" line and one "and N more". */
  require (check, skipped->len <= 1002, "too many skipped lines", NULL);
  for (guint i = 0; i < skipped->len; i++)
    {
      const char *line = skipped->pdata[i];

      require (check, g_utf8_validate (line, -1, NULL), "a skipped line is not UTF-8", NULL);
      require (check, g_str_has_prefix (line, "line ") && strlen (line) > strlen ("line 1: "),
               "a skipped line without its line number or reason", line);
    }
}

static void
check_same (const Check                 *check,
            const BurrowSshConfigImport *again)
{
  const BurrowSshConfigImport *first = check->result;

  require (check, first->profiles->len == again->profiles->len &&
           first->skipped->len == again->skipped->len, "a second run differs", NULL);
  for (guint i = 0; i < first->profiles->len; i++)
    require (check, g_variant_equal (first->profiles->pdata[i], again->profiles->pdata[i]),
             "a second run gives another profile", NULL);
  for (guint i = 0; i < first->skipped->len; i++)
    require (check, strcmp (first->skipped->pdata[i], again->skipped->pdata[i]) == 0,
             "a second run gives another skipped line", first->skipped->pdata[i]);
}

static void
fuzz_import (const char *text,
             gsize       length,
             const char *printable,
             const char *home_dir,
             const char *user_name)
{
  g_autoptr(BurrowSshConfigImport) result =
    burrow_ssh_config_import (text, length, home_dir, user_name);
  g_autoptr(BurrowSshConfigImport) again =
    burrow_ssh_config_import (text, length, home_dir, user_name);
  Check check = { printable, result };

  check_profiles (&check);
  check_skipped (&check);
  check_same (&check, again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* For the messages only: the importer takes the bytes as they are. */
  g_autofree char *printable = g_utf8_make_valid ((const char *) data, size);

  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  fuzz_import ((const char *) data, size, printable, "/home/fuzz", "fuzz");
  /* A home directory and user name that are not plain: % and ~ in them
   * are not expanded again, and a home that is not UTF-8 keeps every path
   * and message UTF-8 all the same. */
  fuzz_import ((const char *) data, size, printable, "/home/%d~\xff", "%u");
  return 0;
}
