// The gob number and string primitives on plain Uint8Array (no Buffer: the core must run on every
// runtime). Unsigned ints are one byte below 128, else the negated byte count then big-endian
// bytes; signed ints fold the sign into the low bit; floats are byte-reversed IEEE 754 uints.
import { GobError } from '../../errors.ts'

const utf8Encoder = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of a Go string ("\ufeffkey"), not a byte order mark.
// Not fatal: invalid UTF-8 becomes U+FFFD, which a JavaScript string cannot avoid.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true })
const TWO_64 = 1n << 64n

export function decodeError(message: string): never {
  throw new GobError('ERR_GOB_DECODE', `gob: ${message}`)
}

export function encodeError(message: string): never {
  throw new GobError('ERR_GOB_ENCODE', `gob: ${message}`)
}

/** UTF-8 to a string, keeping a leading U+FEFF and replacing invalid bytes with U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes)
}

/** A growable byte buffer; also the unit gob frames as a message (length prefix + contents). */
export class GobWriter {
  private buf = new Uint8Array(64)
  length = 0

  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + extra) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  byte(b: number): void {
    this.reserve(1)
    this.buf[this.length++] = b
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length)
    this.buf.set(data, this.length)
    this.length += data.length
  }

  uint(value: number | bigint): void {
    if (value < 128 && value >= 0) {
      this.byte(Number(value))
      return
    }
    let v = BigInt(value)
    if (v < 0n || v >= TWO_64) encodeError('unsigned value out of range')
    const be: number[] = []
    while (v > 0n) {
      be.unshift(Number(v & 0xffn))
      v >>= 8n
    }
    this.byte(256 - be.length)
    this.bytes(Uint8Array.from(be))
  }

  int(value: number | bigint): void {
    const v = BigInt(value)
    // Go: x = uint64(^i<<1)|1 for negatives, uint64(i<<1) otherwise.
    this.uint(v < 0n ? ((-v - 1n) << 1n) | 1n : v << 1n)
  }

  float(value: number): void {
    // The uint is the float's bits byte-reversed, so its big-endian bytes are the little-endian
    // float bytes; leading zero bytes (the low mantissa) drop out, which is why 3.25 is 3 bytes.
    const le = new Uint8Array(8)
    new DataView(le.buffer).setFloat64(0, value, true)
    let start = 0
    while (start < 8 && le[start] === 0) start++
    const rest = le.subarray(start)
    if (rest.length === 0) this.byte(0)
    else if (rest.length === 1 && (rest[0] ?? 128) < 128) this.bytes(rest)
    else {
      this.byte(256 - rest.length)
      this.bytes(rest)
    }
  }

  string(text: string): void {
    const data = utf8Encoder.encode(text)
    this.uint(data.length)
    this.bytes(data)
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }

  reset(): void {
    this.length = 0
  }
}

/** Reads one message at a time: `limit` is the end of the current message, `end` of the input. */
export class GobReader {
  readonly data: Uint8Array
  pos = 0
  limit = 0

  constructor(data: Uint8Array) {
    this.data = data
  }

  get remainingInMessage(): number {
    return this.limit - this.pos
  }

  get remainingInStream(): number {
    return this.data.length - this.pos
  }

  byte(): number {
    const b = this.pos < this.limit ? this.data[this.pos] : undefined
    if (b === undefined) return decodeError('unexpected end of message')
    this.pos++
    return b
  }

  uintBig(): bigint {
    const first = this.byte()
    if (first < 128) return BigInt(first)
    const n = 256 - first
    if (n > 8) decodeError('invalid uint length')
    if (n > this.remainingInMessage) decodeError('uint exceeds message')
    let v = 0n
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.data[this.pos++] ?? 0)
    return v
  }

  /** An unsigned count or length; anything beyond a safe integer cannot be valid here. */
  uint(): number {
    const first = this.data[this.pos]
    if (first !== undefined && first < 128 && this.pos < this.limit) {
      this.pos++
      return first
    }
    const v = this.uintBig()
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) decodeError('count too large')
    return Number(v)
  }

  intBig(): bigint {
    const x = this.uintBig()
    return x & 1n ? ~(x >> 1n) : x >> 1n
  }

  float(): number {
    let u = this.uintBig()
    const le = new Uint8Array(8)
    for (let i = 7; i >= 0; i--) {
      le[i] = Number(u & 0xffn)
      u >>= 8n
    }
    return new DataView(le.buffer).getFloat64(0, true)
  }

  /** A length-prefixed byte string, checked against the message before anything is allocated. */
  lengthPrefixed(): Uint8Array {
    const n = this.uint()
    if (n > this.remainingInMessage) decodeError('length exceeds message')
    const out = this.data.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  string(): string {
    return utf8Decode(this.lengthPrefixed())
  }
}

/** Narrows to a number when exact, so `int64(1<<40)` reads as a plain number. */
export function toNumeric(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v
}
