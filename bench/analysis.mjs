// Turns raw per-pass figures into the statistics the report and the targets use.
import { median } from './lib/common.mjs'

/** seal/open style pairs: a "pair" is one of each, timed per pass as the sum of the two. */
export const MICRO_PAIRS = [
  {
    id: 'raw.gcm',
    a: 'raw.gcm.seal',
    b: 'raw.gcm.open',
    group: 'limit',
    label: 'node:crypto AES-256-GCM seal + open',
  },
  {
    id: 'raw.hmac',
    a: 'raw.hmac.sign',
    b: 'raw.hmac.verify',
    group: 'limit',
    label: 'node:crypto HMAC-SHA256 sign + verify',
  },
  {
    id: 'raw.web.gcm',
    a: 'raw.web.gcm.seal',
    b: 'raw.web.gcm.open',
    group: 'limit',
    label: 'Web Crypto AES-GCM seal + open (awaited)',
  },
  {
    id: 'raw.web.hmac',
    a: 'raw.web.hmac.sign',
    b: 'raw.web.hmac.verify',
    group: 'limit',
    label: 'Web Crypto HMAC sign + verify (awaited)',
  },
  {
    id: 'sk.node.sealed',
    a: 'sk.node.sealed.seal',
    b: 'sk.node.sealed.open',
    group: 'sessionkit',
    label: 'sessionkit sealed, node backend',
    limit: 'raw.gcm',
  },
  {
    id: 'sk.node.signed',
    a: 'sk.node.signed.seal',
    b: 'sk.node.signed.open',
    group: 'sessionkit',
    label: 'sessionkit signed, node backend',
    limit: 'raw.hmac',
  },
  {
    id: 'sk.web.sealed',
    a: 'sk.web.sealed.seal',
    b: 'sk.web.sealed.open',
    group: 'sessionkit',
    label: 'sessionkit sealed, Web Crypto backend',
    limit: 'raw.web.gcm',
  },
  {
    id: 'sk.web.signed',
    a: 'sk.web.signed.seal',
    b: 'sk.web.signed.open',
    group: 'sessionkit',
    label: 'sessionkit signed, Web Crypto backend',
    limit: 'raw.web.hmac',
  },
  {
    id: 'iron8',
    a: 'iron8.seal',
    b: 'iron8.unseal',
    group: 'peer',
    label: 'iron-session 8 sealData + unsealData',
    limit: 'raw.web.gcm',
  },
  {
    id: 'iron2',
    a: 'iron2.seal',
    b: 'iron2.unseal',
    group: 'peer',
    label: 'iron-webcrypto 2 seal + unseal',
    limit: 'raw.web.gcm',
  },
  {
    id: 'keygrip.sha1',
    a: 'keygrip.sha1.encode',
    b: 'keygrip.sha1.decode',
    group: 'peer',
    label: 'keygrip sha1 encode + decode (cookie-session)',
    limit: 'raw.hmac',
  },
  {
    id: 'keygrip.sha256',
    a: 'keygrip.sha256.encode',
    b: 'keygrip.sha256.decode',
    group: 'peer',
    label: 'keygrip sha256 encode + decode',
    limit: 'raw.hmac',
  },
  {
    id: 'cookie-signature',
    a: 'cookie-signature.sign',
    b: 'cookie-signature.unsign',
    group: 'peer',
    label: 'cookie-signature sign + unsign (session id only)',
    limit: 'raw.hmac',
  },
  {
    id: 'fastify',
    a: 'fastify.encode',
    b: 'fastify.decode',
    group: 'peer',
    label: '@fastify/secure-session encode + decode',
    limit: 'raw.gcm',
  },
]

/** Whole per-request cookie work, compared with the raw round trip. */
export const MICRO_ROUND_TRIPS = [
  { id: 'raw.cookie.rt', group: 'limit' },
  { id: 'sk.node.cookie.rt', group: 'sessionkit' },
  { id: 'sk.node.cookie-signed.rt', group: 'sessionkit' },
  { id: 'sk.web.cookie.rt', group: 'sessionkit' },
  { id: 'cookie-session.rt', group: 'peer' },
  { id: 'express-session.rt', group: 'peer' },
  { id: 'memorystore.rt', group: 'peer' },
  { id: 'fastify.rt', group: 'peer' },
]

export function spread(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

/**
 * ns/op per pass for `key` at `size` (wall time, or with `metric` 'cpu' process CPU time), or
 * undefined when it was not run.
 */
export function passes(micro, size, key, metric = 'wall') {
  const found = micro.rows.find((row) => row.size === size && row.key === key)
  return metric === 'cpu' ? found?.cpuNsPerPass : found?.nsPerPass
}

export function pairPasses(micro, size, pairId, metric = 'wall') {
  const pair = MICRO_PAIRS.find((p) => p.id === pairId)
  const a = passes(micro, size, pair.a, metric)
  const b = passes(micro, size, pair.b, metric)
  if (a === undefined || b === undefined) return undefined
  return a.map((ns, i) => ns + b[i])
}

/** ns per pass of a pair or a single row. */
export function seriesOf(micro, size, id, metric = 'wall') {
  return MICRO_PAIRS.some((p) => p.id === id)
    ? pairPasses(micro, size, id, metric)
    : passes(micro, size, id, metric)
}

/**
 * Ratio x/y of two series measured in the same passes: the median of the per-pass ratios,
 * with their min-max.
 */
export function passRatio(x, y) {
  if (x === undefined || y === undefined) return undefined
  return spread(x.map((value, i) => value / y[i]))
}

export const labelOf = (micro, key) => micro.rows.find((row) => row.key === key)?.label ?? key

// ---------------------------------------------------------------------------------------------
// HTTP: per-round slices (`perRound[round][id]`, one slice per contender and round).

// The no-session row of the same framework, so a framework row's ratio shows what the session
// adds to that framework. A scenario may name it (`bare`); otherwise it follows from the id.
const FRAMEWORK_BARE = [
  [/express|cookie-session/, 'express-bare'],
  [/fastify/, 'fastify-bare'],
  [/koa/, 'koa-bare'],
  [/hono/, 'hono-bare'],
  [/fetch/, 'fetch-bare'],
]

export function bareOf(scenario) {
  if (typeof scenario.bare === 'string') return scenario.bare
  if (!scenario.session) return undefined
  return FRAMEWORK_BARE.find(([pattern]) => pattern.test(scenario.id))?.[1] ?? 'node-bare'
}

/** The value of `metric` for `id` in every round that ran it. */
export function sliceValues(perRound, id, metric = 'serverCpuUsPerRequest') {
  return perRound.filter((round) => round[id] !== undefined).map((round) => round[id][metric])
}

/**
 * A figure computed from several contenders' slices of the same round (`f` gets the round's
 * value of `metric` per id), over every round that ran all of them: median and min–max.
 */
export function perRoundFigure(perRound, ids, f, metric = 'serverCpuUsPerRequest') {
  const rounds = perRound.filter((round) => ids.every((id) => round[id] !== undefined))
  if (rounds.length === 0) return undefined
  const values = rounds.map((round) => f(...ids.map((id) => round[id][metric])))
  return { ...spread(values), rounds: values.length }
}

/** `a`'s `metric` over `b`'s, within each round, then the median. */
export function roundRatio(perRound, a, b, metric = 'serverCpuUsPerRequest') {
  return perRoundFigure(perRound, [a, b], (x, y) => x / y, metric)
}

const RATIO_METRICS = { cpu: 'serverCpuUsPerRequest', rps: 'rps', p50: 'p50', p99: 'p99' }

function ratiosTo(perRound, id, base) {
  const out = {}
  for (const [key, metric] of Object.entries(RATIO_METRICS)) {
    out[key] = roundRatio(perRound, id, base, metric)?.median
  }
  return out
}

const sum = (values) => values.reduce((a, b) => a + b, 0)

/**
 * The report's and the targets' view of the slices: per contender the median over its slices
 * of server CPU µs per request (the headline) with its min–max, req/s, p50, p99, and ratios to
 * the baselines computed per round and then the median.
 */
export function summarizeHttp(scenarios, perRound, after = {}) {
  return scenarios
    .filter((scenario) => perRound.some((round) => round[scenario.id] !== undefined))
    .map((scenario) => {
      const values = (metric) => sliceValues(perRound, scenario.id, metric)
      const cpu = spread(values('serverCpuUsPerRequest'))
      const bare = bareOf(scenario)
      const vs = {}
      for (const base of new Set(['node-bare', 'raw-crypto', bare])) {
        if (base !== undefined && base !== scenario.id)
          vs[base] = ratiosTo(perRound, scenario.id, base)
      }
      return {
        id: scenario.id,
        label: scenario.label,
        kind: scenario.kind,
        session: scenario.session,
        bare,
        slices: values('rps').length,
        cpuUsPerRequest: cpu.median,
        cpuSpread: { min: cpu.min, max: cpu.max },
        rps: median(values('rps')),
        rpsPerRound: values('rps'),
        cpuPerRound: values('serverCpuUsPerRequest'),
        p50: median(values('p50')),
        p99: median(values('p99')),
        errors: sum(values('errors')),
        fresh: sum(values('fresh')),
        loaded: sum(values('loaded')),
        cookieBytes: values('cookieBytes')[0] ?? 0,
        afterBody: after[scenario.id],
        vs,
      }
    })
}
