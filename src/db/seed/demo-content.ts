// The demo creators and the things they build. Data, not logic: seed.ts turns it into rows.

export interface DemoStep {
  id: string;
  type: 'content' | 'question' | 'task' | 'checkpoint';
  title: string;
  end?: boolean;
  transitions?: { to: string; condition?: { answerEquals?: string; answerIn?: string[] } }[];
}

export interface DemoProgram {
  name: string;
  description: string;
  status: 'draft' | 'published' | 'archived';
  steps: DemoStep[];
}

export interface DemoCreator {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  companyName: string;
  tier: 'free' | 'starter' | 'pro' | 'enterprise';
  channels: ('web' | 'whatsapp' | 'telegram' | 'mobile')[];
  programs: DemoProgram[];
  badges: { name: string; description: string; criteria: Record<string, unknown>; icon: string; color: string }[];
  knowledgeBases: { name: string; description: string; documents: { title: string; body: string }[] }[];
  topics: string[];
}

const linear = (ids: [string, DemoStep['type'], string][]): DemoStep[] =>
  ids.map(([id, type, title], i) => ({
    id,
    type,
    title,
    ...(i === ids.length - 1 ? { end: true } : { transitions: [{ to: ids[i + 1]![0] }] }),
  }));

export const DEMO_CREATORS: DemoCreator[] = [
  {
    email: 'ada@demo.creatorgraph.dev',
    password: 'demo-password-ada',
    firstName: 'Ada',
    lastName: 'Lovelace',
    companyName: 'Analytical Wellness',
    tier: 'pro',
    channels: ['web', 'whatsapp', 'telegram'],
    topics: ['mindfulness', 'sleep', 'running', 'nutrition', 'focus'],
    programs: [
      {
        name: '30-Day Mindfulness',
        description: 'Ten minutes a day to a calmer mind.',
        status: 'published',
        steps: [
          { id: 'welcome', type: 'content', title: 'Why mindfulness works', transitions: [{ to: 'baseline' }] },
          {
            id: 'baseline',
            type: 'question',
            title: 'How stressed do you feel today?',
            transitions: [{ to: 'breathing', condition: { answerIn: ['high', 'very high'] } }, { to: 'body-scan' }],
          },
          { id: 'breathing', type: 'task', title: 'Box breathing, 4 minutes', transitions: [{ to: 'body-scan' }] },
          { id: 'body-scan', type: 'task', title: 'Body scan', transitions: [{ to: 'reflection' }] },
          { id: 'reflection', type: 'checkpoint', title: 'Week one reflection', end: true },
        ],
      },
      {
        name: 'Couch to 5K',
        description: 'From the sofa to five kilometres in nine weeks.',
        status: 'published',
        steps: linear([
          ['intro', 'content', 'Shoes, pace and patience'],
          ['week-1', 'task', 'Run 60 s, walk 90 s, eight times'],
          ['week-4', 'task', 'Run 5 min, walk 3 min, three times'],
          ['finish', 'checkpoint', 'Your first 5K'],
        ]),
      },
      {
        name: 'Sleep Reset',
        description: 'A two-week plan for better sleep.',
        status: 'draft',
        steps: linear([
          ['audit', 'question', 'When do you usually fall asleep?'],
          ['routine', 'task', 'Build a wind-down routine'],
          ['review', 'checkpoint', 'Two-week review'],
        ]),
      },
    ],
    badges: [
      {
        name: 'First Steps',
        description: 'Completed any program.',
        criteria: { type: 'programs_completed', count: 1 },
        icon: 'footprints',
        color: '#2f855a',
      },
      {
        name: 'Chatterbox',
        description: 'Sent 5 messages.',
        criteria: { type: 'messages_sent', count: 5 },
        icon: 'message-circle',
        color: '#3182ce',
      },
      {
        name: 'On a Roll',
        description: 'Active 3 days in a row.',
        criteria: { type: 'streak', days: 3 },
        icon: 'flame',
        color: '#dd6b20',
      },
      {
        name: 'Centurion',
        description: '100 points and 10 lessons viewed in 30 days.',
        criteria: {
          allOf: [
            { type: 'points_total', atLeast: 100 },
            { type: 'interactions', interactionType: 'lesson_viewed', count: 10, windowDays: 30 },
          ],
        },
        icon: 'trophy',
        color: '#d69e2e',
      },
    ],
    knowledgeBases: [
      {
        name: 'Mindfulness library',
        description: 'Guides the assistant answers from.',
        documents: [
          {
            title: 'Box breathing',
            body: 'Breathe in for four counts. Hold for four. Breathe out for four. Hold for four. Repeat for four minutes.',
          },
          {
            title: 'The body scan',
            body: 'Lie down. Move your attention slowly from your toes to the top of your head, noticing without judging.',
          },
        ],
      },
      {
        name: 'Running FAQ',
        description: 'Common questions from new runners.',
        documents: [
          {
            title: 'Shin splints',
            body: 'Slow down, shorten your stride, and rest a day between runs. See a physiotherapist if pain persists.',
          },
        ],
      },
    ],
  },
  {
    email: 'grace@demo.creatorgraph.dev',
    password: 'demo-password-grace',
    firstName: 'Grace',
    lastName: 'Hopper',
    companyName: 'Compiler Academy',
    tier: 'starter',
    channels: ['web', 'mobile', 'whatsapp'],
    topics: ['python', 'debugging', 'careers', 'sql', 'testing'],
    programs: [
      {
        name: 'Debugging Bootcamp',
        description: 'Find the moth in the machine.',
        status: 'published',
        steps: linear([
          ['mindset', 'content', 'Bugs are facts, not failures'],
          ['reproduce', 'task', 'Write a failing test'],
          ['bisect', 'task', 'Bisect a regression'],
          ['graduate', 'checkpoint', 'Fix a real bug'],
        ]),
      },
      {
        name: 'SQL in a Week',
        description: 'SELECT your way to confidence.',
        status: 'published',
        steps: [
          { id: 'select', type: 'content', title: 'SELECT and WHERE', transitions: [{ to: 'quiz' }] },
          {
            id: 'quiz',
            type: 'question',
            title: 'Which clause filters groups?',
            transitions: [{ to: 'joins', condition: { answerEquals: 'HAVING' } }, { to: 'select' }],
          },
          { id: 'joins', type: 'task', title: 'Join three tables', transitions: [{ to: 'done' }] },
          { id: 'done', type: 'checkpoint', title: 'Certificate', end: true },
        ],
      },
      {
        name: 'COBOL for the Curious',
        description: 'Retired: kept for its alumni.',
        status: 'archived',
        steps: linear([
          ['divisions', 'content', 'The four divisions'],
          ['hello', 'checkpoint', 'Hello, world'],
        ]),
      },
    ],
    badges: [
      {
        name: 'Bug Hunter',
        description: 'Completed Debugging Bootcamp or SQL in a Week.',
        criteria: { type: 'programs_completed', count: 1 },
        icon: 'bug',
        color: '#805ad5',
      },
      {
        name: 'Regular',
        description: 'Active 5 days in a row.',
        criteria: { type: 'streak', days: 5 },
        icon: 'calendar',
        color: '#38a169',
      },
      {
        name: 'Curious Mind',
        description: 'Asked 3 questions or viewed 5 lessons.',
        criteria: {
          anyOf: [
            { type: 'messages_sent', count: 3 },
            { type: 'interactions', interactionType: 'lesson_viewed', count: 5 },
          ],
        },
        icon: 'lightbulb',
        color: '#e53e3e',
      },
    ],
    knowledgeBases: [
      {
        name: 'Course notes',
        description: 'Lecture notes for every program.',
        documents: [
          {
            title: 'Reading a stack trace',
            body: 'Start at the bottom frame you own. Read the exception type, then the message, then the line.',
          },
          {
            title: 'GROUP BY and HAVING',
            body: 'WHERE filters rows before grouping; HAVING filters groups after aggregation.',
          },
          {
            title: 'git bisect',
            body: 'Mark a good and a bad commit; git halves the range until it finds the first bad one.',
          },
        ],
      },
    ],
  },
];

export const FIRST_NAMES = [
  'Alex',
  'Sam',
  'Priya',
  'Kenji',
  'Maria',
  'Tom',
  'Fatima',
  'Luca',
  'Chen',
  'Olu',
  'Ines',
  'Noah',
  'Aisha',
  'Marek',
  'Zoe',
  'Ravi',
  'Lena',
  'Diego',
  'Yuki',
  'Omar',
  'Nora',
  'Ivan',
  'Sara',
  'Jonas',
];
export const LAST_NAMES = [
  'Smith',
  'Okafor',
  'Patel',
  'Tanaka',
  'Garcia',
  'Berg',
  'Haddad',
  'Rossi',
  'Wei',
  'Adeyemi',
  'Costa',
  'Klein',
  'Rahman',
  'Novak',
  'Dubois',
  'Iyer',
];
