// scripts/ensure-chromium.mjs, the first step of `npm test`: its decisions, driven through PATH
// and SESSIONKIT_CHROMIUM. PATH holds only stand-ins written here (a fake sudo and a fake
// apt-get that logs its calls and "installs" by creating the file), so the real apt never runs
// and the real /usr/bin/chromium is never touched. Cases that need a non-root user drop to
// nobody (65534) when the suite runs as root.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, beforeEach, describe, it } from 'node:test'

const SCRIPT = resolve('scripts/ensure-chromium.mjs')
const NOBODY = 65_534
const isRoot = process.getuid?.() === 0

const dirs: string[] = []
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

interface Sandbox {
  /** The only directory on PATH. */
  readonly bin: string
  /** Where SESSIONKIT_CHROMIUM points; absent until something creates it. */
  readonly chromium: string
  /** One line per fake apt-get call: `uid=<n> sudo=<0|1> frontend=<v> <args>`. */
  readonly log: string
}

let box: Sandbox

beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'sessionkit-chromium-'))
  dirs.push(root)
  // Writable for nobody too: the non-root cases log and "install" as that user.
  chmodSync(root, 0o777)
  box = { bin: root, chromium: join(root, 'chromium'), log: join(root, 'apt.log') }
  // A copy beside the stand-ins: nobody may not be able to read the checkout (a clone in a
  // private temporary directory, say).
  copyFileSync(SCRIPT, join(root, 'ensure-chromium.mjs'))
  chmodSync(join(root, 'ensure-chromium.mjs'), 0o644)
})

function script(name: string, body: string): void {
  const path = join(box.bin, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
}

/** A fake apt-get: logs the call; `install` creates the browser unless told to fail. */
function fakeAptGet(options: { failInstall?: boolean } = {}): void {
  script(
    'apt-get',
    [
      `echo "uid=$(/usr/bin/id -u) sudo=\${FAKE_SUDO:-0} frontend=$DEBIAN_FRONTEND $*" >> '${box.log}'`,
      'for arg in "$@"; do',
      '  if [ "$arg" = install ]; then',
      options.failInstall
        ? '    echo "E: Unable to locate package chromium" >&2; exit 100'
        : `    : > '${box.chromium}' && /bin/chmod 755 '${box.chromium}'`,
      '  fi',
      'done',
      'exit 0',
    ].join('\n'),
  )
}

/** A fake sudo: `-n true` answers whether a password is needed; otherwise runs the command. */
function fakeSudo(passwordless: boolean): void {
  script(
    'sudo',
    [
      '[ "$1" = -n ] || exit 2',
      'shift',
      `if [ "$1" = true ]; then exit ${passwordless ? 0 : 1}; fi`,
      // VAR=value arguments, as real sudo takes them, then the command.
      'while [ "${1#*=}" != "$1" ]; do export "$1"; shift; done',
      'export FAKE_SUDO=1',
      'exec "$@"',
    ].join('\n'),
  )
}

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  readonly aptCalls: string[]
}

let nobodysNode: string | undefined

// The running Node may live where nobody cannot reach it (CI's Node 24 under /root/.cache):
// then a copy in a world-readable directory runs the script as nobody.
function nodeForNobody(): string {
  if (nobodysNode !== undefined) return nobodysNode
  const probe = spawnSync(process.execPath, ['-e', ''], { uid: NOBODY, gid: NOBODY })
  if (probe.status === 0) nobodysNode = process.execPath
  else {
    const dir = mkdtempSync(join(tmpdir(), 'sessionkit-node-'))
    dirs.push(dir)
    chmodSync(dir, 0o755)
    nobodysNode = join(dir, 'node')
    copyFileSync(process.execPath, nobodysNode)
    chmodSync(nobodysNode, 0o755)
  }
  return nobodysNode
}

function run(as: 'this user' | 'a non-root user'): Run {
  const drop = as === 'a non-root user' && isRoot
  const node = drop ? nodeForNobody() : process.execPath
  const result = spawnSync(node, [join(box.bin, 'ensure-chromium.mjs')], {
    env: { PATH: box.bin, SESSIONKIT_CHROMIUM: box.chromium },
    encoding: 'utf8',
    timeout: 30_000,
    ...(drop ? { uid: NOBODY, gid: NOBODY } : {}),
  })
  const aptCalls = existsSync(box.log)
    ? readFileSync(box.log, 'utf8').split('\n').filter(Boolean)
    : []
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, aptCalls }
}

/** stderr is exactly one line, and it names the path and the command to run. */
function assertOneLineStop(result: Run, pattern: RegExp): void {
  assert.equal(result.status, 1)
  const lines = result.stderr.split('\n').filter(Boolean)
  assert.equal(lines.length, 1, `one line, got: ${result.stderr}`)
  const [line = ''] = lines
  assert.ok(line.includes(`Chromium is missing at ${box.chromium}`), line)
  assert.match(line, pattern)
}

describe('npm test: ensure Chromium', () => {
  it('does nothing, silently, when the browser is there', () => {
    fakeAptGet()
    writeFileSync(box.chromium, '')
    chmodSync(box.chromium, 0o755)
    const result = run('this user')
    assert.equal(result.status, 0)
    assert.equal(result.stdout + result.stderr, '')
    assert.deepEqual(result.aptCalls, [])
  })

  it('stops with one line naming the command when a non-root user has no sudo', () => {
    fakeAptGet()
    const result = run('a non-root user')
    assertOneLineStop(
      result,
      /needs root; run: sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium$/,
    )
    assert.deepEqual(result.aptCalls, [], 'apt-get never ran')
    assert.equal(existsSync(box.chromium), false)
  })

  it('stops with the same line when sudo would ask for a password, without waiting', () => {
    fakeAptGet()
    fakeSudo(false)
    const result = run('a non-root user')
    assertOneLineStop(result, /needs root; run: sudo apt-get update && sudo apt-get install/)
    assert.deepEqual(result.aptCalls, [])
  })

  it('installs through passwordless sudo for a non-root user: update, then install', () => {
    fakeAptGet()
    fakeSudo(true)
    const result = run('a non-root user')
    assert.equal(result.status, 0, result.stderr)
    const uid = isRoot ? NOBODY : process.getuid?.()
    assert.deepEqual(result.aptCalls, [
      `uid=${uid} sudo=1 frontend=noninteractive -q update`,
      `uid=${uid} sudo=1 frontend=noninteractive -q install -y --no-install-recommends -o DPkg::Lock::Timeout=300 chromium`,
    ])
    assert.match(result.stdout, /installing Debian's chromium package/)
  })

  it('installs directly when running as root, else through sudo', () => {
    fakeAptGet()
    fakeSudo(true)
    const result = run('this user')
    assert.equal(result.status, 0, result.stderr)
    const via = isRoot ? 'sudo=0' : 'sudo=1'
    assert.equal(result.aptCalls.length, 2)
    for (const call of result.aptCalls) assert.match(call, new RegExp(` ${via} `))
    assert.ok(existsSync(box.chromium))
  })

  it('stops with one line when apt-get fails, after showing apt output', () => {
    fakeAptGet({ failInstall: true })
    fakeSudo(true)
    const result = run('this user')
    assert.equal(result.status, 1)
    const lines = result.stderr.split('\n').filter(Boolean)
    assert.equal(lines[0], 'E: Unable to locate package chromium', 'apt’s own message is shown')
    assert.equal(lines.length, 2)
    assert.match(lines[1] ?? '', /apt-get install failed \(exit 100\).*run: sudo apt-get update/)
  })

  it('stops with one line on a machine without apt-get', () => {
    fakeSudo(true)
    const result = run('this user')
    assertOneLineStop(result, /no apt-get/)
  })
})
