// The HTTP contenders. Each runs in its own child process (bench/http/server.mjs <id>). Rows
// with `pending` are listed in the report but not run; a row that `requires` better-sqlite3 is
// skipped (and listed as such) when that native module does not load.
export const HTTP_SCENARIOS = [
  { id: 'node-bare', label: 'bare node:http (no session)', session: false, kind: 'baseline' },
  {
    id: 'raw-crypto',
    label: 'raw node:crypto AES-256-GCM cookie on node:http (the limit)',
    session: true,
    kind: 'limit',
  },
  {
    id: 'raw-floor',
    label: "sessionkit's token format by hand on node:http (the format's floor)",
    session: true,
    kind: 'limit',
  },
  {
    id: 'sk-node',
    label: 'sessionkit, node:http adapter, cookie store (node backend)',
    session: true,
    kind: 'sessionkit',
  },
  {
    id: 'sk-node-web',
    label: 'sessionkit, node:http adapter, cookie store (Web Crypto backend)',
    session: true,
    kind: 'sessionkit',
  },
  {
    id: 'sk-node-memory',
    label: 'sessionkit, node:http adapter, server store on the memory driver',
    session: true,
    kind: 'sessionkit',
  },
  {
    id: 'sk-node-fs',
    label: 'sessionkit, node:http adapter, server store on the filesystem driver (fsync)',
    session: true,
    kind: 'sessionkit',
  },
  {
    id: 'sk-node-sqlite',
    label: 'sessionkit, node:http adapter, server store on the SQLite driver (better-sqlite3, WAL)',
    session: true,
    kind: 'sessionkit',
    requires: 'better-sqlite3',
  },
  {
    id: 'fetch-bare',
    label: 'Fetch bridge on node:http (no session)',
    session: false,
    kind: 'baseline',
  },
  {
    id: 'sk-fetch',
    label: 'sessionkit, Fetch adapter (withSessions), cookie store (node backend)',
    session: true,
    kind: 'sessionkit',
  },
  { id: 'express-bare', label: 'express 5 (no session)', session: false, kind: 'baseline' },
  {
    id: 'express-session',
    label: 'express 5 + express-session (MemoryStore)',
    session: true,
    kind: 'peer',
  },
  {
    id: 'cookie-session',
    label: 'express 5 + cookie-session (keygrip sha1)',
    session: true,
    kind: 'peer',
  },
  { id: 'iron-session', label: 'iron-session 8 on node:http', session: true, kind: 'peer' },
  { id: 'fastify-bare', label: 'fastify 5 (no session)', session: false, kind: 'baseline' },
  {
    id: 'fastify-secure-session',
    label: 'fastify 5 + @fastify/secure-session (sodium)',
    session: true,
    kind: 'peer',
  },
]
