// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "broker-config-document.h"

G_BEGIN_DECLS

typedef enum
{
  BROKER_CONFIG_EDIT_SAVE_PROFILE,
  BROKER_CONFIG_EDIT_DELETE_PROFILE,
  BROKER_CONFIG_EDIT_SET_RULES,
  BROKER_CONFIG_EDIT_SET_CAPTURE,
} BrokerConfigEditKind;

/* One change a client asked for, applied to the user's file. */
typedef struct _BrokerConfigEdit BrokerConfigEdit;

BrokerConfigEdit *broker_config_edit_new_save_profile   (BrokerProfile *profile);
BrokerConfigEdit *broker_config_edit_new_delete_profile (const char    *id);
BrokerConfigEdit *broker_config_edit_new_set_rules      (GPtrArray     *rules);
BrokerConfigEdit *broker_config_edit_new_set_capture    (gboolean       enable_at_startup);
void              broker_config_edit_free               (BrokerConfigEdit *self);

gboolean broker_config_edit_apply (const BrokerConfigEdit  *self,
                                   BrokerConfigDocument    *document,
                                   const BrokerConfig      *global,
                                   GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerConfigEdit, broker_config_edit_free)

G_END_DECLS
