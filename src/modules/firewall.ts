/**
 * firewall: when firewalld runs, open what the lab's other modules need (runtime and permanent, so that no
 * reload is needed and a reboot keeps it); with `enabled: false`, stop and disable firewalld instead.
 * A node without firewalld (Debian) has nothing to do.
 */
import { readFile } from 'node:fs/promises'
import type { Change, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { LabError } from '../util/errors.js'
import { probeSections } from './lib/probe-script.js'
import { must } from './lib/must.js'
import { parseService, serviceSection, startsAtBoot, type ServiceState } from './lib/systemd-service.js'
import { composePublishedPorts, labOpenings, type Opening } from './lib/lab-ports.js'
import { expectConverged } from './lib/converged.js'
import { changeKeys } from './lib/change-keys.js'

type Options = ModuleOptions<'firewall'>
/** stop and disable turn firewalld off; `service:NAME` and `port:PORT/PROTO` open one opening. */
type Key = 'stop' | 'disable' | OpeningKey
type OpeningKey = `${Opening['kind']}:${string}`

/** What `firewall-cmd --list-all` shows of a zone. */
export interface ZoneInfo {
  zone: string
  services: string[]
  ports: string[]
}

export interface FirewallProbe {
  service: ServiceState
  /** Absent when firewalld is not running. */
  runtime?: ZoneInfo
  permanent?: ZoneInfo
  openings: Opening[]
}

/** Reads `firewall-cmd --list-all`: the zone on the first line, then `  key: value` lines. */
export function parseListAll(text: string): ZoneInfo | undefined {
  const lines = text.split('\n')
  const zone = /^(\S+)/.exec(lines[0] ?? '')?.[1]
  if (zone === undefined) return undefined
  const field = (key: string): string[] => {
    const line = lines.find((l) => l.startsWith(`  ${key}:`))
    return (line?.slice(key.length + 3) ?? '')
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '')
  }
  return { zone, services: field('services'), ports: field('ports') }
}

function range(port: string): { lo: number; hi: number; proto: string } | undefined {
  const m = /^(\d+)(?:-(\d+))?\/(\w+)$/.exec(port)
  return m ? { lo: Number(m[1]), hi: Number(m[2] ?? m[1]), proto: m[3]! } : undefined
}

/** The zone lets `opening` in: the service is listed, or a listed port (range) covers the port (range). */
export function admits(zone: ZoneInfo, opening: Opening): boolean {
  if (opening.kind === 'service') return zone.services.includes(opening.name)
  const want = range(opening.name)
  return zone.ports.some((p) => {
    const have = range(p)
    return have !== undefined && want !== undefined && have.proto === want.proto && have.lo <= want.lo && want.hi <= have.hi
  })
}

function key(o: Opening): OpeningKey {
  return `${o.kind}:${o.name}`
}

/** The layers (runtime, permanent) that still lack the opening. */
function missingIn(p: FirewallProbe, o: Opening): Array<'runtime' | 'permanent'> {
  return (['runtime', 'permanent'] as const).filter((layer) => !admits(p[layer]!, o))
}

/** Reads the compose files of the lab's compose projects on this node, for the ports they publish. */
async function composePorts(ctx: ModuleContext<Options>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const step of ctx.lab.modules) {
    if (step.module !== 'compose' || step.options.node !== ctx.node.name) continue
    try {
      out.set(step.options.project, composePublishedPorts(await readFile(ctx.labFile(step.options.file), 'utf8')))
    } catch (error) {
      ctx.log(`firewall: cannot read the ports of compose project ${step.options.project} (${(error as Error).message}); open them with ports:`)
    }
  }
  return out
}

export function firewallModule(): Module<Options, FirewallProbe, Key> {
  const firewall: Module<Options, FirewallProbe, Key> = {
    name: 'firewall',

    async probe(ctx) {
      const running = 'systemctl is-active -q firewalld &&'
      const s = await probeSections(ctx.guest, ctx.node.name, {
        service: serviceSection('firewalld'),
        runtime: `${running} firewall-cmd --list-all`,
        permanent: `${running} firewall-cmd --permanent --list-all`,
      })
      const service = parseService(s.service.out)
      const probed: FirewallProbe = { service, openings: [] }
      if (service.active !== 'active' || !ctx.options.enabled) return probed
      const runtime = parseListAll(s.runtime.out)
      const permanent = parseListAll(s.permanent.out)
      if (!runtime || !permanent) {
        throw new LabError(`${ctx.node.name}: firewalld runs but \`firewall-cmd --list-all\` printed no zone (exit ${s.runtime.code}/${s.permanent.code})`, {
          hint: 'run firewall-cmd --list-all on the node to see why, or turn the firewall off with firewall: { enabled: false }',
        })
      }
      probed.runtime = runtime
      probed.permanent = permanent
      probed.openings = labOpenings(ctx.lab, ctx.node.name, ctx.options.ports, await composePorts(ctx))
      return probed
    },

    plan(ctx, p) {
      if (!ctx.options.enabled) {
        const why = 'the lab turns the firewall off (firewall: enabled: false)'
        const changes: Change<Key>[] = []
        if (p.service.active === 'active') changes.push({ key: 'stop', what: 'stop firewalld', why })
        if (startsAtBoot(p.service)) changes.push({ key: 'disable', what: 'disable firewalld', why })
        return changes
      }
      if (p.runtime === undefined || p.permanent === undefined) return []
      const changes: Change<Key>[] = []
      for (const o of p.openings) {
        const missing = missingIn(p, o)
        if (missing.length === 0) continue
        const layers = missing.length === 2 ? '' : ` (${missing[0]} only)`
        changes.push({ key: key(o), what: `open ${o.name} in zone ${p.runtime.zone}${layers}`, why: o.why.join(', ') })
      }
      return changes
    },

    async apply(ctx, changes, p) {
      const node = ctx.node.name
      const keys = changeKeys(changes)
      if (keys.has('stop')) await must(ctx.guest, node, ['systemctl', 'stop', 'firewalld'])
      if (keys.has('disable')) await must(ctx.guest, node, ['systemctl', 'disable', 'firewalld'])
      const args = { runtime: [] as string[], permanent: [] as string[] }
      for (const o of p.openings) {
        if (!keys.has(key(o))) continue
        for (const layer of missingIn(p, o)) args[layer].push(`--add-${o.kind}=${o.name}`)
      }
      // One call per layer, whatever the number of ports: each firewall-cmd call costs a D-Bus round trip.
      if (args.runtime.length) await must(ctx.guest, node, ['firewall-cmd', ...args.runtime])
      if (args.permanent.length) await must(ctx.guest, node, ['firewall-cmd', '--permanent', ...args.permanent])
    },

    verify(ctx, run) {
      return expectConverged(firewall, ctx, run)
    },
  }
  return firewall
}

export default firewallModule()
