/**
 * `npm start`: the sessionkit demo. Settings come from the environment (see docs/demo.md):
 * PORT, HOST, SESSION_STORE, SESSION_KEYS, NODE_ENV, DATA_DIR, TRUST_PROXY, METRICS_TOKEN.
 */
import { ConfigError, type DemoConfig, loadConfig } from './config.js';
import { createDemo } from './app.js';
import { DEMO_ACCOUNTS } from './users.js';

async function main(): Promise<void> {
  let config: DemoConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`demo: cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const audit =
    process.env.DEMO_AUDIT === '1' ? (event: object) => console.log('audit', JSON.stringify(event)) : undefined;
  const demo = await createDemo(config, { audit });
  const url = await demo.listen();
  console.log(`sessionkit demo listening on ${url}`);
  console.log(`  sessions: ${demo.store.description}`);
  console.log(`  metrics:  ${url}/metrics${config.metricsToken ? ' (bearer token required)' : ''}`);
  if (config.printAccounts) {
    console.log('  demo accounts:');
    for (const account of DEMO_ACCOUNTS) {
      console.log(
        `    ${account.username.padEnd(6)} / ${account.password.padEnd(16)} roles: ${account.roles.join(', ')}`,
      );
    }
  }
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('demo: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
