// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-broker-client.h"

G_BEGIN_DECLS

#define BURROW_TYPE_APPLICATION (burrow_application_get_type ())

G_DECLARE_FINAL_TYPE (BurrowApplication, burrow_application, BURROW, APPLICATION, AdwApplication)

BurrowApplication  *burrow_application_new        (void);
BurrowBrokerClient *burrow_application_get_client (BurrowApplication *self);

G_END_DECLS
