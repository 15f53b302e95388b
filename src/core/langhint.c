/* langhint.c - a paste's language from its modeline, shebang or file name (see langhint.h).
 *
 * Every hint is reduced to a short name (a vim filetype, an emacs mode, an
 * interpreter, a file extension) and looked up in one table of names; only
 * names in it give a language, so a word that happens to sit where a hint
 * would ("-*- Important -*-", "#!wow") gives nothing. The work is bounded:
 * the first and last LANGHINT_SCAN bytes, LANGHINT_LINES lines of each, and
 * a title of at most TITLE_MAX bytes. */
#include "langhint.h"

#include <string.h>

#define TITLE_MAX 255 /* longer is not a file name */
#define HINT_NAME_MAX 32 /* longer is no name in the table */

typedef struct span {
    const char *p;
    size_t n;
} span;

/* Short name -> the language select's value (web/html.c, langs[]); looked up
 * without regard to case. One table for all hints: a vim filetype, an emacs
 * mode (less "-mode"), an interpreter (less its version) and an extension
 * name the same language when they are the same word. */
static const struct { const char *name, *lang; } names[] = {
    { "bash", "bash" }, { "sh", "bash" }, { "zsh", "bash" }, { "ksh", "bash" }, { "dash", "bash" },
    { "ash", "bash" }, { "mksh", "bash" }, { "shell", "bash" }, { "shell-script", "bash" },
    { "bats", "bash" },
    { "c", "c" }, { "h", "c" },
    { "cpp", "cpp" }, { "c++", "cpp" }, { "cc", "cpp" }, { "cxx", "cpp" }, { "hpp", "cpp" },
    { "hh", "cpp" }, { "hxx", "cpp" }, { "h++", "cpp" }, { "ipp", "cpp" }, { "ino", "cpp" },
    { "csharp", "csharp" }, { "cs", "csharp" }, { "c#", "csharp" },
    { "css", "css" },
    { "dart", "dart" },
    { "diff", "diff" }, { "patch", "diff" },
    { "dockerfile", "dockerfile" }, { "docker", "dockerfile" },
    { "elixir", "elixir" }, { "ex", "elixir" }, { "exs", "elixir" },
    { "go", "go" }, { "golang", "go" },
    { "graphql", "graphql" }, { "gql", "graphql" },
    { "haskell", "haskell" }, { "hs", "haskell" }, { "lhs", "haskell" }, { "runhaskell", "haskell" },
    { "runghc", "haskell" },
    { "xml", "xml" }, { "html", "xml" }, { "htm", "xml" }, { "xhtml", "xml" }, { "mhtml", "xml" },
    { "nxml", "xml" }, { "svg", "xml" }, { "xsd", "xml" }, { "xsl", "xml" }, { "xslt", "xml" },
    { "plist", "xml" }, { "rss", "xml" }, { "wsdl", "xml" },
    { "ini", "ini" }, { "dosini", "ini" }, { "toml", "ini" }, { "cfg", "ini" },
    { "java", "java" },
    { "javascript", "javascript" }, { "js", "javascript" }, { "js2", "javascript" },
    { "mjs", "javascript" }, { "cjs", "javascript" }, { "jsx", "javascript" },
    { "javascriptreact", "javascript" }, { "node", "javascript" }, { "nodejs", "javascript" },
    { "bun", "javascript" },
    { "json", "json" }, { "jsonc", "json" }, { "json5", "json" }, { "jsonl", "json" },
    { "geojson", "json" }, { "webmanifest", "json" },
    { "kotlin", "kotlin" }, { "kt", "kotlin" }, { "kts", "kotlin" },
    { "less", "less" }, { "less-css", "less" },
    { "lua", "lua" }, { "luajit", "lua" },
    { "makefile", "makefile" }, { "make", "makefile" }, { "mk", "makefile" }, { "mak", "makefile" },
    { "markdown", "markdown" }, { "md", "markdown" }, { "mkd", "markdown" }, { "mdown", "markdown" },
    { "gfm", "markdown" },
    { "nginx", "nginx" },
    { "objectivec", "objectivec" }, { "objc", "objectivec" }, { "objcpp", "objectivec" },
    { "mm", "objectivec" },
    { "perl", "perl" }, { "cperl", "perl" }, { "pl", "perl" }, { "pm", "perl" },
    { "php", "php" }, { "phtml", "php" },
    { "powershell", "powershell" }, { "pwsh", "powershell" }, { "ps1", "powershell" },
    { "psm1", "powershell" }, { "psd1", "powershell" },
    { "python", "python" }, { "py", "python" }, { "pyw", "python" }, { "pyi", "python" },
    { "pypy", "python" }, { "bzl", "python" },
    { "r", "r" }, { "rscript", "r" }, { "ess-r", "r" },
    { "ruby", "ruby" }, { "rb", "ruby" }, { "jruby", "ruby" }, { "rake", "ruby" },
    { "gemspec", "ruby" }, { "ru", "ruby" },
    { "rust", "rust" }, { "rs", "rust" },
    { "scala", "scala" }, { "sbt", "scala" },
    { "scss", "scss" },
    { "sql", "sql" },
    { "swift", "swift" },
    { "typescript", "typescript" }, { "ts", "typescript" }, { "tsx", "typescript" },
    { "mts", "typescript" }, { "cts", "typescript" }, { "typescriptreact", "typescript" },
    { "deno", "typescript" }, { "ts-node", "typescript" },
    { "yaml", "yaml" }, { "yml", "yaml" },
    /* a text file says it is not code */
    { "text", "plaintext" }, { "txt", "plaintext" }, { "log", "plaintext" },
    { "plaintext", "plaintext" }, { "csv", "plaintext" }, { "tsv", "plaintext" },
};

/* Whole file names. lang NULL: a name whose extension would mislead. */
static const struct { const char *name, *lang; } file_names[] = {
    { "makefile", "makefile" }, { "gnumakefile", "makefile" }, { "bsdmakefile", "makefile" },
    { "dockerfile", "dockerfile" }, { "containerfile", "dockerfile" },
    { "gemfile", "ruby" }, { "rakefile", "ruby" }, { "vagrantfile", "ruby" }, { "podfile", "ruby" },
    { "brewfile", "ruby" }, { "guardfile", "ruby" }, { "capfile", "ruby" },
    { "pkgbuild", "bash" }, { "apkbuild", "bash" }, { ".bashrc", "bash" },
    { ".bash_profile", "bash" }, { ".bash_login", "bash" }, { ".bash_logout", "bash" },
    { ".bash_aliases", "bash" }, { ".profile", "bash" }, { ".zshrc", "bash" },
    { ".zprofile", "bash" }, { ".zshenv", "bash" }, { ".zlogin", "bash" }, { ".zlogout", "bash" },
    { ".kshrc", "bash" }, { ".mkshrc", "bash" }, { ".env", "bash" },
    { ".gitconfig", "ini" }, { ".gitmodules", "ini" }, { ".editorconfig", "ini" },
    { ".npmrc", "ini" }, { ".pylintrc", "ini" }, { ".flake8", "ini" }, { "pipfile", "ini" },
    { "cargo.lock", "ini" }, { "poetry.lock", "ini" },
    { "nginx.conf", "nginx" },
    { "cmakelists.txt", NULL },
};

/* File names that start so: Dockerfile.dev, Makefile.am. */
static const struct { const char *prefix, *lang; } file_prefixes[] = {
    { "dockerfile.", "dockerfile" }, { "containerfile.", "dockerfile" },
    { "makefile.", "makefile" },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int is_blank(int c) { return c == ' ' || c == '\t'; }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-'
           || c == '+' || c == '#';
}

/* s[0..n) equals lit, ignoring case. */
static int eq_nocase(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}

/* s[0..n) starts with lit (lower case), ignoring case. */
static int starts_nocase(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return k <= n && eq_nocase(s, k, lit);
}

static int starts(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return k <= n && memcmp(s, lit, k) == 0;
}

static const char *lookup(const char *s, size_t n)
{
    if (n == 0 || n > HINT_NAME_MAX)
        return NULL;
    for (size_t i = 0; i < N_OF(names); i++)
        if (eq_nocase(s, n, names[i].name))
            return names[i].lang;
    return NULL;
}

/* The offset of lit in s[0..n), or -1. */
static long find(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, lit, k) == 0)
            return (long)i;
    return -1;
}

static span trim(span s)
{
    while (s.n && is_space((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_space((unsigned char)s.p[s.n - 1]))
        s.n--;
    return s;
}

/* --- modelines ---------------------------------------------------------- */

/* The language of a vim filetype: "python", "c.doxygen" (the first part). */
static const char *vim_filetype(const char *v, size_t n)
{
    size_t k = 0;
    while (k < n && is_name_char((unsigned char)v[k]))
        k++;
    return lookup(v, k);
}

/* The options after "vim:": `set ft=X ts=4 :` (white-separated, ending at
 * ':') or `ft=X:ts=4` / `ft=X ts=4`. The first ft=, filetype=, syn= or
 * syntax= that names a known language. */
static const char *vim_options(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_blank((unsigned char)s[i]))
        i++;
    int set_form = 0;
    if (starts(s + i, n - i, "set ") || starts(s + i, n - i, "set\t")) {
        set_form = 1;
        i += 4;
    } else if (starts(s + i, n - i, "se ") || starts(s + i, n - i, "se\t")) {
        set_form = 1;
        i += 3;
    }
    while (i < n) {
        if (s[i] == ':' && set_form)
            break; /* the end of the options */
        if (is_blank((unsigned char)s[i]) || s[i] == ':') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && !is_blank((unsigned char)s[i]) && s[i] != ':')
            i++;
        const char *tok = s + start;
        size_t len = i - start;
        static const char *const keys[] = { "ft=", "filetype=", "syn=", "syntax=" };
        for (size_t k = 0; k < N_OF(keys); k++) {
            if (starts(tok, len, keys[k])) {
                size_t kl = strlen(keys[k]);
                const char *lang = vim_filetype(tok + kl, len - kl);
                if (lang)
                    return lang;
            }
        }
    }
    return NULL;
}

/* vim's rule: "vi:", "vim:", "Vim:" (with "set" after it), "vim600:",
 * "vim>600:", or " ex:", at the start of the line or after white space
 * ("ex:" never at the start). */
static const char *vim_modeline(span l)
{
    const char *s = l.p;
    size_t n = l.n;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !is_blank((unsigned char)s[i - 1]))
            continue;
        size_t opt = 0;
        if ((i > 0 && starts(s + i, n - i, "ex:")) || starts(s + i, n - i, "vi:")) {
            opt = i + 3;
        } else if ((s[i] == 'v' || s[i] == 'V') && starts(s + i + 1, n - i - 1, "im")) {
            size_t j = i + 3;
            if (j < n && (s[j] == '<' || s[j] == '=' || s[j] == '>'))
                j++;
            while (j < n && is_digit((unsigned char)s[j]))
                j++;
            if (j < n && s[j] == ':') {
                opt = j + 1;
                if (s[i] == 'V') { /* "Vim:" counts only with "set" after it */
                    size_t k = opt;
                    while (k < n && is_blank((unsigned char)s[k]))
                        k++;
                    if (!starts(s + k, n - k, "se"))
                        opt = 0;
                }
            }
        }
        if (opt) {
            const char *lang = vim_options(s + opt, n - opt);
            if (lang)
                return lang;
        }
    }
    return NULL;
}

/* An emacs mode name: "python", "python-mode", "c++", "js2"; "-ts" (the
 * tree-sitter modes, python-ts-mode) and "-mode" are dropped. */
static const char *emacs_mode(span v)
{
    v = trim(v);
    size_t k = 0;
    while (k < v.n && (is_name_char((unsigned char)v.p[k]) || v.p[k] == '.'))
        k++;
    if (k != v.n)
        return NULL; /* more than one word: not a mode */
    if (k > 5 && eq_nocase(v.p + k - 5, 5, "-mode"))
        k -= 5;
    if (k > 3 && eq_nocase(v.p + k - 3, 3, "-ts"))
        k -= 3;
    return lookup(v.p, k);
}

/* `-*- mode: python; coding: utf-8 -*-` or `-*- python -*-`. */
static const char *emacs_first_line(span l)
{
    long a = find(l.p, l.n, "-*-");
    if (a < 0)
        return NULL;
    span in = { l.p + a + 3, l.n - (size_t)a - 3 };
    long b = find(in.p, in.n, "-*-");
    if (b < 0)
        return NULL;
    in.n = (size_t)b;
    if (!memchr(in.p, ':', in.n))
        return emacs_mode(in);
    /* var: value; var: value */
    while (in.n) {
        const char *semi = memchr(in.p, ';', in.n);
        span item = { in.p, semi ? (size_t)(semi - in.p) : in.n };
        in.p += item.n + (semi ? 1 : 0);
        in.n -= item.n + (semi ? 1 : 0);
        const char *colon = memchr(item.p, ':', item.n);
        if (!colon)
            continue;
        span key = trim((span){ item.p, (size_t)(colon - item.p) });
        if (eq_nocase(key.p, key.n, "mode"))
            return emacs_mode((span){ colon + 1, item.n - (size_t)(colon - item.p) - 1 });
    }
    return NULL;
}

/* A "Local Variables:" block among the last lines: each line after it starts
 * with the same prefix as that line ("# ", "// "); `mode: X` names the mode. */
static const char *emacs_local_variables(const span *lines, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        long at = find(lines[i].p, lines[i].n, "Local Variables:");
        if (at < 0)
            continue;
        span prefix = { lines[i].p, (size_t)at };
        for (size_t j = i + 1; j < count; j++) {
            span l = lines[j];
            if (l.n < prefix.n || memcmp(l.p, prefix.p, prefix.n) != 0)
                break;
            span rest = trim((span){ l.p + prefix.n, l.n - prefix.n });
            if (starts(rest.p, rest.n, "End:"))
                break;
            if (starts_nocase(rest.p, rest.n, "mode:")) {
                span v = trim((span){ rest.p + 5, rest.n - 5 });
                size_t k = 0; /* stop at a comment's end ("*" "/") */
                while (k < v.n && (is_name_char((unsigned char)v.p[k]) || v.p[k] == '.'))
                    k++;
                return emacs_mode((span){ v.p, k });
            }
        }
        return NULL;
    }
    return NULL;
}

static const char *modeline(const span *lines, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *lang = vim_modeline(lines[i]);
        if (!lang)
            lang = emacs_first_line(lines[i]);
        if (lang)
            return lang;
    }
    return NULL;
}

/* --- shebang ------------------------------------------------------------ */

/* The next white-separated word of *s, or an empty span. */
static span next_word(span *s)
{
    while (s->n && is_blank((unsigned char)s->p[0])) {
        s->p++;
        s->n--;
    }
    span w = { s->p, 0 };
    while (w.n < s->n && !is_blank((unsigned char)s->p[w.n]))
        w.n++;
    s->p += w.n;
    s->n -= w.n;
    return w;
}

static span base_name(span w)
{
    for (size_t i = w.n; i > 0; i--)
        if (w.p[i - 1] == '/')
            return (span){ w.p + i, w.n - i };
    return w;
}

/* `#!/bin/bash`, `#! /usr/bin/env -S python3.11 -u`, `#!/usr/bin/perl -w`. */
static const char *shebang(span l)
{
    if (starts(l.p, l.n, "\xef\xbb\xbf")) { /* a byte order mark */
        l.p += 3;
        l.n -= 3;
    }
    if (!starts(l.p, l.n, "#!"))
        return NULL;
    l.p += 2;
    l.n -= 2;
    /* #![allow(dead_code)]: Rust's crate attributes open many a file */
    if (l.n > 1 && l.p[0] == '[' && lower((unsigned char)l.p[1]) >= 'a' && lower((unsigned char)l.p[1]) <= 'z'
        && memchr(l.p, ']', l.n))
        return "rust";
    span rest = l;
    span prog = base_name(next_word(&rest));
    if (eq_nocase(prog.p, prog.n, "env")) {
        /* env [-S] [-i] [-u NAME] [NAME=VALUE]... PROGRAM */
        for (;;) {
            span w = next_word(&rest);
            if (w.n == 0)
                return NULL;
            if (w.p[0] == '-') {
                if (w.n > 2 && w.p[1] == 'S') { /* -Spython3 */
                    prog = (span){ w.p + 2, w.n - 2 };
                    break;
                }
                if (w.n == 2 && (w.p[1] == 'u' || w.p[1] == 'C'))
                    next_word(&rest); /* -u NAME, -C DIR: their argument */
                continue;
            }
            if (memchr(w.p, '=', w.n))
                continue; /* an assignment */
            prog = w;
            break;
        }
        prog = base_name(prog);
    }
    /* python3.11 -> python, lua5.4 -> lua, php8 -> php */
    while (prog.n > 1 && (is_digit((unsigned char)prog.p[prog.n - 1]) || prog.p[prog.n - 1] == '.'))
        prog.n--;
    return lookup(prog.p, prog.n);
}

/* --- the title as a file name ------------------------------------------- */

static const char *file_name(const char *title)
{
    if (!title)
        return NULL;
    size_t n = strnlen(title, TITLE_MAX + 1);
    if (n == 0 || n > TITLE_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (is_space((unsigned char)title[i]))
            return NULL; /* "notes on main.c" is a title, not a file name */
    span base = { title, n };
    for (size_t i = n; i > 0; i--)
        if (title[i - 1] == '/' || title[i - 1] == '\\') {
            base = (span){ title + i, n - i };
            break;
        }
    if (base.n == 0)
        return NULL;
    for (size_t i = 0; i < N_OF(file_names); i++)
        if (eq_nocase(base.p, base.n, file_names[i].name))
            return file_names[i].lang;
    for (size_t i = 0; i < N_OF(file_prefixes); i++)
        if (starts_nocase(base.p, base.n, file_prefixes[i].prefix))
            return file_prefixes[i].lang;
    for (size_t i = base.n; i > 1; i--) /* > 1: ".vimrc" has no extension */
        if (base.p[i - 1] == '.')
            return lookup(base.p + i, base.n - i);
    return NULL;
}

/* --- together ----------------------------------------------------------- */

/* The first up to LANGHINT_LINES lines of body[0..min(len, LANGHINT_SCAN)). */
static size_t head_lines(const char *body, size_t len, span *out)
{
    size_t end = len < LANGHINT_SCAN ? len : LANGHINT_SCAN, at = 0, count = 0;
    while (count < LANGHINT_LINES && at < end) {
        const char *nl = memchr(body + at, '\n', end - at);
        size_t stop = nl ? (size_t)(nl - body) : end;
        out[count++] = (span){ body + at, stop - at };
        at = stop + 1;
    }
    return count;
}

/* The last up to LANGHINT_LINES lines within the last LANGHINT_SCAN bytes,
 * in order; a final line end does not start another line. */
static size_t tail_lines(const char *body, size_t len, span *out)
{
    size_t floor = len > LANGHINT_SCAN ? len - LANGHINT_SCAN : 0;
    size_t end = len;
    if (end > floor && body[end - 1] == '\n')
        end--;
    span rev[LANGHINT_LINES];
    size_t count = 0;
    while (count < LANGHINT_LINES) {
        size_t start = end;
        while (start > floor && body[start - 1] != '\n')
            start--;
        rev[count++] = (span){ body + start, end - start };
        if (start == floor)
            break;
        end = start - 1; /* the line end before this line */
    }
    for (size_t i = 0; i < count; i++)
        out[i] = rev[count - 1 - i];
    return count;
}

const char *langhint_guess(const uint8_t *body, size_t len, const char *title)
{
    const char *s = (const char *)body;
    span head[LANGHINT_LINES], tail[LANGHINT_LINES];
    size_t nh = body ? head_lines(s, len, head) : 0;
    size_t nt = body && len ? tail_lines(s, len, tail) : 0;
    for (size_t i = 0; i < nh; i++)
        head[i] = (span){ head[i].p, head[i].n && head[i].p[head[i].n - 1] == '\r' ? head[i].n - 1 : head[i].n };
    for (size_t i = 0; i < nt; i++)
        tail[i] = (span){ tail[i].p, tail[i].n && tail[i].p[tail[i].n - 1] == '\r' ? tail[i].n - 1 : tail[i].n };

    const char *lang = modeline(head, nh);
    if (!lang)
        lang = modeline(tail, nt);
    if (!lang)
        lang = emacs_local_variables(tail, nt);
    if (!lang && nh)
        lang = shebang(head[0]);
    if (!lang)
        lang = file_name(title);
    return lang;
}
