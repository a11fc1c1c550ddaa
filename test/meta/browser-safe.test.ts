/**
 * The core must run in a browser: nothing under src/ except src/node/ may import
 * Node built-ins or touch `process`/`Buffer` (design.md, "The browser is a first-class target").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const src = join(root, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === join(src, 'node') ? [] : walk(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('src/ outside src/node/ imports no Node built-ins and uses no Node globals', () => {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const problems: string[] = [];
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = match[1];
      if (builtins.has(spec) || spec.startsWith('node:')) problems.push(`${relative(root, file)} imports ${spec}`);
      if (spec.includes('/node/')) problems.push(`${relative(root, file)} imports ${spec} (node-only code)`);
    }
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    if (/\bprocess\.|\bBuffer\.|\brequire\(/.test(code)) problems.push(`${relative(root, file)} uses a Node global`);
  }
  assert.deepEqual(problems, []);
});
