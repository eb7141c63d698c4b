// Prints the top self-time and inclusive frames of a V8 .cpuprofile, e.g. after
//   node --cpu-prof --cpu-prof-dir=bench/results/prof bench/micro.mjs --only='small:sk.node.cookie.rt'
// Usage: node bench/top-frames.mjs <file.cpuprofile | directory> [count=25]
import console from 'node:console'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import process from 'node:process'

const target = process.argv[2]
const count = Number(process.argv[3] ?? 25)
if (target === undefined) {
  console.error('usage: node bench/top-frames.mjs <file.cpuprofile | directory> [count]')
  process.exit(2)
}
const file = statSync(target).isDirectory()
  ? join(
      target,
      readdirSync(target)
        .filter((name) => name.endsWith('.cpuprofile'))
        .sort()
        .at(-1),
    )
  : target
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parentOf = new Map()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parentOf.set(child, node.id)
const label = (node) => {
  const frame = node.callFrame
  const where =
    frame.url === '' ? '' : ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`
  return `${frame.functionName || '(anonymous)'}${where}`
}
const selfTime = new Map()
let total = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt)
})
const self = new Map()
const inclusive = new Map()
for (const [id, dt] of selfTime) {
  const name = label(byId.get(id))
  self.set(name, (self.get(name) ?? 0) + dt)
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) {
    const frame = label(byId.get(cur))
    if (seen.has(frame)) continue
    seen.add(frame)
    inclusive.set(frame, (inclusive.get(frame) ?? 0) + dt)
  }
}
const idle = [...self].filter(([name]) => name.startsWith('(idle)')).reduce((a, [, t]) => a + t, 0)
const busy = total - idle
const pct = (t) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`
console.log(
  `${file}: ${(total / 1e6).toFixed(2)} s sampled, ${((100 * idle) / total).toFixed(1)}% idle`,
)
console.log('-- self time (% of non-idle)')
for (const [name, t] of [...self]
  .filter(([n]) => !n.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, count)) {
  console.log(`${pct(t)}  ${name}`)
}
console.log('-- inclusive time (% of non-idle)')
for (const [name, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, count)) {
  console.log(`${pct(t)}  ${name}`)
}
