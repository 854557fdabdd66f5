/**
 * chrony: one node serves the lab's time (`local stratum`, `allow <lab network>`), every other node follows
 * it alone. The whole configuration file is ours: the distribution's pool, DHCP sources and drop-in
 * directories are left out, so nothing else can become a time source.
 */
import type { Change, Family, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import type { ResolvedLab } from '../lab/resolve.js'
import { LabError } from '../util/errors.js'
import { probeSections } from './lib/probe-script.js'
import { must } from './lib/must.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { fileChange, fileSection, parseFileSection, writeFile, type RemoteFile } from './lib/remote-file.js'
import { installPackages, packagesSection, parsePackages, type PackageState } from './lib/packages.js'
import { applyServiceChanges, parseService, serviceChanges, serviceSection, type ServiceKey, type ServiceState } from './lib/systemd-service.js'
import { changeKeys } from './lib/change-keys.js'

type Options = ModuleOptions<'chrony'>
type Key = 'config' | 'install' | ServiceKey

export interface ChronyProbe {
  packages: PackageState
  config: RemoteFile
  service: ServiceState
  /** Whether chronyd answered and, on a client, follows the lab's server (what verify waits for). */
  synced: boolean
}

export interface ChronyTiming {
  /** How long a client gets to select the lab's server (iburst needs a few polls of a server that may have just restarted). */
  sync: Pace
}

export const CHRONY_TIMING: ChronyTiming = { sync: { timeoutMs: 60_000, pollMs: 500 } }

/** Where the distribution keeps chrony's drift file (its own default, so an existing drift is reused). */
function driftFile(family: Family): string {
  return family === 'debian' ? '/var/lib/chrony/chrony.drift' : '/var/lib/chrony/drift'
}

function serverIp(lab: ResolvedLab, options: Options): string {
  const server = lab.nodes.find((n) => n.name === options.server)
  if (!server) throw new LabError(`chrony: the server ${options.server} is not a node of lab ${lab.name}`)
  return server.ip
}

/** The whole chrony.conf for the node's role. */
export function chronyConfig(lab: ResolvedLab, options: Options, role: string | undefined, family: Family): string {
  const common = [
    `driftfile ${driftFile(family)}`,
    // Step the clock whenever it is off by more than a second, not only at start: a restored snapshot
    // wakes up with the time it was taken, and TLS and swarm certificates break on a stale clock.
    'makestep 1 -1',
    'rtcsync',
    'logdir /var/log/chrony',
  ]
  if (role === 'server') {
    return [
      `# Written by vmlab for lab ${lab.name}: this node serves time to the lab network.`,
      ...options.upstream.map((s) => `server ${s} iburst`),
      `local stratum ${options.stratum}`,
      `allow ${lab.network.cidr}`,
      ...common,
      '',
    ].join('\n')
  }
  return [
    `# Written by vmlab for lab ${lab.name}: time comes from ${options.server} only.`,
    // The lab's server is one hop away: poll it every 0.5 s at first (iburst then sends its four requests
    // 0.5 s apart, not 2 s), so a client selects it ~2 s after a restart instead of ~8 s; chronyd lengthens
    // the interval as the clock settles, to 64 s at most.
    `server ${serverIp(lab, options)} iburst minpoll -1 maxpoll 6`,
    // The lab's server is the only source: never mark it unusable for jitter. Guests under software
    // emulation (QEMU without KVM, busy laptops) see hundreds of ms of jitter, over chrony's 1 s default.
    'maxjitter 10',
    ...common,
    '',
  ].join('\n')
}

function wanted(ctx: ModuleContext<Options>): { path: string; content: string; mode: number } {
  return { path: ctx.facts.paths.chronyConf, content: chronyConfig(ctx.lab, ctx.options, ctx.role, ctx.facts.family), mode: 0o644 }
}

const sourceLine = (sources: string, ip: string): string | undefined => sources.split('\n').find((l) => l.split(/\s+/)[1] === ip)

/** What verify checks: the server answers `chronyc tracking`; a client lists the server as selected (`^*`). */
function timeSection(ctx: ModuleContext<Options>): string[] {
  return ctx.role === 'server' ? ['chronyc', 'tracking'] : ['chronyc', '-n', 'sources']
}

/** Polls `chronyc -n sources` until the server's address is the selected source (`^*`). */
export async function waitForTimeSource(ctx: Pick<ModuleContext<Options>, 'guest' | 'node'>, ip: string, pace: Pace): Promise<void> {
  const node = ctx.node.name
  await waitUntil(
    `${node} did not select ${ip} as its time source`,
    pace,
    async () => {
      const out = await must(ctx.guest, node, ['chronyc', '-n', 'sources'])
      const line = sourceLine(out, ip)
      if (line?.startsWith('^*')) return
      throw new NotYet(`chronyc -n sources shows ${line === undefined ? `no line for ${ip}` : `"${line.trim()}"`}:\n${out.trim()}`)
    },
    'the server must run chrony with `allow` for this network and let 123/udp in (add the firewall module); check `chronyc -n sources -v` on the node',
  )
}

export function chronyModule(timing: ChronyTiming = CHRONY_TIMING): Module<Options, ChronyProbe, Key> {
  return {
    name: 'chrony',

    // The Debian image builder bakes it enabled but without a time source (see INERT_CONFIGS): Debian's
    // own configuration would reach the public pool at a clone's first boot, before this module ran.
    bake() {
      return ['chrony']
    },

    async probe(ctx) {
      const f = ctx.facts
      const s = await probeSections(ctx.guest, ctx.node.name, {
        packages: packagesSection(f.family, ['chrony']),
        config: fileSection(f.paths.chronyConf),
        service: serviceSection(f.services.chrony),
        time: timeSection(ctx),
      })
      return {
        packages: parsePackages(s.packages.out),
        config: parseFileSection(f.paths.chronyConf, s.config.out),
        service: parseService(s.service.out),
        synced: s.time.code === 0 && (ctx.role === 'server' || sourceLine(s.time.out, serverIp(ctx.lab, ctx.options))?.startsWith('^*') === true),
      }
    },

    plan(ctx, p) {
      const changes: Change<Key>[] = []
      const why = ctx.role === 'server' ? `${ctx.node.name} serves the lab's time` : `nodes must take their time from ${ctx.options.server} only`
      // Debian starts chrony as soon as it is installed: the configuration goes first, so that it never
      // starts with the distribution's pool (dpkg keeps a configuration file that is already there).
      const config = fileChange('config', p.config, wanted(ctx), why)
      if (config) changes.push(config)
      const installing = !p.packages.installed.has('chrony')
      if (installing) changes.push({ key: 'install', what: 'install chrony', why: 'chrony is not installed' })
      const restart = config ? 'its configuration changed' : installing ? 'it was just installed' : undefined
      changes.push(...serviceChanges(ctx.facts.services.chrony, p.service, restart))
      return changes
    },

    async apply(ctx, changes, p) {
      const keys = changeKeys(changes)
      if (keys.has('config')) await writeFile(ctx.guest, ctx.node.name, ctx.facts, p.config, wanted(ctx))
      if (keys.has('install')) await installPackages(ctx.guest, ctx.node.name, ctx.facts, ['chrony'], p.packages)
      await applyServiceChanges(ctx.guest, ctx.node.name, ctx.facts.services.chrony, p.service, changes)
    },

    verified(_ctx, p) {
      return p.synced
    },

    async verify(ctx) {
      if (ctx.role === 'server') {
        await must(ctx.guest, ctx.node.name, ['chronyc', 'tracking'], { hint: `chronyd does not answer on ${ctx.node.name}; see journalctl -u ${ctx.facts.services.chrony}` })
        return
      }
      await waitForTimeSource(ctx, serverIp(ctx.lab, ctx.options), timing.sync)
    },
  }
}

export default chronyModule()
