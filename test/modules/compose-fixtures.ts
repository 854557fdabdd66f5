/**
 * Container listings as the compose module and the harbor module read them: `docker compose ps -a --format
 * json` of compose 2.27 (one object per line) and of compose 2.17 (one JSON array), and `docker ps -a
 * --format '{{json .}}'` of docker 20.10 for containers made by Debian 12's docker-compose 1.29.
 */

export interface Box {
  project: string
  service: string
  image: string
  state: 'running' | 'exited' | 'restarting' | 'created'
  /** docker-compose 1.x names containers project_service_1, compose 2 project-service-1. */
  number?: number
  /** A compose file's container_name (Harbor names its own: harbor-core, nginx…). */
  name?: string
}

function status(state: Box['state']): string {
  return { running: 'Up 2 minutes', exited: 'Exited (1) 40 seconds ago', restarting: 'Restarting (1) 3 seconds ago', created: 'Created' }[state]
}

function labels(b: Box, version: string, sep: string): string {
  const dir = `/opt/vmlab/compose/${b.project}`
  return [
    'com.docker.compose.config-hash=7d1f0c2b9a8e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c',
    `com.docker.compose.container-number=${b.number ?? 1}`,
    'com.docker.compose.oneoff=False',
    `com.docker.compose.project=${b.project}`,
    `com.docker.compose.project.config_files=${dir}/compose.yaml`,
    `com.docker.compose.project.working_dir=${dir}`,
    `com.docker.compose.service=${b.service}`,
    `com.docker.compose.version=${version}`,
  ].join(sep)
}

/** compose ≥ 2.21: one JSON object per container and line. */
export function composePsLines(boxes: Box[]): string {
  return boxes
    .map((b) =>
      JSON.stringify({
        Command: '"/docker-entrypoint.…"',
        CreatedAt: '2024-11-20 10:30:12 +0000 UTC',
        ExitCode: b.state === 'exited' ? 1 : 0,
        Health: '',
        ID: '8c1d2e3f4a5b',
        Image: b.image,
        Labels: labels(b, '2.27.1', ','),
        LocalVolumes: '0',
        Mounts: `/opt/vmlab/com…`,
        Name: b.name ?? `${b.project}-${b.service}-${b.number ?? 1}`,
        Names: b.name ?? `${b.project}-${b.service}-${b.number ?? 1}`,
        Networks: `${b.project}_default`,
        Ports: b.state === 'running' ? '0.0.0.0:18848->80/tcp' : '',
        Project: b.project,
        Publishers: [{ URL: '0.0.0.0', TargetPort: 80, PublishedPort: b.state === 'running' ? 18848 : 0, Protocol: 'tcp' }],
        RunningFor: '2 minutes ago',
        Service: b.service,
        Size: '0B',
        State: b.state,
        Status: status(b.state),
      }),
    )
    .map((l) => `${l}\n`)
    .join('')
}

/** compose 2.0 – 2.20: one JSON array (`[]` for a project without containers). */
export function composePsArray(boxes: Box[]): string {
  return `${JSON.stringify(
    boxes.map((b) => ({
      ID: '3f2e1d0c9b8a7f6e5d4c3b2a19081726354453627180',
      Name: `${b.project}-${b.service}-${b.number ?? 1}`,
      Image: b.image,
      Command: "/docker-entrypoint.sh nginx -g 'daemon off;'",
      Project: b.project,
      Service: b.service,
      Created: 1732098612,
      State: b.state,
      Status: status(b.state),
      Health: '',
      ExitCode: b.state === 'exited' ? 1 : 0,
      Publishers: [{ URL: '0.0.0.0', TargetPort: 80, PublishedPort: 18848, Protocol: 'tcp' }],
    })),
  )}\n`
}

/** docker 20.10 `docker ps -a --format '{{json .}}'` of containers docker-compose 1.29 made. */
export function dockerPsLines(boxes: Box[]): string {
  return boxes
    .map((b) =>
      JSON.stringify({
        Command: '"/docker-entrypoint.…"',
        CreatedAt: '2024-11-20 10:30:12 +0000 UTC',
        ID: '1a2b3c4d5e6f',
        Image: b.image,
        Labels: labels(b, '1.29.2', ','),
        LocalVolumes: '0',
        Mounts: '/opt/vmlab/com…',
        Names: `${b.project}_${b.service}_${b.number ?? 1}`,
        Networks: `${b.project}_default`,
        Ports: '',
        RunningFor: '2 minutes ago',
        Size: '0B',
        State: b.state,
        Status: status(b.state),
      }),
    )
    .map((l) => `${l}\n`)
    .join('')
}

/** GET /containers/json?all=1 (docker 20.10) of containers docker-compose 1.29 made. */
export function containersJson(boxes: Box[]): string {
  return JSON.stringify(
    boxes.map((b) => ({
      Id: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b',
      Names: [`/${b.project}_${b.service}_${b.number ?? 1}`],
      Image: b.image,
      Labels: Object.fromEntries(
        labels(b, '1.29.2', '\n')
          .split('\n')
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      ),
      State: b.state,
      Status: status(b.state),
    })),
  )
}
