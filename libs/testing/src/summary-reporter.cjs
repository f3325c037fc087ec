// Jest reporter for `npm test`: when STEWARD_JEST_REPORT_DIR is set, writes this project's
// counts to `<dir>/<project>.json` so the launcher can print one summary for the workspace.
const fs = require('node:fs');
const path = require('node:path');

class StewardSummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(testContexts, results) {
    const reportDir = process.env.STEWARD_JEST_REPORT_DIR;
    if (!reportDir) return;
    const project = process.env.NX_TASK_TARGET_PROJECT || displayNameOf(testContexts) || path.basename(this.rootDir);
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
    };
    fs.mkdirSync(reportDir, { recursive: true });
    const fileName = `${project.replace(/[^\w.-]+/g, '_')}.json`;
    fs.writeFileSync(path.join(reportDir, fileName), `${JSON.stringify(report)}\n`);
  }
}

function displayNameOf(testContexts) {
  for (const context of testContexts) {
    const name = context.config.displayName;
    if (name) return typeof name === 'string' ? name : name.name;
  }
  return undefined;
}

module.exports = StewardSummaryReporter;
