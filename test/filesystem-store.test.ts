// The filesystem driver: the conformance suite, plus what only a filesystem store has to get
// right: hostile ids and user keys never reach a path (TRV-01..04, TRV-08), atomic writes and
// locking (STO-07), modes and symlinks (STO-08), exclusive create (STO-09), corrupt files
// (STO-10, STO-13), hashed lower-case names (STO-12, STO-14), prune and the sweeper (EXP-11).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  chmod,
  mkdir,
  readdir,
  readFile,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'

import type { SessionPatch } from '../src/core/driver.ts'
import { generateSessionId } from '../src/lib/session-id.ts'
import { createFilesystemDriver, type FilesystemDriver } from '../src/filesystem.ts'
import { createTestClock, runStoreConformance } from '../src/testing.ts'
import { makeTempDir, removeTempDirs, tree, treePaths } from './support/fs-temp.ts'
import { HOUR, record } from './support/records.ts'

after(removeTempDirs)

runStoreConformance({
  name: 'filesystem',
  createDriver: async ({ now }) => createFilesystemDriver({ directory: await makeTempDir(), now }),
  test: { describe, it },
  // EXP-11: the sweeper is unref'd, so a process that never closes the store still exits.
  activeResources: () => process.getActiveResourcesInfo(),
  // Real files with fsync: on a loaded machine a call can take longer than the default 50 ms,
  // which would fail the fault tests' own logins rather than the faults they inject.
  faultTimeout: 500,
})

function patch(at: number, set: Record<string, unknown>, extra: Partial<SessionPatch> = {}) {
  return {
    set,
    unset: [],
    flashSet: {},
    flashUnset: [],
    lastSeenAt: at,
    expiresAt: at + HOUR,
    ...extra,
  } satisfies SessionPatch
}

/** A driver on a fresh directory `<tmp>/store`; `parent` is `<tmp>`. */
async function fresh(options: Partial<Parameters<typeof createFilesystemDriver>[0]> = {}) {
  const parent = await makeTempDir()
  const directory = join(parent, 'store')
  const driver = createFilesystemDriver({ directory, sweepInterval: 0, ...options })
  return { parent, directory, driver }
}

/** The single record file of the store (its path). */
async function onlyRecordFile(directory: string): Promise<string> {
  const names = (await readdir(join(directory, 'sessions'))).filter((n) => n.endsWith('.json'))
  assert.equal(names.length, 1, `record files: ${names.join(', ')}`)
  return join(directory, 'sessions', names[0]!)
}

async function using<T>(driver: FilesystemDriver, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } finally {
    await driver.close()
  }
}

describe('filesystem driver: names and paths', () => {
  it('file names are lower-case SHA-256 hex, never an id or user key (STO-12, STO-14, TRV-08)', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const records = [
        record(clock.ms, { userKey: 'alice@example.com' }),
        record(clock.ms, { userKey: '../../etc/passwd' }),
        record(clock.ms),
      ]
      for (const rec of records) assert.equal(await driver.create(rec, clock.ms), true)
      const paths = await treePaths(directory)
      for (const path of paths) {
        assert.match(path, /^(sessions|users)(\/[0-9a-f]{64}(\.json)?){0,2}$/, path)
        for (const rec of records) {
          assert.ok(!path.includes(rec.id), 'an id in a path')
          assert.ok(!path.toLowerCase().includes(rec.id.toLowerCase()), 'an id in a path')
        }
        assert.ok(!path.includes('alice') && !path.includes('etc'), 'a user key in a path')
      }
      assert.equal(paths.filter((p) => p.endsWith('.json')).length, 3)
      // Ids differing only in case are different sessions (case-insensitive filesystems too).
      const first = records[0]!
      const swapped = first.id.replace(/[a-z]/gi, (c) =>
        c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase(),
      )
      assert.notEqual(swapped, first.id)
      assert.equal(await driver.get(swapped, clock.ms), undefined)
      assert.equal((await driver.listByUser('../../etc/passwd', clock.ms)).length, 1)
    })
  })

  it('hostile ids never touch the filesystem outside, nor create anything (TRV-01..04)', async () => {
    const { parent, directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      // Open the directory first, so that the listing below is the baseline.
      await driver.get(generateSessionId(), clock.ms)
      const before = await treePaths(directory)
      const outside = await treePaths(parent)
      const hostile = [
        '../x',
        '..%2fx',
        '..%2Fx',
        '..\\x',
        '/etc/passwd',
        'C:\\x',
        'x/../../y',
        'a%00b',
        'a\u0000b',
        '\u2024\u2024/x',
        '\uFF0E\uFF0E/x',
        'x\u0301',
        'CON',
        'NUL',
        'aux.json',
        'trailing. ',
        '',
        '.',
        '..',
        'x'.repeat(255),
        'x'.repeat(4096),
        '../'.repeat(13) + 'abcd', // 43 characters
        '.'.repeat(43),
        'a'.repeat(42) + '/',
        'a'.repeat(42) + '\u0000',
        'a'.repeat(44),
      ]
      for (const id of hostile) {
        const what = JSON.stringify(id.slice(0, 50))
        assert.equal(await driver.get(id, clock.ms), undefined, `get ${what}`)
        assert.deepEqual(
          await driver.update(id, patch(clock.ms, { x: 1 }), clock.ms),
          { status: 'missing' },
          `update ${what}`,
        )
        assert.equal(await driver.touch(id, clock.ms, clock.ms + HOUR, clock.ms), false)
        assert.equal(await driver.delete(id), false, `delete ${what}`)
        await assert.rejects(driver.create(record(clock.ms, { id }), clock.ms), `create ${what}`)
        assert.deepEqual(await driver.deleteByUser(id, id), [])
        assert.deepEqual(await driver.listByUser(id, clock.ms), [])
      }
      assert.deepEqual(await treePaths(directory), before)
      assert.deepEqual(await treePaths(parent), outside)
    })
  })
})

describe('filesystem driver: atomic writes and locking (STO-07)', () => {
  it('50 concurrent updates of one session keep every key, and the file always parses', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const rec = record(clock.ms, { values: { base: true } })
      await driver.create(rec, clock.ms)
      const file = await onlyRecordFile(directory)
      let done = false
      let reads = 0
      const reader = (async () => {
        while (!done) {
          const parsed = JSON.parse(await readFile(file, 'utf8')) as { id: string }
          assert.equal(parsed.id, rec.id)
          reads += 1
          await new Promise((resolve) => setImmediate(resolve))
        }
      })()
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          driver.update(rec.id, patch(clock.ms, { [`k${i}`]: i }), clock.ms),
        ),
      )
      done = true
      await reader
      assert.ok(reads > 0)
      assert.deepEqual(
        results.map((r) => r.status).filter((s) => s !== 'updated'),
        [],
      )
      assert.deepEqual(
        results.map((r) => (r.status === 'updated' ? r.version : 0)).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 2),
      )
      const got = await driver.get(rec.id, clock.ms)
      assert.equal(got?.version, 51)
      assert.equal(Object.keys(got.values).length, 51)
      for (let i = 0; i < 50; i++) assert.equal(got.values[`k${i}`], i)
      // Nothing left behind: no temp files, no lock files.
      assert.deepEqual(
        (await readdir(join(directory, 'sessions'))).map((n) => n.replace(/^[0-9a-f]{64}/, 'H')),
        ['H.json'],
      )
    })
  })

  it('two stores on one directory (two processes) serialize through the lock file', async () => {
    const { directory, driver: a } = await fresh()
    const b = createFilesystemDriver({ directory, sweepInterval: 0 })
    const clock = createTestClock()
    try {
      const rec = record(clock.ms, { values: {} })
      await a.create(rec, clock.ms)
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? a : b).update(rec.id, patch(clock.ms, { [`k${i}`]: i }), clock.ms),
        ),
      )
      const got = await b.get(rec.id, clock.ms)
      assert.equal(got?.version, 41)
      assert.equal(Object.keys(got.values).length, 40)
      // Exclusive create across the two as well.
      const racing = record(clock.ms)
      const created = await Promise.all([a.create(racing, clock.ms), b.create(racing, clock.ms)])
      assert.deepEqual(created.sort(), [false, true])
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('concurrent creates of different sessions each get their own intact file (unique temp names)', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const records = Array.from({ length: 50 }, (_, i) =>
        record(clock.ms, { values: { i, pad: 'x'.repeat(2000) } }),
      )
      const created = await Promise.all(records.map((rec) => driver.create(rec, clock.ms)))
      assert.ok(created.every(Boolean))
      for (const [i, rec] of records.entries()) {
        assert.equal((await driver.get(rec.id, clock.ms))?.values['i'], i)
      }
      const names = await readdir(join(directory, 'sessions'))
      assert.equal(names.length, 50)
      assert.ok(names.every((n) => /^[0-9a-f]{64}\.json$/.test(n)))
    })
  })

  it('a crash between write and rename leaves the old record intact; prune reaps the temp file', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const rec = record(clock.ms, { values: { old: true } })
      await driver.create(rec, clock.ms)
      const file = await onlyRecordFile(directory)
      const newer = (await readFile(file, 'utf8')).replace('"old":true', '"old":false')
      // What a writer killed before its rename leaves: a half-written temp file.
      const stale = join(directory, 'sessions', `.tmp-${'a'.repeat(32)}`)
      const inFlight = join(directory, 'sessions', `.tmp-${'b'.repeat(32)}`)
      await writeFile(stale, newer.slice(0, newer.length >> 1))
      await writeFile(inFlight, newer.slice(0, 10))
      const minutesAgo = new Date(Date.now() - 5 * 60_000)
      await utimes(stale, minutesAgo, minutesAgo)
      assert.deepEqual((await driver.get(rec.id, clock.ms))?.values, { old: true })
      assert.deepEqual(await driver.prune(clock.ms), [])
      const names = await readdir(join(directory, 'sessions'))
      assert.ok(!names.includes(stale.slice(-37)), 'the stale temp file is reaped')
      assert.ok(
        names.includes(`.tmp-${'b'.repeat(32)}`),
        'a recent temp file (a write in flight) stays',
      )
      assert.deepEqual((await driver.get(rec.id, clock.ms))?.values, { old: true })
    })
  })

  it('a lock left by a crashed process is broken once stale; a live one makes writers wait, then fail', async () => {
    const { directory, driver } = await fresh({ lockTimeout: 60, staleLockTimeout: 5000 })
    const clock = createTestClock()
    await using(driver, async () => {
      const rec = record(clock.ms)
      await driver.create(rec, clock.ms)
      const lock = (await onlyRecordFile(directory)).replace(/\.json$/, '.lock')
      await writeFile(lock, '')
      const started = Date.now()
      await assert.rejects(
        driver.update(rec.id, patch(clock.ms, { x: 1 }), clock.ms),
        /Timed out waiting for the lock/,
      )
      assert.ok(Date.now() - started >= 55)
      assert.equal((await driver.get(rec.id, clock.ms))?.version, 1, 'nothing written')
      const old = new Date(Date.now() - 60_000)
      await utimes(lock, old, old)
      assert.deepEqual(await driver.update(rec.id, patch(clock.ms, { x: 1 }), clock.ms), {
        status: 'updated',
        version: 2,
      })
      assert.ok(!(await readdir(join(directory, 'sessions'))).some((n) => n.endsWith('.lock')))
    })
  })

  it('a record over maxRecordBytes is refused and leaves nothing behind', async () => {
    const { directory, driver } = await fresh({ maxRecordBytes: 4096 })
    const clock = createTestClock()
    await using(driver, async () => {
      const big = record(clock.ms, { values: { blob: 'x'.repeat(5000) } })
      await assert.rejects(driver.create(big, clock.ms), /maxRecordBytes/)
      const small = record(clock.ms)
      assert.equal(await driver.create(small, clock.ms), true)
      await assert.rejects(
        driver.update(small.id, patch(clock.ms, { blob: 'x'.repeat(5000) }), clock.ms),
        /maxRecordBytes/,
      )
      assert.deepEqual((await driver.get(small.id, clock.ms))?.values, { a: 1 })
      assert.equal((await readdir(join(directory, 'sessions'))).length, 1)
    })
  })
})

describe('filesystem driver: modes and symlinks (STO-08)', () => {
  for (const umask of [0o000, 0o277]) {
    it(`files are 0600 and directories 0700 under umask ${umask.toString(8).padStart(3, '0')}`, async () => {
      const previous = process.umask(umask)
      try {
        const { directory, driver } = await fresh()
        const clock = createTestClock()
        await using(driver, async () => {
          const rec = record(clock.ms, { userKey: 'u1' })
          await driver.create(rec, clock.ms)
          await driver.update(rec.id, patch(clock.ms, { b: 2 }, { userKey: 'u2' }), clock.ms)
          await driver.touch(rec.id, clock.ms, clock.ms + HOUR, clock.ms)
          assert.equal((await stat(directory)).mode & 0o777, 0o700)
          const entries = await tree(directory)
          assert.ok(entries.some((e) => e.kind === 'file' && e.path.startsWith('users/')))
          for (const entry of entries) {
            assert.notEqual(entry.kind, 'symlink')
            assert.equal(entry.mode, entry.kind === 'dir' ? 0o700 : 0o600, entry.path)
          }
        })
      } finally {
        process.umask(previous)
      }
    })
  }

  it('an existing directory with a loose mode is tightened to 0700', async () => {
    const parent = await makeTempDir()
    const directory = join(parent, 'loose')
    await mkdir(directory)
    await chmod(directory, 0o755)
    const driver = createFilesystemDriver({ directory, sweepInterval: 0 })
    const clock = createTestClock()
    await using(driver, async () => {
      await driver.create(record(clock.ms), clock.ms)
      assert.equal((await stat(directory)).mode & 0o777, 0o700)
    })
  })

  it('a symlink planted as a session file is never followed, and is removed', async () => {
    const { parent, directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const rec = record(clock.ms, { values: { mine: true } })
      await driver.create(rec, clock.ms)
      const file = await onlyRecordFile(directory)
      // The attacker's file holds a valid record for the id, outside the directory.
      const target = join(parent, 'outside.json')
      const content = (await readFile(file, 'utf8')).replace('"mine":true', '"mine":"evil"')
      await writeFile(target, content)
      await unlink(file)
      await symlink(target, file)
      assert.equal(await driver.get(rec.id, clock.ms), undefined)
      await assert.rejects(
        stat(file).then(() => readFile(file)),
        { code: 'ENOENT' },
      )
      await symlink(target, file)
      assert.deepEqual(await driver.update(rec.id, patch(clock.ms, { x: 1 }), clock.ms), {
        status: 'missing',
      })
      assert.equal(await driver.touch(rec.id, clock.ms, clock.ms + HOUR, clock.ms), false)
      assert.equal(await readFile(target, 'utf8'), content, 'the target is untouched')
      // A new session under that id replaces the link, not the target.
      await symlink(target, file).catch(() => undefined)
      assert.equal(await driver.create(rec, clock.ms), true)
      assert.equal(await readFile(target, 'utf8'), content, 'the target is untouched')
      assert.deepEqual((await driver.get(rec.id, clock.ms))?.values, { mine: true })
    })
  })

  it('a FIFO planted as a session file does not hang a read', async (t) => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const rec = record(clock.ms)
      await driver.create(rec, clock.ms)
      const file = await onlyRecordFile(directory)
      await unlink(file)
      const made = spawnSync('mkfifo', [file])
      if (made.status !== 0) {
        t.skip('mkfifo is not available')
        return
      }
      assert.equal(await driver.get(rec.id, clock.ms), undefined)
      assert.equal(await driver.create(rec, clock.ms), true)
      assert.ok(await driver.get(rec.id, clock.ms))
    })
  })
})

describe('filesystem driver: exclusive create and corrupt files', () => {
  it('create with an existing id returns false and leaves the file as it was (STO-09)', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const rec = record(clock.ms, { values: { first: true } })
      assert.equal(await driver.create(rec, clock.ms), true)
      const file = await onlyRecordFile(directory)
      const before = await stat(file)
      const content = await readFile(file, 'utf8')
      assert.equal(await driver.create({ ...rec, values: { second: true } }, clock.ms), false)
      const afterwards = await stat(file)
      assert.equal(afterwards.ino, before.ino)
      assert.equal(await readFile(file, 'utf8'), content)
    })
  })

  const corrupt: [string, (valid: string, other: string) => string | Uint8Array][] = [
    ['empty', () => ''],
    ['truncated', (valid) => valid.slice(0, valid.length - 7)],
    ['not JSON', () => 'hello'],
    ['JSON of the wrong shape', () => '{"format":1,"values":[]}'],
    ['an array', () => '[]'],
    ['a wrong version field', (valid) => valid.replace('"version":1', '"version":-1')],
    ['another id inside (STO-13)', (_valid, other) => other],
    ['invalid UTF-8', () => new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['prefixed with a byte order mark', (valid) => `\ufeff${valid}`],
    ['over maxRecordBytes', (valid) => valid.replace('"a":1', `"a":"${'x'.repeat(70_000)}"`)],
  ]
  for (const [what, make] of corrupt) {
    it(`a file that is ${what} is no session and is removed (STO-10)`, async () => {
      const { directory, driver } = await fresh({ maxRecordBytes: 65_536 })
      const clock = createTestClock()
      await using(driver, async () => {
        const other = record(clock.ms)
        await driver.create(other, clock.ms)
        const otherFile = await onlyRecordFile(directory)
        const otherContent = await readFile(otherFile, 'utf8')
        await driver.delete(other.id)
        const rec = record(clock.ms, { userKey: 'u1' })
        await driver.create(rec, clock.ms)
        const file = await onlyRecordFile(directory)
        await writeFile(file, make(await readFile(file, 'utf8'), otherContent))
        assert.equal(await driver.get(rec.id, clock.ms), undefined)
        assert.deepEqual(await readdir(join(directory, 'sessions')), [], 'the file is removed')
        assert.equal(await driver.get(rec.id, clock.ms), undefined, 'again: no error')
        assert.deepEqual(await driver.listByUser('u1', clock.ms), [])
        assert.equal(await driver.create(rec, clock.ms), true, 'the id can be used again')
        // Through update as well.
        await writeFile(file, make(await readFile(file, 'utf8'), otherContent))
        assert.deepEqual(await driver.update(rec.id, patch(clock.ms, { x: 1 }), clock.ms), {
          status: 'missing',
        })
        assert.deepEqual(await readdir(join(directory, 'sessions')), [])
      })
    })
  }
})

describe('filesystem driver: prune and the sweeper', () => {
  it('prune removes expired files, stale temp and lock files and orphaned index entries, and keeps live ones', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      const short = record(clock.ms, { expiresAt: clock.ms + 1000, userKey: 'u1' })
      const long = record(clock.ms, { userKey: 'u1' })
      const other = record(clock.ms, { userKey: 'u2', expiresAt: clock.ms + 1000 })
      for (const rec of [short, long, other]) await driver.create(rec, clock.ms)
      // An orphaned marker (a crash between the marker and the record) and a stale lock.
      const [userDir] = (await readdir(join(directory, 'users'))).map((n) =>
        join(directory, 'users', n),
      )
      const orphan = join(userDir!, 'f'.repeat(64))
      await writeFile(orphan, '')
      const lock = join(directory, 'sessions', `${'e'.repeat(64)}.lock`)
      await writeFile(lock, '')
      const old = new Date(Date.now() - 5 * 60_000)
      await utimes(lock, old, old)
      assert.deepEqual(await driver.prune(clock.ms + 999), [])
      const removed = await driver.prune(clock.ms + 1000)
      assert.deepEqual(removed.sort(), [short.id, other.id].sort())
      assert.ok(await driver.get(long.id, clock.ms + 1000))
      const paths = await treePaths(directory)
      assert.equal(paths.filter((p) => p.endsWith('.json')).length, 1)
      assert.ok(!paths.some((p) => p.endsWith('.lock')))
      // Only the marker of the live session remains, in the only user directory left.
      assert.equal(paths.filter((p) => /^users\/[0-9a-f]{64}$/.test(p)).length, 1)
      assert.equal(paths.filter((p) => /^users\/[0-9a-f]{64}\/[0-9a-f]{64}$/.test(p)).length, 1)
      const list = await driver.listByUser('u1', clock.ms + 1000)
      assert.deepEqual(
        list.map((s) => s.id),
        [long.id],
      )
    })
  })

  it('the sweeper prunes on its own clock and interval', async () => {
    const clock = createTestClock()
    const { directory, driver } = await fresh({ sweepInterval: 20, now: clock.now })
    await using(driver, async () => {
      const short = record(clock.ms, { expiresAt: clock.ms + 1000 })
      const long = record(clock.ms)
      await driver.create(short, clock.ms)
      await driver.create(long, clock.ms)
      clock.advance(1000)
      for (let i = 0; i < 100; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        const names = await readdir(join(directory, 'sessions'))
        if (names.length === 1) break
      }
      assert.equal((await readdir(join(directory, 'sessions'))).length, 1)
      assert.ok(await driver.get(long.id, clock.ms))
    })
  })

  it('deleteAll removes every record and the whole index', async () => {
    const { directory, driver } = await fresh()
    const clock = createTestClock()
    await using(driver, async () => {
      await driver.create(record(clock.ms, { userKey: 'u1' }), clock.ms)
      await driver.create(record(clock.ms, { userKey: 'u2' }), clock.ms)
      await driver.create(record(clock.ms), clock.ms)
      assert.equal(await driver.deleteAll(), 3)
      assert.deepEqual(await treePaths(directory), ['sessions', 'users'])
    })
  })
})

describe('filesystem driver: options and lifecycle', () => {
  it('refuses bad options', () => {
    const bad: Partial<Parameters<typeof createFilesystemDriver>[0]>[] = [
      { directory: '' },
      { directory: 'a\u0000b' },
      { sweepInterval: -1 },
      { sweepInterval: 1.5 },
      { fileMode: 0o400 },
      { fileMode: 0o1777 },
      { dirMode: 0o600 },
      { maxRecordBytes: 0 },
      { lockTimeout: -1 },
      { staleLockTimeout: 0 },
    ]
    for (const options of bad) {
      assert.throws(() => createFilesystemDriver({ directory: '/tmp/never-made', ...options }), {
        code: 'ERR_SESSION_CONFIG',
      })
    }
  })

  it('a directory that is a file makes calls reject, never resolve with a guess', async () => {
    const parent = await makeTempDir()
    const directory = join(parent, 'file')
    await writeFile(directory, 'x')
    const driver = createFilesystemDriver({ directory, sweepInterval: 0 })
    await using(driver, async () => {
      await assert.rejects(driver.get(generateSessionId(), Date.now()))
      await assert.rejects(driver.create(record(Date.now()), Date.now()))
      // Fixed: the next call opens the directory.
      await unlink(directory)
      assert.equal(await driver.get(generateSessionId(), Date.now()), undefined)
    })
  })

  it('close waits for calls in flight, then refuses new ones', async () => {
    const { driver } = await fresh()
    const clock = createTestClock()
    const rec = record(clock.ms)
    const creating = driver.create(rec, clock.ms)
    await driver.close()
    assert.equal(await creating, true)
    await assert.rejects(driver.get(rec.id, clock.ms), /closed/)
    await driver.close()
  })
})
