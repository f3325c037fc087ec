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

/** Each failed test, and each suite that failed outside its tests, with the head of its failure message. */
function failuresOf(results, rootDir) {
  const failures = [];
  for (const suite of results.testResults) {
    const file = path.relative(rootDir, suite.testFilePath);
    const failedTests = suite.testResults.filter((test) => test.status === 'failed');
    const outside = outsideTests(suite.failureMessage, failedTests);
    if (suite.testExecError || outside) {
      failures.push({
        file,
        test:
          suite.testResults.length === 0
            ? '(the suite could not run)'
            : '(outside any test: a hook or an unhandled error)',
        message: headOf(outside || suite.testExecError?.stack || suite.testExecError?.message),
      });
    }
    for (const test of failedTests) {
      failures.push({ file, test: test.fullName, message: headOf(test.failureMessages.join('\n')) });
    }
  }
  return failures;
}

/** The parts of a suite's failure message (one "● title" section each) that no failed test accounts for. */
function outsideTests(failureMessage, failedTests) {
  if (!failureMessage) return '';
  const testTitles = new Set(failedTests.map((test) => [...test.ancestorTitles, test.title].join(' › ')));
  return failureMessage
    .replace(ANSI_ESCAPES, '')
    .split(/\n(?=\s*● )/)
    .filter((section) => section.trim() !== '' && !testTitles.has(/^\s*● (.*)/.exec(section)?.[1]?.trim()))
    .join('\n');
}

function headOf(message = '') {
  // Stack frames inside libraries say nothing about which of our lines failed.
  const lines = message
    .replace(ANSI_ESCAPES, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !LIBRARY_FRAME.test(line))
    .slice(0, FAILURE_LINES);
  const indent = Math.min(...lines.map((line) => /^ */.exec(line)[0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

function displayNameOf(testContexts) {
  for (const context of testContexts) {
    const name = context.config.displayName;
    if (name) return typeof name === 'string' ? name : name.name;
  }
  return undefined;
}

module.exports = StewardSummaryReporter;
