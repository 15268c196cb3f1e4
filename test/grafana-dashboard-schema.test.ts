import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// deploy/grafana/dashboards/clearsim.json against Grafana's published dashboard schema. Grafana
// publishes it as the TypeScript types generated from its CUE schema (npm @grafana/schema, the
// `Dashboard` type); no Grafana can run here. The JSON is type-checked as an object literal that
// must satisfy that type, with the TypeScript compiler API: a missing required field, a wrong type,
// an unknown field (excess property check) or a value outside an enum is a diagnostic.

const DASHBOARD = 'deploy/grafana/dashboards/clearsim.json';

/**
 * The check, as a module that is never written to disk: it sits in test/ so that module resolution
 * finds node_modules/@grafana/schema. The schema's string enums (ThresholdsMode, …) are turned into
 * the unions of their values, since JSON holds the values.
 */
function diagnostics(json: string): string[] {
  const file = resolve('test/grafana-dashboard-check.virtual.ts');
  const source = [
    "import type { Dashboard } from '@grafana/schema';",
    'type Json<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T',
    '  : T extends readonly (infer E)[] ? Json<E>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
    `export const dashboard = (${json}) satisfies Json<Dashboard>;`,
    '',
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    resolve(name) === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (resolve(name) === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  const sf = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, sf).map((d) => {
    const at = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : undefined;
    return `${at ? `line ${at.line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe(`${DASHBOARD} against Grafana's dashboard schema (@grafana/schema)`, () => {
  const text = readFileSync(DASHBOARD, 'utf8');

  it('satisfies the Dashboard type', () => {
    expect(diagnostics(text)).toEqual([]);
  }, 60_000);

  it('would be refused with a wrong type, an unknown field or a value outside an enum', () => {
    const broken = (edit: (d: Record<string, any>) => void) => {
      const d = JSON.parse(text);
      edit(d);
      return diagnostics(JSON.stringify(d, null, 2));
    };
    expect(
      broken((d) => {
        d.panels[0].gridPos.w = 'wide';
      }).join('\n'),
    ).toMatch(/not assignable to type 'number'/);
    expect(
      broken((d) => {
        d.refreshEvery = '5s';
      }).join('\n'),
    ).toMatch(/refreshEvery\W* does not exist/);
    expect(
      broken((d) => {
        d.panels[0].fieldConfig.defaults.thresholds.mode = 'absolut';
      }).join('\n'),
    ).toMatch(/"absolut"/);
    expect(
      broken((d) => {
        delete d.schemaVersion;
      }).join('\n'),
    ).toMatch(/schemaVersion/);
  }, 60_000);
});
