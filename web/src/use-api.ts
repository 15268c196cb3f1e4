import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api';

/** A GET of the API for a page: its data, its error, and a way to load it again. */
export function useGet<T>(path: string | null): { data: T | null; error: Error | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<T>('GET', path).then(
      (d) => {
        if (live) {
          setData(d);
          setError(null);
        }
      },
      (e: Error) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [path, n]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data, error, reload };
}
