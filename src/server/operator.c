/* operator.c - the operator's token, read once at start from
 * admin_token_file (never from the settings themselves, so it is not in
 * the repo, the environment or `ps`). Only its SHA-256 is kept; the token
 * is never logged. A file others can read is refused: the token deletes
 * any paste. */
#include "operator.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"

#define TOKEN_MIN 16
#define TOKEN_MAX 256

int operator_token_load(const char *path, uint8_t hash[32], fault *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fault_set(f, FAULT_INVALID, "admin_token_file", "admin_token_file %s: %s", path, strerror(errno));
    struct stat st;
    char buf[TOKEN_MAX + 2];
    int open_to_others = fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO));
    ssize_t n = open_to_others ? -1 : read(fd, buf, sizeof buf - 1);
    int saved = errno;
    close(fd);
    if (open_to_others)
        return fault_set(f, FAULT_INVALID, "admin_token_file", "admin_token_file %s: others may read it (chmod 600)",
                         path);
    if (n < 0)
        return fault_set(f, FAULT_INVALID, "admin_token_file", "admin_token_file %s: %s", path, strerror(saved));
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    if (n < TOKEN_MIN || n > TOKEN_MAX || memchr(buf, '\0', (size_t)n) || strpbrk(buf, " \t\r\n"))
        return fault_set(f, FAULT_INVALID, "admin_token_file",
                         "admin_token_file %s: the token must be %d to %d characters, one line", path, TOKEN_MIN,
                         TOKEN_MAX);
    sha256(buf, (size_t)n, hash);
    memset(buf, 0, sizeof buf);
    return 0;
}
