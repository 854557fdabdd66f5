/**
 * The machine `lab` runs on: its OS and CPU architecture. `VMLAB_HOST=darwin/arm64` (any process.platform /
 * process.arch pair) makes `lab validate` and `lab plan --commands` answer as they would on that machine, so a
 * teacher on a PC can see what a student's Apple Silicon Mac would be told and run.
 */
export interface HostPlatform {
  platform: NodeJS.Platform
  /** Node's spelling: x64, arm64. */
  arch: string
}

export function hostPlatform(env: NodeJS.ProcessEnv = process.env): HostPlatform {
  const m = /^([a-z0-9]+)\/([a-z0-9_]+)$/.exec(env.VMLAB_HOST ?? '')
  return m ? { platform: m[1] as NodeJS.Platform, arch: m[2]! } : { platform: process.platform, arch: process.arch }
}

/** A Mac with an Apple M-series CPU. */
export function isAppleSilicon(host: HostPlatform): boolean {
  return host.platform === 'darwin' && host.arch === 'arm64'
}
