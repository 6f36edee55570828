// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Real FTP servers on 127.0.0.1 for integration tests, each on a free port
 * with a temp root directory holding an "upload" directory clients may
 * write to.  Login is anonymous ("anonymous", any password).
 *
 *   vsftpd     foreground, chrooted anonymous user with upload rights as
 *              root; as another user run_as_launching_user (no chroot)
 *   pyftpdlib  python3 -m pyftpdlib -w, anonymous with write rights
 *   hostile    tests/ftp/hostile-ftp-server.py: passive only, one file,
 *              227 replies naming a trap address (see the script)
 *
 * Servers run in the foreground as children of the test, tied to the
 * calling thread (PR_SET_PDEATHSIG), and are stopped by pid: their
 * descendants first, then SIGTERM, a bounded waitpid(), SIGKILL if need be.
 * Start them from the test's main thread. */
typedef struct _BurrowTestFtp BurrowTestFtp;

typedef enum
{
  BURROW_TEST_FTP_VSFTPD,
  BURROW_TEST_FTP_PYFTPDLIB,
} BurrowTestFtpKind;

/* Blocks (bounded, about 10 s at most) until the port answers "220 ".
 * G_IO_ERROR_NOT_FOUND means the server is not installed, so the caller
 * can g_test_skip(); other errors carry the server's log. */
BurrowTestFtp *burrow_test_ftp_start           (BurrowTestFtpKind    kind,
                                                GError             **error);
/* The hostile server serving @file, with --behaviour for each of
 * @behaviours (NULL for none).  Its trap listens on
 * burrow_test_ftp_get_trap_address(), at the port its 227s name. */
BurrowTestFtp *burrow_test_ftp_start_hostile   (const char * const  *behaviours,
                                                const char          *file,
                                                GError             **error);
/* NULL-safe. */
void           burrow_test_ftp_stop            (BurrowTestFtp       *self);

/* "vsftpd", "pyftpdlib" or "hostile". */
const char    *burrow_test_ftp_get_name        (BurrowTestFtp       *self);
guint16        burrow_test_ftp_get_port        (BurrowTestFtp       *self);
/* 0 once it has been stopped. */
GPid           burrow_test_ftp_get_pid         (BurrowTestFtp       *self);
/* The directory served as "/"; files put there must be world-readable
 * (vsftpd serves anonymous users nothing else).  NULL for hostile. */
const char    *burrow_test_ftp_get_root        (BurrowTestFtp       *self);
/* Where "upload/NAME" lands: @root/upload.  NULL for hostile. */
const char    *burrow_test_ftp_get_upload_dir  (BurrowTestFtp       *self);
/* The server's stdout and stderr (and vsftpd's protocol log after them). */
char          *burrow_test_ftp_read_log        (BurrowTestFtp       *self);
/* One line from a control connection into @line, without its CRLF (at
 * most 4096 bytes); FALSE at EOF, on an error or a longer line. */
gboolean       burrow_test_ftp_read_line       (int                  fd,
                                                GString             *line);

/* hostile only: where the trap listens, and how many connections it has
 * had so far (0 for the other servers). */
const char    *burrow_test_ftp_get_trap_address (BurrowTestFtp      *self);
guint16        burrow_test_ftp_get_trap_port    (BurrowTestFtp      *self);
guint          burrow_test_ftp_get_trap_count   (BurrowTestFtp      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BurrowTestFtp, burrow_test_ftp_stop)

G_END_DECLS
