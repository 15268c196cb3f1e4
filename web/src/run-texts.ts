/**
 * The scenario text a run was started with, kept in this browser's session for the run's page: the
 * flow view draws the route from it (intake, lanes, release) when the server does not send one.
 */
const key = (id: string) => `clearsim.run-text.${id}`;

export function rememberRunText(id: string, text: string): void {
  try {
    sessionStorage.setItem(key(id), text);
  } catch {
    // storage full or refused: the route falls back to the server's or a line of stages
  }
}

export function runText(id: string): string | null {
  try {
    return sessionStorage.getItem(key(id));
  } catch {
    return null;
  }
}
