// The landing page (/): enter a room and a display name, then go to /m/<room>.

import { translatePage, wireLangToggle } from './i18n/index.js';
import { readName, saveName } from './prefs.js';

function main() {
  translatePage();
  const toggle = document.getElementById('lang-toggle');
  if (toggle instanceof HTMLButtonElement) wireLangToggle(toggle);
  const form = document.getElementById('landing-form');
  const room = document.getElementById('room');
  const name = document.getElementById('name');
  if (!(form instanceof HTMLFormElement && room instanceof HTMLInputElement && name instanceof HTMLInputElement)) return;
  name.value = readName();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const roomName = room.value.trim();
    const displayName = name.value.trim();
    if (!roomName || !displayName) return;
    saveName(displayName);
    location.assign(`/m/${encodeURIComponent(roomName)}?name=${encodeURIComponent(displayName)}`);
  });
}

main();
