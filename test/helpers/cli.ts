/** Runs the built `lab` CLI (npm test builds first) as a user would, with no shell in between. */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const LAB_BIN = join(ROOT, 'dist', 'cli', 'main.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function lab(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [LAB_BIN, ...args],
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env }, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr) })
      },
    )
  })
}

/** A `lab` command running in the background: what it has printed on stderr so far, and how it ends. */
export interface RunningLab {
  stderr(): string
  /** Resolves once stderr matches, or rejects when the command ends or `timeoutMs` passes first. */
  said(pattern: RegExp, timeoutMs?: number): Promise<void>
  done: Promise<CliResult>
  /** The `lab` process itself, to be signalled. */
  child: ChildProcess
}

/** `group`: lab leads its own process group, as a command started from a terminal does. */
export function labInBackground(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; group?: boolean }): RunningLab {
  const child = spawn(process.execPath, [LAB_BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.group ?? false,
  })
  let stdout = ''
  let stderr = ''
  let ended = false
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      ended = true
      resolve({ code: code ?? 1, stdout, stderr })
    }),
  )
  const said = async (pattern: RegExp, timeoutMs = 60_000) => {
    for (const until = Date.now() + timeoutMs; !pattern.test(stderr); await new Promise((r) => setTimeout(r, 50))) {
      if (ended || Date.now() > until) throw new Error(`lab ${args.join(' ')} ${ended ? 'ended' : 'went on'} without saying ${pattern}:\n${stderr}`)
    }
  }
  return { stderr: () => stderr, said, done, child }
}
