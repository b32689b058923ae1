import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONFIG_VARIABLES } from '../../lib/config';
import { SYNC_FUNCTION_NODE_OPTIONS } from '../../bench/functionOptions';

// Runs `serverless package` offline, as `sls deploy` would before uploading,
// and checks the generated CloudFormation template and function artifacts.
// Each case packages its own copy of the project, so the cases run in
// parallel and never share the `.esbuild` folder with a running `npm start`.

const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVERLESS_CLI = path.join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
const SECOND = 1000;
/** One package run takes a few seconds. The limit also ends a build that hangs after an esbuild error. */
const PACKAGE_TIMEOUT_MS = 120 * SECOND;
const MAX_ARTIFACT_BYTES = 1024 * 1024;
/** Project entries that packaging never reads: dependencies, history, and local build and data folders. */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', '.build', '.data', 'coverage']);

const FRAMEWORK_LOG_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource'];
const VPC_ACCESS_POLICY = ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole';

const KMS_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KMS_KEY_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const ALARM_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:cursor-usage-alerts';
const SUBNET_IDS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];
const SECURITY_GROUP_ID = 'sg-0123456789abcdef0';

interface PackageCase {
  /** Variables of the environment that `serverless package` runs in. */
  env: Record<string, string>;
  /** `--param NAME=value` options. */
  params?: Record<string, string>;
}

/**
 * bare: nothing configured. secured: every optional setting from the
 * environment. params: the stack settings from `--param`. halfVpc: an invalid
 * VPC setting.
 */
const CASES = {
  bare: { env: { POLL_INTERVAL_MS: '10000' } },
  secured: {
    env: {
      POLL_INTERVAL_MS: '60000',
      DATABASE_URL_SSM_PARAMETER: '/cursor-usage-aggregator/test/database-url',
      CURSOR_API_KEY_SSM_PARAMETER: 'cursor-api-key',
      CURSOR_API_URL: 'https://api.cursor.com',
      SSM_KMS_KEY_ARN: KMS_KEY_ARN,
      VPC_SUBNET_IDS: SUBNET_IDS.join(','),
      VPC_SECURITY_GROUP_IDS: SECURITY_GROUP_ID,
      ALARM_TOPIC_ARN,
      SYNC_RESERVED_CONCURRENCY: '2',
    },
  },
  params: {
    env: { POLL_INTERVAL_MS: '90000', CURSOR_API_KEY_SSM_PARAMETER: '/shared/cursor/api-key:3' },
    params: { SSM_KMS_KEY_ARN: KMS_KEY_ID, ALARM_TOPIC_ARN, LOG_RETENTION_DAYS: '14' },
  },
  halfVpc: { env: { VPC_SUBNET_IDS: SUBNET_IDS[0] ?? '' } },
} satisfies Record<string, PackageCase>;
type CaseName = keyof typeof CASES;

interface PackageResult {
  exitCode: number | null;
  output: string;
  packageDirectory: string;
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
interface PolicyStatement {
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: unknown;
}

let temporaryDirectory: string;
const results = new Map<CaseName, PackageResult>();
const templates = new Map<CaseName, Template>();

/** Copies the project, linking its node_modules, and packages it with only the case's variables and dummy AWS credentials. */
async function packageCase(name: string, packageCase: PackageCase): Promise<PackageResult> {
  const projectDirectory = path.join(temporaryDirectory, `project-${name}`);
  const packageDirectory = path.join(temporaryDirectory, `package-${name}`);
  // serverless-esbuild leaves its work folders in the temporary directory.
  const childTemporaryDirectory = path.join(temporaryDirectory, `tmp-${name}`);
  await mkdir(projectDirectory);
  await mkdir(childTemporaryDirectory);
  for (const entry of await readdir(ROOT)) {
    if (!NOT_COPIED.has(entry)) {
      await cp(path.join(ROOT, entry), path.join(projectDirectory, entry), { recursive: true });
    }
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(projectDirectory, 'node_modules'), 'dir');

  const params = Object.entries(packageCase.params ?? {}).flatMap(([key, value]) => ['--param', `${key}=${value}`]);
  const args = [SERVERLESS_CLI, 'package', '--stage', 'test', '--region', 'us-east-1', '--package', packageDirectory, ...params];
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: childTemporaryDirectory,
    // Without credentials the AWS tooling would probe the EC2 metadata address.
    AWS_ACCESS_KEY_ID: 'package-test-dummy-key-id',
    AWS_SECRET_ACCESS_KEY: 'package-test-dummy-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...packageCase.env,
  };
  const { exitCode, output } = await runBounded(process.execPath, args, projectDirectory, env, PACKAGE_TIMEOUT_MS);
  return { exitCode, output, packageDirectory };
}

/**
 * Runs a command in its own process group and kills the whole group at the
 * time limit: after a failed build serverless-esbuild leaves esbuild's
 * service process running, and the command never exits.
 */
function runBounded(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);

    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      // Ends any esbuild process that outlived a failed build.
      killGroup(child.pid);
      const output = chunks.join('');
      resolve({ exitCode, output: timedOut ? `${output}\n[timed out after ${timeoutMs} ms]` : output });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group has already exited.
  }
}

function requireTemplate(name: CaseName): Template {
  const template = templates.get(name);
  if (template === undefined) {
    const result = results.get(name);
    throw new Error(`serverless package failed for the ${name} case (exit ${result?.exitCode}):\n${result?.output}`);
  }
  return template;
}

function resource(template: Template, logicalId: string): Record<string, unknown> {
  const found = template.Resources[logicalId];
  if (found === undefined) {
    throw new Error(`Resource ${logicalId} not found. The template has ${Object.keys(template.Resources).join(', ')}.`);
  }
  return found.Properties;
}

function resourcesOfType(template: Template, type: string): Array<Record<string, unknown>> {
  return Object.values(template.Resources)
    .filter((candidate) => candidate.Type === type)
    .map((candidate) => candidate.Properties);
}

function roleStatements(template: Template): PolicyStatement[] {
  const role = resource(template, 'IamRoleLambdaExecution') as {
    Policies: Array<{ PolicyDocument: { Statement: PolicyStatement[] } }>;
  };
  return role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function statementsWithAction(template: Template, action: string): PolicyStatement[] {
  return roleStatements(template).filter((statement) => statement.Action.includes(action));
}

/** Returns the value as a list, because the Framework writes a single resource as a plain value. */
function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function ssmParameterArn(pathWithoutLeadingSlash: string): unknown {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${pathWithoutLeadingSlash}` };
}

function functionEnvironment(template: Template, logicalId: string): Record<string, string> {
  return (resource(template, logicalId).Environment as { Variables: Record<string, string> }).Variables;
}

function managedPolicies(template: Template): string[] {
  const arns = (resource(template, 'IamRoleLambdaExecution').ManagedPolicyArns ?? []) as unknown[];
  return arns.map((arn) => JSON.stringify(arn));
}

/** Lists the file names in a zip archive from its central directory. */
function zipEntryNames(archive: Buffer): string[] {
  const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
  const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
  let end = archive.length - 22;
  while (end >= 0 && archive.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) {
    end -= 1;
  }
  if (end < 0) {
    throw new Error('Not a zip archive: no end of central directory record');
  }

  const entryCount = archive.readUInt16LE(end + 10);
  let offset = archive.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let index = 0; index < entryCount; index += 1) {
    if (archive.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) {
      throw new Error(`Invalid zip central directory entry at byte ${offset}`);
    }
    const nameLength = archive.readUInt16LE(offset + 28);
    const extraLength = archive.readUInt16LE(offset + 30);
    const commentLength = archive.readUInt16LE(offset + 32);
    names.push(archive.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('serverless package', () => {
  beforeAll(async () => {
    temporaryDirectory = await mkdtemp(path.join(tmpdir(), 'aggregator-package-'));
    const names = Object.keys(CASES) as CaseName[];
    const finished = await Promise.all(names.map((name) => packageCase(name, CASES[name])));

    for (const [index, name] of names.entries()) {
      const result = finished[index]!;
      results.set(name, result);
      if (result.exitCode === 0) {
        const text = await readFile(path.join(result.packageDirectory, 'cloudformation-template-update-stack.json'), 'utf8');
        templates.set(name, JSON.parse(text) as Template);
      }
    }
  }, PACKAGE_TIMEOUT_MS + 60 * SECOND);

  afterAll(async () => {
    if (temporaryDirectory !== undefined) {
      await rm(temporaryDirectory, { recursive: true, force: true });
    }
  });

  test('schedule is one minute for every poll interval', () => {
    for (const name of ['bare', 'secured', 'params'] as const) {
      const template = requireTemplate(name);
      const rules = resourcesOfType(template, 'AWS::Events::Rule');

      expect(rules, name).toHaveLength(1);
      expect(rules[0]?.ScheduleExpression, name).toBe('rate(1 minute)');
      expect(rules[0]?.State, name).toBe('ENABLED');
      expect(rules[0]?.Targets, name).toEqual([{ Arn: { 'Fn::GetAtt': ['SyncLambdaFunction', 'Arn'] }, Id: 'syncSchedule' }]);
      expect(functionEnvironment(template, 'SyncLambdaFunction').POLL_INTERVAL_MS, name).toBe(CASES[name].env.POLL_INTERVAL_MS);
    }
  });

  test('functions receive every configuration variable', () => {
    for (const name of ['bare', 'secured'] as const) {
      const template = requireTemplate(name);
      for (const logicalId of ['SyncLambdaFunction', 'HealthLambdaFunction']) {
        const variables = functionEnvironment(template, logicalId);
        for (const variable of CONFIG_VARIABLES) {
          expect(variables, `${name} ${logicalId}`).toHaveProperty(variable);
        }
        expect(variables.POWERTOOLS_SERVICE_NAME).toBe('cursor-usage-aggregator');
      }
    }

    const secured = functionEnvironment(requireTemplate('secured'), 'SyncLambdaFunction');
    expect(secured.DATABASE_URL_SSM_PARAMETER).toBe(CASES.secured.env.DATABASE_URL_SSM_PARAMETER);
    expect(secured.CURSOR_API_KEY_SSM_PARAMETER).toBe(CASES.secured.env.CURSOR_API_KEY_SSM_PARAMETER);
    expect(secured.CURSOR_API_URL).toBe('https://api.cursor.com');
    expect(functionEnvironment(requireTemplate('bare'), 'SyncLambdaFunction').DATABASE_URL).toBe('');
  });

  test('stack settings stay out of the functions', () => {
    const variables = functionEnvironment(requireTemplate('secured'), 'SyncLambdaFunction');

    for (const setting of ['SSM_KMS_KEY_ARN', 'VPC_SUBNET_IDS', 'VPC_SECURITY_GROUP_IDS', 'ALARM_TOPIC_ARN']) {
      expect(variables).not.toHaveProperty(setting);
    }
  });

  test('no SSM or KMS statement without parameters', () => {
    const template = requireTemplate('bare');
    const actions = roleStatements(template).flatMap((statement) => statement.Action);

    expect([...new Set(actions)].sort()).toEqual(FRAMEWORK_LOG_ACTIONS);
    expect(managedPolicies(template)).toEqual([]);
  });

  test('GetParameter on exactly the named parameters', () => {
    const secured = statementsWithAction(requireTemplate('secured'), 'ssm:GetParameter');
    const params = statementsWithAction(requireTemplate('params'), 'ssm:GetParameter');

    expect(secured).toHaveLength(1);
    expect(secured[0]?.Action).toEqual(['ssm:GetParameter']);
    expect(asList(secured[0]?.Resource)).toEqual([
      ssmParameterArn('cursor-usage-aggregator/test/database-url'),
      ssmParameterArn('cursor-api-key'),
    ]);
    // A version selector is part of the name that GetParameter takes, not of the ARN.
    expect(params).toHaveLength(1);
    expect(asList(params[0]?.Resource)).toEqual([ssmParameterArn('shared/cursor/api-key')]);
  });

  test('Decrypt only on the configured key', () => {
    const fromEnvironment = statementsWithAction(requireTemplate('secured'), 'kms:Decrypt');
    const fromParam = statementsWithAction(requireTemplate('params'), 'kms:Decrypt');
    const viaSsm = { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } };

    expect(fromEnvironment).toHaveLength(1);
    expect(fromEnvironment[0]?.Action).toEqual(['kms:Decrypt']);
    expect(asList(fromEnvironment[0]?.Resource)).toEqual([KMS_KEY_ARN]);
    expect(fromEnvironment[0]?.Condition).toEqual(viaSsm);
    expect(fromParam).toHaveLength(1);
    expect(asList(fromParam[0]?.Resource)).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/${KMS_KEY_ID}` },
    ]);
    expect(statementsWithAction(requireTemplate('bare'), 'kms:Decrypt')).toEqual([]);
  });

  test('role grants nothing beyond logs, SSM and KMS', () => {
    const actions = roleStatements(requireTemplate('secured')).flatMap((statement) => statement.Action);

    expect([...new Set(actions)].sort()).toEqual([...FRAMEWORK_LOG_ACTIONS, 'kms:Decrypt', 'ssm:GetParameter'].sort());
    expect(roleStatements(requireTemplate('secured')).every((statement) => statement.Effect === 'Allow')).toBe(true);
  });

  test('bench uses the sync NODE_OPTIONS', () => {
    const variables = functionEnvironment(requireTemplate('bare'), 'SyncLambdaFunction');

    expect(variables.NODE_OPTIONS).toBe(SYNC_FUNCTION_NODE_OPTIONS.join(' '));
  });

  test('health route is GET /health', () => {
    const template = requireTemplate('bare');
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    const integration = resource(template, 'HttpApiIntegrationHealth');

    expect(routes.map((route) => route.RouteKey)).toEqual(['GET /health']);
    expect(integration.IntegrationUri).toEqual({ 'Fn::GetAtt': ['HealthLambdaFunction', 'Arn'] });
    expect(integration.IntegrationType).toBe('AWS_PROXY');
  });

  test('sync timeout and asynchronous invocation', () => {
    const template = requireTemplate('bare');
    const sync = resource(template, 'SyncLambdaFunction');
    const invokeConfigs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');

    expect(sync.Timeout).toBe(900);
    expect(sync.MemorySize).toBe(1024);
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]?.FunctionName).toEqual({ Ref: 'SyncLambdaFunction' });
    expect(invokeConfigs[0]?.MaximumRetryAttempts).toBe(0);
    expect(invokeConfigs[0]?.MaximumEventAgeInSeconds).toBe(60);
  });

  test('health memory and timeout', () => {
    const health = resource(requireTemplate('bare'), 'HealthLambdaFunction');

    expect(health.Timeout).toBe(10);
    expect(health.MemorySize).toBe(256);
  });

  test('reserved concurrency only when set', () => {
    expect(resource(requireTemplate('bare'), 'SyncLambdaFunction')).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(resource(requireTemplate('secured'), 'SyncLambdaFunction').ReservedConcurrentExecutions).toBe(2);
    expect(resource(requireTemplate('secured'), 'HealthLambdaFunction')).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  test('consecutive failures alarm', () => {
    const alarm = resource(requireTemplate('bare'), 'SyncConsecutiveFailuresAlarm');

    expect(alarm.Namespace).toBe('CursorUsageAggregator');
    expect(alarm.MetricName).toBe('ConsecutiveFailures');
    expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: 'cursor-usage-aggregator' }]);
    expect(alarm.Statistic).toBe('Maximum');
    expect(alarm.Period).toBe(60);
    expect(alarm.EvaluationPeriods).toBe(1);
    expect(alarm.Threshold).toBe(10);
    expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.TreatMissingData).toBe('ignore');
    expect(alarm.AlarmName).toBe('cursor-usage-aggregator-test-sync-consecutive-failures');
  });

  test('no success for an hour alarm', () => {
    for (const name of ['bare', 'secured', 'params'] as const) {
      const alarm = resource(requireTemplate(name), 'SyncNoSuccessAlarm');

      expect(alarm.Namespace, name).toBe('CursorUsageAggregator');
      expect(alarm.MetricName, name).toBe('CycleSucceeded');
      expect(alarm.Dimensions, name).toEqual([{ Name: 'service', Value: 'cursor-usage-aggregator' }]);
      expect(alarm.Statistic, name).toBe('Sum');
      expect(alarm.Period, name).toBe(3600);
      expect(alarm.EvaluationPeriods, name).toBe(1);
      expect(alarm.Threshold, name).toBe(1);
      expect(alarm.ComparisonOperator, name).toBe('LessThanThreshold');
      expect(alarm.TreatMissingData, name).toBe('breaching');
    }
  });

  test('alarm actions only with a topic', () => {
    expect(resourcesOfType(requireTemplate('bare'), 'AWS::CloudWatch::Alarm')).toHaveLength(2);
    for (const logicalId of ['SyncConsecutiveFailuresAlarm', 'SyncNoSuccessAlarm']) {
      expect(resource(requireTemplate('bare'), logicalId).AlarmActions, logicalId).toEqual([]);
      expect(resource(requireTemplate('secured'), logicalId).AlarmActions, logicalId).toEqual([ALARM_TOPIC_ARN]);
      expect(resource(requireTemplate('secured'), logicalId).OKActions, logicalId).toEqual([ALARM_TOPIC_ARN]);
      expect(resource(requireTemplate('params'), logicalId).AlarmActions, logicalId).toEqual([ALARM_TOPIC_ARN]);
    }
  });

  test('VPC only when set', () => {
    const bare = requireTemplate('bare');
    const secured = requireTemplate('secured');

    for (const logicalId of ['SyncLambdaFunction', 'HealthLambdaFunction']) {
      expect(resource(bare, logicalId), logicalId).not.toHaveProperty('VpcConfig');
      expect(resource(secured, logicalId).VpcConfig, logicalId).toEqual({
        SecurityGroupIds: [SECURITY_GROUP_ID],
        SubnetIds: SUBNET_IDS,
      });
    }
    expect(managedPolicies(bare).some((arn) => arn.includes(VPC_ACCESS_POLICY))).toBe(false);
    expect(managedPolicies(secured).some((arn) => arn.includes(VPC_ACCESS_POLICY))).toBe(true);
  });

  test('half a VPC setting fails', () => {
    const result = results.get('halfVpc');

    expect(result?.exitCode).not.toBe(0);
    expect(result?.output).toContain('Missing VPC_SECURITY_GROUP_IDS');
  });

  test('log retention default and override', () => {
    const bareGroups = resourcesOfType(requireTemplate('bare'), 'AWS::Logs::LogGroup');
    const paramGroups = resourcesOfType(requireTemplate('params'), 'AWS::Logs::LogGroup');

    expect(bareGroups).toHaveLength(2);
    expect(bareGroups.map((group) => group.RetentionInDays)).toEqual([30, 30]);
    expect(paramGroups.map((group) => group.RetentionInDays)).toEqual([14, 14]);
  });

  test('artifacts are small .cjs bundles', async () => {
    const { packageDirectory } = results.get('bare')!;
    requireTemplate('bare');

    for (const name of ['sync', 'health']) {
      const artifact = path.join(packageDirectory, `${name}.zip`);
      const size = (await stat(artifact)).size;
      const entries = zipEntryNames(await readFile(artifact));

      expect(size, name).toBeLessThan(MAX_ARTIFACT_BYTES);
      expect(entries, name).toContain(`functions/${name}.cjs`);
      expect(entries.some((entry) => entry.includes('node_modules/')), name).toBe(false);
    }
    const syncEntries = zipEntryNames(await readFile(path.join(packageDirectory, 'sync.zip')));
    expect(syncEntries.some((entry) => /^migrations\/\d+_.+\.sql$/.test(entry))).toBe(true);
  });
});

interface DeploymentSettings {
  ssmParameterArn(variable: string, name: string): unknown;
  noSuccessAlarmPeriodSeconds(environment: Record<string, string>): number;
  syncReservedConcurrency(settings: Record<string, string>): number | undefined;
  kmsKeyArns(settings: Record<string, string>): unknown[];
}

describe('deployment settings', () => {
  const settings = createRequire(import.meta.url)('../../deploy/deploymentSettings.cjs') as DeploymentSettings;

  test.each([
    ['/cursor-usage-aggregator/prod/database-url', 'cursor-usage-aggregator/prod/database-url'],
    ['database-url', 'database-url'],
    ['/team/key:7', 'team/key'],
    ['/team/key:current', 'team/key'],
  ])('parameter name %s', (name, pathWithoutLeadingSlash) => {
    expect(settings.ssmParameterArn('DATABASE_URL_SSM_PARAMETER', name)).toEqual(ssmParameterArn(pathWithoutLeadingSlash));
  });

  test('parameter ARN used as given', () => {
    const arn = 'arn:aws:ssm:eu-west-1:210987654321:parameter/shared/database-url';

    expect(settings.ssmParameterArn('DATABASE_URL_SSM_PARAMETER', arn)).toBe(arn);
    expect(settings.ssmParameterArn('DATABASE_URL_SSM_PARAMETER', `${arn}:2`)).toBe(arn);
  });

  test.each(['/bad name', '/', 'a/b/', 'name*'])('invalid parameter name %s', (name) => {
    expect(() => settings.ssmParameterArn('CURSOR_API_KEY_SSM_PARAMETER', name)).toThrow(
      `Invalid CURSOR_API_KEY_SSM_PARAMETER "${name}"`,
    );
  });

  test('alias rejected as KMS key', () => {
    expect(() => settings.kmsKeyArns({ SSM_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:alias/ssm' })).toThrow(
      'An alias does not work',
    );
  });

  test.each([
    [undefined, 3600],
    ['10000', 3600],
    ['90000', 3600],
    ['1800000', 3600],
    ['1800001', 7200],
    ['5400000', 10800],
    ['86400000', 172800],
  ])('no-success alarm period for POLL_INTERVAL_MS %s', (pollIntervalMs, periodSeconds) => {
    const environment: Record<string, string> = pollIntervalMs === undefined ? {} : { POLL_INTERVAL_MS: pollIntervalMs };

    expect(settings.noSuccessAlarmPeriodSeconds(environment)).toBe(periodSeconds);
  });

  test.each(['0', '-1', '1.5', 'two'])('invalid reserved concurrency %s', (value) => {
    expect(() => settings.syncReservedConcurrency({ SYNC_RESERVED_CONCURRENCY: value })).toThrow(
      `Invalid SYNC_RESERVED_CONCURRENCY "${value}"`,
    );
  });
});
