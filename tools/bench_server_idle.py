"""tools/bench_server_idle.py N: hold N idle connections to the server named by libpq's PG*
variables (bench_server.sh's idle-connections test). Each connection runs `SELECT 1` once, so
the server has set the session up completely; then the program prints `ready N` and waits.
When its standard input closes (or reads a line) it runs `SELECT 1` on every connection again,
prints `alive K of N` and `errors E`, closes them all and exits 0 if every one answered.

Runs under Debian's /usr/bin/python3 with python3-psycopg2. The caller raises `ulimit -n`.
"""
import sys

import psycopg2

n = int(sys.argv[1])
conns = []
errors = 0
for i in range(n):
    try:
        c = psycopg2.connect("", connect_timeout=30)
        c.autocommit = True
        with c.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        conns.append(c)
    except psycopg2.Error as e:
        errors += 1
        if errors <= 3:
            print(f"connection {i}: {str(e).strip()}", file=sys.stderr, flush=True)
print(f"ready {len(conns)}", flush=True)
sys.stdin.readline()
alive = 0
for c in conns:
    try:
        with c.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        alive += 1
    except psycopg2.Error as e:
        errors += 1
        if errors <= 3:
            print(f"recheck: {str(e).strip()}", file=sys.stderr, flush=True)
    try:
        c.close()
    except psycopg2.Error:
        pass
print(f"alive {alive} of {n}", flush=True)
print(f"errors {errors}", flush=True)
sys.exit(0 if alive == n and errors == 0 else 1)
