// The conformance suites themselves, run through a runner that only records what they
// register: runStoreConformance is the three suites in order, titles carry no tracker ids, the
// per-test cleanup hook (what drivers sharing one server need), and the check that a driver
// left open keeps no process alive.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import type { SessionDriver } from '../src/core/driver.ts'
import { createMemoryDriver, type MemoryDriver } from '../src/drivers/memory.ts'
import {
  runDriverConformance,
  runFaultConformance,
  runServerStoreConformance,
  runStoreConformance,
  type ConformanceTestApi,
  type StoreConformanceOptions,
} from '../src/testing.ts'

interface Registered {
  readonly title: string
  readonly body: () => Promise<void>
}

/** A runner that runs `describe` bodies at once and keeps each test to run later. */
function recorder(): { readonly test: ConformanceTestApi; readonly tests: Registered[] } {
  const tests: Registered[] = []
  const path: string[] = []
  return {
    tests,
    test: {
      describe(name, fn) {
        path.push(name)
        try {
          fn()
        } finally {
          path.pop()
        }
      },
      it(name, body) {
        tests.push({ title: [...path, name].join(' > '), body })
      },
    },
  }
}

type Run = (options: StoreConformanceOptions) => void

function titles(run: Run, extra: Partial<StoreConformanceOptions> = {}): string[] {
  const { test, tests } = recorder()
  run({ name: 'memory', createDriver: ({ now }) => createMemoryDriver({ now }), test, ...extra })
  return tests.map(({ title }) => title)
}

/** Runs every registered test in order; the titles of those that failed, with the reason. */
async function failures(tests: readonly Registered[]): Promise<string[]> {
  const failed: string[] = []
  for (const { title, body } of tests) {
    try {
      await body()
    } catch (error) {
      failed.push(`${title}: ${String(error)}`)
    }
  }
  return failed
}

/**
 * One server that every test's driver talks to, as a Redis or PostgreSQL server in CI would
 * be: each test gets its own driver object, closing it leaves the server's data alone.
 */
function sharedServer() {
  const server: MemoryDriver = createMemoryDriver({ sweepInterval: 0 })
  const made: { readonly driver: SessionDriver; readonly closed: () => boolean }[] = []
  return {
    server,
    made,
    createDriver(): SessionDriver {
      let closed = false
      const driver: SessionDriver = {
        ...server,
        close: () => {
          closed = true
          return Promise.resolve()
        },
      }
      made.push({ driver, closed: () => closed })
      return driver
    },
  }
}

describe('conformance suites', () => {
  it('runStoreConformance registers the driver contract, server store and fault suites, in order', () => {
    const whole = titles(runStoreConformance)
    const parts = [
      ...titles(runDriverConformance),
      ...titles(runServerStoreConformance),
      ...titles(runFaultConformance),
    ]
    assert.deepEqual(whole, parts)
    const groups = [...new Set(whole.map((title) => title.split(' > ')[0]))]
    assert.deepEqual(groups, [
      'memory: driver contract',
      'memory: server store',
      'memory: requests in flight',
      'memory: faults',
    ])
  })

  it('test titles carry no tracker ids: those go in comments', () => {
    const all = titles(runStoreConformance, { activeResources: () => [] })
    assert.ok(all.length > 70, `${all.length} tests`)
    assert.deepEqual(
      all.filter((title) => /\b[A-Z]{2,5}-\d+\b/.test(title)),
      [],
    )
  })
})

describe('conformance suites: the cleanup hook', () => {
  it('on a shared server, the whole suite passes with cleanup and fails without it', async () => {
    const shared = sharedServer()
    const cleaned: { driver: SessionDriver; closedFirst: boolean }[] = []
    const { test, tests } = recorder()
    runStoreConformance({
      name: 'shared',
      createDriver: () => shared.createDriver(),
      test,
      cleanup: async ({ driver }) => {
        const entry = shared.made.find((made) => made.driver === driver)
        cleaned.push({ driver, closedFirst: entry?.closed() === true })
        await shared.server.deleteAll()
      },
    })
    assert.deepEqual(await failures(tests), [])
    assert.equal(shared.made.length, tests.length, 'one driver per test')
    assert.equal(cleaned.length, tests.length, 'one cleanup per test')
    assert.deepEqual(
      cleaned.map(({ driver }) => driver),
      shared.made.map(({ driver }) => driver),
      'each cleanup gets the driver of its own test',
    )
    assert.ok(
      cleaned.every(({ closedFirst }) => closedFirst),
      'the driver is closed before cleanup',
    )
    assert.equal(shared.server.size, 0)

    // The same server without the hook: what one test leaves, the next one finds.
    const leaky = sharedServer()
    const again = recorder()
    runStoreConformance({
      name: 'leaky',
      createDriver: () => leaky.createDriver(),
      test: again.test,
    })
    const failed = await failures(again.tests)
    assert.ok(
      failed.some((title) => title.startsWith('leaky: driver contract > prune and deleteAll')),
      failed.join('\n'),
    )
    await leaky.server.close()
    await shared.server.close()
  })

  it('runs after a failing test and after a failing close, and its own failure fails the test', async () => {
    for (const broken of ['get', 'close'] as const) {
      const cleaned: string[] = []
      const { test, tests } = recorder()
      runDriverConformance({
        name: `broken ${broken}`,
        createDriver: ({ now }) => {
          const inner = createMemoryDriver({ now })
          const fail = (): Promise<never> => Promise.reject(new Error(`broken ${broken}`))
          if (broken === 'get') return { ...inner, get: fail }
          return { ...inner, close: () => inner.close().then(fail) }
        },
        test,
        cleanup: ({ driver }) => {
          cleaned.push(driver.name)
        },
      })
      const failed = await failures(tests)
      assert.ok(failed.length > 0, `${broken}: tests fail`)
      assert.ok(
        failed.every((reason) => reason.endsWith(`Error: broken ${broken}`)),
        failed[0],
      )
      if (broken === 'close')
        assert.equal(failed.length, tests.length, 'a failing close fails each')
      assert.equal(cleaned.length, tests.length, `${broken}: every test is cleaned up`)
    }

    const refusing = recorder()
    runFaultConformance({
      name: 'refusing cleanup',
      createDriver: ({ now }) => createMemoryDriver({ now }),
      test: refusing.test,
      cleanup: () => Promise.reject(new Error('cannot reach the server')),
    })
    const reasons = await failures(refusing.tests)
    assert.equal(reasons.length, refusing.tests.length)
    assert.ok(reasons.every((reason) => reason.endsWith('Error: cannot reach the server')))
  })

  it('does not run when createDriver fails: there is nothing to clean', async () => {
    let cleanups = 0
    const { test, tests } = recorder()
    runFaultConformance({
      name: 'no driver',
      createDriver: () => Promise.reject(new Error('no server')),
      test,
      cleanup: () => {
        cleanups++
      },
    })
    const failed = await failures(tests)
    assert.equal(failed.length, tests.length)
    assert.ok(failed.every((reason) => reason.endsWith('Error: no server')))
    assert.equal(cleanups, 0)
  })
})

describe('conformance suites: a driver left open keeps no process alive', () => {
  const title = 'a driver left open keeps nothing alive: a process that never closes it exits'

  function keepAlive(createDriver: () => SessionDriver): Registered | undefined {
    const { test, tests } = recorder()
    runDriverConformance({
      name: 'd',
      createDriver,
      test,
      activeResources: () => process.getActiveResourcesInfo(),
    })
    return tests.find((registered) => registered.title.endsWith(title))
  }

  it('is registered only with activeResources', () => {
    assert.equal(titles(runDriverConformance).filter((t) => t.endsWith(title)).length, 0)
    assert.equal(
      titles(runDriverConformance, { activeResources: () => [] }).filter((t) => t.endsWith(title))
        .length,
      1,
    )
  })

  it('passes for a driver whose sweeper is unref’d, fails for one whose timer is not', async () => {
    const quiet = keepAlive(() => createMemoryDriver({ sweepInterval: 1000 }))
    assert.ok(quiet !== undefined)
    await quiet.body()
    const noisy = keepAlive(() => {
      const inner = createMemoryDriver({ sweepInterval: 0 })
      const timer = setInterval(() => undefined, 60_000)
      return {
        ...inner,
        close: () => {
          clearInterval(timer)
          return inner.close()
        },
      }
    })
    assert.ok(noisy !== undefined)
    await assert.rejects(
      noisy.body(),
      /what the open driver keeps alive: expected \[\], got \["Timeout"\]/,
    )
  })
})

describe('conformance suites: a driver whose writes are not atomic with delete', () => {
  const roundTrip = (): Promise<void> =>
    new Promise((resolve) => {
      setTimeout(resolve, 1)
    })

  // Checks that the record is there, then writes it back a round trip later, as a SQL driver
  // doing SELECT then an upsert outside a transaction would: a delete in between is undone.
  function writesBackAfterCheck(now: () => number): SessionDriver {
    const inner = createMemoryDriver({ now, sweepInterval: 0 })
    const writeBack = async (id: string, at: number): Promise<boolean> => {
      const found = await inner.get(id, at)
      if (found === undefined) return false
      await roundTrip()
      if ((await inner.get(id, at)) === undefined) await inner.create(found, at)
      return true
    }
    return {
      ...inner,
      update: async (id, patch, at) =>
        (await writeBack(id, at)) ? inner.update(id, patch, at) : { status: 'missing' },
      touch: async (id, lastSeenAt, expiresAt, at) =>
        (await writeBack(id, at)) && inner.touch(id, lastSeenAt, expiresAt, at),
    }
  }

  it('fails the race test, and only that one', async () => {
    const { test, tests } = recorder()
    runDriverConformance({
      name: 'write-back',
      createDriver: ({ now }) => writesBackAfterCheck(now),
      test,
    })
    const failed = await failures(tests)
    assert.equal(failed.length, 1, failed.join('\n'))
    assert.match(failed[0] ?? '', /update and touch racing delete never bring the record back/)
    assert.match(failed[0] ?? '', /get after the race/)
  })

  it('passes for the memory driver', async () => {
    const { test, tests } = recorder()
    runDriverConformance({
      name: 'memory',
      createDriver: ({ now }) => createMemoryDriver({ now }),
      test,
    })
    assert.deepEqual(await failures(tests), [])
  })
})
