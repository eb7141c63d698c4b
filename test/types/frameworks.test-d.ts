// Type-level tests of the framework adapters: `req.session` typed through declaration merging
// the way express-session / @fastify/session / koa-session users type theirs, `sessions` typed
// by the adapters themselves. Compiled by `tsc -p test/types/tsconfig.json`, never run.
import { expectTypeOf } from 'expect-type'
import express, { type RequestHandler } from 'express'
import Fastify, { type FastifyPluginAsync } from 'fastify'
import Koa, { type Middleware } from 'koa'

import { createCookieStore, createKeyRing, generateKey, type Session } from '../../src/index.ts'
import { sessions as expressSessions, type ExpressSessionRegistry } from '../../src/express.ts'
import {
  sessions as fastifySessions,
  type FastifySessionRegistry,
  type FastifySessionsOptions,
} from '../../src/fastify.ts'
import { sessions as koaSessions, type KoaSessionRegistry } from '../../src/koa.ts'

interface AppData {
  user: string
  visits: number
}

declare module 'express-serve-static-core' {
  interface Request {
    session: Session<AppData>
  }
}
declare module 'fastify' {
  interface FastifyRequest {
    session: Session<AppData>
  }
}
declare module 'koa' {
  interface DefaultContext {
    session: Session<AppData>
  }
}

const keys = createKeyRing([{ id: 'k1', secret: generateKey() }])
const store = createCookieStore<AppData>({ name: 'app', keys })

// Express
expectTypeOf(expressSessions({ store })).toEqualTypeOf<RequestHandler>()
const app = express()
app.use(expressSessions({ store, commitOnError: false }))
app.get('/', (req, res) => {
  expectTypeOf(req.session).toEqualTypeOf<Session<AppData>>()
  expectTypeOf(req.session.get('visits')).toEqualTypeOf<number | undefined>()
  expectTypeOf(req.sessions).toEqualTypeOf<ExpressSessionRegistry>()
  // @ts-expect-error -- not a key of AppData
  req.session.get('nope')
  res.end()
})
// @ts-expect-error -- onError takes an error first
expressSessions({ onError: (req: string) => req })

// Fastify
expectTypeOf(fastifySessions).toEqualTypeOf<FastifyPluginAsync<FastifySessionsOptions>>()
const server = Fastify()
void server.register(fastifySessions, { store, cacheControl: 'private, no-store' })
server.get('/', (request) => {
  expectTypeOf(request.session).toEqualTypeOf<Session<AppData>>()
  expectTypeOf(request.sessions).toEqualTypeOf<FastifySessionRegistry>()
  return request.session.getInt('visits')
})
// @ts-expect-error -- a store, not a string
void server.register(fastifySessions, { store: 'app' })

// Koa
expectTypeOf(koaSessions({ store })).toEqualTypeOf<Middleware>()
const koa = new Koa()
koa.use(koaSessions({ store }))
koa.use((ctx) => {
  expectTypeOf(ctx.session).toEqualTypeOf<Session<AppData>>()
  expectTypeOf(ctx.sessions).toEqualTypeOf<KoaSessionRegistry>()
  ctx.body = ctx.session.get('user') ?? 'anonymous'
})
