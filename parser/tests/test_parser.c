/* parser/tests/test_parser.c: tokenizer, grammar, AST printer, errors, corpus and robustness.
 *
 * Most tests are tables of SQL text and the exact ast_print output (format in parser/ast.h).
 * The corpus test parses every statement and query of the sqllogictest files select1-5 (and
 * checks that the other directories parse too, except records PostgreSQL rejects as well).
 * The robustness test feeds random token sequences and mutated statements: every input must
 * give an Error or an AST, never a crash (run under ASan by the sanitizer build).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/failpoint.h"
#include "parser/ast.h"
#include "parser/parse.h"
#include "parser/tok.h"

#ifndef BIRCH_SLT_DIR
#define BIRCH_SLT_DIR "/work/shared/sqllogictest"
#endif

typedef struct ParseCase {
    const char *sql;
    const char *expected;
} ParseCase;

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

/* parse_print: the printed AST of sql; fails the test on a parse error. */
static char *parse_print(Arena *arena, const char *sql)
{
    AstStmtList *stmts = NULL;
    Error *err = parse_sql(arena, sql, &stmts);
    if (err != NULL) {
        ck_abort_msg("parse failed for [%s]: %s at %d", sql, err->message, err->position);
    }
    char *printed = ast_print_stmts(arena, stmts);
    ck_assert_ptr_nonnull(printed);
    return printed;
}

/* check_spans: every statement has a position inside its span and a non-empty span. */
static void check_spans(Arena *arena, const char *sql)
{
    AstStmtList *stmts = NULL;
    ck_assert_ptr_null(parse_sql(arena, sql, &stmts));
    size_t previous_end = 0;
    for (int stmt_idx = 0; stmt_idx < stmts->count; stmt_idx++) {
        const AstStmt *stmt = stmts->stmts[stmt_idx];
        ck_assert_msg(stmt->position >= 1 && (size_t)stmt->position - 1 >= stmt->text_start &&
                          (size_t)stmt->position - 1 < stmt->text_end,
                      "statement %d of [%s]: position %d outside [%zu, %zu)", stmt_idx, sql,
                      stmt->position, stmt->text_start, stmt->text_end);
        ck_assert_uint_ge(stmt->text_start, previous_end);
        ck_assert_uint_le(stmt->text_end, strlen(sql));
        previous_end = stmt->text_end;
    }
}

static void check_cases(const ParseCase *cases, size_t count)
{
    Arena *arena = arena_create(8192);
    for (size_t case_idx = 0; case_idx < count; case_idx++) {
        check_spans(arena, cases[case_idx].sql);
        char *printed = parse_print(arena, cases[case_idx].sql);
        ck_assert_msg(strcmp(printed, cases[case_idx].expected) == 0,
                      "sql:      %s\nexpected: %s\ngot:      %s", cases[case_idx].sql,
                      cases[case_idx].expected, printed);
        arena_reset(arena);
    }
    arena_destroy(arena);
}

#define CHECK_CASES(cases) check_cases(cases, sizeof cases / sizeof cases[0])

static const ParseCase select_cases[] = {
    {"UPDATE t SET time = 1, level = 2, zone = 3 WHERE data = 4",
     "(update (table t) (set (= time 1) (= level 2) (= zone 3)) (where (= data 4)))"},
    {"CREATE TABLE t (type text, key int primary key, value text, time timestamp, zone text, data bytea, action int, version int, comments text)",
     "(create_table t (column type (type text)) (column key (type int4) (primary_key)) (column value (type text)) (column time (type timestamp)) (column zone (type text)) (column data (type bytea)) (column action (type int4)) (column version (type int4)) (column comments (type text)))"},
    {"SELECT value, nulls, rows, range, partition, over, filter FROM t ORDER BY value DESC NULLS LAST",
     "(select (targets value nulls rows range partition over filter) (from (table t)) (order (sort value desc nulls_last)))"},
    {"WITH data AS (SELECT 1 AS value) SELECT value FROM data first",
     "(select (with (cte data (select (targets (as 1 value))))) (targets value) (from (table data (alias first))))"},
    {"SELECT * FROM t AS first, u last WHERE first.a = last.a",
     "(select (targets *) (from (table t (alias first)) (table u (alias last))) (where (= first.a last.a)))"},
    {"INSERT INTO t (time, key, type) VALUES (1, 2, 3) RETURNING value",
     "(insert t (columns time key type) (values (1 2 3)) (returning value))"},
    {"SELECT sum(value) AS total, name FROM items GROUP BY name HAVING sum(value) > 10",
     "(select (targets (as (func sum value) total) name) (from (table items)) (group name) (having (> (func sum value) 10)))"},
    {"SELECT a FROM t WHERE set = 1",
     "(select (targets a) (from (table t)) (where (= set 1)))"},
    {"CREATE INDEX idx ON t (name, value DESC)",
     "(create_index idx (on t) (columns name (sort value desc)))"},
    {"SELECT * FROM t WHERE position = 1 AND substring = 'x' AND trim = 2 AND extract = 3",
     "(select (targets *) (from (table t)) (where (and (= position 1) (= substring 'x') (= trim 2) (= extract 3))))"},
    {"SELECT mode, access, hold, cursor, close, lock, move FROM t",
     "(select (targets mode access hold cursor close lock move) (from (table t)))"},
    {"SELECT 1",
     "(select (targets 1))"},
    {"SELECT FROM t",
     "(select (from (table t)))"},
    {"SELECT DISTINCT a, b FROM t",
     "(select distinct (targets a b) (from (table t)))"},
    {"select a, b AS c, d e FROM t1, t2 x WHERE a > 1 AND b < 2 OR NOT c",
     "(select (targets a (as b c) (as d e)) (from (table t1) (table t2 (alias x))) (where (or (and (> a 1) (< b 2)) (not c))))"},
    {"SELECT * FROM t1 LEFT JOIN t2 ON t1.a = t2.a JOIN t3 USING (b) ORDER BY 1 DESC NULLS LAST LIMIT 10 OFFSET 5",
     "(select (targets *) (from (join inner (join left (table t1) (table t2) (on (= t1.a t2.a))) (table t3) (using b))) (order (sort 1 desc nulls_last)) (limit 10) (offset 5))"},
    {"SELECT DISTINCT a FROM t",
     "(select distinct (targets a) (from (table t)))"},
    {"SELECT ALL a FROM t",
     "(select (targets a) (from (table t)))"},
    {"SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC FETCH FIRST 5 ROWS ONLY",
     "(select (distinct_on a) (targets a b) (from (table t)) (order a (sort b desc)) (limit 5))"},
    {"SELECT 1 ORDER BY 1 OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY",
     "(select (targets 1) (order 1) (limit 3) (offset 2))"},
    {"SELECT 1 FETCH FIRST ROW ONLY",
     "(select (targets 1) (limit 1))"},
    {"SELECT 1 LIMIT ALL",
     "(select (targets 1))"},
    {"SELECT 1 LIMIT $1 OFFSET $2",
     "(select (targets 1) (limit $1) (offset $2))"},
    {"SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC, a ASC NULLS FIRST",
     "(select (targets a (func count *)) (from (table t)) (group a) (having (> (func count *) 1)) (order (sort 2 desc) (sort a asc nulls_first)))"},
    {"SELECT * FROM t FOR UPDATE",
     "(select (targets *) (from (table t)) (for_update))"},
    {"SELECT * FROM t FOR SHARE OF t NOWAIT",
     "(select (targets *) (from (table t)) (for_share t nowait))"},
    {"SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED",
     "(select (targets *) (from (table t)) (for_no_key_update skip_locked))"},
    {"SELECT * FROM (SELECT 1) AS s(x), LATERAL (SELECT x) y, generate_series(1, 3) WITH ORDINALITY AS g(n, o), (VALUES (1), (2)) v(a)",
     "(select (targets *) (from (subquery (select (targets 1)) (alias s x)) (subquery lateral (select (targets x)) (alias y)) (function (func generate_series 1 3) ordinality (alias g n o)) (subquery (values (1) (2)) (alias v a))))"},
    {"SELECT * FROM a NATURAL JOIN b CROSS JOIN c FULL OUTER JOIN d ON true RIGHT JOIN e USING (x)",
     "(select (targets *) (from (join right (join full (join cross (join inner natural (table a) (table b)) (table c)) (table d) (on true)) (table e) (using x))))"},
    {"SELECT * FROM a INNER JOIN b ON a.x = b.x LEFT OUTER JOIN c ON c.y = b.y",
     "(select (targets *) (from (join left (join inner (table a) (table b) (on (= a.x b.x))) (table c) (on (= c.y b.y)))))"},
    {"SELECT * FROM (a JOIN b ON true) AS j",
     "(select (targets *) (from (join inner (table a) (table b) (on true) (alias j))))"},
    {"SELECT * FROM ONLY t",
     "(select (targets *) (from (table t only)))"},
    {"SELECT * FROM s.t AS x",
     "(select (targets *) (from (table s.t (alias x))))"},
    {"SELECT t.*, s.t.c FROM s.t",
     "(select (targets t.* s.t.c) (from (table s.t)))"},
    {"TABLE t",
     "(select (targets *) (from (table t)))"},
    {"VALUES (1, 2), (3, 4)",
     "(values (1 2) (3 4))"},
    {"VALUES (1, 2), (3, 4) ORDER BY 1 LIMIT 1",
     "(values (1 2) (3 4) (order 1) (limit 1))"},
    {"SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT ALL SELECT 4 ORDER BY 1",
     "(except all (union (select (targets 1)) (intersect (select (targets 2)) (select (targets 3)))) (select (targets 4)) (order 1))"},
    {"SELECT 1 UNION ALL SELECT 2 UNION SELECT 3",
     "(union (union all (select (targets 1)) (select (targets 2))) (select (targets 3)))"},
    {"SELECT 1 INTERSECT SELECT 2 UNION SELECT 3",
     "(union (intersect (select (targets 1)) (select (targets 2))) (select (targets 3)))"},
    {"(SELECT 1) UNION (SELECT 2 ORDER BY 1) ORDER BY 1 LIMIT 1",
     "(union (select (targets 1)) (select (targets 2) (order 1)) (order 1) (limit 1))"},
    {"((SELECT 1))",
     "(select (targets 1))"},
    {"(SELECT 1 LIMIT 1) ORDER BY 1",
     "(select (targets 1) (order 1) (limit 1))"},
    {"WITH d AS (DELETE FROM t WHERE a = 1 RETURNING a) SELECT count(*) FROM d",
     "(select (with (cte d (delete (table t) (where (= a 1)) (returning a)))) (targets (func count *)) (from (table d)))"},
    {"WITH i AS (INSERT INTO t VALUES (1) RETURNING *), u AS MATERIALIZED (UPDATE t SET a = 2 RETURNING a) SELECT * FROM i, u",
     "(select (with (cte i (insert t (values (1)) (returning *))) (cte u materialized (update (table t) (set (= a 2)) (returning a)))) (targets *) (from (table i) (table u)))"},
    {"WITH i AS (WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x) DELETE FROM t",
     "(delete (with (cte i (insert (with (cte x (select (targets 1)))) t (select (targets *) (from (table x)))))) (table t))"},
    {"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r",
     "(select (with recursive (cte r (columns n) (union all (select (targets 1)) (select (targets (+ n 1)) (from (table r)) (where (< n 10)))))) (targets *) (from (table r)))"},
    {"WITH a AS (SELECT 1), b AS MATERIALIZED (SELECT 2) SELECT * FROM a, b",
     "(select (with (cte a (select (targets 1))) (cte b materialized (select (targets 2)))) (targets *) (from (table a) (table b)))"},
    {"WITH a AS NOT MATERIALIZED (SELECT 1) SELECT * FROM a",
     "(select (with (cte a not_materialized (select (targets 1)))) (targets *) (from (table a)))"},
    {"SELECT string_agg(x, ',' ORDER BY x), rank() OVER w FROM t WINDOW w AS (PARTITION BY y RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES)",
     "(select (targets (func string_agg x ',' (order x)) (func rank (over (window (ref w))))) (from (table t)) (windows (window w (partition y) (range (preceding 1) (following 1) exclude_ties))))"},
    {"SELECT count(*), sum(DISTINCT x) FILTER (WHERE x > 0), row_number() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
     "(select (targets (func count *) (func sum distinct x (filter (> x 0))) (func row_number (over (window (partition a) (order b) (rows unbounded_preceding current_row))))) (from (table t)))"},
    {"SELECT sum(x) OVER (ORDER BY y GROUPS 2 PRECEDING), lag(x, 1) OVER (w ORDER BY z), avg(x) OVER () FROM t",
     "(select (targets (func sum x (over (window (order y) (groups (preceding 2))))) (func lag x 1 (over (window (ref w) (order z)))) (func avg x (over (window)))) (from (table t)))"},
    {"SELECT sum(x) OVER (ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM t",
     "(select (targets (func sum x (over (window (rows current_row unbounded_following exclude_current_row))))) (from (table t)))"},
    {"SELECT x FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a) AND a = (SELECT max(b) FROM u)",
     "(select (targets x) (from (table t)) (where (and (exists (select (targets 1) (from (table u)) (where (= u.a t.a)))) (= a (subquery (select (targets (func max b)) (from (table u))))))))"},
    {"select position, name, value, type, key, text, date, time, timestamp, first, last, year, level, data, zone FROM t",
     "(select (targets position name value type key text date time timestamp first last year level data zone) (from (table t)))"},
    {"SELECT a x, b AS select, c \"Quoted\" FROM t",
     "(select (targets (as a x) (as b select) (as c \"Quoted\")) (from (table t)))"},
};

static const ParseCase expr_cases[] = {
    {"SELECT (pg_identify_object(a, b, c)).type, (x).*, (a[1]).\"B\", (t.c).f FROM t",
     "(select (targets (field (func pg_identify_object a b c) type) (field x *) (field (subscript a 1) \"B\") (field t.c f)) (from (table t)))"},
    {"SELECT make_interval(days => 1, hours => x + 1), f(1, b => 2)",
     "(select (targets (func make_interval (named days 1) (named hours (+ x 1))) (func f 1 (named b 2))))"},
    {"SELECT INTERVAL '1' DAY, interval '1:30' hour to minute, '1'::interval second, day, hour, minute, month FROM t",
     "(select (targets (cast '1' (type interval (fields day))) (cast '1:30' (type interval (fields hour to minute))) (cast '1' (type interval (fields second))) day hour minute month) (from (table t)))"},
    {"SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4)) AND (a, b) = (1, 2) AND ROW(a, b) < ROW(3, 4)",
     "(select (targets *) (from (table t)) (where (and (in (row a b) (list (row 1 2) (row 3 4))) (= (row a b) (row 1 2)) (< (row a b) (row 3 4)))))"},
    {"SELECT (SELECT 1) + 1, (a), ((a))::int, (ARRAY[1,2])[1], -(-1), +'1', (SELECT 1)[1]",
     "(select (targets (+ (subquery (select (targets 1))) 1) a (cast a (type int4)) (subscript (array 1 2) 1) 1 (+ '1') (subscript (subquery (select (targets 1))) 1)))"},
    {"SELECT 1 WHERE NOT EXISTS (SELECT 1)",
     "(select (targets 1) (where (not (exists (select (targets 1))))))"},
    {"SELECT * FROM t ORDER BY a USING >, b USING <",
     "(select (targets *) (from (table t)) (order (sort a desc) (sort b asc)))"},
    {"SELECT a FROM t GROUP BY ROLLUP(a)",
     "(select (targets a) (from (table t)) (group (func rollup a)))"},
    {"SELECT x BETWEEN y AND z IS TRUE, a = ANY($1::int[]), $1 IS NULL, t.a::text || 'x', CAST('1' AS double precision), '1'::\"char\", interval '1 day' * 2, now() AT TIME ZONE 'UTC'",
     "(select (targets (is_true (between x y z)) (any = a (cast $1 (type int4 []))) (is_null $1) (|| (cast t.a (type text)) 'x') (cast '1' (type float8)) (cast '1' (type char)) (* (cast '1 day' (type interval)) 2) (at_time_zone (func now) 'UTC')))"},
    {"SELECT count(*) FROM (SELECT 1) sub JOIN (SELECT 2) AS s2 ON true",
     "(select (targets (func count *)) (from (join inner (subquery (select (targets 1)) (alias sub)) (subquery (select (targets 2)) (alias s2)) (on true))))"},
    {"SELECT * FROM t1 JOIN t2 ON t1.a = t2.a JOIN t3 ON t2.b = t3.b WHERE t1.c IS NOT NULL",
     "(select (targets *) (from (join inner (join inner (table t1) (table t2) (on (= t1.a t2.a))) (table t3) (on (= t2.b t3.b)))) (where (is_not_null t1.c)))"},
    {"SELECT * FROM t1, t2 JOIN t3 ON true",
     "(select (targets *) (from (table t1) (join inner (table t2) (table t3) (on true))))"},
    {"SELECT 1 AS \"x y\", 2 AS from, 3 \"order\"",
     "(select (targets (as 1 \"x y\") (as 2 from) (as 3 order)))"},
    {"SELECT a, b FROM t WHERE a IN (SELECT a FROM u) OR b NOT IN (SELECT b FROM u) ORDER BY a NULLS FIRST",
     "(select (targets a b) (from (table t)) (where (or (in a (select (targets a) (from (table u)))) (not_in b (select (targets b) (from (table u)))))) (order (sort a nulls_first)))"},
    {"SELECT ARRAY[1,2] || 3, '{1,2}'::int[], array_agg(x ORDER BY y DESC), unnest(ARRAY['a'])",
     "(select (targets (|| (array 1 2) 3) (cast '{1,2}' (type int4 [])) (func array_agg x (order (sort y desc))) (func unnest (array 'a'))))"},
    {"SELECT 'x'::regclass::oid, relname::text FROM pg_catalog.pg_class c WHERE c.oid = 'foo'::regclass",
     "(select (targets (cast (cast 'x' (type regclass)) (type oid)) (cast relname (type text))) (from (table pg_catalog.pg_class (alias c))) (where (= c.oid (cast 'foo' (type regclass)))))"},
    {"SELECT e.* FROM (SELECT 1 AS a) e",
     "(select (targets e.*) (from (subquery (select (targets (as 1 a))) (alias e))))"},
    {"SELECT DISTINCT ON (a, b) * FROM t",
     "(select (distinct_on a b) (targets *) (from (table t)))"},
    {"SELECT 1 FROM t HAVING count(*) > 0",
     "(select (targets 1) (from (table t)) (having (> (func count *) 0)))"},
    {"select a, sum(b) over (partition by a order by b rows 2 preceding) from t order by 1",
     "(select (targets a (func sum b (over (window (partition a) (order b) (rows (preceding 2)))))) (from (table t)) (order 1))"},
    {"select lag(x) over w, lead(x, 2, 0) over w from t window w as (order by x)",
     "(select (targets (func lag x (over (window (ref w)))) (func lead x 2 0 (over (window (ref w))))) (from (table t)) (windows (window w (order x))))"},
    {"SELECT CASE WHEN a IS NULL THEN 'n' WHEN a > 0 THEN 'p' END FROM t",
     "(select (targets (case (when (is_null a) 'n') (when (> a 0) 'p'))) (from (table t)))"},
    {"SELECT 1::bigint, 1::int8, 2::numeric(5, 1), 'x'::varchar(3), 'x'::character varying, 'x'::char(2), 1::double precision, 1.5::real, '1'::boolean, 'ab'::bytea, '2020-01-01'::date, '1:00'::time, now()::timestamp(0) without time zone",
     "(select (targets (cast 1 (type int8)) (cast 1 (type int8)) (cast 2 (type numeric 5 1)) (cast 'x' (type varchar 3)) (cast 'x' (type varchar)) (cast 'x' (type bpchar 2)) (cast 1 (type float8)) (cast 1.5 (type float4)) (cast '1' (type bool)) (cast 'ab' (type bytea)) (cast '2020-01-01' (type date)) (cast '1:00' (type time)) (cast (func now) (type timestamp 0))))"},
    {"SELECT a.b FROM a WHERE a.b ~* '^x' AND a.b !~ 'y' AND a.b SIMILAR TO '%(b|d)%'",
     "(select (targets a.b) (from (table a)) (where (and (~* a.b '^x') (!~ a.b 'y') (similar a.b '%(b|d)%'))))"},
    {"SELECT count(DISTINCT a), count(ALL a), max(a) FILTER (WHERE b) OVER ()",
     "(select (targets (func count distinct a) (func count a) (func max a (filter b) (over (window)))))"},
    {"SELECT 'a' = ALL ('{a}'::text[])",
     "(select (targets (all = 'a' (cast '{a}' (type text [])))))"},
    {"SELECT EXTRACT(EPOCH FROM now()), date_part('year', now()), date_trunc('day', now())",
     "(select (targets (func extract 'epoch' (func now)) (func date_part 'year' (func now)) (func date_trunc 'day' (func now))))"},
    {"SELECT * FROM t AS x(a, b) NATURAL LEFT JOIN u",
     "(select (targets *) (from (join left natural (table t (alias x a b)) (table u))))"},
    {"VALUES (1, 'a') UNION ALL VALUES (2, 'b')",
     "(union all (values (1 'a')) (values (2 'b')))"},
    {"SELECT * FROM (VALUES (1, 'one'), (2, 'two')) AS t (num, letter)",
     "(select (targets *) (from (subquery (values (1 'one') (2 'two')) (alias t num letter))))"},
    {"WITH t AS (SELECT 1 AS a) SELECT * FROM t UNION SELECT * FROM t",
     "(union (with (cte t (select (targets (as 1 a))))) (select (targets *) (from (table t))) (select (targets *) (from (table t))))"},
    {"SELECT 1 UNION (SELECT 2 UNION SELECT 3)",
     "(union (select (targets 1)) (union (select (targets 2)) (select (targets 3))))"},
    {"SELECT sum(x)::float8 / count(*) FROM t",
     "(select (targets (/ (cast (func sum x) (type float8)) (func count *))) (from (table t)))"},
    {"SELECT -1::int, - 1::int, 2 - -1, 2--1",
     "(select (targets (- (cast 1 (type int4))) (- (cast 1 (type int4))) (- 2 -1) 2))"},
    {"SELECT 1 FROM t WHERE a <> ALL (ARRAY[1,2]) AND b = SOME (SELECT 1)",
     "(select (targets 1) (from (table t)) (where (and (all <> a (array 1 2)) (any = b (select (targets 1))))))"},
    {"SELECT timestamp with time zone '2020-01-01', time without time zone '10:00', x::time with time zone",
     "(select (targets (cast '2020-01-01' (type timestamptz)) (cast '10:00' (type time)) (cast x (type timetz))))"},
    {"SELECT 1 + 2 * 3, (1 + 2) * 3, 2 ^ 3 ^ 2, -2 ^ 2, 10 % 3 / 2",
     "(select (targets (+ 1 (* 2 3)) (* (+ 1 2) 3) (^ (^ 2 3) 2) (^ -2 2) (/ (% 10 3) 2)))"},
    {"SELECT a = b AND c <> d OR e >= f AND NOT g <= h",
     "(select (targets (or (and (= a b) (<> c d)) (and (>= e f) (not (<= g h))))))"},
    {"SELECT a != b, a < b, a > b",
     "(select (targets (<> a b) (< a b) (> a b)))"},
    {"SELECT NOT a = b, a = b NOT IN (1)",
     "(select (targets (not (= a b)) (= a (not_in b (list 1)))))"},
    {"SELECT a FROM t WHERE a NOT IN (1,2,3) AND b IN (SELECT x FROM u) AND c NOT BETWEEN 1 AND 2 AND d LIKE 'a%' AND e IS NOT NULL AND f IS DISTINCT FROM g",
     "(select (targets a) (from (table t)) (where (and (not_in a (list 1 2 3)) (in b (select (targets x) (from (table u)))) (not_between c 1 2) (like d 'a%') (is_not_null e) (distinct_from f g))))"},
    {"SELECT a ISNULL, b NOTNULL, c IS TRUE, d IS NOT FALSE, e IS UNKNOWN, e IS NOT UNKNOWN, f IS NOT DISTINCT FROM g, h BETWEEN SYMMETRIC 2 AND 1, i ILIKE 'x' ESCAPE '!', j SIMILAR TO 'a', k NOT LIKE 'q', l NOT ILIKE 'r', m NOT SIMILAR TO 's'",
     "(select (targets (is_null a) (is_not_null b) (is_true c) (is_not_false d) (is_unknown e) (is_not_unknown e) (not_distinct_from f g) (between_symmetric h 2 1) (ilike i 'x' (escape '!')) (similar j 'a') (not_like k 'q') (not_ilike l 'r') (not_similar m 's')))"},
    {"SELECT a BETWEEN 1 + 1 AND 5 AND b",
     "(select (targets (and (between a (+ 1 1) 5) b)))"},
    {"SELECT a IS NULL = b IS NULL",
     "(select (targets (is_null (= (is_null a) b))))"},
    {"SELECT a FROM t WHERE x = ANY(ARRAY[1,2]) AND y <> ALL (SELECT 1) AND z = SOME('{1}') AND arr[1] = 2 AND arr[1:2] IS NULL AND arr[:2] IS NULL",
     "(select (targets a) (from (table t)) (where (and (any = x (array 1 2)) (all <> y (select (targets 1))) (any = z '{1}') (= (subscript arr 1) 2) (is_null (slice arr 1 2)) (is_null (slice arr _ 2)))))"},
    {"SELECT x LIKE ANY (ARRAY['a%']), ARRAY[[1,2],[3,4]], ARRAY[]::int[], ARRAY(SELECT 1)",
     "(select (targets (any ~~ x (array 'a%')) (array (array 1 2) (array 3 4)) (cast (array) (type int4 [])) (array_sub (select (targets 1)))))"},
    {"SELECT (1, 2), ROW(1), ROW(), $1::text, 'a' || 'b', x ~ 'a', x !~* 'b', a @> b, a <@ b, a & b | c # d, a << 2, a >> 1, -a, - 5, @ -5, |/ 25, ~ 1",
     "(select (targets (row 1 2) (row 1) (row) (cast $1 (type text)) (|| 'a' 'b') (~ x 'a') (!~* x 'b') (@> a b) (<@ a b) (# (| (& a b) c) d) (<< a 2) (>> a 1) (- a) -5 (@ -5) (|/ 25) (~ 1)))"},
    {"SELECT a OPERATOR(pg_catalog.+) b",
     "(select (targets (+ a b)))"},
    {"SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE a WHEN 1 THEN 'x' END",
     "(select (targets (case (when a 1) (when b 2) (else 3)) (case a (when 1 'x'))))"},
    {"SELECT CAST(a AS numeric(10,2)), a::int[], a::double precision, CAST(b AS timestamp with time zone), c::varchar(3)::text",
     "(select (targets (cast a (type numeric 10 2)) (cast a (type int4 [])) (cast a (type float8)) (cast b (type timestamptz)) (cast (cast c (type varchar 3)) (type text))))"},
    {"SELECT DATE '2020-01-01', INTERVAL '1 day', TIMESTAMP '2020-01-01 00:00', TIMESTAMPTZ 'now', int4 '5', pg_catalog.int8 '7', DOUBLE PRECISION '1.5'",
     "(select (targets (cast '2020-01-01' (type date)) (cast '1 day' (type interval)) (cast '2020-01-01 00:00' (type timestamp)) (cast 'now' (type timestamptz)) (cast '5' (type int4)) (cast '7' (type pg_catalog.int8)) (cast '1.5' (type float8))))"},
    {"SELECT coalesce(a, b), nullif(a, b), greatest(1,2), least(3), extract(year from d), extract('epoch' from d)",
     "(select (targets (coalesce a b) (nullif a b) (greatest 1 2) (least 3) (func extract 'year' d) (func extract 'epoch' d)))"},
    {"SELECT substring(s from 1 for 2), substring(s from 2), substring(s for 3), substring(s, 1, 2), position('a' in s), overlay(s placing 'x' from 2 for 1)",
     "(select (targets (func substring s 1 2) (func substring s 2) (func substring s 1 3) (func substring s 1 2) (func position s 'a') (func overlay s 'x' 2 1)))"},
    {"SELECT trim(both 'x' from s), trim(leading from s), trim(trailing 'y' from s), trim(s), trim(s, 'z')",
     "(select (targets (func btrim s 'x') (func ltrim s) (func rtrim s 'y') (func btrim s) (func btrim s 'z')))"},
    {"SELECT current_date, current_timestamp, now(), localtime, localtimestamp, current_user, session_user, user, CURRENT_TIMESTAMP(3), current_schema",
     "(select (targets (func current_date) (func current_timestamp) (func now) (func localtime) (func localtimestamp) (func current_user) (func session_user) (func current_user) (func current_timestamp 3) (func current_schema)))"},
    /* current_schema() is a call too (PostgreSQL: type_func_name_keyword); current_user() is not */
    {"SELECT current_schema(), current_schema",
     "(select (targets (func current_schema) (func current_schema)))"},
    {"SELECT left('abc', 2), right('abc', 1), \"Mixed Case\", s.f(1), count(ALL x), f(VARIADIC a)",
     "(select (targets (func left 'abc' 2) (func right 'abc' 1) \"Mixed Case\" (func s.f 1) (func count x) (func f variadic a)))"},
    {"SELECT 1e10, 1.5E-3, .5, 1., 0x, 123abc, E'a\\tb', $$dollar 'quoted'$$, $tag$ x $$ y $tag$, B'0101', X'1F'",
     "(select (targets 1e10 1.5E-3 .5 1. (as 0 x) (as 123 abc) 'a\tb' 'dollar ''quoted''' ' x $$ y ' B'0101' X'1F'))"},
    {"SELECT 9223372036854775807, -9223372036854775808, 99999999999999999999, -1.5, +3",
     "(select (targets 9223372036854775807 -9223372036854775808 99999999999999999999 -1.5 (+ 3)))"},
    {"SELECT a COLLATE \"C\", x AT TIME ZONE 'UTC', TRUE, FALSE, NULL",
     "(select (targets (collate a \"C\") (at_time_zone x 'UTC') true false null))"},
    {"SELECT 'a'\n  'b' -- comment\n  'c'",
     "(select (targets 'abc'))"},
    {"SELECT /* nested /* comment */ still */ 2",
     "(select (targets 2))"},
    {"SELECT a.b.c.d FROM t",
     "(select (targets a.b.c.d) (from (table t)))"},
    {"SELECT grouping(a), a FROM t GROUP BY a",
     "(select (targets (func grouping a) a) (from (table t)) (group a))"},
};

static const ParseCase dml_cases[] = {
    {"INSERT INTO t (a, b) VALUES (1, 'x'), (2, DEFAULT) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.a > 0 RETURNING *",
     "(insert t (columns a b) (values (1 'x') (2 default)) (on_conflict (target a) do_update (set (= b excluded.b)) (where (> t.a 0))) (returning *))"},
    {"INSERT INTO t DEFAULT VALUES",
     "(insert t default_values)"},
    {"INSERT INTO t SELECT * FROM u",
     "(insert t (select (targets *) (from (table u))))"},
    {"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
     "(insert t (values (1)) (on_conflict do_nothing))"},
    {"INSERT INTO t AS x VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING RETURNING x.a AS y",
     "(insert t (alias x) (values (1)) (on_conflict (constraint t_pkey) do_nothing) (returning (as x.a y)))"},
    {"INSERT INTO s.t (a) OVERRIDING SYSTEM VALUE VALUES (1)",
     "(insert s.t (columns a) overriding_system_value (values (1)))"},
    {"WITH w AS (SELECT 1) INSERT INTO t SELECT * FROM w",
     "(insert (with (cte w (select (targets 1)))) t (select (targets *) (from (table w))))"},
    {"INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a, b) WHERE a > 0 DO UPDATE SET (a, b) = (1, 2)",
     "(insert t (columns a b) (values ($1 $2)) (on_conflict (target a b) (target_where (> a 0)) do_update (set (= (a b) (row 1 2)))))"},
    {"UPDATE t SET a = a + 1, b = 2 FROM u WHERE t.id = u.id RETURNING a",
     "(update (table t) (set (= a (+ a 1)) (= b 2)) (from (table u)) (where (= t.id u.id)) (returning a))"},
    {"UPDATE t AS x SET a = DEFAULT",
     "(update (table t (alias x)) (set (= a default)))"},
    {"UPDATE ONLY t x SET (a, b) = (SELECT 1, 2) WHERE CURRENT_DATE > d",
     "(update (table t only (alias x)) (set (= (a b) (subquery (select (targets 1 2))))) (where (> (func current_date) d)))"},
    {"DELETE FROM t USING u WHERE t.id = u.id RETURNING t.*",
     "(delete (table t) (using (table u)) (where (= t.id u.id)) (returning t.*))"},
    {"DELETE FROM t",
     "(delete (table t))"},
    {"DELETE FROM s.t AS x WHERE x.a IN (1, 2)",
     "(delete (table s.t (alias x)) (where (in x.a (list 1 2))))"},
};

static const ParseCase ddl_cases[] = {
    {"CREATE TABLE t (a interval day to second, b interval, day int, month text)",
     "(create_table t (column a (type interval (fields day to second))) (column b (type interval)) (column day (type int4)) (column month (type text)))"},
    {"CREATE TABLE t1(a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER)",
     "(create_table t1 (column a (type int4)) (column b (type int4)) (column c (type int4)) (column d (type int4)) (column e (type int4)))"},
    {"CREATE TABLE IF NOT EXISTS pgbench_accounts (aid int not null, bid int, abalance int, filler char(84)) with (fillfactor=100)",
     "(create_table if_not_exists pgbench_accounts (column aid (type int4) not_null) (column bid (type int4)) (column abalance (type int4)) (column filler (type bpchar 84)) (with (fillfactor 100)))"},
    {"create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))",
     "(create_table pgbench_history (column tid (type int4)) (column bid (type int4)) (column aid (type int4)) (column delta (type int4)) (column mtime (type timestamp)) (column filler (type bpchar 22)))"},
    {"CREATE TABLE t (id serial PRIMARY KEY, n numeric(10,2) DEFAULT 0 NOT NULL, d double precision, ts timestamp with time zone, tm time without time zone, v varchar(20) UNIQUE, c character varying(3), x int GENERATED ALWAYS AS IDENTITY, r int REFERENCES u(id) ON DELETE CASCADE, CHECK (n > 0), FOREIGN KEY (r) REFERENCES u (id) ON UPDATE SET NULL, UNIQUE (v, c))",
     "(create_table t (column id (type serial) (primary_key)) (column n (type numeric 10 2) (default 0) not_null) (column d (type float8)) (column ts (type timestamptz)) (column tm (type time)) (column v (type varchar 20) (unique)) (column c (type varchar 3)) (column x (type int4) (identity always)) (column r (type int4) (foreign_key (references u id) (on_delete cascade))) (check (> n 0)) (foreign_key (columns r) (references u id) (on_update set_null)) (unique v c))"},
    {"CREATE TABLE t (id bigserial, a int GENERATED BY DEFAULT AS IDENTITY (START WITH 5 INCREMENT BY 2), tags text[], m int[][], b boolean NULL, c bytea, f float(10), g float(30), h real, i smallint, j bigint, k decimal(5), l \"char\", m2 name, n interval, o date, p time, q timestamp(3), r timestamptz, s oid, u regclass, w int ARRAY)",
     "(create_table t (column id (type bigserial)) (column a (type int4) (identity by_default (options (start 5) (increment 2)))) (column tags (type text [])) (column m (type int4 [] [])) (column b (type bool) null) (column c (type bytea)) (column f (type float4)) (column g (type float8)) (column h (type float4)) (column i (type int2)) (column j (type int8)) (column k (type numeric 5)) (column l (type char)) (column m2 (type name)) (column n (type interval)) (column o (type date)) (column p (type time)) (column q (type timestamp 3)) (column r (type timestamptz)) (column s (type oid)) (column u (type regclass)) (column w (type int4 [])))"},
    {"CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a > 0) CONSTRAINT a_nn NOT NULL, b text COLLATE \"C\" DEFAULT 'x', c int DEFAULT -1 NOT NULL, CONSTRAINT pk PRIMARY KEY (a, b))",
     "(create_table t (column a (type int4) (constraint a_pos (check (> a 0))) (constraint a_nn not_null)) (column b (type text) (collate \"C\") (default 'x')) (column c (type int4) (default -1) not_null) (constraint pk (primary_key a b)))"},
    {"CREATE TEMP TABLE t (a int); CREATE UNLOGGED TABLE u (a int); CREATE TABLE v ()",
     "(create_table temp t (column a (type int4))); (create_table unlogged u (column a (type int4))); (create_table v)"},
    {"CREATE TABLE t AS SELECT 1 AS a",
     "(create_table t (as (select (targets (as 1 a)))))"},
    {"CREATE TABLE t (x, y) AS SELECT 1, 2 WITH NO DATA",
     "(create_table t (column x) (column y) (as (select (targets 1 2))) with_no_data)"},
    {"CREATE UNIQUE INDEX IF NOT EXISTS i1 ON t USING btree (a DESC NULLS FIRST, lower(b), (a + b))",
     "(create_index unique if_not_exists i1 (on t) (using btree) (columns (sort a desc nulls_first) (func lower b) (+ a b)))"},
    {"CREATE INDEX ON t (a)",
     "(create_index (on t) (columns a))"},
    {"CREATE INDEX i2 ON s.t (a text_pattern_ops, b COLLATE \"C\" ASC) INCLUDE (c) WITH (fillfactor = 70) WHERE a > 0",
     "(create_index i2 (on s.t) (columns (sort a (opclass text_pattern_ops)) (sort b (collate \"C\") asc)) (include c) (with (fillfactor 70)) (where (> a 0)))"},
    {"CREATE INDEX CONCURRENTLY i3 ON t (a)",
     "(create_index concurrently i3 (on t) (columns a))"},
    {"DROP INDEX i1; DROP INDEX IF EXISTS s.i2, i3 CASCADE; DROP INDEX CONCURRENTLY i4",
     "(drop_index i1); (drop_index if_exists s.i2 i3 cascade); (drop_index concurrently i4)"},
    {"CREATE VIEW v AS SELECT 1; CREATE OR REPLACE VIEW v (a, b) AS SELECT 1, 2; DROP VIEW IF EXISTS v, w",
     "(create_view v (select (targets 1))); (create_view or_replace v (columns a b) (select (targets 1 2))); (drop_view if_exists v w)"},
    {"ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)",
     "(alter_table pgbench_branches (add_constraint (primary_key bid)))"},
    {"alter table pgbench_tellers add constraint pgbench_tellers_bid_fkey foreign key (bid) references pgbench_branches",
     "(alter_table pgbench_tellers (add_constraint (constraint pgbench_tellers_bid_fkey (foreign_key (columns bid) (references pgbench_branches)))))"},
    {"ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 1, DROP COLUMN d CASCADE, ALTER COLUMN e TYPE bigint, ALTER f SET NOT NULL",
     "(alter_table t (add_column (column c (type int4) not_null (default 1))) (drop_column d cascade) (alter_type e (type int8)) (set_not_null f))"},
    {"ALTER TABLE t ADD d text, ADD COLUMN IF NOT EXISTS e int, DROP IF EXISTS f, DROP COLUMN IF EXISTS g RESTRICT",
     "(alter_table t (add_column (column d (type text))) (add_column if_not_exists (column e (type int4))) (drop_column if_exists f) (drop_column if_exists g))"},
    {"ALTER TABLE t ALTER COLUMN a SET DEFAULT 5, ALTER a DROP DEFAULT, ALTER a DROP NOT NULL, ALTER a SET DATA TYPE text USING a::text",
     "(alter_table t (set_default a 5) (drop_default a) (drop_not_null a) (alter_type a (type text) (cast a (type text))))"},
    {"ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t RENAME a TO b; ALTER TABLE t RENAME TO u; ALTER TABLE IF EXISTS t RENAME CONSTRAINT c TO d",
     "(alter_table t (rename_column a b)); (alter_table t (rename_column a b)); (alter_table t (rename_table u)); (alter_table if_exists t (rename_constraint c d))"},
    {"ALTER VIEW v RENAME TO w; ALTER VIEW IF EXISTS s.v RENAME TO w; ALTER VIEW v OWNER TO bob",
     "(alter_table view v (rename_table w)); (alter_table if_exists view s.v (rename_table w)); (alter_table view v (owner bob))"},
    {"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0); ALTER TABLE t ADD UNIQUE (a); ALTER TABLE t DROP CONSTRAINT c; ALTER TABLE t DROP CONSTRAINT IF EXISTS d CASCADE",
     "(alter_table t (add_constraint (constraint c (check (> a 0))))); (alter_table t (add_constraint (unique a))); (alter_table t (drop_constraint c)); (alter_table t (drop_constraint if_exists d cascade))"},
    {"ALTER TABLE t SET SCHEMA s; ALTER TABLE t SET (fillfactor = 80)",
     "(alter_table t (set_schema s)); (alter_table t (set_options (options (fillfactor 80))))"},
    {"drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
     "(drop_table if_exists pgbench_accounts pgbench_branches pgbench_history pgbench_tellers)"},
    {"DROP TABLE t CASCADE; DROP TABLE s.t RESTRICT",
     "(drop_table t cascade); (drop_table s.t)"},
    {"truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
     "(truncate pgbench_accounts pgbench_branches pgbench_history pgbench_tellers)"},
    {"TRUNCATE t RESTART IDENTITY CASCADE; TRUNCATE t CONTINUE IDENTITY",
     "(truncate t restart_identity cascade); (truncate t)"},
    {"CREATE SCHEMA IF NOT EXISTS s; CREATE SCHEMA s AUTHORIZATION bob; CREATE SCHEMA AUTHORIZATION bob; DROP SCHEMA s CASCADE; DROP SCHEMA IF EXISTS a, b",
     "(create_schema if_not_exists s); (create_schema s (authorization bob)); (create_schema bob (authorization bob)); (drop_schema s cascade); (drop_schema if_exists a b)"},
    {"CREATE SEQUENCE IF NOT EXISTS s1 INCREMENT BY 2 START WITH 10 MINVALUE 1 NO MAXVALUE CACHE 5 CYCLE; CREATE SEQUENCE s2 AS bigint INCREMENT -1 NO MINVALUE MAXVALUE 100 NO CYCLE OWNED BY t.a; DROP SEQUENCE s1",
     "(create_sequence if_not_exists s1 (options (increment 2) (start 10) (minvalue 1) no_maxvalue (cache 5) (cycle true))); (create_sequence s2 (options (as 'int8') (increment -1) no_minvalue (maxvalue 100) (cycle false) (owned_by t.a))); (drop_sequence s1)"},
    {"ALTER SEQUENCE s1 RESTART WITH 1; ALTER SEQUENCE IF EXISTS s2 RESTART",
     "(alter_sequence s1 (options (restart 1))); (alter_sequence if_exists s2 (options restart))"},
};

static const ParseCase utility_cases[] = {
    {"COMMENT ON TABLE public.t IS 'the t'; COMMENT ON COLUMN t.a IS NULL; COMMENT ON INDEX i IS E'x\\ny'; SELECT comment FROM t",
     "(comment table public.t 'the t'); (comment column t.a null); (comment index i 'x\ny'); (select (targets comment) (from (table t)))"},
    {"SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0; SET client_encoding = 'UTF8'; SET standard_conforming_strings = on; SELECT pg_catalog.set_config('search_path', '', false); SET check_function_bodies = false; SET xmloption = content; SET client_min_messages = warning; SET row_security = off",
     "(set statement_timeout 0); (set lock_timeout 0); (set idle_in_transaction_session_timeout 0); (set client_encoding 'UTF8'); (set standard_conforming_strings 'on'); (select (targets (func pg_catalog.set_config 'search_path' '' false))); (set check_function_bodies 'false'); (set xmloption 'content'); (set client_min_messages 'warning'); (set row_security 'off')"},
    {"SET default_tablespace = ''; SET default_table_access_method = heap",
     "(set default_tablespace ''); (set default_table_access_method 'heap')"},
    {"CREATE TABLE public.t (id integer NOT NULL, name text)",
     "(create_table public.t (column id (type int4) not_null) (column name (type text)))"},
    {"ALTER TABLE public.t OWNER TO postgres",
     "(alter_table public.t (owner postgres))"},
    {"CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1",
     "(create_sequence public.t_id_seq (options (as 'int4') (start 1) (increment 1) no_minvalue no_maxvalue (cache 1)))"},
    {"ALTER TABLE public.t_id_seq OWNER TO postgres",
     "(alter_table public.t_id_seq (owner postgres))"},
    {"ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id",
     "(alter_sequence public.t_id_seq (options (owned_by public.t.id)))"},
    {"ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass)",
     "(alter_table only public.t (set_default id (func nextval (cast 'public.t_id_seq' (type regclass)))))"},
    {"COPY public.t (id, name) FROM stdin",
     "(copy public.t (columns id name) from stdin)"},
    {"SELECT pg_catalog.setval('public.t_id_seq', 1, false)",
     "(select (targets (func pg_catalog.setval 'public.t_id_seq' 1 false)))"},
    {"ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id)",
     "(alter_table only public.t (add_constraint (constraint t_pkey (primary_key id))))"},
    {"CREATE INDEX t_name_idx ON public.t USING btree (name)",
     "(create_index t_name_idx (on public.t) (using btree) (columns name))"},
    {"ALTER TABLE ONLY public.u ADD CONSTRAINT u_t_fkey FOREIGN KEY (t_id) REFERENCES public.t(id)",
     "(alter_table only public.u (add_constraint (constraint u_t_fkey (foreign_key (columns t_id) (references public.t id)))))"},
    {"SET DATESTYLE = ISO; SET INTERVALSTYLE = POSTGRES; SET extra_float_digits TO 3; SET synchronize_seqscans TO off",
     "(set datestyle 'iso'); (set intervalstyle 'postgres'); (set extra_float_digits 3); (set synchronize_seqscans 'off')"},
    {"DECLARE \"c\" SCROLL CURSOR WITH HOLD FOR SELECT 1; DECLARE c2 BINARY NO SCROLL CURSOR WITHOUT HOLD FOR SELECT * FROM t; DECLARE c3 CURSOR FOR VALUES (1)",
     "(declare_cursor c scroll hold (select (targets 1))); (declare_cursor c2 binary no_scroll (select (targets *) (from (table t)))); (declare_cursor c3 (values (1)))"},
    {"FETCH FORWARD 100 FROM \"c\"; FETCH c; FETCH NEXT FROM c; FETCH PRIOR c; FETCH FIRST IN c; FETCH LAST c; FETCH ABSOLUTE -2 c; FETCH RELATIVE 3 FROM c; FETCH 5 c; FETCH ALL FROM c; FETCH BACKWARD ALL c; FETCH BACKWARD 2 c; FETCH FORWARD ALL IN c",
     "(fetch c forward 100); (fetch c forward 1); (fetch c forward 1); (fetch c backward 1); (fetch c absolute 1); (fetch c absolute -1); (fetch c absolute -2); (fetch c relative 3); (fetch c forward 5); (fetch c forward all); (fetch c backward all); (fetch c backward 2); (fetch c forward all)"},
    {"MOVE ABSOLUTE 5 FROM \"c\"; CLOSE \"c\"; CLOSE ALL",
     "(move c absolute 5); (close c); (close all)"},
    {"LOCK TABLE t IN ACCESS SHARE MODE; LOCK t, s.u; LOCK TABLE ONLY t IN SHARE ROW EXCLUSIVE MODE NOWAIT; LOCK t IN ROW EXCLUSIVE MODE",
     "(lock t (mode 'access share')); (lock t s.u (mode 'access exclusive')); (lock t (mode 'share row exclusive') nowait); (lock t (mode 'row exclusive'))"},
    {"LISTEN chan; UNLISTEN chan; UNLISTEN *; NOTIFY chan; NOTIFY \"Chan\", 'hello'; SELECT listen, notify FROM unlisten",
     "(listen chan); (unlisten chan); (unlisten *); (notify chan); (notify \"Chan\" 'hello'); (select (targets listen notify) (from (table unlisten)))"},
    {"DISCARD ALL; DISCARD PLANS; DISCARD TEMP; SET ROLE bob; SET SESSION AUTHORIZATION DEFAULT; SET SESSION AUTHORIZATION 'alice'",
     "(discard all); (discard plans); (discard temp); (set role 'bob'); (set session_authorization default); (set session_authorization 'alice')"},
    {"BEGIN; BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY; BEGIN TRANSACTION READ WRITE, ISOLATION LEVEL READ COMMITTED; BEGIN WORK",
     "(begin); (begin (modes (isolation 'serializable') (read_only true))); (begin (modes (read_only false) (isolation 'read committed'))); (begin)"},
    {"START TRANSACTION; START TRANSACTION ISOLATION LEVEL REPEATABLE READ DEFERRABLE; START TRANSACTION NOT DEFERRABLE, ISOLATION LEVEL READ UNCOMMITTED",
     "(begin start_transaction); (begin start_transaction (modes (isolation 'repeatable read') (deferrable true))); (begin start_transaction (modes (deferrable false) (isolation 'read uncommitted')))"},
    {"COMMIT; COMMIT WORK; END; END TRANSACTION; COMMIT AND CHAIN; ROLLBACK; ROLLBACK AND NO CHAIN; ABORT",
     "(commit); (commit); (commit); (commit); (commit and_chain); (rollback); (rollback); (rollback)"},
    {"SAVEPOINT a; ROLLBACK TO SAVEPOINT a; ROLLBACK TO a; ROLLBACK TRANSACTION TO SAVEPOINT a; RELEASE SAVEPOINT a; RELEASE a",
     "(savepoint a); (rollback_to a); (rollback_to a); (rollback_to a); (release a); (release a)"},
    {"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
     "(set_transaction (modes (isolation 'serializable'))); (set_session_transaction (modes (read_only true)))"},
    {"SET search_path TO public, \"$user\"; SET TIME ZONE 'UTC'; SET TIME ZONE LOCAL; SET LOCAL x = 1; SET SESSION datestyle = 'ISO, MDY'; SET x TO DEFAULT",
     "(set search_path 'public' '$user'); (set timezone 'UTC'); (set timezone default); (set local x 1); (set datestyle 'ISO, MDY'); (set x default)"},
    {"SET extra_float_digits = -3; SET enable_seqscan = off; SET a.b = on; SET statement_timeout = '5s'; SET client_encoding = UTF8; SET NAMES 'UTF8'; SET SCHEMA 'public'",
     "(set extra_float_digits -3); (set enable_seqscan 'off'); (set \"a.b\" 'on'); (set statement_timeout '5s'); (set client_encoding 'utf8'); (set client_encoding 'UTF8'); (set search_path 'public')"},
    {"SHOW ALL; SHOW search_path; SHOW TIME ZONE; SHOW TRANSACTION ISOLATION LEVEL; RESET ALL; RESET x; RESET TIME ZONE",
     "(show all); (show search_path); (show timezone); (show transaction_isolation); (reset all); (reset x); (reset timezone)"},
    {"EXPLAIN SELECT 1; EXPLAIN ANALYZE SELECT 1; EXPLAIN ANALYZE VERBOSE SELECT 1; EXPLAIN VERBOSE SELECT 1",
     "(explain (select (targets 1))); (explain (options analyze) (select (targets 1))); (explain (options analyze verbose) (select (targets 1))); (explain (options verbose) (select (targets 1)))"},
    {"EXPLAIN (ANALYZE, COSTS off, FORMAT json) SELECT 1; EXPLAIN (SELECT 1); EXPLAIN INSERT INTO t VALUES (1); EXPLAIN ANALYZE DELETE FROM t",
     "(explain (options analyze (costs 'off') (format 'json')) (select (targets 1))); (explain (select (targets 1))); (explain (insert t (values (1)))); (explain (options analyze) (delete (table t)))"},
    {"ANALYZE; ANALYZE t; ANALYZE VERBOSE t (a, b), u; VACUUM; VACUUM FULL t; VACUUM ANALYZE pgbench_branches; VACUUM (VERBOSE, ANALYZE) t; VACUUM FREEZE VERBOSE",
     "(analyze); (analyze t); (analyze (options verbose) t (columns a b) u); (vacuum); (vacuum (options full) t); (vacuum (options analyze) pgbench_branches); (vacuum (options verbose analyze) t); (vacuum (options freeze verbose))"},
    {"COPY t (a, b) FROM '/tmp/x.csv' WITH (FORMAT csv, HEADER, DELIMITER ',', NULL ''); COPY t TO STDOUT CSV HEADER; COPY (SELECT 1) TO STDOUT",
     "(copy t (columns a b) from '/tmp/x.csv' (options (format 'csv') header (delimiter ',') (null ''))); (copy t to stdout (options (format 'csv') (header true))); (copy (select (targets 1)) to stdout)"},
    {"copy pgbench_accounts from stdin with (freeze on); COPY t FROM STDIN DELIMITER '|' NULL 'x'; COPY t FROM STDIN BINARY; COPY t TO '/tmp/y' (FORMAT text, ENCODING 'UTF8')",
     "(copy pgbench_accounts from stdin (options (freeze 'on'))); (copy t from stdin (options (delimiter '|') (null 'x'))); (copy t from stdin (options (format 'binary'))); (copy t to '/tmp/y' (options (format 'text') (encoding 'UTF8')))"},
    {"COPY t FROM STDIN WITH CSV HEADER QUOTE '\"' ESCAPE '\\' FORCE NOT NULL a, b; COPY t TO STDOUT WITH CSV FORCE QUOTE *; COPY t FROM STDIN (FORMAT csv, FORCE_NOT_NULL (a, b)) WHERE a > 0",
     "(copy t from stdin (options (format 'csv') (header true) (quote '\"') (escape '\\') (force_not_null (a b)))); (copy t to stdout (options (format 'csv') (force_quote '*'))); (copy t from stdin (options (format 'csv') (force_not_null (a b))) (where (> a 0)))"},
    {"PREPARE p (int, text) AS SELECT $1, $2; PREPARE q AS UPDATE t SET a = $1; EXECUTE p(1, 'a'); EXECUTE q; DEALLOCATE p; DEALLOCATE PREPARE q; DEALLOCATE ALL",
     "(prepare p (types (type int4) (type text)) (select (targets $1 $2))); (prepare q (update (table t) (set (= a $1)))); (execute p 1 'a'); (execute q); (deallocate p); (deallocate q); (deallocate all)"},
    {"CREATE ROLE bob LOGIN PASSWORD 'x'; CREATE USER u WITH SUPERUSER CREATEDB CONNECTION LIMIT 5 VALID UNTIL '2030-01-01'; ALTER ROLE bob PASSWORD 'y'; ALTER USER bob WITH NOLOGIN",
     "(create_role bob (options login (password 'x'))); (create_user u (options superuser createdb (connection_limit 5) (valid_until '2030-01-01'))); (alter_role bob (options (password 'y'))); (alter_role bob (options nologin))"},
    {"ALTER ROLE bob RENAME TO alice; ALTER ROLE bob SET search_path = a, b; ALTER ROLE bob RESET search_path; DROP ROLE IF EXISTS bob, alice; DROP USER u",
     "(alter_role bob (rename alice)); (alter_role bob (set search_path 'a' 'b')); (alter_role bob (reset search_path)); (drop_role if_exists bob alice); (drop_role u)"},
    {";;; SELECT 1;; ;",
     "(select (targets 1))"},
    {"",
     ""},
    {"-- only a comment",
     ""},
};

START_TEST(test_parse_select) { CHECK_CASES(select_cases); }
END_TEST
START_TEST(test_parse_expressions) { CHECK_CASES(expr_cases); }
END_TEST
START_TEST(test_parse_dml) { CHECK_CASES(dml_cases); }
END_TEST
START_TEST(test_parse_ddl) { CHECK_CASES(ddl_cases); }
END_TEST
START_TEST(test_parse_utility) { CHECK_CASES(utility_cases); }
END_TEST

/* ------------------------------------------------------------------ tokenizer */

/* tokens: "kind:text@position" for every token of sql, or "error:message@position". */
static char *tokens(Arena *arena, const char *sql)
{
    static const char kinds[] = {'$', 'I', 'N', 'F', 'S', 'B', 'X', 'P', 'O', 'C', 'U'};
    Tokenizer tok;
    tok_init(&tok, arena, sql);
    size_t size = 0;
    size_t capacity = 4096;
    char *out = arena_alloc(arena, capacity);
    out[0] = '\0';
    for (int token_idx = 0; token_idx < 1000; token_idx++) {
        Token token;
        Error *err = tok_next(&tok, &token);
        int written;
        if (err != NULL) {
            written = snprintf(out + size, capacity - size, "%serror:%s@%d", size ? " " : "",
                               err->message, err->position);
            err_free(err);
            break;
        }
        if (token.kind == TOK_EOF) {
            written = snprintf(out + size, capacity - size, "%s$@%d", size ? " " : "",
                               token.position);
            break;
        }
        char kind = token.quoted ? 'Q' : kinds[token.kind];
        written = snprintf(out + size, capacity - size, "%s%c:%s@%d", size ? " " : "", kind,
                           token.text, token.position);
        ck_assert_int_gt(written, 0);
        size += (size_t)written;
        ck_assert_uint_lt(size, capacity);
    }
    return out;
}

static void check_tokens(const char *sql, const char *expected)
{
    Arena *arena = arena_create(4096);
    char *got = tokens(arena, sql);
    ck_assert_msg(strcmp(got, expected) == 0, "sql: %s\nexpected: %s\ngot:      %s", sql,
                  expected, got);
    arena_destroy(arena);
}

START_TEST(test_tok_identifiers_and_keywords)
{
    check_tokens("SELECT Foo, \"Bar\", \"a\"\"b\", _x$1, été",
                 "I:select@1 I:foo@8 U:,@11 Q:Bar@13 U:,@18 Q:a\"b@20 U:,@26 I:_x$1@28 U:,@32 "
                 "I:\xc3\xa9t\xc3\xa9@34 $@39");
    /* longer than 63 bytes: truncated like PostgreSQL */
    char long_name[100];
    memset(long_name, 'a', 70);
    long_name[70] = '\0';
    Arena *arena = arena_create(4096);
    Tokenizer tok;
    tok_init(&tok, arena, long_name);
    Token token;
    ck_assert_ptr_null(tok_next(&tok, &token));
    ck_assert_uint_eq(token.text_size, TOK_IDENT_SIZE_MAX);
    ck_assert_int_eq(token.raw_size, 70);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_tok_numbers)
{
    check_tokens("1 1.5 .5 1e10 1.5E-3 1. 123abc 1e 1e+ 0.5e3x 1..2",
                 "N:1@1 F:1.5@3 F:.5@7 F:1e10@10 F:1.5E-3@15 F:1.@22 N:123@25 I:abc@28 N:1@32 "
                 "I:e@33 N:1@35 I:e@36 O:+@37 F:0.5e3@39 I:x@44 N:1@46 U:.@47 F:.2@48 $@50");
}
END_TEST

START_TEST(test_tok_strings)
{
    check_tokens("'it''s' 'a'\n  'b' 'c' ''", "S:it's@1 S:ab@9 S:c@19 S:@23 $@25");
    check_tokens("'a' -- comment\n 'b'", "S:ab@1 $@20");
    check_tokens("'back\\slash'", "S:back\\slash@1 $@13");
    check_tokens("E'a\\nb\\t\\\\\\'\\x41\\101\\u00e9' e'x''y'",
                 "S:a\nb\t\\'AA\xc3\xa9@1 S:x'y@29 $@36");
    check_tokens("$$dollar 'q'$$ $tag$a$$b$tag$ $a$x$b$y$a$",
                 "S:dollar 'q'@1 S:a$$b@16 S:x$b$y@31 $@42");
    check_tokens("B'0101' X'1fA' N'nat'", "B:0101@1 X:1fA@9 S:nat@16 $@22");
    check_tokens("$1 $23 a$b", "P:1@1 P:23@4 I:a$b@8 $@11");
}
END_TEST

START_TEST(test_tok_operators_and_comments)
{
    check_tokens("a=-1 a!=b a<>b a<=b a>=b a||b a::int",
                 "I:a@1 O:=@2 O:-@3 N:1@4 I:a@6 O:<>@7 I:b@9 I:a@11 O:<>@12 I:b@14 I:a@16 "
                 "O:<=@17 I:b@19 I:a@21 O:>=@22 I:b@24 I:a@26 O:||@27 I:b@29 I:a@31 C:::@32 "
                 "I:int@34 $@37");
    check_tokens("~ ~* !~ !~* @> <@ & | # << >> ^ % @- ~-",
                 "O:~@1 O:~*@3 O:!~@6 O:!~*@9 O:@>@13 O:<@@16 O:&@19 O:|@21 O:#@23 O:<<@25 "
                 "O:>>@28 O:^@31 O:%@33 O:@-@35 O:~-@38 $@40");
    check_tokens("1+--c\n2 3*/*x*/4", "N:1@1 O:+@2 N:2@7 N:3@9 O:*@10 N:4@16 $@17");
    check_tokens("/* a /* nested */ b */ x -- tail", "I:x@24 $@33");
    check_tokens("( ) [ ] , ; . : { \\", "U:(@1 U:)@3 U:[@5 U:]@7 U:,@9 U:;@11 U:.@13 U::@15 "
                                        "U:{@17 U:\\@19 $@20");
}
END_TEST

START_TEST(test_tok_errors)
{
    check_tokens("SELECT 'abc", "I:select@1 error:unterminated quoted string at or near \"'abc\"@8");
    check_tokens("x \"abc", "I:x@1 error:unterminated quoted identifier at or near \"\"abc\"@3");
    check_tokens("1 /* a /* b */", "N:1@1 error:unterminated /* comment at or near \"/* a /* b */\"@3");
    check_tokens("$$abc", "error:unterminated dollar-quoted string at or near \"$$abc\"@1");
    check_tokens("a \"\"", "I:a@1 error:zero-length delimited identifier at or near \"\"\"\"@3");
    check_tokens("E'\\u12'", "error:invalid Unicode escape@3");
    check_tokens("X'1G'", "error:\"G\" is not a valid hexadecimal digit@1");
    check_tokens("B'012'", "error:\"2\" is not a valid binary digit@1");
    check_tokens("E'a\\0'", "error:invalid byte sequence for encoding \"UTF8\": 0x00@4");
    check_tokens("E'\\xff'", "error:invalid byte sequence for encoding \"UTF8\": 0xff@1");
    check_tokens("E'\\303\\251'", "S:\xc3\xa9@1 $@12");
    check_tokens("", "$@1");
    check_tokens("   ", "$@4");
}
END_TEST

/* ------------------------------------------------------------------ errors */

typedef struct ErrorCase {
    const char *sql;
    SqlState    state;
    int         position;
    const char *message;
} ErrorCase;

static const ErrorCase error_cases[] = {
    {"SELECT 1 +", SQLSTATE_SYNTAX_ERROR, 11, "syntax error at end of input"},
    {"SELECT 1 +   ", SQLSTATE_SYNTAX_ERROR, 14, "syntax error at end of input"},
    {"SELECT * FORM t", SQLSTATE_SYNTAX_ERROR, 10, "syntax error at or near \"FORM\""},
    {"SELECT a FORM t", SQLSTATE_SYNTAX_ERROR, 15, "syntax error at or near \"t\""},
    {"SELEC 1", SQLSTATE_SYNTAX_ERROR, 1, "syntax error at or near \"SELEC\""},
    {"SELECT current_user()", SQLSTATE_SYNTAX_ERROR, 20, "syntax error at or near \"(\""},
    {"SELECT 'abc", SQLSTATE_SYNTAX_ERROR, 8, "unterminated quoted string at or near \"'abc\""},
    {"SELECT \"abc", SQLSTATE_SYNTAX_ERROR, 8,
     "unterminated quoted identifier at or near \"\"abc\""},
    {"SELECT 1 /* x", SQLSTATE_SYNTAX_ERROR, 10, "unterminated /* comment at or near \"/* x\""},
    {"SELECT $$abc", SQLSTATE_SYNTAX_ERROR, 8,
     "unterminated dollar-quoted string at or near \"$$abc\""},
    {"SELECT \"\"", SQLSTATE_SYNTAX_ERROR, 8, "zero-length delimited identifier at or near \"\"\"\""},
    {"SELECT 1; SELECT 2 +;", SQLSTATE_SYNTAX_ERROR, 21, "syntax error at or near \";\""},
    {"SELECT 1; SELECT 2 +", SQLSTATE_SYNTAX_ERROR, 21, "syntax error at end of input"},
    {"CREATE TABLE t (a int,)", SQLSTATE_SYNTAX_ERROR, 23, "syntax error at or near \")\""},
    {"SELECT 'x' 'y'", SQLSTATE_SYNTAX_ERROR, 12, "syntax error at or near \"'y'\""},
    {"SELECT 1 LIMIT 1, 2", SQLSTATE_FEATURE_NOT_SUPPORTED, 10, "LIMIT #,# syntax is not supported"},
    {"(SELECT 1 ORDER BY 1) ORDER BY 2", SQLSTATE_SYNTAX_ERROR, 32,
     "multiple ORDER BY clauses not allowed"},
    {"(SELECT 1 LIMIT 1) LIMIT 2", SQLSTATE_SYNTAX_ERROR, 26, "multiple LIMIT clauses not allowed"},
    {"(SELECT 1 OFFSET 1) OFFSET 2", SQLSTATE_SYNTAX_ERROR, 28,
     "multiple OFFSET clauses not allowed"},
    {"SELECT $0", SQLSTATE_UNDEFINED_PARAMETER, 8, "there is no parameter $0"},
    {"SELECT x FROM t WHERE x NOT NULL", SQLSTATE_SYNTAX_ERROR, 25, "syntax error at or near \"NOT\""},
    {"SELECT 1 FROM t1 WHERE 1 IN ()", SQLSTATE_SYNTAX_ERROR, 30, "syntax error at or near \")\""},
    {"INSERT OR REPLACE INTO t1 VALUES(2)", SQLSTATE_SYNTAX_ERROR, 8,
     "syntax error at or near \"OR\""},
    {"SELECT {", SQLSTATE_SYNTAX_ERROR, 8, "syntax error at or near \"{\""},
    {"SELECT 1 FROM", SQLSTATE_SYNTAX_ERROR, 14, "syntax error at end of input"},
    {"SELECT DISTINCT FROM t", SQLSTATE_SYNTAX_ERROR, 17, "syntax error at or near \"FROM\""},
    {"SELECT * FROM t WHERE a = 1 ORDER a", SQLSTATE_SYNTAX_ERROR, 35, "syntax error at or near \"a\""},
    {"CREATE TABLE select (a int)", SQLSTATE_SYNTAX_ERROR, 14, "syntax error at or near \"select\""},
    {"SELECT a FROM t WHERE from = 1", SQLSTATE_SYNTAX_ERROR, 23, "syntax error at or near \"from\""},
    {"SELECT float(60) '1'", SQLSTATE_SYNTAX_ERROR, 18, "syntax error at or near \"'1'\""},
    {"CREATE TABLE t (a float(60))", SQLSTATE_INVALID_PARAMETER_VALUE, 25,
     "precision for type float must be between 1 and 53 bits"},
    {"SELECT E'\\u00'", SQLSTATE_SYNTAX_ERROR, 10, "invalid Unicode escape"},
    {"SELECT int with time zone '1'", SQLSTATE_SYNTAX_ERROR, 12, "syntax error at or near \"with\""},
    {"CREATE TABLE t (a int without time zone)", SQLSTATE_SYNTAX_ERROR, 23,
     "syntax error at or near \"without\""},
    {"SELECT a => b", SQLSTATE_SYNTAX_ERROR, 10, "syntax error at or near \"=>\""},
    {"SELECT int '1' day", SQLSTATE_SYNTAX_ERROR, 16, "syntax error at or near \"day\""},
    {"FETCH ABSOLUTE 99999999999999999999 c", SQLSTATE_NUMERIC_VALUE_OUT_OF_RANGE, 16,
     "integer out of range"},
};

START_TEST(test_parse_errors)
{
    Arena *arena = arena_create(4096);
    for (size_t case_idx = 0; case_idx < sizeof error_cases / sizeof error_cases[0]; case_idx++) {
        const ErrorCase *expected = &error_cases[case_idx];
        AstStmtList *stmts = NULL;
        Error *err = parse_sql(arena, expected->sql, &stmts);
        ck_assert_msg(err != NULL, "no error for [%s]", expected->sql);
        ck_assert_ptr_null(stmts);   /* untouched on error */
        ck_assert_msg(err->state == expected->state && err->position == expected->position &&
                          strcmp(err->message, expected->message) == 0,
                      "sql: %s\nexpected: %s %d %s\ngot:      %s %d %s", expected->sql,
                      sqlstate_code(expected->state), expected->position, expected->message,
                      sqlstate_code(err->state), err->position, err->message);
        err_free(err);
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

START_TEST(test_parse_nesting_limits)
{
    Arena *arena = arena_create(1 << 16);
    size_t depth_max = 3 * PARSE_NESTING_MAX;
    char *sql = malloc(depth_max * 40 + 64);
    /* moderately deep parentheses parse */
    size_t size = (size_t)sprintf(sql, "SELECT ");
    for (int depth = 0; depth < 200; depth++) sql[size++] = '(';
    sql[size++] = '1';
    for (int depth = 0; depth < 200; depth++) sql[size++] = ')';
    sql[size] = '\0';
    ck_assert_str_eq(parse_print(arena, sql), "(select (targets 1))");
    /* too deep: 54001, not a crash */
    size = (size_t)sprintf(sql, "SELECT ");
    for (size_t depth = 0; depth < depth_max; depth++) sql[size++] = '(';
    sql[size++] = '1';
    for (size_t depth = 0; depth < depth_max; depth++) sql[size++] = ')';
    sql[size] = '\0';
    AstStmtList *stmts = NULL;
    Error *err = parse_sql(arena, sql, &stmts);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_STATEMENT_TOO_COMPLEX);
    err_free(err);
    /* a long right-recursive chain overflows the grammar stack: 54001 */
    size = (size_t)sprintf(sql, "SELECT ");
    for (size_t depth = 0; depth < depth_max * 10; depth++) size += (size_t)sprintf(sql + size, "- ");
    sql[size++] = '1';
    sql[size] = '\0';
    err = parse_sql(arena, sql, &stmts);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->state, SQLSTATE_STATEMENT_TOO_COMPLEX);
    err_free(err);
    /* a long left-recursive chain is fine */
    size = (size_t)sprintf(sql, "SELECT 1");
    for (size_t term_idx = 0; term_idx < depth_max; term_idx++) size += (size_t)sprintf(sql + size, "+1");
    ck_assert_ptr_null(parse_sql(arena, sql, &stmts));
    ck_assert_int_eq(stmts->count, 1);
    free(sql);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_parse_statement_spans)
{
    Arena *arena = arena_create(4096);
    const char *sql = "  SELECT 1;\n;  INSERT INTO t VALUES ('a;b') ;SELECT 2 -- end";
    AstStmtList *stmts = NULL;
    ck_assert_ptr_null(parse_sql(arena, sql, &stmts));
    ck_assert_int_eq(stmts->count, 3);
    const char *texts[] = {"SELECT 1", "INSERT INTO t VALUES ('a;b')", "SELECT 2"};
    const int positions[] = {3, 16, 46};
    for (int stmt_idx = 0; stmt_idx < 3; stmt_idx++) {
        const AstStmt *stmt = stmts->stmts[stmt_idx];
        size_t size = stmt->text_end - stmt->text_start;
        ck_assert_uint_eq(size, strlen(texts[stmt_idx]));
        ck_assert_int_eq(memcmp(sql + stmt->text_start, texts[stmt_idx], size), 0);
        ck_assert_int_eq(stmt->position, positions[stmt_idx]);
    }
    ck_assert_int_eq(stmts->stmts[1]->kind, AST_STMT_INSERT);
    /* nothing but separators and comments: zero statements */
    ck_assert_ptr_null(parse_sql(arena, " ; -- x\n ; /* y */", &stmts));
    ck_assert_int_eq(stmts->count, 0);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_parse_positions)
{
    Arena *arena = arena_create(4096);
    AstStmtList *stmts = NULL;
    ck_assert_ptr_null(parse_sql(arena, "SELECT a + -5, f(x) FROM s.t WHERE y = $2", &stmts));
    const AstSelect *select = stmts->stmts[0]->u.select;
    const AstTarget *first = select->targets->items[0];
    ck_assert_int_eq(first->expr->kind, AST_EXPR_BINARY);
    ck_assert_int_eq(first->expr->position, 10);          /* the operator */
    ck_assert_int_eq(first->expr->left->position, 8);
    ck_assert_int_eq(first->expr->right->kind, AST_EXPR_INTEGER);
    ck_assert_int_eq(first->expr->right->position, 12);   /* the folded minus sign */
    ck_assert(first->expr->right->int_fits);
    ck_assert_int_eq(first->expr->right->int_value, -5);
    const AstTarget *second = select->targets->items[1];
    ck_assert_int_eq(second->expr->kind, AST_EXPR_FUNC);
    ck_assert_int_eq(second->expr->position, 16);
    const AstFrom *from = select->from->items[0];
    ck_assert_int_eq(from->position, 26);
    ck_assert_int_eq(select->where->right->kind, AST_EXPR_PARAM);
    ck_assert_int_eq(select->where->right->param_idx, 2);
    ck_assert_int_eq(select->where->right->position, 40);
    ck_assert_ptr_null(parse_sql(arena, "SELECT 9223372036854775808, -9223372036854775808", &stmts));
    const AstExpr *big = ((AstTarget *)stmts->stmts[0]->u.select->targets->items[0])->expr;
    const AstExpr *min = ((AstTarget *)stmts->stmts[0]->u.select->targets->items[1])->expr;
    ck_assert(!big->int_fits);
    ck_assert(min->int_fits);
    ck_assert(min->int_value == INT64_MIN);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_parse_keywords)
{
    ck_assert_ptr_null(parse_keywords_check());
    ck_assert_int_eq(parse_keyword_kind("select"), PARSE_KEYWORD_RESERVED);
    ck_assert_int_eq(parse_keyword_kind("name"), PARSE_KEYWORD_UNRESERVED);
    ck_assert_int_eq(parse_keyword_kind("position"), PARSE_KEYWORD_FUNC);
    ck_assert_int_eq(parse_keyword_kind("widget"), PARSE_KEYWORD_NONE);
    /* unreserved and function-like keywords work as names everywhere a name goes */
    static const ParseCase cases[] = {
        {"CREATE TABLE key (name text, value int, type int, text text, position int, first int, "
         "action int)",
         "(create_table key (column name (type text)) (column value (type int4)) (column type "
         "(type int4)) (column text (type text)) (column position (type int4)) (column first "
         "(type int4)) (column action (type int4)))"},
        {"SELECT key.name, value AS v, position FROM key WHERE type = 1 ORDER BY first",
         "(select (targets key.name (as value v) position) (from (table key)) (where (= type 1)) "
         "(order first))"},
        {"INSERT INTO data (name, trim) VALUES ('x', 1) RETURNING name",
         "(insert data (columns name trim) (values ('x' 1)) (returning name))"},
        {"SELECT \"select\" FROM \"from\" AS \"where\"",
         "(select (targets select) (from (table from (alias where))))"},
    };
    CHECK_CASES(cases);
}
END_TEST

START_TEST(test_parse_out_of_memory)
{
    Arena *arena = arena_create(4096);
    const char *sql = "SELECT a, count(*) FROM t JOIN u USING (k) WHERE b IN (1, 2, 3) "
                      "GROUP BY a ORDER BY 2 DESC; INSERT INTO t VALUES (1, 'x')";
    int failure_count = 0;
    for (int skip_count = 0; skip_count < 10000; skip_count++) {
        fp_set("parser.ast_alloc", FP_ACTION_ERROR, skip_count, 1);
        AstStmtList *stmts = NULL;
        Error *err = parse_sql(arena, sql, &stmts);
        fp_clear_all();
        if (err == NULL) {
            ck_assert_int_eq(stmts->count, 2);
            arena_reset(arena);
            break;
        }
        arena_reset(arena);
        ck_assert_int_eq(err->state, SQLSTATE_OUT_OF_MEMORY);
        ck_assert_ptr_null(stmts);
        err_free(err);
        failure_count++;
    }
    ck_assert_int_gt(failure_count, 20);   /* every allocation was tried */
    ck_assert_str_eq(parse_print(arena, "SELECT 1"), "(select (targets 1))");
    arena_destroy(arena);
}
END_TEST

/* ------------------------------------------------------------------ corpus */

/* for_each_record: call fn on the SQL of every "statement ok" and "query" record of an slt
 * file that is not excluded by "onlyif <other engine>" or "skipif postgresql". */
typedef struct CorpusCounts {
    long parsed;
    long failed;
    char first_failure[512];
} CorpusCounts;

static bool line_starts(const char *line, const char *word)
{
    return strncmp(line, word, strlen(word)) == 0;
}

/* read_line: fgets with CRLF line ends turned into LF (some corpus files use CRLF). */
static bool read_line(char *line, size_t size, FILE *file)
{
    if (fgets(line, (int)size, file) == NULL) return false;
    size_t length = strlen(line);
    if (length >= 2 && line[length - 2] == '\r' && line[length - 1] == '\n') {
        line[length - 2] = '\n';
        line[length - 1] = '\0';
    }
    return true;
}

static void corpus_file(const char *path, Arena *arena, CorpusCounts *counts)
{
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    char line[65536];
    size_t sql_capacity = 1 << 20;
    char *sql = malloc(sql_capacity);
    bool skip = false;
    while (read_line(line, sizeof line, file)) {
        if (line_starts(line, "onlyif ")) {
            if (!line_starts(line + 7, "postgresql")) skip = true;
            continue;
        }
        if (line_starts(line, "skipif postgresql")) {
            skip = true;
            continue;
        }
        bool record = line_starts(line, "statement ok") || line_starts(line, "query ");
        bool error_record = line_starts(line, "statement error");
        if (!record && !error_record) {
            if (line[0] == '\n') skip = false;
            continue;
        }
        size_t size = 0;
        while (read_line(line, sizeof line, file)) {
            if (line[0] == '\n' || strcmp(line, "----\n") == 0) break;
            size_t line_size = strlen(line);
            ck_assert_uint_lt(size + line_size, sql_capacity);
            memcpy(sql + size, line, line_size);
            size += line_size;
        }
        sql[size] = '\0';
        if (!skip && record) {
            AstStmtList *stmts = NULL;
            Error *err = parse_sql(arena, sql, &stmts);
            if (err == NULL) {
                counts->parsed++;
            } else {
                if (counts->failed == 0) {
                    snprintf(counts->first_failure, sizeof counts->first_failure, "%s: %s: %s",
                             path, err->message, sql);
                }
                counts->failed++;
                err_free(err);
            }
            arena_reset(arena);
        }
        skip = false;
    }
    free(sql);
    fclose(file);
}

START_TEST(test_parse_corpus_select)
{
    Arena *arena = arena_create(1 << 16);
    CorpusCounts counts = {0};
    for (int file_idx = 1; file_idx <= 5; file_idx++) {
        char path[256];
        snprintf(path, sizeof path, "%s/select%d.test", BIRCH_SLT_DIR, file_idx);
        corpus_file(path, arena, &counts);
    }
    ck_assert_msg(counts.failed == 0, "%ld of %ld failed; first: %s", counts.failed,
                  counts.failed + counts.parsed, counts.first_failure);
    ck_assert_int_gt(counts.parsed, 10000);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_parse_corpus_index)
{
    /* a sample of index/ and random/: everything PostgreSQL parses, we parse */
    static const char *const files[] = {
        "index/between/1/slt_good_0.test",  "index/commute/10/slt_good_0.test",
        "index/in/10/slt_good_3.test",      "index/orderby/10/slt_good_0.test",
        "index/delete/1/slt_good_0.test",   "index/view/10/slt_good_0.test",
        "random/expr/slt_good_0.test",      "random/aggregates/slt_good_0.test",
        "random/groupby/slt_good_0.test",   "random/select/slt_good_0.test",
    };
    Arena *arena = arena_create(1 << 16);
    CorpusCounts counts = {0};
    int file_count = 0;
    for (size_t file_idx = 0; file_idx < sizeof files / sizeof files[0]; file_idx++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", BIRCH_SLT_DIR, files[file_idx]);
        FILE *probe = fopen(path, "r");
        if (probe == NULL) continue;   /* the subset in ../shared may not hold this one */
        fclose(probe);
        corpus_file(path, arena, &counts);
        file_count++;
    }
    ck_assert_int_gt(file_count, 0);
    ck_assert_msg(counts.failed == 0, "%ld of %ld failed; first: %s", counts.failed,
                  counts.failed + counts.parsed, counts.first_failure);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_parse_client_queries)
{
    /* the catalog queries psql's \d sends, as captured in ../shared/pg-clients.md */
    char path[256];
    snprintf(path, sizeof path, "%s/../pg-clients.md", BIRCH_SLT_DIR);
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    Arena *arena = arena_create(1 << 16);
    char line[4096];
    char *sql = malloc(1 << 16);
    size_t size = 0;
    bool in_sql = false;
    int query_count = 0;
    while (read_line(line, sizeof line, file)) {
        if (!in_sql) {
            in_sql = strcmp(line, "```sql\n") == 0;
            size = 0;
            continue;
        }
        if (strcmp(line, "```\n") != 0) {
            size_t line_size = strlen(line);
            ck_assert_uint_lt(size + line_size, 1 << 16);
            memcpy(sql + size, line, line_size);
            size += line_size;
            continue;
        }
        sql[size] = '\0';
        in_sql = false;
        AstStmtList *stmts = NULL;
        Error *err = parse_sql(arena, sql, &stmts);
        ck_assert_msg(err == NULL, "%s at %d in:\n%s", err ? err->message : "",
                      err ? err->position : 0, sql);
        ck_assert_int_ge(stmts->count, 1);
        query_count++;
        arena_reset(arena);
    }
    ck_assert_int_ge(query_count, 10);
    free(sql);
    fclose(file);
    arena_destroy(arena);
}
END_TEST

/* ------------------------------------------------------------------ robustness */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static size_t rng_below(size_t bound) { return (size_t)(rng_next() % bound); }

static const char *const vocabulary[] = {
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "FETCH",
    "FIRST", "ROWS", "ONLY", "UNION", "INTERSECT", "EXCEPT", "ALL", "DISTINCT", "ON", "AS",
    "JOIN", "LEFT", "RIGHT", "FULL", "INNER", "OUTER", "CROSS", "NATURAL", "USING", "LATERAL",
    "WITH", "RECURSIVE", "VALUES", "INSERT", "INTO", "UPDATE", "SET", "DELETE", "RETURNING",
    "CONFLICT", "DO", "NOTHING", "CREATE", "TABLE", "INDEX", "VIEW", "DROP", "ALTER", "ADD",
    "COLUMN", "PRIMARY", "KEY", "FOREIGN", "REFERENCES", "UNIQUE", "CHECK", "DEFAULT", "NOT",
    "NULL", "AND", "OR", "IS", "IN", "LIKE", "ILIKE", "BETWEEN", "SYMMETRIC", "EXISTS", "ANY",
    "SOME", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST", "COALESCE", "NULLIF", "EXTRACT",
    "SUBSTRING", "POSITION", "TRIM", "BOTH", "FOR", "OVER", "PARTITION", "RANGE", "PRECEDING",
    "FOLLOWING", "UNBOUNDED", "CURRENT", "ROW", "FILTER", "ARRAY", "TRUE", "FALSE", "BEGIN",
    "COMMIT", "ROLLBACK", "SAVEPOINT", "EXPLAIN", "ANALYZE", "VACUUM", "COPY", "STDIN",
    "PREPARE", "EXECUTE", "TIME", "ZONE", "WITHOUT", "DOUBLE", "PRECISION", "VARYING",
    "INTERVAL", "DATE", "TIMESTAMP", "int", "numeric", "text", "a", "b", "t", "t1", "x",
    "\"Q\"", "1", "0", "2.5", ".5", "1e3", "'s'", "E'\\n'", "$$d$$", "$1", "B'01'", "X'ff'",
    "(", ")", "[", "]", ",", ";", ".", ":", "::", "*", "+", "-", "/", "%", "^", "<", ">", "=",
    "<=", ">=", "<>", "!=", "||", "~", "~*", "!~", "@>", "&", "|", "#", "<<", "OPERATOR",
    "WITH TIME ZONE", "--c\n", "/*c*/", "IF", "TRANSACTION", "ISOLATION", "LEVEL", "READ",
};

static void parse_must_not_crash(Arena *arena, const char *sql)
{
    AstStmtList *stmts = NULL;
    Error *err = parse_sql(arena, sql, &stmts);
    if (err != NULL) {
        ck_assert_ptr_nonnull(err->message);
        ck_assert(err->position >= 0 && (size_t)err->position <= strlen(sql) + 1);
        err_free(err);
    } else {
        ck_assert_ptr_nonnull(ast_print_stmts(arena, stmts));
    }
    arena_reset(arena);
}

START_TEST(test_parse_random_tokens)
{
    Arena *arena = arena_create(1 << 14);
    size_t vocabulary_count = sizeof vocabulary / sizeof vocabulary[0];
    int iteration_count = (int)(30000 * test_scale());
    char sql[4096];
    long parsed_count = 0;
    for (int iteration = 0; iteration < iteration_count; iteration++) {
        size_t size = 0;
        size_t token_count = 1 + rng_below(40);
        /* half start with a statement keyword, so the parser gets deeper */
        if (iteration % 2 == 0) size += (size_t)sprintf(sql, "SELECT ");
        for (size_t token_idx = 0; token_idx < token_count; token_idx++) {
            const char *word = vocabulary[rng_below(vocabulary_count)];
            size += (size_t)snprintf(sql + size, sizeof sql - size, "%s ", word);
        }
        sql[size] = '\0';
        AstStmtList *stmts = NULL;
        Error *err = parse_sql(arena, sql, &stmts);
        if (err == NULL) parsed_count++;
        err_free(err);
        arena_reset(arena);
        parse_must_not_crash(arena, sql);
    }
    ck_assert_int_gt(parsed_count, 0);   /* some random sequences are valid SQL */
    arena_destroy(arena);
}
END_TEST

static const ParseCase *const case_tables[] = {select_cases, expr_cases, dml_cases, ddl_cases,
                                               utility_cases};
static const size_t case_counts[] = {
    sizeof select_cases / sizeof select_cases[0], sizeof expr_cases / sizeof expr_cases[0],
    sizeof dml_cases / sizeof dml_cases[0], sizeof ddl_cases / sizeof ddl_cases[0],
    sizeof utility_cases / sizeof utility_cases[0]};

START_TEST(test_parse_mutations)
{
    Arena *arena = arena_create(1 << 14);
    int iteration_count = (int)(30000 * test_scale());
    char sql[8192];
    for (int iteration = 0; iteration < iteration_count; iteration++) {
        size_t table_idx = rng_below(sizeof case_tables / sizeof case_tables[0]);
        const char *base = case_tables[table_idx][rng_below(case_counts[table_idx])].sql;
        size_t size = strlen(base);
        memcpy(sql, base, size + 1);
        int mutation_count = 1 + (int)rng_below(4);
        for (int mutation_idx = 0; mutation_idx < mutation_count && size > 0; mutation_idx++) {
            size_t at = rng_below(size);
            switch (rng_below(5)) {
            case 0: /* truncate */
                size = at;
                sql[size] = '\0';
                break;
            case 1: /* replace a byte with a printable or special one */
                sql[at] = "'\"$()[];:-/*\\eE.0 x\n\x80"[rng_below(22)];
                break;
            case 2: /* delete a byte */
                memmove(sql + at, sql + at + 1, size - at);
                size--;
                break;
            case 3: /* insert a vocabulary token */
            default: {
                const char *word = vocabulary[rng_below(sizeof vocabulary / sizeof vocabulary[0])];
                size_t word_size = strlen(word);
                if (size + word_size + 2 >= sizeof sql) break;
                memmove(sql + at + word_size + 1, sql + at, size - at + 1);
                memcpy(sql + at, word, word_size);
                sql[at + word_size] = ' ';
                size += word_size + 1;
                break;
            }
            }
        }
        parse_must_not_crash(arena, sql);
    }
    arena_destroy(arena);
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *suite = suite_create("parser");
    TCase *tcase = tcase_create("parser");
    tcase_set_timeout(tcase, 600);
    tcase_add_test(tcase, test_tok_identifiers_and_keywords);
    tcase_add_test(tcase, test_tok_numbers);
    tcase_add_test(tcase, test_tok_strings);
    tcase_add_test(tcase, test_tok_operators_and_comments);
    tcase_add_test(tcase, test_tok_errors);
    tcase_add_test(tcase, test_parse_select);
    tcase_add_test(tcase, test_parse_expressions);
    tcase_add_test(tcase, test_parse_dml);
    tcase_add_test(tcase, test_parse_ddl);
    tcase_add_test(tcase, test_parse_utility);
    tcase_add_test(tcase, test_parse_errors);
    tcase_add_test(tcase, test_parse_nesting_limits);
    tcase_add_test(tcase, test_parse_statement_spans);
    tcase_add_test(tcase, test_parse_positions);
    tcase_add_test(tcase, test_parse_keywords);
    tcase_add_test(tcase, test_parse_out_of_memory);
    tcase_add_test(tcase, test_parse_corpus_select);
    tcase_add_test(tcase, test_parse_corpus_index);
    tcase_add_test(tcase, test_parse_client_queries);
    tcase_add_test(tcase, test_parse_random_tokens);
    tcase_add_test(tcase, test_parse_mutations);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(parser_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
