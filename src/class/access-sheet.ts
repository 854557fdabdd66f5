/**
 * A student's access sheet: an SSH config for their own nodes (through the class's jump host when their VMs
 * are not routable from the student), their key, their passwords and web addresses. Built from their
 * instance alone: nothing of another student, and nothing of the teacher's hosts (connection URIs, host
 * logins) is read, so nothing of them can leak into it.
 */
import type { LabCredentials } from '../engine/credentials.js'
import type { ResolvedLab } from '../lab/resolve.js'

export interface AccessSheet {
  /** The file names (relative) to their contents; the key is 0600. */
  files: Record<string, string>
  /** The text to print or hand out: everything in one page. */
  text: string
}

export function accessSheet(lab: ResolvedLab, creds: LabCredentials, student: { id: string; name: string }, opts: { jump?: string; console?: string[] } = {}): AccessSheet {
  const keyFile = `id_ed25519-${student.id}`
  const user = lab.install.user.name
  const config = lab.nodes
    .map((n) =>
      [`Host ${n.name}`, `  HostName ${n.ip}`, `  User ${user}`, `  IdentityFile ~/.ssh/${keyFile}`, '  IdentitiesOnly yes', ...(opts.jump ? [`  ProxyJump ${opts.jump}`] : []), ''].join('\n'),
    )
    .join('\n')
  const web = lab.nodes.flatMap((n) => n.forwards.map((f) => `  ${n.name}: port ${f.guest} → http://${n.ip}:${f.guest}/`))
  const passwords = [
    ...(creds.secrets.userPassword ? [`  ${user}: ${creds.secrets.userPassword}`] : []),
    ...(creds.secrets.rootPassword ? [`  root: ${creds.secrets.rootPassword}`] : []),
    ...Object.entries(creds.secrets.services).map(([name, pw]) => `  ${name}: ${pw}`),
  ]
  const text = [
    `Lab ${lab.name} — access sheet of ${student.name} (${student.id})`,
    '',
    `Your nodes: ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')} (network ${lab.network.cidr})`,
    opts.jump ? `They are reached through ${opts.jump}: ssh asks for your login there first.` : 'They are reached directly from the lab network.',
    '',
    `Save the key below as ~/.ssh/${keyFile} (chmod 600), add the SSH config to ~/.ssh/config, then: ssh ${lab.nodes[0]?.name ?? 'master'}`,
    '',
    '--- ~/.ssh/config ---',
    config,
    `--- ~/.ssh/${keyFile} ---`,
    creds.privateKey.trimEnd(),
    '',
    '--- passwords ---',
    ...(passwords.length ? passwords : ['  (the lab file sets them; ask your teacher)']),
    ...(web.length ? ['', '--- web ---', ...web] : []),
    ...(opts.console?.length ? ['', '--- console ---', ...opts.console] : []),
    '',
  ].join('\n')
  return { files: { ssh_config: config, [keyFile]: creds.privateKey, 'access.txt': text }, text }
}
