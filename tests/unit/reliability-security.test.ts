/**
 * No source file turns text into markup or code: every file under src/ is parsed with the
 * TypeScript compiler and searched for the sinks a Content-Security-Policy without 'unsafe-eval'
 * and a Trusted Types policy would have to forbid. Parsing (not grepping) means a comment that
 * mentions innerHTML is no finding, while `el['inner' + 'HTML']`-style tricks are refused outright.
 * The checker is first run on a sample holding every sink, so it is known to find them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Properties whose assignment or call parses a string as HTML. */
const HTML_PROPERTIES = new Set(['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'srcdoc', 'createContextualFragment', 'parseFromString', 'write', 'writeln']);
/** Functions that run a string as code. */
const CODE_FUNCTIONS = new Set(['eval', 'Function', 'execScript']);
/** Timers run a string first argument as code. */
const TIMERS = new Set(['setTimeout', 'setInterval']);
/** Lit directives that insert raw markup. */
const UNSAFE_MODULES = /unsafe-(html|svg|mathml)/;

/** Every sink in one file's text, as "line: what". */
function findSinks(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: string[] = [];
  const report = (node: ts.Node, what: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    findings.push(`${fileName}:${line + 1}: ${what}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && HTML_PROPERTIES.has(node.name.text)) {
      // document.write / writeln only: a stream's write() is harmless.
      const isDocumentWrite = node.name.text === 'write' || node.name.text === 'writeln';
      if (!isDocumentWrite || /(^|\.)document$/.test(node.expression.getText(source))) report(node, node.getText(source));
    }
    if (ts.isElementAccessExpression(node)) {
      const key = node.argumentExpression;
      if (ts.isStringLiteralLike(key) && HTML_PROPERTIES.has(key.text)) report(node, node.getText(source));
      else if (!ts.isStringLiteralLike(key) && !ts.isNumericLiteral(key) && /^(document|window|globalThis|self)$/.test(node.expression.getText(source))) {
        report(node, `computed access on ${node.expression.getText(source)}`);
      }
    }
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && ts.isIdentifier(node.expression)) {
      const name = node.expression.text;
      if (CODE_FUNCTIONS.has(name)) report(node, `${ts.isNewExpression(node) ? 'new ' : ''}${name}(…)`);
      const first = node.arguments?.[0];
      if (TIMERS.has(name) && first && !ts.isArrowFunction(first) && !ts.isFunctionExpression(first) && !ts.isIdentifier(first) && !ts.isPropertyAccessExpression(first)) {
        report(node, `${name} with ${ts.SyntaxKind[first.kind]} as its first argument`);
      }
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && UNSAFE_MODULES.test(node.moduleSpecifier.text)) {
      report(node, `import of ${node.moduleSpecifier.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe('no source file turns text into markup or code', () => {
  it('the checker finds every sink in a sample that holds them all', () => {
    const sample = [
      "import { unsafeHTML } from 'lit/directives/unsafe-html.js';",
      'el.innerHTML = name;',
      'el.outerHTML = name;',
      "el.insertAdjacentHTML('beforeend', name);",
      "el['innerHTML'] = name;",
      "frame.srcdoc = name;",
      'range.createContextualFragment(name);',
      "new DOMParser().parseFromString(name, 'text/html');",
      'document.write(name);',
      'window.document.writeln(name);',
      'eval(code);',
      'new Function(code);',
      'Function(code)();',
      "setTimeout('tick()', 10);",
      "setInterval(`tick()`, 10);",
      "window['inner' + 'HTML'] = name;",
      '// a comment that says innerHTML is no finding',
      "const safe = 'innerHTML in a string is no finding';",
      'stream.write(bytes);',
      'setTimeout(() => tick(), 10);',
    ].join('\n');
    const found = findSinks('sample.ts', sample);
    expect(found.map((f) => Number(f.split(':')[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('src/ holds none of them', () => {
    const files = sourceFiles(join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(20);
    const findings = files.flatMap((file) => findSinks(relative(ROOT, file), readFileSync(file, 'utf8')));
    expect(findings).toEqual([]);
  });

  it('index.html has no inline script and no inline event handler', () => {
    const html = readFileSync(join(ROOT, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter(([, attributes, body]) => !/\bsrc=/.test(attributes) || body.trim() !== '').map(([tag]) => tag)).toEqual([]);
    expect(html.match(/\son[a-z]+\s*=/gi) ?? []).toEqual([]);
  });
});
