/* test_config.c - settings: the file format, its errors, and the environment. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static config cfg;
static fault why;
#define err why.message

static void fresh(void) { config_defaults(&cfg); why.message[0] = '\0'; }

TestSuite(config, .init = fresh);

Test(config, defaults_are_kores_limits)
{
    cr_assert_eq(cfg.port, 8080);
    cr_assert_eq(cfg.max_paste_size, 1u << 20);
    cr_assert_eq(cfg.header_timeout, 10);
    cr_assert_eq(cfg.body_timeout, 60);
    cr_assert_eq(cfg.keepalive_timeout, 20);
    cr_assert_eq(cfg.max_header_size, 8u << 10);
    cr_assert_eq(config_validate(&cfg, &why), 0);
}

Test(config, parses_keys_comments_and_sizes)
{
    const char *text = "# a comment\n\nport 9000   # trailing comment\n"
                       "max_paste_size 2M\ncache_max_entry 64k\n"
                       "redis_url /tmp/redis.sock\nmongo_database pasted_x\n\t workers\t3 \r\n";
    cr_assert_eq(config_parse(&cfg, text, "t.conf", &why), 0, "%s", err);
    cr_assert_eq(cfg.port, 9000);
    cr_assert_eq(cfg.max_paste_size, 2u << 20);
    cr_assert_eq(cfg.cache_max_entry, 64u << 10);
    cr_assert_str_eq(cfg.redis_url, "/tmp/redis.sock");
    cr_assert_str_eq(cfg.mongo_database, "pasted_x");
    cr_assert_eq(cfg.workers, 3);
}

Test(config, unknown_key_names_line)
{
    cr_assert_eq(config_parse(&cfg, "port 1\n\n# x\nprot 2\n", "t.conf", &why), -1);
    cr_assert_str_eq(err, "t.conf:4: unknown key 'prot'");
}

Test(config, missing_value_is_an_error)
{
    cr_assert_eq(config_parse(&cfg, "port\n", "t.conf", &why), -1);
    cr_assert(strstr(err, "t.conf:1:") && strstr(err, "no value"), "%s", err);
}

Test(config, bad_numbers_are_rejected)
{
    const char *bad[] = { "port 0\n", "port 70000\n", "port 80x\n", "port -1\n",
                          "max_paste_size 1T\n", "max_paste_size 1MM\n", "workers many\n",
                          "max_paste_size 99999999999999999999\n" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fresh();
        cr_assert_eq(config_parse(&cfg, bad[i], "t.conf", &why), -1, "accepted %s", bad[i]);
        cr_assert(strstr(err, "t.conf:1:"), "%s", err);
    }
}

Test(config, overlong_string_is_rejected)
{
    char line[1200] = "mongo_uri ";
    memset(line + 10, 'a', 1000);
    line[1010] = '\0';
    cr_assert_eq(config_parse(&cfg, line, "t.conf", &why), -1);
    cr_assert(strstr(err, "too long"), "%s", err);
}

Test(config, validate_catches_cross_field_errors)
{
    strcpy(cfg.mongo_database, "bad name");
    cr_assert_eq(config_validate(&cfg, &why), -1);
    fresh();
    strcpy(cfg.id_key, "abc");
    cr_assert_eq(config_validate(&cfg, &why), -1);
    fresh();
    strcpy(cfg.public_url, "ftp://x");
    cr_assert_eq(config_validate(&cfg, &why), -1);
    fresh();
    strcpy(cfg.log_level, "loud");
    cr_assert_eq(config_validate(&cfg, &why), -1);
}

Test(config, environment_overrides_file)
{
    setenv("PORT", "9123", 1);
    setenv("REDIS_URL", "redis://10.0.0.1:7000", 1);
    setenv("PASTED_MAX_PASTE_SIZE", "3M", 1);
    cr_assert_eq(config_parse(&cfg, "port 9000\n", "t.conf", &why), 0);
    cr_assert_eq(config_apply_env(&cfg, &why), 0, "%s", err);
    cr_assert_eq(cfg.port, 9123);
    cr_assert_str_eq(cfg.redis_url, "redis://10.0.0.1:7000");
    cr_assert_eq(cfg.max_paste_size, 3u << 20);
    setenv("PORT", "nope", 1);
    cr_assert_eq(config_apply_env(&cfg, &why), -1);
    cr_assert(strstr(err, "PORT"), "%s", err);
    unsetenv("PORT");
    unsetenv("REDIS_URL");
    unsetenv("PASTED_MAX_PASTE_SIZE");
}

Test(config, shipped_config_file_parses)
{
    cr_assert_eq(config_load(&cfg, "conf/pasted.conf", &why), 0, "%s", err);
    cr_assert_eq(config_validate(&cfg, &why), 0, "%s", err);
    fresh();
    cr_assert_eq(config_load(&cfg, "tests/pasted-test.conf", &why), 0, "%s", err);
}
