// Prints one plain closing line, "Summary: N passed, N failed, N skipped", after jest's own
// report, so CI logs state the counts in a form any reader (or CI check) can parse.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: todo } = results;
    process.stdout.write(`Summary: ${passed} passed, ${failed} failed, ${skipped + todo} skipped\n`);
  }
}
module.exports = SummaryReporter;
