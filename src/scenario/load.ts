import { type Stats, closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import {
  type CST,
  Composer,
  type Document,
  Lexer,
  LineCounter,
  Parser,
  type YAMLMap,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  YAMLParseError,
  type Node as YamlNode,
  type Pair,
  type YAMLError,
} from '../vendor/yaml.js';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { compileScenario } from './compile.js';
import { MAX_ISSUES, MAX_NESTING, MAX_SCENARIO_BYTES } from './limits.js';
import { schemaCheck, show } from './schema.js';
import type { Scenario } from './types.js';

export interface Override {
  path: string;
  value: unknown /** as typed, for messages */;
  text: string;
}

/** Parses `path=value` as given to --set; the value is read as YAML (0.01, true, 4h, [1, 2]). */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  if (!path || !/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path)) {
    throw new ScenarioError([{ source: `--set ${text}`, path: '', message: 'must be path=value, e.g. --set tiers.aeo.lanes.red=0.01' }]);
  }
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  if (raw.trim() !== '') {
    const source = `--set ${clip(text)}`;
    const parsed = parseYaml(raw);
    if (parsed.tooDeep !== undefined)
      throw new ScenarioError([{ source, path, message: `the value is nested more than ${MAX_NESTING} levels deep` }]);
    const doc = parsed.doc!;
    const dup = doc.errors.length === 0 ? duplicateKeys(doc)[0] : undefined;
    if (dup) throw new ScenarioError([{ source, path: clip([path, ...dup.path].join('.')), message: 'duplicate key in the value' }]);
    // Not a YAML value (e.g. `a: b: c`, an alias without its anchor): it is the text as typed, which validation then judges like any value.
    if (doc.errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch {
        value = raw;
      }
    }
  }
  return { path, value, text: `--set ${text}` };
}

const segments = (path: string): (string | number)[] => path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/**
 * YAML text as a document, refusing nesting deeper than MAX_NESTING before the library builds
 * it: its composer recurses (a few thousand levels abort the process) and its parser slows down
 * with depth. The parser runs one lexeme at a time and its stack holds one token per open
 * mapping or list, so the depth is known as it goes. Duplicate keys are found by
 * `duplicateKeys`, in linear time; the library's own check compares every key with every other.
 */
function parseYaml(text: string, lineCounter?: LineCounter): { doc?: Document.Parsed; tooDeep?: number } {
  const parser = new Parser(lineCounter?.addNewLine);
  lineCounter?.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const t of parser.next(lexeme)) tokens.push(t);
    if (parser.stack.length > MAX_NESTING) {
      let depth = 0;
      for (const t of parser.stack) if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') depth++;
      if (depth > MAX_NESTING) return { tooDeep: parser.offset };
    }
  }
  for (const t of parser.end()) tokens.push(t);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return { doc };
}

/**
 * The ScenarioError of a list of issues: the first MAX_ISSUES of them, and a last line that says
 * how many more there are (a file of 10,000 mistakes is rejected as quickly as one of ten).
 */
export function scenarioError(issues: ScenarioIssue[], source: string, total = issues.length): ScenarioError {
  if (total <= MAX_ISSUES) return new ScenarioError(issues);
  const more = total - MAX_ISSUES;
  return new ScenarioError([
    ...issues.slice(0, MAX_ISSUES),
    { source, path: '', message: `... and ${more} more problem${more === 1 ? '' : 's'} (the first ${MAX_ISSUES} are listed)` },
  ]);
}

/** A key or path as a message names it: a pathological one is cut to 100 characters. */
const clip = (s: string) => (s.length > 100 ? `${s.slice(0, 97)}...` : s);

/**
 * Reads a scenario from YAML or JSON text, applies overrides, validates it against the published
 * schema and the rules the schema cannot express, and compiles it. Throws ScenarioError listing
 * every problem as `source:line path: message`, in one pass: the rules across fields are checked
 * with the schema, skipping only those that read a field the schema found wrong.
 */
export function loadScenarioText(text: string, source: string, overrides: Override[] = []): Scenario {
  if (text.length > MAX_SCENARIO_BYTES || Buffer.byteLength(text, 'utf8') > MAX_SCENARIO_BYTES) {
    throw new ScenarioError([
      { source, path: '', message: `is larger than 1 MiB (${Buffer.byteLength(text, 'utf8')} bytes); a scenario is a few kB` },
    ]);
  }
  const lineCounter = new LineCounter();
  const line = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const parsed = parseYaml(text, lineCounter);
  if (parsed.tooDeep !== undefined) {
    throw new ScenarioError([
      {
        source,
        line: line(parsed.tooDeep),
        path: '',
        message: `not valid here: mappings and lists are nested more than ${MAX_NESTING} levels deep (a scenario needs 5)`,
      },
    ]);
  }
  const doc = parsed.doc!;
  if (doc.errors.length) {
    throw scenarioError(
      doc.errors.slice(0, MAX_ISSUES).map((e) => ({ source, ...syntaxIssue(doc, e, line) })),
      source,
      doc.errors.length,
    );
  }
  if (!isMap(doc.contents)) {
    const c = doc.contents;
    const got =
      c === null || (isScalar(c) && c.value === null)
        ? ' (the file is empty)'
        : isSeq(c)
          ? ' (got a list)'
          : isScalar(c)
            ? ` (got ${show(c.value)})`
            : '';
    throw new ScenarioError([
      {
        source,
        line: line(c?.range?.[0]) ?? 1,
        path: '',
        message: `a scenario must be a mapping of fields (name, seed, horizon, ...)${got}`,
      },
    ]);
  }

  // toJS throws on these without saying where, so they are found first, with their lines.
  const unresolved: ScenarioIssue[] = [];
  walk(doc.contents, [], (node, path) => {
    if (isAlias(node) && !node.resolve(doc))
      unresolved.push({
        source,
        line: line(node.range?.[0]),
        path: clip(path.join('.')),
        message: `alias *${node.source} has no anchor &${node.source} before it`,
      });
  });
  if (unresolved.length) throw scenarioError(unresolved, source);

  // Duplicate keys are listed with the other problems: the document keeps the last of each.
  const issues: ScenarioIssue[] = duplicateKeys(doc).map((d) => ({
    source,
    line: line(d.offset),
    path: clip(d.path.join('.')),
    message: `duplicate key${d.firstLine(line) ? ` (first given on line ${d.firstLine(line)})` : ''}`,
  }));

  // How much of each override's path the file already had: a node below that was made by the
  // override, so a problem there is the override's, not the file's.
  const applied: { o: Override; existing: number }[] = [];
  const overrideIssues: ScenarioIssue[] = [];
  for (const o of overrides) {
    const segs = segments(o.path);
    const past = pastTheEnd(doc, segs);
    if (past) {
      overrideIssues.push({ source: o.text, path: o.path, message: past });
      continue;
    }
    let existing = 0;
    while (existing < segs.length && doc.hasIn(segs.slice(0, existing + 1))) existing++;
    try {
      doc.setIn(segs, doc.createNode(o.value));
      applied.push({ o, existing });
    } catch {
      // setIn throws only when the path runs into a scalar ("Expected YAML collection"): that is the user's to fix, so say so.
      overrideIssues.push({
        source: o.text,
        path: o.path,
        message: 'cannot be set: a part of this path is not a mapping or list in the scenario',
      });
    }
  }
  if (overrideIssues.length) throw scenarioError(overrideIssues, source);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    let first: number | undefined;
    walk(doc.contents, [], (node) => {
      if (isAlias(node)) first ??= node.range?.[0];
    });
    throw new ScenarioError([
      {
        source,
        line: line(first),
        path: '',
        message: 'not valid YAML/JSON: its aliases expand to too many nodes (more than 100); write the values out',
      },
    ]);
  }
  const within = (path: string, root: string) => path === root || path.startsWith(`${root}.`);
  const reversed = [...applied].reverse();
  const locate = (path: string[]): { source: string; line?: number; after?: string } => {
    const dotted = path.join('.');
    for (const { o, existing } of reversed) {
      if (within(dotted, o.path) || (within(o.path, dotted) && path.length > existing)) return { source: o.text };
    }
    // A problem the file's node has only because of an override below it (a share that no longer sums to 1).
    const below = applied.filter(({ o }) => within(o.path, dotted)).map(({ o }) => o.text);
    return { source, line: line(nodeOffset(doc, path)), after: below.length ? below.join(', ') : undefined };
  };
  const issue = (path: string[], message: string): ScenarioIssue => {
    const { after, ...where } = locate(path);
    return { ...where, path: clip(path.join('.')), message: after ? `${message} (after ${after})` : message };
  };

  // One pass: the schema's problems, then those of the rules across fields that could be checked.
  const schema = schemaCheck(data);
  const { scenario, issues: semantic } = compileScenario(data as Parameters<typeof compileScenario>[0], schema.invalid);
  const problems = [...schema.errors, ...semantic];
  if (!scenario || schema.errors.length || issues.length) {
    issues.push(...problems.map((e) => issue(e.path, e.message)));
    // the file's problems in the order of its lines, then the overrides' (each kind as found)
    const inFile = issues.filter((i) => i.source === source && i.line !== undefined).sort((a, b) => a.line! - b.line!);
    const rest = issues.filter((i) => !(i.source === source && i.line !== undefined));
    throw scenarioError([...inFile, ...rest].slice(0, MAX_ISSUES), source, issues.length);
  }
  return scenario;
}

/**
 * Why an override's path cannot be set, if a list index in it is past the end of its list (a
 * list grows by one at a time: index = length appends). Without this, `flow.intake.300000=x`
 * builds a list of 300,000 empty items, and a message for each.
 */
function pastTheEnd(doc: Document, segs: (string | number)[]): string | undefined {
  let node: unknown = doc.contents;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (typeof seg === 'number') {
      const length = isSeq(node) ? node.items.length : 0;
      const where = segs.slice(0, i).join('.') || 'the scenario';
      if (isMap(node)) return undefined; // a numeric key of a mapping: the schema judges it
      if (!isSeq(node) && node !== undefined) return undefined; // through a scalar: setIn says so
      if (seg > length) {
        return node === undefined
          ? `index ${seg} of a list that does not exist yet: ${where} can only be started at index 0`
          : `index ${seg} is past the end of ${where}, which has ${length} item${length === 1 ? '' : 's'} (use 0 to ${length}; ${length} adds one)`;
      }
      node = isSeq(node) ? node.items[seg] : undefined;
    } else {
      node = isMap(node) ? node.get(seg, true) : undefined;
    }
  }
  return undefined;
}

/**
 * Keys given twice in one mapping, each at its second (third, ...) occurrence, with where it was
 * first given. One pass over the document with a table per mapping. Keys are compared as the
 * scenario reads them (text): `1` and "1" are the same field.
 */
function duplicateKeys(
  doc: Document,
): { path: string[]; offset?: number; firstLine: (line: (o: number | undefined) => number | undefined) => number | undefined }[] {
  const out: ReturnType<typeof duplicateKeys> = [];
  walk(doc.contents, [], (node, path) => {
    if (!isMap(node)) return;
    const seen = new Map<string, Pair>();
    for (const p of node.items) {
      const name = keyName(p.key);
      const first = seen.get(name);
      if (!first) {
        seen.set(name, p);
        continue;
      }
      const firstKey = first.key;
      out.push({
        path: [...path, name],
        offset: isNode(p.key) ? p.key.range?.[0] : undefined,
        firstLine: (line) => (isNode(firstKey) ? line(firstKey.range?.[0]) : undefined),
      });
    }
  });
  return out;
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
    for (let i = 0; i < node.items.length; i++) walk(node.items[i], [...path, String(i)], fn);
  }
}

/** A parse error as an issue, on the line a reader would look at rather than where the parser gave up. */
function syntaxIssue(doc: Document, e: YAMLError, line: (offset: number | undefined) => number | undefined): Omit<ScenarioIssue, 'source'> {
  // The library's advice for this one is about its own API, not the file.
  const why = e.code === 'MULTIPLE_DOCS' ? 'a scenario file holds one document; another starts here' : e.message.split('\n')[0];
  const message = `not valid YAML/JSON: ${why}`;
  if (e.code === 'BAD_INDENT' && /^Flow (sequence|map) in block collection/.test(e.message)) {
    // Reported where the next line starts; the unclosed [ or { is where the reader must look.
    let start: number | undefined;
    walk(doc.contents, [], (node) => {
      if (isCollection(node) && node.flow && node.range && node.range[1] === e.pos[0] && (start === undefined || node.range[0] < start))
        start = node.range[0];
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
      const pair = keyIndex(node).get(seg);
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

/** Each mapping's pairs by key (the first, as the message about a duplicate names): built once per mapping, so lines of many issues cost linear time. */
const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
function keyIndex(map: YAMLMap): Map<string, Pair> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (isPair(p) && !index.has(keyName(p.key))) index.set(keyName(p.key), p as Pair);
    keyIndexes.set(map, index);
  }
  return index;
}

/**
 * Reads and loads a scenario file. Only a regular file of at most 1 MiB is read (a device such as
 * /dev/zero, a FIFO or a huge file is refused before reading), and no more than that is read.
 */
export function loadScenarioFile(file: string, overrides: Override[] = []): Scenario {
  const refuse = (message: string) => new ScenarioError([{ source: file, path: '', message }]);
  const why = (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : 'cannot be read';
  };
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    throw refuse(why(err));
  }
  if (st.isDirectory()) throw refuse('is a directory');
  if (!st.isFile())
    throw refuse(
      `is not a regular file (${st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'not a file'}); give a scenario file`,
    );
  const tooLarge = (bytes: number) => refuse(`is larger than 1 MiB (${bytes} bytes); a scenario is a few kB`);
  if (st.size > MAX_SCENARIO_BYTES) throw tooLarge(st.size);
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (!fstatSync(fd).isFile()) throw refuse('is not a regular file');
    // one byte more than the limit: a file that grew since stat is still refused, not read without end
    const buf = Buffer.alloc(MAX_SCENARIO_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > MAX_SCENARIO_BYTES) throw tooLarge(n);
    text = buf.toString('utf8', 0, n);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw refuse(why(err));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return loadScenarioText(text, file, overrides);
}

/** A scenario given as an object (HTTP body, a worker's job): validated and compiled the same way. */
export function loadScenarioObject(obj: unknown, source = 'scenario', overrides: Override[] = []): Scenario {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ScenarioError([{ source, path: '', message: 'a scenario must be a mapping of fields (name, seed, horizon, ...)' }]);
  }
  // Compact: the text is no larger than the JSON it came from (an inline scenario's lines are not shown).
  return loadScenarioText(JSON.stringify(obj), source, overrides);
}
