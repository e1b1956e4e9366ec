// Every manifest the Kustomize overlays render, validated against the Kubernetes OpenAPI schemas.
// Rendering: `kubectl kustomize` (kustomize v5 built into kubectl), the same renderer `kubectl apply -k` uses, so
// the overlays' patches, images, replicas, namespace and generated Secrets are what gets validated.
// Schemas: the npm package kubernetes-models@4.5.1 (CommonJS; 5.x is ESM-only, which this Jest setup does not load),
// one class per apiVersion/kind whose validate() checks the object against that kind's JSON schema.
// An integration spec only because it runs a binary; it needs no Postgres, Redis or NATS.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './service-process';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML. */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, any>;
type ModelClass = new (data: unknown) => { validate(): void };

const SCHEMA_PACKAGE = 'kubernetes-models';

function render(target: string): Manifest[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(REPO_ROOT, 'deploy', target)], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(yaml).map((doc) => {
    if (doc.errors.length) throw new Error(`${target}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Manifest;
  });
}

/** The kubernetes-models class for a manifest: `kubernetes-models/<group>/<version>/<Kind>`, `v1/<Kind>` for the core group. */
function modelFor(manifest: Manifest): ModelClass {
  let loaded: Record<string, ModelClass>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved at run time: the path depends on the manifest.
    loaded = require(`${SCHEMA_PACKAGE}/${manifest.apiVersion}/${manifest.kind}`);
  } catch (error) {
    throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}: ${(error as Error).message}`);
  }
  const model = loaded[manifest.kind];
  if (!model) throw new Error(`${SCHEMA_PACKAGE}/${manifest.apiVersion}/${manifest.kind} exports no ${manifest.kind}`);
  return model;
}

/**
 * Kustomize wraps a generated Secret's base64 at 70 columns; the API server's decoder skips those newlines, the
 * schema's strict `byte` format does not, so they are removed before validating.
 */
function asApiServerReads(manifest: Manifest): Manifest {
  if (manifest.kind !== 'Secret' || !manifest.data) return manifest;
  const data = Object.fromEntries(Object.entries(manifest.data as Record<string, string>).map(([k, v]) => [k, v.replace(/[\r\n]/g, '')]));
  return { ...manifest, data };
}

function validate(manifest: Manifest): void {
  const Model = modelFor(manifest);
  new Model(asApiServerReads(manifest)).validate();
}

describe.each([['base'], ['overlays/dev'], ['overlays/prod']])('deploy/%s rendered by kustomize', (target) => {
  const manifests = render(target);

  it('renders the five services, NATS and the collector', () => {
    const deployments = manifests.filter((m) => m.kind === 'Deployment').map((m) => m.metadata.name).sort();
    expect(deployments).toEqual(['billing', 'chain-watcher', 'gateway', 'ledger', 'otel-collector', 'router']);
    expect(manifests.some((m) => m.kind === 'StatefulSet' && m.metadata.name === 'nats')).toBe(true);
  });

  it.each(manifests.map((m) => [m.kind, m.metadata.name, m] as const))('%s %s is valid against its Kubernetes schema', (_kind, _name, manifest) => {
    expect(() => validate(manifest)).not.toThrow();
  });
});

describe('the schema validation itself', () => {
  it('rejects a Deployment with a wrongly typed field (so the passes above mean something)', () => {
    const gateway = render('base').find((m) => m.kind === 'Deployment' && m.metadata.name === 'gateway')!;
    const broken = structuredClone(gateway);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    expect(() => validate(broken)).toThrow();
    const missing = structuredClone(gateway);
    delete missing.spec.template.spec.containers[0].name;
    expect(() => validate(missing)).toThrow();
  });
});
