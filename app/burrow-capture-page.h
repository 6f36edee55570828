// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <adwaita.h>

#include "burrow-broker-client.h"

G_BEGIN_DECLS

#define BURROW_TYPE_CAPTURE_PAGE (burrow_capture_page_get_type ())

G_DECLARE_FINAL_TYPE (BurrowCapturePage, burrow_capture_page, BURROW, CAPTURE_PAGE, AdwBin)

/* Connection Capture: session-wide capture, how to capture one program,
 * and the live list of captured connections. */
void burrow_capture_page_set_client (BurrowCapturePage  *self,
                                     BurrowBrokerClient *client);

G_END_DECLS
