// The HTTP face of edgekms: a Hono app with web-standard Request/Response at its edges, so the same app
// serves Node, Deno and Workers. Every API request is size-bounded, signature-checked and routed to an
// operation of the portable core; every answer carries X-Request-Id.
import { Hono, type Context } from 'hono';
import { FieldReader } from '../api/fields.ts';
import { fromUtf8 } from '../crypto/bytes.ts';
import { identityApi } from '../iam/admin-routes.ts';
import type { CredentialSource, Credential } from '../iam/credentials.ts';
import { DirectoryError, type Directory } from '../iam/directory.ts';
import { WorkloadAuthError } from '../iam/roles.ts';
import { operationClass, type OperationClass, type RateLimiter } from '../iam/rate-limit.ts';
import type { AuditEntry, AuditLog } from '../audit/log.ts';
import { needsRequestRecord } from '../audit/read-only.ts';
import { AuthError, mayAccessProject, verifyRequest } from '../iam/verify.ts';
import { Code, KmsError } from '../kms/errors.ts';
import type { Kms } from '../kms/kms.ts';
import { KMS_FIELDS, type Reply } from '../kms/operation.ts';
import { KMS_ROUTES, type Route } from '../kms/routes.ts';
import { apiVersions } from '../kms/service/deployment.ts';
import { StoreError, storeFailureMessage } from '../store/store.ts';
import { CsmsError } from '../secrets/errors.ts';
import { CSMS_FIELDS } from '../secrets/operation.ts';
import { CSMS_ROUTES, type CsmsRoute, type ErrorForm } from '../secrets/routes.ts';
import { Secrets } from '../secrets/secrets.ts';
import { BodyTooLarge, readBody, type BodyReader, type HeaderReader, type RequestHeaders } from './body.ts';
import { consoleApp, type ConsoleAssets } from './console.ts';
import { corsFor } from './cors.ts';
import { HttpError, csmsErrorBody, gatewayErrorBody, kmsErrorBody, kmsHttpError } from './errors.ts';
import { THROTTLED } from '../kms/work-limit.ts';

export interface AccessLogEntry {
  time: string;
  request_id: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  access_key?: string;
  operation?: string;
  error_code?: string;
}

export interface AppOptions {
  kms: Kms;
  /** The secrets service (CSMS); one over `kms` when absent. */
  secrets?: Secrets;
  credentials: CredentialSource;
  /** Largest accepted request body; KMS.0203 beyond it. */
  bodyLimit?: number;
  /** Runtime-specific body reading (defaults to the web stream of the Request). */
  bodyReader?: BodyReader;
  /** Runtime-specific header reading for the signed path (defaults to the Request's Headers). */
  headerReader?: HeaderReader;
  /** One structured line per request; never includes bodies. */
  log?: (entry: AccessLogEntry) => void;
  /** Extra fields for /healthz (counts a runtime keeps, such as maintenance failures). */
  health?: () => Record<string, unknown>;
  /** Logs unexpected errors (stack traces), never request contents. */
  onInternalError?: (error: unknown, requestId: string) => void;
  /** Every API request is appended here before its answer leaves; a failed append fails the request. */
  audit?: AuditLog;
  /** Per-credential token buckets by operation class, and per-source ones for unauthenticated failures; unlimited when absent. */
  rateLimiter?: RateLimiter;
  /** The client's address as the runtime knows it (the socket's peer on Node); one global source when absent. */
  clientAddress?: (c: Context) => string | undefined;
  /** Users, access keys and policies in the store: served under /edgekms/v1 when present. */
  directory?: Directory;
  /** Browser origins allowed to call (EDGEKMS_CORS_ORIGINS); none when empty. */
  corsOrigins?: readonly string[];
  /** The web console's files, served at /console when present. */
  consoleAssets?: ConsoleAssets;
}

type Env = {
  Variables: {
    requestId: string;
    body: Uint8Array;
    credential: Credential;
    operation: string;
    errorCode: string;
    /** Set on CSMS routes: how their errors are spelled. */
    errorForm: ErrorForm;
    /** The request URL, parsed once by the signature check. */
    url: URL;
    /** The request headers, as the signature check read them. */
    headers: RequestHeaders;
    /** The key, alias or secret the request names, for the audit log. */
    resource: string;
    /** Refused by the unauthenticated limit: answered without an audit record (limitUnauthenticated). */
    unaudited: boolean;
    /** Writes the request's audit record before its operation runs (set where an audit log is kept). */
    auditRequest: () => Promise<void>;
    /** The request record could not be written, so the operation did not run. */
    auditRefused: boolean;
    /** The operation changes nothing, so it has no request record (its outcome record is its only one). */
    auditReadOnly: boolean;
  };
};

export const DEFAULT_BODY_LIMIT = 64 * 1024;
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createApp(options: AppOptions): Hono<Env> {
  const { kms, credentials } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const bodyReader: BodyReader = options.bodyReader ?? ((request, _env, limit) => readBody(request, limit));
  const headerReader: HeaderReader = options.headerReader ?? ((request) => request.headers);
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    // Not a secret: randomUUID (32 hex digits once its dashes are gone) comes from a cached batch of CSPRNG
    // output on Node, a syscall fewer per request than randomBytes.
    const requestId = crypto.randomUUID().replaceAll('-', '');
    c.set('requestId', requestId);
    // Set before the response exists: adding a header to a finished Response makes the Node adapter
    // rebuild it, which costs more than the KMS operation.
    c.header('X-Request-Id', requestId);
    await next();
    options.log?.({
      time: new Date().toISOString(),
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      access_key: c.get('credential')?.accessKey,
      operation: c.get('operation'),
      error_code: c.get('errorCode'),
    });
  });

  if (options.audit) app.use('*', auditEach(options.audit, () => new Date(kms.clock.now()).toISOString()));
  // Inside the audit middleware, so a refusal here goes out without a record.
  if (options.rateLimiter) app.use('*', limitUnauthenticated(options.rateLimiter, options.clientAddress, () => kms.clock.now()));

  if (options.corsOrigins?.length) app.use('*', corsFor(options.corsOrigins));

  app.onError((err, c) => renderError(c, err, options));

  app.get('/healthz', (c) => c.json({ status: 'ok', crypto: kms.crypto.name, ...options.health?.() }));

  const authenticate = async (c: Context<Env>, next: () => Promise<void>) => {
    let body: Uint8Array;
    try {
      body = await bodyReader(c.req.raw, c.env, bodyLimit);
    } catch (e) {
      if (e instanceof BodyTooLarge) throw kmsHttpError(new KmsError(Code.BodyTooLong, `The request body is longer than ${bodyLimit} bytes.`));
      throw e;
    }
    c.set('body', body);
    const url = new URL(c.req.url);
    c.set('url', url);
    if (url.search) refuseRepeatedParameters(url.searchParams);
    const headers = headerReader(c.req.raw, c.env);
    c.set('headers', headers);
    const credential = await verifyRequest({ method: c.req.method, url, rawPath: url.pathname, headers, body }, credentials, kms.clock.now(), kms.crypto.hashes);
    c.set('credential', credential);
    await next();
  };
  // The version documents (ShowVersions, ShowVersion): public, like the API gateway's, and not signed (registered before
  // the signature check, which would otherwise also match /v1.0 and /v2).
  const origin = (c: Context<Env>) => new URL(c.req.url).origin;
  app.get('/', (c) => c.json({ versions: apiVersions(origin(c)) }));
  for (const id of ['v1.0', 'v2']) app.get(`/${id}`, (c) => c.json({ version: apiVersions(origin(c)).find((v) => v.id === id) }));
  if (options.consoleAssets) app.route('/', consoleApp(options.consoleAssets));
  app.use('/v1.0/*', authenticate);
  app.use('/v1/*', authenticate);
  app.use('/v2/*', authenticate);
  if (options.directory) {
    // Temporary credentials for workloads, which prove who they are with their role's workload token
    // (src/iam/roles.ts) instead of a signature: registered before the signature check.
    const roles = options.directory.roles;
    const limiter = options.rateLimiter;
    const issue = async (c: Context<Env>, o: { duration?: unknown; policy?: unknown }) => {
      const role = await roles.authenticate(c.req.header('x-workload-token'));
      c.set('resource', role.name);
      // Each issue writes a session record: a role's workloads share one control-plane bucket for it.
      throttleKey(c, limiter, `role:${role.name}`, 'control', kms.clock.now());
      await c.get('auditRequest')?.();
      return { credential: await roles.issue(role, o) };
    };
    app.get('/openstack/latest/securitykey', async (c) => {
      c.set('operation', 'identity:securitykey');
      return c.json(await issue(c, {}));
    });
    app.post('/edgekms/v1/security-tokens', async (c) => {
      c.set('operation', 'identity:security-tokens');
      let body: Record<string, unknown> = {};
      const bytes = await bodyReader(c.req.raw, c.env, bodyLimit).catch(() => {
        throw new DirectoryError(400, 'EDGEKMS.0400', `The request body must be JSON of at most ${bodyLimit} bytes.`);
      });
      if (bytes.length) {
        try {
          body = JSON.parse(fromUtf8(bytes)) as Record<string, unknown>;
        } catch {
          throw new DirectoryError(400, 'EDGEKMS.0400', 'The request body is not valid JSON.');
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DirectoryError(400, 'EDGEKMS.0400', 'The request body must be a JSON object.');
      }
      return c.json(await issue(c, { duration: body.duration_seconds, policy: body.policy }), 201);
    });
    app.use('/edgekms/*', authenticate, async (c, next) => {
      c.set('operation', `identity:${c.req.method} ${c.req.routePath}`);
      if (c.get('credential').role !== 'admin') throw kmsHttpError(new KmsError(Code.NoApiPermission, 'Only the administrator may manage users, access keys and policies.', 403));
      await c.get('auditRequest')?.();
      await next();
    });
    app.route('/edgekms/v1', identityApi(options.directory, options.audit));
  }

  for (const route of KMS_ROUTES) {
    app.on(route.method, `/${route.version ?? 'v1.0'}/:project_id${route.path}`, (c) => handleKms(c, route, kms, options.rateLimiter));
  }


  const secrets = options.secrets ?? new Secrets(kms);
  for (const route of CSMS_ROUTES) {
    app.on(route.method, `/v1/:project_id${route.path}`, (c) => handleCsms(c, route, secrets, options.rateLimiter));
  }

  // Under the KMS prefix an unknown path is KMS.0201 with 400, as Huawei's KMS error table lists it;
  // elsewhere it is the API gateway's 404 APIGW.0101.
  app.notFound((c) => {
    if (c.req.path.startsWith('/v1.0/')) return c.json(kmsErrorBody(Code.InvalidUrl, `No API at ${c.req.method} ${c.req.path}.`), 400);
    return c.json(gatewayErrorBody('APIGW.0101', 'The API does not exist or has not been published in the environment.', c.get('requestId')), 404);
  });

  return app;
}

async function handleKms(c: Context<Env>, route: Route, kms: Kms, limiter?: RateLimiter): Promise<Response> {
  c.set('operation', route.name);
  // Decoded once: each c.req.param call decodes the route's parameters again.
  const params = c.req.param() as Record<string, string>;
  const project = params.project_id ?? '';
  if (!PROJECT_ID.test(project)) throw kmsHttpError(new KmsError(Code.InvalidUrl, 'Invalid project_id in the request URL.'));
  const credential = c.get('credential');
  checkProject(c, credential, project);
  throttle(c, limiter, route.name, kms.clock.now());
  const body = parseJsonBody(c.get('body'));
  const reader = FieldReader.of(body, KMS_FIELDS);
  nameResource(c, params.key_id ?? (body as Record<string, unknown>).key_id);
  reader.string('sequence', { max: 36, pattern: /^[0-9a-zA-Z-]{1,36}$/ });
  await c.get('auditRequest')?.();
  const reply = await route.op(kms, { project, principal: credential.principal, role: credential.role, requestId: c.get('requestId'), policies: credential.policies, narrowing: credential.narrowing }, {
    body: reader,
    query: c.get('url').searchParams,
    params,
  });
  return render(c, reply);
}

async function handleCsms(c: Context<Env>, route: CsmsRoute, secrets: Secrets, limiter?: RateLimiter): Promise<Response> {
  c.set('operation', route.name);
  c.set('errorForm', route.errors);
  const project = c.req.param('project_id') ?? '';
  if (!PROJECT_ID.test(project)) throw new CsmsError('CSMS.0003', 'Invalid project_id in the request URL.');
  const credential = c.get('credential');
  checkProject(c, credential, project);
  throttle(c, limiter, route.name, secrets.kms.clock.now());
  let body: unknown;
  try {
    body = parseJsonBody(c.get('body'));
  } catch {
    throw new CsmsError('CSMS.0004', 'The request body is not a JSON object.');
  }
  nameResource(c, c.req.param('secret_name') ?? c.req.param('secret_id') ?? (route.name === 'CreateSecret' ? (body as Record<string, unknown>).name : undefined));
  await c.get('auditRequest')?.();
  const reply = await route.op(secrets, { project, principal: credential.principal, role: credential.role, requestId: c.get('requestId'), policies: credential.policies, narrowing: credential.narrowing }, {
    body: FieldReader.of(body, CSMS_FIELDS),
    query: c.get('url').searchParams,
    params: c.req.param() as Record<string, string>,
  });
  return render(c, reply);
}

/**
 * The signer sorts repeated query parameters while operations read the first one, so reordering them
 * would change a signed request's meaning without breaking its signature: a repeated name is refused.
 */
function refuseRepeatedParameters(query: URLSearchParams): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (seen.has(name)) throw kmsHttpError(new KmsError(Code.InvalidParameter, `The query parameter ${JSON.stringify(name.slice(0, 64))} is repeated.`));
    seen.add(name);
  }
}

/** Records what the request names (never a value): a key id or alias, a secret name, bounded. */
function nameResource(c: Context<Env>, name: unknown): void {
  if (typeof name === 'string' && name !== '') c.set('resource', name.slice(0, 128));
}

const AUDITED = /^\/(v1|v1\.0|v2|edgekms|openstack)\//;

/**
 * Audit records of every API request. The request record is written once the request is authenticated and
 * checked, before its operation runs (routes call `auditRequest`): when it cannot be written the operation
 * does not run, and the caller gets a 500 saying nothing changed. An operation that changes nothing
 * (src/audit/read-only.ts) gets no request record. The outcome record is written once the answer is known
 * and before it leaves: when it cannot be written the caller gets a 500 instead of the answer (the request
 * record, if the operation could change anything, already names it). So no change happens without its record.
 */
function auditEach(audit: AuditLog, now: () => string) {
  const entry = (c: Context<Env>): AuditEntry => {
    const credential = c.get('credential');
    return {
      time: now(),
      request_id: c.get('requestId'),
      principal: credential?.principal,
      access_key: credential?.accessKey ?? claimedAccessKey(c.req.header('authorization')),
      project: c.req.param('project_id') ?? (/^\/v[0-9.]+\/([^/]{1,64})\//.exec(c.req.path)?.[1]),
      operation: c.get('operation'),
      resource: c.get('resource'),
      method: c.req.method,
      status: 0,
      result: 'pending',
    };
  };
  return async (c: Context<Env>, next: () => Promise<void>) => {
    if (c.req.method === 'OPTIONS' || !AUDITED.test(c.req.path)) return next();
    c.set('auditRequest', async () => {
      // Read-only: its outcome record, durable before the answer leaves, is its only record.
      if (!needsRequestRecord(c.get('operation'), c.get('resource'))) return void c.set('auditReadOnly', true);
      try {
        await audit.append({ ...entry(c), phase: 'request' });
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        c.set('auditRefused', true);
        throw refusedUnaudited(e);
      }
    });
    await next();
    // Refused by the unauthenticated limit: never reached an operation (nor its request record).
    if (c.get('unaudited')) return;
    const status = c.res.status;
    try {
      await audit.append({ ...entry(c), status, error_code: c.get('errorCode'), result: status < 400 ? 'success' : 'failure' });
    } catch (e) {
      // Rendered by onError as a 500 (and logged); the operation's own answer is dropped.
      if (!(e instanceof StoreError)) throw e;
      if (c.get('auditRefused') || c.get('auditReadOnly')) throw refusedUnaudited(e);
      throw Object.assign(new StoreError('The audit record of this request could not be written; the request may have taken effect. Check before retrying.', true, true), { cause: e });
    }
  };
}

/**
 * Bounds what callers without a credential cost. Every API request is audited, a durable write, so an
 * anonymous flood would fill the log: an answer >= 400 to a request that carries no verified credential
 * (unsigned, bad signature, unknown or disabled key, bad workload token, refused before its signature was
 * checked) takes a token from its source's bucket and from all sources' (src/iam/rate-limit.ts); with
 * none left it becomes 429 APIGW.0308 with Retry-After and goes out without an audit record (counted on
 * /healthz). The limit is
 * charged after authentication, never before it, so a correctly signed request is never refused by it:
 * behind a proxy every caller has one address, and an anonymous flood must not lock the others out.
 */
function limitUnauthenticated(limiter: RateLimiter, clientAddress: ((c: Context) => string | undefined) | undefined, now: () => number) {
  return async (c: Context<Env>, next: () => Promise<void>) => {
    await next();
    if (c.get('credential') || c.res.status < 400 || c.req.method === 'OPTIONS' || !AUDITED.test(c.req.path)) return;
    const wait = limiter.takeUnauthenticated(clientAddress?.(c), now());
    if (wait === 0) return;
    c.set('unaudited', true);
    c.set('errorCode', THROTTLED);
    const body = gatewayErrorBody(THROTTLED, `The throttling threshold has been reached: policy ip over ratelimit,limit:${limiter.limit('unauthenticated').rps},time:1 second`, c.get('requestId'));
    c.res = new Response(JSON.stringify(body), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': String(wait) } });
  };
}

/** The cause goes to the server's log (onInternalError), never to the caller. */
const refusedUnaudited = (cause: unknown) =>
  Object.assign(new StoreError('The audit record of this request could not be written, so it was not carried out; nothing changed. Try again.', false, true), { cause });

/** The access key an unauthenticated request claimed (for the audit record of a 401), bounded. */
function claimedAccessKey(authorization: string | undefined): string | undefined {
  const m = authorization ? /Access=([A-Za-z0-9]{1,128})/.exec(authorization) : null;
  return m ? `unverified:${m[1]}` : undefined;
}

/** A credential past its rate for the operation's class: 429 APIGW.0308 with Retry-After, as Huawei's gateway answers. */
function throttle(c: Context<Env>, limiter: RateLimiter | undefined, operation: string, now: number): void {
  throttleKey(c, limiter, c.get('credential').accessKey, operationClass(operation), now);
}

function throttleKey(c: Context<Env>, limiter: RateLimiter | undefined, id: string, cls: OperationClass, now: number): void {
  if (!limiter) return;
  const wait = limiter.take(id, cls, now);
  if (wait === 0) return;
  c.header('Retry-After', String(wait));
  const { rps } = limiter.limit(cls);
  throw new HttpError(429, gatewayErrorBody(THROTTLED, `The throttling threshold has been reached: policy user over ratelimit,limit:${rps},time:1 second`, c.get('requestId')));
}

function checkProject(c: Context<Env>, credential: Credential, project: string): void {
  const headerProject = c.get('headers').get('x-project-id') ?? undefined;
  if ((headerProject !== undefined && headerProject !== project) || !mayAccessProject(credential, project)) {
    throw kmsHttpError(new KmsError(Code.NoApiPermission, `The access key may not act in project ${project}.`, 403));
  }
}

function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch {
    throw kmsHttpError(new KmsError(Code.InvalidJson, 'The request body is not valid JSON.'));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw kmsHttpError(new KmsError(Code.InvalidJson, 'The request body must be a JSON object.'));
  }
  return parsed;
}

function render(c: Context<Env>, reply: Reply): Response {
  if (reply.body === undefined) return c.body(null, reply.status as 200);
  // The same answer c.json gives (its content type, the request id set at the start), with the headers as a
  // plain record: c.json builds a Headers object that the Node adapter then takes apart again to write.
  return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json', 'x-request-id': c.get('requestId') } });
}

function renderError(c: Context<Env>, err: unknown, options: AppOptions): Response {
  const requestId = c.get('requestId') ?? '';
  let status: number;
  let body: unknown;
  const form = c.get('errorForm');
  if (form && (err instanceof CsmsError || err instanceof KmsError || (err instanceof HttpError && err.status === 403))) {
    // CSMS routes: their own codes, and the KMS's for the secret's CMK and for permissions, in the route's form.
    const e = err instanceof HttpError ? (err.body as { error_code: string; error_msg: string }) : { error_code: err.code, error_msg: err.message };
    status = err.status;
    body = csmsErrorBody(form, e.error_code, e.error_msg);
  } else if (err instanceof DirectoryError) {
    status = err.status;
    body = { error_code: err.code, error_msg: err.message };
  } else if (err instanceof HttpError) {
    ({ status, body } = err);
  } else if (err instanceof KmsError) {
    ({ status, body } = kmsHttpError(err));
  } else if (err instanceof AuthError || err instanceof WorkloadAuthError) {
    status = 401;
    body = gatewayErrorBody('APIGW.0301', err.message, requestId);
  } else if (err instanceof StoreError) {
    options.onInternalError?.(err, requestId);
    status = 500;
    body = kmsErrorBody(Code.StoreIo, storeFailureMessage(err));
  } else {
    options.onInternalError?.(err, requestId);
    status = 500;
    body = kmsErrorBody(Code.Internal, 'Internal error.');
  }
  const code = (body as { error_code?: string }).error_code;
  if (code) c.set('errorCode', code);
  return c.json(body, status as 500);
}
