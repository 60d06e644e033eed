#!/usr/bin/env python3
"""tools/numeric_pg_check/gen_cases.py: PostgreSQL's answers for common/tests/numeric_cases.txt.

Generates NUMERIC test cases (hand-picked edge cases plus random ones from a fixed seed), asks a
running PostgreSQL 15 for each answer and writes lines `op<TAB>arg1<TAB>arg2<TAB>result`, where
result is PostgreSQL's text output or `ERROR <sqlstate>`. common/tests/test_numeric.c replays
the file without PostgreSQL. Usage (a scratch server, see common/README-numeric.md):
    gen_cases.py HOST PORT > common/tests/numeric_cases.txt
"""
import random
import subprocess
import sys

SQL = {
    'in': "'{a}'::numeric",
    'add': "'{a}'::numeric + '{b}'::numeric",
    'sub': "'{a}'::numeric - '{b}'::numeric",
    'mul': "'{a}'::numeric * '{b}'::numeric",
    'div': "'{a}'::numeric / '{b}'::numeric",
    'mod': "'{a}'::numeric % '{b}'::numeric",
    'divt': "div('{a}'::numeric, '{b}'::numeric)",
    'pow': "power('{a}'::numeric, '{b}'::numeric)",
    'log': "log('{a}'::numeric, '{b}'::numeric)",
    'round': "round('{a}'::numeric, {b})",
    'trunc': "trunc('{a}'::numeric, {b})",
    'ceil': "ceil('{a}'::numeric)",
    'floor': "floor('{a}'::numeric)",
    'abs': "abs('{a}'::numeric)",
    'neg': "-('{a}'::numeric)",
    'sign': "sign('{a}'::numeric)",
    'sqrt': "sqrt('{a}'::numeric)",
    'exp': "exp('{a}'::numeric)",
    'ln': "ln('{a}'::numeric)",
    'log10': "log('{a}'::numeric)",
    'cmp': "case when '{a}'::numeric < '{b}'::numeric then -1 when '{a}'::numeric = '{b}'::numeric then 0 else 1 end",
    'typmod': "'{a}'::numeric({b})",
    'int2': "'{a}'::numeric::int2",
    'int4': "'{a}'::numeric::int4",
    'int8': "'{a}'::numeric::int8",
    'float8': "'{a}'::numeric::float8",
    'float4': "'{a}'::numeric::float4",
    'fromf8': "'{a}'::float8::numeric",
    'fromf4': "'{a}'::float4::numeric",
    'sum': "(select sum(v) from unnest('{{{a}}}'::numeric[]) v)",
    'avg': "(select avg(v) from unnest('{{{a}}}'::numeric[]) v)",
    'scale': "scale('{a}'::numeric)",
    'minscale': "min_scale('{a}'::numeric)",
    'trimscale': "trim_scale('{a}'::numeric)",
}

EDGE_VALUES = ['0', '0.00', '-0', '1', '-1', '0.5', '-0.5', '1.5', '2.5', '-2.5', '9.99', '99.995',
               '0.0001', '0.00005', '12345.6789', '-12345.6789', '1e20', '1e-20', '9999',
               '10000', '99999999', '100000000', '0.1', '1.10', '123456789012345678901234567890',
               '-9223372036854775808', '9223372036854775807', '9223372036854775807.5', '32767.5',
               '-32768.5', '2147483647.49', '2147483647.5', '-2147483648.5', '3.14159265358979',
               '1e-1000', '7e300', 'NaN', 'Infinity', '-Infinity', '0.333333333333333333333']
INPUT_TEXTS = ['  1.5  ', '+1', '-.5', '.5', '5.', '1e3', '1E-3', '1.5e+2', '-1.2e-5', '1e 5',
               '00012.3400', 'nan', 'NAN', 'infinity', '-inf', '+inf', '+Infinity', 'Inf',
               'abc', '', ' ', '1.2.3', '1e', 'e5', '--1', '+-1', '1 2', '.', '-', '1e5x',
               'infinit', 'nanx', '0e-5', '1e-16384', '1e131072', '0e-16384',
               '1e-1001', '0.000000000000000000001', '123456789.123456789e-10', '1_000',
               '0x10', '1e2147483647', '\t7\n']

# Limits of every operation: overflow and underflow edges, float and integer cast bounds.
LIMIT_CASES = [('pow','1','2147483648'),('pow','-1','2147483649'),('pow','-1','2147483648'),('pow','0.5','-2147483649'),
 ('pow','1e-10','1e-10'),('pow','1e-100','0.5'),('pow','1e100','-0.5'),('pow','9.99','-0.01'),('pow','-3','-3'),('pow','-0.5','3'),
 ('round','1e-1000','2000'),('round','1e-1000','5000'),('round','123.456','-5000'),('trunc','-9.99','-1'),
 ('mul','9e131071','10'),('div','9e131071','1e-16383'),('div','1','1e131071'),('exp','-6000',''),('exp','-5999',''),
 ('sqrt','1e-16383',''),('sqrt','0.00000000000000000000000000000001',''),('ln','1e-16383',''),('log10','1e131071',''),
 ('log','1e-16383','1e131071'),('mod','1e131071','7'),('divt','1e131071','7e-5'),('add','1e-16383','1e131071'),
 ('pow','2','-1074'),('pow','10','-1000'),('pow','10','-1001'),('pow','0.1','1000'),('pow','3.3','33.3'),
 ('pow','1.0000000001','10000000000'),('pow','0.99999999999','-99999999999'),('exp','2302.585092994045684',''),
 ('cmp','1e131071','Infinity'),('in','1e131071',''),('in','-1e-16383',''),('sign','-1e-16383',''),
 ('float8','1e-320',''),('float8','2.4703282292062328e-324',''),('float8','1.7976931348623158e308',''),('float8','1.797693134862316e308',''),
 ('float4','3.4028235e38',''),('float4','3.4028236e38',''),('float4','1e-46',''),('float4','1.4e-45',''),
 ('int8','-9223372036854775808.5',''),('int8','-9223372036854775808.49',''),('int2','-32768.4999',''),('int4','2147483647.4999999999999',''),
 ('fromf8','123456789012345678',''),('fromf8','1e-310',''),('fromf4','16777217',''),('fromf4','0.1',''),
 ('typmod','99999.995','7,2'),('typmod','-0.0000001','3,2'),('typmod','123','3,-1'),('typmod','1234','3,-1'),('typmod','0.000123','3,5'),('typmod','0.00123','3,5'),
 ('sum','99999999999999999999999999999999999999,1,1e-30,-5',''),('avg','1e-30,2e-30',''),('avg','170141183460469231731687303715884105727,170141183460469231731687303715884105727',''),
]


def rand_numeric(rng):
    kind = rng.random()
    if kind < 0.03:
        return rng.choice(['NaN', 'Infinity', '-Infinity'])
    if kind < 0.08:
        return '0' + ('.' + '0' * rng.randint(1, 5) if rng.random() < 0.5 else '')
    int_len = rng.choice([0, 1, 1, 2, 3, 4, 5, 8, 12, 20, 30])
    frac_len = rng.choice([0, 0, 1, 2, 2, 3, 4, 5, 8, 12, 20])
    int_part = ''.join(rng.choice('0123456789') for _ in range(int_len)).lstrip('0') or '0'
    frac = ''.join(rng.choice('0123456789') for _ in range(frac_len))
    if rng.random() < 0.2 and frac_len > 2:  # leading zeros in the fraction: small values
        frac = '0' * rng.randint(1, 10) + frac
    if rng.random() < 0.15 and frac:  # rounding ties
        frac = frac[:-1] + '5'
    text = int_part + ('.' + frac if frac else '')
    return ('-' if rng.random() < 0.4 else '') + text


def small_numeric(rng):
    value = rng.uniform(-50, 50) if rng.random() < 0.7 else rng.uniform(0, 3)
    return ('%.*f' % (rng.randint(0, 8), value))


def positive_numeric(rng):
    choice = rng.random()
    if choice < 0.3:
        return '%.*f' % (rng.randint(0, 6), rng.uniform(0.001, 10))
    if choice < 0.6:
        return '%.*f' % (rng.randint(0, 10), rng.uniform(0.5, 1.5))
    digits = rand_numeric(rng).lstrip('-')
    return digits if digits not in ('0', 'NaN', 'Infinity', '-Infinity') and digits.strip('0.') else '7'


def edge_cases():
    cases = [('in', text, '') for text in INPUT_TEXTS]
    binary = ['add', 'sub', 'mul', 'div', 'mod', 'divt', 'cmp']
    small = ['0', '-0.00', '1', '-1', '2.5', '-7.25', '1e-20', '99999999.99999999', 'NaN',
             'Infinity', '-Infinity', '3', '0.001']
    for op in binary:
        for a in small:
            for b in small:
                cases.append((op, a, b))
    for op in ['ceil', 'floor', 'abs', 'neg', 'sign', 'sqrt', 'exp', 'ln', 'log10', 'int2',
               'int4', 'int8', 'float8', 'float4', 'scale', 'minscale', 'trimscale', 'in']:
        for a in EDGE_VALUES:
            cases.append((op, a, ''))
    for a in EDGE_VALUES:
        for s in ['-3', '-1', '0', '1', '2', '5', '20']:
            cases.append(('round', a, s))
            cases.append(('trunc', a, s))
    for a in ['12.345', '-12.345', '99.995', '999.995', '0.005', '-0.005', '123456', '0.5',
              '1e-10', 'NaN', 'Infinity', '-Infinity', '9.5', '0']:
        for tm in ['5,2', '4,2', '3,0', '2,2', '3,5', '3,-1', '6,-3', '1,0', '10,4', '1000,999',
                   '0,0', '1001,0', '5,-1001', '5,1001']:
            cases.append(('typmod', a, tm))
    for a in ['0', '1', '-1', '2', '0.5', '10', '-2', '1.5', '0.1', '3', 'NaN', 'Infinity',
              '-Infinity', '0.0', '1.0000001', '-0.5']:
        for b in ['0', '1', '-1', '2', '3', '-3', '0.5', '-0.5', '2.5', '10', '100', '1000000',
                  'NaN', 'Infinity', '-Infinity', '3.0', '0.0', '1e-10', '2147483648']:
            cases.append(('pow', a, b))
            if a not in ('-1', '-2', '-0.5'):
                cases.append(('log', a, b))
    for value in ['0', '1', '-1', '0.1', '1.5', '1e300', '-1e-300', '3.141592653589793',
                  '123456789012345678', '1.7976931348623157e308', '5e-324', '2.2250738585072014e-308',
                  'NaN', 'Infinity', '-Infinity', '0.1234567890123456789', '100', '1e15', '1e16',
                  '0.3', '2.5e-7']:
        cases.append(('fromf8', value, ''))
        cases.append(('fromf4', value, ''))
    for values in ['1,2,3', '1.5,2.25', '1,2', 'NaN,1', 'Infinity,1', 'Infinity,-Infinity',
                   '-Infinity,2', '0.001,1000', '99999999999999999999,1', '1e-10,2e-10,3.5',
                   '-1,1', '7', '0.0000,1']:
        cases.append(('sum', values, ''))
        cases.append(('avg', values, ''))
    for op, a, b in [('exp', '5000', ''), ('exp', '5999.9', ''), ('exp', '-5999.9', ''),
                     ('exp', '6000', ''), ('exp', '-6000', ''), ('exp', '1e-30', ''),
                     ('pow', '10', '1000'), ('pow', '3', '5000'), ('pow', '10', '131072'), ('pow', '2', '-100000'),
                     ('pow', '-1.0000001', '2147483648'), ('pow', '-1.0000001', '2147483649'),
                     ('pow', '1.000001', '3000000000'), ('pow', '0.9', '3000000000'),
                     ('pow', '10', '2147483648'), ('pow', '0', '2147483648'),
                     ('pow', '0', '0.5'), ('pow', '0.0', '3'), ('pow', '1.5', '100.5'),
                     ('pow', '7', '-2147483648'), ('pow', '1.1', '-1000.5'),
                     ('ln', '1e-1000', ''), ('ln', '9e131071', ''), ('ln', '1.0000000000000000001', ''),
                     ('ln', '0.9', ''), ('ln', '1.1', ''), ('ln', '0.99999', ''),
                     ('sqrt', '9e1001', ''), ('sqrt', '123456789e300', ''), ('sqrt', '1e-1000', ''), ('sqrt', '0.0001', ''),
                     ('sqrt', '2.0000000000000000000000000000000000000000', ''),
                     ('log10', '1e-1000', ''), ('log10', '1000', ''), ('log10', '0.001', ''),
                     ('log', '10', '1e100'), ('log', '2', '1024'), ('log', '1.0001', '2'),
                     ('log', '1', '1'), ('log', '0.5', '0.25'), ('log', '1e-1000', '10'),
                     ('div', '1', '3e-999'), ('div', '1e-1000', '3'), ('div', '2', '3e999'),
                     ('div', '9999.9999', '0.0001'), ('mul', '1e-10000', '1e-10000'),
                     ('mul', '1e100000', '1e100000'), ('add', '9e131071', '9e131071'),
                     ('mod', '-7.5', '2'), ('mod', '7.5', '-2'), ('mod', '1e-20', '3'),
                     ('divt', '-7.5', '2'), ('divt', '1e30', '7'),
                     ('round', '1.5', '3000'), ('round', '1e-1000', '20000'), ('trunc', '1.5', '16384'),
                     ('round', '5e131071', '-131072'), ('round', '5e131071', '-131073'),
                     ('round', '4.9e131071', '-200000'), ('trunc', '5e131071', '-131072')]:
        cases.append((op, a, b))
    cases.extend(LIMIT_CASES)
    return cases


def wide_cases(rng, count):
    """Transcendental functions over wide magnitudes."""
    cases = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.25:
            value = rng.uniform(0, 10) * 10 ** rng.randint(-20, 40)
            cases.append(('sqrt', '%.*f' % (rng.randint(0, 30), value), ''))
        elif roll < 0.5:
            value = rng.uniform(0.0001, 10) * 10 ** rng.randint(-15, 60)
            cases.append(('ln', '%.*f' % (rng.randint(0, 25), value), ''))
        elif roll < 0.7:
            cases.append(('exp', '%.*f' % (rng.randint(0, 20), rng.uniform(-300, 300)), ''))
        else:
            cases.append(('pow', '%.*f' % (rng.randint(0, 8), rng.uniform(0.01, 100)),
                          '%.*f' % (rng.randint(0, 4), rng.uniform(-30, 30))))
    return cases


def big_cases(rng, count):
    """Long operands: multi-digit long division, carries and borrows across many digits."""
    def big(rng):
        int_part = str(rng.randint(1, 9)) + ''.join(rng.choice('0123456789') for _ in range(rng.randint(0, 150)))
        frac = ''.join(rng.choice('09' if rng.random() < 0.3 else '0123456789') for _ in range(rng.randint(0, 80)))
        return ('-' if rng.random() < 0.4 else '') + int_part + ('.' + frac if frac else '')
    return [(rng.choice(['add', 'sub', 'mul', 'div', 'mod', 'divt', 'cmp']), big(rng), big(rng))
            for _ in range(count)]


def random_cases(rng, count):
    cases = []
    arith = ['add', 'sub', 'mul', 'div', 'mod', 'divt', 'cmp']
    for _ in range(count):
        roll = rng.random()
        if roll < 0.55:
            cases.append((rng.choice(arith), rand_numeric(rng), rand_numeric(rng)))
        elif roll < 0.65:
            cases.append((rng.choice(['round', 'trunc']), rand_numeric(rng), str(rng.randint(-6, 12))))
        elif roll < 0.7:
            cases.append((rng.choice(['ceil', 'floor', 'sign', 'int8', 'int4', 'float8']),
                          rand_numeric(rng), ''))
        elif roll < 0.77:
            cases.append(('sqrt', rand_numeric(rng).lstrip('-'), ''))
        elif roll < 0.82:
            cases.append(('ln', positive_numeric(rng), ''))
        elif roll < 0.86:
            cases.append(('exp', small_numeric(rng), ''))
        elif roll < 0.93:
            exponent = rng.choice([str(rng.randint(-12, 12)), small_numeric(rng)[:6]])
            cases.append(('pow', positive_numeric(rng)[:12], exponent))
        elif roll < 0.96:
            cases.append(('log', positive_numeric(rng), positive_numeric(rng)))
        else:
            precision = rng.randint(1, 20)
            cases.append(('typmod', rand_numeric(rng), '%d,%d' % (precision, rng.randint(-2, precision + 2))))
    return cases


def main():
    host, port = sys.argv[1], sys.argv[2]
    rng = random.Random(20261125)
    cases = edge_cases() + random_cases(rng, 3000) + wide_cases(rng, 500) + big_cases(rng, 300)
    script = ["\\pset format unaligned", "\\pset tuples_only on",
              "create or replace function pg_temp.ev(q text) returns text language plpgsql as $f$ "
              "declare r text; begin execute q into r; return coalesce(r, 'NULL'); "
              "exception when others then return 'ERROR ' || sqlstate; end $f$;"]
    for op, a, b in cases:
        expr = SQL[op].format(a=a.replace("'", "''"), b=b.replace("'", "''"))
        query = 'select (%s)::text' % expr
        script.append("select pg_temp.ev($q$%s$q$);" % query)
    result = subprocess.run(['psql', '-h', host, '-p', port, '-U', 'postgres', '-X', '-q', '-At'],
                            input='\n'.join(script) + '\n', capture_output=True, text=True, check=True)
    answers = result.stdout.split('\n')
    answers = [line for line in answers if line != '' or False]
    if len(answers) != len(cases):
        sys.exit('expected %d answers, got %d' % (len(cases), len(answers)))
    for (op, a, b), answer in zip(cases, answers):
        for field in (a, b):
            assert '\t' not in field and '\n' not in field or op == 'in'
        print('%s\t%s\t%s\t%s' % (op, a.replace('\t', '\\t').replace('\n', '\\n'), b, answer))


if __name__ == '__main__':
    main()
