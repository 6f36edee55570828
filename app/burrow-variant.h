// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reading the broker's a{sv} dictionaries: a missing key, or one of
 * another type, gives the fallback. */
const char *burrow_variant_lookup_string  (GVariant   *dict,
                                           const char *key,
                                           const char *fallback);
guint16     burrow_variant_lookup_uint16  (GVariant   *dict,
                                           const char *key,
                                           guint16     fallback);
guint32     burrow_variant_lookup_uint32  (GVariant   *dict,
                                           const char *key,
                                           guint32     fallback);
gboolean    burrow_variant_lookup_boolean (GVariant   *dict,
                                           const char *key,
                                           gboolean    fallback);
/* A new string array, empty when the key is missing; never NULL. */
GStrv       burrow_variant_dup_strv       (GVariant   *dict,
                                           const char *key);
/* The aa{sv} at @key, or an empty one; a new reference. */
GVariant   *burrow_variant_lookup_list    (GVariant   *dict,
                                           const char *key);

G_END_DECLS
