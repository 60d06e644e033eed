#!/usr/bin/env python3
"""common/tests/datetime_cases_gen.py: regenerate datetime_cases.txt from a PostgreSQL 15 server.

Usage: datetime_cases_gen.py OUTPUT [PSQL_ARGS...]   e.g.
    python3 common/tests/datetime_cases_gen.py common/tests/datetime_cases.txt -h /tmp/pgdt -p 5498 -U postgres
Each case is one SQL expression (see SQL below) evaluated as (expr)::text under the case's
TimeZone/DateStyle/IntervalStyle by a PL/pgSQL helper that turns errors into "!SQLSTATE message".
Not run by the build: the fixture it writes is committed and replayed by test_datetime.c.
"""
import os, subprocess, sys, tempfile
cases = []
def add(op, zone, style, *args):
    cases.append((op, zone, style) + tuple(str(a) for a in args))
def q(s): return "'" + s.replace("'", "''") + "'"
SQL = {
 'in_date': lambda a: f"{q(a[0])}::date", 'in_time': lambda a: f"{q(a[0])}::time",
 'in_timestamp': lambda a: f"{q(a[0])}::timestamp", 'in_timestamptz': lambda a: f"{q(a[0])}::timestamptz",
 'in_interval': lambda a: f"{q(a[0])}::interval",
 'in_timestamp_p': lambda a: f"{q(a[1])}::timestamp({a[0]})", 'in_time_p': lambda a: f"{q(a[1])}::time({a[0]})",
 'in_interval_p': lambda a: f"{q(a[1])}::interval({a[0]})", 'in_timestamptz_p': lambda a: f"{q(a[1])}::timestamptz({a[0]})",
 'date_add': lambda a: f"{q(a[0])}::date + {a[1]}", 'date_sub': lambda a: f"{q(a[0])}::date - {a[1]}",
 'date_diff': lambda a: f"{q(a[0])}::date - {q(a[1])}::date",
 'ts_add': lambda a: f"{q(a[0])}::timestamp + {q(a[1])}::interval", 'ts_sub': lambda a: f"{q(a[0])}::timestamp - {q(a[1])}::interval",
 'tstz_add': lambda a: f"{q(a[0])}::timestamptz + {q(a[1])}::interval", 'tstz_sub': lambda a: f"{q(a[0])}::timestamptz - {q(a[1])}::interval",
 'ts_diff': lambda a: f"{q(a[0])}::timestamp - {q(a[1])}::timestamp", 'tstz_diff': lambda a: f"{q(a[0])}::timestamptz - {q(a[1])}::timestamptz",
 'iv_add': lambda a: f"{q(a[0])}::interval + {q(a[1])}::interval", 'iv_sub': lambda a: f"{q(a[0])}::interval - {q(a[1])}::interval",
 'iv_mul': lambda a: f"{q(a[0])}::interval * {q(a[1])}::float8", 'iv_div': lambda a: f"{q(a[0])}::interval / {q(a[1])}::float8",
 'iv_cmp': lambda a: f"case when {q(a[0])}::interval < {q(a[1])}::interval then -1 when {q(a[0])}::interval = {q(a[1])}::interval then 0 else 1 end",
 'justify_days': lambda a: f"justify_days({q(a[0])}::interval)", 'justify_hours': lambda a: f"justify_hours({q(a[0])}::interval)",
 'justify_interval': lambda a: f"justify_interval({q(a[0])}::interval)",
 'age_ts': lambda a: f"age({q(a[0])}::timestamp, {q(a[1])}::timestamp)", 'age_tstz': lambda a: f"age({q(a[0])}::timestamptz, {q(a[1])}::timestamptz)",
 'extract_date': lambda a: f"extract({q(a[0])} from {q(a[1])}::date)", 'extract_time': lambda a: f"extract({q(a[0])} from {q(a[1])}::time)",
 'extract_ts': lambda a: f"extract({q(a[0])} from {q(a[1])}::timestamp)", 'extract_tstz': lambda a: f"extract({q(a[0])} from {q(a[1])}::timestamptz)",
 'extract_iv': lambda a: f"extract({q(a[0])} from {q(a[1])}::interval)",
 'datepart_ts': lambda a: f"date_part({q(a[0])}, {q(a[1])}::timestamp)",
 'trunc_ts': lambda a: f"date_trunc({q(a[0])}, {q(a[1])}::timestamp)", 'trunc_tstz': lambda a: f"date_trunc({q(a[0])}, {q(a[1])}::timestamptz)",
 'trunc_tstz_zone': lambda a: f"date_trunc({q(a[0])}, {q(a[1])}::timestamptz, {q(a[2])})", 'trunc_iv': lambda a: f"date_trunc({q(a[0])}, {q(a[1])}::interval)",
 'make_date': lambda a: f"make_date({a[0]},{a[1]},{a[2]})", 'make_time': lambda a: f"make_time({a[0]},{a[1]},{a[2]})",
 'make_timestamp': lambda a: f"make_timestamp({','.join(a)})", 'make_timestamptz': lambda a: f"make_timestamptz({','.join(a[:6])},{q(a[6])})",
 'make_interval': lambda a: f"make_interval({','.join(a)})",
 'date_to_ts': lambda a: f"{q(a[0])}::date::timestamp", 'date_to_tstz': lambda a: f"{q(a[0])}::date::timestamptz",
 'ts_to_date': lambda a: f"{q(a[0])}::timestamp::date", 'tstz_to_date': lambda a: f"{q(a[0])}::timestamptz::date",
 'ts_to_tstz': lambda a: f"{q(a[0])}::timestamp::timestamptz", 'tstz_to_ts': lambda a: f"{q(a[0])}::timestamptz::timestamp",
 'ts_to_time': lambda a: f"{q(a[0])}::timestamp::time", 'tstz_to_time': lambda a: f"{q(a[0])}::timestamptz::time",
 'at_zone_ts': lambda a: f"{q(a[0])}::timestamp at time zone {q(a[1])}", 'at_zone_tstz': lambda a: f"{q(a[0])}::timestamptz at time zone {q(a[1])}",
 'time_add': lambda a: f"{q(a[0])}::time + {q(a[1])}::interval",
 'tz_setting': lambda a: f"{q(a[0])}::timestamptz",
 'in_interval_range': lambda a: f"{q(a[2])}::interval {a[0]}{'(' + a[1] + ')' if a[1] else ''}",
 'cast_interval_range': lambda a: f"{q(a[2])}::interval::interval {a[0]}{'(' + a[1] + ')' if a[1] else ''}",
 'to_char_ts': lambda a: f"to_char({q(a[1])}::timestamp, {q(a[0])})", 'to_char_tstz': lambda a: f"to_char({q(a[1])}::timestamptz, {q(a[0])})",
 'to_char_iv': lambda a: f"to_char({q(a[1])}::interval, {q(a[0])})",
}
U='UTC'; NY='America/New_York'
dates = ['2024-02-29','2023-02-29','2024-02-30','2000-01-01','1999-12-31','0001-01-01','0001-01-01 BC','0044-03-15 BC','4714-11-24 BC','4714-11-23 BC','5874897-12-31','5874898-01-01','infinity','-infinity','epoch','Feb 29 2024','29 Feb 2024','February 29, 2024','2024-Feb-29','29-Feb-2024','02/29/2024','2/29/24','02-29-2024','20240229','240229','2024.02.29','J2451545','x','','2024-13-01','13/01/2024','2024-00-10','0000-01-01','1 BC','2024-02-29 13:45','Thu Feb 29 2024','99-01-01','69-12-31','70-01-01','1900-02-29','2000-02-29','2100-02-28','Feb 30 2024','2024-02-29 BC','  2024-02-29  ','2024-02-29x','2024-2-9','2024/02/29','jan 1 2024 ad','tomorrow x','2024-02-29 allballs','Infinity','+infinity','2024-366']
for d in dates: add('in_date', U, '-', d)
for d in ['2024-02-29','0044-03-15 BC','infinity','1999-12-31']:
    for st in ['SQL, MDY','SQL, DMY','Postgres, MDY','Postgres, DMY','German','ISO, DMY']: add('in_date', U, 'ds:'+st, d)
for st in ['ISO, DMY','ISO, YMD']:
    for d in ['02/03/2024','02/03/04','03-04-05']: add('in_date', U, 'ds:'+st, d)
times = ['13:45','13:45:00','13:45:00.123456','13:45:00.1234567','24:00','24:00:00','24:00:01','23:59:60','23:59:59.9999999','00:00','1:2:3','12:34.5','134500','1345','25:00','13:60','13:45:61','x','','allballs','1:45 PM','12:00 AM','12:00 PM','13:00 PM','2024-02-29 13:45','13:45+02','13:45 America/New_York','04:05:06.789 PST','T13:45']
for t in times: add('in_time', U, '-', t)
tss = ['2024-02-29 13:45:00.123456','2024-02-29T13:45:00','2024-02-29T13:45:00Z','2024-02-29 13:45:00.1234567','2024-02-29 24:00','2024-02-29 23:59:60','2024-02-29 25:00','2024-02-29 13:60','13:45','2024-02-29 1:45 PM','2024-02-29 12:00 AM','2024-02-29 13:00 PM','294276-12-31 23:59:59.999999','294277-01-01','4714-11-24 00:00 BC','4714-11-23 23:59 BC','epoch','infinity','-infinity','Thu Feb 29 13:45:00 2024','20240229T134500','20240229 134500','2024-02-29 12:34.5','2024-02-29 13:45:00+02','2024-02-29 13:45 America/Nowhere','Feb 29, 2024 1:45 PM','2024-02-29T','2024-02-29 T13:45','x','2024-02-29 13:45:00.5 BC','0001-01-01 00:00:00 BC','1999-12-31 23:59:59.999999','2024-02-29 13:45 foo','2024-02-29 allballs','J2451545 12:00','2024-02-29 13:45:00.999999999']
for t in tss: add('in_timestamp', U, '-', t)
for t in ['2024-02-29 13:45:00.5','0044-03-15 12:00 BC','infinity']:
    for st in ['SQL, MDY','SQL, DMY','Postgres, MDY','Postgres, DMY','German']: add('in_timestamp', U, 'ds:'+st, t)
zones = ['UTC','America/New_York','Europe/London','Europe/Berlin','Australia/Sydney','Asia/Kolkata','Asia/Kathmandu','Pacific/Chatham','America/Sao_Paulo','Africa/Casablanca','Europe/Moscow','America/St_Johns','Asia/Tehran','America/Los_Angeles','Etc/GMT+3','+05:30','EST5EDT','-7','Europe/Dublin','Pacific/Apia']
tzin = ['2024-02-29 13:45:00.123456','2024-02-29 13:45 Z','2024-02-29 13:45+02','2024-02-29 13:45 +05:30','2024-02-29 13:45-0800','2024-02-29 13:45-08:00','2024-02-29 13:45+053045','2024-02-29 13:45+16','2024-02-29 13:45 +15:59','2024-02-29 13:45+5','2024-02-29 13:45 America/New_York','2024-07-01 13:45 America/New_York','2024-02-29 13:45 Europe/Paris','2024-02-29 13:45 EST','2024-02-29 13:45 PDT','2024-02-29 13:45 CEST','2024-02-29 13:45 UTC','2024-02-29 13:45 GMT','2024-02-29 13:45 America/Nowhere','2024-02-29 Japan','2024-02-29 13:45 foo','2024-02-29 13:45 america/new_york','2024-02-29 13:45:00+02:30:15','1800-01-01 12:00','1883-11-18 12:03:57','1883-11-18 12:03:58','1918-03-31 02:30','1945-08-14 19:00','2037-11-01 01:30','2038-03-14 02:30','2050-06-15 12:00','2100-03-14 02:30','2100-11-07 01:30','2400-07-01 00:00','0001-01-01 00:00 BC','epoch','infinity','-infinity','294276-12-31 23:59:59','4714-11-24 00:00 BC']
trans = ['2024-03-10 01:59:59','2024-03-10 02:00','2024-03-10 02:30','2024-03-10 03:00','2024-11-03 00:59','2024-11-03 01:00','2024-11-03 01:30','2024-11-03 02:00','2024-03-31 00:30','2024-03-31 01:30','2024-03-31 02:30','2024-03-31 03:30','2024-10-27 00:30','2024-10-27 01:30','2024-10-27 02:30','2024-10-27 03:30','2024-04-07 01:30','2024-04-07 02:30','2024-04-07 03:30','2024-10-06 01:30','2024-10-06 02:30','2024-10-06 03:30','2024-02-17 23:30','2024-02-18 00:30','2024-04-06 23:30','2024-04-07 02:45','2024-04-07 03:45','2024-09-29 02:45','2024-09-29 03:45']
for z in zones:
    for t in tzin: add('in_timestamptz', z, '-', t)
    for t in trans: add('in_timestamptz', z, '-', t)
instants = []
for y in [1800,1900,1945,1970,2000,2024,2038,2060,2100,2400]:
    for m in [1,3,4,6,10,11]:
        for d in [5,25]: instants.append(f'{y:04d}-{m:02d}-{d:02d} 06:30:00+00')
for z in ['America/New_York','Europe/London','Australia/Sydney','Asia/Kathmandu','Pacific/Chatham','America/Sao_Paulo','Africa/Casablanca','Europe/Moscow','Asia/Tehran','Europe/Dublin','Pacific/Apia','EST5EDT']:
    for t in instants[::3]: add('in_timestamptz', z, '-', t)
for st in ['SQL, MDY','Postgres, DMY','German']:
    for t in ['2024-02-29 13:45:00.5+00','1800-01-01 00:00+00','0044-03-15 12:00+00 BC','2024-07-01 00:00+00']: add('in_timestamptz', NY, 'ds:'+st, t)
for s in ['UTC','America/New_York','-7','7.5','+05:30','EST5EDT','UTC+3','<+0330>-3:30','foo','Etc/GMT-14','Europe/Nowhere','europe/berlin','GMT','Z','PST8PDT','CET','Asia/Kolkata','XXX3YYY,M3.2.0,M11.1.0','AAA-10BBB,M10.1.0,M4.1.0/3','15']:
    add('tz_setting', s, '-', '2024-01-01 00:00+00'); add('tz_setting', s, '-', '2024-07-01 00:00+00')
for p in [0,1,2,3,5,6]:
    for t in ['2024-02-29 13:45:00.123456','2024-02-29 23:59:59.5','1999-12-31 23:59:59.999999','0001-01-01 00:00:00.5 BC','infinity']: add('in_timestamp_p', U, '-', p, t)
    for t in ['13:45:00.123456','23:59:59.5','23:59:59.9999995']: add('in_time_p', U, '-', p, t)
    for t in ['1 day 00:00:00.123456','-1.5555555 seconds','1 year 00:00:00.5']: add('in_interval_p', U, '-', p, t)
    add('in_timestamptz_p', NY, '-', p, '2024-02-29 13:45:00.654321')
ivs = ['1 day','2 hours 30 minutes','1 year 2 mons 3 days 04:05:06','@ 1 day ago','P1Y2M3DT4H5M6S','-1 day +02:00','1.5 days','1.5 months','1.5 years','0.5 weeks','1 week','1 decade','2 centuries','1 millennium','3 microseconds','1.5 ms','10','1.5','1 2:03:04','-1 2:03:04','1-2','-1-2','1 day 1 day','x','','99999999999 years','2147483648 days','2147483647 days','P1.5Y','PT','P','P0001-02-03T04:05:06','PT1.5H','P1W','P-1Y-2M','PT-0.5S','1 day ago 2 hours','-00:00:01','-01:02:03.5','100:00:00','1:2','01:02.5','+3 hours','- 3 hours','1 hour 02:00','02:00 1 hour','1 mon -1 day','-178956970 years -8 mons','178956970 years 7 mons','1 year 12 months','1 fortnight','1 day 2 hours 3 minutes 4 seconds 5 milliseconds 6 microseconds','5 mins ago','@ 1 year 2 mons -3 days 4 hours 5 mins 6 secs ago','1 hours','0.000001 seconds','0.0000005 seconds','1e3 seconds','-1.5 hours','P1DT','PT1H2M3.4S','P1Y2M3.5D','3 days 23:59:59.999999']
for s in ivs: add('in_interval', U, '-', s)
for s in ['1 year 2 mons 3 days 04:05:06.5','-1 days +02:00','1 day -02:03:04','-1 year -2 mons','0','-00:00:01.5','3 days','1 mon','04:05:06','-1 years +2 mons -3 days +04:05:06','100:00:00','-100:00:00.000001','2 hours -30 minutes']:
    for st in ['postgres','postgres_verbose','sql_standard','iso_8601']: add('in_interval', U, 'is:'+st, s)
for st in ['sql_standard']:
    for s in ['-1 2:03:04','-1 -2:03:04','-1-2','1-2 3 4:05:06','-1 +2:03:04']: add('in_interval', U, 'is:'+st, s)
dd = ['2024-02-29','2024-01-31','0001-01-01','0001-01-01 BC','infinity','-infinity','5874897-12-31','4714-11-24 BC']
for d in dd:
    for n in [1,-1,365,-800000,2147483647]: add('date_add', U, '-', d, n); add('date_sub', U, '-', d, n)
for a,b in [('2024-03-01','2024-02-01'),('2024-02-29','2023-02-28'),('0001-01-01 BC','0001-01-01'),('infinity','2024-01-01'),('2024-01-01','-infinity'),('5874897-12-31','4714-11-24 BC')]: add('date_diff', U, '-', a, b)
tsl = ['2024-01-31 10:00','2024-02-29 13:45:00.5','2023-12-31 23:59:59.999999','2024-03-09 02:30','2024-11-02 01:30','0001-01-01 00:00 BC','infinity','294276-12-01 00:00','2024-10-26 02:30','2000-02-29 00:00']
ivl = ['1 month','1 mon -1 day','1 year','-1 year','1 day','24 hours','1 day 01:00','-1 days +02:00','2 mons 3 days 04:05:06.789','100 years','-3000 years','1000000 years']
for t in tsl:
    for i in ivl: add('ts_add', U, '-', t, i); add('ts_sub', U, '-', t, i)
for z in [NY, 'Australia/Sydney', 'Europe/London']:
    for t in tsl[:6]:
        for i in ivl[:9]: add('tstz_add', z, '-', t, i)
for a,b in [('2024-03-01','2024-02-01'),('2024-02-29 13:45','2023-01-01 00:00:01'),('2024-01-01','2024-01-02 00:00:00.5'),('0001-01-01 BC','2024-01-01'),('2024-01-01 12:00','2024-01-01 11:00'),('294276-12-31','2000-01-01'),('0044-03-15 BC','4000-11-24 BC')]:
    add('ts_diff', U, '-', a, b); add('age_ts', U, '-', a, b); add('age_ts', U, '-', b, a)
add('ts_diff', U, '-', 'infinity', '2024-01-01'); add('ts_diff', U, '-', '2024-01-01', '-infinity')
for a,b in [('2024-03-11 00:00','2024-03-10 00:00'),('2024-11-04','2024-11-03'),('2024-03-31','2024-01-31 12:00')]:
    for z in [NY, 'Europe/Berlin']: add('tstz_diff', z, '-', a, b); add('age_tstz', z, '-', a, b)
ivp = ['1 year 2 mons 3 days 04:05:06','-1 days +02:00','1 mon','30 days','24:00:00','1 mon -30 days','-1 mons 29 days 24:00:00','0','178000000 years','35 days 25:00:00','-35 days -25:00:00','1 mon -1 days -00:00:01']
for i in ivp:
    add('justify_days', U, '-', i); add('justify_hours', U, '-', i); add('justify_interval', U, '-', i)
    for f in ['2','0.5','-1.5','3.3333333','0','1e-7','1000000000','nan']: add('iv_mul', U, '-', i, f)
    for f in ['2','3','0.7','-4','0']: add('iv_div', U, '-', i, f)
for a in ivp[:8]:
    for b in ivp[:8]: add('iv_cmp', U, '-', a, b)
for a,b in [('1 day','1 hour'),('2147483647 days','1 day'),('1 mon','-1 day 01:00'),('-2147483648 days','1 day')]: add('iv_add', U, '-', a, b); add('iv_sub', U, '-', a, b)
units = ['microseconds','milliseconds','second','minute','hour','day','week','month','quarter','year','decade','century','millennium','dow','isodow','doy','isoyear','epoch','julian','timezone','timezone_hour','timezone_minute','foo','YEAR','seconds','msec']
tse = ['2024-02-29 13:45:30.123456','2021-01-03 00:00','2020-12-31 23:59:59.999999','0001-01-01 00:00 BC','0044-03-15 12:00 BC','2000-01-01 00:00','infinity','-infinity','1999-12-31 18:00','2024-12-30 06:00']
for u in units:
    for t in tse: add('extract_ts', U, '-', u, t)
    for t in tse[:7]: add('extract_tstz', NY, '-', u, t)
    for t in ['2024-02-29','2021-01-03','0001-01-01 BC','infinity','-infinity','2000-01-01']: add('extract_date', U, '-', u, t)
    for t in ['13:45:30.123456','00:00','24:00']: add('extract_time', U, '-', u, t)
    for t in ['1 year 2 mons 3 days 04:05:06.789','-1 year -2 mons -3 days -04:05:06.789','1000 years','100:30:00','-0.5 seconds']: add('extract_iv', U, '-', u, t)
for u in ['epoch','julian','second','year','dow','century']:
    for t in tse[:6]: add('datepart_ts', U, '-', u, t)
tu = ['microseconds','milliseconds','second','minute','hour','day','week','month','quarter','year','decade','century','millennium','dow','foo']
tst = ['2024-02-29 13:45:30.123456','2021-01-03 00:00','0044-03-15 12:00 BC','0001-06-01 00:00 BC','infinity','1999-12-31 23:59:59.999999','2010-06-15 00:00']
for u in tu:
    for t in tst: add('trunc_ts', U, '-', u, t)
    for t in ['2024-03-10 12:00+00','2024-11-03 07:30+00','2024-03-10 06:30+00','0044-03-15 12:00+00 BC','infinity']:
        add('trunc_tstz', NY, '-', u, t); add('trunc_tstz_zone', U, '-', u, t, 'Australia/Sydney')
    for i in ['1234 years 5 mons 6 days 07:08:09.123456','-1234 years -5 mons -6 days -07:08:09.123456']: add('trunc_iv', U, '-', u, i)
for a in [(2024,2,29),(2023,2,29),(0,1,1),(-44,3,15),(-1,1,1),(5874897,12,31),(5874898,1,1),(-4714,11,24),(-4714,11,23),(2024,13,1),(2024,1,0)]: add('make_date', U, '-', *a)
for a in [(13,45,30.5),(24,0,0),(24,0,0.1),(-1,0,0),(12,60,0),(12,0,60),(12,0,60.5),(23,59,59.9999999)]: add('make_time', U, '-', *a)
for a in [(2024,2,29,13,45,30.5),(2024,2,30,1,1,1),(2024,2,29,25,1,1),(-1,2,28,23,1,1.5),(294276,12,31,23,59,59),(294277,1,1,0,0,0),(-4714,11,24,0,0,0),(1999,12,31,24,0,0)]: add('make_timestamp', U, '-', *a)
for z in [NY,'Europe/Berlin','+05:30','-08','+16','5','EST','foo']:
    for a in [(2024,3,10,2,30,0),(2024,11,3,1,30,0),(2024,7,1,12,0,0)]: add('make_timestamptz', U, '-', *a, z)
for a in [(1,2,3,4,5,6,7.5),(0,0,0,0,0,0,0),(-1,0,0,0,0,0,-0.0000005),(178956970,0,0,0,0,0,0),(0,0,0,0,2147483647,0,0),(0,0,0,0,0,0,'\'infinity\'::float8')]: add('make_interval', U, '-', *a)
for z in [U, NY, 'Australia/Sydney','Asia/Kathmandu']:
    for d in ['2024-03-10','2024-10-06','0001-01-01 BC','infinity','294276-12-31','4714-11-24 BC']: add('date_to_ts', z, '-', d); add('date_to_tstz', z, '-', d)
    for t in ['2024-03-10 02:30','2024-11-03 01:30','1999-12-31 23:59:59.999999','0001-01-01 00:00 BC','-infinity','2024-10-06 02:30','4714-11-24 00:00 BC','294276-12-31 23:59:59']:
        add('ts_to_date', z, '-', t); add('ts_to_tstz', z, '-', t); add('ts_to_time', z, '-', t)
    for t in ['2024-03-10 07:30+00','2024-11-03 05:30+00','2024-11-03 06:30+00','0001-01-01 00:00+00 BC','infinity','294276-12-31 23:59:59+00','4714-11-24 00:00+00 BC']:
        add('tstz_to_date', z, '-', t); add('tstz_to_ts', z, '-', t); add('tstz_to_time', z, '-', t)
for zn in ['America/New_York','EST','UTC','Europe/Berlin','+05:30','xyz','cest','Asia/Kathmandu','UTC+3']:
    for t in ['2024-03-10 02:30','2024-07-01 12:00','infinity']: add('at_zone_ts', U, '-', t, zn)
    for t in ['2024-03-10 07:30+00','2024-07-01 12:00+00']: add('at_zone_tstz', U, '-', t, zn)
for t,i in [('23:00','2 hours'),('01:00','-2 hours'),('12:00','1 day 03:00'),('00:00','-1 days -00:00:01'),('24:00','0')]: add('time_add', U, '-', t, i)


# ---- broader input battery ----
more_dates = ['2024-02-29 AD','Feb-29-2024','29/Feb/2024','2024 Feb 29','Feb 29','29 Feb','1/2/3','01/02/03','1-2-3','2024-1-1','2024-01-01T00:00','2024-01-01 00:00:00Z','2024-01-01 +05','J0','J2451545.5','julian 2451545','2451545','12345','123456789','2024-060','2024.060','Jan 1, 2024 BC','Jan 1, 0001 BC','10000-01-01','99999-12-31','1000000-01-01','-2024-01-01','2024--01-01','2024-01-01-','2024-01-01 12:00:00.5 America/New_York','sun 2024-01-07','monday 2024-01-01','2024-01-01 tues','  ','2024-02-29 yesterday','today 2024-01-01','epoch 12:00','infinity 2024-01-01','2024 January 31','31 january 2024','january 31st 2024','2024-01-31st']
for d in more_dates: add('in_date', U, '-', d)
for st in ['ISO, DMY','ISO, YMD','SQL, DMY']:
    for d in ['1/2/3','01/02/2003','2003/01/02','1-2-3','Feb 1 2003','1 Feb 2003','2003 Feb 1','13/12/2003','12/13/2003','03.02.01']:
        add('in_date', U, 'ds:'+st, d)
more_ts = ['2024-01-01 00:00:00.000001','2024-01-01 00:00:00.0000005','2024-01-01 00:00:00.0000015','2024-01-01 23:59:59.9999995','2024-01-01 12:00:00 PM','2024-01-01 12:00:00 AM','2024-01-01 0:00 AM','2024-01-01 13:00 AM','2024-01-01 12:00:00.5 am','2024-01-01 1:00:00 pm','2024-01-01 10:00 BC','2024-01-01 AD 10:00','2024-01-01 10:00 bc','2024-01-01 10:00:00+02 BC','January 8, 2024 04:05:06','Jan 8 04:05:06 2024','2024-01-08 04:05:06 PST','2024-01-08 04:05:06 -8:00','2024-01-08 04:05:06 zulu','2024-01-08 04:05:06 Z','2024-01-08T04:05:06.789Z','2024-01-08T04:05Z','2024-01-08T04Z','2024-01-08 04','2024-01-08 04:05:06:07','2024-01-08 04:05.5','2024-01-08 :05','2024-01-08 4:5:6','2024-01-08 04:05:06.','2024-01-08 04:05:06.x','20240108 040506','20240108040506','2024-01-08 040506','2024-01-08 0405','2024-01-08 allballs','allballs','2024-01-08 now','epoch 12:00','12:00 epoch','epoch 2024-01-01','epoch epoch','today epoch','10:00 2024-01-01','2024-01-01 epoch','J2451545.25','1 2 3','2024 01 08','08 01 2024','Jan 08 2024 04:05:06 America/Los_Angeles','2024-01-08 04:05:06 Asia/Kathmandu']
for t in more_ts: add('in_timestamp', U, '-', t); add('in_timestamptz', NY, '-', t)
more_times = ['04:05:06.789','04:05','040506','04:05 AM','04:05 PM','04:05:06 PST','04:05:06-08:00','04:05:06 America/New_York','2003-04-12 04:05:06 America/New_York','0:0:0','00:00:00.000000','23:59:59.999999','23:59:59.9999999','24:00:00.0','-01:00','01','1:2','12.5','T040506','2024-01-08','epoch','infinity','4:05:06 am','12:05:06 am','12:05:06 pm','13:05:06 pm']
for t in more_times: add('in_time', U, '-', t)
more_iv = ['1 year 1 year','1 yr 2 mon','1 mons','1y 2m 3d','1 y','2 w','1 d 2 h 3 m 4 s','1.25 weeks','0.1 years','-0.1 years','1.999 months','1.5 decades','0.5 millennium','1 cent','3 qtr','1 quarter','1e2 days','1,5 days','1 day,','@1 day','@ 1','@','ago','1 ago','1 day ago ago','+1 day','+-1 day','1 day -','2 days 1.5 hours','-2 days -1.5 hours','1:00:00 ago','1 day 01:00 ago','-1 day -01:00','01:00:00.123456789','1:60','1:59:60','1:59:59.9999999','100000000 hours','2562047788 hours','2562047789 hours','9223372036854775807 microseconds','9223372036854775808 microseconds','-9223372036854775808 microseconds','P1Y1Y','PT1H1H','P1H','PT1D','P1.5M','P0.5W','PT0.5M','P-1.5Y','P1Y-2M','P 1Y','P1','PT1','P1Y2M3DT4H5M6.789S','P1-2','P0001-02','P0001-02-03T04','PT04:05','PT04:05:06.5','P1.5Y2.5M','P2147483648D','1 week 2 days','2 weeks ago','7 days','31 days','-0','0.5','-.5','.5 days','5.','5. days','1 millisecond','1.5 milliseconds','1.5 microseconds','0.5 microseconds','1.5 usec','1 day 2:03','1 2','1 2:03','1 -2:03','-1 -2:03','1-2 3','1-2 3 4:05','1-2 -3 -4:05','13-1','1-12','1-11','+1-2','-1-2 3']
for s in more_iv: add('in_interval', U, '-', s)
for s in ['1 2:03:04','-1 2:03:04','-1-2','-1-2 -3 -4:05:06','1-2 3 4:05:06','-1 -2:03:04','-1 2','-1 +2:03:04','-10']:
    add('in_interval', U, 'is:sql_standard', s)
ivo = ['1 year','-1 year','1 year -1 mons','1 mon 1 day','-1 mon -1 day','1 day -1 hour','-1 day 1 hour','1 hour','-1 hour','00:00:00.000001','-00:00:00.000001','1 day 00:00:00.5','2147483647 days','-2147483648 days','178956970 years 7 mons','-178956970 years -8 mons','2562047788:00:54.775807','-2562047788:00:54.775808','1 year 2 mons','3 days 04:05','1 mon 00:00:01','-1 mon +1 day','1 day +2 hours','1 day -2 hours 3 minutes']
for s in ivo:
    for st in ['postgres','postgres_verbose','sql_standard','iso_8601']: add('in_interval', U, 'is:'+st, s)
for z in ['Australia/Lord_Howe','America/Santiago','Asia/Gaza','Europe/Lisbon','America/Havana','Antarctica/Troll','Pacific/Kiritimati','America/Godthab','Asia/Jerusalem','Australia/Adelaide']:
    for t in instants[::6]: add('in_timestamptz', z, '-', t)
    for t in trans[::2]: add('in_timestamptz', z, '-', t)
for z in ['America/New_York','Australia/Sydney','Europe/London','America/Santiago','Australia/Lord_Howe']:
    for y in [2050, 2200, 100000]:
        for md in ['01-01 00:00','03-10 02:30','04-07 02:30','06-30 12:00','10-06 02:30','11-03 01:30','12-31 23:59']:
            add('in_timestamptz', z, '-', f'{y}-{md}')
            add('in_timestamptz', z, '-', f'{y}-{md}+00')

fmts = ['YYYY-MM-DD HH24:MI:SS','YYYY-MM-DD"T"HH24:MI:SS.US','Day, DD Month YYYY','FMDay, FMDD FMMonth YYYY','DY dy Dy MON mon Mon','MONTH|Month|month|','HH12:MI:SS AM','HH:MI pm','hh24:mi:ss.ms','Y,YYY YYY YY Y','IYYY-IW-ID IDDD','DDD D W WW Q','CC J','RM rm FMRM','DDth DDTH FMDDth','YYYY BC','yyyy b.c. A.D.','TZ tz OF TZH:TZM','SSSS SSSSS','FF1 FF2 FF3 FF4 FF5 FF6','"Quarter" Q "of" YYYY','\\"HH\\" HH','MMth Mth','A.M. p.m.','FMHH12 FMMI','Dyth','HH24MISS','YYYYMMDD','WW IW W','FMYYYY','IY I']
tcs = ['2024-02-29 13:45:30.123456','2021-01-03 00:00:00','2020-12-31 23:59:59.999999','0044-03-15 12:00 BC','2000-01-01 00:00','2024-11-11 11:11:11','2024-12-22 02:03:04','infinity','10000-06-01 12:00','0001-01-01 00:00']
for f in fmts:
    for t in tcs: add('to_char_ts', U, '-', f, t)
    for t in tcs[:4]: add('to_char_tstz', NY, '-', f, t + ('' if t.endswith('BC') else '+00'))
for f in ['HH24:MI:SS','HH:MI:SS','YYYY MM DD','DDD','FMHH24 MI','SSSS','US MS','Day','TZ','"x"YYYY-MM-DD HH24:MI:SS.US','MI SS','YY Q','CC','Y,YYY']:
    for i in ['1 year 2 mons 3 days 04:05:06.789','100:30:00','-1 day -02:03:04','0','2 days 25:00','-1 year -1 mon']: add('to_char_iv', U, '-', f, i)
for z in ['Asia/Kolkata','Asia/Kathmandu','America/St_Johns','Europe/London','-7']:
    add('to_char_tstz', z, '-', 'YYYY-MM-DD HH24:MI TZ OF TZH TZM', '2024-07-01 12:00+00')
    add('to_char_tstz', z, '-', 'FMOF', '2024-01-01 12:00+00')

# ---- arithmetic across DST and month ends ----
for z in ['America/New_York','Europe/Berlin','Australia/Sydney','Pacific/Chatham','America/Santiago','Asia/Tehran','Europe/Moscow']:
    for t in ['2024-03-09 02:30','2024-03-10 01:59','2024-11-02 01:30','2024-03-30 02:30','2024-10-26 02:30','2024-04-06 02:30','2024-10-05 02:30','2024-09-07 23:30','2024-04-06 23:30','2100-03-13 02:30','2100-11-06 01:30']:
        for i in ['1 day','-1 day','24 hours','1 mon -1 day']:
            add('tstz_add', z, '-', t, i)
for t in ['2024-01-31','2024-03-31','2023-01-31','2024-02-29','2000-02-29','0001-03-31 BC','0005-02-29 BC','2024-05-31 23:59:59.999999']:
    for i in ['1 mon','-1 mon','2 mons','12 mons','1 year','-1 year','4 years','1 mon 1 day','-1 mon -1 day','3 mons -3 days','13 mons','-25 mons']:
        add('ts_add', U, '-', t, i)
for a in ['2024-02-29','2024-03-31 12:00','2023-03-01','0001-01-01 BC','2024-12-31 23:59:59.999999','1900-01-01']:
    for b in ['2024-01-31','2023-02-28 12:00:00.5','2024-03-31','1999-12-31','0002-06-15 BC']:
        add('age_ts', U, '-', a, b); add('ts_diff', U, '-', a, b)
for z in ['America/New_York','Australia/Sydney']:
    for a in ['2024-03-10 12:00+00','2024-11-03 12:00+00','2024-04-07 12:00+00']:
        for b in ['2024-03-09 12:00+00','2024-01-01 00:00+00','2024-10-06 00:00+00']:
            add('age_tstz', z, '-', a, b); add('tstz_diff', z, '-', a, b)
for z in ['America/New_York','Australia/Sydney','Asia/Kathmandu']:
    for u in ['day','week','month','quarter','year','decade','century','millennium','hour']:
        for t in ['2024-03-10 12:00+00','2024-11-03 05:30+00','2024-04-07 02:30+10','2024-10-06 02:30+11','2100-03-14 12:00+00','1883-11-18 17:00+00']:
            add('trunc_tstz', z, '-', u, t)
for z in ['America/New_York','Australia/Lord_Howe','Europe/Dublin']:
    for u in ['day','week','month','hour','minute']:
        for t in ['2024-03-10 12:00+00','2024-04-07 12:00+00','2024-10-27 12:00+00']:
            add('trunc_tstz_zone', U, '-', u, t, z)

ranges = ['year','month','day','hour','minute','second','year to month','day to hour','day to minute','day to second','hour to minute','hour to second','minute to second']
for r in ranges:
    for v in ['10','1 2','1:30','1 2:03:04.5678','1 year 2 mons 3 days 04:05:06.789','1-2','-1 2:03','2.5','P1Y2M3DT4H5M6.789S']:
        add('in_interval_range', U, '-', r, '', v)
    for v in ['1 year 2 mons 3 days 04:05:06.789','-1 year -2 mons -3 days -04:05:06.789']:
        add('cast_interval_range', U, '-', r, '', v)
for r in ['second','day to second','hour to second','minute to second']:
    for p in ['0','2']:
        for v in ['1 2:03:04.5678','10.555','1:30.25']:
            add('in_interval_range', U, '-', r, p, v)

for t in ['4714-11-23 23:00-05 BC','4714-11-23 23:00 BC','294277-01-01 00:30+01','294277-01-01 00:30','4714-10-31 23:00-05 BC','4714-11-01 00:00-05 BC','J0','J0 00:00 z','5874898-05-31 00:00+00','294276-12-31 23:59:59.999999-01']:
    add('in_timestamptz', NY, '-', t); add('in_timestamp', U, '-', t)

# ---- seeded random batteries (the same cases every run) ----
import random
random.seed(15)
zones_r = ['UTC','America/New_York','Europe/London','Europe/Berlin','Australia/Sydney','Asia/Kolkata','Asia/Kathmandu','Pacific/Chatham','America/Sao_Paulo','Africa/Casablanca','Europe/Moscow','America/St_Johns','Asia/Tehran','America/Los_Angeles','Australia/Lord_Howe','America/Santiago','Europe/Dublin','Pacific/Apia','Asia/Gaza','America/Havana']
def rts(bc_ok=True):
    y = random.choice([random.randint(1, 2100), random.randint(1800, 2100), random.randint(1900, 2040), random.randint(2038, 2500)])
    mo = random.randint(1, 12); d = random.randint(1, 28 if mo == 2 else 30)
    h = random.randint(0, 23); mi = random.randint(0, 59); sec = random.randint(0, 59)
    frac = random.choice(['', '.5', '.%06d' % random.randint(0, 999999), '.%03d' % random.randint(0, 999)])
    bc = ' BC' if bc_ok and random.random() < 0.05 else ''
    return f'{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{sec:02d}{frac}{bc}'
def riv():
    parts = []
    if random.random() < 0.5: parts.append(f'{random.randint(-30, 30)} years')
    if random.random() < 0.5: parts.append(f'{random.randint(-30, 30)} mons')
    if random.random() < 0.5: parts.append(f'{random.randint(-400, 400)} days')
    if random.random() < 0.5: parts.append(f'{random.randint(-100, 100)} hours')
    if random.random() < 0.3: parts.append(f'{random.randint(-100, 100)} minutes')
    if random.random() < 0.3: parts.append(f'{random.uniform(-100, 100):.{random.randint(0, 6)}f} seconds')
    if random.random() < 0.2: parts.append(f'{random.uniform(-3, 3):.3f} {random.choice(["days","weeks","months","years","hours"])}')
    return ' '.join(parts) or '0'
units_r = ['microseconds','milliseconds','second','minute','hour','day','week','month','quarter','year','decade','century','millennium','dow','isodow','doy','isoyear','epoch','julian','timezone','timezone_hour','timezone_minute']
tunits_r = ['microseconds','milliseconds','second','minute','hour','day','week','month','quarter','year','decade','century','millennium']
fmts_r = ['YYYY-MM-DD HH24:MI:SS.US','FMDay FMMonth DDth YYYY','IYYY-IW-ID','HH12:MI AM TZ OF','DDD WW W Q CC J','Y,YYY yyyy bc','MON Mon mon DY Dy dy RM']
for _ in range(15):
    z = random.choice(zones_r); t = rts(); i = riv()
    add('in_timestamp', z, '-', t); add('in_timestamptz', z, '-', t)
    add('in_interval', z, random.choice(['-','is:sql_standard','is:iso_8601','is:postgres_verbose']), i)
    add('tstz_add', z, '-', t, i); add('ts_add', z, '-', t, i); add('tstz_sub', z, '-', t, i)
    t2 = rts(False)
    add('age_ts', z, '-', t, t2); add('ts_diff', z, '-', t, t2); add('age_tstz', z, '-', t, t2)
    add('extract_tstz', z, '-', random.choice(units_r), t); add('extract_ts', z, '-', random.choice(units_r), t)
    add('extract_iv', z, '-', random.choice(units_r), i)
    add('trunc_tstz', z, '-', random.choice(tunits_r), t); add('trunc_iv', z, '-', random.choice(tunits_r), i)
    add('to_char_tstz', z, '-', random.choice(fmts_r), t); add('to_char_iv', z, '-', random.choice(['HH24:MI:SS.US','DDD "days" HH24','YYYY MM DD']), i)
    add('iv_mul', z, '-', i, f'{random.uniform(-5, 5):.4f}'); add('iv_div', z, '-', i, f'{random.uniform(-5, 5):.4f}')
    add('justify_interval', z, '-', i); add('iv_cmp', z, '-', i, riv())
    add('ts_to_tstz', z, '-', t); add('tstz_to_ts', z, '-', t); add('date_to_tstz', z, '-', t.split(' ')[0])
    for st in ['ds:SQL, DMY', 'ds:Postgres, MDY', 'ds:German']: add('in_timestamptz', z, st, t)

random.seed(16)
months_r = ['Jan','January','feb','FEBRUARY','Mar','apr','May','jun','July','aug','Sept','oct','Nov','december']
mnum = {'jan':1,'feb':2,'mar':3,'apr':4,'may':5,'jun':6,'jul':7,'aug':8,'sep':9,'oct':10,'nov':11,'dec':12}
def rdate():
    y = random.choice([random.randint(1, 2999), random.randint(1950, 2050), random.randint(0, 99)])
    m = random.randint(1, 12); d = random.randint(1, 31)
    mn = random.choice([x for x in months_r if mnum[x[:3].lower()] == m] or ['Jan'])
    style = random.randint(0, 9)
    ys = f'{y:04d}' if random.random() < 0.7 else str(y)
    if style == 0: return f'{ys}-{m:02d}-{d:02d}'
    if style == 1: return f'{m}/{d}/{ys}'
    if style == 2: return f'{d} {mn} {ys}'
    if style == 3: return f'{mn} {d}, {ys}'
    if style == 4: return f'{ys}{m:02d}{d:02d}'
    if style == 5: return f'{d}.{m}.{ys}'
    if style == 6: return f'{ys}-{mn}-{d}'
    if style == 7: return f'{mn}-{d}-{ys}'
    if style == 8: return f'{d}-{mn}-{ys}'
    return f'{m}-{d}-{ys}'
def rtime():
    h = random.randint(0, 25); mi = random.randint(0, 61); sec = random.randint(0, 61)
    style = random.randint(0, 6)
    frac = random.choice(['', '', '.5', '.123456', '.1234567', '.'])
    if style == 0: return f'{h:02d}:{mi:02d}'
    if style == 1: return f'{h:02d}:{mi:02d}:{sec:02d}{frac}'
    if style == 2: return f'{h % 13}:{mi:02d} {random.choice(["AM","PM","am","pm"])}'
    if style == 3: return f'{h:02d}{mi:02d}{sec:02d}'
    if style == 4: return f'{h}:{mi}:{sec}'
    if style == 5: return 'allballs'
    return f'{mi:02d}:{sec:02d}.{random.randint(0,9)}'
def rzone():
    return random.choice(['', '', 'Z', '+02', '-0800', '+05:30', '-03:30', '+16', '+1', 'UTC', 'EST', 'pdt', 'CEST', 'America/New_York', 'europe/paris', 'Asia/Kathmandu', 'Nowhere/Zone', 'msk', 'z', '+05:30:15', '-8'])
for _ in range(120):
    z = random.choice(zones_r)
    d = rdate(); t = rtime(); zz = rzone()
    sep = random.choice([' ', ' ', 'T', '  '])
    text = d + sep + t + ((' ' if random.random() < 0.5 else '') + zz if zz else '')
    if random.random() < 0.1: text += ' BC'
    if random.random() < 0.05: text = random.choice(['Mon ', 'Thursday ', 'sat ']) + text
    order = random.choice(['-', 'ds:ISO, DMY', 'ds:ISO, YMD', 'ds:SQL, MDY'])
    add('in_timestamptz', z, order, text); add('in_timestamp', z, order, text); add('in_date', z, order, d)
    add('in_time', z, '-', t + ((' ' + zz) if zz and random.random() < 0.3 else ''))


workdir = tempfile.mkdtemp()
cases_path = os.path.join(workdir, 'cases.tsv')
with open(cases_path,'w') as f:
    for idx, c in enumerate(cases):
        op, zone, style = c[0], c[1], c[2]
        sql = SQL[op](c[3:])
        f.write('\t'.join([str(idx), zone, style, sql.replace('\\','\\\\')]) + '\n')
sqlscript = r"""
create or replace function ev(zone text, style text, q text) returns text language plpgsql as $$
declare r text;
begin
  perform set_config('timezone', zone, true);
  perform set_config('intervalstyle', 'postgres', true);
  perform set_config('datestyle', 'ISO, MDY', true);
  if style like 'is:%' then perform set_config('intervalstyle', substr(style,4), true); end if;
  if style like 'ds:%' then perform set_config('datestyle', substr(style,4), true); end if;
  execute 'select (' || q || ')::text' into r;
  return coalesce(r, 'NULL');
exception when others then return '!' || sqlstate || ' ' || sqlerrm;
end $$;
create temp table cases(id int, zone text, style text, q text);
\copy cases from 'CASES_PATH'
select id, ev(zone, style, q) from cases order by id;
"""
sql_path = os.path.join(workdir, 'run.sql')
open(sql_path,'w').write(sqlscript.replace('CASES_PATH', cases_path))
out = subprocess.run(['psql'] + sys.argv[2:] + ['-AtqX','-F','\t','-f',sql_path], capture_output=True, text=True)
if out.returncode != 0: print(out.stderr); sys.exit(1)
results = {}
for line in out.stdout.splitlines():
    if '\t' not in line: continue
    i, r = line.split('\t', 1); results[int(i)] = r
with open(sys.argv[1],'w') as f:
    f.write("# common/tests/datetime_cases.txt: expected results from PostgreSQL 15 (generated; do not edit).\n")
    f.write("# Fields are TAB-separated: op, session TimeZone, style (- | is:IntervalStyle | ds:DateStyle),\n")
    f.write("# arguments..., expected text (NULL for SQL NULL, !SQLSTATE message for an error).\n")
    f.write("# Each op is one SQL expression, e.g. ts_add a b = 'a'::timestamp + 'b'::interval, evaluated\n")
    f.write("# as (expr)::text with the session settings; test_datetime.c replays them without a server.\n")
    tzdata = open('/usr/share/zoneinfo/tzdata.zi').readline().strip() if os.path.exists('/usr/share/zoneinfo/tzdata.zi') else '# version unknown'
    f.write("# tzdata " + tzdata.lstrip('# ') + "\n")
    for idx, c in enumerate(cases):
        f.write('\t'.join(list(c) + [results[idx]]) + '\n')
print(len(cases))
