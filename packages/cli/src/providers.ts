// Every provider the CLI knows. Definitions are cheap: each adapter's SDK loads only when one of
// its refs is used.
import { azuremlProvider } from '@runlens/azureml';
import type { ProviderDefinitionV1 } from '@runlens/core';
import { localProvider } from '@runlens/local';
import { mlflowProvider } from '@runlens/mlflow';
import { modelartsProvider } from '@runlens/modelarts';
import { sagemakerProvider } from '@runlens/sagemaker';

export const providers: ProviderDefinitionV1[] = [localProvider, sagemakerProvider, modelartsProvider, azuremlProvider, mlflowProvider];
