#!/usr/bin/env node
/**
 * `node dist/testing/cli.js [--port N] [--token T] [--no-multipart] [--prefix P] [--flavour azureml|sagemaker]`:
 * runs the MLflow emulator and prints `export VAR=value` lines (stdout) for `eval "$(...)"`; stops on
 * SIGINT/SIGTERM. `--flavour azureml` wants an Entra-style bearer token (`--token`, default a fixed
 * one) under a workspace path and prints an `azureml://` URI; `--flavour sagemaker` wants SigV4 for
 * `sagemaker-mlflow` with the key in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (else a fixed one) and
 * prints the tracking server's ARN and SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT; its experiments keep artifacts in
 * S3 (`s3://sagemaker-<region>-123456789012/…`), served on the same port (MLFLOW_S3_ENDPOINT_URL).
 */
import { parseArgs } from 'node:util';
import { startMlflowEmulator } from './emulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    token: { type: 'string' },
    'no-multipart': { type: 'boolean', default: false },
    prefix: { type: 'string' },
    flavour: { type: 'string' },
  },
});
if (values.flavour !== undefined && values.flavour !== 'azureml' && values.flavour !== 'sagemaker') {
  process.stderr.write(`mlflow emulator: --flavour must be azureml or sagemaker\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`mlflow emulator: invalid --port ${values.port}\n`);
  process.exit(2);
}

const emulator = await startMlflowEmulator({
  port,
  multipart: !values['no-multipart'],
  ...(values.prefix !== undefined ? { pathPrefix: values.prefix } : {}),
  ...(values.flavour === 'azureml'
    ? { auth: { azure: { token: values.token ?? 'emulated-entra-token' } } }
    : values.flavour === 'sagemaker'
      ? {
          s3: { bucket: `sagemaker-${process.env.AWS_REGION || 'us-east-1'}-123456789012` },
          auth: {
            sigv4: {
              arn: `arn:aws:sagemaker:${process.env.AWS_REGION || 'us-east-1'}:123456789012:mlflow-tracking-server/emulated`,
              region: process.env.AWS_REGION || 'us-east-1',
              accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'AKIDMLFLOWEMULATOR',
              secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'mlflow-emulator-secret',
              ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
            },
          },
        }
      : values.token
        ? { auth: { token: values.token } }
        : {}),
});
for (const [name, value] of Object.entries(emulator.env)) process.stdout.write(`export ${name}=${value}\n`);
process.stderr.write(`mlflow emulator on ${emulator.url}${values.flavour ? ` (${values.flavour}: ${emulator.trackingUri})` : ''}${values['no-multipart'] ? ' (multipart: not implemented)' : ''}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
