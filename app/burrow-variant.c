// SPDX-License-Identifier: GPL-3.0-or-later
#include "burrow-variant.h"

static GVariant *
lookup_typed (GVariant           *dict,
              const char         *key,
              const GVariantType *type)
{
  if (dict == NULL)
    return NULL;
  return g_variant_lookup_value (dict, key, type);
}

const char *
burrow_variant_lookup_string (GVariant   *dict,
                              const char *key,
                              const char *fallback)
{
  const char *value;

  if (dict != NULL && g_variant_lookup (dict, key, "&s", &value))
    return value;
  return fallback;
}

guint16
burrow_variant_lookup_uint16 (GVariant   *dict,
                              const char *key,
                              guint16     fallback)
{
  g_autoptr(GVariant) value = lookup_typed (dict, key, G_VARIANT_TYPE_UINT16);

  return value != NULL ? g_variant_get_uint16 (value) : fallback;
}

guint32
burrow_variant_lookup_uint32 (GVariant   *dict,
                              const char *key,
                              guint32     fallback)
{
  g_autoptr(GVariant) value = lookup_typed (dict, key, G_VARIANT_TYPE_UINT32);

  return value != NULL ? g_variant_get_uint32 (value) : fallback;
}

gboolean
burrow_variant_lookup_boolean (GVariant   *dict,
                               const char *key,
                               gboolean    fallback)
{
  g_autoptr(GVariant) value = lookup_typed (dict, key, G_VARIANT_TYPE_BOOLEAN);

  return value != NULL ? g_variant_get_boolean (value) : fallback;
}

GStrv
burrow_variant_dup_strv (GVariant   *dict,
                         const char *key)
{
  g_autoptr(GVariant) value = lookup_typed (dict, key, G_VARIANT_TYPE_STRING_ARRAY);

  if (value == NULL)
    return g_new0 (char *, 1);
  return g_variant_dup_strv (value, NULL);
}

GVariant *
burrow_variant_lookup_list (GVariant   *dict,
                            const char *key)
{
  GVariant *value = lookup_typed (dict, key, G_VARIANT_TYPE ("aa{sv}"));

  if (value != NULL)
    return value;
  return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0));
}
