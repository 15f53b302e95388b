/* events.h - the live feed of new pastes, as Server-Sent Events. See events.c. */
#ifndef PASTED_EVENTS_H
#define PASTED_EVENTS_H

#include "server.h"

int  events_worker_init(worker *w);  /* subscriber connection + keep-alive timer */
void events_worker_free(worker *w);

#endif
