/**
 * What went wrong with a resource call, in the backend's words: its `{"message": …}` (Grafana's
 * FetchError carries it in `data`), else the error's own text.
 */
export function errorMessage(e: unknown): string {
  if (e && typeof e === 'object') {
    const err = e as { data?: { message?: unknown; error?: unknown }; message?: unknown; statusText?: unknown; status?: unknown };
    const text = err.data?.message ?? err.data?.error ?? err.message ?? err.statusText;
    if (typeof text === 'string' && text !== '') {
      return text;
    }
    if (typeof err.status === 'number') {
      return `HTTP ${err.status}`;
    }
  }
  return String(e);
}
