// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-xml.h"

#include "broker-error.h"

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <string.h>

typedef struct
{
  guint entity_line;
  char *entity_name;      /* set for a reference, NULL for a declaration */
  int error_line;         /* the first syntax error: later ones follow from it */
  char *error_message;
} ParseGuard;

/* Entity declarations are refused outright: no expansion means no
 * billion-laughs, and no external entities means no file disclosure. */
static void
on_entity_decl (void          *user_data,
                const xmlChar *name,
                int            type,
                const xmlChar *public_id,
                const xmlChar *system_id,
                xmlChar       *content)
{
  xmlParserCtxt *ctxt = user_data;
  ParseGuard *guard = ctxt->_private;

  if (guard->entity_line == 0)
    guard->entity_line = MAX (1, xmlSAX2GetLineNumber (ctxt));
  xmlStopParser (ctxt);
}

/* Only the five predefined entities (&amp; …) may be used.  libxml2 would
 * otherwise drop an undeclared reference with a mere warning once the file
 * has a DOCTYPE, silently changing a value. */
static xmlEntity *
on_get_entity (void          *user_data,
               const xmlChar *name)
{
  xmlParserCtxt *ctxt = user_data;
  ParseGuard *guard = ctxt->_private;
  xmlEntity *predefined = xmlGetPredefinedEntity (name);

  if (predefined != NULL)
    return predefined;
  if (guard->entity_line == 0)
    {
      guard->entity_line = MAX (1, xmlSAX2GetLineNumber (ctxt));
      guard->entity_name = g_utf8_make_valid ((const char *) name, -1);
    }
  xmlStopParser (ctxt);
  return NULL;
}

/* libxml2 stamps an element with the line where its start tag *ends*; the
 * seeds write rules over several lines, and an error should point at the
 * line with "<rule".  An attribute value cannot contain '<', so the nearest
 * '<' before the parser's position is the tag's own. */
static void
on_start_element (void           *user_data,
                  const xmlChar  *localname,
                  const xmlChar  *prefix,
                  const xmlChar  *uri,
                  int             nb_namespaces,
                  const xmlChar **namespaces,
                  int             nb_attributes,
                  int             nb_defaulted,
                  const xmlChar **attributes)
{
  xmlParserCtxt *ctxt = user_data;
  const xmlChar *p;
  guint newlines = 0;

  xmlSAX2StartElementNs (ctxt, localname, prefix, uri, nb_namespaces, namespaces,
                         nb_attributes, nb_defaulted, attributes);
  if (ctxt->node == NULL || ctxt->input == NULL || ctxt->node->line >= 65535)
    return;
  for (p = ctxt->input->cur; p > ctxt->input->base && *p != '<'; p--)
    if (*p == '\n')
      newlines++;
  if (*p == '<' && newlines < ctxt->node->line)
    ctxt->node->line -= newlines;
}

static void
on_unparsed_entity_decl (void          *user_data,
                         const xmlChar *name,
                         const xmlChar *public_id,
                         const xmlChar *system_id,
                         const xmlChar *notation)
{
  on_entity_decl (user_data, name, 0, public_id, system_id, NULL);
}

static void
on_structured_error (void        *user_data,
                     xmlError    *xml_error)
{
  xmlParserCtxt *ctxt = user_data;
  ParseGuard *guard = ctxt->_private;

  /* Namespace errors are mere errors; the fatal one says what broke.  After
   * a stop for an entity, the errors that follow are its echoes. */
  if (guard->error_message != NULL || guard->entity_line != 0 ||
      xml_error->level < XML_ERR_FATAL ||
      xml_error->message == NULL)
    return;
  guard->error_message = g_strstrip (g_strdelimit (g_utf8_make_valid (xml_error->message, -1),
                                                   "\r\n", ' '));
  guard->error_line = MAX (1, xml_error->line);
}

static void
set_syntax_error (ParseGuard  *guard,
                  const char  *filename,
                  GError     **error)
{
  g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
               "%s:%d: not well-formed XML: %s", filename, MAX (1, guard->error_line),
               guard->error_message != NULL ? guard->error_message : "the document is empty");
}

/* A DTD internal subset could supply attribute values (<!ATTLIST> defaults)
 * and, like a namespace name with markup characters, does not survive
 * libxml2 2.9's serializer intact: neither has a use here, so both are
 * refused rather than written back broken. */
static gboolean
check_plain_document (xmlDoc      *doc,
                      const char  *filename,
                      GError     **error)
{
  xmlNode *node = xmlDocGetRootElement (doc);

  if (doc->intSubset != NULL && doc->intSubset->children != NULL)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "%s:1: declarations inside <!DOCTYPE […]> are not allowed", filename);
      return FALSE;
    }
  /* Iterative walk: depth is bounded by libxml2, but no recursion needed. */
  while (node != NULL)
    {
      for (xmlNs *ns = node->type == XML_ELEMENT_NODE ? node->nsDef : NULL; ns != NULL;
           ns = ns->next)
        if (ns->href != NULL && strpbrk ((const char *) ns->href, "<>&\"") != NULL)
          {
            g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                         "%s:%u: a namespace name may not contain < > & or \"", filename,
                         broker_xml_line (node));
            return FALSE;
          }
      if (node->children != NULL && node->type == XML_ELEMENT_NODE)
        node = node->children;
      else
        {
          while (node != NULL && node->next == NULL)
            node = node->parent != NULL && node->parent->type == XML_ELEMENT_NODE ?
                   node->parent : NULL;
          if (node != NULL)
            node = node->next;
        }
    }
  return TRUE;
}

/* Parses a configuration file: no network, no DTD loading, no entity
 * substitution, size-capped.  Errors are "file:line: message". */
xmlDoc *
broker_xml_parse (const char  *data,
                  gsize        length,
                  const char  *filename,
                  GError     **error)
{
  ParseGuard guard = { 0 };
  xmlParserCtxt *ctxt;
  xmlDoc *doc;

  if (length > BROKER_XML_MAX_SIZE)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "%s:1: the file is larger than %d bytes", filename, BROKER_XML_MAX_SIZE);
      return NULL;
    }

  ctxt = xmlNewParserCtxt ();
  g_return_val_if_fail (ctxt != NULL, NULL);
  ctxt->_private = &guard;
  ctxt->sax->entityDecl = on_entity_decl;
  ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
  ctxt->sax->getEntity = on_get_entity;
  ctxt->sax->serror = on_structured_error;
  ctxt->sax->startElementNs = on_start_element;

  doc = xmlCtxtReadMemory (ctxt, data, (int) length, filename, "UTF-8",
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                           XML_PARSE_BIG_LINES | XML_PARSE_NOXINCNODE);
  if (guard.error_message != NULL || (doc == NULL && guard.entity_line == 0))
    {
      g_clear_pointer (&doc, xmlFreeDoc);
      set_syntax_error (&guard, filename, error);
    }
  else if (guard.entity_line != 0 && guard.entity_name != NULL)
    {
      g_clear_pointer (&doc, xmlFreeDoc);
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "%s:%u: unknown entity &%s; (only &amp; &lt; &gt; &quot; &apos; and "
                   "character references are allowed)", filename, guard.entity_line,
                   guard.entity_name);
    }
  else if (guard.entity_line != 0)
    {
      g_clear_pointer (&doc, xmlFreeDoc);
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "%s:%u: entity declarations are not allowed", filename, guard.entity_line);
    }
  else if (!check_plain_document (doc, filename, error))
    g_clear_pointer (&doc, xmlFreeDoc);
  xmlFreeParserCtxt (ctxt);
  g_free (guard.entity_name);
  g_free (guard.error_message);
  return doc;
}

/* Attribute values as GLib strings, so callers can g_autofree them. */
char *
broker_xml_get_attr (xmlNode    *node,
                     const char *name)
{
  xmlChar *value = xmlGetNoNsProp (node, (const xmlChar *) name);
  char *copy;

  if (value == NULL)
    return NULL;
  copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

gboolean
broker_xml_is_element (xmlNode    *node,
                       const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrcmp (node->name, (const xmlChar *) name) == 0;
}

guint
broker_xml_line (xmlNode *node)
{
  long line = xmlGetLineNo (node);

  return line > 0 ? (guint) line : 1;
}
