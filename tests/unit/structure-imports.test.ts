/**
 * Imports point one way (DESIGN.md, "Layout"): src/model ← src/cpu, src/gpu, src/data ← src/train
 * ← src/ui. Every relative import of every file under src/ is read and resolved; one that points
 * to a folder its own folder may not use fails, naming both files.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/**
 * What each folder of src/ may import besides itself; shaders/ holds WGSL text, read by src/gpu
 * only, and asm/ the AssemblyScript kernels, whose built binaries src/wasm alone loads.
 */
const ALLOWED: Record<string, readonly string[]> = {
  model: [],
  cpu: ['model'],
  gpu: ['model', 'shaders'],
  wasm: ['model', 'asm'],
  data: ['model'],
  train: ['model', 'cpu', 'gpu', 'wasm', 'data'],
  ui: ['model', 'data', 'train'],
  // The page's entry: its stylesheet and the playground element.
  'main.ts': ['ui', 'page.css'],
};

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Relative specifiers of static imports, re-exports, dynamic imports and `new URL(…, import.meta.url)`. */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"](\.[^'"]+)['"]/g, /\bimport\s*\(\s*['"](\.[^'"]+)['"]/g, /\bimport\s+['"](\.[^'"]+)['"]/g, /new URL\(\s*['"](\.[^'"]+)['"]/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** The top folder under the project root (src/<folder> as "<folder>", else the root folder's name). */
function areaOf(path: string): string {
  const fromRoot = relative(root, path).split(/[\\/]/);
  return fromRoot[0] === 'src' ? fromRoot[1] : fromRoot[0];
}

/** Every import in `files` that points from a folder of src/ to one it may not use. */
function upwardImports(files: readonly { path: string; text: string }[]): string[] {
  const upward: string[] = [];
  for (const { path, text } of files) {
    const from = areaOf(path);
    const allowed = ALLOWED[from];
    if (!allowed) {
      upward.push(`${relative(root, path)} lies in src/${from}, which has no rule here`);
      continue;
    }
    for (const specifier of relativeImports(text)) {
      const to = areaOf(resolve(dirname(path), specifier.replace(/\?.*$/, '')));
      if (to !== from && !allowed.includes(to)) upward.push(`${relative(root, path)} imports ${specifier} (src/${from} may use ${allowed.join(', ') || 'nothing else'})`);
    }
  }
  return upward;
}

describe('imports between the folders of src/', () => {
  const files = filesUnder(src).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  it('finds the files and their imports (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(40);
    const uiImports = files.filter((f) => areaOf(f.path) === 'ui').flatMap((f) => relativeImports(f.text));
    expect(uiImports.some((spec) => spec.includes('../train/'))).toBe(true);
  });

  it('point only from a folder to the folders below it', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('an upward import, a dynamic one and a worker URL are each caught', () => {
    const planted = [
      { path: join(src, 'cpu', 'planted.ts'), text: "import type { Session } from '../train/cpu-session';" },
      { path: join(src, 'gpu', 'planted.ts'), text: "const ui = await import('../ui/palette');" },
      { path: join(src, 'model', 'planted.ts'), text: "new Worker(new URL('../train/cpu-worker.ts', import.meta.url));" },
      { path: join(src, 'data', 'planted.ts'), text: "import { LOSSES } from '../model/losses';" },
    ];
    expect(upwardImports(planted)).toEqual([
      "src/cpu/planted.ts imports ../train/cpu-session (src/cpu may use model)",
      "src/gpu/planted.ts imports ../ui/palette (src/gpu may use model, shaders)",
      "src/model/planted.ts imports ../train/cpu-worker.ts (src/model may use nothing else)",
    ]);
  });
});
