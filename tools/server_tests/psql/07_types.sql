-- Output formats of the common types, as drivers and psql parse them.
SELECT 1::int2 AS i2, -2::int4 AS i4, 9223372036854775807::int8 AS i8;
SELECT 1.5::float4 AS f4, 0.1::float8 AS f8, 1e100::float8 AS big, 'NaN'::float8 AS nan, '-Infinity'::float8 AS ninf;
SELECT 123.4500::numeric AS n, 1::numeric / 3 AS third, round(2.5) AS r, 10::numeric(5,2) AS n52, -0.001::numeric(6,3) AS small;
SELECT true AS t, false AS f, NULL::boolean AS n;
SELECT 'abc'::varchar(2) AS v2, 'x'::char(3) || '|' AS c3, length('x'::char(3)) AS len, 'ab'::name AS nm;
SELECT '2024-02-29'::date AS d, '2024-02-29 13:45:01.5'::timestamp AS ts, '2024-02-29 13:45:01+02'::timestamptz AS tstz;
SELECT '2024-03-01'::date - '2024-02-01'::date AS days, '2024-02-29'::date + 1 AS next_day;
SELECT interval '1 day 2 hours 3 minutes' AS iv, '10:30:00'::time AS t;
SELECT '\x00ff'::bytea AS b1, 'abc'::bytea AS b2;
SELECT '{1,2,3}'::int[] AS ia, ARRAY['a', 'b c'] AS ta;
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u;
SELECT pg_typeof(1) AS a, pg_typeof(1.5) AS b, pg_typeof('a'::text) AS c, pg_typeof(now()) AS d;
CREATE TABLE typed (
    a smallint, b integer, c bigint, d real, e double precision, f numeric(7,3), g numeric,
    h text, i varchar(10), j char(4), k boolean, l date, m timestamp, n timestamptz,
    o bytea, p interval, q time, s int[], t text[]
);
\d typed
INSERT INTO typed VALUES (1, 2, 3, 4.5, 6.7, 8.9, 10, 'h', 'i', 'j', true, '2024-01-02',
    '2024-01-02 03:04:05', '2024-01-02 03:04:05+00', '\x0102', '1 day', '12:00',
    '{1,2}', '{x,y}');
\x
SELECT * FROM typed;
\x off
