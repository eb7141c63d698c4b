// Key rotation: gorilla's CodecsFromPairs, EncodeMulti and DecodeMulti. Unlike Go, every
// codec made from the pairs gets the same settings (serializer, maxAge, maxLength, ...), so
// a cookie written by the current codec is still readable by the rotated ones.

import type { SecureCookieError } from '../../errors.ts'
import { isPromise, type Awaitable } from '../../lib/awaitable.ts'
import {
  createSecureCookie,
  type DecodedSecureCookie,
  type SecureCookie,
  type SecureCookieKey,
  type SecureCookieSettings,
} from './codec.ts'
import { GO_MESSAGES, SecureCookieMultiError, scError } from './errors.ts'

/**
 * Codecs from `[hashKey1, blockKey1, hashKey2, blockKey2, ...]` (Go `CodecsFromPairs`). An
 * odd count leaves the last codec without a block key; `null`/`undefined` as a block key
 * means no encryption for that pair. Every codec gets `settings`.
 *
 * @throws {SecureCookieError} usage kind: no pairs (`securecookie: no codecs provided`) or a
 *   bad key in any pair.
 */
export function codecsFromPairs(
  pairs: readonly (SecureCookieKey | null | undefined)[],
  settings: SecureCookieSettings = {},
): SecureCookie[] {
  const list: readonly (SecureCookieKey | null | undefined)[] = Array.isArray(pairs) ? pairs : []
  if (list.length === 0) throw scError('usage', GO_MESSAGES.noCodecs)
  const codecs: SecureCookie[] = []
  for (let i = 0; i < list.length; i += 2) {
    const hashKey = list[i]
    const blockKey = list[i + 1]
    codecs.push(
      createSecureCookie({
        ...settings,
        hashKey: hashKey ?? '',
        ...(blockKey === undefined || blockKey === null ? {} : { blockKey }),
      }),
    )
  }
  return codecs
}

function isError(value: unknown): value is SecureCookieError {
  return value instanceof Error && 'goMessage' in value
}

function asCodecError(error: unknown): SecureCookieError {
  if (isError(error)) return error
  return scError('internal', `securecookie: error - caused by: ${String(error)}`, error)
}

// Tries `attempt` on each codec in order; the first success wins (Go's loop), the errors
// of all failures are collected. Synchronous codecs keep it synchronous.
function tryInOrder<T>(
  codecs: readonly SecureCookie[],
  attempt: (codec: SecureCookie) => Awaitable<T>,
): Awaitable<{ result: T; index: number }> {
  const errors: SecureCookieError[] = []
  const step = (index: number): Awaitable<{ result: T; index: number }> => {
    for (let i = index; i < codecs.length; i++) {
      const codec = codecs[i]
      if (codec === undefined) continue
      let outcome: Awaitable<T>
      try {
        outcome = attempt(codec)
      } catch (error) {
        errors.push(asCodecError(error))
        continue
      }
      if (isPromise(outcome)) {
        return outcome.then(
          (result) => ({ result, index: i }),
          (error: unknown) => {
            errors.push(asCodecError(error))
            return step(i + 1)
          },
        )
      }
      return { result: outcome, index: i }
    }
    throw new SecureCookieMultiError(errors)
  }
  try {
    return step(0)
  } catch (error) {
    throw error instanceof SecureCookieMultiError ? error : asCodecError(error)
  }
}

function checkCodecs(codecs: readonly SecureCookie[]): void {
  if (!Array.isArray(codecs) || codecs.length === 0) throw scError('usage', GO_MESSAGES.noCodecs)
}

/**
 * Encodes with the first codec that succeeds (Go `EncodeMulti`).
 *
 * @throws {SecureCookieError} `securecookie: no codecs provided` (usage) for an empty list,
 *   else a {@link SecureCookieMultiError} with one error per codec.
 */
export function encodeMulti(
  name: string,
  value: unknown,
  codecs: readonly SecureCookie[],
): Awaitable<string> {
  checkCodecs(codecs)
  const out = tryInOrder(codecs, (codec) => codec.encode(name, value))
  return isPromise(out) ? out.then((r) => r.result) : out.result
}

/** The decoded cookie plus the index of the codec that accepted it. */
export interface DecodedMulti extends DecodedSecureCookie {
  readonly codecIndex: number
}

/**
 * Decodes with the first codec that accepts the value, also telling which one (so a store
 * can re-encode cookies still signed with a rotated key).
 */
export function decodeMultiDetailed(
  name: string,
  value: string,
  codecs: readonly SecureCookie[],
): Awaitable<DecodedMulti> {
  checkCodecs(codecs)
  const out = tryInOrder(codecs, (codec) => codec.decodeWithTimestamp(name, value))
  const finish = (r: { result: DecodedSecureCookie; index: number }): DecodedMulti => ({
    ...r.result,
    codecIndex: r.index,
  })
  return isPromise(out) ? out.then(finish) : finish(out)
}

/**
 * Decodes with the first codec that accepts the value (Go `DecodeMulti`).
 *
 * @throws {SecureCookieError} `securecookie: no codecs provided` (usage) for an empty list,
 *   else a {@link SecureCookieMultiError}: message like Go's MultiError
 *   (`securecookie: the value is not valid (and 1 other error)`), `isDecode()` when any
 *   codec gave a decode error.
 */
export function decodeMulti(
  name: string,
  value: string,
  codecs: readonly SecureCookie[],
): Awaitable<unknown> {
  const out = decodeMultiDetailed(name, value, codecs)
  return isPromise(out) ? out.then((r) => r.value) : out.value
}
