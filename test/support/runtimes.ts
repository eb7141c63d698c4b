// Bun, Deno and workerd, as installed from npm (node_modules/.bin), each serving the shared
// app of test/runtimes/app.mjs on 127.0.0.1, or running a test file of its own. Everything
// runs on the built package (dist/, imported by name): `npm run build` first, as npm test does.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const BIN = join(ROOT, 'node_modules', '.bin')
export const BUN = join(BIN, 'bun')
export const DENO = join(BIN, 'deno')
export const WORKERD = join(BIN, 'workerd')
export const FIXTURES = join(ROOT, 'test', 'runtimes')

/** Deno without network or update checks, its cache in `dir`, packages from node_modules. */
export function denoEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: dir, NO_COLOR: '1' }
}
export const DENO_FLAGS = [
  '--node-modules-dir=manual',
  '--allow-net=127.0.0.1',
  '--allow-read',
  '--allow-env',
  '--no-prompt',
]

export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end (killed after `timeoutMs`). */
export function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 30_000,
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      fail(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })
}

/** A runtime serving the app; `stop()` kills it and removes its temp directory. */
export interface Served {
  readonly base: string
  /** What it wrote to stderr so far (for failure messages). */
  readonly log: () => string
  stop(): Promise<void>
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sessionkit-${prefix}-`))
}

function serve(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cleanup: () => Promise<void>,
  knownPort?: number,
): Promise<Served> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const served = (port: number): Served => ({
    base: `http://127.0.0.1:${port}`,
    log: () => stderr,
    stop: () => stop(child, cleanup),
  })
  return new Promise<Served>((done, fail) => {
    const give = (error: Error): void => {
      void stop(child, cleanup).finally(() => {
        fail(new Error(`${error.message}\n${stdout}\n${stderr}`))
      })
    }
    const timer = setTimeout(() => {
      give(new Error(`${command} did not start within 20 s`))
    }, 20_000)
    child.once('error', give)
    child.once('exit', (code) => {
      clearTimeout(timer)
      give(new Error(`${command} exited with ${code} before serving`))
    })
    const ready = (port: number): void => {
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.removeListener('error', give)
      done(served(port))
    }
    if (knownPort !== undefined) {
      void waitForHttp(knownPort, () => child.exitCode !== null).then(ready, give)
      return
    }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const line = /^\{"port":(\d+)\}$/m.exec(stdout)
      if (line?.[1] !== undefined) ready(Number(line[1]))
    })
  })
}

async function stop(child: ChildProcess, cleanup: () => Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  await cleanup()
}

// workerd takes its port from the config: ask the OS for a free one.
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address !== null && typeof address === 'object') done(address.port)
        else fail(new Error('no port'))
      })
    })
  })
}

async function waitForHttp(port: number, exited: () => boolean): Promise<number> {
  for (let attempt = 0; attempt < 400 && !exited(); attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/info`)
      return port
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  throw new Error('workerd did not answer')
}

export function serveBun(): Promise<Served> {
  return serve(BUN, [join(FIXTURES, 'bun-server.mjs')], process.env, () => Promise.resolve())
}

export async function serveDeno(): Promise<Served> {
  const dir = await tempDir('deno')
  return serve(DENO, ['run', ...DENO_FLAGS, join(FIXTURES, 'deno-server.mjs')], denoEnv(dir), () =>
    rm(dir, { recursive: true, force: true }),
  )
}

/**
 * workerd (with the compatibility flags given) runs one bundled module (Bun's bundler resolves `sessionkit` and `hono` from
 * node_modules, as a Workers build does) behind a socket on a free port.
 */
export async function serveWorkerd(compatibilityFlags: readonly string[] = []): Promise<Served> {
  const dir = await tempDir('workerd')
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const bundle = join(dir, 'worker.js')
    const built = await run(BUN, [
      'build',
      join(FIXTURES, 'worker.mjs'),
      '--outfile',
      bundle,
      '--format',
      'esm',
      '--target',
      'browser',
    ])
    if (built.code !== 0) throw new Error(`bun build failed:\n${built.stdout}\n${built.stderr}`)
    const port = await freePort()
    const config = join(dir, 'config.capnp')
    await writeFile(
      config,
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = [${compatibilityFlags.map((flag) => JSON.stringify(flag)).join(', ')}],
);
`,
    )
    return await serve(WORKERD, ['serve', config], process.env, cleanup, port)
  } catch (error) {
    await cleanup()
    throw error
  }
}
