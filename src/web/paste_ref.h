/* paste_ref.h - "ID" or "ID.EXT" in a path. See routes.c. */
#ifndef PASTED_WEB_PASTE_REF_H
#define PASTED_WEB_PASTE_REF_H

#include "core/ids.h"

/* seg is "ID" or "ID.EXT" (EXT: 1-16 of A-Za-z0-9 . _ + -, the first
 * alphanumeric; a language hint): the id copied out, *ext at the extension
 * or NULL. 0 ok, -1 when seg is neither. */
int paste_ref_parse(const char *seg, char id[IDS_MAX_LEN + 1], const char **ext);

#endif
