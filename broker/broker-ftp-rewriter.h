// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The FTP control-channel rewriter of FTP tunnels.  It is pure: the tunnel
 * feeds it the bytes each side sends and writes out what it appends to
 * @to_server and @to_client; it reports data connections as events and the
 * tunnel answers each one with a _ready or _failed call.
 *
 * Lines are reassembled across reads, so the output does not depend on how
 * the input was split.  Client commands wait in a FIFO for their final
 * reply (2xx-5xx; 1xx replies are preliminary), so pipelined commands keep
 * their replies:
 *
 *   PASV / EPSV  a single-line 227 / 229 reply to it gives a PASSIVE event
 *                with the server's port.  The address in a 227 is ignored:
 *                the data forward goes to the host the control channel
 *                targets.  The reply, and every reply after it, is held until
 *                passive_ready() (then rewritten to the data forward's
 *                address and port) or passive_failed() (then a 425).  A 227 or 229 that
 *                does not parse is replaced by a 425 (REFUSED event).
 *   227 / 229    never parsed anywhere else.  One that answers no PASV or
 *                EPSV (unsolicited, or to another command) keeps its code
 *                and loses its address; a multi-line one is dropped and
 *                answered like that, or with a 425 if it answers a PASV or
 *                EPSV (REFUSED events): a client that trusted its address
 *                would connect outside the tunnel.  Inside another
 *                multi-line reply, a line that looks like a final 227 or
 *                229 gets a space in front.
 *   PORT / EPRT  accepted only for the client's own address and a port of
 *                1024 or more; an ACTIVE event with the client's port, and
 *                the command (and every client command after it) is held
 *                until active_ready() (then forwarded, rewritten to the
 *                address given) or active_failed() (the client gets a 425).
 *                Refused ones are answered 501 (522 for an EPRT network
 *                protocol other than 1 or 2) and not forwarded.  A client
 *                address that is IPv4-mapped IPv6 counts as IPv4.
 *   LPRT / LPSV  answered 502, not forwarded.
 *   bare CR      a command with a CR before its end is answered 501, not
 *                forwarded: a server might take it for two.
 *   AUTH         client commands after it wait for its reply; a 234 turns
 *                the rewriter into a pass-through of raw bytes both ways
 *                (TLS event).
 *
 * While a PASSIVE or ACTIVE event waits for its answer, no other input from
 * either side is handled (get_held() is TRUE for both): the output does
 * not depend on when the answer comes, only on what it is.
 *
 * At most BROKER_FTP_MAX_PENDING data forwards may be pending (announced by
 * an event and not yet failed or released with forward_done()); beyond it
 * a PASV/EPSV reply is replaced and a PORT/EPRT answered with "425 too many
 * data connections pending" (REFUSED event).  Replies the rewriter makes
 * itself go out in the order of the commands they answer.
 *
 * A line is at most 2 KiB: a longer one streams through unparsed (a
 * PORT/EPRT/LPRT/LPSV that long is refused and dropped, a 227/229 that long
 * to a PASV/EPSV is replaced by a 425).  Telnet IAC sequences before a
 * command pass through.  Commands are case-insensitive; CRLF or a bare LF
 * ends a line and a rewritten line keeps the ending it came with.
 *
 * Memory: while neither side is held, at most one partial line per side is
 * buffered.  Input for a held side (see get_held()) is kept up to
 * BROKER_FTP_MAX_HELD bytes; the tunnel should stop reading that side
 * meanwhile.  Beyond it feed() fails and the connection must be closed.
 */

#define BROKER_FTP_MAX_PENDING 4
#define BROKER_FTP_MAX_HELD (16 * 1024)

typedef enum
{
  BROKER_FTP_FROM_CLIENT,
  BROKER_FTP_FROM_SERVER,
} BrokerFtpDirection;

typedef enum
{
  BROKER_FTP_EVENT_PASSIVE,   /* open a local forward to dst-host:port */
  BROKER_FTP_EVENT_ACTIVE,    /* open a remote forward to client-address:port */
  BROKER_FTP_EVENT_TLS,       /* AUTH accepted: data channels are no longer seen */
  BROKER_FTP_EVENT_REFUSED,   /* a data connection was refused; @detail says why */
} BrokerFtpEventKind;

typedef struct
{
  BrokerFtpEventKind kind;
  guint id;                   /* PASSIVE, ACTIVE: what to answer with; else 0 */
  guint16 port;               /* PASSIVE: the server's port; ACTIVE: the client's */
  gboolean extended;          /* PASSIVE, ACTIVE: EPSV or EPRT (the reply may name IPv6) */
  char *detail;               /* REFUSED: a reason for the log, never peer bytes */
} BrokerFtpEvent;

void broker_ftp_event_free (BrokerFtpEvent *event);

typedef struct _BrokerFtpRewriter BrokerFtpRewriter;

/* @text as an address, an IPv4-mapped IPv6 one as IPv4; NULL if invalid. */
GInetAddress      *broker_ftp_address_new              (const char          *text);
/* The IP address of a socket address (struct sockaddr), unmapped like
 * broker_ftp_address_new(); NULL if it is not an IP one. */
GInetAddress      *broker_ftp_address_from_native      (gconstpointer        native,
                                                        gsize                length);

/* @client_address: the FTP client's address as text ("127.0.0.1", "::1");
 * NULL if it is not a valid address. */
BrokerFtpRewriter *broker_ftp_rewriter_new             (const char          *client_address);
void               broker_ftp_rewriter_free            (BrokerFtpRewriter   *self);

/* Appends to @to_server, @to_client and @events (BrokerFtpEvent, owned:
 * create it with g_ptr_array_new_with_free_func (broker_ftp_event_free)).
 * FALSE with BROKER_ERROR_FAILED when a held side overflowed: close the
 * connection. */
gboolean           broker_ftp_rewriter_feed            (BrokerFtpRewriter   *self,
                                                        BrokerFtpDirection   from,
                                                        const guint8        *data,
                                                        gsize                len,
                                                        GByteArray          *to_server,
                                                        GByteArray          *to_client,
                                                        GPtrArray           *events,
                                                        GError             **error);

/* Answers to a PASSIVE event: the data forward listens on @address (a 227
 * names 127.0.0.1 unless @address is IPv4; a 229 names only the port) and
 * @local_port, or it could not be opened. */
void               broker_ftp_rewriter_passive_ready   (BrokerFtpRewriter   *self,
                                                        guint                id,
                                                        const char          *address,
                                                        guint16              local_port,
                                                        GByteArray          *to_server,
                                                        GByteArray          *to_client,
                                                        GPtrArray           *events);
void               broker_ftp_rewriter_passive_failed  (BrokerFtpRewriter   *self,
                                                        guint                id,
                                                        GByteArray          *to_server,
                                                        GByteArray          *to_client,
                                                        GPtrArray           *events);

/* Answers to an ACTIVE event: the remote forward listens on @address:@port
 * on the SSH server (an IPv4 address for a PORT command), or it could not
 * be opened. */
void               broker_ftp_rewriter_active_ready    (BrokerFtpRewriter   *self,
                                                        guint                id,
                                                        const char          *address,
                                                        guint16              port,
                                                        GByteArray          *to_server,
                                                        GByteArray          *to_client,
                                                        GPtrArray           *events);
void               broker_ftp_rewriter_active_failed   (BrokerFtpRewriter   *self,
                                                        guint                id,
                                                        GByteArray          *to_server,
                                                        GByteArray          *to_client,
                                                        GPtrArray           *events);

/* The forward of a ready PASSIVE/ACTIVE event was used or expired: its
 * slot is free again.  Unknown ids are ignored. */
void               broker_ftp_rewriter_forward_done    (BrokerFtpRewriter   *self,
                                                        guint                id);

/* Forwards announced and not yet failed or done (0..BROKER_FTP_MAX_PENDING). */
guint              broker_ftp_rewriter_get_pending     (BrokerFtpRewriter   *self);
/* Whether input from @from waits for an answer or a reply: stop reading it. */
gboolean           broker_ftp_rewriter_get_held        (BrokerFtpRewriter   *self,
                                                        BrokerFtpDirection   from);
/* Bytes of input kept, both sides together (for tests). */
gsize              broker_ftp_rewriter_get_buffered    (BrokerFtpRewriter   *self);
gboolean           broker_ftp_rewriter_get_tls         (BrokerFtpRewriter   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerFtpEvent, broker_ftp_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BrokerFtpRewriter, broker_ftp_rewriter_free)

G_END_DECLS
