// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Configuration files are small; anything larger is a mistake or an attack. */
#define BROKER_XML_MAX_SIZE (1024 * 1024)

xmlDoc *broker_xml_parse    (const char  *data,
                             gsize        length,
                             const char  *filename,
                             GError     **error);
char   *broker_xml_get_attr (xmlNode     *node,
                             const char  *name);
gboolean broker_xml_is_element (xmlNode  *node,
                                const char *name);
guint   broker_xml_line     (xmlNode     *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

G_END_DECLS
