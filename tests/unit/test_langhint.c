/* test_langhint.c - a paste's language from its modeline, shebang or file
 * name (core/langhint.c): each kind of hint, their order, the bounds, and
 * prose that looks like a hint but is not one. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/langhint.h"

static const char *guess(const char *body, const char *title)
{
    return langhint_guess((const uint8_t *)body, body ? strlen(body) : 0, title);
}

static const char *shown(const char *s) { return s ? s : "(none)"; }

/* body with title gives want (NULL: no language) */
static void expect(const char *body, const char *title, const char *want, int line)
{
    const char *got = guess(body, title);
    cr_assert((got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0),
              "line %d: \"%s\" titled %s: got %s, wanted %s", line, shown(body), shown(title),
              shown(got), shown(want));
}
#define GUESS(body, title, want) expect(body, title, want, __LINE__)

Test(langhint, vim_modelines)
{
    GUESS("x = 1\n# vim: set ft=python :\n", NULL, "python");
    GUESS("# vim: set filetype=sh ts=4 sw=4:\necho hi\n", NULL, "bash");
    GUESS("echo hi\n# vi: ft=sh\n", NULL, "bash");
    GUESS("/* vim:ft=c:ts=8 */\nint x;\n", NULL, "c");
    GUESS("x\n// vim: ts=4 sw=4 ft=javascript\n", NULL, "javascript");
    GUESS("x\n# ex: syntax=yaml\n", NULL, "yaml");
    GUESS("-- vim600: set syntax=sql :\nselect 1;\n", NULL, "sql");
    GUESS("# Vim: set ft=ruby :\nputs 1\n", NULL, "ruby");
    GUESS("\" vim: se ft=markdown:\n", NULL, "markdown");
    GUESS("# vim: set ft=c.doxygen :\n", NULL, "c");     /* a dotted filetype: its first part */
    GUESS("# vim: ft=dosini\n[a]\nb=1\n", NULL, "ini");
    GUESS("# vim: ft=make\nall:\n", NULL, "makefile");
    GUESS("<!-- vim: set ft=html : -->\n<p>x</p>\n", NULL, "xml");
    GUESS("x\r\n# vim: set ft=python :\r\n", NULL, "python"); /* CRLF lines */
    /* "ex:" counts after white space only, never at the start of a line */
    GUESS("ex: ft=python\n", NULL, NULL);
    /* "Vim:" only with set; a filetype nobody here highlights names nothing */
    GUESS("# Vim: ft=python\n", NULL, NULL);
    GUESS("# vim: set ft=fortran :\n", NULL, NULL);
    /* a modeline's options without a filetype */
    GUESS("# vim: set ts=4 sw=4 et :\nprint(1)\n", NULL, NULL);
}

Test(langhint, emacs_modelines)
{
    GUESS("# -*- mode: python -*-\nx = 1\n", NULL, "python");
    GUESS("/* -*- c -*- */\nint x;\n", NULL, "c");
    GUESS("// -*- C++ -*-\n", NULL, "cpp");
    GUESS(";; -*- mode: js2; indent-tabs-mode: nil -*-\n", NULL, "javascript");
    GUESS("# -*- coding: utf-8; mode: ruby -*-\n", NULL, "ruby");
    GUESS("#-*-sh-*-\necho\n", NULL, "bash");
    GUESS("# -*- mode: python-ts -*-\n", NULL, "python");
    GUESS("# -*- mode: python-mode -*-\n", NULL, "python");
    GUESS("# -*- coding: utf-8 -*-\n", NULL, NULL);         /* no mode: no language */
    GUESS("x = 1\n\n# Local Variables:\n# mode: python\n# End:\n", NULL, "python");
    GUESS("int x;\n/* Local Variables: */\n/* mode: c */\n/* End: */\n", NULL, "c");
    GUESS("x\nLocal Variables:\nfill-column: 70\nEnd:\n", NULL, NULL);
}

Test(langhint, shebangs)
{
    GUESS("#!/bin/bash\necho hi\n", NULL, "bash");
    GUESS("#!/bin/sh\n", NULL, "bash");
    GUESS("#! /bin/zsh -f\n", NULL, "bash");
    GUESS("#!/usr/bin/env python3\nprint(1)\n", NULL, "python");
    GUESS("#!/usr/bin/env python3.11\n", NULL, "python");
    GUESS("#!/usr/bin/python2.7 -u\n", NULL, "python");
    GUESS("#!/usr/bin/env -S python3 -u\n", NULL, "python");
    GUESS("#!/usr/bin/env -Snode --no-warnings\n", NULL, "javascript");
    GUESS("#!/usr/bin/env -i PATH=/bin node\n", NULL, "javascript");
    GUESS("#!/usr/bin/env -u HOME ruby\n", NULL, "ruby");
    GUESS("#!/usr/bin/env -C /tmp perl\n", NULL, "perl");
    GUESS("#!/usr/bin/perl -w\n", NULL, "perl");
    GUESS("#!/usr/bin/env ruby\n", NULL, "ruby");
    GUESS("#!/usr/bin/php8.2\n<?php echo 1;\n", NULL, "php");
    GUESS("#!/usr/bin/env lua5.4\n", NULL, "lua");
    GUESS("#!/usr/bin/env Rscript\n", NULL, "r");
    GUESS("#!/usr/bin/env -S deno run --allow-net\n", NULL, "typescript");
    GUESS("#!/usr/bin/env pwsh\n", NULL, "powershell");
    GUESS("#!/usr/bin/make -f\n", NULL, "makefile");
    GUESS("\xef\xbb\xbf#!/bin/bash\n", NULL, "bash");          /* after a byte order mark */
    GUESS("#!/bin/bash\r\necho hi\r\n", NULL, "bash");
    GUESS("#![allow(dead_code)]\nfn main() {}\n", NULL, "rust");
    /* interpreters pasted does not highlight, and no interpreter at all */
    GUESS("#!/usr/bin/awk -f\n", NULL, NULL);
    GUESS("#!/usr/bin/env\n", NULL, NULL);
    GUESS("#!\n", NULL, NULL);
    GUESS("#!/usr/bin/env -S\n", NULL, NULL);
    /* a shebang is on line 1 only */
    GUESS("\n#!/bin/bash\n", NULL, NULL);
}

Test(langhint, file_names)
{
    GUESS("x", "main.py", "python");
    GUESS("x", "lib.rs", "rust");
    GUESS("x", "app.min.js", "javascript");
    GUESS("x", "index.d.ts", "typescript");
    GUESS("x", "util.h", "c");
    GUESS("x", "util.hpp", "cpp");
    GUESS("x", "util.CC", "cpp");
    GUESS("x", "run.sh", "bash");
    GUESS("x", "config.yml", "yaml");
    GUESS("x", "Cargo.toml", "ini");
    GUESS("x", "README.md", "markdown");
    GUESS("x", "icon.svg", "xml");
    GUESS("x", "index.html", "xml");
    GUESS("x", "fix.patch", "diff");
    GUESS("x", "profile.ps1", "powershell");
    GUESS("x", "mix.exs", "elixir");
    GUESS("x", "src/main.go", "go");
    GUESS("x", "C:\\work\\Program.cs", "csharp");
    GUESS("x", "Makefile", "makefile");
    GUESS("x", "GNUmakefile", "makefile");
    GUESS("x", "Makefile.am", "makefile");
    GUESS("x", "Dockerfile", "dockerfile");
    GUESS("x", "Dockerfile.dev", "dockerfile");
    GUESS("x", "build.dockerfile", "dockerfile");
    GUESS("x", "Gemfile", "ruby");
    GUESS("x", ".bashrc", "bash");
    GUESS("x", "home/me/.zshrc", "bash");
    GUESS("x", ".gitconfig", "ini");
    GUESS("x", "nginx.conf", "nginx");
    /* a text file says it is not code */
    GUESS("def f():\n    return 1\n", "notes.txt", "plaintext");
    GUESS("x", "server.log", "plaintext");
    /* no language: archives, unknown extensions, no extension, a dot file nobody highlights */
    GUESS("x", "x.tar.gz", NULL);
    GUESS("x", "photo.jpeg", NULL);
    GUESS("x", "README", NULL);
    GUESS("x", "LICENSE", NULL);
    GUESS("x", ".vimrc", NULL);
    GUESS("x", "CMakeLists.txt", NULL);                     /* CMake, not plain text */
    GUESS("x", "app.conf", NULL);
    GUESS("x", "trailing.", NULL);
    GUESS("x", "dir/", NULL);
    GUESS("x", "", NULL);
    GUESS("x", NULL, NULL);
    /* titles people write are not file names */
    GUESS("x", "my notes.txt", NULL);
    GUESS("x", "crash in parser.c", NULL);
    GUESS("x", "Version 2.0", NULL);
    GUESS("x", "v2.0", NULL);
}

Test(langhint, precedence)
{
    /* modeline over shebang over file name */
    GUESS("#!/bin/sh\n# vim: set ft=python :\n", "x.rb", "python");
    GUESS("#!/bin/sh\necho\n", "x.rb", "bash");
    GUESS("echo\n", "x.rb", "ruby");
    /* a shebang beats a text file's name */
    GUESS("#!/usr/bin/env python3\nprint(1)\n", "script.txt", "python");
    /* a modeline naming nothing known falls through to the next hint */
    GUESS("#!/usr/bin/env python3\n# vim: set ft=fortran :\n", NULL, "python");
    /* first lines before last lines */
    GUESS("# vim: ft=ruby\nx\n# vim: ft=python\n", NULL, "ruby");
    /* emacs's coding-only line, then the shebang */
    GUESS("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n", NULL, "python");
}

Test(langhint, prose_is_not_labelled)
{
    /* a README paragraph that mentions a shebang mid-text */
    GUESS("To run it, put #!/bin/bash at the top of the file and make it executable.\n"
          "Then run it as ./script.\n", NULL, NULL);
    /* an email with emacs's marker in it */
    GUESS("Hi all,\n\n-*- Important -*-\nThe server moves on Friday.\n\nThanks,\nAnn\n", NULL, NULL);
    GUESS("-*-*-*-*-*-*-*-*-*-*-\nA banner\n-*-*-*-*-*-*-*-*-*-*-\n", NULL, NULL);
    /* "vim:" or "vi:" in a sentence, without a filetype */
    GUESS("I use vim: it starts fast.\nMy editor is vi: simple as that.\n", NULL, NULL);
    /* "#!" exclamations on line 1 */
    GUESS("#!wow, what a day\n", NULL, NULL);
    GUESS("#! this is not a script\n", NULL, NULL);
    /* a plain title */
    GUESS("We met on Tuesday and agreed on the plan.\n", "meeting notes", NULL);
    GUESS("", NULL, NULL);
    cr_assert_null(langhint_guess(NULL, 0, NULL));
}

Test(langhint, only_the_first_and_last_lines)
{
    /* a modeline on line 6 of 11 is not read, nor a shebang past line 1 */
    char body[256] = "";
    for (int i = 1; i <= 11; i++)
        strcat(body, i == 6 ? "# vim: set ft=python :\n" : "text\n");
    GUESS(body, NULL, NULL);
    /* line 5 and line 7 of 11 (the 5th from the end) are */
    body[0] = '\0';
    for (int i = 1; i <= 11; i++)
        strcat(body, i == 5 ? "# vim: set ft=python :\n" : "text\n");
    GUESS(body, NULL, "python");
    body[0] = '\0';
    for (int i = 1; i <= 11; i++)
        strcat(body, i == 7 ? "# vim: set ft=ruby :\n" : "text\n");
    GUESS(body, NULL, "ruby");
    /* the last line without a line end */
    GUESS("a\nb\n# vim: ft=go", NULL, "go");
}

Test(langhint, bounded_in_a_large_body)
{
    /* a modeline in the middle of a big paste is never seen; at either end it is */
    static uint8_t big[1 << 20];
    memset(big, 'a', sizeof big);
    for (size_t i = 80; i < sizeof big; i += 81)
        big[i] = '\n';
    const char *mid = "\n# vim: set ft=python :\n";
    memcpy(big + sizeof big / 2, mid, strlen(mid));
    cr_assert_null(langhint_guess(big, sizeof big, NULL));
    const char *end = "\n# vim: set ft=lua :\n";
    memcpy(big + sizeof big - strlen(end), end, strlen(end));
    cr_assert_str_eq(langhint_guess(big, sizeof big, NULL), "lua");
    /* one line longer than the window: no line end anywhere near the modeline */
    memset(big, 'a', sizeof big);
    memcpy(big + sizeof big - 12, " vim: ft=go", 11);
    big[sizeof big - 1] = '\n';
    cr_assert_str_eq(langhint_guess(big, sizeof big, NULL), "go");
    /* NUL bytes and invalid UTF-8 are only bytes */
    const uint8_t odd[] = "#!/bin/sh\n\0\xff\xfe\n# vim: ft=c\n";
    cr_assert_str_eq(langhint_guess(odd, sizeof odd - 1, NULL), "c");
    /* a title longer than a file name is not one */
    char title[400];
    memset(title, 'a', sizeof title);
    memcpy(title + sizeof title - 4, ".py", 4);
    cr_assert_null(langhint_guess((const uint8_t *)"x", 1, title));
}
