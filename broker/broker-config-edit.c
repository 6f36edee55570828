// SPDX-License-Identifier: GPL-3.0-or-later
#include "broker-config-edit.h"

#include "broker-error.h"

struct _BrokerConfigEdit
{
  BrokerConfigEditKind kind;
  BrokerProfile *profile;
  char *id;
  GPtrArray *rules;
  gboolean enable_at_startup;
};

static BrokerConfigEdit *
edit_new (BrokerConfigEditKind kind)
{
  BrokerConfigEdit *self = g_new0 (BrokerConfigEdit, 1);

  self->kind = kind;
  return self;
}

BrokerConfigEdit *
broker_config_edit_new_save_profile (BrokerProfile *profile)
{
  BrokerConfigEdit *self = edit_new (BROKER_CONFIG_EDIT_SAVE_PROFILE);

  self->profile = broker_profile_ref (profile);
  return self;
}

BrokerConfigEdit *
broker_config_edit_new_delete_profile (const char *id)
{
  BrokerConfigEdit *self = edit_new (BROKER_CONFIG_EDIT_DELETE_PROFILE);

  self->id = g_strdup (id);
  return self;
}

BrokerConfigEdit *
broker_config_edit_new_set_rules (GPtrArray *rules)
{
  BrokerConfigEdit *self = edit_new (BROKER_CONFIG_EDIT_SET_RULES);

  self->rules = g_ptr_array_ref (rules);
  return self;
}

BrokerConfigEdit *
broker_config_edit_new_set_capture (gboolean enable_at_startup)
{
  BrokerConfigEdit *self = edit_new (BROKER_CONFIG_EDIT_SET_CAPTURE);

  self->enable_at_startup = enable_at_startup;
  return self;
}

void
broker_config_edit_free (BrokerConfigEdit *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->profile, broker_profile_unref);
  g_free (self->id);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_free (self);
}

static gboolean
delete_profile (const BrokerConfigEdit  *self,
                BrokerConfigDocument    *document,
                const BrokerConfig      *global,
                GError                 **error)
{
  if (broker_config_document_delete_profile (document, self->id))
    return TRUE;
  if (global != NULL && broker_config_find_profile (global, self->id) != NULL)
    g_set_error (error, BROKER_ERROR, BROKER_ERROR_READ_ONLY,
                 "profile \"%s\" is defined in the global configuration; "
                 "ask your administrator to remove it", self->id);
  else
    g_set_error (error, BROKER_ERROR, BROKER_ERROR_NOT_FOUND,
                 "there is no profile \"%s\"", self->id);
  return FALSE;
}

/* Applies the edit to the user's document.  The caller validates the
 * result by loading it, so only what the document cannot tell is checked. */
gboolean
broker_config_edit_apply (const BrokerConfigEdit  *self,
                          BrokerConfigDocument    *document,
                          const BrokerConfig      *global,
                          GError                 **error)
{
  switch (self->kind)
    {
    case BROKER_CONFIG_EDIT_SAVE_PROFILE:
      broker_config_document_set_profile (document, self->profile);
      return TRUE;
    case BROKER_CONFIG_EDIT_DELETE_PROFILE:
      return delete_profile (self, document, global, error);
    case BROKER_CONFIG_EDIT_SET_RULES:
      broker_config_document_set_rules (document, self->rules);
      return TRUE;
    case BROKER_CONFIG_EDIT_SET_CAPTURE:
      broker_config_document_set_capture (document, self->enable_at_startup);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}
