// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-capture --seccomp: capture by seccomp user notification.
 *
 * LD_PRELOAD never reaches a statically linked program.  Here the child
 * installs a seccomp filter (with no_new_privs, so no privilege is needed)
 * before it execs the program; the filter, inherited by every thread and
 * child, stops each connect() and hands it to this process, the
 * supervisor, as a notification.  The supervisor reads the address from
 * the program's memory, takes a copy of the program's socket
 * (pidfd_getfd), and then:
 *
 * - a socket that is not TCP over IPv4 or IPv6 (AF_UNIX, UDP, …): the
 *   call continues in the kernel, untouched;
 * - a TCP socket: the supervisor makes the connect itself, on its copy of
 *   the program's socket, with the address it read and judged, and returns
 *   the result as the program's.  What the connect is comes from
 *   capture_decide(), as in the LD_PRELOAD library: the rules snapshot,
 *   then the broker (which connects a tunnelled socket to its capture
 *   endpoint).  The kernel never reads the program's address again, so a
 *   program cannot change it between the judgement and the connect.
 *
 * io_uring_setup() fails with ENOSYS (io_uring would bypass the filter;
 * programs fall back to plain system calls), and so does every system call
 * of another ABI (a 32-bit program, x32).  TCP Fast Open (sendto() or
 * sendmsg() with MSG_FASTOPEN) fails with EOPNOTSUPP, as on a system with
 * Fast Open turned off: programs then connect first.
 *
 * The supervisor is a child subreaper: a program's orphans stay its
 * descendants (the broker believes a PID only for a descendant of the
 * sender) and it waits for all of them, for they may still connect.  A
 * notification is judged on the supervisor's loop; a TCP connect, which
 * may wait (for the broker, or a blocking connect), is then made on a
 * thread of its own, so one slow connect holds no other.
 *
 * Not covered: setuid and setgid programs run without their privileges
 * (no_new_privs); see burrow-capture(1). */
#include "capture-seccomp.h"

#include "capture-decide.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "burrow-capture --seccomp knows x86_64 and aarch64 only"
#endif

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* Statically linked? */

static int
read_exactly (int    fd,
              void  *buffer,
              size_t size,
              off_t  offset)
{
  ssize_t n = pread (fd, buffer, size, offset);

  return n == (ssize_t) size ? 0 : -1;
}

/* No PT_INTERP among the program headers: nothing loads a library. */
static int
elf_is_static (int fd)
{
  Elf64_Ehdr header;

  if (read_exactly (fd, &header, sizeof header, 0) < 0
      || memcmp (header.e_ident, ELFMAG, SELFMAG) != 0
      || header.e_ident[EI_CLASS] != ELFCLASS64
      || (header.e_type != ET_EXEC && header.e_type != ET_DYN)
      || header.e_phentsize != sizeof (Elf64_Phdr))
    return 0;
  for (unsigned i = 0; i < header.e_phnum && i < 256; i++)
    {
      Elf64_Phdr program;

      if (read_exactly (fd, &program, sizeof program,
                        (off_t) (header.e_phoff + (Elf64_Off) i * sizeof program)) < 0)
        return 0;
      if (program.p_type == PT_INTERP)
        return 0;
    }
  return 1;
}

int
capture_seccomp_is_static (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  int found;

  if (fd < 0)
    return -1;
  found = elf_is_static (fd);
  close (fd);
  return found;
}

/* The filter */

#define ARG_LOW(n) (offsetof (struct seccomp_data, args) + (n) * sizeof (__u64))
#define RETURN(value) BPF_STMT (BPF_RET | BPF_K, (value))
#define FAIL(error) RETURN (SECCOMP_RET_ERRNO | ((error) & SECCOMP_RET_DATA))

/* Jumps are counted in instructions; each "if" below skips its one
 * RETURN when the test fails. */
static struct sock_filter filter[] = {
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
  FAIL (ENOSYS),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
#ifdef __x86_64__
  BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1),
  FAIL (ENOSYS),
#endif
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
  RETURN (SECCOMP_RET_USER_NOTIF),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
  FAIL (ENOSYS),
  /* sendto (fd, buffer, length, flags, …): flags & MSG_FASTOPEN */
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_sendto, 0, 3),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, ARG_LOW (3)),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 0, 5),
  FAIL (EOPNOTSUPP),
  /* sendmsg (fd, message, flags) */
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 0, 3),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, ARG_LOW (2)),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 0, 1),
  FAIL (EOPNOTSUPP),
  RETURN (SECCOMP_RET_ALLOW),
};

static int
install_filter (void)
{
  struct sock_fprog program = {
    .len = sizeof filter / sizeof filter[0],
    .filter = filter,
  };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return -1;
  return (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                        &program);
}

/* The child: filter, hand the listener over, exec */

/* Reports through @report (a pipe to the supervisor) the listener's fd
 * number, or minus errno; waits on @go until the supervisor holds its own
 * copy; then becomes the program.  Never returns. */
static void
become_program (char *const argv[],
                int         report,
                int         go)
{
  int listener = install_filter ();
  int message = listener >= 0 ? listener : -errno;
  char byte;

  if (write (report, &message, sizeof message) != sizeof message || listener < 0
      || read (go, &byte, 1) != 1)
    _exit (125);
  close (listener);
  close (report);
  close (go);
  execvp (argv[0], argv);
  fprintf (stderr, "burrow-capture: cannot run %s: %s\n", argv[0], strerror (errno));
  _exit (errno == ENOENT ? 127 : 126);
}

/* Answering a notification */

static int
still_waiting (int      listener,
               uint64_t id)
{
  return ioctl (listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void
respond (int                          listener,
         const struct seccomp_notif  *request,
         int                          result,
         int                          error_number)
{
  struct seccomp_notif_resp response = { .id = request->id };

  if (result < 0)
    response.error = -error_number;
  else
    response.val = result;
  /* ENOENT: the program gave up waiting (a signal, or it died). */
  (void) ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
}

static void
let_continue (int                         listener,
              const struct seccomp_notif *request)
{
  struct seccomp_notif_resp response = {
    .id = request->id,
    .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE,
  };

  (void) ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
}

static pid_t
thread_group_of (pid_t tid)
{
  char path[64], line[256];
  pid_t found = -1;
  FILE *status;

  snprintf (path, sizeof path, "/proc/%d/status", (int) tid);
  status = fopen (path, "re");
  if (status == NULL)
    return -1;
  while (found < 0 && fgets (line, sizeof line, status) != NULL)
    if (strncmp (line, "Tgid:", 5) == 0)
      found = (pid_t) atoi (line + 5);
  fclose (status);
  return found;
}

/* The thread's own file table (PIDFD_THREAD, Linux 6.9), else its
 * process's. */
static int
open_task (pid_t tid,
           pid_t tgid)
{
  int pidfd = (int) syscall (SYS_pidfd_open, tid, PIDFD_THREAD);

  if (pidfd < 0)
    pidfd = (int) syscall (SYS_pidfd_open, tgid, 0);
  return pidfd;
}

/* A copy of the process's descriptor @number; @pidfd is closed.  -1 with
 * errno when there is none (or @pidfd is -1). */
static int
copy_fd (int pidfd,
         int number)
{
  int copy;

  if (pidfd < 0)
    return -1;
  copy = (int) syscall (SYS_pidfd_getfd, pidfd, number, 0);
  close (pidfd);
  return copy;
}

static int
take_socket (pid_t tid,
             pid_t tgid,
             int   program_fd)
{
  return copy_fd (open_task (tid, tgid), program_fd);
}

static int
is_inet_stream (int fd)
{
  int domain = 0, type = 0;
  socklen_t length = sizeof domain;

  if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) < 0)
    return 0;
  length = sizeof type;
  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0)
    return 0;
  return (domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM;
}

/* Not the C library's connect(): should libburrow-capture.so be preloaded
 * into this process too, its hook must not decide a second time. */
static int
plain_connect (int                    fd,
               const struct sockaddr *address,
               socklen_t              length)
{
  return (int) syscall (SYS_connect, fd, address, length);
}

/* The program's connect, made here on @copy: its result, errno set. */
static int
connect_for_program (pid_t                  tgid,
                     int                    copy,
                     const struct sockaddr *address,
                     socklen_t              length)
{
  char link[64], executable[PATH_MAX];
  ssize_t n;
  CaptureTarget target = { copy, tgid, executable, plain_connect };

  if (!capture_wants_broker (copy, address, length))
    return plain_connect (copy, address, length);
  snprintf (link, sizeof link, "/proc/%d/exe", (int) tgid);
  n = readlink (link, executable, sizeof executable - 1);
  executable[n > 0 ? n : 0] = '\0';
  return capture_decide (&target, address, length);
}

/* A TCP connect to make for the program: may wait (for the broker, or a
 * blocking connect), so it runs on a thread of its own. */
typedef struct
{
  int listener;
  struct seccomp_notif request;
  struct sockaddr_storage address;
  socklen_t length;
  pid_t tgid;
  int copy;                     /* the program's socket */
} Job;

static void *
run_job (void *data)
{
  Job *job = data;
  int result = connect_for_program (job->tgid, job->copy, (struct sockaddr *) &job->address,
                                    job->length);
  int saved = errno;

  close (job->copy);
  respond (job->listener, &job->request, result, saved);
  free (job);
  return NULL;
}

static void
start_job (Job *job)
{
  pthread_attr_t attributes;
  pthread_t thread;

  pthread_attr_init (&attributes);
  pthread_attr_setdetachstate (&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize (&attributes, 256 * 1024);
  if (pthread_create (&thread, &attributes, run_job, job) != 0)
    {
      close (job->copy);
      respond (job->listener, &job->request, -1, EAGAIN);
      free (job);
    }
  pthread_attr_destroy (&attributes);
}

/* Reads the address and takes the socket (quick calls, none waits), then
 * lets a socket that is not ours to judge continue, or starts the job. */
static void
handle_connect (int                         listener,
                const struct seccomp_notif *request)
{
  Job *job = calloc (1, sizeof *job);
  uint64_t length = request->data.args[2];
  struct iovec local, remote = { (void *) (uintptr_t) request->data.args[1], (size_t) length };

  if (job == NULL)
    {
      respond (listener, request, -1, ENOMEM);
      return;
    }
  local = (struct iovec) { &job->address, (size_t) length };
  job->listener = listener;
  job->request = *request;
  job->length = (socklen_t) length;
  job->copy = -1;
  /* The kernel refuses these itself, reading nothing. */
  if (length == 0 || length > sizeof job->address)
    let_continue (listener, request);
  else if (process_vm_readv ((pid_t) request->pid, &local, 1, &remote, 1, 0)
           != (ssize_t) length)
    respond (listener, request, -1, EFAULT);
  else
    {
      job->tgid = thread_group_of ((pid_t) request->pid);
      if (job->tgid > 0)
        job->copy = take_socket ((pid_t) request->pid, job->tgid, (int) request->data.args[0]);
      /* Checked after: the address and the socket are the waiting
       * program's, not those of a process that took its pid since. */
      if (still_waiting (listener, request->id))
        {
          if (job->copy >= 0 && is_inet_stream (job->copy))
            {
              start_job (job);
              return;
            }
          /* Not a socket of ours to judge (or none: the kernel says so). */
          let_continue (listener, request);
        }
    }
  if (job->copy >= 0)
    close (job->copy);
  free (job);
}

/* The supervisor's loop */

typedef struct
{
  int listener;
  int signals;                  /* signalfd: SIGCHLD, and what is passed on */
  pid_t child;
  int status;                   /* the child's, once it exited */
  int child_done;
  struct seccomp_notif *request;  /* as large as the kernel's */
  size_t request_size;
} Supervisor;

static int
exit_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 1;
}

/* Every exited descendant (a subreaper gets the orphans too). */
static void
reap (Supervisor *self)
{
  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, WNOHANG);

      if (pid <= 0)
        return;
      if (pid == self->child)
        {
          self->status = status;
          self->child_done = 1;
        }
    }
}

static void
take_signals (Supervisor *self)
{
  struct signalfd_siginfo info;

  while (read (self->signals, &info, sizeof info) == sizeof info)
    if (info.ssi_signo != SIGCHLD && !self->child_done)
      kill (self->child, (int) info.ssi_signo);
  reap (self);
}

static void
receive (Supervisor *self)
{
  memset (self->request, 0, self->request_size);
  if (ioctl (self->listener, SECCOMP_IOCTL_NOTIF_RECV, self->request) < 0)
    return;                     /* ENOENT: the program went away meanwhile */
  handle_connect (self->listener, self->request);
}

/* Until no process is left under the filter (POLLHUP on the listener)
 * and the child has been reaped. */
static void
supervise (Supervisor *self)
{
  int hung_up = 0;

  while (!hung_up || !self->child_done)
    {
      struct pollfd fds[2] = {
        { self->listener, hung_up ? 0 : POLLIN, 0 },
        { self->signals, POLLIN, 0 },
      };

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[0].revents & POLLIN)
        receive (self);
      else if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
        hung_up = 1;
      if (fds[1].revents & POLLIN)
        take_signals (self);
    }
  /* The last orphans: none can connect any more. */
  while (waitpid (-1, NULL, WNOHANG) > 0)
    ;
}

/* Signals to pass on to the program; SIGINT and SIGQUIT come from the
 * terminal to the program as well, so they are only kept from ending the
 * supervisor. */
static int
open_signals (sigset_t *previous)
{
  static const int passed_on[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++)
    sigaddset (&set, passed_on[i]);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGQUIT);
  if (sigprocmask (SIG_BLOCK, &set, previous) < 0)
    return -1;
  sigdelset (&set, SIGINT);
  sigdelset (&set, SIGQUIT);
  return signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
allocate_request (Supervisor *self)
{
  struct seccomp_notif_sizes sizes = { 0 };

  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    return -1;
  self->request_size = sizes.seccomp_notif > sizeof (struct seccomp_notif)
                       ? sizes.seccomp_notif : sizeof (struct seccomp_notif);
  self->request = calloc (1, self->request_size);
  return self->request != NULL ? 0 : -1;
}

/* The child's listener, copied into this process; -1 with errno. */
static int
take_listener (pid_t child,
               int   report)
{
  int number = -1;

  if (read (report, &number, sizeof number) != sizeof number)
    {
      errno = ECHILD;
      return -1;
    }
  if (number < 0)
    {
      errno = -number;
      return -1;
    }
  return copy_fd ((int) syscall (SYS_pidfd_open, child, 0), number);
}

static int
start_child (Supervisor   *self,
             char *const   argv[],
             const sigset_t *previous)
{
  int report[2], go[2];

  if (pipe2 (report, O_CLOEXEC) < 0 || pipe2 (go, O_CLOEXEC) < 0)
    return -1;
  self->child = fork ();
  if (self->child < 0)
    return -1;
  if (self->child == 0)
    {
      sigprocmask (SIG_SETMASK, previous, NULL);
      close (report[0]);
      close (go[1]);
      become_program (argv, report[1], go[0]);
    }
  close (report[1]);
  close (go[0]);
  self->listener = take_listener (self->child, report[0]);
  if (self->listener >= 0)
    (void) !write (go[1], "", 1);
  close (report[0]);
  close (go[1]);
  return self->listener >= 0 ? 0 : -1;
}

int
capture_seccomp_run (char *const argv[])
{
  Supervisor self = { .listener = -1, .signals = -1 };
  sigset_t previous;

  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || allocate_request (&self) < 0
      || (self.signals = open_signals (&previous)) < 0)
    {
      fprintf (stderr, "burrow-capture: cannot supervise with seccomp: %s\n", strerror (errno));
      return 125;
    }
  if (start_child (&self, argv, &previous) < 0)
    {
      int saved = errno;

      fprintf (stderr, "burrow-capture: cannot install the seccomp filter: %s\n",
               strerror (saved));
      if (self.child > 0)
        waitpid (self.child, NULL, 0);
      return 125;
    }
  supervise (&self);
  free (self.request);
  return self.child_done ? exit_status (self.status) : 1;
}
