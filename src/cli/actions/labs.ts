/** `lab labs`: the labs shipped with vmlab (by the name any command takes) and the labs with state in this folder. */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { packagePath } from '../../util/package-root.js'
import { readState } from '../../state/state-file.js'
import { stateLayout } from '../../state/layout.js'
import { table } from '../table.js'
import { printJson } from '../json-output.js'

export interface ShippedLab {
  name: string
  os: string
  nodes: number
  description: string
}

export interface LabHere {
  lab: string
  provider: string
  nodes: number
  updatedAt: string
}

/** labs/*.yaml and labs/course/*.yaml, named as `lab up NAME` takes them. */
export function shippedLabs(): ShippedLab[] {
  const root = packagePath('labs')
  const out: ShippedLab[] = []
  for (const sub of ['', 'course']) {
    const dir = join(root, sub)
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()) {
      const doc = (parse(readFileSync(join(dir, f), 'utf8')) ?? {}) as { description?: unknown; os?: unknown; nodes?: unknown }
      out.push({
        name: (sub ? `${sub}/` : '') + f.slice(0, -'.yaml'.length),
        os: String(doc.os ?? ''),
        nodes: Array.isArray(doc.nodes) ? doc.nodes.length : 0,
        description: typeof doc.description === 'string' ? doc.description : '',
      })
    }
  }
  return out
}

/** Labs whose state lives in ./.lab: built here (or half built), whatever lab file they came from. */
export async function labsHere(cwd = process.cwd()): Promise<LabHere[]> {
  const dir = join(cwd, '.lab')
  if (!existsSync(dir)) return []
  const out: LabHere[] = []
  for (const name of readdirSync(dir).sort()) {
    try {
      const s = await readState(stateLayout(join(dir, name)).state)
      if (s) out.push({ lab: s.lab, provider: s.provider, nodes: Object.keys(s.nodes).length, updatedAt: s.updatedAt })
    } catch {
      out.push({ lab: name, provider: '?', nodes: 0, updatedAt: '(damaged state file)' })
    }
  }
  return out
}

export async function labsCommand(opts: { json?: boolean }): Promise<void> {
  const shipped = shippedLabs()
  const here = await labsHere()
  if (opts.json) return printJson({ shipped, here })
  const lines = [
    'Shipped labs (lab up NAME):',
    table(
      ['name', 'os', 'nodes', 'description'],
      shipped.map((l) => [l.name, l.os, String(l.nodes), l.description]),
    ),
    '',
    here.length
      ? `Labs with state here (.lab/):\n${table(
          ['lab', 'provider', 'nodes', 'updated'],
          here.map((l) => [l.lab, l.provider, String(l.nodes), l.updatedAt]),
        )}`
      : 'No lab has state here (.lab/).',
  ]
  process.stdout.write(lines.join('\n') + '\n')
}
