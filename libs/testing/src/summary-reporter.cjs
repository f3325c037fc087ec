// Jest reporter for `npm test`: when STEWARD_JEST_REPORT_DIR is set, writes this project's
// counts and failures to `<dir>/<project>.json` so the launcher can print one summary for the
// workspace, ending with what failed (the end of a long CI log is often all one gets to see).
const fs = require('node:fs');
const path = require('node:path');

class StewardSummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(testContexts, results) {
    const reportDir = process.env.STEWARD_JEST_REPORT_DIR;
    if (!reportDir) return;
    const project =
      process.env.NX_TASK_TARGET_PROJECT || displayNameOf(testContexts) || path.basename(this.rootDir);
    const report = {
      project,
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      skipped: results.numPendingTests + results.numTodoTests,
      // Suites that could not run at all (syntax error, failing import) have no failed test.
      brokenSuites: results.numRuntimeErrorTestSuites,
      suites: results.numTotalTestSuites,
      success: results.success,
      durationMs: Date.now() - results.startTime,
      failures: failuresOf(results, this.rootDir),
    };
    fs.mkdirSync(reportDir, { recursive: true });
    const fileName = `${project.replace(/[^\w.-]+/g, '_')}.json`;
    fs.writeFileSync(path.join(reportDir, fileName), `${JSON.stringify(report)}\n`);
  }
}

const FAILURE_LINES = 12;
const LIBRARY_FRAME = /^\s*at .*(node_modules|<anonymous>|node:internal)/;
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPES = /\u001b\[[0-9;]*m/g;

/** Each failed test (or suite that could not run) with the head of its failure message. */
function failuresOf(results, rootDir) {
  const failures = [];
  for (const suite of results.testResults) {
    const file = path.relative(rootDir, suite.testFilePath);
    if (suite.testExecError || (suite.failureMessage && suite.numFailingTests === 0)) {
      failures.push({
        file,
        test: '(the suite could not run)',
        message: headOf(suite.failureMessage ?? suite.testExecError?.message),
      });
    }
    for (const test of suite.testResults) {
      if (test.status === 'failed')
        failures.push({ file, test: test.fullName, message: headOf(test.failureMessages.join('\n')) });
    }
  }
  return failures;
}

function headOf(message = '') {
  // Stack frames inside libraries say nothing about which of our lines failed.
  const lines = message
    .replace(ANSI_ESCAPES, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !LIBRARY_FRAME.test(line));
  return lines.slice(0, FAILURE_LINES).join('\n');
}

function displayNameOf(testContexts) {
  for (const context of testContexts) {
    const name = context.config.displayName;
    if (name) return typeof name === 'string' ? name : name.name;
  }
  return undefined;
}

module.exports = StewardSummaryReporter;
