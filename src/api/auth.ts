import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * onRequest hook for the control routes when a token is set (CLEARSIM_TOKEN): the request needs
 * `Authorization: Bearer <token>`. Compared in constant time, on digests so that the length of the
 * token does not show either. Runs before the body is parsed: a caller without the token learns
 * nothing about what a valid request looks like.
 */
export function bearerAuth(token: string): (req: FastifyRequest) => Promise<void> {
  const expected = digest(token);
  const challenge = { 'www-authenticate': 'Bearer realm="clearsim"' };
  return async (req) => {
    const header = req.headers.authorization;
    const m = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(header ?? '');
    if (!m) {
      throw new ApiError(
        'UNAUTHORIZED',
        header
          ? 'Authorization: must be "Bearer <token>"'
          : 'this route needs Authorization: Bearer <token> (the server has CLEARSIM_TOKEN set)',
        undefined,
        challenge,
      );
    }
    if (!timingSafeEqual(digest(m[1]), expected))
      throw new ApiError('UNAUTHORIZED', 'Authorization: wrong bearer token', undefined, challenge);
  };
}
