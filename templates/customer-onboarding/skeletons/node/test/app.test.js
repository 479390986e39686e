const { test } = require('node:test');
const assert = require('node:assert');
const { createServer } = require('../src/app');

test('GET /healthz answers ok', async () => {
  const server = createServer().listen(0);
  const { port } = server.address();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.strictEqual(res.status, 200);
    assert.strictEqual(await res.text(), 'ok');
  } finally {
    server.close();
  }
});
