/**
 * Every lab name resolves, on each node, to its lab address: the node names (full and short) and the
 * task's extra names. Resolved with getent, as programs resolve them, so /etc/hosts and DNS both count; the
 * first IPv4 address is the one a program connects to, so it is the one that must be right.
 */
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { shellQuote } from '../guest/remote-command.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { eachNode, namedNodes } from './lib/node-rows.js'

/** Each name on a line of its own: `NAME STATUS FIRST-IPV4` (getent exits 2 for a name it cannot resolve). */
export function resolveSection(names: readonly string[]): string {
  return `for n in ${names.map(shellQuote).join(' ')}; do a=$(getent ahostsv4 "$n"); echo "$n $? \${a%%[!0-9.]*}"; done`
}

export function parseResolved(out: string): Map<string, { code: number; ip: string }> {
  const found = new Map<string, { code: number; ip: string }>()
  for (const line of out.split('\n')) {
    const [name, code, ip] = line.split(' ')
    if (name && code) found.set(name, { code: Number(code), ip: ip ?? '' })
  }
  return found
}

export const hostsCheck: Check<CheckOptions<'hosts'>> = async (ctx) => {
  const wanted = [
    ...ctx.lab.nodes.flatMap((n) => [
      { name: n.fqdn, ip: n.ip },
      { name: n.name, ip: n.ip },
    ]),
    ...ctx.options.extra.flatMap((e) => e.names.map((name) => ({ name, ip: e.ip }))),
  ]
  const expected = `these names resolve to: ${[...ctx.lab.nodes.map((n) => `${n.fqdn} and ${n.name} → ${n.ip}`), ...ctx.options.extra.map((e) => `${e.names.join(' and ')} → ${e.ip}`)].join(', ')}`
  return eachNode(
    ctx,
    namedNodes(ctx.lab, ctx.options.nodes),
    () => expected,
    async (node, guest) => {
      const s = await probeSections(guest, node.name, { resolve: resolveSection(wanted.map((w) => w.name)) })
      const got = parseResolved(s.resolve.out)
      const wrong = wanted.flatMap(({ name, ip }) => {
        const r = got.get(name)
        if (r === undefined) return [`${name} was not looked up`]
        if (r.code === 127) return [`${name} cannot be looked up: getent is missing`]
        if (r.code === 2) return [`${name} does not resolve`]
        if (r.code !== 0) return [`${name} cannot be looked up (getent exit ${r.code})`]
        if (r.ip !== ip) return [`${name} → ${r.ip}${r.ip.startsWith('127.') ? ' (a loopback address)' : ''}`]
        return []
      })
      return { passed: wrong.length === 0, found: wrong.length ? wrong.join('; ') : `all ${wanted.length} names resolve to their lab addresses` }
    },
  )
}
