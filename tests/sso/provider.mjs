// A real OpenID provider on loopback for the single sign-on tests: the certified `oidc-provider`
// package, with one client registered for the test app.
//
//   node tests/sso/provider.mjs <port> <app base URL> <provider name>...
//
// Issuer http://127.0.0.1:<port>. The client is `tracker` / `tracker-secret`, with a redirect URI
// <app base URL>/sso/<name>/callback for each name, PKCE (S256) required. Nobody types anything:
// the interaction page signs in whoever the test last named, and grants what was asked.
//
// Test switches, on loopback only:
//   POST /__test/login   {"accountId", "claims": {...}, "acr", "amr": [...]}: who signs in next
//   POST /__test/tamper  {"mode"}: spoil the next token answer: "signature" (signed with a key
//        not in the JWKS), "audience" (for another client, with our azp), "expired", "nonce",
//        "issuer", "old_auth_time" (a sign-in an hour old), "no_id_token", "garbage" (not JSON)
//   GET  /garbage/.well-known/openid-configuration: an HTML page, for an issuer that answers
//        garbage
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const [port, appBase, ...names] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function signingKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
const real = signingKey('test-key-1');
// Same key id, another key: a token signed with it names a key in the JWKS but fails its check.
const stranger = signingKey('test-key-1');

const b64 = (value) => Buffer.from(value).toString('base64url');
function sign(payload, key) {
  const input = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.jwk.kid }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}
const payloadOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

const accounts = {};
let next = { accountId: 'nobody', acr: undefined, amr: undefined };
let tamper = null;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'tracker',
    client_secret: 'tracker-secret',
    redirect_uris: names.map((name) => `${appBase}/sso/${name}/callback`),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    require_auth_time: true,
  }],
  jwks: { keys: [real.jwk] },
  pkce: { required: () => true, methods: ['S256'] },
  features: { devInteractions: { enabled: false } },
  // The claims go into the ID token, as ID-porten's pid and Entra ID's oid, tid and email do.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub', 'pid', 'oid', 'tid', 'acct', 'amr'],
    email: ['email', 'email_verified', 'xms_edov'],
    profile: ['name', 'preferred_username'],
  },
  acrValues: ['idporten-loa-substantial', 'idporten-loa-high'],
  cookies: { keys: ['only-for-tests'] },
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...(accounts[id] || {}) }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});

provider.use(async (ctx, nextMiddleware) => {
  await nextMiddleware();
  if (!(ctx.method === 'POST' && ctx.path === '/token' && ctx.status === 200 && tamper)) return;
  const mode = tamper;
  tamper = null;
  const body = { ...ctx.body };
  const claims = payloadOf(body.id_token);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'garbage') {
    ctx.type = 'html';
    ctx.body = '<html><body>Service temporarily unavailable</body></html>';
    return;
  }
  if (mode === 'no_id_token') delete body.id_token;
  if (mode === 'signature') body.id_token = sign(claims, stranger);
  if (mode === 'audience') body.id_token = sign({ ...claims, aud: 'another-service', azp: 'tracker' }, real);
  if (mode === 'expired') body.id_token = sign({ ...claims, iat: now - 7200, exp: now - 3600 }, real);
  if (mode === 'nonce') body.id_token = sign({ ...claims, nonce: 'another-sign-in' }, real);
  if (mode === 'issuer') body.id_token = sign({ ...claims, iss: 'http://127.0.0.1:1' }, real);
  if (mode === 'old_auth_time') body.id_token = sign({ ...claims, auth_time: now - 3600 }, real);
  ctx.body = body;
});

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString() || '{}');
}

const handle = provider.callback();
http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, issuer);
  try {
    if (pathname === '/__test/login' && req.method === 'POST') {
      const body = await readJson(req);
      accounts[body.accountId] = body.claims || {};
      next = { accountId: body.accountId, acr: body.acr, amr: body.amr };
      res.writeHead(204).end();
    } else if (pathname === '/__test/tamper' && req.method === 'POST') {
      tamper = (await readJson(req)).mode || null;
      res.writeHead(204).end();
    } else if (pathname.startsWith('/garbage/')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>');
    } else if (pathname.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const result = details.prompt.name === 'login'
        ? { login: { accountId: next.accountId, acr: next.acr, amr: next.amr } }
        : { consent: {} };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } else {
      handle(req, res);
    }
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
