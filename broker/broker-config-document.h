// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config.h"

G_BEGIN_DECLS

/* The user's configuration file as an editable XML tree.  Edits change only
 * what they are about: comments, formatting and elements Burrow does not
 * know stay as the user left them. */
typedef struct _BrokerConfigDocument BrokerConfigDocument;

BrokerConfigDocument *broker_config_document_new            (const char           *data,
                                                             gsize                 length,
                                                             const char           *filename,
                                                             GError              **error);
void                  broker_config_document_free           (BrokerConfigDocument *self);
gboolean              broker_config_document_has_profile    (BrokerConfigDocument *self,
                                                             const char           *id);
void                  broker_config_document_set_profile    (BrokerConfigDocument *self,
                                                             const BrokerProfile  *profile);
gboolean              broker_config_document_delete_profile (BrokerConfigDocument *self,
                                                             const char           *id);
void                  broker_config_document_set_rules      (BrokerConfigDocument *self,
                                                             GPtrArray            *rules);
void                  broker_config_document_set_capture    (BrokerConfigDocument *self,
                                                             gboolean              enable_at_startup);
GBytes               *broker_config_document_to_bytes       (BrokerConfigDocument *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerConfigDocument, broker_config_document_free)

G_END_DECLS
