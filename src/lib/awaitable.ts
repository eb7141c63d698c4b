// The node:crypto backend is synchronous and Web Crypto is not. Code written against
// `Awaitable` runs without a microtask hop on the synchronous path, which is what lets the
// node:http adapter write a sealed cookie from inside a synchronous header hook.

export type Awaitable<T> = T | Promise<T>

export function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  // Any thenable, not `instanceof Promise`: a promise made in another realm is not an instance
  // of this one's (Next.js's edge sandbox hands out its host's Web Crypto promises).
  return typeof (value as { readonly then?: unknown } | null | undefined)?.then === 'function'
}

/** Applies `next` directly to a plain value, or after the promise settles. */
export function then<T, U>(value: Awaitable<T>, next: (resolved: T) => Awaitable<U>): Awaitable<U> {
  return isPromise(value) ? value.then(next) : next(value)
}

/** Like `Promise.all`, but stays synchronous when every input is a plain value. */
export function all<T>(values: readonly Awaitable<T>[]): Awaitable<T[]> {
  if (values.some(isPromise)) return Promise.all(values)
  return values as T[]
}
