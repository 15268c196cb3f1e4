/**
 * Exits with `code` once stdout and stderr have written out what they hold: on a pipe, writes
 * can still be queued when the command returns, and process.exit would cut them off. Bounded, so
 * a reader that never reads cannot keep the process alive.
 */
export function exitWhenFlushed(code: number): void {
  const exit = () => process.exit(code);
  setTimeout(exit, 2000).unref();
  let pending = 2;
  const done = () => {
    if (--pending === 0) exit();
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
