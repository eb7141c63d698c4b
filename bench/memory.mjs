// Memory per stored session, for the in-process stores: `node --expose-gc bench/memory.mjs
// [--quick]`. Each store row fills a fresh store with N distinct sessions (the small and the
// large payload, the same objects for every store) and reports the retained heap (+ external)
// growth per session after a full GC. The filesystem and SQLite drivers keep nothing per
// session in the heap, so they have no row.
import console from 'node:console'
import process from 'node:process'
import expressSession from 'express-session'
import { PAYLOADS } from './lib/common.mjs'
import { openDriver } from './lib/drivers.mjs'

const quick = process.argv.includes('--quick')
const COUNT = quick ? 5_000 : 20_000

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
const gc = globalThis.gc

const STORES = [
  {
    id: 'express-session-memory',
    label: 'express-session MemoryStore (JSON string per session)',
    create() {
      const store = new expressSession.MemoryStore()
      return {
        keep: store,
        set: (id, data) =>
          new Promise((resolve, reject) => {
            const record = {
              cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' },
              ...data,
            }
            store.set(id, record, (error) => (error ? reject(error) : resolve()))
          }),
      }
    },
  },
  {
    id: 'sk-memory',
    label: 'sessionkit memory driver (structured-cloned record per session, LRU Map)',
    async create() {
      // maxSessions above the count, so nothing is evicted; no sweeper.
      const driver = await openDriver('memory', { maxSessions: COUNT + 1 })
      const now = Date.now()
      return {
        keep: driver,
        set: async (id, data) => {
          const created = await driver.create(
            {
              id,
              values: data,
              flash: {},
              version: 1,
              createdAt: now,
              lastSeenAt: now,
              expiresAt: now + 86_400_000,
              userKey: undefined,
              meta: undefined,
            },
            now,
          )
          if (!created) throw new Error('sessionkit memory driver refused a new id')
        },
        check: () => driver.size,
      }
    },
  },
]

function used() {
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

function settle() {
  for (let i = 0; i < 3; i++) gc()
}

const rows = []
for (const [size, payload] of Object.entries(PAYLOADS)) {
  for (const spec of STORES) {
    if (spec.pending !== undefined) {
      rows.push({ id: spec.id, label: spec.label, size, pending: spec.pending })
      continue
    }
    settle()
    const before = used()
    const store = await spec.create()
    for (let i = 0; i < COUNT; i++) {
      // 43 characters of base64url: a valid sessionkit id, and an express-session sid.
      const id = `sid_${size.padEnd(5, '_')}${i.toString(36).padStart(8, '0')}-kX3l9vQ2mB7nR4tY8w3hG0aZz`
      await store.set(id, { ...payload, userId: `u_${i}` })
    }
    if (store.check !== undefined && store.check() !== COUNT) throw new Error('sessions missing')
    settle()
    const after = used()
    rows.push({
      id: spec.id,
      label: spec.label,
      size,
      sessions: COUNT,
      bytesPerSession: (after - before) / COUNT,
    })
    console.error(
      `  [memory] ${spec.id} ${size}: ${((after - before) / COUNT).toFixed(0)} bytes/session`,
    )
    if (store.keep === undefined) throw new Error('unreachable')
  }
}
const output = { sessions: COUNT, rows }
if (process.send) process.send(output, () => process.exit(0))
else console.log(JSON.stringify(output, null, 2))
