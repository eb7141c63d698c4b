// The entropy estimate behind createKeyRing's refusals. A random key is refused with
// probability at most 2^-39 *because* the mixture is a probability distribution over secrets:
// the first test checks that premise for every predictor at every step; the others check the
// margins on both sides of the threshold.
import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'

import fc from 'fast-check'

import {
  characterView,
  codeLength,
  Mixture,
  PREDICTOR_FAMILIES,
  REFUSAL_BITS,
  MAX_ANALYZED_BYTES,
  patternAdvantage,
  byteView,
} from '../src/lib/key-strength/estimate.ts'
import {
  BASE64URL_ALPHABET,
  BASE64_ALPHABET,
  BYTE_ALPHABET,
  HEX_ALPHABET,
  type Predictor,
  type SymbolAlphabet,
} from '../src/lib/key-strength/model.ts'
import { readSecret } from '../src/lib/key-strength/secret.ts'
import {
  ENCODED_TEXT,
  PASSPHRASES,
  PATTERNED_BYTES,
  PATTERNED_STRINGS,
} from './support/human-secrets.ts'

const ALPHABETS: readonly [string, SymbolAlphabet][] = [
  ['bytes', BYTE_ALPHABET],
  ['hex', HEX_ALPHABET],
  ['base64', BASE64_ALPHABET],
  ['base64url', BASE64URL_ALPHABET],
]

/** Text as symbols of a character alphabet (characters outside it map to symbol 0). */
function symbolsOf(text: string, alphabet: SymbolAlphabet): number[] {
  return Array.from(text, (char) => Math.max(0, alphabet.codes.indexOf(char.charCodeAt(0))))
}

/** Sum and minimum of `predictor.p` over the whole alphabet. */
function distribution(predictor: Predictor, size: number): { sum: number; min: number } {
  let sum = 0
  let min = Infinity
  for (let symbol = 0; symbol < size; symbol++) {
    const p = predictor.p(symbol)
    assert.ok(Number.isFinite(p), `p(${symbol}) = ${p}`)
    sum += p
    min = Math.min(min, p)
  }
  return { sum, min }
}

/** Walks `symbols`, checking every predictor and the mixture at every step. */
function checkDistributions(symbols: readonly number[], alphabet: SymbolAlphabet): void {
  const predictors = PREDICTOR_FAMILIES.flatMap((family) => family(alphabet))
  const mixture = new Mixture(alphabet)
  let bits = 0
  for (const [step, symbol] of symbols.entries()) {
    predictors.forEach((predictor, k) => {
      const { sum, min } = distribution(predictor, alphabet.size)
      assert.ok(sum <= 1 + 1e-9, `predictor ${k} sums to ${sum} at step ${step}`)
      assert.ok(min >= 0, `predictor ${k} gives ${min} at step ${step}`)
    })
    const { sum, min } = distribution(mixture, alphabet.size)
    assert.ok(sum <= 1 + 1e-9 && min > 0, `the mixture sums to ${sum} (min ${min}) at ${step}`)
    bits -= Math.log2(mixture.p(symbol))
    for (const predictor of predictors) predictor.push(symbol)
    mixture.push(symbol)
  }
  // Asking for every symbol's probability changed nothing: the code length is the same.
  assert.ok(Math.abs(bits - codeLength(symbols, alphabet)) < 1e-6)
}

describe('key strength estimate', () => {
  it('every predictor and the mixture are probability distributions at every step', () => {
    const human = [...PASSPHRASES, ...PATTERNED_STRINGS]
    for (const [, alphabet] of ALPHABETS) {
      const size = alphabet.size
      for (const text of human.slice(0, 6)) checkDistributions(symbolsOf(text, alphabet), alphabet)
      fc.assert(
        fc.property(fc.array(fc.nat(size - 1), { maxLength: 40 }), (symbols) => {
          checkDistributions(symbols, alphabet)
        }),
        { numRuns: size === 256 ? 10 : 25 },
      )
    }
    for (const bytes of PATTERNED_BYTES.slice(-6)) checkDistributions([...bytes], BYTE_ALPHABET)
  })

  it('random keys score far below the refusal threshold, in every encoding', () => {
    let worst = -Infinity
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(32 + (i % 33))
      const base64 = bytes.toString('base64')
      for (const secret of [
        new Uint8Array(bytes),
        bytes.toString('hex'),
        base64,
        base64.replace(/=+$/, ''),
        bytes.toString('base64url'),
      ]) {
        const reading = readSecret(secret)
        assert.ok(reading.ok)
        worst = Math.max(worst, patternAdvantage(reading.views))
      }
    }
    // Typical scores are around -4; 20 bits below the threshold leaves a wide margin.
    assert.ok(worst < REFUSAL_BITS - 20, `a random key scored ${worst}`)
  })

  it('human-made secrets score far above it', () => {
    const made: (string | Uint8Array)[] = [
      ...PASSPHRASES,
      ...PATTERNED_STRINGS,
      ...ENCODED_TEXT,
      ...PATTERNED_BYTES,
    ]
    for (const secret of made) {
      const reading = readSecret(secret)
      assert.ok(reading.ok && reading.bytes.length >= 32, String(secret))
      const score = patternAdvantage(reading.views)
      assert.ok(score >= REFUSAL_BITS + 10, `${String(secret)} scored ${score}`)
    }
  })

  it('a passphrase scores above the threshold at every length, valid base64 or not', () => {
    const phrase = 'thisismyverysecretsessionkeyfortheproductionserverpleasedonotshareit'
    for (let length = 43; length <= phrase.length; length++) {
      const text = phrase.slice(0, length)
      const bytes = Math.floor((6 * length) / 8)
      const view = characterView(symbolsOf(text, BASE64URL_ALPHABET), BASE64URL_ALPHABET, bytes)
      const score = patternAdvantage([view])
      assert.ok(score >= REFUSAL_BITS, `length ${length} scored ${score}`)
    }
  })

  it('looks at a bounded prefix, so a huge secret costs what a 256-byte one does', () => {
    const huge = new Uint8Array(randomBytes(1 << 20))
    assert.equal(byteView(huge).symbols.length, MAX_ANALYZED_BYTES)
    const reading = readSecret(Buffer.from(huge).toString('base64'))
    assert.ok(reading.ok)
    for (const view of reading.views) {
      assert.ok(view.randomBits <= MAX_ANALYZED_BYTES * 8)
      assert.ok(view.symbols.length <= (MAX_ANALYZED_BYTES * 8) / 4)
    }
    assert.ok(patternAdvantage(reading.views) < REFUSAL_BITS)
  })
})
