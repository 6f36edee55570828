// SPDX-License-Identifier: GPL-3.0-or-later
#include "capture-thread.h"

#include <pthread.h>

/* Enough for a connect through the broker or a DNS relay; the default
 * (8 MiB) would reserve much for many waiting calls. */
#define STACK_SIZE (256 * 1024)

int
capture_thread_start (void *(*run) (void *),
                      void  *data)
{
  pthread_attr_t attributes;
  pthread_t thread;
  int started;

  pthread_attr_init (&attributes);
  pthread_attr_setdetachstate (&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attributes, STACK_SIZE);
  started = pthread_create (&thread, &attributes, run, data) == 0;
  pthread_attr_destroy (&attributes);
  return started ? 0 : -1;
}
