// vCPU and GPU counts of common SageMaker training instance types. CloudWatch's CPUUtilization is a
// sum over vCPUs (0-100 x vCPUs) and GPUUtilization / GPUMemoryUtilization a sum over GPUs, so these
// counts turn them into 0-100 %. An instance type not listed here keeps its raw values (and says so).

export interface InstanceShape {
  readonly vcpus: number;
  readonly gpus: number;
}

/** vCPUs by size for the regular EC2 families (2 per "large" unit). */
const SIZE_VCPUS: Record<string, number> = {
  medium: 2,
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '9xlarge': 36,
  '12xlarge': 48,
  '16xlarge': 64,
  '18xlarge': 72,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
};

/** Families whose sizes follow SIZE_VCPUS. GPU counts per size where the family has GPUs. */
const FAMILIES: Record<string, Readonly<Record<string, number>> | 'cpu'> = {
  t3: 'cpu',
  m4: 'cpu',
  m5: 'cpu',
  m5d: 'cpu',
  m6i: 'cpu',
  m7i: 'cpu',
  c4: 'cpu',
  c5: 'cpu',
  c5n: 'cpu',
  c6i: 'cpu',
  c7i: 'cpu',
  r5: 'cpu',
  r5d: 'cpu',
  r6i: 'cpu',
  trn1: 'cpu',
  trn1n: 'cpu',
  p2: { xlarge: 1, '8xlarge': 8, '16xlarge': 16 },
  p3: { '2xlarge': 1, '8xlarge': 4, '16xlarge': 8 },
  p3dn: { '24xlarge': 8 },
  p4d: { '24xlarge': 8 },
  p4de: { '24xlarge': 8 },
  p5: { '48xlarge': 8 },
  p5e: { '48xlarge': 8 },
  p5en: { '48xlarge': 8 },
  g4dn: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1 },
  g5: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, '24xlarge': 4, '48xlarge': 8 },
  g6: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, '24xlarge': 4, '48xlarge': 8 },
  g6e: { xlarge: 1, '2xlarge': 1, '4xlarge': 1, '8xlarge': 1, '12xlarge': 4, '16xlarge': 1, '24xlarge': 4, '48xlarge': 8 },
};

/** Sizes that break the regular pattern. */
const OVERRIDES: Record<string, InstanceShape> = {
  'ml.c4.8xlarge': { vcpus: 36, gpus: 0 },
  'ml.m4.10xlarge': { vcpus: 40, gpus: 0 },
};

/** The shape of an `ml.<family>.<size>` instance type, or undefined when runlens does not know it. */
export function instanceShape(instanceType: string | undefined): InstanceShape | undefined {
  if (!instanceType) return undefined;
  const override = OVERRIDES[instanceType];
  if (override) return override;
  const match = /^ml\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceType);
  if (!match) return undefined;
  const family = FAMILIES[match[1]!];
  const vcpus = SIZE_VCPUS[match[2]!];
  if (!family || vcpus === undefined) return undefined;
  if (family === 'cpu') return { vcpus, gpus: 0 };
  const gpus = family[match[2]!];
  return gpus === undefined ? undefined : { vcpus, gpus };
}
