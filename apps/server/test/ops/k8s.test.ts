/**
 * deploy/k8s/*.yaml against the Kubernetes API schemas (npm kubernetes-models: the OpenAPI
 * schemas of Kubernetes compiled to validators, offline), then against the app itself: ports,
 * environment, probes, selectors, and the references between the objects. And the alert rules for
 * Prometheus in Kubernetes: deploy/monitoring/kustomization.yaml makes their ConfigMap from
 * alerts.yml itself, rendered here by `kubectl kustomize` and loaded into a real Prometheus.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import type { IContainer } from "kubernetes-models/v1";
import { routes } from "@chat/protocol";
import { envSpec, parseEnv } from "../../src/config/env.ts";
import { ROOT_DIR } from "../support/node.ts";
import { startProgram, type Program } from "../monitoring/programs.ts";

const K8S_DIR = path.join(ROOT_DIR, "deploy/k8s");

/** The kinds these manifests may use, by apiVersion/kind. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
};

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

function loadManifests(): Manifest[] {
  return fs
    .readdirSync(K8S_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(K8S_DIR, file), "utf8")).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
        return { ...(doc.toJS() as Omit<Manifest, "file">), file } as Manifest;
      }),
    );
}

describe("deploy/k8s manifests", () => {
  const manifests = loadManifests();
  const one = <T>(kind: string) => {
    const all = manifests.filter((m) => m.kind === kind);
    expect(all, kind).to.have.length(1);
    return all[0] as unknown as T;
  };
  const deployment = one<Deployment>("Deployment");
  const service = one<Service>("Service");
  const ingress = one<Ingress>("Ingress");
  const hpa = one<HorizontalPodAutoscaler>("HorizontalPodAutoscaler");
  const configMap = one<ConfigMap>("ConfigMap");
  const secret = one<Secret>("Secret");
  const job = one<Job>("Job");
  const pod = deployment.spec!.template.spec!;
  const app = pod.containers[0];
  const nodeEnv = { ...configMap.data, ...secret.stringData } as Record<string, string>;

  it("has a known apiVersion/kind and passes the Kubernetes schema, for every document", () => {
    expect(manifests.length).to.be.at.least(8);
    for (const m of manifests) {
      const Model = models[`${m.apiVersion}/${m.kind}`];
      expect(Model, `${m.file}: ${m.apiVersion} ${m.kind}`).to.not.equal(undefined);
      const { file: _file, ...data } = m;
      expect(() => new Model(data as never).validate(), m.file).to.not.throw();
    }
  });

  it("the validation is real: a wrong type is refused", () => {
    const broken = structuredClone(deployment) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = "three";
    expect(() => new Deployment(broken as never).validate()).to.throw(/replicas/);
  });

  it("the ConfigMap and Secret hold only variables the node reads, and they parse", () => {
    const keys = [...Object.keys(nodeEnv), ...(app.env ?? []).map((e) => e.name)];
    expect(keys.filter((k) => !(k in envSpec))).to.deep.equal([]);
    const config = parseEnv(nodeEnv, ROOT_DIR);
    expect(config.NODE_ENV).to.equal("production");
    expect(config.REDIS_URL, "a cluster needs Redis").to.be.a("string");
    expect(config.DATABASE_URL).to.be.a("string");
    // The app takes both as a whole; each secret key stays out of the ConfigMap.
    expect(app.envFrom).to.deep.equal([
      { configMapRef: { name: configMap.metadata!.name } },
      { secretRef: { name: secret.metadata!.name } },
    ]);
    for (const k of ["JWT_SECRET", "DATABASE_URL", "METRICS_TOKEN"])
      expect(configMap.data ?? {}, k).to.not.have.property(k);
  });

  it("the container port is the app's PORT, and the Service and Ingress reach it", () => {
    const config = parseEnv(nodeEnv, ROOT_DIR);
    const port = config.PORT;
    // Metrics on their own port, which neither the Service nor the Ingress routes; Prometheus scrapes it.
    expect(app.ports).to.deep.equal([
      { name: "http", containerPort: port, protocol: "TCP" },
      { name: "metrics", containerPort: config.METRICS_PORT, protocol: "TCP" },
    ]);
    const annotations = deployment.spec!.template.metadata!.annotations!;
    expect(annotations["prometheus.io/port"]).to.equal(String(config.METRICS_PORT));
    expect(config.TRUST_PROXY_HOPS, "behind the ingress controller").to.equal(1);
    const labels = deployment.spec!.template.metadata!.labels!;
    expect(labels).to.include(deployment.spec!.selector.matchLabels!);
    expect(labels).to.include(service.spec!.selector!);
    const sp = service.spec!.ports!;
    expect(sp).to.have.length(1);
    expect(sp[0].targetPort).to.equal("http");
    const backend = ingress.spec!.rules![0].http!.paths[0].backend.service!;
    expect(backend.name).to.equal(service.metadata!.name);
    expect(backend.port).to.deep.equal({ name: sp[0].name });
    expect(ingress.spec!.rules![0].http!.paths[0].path).to.equal("/");
  });

  it("ingress-nginx: cookie affinity and proxy timeouts above Socket.IO's ping (45 s)", () => {
    const a = ingress.metadata!.annotations!;
    expect(ingress.spec!.ingressClassName).to.equal("nginx");
    expect(a["nginx.ingress.kubernetes.io/affinity"]).to.equal("cookie");
    expect(a["nginx.ingress.kubernetes.io/session-cookie-name"]).to.be.a("string");
    expect(Number(a["nginx.ingress.kubernetes.io/proxy-read-timeout"])).to.be.greaterThan(45);
    expect(Number(a["nginx.ingress.kubernetes.io/proxy-send-timeout"])).to.be.greaterThan(45);
  });

  it("ingress TLS: the Secret chat-tls for every host, HTTP redirected; the controller's HSTS, TLS 1.2/1.3, AEAD, HTTP/2", () => {
    const a = ingress.metadata!.annotations!;
    const hosts = ingress.spec!.rules!.map((r) => r.host);
    expect(ingress.spec!.tls).to.deep.equal([{ hosts, secretName: "chat-tls" }]);
    expect(a["nginx.ingress.kubernetes.io/ssl-redirect"]).to.equal("true");
    expect(a["nginx.ingress.kubernetes.io/force-ssl-redirect"]).to.equal("true");
    // The controller's ConfigMap sits apart (another namespace, applied by whoever runs ingress-nginx).
    const file = path.join(K8S_DIR, "ingress-nginx/controller-configmap.yaml");
    const controller = new ConfigMap(parseAllDocuments(fs.readFileSync(file, "utf8"))[0].toJS() as never);
    controller.validate();
    const d = controller.data!;
    expect(d.hsts).to.equal("true");
    expect(Number(d["hsts-max-age"])).to.be.at.least(31_536_000);
    expect(d["ssl-protocols"]).to.equal("TLSv1.2 TLSv1.3");
    expect(d["use-http2"]).to.equal("true");
    // The same cipher list as nginx.conf under compose: AEAD suites only.
    const conf = fs.readFileSync(path.join(ROOT_DIR, "nginx.conf"), "utf8");
    expect(d["ssl-ciphers"]).to.equal(/^\s*ssl_ciphers ([^;]+);/m.exec(conf)?.[1]);
    for (const c of d["ssl-ciphers"].split(":")) expect(c).to.match(/-(GCM-SHA\d+|CHACHA20-POLY1305)$/);
  });

  it("probes hit the app's health routes; a pod gets time to shut down gracefully", () => {
    expect(app.livenessProbe?.httpGet).to.deep.equal({ path: routes.healthz.path, port: "http" });
    expect(app.readinessProbe?.httpGet).to.deep.equal({ path: routes.readyz.path, port: "http" });
    const shutdown = parseEnv(nodeEnv, ROOT_DIR).SHUTDOWN_TIMEOUT_MS / 1000;
    const preStop = Number(app.lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
    expect(pod.terminationGracePeriodSeconds).to.be.greaterThan(shutdown + preStop);
    expect(deployment.spec!.strategy?.rollingUpdate?.maxUnavailable).to.equal(0);
    expect(pod.securityContext?.runAsNonRoot).to.equal(true);
  });

  it("the HPA scales this Deployment from at least 2 replicas", () => {
    expect(hpa.spec!.scaleTargetRef).to.deep.equal({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment.metadata!.name,
    });
    expect(hpa.spec!.minReplicas).to.be.at.least(2);
    expect(hpa.spec!.maxReplicas).to.be.greaterThan(hpa.spec!.minReplicas!);
  });

  it("the migration Job runs the same image with --migrate-only and the database URL", () => {
    const c = job.spec!.template.spec!.containers[0] as IContainer;
    expect(c.image).to.equal(app.image);
    expect(c.command).to.deep.equal(["node", "--import", "tsx", "src/main.ts", "--migrate-only"]);
    const url = c.env?.find((e) => e.name === "DATABASE_URL");
    expect(url?.valueFrom?.secretKeyRef).to.deep.equal({ name: secret.metadata!.name, key: "DATABASE_URL" });
    expect(job.spec!.template.spec!.restartPolicy).to.equal("OnFailure");
  });
});

describe("deploy/monitoring/kustomization.yaml: the alert rules for Prometheus in Kubernetes", function () {
  this.timeout(60_000);
  const MONITORING_DIR = path.join(ROOT_DIR, "deploy/monitoring");
  const RULES = fs.readFileSync(path.join(MONITORING_DIR, "alerts.yml"), "utf8");
  const kustomization = parseAllDocuments(
    fs.readFileSync(path.join(MONITORING_DIR, "kustomization.yaml"), "utf8"),
  )[0].toJS() as {
    kind: string;
    generatorOptions?: { disableNameSuffixHash?: boolean };
    configMapGenerator: Array<{ name: string; files?: string[]; literals?: string[]; envs?: string[] }>;
    resources?: string[];
  };
  /** What the generator makes, as `kubectl kustomize` renders it (null: no kubectl on this machine). */
  let rendered: ConfigMap | null = null;
  let prom: Program | undefined;
  let dir: string | undefined;

  before(async function () {
    const kubectl = await promisify(execFile)("kubectl", ["kustomize", MONITORING_DIR], {
      timeout: 30_000,
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return null;
      throw e;
    });
    if (!kubectl) return;
    const docs = parseAllDocuments(kubectl.stdout).map((d) => d.toJS());
    expect(docs, "one object").to.have.length(1);
    rendered = new ConfigMap(docs[0] as never);
  });
  after(async () => {
    await prom?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("generates one ConfigMap with a stable name from alerts.yml itself (no literals, no second copy)", () => {
    expect(kustomization.kind).to.equal("Kustomization");
    expect(kustomization.resources ?? []).to.deep.equal([]);
    expect(kustomization.generatorOptions?.disableNameSuffixHash).to.equal(true);
    expect(kustomization.configMapGenerator).to.deep.equal([
      { name: "chat-prometheus-rules", files: ["alerts.yml"] },
    ]);
    // The one file with the rules is the one prometheus.yml loads under compose.
    expect(fs.readFileSync(path.join(MONITORING_DIR, "prometheus.yml"), "utf8")).to.match(
      /rule_files:\n\s+- alerts\.yml\n/,
    );
    // No other file of deploy/ holds rules of its own.
    const copies = fs
      .readdirSync(path.join(ROOT_DIR, "deploy"), { recursive: true, encoding: "utf8" })
      .filter((f) => /\.ya?ml$/.test(f) && f !== path.join("monitoring", "alerts.yml"))
      .filter((f) => /^\s*-?\s*alert:\s/m.test(fs.readFileSync(path.join(ROOT_DIR, "deploy", f), "utf8")));
    expect(copies).to.deep.equal([]);
    // The runbook names the ConfigMap operators mount.
    expect(fs.readFileSync(path.join(ROOT_DIR, "docs/operations.md"), "utf8")).to.include(
      "kubectl apply -k deploy/monitoring",
    );
  });

  it("kubectl kustomize renders a valid ConfigMap whose alerts.yml is the file byte for byte", function () {
    if (!rendered) this.skip(); // kubectl is not a Debian package: the structure above is still checked
    rendered!.validate();
    expect(rendered!.metadata!.name).to.equal("chat-prometheus-rules");
    expect(rendered!.metadata!.labels).to.include({ "app.kubernetes.io/component": "prometheus-rules" });
    expect(Object.keys(rendered!.data ?? {})).to.deep.equal(["alerts.yml"]);
    expect(rendered!.data!["alerts.yml"]).to.equal(RULES);
  });

  it("a real Prometheus loads the ConfigMap's rules as mounted in a pod (every group and alert)", async function () {
    if (!rendered) this.skip();
    // The volume mount: one file per key under the mount path; rule_files globs it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-rules-"));
    fs.mkdirSync(path.join(dir, "rules"));
    for (const [key, text] of Object.entries(rendered!.data!))
      fs.writeFileSync(path.join(dir, "rules", key), text);
    fs.writeFileSync(path.join(dir, "prometheus.yml"), `rule_files:\n  - ${dir}/rules/*.yml\n`);
    prom = await startProgram({
      name: "prometheus",
      command: "prometheus",
      args: (port) => [
        `--config.file=${path.join(dir!, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir!, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      readyPath: "/-/ready",
    });
    const body = (await (await fetch(`${prom.url}/api/v1/rules?type=alert`)).json()) as {
      data: { groups: Array<{ name: string; file: string; rules: Array<{ name: string }> }> };
    };
    const source = parseAllDocuments(RULES)[0].toJS() as {
      groups: Array<{ name: string; rules: Array<{ alert?: string }> }>;
    };
    const names = (gs: Array<{ name: string; rules: Array<{ name?: string; alert?: string }> }>) =>
      gs.map((g) => `${g.name}: ${g.rules.map((r) => r.alert ?? r.name).join(" ")}`);
    expect(body.data.groups.length).to.be.greaterThan(0);
    expect(names(body.data.groups)).to.deep.equal(names(source.groups));
    for (const g of body.data.groups) expect(g.file).to.equal(path.join(dir, "rules", "alerts.yml"));
  });
});
