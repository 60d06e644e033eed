-- Cursors and read-only transactions: DECLARE/FETCH/MOVE/CLOSE with their tags and errors,
-- WITH HOLD across a commit, psql's FETCH_COUNT (which reads through a cursor), BEGIN READ ONLY
-- and SET TRANSACTION with their errors, START TRANSACTION's tag.
\set QUIET off
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(8,2));
INSERT INTO items SELECT g, 'item ' || g, g * 2.25 FROM generate_series(1, 25) g;
DECLARE c CURSOR FOR SELECT * FROM items;
BEGIN;
DECLARE c NO SCROLL CURSOR FOR SELECT * FROM items ORDER BY id;
FETCH c;
FETCH 3 FROM c;
MOVE FORWARD 10 IN c;
FETCH NEXT FROM c;
FETCH PRIOR FROM c;
ROLLBACK;
FETCH c;
BEGIN;
DECLARE h CURSOR WITH HOLD FOR SELECT id, name FROM items WHERE id > 20 ORDER BY id;
FETCH 2 FROM h;
DECLARE h CURSOR FOR SELECT 1;
COMMIT;
BEGIN;
DECLARE h2 CURSOR WITH HOLD FOR SELECT id FROM items WHERE id <= 3 ORDER BY id;
COMMIT;
FETCH ALL FROM h2;
CLOSE h2;
CLOSE h2;
CLOSE ALL;
\set FETCH_COUNT 10
SELECT id, name, price FROM items WHERE id % 2 = 0 ORDER BY id;
\unset FETCH_COUNT
START TRANSACTION READ ONLY;
SELECT count(*) FROM items;
INSERT INTO items VALUES (100, 'x', 1);
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY, DEFERRABLE;
SHOW transaction_read_only;
UPDATE items SET price = 0;
ROLLBACK;
BEGIN READ ONLY;
SET TRANSACTION READ WRITE;
DELETE FROM items WHERE id = 25;
ROLLBACK;
BEGIN READ ONLY;
SELECT 1;
SET TRANSACTION READ WRITE;
ROLLBACK;
SET default_transaction_read_only = on;
CREATE TABLE nope (a int);
SHOW transaction_read_only;
SET default_transaction_read_only = off;
SELECT count(*) FROM items;
