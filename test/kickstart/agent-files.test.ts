import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { AgentFile, KickstartInput } from '../../src/kickstart/input.js'
import { sha512Crypt } from '../../src/kickstart/password.js'
import { renderKickstart } from '../../src/kickstart/render.js'
import { OS_CATALOG, type OsId } from '../../src/lab/os-catalog.js'
import { run } from '../../src/util/run.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFgaYcFbwl3fUb/yxalk6xCEsTiFvS3K9yM+kxJJjKMa teacher@classroom'
const HASH = sha512Crypt('pw', 'salt')

/** Contents that break naive heredocs, shell quoting or the kickstart parser. */
const FILES: AgentFile[] = [
  {
    path: '/usr/local/sbin/vmlab-identity',
    mode: 0o755,
    content: [
      '#!/bin/bash',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax the script must keep literally
      'echo "$HOME ${USER:-x} $(id -u) `hostname`" \'single\' "double" \\ back\\slash',
      'cat <<EOF',
      'EOF',
      'VMLAB_EOF',
      'VMLAB_EOF_1',
      "<<'VMLAB_EOF_2'",
      '\ttab\t and trailing spaces   ',
      'unicode: é ü 日本 🙂',
      '# %end is fine after a hash',
      '',
    ].join('\n'),
  },
  { path: '/etc/vmlab/no-final-newline', mode: 0o600, content: 'last line without newline $x `y`' },
  { path: '/etc/vmlab/empty', mode: 0o644, content: '' },
  { path: '/etc/vmlab/only-newline', mode: 0o644, content: '\n' },
  { path: '/etc/vmlab/blank-lines', mode: 0o644, content: 'a\n\n\n\nb\n\n\n' },
  // a line starting with % would end %post or open a section for the kickstart parser
  { path: '/etc/vmlab/percent', mode: 0o640, content: 'x\n%end\n  %post\n%include /etc/passwd\nEOF\n' },
  { path: '/etc/vmlab/crlf', mode: 0o644, content: 'windows\r\nline\r\n' },
  { path: '/etc/vmlab/nul', mode: 0o644, content: 'a\0b' },
  { path: '/etc/systemd/system/vmlab-identity.service', mode: 0o644, content: '[Service]\nExecStart=/usr/local/sbin/vmlab-identity\n' },
]

function input(id: OsId): KickstartInput {
  return {
    os: OS_CATALOG[id],
    hostname: 'master.localdomain',
    source: { kind: 'cdrom' },
    lang: 'en_US.UTF-8',
    keyboard: { vconsoleKeymap: 'us', xLayouts: ['us'] },
    timezone: 'Etc/UTC',
    ntpServers: [],
    natNic: {},
    labNic: { mac: '08:00:27:00:00:10', ip: '192.168.56.10', prefix: 24, nameservers: [] },
    rootPasswordHash: HASH,
    rootSshKey: KEY,
    user: { name: 'student', passwordHash: HASH, sshKey: KEY, sudo: true },
    selinux: 'enforcing',
    firewall: { enabled: true, services: ['ssh'], ports: [] },
    packages: [],
    disk: {},
    agent: { files: FILES, enableUnits: ['vmlab-identity.service'] },
  }
}

/** The %post lines between the agent-file markers. */
function agentBlock(ks: string): string[] {
  const lines = ks.split('\n')
  const start = lines.indexOf('# vmlab: agent files')
  const end = lines.indexOf('# vmlab: end of agent files')
  if (start < 0 || end < start) throw new Error('agent file markers not found')
  return lines.slice(start + 1, end)
}

const HEREDOC = /^(cat|base64 -d) > '([^']+)' <<'([A-Z0-9_]+)'$/
const SIMPLE = [/^mkdir -p '([^']+)'$/, /^truncate -s -1 '([^']+)'$/, /^chmod 0[0-7]{3} '([^']+)'$/]

/**
 * Rewrites the block to write under `root`, refusing any line that is not one of the few
 * commands the block is made of, so running it cannot touch the real system.
 */
function underRoot(block: string[], root: string): string {
  const out: string[] = []
  for (let i = 0; i < block.length; i++) {
    const line = block[i] as string
    const doc = HEREDOC.exec(line)
    if (doc) {
      out.push(line.replace(`'${doc[2]}'`, `'${root}${doc[2]}'`))
      for (i++; block[i] !== doc[3]; i++) {
        if (i >= block.length) throw new Error(`unterminated heredoc ${doc[3]}`)
        out.push(block[i] as string)
      }
      out.push(doc[3] as string)
      continue
    }
    const simple = SIMPLE.map((re) => re.exec(line)).find((m) => m !== null)
    if (!simple) throw new Error(`unexpected line in the agent block: ${line}`)
    out.push(line.replace(`'${simple[1]}'`, `'${root}${simple[1]}'`))
  }
  return `${out.join('\n')}\n`
}

for (const id of ['centos7', 'rocky8', 'centos-stream9'] as const) {
  t.test(`${id}: bash writes every agent file byte for byte, with its mode`, async (t) => {
    const ks = renderKickstart(input(id))
    const root = await mkdtemp(join(tmpdir(), 'vmlab-post-'))
    t.teardown(() => rm(root, { recursive: true, force: true }))
    const script = join(root, 'agent-files.sh')
    await writeFile(script, underRoot(agentBlock(ks), root))
    await run('bash', ['-euo', 'pipefail', script], { cwd: root })
    for (const f of FILES) {
      const written = await readFile(join(root, f.path))
      t.same(written, Buffer.from(f.content, 'utf8'), f.path)
      t.equal((await stat(join(root, f.path))).mode & 0o7777, f.mode, `${f.path} mode`)
    }
  })
}

t.test('heredoc delimiters never occur in their content; %-lines and CR/NUL go through base64', async (t) => {
  const block = agentBlock(renderKickstart(input('rocky9')))
  const docs = block.map((l) => HEREDOC.exec(l)).filter((m) => m !== null)
  t.equal(docs.length, FILES.length)
  for (const [i, m] of docs.entries()) {
    const file = FILES[i] as AgentFile
    t.equal(m[2], file.path)
    t.notOk(file.content.includes(m[3] as string), `${file.path}: delimiter ${m[3]} is not in the content`)
    const encoded = /[\r\0]/.test(file.content) || /^\s*%/m.test(file.content)
    t.equal(m[1], encoded ? 'base64 -d' : 'cat', `${file.path} written with ${m[1]}`)
  }
  t.notOk(
    block.some((l) => /^\s*%/.test(l)),
    'no line of the block starts with %',
  )
})
