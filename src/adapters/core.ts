/**
 * What every adapter does the same way, whatever its framework: the request's registry, the
 * commit (saved again while a change came in during the save, a bounded number of times), the
 * report of a change that can no longer reach the client, and the merge of our `Set-Cookie`
 * values with the app's own. An adapter decides when to commit and moves headers:
 *
 * ```ts
 * const sessions = new RequestSessions(
 *   { onError, headers }, // headers: the response's, when it has one mutable set
 *   (hooks) => new AdapterSessionRegistry(cookieHeader, hooks),
 * )
 * // hand sessions.registry to the app; when the response is about to go out:
 * const values = await sessions.commit() // with `headers`, they are written there already
 * sessions.afterCommit() // from now on a change is reported, not saved
 * ```
 *
 * @module
 */

import { HeadersSentError, SessionSaveError } from '../errors.ts'
import { isPromise, then, type Awaitable } from '../lib/awaitable.ts'
import { SessionRegistry } from '../core/registry.ts'
import type { CookieHeader, RequestTransport } from '../core/store.ts'

/**
 * The headers of one response as far as the sessions need them. A framework adapter maps
 * these four calls onto its own response object (`res.setHeader`, `reply.header`, `Headers`).
 */
export interface SessionHeaders {
  /** Every `Set-Cookie` value the response carries now, the app's and ours. */
  getSetCookie(): readonly string[]
  /** Replaces every `Set-Cookie` value with `values`, one header line each. */
  setSetCookie(values: readonly string[]): void
  hasCacheControl(): boolean
  setCacheControl(value: string): void
}

/** No `Set-Cookie` values: shared and frozen, so returning it costs no array. */
export const NO_COOKIES: readonly string[] = Object.freeze([])

/**
 * Writes our `Set-Cookie` values into `headers`: the response's other cookies are kept, in
 * order, then ours, each once; `previous` (ours, written there before) are replaced. Adds
 * `Cache-Control` when the response has none, so shared caches never keep a session.
 */
export function writeSessionCookies(
  headers: SessionHeaders,
  values: readonly string[],
  previous: readonly string[] = NO_COOKIES,
  cacheControl: string | false = 'no-store',
): void {
  if (values.length === 0) return
  const present = headers.getSetCookie()
  // Most responses carry no cookie of their own: then ours are the whole list.
  const theirs =
    present.length === 0
      ? present
      : present.filter((value) => !previous.includes(value) && !values.includes(value))
  headers.setSetCookie([...theirs, ...values])
  if (cacheControl !== false && !headers.hasCacheControl()) headers.setCacheControl(cacheControl)
}

/**
 * The `Set-Cookie` values a failed save still owes the client: the deletion cookie of a logout
 * whose server-side delete failed, so the browser is logged out while the failure is
 * reported. None for any other error.
 */
export function owedCookies(error: unknown): readonly string[] {
  return error instanceof SessionSaveError ? error.setCookies : NO_COOKIES
}

/**
 * Puts the cookies `error` still owes ({@link owedCookies}) on the headers of the error
 * response, alone, with a `Cache-Control` of ours: the app's cookies and `Cache-Control` were
 * for the response it meant to send, and a shared cache must not keep an error response that
 * carries a cookie. Nothing when none are owed.
 */
export function writeOwedCookies(
  headers: SessionHeaders,
  error: unknown,
  cacheControl: string | false,
): void {
  const owed = owedCookies(error)
  if (owed.length === 0) return
  headers.setSetCookie(owed)
  if (cacheControl !== false) headers.setCacheControl(cacheControl)
}

/** How the registry tells its {@link RequestSessions} what happens to it. */
export interface RegistryHooks {
  /** A session was changed (a value set, a flash read, a destroy). */
  readonly changed: (name: string) => void
  /** Throws when a save could no longer reach the client. */
  readonly beforeSave: () => void
  /** A save produced these `Set-Cookie` values. */
  readonly saved: (values: readonly string[]) => void
}

/** A registry whose saves are watched by its request's {@link RequestSessions}. */
export class AdapterSessionRegistry extends SessionRegistry {
  readonly #hooks: RegistryHooks

  /** Made by the adapter, one per request. @internal */
  constructor(
    cookieHeader: CookieHeader,
    hooks: RegistryHooks,
    transport?: () => RequestTransport | undefined,
  ) {
    super(cookieHeader, transport)
    this.#hooks = hooks
  }

  protected override sessionChanged(name: string): void {
    this.#hooks.changed(name)
  }

  /** Saves every session now; throws `HeadersSentError` for a change that came too late. */
  override save(): Awaitable<readonly string[]> {
    this.#hooks.beforeSave()
    return then(super.save(), (values) => {
      this.#hooks.saved(values)
      return values
    })
  }
}

export interface RequestSessionsOptions {
  /**
   * Told about a session whose change can no longer reach the client, as a `HeadersSentError`:
   * once per session and request, in a microtask apart from the change (so a throwing
   * `onError` never makes `set()` throw). Can be replaced later: {@link RequestSessions.onError}.
   * @default {@link logError}
   */
  readonly onError?: ((error: unknown) => void) | undefined
  /**
   * The response's headers, when the request has one mutable set for its whole life
   * (node:http, Express, Koa): every save writes the cookies there, until they have left.
   */
  readonly headers?: SessionHeaders | undefined
  /** Written with our cookies to a response without one. `false`: none. @default 'no-store' */
  readonly cacheControl?: string | false | undefined
  /**
   * Whether the response headers have left, where they can leave without the adapter knowing
   * (node:http: `res.headersSent`). Otherwise {@link RequestSessions.afterCommit} tells.
   */
  readonly headersSent?: (() => boolean) | undefined
  /** Ends the error messages, "changed after …". @default 'its response was committed' */
  readonly sentAs?: string | undefined
  /**
   * What a request that failed (its handler threw, or the framework answers with its error
   * response) does with its sessions: by default nothing of it is saved, no store write and no
   * session `Set-Cookie`, so a handler that changes the session and then throws never commits
   * half its changes. `true` commits them anyway, with the error response.
   * @default false
   */
  readonly commitOnError?: boolean | undefined
}

/**
 * - `open`: a change is saved by the next commit;
 * - `saving`: a commit runs; a change made now is saved by another round;
 * - `committed`: the response left; a change is reported, a save with changes throws;
 * - `failed`: the adapter answers with an error instead; a change is not reported.
 */
export type CommitPhase = 'open' | 'saving' | 'committed' | 'failed'

// A session changed while a save ran is saved again; a handler that keeps changing it cannot
// hold its response forever, the change left over is reported.
const MAX_SAVE_ROUNDS = 4

/**
 * The sessions of one request, as an adapter drives them. It is its registry's
 * {@link RegistryHooks} itself (`changed`, `beforeSave`, `saved`): one object per request
 * rather than one closure per hook.
 */
export class RequestSessions<
  Registry extends AdapterSessionRegistry = AdapterSessionRegistry,
> implements RegistryHooks {
  readonly registry: Registry
  /** Where late changes are reported (see {@link RequestSessionsOptions.onError}). */
  onError: (error: unknown) => void
  readonly #options: RequestSessionsOptions
  #phase: CommitPhase = 'open'
  /** Sessions changed since the last save began, and those already reported (made when needed). */
  // An array, not a Set: a request holds a session or two, and a Set costs more to make.
  #pending: string[] | undefined
  #reported: Set<string> | undefined
  /** Our `Set-Cookie` values as last written to the headers. */
  #written: readonly string[] = NO_COOKIES
  /** The request failed and its sessions are not saved (see {@link requestFailed}). */
  #discarded = false

  constructor(options: RequestSessionsOptions, createRegistry: (hooks: RegistryHooks) => Registry) {
    this.#options = options
    this.onError = options.onError ?? logError
    this.registry = createRegistry(this)
  }

  /** A session of the registry changed. @internal */
  changed(name: string): void {
    const pending = (this.#pending ??= [])
    if (!pending.includes(name)) pending.push(name)
    if (this.#phase !== 'failed' && this.#sent) this.#report(name)
  }

  /** The registry is about to save. @internal */
  beforeSave(): void {
    if (this.#sent && this.registry.hasChanges) {
      throw new HeadersSentError(`a session changed after ${this.#sentAs}`)
    }
  }

  /** The registry saved, giving these `Set-Cookie` values. @internal */
  saved(values: readonly string[]): void {
    const headers = this.#options.headers
    if (headers === undefined) return
    if (!this.#sent) this.applyTo(headers, values)
    // The headers left while the save ran (an app writing the raw response itself): the
    // store has the change but the client never gets its cookie.
    else if (values.length > 0 && this.#phase !== 'failed') {
      const names = values.map((value) => value.slice(0, value.indexOf('=')))
      this.#report('', `cookies ${names.join(', ')} were saved after ${this.#sentAs}`)
    }
  }

  get phase(): CommitPhase {
    return this.#phase !== 'failed' && this.#sent ? 'committed' : this.#phase
  }

  /** Our `Set-Cookie` values as last written by {@link applyTo}. */
  get written(): readonly string[] {
    return this.#written
  }

  /**
   * Saves every session, and again while a change came in during the save (a few rounds at
   * most); returns the `Set-Cookie` values. Synchronous when every store is, so a cookie can
   * be written from inside a synchronous header write. A failure leaves the phase `failed`
   * (unless the response had left already).
   */
  commit(): Awaitable<readonly string[]> {
    if (this.#discarded) return []
    // A commit after the response left (commitSessions inside withSessions) stays guarded.
    if (this.#phase !== 'committed') this.#phase = 'saving'
    let result: Awaitable<readonly string[]>
    try {
      result = this.#round(1)
    } catch (error) {
      this.#settle('failed')
      throw error
    }
    if (!isPromise(result)) {
      this.#settle('open')
      return result
    }
    return result.then(
      (values) => {
        this.#settle('open')
        return values
      },
      (error: unknown) => {
        this.#settle('failed')
        throw error
      },
    )
  }

  /**
   * The response left with what the last commit saved: a change left over from its last
   * round, and any change from now on, is reported.
   */
  afterCommit(): void {
    this.#phase = 'committed'
    // A request that failed (a nested Fetch handler threw) meant to drop its changes.
    if (this.#discarded) return
    if (this.#pending !== undefined) for (const name of this.#pending) this.#report(name)
  }

  /**
   * Commits without saving, for a response that cannot carry cookies (a Fetch
   * `Response.error()`); a change waiting to be saved is reported once, with `detail`.
   */
  discard(detail: string): void {
    this.#phase = 'committed'
    if (this.registry.hasChanges) this.#report('', detail)
  }

  /**
   * The request failed: its handler threw, or the framework answers it with its error
   * response. Returns true when its sessions are to be committed as usual (`commitOnError`).
   * Otherwise none is saved: cookies this request wrote to the headers are taken back, later
   * commits save nothing and later changes are not reported. Too late once committed: what
   * left with the headers stays.
   */
  requestFailed(commitOnError: boolean = this.#options.commitOnError === true): boolean {
    if (commitOnError) return true
    if (this.phase === 'committed') return false
    this.#phase = 'failed'
    this.#discarded = true
    const headers = this.#options.headers
    const written = this.#written
    if (headers !== undefined && written.length > 0 && this.#options.headersSent?.() !== true) {
      headers.setSetCookie(headers.getSetCookie().filter((value) => !written.includes(value)))
    }
    this.#written = []
    return false
  }

  /** True once {@link requestFailed} decided that nothing of this request is saved. */
  get discarded(): boolean {
    return this.#discarded
  }

  /** The adapter answers with an error instead of the response: changes are not reported. */
  fail(): void {
    this.#phase = 'failed'
  }

  /** Writes our cookies into `headers`, replacing those this request wrote before. */
  applyTo(headers: SessionHeaders, values: readonly string[] = this.registry.setCookies): void {
    writeSessionCookies(headers, values, this.#written, this.#options.cacheControl)
    this.#written = values
  }

  /** Committed, or the headers left some other way (the app wrote them before the sessions). */
  get #sent(): boolean {
    return this.#phase === 'committed' || this.#options.headersSent?.() === true
  }

  get #sentAs(): string {
    return this.#options.sentAs ?? 'its response was committed'
  }

  #round(round: number): Awaitable<readonly string[]> {
    // Dropped rather than emptied: `length = 0` is a runtime call, a new array when a change
    // comes is not.
    this.#pending = undefined
    return then(this.registry.save(), (values) => this.#next(round, values))
  }

  #next(round: number, values: readonly string[]): Awaitable<readonly string[]> {
    const pending = this.#pending?.length ?? 0
    return pending > 0 && round < MAX_SAVE_ROUNDS ? this.#round(round + 1) : values
  }

  #settle(phase: 'open' | 'failed'): void {
    if (this.#phase === 'saving') this.#phase = phase
  }

  #report(key: string, detail = `session "${key}" changed after ${this.#sentAs}`): void {
    const reported = (this.#reported ??= new Set())
    if (reported.has(key)) return
    reported.add(key)
    const error = new HeadersSentError(detail)
    const onError = this.onError
    queueMicrotask(() => {
      try {
        onError(error)
      } catch (thrown) {
        logError(thrown)
      }
    })
  }
}

/** The default `onError`: logs with `console.error`. */
export function logError(error: unknown): void {
  console.error('[sessionkit]', error)
}
