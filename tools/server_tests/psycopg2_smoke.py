"""tools/server_tests/psycopg2_smoke.py: psycopg2 (Debian's python3-psycopg2) against a server.

Run by client_smoke.sh with libpq's PG* variables set (PGHOST PGPORT PGUSER PGDATABASE).
Each check prints `ok NAME` or `FAIL NAME: reason`; checks marked optional print
`FAIL (optional)` and do not fail the run, nor do those that $SERVER_TESTS_KNOWN_FAILURES
(known_failures.txt, `psycopg2 NAME` lines) lists. The last line is `N passed, M failed`; the exit
status is 1 if a required check failed.

Checks: connect (server_version 15.x, UTF8 encoding), parameters of every common type inlined
by psycopg2 (int, float, Decimal, str with quotes/backslashes/Unicode, bytes, date, datetime
naive and aware, None, bool, lists) read back with their Python types, rowcount from the
command tags, commit/rollback/autocommit seen from a second connection, set_session (BEGIN
ISOLATION LEVEL ... READ ONLY), an error with its SQLSTATE and diagnostics and the aborted
state until rollback, several statements in one execute, executemany, COPY through
copy_expert both ways and copy_from/copy_to, a server-side (named) cursor (optional), cancel
(optional).
"""
import datetime
import decimal
import io
import os
import select
import sys
import threading
import time
import traceback

import psycopg2
import psycopg2.errors
import psycopg2.extensions

PASSED = 0
FAILED = 0


def known_failures(driver):
    """The check names known_failures.txt lists for driver (`DRIVER NAME  # why` lines)."""
    path = os.environ.get("SERVER_TESTS_KNOWN_FAILURES")
    names = set()
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if line.startswith(driver + " "):
                    names.add(line[len(driver) + 1:].strip())
    return names


KNOWN = known_failures("psycopg2")


def check(name, optional=False):
    def wrap(fn):
        global PASSED, FAILED
        try:
            fn()
        except Exception as e:  # noqa: BLE001: every failure is reported, then the next check
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            if optional:
                print(f"FAIL (optional) {name}: {detail}")
            elif name in KNOWN:
                print(f"FAIL (known failure, known_failures.txt) {name}: {detail}")
            else:
                print(f"FAIL {name}: {detail}")
                FAILED += 1
            return fn
        if name in KNOWN:
            print(f"ok {name} (now passes: remove it from known_failures.txt)")
        else:
            PASSED += 1
        return fn
    return wrap


def connect(**kw):
    return psycopg2.connect("", connect_timeout=10, **kw)


def expect_equal(what, got, want):
    if got != want or type(got) is not type(want):
        raise AssertionError(f"{what}: got {got!r} ({type(got).__name__}), "
                             f"want {want!r} ({type(want).__name__})")


conn = connect()
cur = conn.cursor()


@check("connect")
def _():
    version = conn.server_version
    if not 150000 <= version < 160000:
        raise AssertionError(f"server_version {version} is not 15.x")
    expect_equal("encoding", conn.encoding, "UTF8")
    expect_equal("status", conn.status, psycopg2.extensions.STATUS_READY)
    cur.execute("SELECT 1")
    expect_equal("SELECT 1", cur.fetchone(), (1,))
    conn.rollback()


UTC = datetime.timezone.utc
VALUES = [
    ("int", 42, "integer"),
    ("negative bigint", -9007199254740993, "bigint"),
    ("float", 3.25, "double precision"),
    ("Decimal", decimal.Decimal("12345.6789"), "numeric"),
    ("str", "it's a \\ back'slash \"q\" \u00e9\u00e8 \U0001F600", "text"),
    ("empty str", "", "text"),
    ("bytes", b"\x00\x01\xfe\xff'\\", "bytea"),
    ("date", datetime.date(2024, 2, 29), "date"),
    ("datetime", datetime.datetime(2024, 2, 29, 13, 45, 1, 500000), "timestamp"),
    ("datetime aware", datetime.datetime(2024, 2, 29, 13, 45, 1, tzinfo=UTC), "timestamptz"),
    ("True", True, "boolean"),
    ("False", False, "boolean"),
]


@check("parameters: SELECT %s::TYPE of each type")
def _():
    for label, value, sqltype in VALUES:
        # psycopg2 inlines a float as a bare literal (numeric): the cast is what applications write
        cur.execute(f"SELECT %s::{sqltype}", (value,))
        got = cur.fetchone()[0]
        if isinstance(value, bytes):
            got = bytes(got)
        expect_equal(label, got, value)
    cur.execute("SELECT %s IS NULL, %s", (None, None))
    expect_equal("None", cur.fetchone(), (True, None))
    cur.execute("SELECT %(a)s + %(b)s AS s, %(a)s * 2 AS d", {"a": 20, "b": 22})
    expect_equal("named parameters", cur.fetchone(), (42, 40))
    cur.execute("SELECT %s", ([1, 2, 3],))
    expect_equal("list -> int[]", cur.fetchone()[0], [1, 2, 3])
    conn.rollback()


@check("parameters: a table of every type, inserted and read back")
def _():
    columns = ", ".join(f"c{i} {t}" for i, (_l, _v, t) in enumerate(VALUES))
    cur.execute(f"CREATE TABLE typed (id int PRIMARY KEY, {columns}, n text)")
    placeholders = ", ".join(["%s"] * (len(VALUES) + 2))
    row = [1] + [v for _l, v, _t in VALUES] + [None]
    cur.execute(f"INSERT INTO typed VALUES ({placeholders})", row)
    expect_equal("INSERT rowcount", cur.rowcount, 1)
    cur.execute("SELECT * FROM typed WHERE id = %s", (1,))
    got = list(cur.fetchone())
    for i, (label, value, _t) in enumerate(VALUES):
        g = got[i + 1]
        if isinstance(value, bytes):
            g = bytes(g)
        expect_equal(f"column {label}", g, value)
    expect_equal("NULL column", got[-1], None)
    names = [d.name for d in cur.description]
    expect_equal("column names", names[:3], ["id", "c0", "c1"])
    conn.commit()


@check("rowcount from command tags")
def _():
    cur.execute("CREATE TABLE rc (id int PRIMARY KEY, v int)")
    cur.executemany("INSERT INTO rc VALUES (%s, %s)", [(i, i * 10) for i in range(1, 11)])
    cur.execute("UPDATE rc SET v = v + 1 WHERE id <= %s", (4,))
    expect_equal("UPDATE rowcount", cur.rowcount, 4)
    cur.execute("DELETE FROM rc WHERE id > %s", (8,))
    expect_equal("DELETE rowcount", cur.rowcount, 2)
    cur.execute("SELECT id FROM rc ORDER BY id")
    expect_equal("SELECT rowcount", cur.rowcount, 8)
    expect_equal("rows", [r[0] for r in cur.fetchall()], list(range(1, 9)))
    cur.execute("UPDATE rc SET v = 0 WHERE id = 1; UPDATE rc SET v = 0 WHERE id = 2")
    cur.execute("SELECT count(*) FROM rc WHERE v = 0")
    expect_equal("two statements in one execute", cur.fetchone()[0], 2)
    conn.commit()


@check("transactions: commit, rollback, isolation from a second connection")
def _():
    other = connect()
    other.autocommit = True
    ocur = other.cursor()
    cur.execute("CREATE TABLE tx (id int PRIMARY KEY)")
    conn.commit()
    cur.execute("INSERT INTO tx VALUES (1)")
    expect_equal("status in a transaction", conn.get_transaction_status(),
                 psycopg2.extensions.TRANSACTION_STATUS_INTRANS)
    ocur.execute("SELECT count(*) FROM tx")
    expect_equal("uncommitted row seen by another session", ocur.fetchone()[0], 0)
    conn.rollback()
    cur.execute("SELECT count(*) FROM tx")
    expect_equal("after rollback", cur.fetchone()[0], 0)
    cur.execute("INSERT INTO tx VALUES (2)")
    conn.commit()
    ocur.execute("SELECT array_agg(id) FROM tx")
    expect_equal("committed row seen by another session", ocur.fetchone()[0], [2])
    with conn:  # the context manager commits
        cur.execute("INSERT INTO tx VALUES (3)")
    ocur.execute("SELECT count(*) FROM tx")
    expect_equal("after `with conn`", ocur.fetchone()[0], 2)
    other.close()


@check("autocommit")
def _():
    conn.autocommit = True
    try:
        other = connect()
        ocur = other.cursor()
        cur.execute("INSERT INTO tx VALUES (4)")
        expect_equal("status after autocommit statement", conn.get_transaction_status(),
                     psycopg2.extensions.TRANSACTION_STATUS_IDLE)
        ocur.execute("SELECT count(*) FROM tx WHERE id = 4")
        expect_equal("autocommitted row seen", ocur.fetchone()[0], 1)
        other.close()
    finally:
        conn.autocommit = False


@check("set_session: isolation level")
def _():
    conn.set_session(isolation_level="REPEATABLE READ")
    try:
        cur.execute("SHOW transaction_isolation")
        expect_equal("isolation", cur.fetchone()[0], "repeatable read")
    finally:
        conn.rollback()
        conn.set_session(isolation_level="DEFAULT")
    cur.execute("SHOW transaction_isolation")
    expect_equal("isolation after reset", cur.fetchone()[0], "read committed")
    conn.rollback()


@check("set_session: read only")
def _():
    conn.set_session(readonly=True)
    try:
        cur.execute("SELECT count(*) FROM tx")
        try:
            cur.execute("INSERT INTO tx VALUES (5)")
            raise AssertionError("INSERT in a read-only transaction succeeded")
        except psycopg2.errors.ReadOnlySqlTransaction:
            pass
    finally:
        conn.rollback()
        conn.set_session(readonly="DEFAULT")
    cur.execute("INSERT INTO tx VALUES (5)")
    conn.rollback()


@check("errors: SQLSTATE, diagnostics, aborted transaction, recovery")
def _():
    try:
        cur.execute("SELECT * FROM no_such_table")
        raise AssertionError("no error")
    except psycopg2.errors.UndefinedTable as e:
        expect_equal("pgcode", e.pgcode, "42P01")
        expect_equal("severity", e.diag.severity, "ERROR")
        expect_equal("position", e.diag.statement_position, "15")
    expect_equal("status after error", conn.get_transaction_status(),
                 psycopg2.extensions.TRANSACTION_STATUS_INERROR)
    try:
        cur.execute("SELECT 1")
        raise AssertionError("a statement ran in an aborted transaction")
    except psycopg2.errors.InFailedSqlTransaction as e:
        expect_equal("pgcode", e.pgcode, "25P02")
    conn.rollback()
    cur.execute("SELECT 2")
    expect_equal("after rollback", cur.fetchone()[0], 2)
    try:
        cur.execute("INSERT INTO rc VALUES (%s, %s)", (1, 1))
        raise AssertionError("duplicate key accepted")
    except psycopg2.errors.UniqueViolation as e:
        expect_equal("pgcode", e.pgcode, "23505")
        expect_equal("detail", e.diag.message_detail, "Key (id)=(1) already exists.")
        expect_equal("constraint", e.diag.constraint_name, "rc_pkey")
    conn.rollback()
    try:
        cur.execute("SELECT 1 / %s", (0,))
        raise AssertionError("division by zero accepted")
    except psycopg2.errors.DivisionByZero:
        pass
    conn.rollback()
    cur.execute("SELECT count(*) FROM rc")
    expect_equal("session still usable", cur.fetchone()[0], 8)
    conn.rollback()


@check("COPY: copy_expert FROM STDIN (csv) and TO STDOUT")
def _():
    cur.execute("CREATE TABLE cp (id int PRIMARY KEY, name text, amount numeric, d date)")
    data = io.StringIO("1,one,1.5,2024-01-01\n2,\"two, quoted\",,2024-01-02\n3,drei \u00e9,3,\n")
    cur.copy_expert("COPY cp FROM STDIN WITH (FORMAT csv)", data)
    expect_equal("COPY FROM rowcount", cur.rowcount, 3)
    out = io.StringIO()
    cur.copy_expert("COPY (SELECT * FROM cp ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", out)
    expect_equal("COPY TO text", out.getvalue(),
                 "id,name,amount,d\n1,one,1.5,2024-01-01\n2,\"two, quoted\",,2024-01-02\n"
                 "3,drei \u00e9,3,\n")
    out = io.StringIO()
    cur.copy_expert("COPY cp TO STDOUT", out)
    expect_equal("COPY TO text rows", sorted(out.getvalue().splitlines()),
                 ["1\tone\t1.5\t2024-01-01", "2\ttwo, quoted\t\\N\t2024-01-02",
                  "3\tdrei \u00e9\t3\t\\N"])
    conn.commit()
    try:
        cur.copy_expert("COPY cp FROM STDIN WITH (FORMAT csv)", io.StringIO("4,x,notanumber,\n"))
        raise AssertionError("bad COPY data accepted")
    except psycopg2.errors.InvalidTextRepresentation:
        pass
    conn.rollback()
    cur.execute("SELECT count(*) FROM cp")
    expect_equal("rows after failed COPY", cur.fetchone()[0], 3)
    conn.rollback()


@check("COPY: copy_from and copy_to (psycopg2's own COPY syntax)")
def _():
    cur.execute("CREATE TABLE cf (a int, b text)")
    cur.copy_from(io.StringIO("1|x\n2|\\N\n3|z\n"), "cf", sep="|", columns=("a", "b"))
    out = io.StringIO()
    cur.copy_to(out, "cf", sep=",")
    expect_equal("copy_to", sorted(out.getvalue().splitlines()), ["1,x", "2,\\N", "3,z"])
    conn.commit()


@check("server-side cursor (named, WITH HOLD)", optional=True)
def _():
    with conn.cursor(name="ssc") as ssc:
        ssc.itersize = 100
        ssc.execute("SELECT g FROM generate_series(1, 1000) AS g")
        total = sum(r[0] for r in ssc)
    expect_equal("sum over the named cursor", total, 500500)
    conn.commit()
    hold = conn.cursor(name="ssc_hold", withhold=True, scrollable=True)
    hold.execute("SELECT id FROM rc ORDER BY id")
    conn.commit()  # a WITH HOLD cursor outlives the commit
    expect_equal("fetchmany", [r[0] for r in hold.fetchmany(3)], [1, 2, 3])
    hold.scroll(0, mode="absolute")
    expect_equal("after scroll", hold.fetchone()[0], 1)
    hold.close()
    conn.commit()


@check("LISTEN / NOTIFY")
def _():
    listener = connect()
    listener.autocommit = True
    lcur = listener.cursor()
    lcur.execute("LISTEN smoke_channel")
    sender = connect()
    sender.autocommit = True
    scur = sender.cursor()
    scur.execute("SELECT pg_backend_pid()")
    sender_pid = scur.fetchone()[0]
    expect_equal("backend pid", sender_pid, sender.get_backend_pid())
    scur.execute("NOTIFY smoke_channel, 'hello'")
    deadline = time.monotonic() + 5
    while not listener.notifies and time.monotonic() < deadline:
        if select.select([listener], [], [], 0.5) != ([], [], []):
            listener.poll()
    if not listener.notifies:
        raise AssertionError("no notification within 5 s")
    note = listener.notifies.pop(0)
    expect_equal("channel", note.channel, "smoke_channel")
    expect_equal("payload", note.payload, "hello")
    expect_equal("pid", note.pid, sender_pid)
    # a rolled-back NOTIFY is not delivered
    sender.autocommit = False
    scur.execute("NOTIFY smoke_channel, 'gone'")
    sender.rollback()
    time.sleep(0.2)
    listener.poll()
    expect_equal("after rollback", len(listener.notifies), 0)
    sender.close()
    listener.close()


@check("cancel a running statement", optional=True)
def _():
    other = connect()
    ocur = other.cursor()
    timer = threading.Timer(0.5, other.cancel)
    timer.start()
    start = time.monotonic()
    try:
        ocur.execute("SELECT count(*) FROM generate_series(1, 1000000000)")
        raise AssertionError("statement was not cancelled")
    except psycopg2.errors.QueryCanceled as e:
        expect_equal("pgcode", e.pgcode, "57014")
    finally:
        timer.cancel()
    if time.monotonic() - start > 10:
        raise AssertionError("cancel took more than 10 s")
    other.rollback()
    ocur.execute("SELECT 1")
    other.close()


conn.close()
print(f"{PASSED} passed, {FAILED} failed")
sys.exit(1 if FAILED else 0)
