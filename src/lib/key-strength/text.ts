// Predictors for what people type: walks over the keyboard, English letter sequences, and
// common words (with the case patterns of camelCase, Capitalized and ALL CAPS).

import { COMMON_WORDS, LETTER_PAIRS } from './english.ts'
import {
  codeOf,
  isDigit,
  isLetter,
  perAlphabet,
  pointMass,
  type Predictor,
  type PredictorFamily,
  type SymbolAlphabet,
} from './model.ts'

// ---- Keyboard walks (qwerty, 1qaz2wsx, asdf) on a US layout --------------------------------

const KEY_ROWS = ['1234567890-=', 'qwertyuiop[]\\', "asdfghjkl;'", 'zxcvbnm,./']
const SHIFTED_ROWS = ['!@#$%^&*()_+', 'QWERTYUIOP{}|', 'ASDFGHJKL:"', 'ZXCVBNM<>?']

interface KeyPosition {
  readonly row: number
  readonly column: number
  readonly shifted: boolean
}

const KEY_POSITIONS = /* @__PURE__ */ (() => {
  const positions = new Map<number, KeyPosition>()
  for (const [shifted, rows] of [
    [false, KEY_ROWS],
    [true, SHIFTED_ROWS],
  ] as const) {
    rows.forEach((keys, row) => {
      for (let column = 0; column < keys.length; column++) {
        positions.set(keys.charCodeAt(column), { row, column, shifted })
      }
    })
  }
  return positions
})()

function keyCode(row: number, column: number, shifted: boolean): number {
  const keys = (shifted ? SHIFTED_ROWS : KEY_ROWS)[row]
  return keys === undefined || column < 0 || column >= keys.length ? -1 : keys.charCodeAt(column)
}

/** The next key continues the last step between neighbouring keys, in the same direction. */
const symbolsByCode = perAlphabet(
  (alphabet) => new Map(alphabet.codes.map((code, symbol) => [code, symbol])),
)

export const keyboardWalks: PredictorFamily = (alphabet) => {
  const symbolOf = symbolsByCode(alphabet)
  let last: KeyPosition | undefined
  let lastCode = -1
  let step: readonly [number, number] | undefined
  const expected = (): number => {
    if (last === undefined || step === undefined) return -1
    const code = keyCode(last.row + step[0], last.column + step[1], last.shifted)
    return symbolOf.get(code) ?? -1
  }
  return [
    {
      p: (symbol) => pointMass(alphabet.size, expected(), 0.6, symbol),
      push(symbol) {
        const code = codeOf(alphabet, symbol)
        const here = KEY_POSITIONS.get(code)
        if (last !== undefined && here !== undefined && code !== lastCode) {
          const rows = here.row - last.row
          const columns = here.column - last.column
          const neighbours = Math.abs(rows) <= 1 && Math.abs(columns) <= 1
          if (neighbours && (rows !== 0 || columns !== 0)) step = [rows, columns]
        }
        last = here
        lastCode = code
      },
    },
  ]
}

// ---- Shared: letters and case ---------------------------------------------------------------

const BOUNDARY = 26
const SEPARATORS = new Map([
  [32, 0.45],
  [95, 0.2],
  [45, 0.2],
  [46, 0.1],
  [44, 0.05],
])
/** Mid-word capitals (other than in ALL CAPS) are rare. */
const MIDWORD_CAPITAL = 0.03

function letterIndex(code: number): number {
  return (code | 32) - 97
}

/** The alphabet's letters: for each of a-z, its lowercase and uppercase symbol (or -1). */
const lettersOf = perAlphabet(letterSymbols)

function letterSymbols(alphabet: SymbolAlphabet): readonly (readonly [number, number, number])[] {
  const symbols = Array.from({ length: 26 }, () => [-1, -1])
  alphabet.codes.forEach((code, symbol) => {
    if (!isLetter(code)) return
    const pair = symbols[letterIndex(code)]
    if (pair !== undefined) pair[code >= 97 ? 0 : 1] = symbol
  })
  return symbols.flatMap(([lower = -1, upper = -1], letter) =>
    lower < 0 && upper < 0 ? [] : [[letter, lower, upper] as const],
  )
}

/**
 * How words are capitalized, learnt as the secret is read: the case of a word's first letter,
 * and whether the letter after a capital is a capital too (ALL CAPS).
 */
class CaseModel {
  readonly #wordStart = [1, 1]
  readonly #afterCapital = [1, 1]

  /** P(lower), P(upper) for a letter that starts a word. */
  start(): readonly [number, number] {
    return split(this.#wordStart)
  }

  /** P(lower), P(upper) for a letter that continues a word after `previous`. */
  continuing(previous: number): readonly [number, number] {
    if (previous >= 65 && previous <= 90) return split(this.#afterCapital)
    return [1 - MIDWORD_CAPITAL, MIDWORD_CAPITAL]
  }

  /** Learns from letter `code` after `previous` (-1 at the start). */
  learn(previous: number, code: number): void {
    const upper = code < 97 ? 1 : 0
    if (!isLetter(previous)) bump(this.#wordStart, upper)
    else if (previous < 97) bump(this.#afterCapital, upper)
    else if (upper === 1) bump(this.#wordStart, 1) // camelCase: a capital starts a word
  }
}

function split(counts: readonly number[]): readonly [number, number] {
  const lower = counts[0] ?? 1
  const upper = counts[1] ?? 1
  return [lower / (lower + upper), upper / (lower + upper)]
}

function bump(counts: number[], index: number): void {
  counts[index] = (counts[index] ?? 0) + 1
}

// ---- English letter pairs ---------------------------------------------------------------------

/** P(b follows a), rows normalized; a, b in 0-26 (26: word boundary). */
const PAIRS = /* @__PURE__ */ (() => {
  const table = new Float64Array(27 * 27)
  const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  for (let a = 0; a < 27; a++) {
    let sum = 0
    for (let b = 0; b < 27; b++) {
      const quarterBits = digits.indexOf(LETTER_PAIRS.charAt(27 * a + b))
      const p = 2 ** (-quarterBits / 4)
      table[27 * a + b] = p
      sum += p
    }
    for (let b = 0; b < 27; b++) table[27 * a + b] = (table[27 * a + b] ?? 0) / sum
  }
  return table
})()

function pair(a: number, b: number): number {
  return PAIRS[27 * a + b] ?? 0
}

// Kinds of character in text. What follows a non-letter, or the end of a word, is learnt
// (starting from these priors): rows after a digit, separator, other, non-text, at the start,
// after a word; columns letter, digit, separator, other, non-text.
const LETTER = 0
const KIND_PRIORS = [
  [0.3, 0.55, 0.1, 0.045, 0.005],
  [0.8, 0.12, 0.03, 0.045, 0.005],
  [0.6, 0.2, 0.1, 0.095, 0.005],
  [0.2, 0.05, 0.05, 0.05, 0.65],
  [0.85, 0.08, 0.01, 0.055, 0.005],
  [0.3, 0.15, 0.45, 0.095, 0.005],
]
const AT_START = 4
const AFTER_WORD = 5
const PRIOR_WEIGHT = 4

function kindOf(code: number): number {
  if (isLetter(code)) return LETTER
  if (isDigit(code)) return 1
  if (SEPARATORS.has(code)) return 2
  return code > 32 && code < 127 ? 3 : 4
}

/** Which row of KIND_PRIORS applies after `previous` (-1 at the start). */
function rowAfter(previous: number): number {
  if (previous < 0) return AT_START
  const kind = kindOf(previous)
  return kind === LETTER ? AFTER_WORD : kind - 1
}

/**
 * English text: letters follow English letter-pair statistics, a word ends as often as its
 * last letter ends English words, and what comes between words (a separator, digits, a
 * capital in camelCase) is learnt.
 */
export const englishLetters: PredictorFamily = (alphabet) => [new LetterPairs(alphabet)]

class LetterPairs implements Predictor {
  readonly #alphabet: SymbolAlphabet
  readonly #letters: readonly (readonly [number, number, number])[]
  readonly #members: readonly number[]
  readonly #separatorTotal: number
  readonly #counts: number[][]
  readonly #case = new CaseModel()
  #previous = -1

  constructor(alphabet: SymbolAlphabet) {
    this.#alphabet = alphabet
    this.#letters = lettersOf(alphabet)
    const members = [0, 0, 0, 0, 0]
    let separators = 0
    for (const code of alphabet.codes) {
      bump(members, kindOf(code))
      separators += SEPARATORS.get(code) ?? 0
    }
    this.#members = members
    this.#separatorTotal = separators
    this.#counts = KIND_PRIORS.map((row) =>
      row.map((prior, kind) => ((members[kind] ?? 0) > 0 ? prior * PRIOR_WEIGHT : 0)),
    )
  }

  p(symbol: number): number {
    const code = codeOf(this.#alphabet, symbol)
    const kind = kindOf(code)
    const row = this.#counts[rowAfter(this.#previous)] ?? []
    let rowTotal = 0
    for (const count of row) rowTotal += count
    const share = (row[kind] ?? 0) / rowTotal
    if (!isLetter(this.#previous)) {
      return share * (kind === LETTER ? this.#letterShare(symbol, 0) : this.#within(kind, code))
    }
    // After a letter: the word ends with the probability its last letter ends words.
    const ends = pair(letterIndex(this.#previous), BOUNDARY)
    if (kind !== LETTER) return ends * share * this.#within(kind, code)
    return this.#letterShare(symbol, ends * share)
  }

  push(symbol: number): void {
    const code = codeOf(this.#alphabet, symbol)
    const kind = kindOf(code)
    const row = this.#counts[rowAfter(this.#previous)]
    if (row !== undefined && (kind !== LETTER || !isLetter(this.#previous))) bump(row, kind)
    if (kind === LETTER) {
      if (isLetter(this.#previous) && this.#previous >= 97 && code < 97) {
        const afterWord = this.#counts[AFTER_WORD]
        if (afterWord !== undefined) bump(afterWord, LETTER)
      }
      this.#case.learn(this.#previous, code)
    }
    this.#previous = code
  }

  #within(kind: number, code: number): number {
    if (kind === 2) return (SEPARATORS.get(code) ?? 0) / this.#separatorTotal
    return 1 / (this.#members[kind] ?? 1)
  }

  /**
   * P(the letter `symbol`). At a word start it follows the first-letter statistics; after a
   * letter it continues the word, or starts a new one with weight `newWord` (no separator).
   */
  #letterShare(symbol: number, newWord: number): number {
    const previous = this.#previous
    const continuing = isLetter(previous)
    const last = continuing ? letterIndex(previous) : BOUNDARY
    const [startLower, startUpper] = this.#case.start()
    const [nextLower, nextUpper] = this.#case.continuing(previous)
    let total = 0
    let mine = 0
    for (const [letter, lower, upper] of this.#letters) {
      const first = pair(BOUNDARY, letter) * (continuing ? newWord : 1)
      const next = continuing ? pair(last, letter) : 0
      if (lower >= 0) {
        const weight = next * nextLower + first * startLower
        total += weight
        if (lower === symbol) mine = weight
      }
      if (upper >= 0) {
        const weight = next * nextUpper + first * startUpper
        total += weight
        if (upper === symbol) mine = weight
      }
    }
    if (total === 0) return 0
    // The letters share what is left once the word's end (minus the new word) is taken out.
    return continuing ? (mine / total) * (1 - pair(last, BOUNDARY) + newWord) : mine / total
  }
}

// ---- Common words -------------------------------------------------------------------------------

interface TrieNode {
  readonly children: Map<number, TrieNode>
  /** Weight of the words through this node. */
  weight: number
  /** Weight of the words ending here. */
  ends: number
}

let wordTrie: TrieNode | undefined

function trie(): TrieNode {
  if (wordTrie !== undefined) return wordTrie
  const root: TrieNode = { children: new Map(), weight: 0, ends: 0 }
  COMMON_WORDS.split(' ').forEach((word, rank) => {
    const weight = 1 / (rank + 20)
    let node = root
    node.weight += weight
    for (let i = 0; i < word.length; i++) {
      const letter = word.charCodeAt(i) - 97
      let child = node.children.get(letter)
      if (child === undefined) {
        child = { children: new Map(), weight: 0, ends: 0 }
        node.children.set(letter, child)
      }
      child.weight += weight
      node = child
    }
    node.ends += weight
  })
  wordTrie = root
  return root
}

/** A word that ends may be followed at once by another (concatenated words). */
const JOINED = 0.5
/** At a word start, a non-letter comes next. */
const NOT_A_WORD = 0.1
/** Readings of the text so far kept at once; the least likely are dropped. */
const MAX_READINGS = 24

/**
 * Common words, concatenated or separated: every reading of the letters so far as a sequence
 * of dictionary words is followed at once, and the next letter predicted from all of them.
 */
export const commonWords: PredictorFamily = (alphabet) => [new CommonWords(alphabet)]

class CommonWords implements Predictor {
  readonly #alphabet: SymbolAlphabet
  readonly #root = trie()
  readonly #nonLetters: number
  readonly #case = new CaseModel()
  #readings = new Map<TrieNode, number>([[this.#root, 1]])
  #lastAdvance: { readonly code: number; readonly readings: Map<TrieNode, number> } | undefined
  #previous = -1

  constructor(alphabet: SymbolAlphabet) {
    this.#alphabet = alphabet
    this.#nonLetters = alphabet.codes.filter((code) => !isLetter(code)).length
  }

  p(symbol: number): number {
    const code = codeOf(this.#alphabet, symbol)
    if (!isLetter(code)) return this.#nonLetter()
    let total = 0
    for (const weight of this.#advanced(code).values()) total += weight
    return total
  }

  push(symbol: number): void {
    const code = codeOf(this.#alphabet, symbol)
    if (isLetter(code)) {
      this.#readings = this.#prune(this.#advanced(code))
      this.#case.learn(this.#previous, code)
    } else {
      this.#readings = new Map([[this.#root, 1]])
    }
    this.#previous = code
    this.#lastAdvance = undefined
  }

  /** The readings after `code`, computed once per step (p and push both need them). */
  #advanced(code: number): Map<TrieNode, number> {
    if (this.#lastAdvance?.code !== code) {
      this.#lastAdvance = { code, readings: this.#advance(code) }
    }
    return this.#lastAdvance.readings
  }

  #nonLetter(): number {
    if (this.#nonLetters === 0) return 0
    let p = 0
    for (const [node, weight] of this.#readings) {
      p +=
        node === this.#root
          ? weight * NOT_A_WORD
          : weight * (node.ends / node.weight) * (1 - JOINED)
    }
    return p / this.#nonLetters
  }

  /** Every reading extended by the letter `code`, with its probability. */
  #advance(code: number): Map<TrieNode, number> {
    const letter = letterIndex(code)
    const upper = code < 97
    const [startLower, startUpper] = this.#case.start()
    const [nextLower, nextUpper] = this.#case.continuing(this.#previous)
    const startCase = upper ? startUpper : startLower
    const nextCase = upper ? nextUpper : nextLower
    const root = this.#root
    const first = root.children.get(letter)
    const out = new Map<TrieNode, number>()
    const add = (node: TrieNode | undefined, p: number): void => {
      if (node !== undefined && p > 0) out.set(node, (out.get(node) ?? 0) + p)
    }
    const startsWord = first === undefined ? 0 : (first.weight / root.weight) * startCase
    for (const [node, weight] of this.#readings) {
      if (node === root) {
        add(first, weight * (1 - NOT_A_WORD) * startsWord)
        continue
      }
      const child = node.children.get(letter)
      if (child !== undefined) add(child, weight * (child.weight / node.weight) * nextCase)
      add(first, weight * (node.ends / node.weight) * JOINED * startsWord)
    }
    return out
  }

  /** Keeps the likeliest readings, renormalized; none left means the text is not words. */
  #prune(readings: Map<TrieNode, number>): Map<TrieNode, number> {
    const kept = [...readings].sort((a, b) => b[1] - a[1]).slice(0, MAX_READINGS)
    const total = kept.reduce((sum, [, weight]) => sum + weight, 0)
    if (total === 0) return new Map([[this.#root, 1]])
    return new Map(kept.map(([node, weight]) => [node, weight / total]))
  }
}
