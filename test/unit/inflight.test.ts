import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBusy, parseSsTimings } from '../../src/proxy/inflight.js';

// Two connections as `ss -tinH state established dst …` prints them: one awaiting its answer, one idle.
const output = `0      0      127.0.0.1:56454 10.210.128.1:8080
\t bbr wscale:10,10 rto:208 rtt:5.501/10.936 ato:40 mss:32768 cwnd:13 bytes_sent:214 bytes_received:248 lastsnd:496 lastrcv:504 lastack:452 delivered:4 app_limited
0      0      127.0.0.1:56460 10.210.128.1:8080
\t bbr wscale:10,10 rto:208 rtt:0.05/0.02 ato:40 mss:32768 cwnd:13 bytes_received:377 lastsnd:3500 lastrcv:496 lastack:496 delivered:4
0      0      127.0.0.1:56470 10.210.128.1:8080
\t bbr wscale:10,10 rto:208 rtt:0.05/0.02 ato:40 mss:32768 cwnd:10 lastsnd:12 lastack:3
SYN-SENT 0      1      10.210.0.1:44930 10.210.128.1:8080
\t bbr rto:1000 mss:524 pmtu:1500 rcvmss:88 advmss:1460 cwnd:10 segs_out:1 bbr:(bw:0bps,mrtt:0) lastsnd:500 lastrcv:500 lastack:500 app_limited unacked:1
`;

test('ss output: one timing per connection; a counter ss leaves out is 0 (just now)', () => {
  assert.deepEqual(parseSsTimings(output), [
    { lastSentMs: 496, lastReceivedMs: 504, bytesReceived: 248 },
    { lastSentMs: 3500, lastReceivedMs: 496, bytesReceived: 377 },
    { lastSentMs: 12, lastReceivedMs: 0, bytesReceived: 0 },
    { lastSentMs: 500, lastReceivedMs: 500, bytesReceived: 0 },
  ]);
  assert.deepEqual(parseSsTimings(''), []);
});

test('busy: a request sent after the last response, or data in the quiet window', () => {
  const seen = { bytesReceived: 500 };
  assert.equal(isBusy({ lastSentMs: 496, lastReceivedMs: 504, ...seen }, 250), true, 'awaiting its answer');
  assert.equal(isBusy({ lastSentMs: 3500, lastReceivedMs: 496, ...seen }, 250), false, 'idle keep-alive');
  assert.equal(isBusy({ lastSentMs: 3500, lastReceivedMs: 100, ...seen }, 250), true, 'a response still streaming');
  assert.equal(isBusy({ lastSentMs: 300, lastReceivedMs: 300, ...seen }, 250), false, 'answered in the same millisecond');
  assert.equal(isBusy({ lastSentMs: 500, lastReceivedMs: 500, bytesReceived: 0 }, 250), true, 'a fresh connection whose first request is unanswered');
});
