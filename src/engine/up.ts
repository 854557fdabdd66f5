/**
 * `lab up`: network → base → linked clones and boot (in parallel) → SSH → modules → snapshot `ready`, one
 * step per file in ./up/. Every step first looks at what exists, so running it again resumes an interrupted
 * run and does nothing on a finished lab; the journal records each step for `lab destroy` (journaled.ts).
 */
import { isAbsolute, join, resolve } from 'node:path'
import { hostPrecheck } from './host-precheck.js'
import { assertIso9660 } from '../media/local-iso.js'
import { readBundle } from '../bundle/manifest.js'
import { selectNodes } from '../lab/targets.js'
import { vmName } from '../lab/vm-names.js'
import type { ModuleResult } from '../modules/module.js'
import { ensureCredentials } from './credentials.js'
import { labSessions } from './access.js'
import { stage } from './events.js'
import type { LabContext } from './lab-context.js'
import { appliedAlready } from './applied-modules.js'
import { networkStep } from './up/network.js'
import { baseStep } from './up/base.js'
import { nodesStep } from './up/nodes.js'
import { sshStep } from './up/ssh.js'
import { modulesStep } from './up/modules.js'
import { READY_SNAPSHOT, readySnapshotStep } from './up/ready-snapshot.js'

export { READY_SNAPSHOT } from './up/ready-snapshot.js'
export { CLEAN_SNAPSHOT } from './vm-specs.js'

export interface UpOptions {
  only?: string[]
  provision?: boolean
  iso?: string
  /** Download the install ISO from this mirror (as `lab iso fetch --mirror`). */
  mirror?: string
  /** Nodes cloned and booted at once. */
  concurrency?: number
  /** A bundle folder (lab bundle create): the install ISO and the modules' images come from it. */
  bundle?: string
  /** Start even when this machine has too little memory, disk or CPUs for the lab (host-precheck.ts). */
  force?: boolean
}

export interface UpResult {
  base: 'reused' | 'built'
  created: string[]
  modules: ModuleResult[]
  snapshot: 'taken' | 'exists' | 'skipped'
  /** Set when the modules were not run because they were applied already (when). */
  appliedAt?: string
}

export async function up(ctx: LabContext, opts: UpOptions = {}): Promise<UpResult> {
  const { loaded, report, journal, state } = ctx
  const lab = loaded.lab
  const nodes = selectNodes(lab, opts.only)
  // A bad --bundle or --iso is told before the network or anything else is made.
  if (opts.bundle !== undefined) lab.bundle = resolve(opts.bundle)
  const iso =
    opts.iso ??
    (lab.bundle === undefined
      ? undefined
      : await bundleIso(
          lab.bundle,
          loaded.filesDir,
          lab.os.isos.map((i) => i.file),
        ))
  if (iso !== undefined) await assertIso9660(iso)
  // So is a machine with too little memory, disk or CPUs for the nodes.
  await hostPrecheck(ctx, nodes, opts.force === true)
  const creds = await ensureCredentials(loaded)

  const network = await networkStep(ctx)
  let base: Awaited<ReturnType<typeof baseStep>>
  let made: Awaited<ReturnType<typeof nodesStep>>
  try {
    base = await baseStep(ctx, network, creds, iso, opts.mirror)
    made = await nodesStep(ctx, nodes, base.name, network, creds, opts.concurrency)
  } catch (e) {
    // Before any node runs, a failure (an ISO that cannot be had, an install that stopped) leaves no switch running.
    await ctx.provider.releaseIdleNetwork?.(network, [...lab.nodes.map((n) => vmName(lab, n)), ...(state.base ? [state.base.name] : [])]).catch(() => undefined)
    throw e
  }
  const { created, booted } = made

  const appliedAt = appliedAlready(state, lab)
  const wanted = opts.provision !== false && !opts.only && lab.modules.length > 0
  if (wanted && appliedAt && !created.length && !booted.length && state.snapshots.some((s) => s.name === READY_SNAPSHOT)) {
    // Every node was running and the modules as the lab file states them ran in full: nothing to do.
    await stage(report, 'modules', async () => undefined, `applied ${appliedAt}; \`lab provision\` applies them again`)
    await journal.append({ step: 'up', phase: 'done' })
    return { base: base.outcome, created, modules: [], snapshot: 'exists', appliedAt }
  }

  const sessions = await labSessions(ctx)
  try {
    await sshStep(ctx, nodes, sessions)
    const skip = opts.provision === false ? '--no-provision' : lab.modules.length === 0 ? 'the lab has no modules' : undefined
    const modules = await modulesStep(ctx, sessions, { ...(opts.only ? { nodes: opts.only } : {}), ...(skip ? { skip } : {}) })
    const snapshot: UpResult['snapshot'] = opts.provision !== false && !opts.only ? await readySnapshotStep(ctx, sessions) : 'skipped'
    await journal.append({ step: 'up', phase: 'done' })
    return { base: base.outcome, created, modules, snapshot }
  } finally {
    await sessions.close()
  }
}

/** The bundle's install ISO of the lab's OS, if it has one; reading the manifest checks the bundle before anything is made. */
async function bundleIso(bundle: string, filesDir: string, files: string[]): Promise<string | undefined> {
  const opened = await readBundle(isAbsolute(bundle) ? bundle : join(filesDir, bundle))
  const iso = opened.manifest.artifacts.find((a) => a.kind === 'iso' && files.includes(a.name))
  return iso === undefined ? undefined : join(opened.dir, iso.path)
}
