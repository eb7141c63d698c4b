// Builds a Next.js fixture app once and serves it with `next start`, shared by every test file
// that drives a real Next app over HTTP. The fixture is copied beside the compiled sources so
// `sessionkit` resolves to them, exactly as an installed package would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import { join, resolve, sep } from 'node:path'
import { generateKey } from '../../src/index.ts'

const root = resolve(import.meta.dirname, '../../..')
const nextBin = join(root, 'node_modules/next/dist/bin/next')

/** The deepest directory holding every one of `paths`. */
function commonAncestor(paths: readonly string[]): string {
  const split = paths.map((path) => path.split(sep))
  const first = split[0] ?? []
  let length = 0
  while (length < first.length && split.every((parts) => parts[length] === first[length])) {
    length++
  }
  return first.slice(0, length).join(sep) || sep
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'))
        else resolvePort(address.port)
      })
    })
  })
}

/** Copies `fixture` (relative to the repository) beside the compiled sources. */
function prepareApp(fixture: string): string {
  const buildDir = join(root, 'build')
  mkdirSync(buildDir, { recursive: true })
  const dir = mkdtempSync(join(buildDir, 'next-app-'))
  cpSync(join(root, fixture), dir, { recursive: true })
  const pkg = join(dir, 'node_modules/sessionkit')
  mkdirSync(pkg, { recursive: true })
  symlinkSync(join(buildDir, 'src'), join(pkg, 'src'), 'dir')
  const exports = { '.': './src/index.js', './next': './src/next.js' }
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'sessionkit', type: 'module', exports }),
  )
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n')
  const rootDir = commonAncestor([dir, realpathSync(join(root, 'node_modules'))])
  writeFileSync(join(dir, 'next.config.json'), JSON.stringify({ root: rootDir }))
  return dir
}

function start(dir: string, port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  return new Promise((resolveChild, reject) => {
    let output = ''
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready')) resolveChild(child)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => {
      reject(new Error(`next start exited with ${String(code)}:\n${output}`))
    })
  })
}

export interface RunningNextApp {
  /** `http://127.0.0.1:<port>` */
  readonly base: string
  close(): void
}

export interface BuiltNextApp {
  /** The app's directory (a copy of the fixture), built. */
  readonly dir: string
  readonly env: NodeJS.ProcessEnv
  /** Removes the directory. */
  remove(): void
}

/** One `next build` of a copy of `fixture`. */
export function buildApp(fixture = 'test/fixtures/next-app'): BuiltNextApp {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', SESSION_KEY: generateKey() }
  const dir = prepareApp(fixture)
  const remove = (): void => {
    rmSync(dir, { recursive: true, force: true })
  }
  const began = Date.now()
  const build = spawnSync(process.execPath, [nextBin, 'build'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  })
  if (build.status !== 0) {
    remove()
    throw new Error(`next build failed:\n${build.stdout}${build.stderr}`)
  }
  console.log(`# next build took ${((Date.now() - began) / 1000).toFixed(1)} s`)
  return { dir, env, remove }
}

/** One `next build` of `fixture`, then `next start` on a free port of 127.0.0.1. */
export async function buildAndServe(fixture = 'test/fixtures/next-app'): Promise<RunningNextApp> {
  const built = buildApp(fixture)
  let server: ChildProcess | undefined
  const close = (): void => {
    server?.kill()
    built.remove()
  }
  try {
    const port = await freePort()
    server = await start(built.dir, port, built.env)
    return { base: `http://127.0.0.1:${port}`, close }
  } catch (error) {
    close()
    throw error
  }
}
