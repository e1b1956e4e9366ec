// Counts the NATS messages of every subject (core, JetStream API, acks, replies) for `--seconds`, to see what one
// request costs on the bus: run it beside a load of known size and divide. Subjects are folded (ids → *).
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';

const { values: opt } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, url: { type: 'string', default: 'nats://127.0.0.1:4222' } } });
const nc = await connect({ servers: opt.url });
const counts = new Map();
const fold = (subject) =>
  subject
    .split('.')
    .map((token) => (/^[A-Za-z0-9]{8,}$|^\d+$|^[0-9a-f-]{36}$/.test(token) ? '*' : token))
    .slice(0, 6)
    .join('.');
const sub = nc.subscribe('>', {
  callback: (_error, message) => {
    const key = fold(message.subject);
    const entry = counts.get(key) ?? { messages: 0, bytes: 0 };
    entry.messages++;
    entry.bytes += message.data.length;
    counts.set(key, entry);
  },
});
await new Promise((resolve) => setTimeout(resolve, Number(opt.seconds) * 1000));
sub.unsubscribe();
await nc.close();
const rows = [...counts.entries()].sort((a, b) => b[1].messages - a[1].messages);
for (const [subject, { messages, bytes }] of rows) console.log(`${String(messages).padStart(8)} ${String(bytes).padStart(10)}  ${subject}`);
