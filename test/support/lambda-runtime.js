// A stand-in for one warm Lambda container: loads the bundled handler once, as Lambda does, then
// serves the events its parent sends over IPC, one at a time. Plain JavaScript so that plain Node.js
// runs it exactly as the Lambda runtime would run the asset.
'use strict';
const handlerPath = process.argv[2];
const timeoutMs = Number(process.argv[3] || 300000);
// The function's handler setting names the export: `index.handler` (CloudFormation events) or `index.rotate`.
const handler = require(handlerPath)[process.argv[4] || 'handler'];
const END_MARKER = '#end-of-event ';

process.on('message', async ({ id, event }) => {
  const deadline = Date.now() + timeoutMs;
  const context = { getRemainingTimeInMillis: () => deadline - Date.now(), awsRequestId: id, functionName: 'test-handler' };
  try {
    const result = await handler(event, context);
    finish(id, { id, ok: true, result });
  } catch (error) {
    finish(id, { id, ok: false, message: error && error.message ? error.message : String(error), error: toRuntimeError(error) });
  }
});

// What the Node.js Lambda runtime (aws-lambda-nodejs-runtime-interface-client, Errors.js toRapidResponse)
// returns to Invoke for a handler that threw: the Provider framework builds CloudFormation's Reason from it.
function toRuntimeError(error) {
  const isError = error instanceof Error || (error && typeof error.name === 'string' && typeof error.message === 'string' && typeof error.stack === 'string');
  if (isError) return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

// The end marker on stdout tells the parent that every log line of this event has arrived.
function finish(id, reply) {
  process.send(reply);
  process.stdout.write(`${END_MARKER}${id}\n`);
}

process.send({ ready: true, node: process.version });
