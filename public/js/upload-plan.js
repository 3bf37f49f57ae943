// What the dialog decides before a byte is sent: which files the server would refuse anyway, and how the rest
// are split into requests.

// Below the 100 MB body limit of proxies such as Cloudflare's, with room for two requests in flight.
export const REQUEST_BYTES = 50 * 2 ** 20;

// The server's own wording (src/images/rejections.ts and megabytes() in src/web/upload.ts), so a limit reads the same everywhere.
const megabytes = (bytes) => `${Math.round(bytes / 2 ** 20)} MB`;

/** The server's limits, from the form's data attributes. */
export function limitsOf(form) {
  return {
    maxFiles: Number(form.dataset.maxFiles) || 100,
    maxFileBytes: (Number(form.dataset.maxFileMb) || 25) * 2 ** 20,
  };
}

/** Why a file would be refused by the server, or undefined when it is worth sending. */
export function refusalOf(file, { maxFileBytes }) {
  if (file.size > maxFileBytes) return `too large: ${megabytes(file.size)}, the limit is ${megabytes(maxFileBytes)}`;
  // An empty type is sent: the server looks at the bytes. A type that says "not an image" is not.
  if (file.type && !file.type.startsWith('image/')) return 'not an image';
  return undefined;
}

/** Consecutive groups of entries, each at most `maxFiles` long and `REQUEST_BYTES` large (a bigger file goes alone). */
export function planBatches(entries, { maxFiles }) {
  const batches = [];
  let current = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length && (current.length >= maxFiles || bytes + entry.file.size > REQUEST_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.file.size;
  }
  if (current.length) batches.push(current);
  return batches;
}
