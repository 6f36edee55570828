// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/* The filter rules for captured programs (capture/capture-rules.h has the
 * format): written whenever the configuration changes, so that
 * libburrow-capture.so makes clearly DIRECT connects without asking, also
 * while the broker is down, and knows a TUNNEL rule's fallback-to-plain.
 * It lives in $XDG_STATE_HOME/burrow/ (it must outlive a session: at the
 * next login the broker may not be up yet); BURROW_CAPTURE_RULES names
 * another file (the library reads the same variable). */

char     *broker_capture_snapshot_default_path (void);

/* The rules as the snapshot's text.  Pure. */
char     *broker_capture_snapshot_render       (const BrokerConfig *config);

/* A host pattern (a PCRE, as the broker uses it) as an anchored POSIX
 * extended regular expression that matches exactly the same host names
 * and addresses, or NULL when the pattern uses anything the two dialects
 * may read differently (then the library leaves the rule to the broker). */
char     *broker_capture_snapshot_portable_regex (const char *pattern);

/* Renders and replaces @path atomically (mode 0600, its directory 0700). */
gboolean  broker_capture_snapshot_write        (const BrokerConfig  *config,
                                                const char          *path,
                                                GError             **error);

G_END_DECLS
