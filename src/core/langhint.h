/* langhint.h - the language a paste says it is in, from the hints it carries.
 *
 * A paste sent without a language may still name one: an editor modeline
 * (vim `vim: set ft=python :`, emacs `-*- mode: python -*-`), a shebang on
 * its first line (`#!/usr/bin/env python3`), or the file name curl -T sends,
 * which becomes its title (`main.py`, `Makefile`). Those are statements by
 * whoever wrote the text, so they beat the browser's guess from the words
 * (app.js, highlight.js's auto-detection), which is weak on short snippets.
 *
 * This file owns reading those hints and mapping them to the language names
 * pasted uses (highlight.js names, the values of the form's language select
 * in web/html.c). It does not decide what the page shows: the caller puts a
 * name it gets into the paste page's data-lang when the paste has no lang. */
#ifndef PASTED_CORE_LANGHINT_H
#define PASTED_CORE_LANGHINT_H

#include <stddef.h>
#include <stdint.h>

/* How much of a body langhint_guess reads: at most this many bytes from the
 * start and this many from the end (the first and last LANGHINT_LINES lines
 * within them), whatever the paste's size. */
#define LANGHINT_SCAN  4096
#define LANGHINT_LINES 5

/* The language body[0..len) names, or NULL when it names none pasted knows.
 * Hints are read in this order and the first that names a known language
 * wins:
 *   1. an editor modeline in the first or last LANGHINT_LINES lines: vim's
 *      `vim: set ft=X :`, `vi: ft=X`, ` ex: filetype=X`, `vim600: syntax=X`;
 *      emacs's `-*- mode: X -*-`, `-*- X -*-`, and a `mode: X` line in a
 *      "Local Variables:" block;
 *   2. a shebang on line 1: `#!/bin/bash`, `#!/usr/bin/env python3.11`,
 *      `#!/usr/bin/env -S node --flag`, `#!/usr/bin/make -f`; and `#![` on
 *      line 1 (a Rust crate attribute) is rust;
 *   3. title read as a file name (the part after the last '/' or '\'): its
 *      extension (`main.py`, `x.min.js`, `lib.rs`), or a known whole name
 *      (`Makefile`, `Dockerfile`, `.bashrc`, `nginx.conf`, `Gemfile`). A
 *      title with white space in it is not a file name (`notes on main.c`).
 * The result is a static string, one of the language select's values (so
 * every one is highlightable; dockerfile, elixir, haskell, nginx,
 * powershell, dart and scala need their extra highlight.js file), or
 * "plaintext" for a text file (`.txt`, `.log`, `vim: ft=text`): an explicit
 * "this is not code", which tells the page not to auto-detect either.
 * title may be NULL or empty; body may hold any bytes (NULs, invalid UTF-8).
 * No allocation; reads at most 2 * LANGHINT_SCAN bytes of body. */
const char *langhint_guess(const uint8_t *body, size_t len, const char *title);

#endif
