// The answer the persisted-operation gate gives itself, before Apollo: a status, a stable error
// code and the headers that status calls for.
import { errorBody } from '../respond';

/** A request the gate answers itself, with this status and error code. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  headers(): Record<string, string> {
    if (this.status === 401) return { 'www-authenticate': 'ApiKey' };
    if (this.status === 503) return { 'retry-after': '2' };
    return {};
  }

  body(): string {
    return errorBody(this.code, this.message);
  }
}
