// Sends a selection as several requests, two at a time, each retried a few times when the network or the server failed it.
import { sendFiles } from './upload-request.js';
import { reauthenticate, sessionEpoch } from './session.js';
import { csrfToken } from './util.js';

const ATTEMPTS = 4; // the first and three retries
const IN_FLIGHT = 2; // the next request travels while the server analyses the last one's files
const backoff = (attempt, retryAfter) => Math.min(retryAfter ? retryAfter * 1000 : 1000 * 2 ** attempt, 30_000);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `batches` are arrays of entries ({ file }). Hooks: onProgress(batch, bytesSent), onRetry(batch, seconds),
 * onAnswer(batch, answer) once per batch with its final answer. Resolves when every batch is answered;
 * A batch that finds the session ended waits for the password in place and is sent again with the new
 * session's token; if the user declines, no new batch starts.
 */
export async function sendBatches(batches, { url, visibility, keepCopies, onProgress, onRetry, onAnswer }) {
  const queue = [...batches];
  let stopped = false;
  const sendOne = async (batch) => {
    const files = batch.map((e) => e.file);
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    for (let attempt = 0; ; attempt++) {
      onProgress(batch, 0);
      const epoch = sessionEpoch();
      const answer = await sendFiles({
        url, token: csrfToken(), visibility, keepCopies, files,
        // The body's total includes the multipart framing: scale to the files' own bytes.
        onProgress: (loaded, total) => onProgress(batch, total ? Math.min(bytes, (loaded / total) * bytes) : 0),
        onSent: () => onProgress(batch, bytes),
      });
      if (answer.expired && (await reauthenticate({ sentUnder: epoch }))) {
        attempt--; // not a failure of the request: the same files again, as if for the first time
        continue;
      }
      if (!answer.retryable || attempt === ATTEMPTS - 1) return answer;
      const wait = backoff(attempt, answer.retryAfter);
      onRetry(batch, Math.round(wait / 1000), answer.error);
      await pause(wait);
    }
  };
  const worker = async () => {
    while (queue.length && !stopped) {
      const batch = queue.shift();
      const answer = await sendOne(batch);
      if (answer.expired) stopped = true;
      onAnswer(batch, answer);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, batches.length) }, worker));
  return { stopped, unsent: queue };
}
