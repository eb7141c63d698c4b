// The shared vocabulary of the key-strength models: alphabets and sequential predictors.
//
// A predictor gives, for every symbol, the probability that it comes next, given only the
// symbols before it. Every predictor's probabilities over its alphabet sum to at most 1 at
// every step (test/key-strength.test.ts checks each one): that is what makes a mixture of them
// a probability distribution over whole secrets, and the refusal bound in estimate.ts hold.

/** The symbols of one view of a secret: what each symbol index stands for. */
export interface SymbolAlphabet {
  readonly size: number
  /** The character (ASCII code) or byte each symbol index stands for. */
  readonly codes: readonly number[]
}

export interface Predictor {
  /** The probability that `symbol` comes next. Must not change any state. */
  p(symbol: number): number
  /** Appends `symbol` to the history. */
  push(symbol: number): void
}

/** Makes the predictors of one family for an alphabet (none when the family does not apply). */
export type PredictorFamily = (alphabet: SymbolAlphabet) => readonly Predictor[]

const ASCII_CODES = (chars: string): number[] => Array.from(chars, (c) => c.charCodeAt(0))

export const BYTE_ALPHABET: SymbolAlphabet = {
  size: 256,
  codes: Array.from({ length: 256 }, (_, i) => i),
}

/** Hex digits, case folded: a mixed-case hex string means the same bytes. */
export const HEX_ALPHABET: SymbolAlphabet = { size: 16, codes: ASCII_CODES('0123456789abcdef') }

const B64_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export const BASE64_ALPHABET: SymbolAlphabet = { size: 64, codes: ASCII_CODES(`${B64_LETTERS}+/`) }

export const BASE64URL_ALPHABET: SymbolAlphabet = {
  size: 64,
  codes: ASCII_CODES(`${B64_LETTERS}-_`),
}

export function isLetter(code: number): boolean {
  const folded = code | 32
  return folded >= 97 && folded <= 122
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/** Printable ASCII and the whitespace of text files. */
export function isText(code: number): boolean {
  return (code >= 32 && code < 127) || code === 9 || code === 10 || code === 13
}

/** The code of a symbol, or -1 for an index outside the alphabet. */
export function codeOf(alphabet: SymbolAlphabet, symbol: number): number {
  return alphabet.codes[symbol] ?? -1
}

/** Appends to a history kept as a plain array (indexes are always in range). */
export class History {
  readonly symbols: number[] = []

  get length(): number {
    return this.symbols.length
  }

  /** The symbol `back` places before the end (1 = the last one), or -1. */
  back(back: number): number {
    return this.symbols[this.symbols.length - back] ?? -1
  }

  at(index: number): number {
    return this.symbols[index] ?? -1
  }

  push(symbol: number): void {
    this.symbols.push(symbol)
  }
}

/** Predicts `expected` with probability `hit`, every other symbol evenly. */
export function pointMass(size: number, expected: number, hit: number, symbol: number): number {
  if (expected < 0) return 1 / size
  return symbol === expected ? hit : (1 - hit) / (size - 1)
}

/** Memoizes what a predictor family derives from an alphabet, once per alphabet. */
export function perAlphabet<T>(
  derive: (alphabet: SymbolAlphabet) => T,
): (alphabet: SymbolAlphabet) => T {
  const cache = new WeakMap<SymbolAlphabet, T>()
  return (alphabet) => {
    let value = cache.get(alphabet)
    if (value === undefined) {
      value = derive(alphabet)
      cache.set(alphabet, value)
    }
    return value
  }
}
