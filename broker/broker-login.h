// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/*
 * Whether the broker should start at login (`burrow-broker --login`,
 * docs/desktop-integration.md), decided from a loaded configuration alone.
 * It should when something must run before anyone asks for it:
 *
 * - a profile with connect-on-startup="YES": its session and tunnels are
 *   to be up from the start;
 * - session-wide capture (<connection-capture enable-at-startup="YES"/>):
 *   every program of the session asks the broker about its connects, and
 *   with no broker they fail closed.
 *
 * Anything else waits for its first client: the session bus starts the
 * broker on demand.  Returns why, in words for the journal, or NULL when
 * nothing asks.  Pure.
 */
char *broker_login_reason (const BrokerConfig *config);

G_END_DECLS
