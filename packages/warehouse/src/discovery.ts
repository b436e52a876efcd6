/**
 * The BigQuery v2 discovery document this warehouse serves (`/discovery/v1/apis/bigquery/v2/rest` and
 * `/$discovery/rest?version=v2`): Google's client libraries that build their methods at run time
 * (google-api-python-client, which Airflow 1.8.2's BigQueryHook uses) read resource and method ids, HTTP methods,
 * path templates, parameters and request/response schemas from it, and send every request to its `rootUrl` +
 * `servicePath`. Written from the public REST reference, for the methods the router implements (server.ts ROUTES
 * carry the same ids; a test checks that both name the same methods with the same paths). Schemas describe the
 * fields the warehouse reads or answers; the client uses them for documentation and to know which methods take a body.
 */

type Json = Record<string, unknown>;

/** The API's name, version and path under the root, as the clients ask for them. */
export const DISCOVERY_API = { name: 'bigquery', version: 'v2', servicePath: 'bigquery/v2/' } as const;

const SCOPES = {
  bigquery: 'https://www.googleapis.com/auth/bigquery',
  cloudPlatform: 'https://www.googleapis.com/auth/cloud-platform',
  readOnly: 'https://www.googleapis.com/auth/bigquery.readonly',
  cloudPlatformReadOnly: 'https://www.googleapis.com/auth/cloud-platform.read-only',
} as const;
const WRITE_SCOPES = [SCOPES.bigquery, SCOPES.cloudPlatform];
const READ_SCOPES = [...WRITE_SCOPES, SCOPES.readOnly, SCOPES.cloudPlatformReadOnly];

// ---- schema shorthands --------------------------------------------------------------------------------------------

const str = (description?: string): Json => ({ type: 'string', ...(description ? { description } : {}) });
const int64 = (description?: string): Json => ({ ...str(description), format: 'int64' });
const uint64 = (description?: string): Json => ({ ...str(description), format: 'uint64' });
const int32: Json = { type: 'integer', format: 'int32' };
const uint32: Json = { type: 'integer', format: 'uint32' };
const bool: Json = { type: 'boolean' };
const ref = (name: string): Json => ({ $ref: name });
const arr = (items: Json): Json => ({ type: 'array', items });
const labels: Json = { type: 'object', additionalProperties: { type: 'string' } };
const obj = (id: string | undefined, properties: Record<string, Json>, description?: string): Json => ({
  ...(id ? { id } : {}),
  type: 'object',
  ...(description ? { description } : {}),
  properties,
});
const kind = (k: string): Json => ({ type: 'string', default: `bigquery#${k}` });

/** What jobs.query and jobs.getQueryResults both answer: one page of a query's result and the job's state. */
const QUERY_RESULT_PAGE: Record<string, Json> = {
  schema: ref('TableSchema'),
  jobReference: ref('JobReference'),
  totalRows: uint64(),
  pageToken: str(),
  rows: arr(ref('TableRow')),
  totalBytesProcessed: int64(),
  jobComplete: bool,
  errors: arr(ref('ErrorProto')),
  cacheHit: bool,
  numDmlAffectedRows: int64(),
};

const SCHEMAS: Record<string, Json> = {
  ProjectReference: obj('ProjectReference', { projectId: str('ID of the project.') }),
  DatasetReference: obj('DatasetReference', { projectId: str(), datasetId: str() }),
  TableReference: obj('TableReference', {
    projectId: str(),
    datasetId: str(),
    tableId: str('The table id; may carry a partition decorator such as $20261120.'),
  }),
  JobReference: obj('JobReference', { projectId: str(), jobId: str(), location: str() }),
  ErrorProto: obj('ErrorProto', { reason: str(), location: str(), debugInfo: str(), message: str() }),
  JsonValue: { id: 'JsonValue', type: 'any' },
  JsonObject: { id: 'JsonObject', type: 'object', additionalProperties: ref('JsonValue') },
  ProjectList: obj('ProjectList', {
    kind: kind('projectList'),
    etag: str(),
    nextPageToken: str(),
    totalItems: int32,
    projects: arr(
      obj(undefined, {
        kind: kind('project'),
        id: str(),
        numericId: uint64(),
        projectReference: ref('ProjectReference'),
        friendlyName: str(),
      }),
    ),
  }),
  Dataset: obj('Dataset', {
    kind: kind('dataset'),
    etag: str(),
    id: str(),
    selfLink: str(),
    datasetReference: ref('DatasetReference'),
    friendlyName: str(),
    description: str(),
    defaultTableExpirationMs: int64(),
    defaultPartitionExpirationMs: int64(),
    labels,
    access: arr(
      obj(undefined, {
        role: str(),
        userByEmail: str(),
        groupByEmail: str(),
        domain: str(),
        specialGroup: str(),
        view: ref('TableReference'),
      }),
    ),
    creationTime: int64(),
    lastModifiedTime: int64(),
    location: str(),
  }),
  DatasetList: obj('DatasetList', {
    kind: kind('datasetList'),
    etag: str(),
    nextPageToken: str(),
    datasets: arr(
      obj(undefined, {
        kind: kind('dataset'),
        id: str(),
        datasetReference: ref('DatasetReference'),
        labels,
        friendlyName: str(),
        location: str(),
      }),
    ),
  }),
  TableFieldSchema: obj('TableFieldSchema', {
    name: str(),
    type: str(
      'STRING, BYTES, INTEGER, INT64, FLOAT, FLOAT64, NUMERIC, BIGNUMERIC, BOOLEAN, BOOL, TIMESTAMP, DATE, TIME, DATETIME, GEOGRAPHY, JSON, INTERVAL, RECORD, STRUCT',
    ),
    mode: str('NULLABLE, REQUIRED or REPEATED'),
    fields: arr(ref('TableFieldSchema')),
    description: str(),
  }),
  TableSchema: obj('TableSchema', { fields: arr(ref('TableFieldSchema')) }),
  TimePartitioning: obj('TimePartitioning', {
    type: str('DAY'),
    expirationMs: int64(),
    field: str(),
    requirePartitionFilter: bool,
  }),
  Streamingbuffer: obj('Streamingbuffer', {
    estimatedRows: uint64(),
    estimatedBytes: uint64(),
    oldestEntryTime: uint64(),
  }),
  Table: obj('Table', {
    kind: kind('table'),
    etag: str(),
    id: str(),
    selfLink: str(),
    tableReference: ref('TableReference'),
    friendlyName: str(),
    description: str(),
    labels,
    schema: ref('TableSchema'),
    timePartitioning: ref('TimePartitioning'),
    numBytes: int64(),
    numLongTermBytes: int64(),
    numRows: uint64(),
    creationTime: int64(),
    expirationTime: int64(),
    lastModifiedTime: uint64(),
    type: str('TABLE'),
    location: str(),
    streamingBuffer: ref('Streamingbuffer'),
  }),
  TableList: obj('TableList', {
    kind: kind('tableList'),
    etag: str(),
    nextPageToken: str(),
    totalItems: int32,
    tables: arr(
      obj(undefined, {
        kind: kind('table'),
        id: str(),
        tableReference: ref('TableReference'),
        friendlyName: str(),
        type: str(),
        timePartitioning: ref('TimePartitioning'),
        labels,
        creationTime: int64(),
        expirationTime: int64(),
      }),
    ),
  }),
  TableCell: obj('TableCell', { v: ref('JsonValue') }),
  RoutineReference: obj('RoutineReference', { projectId: str(), datasetId: str(), routineId: str() }),
  StandardSqlDataType: obj('StandardSqlDataType', { typeKind: str() }),
  Routine: obj('Routine', {
    etag: str(),
    routineReference: ref('RoutineReference'),
    routineType: str('SCALAR_FUNCTION'),
    creationTime: int64(),
    lastModifiedTime: int64(),
    language: str('SQL or JAVASCRIPT'),
    arguments: arr(
      obj(undefined, { name: str(), argumentKind: str(), dataType: ref('StandardSqlDataType') }),
    ),
    returnType: ref('StandardSqlDataType'),
    definitionBody: str(),
  }),
  ListRoutinesResponse: obj('ListRoutinesResponse', { routines: arr(ref('Routine')), nextPageToken: str() }),
  TableRow: obj('TableRow', { f: arr(ref('TableCell')) }),
  TableDataList: obj('TableDataList', {
    kind: kind('tableDataList'),
    etag: str(),
    totalRows: int64(),
    pageToken: str(),
    rows: arr(ref('TableRow')),
  }),
  TableDataInsertAllRequest: obj('TableDataInsertAllRequest', {
    kind: kind('tableDataInsertAllRequest'),
    skipInvalidRows: bool,
    ignoreUnknownValues: bool,
    templateSuffix: str(),
    rows: arr(obj(undefined, { insertId: str(), json: ref('JsonObject') })),
  }),
  TableDataInsertAllResponse: obj('TableDataInsertAllResponse', {
    kind: kind('tableDataInsertAllResponse'),
    insertErrors: arr(obj(undefined, { index: uint32, errors: arr(ref('ErrorProto')) })),
  }),
  QueryParameterType: obj('QueryParameterType', {
    type: str(),
    arrayType: ref('QueryParameterType'),
    structTypes: arr(obj(undefined, { name: str(), type: ref('QueryParameterType'), description: str() })),
  }),
  QueryParameterValue: obj('QueryParameterValue', {
    value: str(),
    arrayValues: arr(ref('QueryParameterValue')),
    structValues: { type: 'object', additionalProperties: ref('QueryParameterValue') },
  }),
  QueryParameter: obj('QueryParameter', {
    name: str(),
    parameterType: ref('QueryParameterType'),
    parameterValue: ref('QueryParameterValue'),
  }),
  UserDefinedFunctionResource: obj('UserDefinedFunctionResource', { resourceUri: str(), inlineCode: str() }),
  DataFormatOptions: obj('DataFormatOptions', { useInt64Timestamp: bool }),
  JobConfigurationQuery: obj('JobConfigurationQuery', {
    query: str(),
    destinationTable: ref('TableReference'),
    createDisposition: str('CREATE_IF_NEEDED or CREATE_NEVER'),
    writeDisposition: str('WRITE_TRUNCATE, WRITE_APPEND or WRITE_EMPTY'),
    defaultDataset: ref('DatasetReference'),
    priority: str('INTERACTIVE or BATCH'),
    allowLargeResults: bool,
    useQueryCache: bool,
    flattenResults: bool,
    preserveNulls: bool,
    maximumBillingTier: int32,
    maximumBytesBilled: int64(),
    useLegacySql: bool,
    parameterMode: str('NAMED or POSITIONAL'),
    queryParameters: arr(ref('QueryParameter')),
    schemaUpdateOptions: arr(str()),
    timePartitioning: ref('TimePartitioning'),
    userDefinedFunctionResources: arr(ref('UserDefinedFunctionResource')),
  }),
  JobConfigurationLoad: obj('JobConfigurationLoad', {
    sourceUris: arr(str()),
    schema: ref('TableSchema'),
    destinationTable: ref('TableReference'),
    createDisposition: str(),
    writeDisposition: str(),
    sourceFormat: str('CSV or NEWLINE_DELIMITED_JSON'),
    fieldDelimiter: str(),
    skipLeadingRows: int32,
    quote: str(),
    encoding: str(),
    nullMarker: str(),
    maxBadRecords: int32,
    allowQuotedNewlines: bool,
    allowJaggedRows: bool,
    ignoreUnknownValues: bool,
    autodetect: bool,
    schemaUpdateOptions: arr(str()),
    timePartitioning: ref('TimePartitioning'),
  }),
  JobConfigurationTableCopy: obj('JobConfigurationTableCopy', {
    sourceTable: ref('TableReference'),
    sourceTables: arr(ref('TableReference')),
    destinationTable: ref('TableReference'),
    createDisposition: str(),
    writeDisposition: str(),
  }),
  JobConfiguration: obj('JobConfiguration', {
    jobType: str('QUERY, LOAD or COPY'),
    query: ref('JobConfigurationQuery'),
    load: ref('JobConfigurationLoad'),
    copy: ref('JobConfigurationTableCopy'),
    dryRun: bool,
    jobTimeoutMs: int64(),
    labels,
  }),
  JobStatus: obj('JobStatus', {
    state: str('PENDING, RUNNING or DONE'),
    errorResult: ref('ErrorProto'),
    errors: arr(ref('ErrorProto')),
  }),
  JobStatistics2: obj('JobStatistics2', {
    totalBytesProcessed: int64(),
    totalBytesBilled: int64(),
    cacheHit: bool,
    statementType: str(),
    numDmlAffectedRows: int64(),
    schema: ref('TableSchema'),
    referencedTables: arr(ref('TableReference')),
  }),
  JobStatistics3: obj('JobStatistics3', {
    inputFiles: int64(),
    inputFileBytes: int64(),
    outputRows: int64(),
    outputBytes: int64(),
    badRecords: int64(),
  }),
  JobStatistics: obj('JobStatistics', {
    creationTime: int64(),
    startTime: int64(),
    endTime: int64(),
    totalBytesProcessed: int64(),
    query: ref('JobStatistics2'),
    load: ref('JobStatistics3'),
  }),
  Job: obj('Job', {
    kind: kind('job'),
    etag: str(),
    id: str(),
    selfLink: str(),
    user_email: str(),
    jobReference: ref('JobReference'),
    configuration: ref('JobConfiguration'),
    status: ref('JobStatus'),
    statistics: ref('JobStatistics'),
  }),
  JobList: obj('JobList', {
    kind: kind('jobList'),
    etag: str(),
    nextPageToken: str(),
    jobs: arr(
      obj(undefined, {
        kind: kind('job'),
        id: str(),
        jobReference: ref('JobReference'),
        state: str(),
        errorResult: ref('ErrorProto'),
        configuration: ref('JobConfiguration'),
        status: ref('JobStatus'),
        statistics: ref('JobStatistics'),
        user_email: str(),
      }),
    ),
  }),
  JobCancelResponse: obj('JobCancelResponse', { kind: kind('jobCancelResponse'), job: ref('Job') }),
  QueryRequest: obj('QueryRequest', {
    kind: kind('queryRequest'),
    query: str(),
    maxResults: uint32,
    defaultDataset: ref('DatasetReference'),
    timeoutMs: uint32,
    dryRun: bool,
    useQueryCache: bool,
    useLegacySql: bool,
    parameterMode: str(),
    queryParameters: arr(ref('QueryParameter')),
    location: str(),
    labels,
    requestId: str(),
    formatOptions: ref('DataFormatOptions'),
  }),
  QueryResponse: obj('QueryResponse', { kind: kind('queryResponse'), ...QUERY_RESULT_PAGE }),
  GetQueryResultsResponse: obj('GetQueryResultsResponse', {
    kind: kind('getQueryResultsResponse'),
    etag: str(),
    ...QUERY_RESULT_PAGE,
  }),
};

// ---- methods ------------------------------------------------------------------------------------------------------

type Param = Json & { location: 'path' | 'query' };
const pathParam = (description: string): Param => ({
  type: 'string',
  required: true,
  location: 'path',
  description,
});
const q = (p: Json, description?: string): Param => ({
  ...p,
  location: 'query',
  ...(description ? { description } : {}),
});

const P = { projectId: pathParam('Project ID.') };
const PD = { ...P, datasetId: pathParam('Dataset ID.') };
const PDT = { ...PD, tableId: pathParam('Table ID (a $YYYYMMDD decorator names one partition).') };
const PJ = { ...P, jobId: pathParam('Job ID.') };
const PDR = { ...PD, routineId: pathParam('Routine ID.') };
const paging = {
  maxResults: q(uint32, 'Page size.'),
  pageToken: q(str(), 'Page token from a previous answer.'),
};
const location = { location: q(str(), 'Job location (this warehouse: US).') };
const int64Timestamps = {
  'formatOptions.useInt64Timestamp': q(bool, 'Answer TIMESTAMP values as int64 microseconds.'),
};

/** One method: its discovery id is `bigquery.<resource>.<name>`; `path` is relative to `servicePath`. */
export interface MethodSpec {
  resource: string;
  name: string;
  httpMethod: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  parameters: Record<string, Param>;
  request?: string;
  response?: string;
  scopes: string[];
  description: string;
  mediaUpload?: boolean;
}

/** Every method the warehouse implements, in the reference's resource order. */
export const METHODS: readonly MethodSpec[] = [
  m('projects', 'list', 'GET', 'projects', paging, undefined, 'ProjectList', READ_SCOPES, 'Lists projects.'),
  m(
    'datasets',
    'insert',
    'POST',
    'projects/{projectId}/datasets',
    P,
    'Dataset',
    'Dataset',
    WRITE_SCOPES,
    'Creates a dataset.',
  ),
  m(
    'datasets',
    'list',
    'GET',
    'projects/{projectId}/datasets',
    { ...P, ...paging, all: q(bool), filter: q(str()) },
    undefined,
    'DatasetList',
    READ_SCOPES,
    'Lists datasets.',
  ),
  m(
    'datasets',
    'get',
    'GET',
    'projects/{projectId}/datasets/{datasetId}',
    PD,
    undefined,
    'Dataset',
    READ_SCOPES,
    'Gets a dataset.',
  ),
  m(
    'datasets',
    'patch',
    'PATCH',
    'projects/{projectId}/datasets/{datasetId}',
    PD,
    'Dataset',
    'Dataset',
    WRITE_SCOPES,
    'Updates the fields given.',
  ),
  m(
    'datasets',
    'update',
    'PUT',
    'projects/{projectId}/datasets/{datasetId}',
    PD,
    'Dataset',
    'Dataset',
    WRITE_SCOPES,
    'Replaces a dataset.',
  ),
  m(
    'datasets',
    'delete',
    'DELETE',
    'projects/{projectId}/datasets/{datasetId}',
    { ...PD, deleteContents: q(bool, 'Delete the tables too.') },
    undefined,
    undefined,
    WRITE_SCOPES,
    'Deletes a dataset.',
  ),
  m(
    'routines',
    'list',
    'GET',
    'projects/{projectId}/datasets/{datasetId}/routines',
    PD,
    undefined,
    'ListRoutinesResponse',
    READ_SCOPES,
    'Lists the persistent functions of a dataset.',
  ),
  m(
    'routines',
    'get',
    'GET',
    'projects/{projectId}/datasets/{datasetId}/routines/{routineId}',
    PDR,
    undefined,
    'Routine',
    READ_SCOPES,
    'Gets a persistent function.',
  ),
  m(
    'routines',
    'delete',
    'DELETE',
    'projects/{projectId}/datasets/{datasetId}/routines/{routineId}',
    PDR,
    undefined,
    undefined,
    WRITE_SCOPES,
    'Deletes a persistent function.',
  ),
  m(
    'tables',
    'insert',
    'POST',
    'projects/{projectId}/datasets/{datasetId}/tables',
    PD,
    'Table',
    'Table',
    WRITE_SCOPES,
    'Creates a table.',
  ),
  m(
    'tables',
    'list',
    'GET',
    'projects/{projectId}/datasets/{datasetId}/tables',
    { ...PD, ...paging },
    undefined,
    'TableList',
    READ_SCOPES,
    'Lists tables.',
  ),
  m(
    'tables',
    'get',
    'GET',
    'projects/{projectId}/datasets/{datasetId}/tables/{tableId}',
    { ...PDT, selectedFields: q(str()) },
    undefined,
    'Table',
    READ_SCOPES,
    'Gets a table.',
  ),
  m(
    'tables',
    'patch',
    'PATCH',
    'projects/{projectId}/datasets/{datasetId}/tables/{tableId}',
    PDT,
    'Table',
    'Table',
    WRITE_SCOPES,
    'Updates the fields given.',
  ),
  m(
    'tables',
    'update',
    'PUT',
    'projects/{projectId}/datasets/{datasetId}/tables/{tableId}',
    PDT,
    'Table',
    'Table',
    WRITE_SCOPES,
    'Replaces a table.',
  ),
  m(
    'tables',
    'delete',
    'DELETE',
    'projects/{projectId}/datasets/{datasetId}/tables/{tableId}',
    PDT,
    undefined,
    undefined,
    WRITE_SCOPES,
    'Deletes a table (a $YYYYMMDD decorator: one partition).',
  ),
  m(
    'tabledata',
    'insertAll',
    'POST',
    'projects/{projectId}/datasets/{datasetId}/tables/{tableId}/insertAll',
    PDT,
    'TableDataInsertAllRequest',
    'TableDataInsertAllResponse',
    WRITE_SCOPES,
    'Streams rows into a table.',
  ),
  m(
    'tabledata',
    'list',
    'GET',
    'projects/{projectId}/datasets/{datasetId}/tables/{tableId}/data',
    { ...PDT, ...paging, startIndex: q(uint64()), selectedFields: q(str()), ...int64Timestamps },
    undefined,
    'TableDataList',
    READ_SCOPES,
    'Reads rows of a table.',
  ),
  {
    ...m(
      'jobs',
      'insert',
      'POST',
      'projects/{projectId}/jobs',
      P,
      'Job',
      'Job',
      WRITE_SCOPES,
      'Starts a job.',
    ),
    mediaUpload: true,
  },
  m(
    'jobs',
    'list',
    'GET',
    'projects/{projectId}/jobs',
    {
      ...P,
      ...paging,
      allUsers: q(bool),
      projection: q({ type: 'string', enum: ['full', 'minimal'] }),
      stateFilter: q({ type: 'string', enum: ['done', 'pending', 'running'], repeated: true }),
    },
    undefined,
    'JobList',
    READ_SCOPES,
    'Lists jobs.',
  ),
  m(
    'jobs',
    'get',
    'GET',
    'projects/{projectId}/jobs/{jobId}',
    { ...PJ, ...location },
    undefined,
    'Job',
    READ_SCOPES,
    'Gets a job.',
  ),
  m(
    'jobs',
    'cancel',
    'POST',
    'projects/{projectId}/jobs/{jobId}/cancel',
    { ...PJ, ...location },
    undefined,
    'JobCancelResponse',
    WRITE_SCOPES,
    'Requests that a job be cancelled.',
  ),
  m(
    'jobs',
    'query',
    'POST',
    'projects/{projectId}/queries',
    P,
    'QueryRequest',
    'QueryResponse',
    READ_SCOPES,
    'Runs a query and answers its first rows.',
  ),
  m(
    'jobs',
    'getQueryResults',
    'GET',
    'projects/{projectId}/queries/{jobId}',
    { ...PJ, ...location, ...paging, startIndex: q(uint64()), timeoutMs: q(uint32), ...int64Timestamps },
    undefined,
    'GetQueryResultsResponse',
    READ_SCOPES,
    "Reads a query job's results.",
  ),
];

function m(
  resource: string,
  name: string,
  httpMethod: MethodSpec['httpMethod'],
  path: string,
  parameters: Record<string, Param>,
  request: string | undefined,
  response: string | undefined,
  scopes: string[],
  description: string,
): MethodSpec {
  return {
    resource,
    name,
    httpMethod,
    path,
    parameters,
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
    scopes,
    description,
  };
}

/** The method's id as BigQuery's reference spells it, e.g. `bigquery.jobs.insert`. */
export const methodId = (spec: Pick<MethodSpec, 'resource' | 'name'>) =>
  `${DISCOVERY_API.name}.${spec.resource}.${spec.name}`;

function methodDescription(spec: MethodSpec): Json {
  const order = Object.entries(spec.parameters)
    .filter(([, p]) => p.required === true)
    .map(([name]) => name);
  return {
    id: methodId(spec),
    path: spec.path,
    flatPath: spec.path,
    httpMethod: spec.httpMethod,
    description: spec.description,
    parameters: spec.parameters,
    parameterOrder: order,
    ...(spec.request ? { request: { $ref: spec.request } } : {}),
    ...(spec.response ? { response: { $ref: spec.response } } : {}),
    scopes: spec.scopes,
    ...(spec.mediaUpload
      ? {
          supportsMediaUpload: true,
          mediaUpload: {
            accept: ['*/*'],
            maxSize: '256MB',
            protocols: {
              simple: { multipart: true, path: `/upload/${DISCOVERY_API.servicePath}${spec.path}` },
            },
          },
        }
      : {}),
  };
}

/** The parameters every method takes (the client library's standard query parameters). */
const STANDARD_PARAMETERS: Record<string, Param> = {
  alt: q({ type: 'string', default: 'json', enum: ['json'] }, 'Data format for the response.'),
  fields: q(str(), 'Selector specifying which fields to include in a partial response.'),
  key: q(str(), 'API key.'),
  oauth_token: q(str(), 'OAuth 2.0 token for the current user.'),
  prettyPrint: q({ type: 'boolean', default: 'true' }, 'Returns response with indentations and line breaks.'),
  quotaUser: q(str(), 'Quota attribution.'),
  userIp: q(str(), 'IP address of the end user.'),
};

/**
 * The discovery document for a server reached at `rootUrl` (`http://host:port/`, with the trailing slash): built per
 * request because the root is the address the client used.
 */
export function discoveryDocument(rootUrl: string): Json {
  const resources: Record<string, { methods: Record<string, Json> }> = {};
  for (const spec of METHODS) {
    resources[spec.resource] ??= { methods: {} };
    resources[spec.resource]!.methods[spec.name] = methodDescription(spec);
  }
  return {
    kind: 'discovery#restDescription',
    discoveryVersion: 'v1',
    id: `${DISCOVERY_API.name}:${DISCOVERY_API.version}`,
    name: DISCOVERY_API.name,
    version: DISCOVERY_API.version,
    revision: '20261207',
    title: 'BigQuery API (embedded data-pipeline warehouse)',
    description: 'A BigQuery REST v2 compatible subset served by the local warehouse.',
    ownerDomain: 'google.com',
    ownerName: 'Google',
    documentationLink: 'https://cloud.google.com/bigquery/',
    protocol: 'rest',
    rootUrl,
    servicePath: DISCOVERY_API.servicePath,
    basePath: `/${DISCOVERY_API.servicePath}`,
    baseUrl: `${rootUrl}${DISCOVERY_API.servicePath}`,
    batchPath: `batch/${DISCOVERY_API.servicePath.replace(/\/$/, '')}`,
    parameters: STANDARD_PARAMETERS,
    auth: {
      oauth2: {
        scopes: {
          [SCOPES.bigquery]: { description: 'View and manage your data in Google BigQuery' },
          [SCOPES.readOnly]: { description: 'View your data in Google BigQuery' },
          [SCOPES.cloudPlatform]: { description: 'See, edit, configure, and delete your Google Cloud data' },
          [SCOPES.cloudPlatformReadOnly]: { description: 'View your data across Google Cloud services' },
        },
      },
    },
    schemas: SCHEMAS,
    resources,
  };
}

/**
 * Whether a request target asks for this API's discovery document: `/discovery/v1/apis/bigquery/v2/rest` (the
 * clients' default template) or `/$discovery/rest?version=v2` (newer clients). Another API or version is not ours.
 * Compared as text, before the router parses anything: the document is served without credentials.
 */
export function isDiscoveryTarget(target: string): boolean {
  const { name, version } = DISCOVERY_API;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (path === `/discovery/v1/apis/${name}/${version}/rest`) return true;
  if (path !== '/$discovery/rest') return false;
  const asked = new URLSearchParams(q < 0 ? '' : target.slice(q + 1)).get('version');
  return asked === null || asked === version;
}

/**
 * The root the client reached us at: `http://<Host>/` when the Host header is a plain `name[:port]` (the guard has
 * already admitted it: loopback names, or any name on an exposed server where the token is the gate), else the socket's
 * local address. The Host wins over the bound address so that a port forward (`ssh -L`) or a container name keeps
 * working: the client's next requests go where its first one went.
 */
export function rootUrlFor(host: string | undefined, localAddress: string, localPort: number): string {
  if (host !== undefined && /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) {
    return `http://${host}/`;
  }
  const a = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
  return `http://${a.includes(':') ? `[${a}]` : a}:${localPort}/`;
}
