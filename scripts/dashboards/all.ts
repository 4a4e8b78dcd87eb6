/* eslint-disable @typescript-eslint/no-deprecated -- the classic dashboard JSON (v1) is what Grafana 12.1's file provisioning reads; the SDK's dashboardv2 needs the v2 API and feature flags. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { deploymentsDashboard } from './deployments.ts';
import { evaluationDashboard } from './evaluation.ts';
import { pipelineDashboard } from './pipeline.ts';

/** Every dashboard, by the file name it is provisioned from under deploy/grafana/dashboards. */
export function dashboards(): { file: string; dashboard: Dashboard }[] {
  return [
    { file: 'evaluation.json', dashboard: evaluationDashboard().build() },
    { file: 'deployments.json', dashboard: deploymentsDashboard().build() },
    { file: 'pipeline.json', dashboard: pipelineDashboard().build() },
  ];
}

/** The JSON written for one dashboard (stable: the freshness check compares it byte for byte). */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
