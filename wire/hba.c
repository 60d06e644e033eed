/* wire/hba.c: the access-rules file (a subset of pg_hba.conf) and matching a connection against
 * it (wire/auth.h).
 *
 * A rule is kept as parsed: connection types, name lists (NULL list = `all`), an address with a
 * prefix length in bits, the method and its line number. Matching walks the rules in file order,
 * so the first matching rule wins, exactly as PostgreSQL reads pg_hba.conf. Names are compared
 * byte for byte (PostgreSQL does the same after de-quoting; unquoted names are not case-folded
 * in pg_hba.conf either).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/auth.h"

enum {
    HBA_LINE_SIZE_MAX = 4096,     /* longer lines are a config error */
    HBA_TOKEN_COUNT_MAX = 16,     /* fields per line */
    HBA_NAME_COUNT_MAX = 64,      /* names in one comma list */
    HBA_RULE_COUNT_MAX = 10000,   /* rules per file */
};

typedef enum HbaConnType {
    HBA_LOCAL,
    HBA_HOST,         /* TCP, with or without TLS */
    HBA_HOSTSSL,
    HBA_HOSTNOSSL,
} HbaConnType;

typedef struct HbaRule {
    HbaConnType conn_type;
    char      **databases;        /* NULL: all */
    size_t      database_count;
    char      **users;            /* NULL: all */
    size_t      user_count;
    bool        address_all;      /* host*: `all` (or no address for local) */
    int         family;           /* AF_INET / AF_INET6 */
    uint8_t     address[16];
    uint8_t     mask[16];         /* prefix or explicit netmask, as bytes */
    AuthMethod  method;
    int         line;
} HbaRule;

struct AuthRules {
    HbaRule *rules;
    size_t   rule_count;
};

static void rule_free(HbaRule *rule)
{
    for (size_t name_idx = 0; name_idx < rule->database_count; name_idx++) {
        free(rule->databases[name_idx]);
    }
    free(rule->databases);
    for (size_t name_idx = 0; name_idx < rule->user_count; name_idx++) {
        free(rule->users[name_idx]);
    }
    free(rule->users);
}

void auth_rules_free(AuthRules *rules)
{
    if (rules == NULL) return;
    for (size_t rule_idx = 0; rule_idx < rules->rule_count; rule_idx++) {
        rule_free(&rules->rules[rule_idx]);
    }
    free(rules->rules);
    free(rules);
}

const char *auth_method_name(AuthMethod method)
{
    switch (method) {
    case AUTH_METHOD_REJECT: return "reject";
    case AUTH_METHOD_TRUST: return "trust";
    case AUTH_METHOD_PASSWORD: return "password";
    case AUTH_METHOD_MD5: return "md5";
    case AUTH_METHOD_SCRAM: return "scram-sha-256";
    }
    return "unknown";
}

/* ---- tokenizing one line ---- */

typedef struct HbaToken {
    char text[HBA_LINE_SIZE_MAX];
    bool quoted;                  /* any part of it was in double quotes */
} HbaToken;

/* split_line: whitespace-separated fields; double quotes group (a comma inside quotes stays part
 * of a name); `#` outside quotes ends the line. Returns the field count, -1 on an unterminated
 * quote or too many fields. */
static int split_line(const char *line, HbaToken *tokens)
{
    int token_count = 0;
    const char *cursor = line;
    for (;;) {
        while (*cursor == ' ' || *cursor == '\t' || *cursor == '\r' || *cursor == '\n') cursor++;
        if (*cursor == '\0' || *cursor == '#') return token_count;
        if (token_count == HBA_TOKEN_COUNT_MAX) return -1;
        HbaToken *token = &tokens[token_count++];
        size_t size = 0;
        bool in_quotes = false;
        token->quoted = false;
        while (*cursor != '\0') {
            char c = *cursor;
            if (!in_quotes && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '#')) break;
            cursor++;
            if (c == '"') {
                in_quotes = !in_quotes;
                token->quoted = true;
                continue;
            }
            if (size + 1 >= sizeof token->text) return -1;
            token->text[size++] = c;
        }
        if (in_quotes) return -1;
        token->text[size] = '\0';
    }
}

/* parse_name_list: a comma list of names, or `all` (unquoted) giving a NULL list. Quoted commas
 * were already kept by split_line; here a comma splits names (a name with a comma must be the
 * only one, quoted). */
static int parse_name_list(const HbaToken *token, char ***names_out, size_t *count_out)
{
    *names_out = NULL;
    *count_out = 0;
    if (!token->quoted && strcmp(token->text, "all") == 0) return 0;
    char **names = calloc(HBA_NAME_COUNT_MAX, sizeof *names);
    if (names == NULL) return -1;
    size_t count = 0;
    const char *start = token->text;
    for (;;) {
        const char *comma = token->quoted ? NULL : strchr(start, ',');
        size_t size = comma != NULL ? (size_t)(comma - start) : strlen(start);
        if (size == 0 || count == HBA_NAME_COUNT_MAX) goto fail;
        names[count] = strndup(start, size);
        if (names[count] == NULL) goto fail;
        count++;
        if (comma == NULL) break;
        start = comma + 1;
    }
    *names_out = names;
    *count_out = count;
    return 0;
fail:
    for (size_t name_idx = 0; name_idx < count; name_idx++) free(names[name_idx]);
    free(names);
    return -1;
}

static void mask_from_prefix(uint8_t *mask, size_t byte_count, int prefix_bits)
{
    for (size_t byte_idx = 0; byte_idx < byte_count; byte_idx++) {
        int bits = prefix_bits - (int)byte_idx * 8;
        if (bits >= 8) mask[byte_idx] = 0xff;
        else if (bits <= 0) mask[byte_idx] = 0;
        else mask[byte_idx] = (uint8_t)(0xff << (8 - bits));
    }
}

/* parse_address: "ADDR/BITS", or "ADDR" followed by a netmask token (consumed: *used_out 2).
 * Returns 0, or -1 with a reason in *reason_out. */
static int parse_address(HbaRule *rule, const HbaToken *tokens, int token_count, int *used_out,
                         const char **reason_out)
{
    *used_out = 1;
    if (!tokens[0].quoted && strcmp(tokens[0].text, "all") == 0) {
        rule->address_all = true;
        return 0;
    }
    char text[INET6_ADDRSTRLEN + 8];
    if (strlen(tokens[0].text) >= sizeof text) {
        *reason_out = "invalid IP address";
        return -1;
    }
    strcpy(text, tokens[0].text);
    char *slash = strchr(text, '/');
    if (slash != NULL) *slash = '\0';
    size_t byte_count;
    if (inet_pton(AF_INET, text, rule->address) == 1) {
        rule->family = AF_INET;
        byte_count = 4;
    } else if (inet_pton(AF_INET6, text, rule->address) == 1) {
        rule->family = AF_INET6;
        byte_count = 16;
    } else {
        *reason_out = "invalid IP address";
        return -1;
    }
    if (slash != NULL) {
        char *end = NULL;
        errno = 0;
        long bits = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || errno != 0 || bits < 0 ||
            bits > (long)byte_count * 8) {
            *reason_out = "invalid CIDR mask in address";
            return -1;
        }
        mask_from_prefix(rule->mask, byte_count, (int)bits);
    } else {
        if (token_count < 2) {
            *reason_out = "end-of-line before netmask specification";
            return -1;
        }
        uint8_t mask[16];
        if (inet_pton(rule->family, tokens[1].text, mask) != 1) {
            *reason_out = "invalid IP mask";
            return -1;
        }
        memcpy(rule->mask, mask, byte_count);
        *used_out = 2;
    }
    /* (the second bound is always true; it tells GCC -O3 the writes stay in the array) */
    for (size_t byte_idx = 0; byte_idx < byte_count && byte_idx < sizeof rule->address; byte_idx++) {
        rule->address[byte_idx] &= rule->mask[byte_idx];
    }
    return 0;
}

static int parse_method(const char *text, AuthMethod *method_out)
{
    static const struct { const char *name; AuthMethod method; } methods[] = {
        {"trust", AUTH_METHOD_TRUST}, {"reject", AUTH_METHOD_REJECT},
        {"password", AUTH_METHOD_PASSWORD}, {"md5", AUTH_METHOD_MD5},
        {"scram-sha-256", AUTH_METHOD_SCRAM},
    };
    for (size_t method_idx = 0; method_idx < sizeof methods / sizeof methods[0]; method_idx++) {
        if (strcmp(text, methods[method_idx].name) == 0) {
            *method_out = methods[method_idx].method;
            return 0;
        }
    }
    return -1;
}

/* parse_rule: one non-empty line. Returns 0, or -1 with a reason in *reason_out. */
static int parse_rule(HbaRule *rule, const HbaToken *tokens, int token_count,
                      const char **reason_out)
{
    const char *type = tokens[0].text;
    if (strcmp(type, "local") == 0) rule->conn_type = HBA_LOCAL;
    else if (strcmp(type, "host") == 0) rule->conn_type = HBA_HOST;
    else if (strcmp(type, "hostssl") == 0) rule->conn_type = HBA_HOSTSSL;
    else if (strcmp(type, "hostnossl") == 0) rule->conn_type = HBA_HOSTNOSSL;
    else {
        *reason_out = "invalid connection type";
        return -1;
    }
    int next = 1;
    if (token_count < next + 2) {
        *reason_out = "end-of-line before database or role specification";
        return -1;
    }
    if (parse_name_list(&tokens[next], &rule->databases, &rule->database_count) != 0 ||
        parse_name_list(&tokens[next + 1], &rule->users, &rule->user_count) != 0) {
        *reason_out = "invalid database or role list";
        return -1;
    }
    next += 2;
    if (rule->conn_type == HBA_LOCAL) {
        rule->address_all = true;
    } else {
        if (token_count <= next) {
            *reason_out = "end-of-line before IP address specification";
            return -1;
        }
        int used = 0;
        if (parse_address(rule, &tokens[next], token_count - next, &used, reason_out) != 0) {
            return -1;
        }
        next += used;
    }
    if (token_count <= next) {
        *reason_out = "end-of-line before authentication method";
        return -1;
    }
    if (parse_method(tokens[next].text, &rule->method) != 0) {
        *reason_out = "invalid or unsupported authentication method";
        return -1;
    }
    next++;
    if (next != token_count) {
        *reason_out = "authentication options are not supported";
        return -1;
    }
    return 0;
}

static int add_default_rules(AuthRules *rules)
{
    rules->rules = calloc(2, sizeof *rules->rules);
    if (rules->rules == NULL) return -1;
    rules->rules[0] = (HbaRule){.conn_type = HBA_LOCAL, .address_all = true,
                                .method = AUTH_METHOD_TRUST, .line = 1};
    rules->rules[1] = (HbaRule){.conn_type = HBA_HOST, .address_all = true,
                                .method = AUTH_METHOD_TRUST, .line = 2};
    rules->rule_count = 2;
    return 0;
}

/* read_rules: every line of file into rules. Returns 0, or -1 with *error filled. */
static int read_rules(FILE *file, const char *path, AuthRules *rules, WireError *error)
{
    char line[HBA_LINE_SIZE_MAX + 2];
    size_t capacity = 0;
    int line_number = 0;
    while (fgets(line, sizeof line, file) != NULL) {
        line_number++;
        size_t size = strlen(line);
        if (size > HBA_LINE_SIZE_MAX) {
            return wire_error_set(error, "FATAL", "F0000",
                                  "line %d of configuration file \"%s\" is too long",
                                  line_number, path);
        }
        HbaToken *line_tokens = malloc(sizeof(HbaToken) * HBA_TOKEN_COUNT_MAX);
        if (line_tokens == NULL) return wire_error_set(error, "FATAL", "53200", "out of memory");
        int token_count = split_line(line, line_tokens);
        const char *reason = "syntax error";
        int status = 0;
        if (token_count < 0) {
            status = -1;
            reason = "unterminated quote or too many fields";
        } else if (token_count > 0) {
            if (rules->rule_count == capacity) {
                size_t capacity_new = capacity == 0 ? 16 : capacity * 2;
                HbaRule *grown = capacity_new > HBA_RULE_COUNT_MAX
                                     ? NULL
                                     : realloc(rules->rules, capacity_new * sizeof *grown);
                if (grown == NULL) {
                    free(line_tokens);
                    return wire_error_set(error, "FATAL", "F0000",
                                          "too many rules in configuration file \"%s\"", path);
                }
                rules->rules = grown;
                capacity = capacity_new;
            }
            HbaRule *rule = &rules->rules[rules->rule_count];
            *rule = (HbaRule){.line = line_number};
            status = parse_rule(rule, line_tokens, token_count, &reason);
            if (status == 0) rules->rule_count++;
            else rule_free(rule);
        }
        free(line_tokens);
        if (status != 0) {
            return wire_error_set(error, "FATAL", "F0000",
                                  "%s in line %d of configuration file \"%s\"", reason,
                                  line_number, path);
        }
    }
    if (ferror(file)) {
        return wire_error_set(error, "FATAL", "58030", "could not read file \"%s\": %s", path,
                              strerror(errno));
    }
    return 0;
}

int auth_rules_load(const char *path, AuthRules **rules_out, WireError *error)
{
    *rules_out = NULL;
    AuthRules *rules = calloc(1, sizeof *rules);
    if (rules == NULL) return wire_error_set(error, "FATAL", "53200", "out of memory");
    if (path == NULL) {
        if (add_default_rules(rules) != 0) {
            free(rules);
            return wire_error_set(error, "FATAL", "53200", "out of memory");
        }
        *rules_out = rules;
        return 0;
    }
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        int saved_errno = errno;
        free(rules);
        return wire_error_set(error, "FATAL", saved_errno == ENOENT ? "58P01" : "58030",
                              "could not open file \"%s\": %s", path, strerror(saved_errno));
    }
    int status = read_rules(file, path, rules, error);
    fclose(file);
    if (status != 0) {
        auth_rules_free(rules);
        return -1;
    }
    *rules_out = rules;
    return 0;
}

/* ---- matching ---- */

static bool name_matches(char *const *names, size_t count, const char *name)
{
    if (names == NULL) return true;
    if (name == NULL) return false;
    for (size_t name_idx = 0; name_idx < count; name_idx++) {
        if (strcmp(names[name_idx], name) == 0) return true;
    }
    return false;
}

/* address_matches: who's address against the rule's network. An IPv4 client on an IPv6 socket
 * (::ffff:a.b.c.d) matches IPv4 rules, as PostgreSQL does. */
static bool address_matches(const HbaRule *rule, const AuthWho *who)
{
    if (rule->address_all) return true;
    if (who->address == NULL) return false;
    uint8_t bytes[16];
    int family = who->address->sa_family;
    size_t byte_count;
    if (family == AF_INET && who->address_size >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)who->address;
        memcpy(bytes, &in4->sin_addr, 4);
        byte_count = 4;
    } else if (family == AF_INET6 && who->address_size >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)who->address;
        memcpy(bytes, &in6->sin6_addr, 16);
        byte_count = 16;
        if (rule->family == AF_INET && IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            memmove(bytes, bytes + 12, 4);
            family = AF_INET;
            byte_count = 4;
        }
    } else {
        return false;
    }
    if (family != rule->family) return false;
    for (size_t byte_idx = 0; byte_idx < byte_count; byte_idx++) {
        if ((bytes[byte_idx] & rule->mask[byte_idx]) != rule->address[byte_idx]) return false;
    }
    return true;
}

static bool type_matches(HbaConnType rule_type, AuthConnType conn_type)
{
    switch (rule_type) {
    case HBA_LOCAL: return conn_type == AUTH_CONN_LOCAL;
    case HBA_HOST: return conn_type == AUTH_CONN_HOST || conn_type == AUTH_CONN_HOSTSSL;
    case HBA_HOSTSSL: return conn_type == AUTH_CONN_HOSTSSL;
    case HBA_HOSTNOSSL: return conn_type == AUTH_CONN_HOST;
    }
    return false;
}

AuthMethod auth_rules_match(const AuthRules *rules, const AuthWho *who, int *line_out)
{
    if (line_out != NULL) *line_out = 0;
    if (rules == NULL || who == NULL) return AUTH_METHOD_REJECT;
    for (size_t rule_idx = 0; rule_idx < rules->rule_count; rule_idx++) {
        const HbaRule *rule = &rules->rules[rule_idx];
        if (!type_matches(rule->conn_type, who->conn_type)) continue;
        if (!name_matches(rule->databases, rule->database_count, who->database)) continue;
        if (!name_matches(rule->users, rule->user_count, who->user)) continue;
        if (rule->conn_type != HBA_LOCAL && !address_matches(rule, who)) continue;
        if (line_out != NULL) *line_out = rule->line;
        return rule->method;
    }
    return AUTH_METHOD_REJECT;
}
