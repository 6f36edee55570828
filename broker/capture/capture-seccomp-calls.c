// SPDX-License-Identifier: GPL-3.0-or-later
/* burrow-capture --seccomp: the system calls the filter hands over.
 *
 * For each, the supervisor reads what it needs from the program's memory
 * (process_vm_readv), takes a copy of the program's socket (pidfd_getfd),
 * checks that the notification is still the waiting program's, and then
 * makes the call itself on its copy, with the values it read and judged,
 * or lets it continue in the kernel untouched:
 *
 * - connect(): a TCP socket over IPv4 or IPv6 is connected as
 *   capture_decide() says (the rules snapshot, then the broker), as in the
 *   LD_PRELOAD library; a UDP or TCP socket to a nameserver of resolv.conf
 *   goes to the supervisor's resolver instead (capture-dns.c); any other
 *   continues.
 * - sendto() with an address: a UDP datagram to a nameserver goes to the
 *   resolver; a TCP socket with MSG_FASTOPEN (TCP Fast Open: connect and
 *   send in one call) is connected as connect() would be and the data then
 *   sent; anything else continues.
 * - sendmsg() with MSG_FASTOPEN: as sendto().
 * - recvfrom() with an address, on a socket redirected to the resolver:
 *   received here, the nameserver put in the resolver's place as the
 *   sender, the bytes and the address written to the program's memory.
 *
 * The kernel never reads the program's address again after the judgement,
 * so a program cannot change it in between.  A connect that may wait (for
 * the broker, or a blocking connect) and a blocking receive run on a
 * thread of their own, so one slow call holds no other. */
#include "capture-seccomp-private.h"

#include "capture-decide.h"
#include "capture-thread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

#define MAX_DATAGRAM 65536
#define MAX_FASTOPEN 65536      /* a Fast Open send may be short, as any send */
#define MAX_IOV 64
#define RECEIVE_CHECK_MS 1000   /* a blocking call checks the program is still waiting */

/* Answering */

static int
still_waiting (int      listener,
               uint64_t id)
{
  return ioctl (listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void
respond (int                          listener,
         const struct seccomp_notif  *request,
         long long                    result,
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

/* The program's memory */

static int
read_memory (pid_t    tid,
             uint64_t remote,
             void    *buffer,
             size_t   size)
{
  struct iovec local = { buffer, size }, there = { (void *) (uintptr_t) remote, size };

  return process_vm_readv (tid, &local, 1, &there, 1, 0) == (ssize_t) size ? 0 : -1;
}

static int
write_memory (pid_t       tid,
              uint64_t    remote,
              const void *buffer,
              size_t      size)
{
  struct iovec local = { (void *) buffer, size }, there = { (void *) (uintptr_t) remote, size };

  return size == 0 || process_vm_writev (tid, &local, 1, &there, 1, 0) == (ssize_t) size
         ? 0 : -1;
}

/* The program's socket */

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

int
capture_seccomp_copy_fd (int pidfd,
                         int number)
{
  int copy;

  if (pidfd < 0)
    return -1;
  copy = (int) syscall (SYS_pidfd_getfd, pidfd, number, 0);
  close (pidfd);
  return copy;
}

/* An IPv4 or IPv6 socket's type (SOCK_STREAM, SOCK_DGRAM…), its domain in
 * @domain; 0 for any other socket. */
static int
inet_type (int  fd,
           int *domain)
{
  int type = 0;
  socklen_t length = sizeof *domain;

  if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, domain, &length) < 0
      || (*domain != AF_INET && *domain != AF_INET6))
    return 0;
  length = sizeof type;
  return getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 ? type : 0;
}

/* A call in hand: what was read of it, and the program's socket. */
typedef struct
{
  const CaptureCalls *calls;
  struct seccomp_notif request;
  pid_t tgid;
  int copy;                     /* the program's socket, or -1 */
  int domain;
  int type;                     /* inet_type() */
  struct sockaddr_storage address;
  socklen_t length;
  uint8_t *data;                /* Fast Open: the bytes to send */
  size_t data_length;
} Call;

static void
free_call (Call *call)
{
  if (call->copy >= 0)
    close (call->copy);
  free (call->data);
  free (call);
}

static Call *
new_call (const CaptureCalls         *calls,
          const struct seccomp_notif *request)
{
  Call *call = calloc (1, sizeof *call);

  if (call == NULL)
    {
      respond (calls->listener, request, -1, ENOMEM);
      return NULL;
    }
  call->calls = calls;
  call->request = *request;
  call->copy = -1;
  return call;
}

/* The address at @remote, @length bytes (an int, as the kernel reads
 * it), into @call; -1 (and the call answered) when it cannot be read. */
static int
take_address (Call     *call,
              uint64_t  remote,
              int       length)
{
  /* The kernel refuses these itself, reading nothing. */
  if (length <= 0 || (size_t) length > sizeof call->address)
    {
      let_continue (call->calls->listener, &call->request);
      return -1;
    }
  if (read_memory ((pid_t) call->request.pid, remote, &call->address, (size_t) length) < 0)
    {
      respond (call->calls->listener, &call->request, -1, EFAULT);
      return -1;
    }
  call->length = (socklen_t) length;
  return 0;
}

/* The program's socket @number into @call; -1 (and the call answered)
 * when the program has gone or the descriptor is no socket of ours to
 * judge.  Checked last: the address and the socket are the waiting
 * program's, not those of a process that took its pid since. */
static int
take_socket (Call *call,
             int   number)
{
  pid_t tid = (pid_t) call->request.pid;

  call->tgid = thread_group_of (tid);
  if (call->tgid > 0)
    call->copy = capture_seccomp_copy_fd (open_task (tid, call->tgid), number);
  if (!still_waiting (call->calls->listener, call->request.id))
    return -1;
  call->type = call->copy >= 0 ? inet_type (call->copy, &call->domain) : 0;
  if (call->type == 0)
    {
      let_continue (call->calls->listener, &call->request);
      return -1;
    }
  return 0;
}

/* Connecting */

/* Not the C library's connect(): should libburrow-capture.so be preloaded
 * into this process too, its hook must not decide a second time. */
static int
plain_connect (int                    fd,
               const struct sockaddr *address,
               socklen_t              length)
{
  return (int) syscall (SYS_connect, fd, address, length);
}

/* The endpoint of the resolver, when @call goes to a nameserver. */
static int
resolver_endpoint (const Call              *call,
                   struct sockaddr_storage *endpoint,
                   socklen_t               *length)
{
  return call->calls->dns != NULL
         && capture_dns_redirect (call->calls->dns, call->type, call->domain,
                                  (const struct sockaddr *) &call->address, call->length,
                                  endpoint, length);
}

static void
remember_redirect (const Call *call)
{
  capture_dns_remember (call->calls->dns, call->copy, call->type, call->tgid,
                        (const struct sockaddr *) &call->address, call->length);
}

/* The program's TCP connect, made here: its result, errno set. */
static int
connect_stream (const Call *call)
{
  const struct sockaddr *address = (const struct sockaddr *) &call->address;
  struct sockaddr_storage endpoint;
  socklen_t endpoint_length;
  char link[64], executable[PATH_MAX];
  ssize_t n;
  CaptureTarget target = { call->copy, call->tgid, executable, plain_connect };

  if (resolver_endpoint (call, &endpoint, &endpoint_length))
    {
      int result = plain_connect (call->copy, (struct sockaddr *) &endpoint, endpoint_length);
      int saved = errno;

      if (result == 0 || saved == EINPROGRESS)
        remember_redirect (call);
      errno = saved;
      return result;
    }
  if (!capture_wants_broker (call->copy, address, call->length))
    return plain_connect (call->copy, address, call->length);
  snprintf (link, sizeof link, "/proc/%d/exe", (int) call->tgid);
  n = readlink (link, executable, sizeof executable - 1);
  executable[n > 0 ? n : 0] = '\0';
  return capture_decide (&target, address, call->length);
}

static void *
run_connect (void *data)
{
  Call *call = data;
  int result = connect_stream (call);

  respond (call->calls->listener, &call->request, result, errno);
  free_call (call);
  return NULL;
}

/* Waiting as the program's call would */

/* The program's timeout for @option (SO_RCVTIMEO, SO_SNDTIMEO) in ms;
 * -1: none. */
static long long
socket_timeout_ms (int fd,
                   int option)
{
  struct timeval timeout = { 0 };
  socklen_t length = sizeof timeout;

  if (getsockopt (fd, SOL_SOCKET, option, &timeout, &length) < 0
      || (timeout.tv_sec == 0 && timeout.tv_usec == 0))
    return -1;
  return (long long) timeout.tv_sec * 1000 + (timeout.tv_usec + 999) / 1000;
}

/* For a blocking call: until the socket has @events (1), the socket's
 * timeout passed (0, errno EAGAIN) or the program stopped waiting (-1). */
static int
wait_ready (const Call *call,
            short       events)
{
  long long limit = socket_timeout_ms (call->copy, events == POLLIN ? SO_RCVTIMEO : SO_SNDTIMEO);
  long long waited = 0;
  struct pollfd poll_fd = { call->copy, events, 0 };

  while (still_waiting (call->calls->listener, call->request.id))
    {
      int slice = limit >= 0 && limit - waited < RECEIVE_CHECK_MS ? (int) (limit - waited)
                                                                  : RECEIVE_CHECK_MS;

      if (poll (&poll_fd, 1, slice) > 0)
        return 1;
      waited += slice;
      if (limit >= 0 && waited >= limit)
        {
          errno = EAGAIN;
          return 0;
        }
    }
  return -1;
}

static int
is_blocking (int fd,
             int flags)
{
  return !(fcntl (fd, F_GETFL) & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
}

/* Fast Open's data sent on the connected socket as send() would: all of
 * it on a blocking socket (never waiting past the program's own wait),
 * what fits on a non-blocking one.  SIGPIPE goes to the program, not to
 * this process. */
static ssize_t
send_for_program (const Call *call,
                  int         flags)
{
  int blocking = is_blocking (call->copy, flags), ready = 1;
  size_t done = 0;
  ssize_t n = 0;

  while (done < call->data_length && ready > 0)
    {
      n = send (call->copy, call->data + done, call->data_length - done,
                (flags & ~MSG_FASTOPEN) | MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0)
        done += (size_t) n;
      else if (n < 0 && errno == EAGAIN && blocking)
        ready = wait_ready (call, POLLOUT);
      else
        break;
      if (!blocking)
        break;
    }
  if (done > 0)
    return (ssize_t) done;
  if (n < 0 && errno == EPIPE && !(flags & MSG_NOSIGNAL))
    syscall (SYS_tgkill, call->tgid, (pid_t) call->request.pid, SIGPIPE);
  return ready < 0 ? -2 : n;
}

/* TCP Fast Open: connected as connect() would be, then the data sent.  A
 * connect still in progress gives EINPROGRESS with nothing sent, as Fast
 * Open without a cookie does. */
static void *
run_fastopen (void *data)
{
  Call *call = data;
  int flags = (int) (call->request.data.nr == __NR_sendto ? call->request.data.args[3]
                                                           : call->request.data.args[2]);
  ssize_t result = connect_stream (call);

  if (result == 0)
    result = send_for_program (call, flags);
  if (result != -2)
    respond (call->calls->listener, &call->request, result, errno);
  free_call (call);
  return NULL;
}

static void
start_thread (Call   *call,
              void *(*run) (void *))
{
  if (capture_thread_start (run, call) < 0)
    {
      respond (call->calls->listener, &call->request, -1, EAGAIN);
      free_call (call);
    }
}

/* A UDP connect to a nameserver: to the resolver instead (it does not
 * wait).  Returns 1 when it was. */
static int
connect_datagram (Call *call)
{
  struct sockaddr_storage endpoint;
  socklen_t endpoint_length;
  int result;

  if (!resolver_endpoint (call, &endpoint, &endpoint_length))
    return 0;
  result = plain_connect (call->copy, (struct sockaddr *) &endpoint, endpoint_length);
  if (result == 0)
    remember_redirect (call);
  respond (call->calls->listener, &call->request, result, errno);
  return 1;
}

/* connect (fd, address, length) */
static void
handle_connect (Call *call)
{
  const struct seccomp_data *args = &call->request.data;

  if (take_address (call, args->args[1], (int) args->args[2]) < 0
      || take_socket (call, (int) args->args[0]) < 0)
    free_call (call);
  else if (call->type == SOCK_STREAM)
    start_thread (call, run_connect);
  else
    {
      if (!(call->type == SOCK_DGRAM && connect_datagram (call)))
        let_continue (call->calls->listener, &call->request);
      free_call (call);
    }
}

/* Sending */

/* Fast Open's data, @length bytes at @remote (at most MAX_FASTOPEN). */
static int
take_data (Call     *call,
           uint64_t  remote,
           size_t    length)
{
  call->data_length = length < MAX_FASTOPEN ? length : MAX_FASTOPEN;
  call->data = malloc (call->data_length + 1);
  return call->data != NULL
         && read_memory ((pid_t) call->request.pid, remote, call->data, call->data_length) == 0
         ? 0 : -1;
}

/* A datagram to a nameserver: sent to the resolver instead.  Returns 1
 * when it was. */
static int
send_datagram (Call     *call,
               uint64_t  remote,
               size_t    length,
               int       flags)
{
  struct sockaddr_storage endpoint;
  socklen_t endpoint_length;
  ssize_t result;

  if (length > MAX_DATAGRAM || !resolver_endpoint (call, &endpoint, &endpoint_length))
    return 0;
  if (take_data (call, remote, length) < 0)
    {
      respond (call->calls->listener, &call->request, -1, EFAULT);
      return 1;
    }
  /* The bytes are the waiting program's, not a newcomer's with its pid. */
  if (!still_waiting (call->calls->listener, call->request.id))
    return 1;
  /* Never waits on the supervisor's loop: a full buffer says EAGAIN. */
  result = sendto (call->copy, call->data, call->data_length, flags | MSG_DONTWAIT,
                   (struct sockaddr *) &endpoint, endpoint_length);
  if (result >= 0)
    remember_redirect (call);
  respond (call->calls->listener, &call->request, result, errno);
  return 1;
}

/* sendto (fd, buffer, length, flags, address, address_length): notified
 * when there is an address. */
static void
handle_sendto (Call *call)
{
  const struct seccomp_data *args = &call->request.data;
  int flags = (int) args->args[3];

  if (take_address (call, args->args[4], (int) args->args[5]) < 0
      || take_socket (call, (int) args->args[0]) < 0)
    {
      free_call (call);
      return;
    }
  if (call->type == SOCK_STREAM && (flags & MSG_FASTOPEN))
    {
      if (take_data (call, args->args[1], (size_t) args->args[2]) < 0)
        respond (call->calls->listener, &call->request, -1, EFAULT);
      else if (still_waiting (call->calls->listener, call->request.id))
        {
          start_thread (call, run_fastopen);
          return;
        }
    }
  else if (!(call->type == SOCK_DGRAM
             && send_datagram (call, args->args[1], (size_t) args->args[2], flags)))
    let_continue (call->calls->listener, &call->request);
  free_call (call);
}

/* The bytes of @message's iovecs (at most MAX_IOV of them), gathered. */
static int
take_message_data (Call                *call,
                   const struct msghdr *message)
{
  struct iovec vectors[MAX_IOV], local;
  size_t count = message->msg_iovlen < MAX_IOV ? message->msg_iovlen : MAX_IOV;
  ssize_t n;

  if (count > 0 && read_memory ((pid_t) call->request.pid, (uintptr_t) message->msg_iov, vectors,
                                count * sizeof vectors[0]) < 0)
    return -1;
  call->data = malloc (MAX_FASTOPEN);
  if (call->data == NULL)
    return -1;
  local = (struct iovec) { call->data, MAX_FASTOPEN };
  n = count > 0 ? process_vm_readv ((pid_t) call->request.pid, &local, 1, vectors, count, 0) : 0;
  if (n < 0)
    return -1;
  call->data_length = (size_t) n;
  return 0;
}

/* sendmsg (fd, message, flags): notified with MSG_FASTOPEN only. */
static void
handle_sendmsg (Call *call)
{
  const struct seccomp_data *args = &call->request.data;
  struct msghdr message;

  if (read_memory ((pid_t) call->request.pid, args->args[1], &message, sizeof message) < 0)
    {
      respond (call->calls->listener, &call->request, -1, EFAULT);
      free_call (call);
      return;
    }
  if (message.msg_name == NULL)
    {
      let_continue (call->calls->listener, &call->request);
      free_call (call);
      return;
    }
  /* The kernel reads at most a sockaddr_storage of a longer name. */
  if (take_address (call, (uintptr_t) message.msg_name,
                    message.msg_namelen < sizeof call->address ? (int) message.msg_namelen
                                                               : (int) sizeof call->address)
      < 0
      || take_socket (call, (int) args->args[0]) < 0)
    free_call (call);
  else if (call->type != SOCK_STREAM)
    {
      let_continue (call->calls->listener, &call->request);
      free_call (call);
    }
  else if (take_message_data (call, &message) < 0)
    {
      respond (call->calls->listener, &call->request, -1, EFAULT);
      free_call (call);
    }
  else if (!still_waiting (call->calls->listener, call->request.id))
    free_call (call);
  else
    start_thread (call, run_fastopen);
}

/* Receiving */

/* The datagram and its sender written where the program wants them. */
static ssize_t
deliver (const Call              *call,
         const uint8_t           *bytes,
         ssize_t                  received,
         struct sockaddr_storage *from,
         socklen_t                from_length)
{
  const struct seccomp_data *args = &call->request.data;
  pid_t tid = (pid_t) call->request.pid;
  size_t room = (size_t) args->args[2], given = 0;
  socklen_t wanted = 0;

  given = (size_t) received < room ? (size_t) received : room;
  capture_dns_restore_source (call->calls->dns, call->copy, from, &from_length);
  /* An address without its length's place: the kernel's EFAULT. */
  if (args->args[5] == 0
      || write_memory (tid, args->args[1], bytes, given) < 0
      || read_memory (tid, args->args[5], &wanted, sizeof wanted) < 0
      || write_memory (tid, args->args[4], from, wanted < from_length ? wanted : from_length) < 0
      || write_memory (tid, args->args[5], &from_length, sizeof from_length) < 0)
    {
      errno = EFAULT;
      return -1;
    }
  return received;
}

/* The receive itself, once there is a datagram (or the socket does not
 * block): its result, errno set; -2 when the program stopped waiting. */
static ssize_t
receive_for_program (const Call *call,
                     int         blocking)
{
  const struct seccomp_data *args = &call->request.data;
  size_t room = args->args[2] < MAX_DATAGRAM ? (size_t) args->args[2] : MAX_DATAGRAM;
  uint8_t *bytes = malloc (room + 1);
  struct sockaddr_storage from;
  socklen_t from_length = sizeof from;
  ssize_t received = -1;
  int ready = 1;

  if (bytes == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  do
    {
      if (blocking && (ready = wait_ready (call, POLLIN)) <= 0)
        break;
      received = recvfrom (call->copy, bytes, room, (int) args->args[3] | MSG_DONTWAIT,
                           (struct sockaddr *) &from, &from_length);
    }
  while (blocking && received < 0 && errno == EAGAIN);
  /* Written only for the waiting program (a signal may have ended its
   * call meanwhile; the datagram is then lost, as DNS allows). */
  if (ready > 0 && received >= 0 && !still_waiting (call->calls->listener, call->request.id))
    ready = -1;
  if (ready > 0 && received >= 0)
    received = deliver (call, bytes, received, &from, from_length);
  else if (ready <= 0)
    received = ready == 0 ? -1 : -2;
  free (bytes);
  return received;
}

static void *
run_receive (void *data)
{
  Call *call = data;
  ssize_t result = receive_for_program (call, 1);

  if (result != -2)
    respond (call->calls->listener, &call->request, result, errno);
  free_call (call);
  return NULL;
}

/* recvfrom (fd, buffer, length, flags, address, address_length): notified
 * when there is an address; ours only on a socket sent to the resolver. */
static void
handle_recvfrom (Call *call)
{
  const struct seccomp_data *args = &call->request.data;
  int blocking;
  ssize_t result;

  if (take_socket (call, (int) args->args[0]) < 0)
    {
      free_call (call);
      return;
    }
  if (call->type != SOCK_DGRAM || call->calls->dns == NULL
      || !capture_dns_restore_source (call->calls->dns, call->copy, NULL, NULL))
    {
      let_continue (call->calls->listener, &call->request);
      free_call (call);
      return;
    }
  blocking = is_blocking (call->copy, (int) args->args[3]);
  if (blocking)
    {
      start_thread (call, run_receive);
      return;
    }
  result = receive_for_program (call, 0);
  respond (call->calls->listener, &call->request, result, errno);
  free_call (call);
}

void
capture_seccomp_handle (const CaptureCalls         *calls,
                        const struct seccomp_notif *request)
{
  Call *call = new_call (calls, request);

  if (call == NULL)
    return;
  switch (request->data.nr)
    {
    case __NR_connect:
      handle_connect (call);
      break;
    case __NR_sendto:
      handle_sendto (call);
      break;
    case __NR_sendmsg:
      handle_sendmsg (call);
      break;
    case __NR_recvfrom:
      handle_recvfrom (call);
      break;
    default:
      let_continue (calls->listener, request);
      free_call (call);
    }
}
