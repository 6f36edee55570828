// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-config-file.h"

#include "broker-config-loader.h"
#include "broker-error.h"
#include "broker-xml.h"

#include <errno.h>
#include <glib/gstdio.h>

/* A missing file reads as empty when @missing_ok (the broker: no file, no
 * settings); a huge one is refused before reading it. */
gboolean
broker_config_file_read (const char  *path,
                         gboolean     missing_ok,
                         char       **contents,
                         gsize       *length,
                         GError     **error)
{
  GStatBuf st;

  *contents = NULL;
  *length = 0;
  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT && missing_ok)
        return TRUE;
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG, "%s:1: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (st.st_size > BROKER_XML_MAX_SIZE)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG,
                   "%s:1: the file is larger than %d bytes", path, BROKER_XML_MAX_SIZE);
      return FALSE;
    }
  if (!g_file_get_contents (path, contents, length, NULL))
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_INVALID_CONFIG, "%s:1: cannot read the file",
                   path);
      return FALSE;
    }
  return TRUE;
}

BrokerConfig *
broker_config_file_load (const char          *path,
                         gboolean             missing_ok,
                         BrokerConfigOrigin   origin,
                         const BrokerConfig  *base,
                         GError             **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!broker_config_file_read (path, missing_ok, &contents, &length, error))
    return NULL;
  return broker_config_loader_load (contents, length, path, origin, base, error);
}
