import type { Request } from 'express';

/** Content negotiation: scripts ask for JSON with `Accept: application/json`, browsers get HTML. */
export const wantsJson = (req: Request): boolean => req.accepts(['html', 'json']) === 'json';
