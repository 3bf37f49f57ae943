// Preloaded (NODE_OPTIONS=--import) into a server under test: its main thread cannot connect anywhere but this
// machine, as on a host with no network. (Node does not run --import preloads in worker threads.)
import net from 'node:net';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function (...args) {
  // net.connect hands its normalised [options, callback] pair over as one array.
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  const host = typeof options === 'object' ? options.host : args[1];
  const isPipe = typeof options === 'object' && options.path !== undefined;
  if (!isPipe && !LOOPBACK.test(host ?? 'localhost')) {
    throw Object.assign(new Error(`no network here: a connection to ${host} was refused`), { code: 'ENETUNREACH' });
  }
  return connect.apply(this, args);
};
