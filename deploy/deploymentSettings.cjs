// Checks the deploy-time settings that serverless.yml collects under
// `custom.deployment`, and turns them into CloudFormation values: parameter
// and key ARNs, VPC settings, alarm actions. Used by deploy/iam.cjs,
// deploy/alarms.cjs and deploy/optionalSettingsPlugin.cjs.
'use strict';

/**
 * A deploy-time setting is invalid. The message names the setting, the value
 * and the rule. It stops the command while variables are resolved, before
 * anything is packaged or deployed.
 */
class DeploymentSettingsError extends Error {
  constructor(setting, message) {
    super(message);
    this.name = 'DeploymentSettingsError';
    this.setting = setting;
    // The Framework prints the stack of an error thrown from a variables file,
    // and a settings error needs only its message there.
    this.stack = `${this.name}: ${message}`;
  }
}

const HOUR_SECONDS = 60 * 60;
const MAX_ALARM_EVALUATION_SECONDS = 7 * 24 * HOUR_SECONDS;
/** The poll interval that lib/config.ts uses when POLL_INTERVAL_MS is unset. */
const DEFAULT_POLL_INTERVAL_MS = 60_000;

/**
 * A parameter name as GetParameter accepts it: letters, digits, `_.-/`, an
 * optional leading `/` for a hierarchy, and an optional `:version` or
 * `:label` selector, which IAM does not see.
 */
const SSM_PARAMETER_NAME = /^(\/?[A-Za-z0-9_.\-/]+)(?::[A-Za-z0-9_.-]+)?$/;
/** The ARN form of a parameter name, for a parameter shared from another account. */
const SSM_PARAMETER_ARN = /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]+)(?::[A-Za-z0-9_.-]+)?$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-)?[0-9a-f-]+$/;
/** A key id (a UUID, or `mrk-` and hex digits for a multi-Region key), in the stack's account and Region. */
const KMS_KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;

// Limits of Lambda's VpcConfig and of a CloudWatch alarm's action list.
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;
const MAX_ALARM_ACTIONS = 5;

/** Returns the trimmed text, or undefined for a missing or blank setting. */
function readText(settings, name) {
  const value = settings?.[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** Splits a comma-separated setting into its non-blank items. */
function readList(settings, name) {
  const text = readText(settings, name);
  if (text === undefined) {
    return [];
  }
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Builds the IAM resource ARN of the SSM parameter that `variable` names. A
 * name maps to `parameter/<name without its leading slash>` in the stack's
 * partition, Region and account. An ARN is used as given.
 */
function ssmParameterArn(variable, name) {
  const arnMatch = SSM_PARAMETER_ARN.exec(name);
  if (arnMatch !== null) {
    return arnMatch[1];
  }

  const nameMatch = SSM_PARAMETER_NAME.exec(name);
  if (nameMatch === null || nameMatch[1] === '/' || nameMatch[1].endsWith('/')) {
    throw new DeploymentSettingsError(
      variable,
      `Invalid ${variable} "${name}": expected an SSM parameter name such as /cursor-usage-aggregator/prod/database-url ` +
        '(letters, digits and _.-/ only) or the parameter ARN.',
    );
  }
  const path = nameMatch[1].replace(/^\//, '');
  return { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${path}` };
}

/** Builds the ARNs of the customer managed keys in SSM_KMS_KEY_ARN: key ARNs, or key ids in the stack's account and Region. */
function kmsKeyArns(settings) {
  return readList(settings, 'SSM_KMS_KEY_ARN').map((key) => {
    if (KMS_KEY_ARN.test(key)) {
      return key;
    }
    if (KMS_KEY_ID.test(key)) {
      return { 'Fn::Sub': `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/${key}` };
    }
    throw new DeploymentSettingsError(
      'SSM_KMS_KEY_ARN',
      `Invalid SSM_KMS_KEY_ARN "${key}": expected a KMS key ARN such as ` +
        'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, or its key id. ' +
        'An alias does not work, because IAM matches kms:Decrypt against the key ARN.',
    );
  });
}

/**
 * Returns the Lambda VPC settings, or undefined when neither VPC_SUBNET_IDS
 * nor VPC_SECURITY_GROUP_IDS is set. Setting only one of them is an error.
 */
function vpcConfig(settings) {
  const subnetIds = readList(settings, 'VPC_SUBNET_IDS');
  const securityGroupIds = readList(settings, 'VPC_SECURITY_GROUP_IDS');
  if (subnetIds.length === 0 && securityGroupIds.length === 0) {
    return undefined;
  }
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    const missing = subnetIds.length === 0 ? 'VPC_SUBNET_IDS' : 'VPC_SECURITY_GROUP_IDS';
    const present = subnetIds.length === 0 ? 'VPC_SECURITY_GROUP_IDS' : 'VPC_SUBNET_IDS';
    throw new DeploymentSettingsError(
      missing,
      `Missing ${missing}: ${present} is set, and a function in a VPC needs both subnet ids and security group ids. ` +
        'Set both, or unset both to deploy outside a VPC.',
    );
  }

  checkIds('VPC_SUBNET_IDS', subnetIds, SUBNET_ID, 'subnet-0123456789abcdef0', MAX_SUBNETS);
  checkIds('VPC_SECURITY_GROUP_IDS', securityGroupIds, SECURITY_GROUP_ID, 'sg-0123456789abcdef0', MAX_SECURITY_GROUPS);
  return { subnetIds, securityGroupIds };
}

function checkIds(setting, ids, pattern, example, maxCount) {
  const invalid = ids.find((id) => !pattern.test(id));
  if (invalid !== undefined) {
    throw new DeploymentSettingsError(
      setting,
      `Invalid ${setting} item "${invalid}": expected comma-separated ids such as ${example}.`,
    );
  }
  if (ids.length > maxCount) {
    throw new DeploymentSettingsError(setting, `Invalid ${setting}: ${ids.length} ids, but Lambda accepts at most ${maxCount}.`);
  }
}

/** Returns SYNC_RESERVED_CONCURRENCY as a whole number, or undefined when it is unset. */
function syncReservedConcurrency(settings) {
  const text = readText(settings, 'SYNC_RESERVED_CONCURRENCY');
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new DeploymentSettingsError(
      'SYNC_RESERVED_CONCURRENCY',
      `Invalid SYNC_RESERVED_CONCURRENCY "${text}": expected a whole number of at least 1 ` +
        '(0 would throttle every invocation and stop the sync). Unset it to use the account\'s unreserved pool.',
    );
  }
  return value;
}

/** Returns the SNS topic ARNs of ALARM_TOPIC_ARN that the alarms notify, or an empty list when it is unset. */
function alarmActions(settings) {
  const topicArns = readList(settings, 'ALARM_TOPIC_ARN');
  const invalid = topicArns.find((arn) => !SNS_TOPIC_ARN.test(arn));
  if (invalid !== undefined) {
    throw new DeploymentSettingsError(
      'ALARM_TOPIC_ARN',
      `Invalid ALARM_TOPIC_ARN "${invalid}": expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts.`,
    );
  }
  if (topicArns.length > MAX_ALARM_ACTIONS) {
    throw new DeploymentSettingsError(
      'ALARM_TOPIC_ARN',
      `Invalid ALARM_TOPIC_ARN: ${topicArns.length} topics, but an alarm accepts at most ${MAX_ALARM_ACTIONS} actions.`,
    );
  }
  return topicArns;
}

/**
 * Returns the period of the "no successful cycle" alarm, in seconds: one hour,
 * or twice the poll interval rounded up to whole hours when that is longer,
 * so that every period contains at least one scheduled cycle. CloudWatch accepts
 * a one-period alarm of up to 7 days when its period is an hour or longer
 * (PutMetricAlarm reference), and POLL_INTERVAL_MS is at most one day.
 */
function noSuccessAlarmPeriodSeconds(environment) {
  const text = readText(environment, 'POLL_INTERVAL_MS');
  const pollIntervalMs = text === undefined ? DEFAULT_POLL_INTERVAL_MS : Number(text);
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
    // loadConfig rejects the value at the first invocation, with its own message.
    return HOUR_SECONDS;
  }
  const hours = Math.max(1, Math.ceil((2 * pollIntervalMs) / 1000 / HOUR_SECONDS));
  return Math.min(hours * HOUR_SECONDS, MAX_ALARM_EVALUATION_SECONDS);
}

module.exports = {
  DeploymentSettingsError,
  alarmActions,
  kmsKeyArns,
  noSuccessAlarmPeriodSeconds,
  readText,
  ssmParameterArn,
  syncReservedConcurrency,
  vpcConfig,
};
