// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/* burrow-capture --seccomp: capture without LD_PRELOAD, for statically
 * linked programs (capture-seccomp.c says how). */

/* Whether @path is an ELF executable without a program interpreter (a
 * statically linked program, which LD_PRELOAD never reaches): 1, 0 when it
 * has one or is no ELF file, -1 when it cannot be read (errno set). */
int capture_seccomp_is_static (const char *path);

/* Runs @argv (argv[0] looked up in PATH) under a seccomp filter whose
 * connects this process decides, until it and every process it started
 * have exited.  Returns the exit status for main(): the program's own, 128
 * + N when a signal N ended it, 126/127 when it could not be started, 125
 * when the filter could not be installed (the reason on stderr). */
int capture_seccomp_run (char *const argv[]);
