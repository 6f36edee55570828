// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-types.h"
#include "broker-ssh-types.h"

G_BEGIN_DECLS

typedef enum
{
  BROKER_HOST_KEY_KNOWN,        /* this very key is recorded for the host */
  BROKER_HOST_KEY_UNKNOWN,      /* nothing is recorded for the host */
  BROKER_HOST_KEY_CHANGED,      /* another key of the same type is recorded */
  BROKER_HOST_KEY_OTHER_TYPE,   /* only keys of other types are recorded */
} BrokerHostKeyStatus;

typedef enum
{
  BROKER_HOST_KEY_ACCEPT,
  BROKER_HOST_KEY_ACCEPT_WITHOUT_SAVING,
  BROKER_HOST_KEY_ASK,
  BROKER_HOST_KEY_REFUSE,
} BrokerHostKeyDecision;

/* What the known-hosts files say about a server's key. */
typedef struct
{
  BrokerHostKeyStatus status;
  char *host;                  /* as known_hosts writes it: "name" or "[name]:port" */
  char *key_type;              /* the offered key's, e.g. "ssh-ed25519" */
  char *fingerprint;           /* the offered key's, "SHA256:…" */
  char *known_fingerprint;     /* CHANGED / OTHER_TYPE: the recorded key's */
  char *known_key_type;
  char *known_file;            /* where the matching or conflicting entry is */
  guint known_line;
} BrokerHostKeyResult;

void                   broker_host_key_result_free (BrokerHostKeyResult *self);

char                  *broker_host_keys_host_string (const char          *host,
                                                     guint16              port);
char                  *broker_host_keys_expand_path (const char          *path);
char                  *broker_host_keys_fingerprint (ssh_key              key);
BrokerHostKeyResult   *broker_host_keys_check       (ssh_key              key,
                                                     const char          *host,
                                                     guint16              port,
                                                     const char * const  *files,
                                                     GError             **error);
BrokerHostKeyDecision  broker_host_keys_decide      (BrokerHostKeyPolicy  policy,
                                                     BrokerHostKeyStatus  status);
void                   broker_host_keys_set_refusal (const BrokerHostKeyResult *result,
                                                     BrokerHostKeyPolicy  policy,
                                                     GError             **error);
gboolean               broker_host_keys_save        (ssh_key              key,
                                                     const char          *host,
                                                     guint16              port,
                                                     const char          *file,
                                                     GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerHostKeyResult, broker_host_key_result_free)

G_END_DECLS
