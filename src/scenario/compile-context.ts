import type { Distribution } from './distributions.js';

// biome-ignore lint/suspicious/noExplicitAny: a document of any shape, read field by field with a check at each step
export type Raw = Record<string, any>;
export const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);
/** How far shares that must sum to 1 may miss it. */
export const SHARE_TOLERANCE = 1e-6;

/** What compileScenario lends the checks of its optional sections (firms, flows): reading the document and reporting problems. */
export interface CompileContext {
  // biome-ignore lint/suspicious/noExplicitAny: the value at a path, of whatever type the document has there
  get: (path: (string | number)[]) => any;
  ok: (path: (string | number)[]) => boolean;
  shape: (path: (string | number)[]) => boolean;
  fail: (path: (string | number)[], message: string) => void;
  dist: (path: (string | number)[], isDuration: boolean) => Distribution;
  /** Problems found so far, by anyone: a check that needs the whole document right waits for none. */
  problems: () => number;
  /** Stage index by name, when `stages` is a mapping. */
  stageIndex: Map<string, number> | null;
}
