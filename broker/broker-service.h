// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "burrow-dbus.h"
#include "broker-agents.h"
#include "broker-manager.h"

G_BEGIN_DECLS

#define BROKER_OBJECT_PATH "/io/github/burrow/Burrow/Broker"
#define BROKER_OBJECT_MANAGER_PATH "/io/github/burrow/Burrow"

#define BROKER_TYPE_SERVICE (broker_service_get_type ())
G_DECLARE_FINAL_TYPE (BrokerService, broker_service, BROKER, SERVICE, BurrowDBusBroker1Skeleton)

BrokerService *broker_service_new                (BrokerManager            *manager);
void           broker_service_set_object_manager (BrokerService            *self,
                                                  GDBusObjectManagerServer *objects);
void           broker_service_connect_startup_profiles (BrokerService *self);
void           broker_service_start_capture (BrokerService *self);
BrokerAgents  *broker_service_get_agents         (BrokerService            *self);

G_END_DECLS
