/* server.c - the process-wide state (server.h): the only global of pasted.
 * Filled by main() before the workers start; the layers below never see it,
 * they are handed what they need. */
#include "server.h"

server srv;
