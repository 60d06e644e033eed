/* wire/server.h: the PostgreSQL protocol v3 server (`birch serve`), the public entry for tools/
 * and for tests that run a server inside their own process.
 *
 * wire_serve_main(argc, argv) is `birch serve FILE [--host H] [--port P] [--socket-dir D]
 * [--max-connections N] [--config FILE] [--database NAME]` with argv[0] "serve": it serves FILE
 * until SIGTERM (graceful) or SIGINT (fast) and returns the process exit status (0 after a clean
 * shutdown, 1 when the server cannot start, 2 for a usage error).
 *
 * wire_server_start runs the same server on a thread of the calling process (tests): argv as
 * for wire_serve_main; `--port 0` picks a free port, reported by wire_server_port.
 */
#ifndef BIRCH_WIRE_SERVER_H
#define BIRCH_WIRE_SERVER_H

#include <stdbool.h>

typedef struct WireServer WireServer;

int  wire_serve_main(int argc, char **argv);

/* wire_server_start: start serving on a new thread; 0, or -1 after printing why to stderr. */
int  wire_server_start(int argc, char **argv, WireServer **server_out);
int  wire_server_port(const WireServer *server);
/* wire_server_stop: shut down (fast: cancel running statements at once, else let them finish
 * within the grace period), wait for the server thread, free everything. */
void wire_server_stop(WireServer *server, bool fast);
/* wire_server_stats: current connections (sockets) and worker threads, for tests. */
void wire_server_stats(WireServer *server, int *connections_out, int *workers_out);

#endif
