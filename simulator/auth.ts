// HTTP Basic authentication as the Cursor Admin API uses it: the API key is the
// user name and the password is empty.

import { createHash, timingSafeEqual } from 'node:crypto';

/** Tells whether an Authorization header carries `apiKey` as its Basic user name. The password is ignored. */
export function isAuthorized(authorization: string | undefined, apiKey: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (match === null) {
    return false;
  }

  const credentials = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon === -1) {
    return false;
  }
  return equalInConstantTime(credentials.slice(0, colon), apiKey);
}

// Compares digests so the comparison time does not reveal the key's length or prefix.
function equalInConstantTime(left: string, right: string): boolean {
  const leftDigest = createHash('sha256').update(left).digest();
  const rightDigest = createHash('sha256').update(right).digest();
  return timingSafeEqual(leftDigest, rightDigest);
}
