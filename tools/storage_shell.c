/* tools/storage_shell.c: an interactive key/value prompt over one B+ tree of a birch file (the
 * main job until the SQL shell and server exist). Text keys and values; the tree lives in root
 * slot STORAGE_SHELL_ROOT_SLOT of the file, created on first use.
 *
 * Commands: put KEY VALUE | get KEY | del KEY | scan [LO [HI]] | count | check | stats | help |
 * quit. Reads stdin, so it also runs scripts: storage_shell FILE < script. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "storage/btree.h"
#include "storage/store.h"

enum { STORAGE_SHELL_ROOT_SLOT = 15, LINE_SIZE_MAX = 65536, SCAN_ROW_COUNT_MAX = 1000 };

static bool report(Error *err)
{
    if (err == NULL) return false;
    printf("ERROR:  %s (SQLSTATE %s)\n", err->message, sqlstate_code(err->state));
    err_free(err);
    return true;
}

static void print_help(void)
{
    printf("commands:\n"
           "  put KEY VALUE     insert or replace\n"
           "  get KEY           print the value\n"
           "  del KEY           delete\n"
           "  scan [LO [HI]]    keys in [LO, HI) in order (at most %d)\n"
           "  count             number of entries\n"
           "  check             verify every structural invariant of the file\n"
           "  stats             buffer pool and file statistics\n"
           "  quit\n", SCAN_ROW_COUNT_MAX);
}

static void run_scan(BTree *tree, const char *lo, const char *hi, bool print_rows)
{
    BtCursor *cursor;
    if (report(bt_cursor_open(tree, &cursor))) return;
    Error *err = bt_cursor_set_range(cursor, (const uint8_t *)lo, lo ? strlen(lo) : 0,
                                     (const uint8_t *)hi, hi ? strlen(hi) : 0);
    BtBuf value = {0};
    long row_count = 0;
    for (err = err ? err : bt_cursor_first(cursor); err == NULL && bt_cursor_valid(cursor);
         err = bt_cursor_next(cursor)) {
        row_count++;
        if (!print_rows || row_count > SCAN_ROW_COUNT_MAX) continue;
        size_t key_size;
        const uint8_t *key = bt_cursor_key(cursor, &key_size);
        if ((err = bt_cursor_value(cursor, &value)) != NULL) break;
        printf("%.*s | %.*s\n", (int)key_size, (const char *)key, (int)value.size, (const char *)value.data);
    }
    if (!report(err)) printf("(%ld rows)\n", row_count);
    bt_buf_free(&value);
    bt_cursor_close(cursor);
}

static void run_command(Store *store, BTree *tree, char *line)
{
    char *command = strtok(line, " \t\r\n");
    if (command == NULL) return;
    char *arg1 = strtok(NULL, " \t\r\n");
    char *arg2 = strtok(NULL, "\r\n");
    bool found = false;
    if (strcmp(command, "help") == 0) {
        print_help();
    } else if (strcmp(command, "put") == 0 && arg1 && arg2) {
        Error *err = bt_update(tree, (uint8_t *)arg1, strlen(arg1), (uint8_t *)arg2, strlen(arg2), &found);
        if (err == NULL && !found) {
            err = bt_insert(tree, (uint8_t *)arg1, strlen(arg1), (uint8_t *)arg2, strlen(arg2));
        }
        if (!report(err)) printf(found ? "UPDATE 1\n" : "INSERT 1\n");
    } else if (strcmp(command, "get") == 0 && arg1) {
        BtBuf value = {0};
        if (!report(bt_get(tree, (uint8_t *)arg1, strlen(arg1), &value, &found))) {
            if (found) printf("%.*s\n", (int)value.size, (const char *)value.data);
            else printf("(not found)\n");
        }
        bt_buf_free(&value);
    } else if (strcmp(command, "del") == 0 && arg1) {
        if (!report(bt_delete(tree, (uint8_t *)arg1, strlen(arg1), &found))) {
            printf("DELETE %d\n", found ? 1 : 0);
        }
    } else if (strcmp(command, "scan") == 0) {
        run_scan(tree, arg1, arg2 ? strtok(arg2, " \t") : NULL, true);
    } else if (strcmp(command, "count") == 0) {
        run_scan(tree, NULL, NULL, false);
    } else if (strcmp(command, "check") == 0) {
        PageId root = bt_root(tree);
        if (!report(bt_check_store(store, &root, 1))) printf("ok\n");
    } else if (strcmp(command, "stats") == 0) {
        StoreInfo info = store_info(store);
        BpStats stats = bp_stats(store_pool(store));
        printf("pages %u (free %u), next lsn %llu; pool %zu frames: hits %llu, misses %llu, "
               "writes %llu, evictions %llu\n", info.page_count, info.free_page_count,
               (unsigned long long)info.next_lsn, bp_frame_count(store_pool(store)),
               (unsigned long long)stats.hit_count, (unsigned long long)stats.miss_count,
               (unsigned long long)stats.write_count, (unsigned long long)stats.eviction_count);
    } else {
        printf("unknown or incomplete command \"%s\"; type help\n", command);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: storage_shell FILE\n");
        return 2;
    }
    StoreOptions options = {.create = true, .start_cleaner = true, .pool_size = 64u << 20};
    Store *store;
    if (report(store_open(argv[1], &options, &store))) return 1;
    PageId root = store_root_get(store, STORAGE_SHELL_ROOT_SLOT);
    if (root == PAGE_ID_NONE) {
        if (report(bt_create(store, &root))) return 1;
        Mtr mtr;
        mtr_begin(&mtr, store);
        store_root_set(&mtr, STORAGE_SHELL_ROOT_SLOT, root);
        if (report(mtr_commit(&mtr))) return 1;
    }
    BTree *tree;
    if (report(bt_open(store, root, &tree))) return 1;
    bool interactive = isatty(STDIN_FILENO);
    if (interactive) {
        printf("birch storage shell on %s (type help; the SQL shell and server come next)\n", argv[1]);
    }
    char *line = malloc(LINE_SIZE_MAX);
    for (;;) {
        if (interactive) {
            printf("birch> ");
            fflush(stdout);
        }
        if (fgets(line, LINE_SIZE_MAX, stdin) == NULL) break;
        if (strncmp(line, "quit", 4) == 0) break;
        run_command(store, tree, line);
        fflush(stdout);
    }
    free(line);
    bt_close(tree);
    return report(store_close(store)) ? 1 : 0;
}
