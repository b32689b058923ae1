// A local Serverless Framework plugin that sets `provider.vpc` and the sync
// function's `reservedConcurrency` only when they are configured. A variable
// cannot leave a key out: in osls 4.3.1 a variable that resolves to nothing
// is an error, and any `vpc` object, even an empty one, attaches
// AWSLambdaVPCAccessExecutionRole to the role
// (lib/plugins/aws/package/lib/merge-iam-templates.js).
'use strict';

const { DeploymentSettingsError, syncReservedConcurrency, vpcConfig } = require('./deploymentSettings.cjs');

const SYNC_FUNCTION_NAME = 'sync';

class OptionalSettingsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    // `initialize` runs before every command, after all variables (the
    // `${param:...}` ones too) are resolved, and before packaging reads them.
    this.hooks = {
      initialize: () => this.applySettings(),
    };
  }

  applySettings() {
    const { service } = this.serverless;
    const deployment = service.custom?.deployment ?? {};

    let vpc;
    let reservedConcurrency;
    try {
      vpc = vpcConfig(deployment);
      reservedConcurrency = syncReservedConcurrency(deployment);
    } catch (error) {
      if (error instanceof DeploymentSettingsError) {
        throw new this.serverless.classes.Error(error.message, 'INVALID_DEPLOYMENT_SETTING');
      }
      throw error;
    }

    if (vpc !== undefined) {
      service.provider.vpc = vpc;
    }
    if (reservedConcurrency !== undefined) {
      service.getFunction(SYNC_FUNCTION_NAME).reservedConcurrency = reservedConcurrency;
    }
  }
}

module.exports = OptionalSettingsPlugin;
