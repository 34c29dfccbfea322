// A stand-in hub for working on the web client's look without the real one: serves
// web-client/ the way govhub does (/ , /m/<room>, /app/<path>), hands out development tokens,
// and speaks just enough of the signaling protocol over a hand-rolled websocket to show a
// room with a few (video-less) participants, speaking changes and chat. It answers no offer:
// no media flows. The real end-to-end test is meeting.test.mjs against the real binary.
//
//   node tests/browser/mock-hub.mjs [port]      → prints "mock hub ready: http://127.0.0.1:<port>"

import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../web-client/', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
  + "media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; object-src 'none'";
const FAKE_PEOPLE = [
  { participant: 'p-kim', name: '김민수', mic_muted: false, camera_muted: true, speaking: false },
  { participant: 'p-lee', name: '이서연', mic_muted: true, camera_muted: true, speaking: false },
  { participant: 'p-park', name: 'Park Jiho', mic_muted: false, camera_muted: true, speaking: false },
];

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function serve(req, res) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'POST' && url.pathname === '/api/v1/dev/tokens') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ token: 'mock-token', room: 'r', name: null, expires_in: 3600 }));
  }
  let file = null;
  if (url.pathname === '/') file = 'index.html';
  else if (/^\/m\/[^/]+$/.test(url.pathname)) file = 'meeting.html';
  else if (url.pathname.startsWith('/app/')) file = normalize(decodeURIComponent(url.pathname.slice(5)));
  if (!file || file.startsWith('..')) return notFound(res);
  try {
    const body = await readFile(join(ROOT, file));
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
    res.end(body);
  } catch {
    notFound(res);
  }
}

/** @param {import('node:http').ServerResponse} res */
function notFound(res) {
  res.writeHead(404);
  res.end('not found');
}

/** One text frame, server to client (unmasked). */
function frame(text) {
  const data = Buffer.from(text);
  const head = data.length < 126 ? Buffer.from([0x81, data.length])
    : data.length < 65536 ? Buffer.from([0x81, 126, data.length >> 8, data.length & 255])
      : Buffer.concat([Buffer.from([0x81, 127, 0, 0, 0, 0]), Buffer.from([(data.length >>> 24) & 255, (data.length >> 16) & 255, (data.length >> 8) & 255, data.length & 255])]);
  return Buffer.concat([head, data]);
}

/** Splits masked client frames off `buf`; returns [texts, rest, closed]. */
function unframe(buf) {
  const texts = [];
  let closed = false;
  while (buf.length >= 2) {
    const op = buf[0] & 15;
    let len = buf[1] & 127;
    let off = 2;
    if (len === 126) { len = buf.readUInt16BE(2); off = 4; } else if (len === 127) { len = Number(buf.readBigUInt64BE(2)); off = 10; }
    if (buf.length < off + 4 + len) break;
    const mask = buf.subarray(off, off + 4);
    const data = Buffer.from(buf.subarray(off + 4, off + 4 + len));
    for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
    if (op === 1) texts.push(data.toString());
    if (op === 8) closed = true;
    buf = buf.subarray(off + 4 + len);
  }
  return [texts, buf, closed];
}

function upgrade(req, socket) {
  const accept = createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const send = (msg) => socket.write(frame(JSON.stringify(msg)));
  let buf = Buffer.alloc(0);
  let timer;
  socket.on('data', (chunk) => {
    let texts, closed;
    [texts, buf, closed] = unframe(Buffer.concat([buf, chunk]));
    for (const text of texts) onMessage(JSON.parse(text));
    if (closed) socket.end();
  });
  socket.on('close', () => clearInterval(timer));
  socket.on('error', () => clearInterval(timer));
  const onMessage = (m) => {
    if (m.type === 'join' || m.type === 'resume') {
      send(m.type === 'join'
        ? { type: 'joined', room: m.room, participant: 'p-me', name: m.name ?? 'Guest', resume_token: 'r', resume_grace_secs: 10, participants: FAKE_PEOPLE, tracks: [], dev_mode: true }
        : { type: 'resumed', participant: 'p-me', participants: FAKE_PEOPLE, tracks: [] });
      let n = 0;
      timer = setInterval(() => {
        const who = FAKE_PEOPLE[n++ % FAKE_PEOPLE.length];
        send({ type: 'participant_updated', participant: { ...who, speaking: true } });
        send({ type: 'active_speaker', participant: who.participant });
        if (n === 2) send({ type: 'chat', id: n, participant: who.participant, name: who.name, text: '안녕하세요, 자료 공유드립니다.', sent_at_ms: Date.now() });
      }, 1500);
    } else if (m.type === 'chat') {
      send({ type: 'chat', id: 99, participant: 'p-me', name: 'me', text: m.text, sent_at_ms: Date.now() });
    } else if (m.type === 'ping') {
      send({ type: 'pong', id: m.id });
    }
  };
}

const server = createServer((req, res) => void serve(req, res));
server.on('upgrade', (req, socket) => (req.url === '/ws' ? upgrade(req, socket) : socket.destroy()));
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`mock hub ready: http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
});
