// SPDX-License-Identifier: GPL-3.0-or-later
/* Linked into every test program; only LeakSanitizer reads it.
 *
 * GTestDBus forks the test program for a watcher that stops the bus should
 * the test die, and the watcher ends with exit() (GLib's gtestdbus.c,
 * watch_parent()).  LeakSanitizer then checks that fork, where the test's
 * other threads exist only in its bookkeeping: it cannot stop them, does
 * not scan them, and reports their data as leaked.  So only the test
 * program itself is checked, not a copy forked from it that never exec'd. */
#include <sys/types.h>
#include <unistd.h>

int __lsan_is_turned_off (void);

/* The test program's pid; a process-wide fact, set once before main(). */
static pid_t test_pid;

__attribute__ ((constructor)) static void
remember_test_pid (void)
{
  test_pid = getpid ();
}

int
__lsan_is_turned_off (void)
{
  return getpid () != test_pid;
}
