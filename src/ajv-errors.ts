/** What both the scenario loader and the API read of an Ajv error. */
export interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  schemaPath: string;
}

/** A JSON pointer (`/tiers/aeo`) as path segments, unescaped. */
export function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Ajv's errors as readable `{path, message}` problems, each once. A failed anyOf is reported in
 * its own words, not as each alternative's complaint; `skip` drops errors a caller knows are noise.
 */
export function readableErrors<E extends AjvErrorLike>(
  errors: E[],
  describe: (e: E) => { path: string[]; message: string } | undefined,
  skip: (e: E) => boolean = () => false,
): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  const seen = new Set<string>();
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const e of errors) {
    if (skip(e)) continue;
    if (e.keyword !== 'anyOf' && anyOfAt.has(e.instancePath) && /anyOf\/\d+\//.test(e.schemaPath)) continue;
    const f = describe(e);
    if (!f) continue;
    const key = `${f.path.join('.')}|${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}
