// The simulated team: who its developers are, when they joined or left, and how
// each one tends to use the editor. The roster is placed relative to the current
// UTC day so that every developer has usage inside the history at any clock time.
// NOTE: because of that, join and departure days move forward by one day at each
// UTC midnight. A departed or recently joined developer's record for a given day
// can therefore appear or disappear from one day to the next, although the values
// of a record that exists never depend on the roster.

import { drawPersonName } from './names.js';
import { hashKey, PROFILE_SALT, ROSTER_SALT, SeededRandom } from './random.js';

export type MemberRole = 'owner' | 'member' | 'free-owner';

/** One entry of `GET /teams/members`. */
export interface TeamMember {
  name: string;
  email: string;
  role: MemberRole;
}

/** A developer's habits, drawn once per developer and applied to every day. */
export interface UsageProfile {
  /** Probability of any activity on a weekday, 0 for a developer who never uses the editor. */
  weekdayActiveProbability: number;
  /** Probability of activity on a Saturday or Sunday, as a fraction of the weekday one. */
  weekendFactor: number;
  /** Multiplier of every count on an active day, around 1. */
  intensity: number;
  tabAcceptRate: number;
  applyAcceptRate: number;
  agentAffinity: number;
  /** Share of requests paid with the developer's own API key. */
  apiKeyShare: number;
  /** Share of requests beyond the subscription, billed as usage-based. */
  usageBasedShare: number;
  usesBugbot: boolean;
  /** Offset of the developer's working hours from UTC, in hours. */
  utcOffsetHours: number;
  preferredModel: string;
  preferredExtension: string;
  secondaryExtension: string;
  /** Days the developer lags behind the newest client release. */
  clientVersionLagDays: number;
}

export interface Developer extends TeamMember {
  /** Position in the team, part of the key of every random draw about this developer. */
  index: number;
  /** Days before today on which the developer joined, or null when they were there for the whole history. */
  joinedDaysAgo: number | null;
  /** Days before today of the developer's last day in the team, or null while they are a member. */
  departedDaysAgo: number | null;
  /** False for a developer with usage who is never listed in `/teams/members`. */
  listed: boolean;
  profile: UsageProfile;
}

export interface TeamOptions {
  seed: number;
  /** Number of developers, departed ones included. */
  developers: number;
  /** Days with usage data, today included. */
  historyDays: number;
}

export interface Team {
  seed: number;
  historyDays: number;
  developers: readonly Developer[];
}

export const MODELS: readonly string[] = [
  'claude-4-sonnet',
  'claude-4.5-sonnet',
  'claude-4.1-opus',
  'gpt-5',
  'gpt-5-codex',
  'gemini-2.5-pro',
  'grok-code-fast-1',
  'auto',
];

export const EXTENSIONS: readonly string[] = [
  'ts', 'tsx', 'py', 'go', 'rs', 'java', 'js', 'kt', 'rb', 'cs', 'cpp', 'swift', 'sql', 'php', 'vue',
];

const UTC_OFFSETS_HOURS: readonly number[] = [-8, -7, -6, -5, -4, -3, 0, 0, 1, 1, 2, 3, 5, 8, 9, 10];

const EMAIL_DOMAIN = 'example.com';
const DEPARTED_SHARE = 0.06;
const JOINED_SHARE = 0.04;
/** Departures happen at most this many days ago, so that most windows see some. */
const MAX_DEPARTED_DAYS_AGO = 60;
/** Teams of this size or larger get one `free-owner`: an admin without a seat, who never uses the editor. */
const FREE_OWNER_MIN_TEAM_SIZE = 10;

/**
 * Creates the team of `options.developers` developers. The first one is the owner.
 * About 6% have departed (at least one when the team has two or more developers)
 * and about 4% joined during the history. Every developer has at least one day in
 * the team within the last `historyDays` days.
 */
export function createTeam(options: TeamOptions): Team {
  const random = new SeededRandom(0);
  const usedLocalParts = new Map<string, number>();
  const developerList: Developer[] = [];

  for (let index = 0; index < options.developers; index += 1) {
    const role = roleOf(index, options.developers);
    const tenure = drawTenure(random, options, index, role);
    const person = drawPersonName(random);
    const email = `${uniqueLocalPart(usedLocalParts, `${person.romanGiven}.${person.romanFamily}`)}@${EMAIL_DOMAIN}`;
    const profile = drawProfile(random, options.seed, index, role);
    developerList.push({ index, name: person.name, email, role, ...tenure, listed: true, profile });
  }

  ensureOneDeparture(developerList, options.historyDays);

  return { seed: options.seed, historyDays: options.historyDays, developers: developerList };
}

/** Lists the current members in the form of `GET /teams/members`, departed developers excluded. */
export function listMembers(team: Team): TeamMember[] {
  const members: TeamMember[] = [];
  for (const developer of team.developers) {
    if (developer.listed && developer.departedDaysAgo === null) {
      members.push({ name: developer.name, email: developer.email, role: developer.role });
    }
  }
  return members;
}

/**
 * Returns a copy of the team with one more developer who has usage on every day of
 * the history but is not listed as a member, such as an outside contractor.
 */
export function addNonMemberDeveloper(team: Team): Team {
  const index = team.developers.length;
  const random = new SeededRandom(0);
  const contractor: Developer = {
    index,
    name: 'Robin Hale',
    email: 'robin.hale@contractor.example.net',
    role: 'member',
    joinedDaysAgo: null,
    departedDaysAgo: null,
    listed: false,
    profile: drawProfile(random, team.seed, index, 'member'),
  };
  return { ...team, developers: [...team.developers, contractor] };
}

function roleOf(index: number, teamSize: number): MemberRole {
  if (index === 0) {
    return 'owner';
  }
  if (index === 1 && teamSize >= FREE_OWNER_MIN_TEAM_SIZE) {
    return 'free-owner';
  }
  return 'member';
}

function drawTenure(
  random: SeededRandom,
  options: TeamOptions,
  index: number,
  role: MemberRole,
): Pick<Developer, 'joinedDaysAgo' | 'departedDaysAgo'> {
  random.reseed(hashKey(options.seed, index, ROSTER_SALT));
  const draw = random.next();
  const maxDaysAgo = options.historyDays - 1;

  if (role !== 'member') {
    return { joinedDaysAgo: null, departedDaysAgo: null };
  }
  if (draw < DEPARTED_SHARE) {
    return { joinedDaysAgo: null, departedDaysAgo: drawDepartureDaysAgo(random, maxDaysAgo) };
  }
  if (draw < DEPARTED_SHARE + JOINED_SHARE) {
    return { joinedDaysAgo: random.nextInt(maxDaysAgo + 1), departedDaysAgo: null };
  }
  return { joinedDaysAgo: null, departedDaysAgo: null };
}

// A departure is at least one day ago when the history allows it, so the departed
// developer has usage on days when they are no longer listed.
function drawDepartureDaysAgo(random: SeededRandom, maxDaysAgo: number): number {
  if (maxDaysAgo < 1) {
    return 0;
  }
  const latest = Math.min(maxDaysAgo, MAX_DEPARTED_DAYS_AGO);
  return 1 + random.nextInt(latest);
}

function ensureOneDeparture(developerList: Developer[], historyDays: number): void {
  const alreadyDeparted = developerList.some((developer) => developer.departedDaysAgo !== null);
  const last = developerList[developerList.length - 1];
  if (alreadyDeparted || last === undefined || last.role !== 'member') {
    return;
  }
  const maxDaysAgo = historyDays - 1;
  last.joinedDaysAgo = null;
  last.departedDaysAgo = Math.min(maxDaysAgo, 3);
}

function uniqueLocalPart(usedLocalParts: Map<string, number>, base: string): string {
  const seen = usedLocalParts.get(base) ?? 0;
  usedLocalParts.set(base, seen + 1);
  return seen === 0 ? base : `${base}${seen + 1}`;
}

function drawProfile(random: SeededRandom, seed: number, index: number, role: MemberRole): UsageProfile {
  random.reseed(hashKey(seed, index, PROFILE_SALT));

  const lightUser = random.next() < 0.12;
  const weekdayActiveProbability = lightUser ? random.nextBetween(0.15, 0.4) : random.nextBetween(0.6, 0.95);
  const weekendWorker = random.next() < 0.08;
  // The sum of three uniform draws is roughly normal, so the intensity is roughly log-normal around 1.
  const intensity = Math.exp((random.next() + random.next() + random.next() - 1.5) * 0.9);
  const usesApiKey = random.next() < 0.1;
  const apiKeyShare = random.nextBetween(0.1, 0.5);
  const paysUsage = random.next() < 0.15;
  const usageBasedShare = random.nextBetween(0.1, 0.4);

  return {
    weekdayActiveProbability: role === 'free-owner' ? 0 : weekdayActiveProbability,
    weekendFactor: weekendWorker ? 0.5 : 0.08,
    intensity,
    tabAcceptRate: random.nextBetween(0.18, 0.5),
    applyAcceptRate: random.nextBetween(0.5, 0.9),
    agentAffinity: random.nextBetween(0.2, 1.8),
    apiKeyShare: usesApiKey ? apiKeyShare : 0,
    usageBasedShare: paysUsage ? usageBasedShare : 0,
    usesBugbot: random.next() < 0.25,
    utcOffsetHours: random.pick(UTC_OFFSETS_HOURS),
    preferredModel: random.pick(MODELS),
    preferredExtension: random.pick(EXTENSIONS),
    secondaryExtension: random.pick(EXTENSIONS),
    clientVersionLagDays: random.nextInt(22),
  };
}
