import { loadLab } from '../../lab/load.js'
import { buildPlan, type LabPlan } from '../../engine/lab-plan.js'
import { table } from '../table.js'

export async function planCommand(file: string | undefined, opts: { provider?: string; json?: boolean; commands?: boolean }): Promise<void> {
  const loaded = await loadLab(file, { allowDefault: true })
  const plan = buildPlan(loaded, opts.provider)
  if (opts.commands) {
    const { upCommands } = await import('../../engine/up-commands.js')
    const lines = await upCommands(loaded, plan.provider.name)
    process.stdout.write(opts.json ? JSON.stringify(lines, null, 2) + '\n' : lines.join('\n') + '\n')
    return
  }
  process.stdout.write(opts.json ? JSON.stringify(plan, null, 2) + '\n' : renderPlan(plan))
}

export function renderPlan(p: LabPlan): string {
  const how = p.provider.chosen === 'auto' ? `auto: found ${p.provider.binary ?? p.provider.name}` : `from the ${p.provider.chosen}`
  const lines = [
    `Lab ${p.lab}  [${p.file}]`,
    `  OS        ${p.os.title} [${p.os.id}]`,
    `  provider  ${p.provider.name} (${how})`,
    `  network   ${p.network.cidr}, host ${p.network.hostIp}, domain ${p.network.domain}`,
    `  state     ${p.stateDir}`,
    '',
    'Virtual machines (linked clones of the base image):',
    table(
      ['VM', 'hostname', 'lab IP', 'lab MAC', 'cpus', 'memory', 'disk', 'forwards'],
      p.vms.map((v) => [v.name, v.fqdn, v.ip, v.mac, String(v.cpus), `${v.memoryMiB} MiB`, `${v.diskGiB} GiB`, v.forwards.map((f) => `127.0.0.1:${f.host}→${f.guest}`).join(' ') || '-']),
    ),
    '',
    'Modules, in order:',
    ...(p.modules.length ? p.modules.map((m, i) => `  ${i + 1}. ${m.module.padEnd(10)} ${m.targets.map((t) => (t.role ? `${t.node} (${t.role})` : t.node)).join(', ')}`) : ['  (none)']),
    '',
    `Checks: ${p.checks.length ? p.checks.join(', ') : '(none)'}`,
  ]
  return lines.join('\n') + '\n'
}
