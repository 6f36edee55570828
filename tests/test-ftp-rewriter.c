// SPDX-License-Identifier: GPL-3.0-or-later
/* The FTP control-channel rewriter.  Every case is a script of what the
 * client and the server send; it runs whole, with each step split at every
 * position, byte by byte and in random chunks, the tunnel answering every
 * event at once, and must give exactly the expected bytes and events each
 * time. */
#include "broker-error.h"
#include "broker-ftp-rewriter.h"

#include <string.h>

#define LINE_MAX_BYTES 2048

#define CANT_OPEN "425 Can't open data connection.\r\n"
#define TOO_MANY "425 too many data connections pending\r\n"
#define NOT_ALLOWED "501 Data connections may only go to the client's own address" \
                    " and a port of 1024 or more.\r\n"
#define FAMILY "522 Network protocol not supported, use (1,2)\r\n"
#define SYNTAX "501 Syntax error in parameters or arguments.\r\n"
#define NOT_IMPLEMENTED "502 LPRT and LPSV are not supported; use EPRT or EPSV.\r\n"

/* What the tunnel answers: local forwards listen on 40000 + id, remote ones
 * on 50000 + id. */
#define PASV_1 "227 Entering Passive Mode (127,0,0,1,156,65).\r\n"
#define PASV_2 "227 Entering Passive Mode (127,0,0,1,156,66).\r\n"
#define EPSV_1 "229 Entering Extended Passive Mode (|||40001|)\r\n"
#define PORT_1 "PORT 127,0,0,1,195,81\r\n"

#define REFUSED_227 "REFUSED malformed 227 reply\n"
#define REFUSED_229 "REFUSED malformed 229 reply\n"
#define REFUSED_SYNTAX "REFUSED malformed PORT or EPRT\n"
#define REFUSED_NOT_ALLOWED "REFUSED PORT or EPRT to another address or a port below 1024\n"
#define WITHHELD_227 "227 Passive mode reply withheld by the FTP tunnel: it answered no PASV.\r\n"
#define WITHHELD_229 "229 Extended passive mode reply withheld by the FTP tunnel: it answered no " \
  "EPSV.\r\n"
#define REFUSED_WITHHELD "REFUSED a 227 or 229 reply that answered no PASV or EPSV\n"
#define REFUSED_MULTILINE "REFUSED a multi-line 227 or 229 reply\n"
#define REFUSED_TOO_MANY "REFUSED too many data connections pending\n"

typedef enum
{
  ANSWER_READY,                 /* ready, the forward stays pending */
  ANSWER_READY_DONE,            /* ready, then forward_done() at once */
  ANSWER_FAIL,
} Answer;

/* Each step starts with C (from the client) or S (from the server). */
typedef struct
{
  const char *name;
  const char *steps[8];
  const char *to_server;
  const char *to_client;
  const char *events;
  Answer answer;
  const char *client_address;   /* NULL: 127.0.0.1 */
  const char *remote_address;   /* of the remote forwards; NULL: 127.0.0.1 */
} Case;

#define PASV_227(numbers) { "CPASV\r\n", "S227 Entering Passive Mode (" numbers ")\r\n" }, \
  "PASV\r\n", CANT_OPEN, REFUSED_227
#define EPSV_229(text) { "CEPSV\r\n", "S229 Entering Extended Passive Mode " text "\r\n" }, \
  "EPSV\r\n", CANT_OPEN, REFUSED_229
#define ACTIVE_SYNTAX(command) { "C" command "\r\n" }, "", SYNTAX, REFUSED_SYNTAX
#define ACTIVE_NOT_ALLOWED(command) { "C" command "\r\n" }, "", NOT_ALLOWED, REFUSED_NOT_ALLOWED

static const Case cases[] = {
  /* The normal flows */
  { "greeting", { "S220 Welcome\r\n" }, "", "220 Welcome\r\n", "" },
  { "pasv", { "CPASV\r\n", "S227 Entering Passive Mode (127,0,0,1,19,137).\r\n" },
    "PASV\r\n", PASV_1, "PASSIVE 1 5001\n" },
  { "pasv-no-parentheses", { "CPASV\r\n", "S227 Entering Passive Mode 127,0,0,1,19,137\r\n" },
    "PASV\r\n", PASV_1, "PASSIVE 1 5001\n" },
  { "epsv", { "CEPSV\r\n", "S229 Entering Extended Passive Mode (|||5001|)\r\n" },
    "EPSV\r\n", EPSV_1, "PASSIVE 1 5001\n" },
  { "epsv-other-delimiter", { "CEPSV 2\r\n", "S229 Extended (!!!5001!)\r\n" },
    "EPSV 2\r\n", EPSV_1, "PASSIVE 1 5001\n" },
  { "port", { "CPORT 127,0,0,1,19,137\r\n", "S200 PORT command successful\r\n" },
    PORT_1, "200 PORT command successful\r\n", "ACTIVE 1 5001\n" },
  { "eprt-ipv4", { "CEPRT |1|127.0.0.1|5001|\r\n", "S200 EPRT ok\r\n" },
    "EPRT |1|127.0.0.1|50001|\r\n", "200 EPRT ok\r\n", "ACTIVE 1 5001\n" },
  { "eprt-ipv6", { "CEPRT |2|::1|5001|\r\n", "S200 EPRT ok\r\n" },
    "EPRT |2|::1|50001|\r\n", "200 EPRT ok\r\n", "ACTIVE 1 5001\n", ANSWER_READY, "::1", "::1" },
  { "eprt-ipv6-long-form", { "CEPRT |2|0:0:0:0:0:0:0:1|5001|\r\n" },
    "EPRT |2|::1|50001|\r\n", "", "ACTIVE 1 5001\n", ANSWER_READY, "::1", "::1" },
  { "port-ipv6-remote-fails", { "CPORT 127,0,0,1,19,137\r\n" },
    "", CANT_OPEN, "ACTIVE 1 5001\n", ANSWER_READY, NULL, "::1" },
  { "retr-preliminary", { "CRETR f\r\nPASV\r\n", "S150 Opening\r\n226 Done\r\n",
                          "S227 (127,77,3,4,19,137)\r\n" },
    "RETR f\r\nPASV\r\n", "150 Opening\r\n226 Done\r\n" PASV_1, "PASSIVE 1 5001\n" },

  /* The 227 address is never trusted */
  { "pasv-foreign-address", { "CPASV\r\n", "S227 Entering Passive Mode (127,77,60,99,6,12)\r\n" },
    "PASV\r\n", PASV_1, "PASSIVE 1 1548\n" },
  /* A 227 or 229 that answers no PASV or EPSV keeps its code, loses its
   * address: a client trusting it would connect outside the tunnel. */
  { "227-unsolicited", { "S227 Entering Passive Mode (127,77,0,1,4,1)\r\n" },
    "", WITHHELD_227, REFUSED_WITHHELD },
  { "227-to-noop", { "CNOOP\r\n", "S227 (127,77,0,1,4,1)\r\n" },
    "NOOP\r\n", WITHHELD_227, REFUSED_WITHHELD },
  { "227-to-epsv", { "CEPSV\r\n", "S227 (127,77,0,1,4,1)\r\n" },
    "EPSV\r\n", WITHHELD_227, REFUSED_WITHHELD },
  { "229-to-pasv", { "CPASV\r\n", "S229 (|||5001|)\r\n" },
    "PASV\r\n", WITHHELD_229, REFUSED_WITHHELD },
  { "229-unsolicited-then-epsv", { "S229 (|||5432|)\r\n", "CEPSV\r\n", "S229 (|||5001|)\r\n" },
    "EPSV\r\n", WITHHELD_229 EPSV_1, REFUSED_WITHHELD "PASSIVE 1 5001\n" },
  /* A multi-line 227 or 229 is never parsed: dropped, and a PASV or EPSV
   * gets a 425, anything else the reply without an address. */
  { "227-multiline", { "CPASV\r\nPASV\r\n",
                       "S227-Entering Passive Mode (127,77,0,1,4,1)\r\n227 (127,77,0,1,4,2)\r\n",
                       "S227 (127,77,0,1,19,137)\r\n" },
    "PASV\r\nPASV\r\n", CANT_OPEN PASV_1, REFUSED_MULTILINE "PASSIVE 1 5001\n" },
  { "229-multiline", { "CEPSV\r\n", "S229-Entering (|||5001|)\r\nmore\r\n229 (|||5002|)\r\n" },
    "EPSV\r\n", CANT_OPEN, REFUSED_MULTILINE },
  { "227-multiline-to-noop", { "CNOOP\r\n", "S227-a (127,77,0,1,4,1)\r\n227 b\r\n" },
    "NOOP\r\n", WITHHELD_227, REFUSED_WITHHELD },
  { "227-multiline-unsolicited-then-pasv",
    { "S227-a\r\n227 (127,77,0,1,4,1)\r\n", "CPASV\r\n", "S227 (127,77,0,1,19,137)\r\n" },
    "PASV\r\n", WITHHELD_227 PASV_1, REFUSED_WITHHELD "PASSIVE 1 5001\n" },
  /* Inside another reply a line that looks like a final 227 or 229 is
   * text: it gets a space in front, for clients that end replies early. */
  { "227-inside-multiline", { "CPASV\r\n",
                              "S200-Hello\r\n227 (127,77,0,1,4,1)\r\n 227 x\r\n229 (|||5432|)\r\n"
                              "227-y\r\n200 End\r\n" },
    "PASV\r\n",
    "200-Hello\r\n 227 (127,77,0,1,4,1)\r\n 227 x\r\n 229 (|||5432|)\r\n227-y\r\n200 End\r\n",
    "" },
  { "227-octet-256", PASV_227 ("256,0,0,1,4,1") },
  { "227-port-octet-256", PASV_227 ("127,77,3,4,256,1") },
  { "227-huge-number", PASV_227 ("127,77,3,4,99999999999,1") },
  { "227-negative", PASV_227 ("-127,77,3,4,5,6") },
  { "227-empty-field", PASV_227 ("127,77,3,4,,6") },
  { "227-empty", PASV_227 ("") },
  { "227-five-fields", PASV_227 ("127,77,3,4,5") },
  { "227-seven-fields", PASV_227 ("127,77,3,4,5,6,7") },
  { "227-port-zero", PASV_227 ("127,77,3,4,0,0") },
  { "227-leading-zero", PASV_227 ("127,77,3,4,05,6") },
  { "227-leading-space", PASV_227 (" 127,77,3,4,5,6") },
  { "227-no-closing", { "CPASV\r\n", "S227 Entering Passive Mode (127,77,3,4,5,6\r\n" },
    "PASV\r\n", CANT_OPEN, REFUSED_227 },
  { "227-negative-no-parentheses", { "CPASV\r\n", "S227 Mode -127,77,3,4,5,6\r\n" },
    "PASV\r\n", CANT_OPEN, REFUSED_227 },
  { "229-65536", EPSV_229 ("(|||65536|)") },
  { "229-zero", EPSV_229 ("(|||0|)") },
  { "229-huge", EPSV_229 ("(|||99999999999|)") },
  { "229-negative", EPSV_229 ("(|||-1|)") },
  { "229-empty", EPSV_229 ("(||||)") },
  { "229-no-closing", EPSV_229 ("(|||5001|") },
  { "229-mixed-delimiters", EPSV_229 ("(|!|5001|)") },
  { "229-digit-delimiter", EPSV_229 ("(11150011)") },
  { "229-address-given", EPSV_229 ("(|1|127.77.0.1|5001|)") },

  /* PORT and EPRT name the client's own address only */
  { "port-foreign-address", ACTIVE_NOT_ALLOWED ("PORT 127,77,0,1,19,137") },
  { "port-low", ACTIVE_NOT_ALLOWED ("PORT 127,0,0,1,3,255") },
  { "port-zero", ACTIVE_NOT_ALLOWED ("PORT 127,0,0,1,0,0") },
  { "port-1024", { "CPORT 127,0,0,1,4,0\r\n" }, PORT_1, "", "ACTIVE 1 1024\n" },
  { "port-octet-256", ACTIVE_SYNTAX ("PORT 127,0,0,1,256,1") },
  { "port-huge", ACTIVE_SYNTAX ("PORT 127,0,0,1,99999999999,1") },
  { "port-negative", ACTIVE_SYNTAX ("PORT 127,0,0,-1,19,137") },
  { "port-empty-field", ACTIVE_SYNTAX ("PORT 127,0,,1,19,137") },
  { "port-five-fields", ACTIVE_SYNTAX ("PORT 127,0,0,1,19") },
  { "port-seven-fields", ACTIVE_SYNTAX ("PORT 127,0,0,1,19,137,1") },
  { "port-trailing-junk", ACTIVE_SYNTAX ("PORT 127,0,0,1,19,137x") },
  { "port-no-argument", ACTIVE_SYNTAX ("PORT") },
  { "port-leading-zero", ACTIVE_SYNTAX ("PORT 127,0,0,01,19,137") },
  { "port-ipv6-client", ACTIVE_NOT_ALLOWED ("PORT 127,0,0,1,19,137"), ANSWER_READY, "::1" },
  { "eprt-foreign-address", ACTIVE_NOT_ALLOWED ("EPRT |1|127.77.0.1|5001|") },
  { "eprt-low", ACTIVE_NOT_ALLOWED ("EPRT |1|127.0.0.1|1023|") },
  { "eprt-ipv6-foreign", ACTIVE_NOT_ALLOWED ("EPRT |2|::2|5001|"), ANSWER_READY, "::1" },
  { "eprt-family-3", { "CEPRT |3|127.0.0.1|5001|\r\n" }, "", FAMILY,
    "REFUSED EPRT with an unknown network protocol\n" },
  { "eprt-family-letter", ACTIVE_SYNTAX ("EPRT |x|127.0.0.1|5001|") },
  { "port-mapped-client", { "CPORT 127,0,0,1,19,137\r\n" }, PORT_1, "", "ACTIVE 1 5001\n",
    ANSWER_READY, "::ffff:127.0.0.1" },
  { "eprt-mapped-client", { "CEPRT |1|127.0.0.1|5001|\r\n" }, "EPRT |1|127.0.0.1|50001|\r\n", "",
    "ACTIVE 1 5001\n", ANSWER_READY, "::ffff:127.0.0.1" },
  { "eprt-mapped-written-v6", ACTIVE_NOT_ALLOWED ("EPRT |2|::ffff:127.0.0.2|5001|"), ANSWER_READY,
    "::ffff:127.0.0.1" },
  { "eprt-mapped-both", { "CEPRT |2|::ffff:127.0.0.1|5001|\r\n" }, "EPRT |1|127.0.0.1|50001|\r\n",
    "", "ACTIVE 1 5001\n", ANSWER_READY, "::ffff:127.0.0.1" },
  { "eprt-family-mismatch", ACTIVE_SYNTAX ("EPRT |2|127.0.0.1|5001|") },
  { "eprt-family-mismatch-v6", ACTIVE_SYNTAX ("EPRT |1|::1|5001|"), ANSWER_READY, "::1" },
  { "eprt-mixed-delimiters", ACTIVE_SYNTAX ("EPRT |1|127.0.0.1!5001|") },
  { "eprt-letter-delimiter", ACTIVE_SYNTAX ("EPRT a1a127.0.0.1a5001a") },
  { "eprt-digit-delimiter", ACTIVE_SYNTAX ("EPRT 01012700010500010") },
  { "eprt-no-last-delimiter", ACTIVE_SYNTAX ("EPRT |1|127.0.0.1|5001") },
  { "eprt-empty-address", ACTIVE_SYNTAX ("EPRT |1||5001|") },
  { "eprt-bad-address", ACTIVE_SYNTAX ("EPRT |1|127.0.0.256|5001|") },
  { "eprt-port-65536", ACTIVE_SYNTAX ("EPRT |1|127.0.0.1|65536|") },
  { "eprt-port-huge", ACTIVE_SYNTAX ("EPRT |1|127.0.0.1|99999999999|") },
  { "eprt-port-negative", ACTIVE_SYNTAX ("EPRT |1|127.0.0.1|-5001|") },
  { "eprt-port-empty", ACTIVE_SYNTAX ("EPRT |1|127.0.0.1||") },
  { "eprt-scope-id", ACTIVE_SYNTAX ("EPRT |2|fe80::1%eth0|5001|"), ANSWER_READY, "::1" },
  { "lprt", { "CLPRT 4,4,127,0,0,1,2,19,137\r\n" }, "", NOT_IMPLEMENTED,
    "REFUSED LPRT or LPSV\n" },
  { "lpsv", { "Clpsv\r\n" }, "", NOT_IMPLEMENTED, "REFUSED LPRT or LPSV\n" },

  /* Order and the pending limit */
  { "pipelined-pasv", { "CPASV\r\nPASV\r\n", "S227 (127,77,3,4,19,137)\r\n227 (127,77,3,4,19,138)\r\n" },
    "PASV\r\nPASV\r\n", PASV_1 PASV_2, "PASSIVE 1 5001\nPASSIVE 2 5002\n" },
  { "local-reply-in-order", { "CPASV\r\nLPRT 1\r\nNOOP\r\n", "S227 (127,77,3,4,19,137)\r\n200 Ok\r\n" },
    "PASV\r\nNOOP\r\n", PASV_1 NOT_IMPLEMENTED "200 Ok\r\n",
    "REFUSED LPRT or LPSV\nPASSIVE 1 5001\n" },
  { "port-then-pasv", { "CPORT 127,0,0,1,19,137\r\nPASV\r\n",
                        "S200 Ok\r\n227 (127,77,3,4,19,138)\r\n" },
    PORT_1 "PASV\r\n", "200 Ok\r\n" PASV_2, "ACTIVE 1 5001\nPASSIVE 2 5002\n" },
  { "fifth-pending-pasv", { "CPASV\r\nPASV\r\nPASV\r\nPASV\r\nPASV\r\n",
                            "S227 (127,77,3,4,19,137)\r\n227 (127,77,3,4,19,137)\r\n"
                            "227 (127,77,3,4,19,137)\r\n227 (127,77,3,4,19,137)\r\n",
                            "S227 (127,77,3,4,19,137)\r\n", "CPORT 127,0,0,1,19,137\r\n" },
    "PASV\r\nPASV\r\nPASV\r\nPASV\r\nPASV\r\n",
    PASV_1 PASV_2 "227 Entering Passive Mode (127,0,0,1,156,67).\r\n"
    "227 Entering Passive Mode (127,0,0,1,156,68).\r\n" TOO_MANY TOO_MANY,
    "PASSIVE 1 5001\nPASSIVE 2 5001\nPASSIVE 3 5001\nPASSIVE 4 5001\n"
    REFUSED_TOO_MANY REFUSED_TOO_MANY },
  { "fifth-pending-done", { "CPASV\r\nPASV\r\nPASV\r\nPASV\r\nPASV\r\n",
                            "S227 (127,77,3,4,19,137)\r\n227 (127,77,3,4,19,137)\r\n"
                            "227 (127,77,3,4,19,137)\r\n227 (127,77,3,4,19,137)\r\n"
                            "227 (127,77,3,4,19,137)\r\n" },
    "PASV\r\nPASV\r\nPASV\r\nPASV\r\nPASV\r\n",
    PASV_1 PASV_2 "227 Entering Passive Mode (127,0,0,1,156,67).\r\n"
    "227 Entering Passive Mode (127,0,0,1,156,68).\r\n"
    "227 Entering Passive Mode (127,0,0,1,156,69).\r\n",
    "PASSIVE 1 5001\nPASSIVE 2 5001\nPASSIVE 3 5001\nPASSIVE 4 5001\nPASSIVE 5 5001\n",
    ANSWER_READY_DONE },
  { "fifth-pending-port", { "CPORT 127,0,0,1,19,137\r\nPORT 127,0,0,1,19,137\r\n"
                            "PORT 127,0,0,1,19,137\r\nPORT 127,0,0,1,19,137\r\n"
                            "EPRT |1|127.0.0.1|5001|\r\n", "S200 a\r\n200 b\r\n200 c\r\n",
                            "S200 d\r\n" },
    PORT_1 "PORT 127,0,0,1,195,82\r\nPORT 127,0,0,1,195,83\r\nPORT 127,0,0,1,195,84\r\n",
    "200 a\r\n200 b\r\n200 c\r\n200 d\r\n" TOO_MANY,
    "ACTIVE 1 5001\nACTIVE 2 5001\nACTIVE 3 5001\nACTIVE 4 5001\n" REFUSED_TOO_MANY },
  { "pasv-failed", { "CPASV\r\nNOOP\r\n", "S227 (127,77,3,4,19,137)\r\n200 Ok\r\n" },
    "PASV\r\nNOOP\r\n", CANT_OPEN "200 Ok\r\n", "PASSIVE 1 5001\n", ANSWER_FAIL },
  { "port-failed", { "CPORT 127,0,0,1,19,137\r\nNOOP\r\n", "S200 Ok\r\n" },
    "NOOP\r\n", CANT_OPEN "200 Ok\r\n", "ACTIVE 1 5001\n", ANSWER_FAIL },

  /* TLS */
  { "auth-tls-234", { "CAUTH TLS\r\n", "S234 Proceed\r\n",
                      "C\x16\x03\x01PORT 127,77,0,1,0,21\r\n\xff\xfe\x80", "S\x16\x03\x03" "227 (127,77,3,4,5,6)\r\n" },
    "AUTH TLS\r\n\x16\x03\x01PORT 127,77,0,1,0,21\r\n\xff\xfe\x80",
    "234 Proceed\r\n\x16\x03\x03" "227 (127,77,3,4,5,6)\r\n", "TLS\n" },
  { "auth-ssl-early-hello", { "Cauth ssl\r\n\x16\x03\x01PASV\r\n", "S234 Proceed\r\n\x16\x03" },
    "auth ssl\r\n\x16\x03\x01PASV\r\n", "234 Proceed\r\n\x16\x03", "TLS\n" },
  { "auth-tls-534", { "CAUTH TLS\r\nPASV\r\n", "S534 No\r\n227 (127,77,3,4,19,137)\r\n" },
    "AUTH TLS\r\nPASV\r\n", "534 No\r\n" PASV_1, "PASSIVE 1 5001\n" },
  { "234-without-auth", { "CNOOP\r\nPASV\r\n", "S234 Odd\r\n227 (127,77,3,4,19,137)\r\n" },
    "NOOP\r\nPASV\r\n", "234 Odd\r\n" PASV_1, "PASSIVE 1 5001\n" },

  /* Line syntax */
  { "iac-before-pasv", { "C\xff\xf4\xff\xf2PASV\r\n", "S227 (127,77,3,4,19,137)\r\n" },
    "\xff\xf4\xff\xf2PASV\r\n", PASV_1, "PASSIVE 1 5001\n" },
  { "iac-before-port", { "C\xff\xf4\xff\xfb\x01PORT 127,0,0,1,19,137\r\n" },
    "\xff\xf4\xff\xfb\x01" PORT_1, "", "ACTIVE 1 5001\n" },
  { "iac-in-reply", { "CNOOP\r\n", "S\xff\xf1" "200 Ok\xff\xff\r\n" },
    "NOOP\r\n", "\xff\xf1" "200 Ok\xff\xff\r\n", "" },
  { "iac-alone", { "C\xff", "C\xff\r\n" }, "\xff\xff\r\n", "", "" },
  { "lowercase", { "Cpasv\r\nport 127,0,0,1,19,137\r\nePsV\r\n",
                   "S227 (127,77,3,4,19,137)\r\n200 Ok\r\n229 (|||5003|)\r\n" },
    "pasv\r\n" PORT_1 "ePsV\r\n",
    PASV_2 "200 Ok\r\n229 Entering Extended Passive Mode (|||40003|)\r\n",
    "ACTIVE 1 5001\nPASSIVE 2 5001\nPASSIVE 3 5003\n" },
  { "bare-lf", { "CPASV\nPORT 127,0,0,1,19,137\nLPSV\n", "S227 (127,77,3,4,19,137)\n200 Ok\n" },
    "PASV\nPORT 127,0,0,1,195,81\n",
    "227 Entering Passive Mode (127,0,0,1,156,66).\n200 Ok\n"
    "502 LPRT and LPSV are not supported; use EPRT or EPSV.\n",
    "ACTIVE 1 5001\nREFUSED LPRT or LPSV\nPASSIVE 2 5001\n" },
  { "bare-cr", { "CNOOP\rPORT 127,77,0,1,19,137\r\nlpsv\r\r\n" }, "", SYNTAX SYNTAX,
    "REFUSED a bare CR in a command\nREFUSED a bare CR in a command\n" },
  { "empty-lines", { "C\r\n\nPASV\r\n", "S500 ?\r\n500 ?\r\n227 (127,77,3,4,19,137)\r\n" },
    "\r\n\nPASV\r\n", "500 ?\r\n500 ?\r\n" PASV_1, "PASSIVE 1 5001\n" },
  { "partial-line-kept", { "CPA", "CSV\r\nNO", "S227 (127,77,3,4,19,137)\r\n2" },
    "PASV\r\n", PASV_1, "PASSIVE 1 5001\n" },
  { "reply-code-only", { "CPASV\r\n", "S227\r\n" }, "PASV\r\n", CANT_OPEN, REFUSED_227 },
};

typedef struct
{
  GByteArray *to_server;
  GByteArray *to_client;
  GString *events;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->to_server, g_byte_array_unref);
  g_clear_pointer (&outcome->to_client, g_byte_array_unref);
  if (outcome->events != NULL)
    g_string_free (g_steal_pointer (&outcome->events), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
outcome_init (Outcome *outcome)
{
  outcome->to_server = g_byte_array_new ();
  outcome->to_client = g_byte_array_new ();
  outcome->events = g_string_new (NULL);
}

static const char *
event_name (BrokerFtpEventKind kind)
{
  switch (kind)
    {
    case BROKER_FTP_EVENT_PASSIVE:
      return "PASSIVE";
    case BROKER_FTP_EVENT_ACTIVE:
      return "ACTIVE";
    case BROKER_FTP_EVENT_TLS:
      return "TLS";
    case BROKER_FTP_EVENT_REFUSED:
      return "REFUSED";
    default:
      g_assert_not_reached ();
    }
}

static void
describe_event (GString              *text,
                const BrokerFtpEvent *event)
{
  g_string_append (text, event_name (event->kind));
  if (event->kind == BROKER_FTP_EVENT_PASSIVE || event->kind == BROKER_FTP_EVENT_ACTIVE)
    g_string_append_printf (text, " %u %u", event->id, event->port);
  else
    g_assert_cmpuint (event->id, ==, 0);
  if (event->kind == BROKER_FTP_EVENT_REFUSED)
    g_string_append_printf (text, " %s", event->detail);
  else
    g_assert_null (event->detail);
  g_string_append_c (text, '\n');
}

/* The tunnel's side: answers each event as it comes, as the case says. */
static void
answer (BrokerFtpRewriter    *rewriter,
        const Case           *test_case,
        const BrokerFtpEvent *event,
        Outcome              *outcome,
        GPtrArray            *events)
{
  const char *remote = test_case->remote_address != NULL ? test_case->remote_address
                                                         : "127.0.0.1";

  /* Given back before the answer, which goes on with the lines held
   * behind the request: after it, the slot would be free for some of them
   * or none depending on how the input came. */
  if (test_case->answer == ANSWER_READY_DONE && event->id != 0)
    broker_ftp_rewriter_forward_done (rewriter, event->id);

  if (event->kind == BROKER_FTP_EVENT_PASSIVE && test_case->answer == ANSWER_FAIL)
    broker_ftp_rewriter_passive_failed (rewriter, event->id, outcome->to_server,
                                        outcome->to_client, events);
  else if (event->kind == BROKER_FTP_EVENT_PASSIVE)
    broker_ftp_rewriter_passive_ready (rewriter, event->id, "127.0.0.1", 40000 + event->id,
                                       outcome->to_server, outcome->to_client, events);
  else if (event->kind == BROKER_FTP_EVENT_ACTIVE && test_case->answer == ANSWER_FAIL)
    broker_ftp_rewriter_active_failed (rewriter, event->id, outcome->to_server,
                                       outcome->to_client, events);
  else if (event->kind == BROKER_FTP_EVENT_ACTIVE)
    broker_ftp_rewriter_active_ready (rewriter, event->id, remote, 50000 + event->id,
                                      outcome->to_server, outcome->to_client, events);
}

static void
answer_all (BrokerFtpRewriter *rewriter,
            const Case        *test_case,
            GPtrArray         *events,
            Outcome           *outcome)
{
  /* An answer may bring more events: the array grows as it is read. */
  for (guint i = 0; i < events->len; i++)
    {
      describe_event (outcome->events, events->pdata[i]);
      answer (rewriter, test_case, events->pdata[i], outcome, events);
    }
  g_ptr_array_set_size (events, 0);
}

/* A side that is not held keeps at most a partial line. */
static void
assert_bounded (BrokerFtpRewriter *rewriter)
{
  gsize limit = 0;

  for (BrokerFtpDirection from = BROKER_FTP_FROM_CLIENT; from <= BROKER_FTP_FROM_SERVER; from++)
    limit += broker_ftp_rewriter_get_held (rewriter, from) ? BROKER_FTP_MAX_HELD
                                                            : LINE_MAX_BYTES - 1;
  g_assert_cmpuint (broker_ftp_rewriter_get_buffered (rewriter), <=, limit);
  g_assert_cmpuint (broker_ftp_rewriter_get_pending (rewriter), <=, BROKER_FTP_MAX_PENDING);
}

/* How to cut each step: the size of the next chunk from @offset. */
typedef gsize (*ChunkFunc) (gpointer user_data,
                            guint    step,
                            gsize    offset,
                            gsize    remaining);

static void
feed (BrokerFtpRewriter  *rewriter,
      const Case         *test_case,
      BrokerFtpDirection  from,
      const guint8       *data,
      gsize               length,
      Outcome            *outcome)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
  g_autoptr(GError) error = NULL;

  g_assert_true (broker_ftp_rewriter_feed (rewriter, from, data, length, outcome->to_server,
                                           outcome->to_client, events, &error));
  g_assert_no_error (error);
  answer_all (rewriter, test_case, events, outcome);
  assert_bounded (rewriter);
}

static void
run_step (BrokerFtpRewriter *rewriter,
          const Case        *test_case,
          guint              step,
          const char        *data,
          gsize              length,
          ChunkFunc          chunk,
          gpointer           user_data,
          Outcome           *outcome)
{
  BrokerFtpDirection from = data[0] == 'C' ? BROKER_FTP_FROM_CLIENT : BROKER_FTP_FROM_SERVER;
  gsize offset = 1;

  g_assert_true (data[0] == 'C' || data[0] == 'S');
  while (offset < length)
    {
      gsize size = chunk (user_data, step, offset - 1, length - offset);

      size = CLAMP (size, 1, length - offset);
      feed (rewriter, test_case, from, (const guint8 *) data + offset, size, outcome);
      offset += size;
    }
}

/* @lengths: of each step, or NULL for strlen(). */
static void
run_case (const Case *test_case,
          const char *const *steps,
          const gsize *lengths,
          ChunkFunc    chunk,
          gpointer     user_data,
          Outcome     *outcome)
{
  g_autoptr(BrokerFtpRewriter) rewriter = NULL;

  rewriter = broker_ftp_rewriter_new (test_case->client_address != NULL ?
                                      test_case->client_address : "127.0.0.1");
  g_assert_nonnull (rewriter);
  outcome_init (outcome);
  for (guint i = 0; i < 8 && steps[i] != NULL; i++)
    run_step (rewriter, test_case, i, steps[i], lengths != NULL ? lengths[i] : strlen (steps[i]),
              chunk, user_data, outcome);
}

static gsize
chunk_whole (gpointer user_data,
             guint    step,
             gsize    offset,
             gsize    remaining)
{
  return remaining;
}

static gsize
chunk_byte (gpointer user_data,
            guint    step,
            gsize    offset,
            gsize    remaining)
{
  return 1;
}

typedef struct
{
  guint step;
  gsize split;
} Split;

/* Step @split->step is cut once, at @split->split. */
static gsize
chunk_split (gpointer user_data,
             guint    step,
             gsize    offset,
             gsize    remaining)
{
  const Split *split = user_data;

  if (step != split->step || offset >= split->split)
    return remaining;
  return split->split - offset;
}

static gsize
chunk_random (gpointer user_data,
              guint    step,
              gsize    offset,
              gsize    remaining)
{
  return g_rand_int_range (user_data, 1, 12);
}

static void
assert_outcome (const Outcome *outcome,
                const char    *to_server,
                gsize          to_server_length,
                const char    *to_client,
                gsize          to_client_length,
                const char    *events)
{
  g_assert_cmpmem (outcome->to_server->data, outcome->to_server->len,
                   to_server, to_server_length);
  g_assert_cmpmem (outcome->to_client->data, outcome->to_client->len,
                   to_client, to_client_length);
  g_assert_cmpstr (outcome->events->str, ==, events);
}

/* Runs @steps fed whole, split at every position of every step, byte by
 * byte and in random chunks, and checks each run against the expected
 * outcome. */
static void
run_all_chunkings (const Case         *test_case,
                   const char *const  *steps,
                   const gsize        *lengths,
                   const char         *to_server,
                   gsize               to_server_length,
                   const char         *to_client,
                   gsize               to_client_length)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint n_steps = 0;

  while (n_steps < 8 && steps[n_steps] != NULL)
    n_steps++;
  {
    g_auto(Outcome) outcome = { 0 };

    run_case (test_case, steps, lengths, chunk_whole, NULL, &outcome);
    assert_outcome (&outcome, to_server, to_server_length, to_client, to_client_length,
                    test_case->events);
  }
  {
    g_auto(Outcome) outcome = { 0 };

    run_case (test_case, steps, lengths, chunk_byte, NULL, &outcome);
    assert_outcome (&outcome, to_server, to_server_length, to_client, to_client_length,
                    test_case->events);
  }
  for (guint step = 0; step < n_steps; step++)
    {
      gsize length = lengths != NULL ? lengths[step] : strlen (steps[step]);

      for (gsize position = 1; position < length - 1; position++)
        {
          g_auto(Outcome) outcome = { 0 };
          Split split = { step, position };

          run_case (test_case, steps, lengths, chunk_split, &split, &outcome);
          assert_outcome (&outcome, to_server, to_server_length, to_client, to_client_length,
                          test_case->events);
        }
    }
  for (guint i = 0; i < 20; i++)
    {
      g_auto(Outcome) outcome = { 0 };

      run_case (test_case, steps, lengths, chunk_random, rand, &outcome);
      assert_outcome (&outcome, to_server, to_server_length, to_client, to_client_length,
                      test_case->events);
    }
}

static void
test_case (gconstpointer data)
{
  const Case *test_case = data;

  run_all_chunkings (test_case, test_case->steps, NULL,
                     test_case->to_server, strlen (test_case->to_server),
                     test_case->to_client, strlen (test_case->to_client));
}

/* A 3 KiB line passes through unparsed, in bounded memory (checked after
 * each feed), and the line after it is parsed again. */
static void
test_long_lines (void)
{
  g_autofree char *filler = g_strnfill (3 * 1024, 'a');
  g_autofree char *client = g_strconcat ("CNOOP ", filler, "\r\nPASV\r\nPORT ", filler,
                                         "\r\nPORT 127,0,0,1,19,137\r\n", NULL);
  g_autofree char *server = g_strconcat ("S200-", filler, "\r\n200 ", filler,
                                         "\r\n227 (127,77,3,4,19,137)\r\n200 Ok\r\n", NULL);
  g_autofree char *to_server = g_strconcat ("NOOP ", filler, "\r\nPASV\r\n", PORT_1, NULL);
  g_autofree char *to_client = g_strconcat ("200-", filler, "\r\n200 ", filler, "\r\n",
                                            PASV_2, SYNTAX, "200 Ok\r\n", NULL);
  const char *steps[] = { client, server, NULL };
  Case test_case = { "long-lines", { NULL }, NULL, NULL,
                     REFUSED_SYNTAX "ACTIVE 1 5001\nPASSIVE 2 5001\n" };

  run_all_chunkings (&test_case, steps, NULL, to_server, strlen (to_server),
                     to_client, strlen (to_client));
}

/* A bare CR in the unparsed rest of a client's overlong line reaches the
 * server as a space, so no server can take what follows it for a command
 * of its own; the CRLF that ends the line stays. */
static void
test_long_line_bare_cr (void)
{
  g_autofree char *filler = g_strnfill (3 * 1024, 'a');
  g_autofree char *client = g_strconcat ("CNOOP ", filler, "\rPORT 127,77,0,1,19,137\r\r\n",
                                         "NOOP\r\n", NULL);
  g_autofree char *to_server = g_strconcat ("NOOP ", filler, " PORT 127,77,0,1,19,137 \r\n",
                                            "NOOP\r\n", NULL);
  const char *steps[] = { client, NULL };
  Case test_case = { "long-line-bare-cr", { NULL }, NULL, NULL, "" };

  run_all_chunkings (&test_case, steps, NULL, to_server, strlen (to_server), "", 0);
}

/* A line of exactly 2 KiB with its CRLF is still a line; one byte more is
 * not, and a 227 that long to a PASV is refused. */
static void
test_line_limit (void)
{
  g_autofree char *pad = g_strnfill (LINE_MAX_BYTES - strlen ("227 (127,77,3,4,19,137)") - 2, ' ');
  g_autofree char *fits = g_strconcat ("S227 (127,77,3,4,19,137)", pad, "\r\n", NULL);
  g_autofree char *over = g_strconcat ("S227 (127,77,3,4,19,137)", pad, " \r\n", NULL);
  const char *fits_steps[] = { "CPASV\r\n", fits, NULL };
  const char *over_steps[] = { "CPASV\r\n", over, NULL };
  Case fits_case = { "fits", { NULL }, NULL, NULL, "PASSIVE 1 5001\n" };
  Case over_case = { "over", { NULL }, NULL, NULL, REFUSED_227 };

  run_all_chunkings (&fits_case, fits_steps, NULL, "PASV\r\n", 6, PASV_1, strlen (PASV_1));
  run_all_chunkings (&over_case, over_steps, NULL, "PASV\r\n", 6,
                     CANT_OPEN, strlen (CANT_OPEN));
}

/* NUL and every other byte value in a line pass through. */
static void
test_binary_bytes (void)
{
  static const char client[] = "CNOOP \x00\x01\xfe\r\n";
  static const char server[] = "S200 \x00\x80\r\n";
  const char *steps[] = { client, server, NULL };
  const gsize lengths[] = { sizeof client - 1, sizeof server - 1 };
  Case test_case = { "binary", { NULL }, NULL, NULL, "" };

  run_all_chunkings (&test_case, steps, lengths, client + 1, sizeof client - 2,
                     server + 1, sizeof server - 2);
}

static void
add_feed_events (GPtrArray *events,
                 GString   *text)
{
  for (guint i = 0; i < events->len; i++)
    describe_event (text, events->pdata[i]);
}

/* The 227 and every reply after it wait for the tunnel's answer. */
static void
test_reply_held (void)
{
  g_autoptr(BrokerFtpRewriter) rewriter = broker_ftp_rewriter_new ("127.0.0.1");
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
  g_autoptr(GByteArray) to_server = g_byte_array_new ();
  g_autoptr(GByteArray) to_client = g_byte_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  static const char client[] = "PASV\r\nNOOP\r\nLPSV\r\n";
  static const char server[] = "227 (127,77,3,4,19,137)\r\n200 Ok\r\n";
  static const char expected[] = PASV_1 "200 Ok\r\n" NOT_IMPLEMENTED;

  g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_CLIENT,
                                           (const guint8 *) client, strlen (client),
                                           to_server, to_client, events, NULL));
  g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_SERVER,
                                           (const guint8 *) server, strlen (server),
                                           to_server, to_client, events, NULL));
  add_feed_events (events, text);
  g_assert_cmpstr (text->str, ==, "REFUSED LPRT or LPSV\nPASSIVE 1 5001\n");
  g_assert_cmpuint (to_client->len, ==, 0);
  g_assert_true (broker_ftp_rewriter_get_held (rewriter, BROKER_FTP_FROM_SERVER));
  g_assert_true (broker_ftp_rewriter_get_held (rewriter, BROKER_FTP_FROM_CLIENT));
  g_assert_cmpuint (broker_ftp_rewriter_get_pending (rewriter), ==, 1);

  broker_ftp_rewriter_passive_ready (rewriter, 1, "127.0.0.1", 40001, to_server, to_client, events);
  g_assert_cmpmem (to_client->data, to_client->len, expected, strlen (expected));
  g_assert_cmpmem (to_server->data, to_server->len, "PASV\r\nNOOP\r\n", 12);
  g_assert_false (broker_ftp_rewriter_get_held (rewriter, BROKER_FTP_FROM_SERVER));
  g_assert_cmpuint (broker_ftp_rewriter_get_pending (rewriter), ==, 1);
  broker_ftp_rewriter_forward_done (rewriter, 1);
  broker_ftp_rewriter_forward_done (rewriter, 1);
  broker_ftp_rewriter_forward_done (rewriter, 99);
  g_assert_cmpuint (broker_ftp_rewriter_get_pending (rewriter), ==, 0);
}

/* The passive reply names the data forward's address when a 227 can say
 * it (an allow-relay tunnel listens where the client reached it), else
 * 127.0.0.1; a 229 names only the port.  Events say which command it was. */
static void
test_reply_address (void)
{
  static const struct
  {
    const char *command;
    const char *reply;
    const char *address;
    gboolean extended;
    const char *expected;
  } cases[] = {
    { "PASV\r\n", "227 (127,77,3,4,19,137)\r\n", "127.0.0.5", FALSE,
      "227 Entering Passive Mode (127,0,0,5,156,65).\r\n" },
    { "PASV\r\n", "227 (127,77,3,4,19,137)\r\n", "::1", FALSE,
      "227 Entering Passive Mode (127,0,0,1,156,65).\r\n" },
    { "PASV\r\n", "227 (127,77,3,4,19,137)\r\n", "not an address", FALSE,
      "227 Entering Passive Mode (127,0,0,1,156,65).\r\n" },
    { "EPSV\r\n", "229 (|||5001|)\r\n", "::1", TRUE,
      "229 Entering Extended Passive Mode (|||40001|)\r\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BrokerFtpRewriter) rewriter = broker_ftp_rewriter_new ("127.0.0.1");
      g_autoptr(GPtrArray) events =
        g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
      g_autoptr(GByteArray) to_server = g_byte_array_new ();
      g_autoptr(GByteArray) to_client = g_byte_array_new ();
      BrokerFtpEvent *event;

      g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_CLIENT,
                                               (const guint8 *) cases[i].command,
                                               strlen (cases[i].command), to_server, to_client,
                                               events, NULL));
      g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_SERVER,
                                               (const guint8 *) cases[i].reply,
                                               strlen (cases[i].reply), to_server, to_client,
                                               events, NULL));
      g_assert_cmpuint (events->len, ==, 1);
      event = events->pdata[0];
      g_assert_cmpint (event->kind, ==, BROKER_FTP_EVENT_PASSIVE);
      g_assert_cmpint (event->extended, ==, cases[i].extended);
      broker_ftp_rewriter_passive_ready (rewriter, event->id, cases[i].address, 40001, to_server,
                                         to_client, events);
      g_assert_cmpmem (to_client->data, to_client->len, cases[i].expected,
                       strlen (cases[i].expected));
    }
}

/* A PORT, and every client command after it, waits for the answer. */
static void
test_command_held (void)
{
  g_autoptr(BrokerFtpRewriter) rewriter = broker_ftp_rewriter_new ("127.0.0.1");
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
  g_autoptr(GByteArray) to_server = g_byte_array_new ();
  g_autoptr(GByteArray) to_client = g_byte_array_new ();
  static const char client[] = "PORT 127,0,0,1,19,137\r\nLIST\r\n";
  static const char expected[] = "PORT 192,0,2,7,195,81\r\nLIST\r\n";

  g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_CLIENT,
                                           (const guint8 *) client, strlen (client),
                                           to_server, to_client, events, NULL));
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpuint (to_server->len, ==, 0);
  g_assert_true (broker_ftp_rewriter_get_held (rewriter, BROKER_FTP_FROM_CLIENT));
  broker_ftp_rewriter_active_ready (rewriter, 1, "192.0.2.7", 50001, to_server, to_client,
                                    events);
  g_assert_cmpmem (to_server->data, to_server->len, expected, strlen (expected));
  g_assert_cmpuint (to_client->len, ==, 0);
}

/* A side held for too long fails instead of growing. */
static void
test_held_overflow (void)
{
  g_autoptr(BrokerFtpRewriter) rewriter = broker_ftp_rewriter_new ("127.0.0.1");
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
  g_autoptr(GByteArray) to_server = g_byte_array_new ();
  g_autoptr(GByteArray) to_client = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *flood = g_strnfill (BROKER_FTP_MAX_HELD + 1, '\n');
  static const char client[] = "PORT 127,0,0,1,19,137\r\n";

  g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_CLIENT,
                                           (const guint8 *) client, strlen (client),
                                           to_server, to_client, events, NULL));
  g_assert_false (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_CLIENT,
                                            (const guint8 *) flood, strlen (flood),
                                            to_server, to_client, events, &error));
  g_assert_error (error, BROKER_ERROR, BROKER_ERROR_FAILED);
  g_assert_cmpuint (broker_ftp_rewriter_get_buffered (rewriter), <=,
                    BROKER_FTP_MAX_HELD + LINE_MAX_BYTES);
}

/* A client pipelining without replies is held at the FIFO's limit. */
static void
test_fifo_limit (void)
{
  g_autoptr(BrokerFtpRewriter) rewriter = broker_ftp_rewriter_new ("127.0.0.1");
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) broker_ftp_event_free);
  g_autoptr(GByteArray) to_server = g_byte_array_new ();
  g_autoptr(GByteArray) to_client = g_byte_array_new ();
  g_autoptr(GString) client = g_string_new (NULL);
  g_autoptr(GString) server = g_string_new (NULL);

  for (guint i = 0; i < 100; i++)
    {
      g_string_append (client, "NOOP\r\n");
      g_string_append (server, "200 Ok\r\n");
    }
  g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_CLIENT,
                                           (const guint8 *) client->str, client->len,
                                           to_server, to_client, events, NULL));
  g_assert_cmpuint (to_server->len, <, client->len);
  g_assert_true (broker_ftp_rewriter_get_held (rewriter, BROKER_FTP_FROM_CLIENT));
  g_assert_true (broker_ftp_rewriter_feed (rewriter, BROKER_FTP_FROM_SERVER,
                                           (const guint8 *) server->str, server->len,
                                           to_server, to_client, events, NULL));
  g_assert_cmpmem (to_server->data, to_server->len, client->str, client->len);
  g_assert_cmpmem (to_client->data, to_client->len, server->str, server->len);
  g_assert_cmpuint (events->len, ==, 0);
}

static void
test_new_free (void)
{
  BrokerFtpRewriter *rewriter = broker_ftp_rewriter_new ("::1");

  g_assert_nonnull (rewriter);
  g_assert_cmpuint (broker_ftp_rewriter_get_pending (rewriter), ==, 0);
  g_assert_cmpuint (broker_ftp_rewriter_get_buffered (rewriter), ==, 0);
  g_assert_false (broker_ftp_rewriter_get_tls (rewriter));
  broker_ftp_rewriter_free (rewriter);
  broker_ftp_rewriter_free (NULL);
  g_assert_null (broker_ftp_rewriter_new ("localhost"));
  g_assert_null (broker_ftp_rewriter_new (""));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/broker/ftp/case/", cases[i].name, NULL);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/broker/ftp/long-lines", test_long_lines);
  g_test_add_func ("/broker/ftp/line-limit", test_line_limit);
  g_test_add_func ("/broker/ftp/binary-bytes", test_binary_bytes);
  g_test_add_func ("/broker/ftp/reply-held", test_reply_held);
  g_test_add_func ("/broker/ftp/reply-address", test_reply_address);
  g_test_add_func ("/broker/ftp/long-line-bare-cr", test_long_line_bare_cr);
  g_test_add_func ("/broker/ftp/command-held", test_command_held);
  g_test_add_func ("/broker/ftp/held-overflow", test_held_overflow);
  g_test_add_func ("/broker/ftp/fifo-limit", test_fifo_limit);
  g_test_add_func ("/broker/ftp/new-free", test_new_free);

  return g_test_run ();
}
