// Sustained keep-alive load at a fixed rate, from autocannon (the load generator the benches use).
import autocannon from 'autocannon';

/** A GET carrying what the filter redacts: a bearer token, a cookie, a secret query parameter. */
const HEADERS = {
  authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb2FrIn0.c2lnbmF0dXJl',
  cookie: 'session=sid-0a1b2c3d4e5f; theme=dark',
  accept: 'application/json',
  'user-agent': 'redtail-soak',
  'x-forwarded-proto': 'https',
};

/** `amount` requests over `connections` kept-alive connections at `perSecond` in all; every answer counted. */
export async function steadyLoad(url: string, { connections, perSecond, amount }: { connections: number; perSecond: number; amount: number }) {
  return autocannon({ url: `${url}/orders/42?page=2&sort=desc&token=tok-secret-9f8e`, connections, overallRate: perSecond, amount, headers: HEADERS });
}
