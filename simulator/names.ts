// Developer names. Most are in the Latin script, some with diacritics, and a share
// is in other scripts, as in a team spread over several countries. E-mail local
// parts are ASCII: diacritics are stripped, and names in other scripts carry a
// romanization.

import type { SeededRandom } from './random.js';

/** Display name and the romanized given and family names used for the e-mail. */
export interface PersonName {
  name: string;
  romanGiven: string;
  romanFamily: string;
}

interface LatinNamePool {
  given: readonly string[];
  family: readonly string[];
}

const LATIN_POOLS: readonly LatinNamePool[] = [
  {
    given: ['James', 'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Ethan', 'Mia', 'Lucas', 'Harper', 'Mason', 'Amelia', 'Owen', 'Grace', 'Henry', 'Chloe', 'Samuel', 'Nora', 'Daniel', 'Hannah', 'Ryan', 'Priya', 'Arjun', 'Kwame', 'Amara'],
    family: ['Smith', 'Johnson', 'Brown', 'Taylor', 'Miller', 'Wilson', 'Moore', 'Clark', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Carter', 'Turner', 'Parker', "O'Brien", 'Murphy', 'Patel', 'Okafor', 'Mensah'],
  },
  {
    given: ['Jürgen', 'Lena', 'Lukas', 'Anna', 'Felix', 'Marie', 'Jonas', 'Sophie', 'Maximilian', 'Leonie', 'Jörg', 'Käthe'],
    family: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Schäfer', 'Groß', 'Köhler', 'Wagner', 'Bäcker', 'Vogel'],
  },
  {
    given: ['Élodie', 'Théo', 'Chloé', 'Louis', 'Camille', 'Hugo', 'Léa', 'Mathéo', 'Inès', 'Gaëlle', 'François', 'Anaïs'],
    family: ['Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Lemaître', 'Rousseau', 'Faure', 'Mercier', 'Bonnet', 'Châtelain', 'Benoît', 'Garnier'],
  },
  {
    given: ['José', 'María', 'Sofía', 'Mateo', 'Lucía', 'Joaquín', 'Inês', 'João', 'Gonçalo', 'Beatriz', 'Martín', 'Valentina'],
    family: ['García', 'Martínez', 'Núñez', 'Peña', 'Fernández', 'Ibáñez', 'Conceição', 'Gonçalves', 'Araújo', 'Sánchez', 'Rodríguez', 'Muñoz'],
  },
  {
    given: ['Zoë', 'Åsa', 'Søren', 'Björn', 'Ingrid', 'Łukasz', 'Zofia', 'Jiří', 'Ayşe', 'Çağan', 'Eliška', 'Mikael'],
    family: ['Ångström', 'Sørensen', 'Lindqvist', 'Nyström', 'Kowalski', 'Wiśniewski', 'Dvořák', 'Novák', 'Yılmaz', 'Öztürk', 'Þórsson', 'Håkansson'],
  },
];

/** Whole names in other scripts, each as [display name, romanized given, romanized family]. */
const NON_LATIN_NAMES: readonly (readonly [string, string, string])[] = [
  ['李雷', 'lei', 'li'],
  ['韩梅梅', 'meimei', 'han'],
  ['王伟', 'wei', 'wang'],
  ['张静', 'jing', 'zhang'],
  ['刘洋', 'yang', 'liu'],
  ['陈浩', 'hao', 'chen'],
  ['Ольга Петрова', 'olga', 'petrova'],
  ['Иван Смирнов', 'ivan', 'smirnov'],
  ['Дмитрий Кузнецов', 'dmitry', 'kuznetsov'],
  ['Анна Соколова', 'anna', 'sokolova'],
  ['Алексей Морозов', 'alexey', 'morozov'],
  ['山田太郎', 'taro', 'yamada'],
  ['佐藤花子', 'hanako', 'sato'],
  ['高橋さくら', 'sakura', 'takahashi'],
  ['김민준', 'minjun', 'kim'],
  ['이서연', 'seoyeon', 'lee'],
  ['박지훈', 'jihoon', 'park'],
  ['Νίκος Παπαδόπουλος', 'nikos', 'papadopoulos'],
  ['Ελένη Γεωργίου', 'eleni', 'georgiou'],
];

/** Share of developers whose name is in a script other than Latin. */
const NON_LATIN_SHARE = 0.12;

/** Draws a name from the pools. */
export function drawPersonName(random: SeededRandom): PersonName {
  if (random.next() < NON_LATIN_SHARE) {
    const [name, romanGiven, romanFamily] = random.pick(NON_LATIN_NAMES);
    return { name, romanGiven, romanFamily };
  }

  const pool = random.pick(LATIN_POOLS);
  const given = random.pick(pool.given);
  const family = random.pick(pool.family);
  return { name: `${given} ${family}`, romanGiven: romanize(given), romanFamily: romanize(family) };
}

// Letters that Unicode decomposition does not reduce to a base letter.
const LETTER_REPLACEMENTS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ı: 'i',
  þ: 'th',
};

/** Lower-case ASCII form of a Latin-script name: `Ångström` becomes `angstrom`. */
export function romanize(name: string): string {
  const withoutMarks = name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  let ascii = '';
  for (const character of withoutMarks) {
    ascii += LETTER_REPLACEMENTS[character] ?? character;
  }
  return ascii.replace(/[^a-z0-9]/g, '');
}

/**
 * Member names that stress Unicode handling, used by the `unicodeNames` fault:
 * combining marks (decomposed form), right-to-left scripts, CJK, emoji with
 * zero-width joiners, scripts with vowel signs, and mixed directions.
 */
export const UNICODE_STRESS_NAMES: readonly string[] = [
  'Jose\u0301 Nu\u0301n\u0303ez',
  'ليلى حداد',
  'נועה כהן',
  '山田 太郎',
  '김민준',
  'Sam 🚀 Rivera',
  'Alex 👩\u200d💻 Chen',
  'अनन्या शर्मा',
  'สมชาย ใจดี',
  'Dana (دانا) Levi',
  'Zoë Ångström',
  'Ольга Петрова',
];
