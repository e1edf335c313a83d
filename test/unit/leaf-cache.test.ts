/**
 * Leaf certificates by SNI name: issued once per name however many handshakes ask at once,
 * served from memory after, renewed before they expire, bounded in number.
 */
import { X509Certificate } from 'node:crypto'
import type { SecureContext } from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import { LocalCaError } from '../../src/tls/ca-error.js'
import { createLeafCache } from '../../src/tls/leaf-cache.js'
import { createLocalCa, type LocalCa } from '../../src/tls/local-ca.js'

const DAY_MS = 86_400_000

let ca: LocalCa
beforeAll(async () => {
  ;({ ca } = await createLocalCa())
})

/** A clock the test moves. */
function testClock(start = Date.now()) {
  let time = start
  return { now: () => time, advanceDays: (days: number) => (time += days * DAY_MS) }
}

const sanOf = (pem: string) => new X509Certificate(pem).subjectAltName

/** SNICallback as a promise: the context, or the error a handshake would fail with. */
function sni(callback: ReturnType<typeof createLeafCache>['SNICallback'], servername: string): Promise<SecureContext> {
  return new Promise((resolve, reject) => callback(servername, (error, context) => (error ? reject(error) : resolve(context!))))
}

describe('createLeafCache', () => {
  it('issues one certificate per name, shared by every handshake that asks while it is made', async () => {
    const cache = createLeafCache(ca)
    const [a, b, c] = await Promise.all([cache.get('app.localhost'), cache.get('app.localhost'), cache.get('App.Localhost.')])
    expect(b).toBe(a)
    expect(c).toBe(a)
    expect(sanOf(a!.certificate.certPem)).toBe('DNS:app.localhost')
    expect(await cache.get('app.localhost')).toBe(a)
    expect(cache.size).toBe(1)
  })

  it('answers SNICallback from memory once a name is known', async () => {
    const cache = createLeafCache(ca)
    const first = await sni(cache.SNICallback, 'api.localhost')
    let answered: SecureContext | undefined
    cache.SNICallback('api.localhost', (_error, context) => (answered = context))
    expect(answered).toBe(first) // synchronously: no wait on a known name
  })

  it('serves clients without SNI localhost and the loopback addresses', async () => {
    const cache = createLeafCache(ca)
    const options = await cache.serverOptions()
    expect(sanOf(options.cert)).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
    expect(options.key).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(options.SNICallback).toBe(cache.SNICallback)
    expect((await cache.get()).certificate.certPem).toBe(options.cert)
  })

  it('refuses names the CA does not cover, and keeps nothing for them', async () => {
    const cache = createLeafCache(ca)
    const error = await sni(cache.SNICallback, 'example.com').then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(LocalCaError)
    expect((error as LocalCaError).code).toBe('host_outside_ca')
    await expect(cache.get('not_a_name')).rejects.toMatchObject({ code: 'host_invalid' })
    expect(cache.size).toBe(0)
    await expect(cache.prepare(['app.localhost', 'example.com'])).rejects.toMatchObject({ code: 'host_outside_ca', host: 'example.com' })
  })

  it('renews a certificate in the background once it is within renewBeforeDays of its end', async () => {
    const clock = testClock()
    const renewals: unknown[] = []
    const cache = createLeafCache(ca, { now: clock.now, renewBeforeDays: 30, onRenewalError: (error) => renewals.push(error) })
    const first = await cache.get('app.localhost')
    clock.advanceDays(59)
    expect(await cache.get('app.localhost')).toBe(first) // 31 days left: not due
    clock.advanceDays(2)
    expect(await cache.get('app.localhost')).toBe(first) // due: still served while the next is made
    await expect.poll(() => cache.get('app.localhost'), { timeout: 5_000, interval: 10 }).not.toBe(first)
    const renewed = await cache.get('app.localhost')
    expect(renewed.certificate.notAfter.getTime()).toBeGreaterThan(first.certificate.notAfter.getTime())
    expect(renewals).toEqual([])
  })

  it('waits for a new certificate rather than serve an expired one', async () => {
    const clock = testClock()
    const cache = createLeafCache(ca, { now: clock.now })
    const first = await cache.get('app.localhost')
    clock.advanceDays(91)
    const next = await cache.get('app.localhost')
    expect(next).not.toBe(first)
    expect(next.certificate.notAfter.getTime()).toBeGreaterThan(clock.now())
  })

  it('keeps at most maxEntries names, dropping the least recently used', async () => {
    const cache = createLeafCache(ca, { maxEntries: 2 })
    const a = await cache.get('a.localhost')
    await cache.get('b.localhost')
    await cache.get('a.localhost')
    await cache.get('c.localhost')
    expect(cache.size).toBe(2)
    expect(await cache.get('a.localhost')).toBe(a) // b went, not a
  })

  it('renews the server’s own certificate through setSecureContext', async () => {
    const clock = testClock()
    const cache = createLeafCache(ca, { now: clock.now })
    const initial = await cache.serverOptions()
    const applied: string[] = []
    const stop = cache.keepServerCertificate({ setSecureContext: (options) => applied.push(String(options?.cert)) }, 5)
    try {
      clock.advanceDays(70)
      await expect.poll(() => applied.length, { timeout: 5_000, interval: 10 }).toBe(1)
      expect(applied[0]).not.toBe(initial.cert)
      expect(sanOf(applied[0]!)).toBe(sanOf(initial.cert))
    } finally {
      stop()
    }
  })
})
