-- Everyday DDL and psql's \d family: keys, defaults, serial, CHECK, indexes, views, schemas.
CREATE TABLE dept (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    budget numeric(12,2) DEFAULT 1000.00 CHECK (budget >= 0)
);
CREATE TABLE emp (
    id integer PRIMARY KEY,
    name varchar(40) NOT NULL,
    dept_id integer REFERENCES dept (id),
    salary numeric(10,2) CHECK (salary > 0),
    hired date DEFAULT '2024-01-01',
    active boolean NOT NULL DEFAULT true,
    note text
);
CREATE INDEX emp_dept_idx ON emp (dept_id);
CREATE UNIQUE INDEX emp_name_dept_idx ON emp (name, dept_id);
CREATE VIEW active_emp AS SELECT id, name FROM emp WHERE active;
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id bigint PRIMARY KEY, emp_id integer, amount double precision NOT NULL);
CREATE TABLE plain_t (a int, b text);
\dt
\dt sales.*
\d
\d dept
\d emp
\d plain_t
\d sales.orders
\d active_emp
\di
\dv
\ds
\dn
\df
\d no_such_relation
CREATE ROLE clients_reader;
\du clients_reader
\l clients_test
DROP VIEW active_emp;
\dv
DROP TABLE emp;
\dt
\di
