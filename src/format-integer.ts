/**
 * A whole number with thousands separators, as en-US writes it (1,234,567). By hand rather than
 * `toLocaleString`: the first Intl call of a process costs ~20 ms, which `clearsim --help` and
 * `validate` would pay for a default in a help text.
 */
export function formatInteger(n: number): string {
  const x = Math.round(n);
  if (!Number.isFinite(x)) return String(x);
  const s = String(Math.abs(x));
  if (s.includes('e')) return String(x);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return x < 0 ? `-${out}` : out;
}
