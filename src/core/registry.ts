/**
 * The per-request registry (gorilla `sessions.Registry`): several named sessions, each from
 * its own store (a store serves one cookie name), loaded once per request and saved together with one call that reports every
 * failure at once. Adapters create one per request; use it directly on runtimes without an
 * adapter.
 *
 * Available from `'sessionkit'`.
 *
 * @module
 */

import { assertCookieName } from './cookie.ts'
import { SessionRegistryError, SessionSaveError } from '../errors.ts'
import { isPromise, type Awaitable } from '../lib/awaitable.ts'
import { Session } from './session.ts'
import { bindTransport, observeChanges } from './store-view.ts'
import type { CookieHeader, ReclaimableStore, RequestTransport, SessionStore } from './store.ts'
import { warnIfDropped } from './transport.ts'

type AnyStore = SessionStore
type AnySession = Session

interface Entry {
  readonly name: string
  readonly store: AnyStore
  loading: Promise<AnySession>
  session: AnySession | undefined
  /** Destroyed sessions replaced by a reclaimed one; saved (deleted) before it. */
  retired: AnySession[] | undefined
}

function allowsReclaim(store: object): boolean {
  return (store as Partial<ReclaimableStore>).allowReclaim === true
}

/**
 * A save's result. A failed one may still have a cookie that must go out (`header`): the
 * deletion cookie of a destroyed session whose server-side delete failed.
 */
type Outcome =
  | { readonly name: string; readonly header: string | undefined }
  | { readonly name: string; readonly error: unknown; readonly header: string | undefined }

/**
 * @example
 * ```ts
 * const sessions = new SessionRegistry(request.headers.get('cookie'))
 * const auth = await sessions.get(authStore) // a store created with name: 'auth'
 * const prefs = await sessions.get(prefsStore) // and one with name: 'prefs'
 * for (const value of await sessions.save()) headers.append('Set-Cookie', value)
 * ```
 */
export class SessionRegistry {
  readonly #cookieHeader: CookieHeader
  readonly #transport: () => RequestTransport | undefined
  readonly #entries = new Map<string, Entry>()
  readonly #setCookies = new Map<string, string>()
  /** The save under way, when it is asynchronous. */
  #saving: Promise<readonly string[]> | undefined

  /**
   * @param transport How the request arrived (`{ secure: url.protocol === 'https:', host }`),
   *   or a function asked at each save: what `secure: 'auto'` cookies follow, and what the
   *   warning about a Secure cookie sent over plain HTTP checks. Unknown: `'auto'` means Secure.
   */
  constructor(
    cookieHeader: CookieHeader,
    transport?: RequestTransport | (() => RequestTransport | undefined),
  ) {
    this.#cookieHeader = cookieHeader
    this.#transport = typeof transport === 'function' ? transport : () => transport
  }

  /**
   * The session of `store` (named `store.name`), loaded once per request: concurrent and
   * later calls share the first load. Two stores with one name in a request is an error.
   */
  get<Data extends object, Flash extends object>(
    store: SessionStore<Data, Flash>,
  ): Promise<Session<Data, Flash>> {
    const name = store.name
    const existing = this.#entries.get(name)
    if (existing !== undefined) {
      if (existing.store !== (store as unknown)) {
        return Promise.reject(
          new SessionRegistryError(`Session "${name}" is already bound to another store`),
        )
      }
      const current = existing.session
      if (current?.isDestroyed === true && allowsReclaim(store)) {
        const fresh = store.create() as unknown as AnySession
        this.#observe(name, fresh)
        ;(existing.retired ??= []).push(current)
        existing.session = fresh
        existing.loading = Promise.resolve(fresh)
      }
      return existing.loading as unknown as Promise<Session<Data, Flash>>
    }
    try {
      // The built-in stores check their name when created; a hand-written one may not.
      assertCookieName(name)
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    const loading = store.get(this.#cookieHeader)
    const entry: Entry = {
      name,
      store: store as unknown as AnyStore,
      loading: loading as unknown as Promise<AnySession>,
      session: undefined,
      retired: undefined,
    }
    this.#entries.set(name, entry)
    loading.then(
      (session) => {
        entry.session = session as unknown as AnySession
        this.#observe(name, entry.session)
      },
      // A failed load reaches the caller through `loading`; nothing is left to save.
      () => undefined,
    )
    return loading
  }

  // Runs before the caller's own continuation of `get`, so no change can be missed.
  #observe(name: string, session: AnySession): void {
    if (!(session instanceof Session)) return
    bindTransport(session, this.#transport)
    observeChanges(session, () => {
      this.sessionChanged(name)
    })
  }

  /**
   * Called on every change to a session of this registry (a value set, a flash read, a
   * destroy). The adapters use it to save a change made while a save ran, and to report one
   * made after their response was committed. Does nothing here.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the adapters' hook
  protected sessionChanged(_name: string): void {
    // Nothing to do without an adapter.
  }

  /** Names of the sessions loaded so far, in load order. */
  get names(): readonly string[] {
    return [...this.#entries.keys()]
  }

  /** True when some loaded session has a change waiting to be saved. */
  get hasChanges(): boolean {
    for (const entry of this.#entries.values()) {
      if (entry.session?.isDirty === true) return true
      if (entry.retired?.some((session) => session.isDirty) === true) return true
    }
    return false
  }

  /**
   * The `Set-Cookie` values produced so far, one per session name (a later save of the
   * same session replaces the earlier value).
   */
  get setCookies(): readonly string[] {
    return [...this.#setCookies.values()]
  }

  /**
   * Saves every loaded session and returns all `Set-Cookie` values to send. Failures of
   * several sessions are reported together in one {@link SessionSaveError}; the sessions that
   * did save keep their values in {@link setCookies}. Synchronous when every store is.
   *
   * A save asked for while another one runs starts when that one has settled, so a session
   * is never written twice at once (which would store a new server-side session twice).
   */
  save(): Awaitable<readonly string[]> {
    const running = this.#saving
    const result =
      running === undefined
        ? this.#saveAll()
        : running.then(
            () => this.#saveAll(),
            () => this.#saveAll(),
          )
    if (isPromise(result)) {
      this.#saving = result
      const settled = (): void => {
        if (this.#saving === result) this.#saving = undefined
      }
      result.then(settled, settled)
    }
    return result
  }

  #saveAll(): Awaitable<readonly string[]> {
    const outcomes: Awaitable<Outcome>[] = []
    for (const entry of this.#entries.values()) {
      if (entry.session === undefined) continue
      outcomes.push(saveEntry(entry))
    }
    if (outcomes.some(isPromise)) {
      return Promise.all(outcomes.map((outcome) => Promise.resolve(outcome))).then((all) =>
        this.#settle(all),
      )
    }
    return this.#settle(outcomes as Outcome[])
  }

  #settle(outcomes: readonly Outcome[]): readonly string[] {
    let errors: { sessionName: string; error: unknown }[] | undefined
    const stillSend: string[] = []
    warnIfDropped(this.#transport, outcomes)
    for (const outcome of outcomes) {
      if ('error' in outcome) {
        ;(errors ??= []).push({ sessionName: outcome.name, error: outcome.error })
        const header = outcome.header
        if (header !== undefined) {
          this.#setCookies.set(outcome.name, header)
          stillSend.push(header)
        }
      } else if (outcome.header !== undefined) this.#setCookies.set(outcome.name, outcome.header)
    }
    if (errors !== undefined) throw new SessionSaveError(errors, stillSend)
    return this.setCookies
  }
}

function saveEntry(entry: Entry): Awaitable<Outcome> {
  const { name, session } = entry
  if (session === undefined) return { name, header: undefined }
  const retired = entry.retired
  if (retired === undefined || retired.length === 0) return saveOne(name, entry.store, session)
  // Reclaimed: delete the destroyed sessions first, then save the new one. Its cookie (if
  // any) replaces theirs; without one, the last deletion cookie goes out.
  return (async (): Promise<Outcome> => {
    let header: string | undefined
    for (const old of retired) {
      const outcome = await saveOne(name, entry.store, old)
      if ('error' in outcome) return outcome
      header = outcome.header ?? header
    }
    const outcome = await saveOne(name, entry.store, session)
    if ('error' in outcome) return outcome
    retired.length = 0
    return { name, header: outcome.header ?? header }
  })()
}

function saveOne(name: string, store: AnyStore, session: AnySession): Awaitable<Outcome> {
  try {
    const header = store.save(session)
    if (isPromise(header)) {
      return header.then(
        (value) => ({ name, header: value }),
        (error: unknown) => failedSave(name, store, session, error),
      )
    }
    return { name, header }
  } catch (error) {
    return failedSave(name, store, session, error)
  }
}

function failedSave(name: string, store: AnyStore, session: AnySession, error: unknown): Outcome {
  return { name, error, header: deletionCookieOf(store, session) }
}

// The save's own failure is what the registry reports: a store that also fails to say which
// cookie is still owed sends none.
function deletionCookieOf(store: AnyStore, session: AnySession): string | undefined {
  try {
    return store.deletionCookie?.(session)
  } catch {
    return undefined
  }
}
