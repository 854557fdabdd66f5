/**
 * The course's private registry: a `registry` container on one node (port, volume, `--restart=always`), and
 * every node's docker trusting it over plain HTTP by name and by address. The trust itself belongs to the
 * docker module's daemon.json (two modules writing one file would undo each other), so here it is only
 * checked, with the fix spelled out. verify pushes a tiny image from the registry node and pulls it on another.
 */
import type { Change, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import type { ResolvedNode } from '../lab/resolve.js'
import { LabError } from '../util/errors.js'
import { must } from './lib/must.js'
import { probeSections } from './lib/probe-script.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { describeAnswer, httpGet } from './lib/http-get.js'
import { commandsSection, missingCommands, toolsChange } from './lib/needed-commands.js'
import { installPackages, packagesSection, parsePackages, type PackageState } from './lib/packages.js'
import { REGISTRY_DATA, isInsecure, parseInspect, parseRegistryConfig, registryDifferences, type RegistryConfig, type RegistryContainer } from './lib/registry-state.js'

type Options = ModuleOptions<'registry'>
type Ctx = ModuleContext<Options>
type Key = 'tools' | ContainerKey
type ContainerKey = 'run' | 'recreate' | 'start'

export interface RegistryProbe {
  config: RegistryConfig
  /** Commands verify needs that the node lacks (curl). */
  missing: string[]
  packages: PackageState
  /** Only probed on the registry node; undefined there when no container is named `registry`. */
  container?: RegistryContainer
}

export interface RegistryTiming {
  /** How long a node waits for the registry to answer (the registry node may still be starting it). */
  answer: Pace
}

export const REGISTRY_TIMING: RegistryTiming = { answer: { timeoutMs: 300_000, pollMs: 2_000 } }

export const CONTAINER = 'registry'
/** The round-trip image: made from a few bytes on the node, since no public registry may be reachable. */
export const PROBE_IMAGE = 'vmlab-probe:1'
const TOOLS = ['curl']

function registryNode(ctx: Ctx): ResolvedNode {
  const node = ctx.lab.nodes.find((n) => n.name === ctx.options.node)
  if (node === undefined) throw new LabError(`registry: ${ctx.options.node} is not a node of this lab`)
  return node
}

/** The two names every node must trust: host:port by FQDN and by address. */
export function registryNames(ctx: Ctx): { byName: string; byAddress: string } {
  const reg = registryNode(ctx)
  return { byName: `${reg.fqdn}:${ctx.options.port}`, byAddress: `${reg.ip}:${ctx.options.port}` }
}

export function runArgv(options: Options): string[] {
  return ['docker', 'run', '-d', '-p', `${options.port}:5000`, '--restart=always', '--name', CONTAINER, '-v', `${options.volume}:${REGISTRY_DATA}`, options.image]
}

function checkTrust(ctx: Ctx, config: RegistryConfig): void {
  const reg = registryNode(ctx)
  const { byName, byAddress } = registryNames(ctx)
  const untrusted = [byName, byAddress].filter((n) => !isInsecure(config, n, reg.ip))
  if (untrusted.length === 0) return
  const names = untrusted.map((n) => JSON.stringify(n)).join(' and ')
  throw new LabError(
    `${ctx.node.name}: docker does not trust the lab registry ${untrusted.join(' and ')} over plain HTTP, so push and pull would fail with "http: server gave HTTP response to HTTPS client"`,
    { hint: `list ${names} in the docker module's insecure_registries (e.g. docker: { insecure_registries: ["${byName}", "${byAddress}"] }) and run the docker module before the registry` },
  )
}

function planContainer(ctx: Ctx, container: RegistryContainer | undefined): Change<ContainerKey>[] {
  const what = runArgv(ctx.options).join(' ')
  if (container === undefined) return [{ key: 'run', what, why: `${ctx.node.name} has no container named ${CONTAINER}` }]
  const differences = registryDifferences(container, ctx.options)
  if (differences.length) return [{ key: 'recreate', what: `docker rm -f ${CONTAINER}; ${what}`, why: differences.join('; ') }]
  if (!container.State.Running) return [{ key: 'start', what: `docker start ${CONTAINER}`, why: `the container is ${container.State.Status}` }]
  return []
}

async function waitForAnswer(ctx: Ctx, timing: RegistryTiming): Promise<void> {
  const url = `http://${registryNames(ctx).byName}/v2/`
  await waitUntil(
    `${ctx.node.name}: the registry did not answer ${url}`,
    timing.answer,
    async () => {
      const a = await httpGet(ctx.guest, ctx.node.name, url)
      if (a.status !== 200 || a.body.trim() !== '{}') throw new NotYet(`last answer: ${describeAnswer(a)}${a.status ? ` ${JSON.stringify(a.body.slice(0, 100))}` : ''}`)
    },
    `check the registry container on ${ctx.options.node} (docker logs ${CONTAINER}), that ${registryNode(ctx).fqdn} resolves on ${ctx.node.name} (hosts module) and that port ${ctx.options.port}/tcp is open (firewall module)`,
  )
}

/** Push from the registry node by name, pull on another node by address: both names work end to end. */
async function roundTrip(ctx: Ctx): Promise<void> {
  const { byName, byAddress } = registryNames(ctx)
  const name = ctx.node.name
  const pushed = `${byName}/${PROBE_IMAGE}`
  const pulled = `${byAddress}/${PROBE_IMAGE}`
  const hint = `the registry answers /v2/ but refused the image; see docker logs ${CONTAINER} on ${name}`
  await must(ctx.guest, name, ['sh', '-c', `docker image inspect ${PROBE_IMAGE} >/dev/null 2>&1 || tar -C /etc -c hostname | docker import - ${PROBE_IMAGE}`])
  await must(ctx.guest, name, ['docker', 'tag', PROBE_IMAGE, pushed])
  await must(ctx.guest, name, ['docker', 'push', pushed], { timeoutMs: 300_000, hint })
  await must(ctx.guest, name, ['docker', 'rmi', pushed, PROBE_IMAGE])
  const other = ctx.lab.nodes.find((n) => n.name !== name)
  const peer = other === undefined ? { name, guest: ctx.guest } : { name: other.name, guest: (await ctx.peer(other.name)).guest }
  await must(peer.guest, peer.name, ['docker', 'pull', pulled], { timeoutMs: 300_000, hint: `${name} pushed ${pushed}, but ${peer.name} cannot pull it by address` })
  await must(peer.guest, peer.name, ['docker', 'rmi', pulled])
}

export function registryModule(timing: RegistryTiming = REGISTRY_TIMING): Module<Options, RegistryProbe, Key> {
  return {
    name: 'registry',

    bake: () => TOOLS,

    async probe(ctx) {
      const name = ctx.node.name
      const s = await probeSections(ctx.guest, name, {
        config: "docker info --format '{{json .RegistryConfig}}' 2>&1",
        commands: commandsSection(TOOLS),
        packages: packagesSection(ctx.facts.family, TOOLS),
        // Only the registry node has a container to look at.
        container: ctx.role === 'registry' ? `docker container inspect ${CONTAINER} 2>&1` : 'true',
      })
      const probed: RegistryProbe = {
        config: parseRegistryConfig(jsonLine(s.config.out), s.config.code, s.config.out, name),
        missing: missingCommands(TOOLS, s.commands.out),
        packages: parsePackages(s.packages.out),
      }
      if (ctx.role !== 'registry') return probed
      const container = parseInspect(s.container.out, s.container.code, s.container.out, name)
      if (container !== undefined) probed.container = container
      return probed
    },

    plan(ctx, probed) {
      checkTrust(ctx, probed.config)
      const tools = toolsChange(probed.missing, 'verify asks the registry for /v2/ with curl')
      return ctx.role === 'registry' ? [...tools, ...planContainer(ctx, probed.container)] : tools
    },

    async apply(ctx, changes, probed) {
      const name = ctx.node.name
      for (const change of changes) {
        if (change.key === 'tools') await installPackages(ctx.guest, name, ctx.facts, probed.missing, probed.packages)
        if (change.key === 'recreate') await must(ctx.guest, name, ['docker', 'rm', '-f', CONTAINER])
        if (change.key === 'run' || change.key === 'recreate') await must(ctx.guest, name, runArgv(ctx.options), { timeoutMs: 600_000 })
        if (change.key === 'start') await must(ctx.guest, name, ['docker', 'start', CONTAINER])
      }
    },

    async verify(ctx) {
      await waitForAnswer(ctx, timing)
      if (ctx.role === 'registry') await roundTrip(ctx)
    },
  }
}

/** The JSON line of docker info's output (stderr is merged in, and may carry warnings before it). */
function jsonLine(out: string): string {
  return out.split('\n').find((l) => l.startsWith('{')) ?? out
}

export default registryModule()
