/**
 * Mocha's spec reporter, plus a record of what failed (file, full title, first line of the error)
 * written as JSON to TEST_FAILURES_FILE at the end of the run: scripts/test-groups.ts reruns those
 * files once and prints a summary as the last lines of the output, where CI's tail shows it.
 * CommonJS because mocha require()s reporters.
 */
"use strict";
const fs = require("node:fs");
const Mocha = require("mocha");

class FailureReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      const message = String((err && err.message) || err)
        .split("\n")[0]
        .slice(0, 300);
      failures.push({ file: test.file ?? "", title: test.fullTitle(), message });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const out = process.env.TEST_FAILURES_FILE;
      if (out) fs.writeFileSync(out, JSON.stringify(failures));
    });
  }
}

module.exports = FailureReporter;
