// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-capture --seccomp: capture by seccomp user notification.
 *
 * LD_PRELOAD never reaches a statically linked program.  Here the child
 * installs a seccomp filter (with no_new_privs, so no privilege is needed)
 * before it execs the program; the filter, inherited by every thread and
 * child, stops the calls that decide where a socket goes and hands them
 * to this process, the supervisor, as notifications:
 *
 * - connect();
 * - sendto() and recvfrom() with an address (a DNS query to a nameserver
 *   and its answer; TCP Fast Open's sendto(MSG_FASTOPEN));
 * - sendmsg() with MSG_FASTOPEN (sendmmsg() with it fails with EOPNOTSUPP,
 *   as when Fast Open is turned off).
 *
 * capture-seccomp-calls.c judges each: a TCP connect as the LD_PRELOAD
 * library would (capture_decide()), made by the supervisor itself on its
 * copy of the program's socket; DNS to the supervisor's resolver
 * (capture-dns.c), so that rules by host name work for static programs
 * too; everything else continues untouched in the kernel.
 *
 * io_uring_setup() fails with ENOSYS (io_uring would bypass the filter;
 * programs fall back to plain system calls), and so does every system call
 * of another ABI (a 32-bit program, x32).
 *
 * The supervisor is a child subreaper: a program's orphans stay its
 * descendants (the broker believes a PID only for a descendant of the
 * sender) and it waits for all of them, for they may still connect.  It
 * passes SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 on to the program and ends
 * with the program's exit status.
 *
 * Not covered: setuid and setgid programs run without their privileges
 * (no_new_privs); see burrow-capture(1). */
#include "capture-seccomp.h"

#include "capture-seccomp-private.h"

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

#define ARG_HIGH(n) (ARG_LOW (n) + sizeof (__u32))
#define NOTIFY RETURN (SECCOMP_RET_USER_NOTIF)
#define IF_CALL(nr, skip) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, (skip))

/* Jumps are counted in instructions after the jump: each IF_CALL skips
 * what handles its call when the number is another. */
static struct sock_filter filter[] = {
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
  FAIL (ENOSYS),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
#ifdef __x86_64__
  BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1),
  FAIL (ENOSYS),
#endif
  IF_CALL (__NR_connect, 1),
  NOTIFY,
  IF_CALL (__NR_io_uring_setup, 1),
  FAIL (ENOSYS),
  /* sendmmsg (fd, messages, count, flags): Fast Open there is refused, as
   * when it is turned off (the sender then connects first) */
  IF_CALL (__NR_sendmmsg, 4),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, ARG_LOW (3)),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 0, 1),
  FAIL (EOPNOTSUPP),
  RETURN (SECCOMP_RET_ALLOW),
  /* sendto (fd, buffer, length, flags, address, address_length) and
   * recvfrom (…, address, address_length): with an address */
  IF_CALL (__NR_sendto, 1),
  BPF_JUMP (BPF_JMP | BPF_JA, 7, 0, 0),
  IF_CALL (__NR_recvfrom, 1),
  BPF_JUMP (BPF_JMP | BPF_JA, 5, 0, 0),
  /* sendmsg (fd, message, flags): with MSG_FASTOPEN */
  IF_CALL (__NR_sendmsg, 3),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, ARG_LOW (2)),
  BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 0, 1),
  NOTIFY,
  RETURN (SECCOMP_RET_ALLOW),
  /* argument 4 (the address) is not NULL: */
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, ARG_LOW (4)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, ARG_HIGH (4)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
  NOTIFY,
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

/* The supervisor's loop */

typedef struct
{
  CaptureCalls calls;           /* the listener, and the resolver */
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
  if (ioctl (self->calls.listener, SECCOMP_IOCTL_NOTIF_RECV, self->request) < 0)
    return;                     /* ENOENT: the program went away meanwhile */
  capture_seccomp_handle (&self->calls, self->request);
}

/* Until no process is left under the filter (POLLHUP on the listener)
 * and the child has been reaped. */
static void
supervise (Supervisor *self)
{
  int hung_up = 0;

  CaptureDns *dns = self->calls.dns;

  while (!hung_up || !self->child_done)
    {
      struct pollfd fds[4] = {
        { self->calls.listener, hung_up ? 0 : POLLIN, 0 },
        { self->signals, POLLIN, 0 },
        { dns != NULL ? capture_dns_get_udp_fd (dns) : -1, POLLIN, 0 },
        { dns != NULL ? capture_dns_get_tcp_fd (dns) : -1, POLLIN, 0 },
      };

      if (poll (fds, 4, -1) < 0)
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
      if (fds[2].revents & POLLIN)
        capture_dns_serve_udp (dns);
      if (fds[3].revents & POLLIN)
        capture_dns_serve_tcp (dns);
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
  return capture_seccomp_copy_fd ((int) syscall (SYS_pidfd_open, child, 0), number);
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
  self->calls.listener = take_listener (self->child, report[0]);
  if (self->calls.listener >= 0)
    (void) !write (go[1], "", 1);
  close (report[0]);
  close (go[1]);
  return self->calls.listener >= 0 ? 0 : -1;
}

int
capture_seccomp_run (char *const argv[])
{
  Supervisor self = { .calls.listener = -1, .signals = -1 };
  sigset_t previous;

  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || allocate_request (&self) < 0
      || (self.signals = open_signals (&previous)) < 0)
    {
      fprintf (stderr, "burrow-capture: cannot supervise with seccomp: %s\n", strerror (errno));
      return 125;
    }
  /* Without it, names still resolve, as if there were no capture. */
  self.calls.dns = capture_dns_new ();
  if (self.calls.dns == NULL)
    fprintf (stderr, "burrow-capture: host names will not be captured: %s\n", strerror (errno));
  if (start_child (&self, argv, &previous) < 0)
    {
      int saved = errno;

      fprintf (stderr, "burrow-capture: cannot install the seccomp filter: %s\n",
               strerror (saved));
      if (self.child > 0)
        waitpid (self.child, NULL, 0);
      capture_dns_free (self.calls.dns);
      free (self.request);
      return 125;
    }
  /* After the fork: SIG_IGN would outlive the program's exec. */
  signal (SIGPIPE, SIG_IGN);
  supervise (&self);
  capture_dns_free (self.calls.dns);
  free (self.request);
  return self.child_done ? exit_status (self.status) : 1;
}
