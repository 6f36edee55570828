// SPDX-License-Identifier: GPL-3.0-or-later
#include <glib/gstdio.h>
#include <string.h>

#include "broker-host-keys.h"
#include "broker-session-worker.h"
#include "burrow-test-broker.h"
#include "burrow-test-sshd.h"

typedef struct
{
  BurrowTestSshd *sshd;
  GPtrArray *states;           /* "state: reason" as notified, in order */
  BrokerSessionState last;
  char *fingerprint;
  char *save_file;
  BrokerSessionWorker *worker;  /* the one running now */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->sshd = burrow_test_sshd_start (&error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  g_assert_no_error (error);
  fixture->states = g_ptr_array_new_with_free_func (g_free);
  fixture->last = BROKER_SESSION_DISCONNECTED;
  fixture->save_file = g_build_filename (burrow_test_sshd_get_dir (fixture->sshd),
                                         "saved_known_hosts", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->sshd, burrow_test_sshd_stop);
  g_clear_pointer (&fixture->states, g_ptr_array_unref);
  g_clear_pointer (&fixture->fingerprint, g_free);
  g_clear_pointer (&fixture->save_file, g_free);
}

/* Stands in for the main thread's agent: the user rejects the key and
 * has no answer to anything else. */
static void
on_ask (BrokerQuestion *question,
        guint           serial,
        gpointer        user_data)
{
  Fixture *fixture = user_data;
  BrokerAnswer *answer = broker_answer_new ();

  g_ptr_array_add (fixture->states, g_strdup_printf ("asked: %d %s", question->kind,
                                                     question->fingerprint));
  answer->decision = BROKER_HOST_KEY_ANSWER_REJECT;
  if (question->kind != BROKER_QUESTION_HOST_KEY)
    answer->error = g_strdup ("nobody to ask in this test");
  broker_session_worker_answer (fixture->worker, serial, answer);
  broker_question_free (question);
}

static void
on_notify (BrokerSessionState  state,
           const char         *reason,
           const char         *fingerprint,
           gpointer            user_data)
{
  Fixture *fixture = user_data;

  fixture->last = state;
  g_ptr_array_add (fixture->states, g_strdup_printf ("%s: %s",
                                                     broker_session_state_to_string (state),
                                                     reason != NULL ? reason : ""));
  if (fingerprint != NULL)
    {
      g_free (fixture->fingerprint);
      fixture->fingerprint = g_strdup (fingerprint);
    }
}

static gboolean
settled (gpointer data)
{
  Fixture *fixture = data;

  return fixture->last == BROKER_SESSION_CONNECTED || fixture->last == BROKER_SESSION_FAILED;
}

static gboolean
failed (gpointer data)
{
  return ((Fixture *) data)->last == BROKER_SESSION_FAILED;
}

static BrokerSessionParams *
make_params (Fixture             *fixture,
             const char          *known_hosts,
             BrokerHostKeyPolicy  policy,
             const char          *identity)
{
  BrokerSessionParams *params = broker_session_params_new ();

  params->profile = g_strdup ("test");
  params->host = g_strdup (burrow_test_sshd_get_host (fixture->sshd));
  params->port = burrow_test_sshd_get_port (fixture->sshd);
  params->user = g_strdup (g_get_user_name ());
  params->auth_methods = g_strdupv ((char *[]) { "publickey", "password", NULL });
  params->identity_files = g_strdupv ((char *[]) { (char *) identity, NULL });
  params->known_hosts = g_strdupv ((char *[]) { (char *) known_hosts, NULL });
  params->save_known_hosts = g_strdup (fixture->save_file);
  params->ssh_dir = g_strdup (burrow_test_sshd_get_dir (fixture->sshd));
  params->policy = policy;
  return params;
}

static BrokerSessionWorker *
start (Fixture             *fixture,
       const char          *known_hosts,
       BrokerHostKeyPolicy  policy,
       const char          *identity)
{
  static const BrokerSessionEvents events = { .state = on_notify, .ask = on_ask };
  g_autoptr(BrokerTraffic) traffic = broker_traffic_new ();

  /* No ssh-agent: the identity files are what is tested. */
  g_unsetenv ("SSH_AUTH_SOCK");
  fixture->worker = broker_session_worker_start (make_params (fixture, known_hosts, policy,
                                                              identity),
                                                 traffic, &events, fixture);
  return fixture->worker;
}

/* Connects once, waits until the session settles, and closes it. */
static BrokerSessionState
connect_once (Fixture             *fixture,
              const char          *known_hosts,
              BrokerHostKeyPolicy  policy,
              const char          *identity)
{
  BrokerSessionWorker *worker = start (fixture, known_hosts, policy, identity);

  g_assert_true (burrow_test_wait_until (settled, fixture, 15000));
  broker_session_worker_stop (worker);
  return fixture->last;
}

static char *
last_reason (Fixture *fixture)
{
  g_assert_cmpuint (fixture->states->len, >, 0);
  return g_strdup (fixture->states->pdata[fixture->states->len - 1]);
}

static char *
sshd_log (Fixture *fixture)
{
  char *contents = NULL;

  g_assert_true (g_file_get_contents (burrow_test_sshd_get_log (fixture->sshd), &contents, NULL,
                                      NULL));
  return contents;
}

static gboolean
skip_without_sshd (Fixture *fixture)
{
  if (fixture->sshd != NULL)
    return FALSE;
  g_test_skip ("no /usr/sbin/sshd");
  return TRUE;
}

static void
test_connects_with_identity (Fixture       *fixture,
                             gconstpointer  data)
{
  BrokerSessionWorker *worker;
  g_autofree char *log = NULL;

  if (skip_without_sshd (fixture))
    return;
  worker = start (fixture, burrow_test_sshd_get_known_hosts (fixture->sshd),
                  BROKER_HOST_KEY_POLICY_STRICT, burrow_test_sshd_get_client_key (fixture->sshd));
  g_assert_true (burrow_test_wait_until (settled, fixture, 15000));
  g_assert_cmpint (fixture->last, ==, BROKER_SESSION_CONNECTED);
  g_assert_cmpstr (fixture->fingerprint, ==,
                   burrow_test_sshd_get_host_key_fingerprint (fixture->sshd));
  g_assert_cmpstr (fixture->states->pdata[0], ==, "connecting: ");
  broker_session_worker_stop (worker);
  log = sshd_log (fixture);
  g_assert_nonnull (strstr (log, "Accepted publickey"));
}

/* Refused before any authentication: sshd never sees a key or password. */
static void
assert_no_authentication_sent (Fixture *fixture)
{
  g_autofree char *log = sshd_log (fixture);

  g_assert_null (strstr (log, "publickey"));
  g_assert_null (strstr (log, "password"));
  g_assert_null (strstr (log, "Accepted"));
}

static void
test_unknown_key_strict (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *reason = NULL;

  if (skip_without_sshd (fixture))
    return;
  g_assert_cmpint (connect_once (fixture, fixture->save_file, BROKER_HOST_KEY_POLICY_STRICT,
                                 burrow_test_sshd_get_client_key (fixture->sshd)),
                   ==, BROKER_SESSION_FAILED);
  reason = last_reason (fixture);
  g_assert_nonnull (strstr (reason, "is not known"));
  g_assert_nonnull (strstr (reason, burrow_test_sshd_get_host_key_fingerprint (fixture->sshd)));
  assert_no_authentication_sent (fixture);
}

/* Under "ask" the user is asked with the key's fingerprint, before any
 * authentication; rejected, nothing is sent. */
static void
test_unknown_key_ask_rejected (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *reason = NULL;
  g_autofree char *asked = NULL;

  if (skip_without_sshd (fixture))
    return;
  g_assert_cmpint (connect_once (fixture, fixture->save_file, BROKER_HOST_KEY_POLICY_ASK,
                                 burrow_test_sshd_get_client_key (fixture->sshd)),
                   ==, BROKER_SESSION_FAILED);
  asked = g_strdup_printf ("asked: %d %s", BROKER_QUESTION_HOST_KEY,
                           burrow_test_sshd_get_host_key_fingerprint (fixture->sshd));
  g_assert_true (g_ptr_array_find_with_equal_func (fixture->states, asked, g_str_equal, NULL));
  reason = last_reason (fixture);
  g_assert_nonnull (strstr (reason, "was rejected"));
  assert_no_authentication_sent (fixture);
  g_assert_false (g_file_test (fixture->save_file, G_FILE_TEST_EXISTS));
}

static void
test_changed_key_refused (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(SshKey) impostor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *impostor_fingerprint = NULL;

  if (skip_without_sshd (fixture))
    return;
  g_assert_cmpint (ssh_pki_generate (SSH_KEYTYPE_ED25519, 0, &impostor), ==, SSH_OK);
  g_assert_true (broker_host_keys_save (impostor, burrow_test_sshd_get_host (fixture->sshd),
                                        burrow_test_sshd_get_port (fixture->sshd),
                                        fixture->save_file, &error));
  impostor_fingerprint = broker_host_keys_fingerprint (impostor);
  /* Even the most permissive policy refuses a changed key. */
  g_assert_cmpint (connect_once (fixture, fixture->save_file,
                                 BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN,
                                 burrow_test_sshd_get_client_key (fixture->sshd)),
                   ==, BROKER_SESSION_FAILED);
  reason = last_reason (fixture);
  g_assert_nonnull (strstr (reason, "CHANGED"));
  g_assert_nonnull (strstr (reason, impostor_fingerprint));
  g_assert_nonnull (strstr (reason, burrow_test_sshd_get_host_key_fingerprint (fixture->sshd)));
  assert_no_authentication_sent (fixture);
}

static void
test_accept_unknown_does_not_save (Fixture       *fixture,
                                   gconstpointer  data)
{

  if (skip_without_sshd (fixture))
    return;
  g_assert_cmpint (connect_once (fixture, fixture->save_file,
                                 BROKER_HOST_KEY_POLICY_ACCEPT_UNKNOWN,
                                 burrow_test_sshd_get_client_key (fixture->sshd)),
                   ==, BROKER_SESSION_CONNECTED);
  g_assert_false (g_file_test (fixture->save_file, G_FILE_TEST_EXISTS));
}

static void
test_wrong_identity (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(SshKey) stranger = NULL;
  g_autofree char *path = g_build_filename (burrow_test_sshd_get_dir (fixture->sshd), "stranger",
                                            NULL);
  g_autofree char *reason = NULL;

  if (skip_without_sshd (fixture))
    return;
  g_assert_cmpint (ssh_pki_generate (SSH_KEYTYPE_ED25519, 0, &stranger), ==, SSH_OK);
  g_assert_cmpint (ssh_pki_export_privkey_file (stranger, NULL, NULL, NULL, path), ==, SSH_OK);
  g_assert_cmpint (connect_once (fixture, burrow_test_sshd_get_known_hosts (fixture->sshd),
                  BROKER_HOST_KEY_POLICY_STRICT, path),
                   ==, BROKER_SESSION_FAILED);
  reason = last_reason (fixture);
  g_assert_nonnull (strstr (reason, "authentication failed"));
  g_assert_nonnull (strstr (reason, path));
  g_assert_nonnull (strstr (reason, "password (nobody to ask in this test)"));
  g_remove (path);
}

static void
test_server_goes_away (Fixture       *fixture,
                       gconstpointer  data)
{
  BrokerSessionWorker *worker;
  g_autofree char *reason = NULL;

  if (skip_without_sshd (fixture))
    return;
  worker = start (fixture, burrow_test_sshd_get_known_hosts (fixture->sshd),
                  BROKER_HOST_KEY_POLICY_STRICT, burrow_test_sshd_get_client_key (fixture->sshd));
  g_assert_true (burrow_test_wait_until (settled, fixture, 15000));
  g_assert_cmpint (fixture->last, ==, BROKER_SESSION_CONNECTED);
  /* Stopping the helper ends sshd and its sessions: the socket closes. */
  g_clear_pointer (&fixture->sshd, burrow_test_sshd_stop);
  g_assert_true (burrow_test_wait_until (failed, fixture, 10000));
  reason = last_reason (fixture);
  g_assert_nonnull (strstr (reason, "was closed"));
  broker_session_worker_stop (worker);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/broker/session/connects-with-identity", test_connects_with_identity);
  ADD ("/broker/session/unknown-key-strict", test_unknown_key_strict);
  ADD ("/broker/session/unknown-key-ask-rejected", test_unknown_key_ask_rejected);
  ADD ("/broker/session/changed-key-refused", test_changed_key_refused);
  ADD ("/broker/session/accept-unknown-does-not-save", test_accept_unknown_does_not_save);
  ADD ("/broker/session/wrong-identity", test_wrong_identity);
  ADD ("/broker/session/server-goes-away", test_server_goes_away);
#undef ADD
  return g_test_run ();
}
