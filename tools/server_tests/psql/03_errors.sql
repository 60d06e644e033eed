-- Errors as psql prints them: message, DETAIL, HINT, LINE and caret; NOTICEs.
SELEC 1;
SELECT * FROM no_such_table;
SELECT 1 +;
CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL, n int CHECK (n > 0));
CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id));
SELECT no_such_column FROM t;
SELECT 1 / 0;
INSERT INTO t VALUES (1, 'a', 1);
INSERT INTO t VALUES (1, 'b', 2);
INSERT INTO t VALUES (2, NULL, 2);
INSERT INTO t VALUES (3, 'c', -1);
INSERT INTO t VALUES ('x', 'd', 1);
INSERT INTO t (id, nope) VALUES (4, 'e');
INSERT INTO t VALUES (5, 'f', 1, 99);
SELECT 'abc'::integer;
SELECT 2147483647 + 1;
CREATE TABLE t (x int);
INSERT INTO child VALUES (1, 1);
INSERT INTO child VALUES (2, 42);
DELETE FROM t WHERE id = 1;
SELECT id,
       v + 1
  FROM t;
SELECT count(*) FROM t WHERE v = 1;
SELECT nofunc(1);
SELECT id FROM t, child;
DROP TABLE nope;
DROP TABLE IF EXISTS nope;
CREATE TABLE IF NOT EXISTS t (x int);
SELECT * FROM t ORDER BY 1;
SELECT * FROM child ORDER BY 1;
