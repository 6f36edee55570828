// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A private session bus (GTestDBus; one per test process: GLib 2.74 hangs
 * bringing a second one up) on which burrow-broker from the build
 * tree is started by D-Bus activation, with its configuration files in a
 * temporary directory. */
typedef struct
{
  GTestDBus *bus;
  char *dir;
  char *global_path;
  char *user_path;
  GDBusConnection *connection;
} BurrowTestBroker;

BurrowTestBroker *burrow_test_broker_new          (gboolean          activatable);
void              burrow_test_broker_free         (BurrowTestBroker *self);
void              burrow_test_broker_write_global (BurrowTestBroker *self,
                                                   const char       *xml);
void              burrow_test_broker_write_user   (BurrowTestBroker *self,
                                                   const char       *xml);
char             *burrow_test_broker_read_user    (BurrowTestBroker *self);
const char       *burrow_test_broker_get_address  (BurrowTestBroker *self);
guint32           burrow_test_broker_get_pid      (BurrowTestBroker *self);
void              burrow_test_broker_stop_daemon  (BurrowTestBroker *self);
char             *burrow_test_build_path          (const char       *first,
                                                   ...) G_GNUC_NULL_TERMINATED;
gboolean          burrow_test_wait_until          (gboolean        (*done) (gpointer),
                                                   gpointer          data,
                                                   guint             timeout_ms);

/* A stand-in for the GUI (tests/agents/burrow-test-front-end.c) that the
 * bus starts as io.github.burrow.Burrow when the broker activates it: each
 * start does what @mode says, "fail" (exit 1 before taking the name),
 * "hold" (take it, register nothing) or "run" (take it, then run @command,
 * e.g. "burrowctl agent --script …").  @mode NULL removes the service. */
void              burrow_test_broker_set_front_end           (BurrowTestBroker   *self,
                                                              const char         *mode,
                                                              const char * const *command);
char             *burrow_test_broker_front_end_path          (BurrowTestBroker   *self,
                                                              const char         *suffix);
guint             burrow_test_broker_count_front_end_starts  (BurrowTestBroker   *self);
void              burrow_test_broker_stop_front_end          (BurrowTestBroker   *self);

/* What a run of the built burrowctl printed and returned. */
typedef struct
{
  int status;
  char *out;
  char *err;
} BurrowTestCtlResult;

void burrow_test_ctl_result_clear (BurrowTestCtlResult *result);
void burrow_test_run_ctl          (BurrowTestCtlResult *result,
                                   const char          *address,
                                   const char * const  *args);

/* The newest line (highest ID) of `burrowctl connections` on the bus at
 * @address that has @needle, or NULL (the list goes to the test log):
 * earlier tests' connections stay listed a few seconds. */
char *burrow_test_connections_line (const char *address,
                                    const char *needle);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestBroker, burrow_test_broker_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BurrowTestCtlResult, burrow_test_ctl_result_clear)

G_END_DECLS
