-- Dependencies as psql shows them: views over tables and views refuse DROP TABLE/VIEW and
-- DROP COLUMN/ALTER COLUMN TYPE (DETAIL lists every view, HINT), CASCADE's NOTICE; the index of
-- a primary key; INSERT column-list errors with their caret; TRUNCATE RESTART IDENTITY;
-- max_connections.
CREATE TABLE sale (id int PRIMARY KEY, region text, amount int);
CREATE VIEW a1 AS SELECT id, region FROM sale;
CREATE VIEW b1 AS SELECT region, sum(amount) AS total FROM sale GROUP BY region;
CREATE VIEW c1 AS SELECT region FROM b1;
CREATE VIEW d1 AS SELECT * FROM a1 JOIN b1 USING (region);
DROP TABLE sale;
DROP VIEW b1;
ALTER TABLE sale DROP COLUMN region;
ALTER TABLE sale DROP COLUMN amount;
ALTER TABLE sale ALTER COLUMN region TYPE varchar(10);
DROP VIEW sale;
DROP TABLE a1;
DROP INDEX sale_pkey;
DROP VIEW c1, d1, b1;
CREATE VIEW b1 AS SELECT region, sum(amount) AS total FROM sale GROUP BY region;
CREATE VIEW c1 AS SELECT region FROM b1;
BEGIN;
DROP VIEW b1 CASCADE;
\dv
ROLLBACK;
ALTER TABLE sale DROP COLUMN amount CASCADE;
\dv
DROP TABLE sale CASCADE;
\dv
CREATE TABLE k (id int PRIMARY KEY);
DROP INDEX k_pkey;
CREATE TABLE t (id serial, v text);
INSERT INTO t (id, nope) VALUES (1, 'x');
INSERT INTO t (v, id) VALUES ('x');
INSERT INTO t (id, id) VALUES (1, 2);
INSERT INTO t (id) SELECT 1, 2;
INSERT INTO t (v) VALUES ('a'), ('b');
TRUNCATE t RESTART IDENTITY;
INSERT INTO t (v) VALUES ('c') RETURNING id, v;
SHOW max_connections;
SET max_connections = 5;
