// claimAzuremlRef on every form Azure ML's tools print, and on look-alikes it must leave alone.
import { describe, expect, it } from 'vitest';
import { claimAzuremlRef } from '../src/index.js';

const ARM = '/subscriptions/0000-1111/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1/jobs/brave_cat_x1';

describe('claimAzuremlRef', () => {
  it('turns ARM ids and Studio URLs into the canonical ARM job id', () => {
    const forms = [
      ARM,
      `${ARM}/`,
      '/subscriptions/0000-1111/resourcegroups/rg-1/providers/microsoft.machinelearningservices/workspaces/ws-1/jobs/brave_cat_x1',
      'https://ml.azure.com/runs/brave_cat_x1?wsid=/subscriptions/0000-1111/resourcegroups/rg-1/workspaces/ws-1&tid=72f988bf-0000',
      'https://ml.azure.com/runs/brave_cat_x1?wsid=/subscriptions/0000-1111/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1',
      `https://ml.azure.com/runs/brave_cat_x1?tid=t&wsid=${encodeURIComponent('/subscriptions/0000-1111/resourcegroups/rg-1/workspaces/ws-1')}`,
      'https://ml.azure.com/experiments/id/abc-123/runs/brave_cat_x1?wsid=/subscriptions/0000-1111/resourcegroups/rg-1/workspaces/ws-1#details',
    ];
    for (const form of forms) expect({ form, id: claimAzuremlRef(form) }).toEqual({ form, id: ARM });
  });

  it('a Studio URL without wsid names the job in the configured workspace', () => {
    expect(claimAzuremlRef('https://ml.azure.com/runs/brave_cat_x1')).toBe('brave_cat_x1');
  });

  it('leaves other text alone', () => {
    for (const text of ['brave_cat_x1', '/subscriptions/x/jobs/y', 'https://ml.azure.com/runs/j?wsid=/not/a/workspace', 'https://example.com/runs/j', './runs/a']) {
      expect({ text, id: claimAzuremlRef(text) }).toEqual({ text, id: undefined });
    }
  });
});
