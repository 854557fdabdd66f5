// `VBoxManage snapshot VM take|delete|restore|restorecurrent|list` (VBoxManageSnapshot.cpp).
import { getopt } from './getopt.mjs'
import { syntaxError } from './usage.mjs'
import { Exit, srcLine } from './report.mjs'
import { isRunning, lockShared, requireMachine } from './machines.mjs'
import { snapshotLines } from './machinereadable.mjs'
import { deleteSnapshot, findSnapshot, restoreSnapshot, takeSnapshot, unmergeableImage } from './snapshots.mjs'
import { CALLS } from './calls.mjs'

const FILE = 'VBoxManageSnapshot.cpp'

function noSnapshots(ctx) {
  ctx.report.line('This machine does not have any snapshots')
  throw new Exit(1)
}

function humanList(ctx, m) {
  const walk = (parent, indent) => {
    for (const s of m.snapshots.filter((x) => x.parent === parent)) {
      ctx.report.line(`   ${indent}Name: ${s.name} (UUID: ${s.uuid})${s.uuid === m.currentSnapshot ? ' *' : ''}`)
      if (s.description && !s.description.includes('\n')) ctx.report.line(`   ${indent}Description: ${s.description}`)
      else if (s.description) ctx.report.line(`   ${indent}Description:\n${s.description}`)
      walk(s.uuid, `${indent}   `)
    }
  }
  walk(null, '')
}

function resolveSnapshot(ctx, m, ref) {
  const snap = findSnapshot(m, ref)
  if (snap) return snap
  const isUuid = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(ref)
  return ctx.report.fail({
    message: isUuid ? `Could not find a snapshot with UUID {${ref.replace(/[{}]/g, '')}}` : `Could not find a snapshot named '${ref}'`,
    hr: 'VBOX_E_OBJECT_NOT_FOUND',
    component: 'SessionMachine',
    iface: 'IMachine',
    call: 'FindSnapshot(Bstr(a->argv[2]).raw(), pSnapshot.asOutParam())',
    file: FILE,
    line: srcLine(ctx.env.version, 597, 513),
  })
}

function take(ctx, m, args) {
  if (args.length < 3) syntaxError(ctx.report, 'snapshot', 'Missing snapshot name')
  const defs = [
    { key: 'description', names: ['--description', '-description', '-desc'], arg: 'string' },
    { key: 'pause', names: ['--pause'], arg: 'none' },
    { key: 'live', names: ['--live'], arg: 'none' },
    { key: 'uniquename', names: ['--uniquename'], arg: 'string' },
  ]
  let description = ''
  let live = false
  for (const o of getopt(ctx.report, 'snapshot', args.slice(3), defs)) {
    if (o.positional !== undefined) syntaxError(ctx.report, 'snapshot', `Invalid parameter '${o.positional}'`, { blankBeforeUsage: false })
    if (o.key === 'description') description = o.value
    if (o.key === 'live') live = true
  }
  // SessionMachine::takeSnapshot: without --live (fPause) a running VM is paused while its state is saved;
  // with it the VM must be running, and a paused one is refused.
  if (live && m.state !== 'running') {
    ctx.report.fail({
      message: 'Cannot take a live snapshot of a virtual machine unless it is running.',
      hr: 'VBOX_E_INVALID_VM_STATE',
      component: 'SessionMachine',
      iface: 'IMachine',
      call: 'TakeSnapshot(name.raw(), desc.raw(), fPause, bstrSnapshotId.asOutParam(), progress.asOutParam())',
      file: FILE,
      line: srcLine(ctx.env.version, 482, 451),
    })
  }
  const snap = takeSnapshot(ctx, m, args[2], description)
  ctx.report.progress()
  ctx.report.line(`Snapshot taken. UUID: ${snap.uuid}`)
}

function restoreOrDelete(ctx, m, args, sub) {
  const { version } = ctx.env
  let snap
  if (sub === 'restorecurrent') {
    if (args.length > 2) syntaxError(ctx.report, 'snapshot', 'Too many arguments')
    snap = m.snapshots.find((s) => s.uuid === m.currentSnapshot)
    if (!snap) noSnapshots(ctx)
  } else {
    if (args.length !== 3) syntaxError(ctx.report, 'snapshot', 'Expecting snapshot name only')
    snap = resolveSnapshot(ctx, m, args[2])
  }
  const del = sub === 'delete'
  ctx.report.line(`${del ? 'Deleting' : 'Restoring'} snapshot '${snap.name}' (${snap.uuid})`)
  if (del) {
    const blocked = unmergeableImage(ctx, snap)
    if (blocked) {
      ctx.report.progressFailure({
        hr: 'E_FAIL',
        title: 'Snapshot operation failed',
        message: `Hard disk '${blocked.medium.location}' has more than one child hard disk (${blocked.children})`,
        component: 'SessionMachine',
        iface: 'IMachine',
        handler: 'handleSnapshot',
        file: FILE,
        line: srcLine(version, 634, 548),
      })
    }
    deleteSnapshot(ctx, m, snap)
  } else {
    if (isRunning(m)) {
      ctx.report.fail({
        message: `Cannot delete the current state of the running machine (machine state: ${m.state === 'paused' ? 'Paused' : 'Running'})`,
        hr: 'VBOX_E_INVALID_VM_STATE',
        component: 'SessionMachine',
        iface: 'IMachine',
        call: 'RestoreSnapshot(pSnapshot, pProgress.asOutParam())',
        file: FILE,
        line: srcLine(version, 627, 541),
      })
    }
    restoreSnapshot(ctx, m, snap)
  }
  ctx.report.progress()
}

function list(ctx, m, args) {
  const defs = [
    { key: 'details', names: ['--details'], arg: 'none' },
    { key: 'machinereadable', names: ['--machinereadable'], arg: 'none' },
  ]
  let machinereadable = false
  for (const o of getopt(ctx.report, 'snapshot', args.slice(2), defs)) {
    if (o.positional !== undefined) syntaxError(ctx.report, 'snapshot', `Invalid parameter '${o.positional}'`, { blankBeforeUsage: false })
    if (o.key === 'machinereadable') machinereadable = true
  }
  if (m.snapshots.length === 0) noSnapshots(ctx)
  if (machinereadable) for (const l of snapshotLines(m)) ctx.report.line(l)
  else humanList(ctx, m)
}

export function runSnapshot(ctx, args) {
  const { version } = ctx.env
  if (args.length < 2) syntaxError(ctx.report, 'snapshot', 'Not enough parameters')
  const m = requireMachine(ctx, args[0], {
    call: 'FindMachine(bstrMachine.raw(), pMachine.asOutParam())',
    file: FILE,
    line: srcLine(version, 447, 418),
  })
  lockShared(ctx, m, { call: CALLS.lockShared, file: FILE, line: srcLine(version, 453, 424) })
  const sub = args[1]
  if (sub === 'take') take(ctx, m, args)
  else if (sub === 'delete' || sub === 'restore' || sub === 'restorecurrent') restoreOrDelete(ctx, m, args, sub)
  else if (sub === 'list') list(ctx, m, args)
  else if (sub === 'edit' || sub === 'showvminfo' || sub === 'dump') {
    ctx.report.errRaw(`VBoxManage simulator: snapshot ${sub} is not simulated\n`)
    throw new Exit(1)
  } else syntaxError(ctx.report, 'snapshot', `Invalid parameter '${sub}'`)
}
