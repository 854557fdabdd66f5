// A small RTGetOpt: long options with "=value" or a separate value, indexed options
// ("--nic2", "--nic-type2"), on/off booleans, positional arguments anywhere, and RTGetOpt's
// own error texts, reported through errorGetOpt (exit code 2).
import { syntaxError } from './usage.mjs'

/**
 * defs: [{ key, names: ['--nictype'], names7: ['--nic-type'], arg: 'none'|'string'|'uint32'|'int64'|'onoff', indexed }]
 * names7 are the dashed spellings VirtualBox 7 added; 6.x rejects them as unknown options.
 * Yields { key, def, index, value, option, fetch } or { positional }.
 */
export function* getopt(report, command, argv, defs) {
  const major = report.version.major
  const table = []
  for (const def of defs) {
    for (const name of def.names) table.push({ name, def })
    if (major >= 7) for (const name of def.names7 ?? []) table.push({ name, def })
  }
  let onlyPositional = false
  let i = -1
  // RTGetOptFetchValue(): lets a handler take the argument after an option ("--natpf1 delete NAME").
  const fetch = () => (i + 1 < argv.length ? argv[++i] : undefined)
  while (++i < argv.length) {
    const arg = argv[i]
    if (onlyPositional || !arg.startsWith('-') || arg === '-') {
      yield { positional: arg }
      continue
    }
    if (arg === '--') {
      onlyPositional = true
      continue
    }
    const eq = arg.indexOf('=')
    const head = eq >= 0 ? arg.slice(0, eq) : arg
    let found
    for (const { name, def } of table) {
      if (def.indexed) {
        if (head.startsWith(name) && /^\d+$/.test(head.slice(name.length))) found = { def, name, index: Number(head.slice(name.length)) }
      } else if (head === name) found = { def, name }
      if (found) break
    }
    if (!found) syntaxError(report, command, `Unknown option: ${arg}`, { blankBeforeUsage: false })
    const { def, name, index } = found
    let value
    if (def.arg !== 'none') {
      if (eq >= 0) value = arg.slice(eq + 1)
      else if (i + 1 < argv.length) value = argv[++i]
      else syntaxError(report, command, `${name}: RTGetOpt: Command line option needs argument.`, { blankBeforeUsage: false })
      value = convert(report, command, def, value)
    }
    yield { key: def.key, def, index, value, option: head, fetch }
  }
}

function convert(report, command, def, value) {
  const bad = () => syntaxError(report, command, `Invalid argument format: ${value}`, { blankBeforeUsage: false })
  switch (def.arg) {
    case 'onoff':
      if (value === 'on') return true
      if (value === 'off') return false
      return bad()
    case 'uint32': {
      const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : NaN
      return Number.isFinite(n) && n <= 0xffffffff ? n : bad()
    }
    case 'int64':
      return /^-?\d+$/.test(value) ? Number(value) : bad()
    default:
      return value
  }
}
