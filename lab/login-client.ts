import { connect } from 'node:net';

/**
 * Talks to the device's Telnet-style prompt from one local address: answers `login:` and `Password:` with
 * the given pairs in turn, on one connection (the device allows three tries a connection). Used by the
 * benign admin (one right pair) and by the credential-guessing attack (a list of default passwords).
 */
export function tryLogins(
  local: string,
  device: string,
  port: number,
  pairs: ReadonlyArray<readonly [string, string]>,
  timeoutMs = 3000,
): Promise<{ attempts: number; success: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: device, port, localAddress: local });
    let buffered = '';
    let attempts = 0;
    let next = 0;
    let success = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ attempts, success });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.includes('# ')) {
        success = true;
        socket.end();
      } else if (buffered.endsWith('login: ')) {
        buffered = '';
        const pair = pairs[next];
        if (!pair) return void socket.end();
        socket.write(`${pair[0]}\r\n`);
      } else if (buffered.endsWith('Password: ')) {
        buffered = '';
        const pair = pairs[next++];
        if (!pair) return void socket.end();
        attempts++;
        socket.write(`${pair[1]}\r\n`);
      }
    });
  });
}
