/** The lifecycle commands' bodies: open the lab, call the engine, print the outcome. */
import type { Command } from 'commander'
import { createInterface } from 'node:readline/promises'
import { withLab, globalVerbose } from '../with-lab.js'
import { table } from '../table.js'
import { InputError } from '../../util/errors.js'
import type { LabStatus } from '../../engine/status.js'
import type { PowerRow } from '../../engine/power.js'
import { printResult } from '../json-output.js'

function common(opts: Record<string, unknown>, cmd: Command, file?: string) {
  const out: { file?: string; provider?: string; verbose?: boolean; json?: boolean; events?: boolean } = {}
  if (file !== undefined) out.file = file
  if (typeof opts.provider === 'string') out.provider = opts.provider
  if (globalVerbose(cmd)) out.verbose = true
  // Every lifecycle command but status is a long one: with --json its events are NDJSON lines on stdout.
  if (opts.json) Object.assign(out, { json: true, events: true })
  return out
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

export async function upCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const started = Date.now()
  const { up } = await import('../../engine/up.js')
  const { upSummary } = await import('../../engine/up-summary.js')
  const result = await withLab('lab up', { ...common(opts, cmd, file), allowDefault: true, warn: true, needsLabFiles: true }, async (ctx) => {
    ctx.report({
      type: 'info',
      message: await upSummary(ctx, {
        ...(typeof opts.provider === 'string' ? { provider: opts.provider } : {}),
        ...(typeof opts.iso === 'string' ? { iso: opts.iso } : {}),
        ...(typeof opts.bundle === 'string' ? { bundle: opts.bundle } : {}),
      }),
    })
    return up(ctx, {
      ...(Array.isArray(opts.only) ? { only: opts.only as string[] } : {}),
      provision: opts.provision !== false,
      ...(typeof opts.iso === 'string' ? { iso: opts.iso } : {}),
      ...(typeof opts.mirror === 'string' ? { mirror: opts.mirror } : {}),
      ...(typeof opts.concurrency === 'number' ? { concurrency: opts.concurrency } : {}),
      ...(typeof opts.bundle === 'string' ? { bundle: opts.bundle } : {}),
      ...(opts.force ? { force: true } : {}),
    })
  })
  const counts = { ok: 0, changed: 0, failed: 0 }
  for (const m of result.modules) counts[m.status]++
  if (opts.json) return printResult({ ...result, elapsedMs: Date.now() - started })
  process.stdout.write(
    [
      `lab is up in ${seconds(Date.now() - started)}: base ${result.base}, ${result.created.length} node${result.created.length === 1 ? '' : 's'} created` +
        (result.modules.length ? `, modules ${counts.ok} ok / ${counts.changed} changed / ${counts.failed} failed` : '') +
        (result.appliedAt ? `, modules applied already (${result.appliedAt}; \`lab provision\` runs them again)` : '') +
        (result.snapshot === 'taken' ? ', snapshot "ready" taken' : ''),
      'next: `lab status`, `lab ssh NODE`, `lab check`, `lab reset` to go back to "ready"',
    ].join('\n') + '\n',
  )
}

/** Asks at the terminal, naming the lab and the VMs that would go. */
async function confirmDestroy(lab: string, targets: { nodes: string[]; base: string[] }): Promise<boolean> {
  const vms = [...targets.nodes, ...targets.base]
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  const answer = await rl.question(vms.length ? `Remove lab "${lab}": ${vms.join(', ')}, their disks and the lab network? [y/N] ` : `Lab "${lab}" has no VMs; remove its network and state? [y/N] `)
  rl.close()
  return /^y(es)?$/i.test(answer.trim())
}

export async function destroyCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (!opts.force && !process.stdin.isTTY) throw new InputError('lab destroy removes every VM of the lab', 'add --force to confirm when not at a terminal')
  const { destroy } = await import('../../engine/destroy.js')
  const r = await withLab('lab destroy', { ...common(opts, cmd, file), tolerateDamagedState: Boolean(opts.force) }, (ctx) =>
    destroy(ctx, {
      keepBase: Boolean(opts.keepBase),
      purge: Boolean(opts.purge),
      ...(opts.force ? {} : { confirm: (targets) => confirmDestroy(ctx.loaded.lab.name, targets) }),
    }),
  )
  if (r.cancelled) {
    if (opts.json) printResult({ ...r })
    else process.stderr.write('nothing removed\n')
    return
  }
  if (opts.json) return printResult({ ...r })
  process.stdout.write(`removed ${r.removed.length} VM${r.removed.length === 1 ? '' : 's'}${r.removed.length ? `: ${r.removed.join(', ')}` : ''}; network ${r.network}\n`)
  for (const k of r.kept) process.stdout.write(`kept ${k.vm}: ${k.why}\n`)
  if (!opts.purge) process.stdout.write("the lab's passwords and keys are kept for the next `lab up` (--purge removes them)\n")
}

export async function resetCommand(snapshot: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { reset } = await import('../../engine/snapshot-commands.js')
  const r = await withLab('lab reset', { ...common(opts, cmd, opts.file as string | undefined), warn: true }, (ctx) =>
    reset(ctx, { ...(snapshot ? { snapshot } : {}), ...(Array.isArray(opts.only) ? { only: opts.only as string[] } : {}) }),
  )
  const failed = r.checks?.filter((c) => !c.passed) ?? []
  if (opts.json) return printResult({ ...r, snapshot: snapshot ?? 'ready' })
  process.stdout.write(
    `reset ${r.nodes.join(', ')} to "${snapshot ?? 'ready'}" in ${seconds(r.elapsedMs)}${r.checks ? `; checks: ${r.checks.length - failed.length} passed, ${failed.length} failed` : ''}\n`,
  )
  if (failed.length) {
    // The restore itself worked; a swarm that jumped forward in time reschedules its tasks for a while.
    process.stdout.write(
      table(
        ['', 'check', 'on', 'expected', 'found'],
        failed.map((c) => ['FAIL', c.check, c.on, c.expected, c.found]),
      ) + '\n',
    )
    process.stderr.write('warning: the nodes are restored but these checks do not pass yet; services may still be restarting: run `lab check` again in a minute\n')
  }
}

export async function snapshotCommand(action: 'save' | 'list' | 'delete', name: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const s = await import('../../engine/snapshot-commands.js')
  // `snapshot list` is a short command: one JSON document.
  const events = action !== 'list'
  await withLab(`lab snapshot ${action}`, { ...common(opts, cmd, opts.file as string | undefined), events }, async (ctx) => {
    if (action === 'save') {
      await s.snapshotSave(ctx, name!, { force: Boolean(opts.force) })
      if (opts.json) printResult({ saved: name })
      else process.stdout.write(`saved snapshot "${name}" of every node\n`)
    } else if (action === 'delete') {
      await s.snapshotDelete(ctx, name!)
      if (opts.json) printResult({ deleted: name })
      else process.stdout.write(`deleted snapshot "${name}"\n`)
    } else {
      const list = await s.snapshotList(ctx)
      if (opts.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n')
      else
        process.stdout.write(
          table(
            ['node', 'snapshots (oldest first; memory state kept)'],
            list.map((l) => [l.node, withMemory(l.snapshots, l.memory)]),
          ) + '\n',
        )
    }
  })
}

function bytes(n?: number): string {
  if (n === undefined) return '-'
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(u ? 1 : 0)} ${units[u]}`
}

/** `ready (212.4 MiB), clean (disk only)`: the memory each snapshot keeps, the price of a reset without a boot. */
export function withMemory(snapshots: string[], memory?: Record<string, number>): string {
  if (!snapshots.length) return '-'
  if (!memory) return snapshots.join(', ')
  return snapshots.map((s) => (memory[s] === undefined ? s : `${s} (${memory[s] ? bytes(memory[s]) : 'disk only'})`)).join(', ')
}

export function renderStatus(s: LabStatus): string {
  const lines = [`Lab ${s.lab} on ${s.product}`]
  if (s.base) lines.push(`  base     ${s.base.name} (${s.base.state}, ${bytes(s.base.diskBytes)})`)
  if (s.network) lines.push(`  network  ${s.network.id}${s.network.created ? ' (created by this lab)' : ''}`)
  if (s.diskBytes !== undefined) lines.push(`  disk     ${bytes(s.diskBytes)} used by the nodes (linked clones)`)
  lines.push('')
  lines.push(
    table(
      ['node', 'state', 'lab IP', 'SSH', 'snapshots', 'modules', 'disk'],
      s.nodes.map((n) => {
        const mods = Object.entries(n.modules)
        const failed = mods.filter(([, m]) => m.status === 'failed').map(([k]) => k)
        return [
          n.node,
          n.state,
          n.ip,
          n.ssh ? `${n.ssh.host}:${n.ssh.port} ${n.ssh.reachable ? 'up' : 'down'}` : '-',
          withMemory(n.snapshots, n.snapshotMemory),
          mods.length ? (failed.length ? `failed: ${failed.join(', ')}` : `${mods.length} ok`) : '-',
          n.snapshotMemoryBytes ? `${bytes(n.diskBytes)} (${bytes(n.snapshotMemoryBytes)} of it snapshot memory)` : bytes(n.diskBytes),
        ]
      }),
    ),
  )
  return lines.join('\n') + '\n'
}

export async function statusCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { status } = await import('../../engine/status.js')
  const s = await withLab('lab status', { ...common(opts, cmd, file), events: false }, (ctx) => status(ctx))
  process.stdout.write(opts.json ? JSON.stringify(s, null, 2) + '\n' : renderStatus(s))
}

export async function credsCommand(file: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const { loadLab } = await import('../../lab/load.js')
  const { ensureCredentials } = await import('../../engine/credentials.js')
  const loaded = await loadLab(file, { allowDefault: true, missingFilesOk: true })
  const c = await ensureCredentials(loaded)
  const data = {
    root: { user: 'root', password: c.secrets.rootPassword ?? '(given as a hash in the lab file)' },
    user: { user: loaded.lab.install.user.name, password: c.secrets.userPassword ?? '(given as a hash in the lab file)', sudo: loaded.lab.install.user.sudo },
    sshKey: c.privateKeyPath,
    services: c.secrets.services,
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n')
    return
  }
  process.stdout.write(
    [
      `root      ${data.root.password}`,
      `${data.user.user.padEnd(9)} ${data.user.password}${data.user.sudo ? '  (sudo)' : ''}`,
      `SSH key   ${data.sshKey}`,
      ...Object.entries(data.services).map(([k, v]) => `${k.padEnd(9)} ${v}`),
    ].join('\n') + '\n',
  )
}

function powerTable(rows: PowerRow[]): string {
  return (
    table(
      ['node', 'was', 'now'],
      rows.map((r) => [r.node, r.was, r.now]),
    ) + '\n'
  )
}

export async function haltCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { halt } = await import('../../engine/power.js')
  const rows = await withLab('lab halt', common(opts, cmd, file), (ctx) =>
    halt(ctx, { ...(Array.isArray(opts.only) ? { only: opts.only as string[] } : {}), ...(opts.suspend ? { suspend: true } : {}) }),
  )
  if (opts.json) return printResult({ nodes: rows })
  process.stdout.write(powerTable(rows) + 'next: `lab resume` brings the lab back as it was\n')
}

export async function resumeCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { resume } = await import('../../engine/power.js')
  const rows = await withLab('lab resume', { ...common(opts, cmd, file), warn: true }, (ctx) => resume(ctx, Array.isArray(opts.only) ? { only: opts.only as string[] } : {}))
  if (opts.json) return printResult({ nodes: rows })
  process.stdout.write(powerTable(rows))
}
