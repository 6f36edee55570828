// SPDX-License-Identifier: GPL-3.0-or-later
/* libburrow-capture.so: the broker's rules snapshot, for decisions made
 * without a round trip (capture-rules.h says which).
 *
 * The file is checked with one stat() per question and parsed again when
 * its inode, size or modification time changed; the broker replaces it
 * with rename(), so a reader sees the old rules or the new ones, never
 * half.  Between a configuration change and the new file there is the
 * broker's write: decisions in that moment follow the previous rules, as
 * they would have a moment earlier.  One lock guards the parsed rules;
 * it is taken around fork() so a child never inherits it held. */
#include "capture-client.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Larger files are not the broker's. */
#define MAX_SNAPSHOT (1024 * 1024)

typedef struct
{
  CaptureRules *rules;          /* NULL: none, or not usable */
  dev_t device;
  ino_t inode;
  off_t size;
  struct timespec modified;
  int seen;                     /* the fields above describe a file read */
} Snapshot;

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t snapshot_once = PTHREAD_ONCE_INIT;
static Snapshot snapshot;
static char executable[PATH_MAX];

static void
before_fork (void)
{
  pthread_mutex_lock (&snapshot_lock);
}

static void
after_fork (void)
{
  pthread_mutex_unlock (&snapshot_lock);
}

static void
init_snapshot (void)
{
  ssize_t n = readlink ("/proc/self/exe", executable, sizeof executable - 1);

  executable[n > 0 ? n : 0] = '\0';
  pthread_atfork (before_fork, after_fork, after_fork);
}

static int
same_file (const struct stat *info)
{
  return snapshot.seen && snapshot.device == info->st_dev && snapshot.inode == info->st_ino
         && snapshot.size == info->st_size
         && snapshot.modified.tv_sec == info->st_mtim.tv_sec
         && snapshot.modified.tv_nsec == info->st_mtim.tv_nsec;
}

static char *
read_all (int    fd,
          size_t size)
{
  char *text = malloc (size + 1);
  size_t have = 0;

  while (text != NULL && have < size)
    {
      ssize_t n = read (fd, text + have, size - have);

      if (n <= 0)
        {
          free (text);
          return NULL;
        }
      have += (size_t) n;
    }
  return text;
}

static CaptureRules *
load (const char  *path,
      struct stat *info)
{
  /* O_NONBLOCK: a FIFO put there must not hang the program's connect(). */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  CaptureRules *rules = NULL;
  char error[256];
  char *text;

  if (fd < 0)
    return NULL;
  /* What was read is what the next stat() compares with. */
  if (fstat (fd, info) == 0 && S_ISREG (info->st_mode) && info->st_size <= MAX_SNAPSHOT
      && (text = read_all (fd, (size_t) info->st_size)) != NULL)
    {
      rules = capture_rules_parse (text, (size_t) info->st_size, error, sizeof error);
      if (rules == NULL)
        capture_say (1, "%s: %s: every connect is the broker's to decide", path, error);
      free (text);
    }
  close (fd);
  return rules;
}

/* Called with the lock held; @found is the stat() of the path made
 * before taking it (@exists FALSE when there is none to read). */
static void
refresh (const char        *path,
         int                exists,
         struct stat       *found)
{
  if (!exists)
    {
      capture_rules_free (snapshot.rules);
      memset (&snapshot, 0, sizeof snapshot);
      return;
    }
  if (same_file (found))
    return;
  capture_rules_free (snapshot.rules);
  snapshot.rules = load (path, found);
  snapshot.seen = 1;
  snapshot.device = found->st_dev;
  snapshot.inode = found->st_ino;
  snapshot.size = found->st_size;
  snapshot.modified = found->st_mtim;
}

/* The current rules (NULL: none usable), with the lock held: the caller
 * asks its one question and calls rules_unlock().  The stat() happens
 * before the lock, so threads connecting at once do not queue behind the
 * file system; only a changed file is read under it. */
static const CaptureRules *
rules_lock (void)
{
  const char *path;
  struct stat found;
  int exists;

  pthread_once (&snapshot_once, init_snapshot);
  path = capture_settings ()->rules_path;
  exists = path[0] != '\0' && stat (path, &found) == 0 && S_ISREG (found.st_mode);
  pthread_mutex_lock (&snapshot_lock);
  refresh (path, exists, &found);
  return snapshot.rules;
}

static void
rules_unlock (void)
{
  pthread_mutex_unlock (&snapshot_lock);
}

/* "" (unknown) as the rules want it: NULL. */
static const char *
or_null (const char *path)
{
  return path != NULL && path[0] != '\0' ? path : NULL;
}

int
capture_local_decide (const char            *program,
                      const struct sockaddr *address,
                      CaptureVerdict        *verdict)
{
  const CaptureRules *rules = rules_lock ();
  int status = -1;

  if (rules != NULL)
    {
      *verdict = capture_rules_decide (rules, or_null (program), address);
      status = 0;
    }
  rules_unlock ();
  return status;
}

int
capture_local_name_maybe_tunnelled (const char *program,
                                    const char *name)
{
  const CaptureRules *rules = rules_lock ();
  int maybe = 1;

  if (rules != NULL)
    maybe = capture_rules_name_maybe_tunnelled (rules, or_null (program != NULL ? program
                                                                           : executable),
                                                name);
  rules_unlock ();
  return maybe;
}

const char *
capture_executable (void)
{
  pthread_once (&snapshot_once, init_snapshot);
  return executable;
}
