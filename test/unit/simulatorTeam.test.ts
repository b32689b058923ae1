import { describe, expect, test } from 'vitest';
import { romanize } from '../../simulator/names';
import { addNonMemberDeveloper, createTeam, listMembers } from '../../simulator/team';

const DEFAULT_TEAM = createTeam({ seed: 42, developers: 100, historyDays: 90 });

describe('createTeam roster', () => {
  test('exactly one owner', () => {
    // Act
    const owners = DEFAULT_TEAM.developers.filter((developer) => developer.role === 'owner');

    // Assess
    expect(owners.length).toBe(1);
    expect(owners[0]!.index).toBe(0);
    expect(owners[0]!.departedDaysAgo).toBeNull();
  });

  test('roles mostly member', () => {
    // Act
    const roles = DEFAULT_TEAM.developers.map((developer) => developer.role);

    // Assess
    expect(roles.filter((role) => !['owner', 'member', 'free-owner'].includes(role))).toEqual([]);
    expect(roles.filter((role) => role === 'member').length).toBeGreaterThanOrEqual(95);
    expect(roles.filter((role) => role === 'free-owner').length).toBe(1);
  });

  test('emails lower-case and unique', () => {
    // Arrange
    const team = createTeam({ seed: 42, developers: 10_000, historyDays: 90 });

    // Act
    const emails = team.developers.map((developer) => developer.email);

    // Assess
    expect(new Set(emails).size).toBe(10_000);
    expect(emails.filter((email) => email !== email.toLowerCase())).toEqual([]);
    expect(emails.filter((email) => !/^[a-z0-9.]+@example\.com$/.test(email))).toEqual([]);
  });

  test('names include other scripts and diacritics', () => {
    // Act
    const names = DEFAULT_TEAM.developers.map((developer) => developer.name);

    // Assess
    expect(names.some((name) => /\p{Script=Han}|\p{Script=Cyrillic}|\p{Script=Hangul}|\p{Script=Greek}/u.test(name))).toBe(true);
    expect(names.some((name) => /[À-ž]/.test(name))).toBe(true);
    expect(names.filter((name) => name.trim() === '')).toEqual([]);
  });

  test.each([
    { developers: 2, historyDays: 90 },
    { developers: 5, historyDays: 2 },
    { developers: 5, historyDays: 1 },
    { developers: 100, historyDays: 90 },
    { developers: 1000, historyDays: 30 },
  ])('departed member exists: $developers developers, $historyDays days', ({ developers, historyDays }) => {
    // Act
    const team = createTeam({ seed: 9, developers, historyDays });
    const departed = team.developers.filter((developer) => developer.departedDaysAgo !== null);

    // Assess
    expect(departed.length).toBeGreaterThanOrEqual(1);
    expect(departed.filter((developer) => developer.departedDaysAgo! > historyDays - 1)).toEqual([]);
    expect(departed.filter((developer) => historyDays > 1 && developer.departedDaysAgo! < 1)).toEqual([]);
  });

  test('joiners joined within the history', () => {
    // Act
    const joiners = createTeam({ seed: 5, developers: 1000, historyDays: 30 }).developers.filter((developer) => developer.joinedDaysAgo !== null);

    // Assess
    expect(joiners.length).toBeGreaterThan(0);
    expect(joiners.filter((developer) => developer.joinedDaysAgo! < 0 || developer.joinedDaysAgo! > 29)).toEqual([]);
    expect(joiners.filter((developer) => developer.departedDaysAgo !== null)).toEqual([]);
  });

  test('single developer team is the owner', () => {
    // Act
    const team = createTeam({ seed: 42, developers: 1, historyDays: 90 });

    // Assess
    expect(team.developers.map((developer) => developer.role)).toEqual(['owner']);
    expect(listMembers(team).length).toBe(1);
  });
});

describe('listMembers', () => {
  test('excludes departed developers', () => {
    // Act
    const members = listMembers(DEFAULT_TEAM);

    // Assess
    const departedEmails = DEFAULT_TEAM.developers.filter((developer) => developer.departedDaysAgo !== null).map((developer) => developer.email);
    const memberEmails = new Set(members.map((member) => member.email));
    expect(members.length).toBe(100 - departedEmails.length);
    expect(departedEmails.filter((email) => memberEmails.has(email))).toEqual([]);
  });

  test('member shape is name, email, role', () => {
    // Act
    const member = listMembers(DEFAULT_TEAM)[0]!;

    // Assess
    expect(Object.keys(member)).toEqual(['name', 'email', 'role']);
    expect(member.role).toBe('owner');
  });

  test('non-member developer is never listed', () => {
    // Arrange
    const team = addNonMemberDeveloper(DEFAULT_TEAM);

    // Act
    const members = listMembers(team);

    // Assess
    expect(team.developers.length).toBe(101);
    expect(members.length).toBe(listMembers(DEFAULT_TEAM).length);
    expect(members.some((member) => member.email === team.developers[100]!.email)).toBe(false);
  });
});

describe('romanize', () => {
  test.each([
    { name: 'Ångström', ascii: 'angstrom' },
    { name: 'Groß', ascii: 'gross' },
    { name: 'Søren', ascii: 'soren' },
    { name: 'Łukasz', ascii: 'lukasz' },
    { name: "O'Brien", ascii: 'obrien' },
    { name: 'Yılmaz', ascii: 'yilmaz' },
    { name: 'Þórsson', ascii: 'thorsson' },
  ])('$name becomes $ascii', ({ name, ascii }) => {
    // Act
    const result = romanize(name);

    // Assess
    expect(result).toBe(ascii);
  });
});
