-- COPY FROM STDIN / TO STDOUT through psql, and \copy both ways (files and stdin/stdout).
\set QUIET off
CREATE TABLE c (id int PRIMARY KEY, name text, score numeric, at date);
COPY c FROM STDIN;
1	one	1.5	2024-01-01
2	two	\N	2024-01-02
\.
COPY c (id, name) FROM STDIN WITH (FORMAT csv);
3,"three, with comma"
4,"quote "" inside"
\.
\copy c from stdin with (format csv, header true)
id,name,score,at
5,five,5.5,2024-05-05
\.
COPY c TO STDOUT;
COPY c TO STDOUT WITH (FORMAT csv, HEADER true);
COPY c (id, score) TO STDOUT WITH (FORMAT csv, NULL 'NULL');
COPY (SELECT id, name FROM c WHERE id > 2 ORDER BY id) TO STDOUT WITH (FORMAT csv);
COPY c TO STDOUT WITH (DELIMITER '|');
\copy c to 'c.csv' with (format csv, header)
CREATE TABLE c2 (id int PRIMARY KEY, name text, score numeric, at date);
\copy c2 from 'c.csv' with (format csv, header)
SELECT * FROM c2 ORDER BY id;
\copy (select id, name from c order by id) to stdout
\copy c to 'c.txt'
TRUNCATE c2;
\copy c2 from 'c.txt'
SELECT count(*), sum(score) FROM c2;
\copy c2 (id, name) to stdout with (format csv, delimiter ';')
COPY c FROM STDIN;
6	six	bad	2024-01-01
\.
COPY c FROM STDIN;
1	duplicate	1	2024-01-01
\.
COPY c FROM STDIN WITH (FORMAT csv);
7,seven,7,2024-07-07,extra
\.
SELECT count(*) FROM c;
COPY no_such_table TO STDOUT;
\copy c from 'no_such_file.csv'
