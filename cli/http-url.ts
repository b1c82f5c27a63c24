// An address the CLI sends HTTP to (the collector, the proxy's upstream): http:// or https://
// with a host, and nothing else a URL may be (ftp://, file:, mailto:).

/** The URL when it is one of those, else undefined. */
export function httpUrl(given: string): URL | undefined {
  try {
    const url = new URL(given);
    return ['http:', 'https:'].includes(url.protocol) && url.hostname !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}
