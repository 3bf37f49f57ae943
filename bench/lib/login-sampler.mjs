// Run as its own process: GET /login every INTERVAL ms, on a fixed schedule, until stdin closes. Prints
// "ready" as the measured probes begin, and at the end one JSON line of samples. A separate process so the
// upload the benchmark sends cannot delay the probes.
import http from 'node:http';

const [base, interval = '20'] = process.argv.slice(2);
const every = Number(interval);
const agent = new http.Agent({ keepAlive: true });
let cookie = '';
const samples = [];
let inFlight = 0;

function probe() {
  const sent = performance.now();
  inFlight++;
  const req = http.get(`${base}/login`, { agent, headers: cookie ? { Cookie: cookie } : {} }, (res) => {
    const setCookie = res.headers['set-cookie']?.[0];
    if (setCookie) cookie = setCookie.split(';')[0];
    res.resume();
    res.on('end', () => {
      inFlight--;
      samples.push({ at: sent, ms: performance.now() - sent, status: res.statusCode });
    });
  });
  req.on('error', (err) => {
    inFlight--;
    samples.push({ at: sent, ms: performance.now() - sent, status: 0, error: err.message });
  });
}

// One request first, unmeasured: it opens the keep-alive connection and gets the session cookie every
// later probe sends. In a freshly started process that first request also pays for loading Node's HTTP
// client; it took 24-81 ms in five of five runs here, a cost of the prober, not of the server.
await new Promise((resolve) => {
  probe();
  const giveUp = performance.now() + 5000; // a server that does not answer shows up in the samples instead
  const wait = () => (inFlight === 0 || performance.now() > giveUp ? resolve() : setTimeout(wait, 1));
  wait();
});
samples.length = 0;
process.stdout.write('ready\n');

const start = performance.now();
let n = 0;
let timer;
const tick = () => {
  probe();
  n++;
  // Self-correcting: the k-th probe goes at start + k * interval, however late this timer fired.
  timer = setTimeout(tick, Math.max(0, start + n * every - performance.now()));
};
tick();

process.stdin.resume();
process.stdin.on('end', async () => {
  clearTimeout(timer);
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  process.stdout.write(JSON.stringify({ start, samples }) + '\n');
  agent.destroy();
});
