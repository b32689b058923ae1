// Variables file for the CloudWatch alarms in serverless.yml:
// `${file(./deploy/alarms.cjs):actions}` and `:noSuccessPeriodSeconds`.
'use strict';

const { alarmActions, noSuccessAlarmPeriodSeconds } = require('./deploymentSettings.cjs');

module.exports = {
  /** Returns the SNS topics of ALARM_TOPIC_ARN, or an empty list, which leaves the alarms without actions. */
  async actions({ resolveConfigurationProperty }) {
    return alarmActions(await resolveConfigurationProperty(['custom', 'deployment']));
  },

  /** Returns the period of the "no successful cycle" alarm, sized by the functions' POLL_INTERVAL_MS. */
  async noSuccessPeriodSeconds({ resolveConfigurationProperty }) {
    return noSuccessAlarmPeriodSeconds(await resolveConfigurationProperty(['provider', 'environment']));
  },
};
