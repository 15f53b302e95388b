/* background.h - periodic blocking work on one thread of its own. See background.c. */
#ifndef PASTED_SERVER_BACKGROUND_H
#define PASTED_SERVER_BACKGROUND_H

#include "core/fault.h"

int  background_start(fault *f);
void background_stop(void);  /* runs every task's final step, then returns */

#endif
