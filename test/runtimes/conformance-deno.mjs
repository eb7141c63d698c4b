// The store conformance suite on the memory driver, under `deno test`: each test of the suite
// becomes one Deno.test, titled with its describe path.
import process from 'node:process'
import { createMemoryDriver } from 'sessionkit'
import { runStoreConformance } from 'sessionkit/testing'

const path = []
runStoreConformance({
  name: 'memory',
  createDriver: ({ now }) => createMemoryDriver({ now }),
  test: {
    describe(name, fn) {
      path.push(name)
      try {
        fn()
      } finally {
        path.pop()
      }
    },
    it(name, fn) {
      Deno.test([...path, name].join(' > '), fn)
    },
  },
  activeResources: () => process.getActiveResourcesInfo(),
})
