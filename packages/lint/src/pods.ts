import type { Finding, PathStep } from './source.js';

type Obj = Record<string, unknown>;

export function asObj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** What the image rule needs to know about the images manifest. */
export interface ImagePolicy {
  readonly registry: string;
  readonly refs: readonly string[];
  /** image ref → the bin the image puts on PATH (from the manifest), for checking `command`. */
  readonly bins: ReadonlyMap<string, string | null>;
}

/** An image of ours runs its own bin: `command` (when given) must start with the bin the manifest declares. */
export function checkCommand(container: Obj, path: PathStep[], policy: ImagePolicy | undefined): Finding[] {
  if (!policy || typeof container.image !== 'string' || !Array.isArray(container.command)) return [];
  const bin = policy.bins.get(container.image);
  if (!bin || container.command[0] === bin) return [];
  return [
    {
      path: [...path, 'command'],
      rule: 'policy/image-command',
      message: `command ${JSON.stringify(container.command[0])} is not the bin of ${container.image} (images.json says ${bin})`,
    },
  ];
}

/**
 * Secrets: a Secret volume needs an explicit defaultMode without group/other write and without other-read
 * (0400/0440), and every mount of it must be readOnly.
 */
export function checkSecretVolumes(
  volumes: unknown,
  volumesPath: PathStep[],
  mounts: ReadonlyArray<{ mounts: unknown; path: PathStep[] }>,
): Finding[] {
  const findings: Finding[] = [];
  const secretNames = new Set<string>();
  asArray(volumes).forEach((v, i) => {
    const volume = asObj(v);
    const secret = asObj(volume?.secret);
    if (!volume || !secret) return;
    secretNames.add(String(volume.name));
    const mode = secret.defaultMode;
    if (typeof mode !== 'number' || (mode & 0o037) !== 0) {
      findings.push({
        path: [...volumesPath, i, 'secret'],
        rule: 'policy/secret-volume',
        message: `secret volume "${String(volume.name)}" needs defaultMode 256 (0400) or 288 (0440)`,
      });
    }
  });
  for (const { mounts: list, path } of mounts) {
    asArray(list).forEach((m, j) => {
      const mount = asObj(m);
      if (mount && secretNames.has(String(mount.name)) && mount.readOnly !== true) {
        findings.push({
          path: [...path, j],
          rule: 'policy/secret-volume',
          message: `secret volume "${String(mount.name)}" must be mounted readOnly: true`,
        });
      }
    });
  }
  return findings;
}

/** Our images must be exactly what the manifest publishes; any image must be pinned (tag other than latest, or digest). */
export function checkImage(image: unknown, path: PathStep[], policy: ImagePolicy | undefined): Finding[] {
  if (typeof image !== 'string' || image === '')
    return [{ path, rule: 'validity/image', message: 'container has no image' }];
  if (image.includes('{{'))
    return [
      { path, rule: 'policy/image-pinned', message: `image "${image}" is templated; pin it in the YAML` },
    ];
  const findings: Finding[] = [];
  const at = image.indexOf('@');
  const nameTag = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = nameTag.lastIndexOf('/');
  const colon = nameTag.indexOf(':', lastSlash + 1);
  const tag = colon >= 0 ? nameTag.slice(colon + 1) : undefined;
  if (tag === 'latest')
    findings.push({
      path,
      rule: 'policy/image-pinned',
      message: `image "${image}" uses :latest; pin a version`,
    });
  else if (tag === undefined && at < 0)
    findings.push({
      path,
      rule: 'policy/image-pinned',
      message: `image "${image}" has no tag or digest; pin a version`,
    });
  if (policy && image.startsWith(`${policy.registry}/`) && !policy.refs.includes(image)) {
    findings.push({
      path,
      rule: 'policy/image-manifest',
      message: `image "${image}" is not in images/images.json (known: ${policy.refs.join(', ')})`,
    });
  }
  return findings;
}

/**
 * Pod Security Standard "restricted" for one container, given the pod-level securityContext, plus this project's
 * rules: read-only root filesystem and resource requests/limits.
 */
export function checkContainer(container: Obj, path: PathStep[], podSecurity: Obj | undefined): Finding[] {
  const findings: Finding[] = [];
  const sc = asObj(container.securityContext);
  const scPath = [...path, 'securityContext'];
  const name = typeof container.name === 'string' ? container.name : 'container';
  const at = sc ? scPath : path;
  if (!sc)
    findings.push({
      path,
      rule: 'policy/pod-security',
      message: `${name}: no securityContext (Pod Security "restricted" needs one)`,
    });
  const runAsNonRoot = sc?.runAsNonRoot ?? podSecurity?.runAsNonRoot;
  if (runAsNonRoot !== true)
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: runAsNonRoot must be true (restricted)`,
    });
  if (sc && sc.allowPrivilegeEscalation !== false) {
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: allowPrivilegeEscalation must be false (restricted)`,
    });
  }
  if (sc?.privileged === true)
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: privileged containers are not allowed`,
    });
  const drop = asArray(asObj(sc?.capabilities)?.drop);
  if (sc && !drop.includes('ALL'))
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: capabilities.drop must include ALL (restricted)`,
    });
  const add = asArray(asObj(sc?.capabilities)?.add).filter((c) => c !== 'NET_BIND_SERVICE');
  if (add.length > 0)
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: capabilities.add ${add.join(',')} not allowed (restricted)`,
    });
  const seccomp = asObj(sc?.seccompProfile)?.type ?? asObj(podSecurity?.seccompProfile)?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') {
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: seccompProfile.type must be RuntimeDefault or Localhost (restricted)`,
    });
  }
  if (sc && sc.readOnlyRootFilesystem !== true) {
    findings.push({
      path: at,
      rule: 'policy/pod-security',
      message: `${name}: readOnlyRootFilesystem must be true (mount an emptyDir for scratch)`,
    });
  }
  const resources = asObj(container.resources);
  if (!asObj(resources?.requests) || !asObj(resources?.limits)) {
    findings.push({
      path,
      rule: 'policy/resources',
      message: `${name}: set resources.requests and resources.limits`,
    });
  }
  return findings;
}

/** Checks a Kubernetes PodSpec (CronJob/Job): every container and init container. */
export function checkPodSpec(podSpec: Obj, path: PathStep[], policy: ImagePolicy | undefined): Finding[] {
  const findings: Finding[] = [];
  const podSecurity = asObj(podSpec.securityContext);
  for (const field of ['initContainers', 'containers'] as const) {
    asArray(podSpec[field]).forEach((c, i) => {
      const container = asObj(c);
      if (!container) return;
      const cPath = [...path, field, i];
      findings.push(...checkImage(container.image, [...cPath, 'image'], policy));
      findings.push(...checkCommand(container, cPath, policy));
      findings.push(...checkContainer(container, cPath, podSecurity));
    });
  }
  const mounts = (['initContainers', 'containers'] as const).flatMap((field) =>
    asArray(podSpec[field]).map((c, i) => ({
      mounts: asObj(c)?.volumeMounts,
      path: [...path, field, i, 'volumeMounts'],
    })),
  );
  findings.push(...checkSecretVolumes(podSpec.volumes, [...path, 'volumes'], mounts));
  return findings;
}
