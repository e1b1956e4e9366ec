#!/usr/bin/env node
// The durable floor: the kit's floor proxy plus the one thing issue 12's own rules forbid any gateway to skip, a
// completion record that is in JetStream before the answer's last byte leaves (the kill -9 chaos test: published
// later, a crash loses the charge), and a consumer that commits one row per completion in Postgres (billing's
// least work), group-committed. No auth, no rate limit, no guardrails, no routing, no hold, no pricing, no ledger:
// what Switchyard measures above this is its own cost; what this measures above the floor proxy is the machine's
// price of not losing money.
//   node bench/durable-floor-proxy.mjs [--port 0] [--upstream http://127.0.0.1:18080] [--no-consumer]   (prints FLOOR_READY {url})
// --no-consumer: publish and wait for the ack, but nothing reads the stream (splits the ack's cost from the consumer's).
// Needs NATS with JetStream (NATS_URL) and Postgres (DURABLE_FLOOR_DATABASE_URL, default database
// bench_durable_floor on 127.0.0.1, created if missing). The consumer runs as a child process, so a process-tree
// CPU reading (the kit's compare) counts it with the proxy.
import { fork } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { Agent, request } from 'undici';

const STREAM = 'BENCH_DURABLE_FLOOR';
const SUBJECT = 'bench.durable-floor.completed';
const CONSUMER = 'bench-durable-floor';
const DATABASE = 'bench_durable_floor';
const databaseUrl = process.env.DURABLE_FLOOR_DATABASE_URL ?? `postgres://root@127.0.0.1:5432/${DATABASE}`;
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const { values } = parseArgs({ options: { port: { type: 'string' }, upstream: { type: 'string' }, consumer: { type: 'boolean', default: false }, 'no-consumer': { type: 'boolean', default: false } } });

if (values.consumer) await runConsumer();
else await runProxy();

async function runProxy() {
  await createDatabase();
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(STREAM).catch(() => undefined);
  await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], storage: 'file', duplicate_window: 120e9 });
  const js = jetstream(nc);
  let consumer;
  if (!values['no-consumer']) {
    await jsm.consumers.add(STREAM, { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 10_000 });
    consumer = fork(new URL(import.meta.url).pathname, ['--consumer'], { stdio: 'inherit' });
    await new Promise((resolve) => consumer.once('message', resolve));
  }

  // Completions of one loop turn go as one message and one ack, as Switchyard's publisher sends them.
  let forming = [];
  function published(record) {
    return new Promise((resolve, reject) => {
      if (forming.length === 0) {
        setImmediate(() => {
          const group = forming;
          forming = [];
          js.publish(SUBJECT, JSON.stringify(group.map((entry) => entry.record)), { msgID: group[0].record.requestId }).then(
            () => group.forEach((entry) => entry.resolve()),
            (error) => group.forEach((entry) => entry.reject(error)),
          );
        });
      }
      forming.push({ record, resolve, reject });
    });
  }

  const upstream = new URL(values.upstream ?? process.env.UPSTREAM ?? 'http://127.0.0.1:18080');
  const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 512 });
  const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);
  const strip = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP.has(name)));

  const server = http.createServer(async (req, res) => {
    const startedAt = new Date().toISOString();
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const up = await request(new URL(req.url, upstream), { method: req.method, headers: strip(req.headers), body: chunks.length ? Buffer.concat(chunks) : null, dispatcher });
      const streaming = String(up.headers['content-type'] ?? '').startsWith('text/event-stream');
      const record = (tail, bytes) => ({
        requestId: randomUUID(), workspaceId: 'bench', status: up.statusCode, streamed: streaming, upstreamBytes: bytes,
        // the usage is near the end of either body; a real gateway parses it, this one only keeps the bytes
        usageTail: tail.subarray(Math.max(0, tail.length - 160)).toString('latin1'), startedAt, completedAt: new Date().toISOString(),
      });
      if (streaming) {
        // every event goes out as it arrives; only the end of the response waits for the ack
        res.writeHead(up.statusCode, strip(up.headers));
        res.flushHeaders();
        let last = Buffer.alloc(0);
        let bytes = 0;
        for await (const chunk of up.body) {
          res.write(chunk);
          last = chunk;
          bytes += chunk.length;
        }
        await published(record(last, bytes));
        res.end();
      } else {
        const body = Buffer.from(await up.body.arrayBuffer());
        await published(record(body, body.length));
        res.writeHead(up.statusCode, { ...strip(up.headers), 'content-length': body.length }).end(body);
      }
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(err.message) } }));
      else res.destroy(err);
    }
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(values.port ?? process.env.PORT ?? 0), '127.0.0.1', () => {
    console.log('FLOOR_READY ' + JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, upstream: upstream.origin }));
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, async () => {
      server.close();
      if (consumer) {
        consumer.kill('SIGTERM');
        await new Promise((resolve) => consumer.once('exit', resolve));
      }
      await jsm.streams.delete(STREAM).catch(() => undefined);
      await nc.close();
      process.exit(0);
    });
  }
}

/** Group commit: the messages that arrive while a commit is in flight form the next one; each is acked after its commit. */
async function runConsumer() {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('CREATE TABLE IF NOT EXISTS completions (request_id uuid PRIMARY KEY, body jsonb NOT NULL, committed_at timestamptz NOT NULL DEFAULT now())');
  const nc = await connect({ servers: natsUrl });
  const messages = await (await jetstream(nc).consumers.get(STREAM, CONSUMER)).consume({ max_messages: 256 });
  let queue = [];
  let committing = false;
  async function commitQueued() {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const rows = batch.flatMap((message) => message.json());
      await db.query({
        name: 'completions_insert',
        text: 'INSERT INTO completions (request_id, body) SELECT (r->>\'requestId\')::uuid, r FROM jsonb_array_elements($1::jsonb) AS r ON CONFLICT DO NOTHING',
        values: [JSON.stringify(rows)],
      });
      for (const message of batch) message.ack();
    }
    committing = false;
  }
  process.send?.('ready');
  process.on('SIGTERM', async () => {
    await messages.close();
    await nc.drain();
    await db.end();
    process.exit(0);
  });
  for await (const message of messages) {
    queue.push(message);
    if (!committing) {
      committing = true;
      setImmediate(() => commitQueued().catch((error) => {
        process.stderr.write(`durable-floor consumer: ${error.stack ?? error}\n`);
        process.exit(1);
      }));
    }
  }
}

async function createDatabase() {
  const admin = new pg.Client({ connectionString: databaseUrl.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (rowCount === 0 && databaseUrl.endsWith(`/${DATABASE}`)) await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
}
