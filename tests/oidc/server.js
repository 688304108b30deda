// A real OpenID Connect provider (the certified oidc-provider package) for the sign-on tests
// and for trying sign-on by hand. Usage: node server.js CONFIG.json
//
// CONFIG: {"port": 9000, "clients": [{client_id, client_secret, redirect_uris}],
//          "accounts": [{"sub", "email", "email_verified", "name"}]}
// Test hooks (only on this test provider): POST /__test/jwks with body "foreign" publishes an
// unrelated key set (tokens then carry an unknown key id), "published" restores the real one;
// POST /__test/clock with a number of seconds puts the provider's clock off by that much.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// POST /__test/clock with a number of seconds sets this provider's clock off by that much.
let clockOffset = 0;
const realNow = Date.now;
Date.now = () => realNow() + clockOffset * 1000;
const host = config.host || '127.0.0.1';
const issuer = `http://${host}:${config.port}`;

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

function publicPart({ kty, n, e, kid, alg, use }) {
  return { kty, n, e, kid, alg, use };
}

const key = await signingKey(`real-${Date.now()}`);
const foreign = publicPart(await signingKey(`foreign-${Date.now()}`));
const accounts = new Map(config.accounts.map((account) => [account.sub, account]));
let jwksMode = 'published';

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [key] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Put the scope's claims in the ID token, as Google, Entra ID and SURFconext do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['test-provider-cookie-key'] },
  ttl: { IdToken: 3600, AccessToken: 3600, Session: 3600, Interaction: 600, Grant: 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: account.email,
          email_verified: account.email_verified,
          name: account.name,
        };
      },
    };
  },
  // First-party test clients: consent is given at login, so only the login form shows.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head>
<body><main>${body}</main></body></html>`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, '<p>Unknown interaction.</p>');
  if (action === 'login' && req.method === 'POST') {
    const email = new URLSearchParams(await readBody(req)).get('email') || '';
    const account = config.accounts.find((a) => a.email.toLowerCase() === email.toLowerCase());
    if (!account) {
      return page(res, 401, `<h1>Test provider</h1><p role="alert">Unknown account ${escape(email)}.</p>`);
    }
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
      mergeWithLastSubmission: false,
    });
  }
  const hint = escape(details.params.login_hint || '');
  return page(res, 200, `<h1>Test provider: sign in</h1>
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" value="${hint}" required>
<button type="submit">Sign in</button></form>`);
}

const handle = provider.callback();
createServer(async (req, res) => {
  try {
    const path = new URL(req.url, issuer).pathname;
    const match = path.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
    if (match) return await interaction(req, res, match[1], match[2]);
    if (path === '/__test/jwks' && req.method === 'POST') {
      jwksMode = (await readBody(req)).trim();
      res.writeHead(204);
      return res.end();
    }
    if (path === '/__test/clock' && req.method === 'POST') {
      clockOffset = Number(await readBody(req)) || 0;
      res.writeHead(204);
      return res.end();
    }
    if (path === '/jwks' && jwksMode === 'foreign') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ keys: [foreign] }));
    }
    return handle(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) page(res, 500, '<p>Test provider error.</p>');
  }
}).listen(config.port, host, () => console.log(`oidc test provider at ${issuer}`));
