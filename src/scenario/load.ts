import { readFileSync } from 'node:fs';
import { Document, LineCounter, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, parse as parseYamlValue, parseDocument, type Node as YamlNode, type YAMLError } from 'yaml';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { compileScenario } from './compile.js';
import { schemaErrors, show } from './schema.js';
import type { Scenario } from './types.js';

export interface Override { path: string; value: unknown; /** as typed, for messages */ text: string }

/** Parses `path=value` as given to --set; the value is read as YAML (0.01, true, 4h, [1, 2]). */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!path || !/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
    throw new ScenarioError([{ source: `--set ${text}`, path: '', message: 'must be path=value, e.g. --set tiers.aeo.lanes.red=0.01' }]);
  }
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw.trim() === '' ? '' : parseYamlValue(raw);
  } catch {
    value = raw;
  }
  return { path, value, text: `--set ${text}` };
}

const segments = (path: string): (string | number)[] => path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/**
 * Reads a scenario from YAML or JSON text, applies overrides, validates it against the published
 * schema and the rules the schema cannot express, and compiles it. Throws ScenarioError listing
 * every problem as `source:line path: message`.
 */
export function loadScenarioText(text: string, source: string, overrides: Override[] = []): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const line = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  if (doc.errors.length) {
    throw new ScenarioError(doc.errors.map((e) => ({ source, ...syntaxIssue(doc, e, line) })));
  }
  if (!isMap(doc.contents)) {
    const c = doc.contents;
    const got = c === null || (isScalar(c) && c.value === null) ? ' (the file is empty)' : isSeq(c) ? ' (got a list)' : isScalar(c) ? ` (got ${show(c.value)})` : '';
    throw new ScenarioError([{ source, line: line(c?.range?.[0]) ?? 1, path: '', message: `a scenario must be a mapping of fields (name, seed, horizon, ...)${got}` }]);
  }

  // toJS throws on these without saying where, so they are found first, with their lines.
  const unresolved: ScenarioIssue[] = [];
  walk(doc.contents, [], (node, path) => {
    if (isAlias(node) && !node.resolve(doc)) unresolved.push({ source, line: line(node.range?.[0]), path: path.join('.'), message: `alias *${node.source} has no anchor &${node.source} before it` });
  });
  if (unresolved.length) throw new ScenarioError(unresolved);

  // How much of each override's path the file already had: a node below that was made by the
  // override, so a problem there is the override's, not the file's.
  const applied: { o: Override; existing: number }[] = [];
  const issues: ScenarioIssue[] = [];
  for (const o of overrides) {
    const segs = segments(o.path);
    let existing = 0;
    while (existing < segs.length && doc.hasIn(segs.slice(0, existing + 1))) existing++;
    try {
      doc.setIn(segs, doc.createNode(o.value));
      applied.push({ o, existing });
    } catch {
      issues.push({ source: o.text, path: o.path, message: 'cannot be set: a part of this path is not a mapping or list in the scenario' });
    }
  }
  if (issues.length) throw new ScenarioError(issues);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    let first: number | undefined;
    walk(doc.contents, [], (node) => { if (isAlias(node)) first ??= node.range?.[0]; });
    throw new ScenarioError([{ source, line: line(first), path: '', message: 'not valid YAML/JSON: its aliases expand to too many nodes (more than 100); write the values out' }]);
  }
  const within = (path: string, root: string) => path === root || path.startsWith(root + '.');
  const locate = (path: string[]): { source: string; line?: number; after?: string } => {
    const dotted = path.join('.');
    for (const { o, existing } of [...applied].reverse()) {
      if (within(dotted, o.path) || (within(o.path, dotted) && path.length > existing)) return { source: o.text };
    }
    // A problem the file's node has only because of an override below it (a share that no longer sums to 1).
    const below = applied.filter(({ o }) => within(o.path, dotted)).map(({ o }) => o.text);
    return { source, line: line(nodeOffset(doc, path)), after: below.length ? below.join(', ') : undefined };
  };
  const issue = (path: string[], message: string): ScenarioIssue => {
    const { after, ...where } = locate(path);
    return { ...where, path: path.join('.'), message: after ? `${message} (after ${after})` : message };
  };

  for (const e of schemaErrors(data)) issues.push(issue(e.path, e.message));
  if (issues.length) throw new ScenarioError(issues);

  const { scenario, issues: semantic } = compileScenario(data as Record<string, any>);
  if (!scenario) throw new ScenarioError(semantic.map((e) => issue(e.path, e.message)));
  return scenario;
}

const keyName = (key: unknown) => (isScalar(key) ? String(key.value) : String(key));

/** Calls `fn` on every node under `node` with its path (keys, and list indices as strings). */
function walk(node: unknown, path: string[], fn: (node: YamlNode, path: string[]) => void): void {
  if (!isNode(node)) return;
  fn(node, path);
  if (isMap(node)) {
    for (const p of node.items) {
      const key = keyName(p.key);
      if (isNode(p.key)) fn(p.key, [...path, key]);
      walk(p.value, [...path, key], fn);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item, [...path, String(i)], fn));
  }
}

/** A parse error as an issue, on the line a reader would look at rather than where the parser gave up. */
function syntaxIssue(doc: Document, e: YAMLError, line: (offset: number | undefined) => number | undefined): Omit<ScenarioIssue, 'source'> {
  // The library's advice for this one is about its own API, not the file.
  const why = e.code === 'MULTIPLE_DOCS' ? 'a scenario file holds one document; another starts here' : e.message.split('\n')[0];
  const message = `not valid YAML/JSON: ${why}`;
  if (e.code === 'DUPLICATE_KEY') {
    // The pair is still in the document: its path, and where the key was first given, say which.
    let found: Omit<ScenarioIssue, 'source'> | undefined;
    walk(doc.contents, [], (node, path) => {
      if (found || !isMap(node)) return;
      for (const p of node.items) {
        if (!isNode(p.key) || p.key.range?.[0] !== e.pos[0]) continue;
        const name = keyName(p.key);
        const first = node.items.find((q) => q !== p && isNode(q.key) && keyName(q.key) === name);
        const firstLine = isNode(first?.key) ? line(first.key.range?.[0]) : undefined;
        found = { line: line(e.pos[0]), path: [...path, name].join('.'), message: `duplicate key${firstLine ? ` (first given on line ${firstLine})` : ''}` };
      }
    });
    if (found) return found;
  }
  if (e.code === 'BAD_INDENT' && /^Flow (sequence|map) in block collection/.test(e.message)) {
    // Reported where the next line starts; the unclosed [ or { is where the reader must look.
    let start: number | undefined;
    walk(doc.contents, [], (node) => {
      if (isCollection(node) && node.flow && node.range && node.range[1] === e.pos[0] && (start === undefined || node.range[0] < start)) start = node.range[0];
    });
    if (start !== undefined) return { line: line(start), path: '', message };
  }
  return { line: line(e.pos[0]), path: '', message };
}

/**
 * Offset of the key that names a path (`tiers:` rather than its first tier, on the line below), or
 * of a list item. For a missing field, the key of the mapping that lacks it.
 */
function nodeOffset(doc: Document, path: string[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyName(p.key) === seg);
      if (!pair) return offset;
      node = pair.value;
      offset = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? (isNode(node) ? node.range?.[0] : undefined) ?? offset;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
      if (!isNode(node)) return offset;
      offset = node.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

export function loadScenarioFile(file: string, overrides: Override[] = []): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read';
    throw new ScenarioError([{ source: file, path: '', message: why }]);
  }
  return loadScenarioText(text, file, overrides);
}

/** A scenario given as an object (HTTP body, a worker's job): validated and compiled the same way. */
export function loadScenarioObject(obj: unknown, source = 'scenario', overrides: Override[] = []): Scenario {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ScenarioError([{ source, path: '', message: 'a scenario must be a mapping of fields (name, seed, horizon, ...)' }]);
  }
  return loadScenarioText(JSON.stringify(obj, null, 2), source, overrides);
}
