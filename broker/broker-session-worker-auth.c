// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-session"

#include "broker-session-worker-private.h"
#include "broker-handoff.h"

#include "broker-error.h"
#include "broker-host-keys.h"

#include <string.h>

/* Host-key verification and authentication, on the worker's thread.  What
 * needs the user goes to the main thread as a BrokerQuestion (it asks the
 * agent or the keyring) and comes back as a BrokerAnswer; meanwhile the
 * worker waits in PHASE_WAITING without blocking. */

/* Password and keyboard-interactive tries, then the next method. */
#define MAX_ATTEMPTS 3
/* Keyboard-interactive rounds in one try (PAM may ask several things). */
#define MAX_ROUNDS 10

/* Not an SSH_AUTH_* value: the user is being asked. */
#define AUTH_WAITING (-100)

typedef struct
{
  Mailbox *mailbox;
  BrokerQuestion *question;
  guint serial;
} QuestionLetter;

static void
question_letter_free (QuestionLetter *letter)
{
  g_atomic_rc_box_release (letter->mailbox);
  broker_question_free (letter->question);
  g_free (letter);
}

static gboolean
deliver_question (gpointer data)
{
  QuestionLetter *letter = data;

  if (!letter->mailbox->stopped && letter->mailbox->events.ask != NULL)
    letter->mailbox->events.ask (g_steal_pointer (&letter->question), letter->serial,
                                 letter->mailbox->user_data);
  return G_SOURCE_REMOVE;
}

static BrokerQuestion *
question_new (BrokerSessionWorker *self,
              BrokerQuestionKind   kind)
{
  BrokerQuestion *question = broker_question_new (kind);

  question->profile = g_strdup (self->params->profile);
  question->host = g_strdup (self->params->host);
  question->host_port = broker_host_keys_host_string (self->params->host, self->params->port);
  question->user = g_strdup (self->params->user);
  return question;
}

static void
send_question (BrokerSessionWorker *self,
               BrokerQuestion      *question)
{
  QuestionLetter *letter = g_new0 (QuestionLetter, 1);

  letter->mailbox = g_atomic_rc_box_acquire (self->mailbox);
  letter->question = question;
  letter->serial = ++self->serial;
  broker_handoff_invoke (self->main_context, deliver_question, letter,
                         (GDestroyNotify) question_letter_free);
}

/* Asks, and parks the connection until the answer comes back. */
static void
ask (BrokerSessionWorker *self,
     BrokerQuestion      *question)
{
  self->resume = self->phase;
  self->phase = PHASE_WAITING;
  /* The user takes the time they need. */
  broker_session_worker_set_deadline (self, FALSE);
  g_clear_pointer (&self->answer, broker_answer_free);
  send_question (self, question);
  broker_session_worker_post (self, BROKER_SESSION_WAITING_FOR_USER, NULL, NULL);
  broker_session_worker_watch_socket (self);
}

typedef struct
{
  BrokerSessionWorker *self;
  guint serial;
  BrokerAnswer *answer;
} AnswerDelivery;

static void
answer_delivery_free (AnswerDelivery *delivery)
{
  g_clear_pointer (&delivery->answer, broker_answer_free);
  g_free (delivery);
}

static gboolean
answer_in_worker (gpointer data)
{
  AnswerDelivery *delivery = data;
  BrokerSessionWorker *self = delivery->self;

  if (self->phase != PHASE_WAITING || delivery->serial != self->serial)
    return G_SOURCE_REMOVE;
  self->answer = g_steal_pointer (&delivery->answer);
  self->phase = self->resume;
  broker_session_worker_set_deadline (self, TRUE);
  broker_session_worker_post (self, BROKER_SESSION_CONNECTING, NULL, NULL);
  broker_session_worker_step_auth (self);
  return G_SOURCE_REMOVE;
}

void
broker_session_worker_answer (BrokerSessionWorker *self,
                              guint                serial,
                              BrokerAnswer        *answer)
{
  AnswerDelivery *delivery = g_new0 (AnswerDelivery, 1);

  delivery->self = self;
  delivery->serial = serial;
  delivery->answer = answer;
  broker_handoff_invoke (self->context, answer_in_worker, delivery,
                         (GDestroyNotify) answer_delivery_free);
}

/* The answer just delivered, taken (NULL if none). */
static BrokerAnswer *
take_answer (BrokerSessionWorker *self)
{
  return g_steal_pointer (&self->answer);
}

static void
fail (BrokerSessionWorker *self,
      const char          *reason)
{
  broker_session_worker_finish (self, BROKER_SESSION_FAILED, reason);
}

/* Host key */

static void
host_key_accepted (BrokerSessionWorker *self,
                   const char          *fingerprint)
{
  broker_session_worker_post (self, BROKER_SESSION_CONNECTING, NULL, fingerprint);
  self->phase = PHASE_AUTH_NONE;
  broker_session_worker_step_auth (self);
}

/* The user's verdict on an unknown key. */
static void
host_key_answered (BrokerSessionWorker *self,
                   BrokerAnswer        *answer)
{
  BrokerSessionParams *params = self->params;
  g_autoptr(SshKey) key = g_steal_pointer (&self->host_key);
  g_autoptr(GError) error = NULL;
  g_autofree char *fingerprint = broker_host_keys_fingerprint (key);

  if (answer->error != NULL)
    {
      g_autofree char *reason = g_strdup_printf ("the host key of %s:%u (%s) was not confirmed: %s",
                                                 params->host, params->port, fingerprint,
                                                 answer->error);

      fail (self, reason);
      return;
    }
  if (answer->decision == BROKER_HOST_KEY_ANSWER_REJECT)
    {
      g_autofree char *reason = g_strdup_printf ("the host key of %s:%u (%s) was rejected",
                                                 params->host, params->port, fingerprint);

      fail (self, reason);
      return;
    }
  if (answer->decision == BROKER_HOST_KEY_ANSWER_SAVE &&
      !broker_host_keys_save (key, params->host, params->port, params->save_known_hosts, &error))
    {
      fail (self, error->message);
      return;
    }
  if (answer->decision == BROKER_HOST_KEY_ANSWER_SAVE)
    g_message ("%s: saved the host key of %s:%u (%s) in %s", params->profile, params->host,
               params->port, fingerprint, params->save_known_hosts);
  host_key_accepted (self, fingerprint);
}

/* A changed key is refused without asking, but the user is told (through
 * the main thread's agent), before the session reports the failure. */
static void
warn_key_changed (BrokerSessionWorker       *self,
                  const BrokerHostKeyResult *result)
{
  BrokerQuestion *question;

  if (result->status != BROKER_HOST_KEY_CHANGED && result->status != BROKER_HOST_KEY_OTHER_TYPE)
    return;
  question = question_new (self, BROKER_QUESTION_HOST_KEY_CHANGED);
  question->key_type = g_strdup (result->key_type);
  question->fingerprint = g_strdup (result->fingerprint);
  question->known_fingerprint = g_strdup (result->known_fingerprint);
  question->known_location = g_strdup_printf ("%s:%u", result->known_file, result->known_line);
  send_question (self, question);
}

/* Nothing of the authentication is sent before this has accepted the key. */
static void
step_host_key (BrokerSessionWorker *self)
{
  BrokerSessionParams *params = self->params;
  g_autoptr(SshKey) key = NULL;
  g_autoptr(BrokerHostKeyResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BrokerAnswer) answer = take_answer (self);
  BrokerHostKeyDecision decision;
  BrokerQuestion *question;

  if (answer != NULL)
    {
      host_key_answered (self, answer);
      return;
    }
  if (ssh_get_server_publickey (self->ssh, &key) != SSH_OK)
    {
      broker_session_worker_fail (self, "no host key from");
      return;
    }
  result = broker_host_keys_check (key, params->host, params->port,
                                   (const char * const *) params->known_hosts, &error);
  if (result == NULL)
    {
      fail (self, error->message);
      return;
    }
  decision = broker_host_keys_decide (params->policy, result->status);
  if (decision == BROKER_HOST_KEY_REFUSE)
    {
      broker_host_keys_set_refusal (result, params->policy, &error);
      warn_key_changed (self, result);
      fail (self, error->message);
      return;
    }
  if (decision != BROKER_HOST_KEY_ASK)
    {
      host_key_accepted (self, result->fingerprint);
      return;
    }
  question = question_new (self, BROKER_QUESTION_HOST_KEY);
  question->key_type = g_strdup (result->key_type);
  question->fingerprint = g_strdup (result->fingerprint);
  self->host_key = g_steal_pointer (&key);
  ask (self, question);
}

/* "none" first: a server may let the user in without more. */
static void
step_auth_none (BrokerSessionWorker *self)
{
  int rc = ssh_userauth_none (self->ssh, NULL);

  if (rc == SSH_AUTH_AGAIN)
    broker_session_worker_watch_socket (self);
  else if (rc == SSH_AUTH_SUCCESS)
    broker_session_worker_connected (self);
  else if (rc == SSH_AUTH_ERROR)
    broker_session_worker_fail (self, "authentication failed for");
  else
    {
      self->phase = PHASE_AUTH;
      broker_session_worker_step_auth (self);
    }
}

/* Public keys: ssh-agent, then each identity file (asking for its
 * passphrase when it has one). */

/* The key stays loaded while ssh_userauth_publickey() says SSH_AUTH_AGAIN:
 * it must be called again with the same key. */
static int
offer_identity (BrokerSessionWorker *self)
{
  int rc = ssh_userauth_publickey (self->ssh, NULL, self->identity_key);

  if (rc != SSH_AUTH_AGAIN)
    g_clear_pointer (&self->identity_key, ssh_key_free);
  return rc;
}

/* Passphrases: the keyring's first (after the key refused to open without
 * one), then the user's, MAX_ATTEMPTS in all; a stored one that does not
 * open the key is forgotten. */

static void
tell_passphrase (BrokerSessionWorker *self,
                 BrokerQuestionKind   kind,
                 const char          *path,
                 const char          *secret)
{
  BrokerQuestion *question = question_new (self, kind);

  question->identity_file = g_strdup (path);
  question->secret = g_strdup (secret);
  send_question (self, question);
}

static void
forget_passphrase_state (BrokerSessionWorker *self)
{
  g_clear_pointer (&self->passphrase, broker_agents_secret_free);
  self->passphrase_from_keyring = FALSE;
  self->passphrase_remember = FALSE;
  self->passphrase_keyring_refused = FALSE;
  self->passphrase_attempts = 0;
}

/* The key did not open with the passphrase tried (none at first). */
static int
ask_passphrase (BrokerSessionWorker *self,
                const char          *path)
{
  BrokerQuestion *question;

  if (self->passphrase_from_keyring)
    {
      tell_passphrase (self, BROKER_QUESTION_FORGET, path, NULL);
      self->passphrase_from_keyring = FALSE;
      self->passphrase_keyring_refused = TRUE;
    }
  else if (self->passphrase_attempts++ >= MAX_ATTEMPTS)
    {
      g_string_append_printf (self->tried, " %s (unreadable, or the passphrase was wrong)", path);
      return SSH_AUTH_DENIED;
    }
  question = question_new (self, BROKER_QUESTION_PASSPHRASE);
  question->prompt = g_strdup (path);
  question->retry = self->passphrase_keyring_refused || self->passphrase_attempts > 1;
  ask (self, question);
  return AUTH_WAITING;
}

static int
try_identity (BrokerSessionWorker *self,
              const char          *path)
{
  g_autoptr(BrokerAnswer) answer = take_answer (self);

  if (self->identity_key != NULL)
    return offer_identity (self);
  if (answer != NULL && answer->error == NULL && answer->secret == NULL)
    answer->error = g_strdup ("no passphrase given");
  if (answer != NULL)
    {
      if (answer->error != NULL)
        {
          g_string_append_printf (self->tried, " %s (no passphrase: %s)", path, answer->error);
          return SSH_AUTH_DENIED;
        }
      broker_agents_secret_free (self->passphrase);
      self->passphrase = g_steal_pointer (&answer->secret);
      self->passphrase_from_keyring = answer->from_keyring;
      self->passphrase_remember = answer->remember && !answer->from_keyring;
    }
  if (ssh_pki_import_privkey_file (path, self->passphrase, NULL, NULL,
                                   &self->identity_key) != SSH_OK)
    {
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return SSH_AUTH_DENIED;   /* a default identity that does not exist */
      return ask_passphrase (self, path);
    }
  if (self->passphrase != NULL && self->passphrase_remember)
    tell_passphrase (self, BROKER_QUESTION_REMEMBER, path, self->passphrase);
  forget_passphrase_state (self);
  return offer_identity (self);
}

static int
try_publickey (BrokerSessionWorker *self)
{
  BrokerSessionParams *params = self->params;

  if (!self->tried_agent && g_getenv ("SSH_AUTH_SOCK") != NULL)
    {
      int rc = ssh_userauth_agent (self->ssh, NULL);

      if (rc != SSH_AUTH_AGAIN)
        {
          self->tried_agent = TRUE;
          g_string_append (self->tried, " ssh-agent");
        }
      if (rc != SSH_AUTH_DENIED)
        return rc;
    }
  while (params->identity_files[self->identity] != NULL)
    {
      const char *path = params->identity_files[self->identity];
      int rc = try_identity (self, path);

      if (rc == SSH_AUTH_AGAIN || rc == AUTH_WAITING)
        return rc;
      if (rc != SSH_AUTH_DENIED || g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_string_append_printf (self->tried, " %s", path);
      self->identity++;
      forget_passphrase_state (self);
      if (rc != SSH_AUTH_DENIED)
        return rc;
    }
  return SSH_AUTH_DENIED;
}

/* Passwords: the keyring's first, then the user's, MAX_ATTEMPTS in all;
 * a stored one that fails is forgotten, so it is never tried again. */

static void
tell_main (BrokerSessionWorker *self,
           BrokerQuestionKind   kind,
           const char          *secret)
{
  BrokerQuestion *question = question_new (self, kind);

  question->secret = g_strdup (secret);
  send_question (self, question);
}

/* The keyring is told once the password method is settled, so that a
 * password the user gave (and asked to remember) replaces a refused stored
 * one, and a refused one is forgotten either way. */
static void
settle_keyring (BrokerSessionWorker *self,
                const char          *working)
{
  if (working != NULL && self->password_remember)
    tell_main (self, BROKER_QUESTION_REMEMBER, working);
  else if (self->keyring_refused)
    tell_main (self, BROKER_QUESTION_FORGET, NULL);
  self->keyring_refused = FALSE;
}

static int
ask_password (BrokerSessionWorker *self)
{
  BrokerQuestion *question;

  if (self->password_attempts >= MAX_ATTEMPTS)
    {
      settle_keyring (self, NULL);
      return SSH_AUTH_DENIED;
    }
  question = question_new (self, BROKER_QUESTION_PASSWORD);
  question->prompt = g_strdup_printf ("Password for %s@%s", self->params->user,
                                      self->params->host);
  question->retry = self->password_attempts > 0 || self->keyring_refused;
  ask (self, question);
  return AUTH_WAITING;
}

static int
try_password (BrokerSessionWorker *self)
{
  g_autoptr(BrokerAnswer) answer = take_answer (self);
  int rc;

  if (answer != NULL && answer->error == NULL && answer->secret == NULL)
    answer->error = g_strdup ("no password given");
  if (answer != NULL)
    {
      if (answer->error != NULL)
        {
          g_string_append_printf (self->tried, " password (%s)", answer->error);
          self->password_attempts = MAX_ATTEMPTS;
          settle_keyring (self, NULL);
          return SSH_AUTH_DENIED;
        }
      self->password = g_steal_pointer (&answer->secret);
      self->password_from_keyring = answer->from_keyring;
      self->password_remember = answer->remember && !answer->from_keyring;
    }
  if (self->password == NULL)
    return ask_password (self);
  rc = ssh_userauth_password (self->ssh, NULL, self->password);
  if (rc == SSH_AUTH_AGAIN)
    return rc;
  if (self->password_from_keyring)
    self->keyring_refused = rc == SSH_AUTH_DENIED;
  else
    self->password_attempts++;
  if (rc == SSH_AUTH_SUCCESS)
    settle_keyring (self, self->password);
  g_clear_pointer (&self->password, broker_agents_secret_free);
  if (rc == SSH_AUTH_DENIED)
    {
      g_string_append (self->tried, self->password_from_keyring ? " password (from the keyring)" :
                                                                  " password");
      return ask_password (self);
    }
  return rc;
}

/* Keyboard-interactive: each round's prompts go to the agent, echo flags
 * kept.  A round of one hidden prompt that asks for a password (PAM's
 * "Password:") is the profile's password: the keyring may answer it, once,
 * and the user may have it remembered. */

static gboolean
asks_for_password (const char *prompt,
                   gboolean    echo)
{
  g_autofree char *lower = g_ascii_strdown (prompt, -1);

  return !echo && strstr (lower, "password") != NULL;
}

static int
ask_kbdint (BrokerSessionWorker *self,
            int                  n_prompts)
{
  BrokerQuestion *question = question_new (self, BROKER_QUESTION_KEYBOARD_INTERACTIVE);

  question->name = g_strdup (ssh_userauth_kbdint_getname (self->ssh));
  question->instruction = g_strdup (ssh_userauth_kbdint_getinstruction (self->ssh));
  question->prompts = g_new0 (char *, n_prompts + 1);
  question->echo = g_new0 (gboolean, n_prompts);
  for (int i = 0; i < n_prompts; i++)
    {
      char echo = 0;

      question->prompts[i] = g_strdup (ssh_userauth_kbdint_getprompt (self->ssh, i, &echo));
      question->echo[i] = echo != 0;
    }
  question->can_remember = n_prompts == 1 &&
                           asks_for_password (question->prompts[0], question->echo[0]);
  question->retry = self->kbdint_keyring_tried;
  ask (self, question);
  return AUTH_WAITING;
}

static gboolean
set_kbdint_answers (BrokerSessionWorker *self,
                    BrokerAnswer        *answer)
{
  guint n = ssh_userauth_kbdint_getnprompts (self->ssh);

  if (answer->error != NULL || answer->answers == NULL || g_strv_length (answer->answers) != n)
    {
      g_string_append_printf (self->tried, " keyboard-interactive (%s)",
                              answer->error != NULL ? answer->error : "no answer");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    ssh_userauth_kbdint_setanswer (self->ssh, i, answer->answers[i]);
  self->kbdint_from_keyring = answer->from_keyring;
  if (answer->from_keyring)
    self->kbdint_keyring_tried = TRUE;
  else if (answer->remember && n == 1)
    {
      broker_agents_secret_free (self->kbdint_remember);
      self->kbdint_remember = g_strdup (answer->answers[0]);
    }
  return TRUE;
}

/* The server's verdict on the answers sent: a password to remember is
 * stored once it let the user in, a stored one it refused is forgotten. */
static void
settle_kbdint (BrokerSessionWorker *self,
               int                  rc)
{
  if (rc == SSH_AUTH_SUCCESS && self->kbdint_remember != NULL)
    tell_main (self, BROKER_QUESTION_REMEMBER, self->kbdint_remember);
  if (rc == SSH_AUTH_DENIED && self->kbdint_from_keyring)
    {
      tell_main (self, BROKER_QUESTION_FORGET, NULL);
      g_string_append (self->tried, " keyboard-interactive (password from the keyring)");
    }
  if (rc != SSH_AUTH_INFO)
    g_clear_pointer (&self->kbdint_remember, broker_agents_secret_free);
}

static int
try_kbdint (BrokerSessionWorker *self)
{
  g_autoptr(BrokerAnswer) answer = take_answer (self);

  if (answer != NULL && !set_kbdint_answers (self, answer))
    {
      self->kbdint_attempts = MAX_ATTEMPTS;
      return SSH_AUTH_DENIED;
    }
  while (self->kbdint_rounds < MAX_ROUNDS)
    {
      int rc = ssh_userauth_kbdint (self->ssh, NULL, NULL);
      gboolean stored = self->kbdint_from_keyring;
      int n_prompts;

      if (rc == SSH_AUTH_AGAIN)
        return rc;
      settle_kbdint (self, rc);
      self->kbdint_from_keyring = FALSE;
      /* A stored password the server refused is not one of the user's tries. */
      if (rc == SSH_AUTH_DENIED && (stored || ++self->kbdint_attempts < MAX_ATTEMPTS))
        {
          if (!stored)
            g_string_append (self->tried, " keyboard-interactive");
          self->kbdint_rounds = 0;
          continue;
        }
      if (rc != SSH_AUTH_INFO)
        return rc;
      self->kbdint_rounds++;
      n_prompts = ssh_userauth_kbdint_getnprompts (self->ssh);
      if (n_prompts > 0)
        return ask_kbdint (self, n_prompts);
    }
  return SSH_AUTH_DENIED;
}

static int
try_method (BrokerSessionWorker *self,
            const char          *method)
{
  if (g_str_equal (method, "publickey"))
    return try_publickey (self);
  if (g_str_equal (method, "password"))
    return try_password (self);
  if (g_str_equal (method, "keyboard-interactive"))
    return try_kbdint (self);
  g_string_append_printf (self->tried, " %s (not supported)", method);
  return SSH_AUTH_DENIED;
}

/* The profile's methods in order; SSH_AUTH_DENIED moves to the next. */
static void
step_auth (BrokerSessionWorker *self)
{
  GStrv methods = self->params->auth_methods;
  g_autofree char *reason = NULL;

  for (; methods[self->method] != NULL; self->method++)
    {
      int rc = try_method (self, methods[self->method]);

      if (rc == AUTH_WAITING)
        return;
      if (rc == SSH_AUTH_AGAIN)
        {
          broker_session_worker_watch_socket (self);
          return;
        }
      if (rc == SSH_AUTH_SUCCESS)
        {
          broker_session_worker_clear_secrets (self);
          broker_session_worker_connected (self);
          return;
        }
      if (rc == SSH_AUTH_ERROR)
        {
          broker_session_worker_fail (self, "authentication failed for");
          return;
        }
      g_clear_pointer (&self->answer, broker_answer_free);
    }
  reason = g_strdup_printf ("authentication failed for %s@%s:%u (tried:%s)", self->params->user,
                            self->params->host, self->params->port,
                            self->tried->len > 0 ? self->tried->str : " nothing");
  fail (self, reason);
}

void
broker_session_worker_step_auth (BrokerSessionWorker *self)
{
  if (self->phase == PHASE_HOST_KEY)
    step_host_key (self);
  else if (self->phase == PHASE_AUTH_NONE)
    step_auth_none (self);
  else if (self->phase == PHASE_AUTH)
    step_auth (self);
}

void
broker_session_worker_clear_secrets (BrokerSessionWorker *self)
{
  g_clear_pointer (&self->password, broker_agents_secret_free);
  g_clear_pointer (&self->passphrase, broker_agents_secret_free);
  g_clear_pointer (&self->kbdint_remember, broker_agents_secret_free);
  g_clear_pointer (&self->answer, broker_answer_free);
  g_clear_pointer (&self->host_key, ssh_key_free);
  g_clear_pointer (&self->identity_key, ssh_key_free);
}
