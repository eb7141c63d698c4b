// Shared by every benchmark: the payloads, the keys and the raw-crypto "limit" code paths.
// Everyone (sessionkit, the raw baselines and the peers) gets the same payload objects.
import { Buffer } from 'node:buffer'
import { createCipheriv, createDecipheriv, createHmac, createSecretKey } from 'node:crypto'
import { randomFillSync, timingSafeEqual } from 'node:crypto'

/** A ~200-byte session: a user, roles, a two-item cart, a CSRF token and a counter. */
export const SMALL = Object.freeze({
  userId: 'u_8f14e45fceea167a',
  roles: ['admin', 'user'],
  cart: [
    { sku: 'SKU-1001', qty: 2, price: 1999 },
    { sku: 'SKU-2002', qty: 1, price: 4999 },
  ],
  csrf: 'q0mPvZ3kXw7bLr2sT9yN4eHc',
  iat: 1795000000,
  views: 0,
})

function makeLarge() {
  const cart = []
  for (let i = 0; i < 24; i++) {
    const sku = `SKU-${String(1000 + i * 37)}`
    cart.push({ sku, name: `Catalogue item ${i}`, qty: 1 + (i % 3), price: 999 + i * 250 })
  }
  const recentlyViewed = []
  for (let i = 0; i < 12; i++) recentlyViewed.push(`p_${(i * 7919).toString(16).padStart(6, '0')}`)
  return {
    userId: 'u_8f14e45fceea167a',
    roles: ['admin', 'user'],
    cart,
    recentlyViewed,
    prefs: { theme: 'dark', lang: 'en-GB', currency: 'EUR', tz: 'Europe/Berlin', compact: true },
    flash: ['Saved your address', 'Your order is on its way'],
    csrf: 'q0mPvZ3kXw7bLr2sT9yN4eHc',
    iat: 1795000000,
    views: 0,
  }
}

/** A ~2-KB session: the small one plus a 24-item cart, recently viewed items and prefs. */
export const LARGE = Object.freeze(makeLarge())

export const PAYLOADS = Object.freeze({ small: SMALL, large: LARGE })

/** Fixed 32-byte keys, so runs are comparable; base64url for sessionkit. */
export const KEY_BYTES = Buffer.from(
  '8736876b143ab1155a490cc6698fc3a6235a377fdf1df0cd73127f1ad6a8d58b',
  'hex',
)
export const KEY_B64URL = KEY_BYTES.toString('base64url')
/** A 48-character password for iron-session / iron-webcrypto (they want >= 32 characters). */
export const IRON_PASSWORD = 'pT3v9Lr2xQ8mZ5kW1cY7bN4hJ6fD0sA2gE8uR5iO3lK9wV1'
/** A secret string for keygrip, cookie-signature, express-session and cookie-session. */
export const SECRET_STRING = 'x7Kp2Lq9Vb4Nz8Mw3Rt6Yh1Jc5Fd0Gs'
/** A 40-character secret for @fastify/session (it wants >= 32 characters). */
export const LONG_SECRET_STRING = 'Hq4Zt8Wm2Xc6Vb0Nl3Kj7Gf1Ds5Ap9Ro2Ie6Uy4T'

export const COOKIE_NAME = 'session'
export const SET_COOKIE_ATTRIBUTES = '; Path=/; HttpOnly; Secure; SameSite=Lax'

// ---------------------------------------------------------------------------------------------
// The limit: raw node:crypto AES-256-GCM (iv || ciphertext || tag, base64url) and HMAC-SHA256.

const gcmKey = createSecretKey(KEY_BYTES)
const hmacKey = createSecretKey(KEY_BYTES)

/** JSON.stringify + AES-256-GCM with a random 96-bit IV + base64url. */
export function rawGcmSeal(value) {
  const iv = randomFillSync(Buffer.allocUnsafe(12))
  const cipher = createCipheriv('aes-256-gcm', gcmKey, iv)
  const body = cipher.update(JSON.stringify(value), 'utf8')
  const tail = cipher.final()
  return Buffer.concat([iv, body, tail, cipher.getAuthTag()]).toString('base64url')
}

/** base64url + AES-256-GCM open + JSON.parse; undefined when it does not authenticate. */
export function rawGcmOpen(token) {
  const bytes = Buffer.from(token, 'base64url')
  if (bytes.length < 28) return undefined
  const decipher = createDecipheriv('aes-256-gcm', gcmKey, bytes.subarray(0, 12))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  try {
    const head = decipher.update(bytes.subarray(12, bytes.length - 16))
    const tail = decipher.final()
    const text = tail.length === 0 ? head.toString('utf8') : Buffer.concat([head, tail]).toString()
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** JSON.stringify + base64url(payload).base64url(HMAC-SHA256). */
export function rawHmacSign(value) {
  const body = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
  const mac = createHmac('sha256', hmacKey).update(body).digest('base64url')
  return `${body}.${mac}`
}

/** Verify (timingSafeEqual) + base64url + JSON.parse. */
export function rawHmacVerify(token) {
  const dot = token.lastIndexOf('.')
  if (dot < 0) return undefined
  const body = token.slice(0, dot)
  const expected = createHmac('sha256', hmacKey).update(body).digest()
  const mac = Buffer.from(token.slice(dot + 1), 'base64url')
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
}

/** The value of `name` in a Cookie header: the minimal parse the raw handler does. */
export function rawCookieValue(header, name) {
  if (header === undefined || header === null) return undefined
  const prefix = `${name}=`
  let start = header.startsWith(prefix) ? 0 : header.indexOf(`; ${prefix}`)
  if (start < 0) return undefined
  if (start > 0) start += 2
  const end = header.indexOf(';', start)
  return header.slice(start + prefix.length, end < 0 ? header.length : end)
}

// ---------------------------------------------------------------------------------------------
// Statistics.

export function median(values) {
  return quantile(values, 0.5)
}

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length
}
