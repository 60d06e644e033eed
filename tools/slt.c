/* tools/slt.c: `slt`, the sqllogictest runner: options, the list of scripts, one forked
 * worker per script (at most -j at once, each with its own connection to a fresh database),
 * per-file timeouts, counts and the exit status.
 *
 * A worker counts into memory shared with the driver, so when it dies (timeout: SIGKILL;
 * crash) the driver still knows what passed; every record it did not get to pass counts as
 * failed (the driver knows how many records the script has from a dry run of it). Failure
 * reports go to a per-file temporary file that the driver copies to stdout (--verbose) and to
 * --list-failures in the order the files finish.
 */
#include "slt.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    FILE_COUNT_MAX = 1 << 20,
    JOB_COUNT_MAX = 64,
    DIR_DEPTH_MAX = 16,
    POLL_INTERVAL_US = 20000,
};

typedef struct Options {
    const SltEngine *engine;
    const char      *engine_label;
    int              job_count;
    double           timeout_seconds;
    bool             verbose;
    bool             no_fail;
    bool             complete;
    const char      *list_failures_path;
    SltConfig        config;
} Options;

typedef struct FileList {
    char  **paths;
    size_t  count;
    size_t  capacity;
} FileList;

typedef struct Worker {
    pid_t           pid;
    size_t          file_idx;
    struct timespec started;
    char            failure_path[4096];
} Worker;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: slt [options] FILE|DIR...   run sqllogictest scripts (DIR: every *.test below)\n"
            "  -e, --engine pg|birch    backend (default pg: libpq; birch: embedded birch.h,\n"
            "                           only when built with -DBIRCH_SLT_EMBEDDED=ON)\n"
            "  -j, --jobs N             scripts run in parallel (default 1)\n"
            "  -t, --timeout SECONDS    per-script timeout (default 600); the rest fails\n"
            "  -v, --verbose            print every failure with its SQL, expected and actual\n"
            "  -l, --list-failures FILE write every failure report to FILE\n"
            "      --no-fail            exit 0 even if records failed\n"
            "      --complete           rewrite each FILE in place with the engine's results\n"
            "                           (query values or hash, statement ok/error, SQLSTATE)\n"
            "      --label NAME         the engine name skipif/onlyif match (default postgresql)\n"
            "  -h, --host HOST  -p, --port PORT  -d, --dbname DB  -U, --user USER\n"
            "                           pg connection (default: libpq's PG* environment);\n"
            "                           DB is where CREATE DATABASE runs (default postgres)\n"
            "      --tmp-dir DIR        birch: where per-script database files go (default /tmp)\n"
            "      --help               this text\n"
            "Prints `FILE: N passed, M failed, K skipped` per script and a final line\n"
            "`N passed, M failed, K skipped`; exit status 1 if anything failed.\n");
}

static void file_list_add(FileList *list, const char *path)
{
    if (list->count == FILE_COUNT_MAX) {
        fprintf(stderr, "slt: more than %d scripts\n", FILE_COUNT_MAX);
        exit(2);
    }
    if (list->count == list->capacity) {
        list->capacity = list->capacity == 0 ? 64 : list->capacity * 2;
        list->paths = realloc(list->paths, list->capacity * sizeof *list->paths);
        if (list->paths == NULL) {
            fprintf(stderr, "slt: out of memory\n");
            exit(2);
        }
    }
    list->paths[list->count] = strdup(path);
    if (list->paths[list->count] == NULL) {
        fprintf(stderr, "slt: out of memory\n");
        exit(2);
    }
    list->count++;
}

static int compare_paths(const void *left, const void *right)
{
    return strcmp(*(char *const *)left, *(char *const *)right);
}

/* collect: path itself if a file, else every *.test below it (sorted). */
static bool collect(FileList *list, const char *path, int depth)
{
    struct stat info;
    if (stat(path, &info) != 0) {
        fprintf(stderr, "slt: %s: %s\n", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(info.st_mode)) {
        file_list_add(list, path);
        return true;
    }
    if (depth == DIR_DEPTH_MAX) {
        fprintf(stderr, "slt: %s: directories nested too deep\n", path);
        return false;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "slt: %s: %s\n", path, strerror(errno));
        return false;
    }
    FileList entries = {0};
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        file_list_add(&entries, child);
    }
    closedir(dir);
    if (entries.count > 0) qsort(entries.paths, entries.count, sizeof *entries.paths, compare_paths);
    bool ok = true;
    for (size_t entry_idx = 0; entry_idx < entries.count; entry_idx++) {
        const char *child = entries.paths[entry_idx];
        struct stat child_info;
        if (stat(child, &child_info) == 0 && S_ISDIR(child_info.st_mode)) {
            ok = collect(list, child, depth + 1) && ok;
        } else {
            size_t length = strlen(child);
            if (length > 5 && strcmp(child + length - 5, ".test") == 0) file_list_add(list, child);
        }
        free(entries.paths[entry_idx]);
    }
    free(entries.paths);
    return ok;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* run_worker: the child process for one script. Never returns. */
static _Noreturn void run_worker(const Options *options, size_t file_idx, const char *path,
                                 const char *failure_path, SltCounts *counts)
{
    FILE *failures = fopen(failure_path, "w");
    SltConn *conn = NULL;
    SltError error = {{0}, {0}};
    if (!options->engine->connect(&options->config, (int)file_idx, &conn, &error)) {
        if (failures != NULL) {
            fprintf(failures, "FAIL %s: cannot start: %s: %s\n", path, error.sqlstate, error.message);
            fclose(failures);
        }
        exit(3);                                         /* the driver fails every record */
    }
    SltRunOptions run = {
        .path = path,
        .engine = options->engine,
        .conn = conn,
        .engine_label = options->engine_label,
        .failures = failures,
    };
    bool ok = slt_run_file(&run, counts);
    options->engine->disconnect(conn);
    if (failures != NULL) fclose(failures);
    exit(ok ? 0 : 3);            /* exit, not _exit: the sanitizer build checks workers for leaks */
}

/* finish_file: account for file_idx's worker that ended with wait status (or timed out). */
static void finish_file(const Options *options, const FileList *files, Worker *worker,
                        SltCounts *shared, int status, bool timed_out, FILE *list_failures,
                        SltCounts *total)
{
    const char *path = files->paths[worker->file_idx];
    SltCounts counts = shared[worker->file_idx];
    SltCounts static_counts = {0};
    SltRunOptions dry = {.path = path, .engine_label = options->engine_label};
    slt_run_file(&dry, &static_counts);
    char note[128] = "";
    bool clean = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!clean) {
        if (timed_out) snprintf(note, sizeof note, " (timed out after %.0f s)", options->timeout_seconds);
        else if (WIFSIGNALED(status)) snprintf(note, sizeof note, " (crashed: signal %d)", WTERMSIG(status));
        else snprintf(note, sizeof note, " (worker exited with status %d)", WEXITSTATUS(status));
        options->engine->cleanup(&options->config, (int)worker->file_idx);
        /* every record the worker did not pass failed */
        uint64_t runnable = static_counts.passed + static_counts.failed;
        if (runnable > counts.passed + counts.failed) counts.failed = runnable - counts.passed;
        if (counts.failed == 0) counts.failed = 1;       /* a script that cannot run fails */
        counts.skipped = static_counts.skipped;
    }
    FILE *reports = fopen(worker->failure_path, "r");
    if (reports != NULL) {
        char chunk[65536];
        size_t size;
        while ((size = fread(chunk, 1, sizeof chunk, reports)) > 0) {
            if (options->verbose) fwrite(chunk, 1, size, stdout);
            if (list_failures != NULL) fwrite(chunk, 1, size, list_failures);
        }
        fclose(reports);
    }
    if (!clean && list_failures != NULL) fprintf(list_failures, "FAIL %s:%s\n", path, note);
    if (!clean && options->verbose) printf("FAIL %s:%s\n", path, note);
    unlink(worker->failure_path);
    printf("%s: %llu passed, %llu failed, %llu skipped%s\n", path,
           (unsigned long long)counts.passed, (unsigned long long)counts.failed,
           (unsigned long long)counts.skipped, note);
    fflush(stdout);
    total->passed += counts.passed;
    total->failed += counts.failed;
    total->skipped += counts.skipped;
}

static int run_all(const Options *options, const FileList *files)
{
    SltCounts *shared = mmap(NULL, files->count * sizeof *shared, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        fprintf(stderr, "slt: mmap: %s\n", strerror(errno));
        return 2;
    }
    memset(shared, 0, files->count * sizeof *shared);
    FILE *list_failures = NULL;
    if (options->list_failures_path != NULL) {
        list_failures = fopen(options->list_failures_path, "w");
        if (list_failures == NULL) {
            fprintf(stderr, "slt: %s: %s\n", options->list_failures_path, strerror(errno));
            return 2;
        }
    }
    const char *tmp_dir = options->config.tmp_dir != NULL ? options->config.tmp_dir : "/tmp";
    Worker workers[JOB_COUNT_MAX];
    int worker_count = 0;
    size_t next_file_idx = 0;
    SltCounts total = {0};
    fflush(stdout);
    while (next_file_idx < files->count || worker_count > 0) {
        while (worker_count < options->job_count && next_file_idx < files->count) {
            Worker *worker = &workers[worker_count];
            worker->file_idx = next_file_idx++;
            snprintf(worker->failure_path, sizeof worker->failure_path, "%s/slt_failures_%ld_%zu",
                     tmp_dir, options->config.run_id, worker->file_idx);
            clock_gettime(CLOCK_MONOTONIC, &worker->started);
            fflush(NULL);                                /* the worker must not write our buffers */
            worker->pid = fork();
            if (worker->pid < 0) {
                fprintf(stderr, "slt: fork: %s\n", strerror(errno));
                return 2;
            }
            if (worker->pid == 0) {
                run_worker(options, worker->file_idx, files->paths[worker->file_idx],
                           worker->failure_path, &shared[worker->file_idx]);
            }
            worker_count++;
        }
        usleep(POLL_INTERVAL_US);
        for (int worker_idx = 0; worker_idx < worker_count;) {
            Worker *worker = &workers[worker_idx];
            int status = 0;
            bool timed_out = false;
            pid_t done = waitpid(worker->pid, &status, WNOHANG);
            if (done == 0 && options->timeout_seconds > 0
                && seconds_since(&worker->started) > options->timeout_seconds) {
                kill(worker->pid, SIGKILL);
                waitpid(worker->pid, &status, 0);
                timed_out = true;
                done = worker->pid;
            }
            if (done != worker->pid) {
                worker_idx++;
                continue;
            }
            finish_file(options, files, worker, shared, status, timed_out, list_failures, &total);
            workers[worker_idx] = workers[--worker_count];
        }
    }
    if (list_failures != NULL) fclose(list_failures);
    munmap(shared, files->count * sizeof *shared);
    printf("%llu passed, %llu failed, %llu skipped\n", (unsigned long long)total.passed,
           (unsigned long long)total.failed, (unsigned long long)total.skipped);
    return total.failed > 0 && !options->no_fail ? 1 : 0;
}

/* complete_file: --complete: rewrite path with the engine's results (via path.slt-tmp). */
static bool complete_file(const Options *options, const char *path, size_t file_idx)
{
    char tmp_path[4200];
    snprintf(tmp_path, sizeof tmp_path, "%s.slt-tmp", path);
    FILE *out = fopen(tmp_path, "w");
    if (out == NULL) {
        fprintf(stderr, "slt: %s: %s\n", tmp_path, strerror(errno));
        return false;
    }
    SltConn *conn = NULL;
    SltError error = {{0}, {0}};
    if (!options->engine->connect(&options->config, (int)file_idx, &conn, &error)) {
        fprintf(stderr, "slt: %s: cannot start: %s\n", path, error.message);
        fclose(out);
        unlink(tmp_path);
        return false;
    }
    SltCounts counts = {0};
    SltRunOptions run = {
        .path = path,
        .engine = options->engine,
        .conn = conn,
        .engine_label = options->engine_label,
        .failures = stderr,
        .complete_out = out,
    };
    bool ok = slt_run_file(&run, &counts);
    options->engine->disconnect(conn);
    ok = fclose(out) == 0 && ok;
    if (ok && rename(tmp_path, path) != 0) {
        fprintf(stderr, "slt: rename %s: %s\n", tmp_path, strerror(errno));
        ok = false;
    }
    if (!ok) unlink(tmp_path);
    printf("%s: %s (%llu records, %llu skipped)\n", path, ok ? "completed" : "NOT completed",
           (unsigned long long)(counts.passed + counts.failed), (unsigned long long)counts.skipped);
    return ok;
}

static bool parse_options(int argc, char **argv, Options *options)
{
    enum { OPT_NO_FAIL = 1000, OPT_COMPLETE, OPT_LABEL, OPT_TMP_DIR, OPT_HELP };
    static const struct option long_options[] = {
        {"engine", required_argument, NULL, 'e'},   {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},  {"verbose", no_argument, NULL, 'v'},
        {"list-failures", required_argument, NULL, 'l'},
        {"no-fail", no_argument, NULL, OPT_NO_FAIL}, {"complete", no_argument, NULL, OPT_COMPLETE},
        {"label", required_argument, NULL, OPT_LABEL}, {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},     {"dbname", required_argument, NULL, 'd'},
        {"user", required_argument, NULL, 'U'},     {"tmp-dir", required_argument, NULL, OPT_TMP_DIR},
        {"help", no_argument, NULL, OPT_HELP},      {NULL, 0, NULL, 0},
    };
    *options = (Options){.engine = &slt_engine_pg, .engine_label = "postgresql", .job_count = 1,
                         .timeout_seconds = 600, .config = {.run_id = (long)getpid()}};
    int option;
    while ((option = getopt_long(argc, argv, "e:j:t:vl:h:p:d:U:", long_options, NULL)) != -1) {
        switch (option) {
        case 'e':
            if (strcmp(optarg, "pg") == 0) {
                options->engine = &slt_engine_pg;
            } else if (strcmp(optarg, "birch") == 0) {
                if (slt_engine_birch == NULL) {
                    fprintf(stderr, "slt: built without the birch engine "
                                    "(configure with -DBIRCH_SLT_EMBEDDED=ON)\n");
                    return false;
                }
                options->engine = slt_engine_birch;
            } else {
                fprintf(stderr, "slt: unknown engine %s (pg, birch)\n", optarg);
                return false;
            }
            break;
        case 'j':
            options->job_count = atoi(optarg);
            if (options->job_count < 1 || options->job_count > JOB_COUNT_MAX) {
                fprintf(stderr, "slt: -j wants 1..%d\n", JOB_COUNT_MAX);
                return false;
            }
            break;
        case 't': options->timeout_seconds = atof(optarg); break;
        case 'v': options->verbose = true; break;
        case 'l': options->list_failures_path = optarg; break;
        case OPT_NO_FAIL: options->no_fail = true; break;
        case OPT_COMPLETE: options->complete = true; break;
        case OPT_LABEL: options->engine_label = optarg; break;
        case 'h': options->config.host = optarg; break;
        case 'p': options->config.port = optarg; break;
        case 'd': options->config.dbname = optarg; break;
        case 'U': options->config.user = optarg; break;
        case OPT_TMP_DIR: options->config.tmp_dir = optarg; break;
        case OPT_HELP: usage(stdout); exit(0);
        default: usage(stderr); return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    Options options;
    if (!parse_options(argc, argv, &options)) return 2;
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    FileList files = {0};
    bool ok = true;
    for (int arg_idx = optind; arg_idx < argc; arg_idx++) ok = collect(&files, argv[arg_idx], 0) && ok;
    if (!ok) return 2;
    if (files.count == 0) {
        fprintf(stderr, "slt: no .test files\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int status;
    if (options.complete) {
        status = 0;
        for (size_t file_idx = 0; file_idx < files.count; file_idx++) {
            if (!complete_file(&options, files.paths[file_idx], file_idx)) status = 1;
        }
    } else {
        status = run_all(&options, &files);
    }
    for (size_t file_idx = 0; file_idx < files.count; file_idx++) free(files.paths[file_idx]);
    free(files.paths);
    return status;
}
