// Running a Lua script on the server that holds a key. Kept apart from the scripts (text) and
// the sender (client shapes): the SHA-1 cache and the NOSCRIPT fallback are one concern, the
// same for every script and every client.

import type { Sender } from './sender.ts'

// EVALSHA sends 40 bytes instead of the script; a server that does not have it yet (after a
// restart, a failover, SCRIPT FLUSH, or a new Cluster node) says NOSCRIPT once, and EVAL both
// runs and caches it there.
const shas = new Map<string, Promise<string>>()

export async function evalScript(
  sender: Sender,
  script: string,
  key: string,
  args: readonly string[],
): Promise<unknown> {
  let sha = shas.get(script)
  if (sha === undefined) {
    sha = sha1(script).then(hex)
    shas.set(script, sha)
  }
  try {
    return await sender.send(key, ['EVALSHA', await sha, '1', key, ...args])
  } catch (error) {
    if (!isNoScript(error)) throw error
    return sender.send(key, ['EVAL', script, '1', key, ...args])
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

async function sha1(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)))
}

function hex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}
