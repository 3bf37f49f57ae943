/** A file whose structure the cleaner cannot follow: it is decoded and written anew rather than served as it is. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}
