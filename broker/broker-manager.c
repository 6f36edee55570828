// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "burrow-manager"

#include "config.h"

#include "broker-manager.h"
#include "broker-handoff.h"

#include "broker-config-file.h"
#include "broker-config-loader.h"
#include "broker-error.h"

#include <errno.h>
#include <glib/gstdio.h>

/* Owns the active configuration.  Every load and every edit runs off the
 * main thread, one at a time and in order, so two edits never race on the
 * user's file; the result is applied on the main thread. */
struct _BrokerManager
{
  GObject parent_instance;

  char *global_path;
  char *user_path;
  BrokerConfig *config;
  GStrv errors;
  guint serial;

  GQueue pending;      /* GTask, not yet started */
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (BrokerManager, broker_manager, G_TYPE_OBJECT)

enum { PROP_0, PROP_ERRORS, PROP_SERIAL, N_PROPS };
enum { CONFIG_CHANGED, N_SIGNALS };

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  char *global_path;
  char *user_path;
  BrokerConfigEdit *edit;   /* NULL for a reload */
} Operation;

static void
operation_free (Operation *op)
{
  g_free (op->global_path);
  g_free (op->user_path);
  g_clear_pointer (&op->edit, broker_config_edit_free);
  g_free (op);
}

static gboolean
write_user_file (const char  *path,
                 GBytes      *bytes,
                 GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, BROKER_ERROR, BROKER_ERROR_FAILED, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/* Applies the edit to the user's file as it is on disk now, validates the
 * whole result, and only then writes it. */
static BrokerConfig *
edit_user_file (Operation           *op,
                const BrokerConfig  *global,
                GError             **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(BrokerConfigDocument) document = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BrokerConfig) config = NULL;

  if (!broker_config_file_read (op->user_path, TRUE, &contents, &length, error))
    return NULL;
  document = broker_config_document_new (contents, length, op->user_path, error);
  if (document == NULL || !broker_config_edit_apply (op->edit, document, global, error))
    return NULL;
  bytes = broker_config_document_to_bytes (document);
  config = broker_config_loader_load (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                      op->user_path, BROKER_CONFIG_ORIGIN_USER, global, error);
  if (config == NULL || !write_user_file (op->user_path, bytes, error))
    return NULL;
  return g_steal_pointer (&config);
}

static void
run_operation (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Operation *op = task_data;
  g_autoptr(BrokerConfig) global = NULL;
  g_autoptr(BrokerConfig) config = NULL;
  GError *error = NULL;

  broker_handoff_receive (op);
  global = broker_config_file_load (op->global_path, TRUE, BROKER_CONFIG_ORIGIN_GLOBAL, NULL,
                                    &error);
  if (global != NULL && op->edit != NULL)
    config = edit_user_file (op, global, &error);
  else if (global != NULL)
    config = broker_config_file_load (op->user_path, TRUE, BROKER_CONFIG_ORIGIN_USER, global,
                                      &error);

  broker_handoff_send (op);
  if (config == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&config), (GDestroyNotify) broker_config_unref);
}

static void
set_errors (BrokerManager *self,
            const char    *message)
{
  g_auto(GStrv) old = g_steal_pointer (&self->errors);

  self->errors = g_new0 (char *, message != NULL ? 2 : 1);
  self->errors[0] = g_strdup (message);
  if (!g_strv_equal ((const char * const *) old, (const char * const *) self->errors))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERRORS]);
}

static void
activate_config (BrokerManager *self,
                 BrokerConfig  *config)
{
  g_clear_pointer (&self->config, broker_config_unref);
  self->config = broker_config_ref (config);
  self->serial++;
  set_errors (self, NULL);
  g_message ("configuration %u active: %u profiles, %u rules", self->serial,
             config->profiles->len, config->rules->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERIAL]);
  g_signal_emit (self, signals[CONFIG_CHANGED], 0, self->serial);
}

static void run_next (BrokerManager *self);

static void
operation_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BrokerManager *self = g_task_get_source_object (task);
  Operation *op = g_task_get_task_data (task);
  g_autoptr(BrokerConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  broker_handoff_receive (op);
  config = g_task_propagate_pointer (G_TASK (result), &error);
  self->busy = FALSE;
  if (config != NULL)
    activate_config (self, config);
  else if (op->edit == NULL)
    {
      /* A failed reload keeps the last good configuration and says why.
       * A user's typo is not a program fault: g_message, not g_warning. */
      g_message ("configuration not loaded, keeping the previous one: %s", error->message);
      set_errors (self, error->message);
    }

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
  run_next (self);
}

static void
run_next (BrokerManager *self)
{
  GTask *task;
  g_autoptr(GTask) worker = NULL;
  Operation *op;

  if (self->busy || g_queue_is_empty (&self->pending))
    return;
  task = g_queue_pop_head (&self->pending);
  op = g_task_get_task_data (task);
  self->busy = TRUE;
  /* The worker task has no source object: the pool thread drops the last
   * reference to it, and must never be the one to finalize the manager. */
  worker = g_task_new (NULL, NULL, operation_done, task);
  g_task_set_source_tag (worker, run_next);
  g_task_set_task_data (worker, op, NULL);
  broker_handoff_send (op);
  g_task_run_in_thread (worker, run_operation);
}

static void
queue_operation (BrokerManager       *self,
                 BrokerConfigEdit    *edit,
                 gpointer             source_tag,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Operation *op = g_new0 (Operation, 1);

  op->global_path = g_strdup (self->global_path);
  op->user_path = g_strdup (self->user_path);
  op->edit = edit;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) operation_free);
  g_queue_push_tail (&self->pending, task);
  run_next (self);
}

void
broker_manager_reload_async (BrokerManager       *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (BROKER_IS_MANAGER (self));
  queue_operation (self, NULL, broker_manager_reload_async, cancellable, callback, user_data);
}

gboolean
broker_manager_reload_finish (BrokerManager  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Takes ownership of @edit. */
void
broker_manager_edit_async (BrokerManager       *self,
                           BrokerConfigEdit    *edit,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (BROKER_IS_MANAGER (self));
  queue_operation (self, edit, broker_manager_edit_async, cancellable, callback, user_data);
}

gboolean
broker_manager_edit_finish (BrokerManager  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

BrokerConfig *
broker_manager_get_config (BrokerManager *self)
{
  return self->config;
}

const char * const *
broker_manager_get_errors (BrokerManager *self)
{
  return (const char * const *) self->errors;
}

guint
broker_manager_get_serial (BrokerManager *self)
{
  return self->serial;
}

const char *
broker_manager_get_global_path (BrokerManager *self)
{
  return self->global_path;
}

const char *
broker_manager_get_user_path (BrokerManager *self)
{
  return self->user_path;
}

char *
broker_manager_default_global_path (void)
{
  return g_build_filename (SYSCONFDIR, "burrow", "broker-config.xml", NULL);
}

char *
broker_manager_default_user_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "burrow", "broker-config.xml", NULL);
}

BrokerManager *
broker_manager_new (const char *global_path,
                    const char *user_path)
{
  BrokerManager *self = g_object_new (BROKER_TYPE_MANAGER, NULL);

  self->global_path = g_strdup (global_path);
  self->user_path = g_strdup (user_path);
  return self;
}

static void
broker_manager_finalize (GObject *object)
{
  BrokerManager *self = BROKER_MANAGER (object);

  /* Operations hold a reference to the manager while queued or running. */
  g_assert (g_queue_is_empty (&self->pending));
  g_clear_pointer (&self->config, broker_config_unref);
  g_clear_pointer (&self->errors, g_strfreev);
  g_free (self->global_path);
  g_free (self->user_path);
  G_OBJECT_CLASS (broker_manager_parent_class)->finalize (object);
}

static void
broker_manager_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BrokerManager *self = BROKER_MANAGER (object);

  switch (prop_id)
    {
    case PROP_ERRORS:
      g_value_set_boxed (value, self->errors);
      break;
    case PROP_SERIAL:
      g_value_set_uint (value, self->serial);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
broker_manager_class_init (BrokerManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = broker_manager_finalize;
  object_class->get_property = broker_manager_get_property;

  properties[PROP_ERRORS] =
    g_param_spec_boxed ("errors", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SERIAL] =
    g_param_spec_uint ("serial", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CONFIG_CHANGED] =
    g_signal_new ("config-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
broker_manager_init (BrokerManager *self)
{
  self->config = broker_config_new ();
  self->errors = g_new0 (char *, 1);
  g_queue_init (&self->pending);
}
