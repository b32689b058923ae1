// Public surface of the simulator for tests and benchmarks: the HTTP server, and
// the pure generator that produces the same records without HTTP.

export { startSimulator, HOST, type RunningSimulator } from './server.js';
export { loadSimulatorConfig, type SimulatorOptions } from './config.js';
export { SimulatorConfigError, InvalidFaultsError } from './errors.js';
export {
  parseFaults,
  MALFORMED_BODY_KINDS,
  MALFORMED_RECORD_KINDS,
  type Faults,
  type FaultsInput,
  type MalformedBodyKind,
  type MalformedRecordKind,
} from './faults.js';
export { REJECTED_KINDS } from './malformedRecords.js';
export { createTeam, listMembers, addNonMemberDeveloper, type Developer, type Team, type TeamMember, type TeamOptions } from './team.js';
export { generateUsage, isInTeamOn, COUNT_FIELDS, TEXT_FIELDS, type UsageRecord } from './usage.js';
