// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// Stream chat completions through steer with the official OpenAI client.
//   node stream.mjs BASE_URL STREAMS MAX_TOKENS
// Opens STREAMS concurrent streaming chat completions (one connection each)
// against BASE_URL (e.g. http://198.18.100.1/v1), then one non-streaming
// one. The library ends a cut stream silently, so every stream is checked
// three ways: the tokens counted from the deltas equal MAX_TOKENS, the last
// chunk has a finish_reason, and the raw SSE body (tee'd from fetch) ends
// with "data: [DONE]". Prints one line per stream:
//   stream I backend=NAME tokens=N finish=REASON done=yes|no ok|BROKEN
// and a last line "openai: N ok, N broken". Exit 0 only if all are ok.
import OpenAI from 'openai';

const [baseURL, nArg, tokArg] = process.argv.slice(2);
const n = Number(nArg || 4);
const maxTokens = Number(tokArg || 32);

// fetch that keeps a copy of every response body, to see the raw SSE end
const raw = [];
async function teeFetch(url, init) {
  const res = await fetch(url, init);
  if (!res.body) return res;
  const [mine, theirs] = res.body.tee();
  const rec = { text: '', done: null };
  rec.done = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of mine) rec.text += dec.decode(chunk, { stream: true });
  })().catch(() => {});
  raw.push(rec);
  return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
}

const client = new OpenAI({
  baseURL,
  apiKey: 'steer-test',
  fetch: teeFetch,
  maxRetries: 0,
  timeout: 60_000,
  // one connection per request: Node's fetch pools keep-alive connections,
  // and steer decides per connection
  defaultHeaders: { Connection: 'close' },
});

async function one(i) {
  let tokens = 0;
  let finish = null;
  let backend = '?';
  let err = null;
  let rec = null;
  try {
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'any',
        stream: true,
        max_tokens: maxTokens,
        messages: [{ role: 'user', content: `stream ${i}: count for me` }],
      })
      .withResponse();
    backend = response.headers.get('x-backend') || '?';
    rec = raw[raw.length - 1];
    for await (const chunk of stream) {
      const c = chunk.choices && chunk.choices[0];
      if (!c) continue;
      if (c.delta && typeof c.delta.content === 'string' && c.delta.content.length) tokens++;
      if (c.finish_reason) finish = c.finish_reason;
    }
  } catch (e) {
    err = e.message || String(e);
  }
  let done = false;
  if (rec) {
    await rec.done;
    done = /data: \[DONE\]\s*$/.test(rec.text);
  }
  const ok = !err && tokens === maxTokens && finish === 'length' && done;
  console.log(
    `stream ${i} backend=${backend} tokens=${tokens} finish=${finish} done=${done ? 'yes' : 'no'} ` +
      (ok ? 'ok' : `BROKEN${err ? ' error=' + JSON.stringify(err) : ''}`),
  );
  return ok;
}

const results = await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
let good = results.filter(Boolean).length;

// and one plain (non-streaming) completion
try {
  const { data, response } = await client.chat.completions
    .create({ model: 'any', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();
  const ok = data.choices[0].finish_reason === 'length' && data.usage.completion_tokens === 3;
  console.log(`plain backend=${response.headers.get('x-backend')} tokens=${data.usage.completion_tokens} ${ok ? 'ok' : 'BROKEN'}`);
  if (!ok) results.push(false);
  else good++;
} catch (e) {
  console.log(`plain BROKEN error=${JSON.stringify(e.message || String(e))}`);
  results.push(false);
}
const bad = results.filter((r) => !r).length;
console.log(`openai: ${good} ok, ${bad} broken`);
process.exit(bad ? 1 : 0);
