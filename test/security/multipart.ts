// Multipart bodies built byte by byte, for the cases a well-behaved client library will not produce.

/** `disposition` replaces the whole Content-Disposition value of a file part, to send `filename*=` and the like. */
export type Part = { name: string; value: string } | { name: string; filename: string; data: Buffer; type?: string; disposition?: string };

export const BOUNDARY = '----image-repo-test-boundary';

/** The header a form sends with a body from `multipart()`. */
export const multipartType = (boundary = BOUNDARY) => `multipart/form-data; boundary=${boundary}`;

/** A multipart/form-data body; file names are written as given (raw UTF-8, no escaping), as some clients do. */
export function multipart(parts: Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      'filename' in part
        ? `${part.disposition ?? `form-data; name="${part.name}"; filename="${part.filename}"`}\r\nContent-Type: ${part.type ?? 'application/octet-stream'}`
        : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`, 'utf8'));
    chunks.push('filename' in part ? part.data : Buffer.from(part.value, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
