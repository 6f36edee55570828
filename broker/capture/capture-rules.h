// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/*
 * The broker's filter rules as captured programs see them: a snapshot the
 * broker writes whenever its configuration changes (broker-capture-snapshot.c),
 * read by libburrow-capture.so so that
 *
 *  - a connect that a rule clearly sends DIRECT is made at once, without a
 *    round trip to the broker (the broker is told afterwards, for the live
 *    view), and keeps working when the broker is down;
 *  - with the broker down, a TUNNEL rule's fallback-to-plain is still known;
 *  - a name no TUNNEL rule can cover is resolved without asking the broker.
 *
 * Everything else is still the broker's to decide.  Plain C and libc only
 * (this runs inside arbitrary programs); no I/O here: the caller reads the
 * file.
 *
 * Format, version 1: lines of text, "\n"-terminated, at most 4096 bytes.
 *
 *   burrow-capture-rules 1           first line
 *   # …                              comment, anywhere
 *   rule ACTION [fallback]           ACTION: TUNNEL, DIRECT or BLOCK
 *   application GLOB                 '*' and '?' (GPatternSpec's syntax); with
 *                                    a '/' the whole path, else the base name
 *   host-regex ERE                   POSIX extended, anchored, in lower case:
 *                                    matched against lower-cased names (not
 *                                    REG_ICASE, which follows the locale)
 *   host-block ADDRESS/LENGTH        IPv4 or IPv6
 *   host-opaque                      a host pattern only the broker can match
 *   ports 23,25,8000-8100
 *   end
 *
 * A rule has at most one host-… line; none matches every host.  A line
 * inside a rule with a keyword this version does not know makes that rule
 * opaque (only the broker can match it), so newer brokers can add
 * attributes; anything else malformed refuses the whole snapshot.  A
 * host-regex that regcomp() refuses makes its rule opaque too.
 *
 * The broker matches a rule's host against the address text when it knows
 * no name for the destination; so does this code (it is only ever asked
 * about real addresses, never synthetic ones).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CAPTURE_RULES_MAGIC "burrow-capture-rules 1"
#define CAPTURE_RULES_MAX_LINE 4096

typedef enum
{
  CAPTURE_RULE_TUNNEL,
  CAPTURE_RULE_DIRECT,
  CAPTURE_RULE_BLOCK,
} CaptureRuleAction;

typedef struct _CaptureRules CaptureRules;

/* What the rules say about one connect.  @index is the 0-based index of
 * the first rule that matches, or -1 when none does (DIRECT, the
 * documented default).  @certain is 0 when an opaque rule might match
 * first: then @index is that rule's and only the broker knows. */
typedef struct
{
  int index;
  CaptureRuleAction action;
  int fallback;
  int certain;
} CaptureVerdict;

/* Returns the rules, or NULL with a sentence in @error (which may be NULL)
 * naming the line and the problem. */
CaptureRules *capture_rules_parse (const char *text,
                                   size_t      length,
                                   char       *error,
                                   size_t      error_size);
void          capture_rules_free  (CaptureRules *rules);
size_t        capture_rules_count (const CaptureRules *rules);

/* @application: the executable's path, or NULL when unknown.  @address:
 * AF_INET or AF_INET6 (the port counts); other families match no host
 * pattern. */
CaptureVerdict capture_rules_decide (const CaptureRules    *rules,
                                     const char            *application,
                                     const struct sockaddr *address);

/* Whether a lookup of @name may need a synthetic address: 0 when no TUNNEL
 * rule can cover it (as broker_filter_name_tunnelled() would say), 1 when
 * one does or an opaque rule might. */
int capture_rules_name_maybe_tunnelled (const CaptureRules *rules,
                                        const char         *application,
                                        const char         *name);

/* GPatternSpec's matching: '*' any run of characters, '?' one UTF-8
 * character, everything else itself; the whole of @subject. */
int capture_glob_match (const char *pattern,
                        const char *subject);
