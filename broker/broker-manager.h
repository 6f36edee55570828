// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "broker-config-edit.h"
#include "broker-config.h"

G_BEGIN_DECLS

#define BROKER_TYPE_MANAGER (broker_manager_get_type ())
G_DECLARE_FINAL_TYPE (BrokerManager, broker_manager, BROKER, MANAGER, GObject)

BrokerManager      *broker_manager_new             (const char    *global_path,
                                                    const char    *user_path);
BrokerConfig       *broker_manager_get_config      (BrokerManager *self);
const char * const *broker_manager_get_errors      (BrokerManager *self);
guint               broker_manager_get_serial      (BrokerManager *self);
const char         *broker_manager_get_global_path (BrokerManager *self);
const char         *broker_manager_get_user_path   (BrokerManager *self);

void     broker_manager_reload_async  (BrokerManager        *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean broker_manager_reload_finish (BrokerManager        *self,
                                       GAsyncResult         *result,
                                       GError              **error);
void     broker_manager_edit_async    (BrokerManager        *self,
                                       BrokerConfigEdit     *edit,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean broker_manager_edit_finish   (BrokerManager        *self,
                                       GAsyncResult         *result,
                                       GError              **error);

char *broker_manager_default_global_path (void);
char *broker_manager_default_user_path   (void);

G_END_DECLS
