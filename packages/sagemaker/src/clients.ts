// The AWS SDK v3 clients, built lazily (one per service and region) and only for the services a
// command uses, so `runlens describe` never loads the S3 or CloudWatch SDKs. Retries are core's:
// every client has `maxAttempts: 1`, and every call goes through the requester with a budget.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { invalidInput, type BudgetSpec, type Requester } from '@runlens/core';
import type { AdapterConfig, AwsService } from './config.js';

/** Request rates per operation (requests per second, burst), under the documented default quotas. */
const RATES: Record<string, { ratePerSecond: number; burst: number }> = {
  DescribeTrainingJob: { ratePerSecond: 8, burst: 8 },
  ListTrainingJobs: { ratePerSecond: 2, burst: 4 },
  // The tightest CloudWatch Logs quota (5 TPS in the 2022 model; 25 in today's docs).
  DescribeLogStreams: { ratePerSecond: 5, burst: 5 },
  GetLogEvents: { ratePerSecond: 25, burst: 25 },
  GetMetricData: { ratePerSecond: 25, burst: 10 },
  ListObjectsV2: { ratePerSecond: 50, burst: 20 },
  HeadObject: { ratePerSecond: 50, burst: 20 },
  GetObject: { ratePerSecond: 50, burst: 20 },
};

const SERVICE_OF: Record<string, AwsService> = {
  DescribeTrainingJob: 'SAGEMAKER',
  ListTrainingJobs: 'SAGEMAKER',
  DescribeLogStreams: 'CLOUDWATCH_LOGS',
  GetLogEvents: 'CLOUDWATCH_LOGS',
  GetMetricData: 'CLOUDWATCH',
  ListObjectsV2: 'S3',
  HeadObject: 'S3',
  GetObject: 'S3',
};

interface ClientMap {
  SAGEMAKER: SageMakerClient;
  CLOUDWATCH_LOGS: CloudWatchLogsClient;
  CLOUDWATCH: CloudWatchClient;
  S3: S3Client;
}

type AnyClient = ClientMap[AwsService];

export class AwsClients {
  private readonly clients = new Map<string, Promise<AnyClient>>();

  constructor(
    private readonly config: AdapterConfig,
    private readonly requester: Requester,
  ) {}

  /** The region calls for a job go to: the ARN's, else the configured one, else the SDK chain's. */
  private regionFor(hint: string | undefined): string | undefined {
    return hint ?? this.config.region;
  }

  client<S extends AwsService>(service: S, regionHint?: string): Promise<ClientMap[S]> {
    const region = this.regionFor(regionHint);
    const key = `${service}|${region ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(service, region);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client as Promise<ClientMap[S]>;
  }

  private async create(service: AwsService, region: string | undefined): Promise<AnyClient> {
    const endpoint = this.config.endpoint(service);
    const common = {
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(this.config.credentials ? { credentials: this.config.credentials } : {}),
      ...(this.config.profile ? { profile: this.config.profile } : {}),
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    };
    let client: AnyClient;
    switch (service) {
      case 'SAGEMAKER':
        client = new (await import('@aws-sdk/client-sagemaker')).SageMakerClient(common);
        break;
      case 'CLOUDWATCH_LOGS':
        client = new (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient(common);
        break;
      case 'CLOUDWATCH':
        client = new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(common);
        break;
      case 'S3':
        // An endpoint override (emulators, MinIO, VPC endpoints) needs path-style addressing;
        // against AWS itself, follow a bucket's region redirect.
        client = new (await import('@aws-sdk/client-s3')).S3Client({ ...common, ...(endpoint ? { forcePathStyle: true } : { followRegionRedirects: true }) });
        break;
    }
    try {
      await client.config.region();
    } catch {
      client.destroy();
      throw invalidInput('no AWS region configured: use a training job ARN, --region, AWS_REGION, or a profile with a region');
    }
    return client;
  }

  /** The shared-budget key: provider, region, endpoint and operation. */
  budget(operation: string, regionHint?: string): BudgetSpec {
    const configured = this.config.rates[operation];
    const rate = configured !== undefined ? { ratePerSecond: configured, burst: Math.max(1, Math.ceil(configured)) } : (RATES[operation] ?? { ratePerSecond: 5, burst: 5 });
    const service = SERVICE_OF[operation] ?? 'SAGEMAKER';
    const region = this.regionFor(regionHint) ?? 'default-region';
    return { key: `sagemaker|${region}|${this.config.endpoint(service) ?? 'aws'}|${operation}`, ...rate };
  }

  /**
   * One wire call through core's requester (budget, retries, error mapping). `send` gets the client and
   * the abort signal.
   */
  async call<S extends AwsService, T>(
    service: S,
    operation: string,
    options: { region?: string; run?: string; signal?: AbortSignal },
    send: (client: ClientMap[S], signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const client = await this.client(service, options.region);
    return this.requester.call({ operation, budget: this.budget(operation, options.region), run: options.run, signal: options.signal }, (signal) => send(client, signal));
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.clients.values());
    for (const result of all) if (result.status === 'fulfilled') result.value.destroy();
    this.clients.clear();
  }
}
