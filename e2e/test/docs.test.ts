// The docs hold together: every relative link in the READMEs and docs/ reaches a file that
// exists, and an anchor that one of its headings makes (as GitHub makes them).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../../', import.meta.url).pathname;
const PAGES = ['README.md', 'collector/README.md', 'envoy-config/README.md', 'proxy-wasm-as/README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Markdown without its fenced blocks and code spans, where a `](` is text, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = heading!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

function brokenLinks(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const broken: string[] = [];
  for (const [, target] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue; // http:, https:, mailto: are not ours to check
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const file = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), path);
    if (!existsSync(file)) { broken.push(`${target}: no file ${relative(ROOT, file)}`); continue; }
    if (anchor === undefined) continue;
    if (statSync(file).isDirectory() || !file.endsWith('.md')) { broken.push(`${target}: an anchor into a file without headings`); continue; }
    if (!anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${target}: no heading makes #${anchor}`);
  }
  return broken;
}

test('every relative link in the READMEs and docs/ reaches an existing file and heading', () => {
  const broken = PAGES.flatMap((page) => brokenLinks(page).map((b) => `${page}: ${b}`));
  assert.deepEqual(broken, []);
});

test('the docs are linked from the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const unlinked = PAGES.filter((p) => p.startsWith('docs/') && !readme.includes(`](${p})`));
  assert.deepEqual(unlinked, []);
});

test('anchors are made as GitHub makes them', () => {
  assert.deepEqual([...anchors("# The host (`host/`)\n## Other sites' pages\n## 2026-11-30: batches of 1 MiB\n## Tests\n## Tests\n```\n# not a heading\n```\n")],
    ['the-host-host', 'other-sites-pages', '2026-11-30-batches-of-1-mib', 'tests', 'tests-1']);
});
