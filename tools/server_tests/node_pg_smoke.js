// tools/server_tests/node_pg_smoke.js: node-postgres (`pg`, pinned in tools/package.json)
// against a server. Run by client_smoke.sh with libpq's PG* variables set (PGHOST is the
// Unix-socket directory; node-postgres reads the same variables).
// Each check prints `ok NAME` or `FAIL NAME: reason`; the last line is `N passed, M failed`;
// exit status 1 if a check failed that is neither optional nor listed in
// $SERVER_TESTS_KNOWN_FAILURES (known_failures.txt, `node NAME` lines).
// Checks: connect; a simple query; parameterized queries (extended protocol, untyped and cast
// parameters, type inference from context); a named prepared statement ({name, text, values})
// run several times; a transaction committed and one rolled back; errors with SQLSTATE and
// position in simple and extended queries and recovery; types round trip (int2/4/8, numeric,
// float8, bool, text, date, timestamptz, bytea sent binary, int[] and text[], NULL; json is an
// optional check);
// rowCount and command from the tags; a Pool running queries concurrently.
'use strict';
const assert = require('node:assert/strict');
const { Client, Pool, types } = require('pg');

let passed = 0;
let failed = 0;

// the check names known_failures.txt lists for node (`node NAME  # why`), against birch only
const known = new Set();
if (process.env.SERVER_TESTS_KNOWN_FAILURES) {
  const fs = require('node:fs');
  if (fs.existsSync(process.env.SERVER_TESTS_KNOWN_FAILURES)) {
    for (const raw of fs.readFileSync(process.env.SERVER_TESTS_KNOWN_FAILURES, 'utf8').split('\n')) {
      const line = raw.split('#')[0].trim();
      if (line.startsWith('node ')) known.add(line.slice(5).trim());
    }
  }
}

// an optional check reports `FAIL (optional)` without failing the run
async function check(name, fn, optional = false) {
  try {
    await fn();
    console.log(`ok ${name}${known.has(name) ? ' (now passes: remove it from known_failures.txt)' : ''}`);
    passed++;
  } catch (e) {
    const why = (e && e.message ? e.message : String(e)).split('\n').slice(0, 6).join(' | ');
    const tag = optional ? ' (optional)' : known.has(name) ? ' (known failure, known_failures.txt)' : '';
    console.log(`FAIL${tag} ${name}: ${why}`);
    if (!optional && !known.has(name)) failed++;
  }
}

async function main() {
  const client = new Client({ connectionTimeoutMillis: 10000 });
  await check('connect', async () => {
    await client.connect();
  });
  if (failed) {
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(1);
  }

  await check('simple query', async () => {
    const r = await client.query('SELECT 1 AS one, \'two\' AS two');
    assert.deepEqual(r.rows, [{ one: 1, two: 'two' }]);
    assert.equal(r.command, 'SELECT');
    assert.equal(r.rowCount, 1);
    assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]), [['one', 23], ['two', 25]]);
  });

  await check('parameterized query', async () => {
    const r = await client.query('SELECT $1::int + 1 AS n, $2::text AS t, $3 AS u', [41, 'x\'y', 'untyped']);
    assert.deepEqual(r.rows, [{ n: 42, t: 'x\'y', u: 'untyped' }]);
    await client.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2), qty int DEFAULT 0)');
    for (let i = 1; i <= 5; i++) {
      const ins = await client.query('INSERT INTO items (id, name, price) VALUES ($1, $2, $3)', [i, `item${i}`, (i * 1.25).toFixed(2)]);
      assert.equal(ins.command, 'INSERT');
      assert.equal(ins.rowCount, 1);
    }
    // parameter types inferred from the column compared with
    const r2 = await client.query('SELECT name FROM items WHERE id = $1 OR name = $2 ORDER BY id', [2, 'item4']);
    assert.deepEqual(r2.rows.map((x) => x.name), ['item2', 'item4']);
    const r3 = await client.query('SELECT count(*)::int AS n FROM items WHERE price > $1', ['3']);
    assert.equal(r3.rows[0].n, 3);
    const up = await client.query('UPDATE items SET qty = qty + $1 WHERE id <= $2', [7, 3]);
    assert.equal(up.command, 'UPDATE');
    assert.equal(up.rowCount, 3);
  });

  await check('named prepared statement', async () => {
    const q = { name: 'item-by-id', text: 'SELECT id, name, qty FROM items WHERE id = $1', values: [1] };
    const a = await client.query(q);
    assert.deepEqual(a.rows, [{ id: 1, name: 'item1', qty: 7 }]);
    const b = await client.query({ ...q, values: [5] });
    assert.deepEqual(b.rows, [{ id: 5, name: 'item5', qty: 0 }]);
    const c = await client.query({ ...q, values: [99] });
    assert.equal(c.rowCount, 0);
    const ins = { name: 'insert-item', text: 'INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id', values: [6, 'six'] };
    assert.deepEqual((await client.query(ins)).rows, [{ id: 6 }]);
    assert.deepEqual((await client.query({ ...ins, values: [7, 'seven'] })).rows, [{ id: 7 }]);
  });

  await check('transactions', async () => {
    await client.query('BEGIN');
    await client.query('DELETE FROM items WHERE id > $1', [5]);
    await client.query('ROLLBACK');
    let r = await client.query('SELECT count(*)::int AS n FROM items');
    assert.equal(r.rows[0].n, 7);
    await client.query('BEGIN');
    await client.query('INSERT INTO items (id, name) VALUES ($1, $2)', [8, 'eight']);
    const other = new Client();
    await other.connect();
    r = await other.query('SELECT count(*)::int AS n FROM items WHERE id = 8');
    assert.equal(r.rows[0].n, 0, 'uncommitted row seen by another session');
    await client.query('COMMIT');
    r = await other.query('SELECT count(*)::int AS n FROM items WHERE id = 8');
    assert.equal(r.rows[0].n, 1, 'committed row not seen by another session');
    await other.end();
  });

  await check('errors and recovery', async () => {
    await assert.rejects(client.query('SELECT * FROM no_such_table'), (e) => {
      assert.equal(e.code, '42P01');
      assert.equal(e.position, '15');
      assert.equal(e.severity, 'ERROR');
      return true;
    });
    await assert.rejects(client.query('INSERT INTO items (id, name) VALUES ($1, $2)', [1, 'dup']), (e) => {
      assert.equal(e.code, '23505');
      assert.equal(e.constraint, 'items_pkey');
      assert.equal(e.detail, 'Key (id)=(1) already exists.');
      return true;
    });
    await assert.rejects(client.query('SELECT $1::int', ['notanint']), (e) => e.code === '22P02');
    await client.query('BEGIN');
    await assert.rejects(client.query('SELECT 1 / $1::int', [0]), (e) => e.code === '22012');
    await assert.rejects(client.query('SELECT 1'), (e) => e.code === '25P02');
    await client.query('ROLLBACK');
    const r = await client.query('SELECT $1::int AS ok', [1]);
    assert.deepEqual(r.rows, [{ ok: 1 }]);
  });

  await check('types round trip', async () => {
    types.setTypeParser(20, (v) => BigInt(v)); // int8 as BigInt instead of string
    try {
      const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff]);
      const when = new Date('2024-02-29T13:45:01.250Z');
      const r = await client.query(
        'SELECT $1::int2 AS i2, $2::int4 AS i4, $3::int8 AS i8, $4::numeric AS n, $5::float8 AS f, ' +
        '$6::bool AS b, $7::text AS t, $8::date AS d, $9::timestamptz AS ts, $10::bytea AS by, ' +
        '$11::int4[] AS ia, $12::text[] AS ta, $13::text AS nul',
        [-2, 2147483647, '9007199254740993', '12345.678900', 0.1, true, 'h\u00e9llo \u{1F600}',
          '2024-02-29', when, bytes, [1, 2, 3], ['a', 'b c', null], null]);
      const row = r.rows[0];
      assert.equal(row.i2, -2);
      assert.equal(row.i4, 2147483647);
      assert.equal(row.i8, 9007199254740993n);
      assert.equal(row.n, '12345.678900');
      assert.equal(row.f, 0.1);
      assert.equal(row.b, true);
      assert.equal(row.t, 'h\u00e9llo \u{1F600}');
      assert.ok(row.d instanceof Date && row.d.getFullYear() === 2024 && row.d.getMonth() === 1 && row.d.getDate() === 29, `date ${row.d}`);
      assert.equal(row.ts.getTime(), when.getTime());
      assert.ok(Buffer.isBuffer(row.by) && row.by.equals(bytes), `bytea ${row.by && row.by.toString('hex')}`);
      assert.deepEqual(row.ia, [1, 2, 3]);
      assert.deepEqual(row.ta, ['a', 'b c', null]);
      assert.equal(row.nul, null);
      assert.deepEqual(r.fields.map((f) => f.dataTypeID),
        [21, 23, 20, 1700, 701, 16, 25, 1082, 1184, 17, 1007, 1009, 25]);
    } finally {
      types.setTypeParser(20, (v) => v);
    }
    await client.query('CREATE TABLE blobs (id int PRIMARY KEY, data bytea, at timestamptz, note text)');
    const data = Buffer.alloc(300, 7);
    await client.query('INSERT INTO blobs VALUES ($1, $2, $3, $4)', [1, data, new Date(0), null]);
    const r2 = await client.query('SELECT data, at, note FROM blobs WHERE id = $1', [1]);
    assert.ok(r2.rows[0].data.equals(data), 'bytea column');
    assert.equal(r2.rows[0].at.getTime(), 0);
    assert.equal(r2.rows[0].note, null);
  });

  await check('json round trip (optional)', async () => {
    const r = await client.query('SELECT $1::json AS j', [JSON.stringify({ k: [1, 'v'], s: 'x' })]);
    assert.deepEqual(r.rows[0].j, { k: [1, 'v'], s: 'x' });
    assert.equal(r.fields[0].dataTypeID, 114);
  }, true);

  await check('pool: concurrent queries on several connections', async () => {
    const pool = new Pool({ max: 4 });
    try {
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) =>
        pool.query('SELECT $1::int * 2 AS v', [i])));
      assert.deepEqual(results.map((x) => x.rows[0].v), Array.from({ length: 16 }, (_, i) => i * 2));
    } finally {
      await pool.end();
    }
  });

  await check('LISTEN / NOTIFY', async () => {
    const listener = new Client();
    await listener.connect();
    try {
      await listener.query('LISTEN smoke_channel');
      const got = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no notification within 5 s')), 5000);
        listener.on('notification', (msg) => { clearTimeout(timer); resolve(msg); });
      });
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await client.query("NOTIFY smoke_channel, 'hello'");
      const msg = await got;
      assert.equal(msg.channel, 'smoke_channel');
      assert.equal(msg.payload, 'hello');
      assert.equal(msg.processId, pid);
    } finally {
      await listener.end();
    }
  });

  await client.end();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL unexpected: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
