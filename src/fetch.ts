/**
 * The Fetch adapter, for every runtime with `Request`/`Response`.
 *
 * Available from `'sessionkit/fetch'`.
 *
 * @module
 */
export {
  appendSetCookies,
  commitSessions,
  FetchSessionRegistry,
  getSessions,
  withSessions,
  type FetchSessionsOptions,
} from './adapters/fetch.ts'
