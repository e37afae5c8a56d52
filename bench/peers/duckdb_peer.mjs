// DuckDB's side of the peers benchmark (bench/peers/peers_bench.sh): the same JSON Lines loaded
// with read_json, then the questions agentwatch answers from its store. One step per process,
// so each is timed from the outside like agentwatch's own commands (process start included).
//
//   node duckdb_peer.mjs load     DB EVENTS.jsonl          events -> table `events` in DB
//   node duckdb_peer.mjs timeline DB AGENT OUT.jsonl       one agent's events, newest first
//   node duckdb_peer.mjs coverage DB OUT.json [MINUTES]    per-source and per-agent figures
//
// Needs @duckdb/node-api (its npm package ships the prebuilt engine:
// @duckdb/node-bindings-linux-x64); peers_bench.sh installs it with npm into a directory of its
// own and passes it as AW_DUCKDB_NODE_DIR. DuckDB uses every core (threads = nproc) unless
// DUCKDB_THREADS says otherwise.
//
// What it does not do, and agentwatch does: no registry at all (no event-time registry either),
// so no registered/unregistered split, owners, credentials, scopes, freezes, approvals, alerts;
// no action-class derivation for events without action.class; no evidence chain.
import { createRequire } from 'node:module';
import path from 'node:path';

// Resolved from AW_DUCKDB_NODE_DIR (the npm --prefix directory), else from beside this file.
const require = createRequire(path.join(process.env.AW_DUCKDB_NODE_DIR || import.meta.dirname || '.', 'x.js'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [step, dbPath, ...args] = process.argv.slice(2);
const q = (s) => "'" + String(s).replaceAll("'", "''") + "'";

const options = {};
if (process.env.DUCKDB_THREADS) options.threads = process.env.DUCKDB_THREADS;
const instance = await DuckDBInstance.create(dbPath, options);
const db = await instance.connect();
const one = async (sql) => (await db.runAndReadAll(sql)).getRowObjectsJson();

// The fields of the native event format (DESIGN.md), typed up front so no sample decides them.
const COLUMNS = `{
  ts: 'TIMESTAMP', id: 'VARCHAR', source: 'VARCHAR', seq: 'BIGINT',
  actor: 'STRUCT(id VARCHAR, type VARCHAR)', credential: 'STRUCT(id VARCHAR)',
  session: 'VARCHAR', task: 'VARCHAR',
  action: 'STRUCT(tool VARCHAR, verb VARCHAR, class VARCHAR)',
  resource: 'STRUCT(type VARCHAR, name VARCHAR)',
  env: 'VARCHAR', outcome: 'VARCHAR', src_ip: 'VARCHAR', approval: 'VARCHAR', attrs: 'JSON'
}`;

if (step === 'load') {
  const [events] = args;
  // Same (source, id) twice is one event, as agentwatch judges and stores it once.
  await db.run(`CREATE OR REPLACE TABLE events AS
    SELECT DISTINCT ON (source, id) *
    FROM read_json(${q(events)}, format = 'newline_delimited', columns = ${COLUMNS})`);
  const [r] = await one(`SELECT count(*) AS events FROM events`);
  console.log(JSON.stringify({ step, events: Number(r.events) }));
} else if (step === 'timeline') {
  const [agent, out] = args;
  await db.run(`COPY (SELECT * FROM events WHERE actor.id = ${q(agent)} ORDER BY ts DESC)
    TO ${q(out)} (FORMAT json)`);
  const [r] = await one(`SELECT count(*) AS n FROM events WHERE actor.id = ${q(agent)}`);
  console.log(JSON.stringify({ step, agent, rows: Number(r.n) }));
} else if (step === 'coverage') {
  const [out, minutesArg] = args;
  const minutes = Number(minutesArg || 5);
  // report coverage's "audit completeness" per source (store/coverage_report.h): sequence gaps
  // over the distinct seq values, silent periods = runs of >= N whole UTC minutes without an
  // event between the source's first and last event.
  const sources = await one(`
    WITH s AS (
      SELECT source, count(*) AS events, count(seq) AS with_seq,
             count(*) FILTER (WHERE coalesce(credential.id, '') <> '') AS with_credential,
             min(ts) AS first, max(ts) AS last
      FROM events GROUP BY source),
    g AS (
      SELECT source, count(*) FILTER (WHERE d > 1) AS seq_gaps,
             coalesce(sum(d - 1) FILTER (WHERE d > 1), 0) AS missing_records
      FROM (SELECT source, seq - lag(seq) OVER (PARTITION BY source ORDER BY seq) AS d
            FROM (SELECT DISTINCT source, seq FROM events WHERE seq IS NOT NULL))
      GROUP BY source),
    m AS (
      SELECT source, count(*) FILTER (WHERE e >= ${minutes}) AS silent_periods,
             coalesce(max(e) FILTER (WHERE e >= ${minutes}), 0) * 60 AS longest_silence_s
      FROM (SELECT source, mm - lag(mm) OVER (PARTITION BY source ORDER BY mm) - 1 AS e
            FROM (SELECT DISTINCT source, epoch_us(ts) // 60000000 AS mm FROM events))
      GROUP BY source)
    SELECT s.source, s.events, s.with_seq, coalesce(g.seq_gaps, 0) AS seq_gaps,
           coalesce(g.missing_records, 0) AS missing_records,
           coalesce(m.silent_periods, 0) AS silent_periods,
           coalesce(m.longest_silence_s, 0) AS longest_silence_s, s.with_credential,
           strftime(s.first, '%Y-%m-%dT%H:%M:%S.%fZ') AS first,
           strftime(s.last, '%Y-%m-%dT%H:%M:%S.%fZ') AS last
    FROM s LEFT JOIN g USING (source) LEFT JOIN m USING (source)
    ORDER BY s.source`);
  // Per agent: events, first and last, first source, classes named by the records.
  const agents = await one(`
    SELECT actor.id AS id, count(*) AS events,
           strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%fZ') AS first,
           strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%fZ') AS last,
           arg_min(source, ts) AS source,
           list_sort(list(DISTINCT action.class) FILTER (WHERE action.class IS NOT NULL)) AS classes
    FROM events GROUP BY actor.id ORDER BY events DESC, id`);
  const [period] = await one(`SELECT count(*) AS events, count(DISTINCT actor.id) AS seen,
      strftime(min(ts), '%Y-%m-%dT%H:%M:%S.%fZ') AS first_event,
      strftime(max(ts), '%Y-%m-%dT%H:%M:%S.%fZ') AS last_event FROM events`);
  const num = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) =>
    [k, typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'id' && k !== 'source' ? Number(v) : v]));
  const report = {
    period: num(period),
    sources: sources.map(num),
    agents: agents.map(num),
  };
  const fs = await import('node:fs');
  fs.writeFileSync(out, JSON.stringify(report) + '\n');
  console.log(JSON.stringify({ step, events: report.period.events, sources: sources.length,
                               agents: agents.length, busiest: agents[0] && agents[0].id }));
} else {
  console.error('usage: duckdb_peer.mjs load DB EVENTS | timeline DB AGENT OUT | coverage DB OUT [MINUTES]');
  process.exit(2);
}
db.closeSync?.();
instance.closeSync?.();
