// Stream-shaped logs (contract v2): one stream per pod, container and attempt. A container that
// restarted has two streams the kubelet still keeps — the previous run (`previous=true`) and the
// current one — and earlier attempts are gone (docs/providers/kubernetes.md). `open` is one
// `pods/{pod}/log?timestamps=true` request, with `follow=true` while core follows; core resumes a
// dropped connection from a whole-second `sinceTime` and drops what it had delivered.
import { seg } from './client.js';
import { jobPods } from './catalog.js';
import { wireCause } from './errors.js';
import { kindByRefName } from './kinds.js';
import { mainContainer, nodeName } from './model/nodes.js';
import { openPodLog, recordsFrom } from './pod-logs.js';

import type { CallOptions, LogRecord, LogStreamInfo, RunTarget, StreamLogSource, StreamOpenRequest } from '@runlens/core';

import type { KubeClient } from './client.js';
import type { JobKind, PodObject } from './model/wire.js';
import type { KubernetesHandle } from './settings.js';

interface StreamFacts {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** 1-based: restartCount + 1 is the running (or last) one. */
  readonly attempt: number;
  readonly node: string;
}

/** `<pod>/<container>@<attempt>`: stable across reads, so cursors can name it. */
export function streamId(pod: string, container: string, attempt: number): string {
  return `${pod}/${container}@${attempt}`;
}

export function parseStreamId(id: string): { pod: string; container: string; attempt: number } | undefined {
  const match = /^([^/]+)\/([^/@]+)@(\d+)$/.exec(id);
  return match === null ? undefined : { pod: match[1]!, container: match[2]!, attempt: Number(match[3]) };
}

export class KubernetesLogs implements StreamLogSource<KubernetesHandle> {
  readonly kind = 'stream';
  /** `sinceTime` reaches the kubelet to the whole second (kubernetes/kubernetes#92389). */
  readonly sinceGranularityMs = 1000;
  /** The newest restart count seen per pod and container: which attempt is current. */
  private readonly restarts = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly container: string | undefined,
  ) {}

  async listStreams(target: RunTarget<KubernetesHandle>, options: CallOptions = {}): Promise<readonly LogStreamInfo[]> {
    const { handle } = target;
    const kind = kindByRefName(handle.kind)!;
    // Fresh: a follow looks for pods that started late (a replaced pod, a worker scheduled at last).
    const pods = await jobPods(this.client, handle.namespace, kind, handle.name, { run: target.run.id, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    return pods.flatMap((pod) => this.streamsOf(handle.kind, handle.namespace, pod)).map((facts) => ({ id: streamId(facts.pod, facts.container, facts.attempt), node: facts.node }));
  }

  private streamsOf(kind: JobKind, namespace: string, pod: PodObject): StreamFacts[] {
    const name = pod.metadata?.name;
    if (name === undefined || (pod.spec?.nodeName ?? '') === '') return []; // not scheduled: no log yet
    const container = this.container ?? mainContainer(kind, pod);
    if (container === undefined || !(pod.spec?.containers ?? []).some((c) => c.name === container)) return [];
    const status = pod.status?.containerStatuses?.find((s) => s.name === container);
    if (status === undefined) return [];
    const restarts = status.restartCount ?? 0;
    this.restarts.set(`${namespace}/${name}/${container}`, restarts);
    const node = nodeName(kind, pod);
    const out: StreamFacts[] = [];
    const hasPrevious = restarts > 0 && status.lastState?.terminated !== undefined;
    // A container waiting to start (ContainerCreating, ImagePullBackOff, CrashLoopBackOff) has no current log.
    const hasCurrent = status.state?.running !== undefined || status.state?.terminated !== undefined;
    if (hasPrevious) out.push({ namespace, pod: name, container, attempt: restarts, node });
    if (hasCurrent) out.push({ namespace, pod: name, container, attempt: restarts + 1, node });
    return out;
  }

  /** The container's restart count now (and remembered); undefined when the pod is gone. */
  private async restartCount(namespace: string, pod: string, container: string, run: string, signal: AbortSignal | undefined): Promise<number | undefined> {
    let object: PodObject;
    try {
      object = await this.client.get<PodObject>({ operation: 'ReadPod', path: `/api/v1/namespaces/${seg(namespace)}/pods/${seg(pod)}`, run, ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      if (wireCause(error)?.status === 404) return undefined;
      throw error;
    }
    const restarts = object.status?.containerStatuses?.find((s) => s.name === container)?.restartCount ?? 0;
    this.restarts.set(`${namespace}/${pod}/${container}`, restarts);
    return restarts;
  }

  async *open(target: RunTarget<KubernetesHandle>, stream: LogStreamInfo, request: StreamOpenRequest): AsyncGenerator<readonly LogRecord[]> {
    const parsed = parseStreamId(stream.id);
    if (parsed === undefined) return;
    const namespace = target.handle.namespace;
    if (request.follow) {
      // A live container may have restarted since the streams were listed: then this attempt is
      // now the previous one, and the plain log is the next attempt's. Ask the pod first.
      const fresh = await this.restartCount(namespace, parsed.pod, parsed.container, target.run.id, request.signal);
      if (fresh === undefined) return; // the pod is gone
    }
    const restarts = this.restarts.get(`${namespace}/${parsed.pod}/${parsed.container}`) ?? parsed.attempt - 1;
    // The current attempt, or the one before it (previous=true); older attempts' logs are gone.
    const previous = parsed.attempt === restarts;
    if (parsed.attempt !== restarts + 1 && !previous) return;
    const follow = request.follow && !previous;
    let response;
    try {
      response = await openPodLog(this.client, {
        namespace,
        pod: parsed.pod,
        container: parsed.container,
        previous,
        follow,
        ...(request.since === undefined ? {} : { since: request.since }),
        run: target.run.id,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    } catch (error) {
      // The pod is gone, or its container is not (or no longer) there to read: no lines, not a failure.
      const cause = wireCause(error);
      if (cause?.status === 404 || (cause?.status === 400 && /waiting to start|previous terminated container .* not found/.test(cause.providerMessage ?? ''))) return;
      throw error;
    }
    // A restarted container's attempts are told apart on each line.
    const several = (this.restarts.get(`${namespace}/${parsed.pod}/${parsed.container}`) ?? 0) > 0;
    yield* recordsFrom(response.body, {
      node: stream.node,
      ...(several ? { stream: `${parsed.container} attempt ${parsed.attempt}` } : {}),
      run: target.run.id,
    }, !follow, request.signal);
  }
}

