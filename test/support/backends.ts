// Registers the same tests once per crypto backend, so every behavioural test runs against
// node:crypto and Web Crypto alike.
import { describe } from 'node:test'

export const BACKENDS = ['node', 'web'] as const
export type BackendName = (typeof BACKENDS)[number]

export function describeEachBackend(title: string, body: (backend: BackendName) => void): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, () => {
      body(backend)
    })
  }
}
