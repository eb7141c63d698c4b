// Gates for save races: a driver whose writes, or a Web Crypto backend whose seals, can be
// held, so a test can change a session while its save is provably still running and then
// let the save finish.
import type { SessionDriver } from '../../src/core/driver.ts'
import type { CryptoBackend } from '../../src/lib/crypto/backend.ts'
import { createWebCryptoBackend } from '../../src/lib/crypto/web.ts'

export interface Gate {
  /** Holds every gated call from now on, until `open()`. */
  close(): void
  /** Resolves with the call's label once a gated call is waiting at the closed gate. */
  held(): Promise<string>
  /** Lets the held calls (and later ones) through. */
  open(): void
  /** Gated calls made, by label. */
  readonly calls: Map<string, number>
  /** Waits while the gate is closed; what the gated wrappers call first. */
  pass(label: string): Promise<void>
}

export function createGate(): Gate {
  const calls = new Map<string, number>()
  let closed: Promise<void> | undefined
  let release: () => void = () => undefined
  let waiting: string[] = []
  let waiters: ((label: string) => void)[] = []
  return {
    calls,
    close() {
      if (closed !== undefined) return
      waiting = []
      closed = new Promise<void>((resolve) => {
        release = resolve
      })
    },
    held() {
      const first = waiting[0]
      if (first !== undefined) return Promise.resolve(first)
      return new Promise<string>((resolve) => {
        waiters.push(resolve)
      })
    },
    open() {
      closed = undefined
      waiters = []
      release()
    },
    async pass(label) {
      calls.set(label, (calls.get(label) ?? 0) + 1)
      const current = closed
      if (current === undefined) return
      waiting.push(label)
      for (const notify of waiters.splice(0)) notify(label)
      await current
    },
  }
}

const WRITES: ReadonlySet<string> = new Set(['create', 'update', 'touch', 'delete'])

/** `inner` with every write (create, update, touch, delete) passing `gate` first. */
export function gatedDriver(inner: SessionDriver, gate: Gate): SessionDriver {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      const call = (...args: unknown[]): unknown =>
        (value as (...a: unknown[]) => unknown).apply(target, args)
      if (!WRITES.has(property)) return call
      return async (...args: unknown[]): Promise<unknown> => {
        await gate.pass(property)
        return call(...args)
      }
    },
  })
}

/** The Web Crypto backend with every AEAD seal (a cookie being written) passing `gate` first. */
export function gatedWebCrypto(gate: Gate): CryptoBackend {
  const web = createWebCryptoBackend()
  return {
    ...web,
    async aeadKey(raw) {
      const key = await web.aeadKey(raw)
      return {
        open: (iv, sealed, aad) => key.open(iv, sealed, aad),
        async seal(iv, plaintext, aad, prefix) {
          await gate.pass('seal')
          return key.seal(iv, plaintext, aad, prefix)
        },
      }
    },
  }
}
