import { SessionSaveError } from '../errors.ts'
import type { SessionDriver } from '../core/driver.ts'
import { SessionRegistry } from '../core/registry.ts'
import { check, onlySaveError, rejection, same, storeError } from './assert.ts'
import { parseSetCookie } from './cookie-jar.ts'
import { createSuite, type Suite } from './harness.ts'
import type { StoreConformanceOptions } from './options.ts'
import { login, visit } from './visit.ts'

/**
 * Registers the fault suite: the driver wrapped so its calls throw or hang, under a server
 * store with a short per-call timeout (`faultTimeout`). A failing or hanging load rejects
 * with `SessionStoreError` and sends no cookie, a failing or hanging write gives
 * `SessionSaveError` without a cookie, a failed delete still clears the cookie, and the store
 * works again once the faults clear: it fails closed, never open.
 */
export function runFaultConformance<Driver extends SessionDriver>(
  options: StoreConformanceOptions<Driver>,
): void {
  const suite = createSuite(options)
  suite.describe(`${suite.name}: faults`, () => {
    faultTests(suite)
  })
}

function faultTests(suite: Suite): void {
  const { test } = suite
  // STO-03
  test(
    'a failing driver: the load rejects with SessionStoreError, no fresh session, no cookie',
    async (h) => {
      const { jar } = await login(h.store)
      h.probe.fail('throw', 'get')
      const registry = new SessionRegistry(jar.header)
      const error = await rejection(registry.get(h.store), 'load')
      storeError(error, 'get', false, 'load')
      same((await registry.save()).length, 0, 'Set-Cookie after a failed load')
    },
    { timeout: suite.faultTimeout },
  )

  // STO-02
  test(
    'a hanging driver: the load rejects with timedOut within the timeout',
    async (h) => {
      const { jar } = await login(h.store)
      h.probe.fail('hang', 'get')
      const started = Date.now()
      const error = await rejection(visit(h.store, jar), 'load')
      const elapsed = Date.now() - started
      storeError(error, 'get', true, 'load')
      check(
        elapsed >= suite.faultTimeout - 5,
        `rejected after ${elapsed} ms, before the ${suite.faultTimeout} ms timeout`,
      )
      check(elapsed < suite.faultTimeout + 2000, `rejected only after ${elapsed} ms`)
    },
    { timeout: suite.faultTimeout },
  )

  // STO-04
  test(
    'a write failure at save: SessionSaveError and no cookie',
    async (h) => {
      h.probe.fail('throw', 'create')
      const fresh = new SessionRegistry(undefined)
      ;(await fresh.get(h.store)).set('user', 'u1')
      storeError(
        onlySaveError(await rejection(Promise.resolve(fresh.save()), 'create'), 'create'),
        'create',
        false,
        'create',
      )
      same(fresh.setCookies.length, 0, 'no Set-Cookie for an unsaved new session')
      h.probe.heal()
      const { jar } = await login(h.store)
      h.probe.fail('throw', 'update')
      const registry = new SessionRegistry(jar.header)
      ;(await registry.get(h.store)).set('x', 1)
      storeError(
        onlySaveError(await rejection(Promise.resolve(registry.save()), 'update'), 'update'),
        'update',
        false,
        'update',
      )
      same(registry.setCookies.length, 0, 'no Set-Cookie for a failed update')
    },
    { timeout: suite.faultTimeout },
  )

  test(
    'a hanging write at save times out with SessionSaveError',
    async (h) => {
      const { jar } = await login(h.store)
      h.probe.fail('hang', 'update', 'touch')
      const registry = new SessionRegistry(jar.header)
      ;(await registry.get(h.store)).set('x', 1)
      const error = onlySaveError(await rejection(Promise.resolve(registry.save()), 'save'), 'save')
      storeError(error, 'update', true, 'save')
    },
    { timeout: suite.faultTimeout },
  )

  // STO-06
  test(
    'a failed delete at logout: the error surfaces and the cookie is still cleared',
    async (h) => {
      const { jar, id } = await login(h.store)
      h.probe.fail('throw', 'delete')
      const registry = new SessionRegistry(jar.header)
      ;(await registry.get(h.store)).destroy()
      const error = await rejection(Promise.resolve(registry.save()), 'logout')
      check(error instanceof SessionSaveError, 'SessionSaveError')
      storeError(error.errors[0]?.error, 'delete', false, 'logout')
      same(error.setCookies.length, 1, 'the deletion cookie handed over')
      same(parseSetCookie(error.setCookies[0] ?? '').deleted, true, 'a deletion cookie')
      check((await h.stored(id)) !== undefined, 'the record could not be deleted')
      h.probe.heal()
      await visit(h.store, jar, (s) => {
        s.destroy()
      })
      same(await h.stored(id), undefined, 'a retried logout deletes it')
    },
    { timeout: suite.faultTimeout },
  )

  // STO-05
  test(
    'after the faults clear, the same store works again',
    async (h) => {
      const { jar } = await login(h.store)
      h.probe.fail('throw', 'get', 'create', 'update', 'touch', 'delete')
      await rejection(visit(h.store, jar), 'during the outage')
      h.probe.fail('hang', 'get')
      await rejection(visit(h.store, jar), 'during the hang')
      h.probe.heal()
      await visit(h.store, jar, (s) => {
        same(s.get('user'), 'u1', 'the session survived the outage')
        s.set('after', true)
      })
      const again = await login(h.store)
      await visit(h.store, again.jar, (s) => {
        same(s.get('user'), 'u1', 'new sessions work')
      })
    },
    { timeout: suite.faultTimeout },
  )
}
