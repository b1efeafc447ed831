import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NOT_FOUND_PAGE,
  UNAVAILABLE_PAGE,
  envFileName,
  renderEnvironmentConfig,
  liveMarkerName,
  renderMainConfig,
  renderRequestIdConfig,
  servingMarkerName,
  upstreamName,
} from '../../src/proxy/render.js';
import { validateRoute, validateSettings, type EdgeSettings, type Route } from '../../src/proxy/routes.js';
import { UserError } from '../../src/errors.js';

const settings: EdgeSettings = { prefix: '/srv/calma/edge', httpPort: 8080, httpsPort: 8443, bindAddress: '127.0.0.1' };

const shop: Route = {
  app: 'shop',
  env: 'production',
  // Unsorted, with a duplicate in other case: the output must not depend on either.
  domains: ['www.shop.example', 'Shop.example', 'shop.example', '*.cdn.shop.example'],
  upstreams: [
    { host: '172.18.0.3', port: 3000 },
    { host: '172.18.0.2', port: 3000 },
    { host: '172.18.0.3', port: 3000 },
  ],
  maxBodyBytes: 104857600,
  https: true,
  release: 'build-12',
};

test('the main config keeps everything inside the prefix', () => {
  assert.equal(
    renderMainConfig(settings),
    `# Managed by calma: rewritten on every start, do not edit.
# daemon on: nginx keeps serving when calma's daemon stops or restarts.
daemon on;
worker_processes auto;
# A long WebSocket must not keep a worker of an old configuration forever.
worker_shutdown_timeout 10s;
pid /srv/calma/edge/nginx.pid;
error_log /srv/calma/edge/logs/error.log warn;

events {
    worker_connections 4096;
}

http {
    client_body_temp_path /srv/calma/edge/temp/client_body;
    proxy_temp_path /srv/calma/edge/temp/proxy;
    fastcgi_temp_path /srv/calma/edge/temp/fastcgi;
    uwsgi_temp_path /srv/calma/edge/temp/uwsgi;
    scgi_temp_path /srv/calma/edge/temp/scgi;

    # $calma_request_id: the request's id, kept from the client or made by the edge.
    include /srv/calma/edge/request-id.conf;
    log_format calma '$remote_addr [$time_iso8601] $host "$request" $status $body_bytes_sent '
                     '$request_time "$upstream_addr" $upstream_response_time $calma_request_id';
    # Errors only (calma server --access-log): the lines worth reading are not rotated
    # away by a busy site's 200s, and a request that went as asked costs no line.
    map $status $calma_log_line {
        101 ""; 200 ""; 201 ""; 202 ""; 204 ""; 206 ""; 301 ""; 302 ""; 303 ""; 304 ""; 307 ""; 308 "";
        default 1;
    }
    # Buffered: one write per 64 KB (or per second) instead of one per request.
    access_log /srv/calma/edge/logs/access.log calma buffer=64k flush=1s if=$calma_log_line;

    # The daemon's own probes (with its token) are told which replica answered, so a
    # switch is verified on the new release; every other request gets no such header.
    map $http_x_calma_probe $calma_probe_upstream {
        default "";
    }

    # "upgrade" for WebSockets; otherwise an empty Connection, which keeps the
    # upstream connection alive (the default "close" would defeat keepalive).
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }

    # TLS 1.2 and 1.3 only; resumed sessions skip the full handshake.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:calma_tls:10m;
    ssl_session_timeout 1d;

    server_tokens off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    # Room for a thousand apps with long host names.
    server_names_hash_max_size 65536;
    server_names_hash_bucket_size 128;

    # Unknown hosts: a calma 404, never some app's site.
    server {
        # reuseport: a listening socket per worker, the kernel spreading new
        # connections evenly across them instead of whichever worker wakes first.
        listen 127.0.0.1:8080 default_server reuseport;
        server_name _;
        location / {
            default_type text/html;
            return 404 '${NOT_FOUND_PAGE}';
        }
    }

    # HTTPS for a name with no certificate: refuse the handshake rather than
    # show another site's certificate.
    server {
        listen 127.0.0.1:8443 ssl http2 default_server reuseport;
        ssl_reject_handshake on;
    }

    # How every environment's location proxies, set once here and inherited: an
    # environment setting its own would cost nginx a headers hash per environment.
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    # The edge is the first hop: the client's own X-Forwarded-For is not trusted.
    # Only these: the app parses every header on every request. X-Real-IP would
    # repeat X-Forwarded-For; X-Forwarded-Port is the edge's 80 or 443, which
    # X-Forwarded-Proto already says.
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_set_header X-Request-Id $calma_request_id;
    proxy_connect_timeout 5s;
    proxy_send_timeout 60s;
    proxy_read_timeout 60s;
    # A replica that is going away is skipped, not shown to the client
    # (non-idempotent requests are never replayed by nginx).
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;

    # Every answer's request id, and the probe's upstream (see above): inherited by each
    # location that adds no header of its own.
    add_header X-Request-Id $calma_request_id always;
    add_header X-Calma-Upstream $calma_probe_upstream always;
    include /srv/calma/edge/envs/*.conf;
}
`,
  );
});

test('the access log: errors only by default, every request or none on demand', () => {
  const line = (text: string): string[] => text.split('\n').filter((l) => l.includes('access_log'));
  assert.deepEqual(line(renderMainConfig({ ...settings, accessLog: 'all' })), ['    access_log /srv/calma/edge/logs/access.log calma buffer=64k flush=1s;']);
  assert.doesNotMatch(renderMainConfig({ ...settings, accessLog: 'off' }), /Buffered/);
  assert.deepEqual(line(renderMainConfig({ ...settings, accessLog: 'off' })), ['    access_log off;']);
  assert.deepEqual(line(renderMainConfig({ ...settings, accessLog: 'errors' })), line(renderMainConfig(settings)));
  assert.doesNotMatch(renderMainConfig({ ...settings, accessLog: 'all' }), /calma_log_line/);
});

test('request ids: the epoch of this nginx, the connection and the request on it; a client\'s own id kept when it looks like one', () => {
  assert.equal(
    renderRequestIdConfig('mihx3k2a'),
    `# Managed by calma: written when the edge starts, do not edit.
map $http_x_request_id $calma_request_id {
    "" "mihx3k2a-\${connection}-\${connection_requests}";
    "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;
    default "mihx3k2a-\${connection}-\${connection_requests}";
}
`,
  );
  for (const bad of ['', 'ABC', 'a"; }', 'x'.repeat(17)]) assert.throws(() => renderRequestIdConfig(bad), UserError, bad);
});

test('with a probe token, only requests carrying it learn the upstream address', () => {
  const text = renderMainConfig({ ...settings, probeToken: 'abcdef0123456789' });
  assert.match(text, /^    map \$http_x_calma_probe \$calma_probe_upstream \{\n        default "";\n        "abcdef0123456789" \$upstream_addr;\n    \}$/m);
  assert.throws(() => renderMainConfig({ ...settings, probeToken: 'short"; }' }), UserError);
});

test('the calma pages fit in a single-quoted nginx string without interpolation', () => {
  for (const page of [NOT_FOUND_PAGE, UNAVAILABLE_PAGE]) {
    assert.doesNotMatch(page, /['$\\\n]/);
    assert.match(page, /calma/);
  }
});

test('an environment with two replicas: sorted, deduplicated, round-robin with keepalive', () => {
  assert.equal(
    renderEnvironmentConfig(shop, settings),
    `# calma route app=shop env=production
# Managed by calma: rewritten when the environment's domains, port, replicas or certificate change, do not edit.

upstream ${upstreamName('shop', 'production', 'a')} {
    server 172.18.0.2:3000 max_fails=1 fail_timeout=5s;
    server 172.18.0.3:3000 max_fails=1 fail_timeout=5s;
    keepalive 64;
}

server {
    listen 127.0.0.1:8080;
    server_name *.cdn.shop.example shop.example www.shop.example;
    client_max_body_size 104857600;

    location ^~ /.well-known/acme-challenge/ {
        alias /srv/calma/edge/acme-challenge/;
        default_type text/plain;
    }

    location / {
        proxy_pass http://${upstreamName('shop', 'production', 'a')};
    }
}
`,
  );
  const reordered = { ...shop, domains: [...shop.domains].reverse(), upstreams: [...shop.upstreams].reverse() };
  assert.equal(renderEnvironmentConfig(reordered, settings), renderEnvironmentConfig(shop, settings));
});

test('an environment without upstreams answers 503 itself, with no upstream block', () => {
  const route: Route = { app: 'shop', env: 'preview-login', domains: ['login.preview.shop.example'], upstreams: [], maxBodyBytes: 1048576 };
  assert.equal(
    renderEnvironmentConfig(route, settings),
    `# calma route app=shop env=preview-login
# Managed by calma: rewritten when the environment's domains, port, replicas or certificate change, do not edit.

server {
    listen 127.0.0.1:8080;
    server_name login.preview.shop.example;
    client_max_body_size 1048576;

    location / {
        default_type text/html;
        add_header Retry-After 5 always;
        add_header X-Request-Id $calma_request_id always;
        add_header X-Calma-Upstream $calma_probe_upstream always;
        return 503 '${UNAVAILABLE_PAGE}';
    }
}
`,
  );
});

test('IPv6 addresses are bracketed; an environment without domains renders no server', () => {
  const v6: EdgeSettings = { ...settings, bindAddress: '::1' };
  const text = renderEnvironmentConfig({ ...shop, upstreams: [{ host: 'fd00::5', port: 80 }] }, v6);
  assert.match(text, /^    server \[fd00::5\]:80 max_fails=1 fail_timeout=5s;$/m);
  assert.match(text, /^    listen \[::1\]:8080;$/m);
  assert.match(renderMainConfig(v6), /^        listen \[::1\]:8443 ssl http2 default_server reuseport;$/m);
  assert.equal(
    renderEnvironmentConfig({ ...shop, domains: [] }, settings),
    "# calma route app=shop env=production\n# Managed by calma: rewritten when the environment's domains, port, replicas or certificate change, do not edit.\n\n",
  );
});

test('file and upstream names', () => {
  assert.equal(envFileName('shop', 'preview-login'), 'shop--preview-login.conf');
  assert.match(upstreamName('shop', 'preview-login', 'b'), /^u[0-9a-f]{8,23}_shop__preview-login__b$/);
  // the hash is the environment's: both slots share it, other environments differ from the second byte on (mostly)
  const hashOf = (name: string): string => name.slice(0, name.indexOf('_'));
  assert.equal(hashOf(upstreamName('shop', 'preview-login', 'a')), hashOf(upstreamName('shop', 'preview-login', 'b')));
  assert.notEqual(upstreamName('shop', 'production', 'a').slice(0, 9), upstreamName('shop', 'preview-login', 'a').slice(0, 9));
  // Apps named alike (same length) get names of many lengths: nginx compares two names byte by byte only when their lengths match.
  const lengths = new Set(Array.from({ length: 100 }, (_, i) => upstreamName(`app-${100 + i}`, 'production', 'a').length));
  assert.ok(lengths.size >= 12, `${lengths.size} lengths among 100 names`);
  assert.equal(liveMarkerName('shop', 'preview-login'), 'shop--preview-login.b');
});

test('two slots: both upstream blocks, and a per-request marker check picks the live one', () => {
  const a = [{ host: '10.210.128.1', port: 3000 }];
  const b = [{ host: '10.210.128.2', port: 3000 }];
  const liveA = renderEnvironmentConfig({ ...shop, upstreams: a, slot: 'a', standby: b }, settings);
  const liveB = renderEnvironmentConfig({ ...shop, upstreams: b, slot: 'b', standby: a }, settings);
  // The file does not say which slot is live: switching leaves it byte-identical (no reload).
  assert.equal(liveB, liveA);
  assert.match(liveA, /^upstream u[0-9a-f]{8,23}_shop__production__a \{\n    server 10\.210\.128\.1:3000 max_fails=1 fail_timeout=5s;\n    keepalive 64;\n\}$/m);
  assert.match(liveA, /^upstream u[0-9a-f]{8,23}_shop__production__b \{\n    server 10\.210\.128\.2:3000 max_fails=1 fail_timeout=5s;\n    keepalive 64;\n\}$/m);
  assert.ok(
    liveA.includes(`    client_max_body_size 104857600;

    location ^~ /.well-known/acme-challenge/ {
        alias /srv/calma/edge/acme-challenge/;
        default_type text/plain;
    }

    location / {
        if (-f /srv/calma/edge/live/shop--production.b) {
            proxy_pass http://${upstreamName('shop', 'production', 'b')};
        }
        proxy_pass http://${upstreamName('shop', 'production', 'a')};
    }
`),
    liveA,
  );
  // A changed replica set is a different file (that change reloads nginx).
  assert.notEqual(renderEnvironmentConfig({ ...shop, upstreams: [...a, { host: '10.210.128.3', port: 3000 }], slot: 'a', standby: b }, settings), liveA);
  // A live slot with nothing healthy answers 503, whatever the standby holds.
  assert.match(renderEnvironmentConfig({ ...shop, upstreams: [], slot: 'b', standby: a }, settings), /return 503/);
});

test('staged: 503 until slot b\'s marker or the serving marker exists, slot b checked first and alone when present', () => {
  const a = [{ host: '10.210.128.1', port: 3000 }];
  const b = [{ host: '10.210.128.2', port: 3000 }];
  const plain = renderEnvironmentConfig({ ...shop, upstreams: b, slot: 'b', standby: a }, settings);
  const staged = renderEnvironmentConfig({ ...shop, upstreams: b, slot: 'b', standby: a }, settings, { staged: true });
  const pick = `        if (-f /srv/calma/edge/live/shop--production.b) {
            proxy_pass http://${upstreamName('shop', 'production', 'b')};
        }
`;
  const stagedPick = `        default_type text/html;
        if (-f /srv/calma/edge/live/shop--production.b) {
            proxy_pass http://${upstreamName('shop', 'production', 'b')};
            break;
        }
        if (!-f /srv/calma/edge/live/shop--production.on) {
            add_header Retry-After 5 always;
            add_header X-Request-Id $calma_request_id always;
            add_header X-Calma-Upstream $calma_probe_upstream always;
            return 503 '${UNAVAILABLE_PAGE}';
        }
`;
  // Nothing else differs: with the serving marker present, the loaded staged file routes as the plain one written after it.
  assert.ok(plain.includes(pick));
  assert.equal(staged, plain.replace(pick, stagedPick));
  // Which slot is live is not in the text: the same file whichever it is.
  assert.equal(renderEnvironmentConfig({ ...shop, upstreams: a, slot: 'a', standby: b }, settings, { staged: true }), staged);
  assert.equal(servingMarkerName('shop', 'production'), 'shop--production.on');
  // One slot only: the check sits where the proxying is.
  const gate = stagedPick.slice(stagedPick.indexOf('        if (!-f'));
  assert.ok(renderEnvironmentConfig({ ...shop, upstreams: a, slot: 'a' }, settings, { staged: true }).includes(`    location / {\n        default_type text/html;\n${gate}        proxy_pass http://`));
  const tls = renderEnvironmentConfig({ ...shop, upstreams: a, slot: 'a', standby: b, tls: { certificate: '/c.pem', key: '/k.pem' } }, settings, { staged: true });
  assert.equal(tls.split('shop--production.on').length, 2, 'once, in the HTTPS server (HTTP only redirects)');
  assert.ok(tls.indexOf('shop--production.on') > tls.indexOf('ssl_certificate'));
  // A live slot with nothing healthy answers 503 anyway: nothing to stage.
  assert.equal(renderEnvironmentConfig({ ...shop, upstreams: [], slot: 'a' }, settings, { staged: true }), renderEnvironmentConfig({ ...shop, upstreams: [], slot: 'a' }, settings));
});

const refused: [string, Partial<Route>][] = [
  ['domain with a directive', { domains: ['a.com; return 200 x'] }],
  ['domain with a newline', { domains: ['evil.com\n'] }],
  ['domain with a brace', { domains: ['a.com}'] }],
  ['domain with a space', { domains: ['a.com b.com'] }],
  ['domain with a variable', { domains: ['$host'] }],
  ['regex domain', { domains: ['~^(.*)$'] }],
  ['empty domain', { domains: [''] }],
  ['app with a brace', { app: 'x{' }],
  ['app with a newline', { app: 'shop\ninclude /etc/passwd' }],
  ['env with a semicolon', { env: 'prod;' }],
  ['env in upper case', { env: 'Production' }],
  ['upstream host with a directive', { upstreams: [{ host: '1.2.3.4; include /etc/passwd', port: 80 }] }],
  ['upstream host name', { upstreams: [{ host: 'localhost', port: 80 }] }],
  ['upstream IPv6 zone', { upstreams: [{ host: 'fe80::1%eth0', port: 80 }] }],
  ['upstream port 0', { upstreams: [{ host: '10.0.0.1', port: 0 }] }],
  ['upstream port 65536', { upstreams: [{ host: '10.0.0.1', port: 65536 }] }],
  ['upstream port fraction', { upstreams: [{ host: '10.0.0.1', port: 80.5 }] }],
  ['standby host with a directive', { standby: [{ host: '10.0.0.1;}', port: 80 }] }],
  ['slot that is neither a nor b', { slot: 'c' as 'a' }],
  ['negative body size', { maxBodyBytes: -1 }],
  ['body size with a unit', { maxBodyBytes: '10m' as unknown as number }],
  ['release with a newline', { release: 'v1\nreturn 200' }],
];

for (const [what, change] of refused) {
  test(`validateRoute refuses: ${what}`, () => {
    const route = { ...shop, ...change };
    assert.throws(() => validateRoute(route), UserError);
    assert.throws(() => renderEnvironmentConfig(route, settings), UserError, 'the renderer checks too');
  });
}

test('validateRoute accepts a plain route, wildcards included', () => {
  validateRoute(shop);
  validateRoute({ app: 'a', env: 'preview-feature-x', domains: [], upstreams: [{ host: '::1', port: 65535 }], maxBodyBytes: 0 });
});

test('a newline in a domain is shown escaped in the message', () => {
  assert.throws(() => validateRoute({ ...shop, domains: ['evil.com\n'] }), /"evil\.com\\n" is not a valid host name/);
});

test('settings are checked before they reach the config', () => {
  for (const bad of [
    { prefix: 'relative/edge' },
    { prefix: '/srv/edge; user root' },
    { prefix: '/srv/my edge' },
    { prefix: '/srv/../etc' },
    { httpPort: 0 },
    { httpsPort: 70000 },
    { httpsPort: 8080 },
    { bindAddress: 'localhost' },
    { accessLog: 'some' as 'all' },
    { bindAddress: '0.0.0.0:80' },
  ]) {
    assert.throws(() => validateSettings({ ...settings, ...bad }), UserError, JSON.stringify(bad));
    assert.throws(() => renderMainConfig({ ...settings, ...bad }), UserError);
  }
});

test('with a certificate: HTTP redirects (301 GET/HEAD, 308 else) except the challenge path; HTTPS serves, HSTS only there', () => {
  const tls = { certificate: '/srv/calma/certs/shop/production/cert.pem', key: '/srv/calma/certs/shop/production/key.pem' };
  const text = renderEnvironmentConfig({ ...shop, tls, hsts: true }, settings);
  const [http, https] = text.split(/\n(?=server \{)/).slice(-2) as [string, string];
  assert.match(http, /location \^~ \/\.well-known\/acme-challenge\/ \{\n        alias \/srv\/calma\/edge\/acme-challenge\/;/);
  assert.ok(http.includes('        if ($request_method !~ ^(GET|HEAD)$) {\n            return 308 https://$host:8443$request_uri;\n        }\n        return 301 https://$host:8443$request_uri;\n'));
  assert.doesNotMatch(http, /proxy_pass|Strict-Transport-Security/);
  assert.match(https, /^    listen 127\.0\.0\.1:8443 ssl http2;$/m);
  assert.match(https, /^    ssl_certificate \/srv\/calma\/certs\/shop\/production\/cert\.pem;$/m);
  assert.match(https, /^    ssl_certificate_key \/srv\/calma\/certs\/shop\/production\/key\.pem;$/m);
  assert.match(https, /proxy_pass http:\/\/u[0-9a-f]{8,23}_shop__production__a;/);
  assert.match(https, /add_header Strict-Transport-Security "max-age=31536000" always;/);
  assert.doesNotMatch(renderEnvironmentConfig({ ...shop, tls }, settings), /Strict-Transport-Security/, 'hsts: false');
  assert.match(renderEnvironmentConfig({ ...shop, tls }, { ...settings, httpsPort: 443 }), /return 301 https:\/\/\$host\$request_uri;/, 'no port on 443');
  assert.throws(() => renderEnvironmentConfig({ ...shop, tls: { ...tls, key: '/x/key.pem;\n  include /etc' } }, settings), UserError);
  // Without a certificate the site is served over HTTP, challenge path included.
  assert.doesNotMatch(renderEnvironmentConfig(shop, settings), /return 30[18]|listen 127\.0\.0\.1:8443/);
});

test('the challenge path only where a certificate is wanted; answer headers inherited unless HSTS adds its own', () => {
  const challenge = 'location ^~ /.well-known/acme-challenge/';
  assert.ok(!renderEnvironmentConfig({ ...shop, https: false }, settings).includes(challenge), 'https: false');
  assert.ok(!renderEnvironmentConfig({ ...shop, https: undefined }, settings).includes(challenge), 'https unset');
  assert.ok(renderEnvironmentConfig(shop, settings).includes(challenge), 'https: true, no certificate yet');
  const tls = { certificate: '/c.pem', key: '/k.pem' };
  assert.ok(renderEnvironmentConfig({ ...shop, https: undefined, tls }, settings).includes(challenge), 'a certificate to renew');

  // nginx.conf adds them once for every location without an add_header of its own.
  const main = renderMainConfig(settings);
  assert.ok(main.includes('    add_header X-Request-Id $calma_request_id always;\n    add_header X-Calma-Upstream $calma_probe_upstream always;\n    include '));
  assert.doesNotMatch(renderEnvironmentConfig(shop, settings), /X-Request-Id|X-Calma-Upstream/);
  assert.doesNotMatch(renderEnvironmentConfig({ ...shop, tls }, settings), /X-Request-Id|X-Calma-Upstream/, 'HTTPS without HSTS');
  const [, https] = renderEnvironmentConfig({ ...shop, tls, hsts: true }, settings).split(/\n(?=server \{)/).slice(-2) as [string, string];
  assert.ok(
    https.includes(
      '        add_header X-Request-Id $calma_request_id always;\n        add_header X-Calma-Upstream $calma_probe_upstream always;\n        add_header Strict-Transport-Security "max-age=31536000" always;\n    }\n',
    ),
    https,
  );
  // Nothing healthy behind an HSTS site: its 503 still says HSTS, and still carries the request id.
  const down = renderEnvironmentConfig({ ...shop, upstreams: [], tls, hsts: true }, settings);
  assert.equal(down.split('Strict-Transport-Security').length, 2, down);
  assert.ok(down.indexOf('Strict-Transport-Security') > down.indexOf('ssl_certificate'));
  assert.ok(down.slice(down.indexOf('ssl_certificate')).includes('        add_header X-Request-Id $calma_request_id always;\n'), down);
});
