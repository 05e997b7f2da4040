const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

test('files', () => {
  const dir = fs.mkdtempSync(path.join('.', 'tmp-'));
  fs.writeFileSync(path.join(dir, 'f'), 'x');
  assert.strictEqual(fs.readFileSync(path.join(dir, 'f'), 'utf8'), 'x');
  fs.rmSync(dir, { recursive: true });
});

test('child process', () => {
  assert.strictEqual(execFileSync(process.execPath, ['-e', 'console.log(6 * 7)']).toString(), '42\n');
});

test('timers and promises', async () => {
  const v = await new Promise((resolve) => setTimeout(() => resolve(os.cpus().length > 0), 10));
  assert.ok(v);
});
