-- psql's formatting: \x, \pset, \a, \t, variables, \gset, \gx.
CREATE TABLE fmt (id int, name text, amount numeric(10,2), flag boolean, d date, note text);
INSERT INTO fmt VALUES (1, 'alpha', 12.5, true, '2024-02-29', NULL),
                       (2, 'beta', -3, false, '1999-12-31', E'two\nlines'),
                       (3, 'gamma|pipe', 1234567.89, NULL, NULL, 'x');
SELECT * FROM fmt ORDER BY id;
\x
SELECT * FROM fmt ORDER BY id;
\x off
\pset null '(null)'
\pset border 2
SELECT * FROM fmt ORDER BY id;
\pset border 0
SELECT id, name FROM fmt ORDER BY id;
\pset border 1
\pset format unaligned
SELECT * FROM fmt ORDER BY id;
\pset fieldsep ';'
SELECT id, name, amount FROM fmt ORDER BY id;
\pset format csv
SELECT * FROM fmt ORDER BY id;
\pset format aligned
\pset tuples_only on
SELECT id, name FROM fmt ORDER BY id;
\pset tuples_only off
\pset title 'The fmt table'
SELECT id, amount FROM fmt ORDER BY id;
\pset title
\pset footer off
SELECT id FROM fmt ORDER BY id;
\pset footer on
\pset null ''
\a
SELECT id, flag FROM fmt ORDER BY id;
\a
\t on
SELECT count(*) FROM fmt;
\t off
\set wanted 'beta'
SELECT id, name FROM fmt WHERE name = :'wanted';
SELECT count(*) AS n, max(id) AS top FROM fmt \gset
\echo rows: :n top: :top
SELECT id, name, amount FROM fmt WHERE id = 1 \gx
\x auto
SELECT 1 AS a, 'short' AS b;
\x off
SELECT 'it''s' AS quote, E'tab\there' AS tab, '' AS empty, ' lead' AS spaces;
SELECT repeat('x', 30) AS wide, 42 AS n;
