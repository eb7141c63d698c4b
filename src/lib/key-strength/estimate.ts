// Is a secret random, or made by a person or a pattern? An estimate by compression.
//
// Models of what people and patterns produce (English letters and words, keyboard walks,
// runs, repeats, restricted character sets, UTF-8 text) are mixed into one sequential
// predictor, and the secret's code length under it (-log2 of its probability) is its
// estimated entropy. A random key of n bytes has probability 2^-8n under uniform choice; a
// secret the mixture explains in at least REFUSAL_BITS fewer bits is refused.
//
// Why a random key passes with overwhelming probability: the mixture is a probability
// distribution over secrets of each length (every predictor's probabilities sum to at most 1,
// and a weighted mixture of predictors is a predictor). At most 2^(8n - T) secrets can have a
// probability of 2^-(8n - T) or more, so a uniformly random key is refused with probability at
// most 2^-T, whatever the models are. Two views are checked (the bytes, and the characters of
// a string), so the bound is 2^-(T - 1) = 2^-39.

import {
  BYTE_ALPHABET,
  type Predictor,
  type PredictorFamily,
  type SymbolAlphabet,
} from './model.ts'
import {
  characterClasses,
  classMix,
  frequencies,
  repeats,
  strides,
  uniform,
  utf8Text,
} from './patterns.ts'
import { commonWords, englishLetters, keyboardWalks } from './text.ts'

/** Bits the models must save over random choice for a secret to be refused. */
export const REFUSAL_BITS = 40

/** The longest prefix looked at, in bytes: enough to see what a secret is made of. */
export const MAX_ANALYZED_BYTES = 256

/** Every family of predictors, in mixture order. */
export const PREDICTOR_FAMILIES: readonly PredictorFamily[] = [
  uniform,
  frequencies,
  characterClasses,
  classMix,
  englishLetters,
  commonWords,
  keyboardWalks,
  strides,
  repeats,
  utf8Text,
]

// Each step, a share of the weight is spread back over all predictors (fixed-share mixing), so
// a secret that switches pattern midway (words, then digits) is still followed closely.
const SHARE = 1 / 32

/** Symbol indexes of an alphabet. */
export type Symbols = readonly number[] | Uint8Array

/** One way of reading a secret: its symbols, what they stand for, the bits they carry. */
export interface SecretView {
  readonly symbols: Symbols
  readonly alphabet: SymbolAlphabet
  /** Bits a uniformly random secret of this length carries. */
  readonly randomBits: number
}

/** The code length of `symbols`, in bits, under the mixture of every predictor. */
export function codeLength(symbols: Symbols, alphabet: SymbolAlphabet): number {
  const mixture = new Mixture(alphabet)
  let bits = 0
  for (const symbol of symbols) {
    // Never 0: the uniform predictor always keeps a weight of at least SHARE / count.
    bits -= Math.log2(mixture.p(symbol))
    mixture.push(symbol)
  }
  return bits
}

/** Every predictor, weighted by how well it has predicted so far (fixed-share mixing). */
export class Mixture implements Predictor {
  readonly #predictors: readonly Predictor[]
  readonly #weights: Float64Array
  readonly #probabilities: Float64Array
  #probabilitiesOf = -1

  constructor(alphabet: SymbolAlphabet) {
    this.#predictors = PREDICTOR_FAMILIES.flatMap((family) => family(alphabet))
    const count = this.#predictors.length
    this.#weights = new Float64Array(count).fill(1 / count)
    this.#probabilities = new Float64Array(count)
  }

  p(symbol: number): number {
    this.#predict(symbol)
    let p = 0
    for (let k = 0; k < this.#weights.length; k++) {
      p += (this.#weights[k] ?? 0) * (this.#probabilities[k] ?? 0)
    }
    return p
  }

  push(symbol: number): void {
    const p = this.p(symbol)
    const count = this.#weights.length
    for (let k = 0; k < count; k++) {
      const posterior = ((this.#weights[k] ?? 0) * (this.#probabilities[k] ?? 0)) / p
      this.#weights[k] = (1 - SHARE) * posterior + SHARE / count
    }
    for (const predictor of this.#predictors) predictor.push(symbol)
    this.#probabilitiesOf = -1
  }

  /** Each predictor's probability of `symbol`, computed once per step and symbol. */
  #predict(symbol: number): void {
    if (this.#probabilitiesOf === symbol) return
    this.#predictors.forEach((predictor, k) => {
      this.#probabilities[k] = predictor.p(symbol)
    })
    this.#probabilitiesOf = symbol
  }
}

/**
 * How many bits better than random choice the models explain the secret, in its most
 * telling view. Random keys score below 0 almost always; REFUSAL_BITS or more means refuse.
 */
export function patternAdvantage(views: readonly SecretView[]): number {
  let best = -Infinity
  for (const view of views) {
    best = Math.max(best, view.randomBits - codeLength(view.symbols, view.alphabet))
  }
  return best
}

/** The byte view of a secret (its first MAX_ANALYZED_BYTES bytes). */
export function byteView(bytes: Uint8Array): SecretView {
  const symbols = bytes.subarray(0, MAX_ANALYZED_BYTES)
  return { symbols, alphabet: BYTE_ALPHABET, randomBits: 8 * symbols.length }
}

/**
 * The character view of a hex or base64 string, as symbol indexes of `alphabet`. `bytes` is
 * what the whole string decodes to: a full string carries exactly 8 * bytes bits whatever
 * its padding; a prefix carries log2(alphabet size) bits per character.
 */
export function characterView(
  symbols: Symbols,
  alphabet: SymbolAlphabet,
  bytes: number,
): SecretView {
  const bitsPerSymbol = Math.log2(alphabet.size)
  const limit = Math.floor((MAX_ANALYZED_BYTES * 8) / bitsPerSymbol)
  if (symbols.length <= limit) return { symbols, alphabet, randomBits: 8 * bytes }
  const prefix = Array.from({ length: limit }, (_, i) => symbols[i] ?? 0)
  return { symbols: prefix, alphabet, randomBits: bitsPerSymbol * limit }
}
