'use strict';
// Profiling preload for `node bench/gateway-ttfb.mjs --profile` (NODE_OPTIONS="-r bench/lib/stage-timer.cjs").
// Measures, inside a running service and without editing it, how long each stage of the request path takes:
//   * every exported class method listed in STAGES below (wall time from call to promise settled);
//   * http: request received → response headers written → first body byte written (the server-side TTFB);
//   * upstream: the gateway's undici call → headers → first body chunk.
// Send SIGWINCH (not SIGUSR2: Nest's enableShutdownHooks() shuts down on SIGUSR2) once to reset the counters and start the V8 CPU profiler, again to stop and write
// `<STAGE_TIMER_DIR>/<service>-<pid>.stages.json` (+ `.cpuprofile`, open in Chrome DevTools / speedscope).
// Off the profile path this file is never loaded.

const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { AsyncLocalStorage } = require('node:async_hooks');

/** Per chat request: when its HTTP request arrived, so every stage also reports "done at +X ms". */
const requestClock = new AsyncLocalStorage();
const HANDLERS = new Set(['ChatCompletionsService.handle', 'CompletionPipeline.handle']);
const CPU_PROFILE = process.env.STAGE_TIMER_CPU === '1';

const OUT_DIR = process.env.STAGE_TIMER_DIR || path.join(process.cwd(), 'bench', 'results', 'profile');
const SERVICE = path.basename(path.dirname(path.dirname(process.argv[1] || 'unknown/src/x'))) || 'node';

/** exported class name → async methods to time. Names that do not exist in a build are skipped. */
const STAGES = {
  ApiKeyAuthService: ['authenticate'],
  ApiKeyCache: ['getShared'],
  ApiKeysRepository: ['findByHash'],
  RouteCandidatesService: ['resolve'],
  NatsBus: ['request'],
  LedgerClient: ['placeHold'],
  UpstreamHttpClient: ['post'],
  ChatCompletionsService: ['handle'],
  CompletionPipeline: ['handle'],
  CompletionPublisher: ['publishBeforeAnswer'],
  GuardrailCounters: ['admit'],
  ZodBodyPipe: ['transform'],
  StreamSlotsStore: ['acquire'],
  GuardrailsService: ['policiesFor', 'admit', 'reserveBudget'],
  WorkspaceSettingsService: ['storesContent'],
  ProviderKeysService: ['providersWithKeys', 'withWorkspaceKeys'],
  HoldPool: ['acquire'],
  SsrfGuard: ['checkUrl'],
  // ledger / router side
  HoldsService: ['create'],
  HoldsRepository: ['place'],
  HoldCommandBatcher: ['create', 'place', 'submit'],
  LedgerSqlClient: ['query'],
  RouteResolverService: ['resolve'],
};

const samples = new Map();
function record(name, ms) {
  let list = samples.get(name);
  if (!list) samples.set(name, (list = []));
  if (list.length < 200_000) list.push(ms);
}

function wrapMethod(proto, className, method) {
  const original = proto[method];
  if (typeof original !== 'function' || original.__stageTimed) return;
  const name = `${className}.${method}`;
  const wrapped = function (...args) {
    const t0 = performance.now();
    if (HANDLERS.has(name)) {
      // (body, FastifyRequest, reply): the request's arrival time rides on the raw IncomingMessage.
      const arrived = args.find((a) => a && a.raw && a.raw.__stageT0 !== undefined)?.raw.__stageT0;
      if (arrived !== undefined) {
        record(`at ${name} start`, t0 - arrived);
        return requestClock.run({ t0: arrived }, () => timed(this, args, t0));
      }
    }
    return timed(this, args, t0);
  };
  const done = (value) => {
    const ctx = requestClock.getStore();
    if (ctx) record(`at ${name} done`, performance.now() - ctx.t0);
    return value;
  };
  const timed = (self, args, t0) => {
    let result;
    try {
      result = original.apply(self, args);
    } catch (error) {
      record(name, performance.now() - t0);
      throw error;
    }
    if (result && typeof result.then === 'function') {
      return result.then(
        (value) => {
          record(name, performance.now() - t0);
          done();
          if (name === 'UpstreamHttpClient.post' && value && value.body) timeFirstChunk(value, t0);
          return value;
        },
        (error) => {
          record(name, performance.now() - t0);
          throw error;
        },
      );
    }
    record(name, performance.now() - t0);
    done();
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: original.name });
  wrapped.__stageTimed = true;
  // Keep Nest's reflect-metadata (param types, decorators) on the replaced method.
  if (typeof Reflect.getMetadataKeys === 'function') {
    for (const key of Reflect.getMetadataKeys(original)) Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
  }
  proto[method] = wrapped;
}

/** Upstream first body chunk, measured from the start of UpstreamHttpClient.post. */
function timeFirstChunk(response, t0) {
  const body = response.body;
  const iterate = body[Symbol.asyncIterator];
  if (typeof iterate !== 'function') return;
  let seen = false;
  body[Symbol.asyncIterator] = function () {
    const it = iterate.call(body);
    const next = it.next.bind(it);
    it.next = (...a) =>
      next(...a).then((r) => {
        if (!seen && !r.done) {
          seen = true;
          record('upstream.first-chunk (from post)', performance.now() - t0);
          const ctx = requestClock.getStore();
          if (ctx) record('at upstream.first-chunk', performance.now() - ctx.t0);
        }
        return r;
      });
    return it;
  };
}

const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  const exported = originalLoad.apply(this, arguments);
  if (exported && typeof exported === 'object') {
    for (const [className, methods] of Object.entries(STAGES)) {
      const cls = Object.prototype.hasOwnProperty.call(exported, className) ? exported[className] : undefined;
      if (typeof cls === 'function' && cls.prototype) for (const m of methods) wrapMethod(cls.prototype, className, m);
    }
  }
  return exported;
};

// Server side of every HTTP request: arrival (the 'request' event) → writeHead → first body write.
const originalEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && res && req && !/^\/(healthz|readyz|metrics)/.test(req.url || '')) {
    const t0 = performance.now();
    req.__stageT0 = t0;
    const kind = req.url && req.url.includes('chat/completions') ? 'chat' : 'other';
    let headed = false;
    let wrote = false;
    const writeHead = res.writeHead;
    res.writeHead = function (...a) {
      if (!headed) {
        headed = true;
        record(`http.${kind}.headers-written`, performance.now() - t0);
      }
      return writeHead.apply(this, a);
    };
    const firstWrite = () => {
      if (!wrote) {
        wrote = true;
        record(`http.${kind}.first-body-write`, performance.now() - t0);
      }
    };
    const write = res.write;
    res.write = function (...a) {
      firstWrite();
      return write.apply(this, a);
    };
    const end = res.end;
    res.end = function (...a) {
      if (a[0] != null && typeof a[0] !== 'function') firstWrite();
      return end.apply(this, a);
    };
    res.once('finish', () => record(`http.${kind}.finished`, performance.now() - t0));
  }
  return originalEmit.apply(this, arguments);
};

function summary() {
  const out = {};
  for (const [name, list] of [...samples.entries()].sort()) {
    const s = [...list].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    out[name] = { count: s.length, mean: +mean.toFixed(3), p50: +q(0.5).toFixed(3), p90: +q(0.9).toFixed(3), p99: +q(0.99).toFixed(3) };
  }
  return out;
}

let session;
process.on('SIGWINCH', () => {
  const inspector = require('node:inspector');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const base = path.join(OUT_DIR, `${SERVICE}-${process.pid}`);
  if (!session) {
    samples.clear();
    session = new inspector.Session();
    if (!CPU_PROFILE) return;
    session.connect();
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  const done = session;
  session = undefined;
  fs.writeFileSync(`${base}.stages.json`, JSON.stringify({ service: SERVICE, pid: process.pid, stages: summary() }, null, 2));
  if (!CPU_PROFILE) return;
  done.post('Profiler.stop', (error, result) => {
    if (!error) fs.writeFileSync(`${base}.cpuprofile`, JSON.stringify(result.profile));
    done.disconnect();
  });
});
