import { useEffect, useState } from 'preact/hooks';

/**
 * Pages live in the URL's hash (`#/runs/<id>`), so that the server needs to serve nothing but `/`
 * and its assets, a page can be bookmarked, and the browser's back button works.
 */
export interface Location {
  path: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const h = hash.replace(/^#\/?/, '');
  const [p, q] = h.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q ?? '') };
}

export function useLocation(): Location {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return parseHash(hash);
}

export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, '');
}
