/** Commands that work inside the nodes: check, provision, exec, ssh, ssh-config. */
import type { Command } from 'commander'
import { spawn } from 'node:child_process'
import { withLab, globalVerbose } from '../with-lab.js'
import { table } from '../table.js'
import { LabError, InputError } from '../../util/errors.js'
import { vmName } from '../../lab/vm-names.js'
import { selectNodes } from '../../lab/targets.js'
import type { LabContext } from '../../engine/lab-context.js'
import { printJson, printResult } from '../json-output.js'
import { sshConfigValue } from '../../util/ssh-config-value.js'

function common(opts: Record<string, unknown>, cmd: Command) {
  const out: { file?: string; verbose?: boolean; json?: boolean } = {}
  if (typeof opts.file === 'string') out.file = opts.file
  if (globalVerbose(cmd)) out.verbose = true
  if (opts.json) out.json = true
  return out
}

/**
 * provision's --only named modules before it meant nodes, as on every other command: names that are all
 * modules of the lab (and not nodes) keep the old meaning, with a warning.
 */
function provisionTargets(lab: LabContext['loaded']['lab'], opts: Record<string, unknown>, warn: (message: string) => void): { modules?: string[]; nodes?: string[] } {
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : undefined)
  let modules = list(opts.modules)
  let nodes = list(opts.only)
  const isNode = (n: string) => lab.nodes.some((x) => x.name === n)
  const isModule = (m: string) => lab.modules.some((s) => s.module === m)
  if (nodes && !nodes.every(isNode) && nodes.every(isModule) && !modules) {
    warn(`\`lab provision --only ${nodes.join(' ')}\` names modules: --only means nodes now, as on every command; use --modules ${nodes.join(' ')}`)
    modules = nodes
    nodes = undefined
  }
  for (const m of modules ?? []) if (!isModule(m)) throw new InputError(`this lab has no module '${m}'`, `its modules: ${lab.modules.map((s) => s.module).join(', ')}`)
  for (const n of nodes ?? []) if (!isNode(n)) throw new InputError(`this lab has no node '${n}'`, `its nodes: ${lab.nodes.map((x) => x.name).join(', ')}`)
  return { ...(modules ? { modules } : {}), ...(nodes ? { nodes } : {}) }
}

export async function checkCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { openSessions } = await import('../../engine/access.js')
  const { runChecks } = await import('../../checks/run-checks.js')
  const rows = await withLab('lab check', { ...common(opts, cmd), ...(file ? { file } : {}) }, async (ctx) => {
    if (!ctx.loaded.lab.checks.length) throw new InputError('this lab has no checks', 'add a checks: list to the lab file (see the README)')
    const sessions = await openSessions(ctx)
    try {
      return await runChecks(ctx.loaded.lab, (n) => sessions.guest(n))
    } finally {
      await sessions.close()
    }
  })
  const passed = rows.filter((r) => r.passed).length
  if (opts.json) process.stdout.write(JSON.stringify({ passed: passed === rows.length, rows }, null, 2) + '\n')
  else {
    process.stdout.write(
      table(
        ['', 'check', 'on', 'expected', 'found'],
        rows.map((r) => [r.passed ? 'PASS' : 'FAIL', r.check, r.on, r.expected, r.found]),
      ) + '\n',
    )
    process.stdout.write(`${passed} passed, ${rows.length - passed} failed\n`)
  }
  if (passed !== rows.length) process.exitCode = 1
}

export async function provisionCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { openSessions } = await import('../../engine/access.js')
  const { runModules } = await import('../../engine/run-modules.js')
  const check = Boolean(opts.check)
  const results = await withLab(check ? 'lab provision --check' : 'lab provision', { ...common(opts, cmd), events: true, ...(file ? { file } : {}), needsLabFiles: true }, async (ctx: LabContext) => {
    const { modules, nodes } = provisionTargets(ctx.loaded.lab, opts, (message) => ctx.report({ type: 'warn', message }))
    const sessions = await openSessions(ctx, nodes)
    try {
      return await runModules(ctx, (n) => sessions.guest(n), { check, ...(modules ? { only: modules } : {}), ...(nodes ? { nodes } : {}) })
    } finally {
      await sessions.close()
    }
  })
  if (opts.json) printResult({ results })
  else {
    for (const r of results) {
      process.stdout.write(`${r.status.padEnd(7)} ${r.module} on ${r.node}${r.reason ? `: ${r.reason}` : ''}\n`)
      for (const c of r.changes) {
        process.stdout.write(`  ${check ? 'would' : 'did'}: ${c.what} (${c.why})\n`)
        if (check && c.diff) process.stdout.write(c.diff.replace(/^/gm, '    ') + '\n')
      }
    }
    const changed = results.filter((r) => r.status === 'changed').length
    const failed = results.filter((r) => r.status === 'failed').length
    process.stdout.write(`${results.length - changed - failed} ok, ${changed} ${check ? 'would change' : 'changed'}, ${failed} failed\n`)
  }
  if (results.some((r) => r.status === 'failed')) process.exitCode = 1
}

export async function execCommand(target: string, command: string[], opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (!command.length) throw new InputError('no command given', 'write it after --, e.g. lab exec all -- uptime')
  const { openSessions } = await import('../../engine/access.js')
  const code = await withLab('lab exec', common(opts, cmd), async (ctx) => {
    const names = target === 'all' ? ctx.loaded.lab.nodes.map((n) => n.name) : target.split(',')
    const sessions = await openSessions(ctx, names)
    const width = Math.max(...names.map((n) => n.length))
    try {
      const codes = await Promise.all(
        names.map(async (name) => {
          const session = await sessions.session(name)
          const prefix = names.length > 1 ? `${name.padEnd(width)} | ` : ''
          const r = await session.exec(
            command.length === 1 ? command[0]! : command,
            opts.json ? {} : { stream: (line, which) => (which === 'stdout' ? process.stdout : process.stderr).write(prefix + line + '\n') },
          )
          return { node: name, exitCode: r.code ?? 255, stdout: r.stdout, stderr: r.stderr }
        }),
      )
      const first = codes.find((c) => c.exitCode !== 0)?.exitCode ?? 0
      if (opts.json) printJson({ exitCode: first, nodes: codes })
      return first
    } finally {
      await sessions.close()
    }
  })
  process.exitCode = code
}

async function sshTarget(ctx: LabContext, node: string) {
  const lab = ctx.loaded.lab
  const n = selectNodes(lab, [node])[0]!
  const at = await ctx.provider.sshEndpoint(vmName(lab, n), n.ip)
  return { node: n, at }
}

export async function sshConfigText(ctx: LabContext): Promise<{ config: string; knownHosts: string }> {
  const { ensureHostKeys, knownHosts } = await import('../../engine/node-identity.js')
  const { ensureCredentials } = await import('../../engine/credentials.js')
  const creds = await ensureCredentials(ctx.loaded)
  const blocks: string[] = []
  const hosts: Array<{ names: string[]; port: number; publicKey: string }> = []
  for (const n of ctx.loaded.lab.nodes) {
    const { at } = await sshTarget(ctx, n.name)
    const key = (await ensureHostKeys(ctx.loaded.stateDir, n)).ed25519.public
    // With HostKeyAlias, ssh looks the key up under the alias alone (no [host]:port form).
    hosts.push({ names: [n.fqdn], port: 22, publicKey: key })
    blocks.push(
      [
        `Host ${n.name} ${n.fqdn}`,
        `  HostName ${at.host}`,
        `  Port ${at.port}`,
        `  User root`,
        `  IdentityFile ${sshConfigValue(creds.privateKeyPath)}`,
        `  IdentitiesOnly yes`,
        `  UserKnownHostsFile ${sshConfigValue(ctx.paths.knownHosts)}`,
        `  StrictHostKeyChecking yes`,
        `  HostKeyAlias ${n.fqdn}`,
      ].join('\n'),
    )
  }
  return { config: blocks.join('\n\n') + '\n', knownHosts: knownHosts(hosts) }
}

export async function sshConfigCommand(file: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { writeFileAtomic } = await import('../../util/files.js')
  const { text, knownHostsFile } = await withLab('lab ssh-config', { ...common(opts, cmd), ...(file ? { file } : {}) }, async (ctx) => {
    const { config, knownHosts } = await sshConfigText(ctx)
    await writeFileAtomic(ctx.paths.knownHosts, knownHosts, 0o644)
    return { text: config, knownHostsFile: ctx.paths.knownHosts }
  })
  if (opts.json) return printJson({ config: text, knownHosts: knownHostsFile })
  process.stdout.write(`# vmlab lab ssh config: append to ~/.ssh/config, or use with ssh -F\n${text}`)
}

export async function sshCommand(node: string, rest: string[], opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const { writeFileAtomic } = await import('../../util/files.js')
  const { ensureCredentials } = await import('../../engine/credentials.js')
  let connection: Record<string, unknown> = {}
  const argv = await withLab('lab ssh', common(opts, cmd), async (ctx) => {
    const { node: n, at } = await sshTarget(ctx, node)
    if ((await ctx.provider.state(vmName(ctx.loaded.lab, n))) !== 'running') throw new LabError(`${node} is not running`, { hint: 'run `lab up`' })
    const { knownHosts } = await sshConfigText(ctx)
    await writeFileAtomic(ctx.paths.knownHosts, knownHosts, 0o644)
    const creds = await ensureCredentials(ctx.loaded)
    connection = { node: n.name, fqdn: n.fqdn, host: at.host, port: at.port, user: 'root', identityFile: creds.privateKeyPath, knownHostsFile: ctx.paths.knownHosts, hostKeyAlias: n.fqdn }
    return [
      '-i',
      creds.privateKeyPath,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${sshConfigValue(ctx.paths.knownHosts)}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `HostKeyAlias=${n.fqdn}`,
      '-p',
      String(at.port),
      `root@${at.host}`,
      ...rest,
    ]
  })
  // --json cannot share stdout with a session: it tells how to connect, and a script opens the session itself.
  if (opts.json) return printJson({ ...connection, argv: ['ssh', ...argv] })
  if (opts.print) {
    const { quoteArgv } = await import('../../util/shell-quote.js')
    process.stdout.write(quoteArgv(['ssh', ...argv]) + '\n')
    return
  }
  // The lock is released: an interactive session may last all afternoon.
  const child = spawn('ssh', argv, { stdio: 'inherit' })
  process.exitCode = await new Promise<number>((resolve) => {
    child.on('error', () => {
      process.stderr.write('error: the OpenSSH client (ssh) is not installed or not on PATH\nhint: install it, or use `lab exec NODE -- CMD`\n')
      resolve(1)
    })
    child.on('exit', (code) => resolve(code ?? 255))
  })
}
