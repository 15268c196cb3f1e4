import { readFileSync } from 'node:fs';
import { Document, LineCounter, isMap, isNode, isPair, isScalar, isSeq, parse as parseYamlValue, parseDocument, type Node as YamlNode } from 'yaml';
import { ScenarioError, type ScenarioIssue } from '../errors.js';
import { compileScenario } from './compile.js';
import { schemaErrors } from './schema.js';
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
    throw new ScenarioError(doc.errors.map((e) => ({ source, line: line(e.pos[0]), path: '', message: `not valid YAML/JSON: ${e.message.split('\n')[0]}` })));
  }
  if (!isMap(doc.contents)) {
    throw new ScenarioError([{ source, line: 1, path: '', message: 'a scenario must be a mapping of fields (name, seed, horizon, ...)' }]);
  }

  const applied: Override[] = [];
  const issues: ScenarioIssue[] = [];
  for (const o of overrides) {
    try {
      doc.setIn(segments(o.path), doc.createNode(o.value));
      applied.push(o);
    } catch {
      issues.push({ source: o.text, path: o.path, message: 'cannot be set: a part of this path is not a mapping or list in the scenario' });
    }
  }
  if (issues.length) throw new ScenarioError(issues);

  const data = doc.toJS({ maxAliasCount: 100 });
  const locate = (path: string[], atKey = false): { source: string; line?: number } => {
    const dotted = path.join('.');
    const o = [...applied].reverse().find((a) => dotted === a.path || dotted.startsWith(a.path + '.') || a.path.startsWith(dotted + '.'));
    if (o && (dotted === o.path || dotted.startsWith(o.path + '.'))) return { source: o.text };
    return { source, line: line(nodeOffset(doc, path, atKey)) };
  };

  for (const e of schemaErrors(data)) issues.push({ ...locate(e.path, e.atKey), path: e.path.join('.'), message: e.message });
  if (issues.length) throw new ScenarioError(issues);

  const { scenario, issues: semantic } = compileScenario(data);
  if (!scenario) throw new ScenarioError(semantic.map((e) => ({ ...locate(e.path), path: e.path.join('.'), message: e.message })));
  return scenario;
}

/** Offset of the node a path names, or of its nearest ancestor that exists (for a missing field). */
function nodeOffset(doc: Document, path: string[], atKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
      if (!pair) return offset;
      const key = pair.key as YamlNode;
      if (atKey && i === path.length - 1) return key?.range?.[0] ?? offset;
      node = pair.value;
      offset = isNode(node) ? node.range?.[0] ?? key?.range?.[0] : key?.range?.[0];
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
