/** Configuration from the environment. The variable names are a public contract (see README). */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databaseUrl: string;
  readonly smtpUrl: string | null;
  readonly adminKey: string | null;
  readonly demo: boolean;
  readonly logLevel: string;
  /** PAYBRIDGE_ALLOW_PRIVATE_URLS=1: outbound calls may reach loopback and private addresses (development, tests). */
  readonly allowPrivateUrls: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env['PORT'] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env['PORT']}"`);
  const host = env['HOST'] || '127.0.0.1';
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    host,
    publicUrl: (env['PUBLIC_URL'] || `http://${shownHost}:${port}`).replace(/\/+$/, ''),
    databaseUrl: env['DATABASE_URL'] || 'sqlite:./data/paybridge.db',
    smtpUrl: env['SMTP_URL'] || null,
    adminKey: env['PAYBRIDGE_ADMIN_KEY'] || null,
    demo: env['PAYBRIDGE_DEMO'] !== '0',
    logLevel: env['LOG_LEVEL'] || 'info',
    allowPrivateUrls: env['PAYBRIDGE_ALLOW_PRIVATE_URLS'] === '1',
  };
}
