/* background.h - periodic blocking work on one thread of its own. See background.c. */
#ifndef PASTED_BACKGROUND_H
#define PASTED_BACKGROUND_H

#include <stddef.h>

int  background_start(char *err, size_t errlen);
void background_stop(void);  /* runs every task's final step, then returns */

#endif
