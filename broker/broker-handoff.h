// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Data handed from one thread to another through GLib: a main context's
 * invoke queue, GTask's thread pool, an atomic reference count.
 *
 * ThreadSanitizer (build-tsan, docs/sanitizers.md) sees only what is
 * compiled with it, and Debian's GLib is not: GMutex and GCond are futexes
 * and the reference counts inline atomics inside libglib, so every such
 * hand-over looks to it like two threads touching the same memory without
 * order, in Burrow's code on both sides.  These calls tell it about the
 * order GLib provides: broker_handoff_send (p) on the sending side before
 * the hand-over, broker_handoff_receive (p) on the receiving side first.
 * Elsewhere they compile to nothing. */
#if defined(__SANITIZE_THREAD__)
# define BROKER_HANDOFF_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define BROKER_HANDOFF_TSAN 1
# endif
#endif

#ifdef BROKER_HANDOFF_TSAN
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
# define broker_handoff_send(p) __tsan_release ((void *) (p))
# define broker_handoff_receive(p) __tsan_acquire ((void *) (p))
#else
# define broker_handoff_send(p) ((void) (p))
# define broker_handoff_receive(p) ((void) (p))
#endif

void broker_handoff_invoke (GMainContext   *context,
                            GSourceFunc     function,
                            gpointer        data,
                            GDestroyNotify  notify);

G_END_DECLS
