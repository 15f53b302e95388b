/* operator.h - the operator's token, from admin_token_file. See operator.c. */
#ifndef PASTED_SERVER_OPERATOR_H
#define PASTED_SERVER_OPERATOR_H

#include <stdint.h>

#include "core/fault.h"

/* Read the token from path: its SHA-256 into hash. 0, or -1 with f (the
 * file is missing, readable by others, or not one line of 16-256 chars). */
int operator_token_load(const char *path, uint8_t hash[32], fault *f);

#endif
