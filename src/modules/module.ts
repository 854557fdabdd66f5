/**
 * The module contract (Ansible's, done faster): probe (read-only, one round trip where possible) → plan
 * (changes with reasons and diffs) → apply (only what the plan lists; service restarts only after a change)
 * → verify. A second run on an unchanged node plans nothing and reports `ok`.
 *
 * One way to build a module: its file exports a factory, `xModule(timing = X_TIMING)`, and its default is
 * `xModule()`. The timing holds every wait of the module (how long, how often), so tests inject short ones;
 * a module that never waits has a factory without arguments.
 *
 * Each module names its change keys as a union type (`Module<Options, Probe, Key>`, `Change<Key>`): plan
 * can only plan, and apply only ask for (`changeKeys(changes).has(…)` of lib/change-keys.ts, `c.key === …`),
 * keys of that union, so a misspelt key does not compile. At run time a key is the plain string it always
 * was: state files and `--check` show the same changes.
 *
 * The engine runs, per node: probe → plan → apply (when the plan is not empty) → verify, told what was
 * applied (`applied` is empty after a run that planned nothing). `--check` stops after plan; otherwise
 * verify is skipped only when nothing was planned and `verified(probed)` says the probe already showed what
 * verify would check.
 */
import type { ResolvedLab, ResolvedNode } from '../lab/resolve.js'
import type { Target } from '../lab/targets.js'
import type { SectionsRead } from './lib/probe-script.js'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

/** What a module may do on a node. The SSH session implements it; transcript tests replay recorded answers. */
export interface Guest {
  exec(cmd: string | string[], opts?: { timeoutMs?: number; input?: string | Buffer; sudo?: boolean; secrets?: string[] }): Promise<ExecResult>
  upload(path: string, data: string | Buffer, opts?: { mode?: number; owner?: string; group?: string }): Promise<void>
  /** Read-only probe sections, answered together with other modules' (see engine/probe-batch.ts); optional. */
  readSections?(sections: Record<string, string | readonly string[]>): Promise<SectionsRead>
}

export type { GuestFacts as Facts, OsFamily as Family } from '../guest/facts.js'
import type { GuestFacts as Facts, OsFamily as Family } from '../guest/facts.js'

export interface Change<K extends string = string> {
  /** What apply() acts on: the module's own action name, e.g. "config", "restart", "join". */
  key: K
  /** Short, for the plan and the summary: "write /etc/chrony.conf". */
  what: string
  /** Why it is needed: "nodes must use only the master". */
  why: string
  /** A unified diff for file changes (shown by --check). */
  diff?: string
}

export interface ModuleContext<O> {
  lab: ResolvedLab
  node: ResolvedNode
  role: Target['role']
  options: O
  guest: Guest
  facts: Facts
  /** Other nodes' guests, for steps that need two ends (swarm join tokens). */
  peer(node: string): Promise<{ guest: Guest; facts: Facts }>
  /** Lab secrets by name (service passwords); created on first use and kept. */
  secret(name: string): Promise<string>
  /** Absolute path of a file named relative to the lab file. */
  labFile(relative: string): string
  log(line: string): void
}

export type ModuleStatus = 'ok' | 'changed' | 'failed'

export interface ModuleResult {
  node: string
  module: string
  status: ModuleStatus
  changes: Change[]
  reason?: string
  durationMs: number
}

/** What verify is told about the run: the changes apply carried out (none when the plan was empty). */
export interface Applied<K extends string = string> {
  applied: readonly Change<K>[]
}

export interface Module<O, P, K extends string = string> {
  readonly name: string
  /** Packages to install once into the base image, so clones do not each download them. */
  bake?(family: Family, options: O): string[]
  probe(ctx: ModuleContext<O>): Promise<P>
  plan(ctx: ModuleContext<O>, probed: P): Change<K>[]
  apply(ctx: ModuleContext<O>, changes: Change<K>[], probed: P): Promise<void>
  /**
   * For a run that planned nothing: true when the probe already shows what verify would check, so its round
   * trips are skipped. Without it, verify always runs.
   */
  verified?(ctx: ModuleContext<O>, probed: P): boolean
  /** Throws (with what was expected and found) when the node is not in the wanted state after apply. */
  verify?(ctx: ModuleContext<O>, run: Applied<K>): Promise<void>
}
