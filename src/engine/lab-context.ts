/**
 * What every lifecycle command starts with: the lab loaded and validated, its lock taken, its journal, its
 * provider (detected, with fatal preflight problems stopping here before anything is created), and the
 * command log that sees every hypervisor call.
 */
import { appendFileSync } from 'node:fs'
import { loadLab, type LoadedLab } from '../lab/load.js'
import type { ProviderName } from '../lab/schema.js'
import { stateLayout, type StateLayout } from '../state/layout.js'
import { acquireLock, describeChildren, type LabLock, type LockChild } from '../state/lock.js'
import { Journal } from '../state/journal.js'
import { readState, writeState, type LabState } from '../state/state-file.js'
import { setRunLogger, setRunTracker, redact } from '../util/run.js'
import { quoteArgv } from '../util/shell-quote.js'
import { HostError, LabError } from '../util/errors.js'
import { fsError } from '../util/fs-errors.js'
import { ensureStateDir } from '../state/state-dir.js'
import { firstTime } from '../state/seen-warnings.js'
import { ensurePrivateDir } from '../util/files.js'
import type { Provider, ProviderInfo } from '../providers/provider.js'
import { createProvider } from '../providers/index.js'
import { SCALE_VARIABLE, timeoutScale } from '../providers/call-limits.js'
import { chooseProvider } from './lab-plan.js'
import type { Reporter } from './events.js'
import type { ProgressStream } from '../media/download-progress.js'

export interface LabContext {
  loaded: LoadedLab
  paths: StateLayout
  journal: Journal
  provider: Provider
  info: ProviderInfo
  state: LabState
  report: Reporter
  /** Where output that draws itself goes (a download's progress bar): the CLI's stderr; none in tests. */
  stderr?: ProgressStream
  saveState(): Promise<void>
  /** Appends a line to the lab's command log (secrets already redacted by the caller). */
  log(line: string): void
  /** The hypervisor commands running now: a command stopped by a signal leaves them in the lock for the next one. */
  runningCommands(): LockChild[]
  release(): Promise<void>
}

export interface OpenOptions {
  file?: string
  allowDefault?: boolean
  provider?: string
  command: string
  report: Reporter
  /** The CLI's stderr: a download's progress bar is drawn there, and with `verbose` every hypervisor call is shown there. */
  stderr?: ProgressStream
  verbose?: boolean
  /** Secrets to redact from the command log. */
  secrets?: string[]
  /** Show the provider's non-fatal preflight warnings (where VMs are made or booted; elsewhere they are noise). */
  warn?: boolean
  /** The command runs modules, which copy the files the lab names: they must be there (checked before anything starts). */
  needsLabFiles?: boolean
  /** `lab destroy --force`: a damaged state file is set aside instead of stopping the command. */
  tolerateDamagedState?: boolean
}

/** run()'s log and process record point at the open lab; releasing it (or failing to open it) lets go of both. */
function unhook(): void {
  setRunLogger(undefined)
  setRunTracker(undefined)
}

export async function openLab(opts: OpenOptions): Promise<LabContext> {
  const loaded = await loadLab(opts.file, { allowDefault: opts.allowDefault ?? false, missingFilesOk: !opts.needsLabFiles })
  // A bad time-limit setting is told before anything is written, as a bad lab file is.
  timeoutScale(process.env[SCALE_VARIABLE])
  const paths = stateLayout(loaded.stateDir)
  for (const dir of await ensureStateDir(paths.dir)) opts.report({ type: 'warn', message: `${dir} could be read by other users; it holds the lab's passwords and keys, so it is now 0700` })
  const lock: LabLock = await acquireLock(paths.lock, opts.command, {
    onWait: (children, held) => {
      const { list, it } = describeChildren(children)
      opts.report({ type: 'warn', message: `\`${held.command}\` (PID ${held.pid}) stopped while it ran ${list}: waiting for ${it} to finish first` })
    },
    onOverdue: (children, held) => {
      const { list, it, is } = describeChildren(children)
      opts.report({ type: 'warn', message: `${list}, left running by \`${held.command}\` (PID ${held.pid}), ${is} past ${children.length > 1 ? 'their' : 'its'} time limit: ending ${it}` })
    },
    onStale: (held) => opts.report({ type: 'warn', message: `taking over the lock of \`${held?.command ?? 'an earlier command'}\` (PID ${held?.pid ?? '?'}), which is no longer running` }),
  })
  try {
    let previous: LabState | undefined
    try {
      previous = await readState(paths.state)
    } catch (err) {
      if (!opts.tolerateDamagedState) throw err
      opts.report({ type: 'warn', message: `${(err as Error).message.split(':')[0]}: ignoring it, using the journal and the hypervisor's own list instead` })
    }
    let providerName: ProviderName
    if (previous && opts.provider === undefined) providerName = previous.provider
    else providerName = chooseProvider(loaded, opts.provider).name
    if (previous && previous.provider !== providerName) {
      throw new LabError(`this lab was built with ${previous.provider}; it cannot be driven with ${providerName}`, {
        hint: `run \`lab destroy\` first, or leave out --provider`,
      })
    }
    await ensurePrivateDir(paths.logsDir)
    const log = (line: string) => {
      try {
        appendFileSync(paths.commandLog, `${new Date().toISOString()} ${redact(line, opts.secrets)}\n`, { mode: 0o600 })
      } catch (err) {
        throw fsError(err, { doing: "cannot write the lab's command log", path: paths.commandLog })
      }
    }
    setRunTracker(({ pid, command, timeoutMs }) =>
      lock.track({ pid, command: redact(command, opts.secrets), ...(timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs).toISOString() }) }),
    )
    setRunLogger(({ command, result, error }) => {
      const line = `$ ${quoteArgv(command)} → ${result ? `exit ${result.exitCode} (${result.durationMs} ms)` : `failed: ${(error as Error).message}`}`
      log(line)
      if (opts.verbose) opts.stderr?.write(redact(line, opts.secrets) + '\n')
    })
    const provider = await createProvider(providerName, { stateDir: loaded.stateDir, lab: loaded.lab })
    const info = await provider.detect()
    if (opts.warn) {
      for (const p of info.problems.filter((p) => !p.fatal)) {
        const message = `${p.problem} — ${p.fix}`
        // About this machine, not this lab: told once per host (again with -v).
        if (opts.verbose || firstTime(message)) opts.report({ type: 'warn', message: opts.verbose ? message : `${message} (told once on this machine; \`lab -v\` tells it every time)` })
      }
    }
    const fatal = info.problems.filter((p) => p.fatal)
    if (fatal.length) {
      throw new HostError(`${info.product} cannot run this lab yet:\n${fatal.map((p) => `  - ${p.problem}\n    fix: ${p.fix}`).join('\n')}`, {
        hint: 'fix the problems above and run the command again; nothing was created',
      })
    }
    const now = new Date().toISOString()
    const state: LabState = previous ?? { version: 1, lab: loaded.lab.name, provider: providerName, nodes: {}, snapshots: [], stages: {}, createdAt: now, updatedAt: now }
    const journal = new Journal(paths.journal)
    return {
      loaded,
      paths,
      journal,
      provider,
      info,
      state,
      report: opts.report,
      ...(opts.stderr ? { stderr: opts.stderr } : {}),
      saveState: () => writeState(paths.state, state),
      log,
      runningCommands: () => lock.running(),
      release: async () => {
        unhook()
        await lock.release()
      },
    }
  } catch (err) {
    unhook()
    await lock.release()
    throw err
  }
}
