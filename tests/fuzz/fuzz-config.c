// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for the configuration file, the broker's main untrusted
 * input: broker_config_loader_load (libxml2, validation, merging) and
 * BrokerConfigDocument (parse, edit, serialise).  Beyond "no crash, no
 * leak, no sanitizer report" it checks:
 *  - a refused file gives a BROKER_ERROR_INVALID_CONFIG "fuzz.xml:LINE: …"
 *    error in valid UTF-8 (it goes out over D-Bus as it is);
 *  - a file that loads also loads merged over itself, as the user's file
 *    over the global one and over a user result, keeping the same profiles
 *    and doubling the rules;
 *  - a document that parses serialises, before and after edits, to bytes
 *    that are well-formed XML again, and that load if the input loaded. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker-config-document.h"
#include "broker-config-loader.h"
#include "broker-error.h"
#include "broker-xml.h"

#define FILENAME "fuzz.xml"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* abort(), not g_assert: the fuzzer must stop here whatever G_DISABLE_ASSERT
 * says. */
static void
require (gboolean      condition,
         const char   *what,
         const GError *error)
{
  if (condition)
    return;
  g_printerr ("fuzz-config: %s\n", what);
  if (error != NULL)
    g_printerr ("  error: %s\n", error->message);
  abort ();
}

/* The text after "fuzz.xml:LINE: ", or NULL if @message has another shape. */
static const char *
message_text (const char *message)
{
  const char *p;

  if (!g_str_has_prefix (message, FILENAME ":"))
    return NULL;
  p = message + strlen (FILENAME ":");
  if (!g_ascii_isdigit (*p))
    return NULL;
  while (g_ascii_isdigit (*p))
    p++;
  return g_str_has_prefix (p, ": ") ? p + 2 : NULL;
}

static void
check_error (const GError *error)
{
  require (g_error_matches (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG),
           "a refused file must give BROKER_ERROR_INVALID_CONFIG", error);
  require (g_utf8_validate (error->message, -1, NULL),
           "the error message is not valid UTF-8", error);
  require (message_text (error->message) != NULL,
           "the error message does not start with \"" FILENAME ":LINE: \"", error);
}

static gboolean
is_syntax_error (const GError *error)
{
  const char *text = error != NULL ? message_text (error->message) : NULL;

  return text != NULL && g_str_has_prefix (text, "not well-formed XML");
}

static BrokerConfig *
load (const char          *data,
      gsize                size,
      BrokerConfigOrigin   origin,
      const BrokerConfig  *base,
      GError             **error)
{
  BrokerConfig *config;

  config = broker_config_loader_load (data, size, FILENAME, origin, base, error);
  if (config == NULL)
    check_error (*error);
  else
    require (*error == NULL, "a loaded file must not set an error", *error);
  return config;
}

/* The same bytes merged over a result of their own: every profile id is
 * overridden, so the profiles stay, the rules are appended and the
 * host-key policy, the larger of two equal values, does not move. */
static void
check_merged (const char         *data,
              gsize               size,
              const BrokerConfig *base,
              const BrokerConfig *alone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) merged = NULL;

  merged = load (data, size, BROKER_CONFIG_ORIGIN_USER, base, &error);
  require (merged != NULL, "a file that loads must load merged over itself", error);
  require (merged->profiles->len == alone->profiles->len,
           "merging a file over itself changed the number of profiles", NULL);
  require (merged->rules->len == 2 * alone->rules->len,
           "merging a file over itself must append its rules", NULL);
  require (merged->host_key_policy == alone->host_key_policy,
           "merging a file over itself changed the host-key policy", NULL);
}

static void
check_merges (const char         *data,
              gsize               size,
              const BrokerConfig *alone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) global = NULL;

  global = load (data, size, BROKER_CONFIG_ORIGIN_GLOBAL, NULL, &error);
  require (global != NULL, "a file that loads as the user's must load as the global one",
           error);
  check_merged (data, size, global, alone);
  check_merged (data, size, alone, alone);
}

/* libxml2 2.9.14 writes a "<" in a DTD attribute default
 * (<!ATTLIST e a CDATA "&lt;">) or in a namespace URI (xmlns:a="&lt;")
 * unescaped, so such a document serialises to text that does not parse.
 * Both need "<!DOCTYPE" or "xmlns" spelled out in the input (neither can
 * come from a character reference), so those inputs are exempt from the
 * round-trip checks and get the memory checks only; see README.md. */
static gboolean
round_trip_exempt (const char *data,
                   gsize       size)
{
  return memmem (data, size, "<!DOCTYPE", strlen ("<!DOCTYPE")) != NULL ||
         memmem (data, size, "xmlns", strlen ("xmlns")) != NULL;
}

static void
check_dump (BrokerConfigDocument *document,
            gboolean              exempt,
            gboolean              must_load,
            const char           *what)
{
  g_autoptr(GBytes) bytes = broker_config_document_to_bytes (document);
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  gsize size = 0;
  const char *dump = g_bytes_get_data (bytes, &size);
  const char *failure = NULL;

  config = load (dump, size, BROKER_CONFIG_ORIGIN_USER, NULL, &error);
  if (config != NULL || exempt)
    return;
  if (is_syntax_error (error))
    failure = "the serialised document is not well-formed XML";
  /* Escaping can make the text grow past the size cap. */
  else if (must_load && size <= BROKER_XML_MAX_SIZE)
    failure = "a file that loads must load again once serialised";
  if (failure == NULL)
    return;
  g_printerr ("fuzz-config: the %s serialises to:\n%.*s\n", what,
              (int) MIN (size, 4096), dump);
  require (FALSE, failure, error);
}

/* What the broker does on a client's request: rewrite every profile and
 * the rules, flip a setting, delete a profile. */
static void
apply_edits (BrokerConfigDocument *document,
             const BrokerConfig   *config)
{
  for (guint i = 0; i < config->profiles->len; i++)
    broker_config_document_set_profile (document, config->profiles->pdata[i]);
  broker_config_document_set_rules (document, config->rules);
  broker_config_document_set_capture (document, !config->capture_enable_at_startup);
  if (config->profiles->len > 0)
    {
      BrokerProfile *first = config->profiles->pdata[0];

      broker_config_document_delete_profile (document, first->id);
    }
}

static void
check_document (const char         *data,
                gsize               size,
                const BrokerConfig *alone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfigDocument) document = NULL;
  gboolean exempt = round_trip_exempt (data, size);

  document = broker_config_document_new (data, size, FILENAME, &error);
  if (document == NULL)
    {
      check_error (error);
      require (alone == NULL, "a file that loads must parse as a document", error);
      return;
    }
  check_dump (document, exempt, alone != NULL, "document");
  if (alone == NULL)
    return;
  /* The writer updates only the first of repeated <profiles>,
   * <filter-engine> or <tunnels> elements, so an edited file need not load
   * yet; only its XML is checked. */
  apply_edits (document, alone);
  check_dump (document, exempt, FALSE, "edited document");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerConfig) alone = NULL;
  const char *text = (const char *) data;

  /* A critical or warning from GLib is a bug the fuzzer must stop at, as
   * the tests' G_DEBUG=fatal-warnings makes it. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  alone = load (text, size, BROKER_CONFIG_ORIGIN_USER, NULL, &error);
  if (alone != NULL)
    check_merges (text, size, alone);
  check_document (text, size, alone);
  return 0;
}
