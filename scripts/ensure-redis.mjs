// Run before `npm test`: the store tests start their own redis-server processes on free loopback ports, so the
// binary must be installed. Installs it from Debian's packages when we are root; otherwise stops with one message.
import { execFileSync, spawnSync } from 'node:child_process';

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (!has('redis-server')) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !has('apt-get')) {
    console.error('redis-server is missing: install it (Debian: apt-get install -y redis-server) and run npm test again.');
    process.exit(1);
  }
  console.error('redis-server is missing: installing it with apt-get (Debian package redis-server)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env });
  if (!has('redis-server')) {
    console.error('redis-server is still missing after apt-get install: the store tests cannot run.');
    process.exit(1);
  }
}
