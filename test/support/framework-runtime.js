// A stand-in for the Provider framework's onEvent Lambda: loads aws-cdk-lib's framework runtime from
// node_modules exactly as shipped and runs it for each event its parent sends over IPC. Its two
// outbound calls go back to the parent: Lambda Invoke of the handler, and the HTTPS PUT of the
// response to the presigned ResponseURL. Plain JavaScript, run by plain Node.js, like the framework.
'use strict';
const { AsyncLocalStorage } = require('async_hooks');
const Module = require('module');
const path = require('path');

const runtimeDir = process.argv[2];
const functionArn = process.argv[3];
const calls = new AsyncLocalStorage();
const pending = new Map();
let nextRequest = 1;

// The framework's outbound module needs the Lambda and Step Functions SDK clients, which Lambda's
// runtime provides and this project does not install: its exports are served here instead.
const outboundPath = path.join(runtimeDir, 'outbound.js');
const outbound = new Module(outboundPath);
outbound.filename = outboundPath;
outbound.loaded = true;
outbound.exports = {
  invokeFunction: async (request) => {
    const answer = await ask('invoke', JSON.parse(request.Payload));
    return { Payload: Buffer.from(JSON.stringify(answer.payload ?? null)), FunctionError: answer.functionError };
  },
  httpRequest: async (_options, body) => {
    await ask('upload', body);
  },
  startExecution: async () => {
    throw new Error('the test harness runs the framework without an isComplete waiter');
  },
};
require.cache[outboundPath] = outbound;

const util = require(path.join(runtimeDir, 'util.js'));
util.log = (title, ...args) => {
  const line = [title, ...args.map((arg) => (typeof arg === 'object' ? JSON.stringify(arg) : String(arg)))].join(' ');
  const call = calls.getStore();
  if (call) process.send({ call, kind: 'log', line });
};
process.env.USER_ON_EVENT_FUNCTION_ARN = functionArn;
const consts = require(path.join(runtimeDir, 'consts.js'));
const onEvent = require(path.join(runtimeDir, 'framework.js'))[consts.FRAMEWORK_ON_EVENT_HANDLER_NAME];

function ask(kind, value) {
  const request = nextRequest++;
  return new Promise((resolve) => {
    pending.set(request, resolve);
    process.send({ call: calls.getStore(), kind, request, value });
  });
}

process.on('message', (message) => {
  if (message.kind === 'answer') {
    pending.get(message.request)?.(message.value);
    pending.delete(message.request);
    return;
  }
  calls.run(message.call, async () => {
    try {
      await onEvent(message.event);
      process.send({ call: message.call, kind: 'done' });
    } catch (error) {
      process.send({ call: message.call, kind: 'done', error: String(error && error.stack ? error.stack : error) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
process.send({ kind: 'ready' });
