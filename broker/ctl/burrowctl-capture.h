// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

int burrowctl_cmd_capture (int    argc,
                           char **argv);
