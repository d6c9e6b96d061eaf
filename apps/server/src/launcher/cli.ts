/**
 * `pnpm cluster [--nodes N] [--port P] [--https-port P] [--plain] [--redis-cluster] [--logs]`: the deployed topology from
 * real processes (see cluster.ts), until Ctrl-C or SIGTERM stops everything. nginx serves HTTPS with a
 * self-signed development certificate made on first use in .data/tls. Database: DATABASE_URL, else embedded.
 */
import { parseArgs } from "node:util";
import { exitWithLauncher } from "./exit-with-launcher.ts";
import { launchCluster, takeOverSignals, CLUSTER_PG_DIR, type Cluster } from "./cluster.ts";
import { ensureDevCertificate, type TlsFiles } from "./dev-cert.ts";
import { DEV_CERT_DIR } from "./paths.ts";

const usage = `Usage: pnpm cluster [--nodes N] [--port P] [--https-port P] [--plain] [--redis-cluster] [--logs]
  --nodes N       chat nodes behind nginx (default 3)
  --port P        nginx's plain HTTP port: /healthz, and a redirect to HTTPS (default 8080)
  --https-port P  nginx's HTTPS port (default 8443), with a self-signed development
                  certificate made on first use in .data/tls (trust tls.crt, or accept the warning)
  --plain         no TLS: the HTTP port serves everything, as before
  --redis-cluster a Redis Cluster (3 masters, 3 replicas, redis-server in cluster mode) instead of
                  one redis-server: nodes use REDIS_CLUSTER_NODES and the sharded adapter
  --logs          print every node log line (default: warnings and errors only)
Database: DATABASE_URL if set, else an embedded PostgreSQL with its data in .data/cluster-pg.`;

let args;
try {
  const argv = process.argv.slice(2);
  args = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv, // `pnpm cluster -- --nodes 2` passes the "--" on
    options: {
      nodes: { type: "string", default: "3" },
      port: { type: "string", default: "8080" },
      "https-port": { type: "string", default: "8443" },
      plain: { type: "boolean", default: false },
      "redis-cluster": { type: "boolean", default: false },
      logs: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const nodes = Number(args.nodes);
const port = Number(args.port);
const httpsPort = Number(args["https-port"]);
const isPort = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
if (!Number.isInteger(nodes) || nodes < 1 || !isPort(port) || !isPort(httpsPort) || port === httpsPort) {
  console.error(`--nodes must be ≥ 1, --port and --https-port two different TCP ports\n\n${usage}`);
  process.exit(2);
}

let tls: (TlsFiles & { port: number }) | undefined;
if (!args.plain) {
  try {
    const cert = ensureDevCertificate(DEV_CERT_DIR);
    tls = { ...cert, port: httpsPort };
    console.log(
      `${cert.created ? "made" : "using"} the self-signed development certificate ${cert.certFile} (key ${cert.keyFile})`,
    );
  } catch (err) {
    console.error(`${(err as Error).message}\n(or run with --plain for HTTP only)`);
    process.exit(1);
  }
}

let cluster: Cluster | undefined;
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping nginx, ${nodes} node(s), Redis and the database…`);
  void (cluster?.stop() ?? Promise.resolve()).then(
    () => {
      console.log("stopped");
      process.exit(0);
    },
    (err: unknown) => {
      console.error("stop failed:", err);
      process.exit(1);
    },
  );
};

// The package-manager chain above `pnpm cluster` does not pass a SIGTERM on: when its top process
// goes, stop everything as on Ctrl-C (during start-up: right after the launch).
let launched = false;
let launcherGone: string | undefined;
exitWithLauncher((reason) => (launched ? stop(reason) : (launcherGone = reason)));

const started = Date.now();
console.log(
  `starting ${nodes} node(s), Redis and nginx on port ${port}${tls ? ` (HTTPS ${httpsPort})` : ""}…`,
);
try {
  cluster = await launchCluster({
    nodes,
    nginxPort: port,
    tls,
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisCluster: args["redis-cluster"],
    onNodeLog: (node, line) => {
      // pino levels: 40 warn, 50 error, 60 fatal.
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 30);
      if (args.logs || level >= 40) console.log(`[${node.id}] ${line}`);
    },
  });
} catch (err) {
  console.error(`cluster failed to start: ${(err as Error).message}`);
  process.exit(1);
}
takeOverSignals(stop);
launched = true;
if (launcherGone) stop(launcherGone);

const c = cluster;
console.log(`\nchat cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${c.url}  (nginx)`);
if (tls) console.log(`  ${c.nginx!.url} answers /healthz and redirects the rest to HTTPS`);
for (const n of c.nodes) console.log(`  ${n.id.padEnd(8)} ${n.url}  pid ${n.pid}`);
if (c.redis) console.log(`  redis    ${c.redis.url}`);
if (c.redisCluster) console.log(`  redis    Redis Cluster (3 masters, 3 replicas): ${c.redisCluster.seeds}`);
console.log(
  `  database ${process.env.DATABASE_URL ? "DATABASE_URL" : `embedded PostgreSQL (data in ${CLUSTER_PG_DIR})`}`,
);
console.log("Ctrl-C stops everything.");

// A node that dies on its own is reported; the others keep serving (nginx routes around it).
for (const n of c.nodes) {
  void n.exited.then((code) => {
    if (!stopping) console.error(`${n.id} exited (code ${code}); the other nodes keep serving`);
  });
}
