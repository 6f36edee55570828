// SPDX-License-Identifier: GPL-3.0-or-later
/* Fuzz target for capture_rules_parse, the rules snapshot every captured
 * program reads (libburrow-capture.so).  Besides memory safety it checks
 * that a snapshot that parsed answers every question (connects to IPv4 and
 * IPv6 addresses, name lookups) with a verdict that names a rule it has,
 * and that a refused one says why. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture-rules.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static void
require (int         condition,
         const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-capture-rules: %s\n", what);
      abort ();
    }
}

static void
check_verdict (const CaptureRules *rules,
               CaptureVerdict      verdict)
{
  require (verdict.index >= -1 && verdict.index < (int) capture_rules_count (rules),
           "a verdict names a rule the snapshot does not have");
  require (verdict.index >= 0 || (verdict.certain && verdict.action == CAPTURE_RULE_DIRECT),
           "no matching rule must mean DIRECT, certainly");
}

static void
ask (const CaptureRules *rules)
{
  static const char * const v4[] = { "127.0.0.1", "192.0.2.3", "198.51.100.7", "0.0.0.0" };
  static const char * const v6[] = { "::1", "2001:db8::1", "2001:db8:1::5", "::ffff:127.0.0.1" };
  static const uint16_t ports[] = { 1, 22, 23, 80, 8080, 65535 };
  static const char * const apps[] = { NULL, "/usr/bin/curl", "telnet", "" };

  for (size_t a = 0; a < sizeof apps / sizeof apps[0]; a++)
    for (size_t p = 0; p < sizeof ports / sizeof ports[0]; p++)
      for (size_t i = 0; i < 4; i++)
        {
          struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons (ports[p]) };
          struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons (ports[p]) };

          inet_pton (AF_INET, v4[i], &in.sin_addr);
          inet_pton (AF_INET6, v6[i], &in6.sin6_addr);
          check_verdict (rules, capture_rules_decide (rules, apps[a], (struct sockaddr *) &in));
          check_verdict (rules, capture_rules_decide (rules, apps[a], (struct sockaddr *) &in6));
        }
  for (size_t a = 0; a < sizeof apps / sizeof apps[0]; a++)
    {
      int maybe = capture_rules_name_maybe_tunnelled (rules, apps[a], "host.example.com");

      require (maybe == 0 || maybe == 1, "name_maybe_tunnelled answers 0 or 1");
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char error[256];
  CaptureRules *rules = capture_rules_parse ((const char *) data, size, error, sizeof error);

  if (rules == NULL)
    {
      require (strncmp (error, "line ", 5) == 0, "a refused snapshot names its line");
      return 0;
    }
  require (error[0] == '\0', "an accepted snapshot has no error");
  ask (rules);
  capture_rules_free (rules);
  return 0;
}
