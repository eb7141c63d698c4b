// Test helpers for the Redis driver: a random key prefix per test, and its removal by SCAN
// (never FLUSHDB: the server is shared with other test runs).
import { randomBytes } from 'node:crypto'

/** The node-redis calls the helpers need (a client from `createClient`, connected). */
export interface RawClient {
  sendCommand(args: string[]): Promise<unknown>
}

export function testPrefix(tag = 't'): string {
  return `sktest:${tag}:${randomBytes(6).toString('hex')}:`
}

/** Every key under `prefix`. */
export async function keysUnder(client: RawClient, prefix: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = (await client.sendCommand([
      'SCAN',
      cursor,
      'MATCH',
      `${prefix}*`,
      'COUNT',
      '1000',
    ])) as [string, string[]]
    out.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return out
}

/** Removes every key under `prefix` (the conformance suite's cleanup hook). */
export async function dropPrefix(client: RawClient, prefix: string): Promise<void> {
  for (const key of await keysUnder(client, prefix)) await client.sendCommand(['UNLINK', key])
}
