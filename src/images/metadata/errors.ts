/** A file whose structure the cleaner cannot follow: it is not served to others rather than served as it is. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}
