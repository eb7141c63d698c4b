// Timing and heap accounting for bench/scale.mjs, in-process: CPU time from process.cpuUsage
// (every thread: GC helpers included), and from v8.GCProfiler's before/after heap statistics
// of each GC in the window, the bytes allocated (growth of the used heap plus what each GC
// freed), the bytes scavenges promoted (growth of the old spaces across each scavenge), the
// number of full (mark-compact) GCs and the main-thread GC pause.
import process from 'node:process'
import v8 from 'node:v8'
import { median } from './common.mjs'

const YOUNG = new Set(['new_space', 'new_large_object_space'])

/** Full GCs until the used heap stops shrinking; returns the used heap (+ external) bytes. */
export function settledHeap() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  for (let i = 0; i < 3; i++) globalThis.gc()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.external
}

function oldUsed(spaces) {
  let sum = 0
  for (const space of spaces) if (!YOUNG.has(space.spaceName)) sum += space.spaceUsedSize
  return sum
}

function gcFigures(statistics) {
  let freed = 0
  let promoted = 0
  let fullGcs = 0
  let pauseMicros = 0
  for (const { gcType, beforeGC, afterGC, cost } of statistics) {
    freed += beforeGC.heapStatistics.usedHeapSize - afterGC.heapStatistics.usedHeapSize
    if (gcType === 'Scavenge') {
      promoted += oldUsed(afterGC.heapSpaceStatistics) - oldUsed(beforeGC.heapSpaceStatistics)
    }
    if (gcType === 'MarkSweepCompact') fullGcs++
    pauseMicros += cost
  }
  return { freed, promoted, fullGcs, pauseMicros }
}

/** One pass of `n` requests (`request(i)` may return a promise): per-request figures. */
export async function pass(request, n) {
  const profiler = new v8.GCProfiler()
  profiler.start()
  const usedBefore = v8.getHeapStatistics().used_heap_size
  const cpuBefore = process.cpuUsage()
  for (let i = 0; i < n; i++) await request(i)
  const cpu = process.cpuUsage(cpuBefore)
  const usedAfter = v8.getHeapStatistics().used_heap_size
  const figures = gcFigures(profiler.stop().statistics)
  return {
    cpuMicros: (cpu.user + cpu.system) / n,
    allocatedBytes: (usedAfter - usedBefore + figures.freed) / n,
    promotedBytes: figures.promoted / n,
    fullGcsPer1k: (figures.fullGcs * 1000) / n,
    gcPauseMicros: figures.pauseMicros / n,
  }
}

/** `warmup` requests, then `passes` passes of `n`: the median of each figure, and the CPU spread. */
export async function measureRequests(request, { warmup, n, passes }) {
  for (let i = 0; i < warmup; i++) await request(i)
  const results = []
  for (let p = 0; p < passes; p++) results.push(await pass(request, n))
  const of = (key) => median(results.map((r) => r[key]))
  const cpu = results.map((r) => r.cpuMicros)
  return {
    cpuMicros: of('cpuMicros'),
    cpuMin: Math.min(...cpu),
    cpuMax: Math.max(...cpu),
    allocatedBytes: of('allocatedBytes'),
    promotedBytes: of('promotedBytes'),
    fullGcsPer1k: of('fullGcsPer1k'),
    gcPauseMicros: of('gcPauseMicros'),
    passes,
    n,
  }
}
