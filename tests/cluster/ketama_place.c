/* ketama_place.c - where pasted's ring (core/ketama.c) puts each key.
 *
 *   ketama_place NODES [DOWN_NAME...] < keys > placement
 *
 * NODES holds one server a line as nutcracker's YAML lists them,
 * "host:port:weight [name]" (a leading "- " and blank or # lines are
 * skipped), so the same lines configure nutcracker and this ring; the name a
 * server hashes under is chosen the way nutcracker chooses it (the name when
 * given, else ketama_default_name). DOWN_NAMEs are servers to leave off the
 * ring, as nutcracker does once auto_eject_hosts ejected them. Each key of
 * stdin (one a line) is printed back as "key<TAB>name", name being the
 * hashed name of the server that holds it. ketama_vs_nutcracker.sh compares
 * this with where nutcracker really put the keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ketama.h"

#define MAX_NODES 64
#define NAME_MAX_LEN 300

static char names[MAX_NODES][NAME_MAX_LEN];

static void die(const char *what, const char *line)
{
    fprintf(stderr, "ketama_place: %s: %s\n", what, line);
    exit(2);
}

/* Parse "host:port:weight [name]" from the end, as nutcracker's conf_add_server. */
static void parse_server(char *line, ketama_node *node, char *name)
{
    char *text = line, *sp, *colon;
    while (*text == ' ' || *text == '\t')
        text++;
    if (text[0] == '-' && text[1] == ' ')
        text += 2;
    const char *given = NULL;
    if ((sp = strrchr(text, ' '))) {
        *sp = '\0';
        given = sp + 1;
    }
    if (!(colon = strrchr(text, ':')))
        die("no weight", line);
    *colon = '\0';
    long weight = strtol(colon + 1, NULL, 10);
    if (weight <= 0)
        die("bad weight", line);
    unsigned port = 0;
    if (text[0] != '/') {
        if (!(colon = strrchr(text, ':')))
            die("no port", line);
        *colon = '\0';
        port = (unsigned)strtoul(colon + 1, NULL, 10);
    }
    if (given) {
        if (strlen(given) >= NAME_MAX_LEN)
            die("name too long", given);
        strcpy(name, given);
    } else {
        fault f = { 0 };
        if (ketama_default_name(name, NAME_MAX_LEN, text, port, &f) < 0)
            die(f.message, line);
    }
    node->name = name;
    node->weight = (uint32_t)weight;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ketama_place NODES [DOWN_NAME...] < keys\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in)
        die("cannot open", argv[1]);
    ketama_node nodes[MAX_NODES];
    unsigned char up[MAX_NODES];
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = '\0';
        const char *s = line + strspn(line, " \t");
        if (!*s || *s == '#')
            continue;
        if (n == MAX_NODES)
            die("too many servers", argv[1]);
        parse_server(line, &nodes[n], names[n]);
        up[n] = 1;
        for (int a = 2; a < argc; a++)
            if (strcmp(argv[a], names[n]) == 0)
                up[n] = 0;
        n++;
    }
    fclose(in);

    fault f = { 0 };
    ketama_ring *ring = ketama_build(nodes, n, up, &f);
    if (!ring)
        die("ketama_build", f.message);
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        size_t at = ketama_pick(ring, line, (size_t)len);
        fwrite(line, 1, (size_t)len, stdout);
        printf("\t%s\n", at == KETAMA_NONE ? "-" : nodes[at].name);
    }
    free(line);
    ketama_free(ring);
    return 0;
}
