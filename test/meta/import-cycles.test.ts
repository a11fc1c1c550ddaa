/**
 * No runtime import cycles anywhere in src/. A cycle makes what a module sees
 * at load time depend on which module of the cycle was imported first, and it
 * means the folders do not layer. Type-only imports are erased by the compiler,
 * so they do not count.
 *
 * The graph is built from every .ts file under src/, so a cycle that leaves a
 * checked folder and comes back is found too; a cycle fails the test when one
 * of its files is in CHECKED_FOLDERS ('' is the whole of src/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders under src/ that must be free of runtime import cycles ('': all of src/). */
const CHECKED_FOLDERS: readonly string[] = [''];

const root = fileURLToPath(new URL('../../../', import.meta.url));
const src = join(root, 'src');

/**
 * One static import or re-export with a `from` clause: `import x from`,
 * `import * as x from`, `import { a, type B } from`, `export * from`,
 * `export { a } from`, each optionally `type`-only. Anchored at a line start so
 * code quoted in comments does not count.
 */
const FROM_CLAUSE = /^(?:import|export)\s+(type\s+)?((?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+))\s+from\s+['"]([^'"]+)['"]/gm;
/** `import './x.js';` — loaded for its side effects, so always a runtime import. */
const SIDE_EFFECT_IMPORT = /^import\s+['"]([^'"]+)['"]/gm;

/** True when every name the clause brings in is marked `type` (so the compiler erases the statement). */
function isTypeOnlyClause(clause: string): boolean {
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false; // a default or namespace import is a value
  const names = braces[1].split(',').map((name) => name.trim()).filter((name) => name !== '');
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

/** The module specifiers a source text imports at run time. */
export function runtimeImports(text: string): string[] {
  const specifiers: string[] = [];
  for (const [, typeKeyword, clause, specifier] of text.matchAll(FROM_CLAUSE)) {
    if (!typeKeyword && !isTypeOnlyClause(clause)) specifiers.push(specifier);
  }
  for (const [, specifier] of text.matchAll(SIDE_EFFECT_IMPORT)) specifiers.push(specifier);
  return specifiers;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** file → the src/ files it imports at run time (relative specifiers, `.js` resolved to the `.ts` source). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = runtimeImports(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      .filter((target) => existsSync(target));
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan's algorithm). */
function cyclicComponents(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) components.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return components;
}

/** One cycle through `start` inside its component, as `a → b → … → a` (breadth-first, so a shortest one). */
function cycleThrough(start: string, component: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string[] {
  const members = new Set(component);
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const file = queue[head];
    for (const target of graph.get(file) ?? []) {
      if (target === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0])!);
        return [...path, start];
      }
      if (members.has(target) && !cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start];
}

function isChecked(file: string): boolean {
  const path = relative(src, file).split(sep).join('/');
  return CHECKED_FOLDERS.some((folder) => folder === '' || path.startsWith(`${folder}/`));
}

test('the import parser counts value imports and skips type-only ones', () => {
  const text = [
    "import type { A } from './a.js';",
    "import { type B, type C } from './b.js';",
    "import { type D, e } from './d.js';",
    "import f from './f.js';",
    "import * as g from './g.js';",
    'import {',
    '  h,',
    '  type I,',
    "} from './h.js';",
    "export * from './j.js';",
    "export type { K } from './k.js';",
    "export { l } from './l.js';",
    "import './m.js';",
    " * import { n } from './n.js' (quoted in a comment)",
  ].join('\n');
  assert.deepEqual(runtimeImports(text), ['./d.js', './f.js', './g.js', './h.js', './j.js', './l.js', './m.js']);
});

test(`no runtime import cycles in ${CHECKED_FOLDERS.map((folder) => (folder === "" ? "src/" : `src/${folder}/`)).join(", ")}`, () => {
  const graph = importGraph(sourceFiles(src));
  const cycles = cyclicComponents(graph)
    .filter((component) => component.some(isChecked))
    .map((component) => {
      const start = [...component].sort()[0];
      return cycleThrough(start, component, graph).map((file) => relative(root, file)).join(' → ') +
        (component.length > 2 ? ` (one cycle among ${component.length} files that import each other)` : '');
    });
  assert.deepEqual(cycles, [], `runtime import cycles:\n${cycles.join('\n')}`);
});
