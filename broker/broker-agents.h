// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  BROKER_HOST_KEY_ANSWER_SAVE,
  BROKER_HOST_KEY_ANSWER_ACCEPT_ONCE,
  BROKER_HOST_KEY_ANSWER_REJECT,
} BrokerHostKeyAnswer;

#define BROKER_TYPE_AGENTS (broker_agents_get_type ())
G_DECLARE_FINAL_TYPE (BrokerAgents, broker_agents, BROKER, AGENTS, GObject)

/* The io.github.burrow.Burrow.Agent1 objects clients registered, and the
 * questions the broker asks the user through the most recent one.  With
 * none registered, a question starts the front end (io.github.burrow.Burrow)
 * by D-Bus activation and waits, bounded, for it to register one. */
BrokerAgents *broker_agents_new        (GDBusConnection *connection);
gboolean      broker_agents_register   (BrokerAgents    *self,
                                        const char      *sender,
                                        const char      *path,
                                        GError         **error);
gboolean      broker_agents_unregister (BrokerAgents    *self,
                                        const char      *sender,
                                        const char      *path,
                                        GError         **error);
gboolean      broker_agents_has_agent  (BrokerAgents    *self);

void                broker_agents_confirm_host_key_async      (BrokerAgents         *self,
                                                               const char           *profile,
                                                               const char           *host_port,
                                                               const char           *key_type,
                                                               const char           *fingerprint,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
BrokerHostKeyAnswer broker_agents_confirm_host_key_finish     (BrokerAgents         *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
void                broker_agents_request_password_async      (BrokerAgents         *self,
                                                               const char           *profile,
                                                               const char           *prompt,
                                                               gboolean              can_remember,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
char               *broker_agents_request_password_finish     (BrokerAgents         *self,
                                                               GAsyncResult         *result,
                                                               gboolean             *remember,
                                                               GError              **error);
void                broker_agents_request_passphrase_async    (BrokerAgents         *self,
                                                               const char           *profile,
                                                               const char           *identity_file,
                                                               gboolean              can_remember,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
char               *broker_agents_request_passphrase_finish   (BrokerAgents         *self,
                                                               GAsyncResult         *result,
                                                               gboolean             *remember,
                                                               GError              **error);
void                broker_agents_keyboard_interactive_async  (BrokerAgents         *self,
                                                               const char           *profile,
                                                               const char           *name,
                                                               const char           *instruction,
                                                               const char * const   *prompts,
                                                               const gboolean       *echo,
                                                               guint                 n_prompts,
                                                               gboolean              can_remember,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
GStrv               broker_agents_keyboard_interactive_finish (BrokerAgents         *self,
                                                               GAsyncResult         *result,
                                                               gboolean             *remember,
                                                               GError              **error);
void                broker_agents_host_key_changed_async      (BrokerAgents         *self,
                                                               const char           *profile,
                                                               const char           *host_port,
                                                               const char           *key_type,
                                                               const char           *known,
                                                               const char           *offered,
                                                               const char           *known_location,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
gboolean            broker_agents_host_key_changed_finish     (BrokerAgents         *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
void                broker_agents_set_activation_timeout      (BrokerAgents         *self,
                                                               guint                 seconds);

/* Overwrites a secret the agents returned, then frees it. */
void broker_agents_secret_free  (char  *secret);
void broker_agents_secrets_free (GStrv  secrets);

G_END_DECLS
