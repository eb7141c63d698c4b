// First step of `npm test`: the browser tests drive Debian's Chromium (playwright-core does not
// download browsers), which npm cannot install. When it is missing, install it with apt if this
// user may (root, or passwordless sudo); otherwise stop with one line saying what to run. The
// browser tests never skip, so stopping here, before minutes of other checks, saves the wait.
//
//   SESSIONKIT_CHROMIUM   the browser binary (default /usr/bin/chromium, where Debian puts it);
//                         test/support/browser.ts reads the same variable
import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import console from 'node:console'
import process from 'node:process'

const chromium = process.env.SESSIONKIT_CHROMIUM || '/usr/bin/chromium'
// dpkg's lock may be held by unattended-upgrades on a fresh machine: wait for it, not fail.
const LOCK_TIMEOUT_SECONDS = 300
const APT_STEPS = [
  ['update'],
  [
    'install',
    '-y',
    '--no-install-recommends',
    '-o',
    `DPkg::Lock::Timeout=${LOCK_TIMEOUT_SECONDS}`,
    'chromium',
  ],
]
const MANUAL = 'sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium'

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The first executable `name` on PATH, or `undefined`. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, name))) return join(dir, name)
  }
  return undefined
}

function stop(reason) {
  console.error(
    `npm test: Chromium is missing at ${chromium} (the browser tests need it): ${reason}`,
  )
  process.exit(1)
}

/** How to run apt-get as root here: a command prefix, or `undefined` when this user may not. */
function asRoot(aptGet) {
  if (process.geteuid?.() === 0) return [aptGet]
  const sudo = onPath('sudo')
  // -n: fail instead of prompting, so npm test never waits for a password nobody types.
  if (sudo === undefined || spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    return undefined
  }
  return [sudo, '-n', 'DEBIAN_FRONTEND=noninteractive', 'apt-get']
}

function install() {
  const aptGet = onPath('apt-get')
  if (aptGet === undefined) {
    stop('this machine has no apt-get; install Chromium there, or set SESSIONKIT_CHROMIUM to it')
  }
  const prefix = asRoot(aptGet)
  if (prefix === undefined) stop(`installing it needs root; run: ${MANUAL}`)
  const [command, ...sudoArgs] = prefix
  console.log(`npm test: Chromium is missing at ${chromium}; installing Debian's chromium package`)
  for (const step of APT_STEPS) {
    const result = spawnSync(command, [...sudoArgs, '-q', ...step], {
      // No stdin: apt and debconf must never wait for an answer.
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    if (result.status !== 0) {
      const how = result.error?.message ?? `exit ${result.status ?? result.signal}`
      stop(`apt-get ${step[0]} failed (${how}); see its output above, then run: ${MANUAL}`)
    }
  }
  if (!isExecutable(chromium)) stop(`apt-get installed chromium, but ${chromium} is still missing`)
}

if (!isExecutable(chromium)) install()
