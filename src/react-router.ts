/**
 * React Router 7 and Remix: React Router's `SessionStorage` (`getSession`, `commitSession`,
 * `destroySession`) backed by any sessionkit store. Uses React Router's types only.
 *
 * Available from `'sessionkit/react-router'`.
 *
 * @module
 */
export {
  createReactRouterSessionStorage,
  type ReactRouterSessionStorage,
} from './adapters/react-router.ts'
