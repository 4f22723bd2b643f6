// One cold start, as Lambda does it: a fresh Node.js process loads the handler file with require() and
// serves the events given, one after the other. Plain JavaScript, so that plain Node.js runs it with no
// loader in between. Writes its timings as JSON to file descriptor 3 (stdout gets the handler's logs).
//
//   node cold-start-runner.js <handler file> <events as JSON array>
'use strict';
const fs = require('fs');

async function main() {
  const [handlerPath, eventsJson] = process.argv.slice(2);
  const events = JSON.parse(eventsJson);
  // performance.now() counts from the start of the process: this is Node.js's own boot time.
  const bootMs = performance.now();
  const { handler } = require(handlerPath);
  const loadMs = performance.now() - bootMs;
  const served = [];
  for (const event of events) {
    const started = performance.now();
    const deadline = Date.now() + 300000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: event.RequestId, functionName: 'bench' };
    try {
      await handler(event, context);
      served.push({ ms: performance.now() - started, ok: true });
    } catch (error) {
      served.push({ ms: performance.now() - started, ok: false, error: String((error && error.message) || error).slice(0, 500) });
    }
  }
  fs.writeSync(3, JSON.stringify({ bootMs, loadMs, events: served }));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(String((error && error.stack) || error));
    process.exit(1);
  },
);
