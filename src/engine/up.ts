/**
 * `lab up`: preflight → network → base → linked clones (in parallel) → boot → SSH → modules → snapshot
 * `ready`. Every step first looks at what exists, so running it again resumes an interrupted run and does
 * nothing on a finished lab; the journal records each step for `lab destroy`.
 */
import type { ProviderName } from '../lab/schema.js'
import { madeByInterruptedRun } from './network-orphans.js'
import { vmName } from '../lab/naming.js'
import { selectNodes } from '../lab/targets.js'
import { macFor, type ResolvedNode } from '../lab/resolve.js'
import { mapLimit } from '../util/parallel.js'
import { LabError } from '../util/errors.js'
import type { ModuleResult } from '../modules/module.js'
import { ensureCredentials, type LabCredentials } from './credentials.js'
import { ensureBase, installMedium, planBase, type InstallMedium } from './base.js'
import { BASE_SNAPSHOT, CLEAN_SNAPSHOT, cloneSpec } from './vm-specs.js'
import { ensureHostKeys, identityFor, writeNodeSeed } from './node-identity.js'
import { labSessions } from './access.js'
import { provision } from './provision.js'
import { bakedPackages } from './bake.js'
import { cloudImageRef } from './cloud-image.js'
import { stage, task } from './events.js'
import type { LabContext } from './lab-context.js'
import { secretFor } from './service-secrets.js'
import { takeLabSnapshot } from './lab-snapshot.js'
import { appliedAlready, recordApplied, recordSnapshot } from './applied-modules.js'

/** The snapshot taken when the lab is ready: what `lab reset` goes back to. */
export const READY_SNAPSHOT = 'ready'
export { CLEAN_SNAPSHOT } from './vm-specs.js'

export interface UpOptions {
  only?: string[]
  provision?: boolean
  iso?: string
  /** Nodes cloned and booted at once. */
  concurrency?: number
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
  const { loaded, provider, report, journal, state } = ctx
  const lab = loaded.lab
  const nodes = selectNodes(lab, opts.only)
  const providerName = provider.name as ProviderName
  const creds = await ensureCredentials(loaded)

  const network = await stage(report, 'network', async () => {
    const before = await provider.networkIds?.()
    // An interface an earlier, interrupted run made is ours, even though ensureNetwork finds it as existing.
    const orphans = before === undefined ? [] : madeByInterruptedRun(await journal.read(), before)
    await journal.append({ step: 'network', phase: 'start', ...(before === undefined ? {} : { data: { before: before.filter((id) => !orphans.includes(id)) } }) })
    const handle = await provider.ensureNetwork({ lab: lab.name, cidr: lab.network.cidr, prefix: lab.network.prefix, netmask: lab.network.netmask, hostIp: lab.network.hostIp })
    // One killed before it got the lab's address is not found again by it, and a new one was made: remove it.
    for (const id of orphans) if (id !== handle.id) await provider.removeNetwork({ id, created: true })
    state.network = { id: handle.id, created: handle.created || orphans.includes(handle.id) || (state.network?.created ?? false) }
    await ctx.saveState()
    await journal.append({ step: 'network', phase: 'done', data: { ...state.network } })
    return { id: handle.id, created: state.network.created }
  })

  const packages = await bakedPackages(lab)
  let medium: InstallMedium | undefined
  const image = lab.install.image !== undefined ? await cloudImageRef(lab.install.image, loaded.stateDir) : undefined
  const basePlanned = planBase(loaded, providerName, creds, packages, undefined, image)
  const needsMedium = lab.os.family !== 'debian' && image === undefined && !(await baseReady(ctx, basePlanned.name))
  if (needsMedium) medium = await installMedium(loaded, opts.iso, report)
  const basePlan = medium ? planBase(loaded, providerName, creds, packages, medium) : basePlanned
  const baseOutcome = (await stage(report, `base image ${basePlan.name}`, async () => {
    await journal.append({ step: 'base', phase: 'start', data: { vm: basePlan.name } })
    const outcome = await ensureBase({ loaded, provider, plan: basePlan, network: network!, packages, ...(medium ? { medium } : {}), report })
    state.base = { name: basePlan.name, key: basePlan.key, snapshot: BASE_SNAPSHOT }
    await journal.append({ step: 'base', phase: 'done', data: { vm: basePlan.name, outcome } })
    await ctx.saveState()
    return outcome
  }))!

  const created: string[] = []
  const booted: string[] = []
  await stage(report, 'nodes', async () => {
    await mapLimit(nodes, opts.concurrency ?? 3, async (node) => {
      const vm = vmName(lab, node)
      if (await ensureClone(ctx, node, vm, basePlan.name, network!, creds)) created.push(node.name)
      if ((await provider.state(vm)) !== 'running') {
        await journal.append({ step: `boot:${node.name}`, phase: 'start', data: { vm } })
        await task(report, 'nodes', node.name, 'boot', () => provider.start(vm))
        await journal.append({ step: `boot:${node.name}`, phase: 'done', data: { vm } })
        booted.push(node.name)
      }
    })
    await ctx.saveState()
  })

  const appliedAt = appliedAlready(state, lab)
  const wanted = opts.provision !== false && !opts.only && lab.modules.length > 0
  if (wanted && appliedAt && !created.length && !booted.length && state.snapshots.some((s) => s.name === READY_SNAPSHOT)) {
    // Every node was running and the modules as the lab file states them ran in full: nothing to do.
    await stage(report, 'modules', async () => undefined, `applied ${appliedAt}; \`lab provision\` applies them again`)
    await journal.append({ step: 'up', phase: 'done' })
    return { base: baseOutcome, created, modules: [], snapshot: 'exists', appliedAt }
  }

  const sessions = await labSessions(ctx)
  try {
    await stage(report, 'ssh', async () => {
      await journal.append({ step: 'ssh', phase: 'start' })
      await mapLimit(nodes, nodes.length, (node) => task(report, 'ssh', node.name, 'SSH with the pinned host key', async () => {
        await sessions.guest(node.name)
      }))
      await journal.append({ step: 'ssh', phase: 'done' })
    })

    let modules: ModuleResult[] = []
    const runModules = opts.provision !== false && lab.modules.length > 0
    await stage(
      report,
      'modules',
      async () => {
        await journal.append({ step: 'modules', phase: 'start' })
        modules = await provision(lab, {
          guest: (n) => sessions.guest(n),
          secret: (name) => secretFor(ctx, name),
          labFile: (rel) => `${loaded.filesDir}/${rel}`,
          log: (node, line) => ctx.log(`[${node}] ${line}`),
        }, {
          ...(opts.only ? { nodes: opts.only } : {}),
          events: {
            nodeResult: (r) => {
              report({ type: 'task', stage: 'modules', node: r.node, title: r.module, status: r.status === 'failed' ? 'failed' : 'done', detail: r.status === 'failed' ? r.reason : r.status })
              const ns = state.nodes[r.node]
              if (ns) ns.modules[r.module] = { status: r.status, at: new Date().toISOString(), ...(r.reason ? { reason: r.reason } : {}) }
            },
          },
        })
        recordApplied(state, lab, modules, opts)
        await ctx.saveState()
        await journal.append({ step: 'modules', phase: 'done' })
        const failed = modules.filter((m) => m.status === 'failed')
        if (failed.length) throw new LabError(`${failed.length} module run${failed.length === 1 ? '' : 's'} failed: ${failed.map((f) => `${f.module} on ${f.node}: ${f.reason}`).join('; ')}`, { hint: 'fix the cause and run `lab up` (or `lab provision`) again: finished steps are not repeated' })
      },
      runModules ? undefined : opts.provision === false ? '--no-provision' : 'the lab has no modules',
    )

    let snapshot: UpResult['snapshot'] = 'skipped'
    if (opts.provision !== false && !opts.only) {
      const stageName = `snapshot ${READY_SNAPSHOT}`
      snapshot = (await stage(report, stageName, async () => {
        await journal.append({ step: `snapshot:${READY_SNAPSHOT}`, phase: 'start' })
        const taken = await takeLabSnapshot(ctx, lab.nodes, READY_SNAPSHOT, { stage: stageName, guest: async (n) => (await sessions.guest(n)).guest })
        if (taken.length || !state.snapshots.some((s) => s.name === READY_SNAPSHOT)) recordSnapshot(state, READY_SNAPSHOT)
        await ctx.saveState()
        await journal.append({ step: `snapshot:${READY_SNAPSHOT}`, phase: 'done' })
        return taken.length ? 'taken' : 'exists'
      }))!
    }
    await journal.append({ step: 'up', phase: 'done' })
    return { base: baseOutcome, created, modules, snapshot }
  } finally {
    await sessions.close()
  }
}

/**
 * A stock cloud image has only cloud-init to configure its NICs, which needs both matched by MAC; the vmlab
 * images' identity agent does not, and their seeds stay as they were.
 */
function cloudInitNatMac(ctx: LabContext, labMac: string): string | undefined {
  return ctx.loaded.lab.install.image !== undefined ? ctx.provider.uplinkMac?.(labMac) : undefined
}

async function baseReady(ctx: LabContext, name: string): Promise<boolean> {
  return (await ctx.provider.state(name)) !== 'missing' && (await ctx.provider.snapshotList(name)).includes(BASE_SNAPSHOT)
}

/** Clones the node unless it exists complete; a clone without its first snapshot was interrupted: made again. */
async function ensureClone(ctx: LabContext, node: ResolvedNode, vm: string, base: string, network: { id: string; created: boolean }, creds: LabCredentials): Promise<boolean> {
  const { provider, loaded, journal, state, report } = ctx
  const lab = loaded.lab
  const mac = macFor(lab, node, provider.name as ProviderName)
  state.nodes[node.name] = { ...(state.nodes[node.name] ?? { modules: {} }), vm, mac, ip: node.ip }
  if ((await provider.state(vm)) !== 'missing') {
    if ((await provider.snapshotList(vm)).includes(CLEAN_SNAPSHOT)) return false
    report({ type: 'info', message: `${node.name}: removing a clone left unfinished by an interrupted run` })
    await provider.stop(vm, { force: true })
    await provider.destroy(vm)
  }
  return task(report, 'nodes', node.name, 'linked clone', async () => {
    await journal.append({ step: `clone:${node.name}`, phase: 'start', data: { vm } })
    const hostKeys = await ensureHostKeys(loaded.stateDir, node)
    const id = identityFor(lab, node, provider.name as ProviderName, creds, hostKeys, cloudInitNatMac(ctx, mac))
    const seedIso = await writeNodeSeed(loaded.stateDir, id, node.name)
    await provider.cloneLinked(cloneSpec(lab, node, provider.name as ProviderName, base, network, seedIso))
    await journal.append({ step: `clone:${node.name}`, phase: 'done', data: { vm } })
    return true
  })
}
