/**
 * An amount (CNY, hours a year, declarations) to 3 significant digits with k, M or bn: 324,
 * 148 k, 13.9 M, 1.6 bn; negatives with a minus sign, and with `signed` a + before positive
 * amounts (changes). One formatter for the CLI, the comparison's sentences and the HTML report.
 */
export function formatAmount(x: number, signed = false): string {
  const a = Number(Math.abs(x).toPrecision(3));
  const s =
    a >= 1e9
      ? `${+(a / 1e9).toPrecision(3)} bn`
      : a >= 1e6
        ? `${+(a / 1e6).toPrecision(3)} M`
        : a >= 1e3
          ? `${+(a / 1e3).toPrecision(3)} k`
          : a.toFixed(0);
  const sign = s === '0' ? '' : x < 0 ? '−' : signed && x > 0 ? '+' : '';
  return sign + s;
}
