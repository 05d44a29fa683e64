#!/usr/bin/env node
// A scripted broker built on jspurefix (an independent FIX engine in TypeScript), for Ballast's
// interop tests. It is a FIX acceptor that:
//   - accepts the counterparty's Logon (any credentials),
//   - answers each NewOrderSingle (35=D) with three ExecutionReports: New, a partial fill and the
//     full fill, all at the limit price (market orders at --market-px),
//   - answers each OrderStatusRequest (35=H) with an ExecutionReport (4.4: ExecType I; 4.2:
//     ExecTransType 3) carrying the order's current state,
//   - answers each OrderMassCancelRequest (35=q, FIX 4.4) with an OrderMassCancelReport (35=r):
//     accepted (MassCancelResponse = the request's type), TotalAffectedOrders = the orders still
//     open (none: every order is filled at once), after cancelling them,
//   - writes every message it receives and sends to --log, one per line:
//       IN <msg>      or      OUT <msg>       (SOH shown as '|')
//   - prints "READY <port>" on stdout once it listens,
//   - exits 0 after the peer's Logout has been answered, 0 on SIGTERM/SIGINT, 3 after --timeout s.
//
// Fill quantities (exact decimal arithmetic, quantities in 1e-6 units like Ballast's Qty):
//   partial = half the order quantity rounded down to a whole unit when the order is at least 2
//             units, else half rounded down to 1e-6; the full fill is the rest. An order too small
//             to split (1e-6) gets one full fill. Example: 100 -> 50 then 50; 7 -> 3 then 4.
//
// Usage: node jspurefix_acceptor.js --port N --sender BROKER --target BALLAST --log FILE
//          [--begin FIX.4.4|FIX.4.2] [--timeout 30] [--market-px 100] [--engine-log FILE]
// --port 0 picks a free port (reported on the READY line).
'use strict'

const fs = require('fs')
const path = require('path')

function usage (msg) {
  process.stderr.write(`jspurefix_acceptor: ${msg}\n` +
    'usage: node jspurefix_acceptor.js --port N --sender BROKER --target BALLAST --log FILE ' +
    '[--begin FIX.4.4|FIX.4.2] [--timeout S] [--market-px PX] [--engine-log FILE]\n')
  process.exit(2)
}

function parseArgs (argv) {
  const out = { port: null, sender: null, target: null, log: null, begin: 'FIX.4.4', timeout: 30, marketPx: '100', engineLog: null }
  const names = { '--port': 'port', '--sender': 'sender', '--target': 'target', '--log': 'log', '--begin': 'begin', '--timeout': 'timeout', '--market-px': 'marketPx', '--engine-log': 'engineLog' }
  for (let i = 0; i < argv.length; i++) {
    const key = names[argv[i]]
    if (!key) usage(`unknown argument '${argv[i]}'`)
    if (i + 1 >= argv.length) usage(`${argv[i]} needs a value`)
    out[key] = argv[++i]
  }
  if (out.port === null || !/^\d+$/.test(out.port) || Number(out.port) > 65535) usage('--port must be 0..65535')
  out.port = Number(out.port)
  if (!out.sender) usage('--sender is required')
  if (!out.target) usage('--target is required')
  if (!out.log) usage('--log is required')
  if (out.begin !== 'FIX.4.4' && out.begin !== 'FIX.4.2') usage(`--begin must be FIX.4.4 or FIX.4.2, not '${out.begin}'`)
  if (!/^\d+(\.\d+)?$/.test(String(out.timeout))) usage('--timeout must be a number of seconds')
  out.timeout = Number(out.timeout)
  if (!/^\d+(\.\d+)?$/.test(out.marketPx)) usage('--market-px must be a plain decimal')
  return out
}

const args = parseArgs(process.argv.slice(2))

// Resolve jspurefix next to this script (tests/interop/node_modules), whatever the cwd is.
let jsfix
try {
  require(require.resolve('reflect-metadata', { paths: [__dirname] }))
  jsfix = require(require.resolve('jspurefix', { paths: [__dirname] }))
} catch (e) {
  process.stderr.write(`jspurefix_acceptor: cannot load jspurefix (run 'npm ci' in ${__dirname}): ${e.message}\n`)
  process.exit(2)
}
const { AsciiSession, SessionLauncher, JsFixWinstonLogFactory, WinstonLogger, DITokens } = jsfix
const jspurefixDir = path.dirname(require.resolve('jspurefix/package.json', { paths: [__dirname] }))
const dictionary = path.join(jspurefixDir, 'data', args.begin === 'FIX.4.4' ? 'FIX44.xml' : 'FIX42.xml')
const fix44 = args.begin === 'FIX.4.4'

// ------------------------------------------------------------------ message log
fs.writeFileSync(args.log, '')
function record (dir, txt) {
  // Synchronous so that the file is complete whenever the process is killed.
  fs.appendFileSync(args.log, `${dir} ${String(txt).replace(/\x01/g, '|')}\n`)
}

// ------------------------------------------------------------------ exact decimals
// A decimal as { v: BigInt, s: scale } meaning v / 10^s.
function parseDec (text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text).trim())
  if (!m) return null
  const frac = m[3] || ''
  const v = BigInt(m[2] + frac) * (m[1] === '-' ? -1n : 1n)
  return { v, s: frac.length }
}
function rescale (d, s) { return d.v * 10n ** BigInt(s - d.s) } // s >= d.s
function fmtDec (v, s) {
  const neg = v < 0n
  let digits = (neg ? -v : v).toString().padStart(s + 1, '0')
  let out = s > 0 ? `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}` : digits
  if (s > 0) out = out.replace(/0+$/, '').replace(/\.$/, '')
  return (neg ? '-' : '') + out
}
const QS = 6 // quantity scale, as Ballast's Qty
const UNIT = 10n ** BigInt(QS)

function splitQty (qtyText) {
  const d = parseDec(qtyText)
  if (!d || d.s > QS || d.v <= 0n) return null
  const q = rescale(d, QS)
  let first = q >= 2n * UNIT ? (q / 2n / UNIT) * UNIT : q / 2n
  if (first === 0n) return { total: q, fills: [q] }
  return { total: q, fills: [first, q - first] }
}

// ------------------------------------------------------------------ the broker session
let sawLogout = false
let orderSeq = 0
const orders = new Map() // ClOrdID -> order state

class ScriptedBroker extends AsciiSession {
  constructor (config) {
    super(config)
    this.config = config
    this.checkMsgIntegrity = true // reject what is not valid under the QuickFIX dictionary
    this.logger = config.logFactory.logger(`${this.me}:ScriptedBroker`)
  }

  onDecoded (msgType, txt) {
    record('IN', txt)
    if (msgType === '5') sawLogout = true
  }

  onEncoded (msgType, txt) { record('OUT', txt) }

  onLogon (view, user, password) { return true }

  onReady (view) { this.logger.info('logged on') }

  onStopped (error) {
    this.logger.info(`stopped ${error ? error.message : ''}`)
    if (sawLogout) finish(0, 'peer logged out')
  }

  onApplicationMsg (msgType, view) {
    switch (msgType) {
      case 'D': this.onNewOrder(view); break
      case 'H': this.onStatusRequest(view); break
      case 'q': this.onMassCancel(view); break
      default: this.logger.info(`ignoring application message ${msgType}`)
    }
  }

  instrument (symbol) { return fix44 ? { Instrument: { Symbol: symbol } } : { Symbol: symbol } }
  orderQty (qty) { return fix44 ? { OrderQtyData: { OrderQty: qty } } : { OrderQty: qty } }

  report (o, execType, lastQty, extra) {
    const cum = fmtDec(o.cum, QS)
    const er = Object.assign({
      OrderID: o.orderId,
      ClOrdID: o.clOrdId,
      ExecID: `${o.orderId}-${++o.execSeq}`,
      ExecType: execType,
      OrdStatus: o.status,
      Side: o.side
    }, o.account ? { Account: o.account } : {},
    this.instrument(o.symbol), this.orderQty(o.qtyText),
    o.priceText ? { Price: o.priceText } : {}, {
      LeavesQty: fmtDec(o.status === '2' || o.status === '8' ? 0n : o.total - o.cum, QS),
      CumQty: cum,
      AvgPx: o.cum > 0n ? o.fillPx : '0',
      TransactTime: new Date()
    }, extra || {})
    if (lastQty !== null) {
      er[fix44 ? 'LastQty' : 'LastShares'] = fmtDec(lastQty, QS)
      er.LastPx = o.fillPx
    }
    if (!fix44) er.ExecTransType = er.ExecTransType || '0'
    this.send('8', er)
  }

  onNewOrder (view) {
    const clOrdId = view.getString(11)
    const qtyText = view.getString(38)
    const priceText = view.getString(44)
    const ordType = view.getString(40)
    const o = {
      orderId: `JSPF${process.pid}-${++orderSeq}`,
      clOrdId,
      account: view.getString(1),
      symbol: view.getString(55),
      side: view.getString(54),
      qtyText,
      priceText: priceText || null,
      fillPx: ordType === '1' || !priceText ? args.marketPx : priceText,
      total: 0n,
      cum: 0n,
      status: '0',
      execSeq: 0
    }
    const split = splitQty(qtyText)
    if (!split) {
      o.status = '8'
      orders.set(clOrdId, o)
      this.report(o, '8', null, { Text: `OrderQty '${qtyText}' is not a positive decimal with at most 6 places`, OrdRejReason: '99' })
      return
    }
    o.total = split.total
    orders.set(clOrdId, o)
    this.report(o, '0', null)
    for (const q of split.fills) {
      o.cum += q
      o.status = o.cum === o.total ? '2' : '1'
      // FIX 4.4: ExecType F (trade); FIX 4.2: ExecType = 1 partial / 2 fill.
      this.report(o, fix44 ? 'F' : o.status, q)
    }
  }

  onMassCancel (view) {
    const type = view.getString(530)
    let affected = 0
    for (const o of orders.values()) {
      if (o.status === '0' || o.status === '1') {
        o.status = '4'
        this.report(o, '4', null)
        ++affected
      }
    }
    this.send('r', {
      ClOrdID: view.getString(11),
      OrderID: `JSPF${process.pid}-MASS-${++orderSeq}`,
      MassCancelRequestType: type,
      MassCancelResponse: type,
      TotalAffectedOrders: affected
    })
  }

  onStatusRequest (view) {
    const clOrdId = view.getString(11)
    const o = orders.get(clOrdId)
    if (!o) {
      const unknown = {
        orderId: 'NONE', clOrdId, account: view.getString(1), symbol: view.getString(55), side: view.getString(54),
        qtyText: '0', priceText: null, fillPx: '0', total: 0n, cum: 0n, status: '8', execSeq: 0
      }
      this.report(unknown, fix44 ? 'I' : '8', null, Object.assign({ Text: 'unknown ClOrdID' }, fix44 ? {} : { ExecTransType: '3' }))
      return
    }
    this.report(o, fix44 ? 'I' : o.status, null, fix44 ? {} : { ExecTransType: '3' })
  }
}

// ------------------------------------------------------------------ launch
const engineLog = args.engineLog || `${args.log}.engine`
const logFactory = new JsFixWinstonLogFactory(WinstonLogger.fileOptions(engineLog, 'info'))

class Launcher extends SessionLauncher {
  constructor () {
    super(null, {
      application: {
        type: 'acceptor',
        name: 'ballast_interop_broker',
        tcp: { host: '127.0.0.1', port: args.port },
        protocol: 'ascii',
        dictionary
      },
      EncryptMethod: 0,
      ResetSeqNumFlag: false,
      HeartBtInt: 30,
      SenderCompId: args.sender,
      TargetCompID: args.target,
      BeginString: args.begin
    }, logFactory)
  }

  makeFactory (config) {
    return { makeSession: (sessionConfig) => new ScriptedBroker(sessionConfig) }
  }

  async getAcceptor (container) {
    const entity = container.resolve(DITokens.FixEntity)
    this.acceptorEntity = entity
    const started = entity.start() // listen() is called synchronously inside
    const server = entity.acceptor && entity.acceptor.server
    if (!server) throw new Error('jspurefix acceptor has no server to listen on')
    server.once('listening', () => process.stdout.write(`READY ${server.address().port}\n`))
    return started
  }
}

let finished = false
function finish (code, why) {
  if (finished) return
  finished = true
  process.stderr.write(`jspurefix_acceptor: exiting (${why})\n`)
  try { launcher.stop() } catch (e) { /* already stopped */ }
  // Give the transport a moment to flush the Logout answer, then go.
  setTimeout(() => process.exit(code), 100).unref()
}

const launcher = new Launcher()
process.on('SIGTERM', () => finish(0, 'SIGTERM'))
process.on('SIGINT', () => finish(0, 'SIGINT'))
setTimeout(() => finish(3, `timeout after ${args.timeout} s`), args.timeout * 1000).unref()
// Keep the process alive until one of the above (the listener alone may be closed early).
const keepAlive = setInterval(() => {}, 1 << 30)
process.on('exit', () => clearInterval(keepAlive))
launcher.run().catch((e) => {
  process.stderr.write(`jspurefix_acceptor: ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
