// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-agents.h"

G_BEGIN_DECLS

/* What a session's worker needs from the user (through an agent) or the
 * keyring, and the answer that goes back to it.  Secrets are wiped when
 * freed. */
typedef enum
{
  BROKER_QUESTION_HOST_KEY,
  BROKER_QUESTION_PASSWORD,
  BROKER_QUESTION_PASSPHRASE,
  BROKER_QUESTION_KEYBOARD_INTERACTIVE,
  BROKER_QUESTION_REMEMBER,     /* store the password or passphrase that worked; no answer */
  BROKER_QUESTION_FORGET,       /* the stored one was refused; no answer */
  BROKER_QUESTION_HOST_KEY_CHANGED, /* a changed key was refused: warn the user; no answer */
} BrokerQuestionKind;

typedef struct
{
  BrokerQuestionKind kind;
  char *profile;
  char *host;                   /* as the server is named in the profile */
  char *host_port;              /* "host:port" or "[host]:port" */
  char *user;
  char *key_type;               /* HOST_KEY, HOST_KEY_CHANGED: the offered key's */
  char *fingerprint;            /* HOST_KEY, HOST_KEY_CHANGED: the offered key's */
  char *known_fingerprint;      /* HOST_KEY_CHANGED: the recorded key's */
  char *known_location;         /* HOST_KEY_CHANGED: "file:line" of the recorded key */
  char *prompt;                 /* PASSWORD: the prompt; PASSPHRASE: the file */
  gboolean retry;               /* PASSWORD, PASSPHRASE, KEYBOARD_INTERACTIVE: ask the
                                 * user, not the keyring */
  gboolean can_remember;        /* KEYBOARD_INTERACTIVE: one hidden password prompt */
  char *identity_file;          /* REMEMBER, FORGET: the key whose passphrase this is;
                                 * NULL: the profile's password */
  char *name;                   /* KEYBOARD_INTERACTIVE */
  char *instruction;
  GStrv prompts;
  gboolean *echo;
  char *secret;                 /* REMEMBER */
} BrokerQuestion;

typedef struct
{
  char *error;                  /* set: no answer (no agent, the user declined) */
  BrokerHostKeyAnswer decision;
  char *secret;                 /* password or passphrase */
  gboolean remember;
  gboolean from_keyring;
  GStrv answers;
} BrokerAnswer;

BrokerQuestion *broker_question_new  (BrokerQuestionKind  kind);
void            broker_question_free (BrokerQuestion     *self);
BrokerAnswer   *broker_answer_new    (void);
void            broker_answer_free   (BrokerAnswer       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerQuestion, broker_question_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerAnswer, broker_answer_free)

G_END_DECLS
