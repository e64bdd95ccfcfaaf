const POD_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Pod-name suffixes (apimachinery's util/rand alphabet) from the workflow's seeded PRNG:
 * deterministic on replay.
 */
export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += POD_NAME_ALPHABET[Math.floor(Math.random() * POD_NAME_ALPHABET.length)];
  return s;
}
