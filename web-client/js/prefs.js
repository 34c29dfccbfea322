// Small preferences kept in localStorage (the display name). Private browsing may refuse
// storage; then nothing is remembered and nothing breaks.

const NAME_KEY = 'govhub.name';

export function readName() {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** @param {string} name */
export function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Nothing to remember in private mode.
  }
}
