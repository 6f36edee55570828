// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BROKER_ERROR (broker_error_quark ())

/* Codes a user can act on.  Over D-Bus they are io.github.burrow.Burrow.Error.<Name>. */
typedef enum
{
  BROKER_ERROR_FAILED,
  BROKER_ERROR_INVALID_CONFIG,
  BROKER_ERROR_NOT_FOUND,
  BROKER_ERROR_READ_ONLY,
  BROKER_ERROR_INVALID_ARGS,
  BROKER_ERROR_HOST_KEY_REFUSED,
  BROKER_ERROR_NO_AGENT,
  BROKER_ERROR_CANCELLED,
} BrokerError;

GQuark broker_error_quark (void);

G_END_DECLS
