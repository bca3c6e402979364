import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  createServer as createTcpServer,
  type Server as TcpServer,
  type Socket as TcpSocket,
} from 'node:net';
import { decodeQuery, encodeResponse } from './dns-codec.js';

/**
 * The emulated IoT device at one address: an HTTP API (a camera's or hub's status and config endpoints), a
 * Telnet-style login prompt (what Mirai-like bots guess credentials against), a DNS-like name service for
 * the `.iot.lab` zone and an NTP-like time service. The MQTT broker is mosquitto, started beside it.
 */

export const DEVICE_PORTS = { http: 80, login: 23, dns: 53, ntp: 123, mqtt: 1883 } as const;

/** What the device answered, for the lab summary. */
export interface DeviceCounters {
  httpRequests: number;
  loginSessions: number;
  loginFailures: number;
  loginSuccesses: number;
  dnsAnswers: number;
  dnsIgnored: number;
  ntpAnswers: number;
  ntpIgnored: number;
}

export interface RunningDevice {
  readonly counters: DeviceCounters;
  close(): Promise<void>;
}

export async function startDevice(
  address: string,
  credentials: { user: string; password: string },
): Promise<RunningDevice> {
  const counters: DeviceCounters = {
    httpRequests: 0,
    loginSessions: 0,
    loginFailures: 0,
    loginSuccesses: 0,
    dnsAnswers: 0,
    dnsIgnored: 0,
    ntpAnswers: 0,
    ntpIgnored: 0,
  };
  const sockets = new Set<TcpSocket>();
  const http = httpApi(counters);
  const login = loginService(counters, credentials, sockets);
  http.on('connection', (s: TcpSocket) => track(sockets, s));
  const dns = createSocket('udp4');
  dns.on('message', (msg, rinfo) => {
    const q = decodeQuery(msg);
    if (!q) {
      counters.dnsIgnored++;
      return;
    }
    counters.dnsAnswers++;
    const known = q.name.endsWith('.iot.lab');
    dns.send(encodeResponse(msg, q.questionEnd, known ? address : null), rinfo.port, rinfo.address);
  });
  const ntp = createSocket('udp4');
  ntp.on('message', (msg, rinfo) => {
    // A client request is 48 bytes with mode 3; anything else (a scan probe, flood filler) is ignored.
    if (msg.length !== 48 || (msg[0] & 0x07) !== 3) {
      counters.ntpIgnored++;
      return;
    }
    counters.ntpAnswers++;
    ntp.send(ntpReply(msg), rinfo.port, rinfo.address);
  });
  await Promise.all([
    listenTcp(http, address, DEVICE_PORTS.http),
    listenTcp(login, address, DEVICE_PORTS.login),
    bindUdp(dns, address, DEVICE_PORTS.dns),
    bindUdp(ntp, address, DEVICE_PORTS.ntp),
  ]);
  return {
    counters,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((r) => http.close(() => r())),
        new Promise<void>((r) => login.close(() => r())),
        new Promise<void>((r) => dns.close(() => r())),
        new Promise<void>((r) => ntp.close(() => r())),
      ]);
    },
  };
}

function httpApi(counters: DeviceCounters): HttpServer {
  let configVersion = 1;
  return createHttpServer((req, res) => {
    counters.httpRequests++;
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/api/status') {
      send(200, { device: 'cam-01', firmware: '2.4.1', uptime: Math.round(process.uptime()), ok: true });
    } else if (req.method === 'GET' && req.url === '/api/telemetry') {
      send(200, { frames: 25, bitrateKbps: 1800, motion: false, configVersion });
    } else if (req.method === 'POST' && req.url === '/api/config') {
      req.resume();
      req.on('end', () => send(200, { configVersion: ++configVersion }));
    } else {
      send(404, { error: 'not found' });
    }
  });
}

/** A Telnet-style prompt: `login:`, `Password:`, three tries a connection, like busybox's telnetd. */
function loginService(
  counters: DeviceCounters,
  credentials: { user: string; password: string },
  sockets: Set<TcpSocket>,
): TcpServer {
  return createTcpServer((socket) => {
    track(sockets, socket);
    counters.loginSessions++;
    socket.setEncoding('latin1');
    let buffered = '';
    let user: string | null = null;
    let tries = 0;
    socket.on('error', () => socket.destroy());
    socket.write('\r\ncam-01 login: ');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 1024) return socket.destroy(); // no line, no session
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        if (user === null) {
          user = line;
          socket.write('Password: ');
        } else if (user === credentials.user && line === credentials.password) {
          counters.loginSuccesses++;
          socket.end('\r\nBusyBox v1.36 built-in shell (ash)\r\n# exit\r\n');
          return;
        } else {
          counters.loginFailures++;
          user = null;
          if (++tries >= 3) {
            socket.end('\r\nLogin incorrect\r\n');
            return;
          }
          socket.write('\r\nLogin incorrect\r\ncam-01 login: ');
        }
      }
    });
  });
}

function ntpReply(request: Buffer): Buffer {
  const reply = Buffer.alloc(48);
  reply[0] = (0 << 6) | (4 << 3) | 4; // no leap warning, version 4, mode 4 (server)
  reply[1] = 2; // stratum
  reply[2] = request[2] ?? 6;
  reply[3] = 0xec; // precision
  request.copy(reply, 24, 40, 48); // originate timestamp = the client's transmit timestamp
  const now = ntpTimestamp(Date.now());
  now.copy(reply, 16); // reference
  now.copy(reply, 32); // receive
  now.copy(reply, 40); // transmit
  return reply;
}

/** 64-bit NTP timestamp (seconds since 1900 and a binary fraction). */
export function ntpTimestamp(epochMs: number): Buffer {
  const out = Buffer.alloc(8);
  const seconds = Math.floor(epochMs / 1000) + 2_208_988_800;
  out.writeUInt32BE(seconds >>> 0, 0);
  out.writeUInt32BE(Math.floor(((epochMs % 1000) / 1000) * 2 ** 32) >>> 0, 4);
  return out;
}

function track(sockets: Set<TcpSocket>, socket: TcpSocket): void {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
}

function listenTcp(server: TcpServer | HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function bindUdp(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
}
