import type { JobRecord } from '../catalog.js';
import { etag, type Json, LOCATION } from '../rest.js';

/**
 * A new job's record as BigQuery shows it while it runs: RUNNING, created and started now. `statistics` adds to the
 * creation and start times (a script's child job: its parent and stack frame).
 */
export function newJobRecord(
  project: string,
  jobId: string,
  configuration: Json,
  statistics: Json = {},
): JobRecord {
  const now = Date.now();
  return {
    project,
    jobId,
    creationTime: now,
    resource: {
      kind: 'bigquery#job',
      etag: etag(now),
      id: `${project}:${LOCATION}.${jobId}`,
      selfLink: `/bigquery/v2/projects/${project}/jobs/${jobId}?location=${LOCATION}`,
      user_email: 'local@warehouse.local',
      jobReference: { projectId: project, jobId, location: LOCATION },
      configuration,
      status: { state: 'RUNNING' },
      statistics: { creationTime: String(now), startTime: String(now), ...statistics },
    },
  };
}
