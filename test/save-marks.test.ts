// Every store marks saved only what a save wrote: a change made while the save runs (its
// driver write or its seal held at a gate) stays pending, and the next save writes it. A
// property test runs random changes before and during a save and reloads the result.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  DEFAULT_FLASH_KEY,
  createCookieStore,
  createMemoryDriver,
  createServerStore,
  SessionRegistry,
  sessionStorageKey,
} from '../src/index.ts'
import type { Session, SessionStore } from '../src/index.ts'
import { createGorillaCookieStore } from '../src/securecookie.ts'
import { cookiePair, keys } from './support/adapter-harness.ts'
import { createGate, gatedDriver, gatedWebCrypto, type Gate } from './support/gates.ts'

interface Data {
  a: number
  b: number
  c: number
  z: number
  [key: string]: unknown
}
type Flash = Record<string, string>

interface Subject {
  readonly name: string
  readonly gate: Gate
  readonly store: SessionStore<Data, Flash>
  /** Write calls seen by the driver (server stores only). */
  readonly writes?: () => number
}

function subjects(): Subject[] {
  const seal = createGate()
  const write = createGate()
  const gorilla = createGate()
  const insecure = { cookie: { secure: false } }
  const random = () => crypto.getRandomValues(new Uint8Array(32))
  return [
    {
      name: 'cookie store (Web Crypto)',
      gate: seal,
      store: createCookieStore<Data, Flash>({
        name: 'app',
        keys,
        crypto: gatedWebCrypto(seal),
        ...insecure,
      }),
    },
    {
      name: 'server store (memory driver)',
      gate: write,
      store: createServerStore<Data, Flash>({
        name: 'app',
        driver: gatedDriver(createMemoryDriver({ sweepInterval: 0 }), write),
        keys,
        ...insecure,
      }),
      writes: () => (write.calls.get('create') ?? 0) + (write.calls.get('update') ?? 0),
    },
    {
      name: 'gorilla cookie store (held by the test)',
      gate: gorilla,
      store: heldSaves(
        createGorillaCookieStore<Data, Flash>({
          name: 'app',
          keyPairs: [random(), random()],
          crypto: 'web',
          ...insecure,
        }),
        gorilla,
      ),
    },
  ]
}

// Gorilla's codecs have no backend to hold: hold the store's save instead, after it started
// (and so after it read the session).
function heldSaves(inner: SessionStore<Data, Flash>, gate: Gate): SessionStore<Data, Flash> {
  return {
    name: inner.name,
    get: (cookie) => inner.get(cookie),
    create: () => inner.create(),
    save: (session) => {
      const saving = inner.save(session)
      return gate.pass('save').then(() => saving)
    },
    destroy: (session) => inner.destroy(session),
  }
}

/** Starts a save, runs `during` while it is held, and waits for the save. */
async function saveWhile(
  subject: Subject,
  registry: SessionRegistry,
  during: () => void,
): Promise<void> {
  subject.gate.close()
  const saving = registry.save()
  await subject.gate.held()
  during()
  subject.gate.open()
  await saving
}

async function reload(subject: Subject, registry: SessionRegistry): Promise<Session<Data, Flash>> {
  const cookie = registry.setCookies.map(cookiePair).join('; ')
  return new SessionRegistry(cookie).get(subject.store)
}

type Op =
  | { readonly kind: 'set'; readonly key: 'a' | 'b' | 'c'; readonly value: number }
  | { readonly kind: 'delete'; readonly key: 'a' | 'b' | 'c' }
  | { readonly kind: 'addFlash'; readonly value: string }
  | { readonly kind: 'readFlash' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
    value: fc.integer({ min: -5, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    key: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
  }),
  fc.record({ kind: fc.constant('addFlash' as const), value: fc.constantFrom('x', 'y') }),
  fc.record({ kind: fc.constant('readFlash' as const) }),
)

interface Model {
  readonly values: Map<string, number>
  flash: string[]
}

function apply(session: Session<Data, Flash>, model: Model, op: Op): void {
  switch (op.kind) {
    case 'set':
      session.set(op.key, op.value)
      model.values.set(op.key, op.value)
      return
    case 'delete':
      session.delete(op.key)
      model.values.delete(op.key)
      return
    case 'addFlash':
      session.addFlash(DEFAULT_FLASH_KEY, op.value)
      model.flash.push(op.value)
      return
    case 'readFlash':
      session.flashes(DEFAULT_FLASH_KEY)
      model.flash = []
      return
  }
}

describe('a save marks saved only what it wrote', () => {
  for (const subject of subjects()) {
    describe(subject.name, () => {
      it('a value set while the save runs stays dirty and the next save writes it', async () => {
        const registry = new SessionRegistry(undefined)
        const session = await registry.get(subject.store)
        session.set('a', 1)
        await saveWhile(subject, registry, () => {
          session.set('b', 2)
        })
        assert.equal(session.isDirty, true)
        await registry.save()
        assert.equal(session.isDirty, false)
        assert.deepEqual((await reload(subject, registry)).getAll(), { a: 1, b: 2 })
      })

      it('a key changed before the save and again during it keeps its last value', async () => {
        const registry = new SessionRegistry(undefined)
        const session = await registry.get(subject.store)
        session.set('a', 1)
        await saveWhile(subject, registry, () => {
          session.set('a', 2)
        })
        await registry.save()
        assert.equal((await reload(subject, registry)).get('a'), 2)
      })

      it('nothing changed while the save ran: the session is clean, the next save writes nothing', async () => {
        const registry = new SessionRegistry(undefined)
        const session = await registry.get(subject.store)
        session.set('a', 1)
        await saveWhile(subject, registry, () => undefined)
        assert.equal(session.isDirty, false)
        const writes = subject.writes?.()
        const before = registry.setCookies
        await registry.save()
        assert.deepEqual(registry.setCookies, before)
        assert.equal(subject.writes?.(), writes)
      })

      it('a destroy while the save runs is carried out by the next save', async () => {
        const registry = new SessionRegistry(undefined)
        const session = await registry.get(subject.store)
        session.set('a', 1)
        await saveWhile(subject, registry, () => {
          session.destroy()
        })
        assert.equal(session.isDirty, true)
        await registry.save()
        const [setCookie] = registry.setCookies
        assert.match(setCookie ?? '', /; Max-Age=0/)
      })

      it('property: changes before and during a save all reach the stored session', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(opArb, { maxLength: 6 }),
            fc.array(opArb, { minLength: 1, maxLength: 6 }),
            async (before, during) => {
              const model: Model = { values: new Map(), flash: [] }
              const registry = new SessionRegistry(undefined)
              const session = await registry.get(subject.store)
              for (const op of before) apply(session, model, op)
              // Something to write, so the first save reaches the gate.
              session.set('z', 0)
              model.values.set('z', 0)
              await saveWhile(subject, registry, () => {
                for (const op of during) apply(session, model, op)
              })
              await registry.save()
              const loaded = await reload(subject, registry)
              assert.deepEqual(
                new Map(loaded.entries() as [string, number][]),
                model.values,
                'values',
              )
              assert.deepEqual(loaded.flashes(DEFAULT_FLASH_KEY), model.flash, 'flashes')
            },
          ),
          { numRuns: 25 },
        )
      })
    })
  }
})

describe('server store: a session found gone by a save stays gone', () => {
  it('changed and saved again after another request removed it: no new record, no cookie', async () => {
    const memory = createMemoryDriver({ sweepInterval: 0 })
    const store = createServerStore<Data, Flash>({
      name: 'app',
      driver: memory,
      keys,
      cookie: { secure: false },
    })
    const first = new SessionRegistry(undefined)
    ;(await first.get(store)).set('a', 1)
    await first.save()
    const registry = new SessionRegistry(first.setCookies.map(cookiePair).join('; '))
    const session = await registry.get(store)
    await memory.delete(await sessionStorageKey(session.id ?? ''))
    session.set('a', 2)
    await registry.save()
    session.set('a', 3)
    await registry.save()
    assert.equal(memory.size, 0)
    const cookie = registry.setCookies.map(cookiePair).join('; ')
    assert.equal((await new SessionRegistry(cookie).get(store)).isNew, true)
  })
})
