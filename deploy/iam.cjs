// Variables file for `provider.iam.role.statements` in serverless.yml:
// `${file(./deploy/iam.cjs):statements}`.
'use strict';

const { kmsKeyArns, readText, ssmParameterArn, DeploymentSettingsError } = require('./deploymentSettings.cjs');

/** The variables through which the functions read a SecureString parameter by name. */
const SSM_PARAMETER_VARIABLES = ['DATABASE_URL_SSM_PARAMETER', 'CURSOR_API_KEY_SSM_PARAMETER'];

/**
 * Builds the role's statements beyond the Framework's log permissions:
 * ssm:GetParameter on exactly the parameters that the functions' environment
 * names, and kms:Decrypt on the customer managed keys of SSM_KMS_KEY_ARN.
 * Returns an empty list when no parameter is named.
 */
function buildStatements(environment, deployment) {
  const parameterArns = SSM_PARAMETER_VARIABLES.map((variable) => [variable, readText(environment, variable)])
    .filter(([, name]) => name !== undefined)
    .map(([variable, name]) => ssmParameterArn(variable, name));
  const keyArns = kmsKeyArns(deployment);

  if (parameterArns.length === 0) {
    if (keyArns.length > 0) {
      throw new DeploymentSettingsError(
        'SSM_KMS_KEY_ARN',
        `SSM_KMS_KEY_ARN is set, but neither ${SSM_PARAMETER_VARIABLES.join(' nor ')} is: the key would decrypt nothing. ` +
          'Set the parameter names, or unset SSM_KMS_KEY_ARN.',
      );
    }
    return [];
  }

  const statements = [
    {
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: removeDuplicates(parameterArns),
    },
  ];
  if (keyArns.length > 0) {
    // Parameters encrypted with the AWS managed key aws/ssm need no statement:
    // that key's policy lets every principal of the account decrypt through SSM.
    statements.push({
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: keyArns,
      // Only SSM may use the key on the role's behalf, when it decrypts a parameter.
      Condition: {
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } },
      },
    });
  }
  return statements;
}

/** Two variables that name the same parameter would otherwise repeat its ARN. */
function removeDuplicates(values) {
  const seen = new Set();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

module.exports = {
  buildStatements,
  async statements({ resolveConfigurationProperty }) {
    const environment = await resolveConfigurationProperty(['provider', 'environment']);
    const deployment = await resolveConfigurationProperty(['custom', 'deployment']);
    return buildStatements(environment, deployment);
  },
};
