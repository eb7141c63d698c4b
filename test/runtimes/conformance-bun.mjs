// The store conformance suite on the memory driver, under bun:test (`bun test <this file>`).
import { describe, it } from 'bun:test'
import process from 'node:process'
import { createMemoryDriver } from 'sessionkit'
import { runStoreConformance } from 'sessionkit/testing'

runStoreConformance({
  name: 'memory',
  createDriver: ({ now }) => createMemoryDriver({ now }),
  test: { describe, it },
  activeResources: () => process.getActiveResourcesInfo(),
})
