// Invariants of the Kubernetes manifests in deploy/ (issue 11). Reads repository files only, no network I/O:
// acceptable for a unit spec. It checks the base files and the overlays' kustomization.yaml as written; it
// does not run kustomize (`kubectl kustomize deploy/overlays/prod` renders them) nor validate against the
// Kubernetes OpenAPI schemas (that needs e.g. kubernetes-models or kubeconform, not installed).
// `yaml` is imported from node_modules, where nx and @opentelemetry/configuration put it; it should be a
// declared devDependency (yaml@^2.9.0).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, SERVICE_ENVS } from '../../../../scripts/config-reference';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML, narrowed by the assertions. */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

const DEPLOY = join(REPO_ROOT, 'deploy');
const readYaml = (path: string): any[] =>
  parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });

const baseKustomization = readYaml(join(DEPLOY, 'base', 'kustomization.yaml'))[0];
const manifests: Manifest[] = (baseKustomization.resources as string[]).flatMap((file) => readYaml(join(DEPLOY, 'base', file))).filter(Boolean);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')];
const deployment = (name: string) => ofKind('Deployment').find((m) => m.metadata.name === name)!;
const configMap = ofKind('ConfigMap').find((m) => m.metadata.name === 'switchyard-config')!;

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Names the zod schema defaults to localhost: a cluster must set them. */
const MUST_SET_IN_CLUSTER = ['DATABASE_URL', 'REDIS_URL', 'NATS_URL', 'HOST'];
const FROM_SECRET = ['DATABASE_URL', 'REDIS_URL', 'GATEWAY_ADMIN_TOKEN', 'BYOK_ENCRYPTION_KEY', 'CHAIN_DEPOSIT_XPUB', 'AGENT_PAYMENTS_SECRET'];
const looksSecret = (name: string) => FROM_SECRET.includes(name) || /(_API_KEY|_SECRET|_TOKEN|_XPUB)$/.test(name);

describe('deploy/base manifests', () => {
  it('has a Deployment and a Service for each of the five services, and NATS as a 3-node JetStream StatefulSet', () => {
    for (const { service } of SERVICE_ENVS) {
      expect(deployment(service)).toBeDefined();
      expect(ofKind('Service').some((s) => s.metadata.name === service)).toBe(true);
    }
    const nats = ofKind('StatefulSet').find((m) => m.metadata.name === 'nats')!;
    expect(nats.spec.replicas).toBe(3);
    const conf = ofKind('ConfigMap').find((m) => m.metadata.name === 'nats-config')!.data!['nats.conf'];
    expect(conf).toMatch(/jetstream\s*\{/);
    expect(conf.match(/nats:\/\/nats-\d\.nats-headless:6222/g)).toHaveLength(3);
  });

  it.each(workloads.map((w) => [w.kind, w.metadata.name, w] as const))('%s %s: every container has probes, requests and limits, and runs non-root on a read-only root', (_kind, _name, workload) => {
    const pod = workload.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    // The image's USER is a name; the kubelet enforces runAsNonRoot only with a numeric uid.
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.containers.length).toBeGreaterThan(0);
    for (const container of pod.containers) {
      expect(container.readinessProbe?.httpGet?.path).toBeTruthy();
      expect(container.livenessProbe?.httpGet?.path).toBeTruthy();
      expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      expect(container.resources.limits).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      expect(container.securityContext).toEqual(expect.objectContaining({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }));
      expect(container.securityContext.capabilities.drop).toContain('ALL');
    }
  });

  it.each(SERVICE_ENVS.map((s) => [s.service]))('%s probes /readyz and /healthz on the port it listens on', (service) => {
    const container = deployment(service).spec.template.spec.containers[0];
    const port = container.env.find((e: any) => e.name === 'PORT').value;
    const defaultPort = String(SERVICE_ENVS.find((s) => s.service === service)!.schema.shape.PORT.parse(undefined));
    expect(port).toBe(defaultPort);
    expect(container.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: Number(port) })]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('every Deployment and StatefulSet has a PodDisruptionBudget selecting its pods', () => {
    for (const workload of workloads) {
      const labels = workload.spec.template.metadata.labels;
      const pdbs = ofKind('PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, labels));
      expect(pdbs.map((p) => p.metadata.name)).toEqual([workload.metadata.name]);
    }
  });

  it('the gateway scales on CPU and in-flight requests through an HPA, which owns its replica count', () => {
    const hpa = ofKind('HorizontalPodAutoscaler').find((h) => h.metadata.name === 'gateway')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect(hpa.spec.metrics).toContainEqual(expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }));
    // The metric name is checked against the gateway's registry in observability-manifests.spec.ts.
    expect(hpa.spec.metrics).toContainEqual(expect.objectContaining({ type: 'Pods', pods: expect.objectContaining({ metric: { name: 'gateway_inflight_requests' } }) }));
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(deployment('gateway').spec.replicas).toBeUndefined();
  });

  it('the chain-watcher runs a standby next to its leader (the follower lock makes replicas safe), never autoscaled', () => {
    const watcher = deployment('chain-watcher');
    expect(watcher.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(watcher.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(ofKind('HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.name === 'chain-watcher')).toBe(false);
  });

  it('traces go to the OTLP collector in the base, which exports to a configurable backend', () => {
    const collector = deployment('otel-collector');
    const service = ofKind('Service').find((s) => s.metadata.name === 'otel-collector')!;
    const otlpHttp = service.spec.ports.find((p: any) => p.name === 'otlp-http');
    expect(configMap.data!.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector:${otlpHttp.port}`);
    const collectorConfig = ofKind('ConfigMap').find((m) => m.metadata.name === 'otel-collector-config')!;
    const config = parseAllDocuments(collectorConfig.data!['config.yaml']!)[0]!.toJS();
    expect(config.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${otlpHttp.port}`);
    expect(config.service.pipelines.traces).toEqual(expect.objectContaining({ receivers: ['otlp'], exporters: ['otlphttp'] }));
    expect(config.exporters.otlphttp.endpoint).toBe('${env:OTEL_BACKEND_ENDPOINT}');
    const env = collector.spec.template.spec.containers[0].env.find((e: any) => e.name === 'OTEL_BACKEND_ENDPOINT');
    expect(env.valueFrom.configMapKeyRef).toEqual({ name: 'otel-collector-config', key: 'backend-endpoint' });
    expect(collectorConfig.data!['backend-endpoint']).toMatch(/^https?:\/\//);
  });

  it('no Service is exposed outside the cluster by the base (the gateway is published by an Ingress/LB of your choice)', () => {
    for (const service of ofKind('Service')) expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('NetworkPolicies deny ingress by default and admit traffic from outside the namespace to the gateway only', () => {
    const policies = ofKind('NetworkPolicy');
    expect(policies).toContainEqual(expect.objectContaining({ spec: { podSelector: {}, policyTypes: ['Ingress'] } }));
    const MONITORING = { kubernetes: 'monitoring' };
    for (const policy of policies) {
      for (const rule of policy.spec.ingress ?? []) {
        const peers: any[] = rule.from ?? [{ anywhere: true }];
        for (const peer of peers) {
          const sameNamespace = peer.podSelector !== undefined && peer.namespaceSelector === undefined && peer.ipBlock === undefined;
          if (sameNamespace) continue;
          const isMonitoring = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === MONITORING.kubernetes && !peer.podSelector && !peer.ipBlock;
          if (isMonitoring) {
            // Scraping: only the metrics/monitoring ports.
            expect(rule.ports.map((p: any) => p.port).sort()).toEqual(['http', 'monitor']);
            continue;
          }
          expect({ policy: policy.metadata.name, podSelector: policy.spec.podSelector }).toEqual({
            policy: policy.metadata.name,
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } },
          });
        }
      }
    }
    expect(policies.some((p) => p.spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'gateway' && (p.spec.ingress ?? []).some((r: any) => !r.from))).toBe(true);
  });

  describe.each(SERVICE_ENVS.map((s) => [s.service, s] as const))('%s env', (service, { schema }) => {
    const container = deployment(service).spec.template.spec.containers[0];
    const env: any[] = container.env;
    const shape = schema.shape;
    const fromConfigMap = container.envFrom.some((source: any) => source.configMapRef?.name === 'switchyard-config') ? Object.keys(configMap.data!) : [];
    const provided = new Set([...fromConfigMap, ...env.map((e) => e.name)]);

    it('provides every variable the zod schema requires (no default, not optional), and those that default to localhost', () => {
      const required = Object.keys(shape).filter((name) => !shape[name].safeParse(undefined).success);
      for (const name of [...required, ...MUST_SET_IN_CLUSTER]) expect({ name, provided: provided.has(name) }).toEqual({ name, provided: true });
    });

    it('literal values (ConfigMap and env) pass the schema', () => {
      const literals: Array<[string, string]> = [...Object.entries(configMap.data!), ...env.filter((e) => 'value' in e).map((e): [string, string] => [e.name, e.value])];
      for (const [name, value] of literals) {
        if (!shape[name]) continue; // a variable of another service
        expect({ name, value, valid: shape[name].safeParse(value).success }).toEqual({ name, value, valid: true });
      }
    });

    it('secrets come only from Secret references, never from literals', () => {
      for (const name of Object.keys(configMap.data!)) expect({ name, secret: looksSecret(name) }).toEqual({ name, secret: false });
      for (const entry of env) {
        if (looksSecret(entry.name)) expect({ name: entry.name, ref: entry.valueFrom?.secretKeyRef?.name }).toEqual({ name: entry.name, ref: 'switchyard-secrets' });
      }
      for (const name of ['DATABASE_URL', 'REDIS_URL']) expect(env.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.optional).toBeFalsy();
    });

    it('terminationGracePeriodSeconds leaves room for SHUTDOWN_GRACE_MS', () => {
      const graceMs = Number(env.find((e) => e.name === 'SHUTDOWN_GRACE_MS')?.value ?? configMap.data!.SHUTDOWN_GRACE_MS ?? 10_000);
      expect(deployment(service).spec.template.spec.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(graceMs);
    });
  });

  it('the gateway reads provider keys from a mounted Secret through PROVIDER_SECRETS_FILE', () => {
    const pod = deployment('gateway').spec.template.spec;
    const file = pod.containers[0].env.find((e: any) => e.name === 'PROVIDER_SECRETS_FILE').value as string;
    const mount = pod.containers[0].volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
    expect(pod.volumes.find((v: any) => v.name === mount.name).secret.secretName).toBe('switchyard-provider-keys');
  });
});

describe('deploy/overlays', () => {
  const overlay = (name: string) => readYaml(join(DEPLOY, 'overlays', name, 'kustomization.yaml'))[0];

  it.each([['dev'], ['prod']])('%s builds on the base and keeps a standby chain-watcher wherever it sets its replicas', (name) => {
    const kustomization = overlay(name);
    expect(kustomization.resources).toContain('../../base');
    expect(kustomization.namespace).toBeTruthy();
    for (const entry of kustomization.replicas ?? []) if (entry.name === 'chain-watcher') expect(entry.count).toBeGreaterThanOrEqual(2);
  });

  it('dev generates a Secret whose values satisfy the schemas', () => {
    const secret = overlay('dev').secretGenerator.find((s: any) => s.name === 'switchyard-secrets');
    const literals = Object.fromEntries((secret.literals as string[]).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const gateway = SERVICE_ENVS.find((s) => s.service === 'gateway')!.schema;
    expect(gateway.safeParse({ ...configMap.data, ...literals }).success).toBe(true);
  });

  it('prod generates no Secret (secrets are created out of band)', () => {
    expect(overlay('prod').secretGenerator).toBeUndefined();
  });
});
