// Secrets people and patterns make, which the key ring must refuse. Every entry here is a
// valid encoding of at least 32 bytes, so what refuses it is the entropy estimate, not the
// decoding. Built from fixed text only (one entry embeds random bytes on purpose).
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const hex = (text: string): string => Buffer.from(text).toString('hex')
const base64 = (text: string): string => Buffer.from(text).toString('base64')
const base64url = (text: string): string => Buffer.from(text).toString('base64url')

/** English passphrases written without spaces (valid base64url at these lengths). */
export const PASSPHRASES: readonly string[] = [
  'correcthorsebatterystaplecorrecthorsebattery',
  'thisismysupersecretpassphraseforthesessions',
  'mysecretkeyisverylongandnobodywillguessitok',
  'ThisIsMySuperSecretSessionKeyPleaseDoNotLeak',
  'mySuperSecretKey_2026_production_do_not_tell',
  'SESSION_SECRET_FOR_PRODUCTION_ENVIRONMENT_V1',
  'MyCompanyNameProductionSessionSecretKey2026X',
  'Correct-Horse-Battery-Staple-Orange-Window-4',
  'prod_session_secret_do_not_commit_this_value',
  'thequickbrownfoxjumpsoverthelazydogthequickb',
  'TheQuickBrownFoxJumpsOverTheLazyDog123456789',
  'welcometothejungleweve90tfunandgamesweve90tit'.slice(0, 44),
  'iwanttoholdyourhandiwanttoholdyourhandforever'.slice(0, 44),
  'allyouneedisloveallyouneedisloveloveisallyouneed',
]

/** Alphabets, keyboard walks, repeated words and runs, as strings. */
export const PATTERNED_STRINGS: readonly string[] = [
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ',
  'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH',
  'ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkji',
  'qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjk',
  'qwertyuiopQWERTYUIOPasdfghjklASDFGHJKLzxcvbn',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p1qaz2wsx',
  'zaq12wsxcde34rfvbgt56yhnmju78ik9ol0pzaq12wsx',
  'azertyuiopqsdfghjklmwxcvbnazertyuiopqsdfghjk',
  'passwordpasswordpasswordpasswordpasswordpass',
  'Password123Password123Password123Password123',
  'P4ssw0rdP4ssw0rdP4ssw0rdP4ssw0rdP4ssw0rdP4ss',
  'adminadminadminadminadminadminadminadminadmi',
  'changemechangemechangemechangemechangemechan',
  'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2',
  'aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvV',
  'Z'.repeat(44),
  'a'.repeat(64),
  '0'.repeat(64),
  'ab'.repeat(32),
  'password'.repeat(8),
  '0123456789abcdef'.repeat(4),
  '0123456789'.repeat(7).slice(0, 64),
  'deadbeef'.repeat(8),
  'cafebabedeadbeeffeedfacecafebabedeadbeeffeedfacecafebabedeadbeef',
  'f'.repeat(32) + '0'.repeat(32),
  '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
]

/** Text in hex or base64: decodable, random-looking at a glance, human inside. */
export const ENCODED_TEXT: readonly string[] = [
  hex('this is my very secret session key for prod'),
  hex('correct horse battery staple, and a pony!'),
  hex('my-secret-session-key-2026-production!!'),
  base64('correct horse battery staple, correct horse!'),
  base64('This is the session key of our app, keep it safe'),
  base64url('the quick brown fox jumps over the lazy dog'),
  base64url('password1234567890password1234567890'),
  'c2Vzc2lvbi1zZWNyZXQtMjAyNi1wcm9kdWN0aW9uLWtleQ==',
]

/** Patterned bytes, and text given as bytes. */
export const PATTERNED_BYTES: readonly Uint8Array[] = [
  new Uint8Array(32),
  new Uint8Array(64).fill(7),
  Uint8Array.from({ length: 64 }, (_, i) => i % 2),
  Uint8Array.from({ length: 32 }, (_, i) => i),
  Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i),
  Uint8Array.from({ length: 32 }, (_, i) => 0xff - i),
  Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 255),
  Uint8Array.from({ length: 48 }, (_, i) => [1, 2, 3][i % 3] ?? 0),
  Uint8Array.from(Buffer.concat([randomBytes(16), Buffer.alloc(16)])),
  utf8('This is a sentence in English used as a key.'),
  utf8('correct horse battery staple correct horse'),
  utf8('Ceci est une phrase en français utilisée comme clé.'),
  utf8('Это предложение на русском языке для ключа.'),
  utf8('これは鍵として使われる日本語の文章です。'),
  utf8('abcdefghijklmnopqrstuvwxyzABCDEF'),
  utf8('x7Kp2Lq9Vb4Nz8Mw3Rt6Yh1Jc5Fd0Gs!'),
  // The text of a real random key, given as its UTF-8 bytes instead of as the string.
  utf8(randomBytes(32).toString('base64url')),
  utf8(randomBytes(32).toString('hex')),
]
