// Preloaded into nodes of an idle bench run (node --expose-gc --require …): SIGUSR2 runs a full
// garbage collection, so the bench reads the memory of live objects rather than of whatever
// garbage the setup left behind, and writes process.memoryUsage() to CHAT_BENCH_MEMORY_FILE.
const fs = require("node:fs");

process.on("SIGUSR2", () => {
  if (typeof global.gc === "function") global.gc();
  const file = process.env.CHAT_BENCH_MEMORY_FILE;
  if (file) fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify(process.memoryUsage()));
});
