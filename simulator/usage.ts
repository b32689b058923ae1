// Daily usage records, a pure function of the team's seed and the clock truncated
// to the hour. A day's final values depend only on (seed, developer, day). Today
// and the two days before it show a share of those values that grows with the
// hour, which emulates upstream's hourly aggregation and its late restatements.

import { hashKey, SeededRandom } from './random.js';
import { MODELS, type Developer, type Team } from './team.js';
import { DAY_MS, dayNumberOf, HOUR_MS, truncateToHour, weekdayOf } from './time.js';

/** One developer on one UTC day, as `POST /teams/daily-usage-data` returns it. */
export interface UsageRecord {
  /** Epoch milliseconds of the day's 00:00 UTC. */
  date: number;
  email: string;
  isActive: boolean;
  totalLinesAdded: number;
  totalLinesDeleted: number;
  acceptedLinesAdded: number;
  acceptedLinesDeleted: number;
  totalApplies: number;
  totalAccepts: number;
  totalRejects: number;
  totalTabsShown: number;
  totalTabsAccepted: number;
  composerRequests: number;
  chatRequests: number;
  agentRequests: number;
  cmdkUsages: number;
  subscriptionIncludedReqs: number;
  apiKeyReqs: number;
  usageBasedReqs: number;
  bugbotUsages: number;
  mostUsedModel: string | null;
  applyMostUsedExtension: string | null;
  tabMostUsedExtension: string | null;
  clientVersion: string | null;
}

export const COUNT_FIELDS = [
  'totalLinesAdded',
  'totalLinesDeleted',
  'acceptedLinesAdded',
  'acceptedLinesDeleted',
  'totalApplies',
  'totalAccepts',
  'totalRejects',
  'totalTabsShown',
  'totalTabsAccepted',
  'composerRequests',
  'chatRequests',
  'agentRequests',
  'cmdkUsages',
  'subscriptionIncludedReqs',
  'apiKeyReqs',
  'usageBasedReqs',
  'bugbotUsages',
] as const satisfies readonly (keyof UsageRecord)[];

export const TEXT_FIELDS = [
  'mostUsedModel',
  'applyMostUsedExtension',
  'tabMostUsedExtension',
  'clientVersion',
] as const satisfies readonly (keyof UsageRecord)[];

/**
 * Share of a day's final values still missing when the day ends. It is recovered
 * over the next `RESTATEMENT_HOURS`, so today - 1 and today - 2 keep changing
 * slightly with the hour and today - 3 is final.
 */
const RESTATEMENT_SHORTFALL = 0.04;
const RESTATEMENT_HOURS = 48;

/** Relative activity in each local hour of the day, from 00:00 to 23:00. */
const LOCAL_HOUR_WEIGHTS: readonly number[] = [
  0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.8, 3, 3.2, 3, 1.6, 2.6, 3, 3, 2.6, 1.8, 1, 0.7, 0.6, 0.5, 0.4, 0.3,
];

/** First day of the weekly client release numbering (2025-01-06, a Monday). */
const FIRST_RELEASE_DAY = dayNumberOf(Date.UTC(2025, 0, 6));

/**
 * Yields the records of every developer for every day they belonged to the team,
 * when the day's 00:00 UTC lies in [startMs, endMs] and within the team's history
 * ending today. Days go in ascending order, and developers in team order within a
 * day. The values are those the API shows at `now` truncated to the hour.
 */
export function* generateUsage(team: Team, startMs: number, endMs: number, now: Date): Generator<UsageRecord> {
  const clockHourMs = truncateToHour(now);
  const today = dayNumberOf(clockHourMs);
  const firstDay = Math.max(Math.ceil(startMs / DAY_MS), today - team.historyDays + 1);
  const lastDay = Math.min(Math.floor(endMs / DAY_MS), today);
  const random = new SeededRandom(0);

  for (let day = firstDay; day <= lastDay; day += 1) {
    for (const developer of team.developers) {
      if (isInTeamOn(developer, day, today)) {
        yield usageOfDay(team.seed, developer, day, clockHourMs, random);
      }
    }
  }
}

/** Tells whether the developer belonged to the team on `day`, given the current day `today`. */
export function isInTeamOn(developer: Developer, day: number, today: number): boolean {
  const joined = developer.joinedDaysAgo === null || day >= today - developer.joinedDaysAgo;
  const stillThere = developer.departedDaysAgo === null || day <= today - developer.departedDaysAgo;
  return joined && stillThere;
}

function usageOfDay(seed: number, developer: Developer, day: number, clockHourMs: number, random: SeededRandom): UsageRecord {
  const profile = developer.profile;
  random.reseed(hashKey(seed, developer.index, day));

  // Whether the developer worked that day at all.
  const weekday = weekdayOf(day);
  const weekend = weekday === 0 || weekday === 6;
  const activeProbability = profile.weekdayActiveProbability * (weekend ? profile.weekendFactor : 1);
  if (random.next() >= activeProbability) {
    return inactiveRecord(day, developer.email);
  }

  // The day's final values. Each accepted count is drawn as a fraction of its total.
  const dayScale = profile.intensity * (weekend ? 0.5 : 1) * random.nextBetween(0.5, 1.5);
  const tabsShown = Math.floor(dayScale * random.nextBetween(60, 300));
  const tabsAccepted = Math.floor(tabsShown * Math.min(1, profile.tabAcceptRate * random.nextBetween(0.8, 1.2)));
  const applies = Math.floor(dayScale * random.nextBetween(4, 45));
  const accepts = Math.floor(applies * Math.min(1, profile.applyAcceptRate * random.nextBetween(0.85, 1.15)));
  const rejects = Math.floor((applies - accepts) * random.nextBetween(0.3, 1));
  const linesAdded = Math.floor(dayScale * random.nextBetween(40, 700));
  const acceptedLinesAdded = Math.floor(linesAdded * random.nextBetween(0.2, 0.8));
  const linesDeleted = Math.floor(linesAdded * random.nextBetween(0.05, 0.6));
  const acceptedLinesDeleted = Math.floor(linesDeleted * random.nextBetween(0.2, 0.8));
  const composerRequests = Math.floor(dayScale * random.nextBetween(0, 14));
  const chatRequests = Math.floor(dayScale * random.nextBetween(0, 24));
  const agentRequests = Math.floor(dayScale * profile.agentAffinity * random.nextBetween(0, 30));
  const cmdkUsages = Math.floor(dayScale * random.nextBetween(0, 10));
  const bugbotUsages = profile.usesBugbot && !weekend ? random.nextInt(4) : 0;
  const modelDraw = random.next();
  const otherModel = random.pick(MODELS);
  const applyExtensionDraw = random.next();
  const tabExtensionDraw = random.next();
  // Upstream sometimes leaves a text out even on an active day.
  const missingTextDraw = random.next();

  // The share visible at this hour. Flooring every count by the same factor keeps
  // each accepted count at or below its total, and keeps counts non-decreasing as
  // the factor grows with the hour.
  const share = visibleShare(day, clockHourMs, profile.utcOffsetHours);
  const visibleApplies = Math.floor(applies * share);
  const visibleTabsShown = Math.floor(tabsShown * share);
  const visibleComposer = Math.floor(composerRequests * share);
  const visibleChat = Math.floor(chatRequests * share);
  const visibleAgent = Math.floor(agentRequests * share);
  const visibleCmdk = Math.floor(cmdkUsages * share);
  const requests = visibleComposer + visibleChat + visibleAgent + visibleCmdk;
  const apiKeyReqs = Math.floor(requests * profile.apiKeyShare);
  const usageBasedReqs = Math.floor((requests - apiKeyReqs) * profile.usageBasedShare);
  const visibleLinesAdded = Math.floor(linesAdded * share);
  const visibleBugbot = Math.floor(bugbotUsages * share);
  const isActive = visibleTabsShown > 0 || visibleApplies > 0 || visibleLinesAdded > 0 || requests > 0 || visibleBugbot > 0;

  return {
    date: day * DAY_MS,
    email: developer.email,
    isActive,
    totalLinesAdded: visibleLinesAdded,
    totalLinesDeleted: Math.floor(linesDeleted * share),
    acceptedLinesAdded: Math.floor(acceptedLinesAdded * share),
    acceptedLinesDeleted: Math.floor(acceptedLinesDeleted * share),
    totalApplies: visibleApplies,
    totalAccepts: Math.floor(accepts * share),
    totalRejects: Math.floor(rejects * share),
    totalTabsShown: visibleTabsShown,
    totalTabsAccepted: Math.floor(tabsAccepted * share),
    composerRequests: visibleComposer,
    chatRequests: visibleChat,
    agentRequests: visibleAgent,
    cmdkUsages: visibleCmdk,
    subscriptionIncludedReqs: requests - apiKeyReqs - usageBasedReqs,
    apiKeyReqs,
    usageBasedReqs,
    bugbotUsages: visibleBugbot,
    mostUsedModel: requests > 0 && missingTextDraw >= 0.03 ? pickModel(profile, modelDraw, otherModel) : null,
    applyMostUsedExtension: visibleApplies > 0 ? pickExtension(profile, applyExtensionDraw, 0.75) : null,
    tabMostUsedExtension: visibleTabsShown > 0 ? pickExtension(profile, tabExtensionDraw, 0.7) : null,
    clientVersion: isActive && missingTextDraw < 0.98 ? clientVersionOn(day - profile.clientVersionLagDays) : null,
  };
}

function inactiveRecord(day: number, email: string): UsageRecord {
  return {
    date: day * DAY_MS,
    email,
    isActive: false,
    totalLinesAdded: 0,
    totalLinesDeleted: 0,
    acceptedLinesAdded: 0,
    acceptedLinesDeleted: 0,
    totalApplies: 0,
    totalAccepts: 0,
    totalRejects: 0,
    totalTabsShown: 0,
    totalTabsAccepted: 0,
    composerRequests: 0,
    chatRequests: 0,
    agentRequests: 0,
    cmdkUsages: 0,
    subscriptionIncludedReqs: 0,
    apiKeyReqs: 0,
    usageBasedReqs: 0,
    bugbotUsages: 0,
    mostUsedModel: null,
    applyMostUsedExtension: null,
    tabMostUsedExtension: null,
    clientVersion: null,
  };
}

function pickModel(profile: Developer['profile'], draw: number, otherModel: string): string {
  return draw < 0.8 ? profile.preferredModel : otherModel;
}

function pickExtension(profile: Developer['profile'], draw: number, preferredProbability: number): string {
  return draw < preferredProbability ? profile.preferredExtension : profile.secondaryExtension;
}

/**
 * Share of the day's final values visible at `clockHourMs`, from 0 to 1. Today
 * shows the activity of the hours already ended, weighted by the developer's
 * working hours, less the restatement shortfall. The two following days recover
 * that shortfall linearly.
 */
export function visibleShare(day: number, clockHourMs: number, utcOffsetHours: number): number {
  const dayEndMs = (day + 1) * DAY_MS;

  if (clockHourMs < dayEndMs) {
    const hoursEnded = (clockHourMs - day * DAY_MS) / HOUR_MS;
    return cumulativeHourShares(utcOffsetHours)[hoursEnded]! * (1 - RESTATEMENT_SHORTFALL);
  }

  const hoursSinceDayEnd = (clockHourMs - dayEndMs) / HOUR_MS;
  if (hoursSinceDayEnd >= RESTATEMENT_HOURS) {
    return 1;
  }
  return 1 - RESTATEMENT_SHORTFALL * (1 - hoursSinceDayEnd / RESTATEMENT_HOURS);
}

const cumulativeSharesByOffset = new Map<number, readonly number[]>();

// Entry h is the share of a day's activity done in the UTC hours before h:00.
function cumulativeHourShares(utcOffsetHours: number): readonly number[] {
  const cached = cumulativeSharesByOffset.get(utcOffsetHours);
  if (cached !== undefined) {
    return cached;
  }

  const weights: number[] = [];
  for (let utcHour = 0; utcHour < 24; utcHour += 1) {
    const localHour = (((utcHour + utcOffsetHours) % 24) + 24) % 24;
    weights.push(LOCAL_HOUR_WEIGHTS[localHour]!);
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);

  const shares = [0];
  let sum = 0;
  for (const weight of weights) {
    sum += weight;
    shares.push(sum / total);
  }
  cumulativeSharesByOffset.set(utcOffsetHours, shares);
  return shares;
}

const clientVersions = new Map<number, string>();

// One client release a week: 1.0.0, then 1.0.1 ... 1.0.5, 1.1.0, and so on.
function clientVersionOn(day: number): string {
  const release = Math.max(0, Math.floor((day - FIRST_RELEASE_DAY) / 7));
  let version = clientVersions.get(release);
  if (version === undefined) {
    version = `1.${Math.floor(release / 6)}.${release % 6}`;
    clientVersions.set(release, version);
  }
  return version;
}
