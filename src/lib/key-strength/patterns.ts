// Predictors for patterns that need no knowledge of language: few distinct symbols, a
// restricted character set, arithmetic runs (abc, 0246, aaaa), repeats (passwordpassword) and
// UTF-8 structure.

import {
  History,
  codeOf,
  isDigit,
  isLetter,
  isText,
  perAlphabet,
  pointMass,
  type Predictor,
  type PredictorFamily,
  type SymbolAlphabet,
} from './model.ts'

/** Every symbol equally likely: what a random key looks like. */
export const uniform: PredictorFamily = (alphabet) => [
  { p: () => 1 / alphabet.size, push: () => undefined },
]

/** Symbol frequencies learnt as the secret is read (Krichevsky-Trofimov style). */
export const frequencies: PredictorFamily = (alphabet) =>
  [0.5, 0.05].map((prior): Predictor => {
    const counts = new Float64Array(alphabet.size)
    let seen = 0
    return {
      p: (symbol) => ((counts[symbol] ?? 0) + prior) / (seen + prior * alphabet.size),
      push(symbol) {
        counts[symbol] = (counts[symbol] ?? 0) + 1
        seen++
      },
    }
  })

const CHARACTER_CLASSES: readonly ((code: number) => boolean)[] = [
  (c) => c >= 97 && c <= 122,
  (c) => c >= 65 && c <= 90,
  isLetter,
  isDigit,
  (c) => isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102),
  (c) => isDigit(c) || isLetter(c),
  (c) => c >= 32 && c < 127,
]

const classesOf = perAlphabet((alphabet): readonly Predictor[] => {
  const out: Predictor[] = []
  for (const inClass of CHARACTER_CLASSES) {
    const members = new Set<number>()
    alphabet.codes.forEach((code, symbol) => {
      if (inClass(code)) members.add(symbol)
    })
    if (members.size < 2 || members.size === alphabet.size) continue
    out.push({ p: (symbol) => (members.has(symbol) ? 1 / members.size : 0), push: () => undefined })
  }
  return out
})

/** Only the symbols of one character class (only lowercase, only hex digits, ...). */
export const characterClasses: PredictorFamily = classesOf

/** Lowercase, uppercase, digit, other printable, other: which class comes next is learnt. */
function kindOf(code: number): number {
  if (code >= 97 && code <= 122) return 0
  if (code >= 65 && code <= 90) return 1
  if (isDigit(code)) return 2
  return code >= 32 && code < 127 ? 3 : 4
}

const kindsOf = perAlphabet((alphabet) => {
  const kinds = alphabet.codes.map(kindOf)
  const sizes = [0, 0, 0, 0, 0]
  for (const kind of kinds) sizes[kind] = (sizes[kind] ?? 0) + 1
  return { kinds, sizes, present: sizes.filter((size) => size > 0).length }
})

export const classMix: PredictorFamily = (alphabet) => {
  const { kinds, sizes, present } = kindsOf(alphabet)
  const counts = [0, 0, 0, 0, 0]
  let seen = 0
  return [
    {
      p(symbol) {
        const kind = kinds[symbol] ?? 0
        return ((counts[kind] ?? 0) + 0.5) / (seen + 0.5 * present) / (sizes[kind] ?? 1)
      },
      push(symbol) {
        const kind = kinds[symbol] ?? 0
        counts[kind] = (counts[kind] ?? 0) + 1
        seen++
      },
    },
  ]
}

/**
 * Arithmetic runs with stride `lag`: the next symbol continues the step between the symbols
 * `lag` and `2 * lag` back (aaaa, abcd, zyxw, 0246, and interleaved runs such as a1b2c3).
 */
export const strides: PredictorFamily = (alphabet) =>
  [1, 2, 3, 4].map((lag): Predictor => {
    const history = new History()
    const expected = (): number => {
      if (history.length < 2 * lag) return -1
      const step = 2 * history.back(lag) - history.back(2 * lag)
      return ((step % alphabet.size) + alphabet.size) % alphabet.size
    }
    return {
      p: (symbol) => pointMass(alphabet.size, expected(), 0.9, symbol),
      push: (symbol) => {
        history.push(symbol)
      },
    }
  })

/**
 * Repeats: after the last `order` symbols, expect what followed them the previous time they
 * occurred, more confidently the longer the repeat has held (passwordpassword, abcabc).
 */
export const repeats: PredictorFamily = (alphabet) =>
  [1, 2, 4].map((order) => repeat(alphabet, order))

// Where each context last ended, by a hash of the context. A collision only makes a wrong
// guess, which costs bits but never breaks the predictor.
const CONTEXT_SLOTS = 1 << 12

function repeat(alphabet: SymbolAlphabet, order: number): Predictor {
  const history = new History()
  const lastEnd = new Int32Array(CONTEXT_SLOTS).fill(-1)
  let next = -1
  let run = 0
  return {
    p(symbol) {
      const confidence = Math.min(0.98, (run + 1) / (run + 2))
      return pointMass(alphabet.size, next < 0 ? -1 : history.at(next), confidence, symbol)
    },
    push(symbol) {
      if (next >= 0 && history.at(next) === symbol) {
        run++
        next++
      } else {
        next = -1
        run = 0
      }
      history.push(symbol)
      if (history.length < order) return
      let hash = 0
      for (let back = order; back >= 1; back--) hash = (hash * 257 + history.back(back)) % 65521
      const slot = hash % CONTEXT_SLOTS
      const previous = lastEnd[slot] ?? -1
      if (next < 0 && previous >= 0) next = previous + 1
      lastEnd[slot] = history.length - 1
    },
  }
}

/** UTF-8 text given as bytes: continuation bytes after a lead byte, the same script again. */
export const utf8Text: PredictorFamily = (alphabet) => {
  if (alphabet.size !== 256) return []
  let needed = 0
  let lastLead = -1
  return [
    {
      p(symbol) {
        const byte = codeOf(alphabet, symbol)
        const continuation = byte >= 0x80 && byte <= 0xbf
        if (needed > 0) return continuation ? 1 / 64 : 0
        // 0.3 for the lead byte seen last, 0.2 spread over the 51 lead bytes, 0.5 over text.
        if (byte >= 0xc2 && byte <= 0xf4) return (byte === lastLead ? 0.3 : 0) + 0.2 / 51
        return isText(byte) ? 0.5 / 98 : 0
      },
      push(symbol) {
        const byte = codeOf(alphabet, symbol)
        if (needed > 0) {
          needed = byte >= 0x80 && byte <= 0xbf ? needed - 1 : 0
        } else if (byte >= 0xc2 && byte <= 0xf4) {
          lastLead = byte
          needed = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1
        }
      },
    },
  ]
}
