// POST /images through XMLHttpRequest, the one browser API that reports upload progress.

// Reasons a file may have been refused only because of the moment it was sent.
const TRANSIENT = new Set(['server-busy', 'server-error', 'storage-unavailable', 'database-unavailable', 'abandoned']);
export const isTransient = (result) => !result.ok && TRANSIENT.has(result.reason);

/**
 * Resolves with the server's per-file results (and the quota's usage after them, when there is a quota),
 * or with an error message for the whole request (an expired session, a network failure); `retryable` says
 * whether sending the same request again may work, `retryAfter` how many seconds the server asked for. Never rejects.
 */
export function sendFiles({ url, token, visibility, keepCopies, files, onProgress, onSent }) {
  return new Promise((resolve) => {
    const body = new FormData();
    body.append('_csrf', token); // first, so the server checks it before it stores a byte
    body.append('visibility', visibility);
    // Before the files, so a file already in the library is refused without being decoded.
    body.append('duplicates', keepCopies ? 'keep' : 'skip');
    for (const file of files) body.append('images', file, file.name);

    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0));
    xhr.upload.addEventListener('load', onSent);
    xhr.addEventListener('load', () => {
      const answer = xhr.response ?? {};
      const retryable = xhr.status >= 500;
      const retryAfter = Number(xhr.getResponseHeader('Retry-After')) || undefined;
      if (xhr.status === 401) {
        resolve({ results: [], error: 'your session ended. Choose Retry to sign in again and send them.', expired: true });
        return;
      }
      if (Array.isArray(answer.results) && !(retryable && answer.results.every(isTransient))) {
        resolve({ results: answer.results, error: undefined, usage: answer.usage });
        return;
      }
      resolve({ results: [], error: answer.error ?? `the server answered ${xhr.status}.`, retryable, retryAfter });
    });
    xhr.addEventListener('error', () => resolve({ results: [], error: 'the connection failed. Check your network and try again.', retryable: true }));
    xhr.send(body);
  });
}
