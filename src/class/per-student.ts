/**
 * Runs a `lab` command for each student as its own process (`lab --instance ID …`): each instance has its own
 * lock, state, command log and credentials, so students run side by side without sharing any of them. At
 * most `concurrency` students at once per host; the hosts run in parallel.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { mapLimit } from '../util/parallel.js'
import type { ClassMember } from './class-record.js'

export interface StudentRun {
  id: string
  host: string
  code: number
  stdout: string
  /** The last line the command wrote to stderr: its error, or its last progress line. */
  last: string
  ms: number
}

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url))

/** One `lab` command as a child process (argv array, no shell). */
export function runLab(args: string[], opts: { cwd?: string } = {}): Promise<Omit<StudentRun, 'id' | 'host'>> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('hint:'))
      resolve({ code: code ?? 1, stdout, last: lines.at(-1)?.trim() ?? '', ms: Date.now() - started })
    })
  })
}

/** fn's `lab` arguments for each member, run with bounded concurrency per host; every run's result, in roster order. */
export async function forEachStudent(members: readonly ClassMember[], concurrency: number, args: (m: ClassMember) => string[], onDone?: (r: StudentRun) => void): Promise<StudentRun[]> {
  const byHost = new Map<string, ClassMember[]>()
  for (const m of members) byHost.set(m.host, [...(byHost.get(m.host) ?? []), m])
  const results = new Map<string, StudentRun>()
  await Promise.all(
    [...byHost.values()].map((list) =>
      mapLimit(list, concurrency, async (m) => {
        const r: StudentRun = { id: m.id, host: m.host, ...(await runLab(['--instance', m.id, ...args(m)])) }
        results.set(m.id, r)
        onDone?.(r)
      }),
    ),
  )
  return members.map((m) => results.get(m.id)!)
}
