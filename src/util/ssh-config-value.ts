/**
 * A value in an OpenSSH config line or an `ssh -o` option: ssh splits them at white space, so a path with a
 * space (a Windows user folder "Zoë Li", "Labs dir") must be in double quotes, which ssh takes off again.
 */
export function sshConfigValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '')}"` : value
}
