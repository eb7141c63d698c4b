// A worker thread with its own SQLite connection to a shared database file, for the
// multi-writer test: it waits for 'go', then sets `count` keys of one session, one `update`
// (one BEGIN IMMEDIATE transaction) each, and reports what happened. Real lock contention:
// the workers run in parallel, unlike connections that share one thread.
import { parentPort, workerData } from 'node:worker_threads'

import { createSQLiteDriver } from '../../src/sqlite.ts'
import { openDatabase, type DatabaseKind } from './sqlite-databases.ts'

export interface WorkerInput {
  readonly kind: DatabaseKind
  readonly file: string
  readonly id: string
  readonly prefix: string
  readonly count: number
  readonly now: number
}

export interface WorkerReport {
  readonly updated: number
  readonly statuses: Record<string, number>
  readonly errors: string[]
}

const input = workerData as WorkerInput
const port = parentPort
if (port === null) throw new Error('sqlite-worker runs as a worker thread only')

const db = openDatabase(input.kind, input.file)
const driver = createSQLiteDriver({ database: db, sweepInterval: 0 })

port.once('message', () => {
  void run().then((report) => {
    port.postMessage(report)
  })
})
port.postMessage('ready')

async function run(): Promise<WorkerReport> {
  const statuses: Record<string, number> = {}
  const errors: string[] = []
  let updated = 0
  for (let i = 0; i < input.count; i++) {
    try {
      const result = await driver.update(
        input.id,
        {
          set: { [`${input.prefix}${String(i)}`]: i },
          unset: [],
          flashSet: {},
          flashUnset: [],
          lastSeenAt: input.now,
          expiresAt: input.now + 3_600_000,
        },
        input.now,
      )
      statuses[result.status] = (statuses[result.status] ?? 0) + 1
      if (result.status === 'updated') updated += 1
    } catch (error) {
      errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
    }
  }
  await driver.close()
  db.close()
  return { updated, statuses, errors }
}
