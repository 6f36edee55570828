// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A real client program (curl, telnet, python3 …) run to completion,
 * bounded in time, with what it printed. */
typedef struct
{
  int status;                  /* exit status; -1 if killed (timeout) or by a signal */
  gboolean timed_out;
  char *out;
  char *err;
} BurrowTestToolResult;

void  burrow_test_tool_result_clear (BurrowTestToolResult *result);
/* The test's environment without proxy settings, LC_ALL=C. */
GStrv burrow_test_tool_environment  (void);
/* Runs @argv (searched in PATH) in @dir with @env (NULL: the above); output
 * goes through files in @dir.  Killed after @timeout_s. */
void  burrow_test_run_tool          (BurrowTestToolResult *result,
                                     const char           *dir,
                                     const char * const   *argv,
                                     const char * const   *env,
                                     guint                 timeout_s);
void  burrow_test_run_tool_with_input (BurrowTestToolResult *result,
                                       const char           *dir,
                                       const char * const   *argv,
                                       const char * const   *env,
                                       const char           *input,
                                       guint                 timeout_s);
/* Fails the test, showing @text, unless it holds @needle. */
void  burrow_test_assert_contains   (const char           *text,
                                     const char           *needle);
/* Fails the test, showing its stderr, unless it exited 0. */
void  burrow_test_assert_tool_ok    (BurrowTestToolResult *result,
                                     const char           *what);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BurrowTestToolResult, burrow_test_tool_result_clear)

G_END_DECLS
