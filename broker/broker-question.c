// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-question.h"

BrokerQuestion *
broker_question_new (BrokerQuestionKind kind)
{
  BrokerQuestion *self = g_new0 (BrokerQuestion, 1);

  self->kind = kind;
  return self;
}

void
broker_question_free (BrokerQuestion *self)
{
  if (self == NULL)
    return;
  g_free (self->profile);
  g_free (self->host);
  g_free (self->host_port);
  g_free (self->user);
  g_free (self->key_type);
  g_free (self->fingerprint);
  g_free (self->known_fingerprint);
  g_free (self->known_location);
  g_free (self->prompt);
  g_free (self->identity_file);
  g_free (self->name);
  g_free (self->instruction);
  g_strfreev (self->prompts);
  g_free (self->echo);
  broker_agents_secret_free (self->secret);
  g_free (self);
}

BrokerAnswer *
broker_answer_new (void)
{
  BrokerAnswer *self = g_new0 (BrokerAnswer, 1);

  self->decision = BROKER_HOST_KEY_ANSWER_REJECT;
  return self;
}

void
broker_answer_free (BrokerAnswer *self)
{
  if (self == NULL)
    return;
  g_free (self->error);
  broker_agents_secret_free (self->secret);
  broker_agents_secrets_free (self->answers);
  g_free (self);
}
