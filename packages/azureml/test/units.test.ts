import { describe, expect, it } from 'vitest';
import { createRunlens, resolveSettings } from '@runlens/core';
import { checkEndpoint, dataPlaneFromWorkspace, isLoopbackHost, locateJob, readConfig } from '../src/config.js';
import { failureOf, mapStatus, nodesOf } from '../src/convert-run.js';
import { parseErrorBody, retryAfterFrom } from '../src/errors.js';
import { classifyLogFile, logFilesOf } from '../src/log-files.js';
import { utf8Boundary } from '@runlens/core';
import { leadingTimestamp, parseLine, splitLines } from '../src/lines.js';
import { toPoint } from '../src/metrics.js';
import { azuremlProvider, type AzuremlSettings } from '../src/index.js';

/** Settings as core parses them (the workspace variables are among them), then the adapter's config. */
const env = (vars: Record<string, string>, settings: Record<string, unknown> = {}) => ({ env: vars, settings: resolveSettings(azuremlProvider, settings, vars) as AzuremlSettings });

const WS = '/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1';

describe('configuration and refs', () => {
  it('accepts https anywhere and plain http only on loopback hosts', () => {
    expect(checkEndpoint('https://management.azure.com/', 'X')).toBe('https://management.azure.com');
    for (const url of ['http://127.0.0.1:8080', 'http://127.3.2.1', 'http://localhost:1', 'http://[::1]:9']) expect(() => checkEndpoint(url, 'X')).not.toThrow();
    for (const url of ['http://10.0.0.1', 'http://example.com', 'http://127.0.0.1.nip.io', 'ftp://127.0.0.1']) expect(() => checkEndpoint(url, 'AZUREML_ARM_ENDPOINT')).toThrow(/https|not a URL/);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
  });

  it('finds the data-plane host in the tracking URI (azureml: → https, or http on loopback) or the discovery URL', () => {
    expect(dataPlaneFromWorkspace({ mlFlowTrackingUri: 'azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/x' })).toBe('https://eastus.api.azureml.ms');
    expect(dataPlaneFromWorkspace({ mlFlowTrackingUri: 'azureml://127.0.0.1:4000/mlflow/v1.0/x' })).toBe('http://127.0.0.1:4000');
    expect(dataPlaneFromWorkspace({ discoveryUrl: 'https://westeurope.api.azureml.ms/discovery' })).toBe('https://westeurope.api.azureml.ms');
    expect(dataPlaneFromWorkspace({ discoveryUrl: 'http://evil.example.com/discovery' })).toBeUndefined();
  });

  it('locates a job by name in the configured workspace, by ARM id, or through --workspace', () => {
    const fromEnv = readConfig(env({ AZURE_SUBSCRIPTION_ID: 's', AZURE_RESOURCE_GROUP: 'g', AZUREML_WORKSPACE_NAME: 'w' }));
    expect(locateJob('job-1', fromEnv)).toEqual({ subscriptionId: 's', resourceGroup: 'g', workspace: 'w', job: 'job-1' });
    expect(locateJob(`${WS}/jobs/other_job`, fromEnv)).toEqual({ subscriptionId: 'sub-1', resourceGroup: 'rg-1', workspace: 'ws-1', job: 'other_job' });
    const fromSetting = readConfig(env({}, { workspace: WS }));
    expect(locateJob('j', fromSetting).workspace).toBe('ws-1');
    expect(() => locateJob('j', readConfig(env({})))).toThrow(/no Azure ML workspace configured/);
    expect(() => locateJob('a/b', fromEnv)).toThrow(/not a valid Azure ML job name/);
    // A bare name without a subscription and resource group is refused where the workspace is needed, not at start.
    expect(() => locateJob('j', readConfig(env({}, { workspace: 'just-a-name' })))).toThrow(/no Azure ML workspace configured/);
    expect(locateJob('j', readConfig(env({}, { workspace: 'w', subscription: 's', resourceGroup: 'g' })))).toEqual({ subscriptionId: 's', resourceGroup: 'g', workspace: 'w', job: 'j' });
    expect(() => env({}, { workspace: 'a/b' })).toThrow(/workspace \(--workspace\): must be a workspace name or its ARM id/);
    expect(() => env({ AZUREML_ARM_ENDPOINT: 'http://management.azure.com' })).toThrow(/armEndpoint: must be an https URL/);
  });

  it('rejects bad or unknown settings through core, the same way as every provider', () => {
    const fails = (settings: Record<string, unknown>, message: RegExp) => expect(() => createRunlens({ providers: [azuremlProvider], env: {}, settings: { azureml: settings } })).toThrow(message);
    fails({ logPageBytes: 0 }, /logPageBytes: must be a positive whole number of bytes/);
    fails({ requestsPerSecond: 'fast' }, /requestsPerSecond: expected number/);
    // Follow polling is core's policy now, and the dispatcher a test hook: neither is a setting.
    fails({ followPollMinMs: 30 }, /unknown setting 'followPollMinMs'/);
    fails({ dispatcher: {} }, /unknown setting 'dispatcher'/);
  });

  it('claims ARM job ids and Studio URLs as refs carrying the workspace', () => {
    expect(azuremlProvider.claim!(`${WS}/jobs/j1`)).toBe(`${WS}/jobs/j1`);
    expect(azuremlProvider.claim!(`https://ml.azure.com/runs/j2?wsid=${WS}&tid=t`)).toBe(`${WS}/jobs/j2`);
    expect(azuremlProvider.claim!(`https://ml.azure.com/experiments/id/0f1e/runs/j4?wsid=${encodeURIComponent(WS)}`)).toBe(`${WS}/jobs/j4`);
    expect(azuremlProvider.claim!('j3')).toBeUndefined();
  });
});

describe('status, nodes and failures', () => {
  it('maps every Azure ML job status; Finalizing is not terminal and unknown values do not crash', () => {
    const cases: [string, string][] = [
      ['NotStarted', 'pending'], ['Queued', 'pending'], ['Preparing', 'pending'], ['Provisioning', 'pending'], ['Starting', 'pending'],
      ['Running', 'running'], ['Finalizing', 'running'], ['CancelRequested', 'running'],
      ['Completed', 'completed'], ['Failed', 'failed'], ['NotResponding', 'failed'], ['Canceled', 'stopped'], ['Paused', 'stopped'],
    ];
    for (const [azure, core] of cases) expect(mapStatus(azure, true), azure).toBe(core);
    expect(mapStatus('Unknown', false)).toBe('pending');
    expect(mapStatus('Unknown', true)).toBe('running');
    expect(mapStatus('SomethingNew', true)).toBe('running');
    expect(mapStatus(undefined, false)).toBe('pending');
  });

  it('names one node per rank from instances × processes, plus the nodes log files name', () => {
    const job = { properties: { jobType: 'Command', resources: { instanceCount: 2, instanceType: 'Standard_NC12s_v3' }, distribution: { distributionType: 'PyTorch', processCountPerInstance: 2 } } } as never;
    expect(nodesOf(job).map((n) => n.name)).toEqual(['rank-0', 'rank-1', 'rank-2', 'rank-3']);
    const details = { logFiles: { 'azureml-logs/55_azureml-execution-tvmps_x_d.txt': 'u', 'user_logs/std_log_process_11.txt': 'u' } };
    expect(nodesOf(job, details).map((n) => n.name)).toEqual(['azureml', 'rank-0', 'rank-1', 'rank-2', 'rank-3', 'rank-11']);
  });

  it('turns a Run History error into a categorized failure with its code and details', () => {
    const failure = failureOf({
      code: 'UserError',
      message: "Execution failed. User process 'python' exited with status code 1. Error: Traceback (most recent call last):\n  File \"train.py\", line 4\nModuleNotFoundError: No module named 'torchvision'\n",
      innerError: { code: 'BadArgument' },
    })!;
    expect(failure.code).toBe('UserError');
    expect(failure.category).toBe('setup');
    expect(failure.reason).toBe("Execution failed. User process 'python' exited with status code 1. ModuleNotFoundError: No module named 'torchvision'");
    expect(failure.evidence[0]).toBe('error code: UserError / BadArgument');
    expect(failureOf({ code: 'ServiceError', message: 'Not enough quota', details: [{ code: 'QuotaExceeded', message: 'Cluster core quota reached' }] })!.category).toBe('capacity');
    expect(failureOf({ code: 'UserError', message: 'Your job ran out of memory', innerError: { code: 'OutOfMemory' } })!.category).toBe('out-of-memory');
    expect(failureOf({ code: 'UserError', message: 'Job exceeded limits', innerError: { code: 'JobTimeout' } })!.category).toBe('timeout');
    expect(failureOf(null)).toBeUndefined();
  });
});

describe('log files and lines', () => {
  it('reads every rank of user_logs and the legacy azureml-logs files, ranks in numeric order', () => {
    const files = logFilesOf({
      'user_logs/std_log_process_10.txt': 'u', 'user_logs/std_log_process_2.txt': 'u', 'user_logs/std_log_process_0.txt': 'u',
      'azureml-logs/70_driver_log_1.txt': 'u', 'azureml-logs/65_job_prep-tvmps_abc_d.txt': 'u', 'azureml-logs/process_info.json': 'u',
      'system_logs/lifecycler/execution-wrapper.log': 'u',
    });
    expect(files.map((f) => [f.path, f.node])).toEqual([
      ['user_logs/std_log_process_0.txt', 'rank-0'],
      ['azureml-logs/70_driver_log_1.txt', 'rank-1'],
      ['user_logs/std_log_process_2.txt', 'rank-2'],
      ['user_logs/std_log_process_10.txt', 'rank-10'],
      ['azureml-logs/65_job_prep-tvmps_abc_d.txt', 'azureml'],
    ]);
    expect(classifyLogFile('user_logs/std_log.txt')?.node).toBe('rank-0');
    expect(classifyLogFile('azureml-logs/70_driver_log.txt')?.node).toBe('rank-0');
  });

  it('takes a leading ISO timestamp (any precision and zone) and gives other lines the previous one', () => {
    expect(leadingTimestamp('2024-05-14T09:00:01.5Z x')).toEqual({ ms: Date.UTC(2024, 4, 14, 9, 0, 1, 500), strip: 23 });
    expect(leadingTimestamp('2024-05-14 11:00:01,123456+02:00 x')?.ms).toBe(Date.UTC(2024, 4, 14, 9, 0, 1, 123));
    expect(leadingTimestamp('[2024-05-14 09:00:01] INFO x')).toEqual({ ms: Date.UTC(2024, 4, 14, 9, 0, 1), strip: 0 });
    expect(leadingTimestamp('2024-05-14T09:00:01Zfoo')).toBeUndefined();
    expect(leadingTimestamp('2024-13-14T09:00:01Z x')).toBeUndefined();
    expect(parseLine('  File "x.py", line 1\r', 42)).toEqual({ timestamp: 42, message: '  File "x.py", line 1' });
    expect(parseLine('2024-05-14T09:00:00.000Z INFO    hi', 0)).toEqual({ timestamp: Date.UTC(2024, 4, 14, 9), message: 'INFO    hi' });
  });

  it('splits only complete lines unless the file is final, and keeps multi-byte characters whole', () => {
    const bytes = Buffer.from('2024-05-14T09:00:00.000Z a ü\ncontinued\n2024-05-14T09:00:01.000Z partial ü');
    const open = splitLines(bytes, { o: 100, t: 7 }, false);
    expect(open.lines.map((l) => l.message)).toEqual(['a ü', 'continued']);
    expect(open.lines[1]!.timestamp).toBe(Date.UTC(2024, 4, 14, 9));
    expect(open.next.o).toBe(100 + bytes.indexOf('2024-05-14T09:00:01'));
    const closed = splitLines(bytes, { o: 0, t: 7 }, true);
    expect(closed.lines.at(-1)).toEqual({ timestamp: Date.UTC(2024, 4, 14, 9, 0, 1), message: 'partial ü' });
    expect(closed.next.o).toBe(bytes.length);
    const u = Buffer.from('aü');
    expect(utf8Boundary(u, 2)).toBe(1);
  });
});

describe('wire details', () => {
  it('parses the error dialects of ARM, Run History, MLflow and Azure Storage', () => {
    expect(parseErrorBody('{"error":{"code":"UserError","message":"m","innerError":{"code":"NotFoundError"}}}', 'application/json')).toEqual({ code: 'NotFoundError', message: 'm' });
    expect(parseErrorBody('{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"gone"}', undefined)).toEqual({ code: 'RESOURCE_DOES_NOT_EXIST', message: 'gone' });
    expect(parseErrorBody('<?xml version="1.0"?><Error><Code>ServerBusy</Code><Message>busy\nRequestId:1</Message></Error>', 'application/xml')).toEqual({ code: 'ServerBusy', message: 'busy' });
  });

  it('reads Retry-After in seconds, as a date, and Azure\'s millisecond headers', () => {
    const h = (headers: Record<string, string>) => (name: string) => headers[name];
    expect(retryAfterFrom(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterFrom(h({ 'x-ms-retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(retryAfterFrom(h({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterFrom(h({}))).toBeUndefined();
  });

  it('reads MLflow points whose int64 fields are strings and whose NaN is a string', () => {
    expect(toPoint({ key: 'k', value: 0.5, timestamp: '1715688042000', step: '3' })).toEqual({ timestamp: 1715688042000, step: 3, value: 0.5 });
    expect(toPoint({ key: 'k', value: 'NaN', timestamp: 1, step: 0 })).toEqual({ timestamp: 1, step: 0, value: null });
  });
});
