// Subjects side by side: every subject's process is started once and stays up, and each round
// loads each in turn, the order reversed every other round (A B C, C B A, A B C, …: for any two
// subjects, pairs of rounds run ABBA), as ../shared/peers/paired.sh and bench/ab.js do. A slow
// drift of the shared machine then lands on all subjects alike, which fresh processes measured
// minutes apart do not; a row's ratio is the median of its per-round ratios (table.js `perRound`).
import { cpuMs, startSubject, unavailable } from './subjects.js'

/** User + system CPU of `pid` in ms, or undefined without a process to read (direct to upstream). */
function cpuOf(pid) {
  return pid === undefined ? undefined : cpuMs(pid)
}

/**
 * Starts `names` (`start(name)`, fresh processes, in order), runs `warmup(subject)` on each, then
 * `rounds` rounds of `measure(subject)` in turn, and stops them all. Each sample gets `cpuMs`,
 * the subject's CPU spent while it was measured, and with `upstreamPid` `upstreamCpuMs`, the
 * upstream's. Returns samples by name, sample i of every subject from round i; an unavailable
 * subject (subjects.js `unavailable`) gets its reason instead.
 */
export async function inTurn(names, { rounds, measure, warmup, start, upstreamPid, progress }) {
  const results = Object.fromEntries(names.map((name) => [name, unavailable.get(name) ?? []]))
  const subjects = []
  try {
    for (const name of names.filter((name) => !unavailable.has(name))) subjects.push(await start(name))
    // A fresh process: let the JIT and the connection pools settle before counting.
    if (warmup) for (const subject of subjects) await warmup(subject)
    for (let round = 0; round < rounds; round++) {
      for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
        const before = cpuOf(subject.pid)
        const upstreamBefore = cpuOf(upstreamPid)
        const sample = await measure(subject)
        if (before !== undefined) sample.cpuMs = cpuOf(subject.pid) - before
        if (upstreamBefore !== undefined) sample.upstreamCpuMs = cpuOf(upstreamPid) - upstreamBefore
        results[subject.name].push(sample)
      }
      progress?.(round, results)
    }
  } finally {
    await Promise.all(subjects.map((subject) => subject.stop()))
  }
  return results
}

/** `inTurn` on the subjects of subjects.js (direct, baseline, devproxy, …) in front of `upstreamUrl`. */
export function subjectsInTurn(names, upstreamUrl, options) {
  return inTurn(names, { ...options, start: (name) => startSubject(name, upstreamUrl) })
}

/** Microseconds of CPU per request over `samples` (each with `cpuMs` or `upstreamCpuMs`, and `requests`), or undefined. */
export function cpuPerRequestUs(samples, field = 'cpuMs') {
  if (typeof samples === 'string' || samples.length === 0 || samples.some((sample) => sample[field] === undefined)) return undefined
  const requests = samples.reduce((sum, sample) => sum + sample.requests, 0)
  return (samples.reduce((sum, sample) => sum + sample[field], 0) * 1000) / requests
}

/** `212 µs CPU/req` for a cell, or undefined for samples without CPU (direct to upstream: no proxy process). */
export function cpuNote(samples) {
  const us = cpuPerRequestUs(samples)
  return us === undefined ? undefined : `${us.toFixed(0)} µs CPU/req`
}
