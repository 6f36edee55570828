// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Who may call which of the broker's D-Bus methods (pure: the caller is
 * described, not looked up; broker-caller-guard.h looks it up).
 *
 *  - A caller of another user is refused everything: the session bus of
 *    one user is no way into another user's SSH sessions, profiles or
 *    captured connections.
 *  - An unsandboxed caller of the broker's user may call anything.
 *  - A sandboxed caller (Flatpak, or a sandbox that imitates it: see
 *    broker-sandbox.h) may call the methods that only read, unless it is
 *    Burrow's own front end (the application id APP_ID), which may call
 *    anything.  A sandbox that does not say which application it is counts
 *    as a stranger.
 *
 * A method is read-only only when it is on the list in
 * broker-caller-policy.c; every other method, including one added later
 * and forgotten here, changes something and is refused to strangers. */

typedef enum
{
  BROKER_CALLER_ALLOWED,
  BROKER_CALLER_REFUSED_OTHER_USER,
  BROKER_CALLER_REFUSED_SANDBOXED,
} BrokerCallerVerdict;

gboolean            broker_caller_method_is_read_only (const char *interface_name,
                                                       const char *method_name);
/* @sandbox: NULL for an unsandboxed caller, else its application id or
 * BROKER_SANDBOX_UNKNOWN_APP. */
BrokerCallerVerdict broker_caller_policy_judge        (uid_t       broker_uid,
                                                       uid_t       caller_uid,
                                                       const char *sandbox,
                                                       const char *interface_name,
                                                       const char *method_name);
/* A sentence for the D-Bus error that refuses the call (not for ALLOWED). */
char               *broker_caller_verdict_message     (BrokerCallerVerdict verdict,
                                                       uid_t               broker_uid,
                                                       const char         *sandbox,
                                                       const char         *method_name);

G_END_DECLS
