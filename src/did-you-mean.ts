import { createRequire } from 'node:module';

type Distance = (a: string, b: string) => number;
let distance: Distance | undefined;

/** The known name closest to a misspelt one, if it is close enough to be the one meant. */
export function closest(word: string, options: string[]): string | undefined {
  // loaded on the first misspelling: a command with none (most) does not pay for the module
  distance ??= (createRequire(import.meta.url)('fastest-levenshtein') as { distance: Distance }).distance;
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
